// The textbook O(n²) form of Codeforces' rating update: pairwise seeds and a bisection whose
// seed(R) is summed over the whole field (memoised per R, as any sane direct port would). It
// exists as the oracle the fast histogram version is tested against and as the baseline that
// bench/rating.ts times side by side; it shares the win-probability table so that the
// comparison isolates the algorithm. Not for production use on large fields.
import { trunc, winTable } from './elo.ts';
import { codeforcesPlaces, NEED_RATING_HI, NEED_RATING_LO, topByOldRating, type RatedField } from './codeforces.ts';

export function codeforcesUpdatePlain(field: RatedField): {
  places: Int32Array;
  deltas: Int32Array;
  inc: number;
  inc2: number;
} {
  const n = field.ratings.length;
  if (n === 0) throw new Error('the rated field is empty');
  const places = codeforcesPlaces(field.points, field.penalty);
  const win = winTable();
  const ratings = Int32Array.from(field.ratings as ArrayLike<number>);
  // Σ_j P(r_j beats r) over the whole field, memoised per R; a player's own term is removed
  // before the leading 1 is added so that a lone player's seed is exactly 1.
  const sumMemo = new Map<number, number>();
  const sumAll = (r: number): number => {
    let sum = sumMemo.get(r);
    if (sum === undefined) {
      sum = 0;
      for (let j = 0; j < n; j++) sum += win.at(ratings[j] - r);
      sumMemo.set(r, sum);
    }
    return sum;
  };
  const deltas = new Int32Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    let seed = 1;
    for (let j = 0; j < n; j++) if (j !== i) seed += win.at(ratings[j] - ratings[i]);
    const m = Math.sqrt(seed * places[i]);
    let lo = NEED_RATING_LO;
    let hi = NEED_RATING_HI;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (1 + (sumAll(mid) - win.at(ratings[i] - mid)) < m) hi = mid;
      else lo = mid;
    }
    deltas[i] = trunc((lo - ratings[i]) / 2);
    sum += deltas[i];
  }
  const inc = trunc(-sum / n) - 1;
  const top = topByOldRating(ratings);
  let topSum = 0;
  for (let k = 0; k < top.length; k++) topSum += deltas[top[k]] + inc;
  const inc2 = Math.min(Math.max(trunc(-topSum / top.length), -10), 0);
  for (let i = 0; i < n; i++) deltas[i] += inc + inc2;
  return { places, deltas, inc, inc2 };
}
