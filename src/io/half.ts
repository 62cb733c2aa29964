// Conversion between float32 and the two 16-bit float formats that checkpoints use: IEEE
// binary16 (F16) and bfloat16 (BF16). Narrowing rounds to nearest, ties to even; subnormals,
// infinities and NaN are handled bit-exactly (NaN stays NaN, quietened, sign kept).
// Works on bit patterns through Uint32Array views so NaN payloads survive; it deliberately
// does not know about files or tensors.

/** Bits of a float32 rounded to the nearest F16 (ties to even). */
export function f32BitsToF16(bits: number): number {
  const sign = (bits >>> 16) & 0x8000;
  const exponent = (bits >>> 23) & 0xff;
  const mantissa = bits & 0x7fffff;
  if (exponent === 0xff) {
    // Keep the top payload bits and force the quiet bit so a NaN can never become infinity.
    return mantissa === 0 ? sign | 0x7c00 : sign | 0x7e00 | (mantissa >>> 13);
  }
  const halfExponent = exponent - 112; // rebias 127 → 15
  if (halfExponent >= 31) return sign | 0x7c00;
  if (halfExponent <= 0) {
    // Below 2^-25 everything rounds to zero (2^-25 itself is the tie and goes to even, i.e. 0).
    if (halfExponent < -10) return sign;
    const full = mantissa | 0x800000;
    const shift = 14 - halfExponent;
    let result = full >>> shift;
    const rest = full & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rest > half || (rest === half && (result & 1) === 1)) result++;
    return sign | result; // a carry into bit 10 is exactly the smallest normal
  }
  let result = (halfExponent << 10) | (mantissa >>> 13);
  const rest = mantissa & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (result & 1) === 1)) result++; // may carry to ∞
  return sign | result;
}

/** Bits of the float32 equal to the F16 with these bits (exact: every F16 is a float32). */
export function f16ToF32Bits(half: number): number {
  const sign = (half & 0x8000) << 16;
  const exponent = (half >>> 10) & 0x1f;
  let mantissa = half & 0x3ff;
  if (exponent === 0x1f) return (sign | 0x7f800000 | (mantissa << 13)) >>> 0;
  if (exponent !== 0) return (sign | ((exponent + 112) << 23) | (mantissa << 13)) >>> 0;
  if (mantissa === 0) return sign >>> 0;
  // Subnormal F16 becomes a normal float32: shift the leading one up to the implicit bit.
  let floatExponent = 113;
  while ((mantissa & 0x400) === 0) {
    mantissa <<= 1;
    floatExponent--;
  }
  return (sign | (floatExponent << 23) | ((mantissa & 0x3ff) << 13)) >>> 0;
}

/** Bits of a float32 rounded to the nearest BF16 (ties to even). */
export function f32BitsToBf16(bits: number): number {
  if ((bits & 0x7fffffff) > 0x7f800000) return ((bits >>> 16) | 0x0040) & 0xffff;
  const roundingBias = 0x7fff + ((bits >>> 16) & 1);
  return ((bits + roundingBias) >>> 16) & 0xffff; // overflow past the largest finite gives ∞
}

export function bf16ToF32Bits(half: number): number {
  return (half << 16) >>> 0;
}

let f16Table: Uint32Array | undefined;

/** All 65536 F16 values as float32 bits, built once: decoding is then one lookup each. */
function f16DecodeTable(): Uint32Array {
  if (!f16Table) {
    f16Table = new Uint32Array(65536);
    for (let h = 0; h < 65536; h++) f16Table[h] = f16ToF32Bits(h);
  }
  return f16Table;
}

/** Decodes F16 values into `out` (same length). */
export function decodeF16(src: Uint16Array, out: Float32Array): void {
  const table = f16DecodeTable();
  const outBits = new Uint32Array(out.buffer, out.byteOffset, out.length);
  for (let i = 0; i < src.length; i++) outBits[i] = table[src[i]];
}

export function decodeBf16(src: Uint16Array, out: Float32Array): void {
  const outBits = new Uint32Array(out.buffer, out.byteOffset, out.length);
  for (let i = 0; i < src.length; i++) outBits[i] = src[i] << 16;
}

/** Encodes float32 values into F16 (`out` of the same length). */
export function encodeF16(src: Float32Array, out: Uint16Array): void {
  const srcBits = new Uint32Array(src.buffer, src.byteOffset, src.length);
  for (let i = 0; i < srcBits.length; i++) out[i] = f32BitsToF16(srcBits[i]);
}

export function encodeBf16(src: Float32Array, out: Uint16Array): void {
  const srcBits = new Uint32Array(src.buffer, src.byteOffset, src.length);
  for (let i = 0; i < srcBits.length; i++) out[i] = f32BitsToBf16(srcBits[i]);
}
