// Reference IEEE binary16 ("half", the F16 KV cache's storage): conversions written from the
// format's definition by value (sign, exponent, 10-bit fraction; subnormals below 2^-14;
// round to nearest, ties to even) rather than by bit tricks, so that they check the native
// F16C/bit-twiddling code independently, and attention over an F16 cache as attention over the
// widened cache. Not here: any speed.
import type { Kernels } from '../kernels.ts';
import { attentionReference } from './attention.ts';

/** Rounds to the nearest integer, ties to the even one. */
function roundEven(x: number): number {
  const floor = Math.floor(x);
  const diff = x - floor;
  if (diff > 0.5) return floor + 1;
  if (diff < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

/** The binary16 bit pattern nearest to x (x is a float32 value). */
export function toHalfBits(x: number): number {
  if (Number.isNaN(x)) return 0x7e00;
  const sign = x < 0 || Object.is(x, -0) ? 0x8000 : 0;
  const a = Math.abs(x);
  if (a >= 65520) return sign | 0x7c00; // the largest half is 65504; halfway to 2^16 rounds up
  if (a < 2 ** -14) return sign | roundEven(a / 2 ** -24); // subnormal (1024 becomes the smallest normal)
  let e = Math.floor(Math.log2(a));
  while (2 ** e > a) e--;
  while (2 ** (e + 1) <= a) e++;
  let fraction = roundEven((a / 2 ** e - 1) * 1024);
  if (fraction === 1024) {
    fraction = 0;
    e++;
  }
  if (e > 15) return sign | 0x7c00;
  return sign | ((e + 15) << 10) | fraction;
}

/** The float value of a binary16 bit pattern (exact). */
export function fromHalfBits(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (e === 0) return sign * fraction * 2 ** -24;
  if (e === 31) return fraction ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + fraction / 1024) * 2 ** (e - 15);
}

function check(op: string, name: string, array: ArrayLike<number>, needed: number): void {
  if (array.length < needed)
    throw new Error(`${op}: argument '${name}' has ${array.length} elements but the shapes need ${needed}`);
}

export const halfReference: Pick<Kernels, 'attentionCachedF16' | 'f32ToF16' | 'f16ToF32'> = {
  f32ToF16(n, x, out) {
    check('f32ToF16', 'x', x, n);
    check('f32ToF16', 'out', out, n);
    for (let i = 0; i < n; i++) out[i] = toHalfBits(x[i]);
  },

  f16ToF32(n, x, out) {
    check('f16ToF32', 'x', x, n);
    check('f16ToF32', 'out', out, n);
    for (let i = 0; i < n; i++) out[i] = fromHalfBits(x[i]);
  },

  attentionCachedF16(tq, past, heads, kvHeads, headDim, scale, q, kCache, vCache, ldKv, out) {
    const rows = tq === 0 ? 0 : (past + tq - 1) * ldKv + kvHeads * headDim;
    check('attentionCached', 'kCache', kCache, rows);
    check('attentionCached', 'vCache', vCache, rows);
    const k = new Float32Array(rows);
    const v = new Float32Array(rows);
    for (let i = 0; i < rows; i++) {
      k[i] = fromHalfBits(kCache[i]);
      v[i] = fromHalfBits(vCache[i]);
    }
    attentionReference.attentionCached(tq, past, heads, kvHeads, headDim, scale, q, k, v, ldKv, out);
  },
};
