// Serving benchmark: `lmlab serve` on loopback (in this process) with a random-weight model of
// the reference shape (dim 512, 8 layers, 8 heads, FFN 1376, vocab 8192), N concurrent streaming
// clients each sending requests one after another (prompt of P token ids, greedy, M new tokens).
// Prints total generated tokens/s, time to first token and request latency percentiles, and 429s,
// for each concurrency with requests decoded one at a time (--max-active 1) and interleaved
// token by token (--max-active 4). Then the case for batched decode: the time of the decode
// step's matrix products for B tokens as one GEMM against B separate GEMVs — the most a
// batched decode step could gain on this machine.
//
//   npm run bench:serve [-- [--json] [--dim 512] [--layers 8] [--vocab 8192] [--prompt 128]
//                          [--max-tokens 32] [--requests 2] [--concurrency 1,4,16]]
//
// The clients share this process with the server (their cost is small next to a decode step).
// It prints figures; it does not judge pass or fail.
import { availableParallelism, loadavg } from 'node:os';
import * as ops from '../src/engine/ops.ts';
import { Tensor } from '../src/engine/tensor.ts';
import { nativeInfo } from '../src/engine/native.ts';
import { parseLlamaConfig, type LlamaConfig } from '../src/model/config.ts';
import { LlamaModel } from '../src/model/llama.ts';
import { ChunkCounter, trainBpe } from '../src/tokenizer/index.ts';
import { LmlabServer, ServedModel } from '../src/serve/index.ts';

interface Options {
  json: boolean;
  dim: number;
  layers: number;
  vocab: number;
  prompt: number;
  maxTokens: number;
  requests: number;
  concurrency: number[];
}

function parseArgs(argv: string[]): Options {
  const o: Options = {
    json: false,
    dim: 512,
    layers: 8,
    vocab: 8192,
    prompt: 128,
    maxTokens: 32,
    requests: 2,
    concurrency: [1, 4, 16],
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = Number(argv[++i]);
      if (!Number.isInteger(v) || v < 1) throw new Error(`${a} needs a whole number ≥ 1`);
      return v;
    };
    if (a === '--json') o.json = true;
    else if (a === '--dim') o.dim = value();
    else if (a === '--layers') o.layers = value();
    else if (a === '--vocab') o.vocab = value();
    else if (a === '--prompt') o.prompt = value();
    else if (a === '--max-tokens') o.maxTokens = value();
    else if (a === '--requests') o.requests = value();
    else if (a === '--concurrency') o.concurrency = argv[++i].split(',').map(Number);
    else throw new Error(`unknown argument ${a}`);
  }
  return o;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

function servedModel(config: LlamaConfig): ServedModel {
  const counter = new ChunkCounter();
  for (let i = 0; i < 20; i++) counter.add('the quick brown fox jumps over the lazy dog ');
  const tokenizer = trainBpe(counter, { vocabSize: 300, minFrequency: 2 }).tokenizer;
  // (a request that samples EOS ends early; tokens/s counts the tokens the usage reports)
  return new ServedModel({ id: 'bench', model: LlamaModel.initialised(config, 1), tokenizer, template: null });
}

interface Result {
  concurrency: number;
  maxActive: number;
  requests: number;
  refused: number;
  tokens: number;
  seconds: number;
  ttft: number[];
  latency: number[];
}

async function scenario(model: ServedModel, o: Options, concurrency: number, maxActive: number): Promise<Result> {
  const server = new LmlabServer(model, { maxActive, maxQueued: 64 });
  const port = await server.listen(0, '127.0.0.1');
  const url = `http://127.0.0.1:${port}/v1/completions`;
  const ttft: number[] = [];
  const latency: number[] = [];
  let tokens = 0;
  let refused = 0;
  const t0 = performance.now();
  const client = async (c: number) => {
    for (let r = 0; r < o.requests; r++) {
      const prompt = Array.from({ length: o.prompt }, (_, i) => (c * 131 + r * 17 + i * 7) % 300);
      const start = performance.now();
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          model: 'bench',
          prompt,
          max_tokens: o.maxTokens,
          temperature: 0,
          stream: true,
          stream_options: { include_usage: true },
        }),
      });
      if (res.status === 429) {
        refused++;
        await res.text();
        continue;
      }
      const reader = res.body!.getReader();
      let first = 0;
      let text = '';
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        if (!first) first = performance.now();
        text += new TextDecoder().decode(value);
      }
      const usage = /"usage":\{"prompt_tokens":\d+,"completion_tokens":(\d+)/.exec(text);
      tokens += usage ? Number(usage[1]) : 0;
      ttft.push(first - start);
      latency.push(performance.now() - start);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, c) => client(c)));
  const seconds = (performance.now() - t0) / 1000;
  await server.close();
  ttft.sort((a, b) => a - b);
  latency.sort((a, b) => a - b);
  return { concurrency, maxActive, requests: concurrency * o.requests, refused, tokens, seconds, ttft, latency };
}

