// `npm run bench:quant`: the quantized-weight kernels on Llama-3.2-1B's matrix shapes (dim 2048,
// FFN 8192, 8 KV heads of 64). Decode: the GEMV's effective read bandwidth (weight bytes per
// second) on a working set far larger than the caches, beside the machine's measured read
// bandwidth (the roof), and the decode tokens/s that bandwidth implies for the 1b shape's weights;
// F32 GEMV on the same shapes for comparison. Prefill: GEMM throughput (GFLOPS, 2·m·n·k) at
// m = 512 rows, quantized against the F32 packed GEMM (a lower bound on the time of any
// dequantize-to-F32 scheme, which runs that GEMM and dequantizes on top).
//   --json  --rounds N (default 5)  --types q8_0,q8_0x8,q4_0,q4_0x8,q4_k,q6_k (q4_0x8, q8_0x8:
//   the interleaved layouts a model holds Q4_0 and Q8_0 in)
// Medians over rounds; run it alone (other processes eat the bandwidth it measures).
import { availableParallelism } from 'node:os';
import { readBandwidth } from './llama-cpp/bandwidth.ts';
import { kernels } from '../src/engine/backend.ts';
import { QUANT_TYPES, QuantMatrix } from '../src/engine/quant.ts';
import { loadAddon, nativeInfo } from '../src/engine/native.ts';
import { QUANT_LAYOUT } from '../src/io/ggml-quants.ts';
import { Rng } from '../src/util/rng.ts';
import { median } from '../src/util/statistics.ts';

const args = process.argv.slice(2);
const json = args.includes('--json');
const value = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const rounds = Math.max(1, Number(value('--rounds') ?? 5));
const typeNames = (value('--types') ?? 'q8_0,q8_0x8,q4_0,q4_0x8,q4_k,q6_k')
  .split(',')
  .map((t) => t.toUpperCase().replace('X8', 'x8'));

const DIM = 2048;
const FFN = 8192;
const KV = 512;
const LAYERS = 16;
const VOCAB = 128256;
/** one layer's decode matrices: fused q/k/v, o, fused gate/up, down */
const SHAPES: Array<[number, number]> = [
  [DIM + 2 * KV, DIM],
  [DIM, DIM],
  [2 * FFN, DIM],
  [DIM, FFN],
];
const LAYER_VALUES = SHAPES.reduce((n, [r, c]) => n + r * c, 0);
const MODEL_VALUES = LAYERS * LAYER_VALUES + VOCAB * DIM;

function randomBlocks(rng: Rng, type: number, values: number): Uint8Array {
  const [bytes, per] = QUANT_LAYOUT[type];
  const blocks = values / per;
  const out = new Uint8Array(blocks * bytes);
  for (let i = 0; i < out.length; i += 4096) out.fill(rng.int(256), i, Math.min(out.length, i + 4096));
  const scaleAt = type === QUANT_TYPES.Q6_K ? 208 : 0;
  for (let b = 0; b < blocks; b++) {
    out[b * bytes + scaleAt] = 0;
    out[b * bytes + scaleAt + 1] = 0x20; // f16 2^-7
    if (type === QUANT_TYPES.Q4_K) {
      out[b * bytes + 2] = 0;
      out[b * bytes + 3] = 0x20;
    }
  }
  return out;
}

const k = kernels();
const rng = new Rng(1);
const threads = nativeInfo().threads;
// three probes one after the other (run together they would share the bandwidth they measure)
const probes: number[] = [];
for (let i = 0; i < 3; i++) probes.push(await readBandwidth(Math.min(threads, availableParallelism())));
const roof = median(probes);
const say = (s: string) => {
  if (!json) console.log(s);
};
say(
  `native ${nativeInfo().simd}, quantized path ${(loadAddon().quantIsa as () => { isa: string })().isa}, ${threads} threads`,
);
say(`memory read bandwidth (roof): ${roof.toFixed(1)} GB/s`);

// enough layers of matrices that the working set is far beyond the last-level cache
const COPIES = 4;
const x = new Float32Array(FFN).map(() => rng.normal());
const y = new Float32Array(2 * FFN);

