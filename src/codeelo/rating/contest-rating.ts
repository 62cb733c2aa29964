// Per-contest rating of the model from its placement among the rated humans, in three modes:
//   compat     — the paper's public code: displayed ratings, ties to the humans, the count m of
//                humans ahead or tied plugged in as the place, integer bisection on
//                [0, R_max + 100) (so one place better than the model's real place).
//   corrected  — (default) effective ratings (displayed 0 → 1400 for rounds after the 2020
//                newcomer change), Codeforces' tie rule (worst place of the tie block, i.e.
//                the true 1-based place m + 1), and the real-valued root of seed(r) = place,
//                still clamped to [0, R_max + 100] like the paper.
//   codeforces — the performance of a virtual participant under the official update:
//                the smallest rating at which it would get a non-positive rating change,
//                with the humans' own corrections (the model does not join their update).
// A contest counts only with more than 200 rated participants (configurable); skipReason says
// why a pack is not rated instead of returning a number. It does not aggregate; see
// aggregate.ts.
import { seedDirect } from './elo.ts';
import { codeforcesUpdate, fieldSeedTable, performance } from './codeforces.ts';
import { humansAheadOrTied } from './contest.ts';
import { validatePack, type ContestPack } from './pack.ts';
import { RatingHistogram, SeedTable, type SeedMethod } from './seeds.ts';
import { LmlabError } from '../../util/errors.ts';

export const RATING_MODES = ['compat', 'corrected', 'codeforces'] as const;
export type RatingMode = (typeof RATING_MODES)[number];

export interface RatingOptions {
  mode: RatingMode;
  /** A contest counts only with MORE than this many rated participants. */
  minParticipants?: number;
  /** Effective rating of a newcomer whose displayed rating is 0. */
  newcomerRating?: number;
  /** Contests starting at or after this time (Unix seconds) use the newcomer rule. */
  newcomerRuleSince?: number;
  seedMethod?: SeedMethod;
}

export const DEFAULT_MIN_PARTICIPANTS = 200;
export const DEFAULT_NEWCOMER_RATING = 1400;
/** The change to displayed-0/effective-1400 newcomers was rolled out at the end of May 2020. */
export const DEFAULT_NEWCOMER_RULE_SINCE = Date.UTC(2020, 5, 1) / 1000;

export interface ContestPlacement {
  /** Humans strictly ahead of or tied with the model. */
  aheadOrTied: number;
  /** The place the mode plugs in (compat: aheadOrTied; otherwise aheadOrTied + 1). */
  place: number;
  rating: number;
}

/** Why a pack yields no rating in this mode, or undefined when it does. */
export function skipReason(pack: ContestPack, options: RatingOptions): string | undefined {
  const min = options.minParticipants ?? DEFAULT_MIN_PARTICIPANTS;
  const n = pack.field.oldRating.length;
  if (n <= min) return `only ${n} rated participants (a contest counts with more than ${min})`;
  return undefined;
}

/**
 * Whether displayed-0 ratings in this pack stand for effective newcomers (1400): the pack holds
 * displayed ratings and the contest is after the newcomer change. Without a start time the pack
 * is assumed recent (CodeElo's contests are all from 2024).
 */
export function newcomerRuleApplies(pack: ContestPack, options: Pick<RatingOptions, 'newcomerRuleSince'>): boolean {
  if (pack.ratings === 'effective') return false;
  const start = pack.contest.startTimeSeconds;
  return start === undefined || start >= (options.newcomerRuleSince ?? DEFAULT_NEWCOMER_RULE_SINCE);
}

/** Displayed bonus a newcomer gets in its first rated contest after the newcomer change. */
export const FIRST_CONTEST_DISPLAY_BONUS = 500;

/**
 * Ratings the mode computes with: displayed as stored (compat) or effective. Only displayed 0
 * is mapped: the API does not say how many rated contests a user has had, so users in their
 * 2nd–6th contest (whose displayed rating still lags the effective one) stay as displayed.
 */
export function modeRatings(pack: ContestPack, options: RatingOptions): Int32Array {
  const stored = Int32Array.from(pack.field.oldRating);
  if (options.mode === 'compat' || !newcomerRuleApplies(pack, options)) return stored;
  const newcomer = options.newcomerRating ?? DEFAULT_NEWCOMER_RATING;
  for (let i = 0; i < stored.length; i++) if (stored[i] === 0) stored[i] = newcomer;
  return stored;
}

