// Reference products with block-quantized weights: a direct transcription of the contract in
// kernels.ts — quantize the row of x to 8-bit blocks of 32, decode each weight sub-block to its
// integers and scales, sum exactly in integers per half block and in double across blocks, for
// every row of x (the quantized product; the float path that native builds without VNNI may take
// for prefill is not the reference's). Interleaved matrices (Q4_0x8, Q8_0x8) are turned back into rows first. Dequantization reuses the file-format decoder (src/io/ggml-quants.ts). No speed intended.
import { dequantize, QUANT_LAYOUT } from '../../io/ggml-quants.ts';
import { isInterleaved, quantLayout, toFileLayout } from '../quant.ts';
import type { Kernels } from '../kernels.ts';

const fr = Math.fround;

function half(b: Uint8Array, at: number): number {
  const h = b[at] | (b[at + 1] << 8);
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0x1f) return mant ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  if (exp === 0) return sign * mant * 2 ** -24;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/** Round half to even (the default rounding of the CPU's float-to-int conversion). */
function rne(v: number): number {
  const f = Math.floor(v);
  const diff = v - f;
  if (diff < 0.5) return f;
  if (diff > 0.5) return f + 1;
  return f % 2 === 0 ? f : f + 1;
}

interface ActRow {
  q: Int8Array;
  d: Float32Array;
  /** Σ q over values 0..15 and 16..31 of each block */
  sums: Int32Array;
}

/** The contract's 8-bit quantization of one row of x (cols a multiple of 32). */
export function quantizeActivations(x: Float32Array, offset: number, cols: number): ActRow {
  const blocks = cols / 32;
  const q = new Int8Array(cols);
  const d = new Float32Array(blocks);
  const sums = new Int32Array(2 * blocks);
  for (let b = 0; b < blocks; b++) {
    let amax = 0;
    for (let i = 0; i < 32; i++) amax = Math.max(amax, Math.abs(x[offset + b * 32 + i]));
    const dd = fr(amax / 127);
    const id = dd !== 0 ? fr(1 / dd) : 0;
    d[b] = dd;
    for (let i = 0; i < 32; i++) {
      const c = rne(fr(x[offset + b * 32 + i] * id));
      q[b * 32 + i] = c;
      sums[2 * b + (i < 16 ? 0 : 1)] += c;
    }
  }
  return { q, d, sums };
}

interface Sub {
  w: Int32Array;
  sLo: number;
  sHi: number;
  min: number;
}

/** Sub-block j (32 values) of a row starting at byte `row`: integers, scales and offset. */
function decodeSub(type: number, src: Uint8Array, row: number, j: number, out: Sub): void {
  out.min = 0;
  if (type === 8) {
    const b = row + j * 34;
    out.sLo = out.sHi = half(src, b);
    for (let i = 0; i < 32; i++) out.w[i] = (src[b + 2 + i] << 24) >> 24;
  } else if (type === 2) {
    const b = row + j * 18;
    out.sLo = out.sHi = half(src, b);
    for (let i = 0; i < 16; i++) {
      out.w[i] = (src[b + 2 + i] & 0xf) - 8;
      out.w[i + 16] = (src[b + 2 + i] >> 4) - 8;
    }
  } else if (type === 12) {
    const b = row + (j >> 3) * 144;
    const s = j & 7;
    const q = b + 4;
    const sc = s < 4 ? src[q + s] & 63 : (src[q + s + 4] & 0xf) | ((src[q + s - 4] >> 6) << 4);
    const m = s < 4 ? src[q + s + 4] & 63 : (src[q + s + 4] >> 4) | ((src[q + s] >> 6) << 4);
    out.sLo = out.sHi = fr(half(src, b) * sc);
    out.min = fr(half(src, b + 2) * m);
    const qs = b + 16 + (s >> 1) * 32;
    const shift = (s & 1) * 4;
    for (let i = 0; i < 32; i++) out.w[i] = (src[qs + i] >> shift) & 0xf;
  } else {
    const b = row + (j >> 3) * 210;
    const g = j & 7;
    const h = g >> 2;
    const gg = g & 3;
    const ql = b + h * 64 + (gg & 1) * 32;
    const qh = b + 128 + h * 32;
    const ls = gg >= 2 ? 4 : 0;
    for (let i = 0; i < 32; i++) out.w[i] = (((src[ql + i] >> ls) & 0xf) | (((src[qh + i] >> (2 * gg)) & 3) << 4)) - 32;
    const sc = b + 192 + h * 8 + gg * 2;
    const d = half(src, b + 208);
    out.sLo = fr(d * ((src[sc] << 24) >> 24));
    out.sHi = fr(d * ((src[sc + 1] << 24) >> 24));
  }
}