/** Median time of f over a few runs, in ms. */
function timeMs(f: () => void, reps = 15): number {
  f();
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t = performance.now();
    f();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return times[times.length >> 1];
}

/** The decode step's products for B tokens: one GEMM per matrix vs B GEMVs. */
function batchedDecodeCase(config: LlamaConfig, model: LlamaModel, b: number): { gemv: number; gemm: number } {
  const p = model.params;
  const mats = [
    p.stacked(['q_proj', 'k_proj', 'v_proj'].map((m) => `model.layers.0.self_attn.${m}.weight`)),
    p.get('model.layers.0.self_attn.o_proj.weight'),
    p.stacked(['gate_proj', 'up_proj'].map((m) => `model.layers.0.mlp.${m}.weight`)),
    p.get('model.layers.0.mlp.down_proj.weight'),
  ];
  mats.push(p.get('lm_head.weight'));
  const one = mats.map((w) => ({ w, x: Tensor.zeros([1, w.shape[1]]), y: Tensor.zeros([1, w.shape[0]]) }));
  const many = mats.map((w) => ({ w, x: Tensor.zeros([b, w.shape[1]]), y: Tensor.zeros([b, w.shape[0]]) }));
  // the four layer matrices count once per layer, the head once
  const weight = (i: number) => (i < 4 ? config.layers : 1);
  let gemv = 0;
  let gemm = 0;
  one.forEach((m, i) => {
    gemv +=
      weight(i) *
      timeMs(() => {
        for (let k = 0; k < b; k++) ops.linear(m.x, m.w, m.y);
      });
  });
  many.forEach((m, i) => {
    gemm += weight(i) * timeMs(() => ops.linear(m.x, m.w, m.y));
  });
  return { gemv, gemm };
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const config = parseLlamaConfig({
    vocabSize: o.vocab,
    dim: o.dim,
    layers: o.layers,
    heads: 8,
    kvHeads: 8,
    ffnHidden: Math.round((o.dim * 8) / 3 / 32) * 32,
    maxSeqLen: 4096,
  });
  const model = servedModel(config);
  const info = nativeInfo();
  const header = `serve benchmark: dim ${o.dim}, ${o.layers} layers, vocab ${o.vocab}; prompt ${o.prompt} tokens, ${o.maxTokens} new tokens greedy, ${o.requests} requests per client; ${availableParallelism()} cores (${info.simd}, ${info.threads} threads), load ${loadavg()[0].toFixed(2)}`;
  if (!o.json) {
    console.log(header);
    console.log('clients  max-active  requests  429  tokens/s   TTFT p50/p90/p99 ms        latency p50/p90/p99 ms');
  }
  for (const c of o.concurrency) {
    for (const maxActive of c === 1 ? [1] : [1, 4]) {
      const r = await scenario(model, o, c, maxActive);
      const tps = r.tokens / r.seconds;
      const pct = (xs: number[]) => [50, 90, 99].map((p) => percentile(xs, p));
      if (o.json) {
        console.log(
          JSON.stringify({
            kind: 'load',
            clients: c,
            maxActive,
            requests: r.requests,
            refused: r.refused,
            tokensPerSecond: tps,
            ttftMs: pct(r.ttft),
            latencyMs: pct(r.latency),
          }),
        );
      } else {
        const f = (xs: number[]) =>
          pct(xs)
            .map((v) => v.toFixed(0))
            .join(' / ');
        console.log(
          `${String(c).padStart(7)}  ${String(maxActive).padStart(10)}  ${String(r.requests).padStart(8)}  ${String(r.refused).padStart(3)}  ${tps.toFixed(1).padStart(8)}   ${f(r.ttft).padEnd(26)} ${f(r.latency)}`,
        );
      }
    }
  }
  if (!o.json)
    console.log('\nbatched decode, upper bound: matrix products of one decode step for B tokens, B GEMVs vs one GEMM');
  for (const b of [4, 16]) {
    const { gemv, gemm } = batchedDecodeCase(config, model.model, b);
    if (o.json)
      console.log(
        JSON.stringify({ kind: 'batched-products', batch: b, gemvMs: gemv, gemmMs: gemm, ratio: gemv / gemm }),
      );
    else
      console.log(
        `  B = ${String(b).padStart(2)}: ${gemv.toFixed(2)} ms as GEMVs, ${gemm.toFixed(2)} ms as one GEMM: ${(gemv / gemm).toFixed(2)}×`,
      );
  }
}

await main();
