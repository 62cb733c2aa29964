// Codeforces' own rating update for every participant of a contest, computed fast: seeds for
// every integer rating come from one SeedTable over the field's rating histogram, so a
// 30,000-participant contest costs milliseconds instead of the O(n²) pairwise sums. The rules:
// tie blocks (equal points and penalty) take their worst place; seed_i = 1 + Σ_{j≠i} P(j beats
// i); m_i = √(seed_i·place_i); need_i = the largest R in [1, 8000) whose seed against everyone
// else is ≥ m_i; d_i = trunc((need_i − r_i)/2); then inc = trunc(−Σd/n) − 1 is added to all,
// and inc2 = min(max(trunc(−Σ_top d/s), −10), 0) over the s = min(n, 4·round(√n)) highest old
// ratings. Also the "performance" of a participant or of a virtual one (the model): the smallest
// rating at which the official formula would give it a non-positive change.
// It does not read files or know about models' attempts; see contest-rating.ts and pack.ts.
import { trunc, winTable } from './elo.ts';
import { RatingHistogram, SeedTable, type SeedMethod } from './seeds.ts';
import { LmlabError } from '../../util/errors.ts';

/** The rated field in standings order. */
export interface RatedField {
  points: ArrayLike<number>;
  penalty: ArrayLike<number>;
  /** Effective rating before the contest (integers). */
  ratings: ArrayLike<number>;
}

export interface CodeforcesUpdate {
  /** 1-based place; a tie block (equal points and penalty) shares its worst place. */
  places: Int32Array;
  seeds: Float64Array;
  needRatings: Int32Array;
  /** Final official rating changes. */
  deltas: Int32Array;
  /** The two global corrections added to every delta. */
  inc: number;
  inc2: number;
  /** Filled only when asked for (it costs ~14 bisections per participant). */
  performances?: Int32Array;
}

/** The rating search range of the official code: the largest R in [1, 8000) with seed(R) ≥ m. */
export const NEED_RATING_LO = 1;
export const NEED_RATING_HI = 8000;
/** Lower end of the performance search (a performance below this is reported as this). */
export const PERFORMANCE_LO = -1000;

/** Places with the Codeforces tie rule; rejects standings that are not in order. */
export function codeforcesPlaces(points: ArrayLike<number>, penalty: ArrayLike<number>): Int32Array {
  const n = points.length;
  if (penalty.length !== n) throw new LmlabError(`points (${n}) and penalty (${penalty.length}) differ in length`);
  const places = new Int32Array(n);
  let blockStart = 0;
  for (let i = 1; i <= n; i++) {
    if (i < n) {
      const worse = points[i] < points[i - 1] || (points[i] === points[i - 1] && penalty[i] > penalty[i - 1]);
      const tied = points[i] === points[i - 1] && penalty[i] === penalty[i - 1];
      if (!worse && !tied) {
        throw new LmlabError(`standings are not in order at row ${i + 1} (points ${points[i]}, penalty ${penalty[i]})`);
      }
      if (tied) continue;
    }
    for (let j = blockStart; j < i; j++) places[j] = i;
    blockStart = i;
  }
  return places;
}

function checkField(field: RatedField): number {
  const n = field.ratings.length;
  if (n === 0) throw new LmlabError('the rated field is empty');
  if (field.points.length !== n || field.penalty.length !== n) {
    throw new LmlabError(
      `field columns differ in length (points ${field.points.length}, penalty ${field.penalty.length}, ratings ${n})`,
    );
  }
  for (let i = 0; i < n; i++) {
    if (!Number.isInteger(field.ratings[i]))
      throw new LmlabError(`rating ${field.ratings[i]} at row ${i + 1} is not an integer`);
  }
  return n;
}

