// ggml's block-quantized tensor formats, decoded to float32 exactly as ggml's reference
// dequantization does it (float32 arithmetic at each step), and the encoders lmlab writes
// (Q4_0, Q5_0, Q8_0, Q4_K and Q6_K; any valid encoding decodes the same everywhere, these use a
// simple per-block fit rather than llama.cpp's iterative search).
//
//   Q4_0  32 values / 18 bytes: f16 d, 16 bytes of nibbles; x = (q − 8)·d (low nibbles first)
//   Q5_0  32 values / 22 bytes: f16 d, u32 of fifth bits, 16 bytes of nibbles; x = (q − 16)·d
//   Q8_0  32 values / 34 bytes: f16 d, 32 int8; x = q·d
//   Q4_K  256 values / 144 bytes: f16 d, f16 dmin, 12 bytes of 6-bit (scale, min) for 8
//         sub-blocks of 32, 128 bytes of nibbles; x = d·sc·q − dmin·m
//   Q5_K  256 / 176: like Q4_K plus 32 bytes of high bits (a fifth bit per value)
//   Q6_K  256 / 210: 128 bytes low nibbles, 64 bytes of 2 high bits, 16 int8 scales, f16 d;
//         x = d·sc·(q − 32)
// Not here: the GGUF container (gguf.ts).
import { LmlabError } from '../util/errors.ts';
import { f16ToF32Bits, f32BitsToF16 } from './half.ts';

export const GGML_QUANT = { Q4_0: 2, Q5_0: 6, Q8_0: 8, Q4_K: 12, Q5_K: 13, Q6_K: 14 } as const;
export type QuantTypeName = keyof typeof GGML_QUANT;
/** [bytes per block, values per block] */
export const QUANT_LAYOUT: Record<number, [number, number]> = {
  2: [18, 32],
  6: [22, 32],
  8: [34, 32],
  12: [144, 256],
  13: [176, 256],
  14: [210, 256],
};

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
const fr = Math.fround;

function half(b: Uint8Array, at: number): number {
  u32[0] = f16ToF32Bits(b[at] | (b[at + 1] << 8));
  return f32[0];
}

function putHalf(b: Uint8Array, at: number, value: number): number {
  f32[0] = value;
  const h = f32BitsToF16(u32[0]);
  b[at] = h & 0xff;
  b[at + 1] = h >> 8;
  u32[0] = f16ToF32Bits(h);
  return f32[0];
}

/** The 6-bit scale and min of sub-block j of a K-quant's 12 scale bytes at `q`. */
function scaleMin(b: Uint8Array, q: number, j: number): [number, number] {
  if (j < 4) return [b[q + j] & 63, b[q + j + 4] & 63];
  return [(b[q + j + 4] & 0xf) | ((b[q + j - 4] >> 6) << 4), (b[q + j + 4] >> 4) | ((b[q + j] >> 6) << 4)];
}

