// The quantized-weight kernels (Q8_0, Q4_0, Q4_K, Q6_K) of the native addon against the
// TypeScript reference, on every SIMD path the build has (forced through quantIsa): GEMV and
// GEMM on odd row counts, several block counts, accumulation, a product large enough to be
// split across the pool's threads; row dequantization against the file decoder bit for bit;
// and the products against float32 products of the dequantized matrix (the activations' 8-bit
// quantization is the only difference, so they agree to a fraction of a percent; from 16 rows on,
// the paths without VNNI take prefill's float path and give that product itself).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/util/rng.ts';
import { dequantize, quantizeQ4_K, quantizeQ8_0 } from '../../src/io/ggml-quants.ts';
import { loadAddon } from '../../src/engine/native.ts';
import {
  deinterleaveQ4_0,
  deinterleaveQ8_0,
  interleaveQ4_0,
  interleaveQ8_0,
  QuantMatrix,
  QUANT_TYPES,
  quantTypeName,
} from '../../src/engine/quant.ts';
import { QUANT_GEMM_FLOAT_ROWS } from '../../src/engine/kernels.ts';
import { assertClose, native, randn, reference } from './helpers.ts';

const addon = loadAddon();
const quantIsa = addon.quantIsa as (name?: string) => { isa: string; best: string };
const best = quantIsa().best;
const PATHS = ['portable', 'avx2', 'vnni'].slice(0, ['portable', 'avx2', 'vnni'].indexOf(best) + 1);

const TYPES: Array<[string, number, number, number]> = [
  // name, ggml type, values per block, bytes per block
  ['Q8_0', QUANT_TYPES.Q8_0, 32, 34],
  ['Q4_0', QUANT_TYPES.Q4_0, 32, 18],
  ['Q4_K', QUANT_TYPES.Q4_K, 256, 144],
  ['Q6_K', QUANT_TYPES.Q6_K, 256, 210],
];

function putHalf(b: Uint8Array, at: number, bits: number): void {
  b[at] = bits & 0xff;
  b[at + 1] = bits >> 8;
}

/** Random blocks: every code pattern, with small positive f16 scales (so values stay finite). */
function randomBlocks(rng: Rng, type: number, rows: number, cols: number): Uint8Array {
  const [per, bytes] = TYPES.find((t) => t[1] === type)!.slice(2) as [number, number];
  const blocks = (rows * cols) / per;
  const out = new Uint8Array(blocks * bytes);
  for (let i = 0; i < out.length; i++) out[i] = rng.int(256);
  // f16 scales around 2^-7 .. 2^-4 (exponent 8..11), either sign for d where the format allows
  const scale = () => ((8 + rng.int(4)) << 10) | rng.int(1024);
  for (let b = 0; b < blocks; b++) {
    const at = b * bytes;
    if (type === QUANT_TYPES.Q8_0 || type === QUANT_TYPES.Q4_0) putHalf(out, at, scale() | (rng.int(2) << 15));
    else if (type === QUANT_TYPES.Q4_K) {
      putHalf(out, at, scale());
      putHalf(out, at + 2, scale());
    } else putHalf(out, at + 208, scale());
  }
  return out;
}

/** beta·y + x·Wᵀ over the dequantized weights, in double (the float path's product). */
function floatProduct(
  type: number,
  m: number,
  rows: number,
  cols: number,
  w: Uint8Array,
  x: Float32Array,
  ldx: number,
  beta: number,
  y0: Float32Array,
  ldy: number,
): Float32Array {
  const wf = new Float32Array(rows * cols);
  dequantize(type, w, wf);
  const y = Float32Array.from(y0);
  for (let i = 0; i < m; i++)
    for (let r = 0; r < rows; r++) {
      let v = 0;
      for (let k = 0; k < cols; k++) v += x[i * ldx + k] * wf[r * cols + k];
      y[i * ldy + r] = beta === 0 ? v : v + beta * y[i * ldy + r];
    }
  return y;
}

function runIsa<T>(isa: string, fn: () => T): T {
  const before = quantIsa().isa;
  quantIsa(isa);
  try {
    return fn();
  } finally {
    quantIsa(before);
  }
}

/** Tolerance for float-order differences: relative to the size of the terms summed. */
function tolerance(y: Float32Array): number {
  let m = 0;
  for (const v of y) m = Math.max(m, Math.abs(v));
  return 1e-5 * Math.max(1, m);
}

