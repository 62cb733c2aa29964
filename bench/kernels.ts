// Kernel benchmark: GFLOPS of our GEMM/GEMV on the model's typical shapes, side by side with
// numpy (and the BLAS it is linked to) in the same run, plus the tiled attention forward pass
// with the process's peak RSS to show that its memory stays bounded as T grows.
//
//   npm run bench:kernels [-- [--json] [--rounds N]]   (N: 1..50, default 7)
//
// Ours and the peer are measured in alternating rounds (ours, peer, ours, peer, ...): the
// machine is shared, and interleaving spreads other processes' noise over both sides; each side
// starts only after the other's threads have gone idle. Each round is the best of a few
// back-to-back runs; the reported figure is the median over rounds.
// It does not tune anything or judge pass/fail: it prints figures and ratios.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { availableParallelism, loadavg } from 'node:os';
import { createInterface, type Interface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { kernels } from '../src/engine/backend.ts';
import type { GemmArgs } from '../src/engine/kernels.ts';
import { loadAddon, nativeInfo } from '../src/engine/native.ts';
import { Rng } from '../src/util/rng.ts';
import { findPython, peerEnv } from './peers/find-python.ts';
import { median } from '../src/util/statistics.ts';

type Layout = 'nn' | 'nt' | 'tn';
interface GemmCase {
  m: number;
  k: number;
  n: number;
  layout: Layout;
}

const LAYOUT_LABEL: Record<Layout, string> = { nn: 'A·B', nt: 'A·Bᵀ', tn: 'Aᵀ·B' };
const GEMM_CASES: GemmCase[] = [
  ...[
    [512, 512, 1536],
    [2048, 512, 512],
    [1024, 1024, 1024],
  ].flatMap(([m, k, n]) => (['nn', 'nt', 'tn'] as Layout[]).map((layout) => ({ m, k, n, layout }))),
  // The decode GEMV: x[1, K] · W[N, K]ᵀ, weights stored [out][in].
  { m: 1, k: 512, n: 1536, layout: 'nt' },
  { m: 1, k: 2048, n: 2048, layout: 'nt' },
];
const ATTENTION_T = [512, 2048, 8192];
const SETTLE_MS = 200;

const args = process.argv.slice(2);
const json = args.includes('--json');
const roundsArg = args.indexOf('--rounds');
const rounds = roundsArg >= 0 ? Math.min(50, Math.max(1, Math.floor(Number(args[roundsArg + 1])) || 7)) : 7;

function say(line: string): void {
  if (!json) console.log(line);
}
/** Context about the run (peer, environment): stdout normally, stderr under --json. */
function note(line: string): void {
  if (json) console.error(line);
  else console.log(line);
}
function emit(record: Record<string, unknown>): void {
  if (json) console.log(JSON.stringify(record));
}
function random(rng: Rng, n: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.normal();
  return out;
}
function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

// ---- the numpy peer ---------------------------------------------------------------------------

interface Peer {
  label: string;
  time(c: GemmCase, inner: number): Promise<number>;
  close(): void;
}

async function startPeer(threads: number): Promise<Peer | undefined> {
  const python = findPython('numpy');
  if (!python) {
    note('peer: no Python with numpy found (tried /usr/bin/python3, python3); peer columns are empty');
    return undefined;
  }
  if (process.env.OPENBLAS_CORETYPE !== undefined || process.env.OPENBLAS_L2_SIZE !== undefined) {
    note(
      `note: OPENBLAS_CORETYPE=${process.env.OPENBLAS_CORETYPE ?? ''} OPENBLAS_L2_SIZE=${process.env.OPENBLAS_L2_SIZE ?? ''} ` +
        'are set (older OpenBLAS builds needed them on this CPU); both are unset for the numpy peer process only',
    );
  }
  const env = peerEnv(threads);
  const script = fileURLToPath(new URL('./peers/numpy_gemm.py', import.meta.url));
  const child: ChildProcessWithoutNullStreams = spawn(python, [script], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-2000);
  });
  const lines: Interface = createInterface({ input: child.stdout });
  const iterator = lines[Symbol.asyncIterator]();
  const nextLine = async (): Promise<string> => {
    const next = await iterator.next();
    if (next.done) throw new Error(`the numpy peer exited: ${stderr.trim().split('\n').pop() ?? ''}`);
    return next.value;
  };
  const hello = JSON.parse(await nextLine()) as { numpy: string; blas: string };
  const reference = /\/blas\/libblas\.so/.test(hello.blas);
  note(
    `peer: numpy ${hello.numpy} via ${python} (${threads} threads), BLAS ${hello.blas}` +
      (reference ? '  [reference BLAS, not OpenBLAS: ratios against it say little]' : ''),
  );
  return {
    label: 'numpy',
    async time(c, inner) {
      child.stdin.write(`${JSON.stringify({ ...c, inner })}\n`);
      return (JSON.parse(await nextLine()) as { best_s: number }).best_s * 1000;
    },
    close() {
      child.stdin.end();
    },
  };
}

// ---- GEMM / GEMV -----------------------------------------------------------------------------

function ourProduct(c: GemmCase, rng: Rng): () => void {
  const { m, k, n, layout } = c;
  const g: GemmArgs = {
    transA: layout === 'tn',
    transB: layout === 'nt',
    m,
    n,
    k,
    alpha: 1,
    a: random(rng, m * k),
    lda: layout === 'tn' ? m : k,
    b: random(rng, k * n),
    ldb: layout === 'nt' ? k : n,
    beta: 0,
    c: new Float32Array(m * n),
    ldc: n,
  };
  const kern = kernels();
  return () => kern.gemm(g);
}