function decodeRow(name: string, matrices: Array<{ rows: number; cols: number; bytes: number; run: () => void }>) {
  const total = matrices.reduce((n, m) => n + m.bytes, 0);
  for (const m of matrices) m.run(); // warm-up
  const rates: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const start = performance.now();
    for (const m of matrices) m.run();
    rates.push(total / ((performance.now() - start) / 1000) / 1e9);
  }
  const gbs = median(rates);
  const bytesPerValue = total / (COPIES * LAYER_VALUES);
  const tokens = (gbs * 1e9) / (MODEL_VALUES * bytesPerValue);
  say(
    `decode GEMV ${name.padEnd(5)} ${gbs.toFixed(1).padStart(6)} GB/s  ${((100 * gbs) / roof).toFixed(0).padStart(3)}% of roof  → 1b decode bound ${tokens.toFixed(1)} tokens/s (weights only)`,
  );
  if (json)
    console.log(
      JSON.stringify({
        bench: 'quant-gemv',
        type: name,
        gb_per_s: gbs,
        roof_gb_per_s: roof,
        roof_fraction: gbs / roof,
        tokens_per_s_bound: tokens,
      }),
    );
}

function randomMatrix(type: number, rows: number, cols: number): QuantMatrix {
  const file = FILE_TYPE.get(type) ?? type;
  const q = new QuantMatrix(file, rows, cols, randomBlocks(rng, file, rows * cols));
  return file === type ? q : q.interleaved();
}
const FILE_TYPE = new Map<number, number>([
  [QUANT_TYPES.Q4_0x8, QUANT_TYPES.Q4_0],
  [QUANT_TYPES.Q8_0x8, QUANT_TYPES.Q8_0],
]);

for (const name of typeNames) {
  const type = QUANT_TYPES[name as keyof typeof QUANT_TYPES];
  if (type === undefined) throw new Error(`unknown type ${name}`);
  const matrices = Array.from({ length: COPIES }, () =>
    SHAPES.map(([rows, cols]) => {
      // Q4_0x8, Q8_0x8: file blocks interleaved as a model holds them for decode
      const q = randomMatrix(type, rows, cols);
      return { rows, cols, bytes: q.byteLength, run: () => k.quantGemv(type, rows, cols, q.data, x, 0, y) };
    }),
  ).flat();
  decodeRow(name, matrices);
}
{
  const matrices = Array.from({ length: COPIES }, () =>
    SHAPES.map(([rows, cols]) => {
      const w = new Float32Array(rows * cols).fill(0.01);
      return { rows, cols, bytes: w.byteLength, run: () => k.gemv(rows, cols, w, cols, x, 0, y) };
    }),
  ).flat();
  decodeRow('F32', matrices);
}

// prefill: [m, 2048] · [8192, 2048]ᵀ
const M = 512;
const xs = new Float32Array(M * FFN).map(() => rng.normal());
const ys = new Float32Array(M * FFN);
function prefillRow(name: string, run: () => void) {
  run();
  const times: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const start = performance.now();
    run();
    times.push((performance.now() - start) / 1000);
  }
  const gflops = (2 * M * FFN * DIM) / median(times) / 1e9;
  say(`prefill GEMM ${name.padEnd(5)} m=${M} ${FFN}x${DIM}: ${gflops.toFixed(1)} GFLOPS`);
  if (json) console.log(JSON.stringify({ bench: 'quant-gemm', type: name, m: M, gflops }));
}
for (const name of typeNames) {
  const type = QUANT_TYPES[name as keyof typeof QUANT_TYPES];
  const w = randomMatrix(type, FFN, DIM).data;
  prefillRow(name, () => k.quantGemm(type, M, FFN, DIM, w, xs, DIM, 0, ys, FFN));
}
{
  const w = new Float32Array(FFN * DIM).fill(0.01);
  prefillRow('F32', () =>
    k.gemm({
      transA: false,
      transB: true,
      m: M,
      n: FFN,
      k: DIM,
      alpha: 1,
      a: xs,
      lda: DIM,
      b: w,
      ldb: DIM,
      beta: 0,
      c: ys,
      ldc: FFN,
    }),
  );
}
