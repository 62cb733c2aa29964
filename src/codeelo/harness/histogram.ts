// Human rating distribution for the harness: the real `rating,count` table shipped in the
// repository (data/codeforces-rating-histogram.csv) or the file given with --distribution; a
// coarse built-in copy of it in 100-point buckets simulates the human fields of the bundled
// contests and stands in only if the shipped table has been removed.
// It does not compute percentiles itself (RatingDistribution in the ratings module does).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { RatingDistribution } from '../rating/aggregate.ts';

/**
 * Provenance: the 717,421 human Codeforces ratings of the CodeElo paper's percentile table
 * (the `rating,count` CSV shipped with its public rating code), summed into 100-point buckets
 * [b, b + 100). Derived once from that CSV; bucket sums are exact, positions within a bucket are
 * lost, so a percentile from this table can be off by up to one bucket's share.
 */
export const COARSE_RATING_HISTOGRAM: readonly (readonly [bucketStart: number, count: number])[] = [
  [-100, 9],
  [0, 16],
  [100, 60],
  [200, 148],
  [300, 84920],
  [400, 24858],
  [500, 23473],
  [600, 35643],
  [700, 49438],
  [800, 53905],
  [900, 50234],
  [1000, 48765],
  [1100, 48722],
  [1200, 59817],
  [1300, 73686],
  [1400, 64141],
  [1500, 26547],
  [1600, 27068],
  [1700, 15977],
  [1800, 6990],
  [1900, 7661],
  [2000, 3928],
  [2100, 5921],
  [2200, 2514],
  [2300, 1063],
  [2400, 936],
  [2500, 293],
  [2600, 236],
  [2700, 179],
  [2800, 96],
  [2900, 65],
  [3000, 57],
  [3100, 25],
  [3200, 11],
  [3300, 7],
  [3400, 3],
  [3500, 3],
  [3600, 5],
  [4000, 1],
];

/** The real table (public Codeforces data, 717,421 ratings) shipped with lmlab. */
export const REAL_HISTOGRAM_PATH = fileURLToPath(
  new URL('../../../data/codeforces-rating-histogram.csv', import.meta.url),
);

export interface DistributionSource {
  distribution: RatingDistribution;
  /** Where the numbers came from, for the report's provenance. */
  source: string;
}

/** Counts at each bucket's lower edge: a rating r beats a bucket only when r > its start. */
export function coarseDistribution(): RatingDistribution {
  return new RatingDistribution(new Map(COARSE_RATING_HISTOGRAM.map(([start, count]) => [start, count])));
}

/** The explicit file, else the shipped real table, else (if removed) the built-in coarse one. */
export function loadDistribution(explicitPath?: string): DistributionSource {
  if (explicitPath) return { distribution: RatingDistribution.fromFile(explicitPath), source: explicitPath };
  if (existsSync(REAL_HISTOGRAM_PATH)) {
    return {
      distribution: RatingDistribution.fromFile(REAL_HISTOGRAM_PATH),
      source: 'codeforces-rating-histogram.csv (717,421 human ratings)',
    };
  }
  return { distribution: coarseDistribution(), source: 'built-in 100-point buckets of the 717,421 human ratings' };
}
