// In-place radix-2 complex FFT over Float64Arrays and a real linear convolution built on it.
// Used to compute seed(r) for every integer r at once; it is deliberately minimal (power-of-two
// sizes only, no real-input packing) because one transform of 2^15 points is already cheap.

/** In-place FFT of (re, im), length a power of two; `inverse` also divides by n. */
export function fft(re: Float64Array, im: Float64Array, inverse = false): void {
  const n = re.length;
  if (n !== im.length || (n & (n - 1)) !== 0) throw new Error(`fft: length ${n} is not a power of two`);
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      let t = re[i];
      re[i] = re[j];
      re[j] = t;
      t = im[i];
      im[i] = im[j];
      im[j] = t;
    }
  }
  const sign = inverse ? 1 : -1;
  for (let len = 2; len <= n; len <<= 1) {
    const half = len >> 1;
    const angle = (sign * 2 * Math.PI) / len;
    // Twiddles computed directly per index (not by repeated multiplication) to keep the
    // rounding error at the level of one sin/cos, which the seed tests rely on.
    for (let k = 0; k < half; k++) {
      const wr = Math.cos(angle * k);
      const wi = Math.sin(angle * k);
      for (let start = 0; start < n; start += len) {
        const a = start + k;
        const b = a + half;
        const xr = re[b] * wr - im[b] * wi;
        const xi = re[b] * wi + im[b] * wr;
        re[b] = re[a] - xr;
        im[b] = im[a] - xi;
        re[a] += xr;
        im[a] += xi;
      }
    }
  }
  if (inverse)
    for (let i = 0; i < n; i++) {
      re[i] /= n;
      im[i] /= n;
    }
}

/** Linear convolution of two real sequences: out[k] = Σ_i a[i]·b[k − i], length |a|+|b|−1. */
export function convolve(a: Float64Array, b: Float64Array): Float64Array {
  const outLength = a.length + b.length - 1;
  let n = 1;
  while (n < outLength) n <<= 1;
  // Pack a into the real part and b into the imaginary part: one forward transform serves both.
  const re = new Float64Array(n);
  const im = new Float64Array(n);
  re.set(a);
  im.set(b);
  fft(re, im);
  // With z = a + i·b: A[k] = (Z[k] + conj Z[n−k]) / 2, B[k] = (Z[k] − conj Z[n−k]) / 2i,
  // and the product A·B is transformed back.
  const pr = new Float64Array(n);
  const pi = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const j = (n - k) & (n - 1);
    const ar = (re[k] + re[j]) / 2,
      ai = (im[k] - im[j]) / 2;
    const br = (im[k] + im[j]) / 2,
      bi = -(re[k] - re[j]) / 2;
    pr[k] = ar * br - ai * bi;
    pi[k] = ar * bi + ai * br;
  }
  fft(pr, pi, true);
  return pr.subarray(0, outLength);
}