function bestOf(fn: () => void, inner: number): number {
  fn();
  let best = Infinity;
  for (let i = 0; i < inner; i++) {
    const start = nowMs();
    fn();
    best = Math.min(best, nowMs() - start);
  }
  return best;
}

async function benchGemm(peer: Peer | undefined): Promise<void> {
  const rng = new Rng(7);
  say('');
  say(`GEMM  M×K·K×N, median of ${rounds} interleaved rounds (each the best of several runs)`);
  say('shape            op     ours ms   GFLOPS   numpy ms   GFLOPS   ours/numpy');
  for (const c of GEMM_CASES) {
    const flops = 2 * c.m * c.n * c.k;
    const inner = c.m === 1 ? 200 : 3;
    const run = ourProduct(c, rng);
    const ours: number[] = [];
    const theirs: number[] = [];
    for (let r = 0; r < rounds; r++) {
      // BLAS worker threads keep spinning for a while after a call (OpenBLAS: ~0.1 s), and so,
      // briefly, do ours: let the other side's threads go idle before each measurement.
      if (peer) await sleep(SETTLE_MS);
      ours.push(bestOf(run, inner));
      if (peer) {
        await sleep(SETTLE_MS);
        theirs.push(await peer.time(c, inner));
      }
    }
    const oursMs = median(ours);
    const peerMs = peer ? median(theirs) : null;
    const gflops = flops / oursMs / 1e6;
    const peerGflops = peerMs === null ? null : flops / peerMs / 1e6;
    const ratio = peerGflops === null ? null : gflops / peerGflops;
    const shape = `${c.m}x${c.k}x${c.n}`;
    emit({
      bench: 'gemm',
      shape,
      layout: c.layout,
      ms: oursMs,
      gflops,
      peer: peer ? peer.label : null,
      peer_ms: peerMs,
      peer_gflops: peerGflops,
      ratio,
    });
    say(
      `${shape.padEnd(16)} ${LAYOUT_LABEL[c.layout].padEnd(5)} ${oursMs.toFixed(3).padStart(9)} ${gflops.toFixed(1).padStart(8)}` +
        (peerMs === null || peerGflops === null || ratio === null
          ? '          -        -            -'
          : ` ${peerMs.toFixed(3).padStart(10)} ${peerGflops.toFixed(1).padStart(8)} ${ratio.toFixed(2).padStart(12)}`),
    );
  }
}

// ---- attention -------------------------------------------------------------------------------

function benchAttention(): void {
  const heads = 8;
  const headDim = 64;
  const width = heads * headDim;
  const kern = kernels();
  // Another build of the addon may lack the attention kernels; say so instead of failing.
  const missing = kern.name === 'native' && typeof loadAddon().attentionForward !== 'function';
  const rng = new Rng(11);
  say('');
  say(`attention forward (causal, batch 1, ${heads} heads, kvHeads ${heads}, head dim ${headDim})`);
  say('T          ms     GFLOPS   peak RSS MB');
  for (const t of ATTENTION_T) {
    const shape = { batch: 1, t, heads, kvHeads: heads, headDim, scale: 1 / Math.sqrt(headDim) };
    const q = random(rng, t * width);
    const k = random(rng, t * width);
    const v = random(rng, t * width);
    const out = new Float32Array(t * width);
    const lse = new Float32Array(heads * t);
    // Causal: about half of the T² score and value products, two matmuls of D each.
    const flops = (2 * 2 * heads * headDim * (t * (t + 1))) / 2;
    let ms: number;
    try {
      if (missing) throw new Error('attentionForward is not in this build of the native addon');
      const reps = t >= 8192 ? 2 : 4;
      ms = bestOf(() => kern.attentionForward(shape, q, k, v, null, out, lse), reps);
    } catch (err) {
      const why = (err as Error).message.split('\n')[0];
      emit({ bench: 'attention', t, ms: null, gflops: null, peak_rss_mb: null, unavailable: why });
      say(`${String(t).padEnd(6)} unavailable (${why})`);
      continue;
    }
    const peakRssMb = process.resourceUsage().maxRSS / 1024;
    const gflops = flops / ms / 1e6;
    emit({ bench: 'attention', t, ms, gflops, peak_rss_mb: peakRssMb });
    say(
      `${String(t).padEnd(6)} ${ms.toFixed(2).padStart(9)} ${gflops.toFixed(1).padStart(10)} ${peakRssMb.toFixed(0).padStart(13)}`,
    );
  }
}

async function main(): Promise<void> {
  const info = nativeInfo();
  note(`lmlab kernels: ${info.simd}, ${info.threads} threads`);
  const load = loadavg()[0];
  if (load > availableParallelism()) {
    note(
      `note: the machine is busy (load ${load.toFixed(1)} on ${availableParallelism()} cores): absolute figures are noisy, ratios less so`,
    );
  }
  const peer = await startPeer(info.threads);
  try {
    await benchGemm(peer);
  } finally {
    peer?.close();
  }
  benchAttention();
}

main().catch((err: Error) => {
  console.error(`bench:kernels: ${err.message.split('\n')[0]}`);
  process.exit(1);
});
