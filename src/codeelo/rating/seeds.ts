// seed(x) = 1 + Σ_i P(r_i beats x) for every integer x of a range at once, from the histogram of
// the field's integer ratings: either an exact sum over the distinct ratings (O(range·distinct))
// computed lazily per queried x, or one FFT convolution of the histogram with the
// win-probability table for the whole range (O(N log N)). This is what makes 30,000-participant
// rating updates and thousands of bootstrap resamples cheap.
// It does not decide places or ratings; see codeforces.ts and contest-rating.ts.
import { convolve } from './fft.ts';
import { winTable } from './elo.ts';

export type SeedMethod = 'exact' | 'fft';

/** Counts of integer ratings: the only thing seed(x) depends on. */
export class RatingHistogram {
  /** Distinct ratings, ascending, and how many players hold each. */
  readonly values: Int32Array;
  readonly counts: Float64Array;
  readonly total: number;

  constructor(values: Int32Array, counts: Float64Array) {
    this.values = values;
    this.counts = counts;
    let total = 0;
    for (let i = 0; i < counts.length; i++) total += counts[i];
    this.total = total;
  }

  static fromRatings(ratings: ArrayLike<number>): RatingHistogram {
    const byRating = new Map<number, number>();
    for (let i = 0; i < ratings.length; i++) {
      const r = ratings[i];
      if (!Number.isInteger(r)) throw new Error(`rating ${r} is not an integer`);
      byRating.set(r, (byRating.get(r) ?? 0) + 1);
    }
    return RatingHistogram.fromCounts(byRating);
  }

  static fromCounts(byRating: Map<number, number>): RatingHistogram {
    const sorted = [...byRating.entries()].filter(([, c]) => c > 0).sort((a, b) => a[0] - b[0]);
    return new RatingHistogram(Int32Array.from(sorted.map(([r]) => r)), Float64Array.from(sorted.map(([, c]) => c)));
  }

  get min(): number {
    return this.values.length ? this.values[0] : 0;
  }
  get max(): number {
    return this.values.length ? this.values[this.values.length - 1] : 0;
  }
}

/** seed(x) over the integers x in [lo, hi) (stored as seed − 1); outside it, an exact sum. */
export class SeedTable {
  readonly table: Float64Array;

  constructor(
    readonly histogram: RatingHistogram,
    readonly lo: number,
    readonly hi: number,
    readonly method: SeedMethod = 'exact',
  ) {
    if (!(Number.isInteger(lo) && Number.isInteger(hi) && hi > lo)) {
      throw new Error(`seed table range [${lo}, ${hi}) is empty or not integer`);
    }
    // Exact entries are filled on first use: bisections touch only a few thousand of them.
    this.table = method === 'fft' ? seedsByFft(histogram, lo, hi) : new Float64Array(hi - lo).fill(NaN);
  }

  /** seed(x) for integer x. */
  at(x: number): number {
    return 1 + this.sumAt(x);
  }

  /**
   * seed(x) − 1 = Σ_i P(r_i beats x). Callers that remove one player's own term subtract it
   * from this sum before adding the 1, so a lone player's seed is exactly 1, as in a direct sum.
   */
  sumAt(x: number): number {
    if (x < this.lo || x >= this.hi) return sumFromHistogram(this.histogram, x);
    const cached = this.table[x - this.lo];
    if (cached === cached) return cached; // not NaN
    return (this.table[x - this.lo] = sumFromHistogram(this.histogram, x));
  }

  /** Fills every entry now (exact method), e.g. before timing or sharing the table. */
  fill(): this {
    for (let x = this.lo; x < this.hi; x++) this.sumAt(x);
    return this;
  }
}

/** Exact Σ_i P(r_i beats x) = seed(x) − 1 from the histogram, for one integer x. */
export function sumFromHistogram(histogram: RatingHistogram, x: number): number {
  const win = winTable();
  const { values, counts } = histogram;
  const w = win.values;
  const base = win.limit - x;
  let sum = 0;
  if (histogram.min + base >= 0 && histogram.max + base < w.length) {
    for (let k = 0; k < values.length; k++) sum += counts[k] * w[values[k] + base];
  } else {
    for (let k = 0; k < values.length; k++) sum += counts[k] * win.at(values[k] - x);
  }
  return sum;
}

function seedsByFft(histogram: RatingHistogram, lo: number, hi: number): Float64Array {
  const rows = hi - lo;
  if (histogram.values.length === 0) return new Float64Array(rows);
  const vMin = histogram.min;
  const span = histogram.max - vMin + 1;
  // seed(x) − 1 = Σ_v h[v]·P(v − x) is a correlation; reversing the histogram
  // (reversed[vMax − v] = h[v]) turns it into one linear convolution:
  //   conv[span − 1 + t] = Σ_v h[v]·kernel[v − vMin + t]   with t = hi − 1 − x,
  // so kernel[s] must be P(s + vMin − hi + 1).
  const reversed = new Float64Array(span);
  for (let k = 0; k < histogram.values.length; k++) {
    reversed[histogram.max - histogram.values[k]] = histogram.counts[k];
  }
  const win = winTable();
  const kernelLength = span + rows - 1;
  const kernel = new Float64Array(kernelLength);
  const shift = vMin - hi + 1;
  for (let s = 0; s < kernelLength; s++) kernel[s] = win.at(s + shift);
  const conv = convolve(reversed, kernel);
  const out = new Float64Array(rows);
  for (let x = lo; x < hi; x++) out[x - lo] = conv[span - 1 + (hi - 1 - x)];
  return out;
}