/** Decodes `count` values of ggml type `type` from `src` into `out`. */
export function dequantize(type: number, src: Uint8Array, out: Float32Array): void {
  const layout = QUANT_LAYOUT[type];
  if (!layout) throw new LmlabError(`dequantize: ggml type ${type} is not supported`);
  const [bytes, per] = layout;
  const blocks = out.length / per;
  if (!Number.isInteger(blocks) || src.length < blocks * bytes)
    throw new LmlabError(`dequantize: ${out.length} values do not fill whole blocks of ${per}`);
  for (let blk = 0; blk < blocks; blk++) {
    const b = blk * bytes;
    const y = blk * per;
    if (type === GGML_QUANT.Q8_0) {
      const d = half(src, b);
      for (let i = 0; i < 32; i++) out[y + i] = fr(((src[b + 2 + i] << 24) >> 24) * d);
    } else if (type === GGML_QUANT.Q4_0) {
      const d = half(src, b);
      for (let i = 0; i < 16; i++) {
        const q = src[b + 2 + i];
        out[y + i] = fr(((q & 0xf) - 8) * d);
        out[y + i + 16] = fr(((q >> 4) - 8) * d);
      }
    } else if (type === GGML_QUANT.Q5_0) {
      const d = half(src, b);
      const qh = (src[b + 2] | (src[b + 3] << 8) | (src[b + 4] << 16) | (src[b + 5] << 24)) >>> 0;
      for (let i = 0; i < 16; i++) {
        const q = src[b + 6 + i];
        out[y + i] = fr((((q & 0xf) | (((qh >>> i) & 1) << 4)) - 16) * d);
        out[y + i + 16] = fr((((q >> 4) | (((qh >>> (i + 16)) & 1) << 4)) - 16) * d);
      }
    } else if (type === GGML_QUANT.Q4_K || type === GGML_QUANT.Q5_K) {
      const d = half(src, b);
      const dmin = half(src, b + 2);
      const sc = b + 4;
      const five = type === GGML_QUANT.Q5_K;
      const qh = b + 16;
      let ql = five ? b + 48 : b + 16;
      let o = y;
      let u1 = 1;
      let u2 = 2;
      for (let j = 0, is = 0; j < 256; j += 64, is += 2) {
        const [s1, m1q] = scaleMin(src, sc, is);
        const [s2, m2q] = scaleMin(src, sc, is + 1);
        const d1 = fr(d * s1);
        const m1 = fr(dmin * m1q);
        const d2 = fr(d * s2);
        const m2 = fr(dmin * m2q);
        for (let l = 0; l < 32; l++) {
          const hi = five && src[qh + l] & u1 ? 16 : 0;
          out[o + l] = fr(fr(d1 * ((src[ql + l] & 0xf) + hi)) - m1);
        }
        for (let l = 0; l < 32; l++) {
          const hi = five && src[qh + l] & u2 ? 16 : 0;
          out[o + 32 + l] = fr(fr(d2 * ((src[ql + l] >> 4) + hi)) - m2);
        }
        ql += 32;
        o += 64;
        u1 <<= 2;
        u2 <<= 2;
      }
    } else {
      // Q6_K
      const d = half(src, b + 208);
      let ql = b;
      let qh = b + 128;
      let sc = b + 192;
      let o = y;
      for (let n = 0; n < 256; n += 128) {
        for (let l = 0; l < 32; l++) {
          const is = l >> 4;
          const s = (k: number) => (src[sc + is + k] << 24) >> 24;
          const q1 = ((src[ql + l] & 0xf) | (((src[qh + l] >> 0) & 3) << 4)) - 32;
          const q2 = ((src[ql + l + 32] & 0xf) | (((src[qh + l] >> 2) & 3) << 4)) - 32;
          const q3 = ((src[ql + l] >> 4) | (((src[qh + l] >> 4) & 3) << 4)) - 32;
          const q4 = ((src[ql + l + 32] >> 4) | (((src[qh + l] >> 6) & 3) << 4)) - 32;
          out[o + l] = fr(fr(d * s(0)) * q1);
          out[o + l + 32] = fr(fr(d * s(2)) * q2);
          out[o + l + 64] = fr(fr(d * s(4)) * q3);
          out[o + l + 96] = fr(fr(d * s(6)) * q4);
        }
        o += 128;
        ql += 64;
        qh += 32;
        sc += 8;
      }
    }
  }
}

/** Q8_0 encoding of x (length a multiple of 32): d = max|x|/127, q = round(x/d). */
export function quantizeQ8_0(x: Float32Array): Uint8Array {
  const blocks = x.length / 32;
  if (!Number.isInteger(blocks)) throw new LmlabError('quantizeQ8_0: length must be a multiple of 32');
  const out = new Uint8Array(blocks * 34);
  for (let blk = 0; blk < blocks; blk++) {
    let amax = 0;
    for (let i = 0; i < 32; i++) amax = Math.max(amax, Math.abs(x[blk * 32 + i]));
    const d = fr(amax / 127);
    const id = d ? fr(1 / d) : 0;
    putHalf(out, blk * 34, d);
    for (let i = 0; i < 32; i++) out[blk * 34 + 2 + i] = Math.round(fr(x[blk * 32 + i] * id)) & 0xff;
  }
  return out;
}

/**
 * Q4_K encoding of x (length a multiple of 256): each sub-block of 32 gets scale (max − min)/15
 * and offset −min (min clamped to ≤ 0), both quantized to 6 bits against the block's d and dmin.
 */
