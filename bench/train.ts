// `npm run bench:train`: training throughput of the reference model (dim 512, 8 layers, 8 heads,
// FFN 1376, vocab 8192, context 512, 8 rows per step) — ours vs PyTorch eager on the same
// machine in the same run, plus model FLOPs utilisation against the GEMM peak measured here.
//   --steps N (timed steps, default 3)  --warmup N (default 1)  --json  --no-peer
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { kernels } from '../src/engine/backend.ts';
import { nativeInfo } from '../src/engine/native.ts';
import { Rng } from '../src/util/rng.ts';
import { parseLlamaConfig } from '../src/model/config.ts';
import { flopsPerToken } from '../src/model/flops.ts';
import { LlamaModel, TrainingWorkspace, type TrainingBatch } from '../src/model/llama.ts';
import { AdamW, paperAdamW } from '../src/train/optimizer.ts';
import { findPython, peerEnv } from './peers/find-python.ts';
import { median } from '../src/util/statistics.ts';

const args = process.argv.slice(2);
const flag = (name: string) => args.includes(name);
const value = (name: string, fallback: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const json = flag('--json');
const steps = value('--steps', 3);
const warmup = value('--warmup', 1);
const shape = { vocab: 8192, dim: 512, layers: 8, heads: 8, kvHeads: 8, ffn: 1376, t: 512, rows: 8 };
const log = (line: string) => {
  if (!json) console.log(line);
};

function measurePeakGflops(): number {
  const n = 1024;
  const a = new Float32Array(n * n).fill(0.5);
  const c = new Float32Array(n * n);
  const k = kernels();
  let best = Infinity;
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    k.gemm({ transA: false, transB: true, m: n, n, k: n, alpha: 1, a, lda: n, b: a, ldb: n, beta: 0, c, ldc: n });
    best = Math.min(best, performance.now() - t0);
  }
  return (2 * n * n * n) / (best / 1000) / 1e9;
}

function ours(): { tokensPerSecond: number; secondsPerStep: number } {
  const config = parseLlamaConfig({
    vocabSize: shape.vocab,
    dim: shape.dim,
    layers: shape.layers,
    heads: shape.heads,
    kvHeads: shape.kvHeads,
    ffnHidden: shape.ffn,
    maxSeqLen: shape.t,
    ropeTheta: 10000,
  });
  const model = LlamaModel.initialised(config, 1);
  const ws = new TrainingWorkspace(config, shape.rows, shape.t);
  const grads = model.params.like();
  const opt = new AdamW(model.params, { ...paperAdamW });
  const rng = new Rng(2);
  const n = shape.rows * shape.t;
  const batch: TrainingBatch = {
    tokens: Int32Array.from({ length: n }, () => rng.int(shape.vocab)),
    targets: Int32Array.from({ length: n }, () => rng.int(shape.vocab)),
    positions: Int32Array.from({ length: n }, (_, i) => i % shape.t),
    segments: null,
  };
  const times: number[] = [];
  for (let s = 0; s < warmup + steps; s++) {
    const t0 = performance.now();
    grads.flat.fill(0);
    model.forwardBackward(ws, batch, grads, 1 / n);
    opt.update(grads, 1e-4);
    if (s >= warmup) times.push((performance.now() - t0) / 1000);
  }
  const mid = median(times);
  return { tokensPerSecond: n / mid, secondsPerStep: mid };
}

function torchPeer(): { tokensPerSecond: number; python: string; version: string } | { error: string } {
  if (flag('--no-peer')) return { error: 'disabled (--no-peer)' };
  const python = findPython('torch');
  if (!python) return { error: 'no python3 that can import torch (apt-get install python3-torch)' };
  const script = fileURLToPath(new URL('./peers/torch_train.py', import.meta.url));
  const threads = nativeInfo().threads;
  const r = spawnSync(python, [script, JSON.stringify({ ...shape, threads, steps, warmup })], {
    env: peerEnv(threads),
    encoding: 'utf8',
    timeout: 30 * 60_000,
  });
  if (r.status !== 0)
    return { error: `torch peer failed: ${(r.stderr || r.error?.message || '').trim().split('\n').pop()}` };
  const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { tokens_per_s: number; torch: string };
  return { tokensPerSecond: out.tokens_per_s, python, version: out.torch };
}

const info = nativeInfo();
log(
  `reference model: dim ${shape.dim}, ${shape.layers} layers, ${shape.heads} heads, FFN ${shape.ffn}, vocab ${shape.vocab}, ${shape.rows}×${shape.t} tokens per step; ${info.threads} threads, ${info.simd}`,
);
const peak = measurePeakGflops();
log(`measured GEMM peak (1024³): ${peak.toFixed(1)} GFLOPS`);
const mine = ours();
const flops =
  3 *
  flopsPerToken(
    parseLlamaConfig({
      vocabSize: shape.vocab,
      dim: shape.dim,
      layers: shape.layers,
      heads: shape.heads,
      kvHeads: shape.kvHeads,
      ffnHidden: shape.ffn,
      maxSeqLen: shape.t,
    }),
    shape.t,
  );
const mfu = (mine.tokensPerSecond * flops) / (peak * 1e9);
log(
  `lmlab:   ${mine.tokensPerSecond.toFixed(0)} tokens/s (${mine.secondsPerStep.toFixed(2)} s/step), MFU ${(100 * mfu).toFixed(1)}% of the measured peak`,
);
const peer = torchPeer();
if ('error' in peer) {
  log(`PyTorch: unavailable — ${peer.error}`);
} else {
  log(`PyTorch ${peer.version} eager (${peer.python}): ${peer.tokensPerSecond.toFixed(0)} tokens/s`);
  log(`ratio lmlab/PyTorch: ${(mine.tokensPerSecond / peer.tokensPerSecond).toFixed(2)}×`);
}
if (json) {
  const ok = !('error' in peer);
  console.log(
    JSON.stringify({
      bench: 'train',
      tokens_per_s: mine.tokensPerSecond,
      mfu,
      peak_gflops: peak,
      peer: ok ? 'torch' : null,
      peer_tokens_per_s: ok ? peer.tokensPerSecond : null,
      ratio: ok ? mine.tokensPerSecond / peer.tokensPerSecond : null,
    }),
  );
}