/** Rates model results in one contest; ratings depend only on the place, so they are cached. */
export class ContestRater {
  private readonly byAhead = new Map<number, ContestPlacement>();
  private readonly ratings: Int32Array;
  private readonly histogram: RatingHistogram;
  private readonly seeds: SeedTable;
  private readonly ratingCeiling: number;
  private readonly correction: number;
  private ratingScales: Float64Array | undefined;

  constructor(
    readonly pack: ContestPack,
    readonly options: RatingOptions,
  ) {
    const reason = skipReason(pack, options);
    if (reason) throw new LmlabError(`contest ${pack.contest.id} cannot be rated: ${reason}`);
    validatePack(pack, `contest ${pack.contest.id}`); // placement relies on standings order
    this.ratings = modeRatings(pack, options);
    this.histogram = RatingHistogram.fromRatings(this.ratings);
    this.ratingCeiling = this.histogram.max + 100;
    this.correction = 0;
    if (options.mode === 'codeforces') {
      this.seeds = fieldSeedTable(this.ratings, options.seedMethod);
      const update = codeforcesUpdate(
        { points: pack.field.points, penalty: pack.field.penalty, ratings: this.ratings },
        { seeds: this.seeds },
      );
      this.correction = update.inc + update.inc2;
    } else {
      this.seeds = new SeedTable(this.histogram, 0, this.ratingCeiling + 1, options.seedMethod);
    }
  }

  get participants(): number {
    return this.ratings.length;
  }

  rate(points: number, penalty: number): ContestPlacement {
    return this.rateAheadOrTied(humansAheadOrTied(this.pack, points, penalty));
  }

  rateAheadOrTied(aheadOrTied: number): ContestPlacement {
    let cached = this.byAhead.get(aheadOrTied);
    if (cached) return cached;
    switch (this.options.mode) {
      case 'compat':
        cached = { aheadOrTied, place: aheadOrTied, rating: this.integerBisection(aheadOrTied) };
        break;
      case 'corrected':
        cached = { aheadOrTied, place: aheadOrTied + 1, rating: this.realRoot(aheadOrTied + 1) };
        break;
      case 'codeforces':
        cached = {
          aheadOrTied,
          place: aheadOrTied + 1,
          rating: performance(this.seeds, null, aheadOrTied + 1, this.correction),
        };
        break;
    }
    this.byAhead.set(aheadOrTied, cached);
    return cached;
  }

  /** The paper's search: lo = 0, hi = R_max + 100, keep lo where seed(lo) ≥ m. */
  private integerBisection(m: number): number {
    let lo = 0;
    let hi = this.ratingCeiling;
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (this.seeds.at(mid) < m) hi = mid;
      else lo = mid;
    }
    return lo;
  }

  /** Real r in [0, R_max + 100] with seed(r) = place (seed falls as r rises). */
  private realRoot(place: number): number {
    const top = this.ratingCeiling;
    if (this.seeds.at(0) <= place) return 0;
    if (this.seeds.at(top) >= place) return top;
    let lo = 0;
    let hi = top;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (this.seeds.at(mid) < place) hi = mid;
      else lo = mid;
    }
    // seed(lo) ≥ place > seed(lo + 1): refine inside the unit interval with exact sums.
    let a = lo;
    let b = lo + 1;
    for (let iter = 0; iter < 40 && b - a > 1e-9; iter++) {
      const mid = (a + b) / 2;
      if (this.realSeed(mid) < place) b = mid;
      else a = mid;
    }
    return (a + b) / 2;
  }

  /** seed(r) at a real r: 10^((r − v)/400) = 10^(r/400)·10^(−v/400), one pow per call. */
  private realSeed(r: number): number {
    const counts = this.histogram.counts;
    const scales = (this.ratingScales ??= Float64Array.from(this.histogram.values, (v) => Math.pow(10, -v / 400)));
    const a = Math.pow(10, r / 400);
    let seed = 1;
    for (let k = 0; k < counts.length; k++) seed += counts[k] / (1 + a * scales[k]);
    return seed;
  }
}

/** The paper's rating computed the slow, obvious way (test oracle for the fast path). */
export function compatRatingDirect(ratings: ArrayLike<number>, m: number): number {
  let max = -Infinity;
  for (let i = 0; i < ratings.length; i++) max = Math.max(max, ratings[i]);
  let lo = 0;
  let hi = max + 100;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (seedDirect(ratings, mid) < m) hi = mid;
    else lo = mid;
  }
  return lo;
}
