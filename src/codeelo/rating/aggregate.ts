// Aggregates over contests and problems, as CodeElo reports them: overall Elo (plain mean), percentile
// against a human rating distribution, unbiased pass@k, difficulty buckets, and percentile
// bootstrap intervals. Pure functions over numbers; the pipeline that feeds them is rate.ts.
import { readFileSync } from 'node:fs';
import { cfRatedListSchema, parseWith, unwrapEnvelope } from '../cf/schemas.ts';
import { parseJsonText } from '../../io/json.ts';
import type { Rng } from '../../util/rng.ts';
import { LmlabError } from '../../util/errors.ts';

export function mean(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

/** Human ratings as sorted distinct values with cumulative counts, for percentiles. */
export class RatingDistribution {
  private readonly values: Float64Array;
  /** below[k] = number of ratings strictly below values[k]. */
  private readonly below: Float64Array;
  readonly total: number;

  constructor(counts: Map<number, number>) {
    const sorted = [...counts.entries()].filter(([, c]) => c > 0).sort((a, b) => a[0] - b[0]);
    if (sorted.length === 0) throw new LmlabError('the rating distribution is empty');
    this.values = Float64Array.from(sorted.map(([r]) => r));
    this.below = new Float64Array(sorted.length);
    let running = 0;
    sorted.forEach(([, c], k) => {
      this.below[k] = running;
      running += c;
    });
    this.total = running;
  }

  /** 100 · (number of ratings strictly below `rating`) / total. */
  percentile(rating: number): number {
    let lo = 0;
    let hi = this.values.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.values[mid] < rating) lo = mid + 1;
      else hi = mid;
    }
    const strictlyBelow = lo < this.values.length ? this.below[lo] : this.total;
    return (100 * strictlyBelow) / this.total;
  }

  /** Counts in buckets [start, start + width) in rating order, empty ones left out (for plots). */
  buckets(width = 100): { start: number; count: number }[] {
    const counts = new Map<number, number>();
    this.values.forEach((v, k) => {
      const start = Math.floor(v / width) * width;
      const count = (k + 1 < this.values.length ? this.below[k + 1] : this.total) - this.below[k];
      counts.set(start, (counts.get(start) ?? 0) + count);
    });
    return [...counts.entries()].map(([start, count]) => ({ start, count }));
  }

  /** From `rating,count` CSV text (a header line is allowed). */
  static fromCsv(text: string, where = 'rating histogram'): RatingDistribution {
    const counts = new Map<number, number>();
    const lines = text.split(/\r?\n/);
    lines.forEach((line, i) => {
      const trimmed = line.trim();
      if (!trimmed || (i === 0 && /[a-z]/i.test(trimmed))) return;
      const match = /^(-?\d+)\s*,\s*(\d+)$/.exec(trimmed);
      if (!match) throw new LmlabError(`${where}: line ${i + 1} is not "rating,count": ${trimmed.slice(0, 40)}`);
      const rating = Number(match[1]);
      counts.set(rating, (counts.get(rating) ?? 0) + Number(match[2]));
    });
    return new RatingDistribution(counts);
  }

  /** From user.ratedList JSON: the API envelope or the bare result array. */
  static fromRatedList(data: unknown, where = 'user.ratedList'): RatingDistribution {
    const list = Array.isArray(data) ? data : unwrapEnvelope(data, where);
    const users = parseWith(cfRatedListSchema, list, `${where}: not a user.ratedList result`);
    const counts = new Map<number, number>();
    for (const u of users) counts.set(u.rating, (counts.get(u.rating) ?? 0) + 1);
    return new RatingDistribution(counts);
  }

  /** A .csv histogram or a user.ratedList .json file. */
  static fromFile(path: string): RatingDistribution {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      throw new LmlabError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    if (path.endsWith('.json')) return RatingDistribution.fromRatedList(parseJsonText(text, path), path);
    return RatingDistribution.fromCsv(text, path);
  }
}

/** Unbiased pass@k = 1 − C(n−c, k)/C(n, k) for n samples with c correct (k ≤ n). */
export function passAtK(n: number, c: number, k: number): number {
  if (!(Number.isInteger(n) && Number.isInteger(c) && Number.isInteger(k)) || c < 0 || c > n || k < 1 || k > n) {
    throw new Error(`pass@k needs integers 0 ≤ c ≤ n and 1 ≤ k ≤ n (got n=${n}, c=${c}, k=${k})`);
  }
  if (n - c < k) return 1;
  // C(n−c, k)/C(n, k) = Π_{i=n−c+1..n} (1 − k/i), a product with no huge numbers.
  let ratio = 1;
  for (let i = n - c + 1; i <= n; i++) ratio *= 1 - k / i;
  return 1 - ratio;
}

export type DifficultyBucket = 'Easy' | 'Medium' | 'Hard' | 'unrated';
/** Easy [800, 1000), Medium [1000, 1300), Hard [1300, 3500]. */
export function difficultyBucket(rating: number | undefined): DifficultyBucket {
  if (rating === undefined || rating < 800 || rating > 3500) return 'unrated';
  if (rating < 1000) return 'Easy';
  if (rating < 1300) return 'Medium';
  return 'Hard';
}

/** The q-quantile (0..1) of values by linear interpolation between order statistics. */
export function quantile(sortedValues: readonly number[] | Float64Array, q: number): number {
  const n = sortedValues.length;
  if (n === 0) throw new Error('quantile of an empty sample');
  const pos = q * (n - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(n - 1, lo + 1);
  return sortedValues[lo] + (sortedValues[hi] - sortedValues[lo]) * (pos - lo);
}

export interface Interval {
  low: number;
  high: number;
  level: number;
  resamples: number;
}

/** Percentile interval of `statistic` over `resamples` draws produced by `draw`. */
export function bootstrapInterval(resamples: number, draw: () => number, level = 0.95): Interval {
  if (!(Number.isInteger(resamples) && resamples >= 1))
    throw new LmlabError(`bootstrap resamples must be a positive integer (got ${resamples})`);
  const stats = new Float64Array(resamples);
  for (let b = 0; b < resamples; b++) stats[b] = draw();
  return percentileInterval(stats, level);
}

/** Percentile interval of already drawn statistics (sorts a copy). */
export function percentileInterval(draws: Float64Array, level = 0.95): Interval {
  if (draws.length === 0) throw new Error('percentile interval of no draws');
  const stats = Float64Array.from(draws).sort();
  const tail = (1 - level) / 2;
  return { low: quantile(stats, tail), high: quantile(stats, 1 - tail), level, resamples: stats.length };
}

/** Mean of a with-replacement resample of `values`. */
export function resampledMean(values: readonly number[], rng: Rng): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[rng.int(values.length)];
  return sum / values.length;
}