export function quantizeQ4_K(x: Float32Array): Uint8Array {
  const blocks = x.length / 256;
  if (!Number.isInteger(blocks)) throw new LmlabError('quantizeQ4_K: length must be a multiple of 256');
  const out = new Uint8Array(blocks * 144);
  const scales = new Float64Array(8);
  const mins = new Float64Array(8);
  const ls = new Uint8Array(8);
  const lm = new Uint8Array(8);
  const codes = new Uint8Array(256);
  for (let blk = 0; blk < blocks; blk++) {
    const base = blk * 256;
    let maxScale = 0;
    let maxMin = 0;
    for (let s = 0; s < 8; s++) {
      let lo = 0;
      let hi = -Infinity;
      for (let i = base + s * 32; i < base + s * 32 + 32; i++) {
        const v = x[i];
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      scales[s] = (hi - lo) / 15;
      mins[s] = -lo;
      if (scales[s] > maxScale) maxScale = scales[s];
      if (mins[s] > maxMin) maxMin = mins[s];
    }
    const b = blk * 144;
    const d = putHalf(out, b, maxScale / 63);
    const dmin = putHalf(out, b + 2, maxMin / 63);
    for (let s = 0; s < 8; s++) {
      ls[s] = d > 0 ? Math.min(63, Math.round(scales[s] / d)) : 0;
      lm[s] = dmin > 0 ? Math.min(63, Math.round(mins[s] / dmin)) : 0;
      const scale = fr(d * ls[s]);
      const m = fr(dmin * lm[s]);
      const inv = scale > 0 ? 1 / scale : 0;
      for (let i = 0; i < 32; i++) {
        const q = Math.round((x[base + s * 32 + i] + m) * inv);
        codes[s * 32 + i] = q < 0 ? 0 : q > 15 ? 15 : q;
      }
    }
    for (let j = 0; j < 4; j++) {
      out[b + 4 + j] = ls[j] | ((ls[j + 4] >> 4) << 6);
      out[b + 8 + j] = lm[j] | ((lm[j + 4] >> 4) << 6);
      out[b + 12 + j] = (ls[j + 4] & 0xf) | ((lm[j + 4] & 0xf) << 4);
    }
    // sub-blocks 2j (low nibbles) and 2j + 1 (high nibbles) share 32 bytes
    for (let j = 0; j < 4; j++) {
      for (let l = 0; l < 32; l++) out[b + 16 + j * 32 + l] = codes[64 * j + l] | (codes[64 * j + 32 + l] << 4);
    }
  }
  return out;
}

/** The value of largest magnitude among x[from, from + n), with its sign. */
function signedMax(x: Float32Array, from: number, n: number): number {
  let best = 0;
  let size = 0;
  for (let i = from; i < from + n; i++) {
    const a = x[i] < 0 ? -x[i] : x[i];
    if (a > size) {
      size = a;
      best = x[i];
    }
  }
  return best;
}

function wholeBlocks(x: Float32Array, per: number, name: string): number {
  const blocks = x.length / per;
  if (!Number.isInteger(blocks)) throw new LmlabError(`${name}: length must be a multiple of ${per}`);
  return blocks;
}

/**
 * Q4_0 encoding: the value m of largest magnitude maps to code 0 (d = m/−8), so the block's
 * range −8..7 is used towards the side where m lies; q = clamp(round(x/d) + 8, 0, 15).
 */
export function quantizeQ4_0(x: Float32Array): Uint8Array {
  const blocks = wholeBlocks(x, 32, 'quantizeQ4_0');
  const out = new Uint8Array(blocks * 18);
  for (let blk = 0; blk < blocks; blk++) {
    const at = blk * 32;
    const b = blk * 18;
    const d = putHalf(out, b, fr(signedMax(x, at, 32) / -8));
    const inv = d ? 1 / d : 0;
    for (let i = 0; i < 16; i++) {
      const lo = Math.round(x[at + i] * inv) + 8;
      const hi = Math.round(x[at + i + 16] * inv) + 8;
      out[b + 2 + i] = (lo < 0 ? 0 : lo > 15 ? 15 : lo) | ((hi < 0 ? 0 : hi > 15 ? 15 : hi) << 4);
    }
  }
  return out;
}

/** Q5_0 encoding: as Q4_0 with codes 0..31 (d = m/−16) and the fifth bits in a u32. */
export function quantizeQ5_0(x: Float32Array): Uint8Array {
  const blocks = wholeBlocks(x, 32, 'quantizeQ5_0');
  const out = new Uint8Array(blocks * 22);
  for (let blk = 0; blk < blocks; blk++) {
    const at = blk * 32;
    const b = blk * 22;
    const d = putHalf(out, b, fr(signedMax(x, at, 32) / -16));
    const code = (v: number) => (d ? Math.max(0, Math.min(31, Math.round(v / d) + 16)) : 16);
    let qh = 0;
    for (let i = 0; i < 16; i++) {
      const lo = code(x[at + i]);
      const hi = code(x[at + i + 16]);
      out[b + 6 + i] = (lo & 0xf) | ((hi & 0xf) << 4);
      qh |= ((lo >> 4) << i) | ((hi >> 4) << (i + 16));
    }
    out[b + 2] = qh & 0xff;
    out[b + 3] = (qh >>> 8) & 0xff;
    out[b + 4] = (qh >>> 16) & 0xff;
    out[b + 5] = (qh >>> 24) & 0xff;
  }
  return out;
}

/**
 * Q6_K encoding: each sub-block of 16 gets the scale m/−32 (m its value of largest magnitude),
 * the 16 scales are stored as int8 against the block's d = (largest |scale|)/127, and each
 * value as q = clamp(round(x / (d·sc)) + 32, 0, 63), split into 4 low and 2 high bits.
 */
export function quantizeQ6_K(x: Float32Array): Uint8Array {
  const blocks = wholeBlocks(x, 256, 'quantizeQ6_K');
  const out = new Uint8Array(blocks * 210);
  const scales = new Float64Array(16);
  const codes = new Uint8Array(256);
  for (let blk = 0; blk < blocks; blk++) {
    const at = blk * 256;
    const b = blk * 210;
    let big = 0;
    for (let s = 0; s < 16; s++) {
      scales[s] = signedMax(x, at + s * 16, 16) / -32;
      big = Math.max(big, Math.abs(scales[s]));
    }
    const d = putHalf(out, b + 208, big / 127);
    for (let s = 0; s < 16; s++) {
      const sc = d ? Math.max(-128, Math.min(127, Math.round(scales[s] / d))) : 0;
      out[b + 192 + s] = sc & 0xff;
      const step = fr(d * sc);
      for (let i = 0; i < 16; i++) {
        const v = x[at + s * 16 + i];
        codes[s * 16 + i] = step ? Math.max(0, Math.min(63, Math.round(v / step) + 32)) : 32;
      }
    }
    // Two halves of 128 values: 64 bytes of low nibbles, 32 bytes of high bit pairs each.
    for (let h = 0; h < 2; h++) {
      const c = h * 128;
      const ql = b + h * 64;
      const qh = b + 128 + h * 32;
      for (let l = 0; l < 32; l++) {
        const [q1, q2, q3, q4] = [codes[c + l], codes[c + l + 32], codes[c + l + 64], codes[c + l + 96]];
        out[ql + l] = (q1 & 0xf) | ((q3 & 0xf) << 4);
        out[ql + l + 32] = (q2 & 0xf) | ((q4 & 0xf) << 4);
        out[qh + l] = (q1 >> 4) | ((q2 >> 4) << 2) | ((q3 >> 4) << 4) | ((q4 >> 4) << 6);
      }
    }
  }
  return out;
}

/** Encodes x (whole blocks) as the named ggml quantized type. */
export function quantizeAs(type: QuantTypeName, x: Float32Array): Uint8Array {
  if (type === 'Q5_K') throw new LmlabError('Q5_K encoding is not supported (Q4_0, Q5_0, Q8_0, Q4_K and Q6_K are)');
  if (type === 'Q4_0') return quantizeQ4_0(x);
  if (type === 'Q5_0') return quantizeQ5_0(x);
  if (type === 'Q8_0') return quantizeQ8_0(x);
  if (type === 'Q4_K') return quantizeQ4_K(x);
  return quantizeQ6_K(x);
}
