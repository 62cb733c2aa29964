// Attention decode benchmark: one new query over a KV cache of C tokens, F32 and F16 caches, as
// the bytes of cache read per second against the machine's measured read bandwidth (the roof
// bench/llama-cpp/bandwidth.ts measures). A decode step at long contexts is bound by reading the
// cache, so this is the kernel-level figure behind bench:infer's decode row, and far less noisy
// than a whole model. Each step uses the next of `layers` separate caches, as a model's layers
// do, so the working set is far beyond the last-level cache.
//
//   node --import tsx bench/attention-decode.ts [--json] [--contexts 512,8192] [--steps N]
//                                               [--heads 8] [--kv-heads 8] [--head-dim 64]
//                                               [--precisions f32,f16] [--layers 4]
//
// It prints figures; it does not judge pass or fail.
import { availableParallelism, loadavg } from 'node:os';
import { createNativeKernels, nativeInfo } from '../src/engine/native.ts';
import { readBandwidth } from './llama-cpp/bandwidth.ts';

interface Options {
  json: boolean;
  contexts: number[];
  steps: number;
  heads: number;
  kvHeads: number;
  headDim: number;
  layers: number;
  precisions: Array<'f32' | 'f16'>;
}

function parseArgs(argv: string[]): Options {
  const o: Options = {
    json: false,
    contexts: [512, 2048, 8192],
    steps: 64,
    heads: 8,
    kvHeads: 8,
    headDim: 64,
    layers: 4,
    precisions: ['f32', 'f16'],
  };
  const int = (flag: string, text: string | undefined, min: number, max: number): number => {
    const v = Number(text);
    if (!Number.isInteger(v) || v < min || v > max) throw new Error(`${flag} must be a whole number in ${min}..${max}`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--json') o.json = true;
    else if (a === '--contexts') o.contexts = (argv[++i] ?? '').split(',').map((t) => int(a, t, 1, 131072));
    else if (a === '--steps') o.steps = int(a, argv[++i], 1, 10000);
    else if (a === '--heads') o.heads = int(a, argv[++i], 1, 256);
    else if (a === '--kv-heads') o.kvHeads = int(a, argv[++i], 1, 256);
    else if (a === '--head-dim') o.headDim = int(a, argv[++i], 1, 512);
    else if (a === '--precisions')
      o.precisions = (argv[++i] ?? '').split(',').map((p) => {
        if (p !== 'f32' && p !== 'f16') throw new Error('--precisions takes f32 and/or f16');
        return p;
      });
    else if (a === '--layers') o.layers = int(a, argv[++i], 1, 64);
    else throw new Error(`unknown argument ${a} (see the header of bench/attention-decode.ts)`);
  }
  if (o.heads % o.kvHeads !== 0) throw new Error('--heads must be a multiple of --kv-heads');
  return o;
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const k = createNativeKernels();
  const info = nativeInfo();
  const say = (s: string): void => {
    if (!o.json) console.log(s);
  };
  const bandwidth = Math.max(await readBandwidth(availableParallelism()), await readBandwidth(availableParallelism()));
  say(
    `attention decode — pool ${info.threads} threads (${info.simd}), load average ${loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}; read bandwidth ${bandwidth.toFixed(1)} GB/s`,
  );
  say(`${o.heads} heads, ${o.kvHeads} kv heads, head dim ${o.headDim}, ${o.layers} caches in rotation`);
  const width = o.kvHeads * o.headDim;
  const q = new Float32Array(o.heads * o.headDim).map((_, i) => Math.sin(i));
  const out = new Float32Array(o.heads * o.headDim);
  for (const ctx of o.contexts) {
    for (const precision of o.precisions) {
      const caches = Array.from({ length: o.layers }, (_, l) => {
        const f = new Float32Array(ctx * width);
        let x = 12345 + l;
        for (let i = 0; i < f.length; i++) {
          x = (Math.imul(x, 1103515245) + 12345) >>> 0;
          f[i] = x / 2 ** 31 - 1;
        }
        if (precision === 'f32') return { k: f, v: f.slice() };
        const h = new Uint16Array(ctx * width);
        k.f32ToF16(f.length, f, h);
        return { k: h, v: h.slice() };
      });
      const step = (l: number): void => {
        const c = caches[l % o.layers];
        if (c.k instanceof Float32Array)
          k.attentionCached(1, ctx - 1, o.heads, o.kvHeads, o.headDim, 0.125, q, c.k, c.v as Float32Array, width, out);
        else
          k.attentionCachedF16(
            1,
            ctx - 1,
            o.heads,
            o.kvHeads,
            o.headDim,
            0.125,
            q,
            c.k,
            c.v as Uint16Array,
            width,
            out,
          );
      };
      for (let l = 0; l < o.layers; l++) step(l); // warm-up: page in
      const times: number[] = [];
      for (let r = 0; r < 5; r++) {
        const start = performance.now();
        for (let s = 0; s < o.steps; s++) step(s);
        times.push((performance.now() - start) / o.steps);
      }
      times.sort((a, b) => a - b);
      const ms = times[2];
      const bytes = 2 * ctx * width * (precision === 'f32' ? 4 : 2);
      const gbps = bytes / (ms / 1000) / 1e9;
      say(
        `  ctx ${String(ctx).padStart(6)} ${precision}: ${(ms * 1000).toFixed(1).padStart(8)} us/step, ` +
          `${gbps.toFixed(1).padStart(5)} GB/s = ${((100 * gbps) / bandwidth).toFixed(0)}% of the roof`,
      );
      if (o.json)
        console.log(
          JSON.stringify({ bench: 'attention-decode', ctx, precision, us: ms * 1000, gb_per_s: gbps, roof: bandwidth }),
        );
    }
  }
}

main().catch((err: Error) => {
  console.error(`bench:attention-decode: ${err.message}`);
  process.exit(1);
});