for (const [name, type, per] of TYPES) {
  test(`quantGemv ${name}: native (every path) matches the reference`, () => {
    const rng = new Rng(11 + type);
    for (const [rows, cols] of [
      [1, per],
      [5, per],
      [37, 3 * per],
      [130, 2 * per],
    ]) {
      const w = randomBlocks(rng, type, rows, cols);
      const x = randn(rng, cols + 3).subarray(3);
      const y0 = randn(rng, rows);
      for (const beta of [0, 1]) {
        const want = Float32Array.from(y0);
        reference.quantGemv(type, rows, cols, w, x, beta, want);
        for (const isa of PATHS) {
          const got = Float32Array.from(y0);
          runIsa(isa, () => native.quantGemv(type, rows, cols, w, x, beta, got));
          assertClose(got, want, `${name} gemv ${rows}x${cols} beta ${beta} ${isa}`, 1e-5, tolerance(want));
        }
      }
    }
  });

  test(`quantGemm ${name}: native (every path, threaded, edge tiles) matches the reference`, () => {
    const rng = new Rng(23 + type);
    for (const [m, rows, cols] of [
      [2, 3, per],
      [7, 9, 2 * per],
      [9, 70, per],
      [4, 8, per],
      // from QUANT_GEMM_FLOAT_ROWS rows on: VNNI's packed panels (edge panels, partial register
      // tiles, threads); the other paths' float32 GEMM over dequantized panels
      [16, 37, 2 * per],
      [41, 70, 5 * per],
    ]) {
      const w = randomBlocks(rng, type, rows, cols);
      const ldx = cols + 5;
      const ldy = rows + 2;
      const x = randn(rng, m * ldx);
      const y0 = randn(rng, m * ldy);
      for (const beta of [0, 1]) {
        const want = Float32Array.from(y0);
        reference.quantGemm(type, m, rows, cols, w, x, ldx, beta, want, ldy);
        const wantFloat = floatProduct(type, m, rows, cols, w, x, ldx, beta, y0, ldy);
        for (const isa of PATHS) {
          const got = Float32Array.from(y0);
          runIsa(isa, () => native.quantGemm(type, m, rows, cols, w, x, ldx, beta, got, ldy));
          if (m >= QUANT_GEMM_FLOAT_ROWS && isa !== 'vnni') {
            assertClose(
              got,
              wantFloat,
              `${name} float gemm ${m}x${rows}x${cols} beta ${beta} ${isa}`,
              1e-5,
              tolerance(wantFloat),
            );
            continue;
          }
          assertClose(got, want, `${name} gemm ${m}x${rows}x${cols} beta ${beta} ${isa}`, 1e-5, tolerance(want));
        }
      }
    }
  });

  test(`quantDequantRows ${name}: native equals the file decoder bit for bit`, () => {
    const rng = new Rng(31 + type);
    const rows = 6;
    const cols = 2 * per;
    const w = randomBlocks(rng, type, rows, cols);
    const all = new Float32Array(rows * cols);
    dequantize(type, w, all);
    const got = new Float32Array(3 * cols);
    native.quantDequantRows(type, cols, w, 2, 3, got);
    assert.deepEqual(got, all.subarray(2 * cols, 5 * cols));
    const ref = new Float32Array(3 * cols);
    reference.quantDequantRows(type, cols, w, 2, 3, ref);
    assert.deepEqual(ref, got);
  });
}

test('quantized products are within 1% of float32 products of the dequantized weights', () => {
  const rng = new Rng(5);
  const rows = 256;
  const cols = 1024;
  const wf = randn(rng, rows * cols, 0.05);
  const x = randn(rng, 4 * cols);
  for (const [name, bytes, type] of [
    ['Q8_0', quantizeQ8_0(wf), QUANT_TYPES.Q8_0],
    ['Q4_K', quantizeQ4_K(wf), QUANT_TYPES.Q4_K],
    ['Q6_K', randomBlocks(rng, QUANT_TYPES.Q6_K, rows, cols), QUANT_TYPES.Q6_K],
    ['Q4_0', randomBlocks(rng, QUANT_TYPES.Q4_0, rows, cols), QUANT_TYPES.Q4_0],
  ] as const) {
    const deq = new Float32Array(rows * cols);
    dequantize(type, bytes, deq);
    const exact = new Float32Array(4 * rows);
    reference.gemm({
      transA: false,
      transB: true,
      m: 4,
      n: rows,
      k: cols,
      alpha: 1,
      a: x,
      lda: cols,
      b: deq,
      ldb: cols,
      beta: 0,
      c: exact,
      ldc: rows,
    });
    const got = new Float32Array(4 * rows);
    native.quantGemm(type, 4, rows, cols, bytes, x, cols, 0, got, rows);
    const one = new Float32Array(rows);
    native.quantGemv(type, rows, cols, bytes, x, 0, one);
    assertClose(one, got.subarray(0, rows), `${name} gemv vs gemm row 0`, 1e-5, tolerance(one));
    let err = 0;
    let norm = 0;
    for (let i = 0; i < got.length; i++) {
      err += (got[i] - exact[i]) ** 2;
      norm += exact[i] ** 2;
    }
    const rel = Math.sqrt(err / norm);
    assert.ok(rel < 0.01, `${name}: relative error ${rel} against the dequantized float32 product`);
    assert.ok(rel > 0, `${name}: the activations are quantized, so the products differ a little`);
  }
});