/** Seeds of every integer rating needed by the update and by performance searches. */
export function fieldSeedTable(ratings: ArrayLike<number>, method: SeedMethod = 'exact'): SeedTable {
  const histogram = RatingHistogram.fromRatings(ratings);
  const lo = Math.min(PERFORMANCE_LO, histogram.min);
  const hi = Math.max(NEED_RATING_HI, histogram.max + 1);
  return new SeedTable(histogram, lo, hi, method);
}

/**
 * The largest integer R in [1, 8000) whose seed against the field (minus the player itself,
 * rated `selfRating`, or nobody when null) is ≥ m; 1 when even R = 2 falls short.
 */
export function needRating(seeds: SeedTable, selfRating: number | null, m: number): number {
  const win = winTable();
  let lo = NEED_RATING_LO;
  let hi = NEED_RATING_HI;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    const seed = 1 + (selfRating === null ? seeds.sumAt(mid) : seeds.sumAt(mid) - win.at(selfRating - mid));
    if (seed < m) hi = mid;
    else lo = mid;
  }
  return lo;
}

/** The official update for every participant. */
export function codeforcesUpdate(
  field: RatedField,
  options: { method?: SeedMethod; performance?: boolean; seeds?: SeedTable } = {},
): CodeforcesUpdate {
  const n = checkField(field);
  const places = codeforcesPlaces(field.points, field.penalty);
  const seeds = options.seeds ?? fieldSeedTable(field.ratings, options.method);
  const win = winTable();
  const selfWin = win.at(0);
  const seedOf = new Float64Array(n);
  const need = new Int32Array(n);
  const deltas = new Int32Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const r = field.ratings[i];
    seedOf[i] = 1 + (seeds.sumAt(r) - selfWin);
    need[i] = needRating(seeds, r, Math.sqrt(seedOf[i] * places[i]));
    deltas[i] = trunc((need[i] - r) / 2);
    sum += deltas[i];
  }
  const inc = trunc(-sum / n) - 1;
  const top = topByOldRating(field.ratings);
  let topSum = 0;
  for (let k = 0; k < top.length; k++) topSum += deltas[top[k]] + inc;
  const inc2 = Math.min(Math.max(trunc(-topSum / top.length), -10), 0);
  for (let i = 0; i < n; i++) deltas[i] += inc + inc2;
  const update: CodeforcesUpdate = { places, seeds: seedOf, needRatings: need, deltas, inc, inc2 };
  if (options.performance) {
    update.performances = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      update.performances[i] = performance(seeds, field.ratings[i], places[i], inc + inc2);
    }
  }
  return update;
}

/** Indices of the min(n, 4·round(√n)) highest old ratings; ties keep standings order. */
export function topByOldRating(ratings: ArrayLike<number>): Int32Array {
  const n = ratings.length;
  const count = Math.min(n, 4 * Math.round(Math.sqrt(n)));
  const order = Array.from({ length: n }, (_, i) => i);
  order.sort((a, b) => ratings[b] - ratings[a] || a - b);
  return Int32Array.from(order.slice(0, count));
}

/**
 * Smallest integer x ≥ PERFORMANCE_LO (below 8000) at which a player of place `place` would get
 * a non-positive official change: trunc((need(x) − x)/2) + correction ≤ 0. `selfRating` is the
 * player's own rating in the histogram (null for a virtual participant that is not in it).
 * Returns 8000 (the cap) when even 7999 would still gain, as for most contest winners.
 */
export function performance(seeds: SeedTable, selfRating: number | null, place: number, correction: number): number {
  const win = winTable();
  const deltaAt = (x: number): number => {
    const seed = 1 + (selfRating === null ? seeds.sumAt(x) : seeds.sumAt(x) - win.at(selfRating - x));
    const need = needRating(seeds, selfRating, Math.sqrt(seed * place));
    return trunc((need - x) / 2) + correction;
  };
  let lo = PERFORMANCE_LO;
  let hi = NEED_RATING_HI;
  if (deltaAt(lo) <= 0) return lo;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (deltaAt(mid) <= 0) hi = mid;
    else lo = mid;
  }
  return hi;
}