function rowBytes(type: number, cols: number): number {
  const [bytes, per] = QUANT_LAYOUT[type];
  return (cols / per) * bytes;
}

function dotRow(type: number, w: Uint8Array, row: number, a: ActRow, sub: Sub): number {
  let acc = 0;
  for (let j = 0; j < a.d.length; j++) {
    decodeSub(type, w, row, j, sub);
    let lo = 0;
    let hi = 0;
    for (let i = 0; i < 16; i++) lo += sub.w[i] * a.q[j * 32 + i];
    for (let i = 16; i < 32; i++) hi += sub.w[i] * a.q[j * 32 + i];
    acc += a.d[j] * (sub.sLo * lo + sub.sHi * hi - sub.min * (a.sums[2 * j] + a.sums[2 * j + 1]));
  }
  return acc;
}

function newSub(): Sub {
  return { w: new Int32Array(32), sLo: 0, sHi: 0, min: 0 };
}

/** Rows [first, first + count) of W in the file's row layout: interleaved runs turned back into rows. */
function rowLayout(
  type: number,
  cols: number,
  w: Uint8Array,
  first: number,
  count: number,
): [number, Uint8Array, number] {
  if (!isInterleaved(type)) return [type, w, first];
  const [bytes, per] = quantLayout(type);
  const rb = (cols / per) * bytes;
  const g0 = Math.floor(first / 8);
  const g1 = Math.ceil((first + count) / 8);
  const [file, rows] = toFileLayout(type, w.subarray(g0 * 8 * rb, g1 * 8 * rb), (g1 - g0) * 8, cols);
  return [file, rows, first - g0 * 8];
}

export const quantReference: Pick<Kernels, 'quantGemv' | 'quantGemm' | 'quantDequantRows'> = {
  quantGemv(type0, rows, cols, w0, x, beta, y) {
    const [type, w] = rowLayout(type0, cols, w0, 0, rows);
    const a = quantizeActivations(x, 0, cols);
    const rb = rowBytes(type, cols);
    const sub = newSub();
    for (let r = 0; r < rows; r++) {
      const v = dotRow(type, w, r * rb, a, sub);
      y[r] = beta === 0 ? v : v + beta * y[r];
    }
  },
  quantGemm(type0, m, rows, cols, w0, x, ldx, beta, y, ldy) {
    const [type, w] = rowLayout(type0, cols, w0, 0, rows);
    const rb = rowBytes(type, cols);
    const sub = newSub();
    for (let i = 0; i < m; i++) {
      const a = quantizeActivations(x, i * ldx, cols);
      for (let r = 0; r < rows; r++) {
        const v = dotRow(type, w, r * rb, a, sub);
        const at = i * ldy + r;
        y[at] = beta === 0 ? v : v + beta * y[at];
      }
    }
  },
  quantDequantRows(type0, cols, w0, first0, count, out) {
    const [type, w, first] = rowLayout(type0, cols, w0, first0, count);
    const rb = rowBytes(type, cols);
    dequantize(type, w.subarray(first * rb, (first + count) * rb), out.subarray(0, count * cols));
  },
};