test('a product large enough for the thread pool gives the same rows as row-by-row GEMV', () => {
  const rng = new Rng(9);
  const rows = 512;
  const cols = 2048;
  const w = quantizeQ8_0(randn(rng, rows * cols, 0.05));
  const x = randn(rng, 8 * cols);
  const y = new Float32Array(8 * rows);
  native.quantGemm(QUANT_TYPES.Q8_0, 8, rows, cols, w, x, cols, 0, y, rows);
  const one = new Float32Array(rows);
  for (let i = 0; i < 8; i++) {
    native.quantGemv(QUANT_TYPES.Q8_0, rows, cols, w, x.subarray(i * cols), 0, one);
    assertClose(one, y.subarray(i * rows, (i + 1) * rows), `row ${i}`, 1e-5, tolerance(one));
  }
});

test('QuantMatrix checks its bytes and stacks rows of one type', () => {
  const a = new QuantMatrix(QUANT_TYPES.Q8_0, 2, 64, new Uint8Array(2 * 68));
  const b = new QuantMatrix(QUANT_TYPES.Q8_0, 3, 64, new Uint8Array(3 * 68).fill(1));
  const s = QuantMatrix.stack([a, b])!;
  assert.deepEqual(s.shape, [5, 64]);
  assert.deepEqual(s.rowRange(2, 5).data, b.data);
  assert.equal(QuantMatrix.stack([a, new QuantMatrix(QUANT_TYPES.Q4_0, 1, 64, new Uint8Array(36))]), null);
  assert.throws(() => new QuantMatrix(QUANT_TYPES.Q8_0, 2, 48, new Uint8Array(100)), /whole Q8_0 blocks/);
  assert.throws(
    () => native.quantGemv(3, 1, 32, new Uint8Array(20), new Float32Array(32), 0, new Float32Array(1)),
    /not supported/,
  );
  assert.throws(
    () => native.quantGemv(8, 2, 32, new Uint8Array(34), new Float32Array(32), 0, new Float32Array(2)),
    /elements/,
  );
});

test('prefill from 16 rows on: VNNI gives every row its GEMV, the other paths the float32 product of the dequantized weights', () => {
  const rng = new Rng(12);
  const rows = 300;
  const cols = 2048;
  for (const [name, type] of [
    ['Q8_0', QUANT_TYPES.Q8_0],
    ['Q4_0', QUANT_TYPES.Q4_0],
    ['Q4_K', QUANT_TYPES.Q4_K],
    ['Q6_K', QUANT_TYPES.Q6_K],
  ] as const) {
    const bytes = randomBlocks(rng, type, rows, cols);
    const deq = new Float32Array(rows * cols);
    dequantize(type, bytes, deq);
    for (const m of [15, 16, 64]) {
      const x = randn(rng, m * cols);
      const exact = new Float32Array(m * rows);
      native.gemm({
        transA: false,
        transB: true,
        m,
        n: rows,
        k: cols,
        alpha: 1,
        a: x,
        lda: cols,
        b: deq,
        ldb: cols,
        beta: 0,
        c: exact,
        ldc: rows,
      });
      for (const isa of PATHS) {
        const got = new Float32Array(m * rows);
        runIsa(isa, () => native.quantGemm(type, m, rows, cols, bytes, x, cols, 0, got, rows));
        let err = 0;
        let norm = 0;
        for (let i = 0; i < got.length; i++) {
          err += (got[i] - exact[i]) ** 2;
          norm += exact[i] ** 2;
        }
        const rel = Math.sqrt(err / norm);
        if (m >= 16 && isa !== 'vnni') {
          assert.ok(rel < 1e-6, `${name} m ${m} ${isa}: relative difference ${rel} from the float32 GEMM`);
          continue;
        }
        // the quantized product: off the float product by the activations' rounding only, and
        // row by row what GEMV gives
        assert.ok(rel > 1e-4 && rel < 0.02, `${name} m ${m} ${isa}: integer path, activations quantized (${rel})`);
        for (const i of [0, m - 1]) {
          const one = new Float32Array(rows);
          runIsa(isa, () => native.quantGemv(type, rows, cols, bytes, x.subarray(i * cols, (i + 1) * cols), 0, one));
          assertClose(
            got.subarray(i * rows, (i + 1) * rows),
            one,
            `${name} m ${m} ${isa} row ${i}`,
            1e-5,
            tolerance(one),
          );
        }
      }
    }
  }
});

