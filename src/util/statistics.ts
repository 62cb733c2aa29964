// Means with 95% Student-t intervals, for the papers' reports: over seeds (AdaSkip) or over
// paired documents (MeCo); and the median the benchmarks report. A sample of one has no spread, so
// its interval is NaN (unknown), never zero width. Not here: bootstrap intervals (CodeElo's rating
// code resamples contests itself).

/** The median of xs (the mean of the middle two for an even count); NaN for an empty list. */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export interface MeanInterval {
  mean: number;
  /** half-width of the 95% interval; NaN when n < 2 */
  half: number;
  low: number;
  high: number;
  n: number;
}

/** ln Γ(x) for x > 0 (Lanczos approximation, g = 7, nine coefficients; ~15 digits). */
function logGamma(x: number): number {
  const c = [
    0.9999999999998099, 676.5203681218851, -1259.1392167224028, 771.3234287776531, -176.61503916999186,
    12.507343278686905, -0.13857109526572012, 9.984369578019572e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  x -= 1;
  let a = c[0];
  const t = x + 7.5;
  for (let i = 1; i < 9; i++) a += c[i] / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Continued fraction of the regularized incomplete beta function (modified Lentz). */
function betaFraction(a: number, b: number, x: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    for (const term of [
      (m * (b - m) * x) / ((a + m2 - 1) * (a + m2)),
      (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1)),
    ]) {
      d = 1 + term * d;
      if (Math.abs(d) < tiny) d = tiny;
      c = 1 + term / c;
      if (Math.abs(c) < tiny) c = tiny;
      d = 1 / d;
      h *= d * c;
    }
    if (Math.abs(d * c - 1) < 1e-15) break;
  }
  return h;
}

/** I_x(a, b), the regularized incomplete beta function. */
function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  return x < (a + 1) / (a + b + 2) ? (front * betaFraction(a, b, x)) / a : 1 - (front * betaFraction(b, a, 1 - x)) / b;
}

/** P(|T| > t) for Student's t with df degrees of freedom. */
function twoSidedTail(t: number, df: number): number {
  return incompleteBeta(df / (df + t * t), df / 2, 0.5);
}

/** The 97.5% quantile of Student's t with df degrees of freedom (12.706 at df = 1). */
export function tQuantile975(df: number): number {
  if (!(df >= 1)) return NaN;
  let lo = 0;
  let hi = 1;
  while (twoSidedTail(hi, df) > 0.05) hi *= 2;
  for (let i = 0; i < 100; i++) {
    const mid = (lo + hi) / 2;
    if (twoSidedTail(mid, df) > 0.05) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** Mean and 95% Student-t interval of xs. A NaN among xs makes the mean NaN (nothing is dropped). */
export function meanInterval(xs: number[]): MeanInterval {
  const n = xs.length;
  const mean = n ? xs.reduce((a, b) => a + b, 0) / n : NaN;
  let half = NaN;
  if (n >= 2) {
    const sd = Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / (n - 1));
    half = (tQuantile975(n - 1) * sd) / Math.sqrt(n);
  }
  return { mean, half, low: mean - half, high: mean + half, n };
}

/** Mean and 95% Student-t interval of the paired differences a[i] − b[i]; pairs where either
 * side is not finite are skipped. */
export function pairedInterval(a: number[], b: number[]): MeanInterval {
  const diffs: number[] = [];
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (Number.isFinite(a[i]) && Number.isFinite(b[i])) diffs.push(a[i] - b[i]);
  }
  return meanInterval(diffs);
}
