// Elo arithmetic shared by every rating mode: the win probability, a lookup table of it over
// integer rating differences (ratings are integers, so the hot loops never call Math.pow), and
// the direct O(n) expected place seed(r) used as the reference for the fast tables.
// It does not know about contests, places or modes.

/** P(a beats b) under Codeforces' Elo: 1 / (1 + 10^((b − a)/400)). */
export function winProbability(ratingA: number, ratingB: number): number {
  return 1 / (1 + Math.pow(10, (ratingB - ratingA) / 400));
}

/**
 * P(a beats b) for every integer difference a − b in [−limit, limit]; index `diff + limit`.
 * Beyond ±limit the probability is clamped to the table's edge value (limit is chosen wide
 * enough that this never matters for real ratings).
 */
export class WinTable {
  readonly values: Float64Array;

  constructor(readonly limit = 20000) {
    this.values = new Float64Array(2 * limit + 1);
    for (let d = -limit; d <= limit; d++) this.values[d + limit] = 1 / (1 + Math.pow(10, -d / 400));
  }

  /** P(a beats b) where diff = a − b is an integer. */
  at(diff: number): number {
    const i = diff + this.limit;
    if (i < 0) return this.values[0];
    if (i >= this.values.length) return this.values[this.values.length - 1];
    return this.values[i];
  }
}

let sharedTable: WinTable | undefined;
/** One process-wide table (320 KB) so callers do not rebuild it per contest. */
export function winTable(): WinTable {
  sharedTable ??= new WinTable();
  return sharedTable;
}

/** seed(r) = 1 + Σ_i P(r_i beats r): the expected place of a player rated r (direct sum). */
export function seedDirect(ratings: ArrayLike<number>, r: number): number {
  let seed = 1;
  for (let i = 0; i < ratings.length; i++) seed += 1 / (1 + Math.pow(10, (r - ratings[i]) / 400));
  return seed;
}

/** Codeforces-style integer truncation toward zero (Java int division, `(int)` casts). */
export function trunc(x: number): number {
  return Math.trunc(x) + 0; // + 0 turns −0 into 0 so results print and compare cleanly
}