for (const [Q4, X8, interleave, deinterleave, bytes] of [
  [QUANT_TYPES.Q4_0, QUANT_TYPES.Q4_0x8, interleaveQ4_0, deinterleaveQ4_0, 18],
  [QUANT_TYPES.Q8_0, QUANT_TYPES.Q8_0x8, interleaveQ8_0, deinterleaveQ8_0, 34],
] as const) {
  test(`${quantTypeName(X8)}: interleaving round-trips, and every kernel and path gives what ${quantTypeName(Q4)} rows give`, () => {
    const rng = new Rng(77);
    for (const [rows, cols] of [
      [8, 32],
      [24, 96],
      [136, 2048],
    ]) {
      const q4 = randomBlocks(rng, Q4, rows, cols);
      const x8 = interleave(q4, rows, cols);
      assert.notDeepEqual(x8, q4);
      assert.deepEqual(deinterleave(x8, rows, cols), q4);
      const m8 = new QuantMatrix(Q4, rows, cols, q4).interleaved();
      assert.equal(m8.type, X8);
      assert.deepEqual(m8.fileLayout().data, q4);
      for (const at of [0, 1, 2, 5, bytes - 1, bytes + 3, q4.length - 1, Math.floor(q4.length / 3)])
        assert.equal(m8.fileByte(at), q4[at], `file byte ${at}`);
      // rows as the file decoder reads them, from the middle of a run
      const first = Math.min(5, rows - 3);
      const want = new Float32Array(3 * cols);
      native.quantDequantRows(Q4, cols, q4, first, 3, want);
      for (const k of [native, reference]) {
        const got = new Float32Array(3 * cols);
        k.quantDequantRows(X8, cols, x8, first, 3, got);
        assert.deepEqual(got, want);
      }
      const x = randn(rng, 17 * cols);
      const y0 = randn(rng, 17 * rows);
      for (const beta of [0, 1]) {
        const want1 = Float32Array.from(y0.subarray(0, rows));
        reference.quantGemv(Q4, rows, cols, q4, x, beta, want1);
        const ref1 = Float32Array.from(y0.subarray(0, rows));
        reference.quantGemv(X8, rows, cols, x8, x, beta, ref1);
        assert.deepEqual(ref1, want1);
        for (const m of [1, 3, 8, 17]) {
          const want = Float32Array.from(y0.subarray(0, m * rows));
          reference.quantGemm(Q4, m, rows, cols, q4, x, cols, beta, want, rows);
          const wantFloat = floatProduct(Q4, m, rows, cols, q4, x, cols, beta, y0.subarray(0, m * rows), rows);
          for (const isa of PATHS) {
            const got = Float32Array.from(y0.subarray(0, m * rows));
            runIsa(isa, () =>
              m === 1
                ? native.quantGemv(X8, rows, cols, x8, x, beta, got)
                : native.quantGemm(X8, m, rows, cols, x8, x, cols, beta, got, rows),
            );
            const float = m >= QUANT_GEMM_FLOAT_ROWS && isa !== 'vnni';
            assertClose(
              got,
              float ? wantFloat : want,
              `x8 ${m}x${rows}x${cols} beta ${beta} ${isa}`,
              1e-5,
              tolerance(want),
            );
          }
        }
      }
    }
    assert.throws(() => new QuantMatrix(X8, 4, 32, new Uint8Array(4 * bytes)), /runs of 8/);
    assert.throws(
      () => native.quantGemv(X8, 4, 32, new Uint8Array(4 * bytes), new Float32Array(32), 0, new Float32Array(4)),
      /runs of 8/,
    );
    assert.throws(() => new QuantMatrix(X8, 16, 32, new Uint8Array(16 * bytes)).rowRange(4, 16), /runs of 8/);
  });
}
