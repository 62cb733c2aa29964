// The model's result in one contest, scored as the CodeElo paper does, and its raw placement
// among the rated humans: score from per-problem attempt lists for both scoring types
// (submission time taken as 0, hacks ignored), and the count of humans ahead of or tied with it.
// It does not turn a place into a rating; see contest-rating.ts.
import type { ContestPack } from './pack.ts';
import type { AttemptVerdict } from './results.ts';
import { LmlabError } from '../../util/errors.ts';

export interface ProblemOutcome {
  index: string;
  solved: boolean;
  /** Failed attempts before the first AC (all attempts when unsolved). */
  failedBefore: number;
}

export interface ModelScore {
  /** Points (points-scored) or problems solved (ICPC-style): comparable with field.points. */
  points: number;
  /** Penalty minutes (ICPC-style), 0 for points-scored rounds. */
  penalty: number;
  solved: number;
  problems: ProblemOutcome[];
}

export const POINTS_LOST_PER_FAILURE = 50;
export const PENALTY_MINUTES_PER_FAILURE = 10;

/** Score of the attempt lists against the pack's problems; every problem must be listed. */
export function scoreContest(pack: ContestPack, attempts: Record<string, readonly AttemptVerdict[]>): ModelScore {
  const known = new Set(pack.problems.map((p) => p.index));
  const unknown = Object.keys(attempts).filter((index) => !known.has(index));
  if (unknown.length) {
    throw new LmlabError(
      `contest ${pack.contest.id}: results name problems the pack does not have: ${unknown.join(', ')}`,
    );
  }
  const missing = pack.problems.filter((p) => !(p.index in attempts)).map((p) => p.index);
  if (missing.length) {
    throw new LmlabError(
      `contest ${pack.contest.id}: results give no attempts for problems ${missing.join(', ')} (list them with [] if not attempted)`,
    );
  }
  if (pack.problems.length === 0) throw new LmlabError(`contest ${pack.contest.id}: the pack lists no problems`);
  let points = 0;
  let penalty = 0;
  let solved = 0;
  const problems: ProblemOutcome[] = [];
  for (const problem of pack.problems) {
    const verdicts = attempts[problem.index];
    const firstAc = verdicts.indexOf('AC');
    const outcome: ProblemOutcome = {
      index: problem.index,
      solved: firstAc >= 0,
      failedBefore: firstAc >= 0 ? firstAc : verdicts.length,
    };
    problems.push(outcome);
    if (!outcome.solved) continue;
    solved++;
    if (pack.scoring === 'points') {
      points += Math.max(0, (problem.points ?? 0) - POINTS_LOST_PER_FAILURE * outcome.failedBefore);
    } else {
      points += 1;
      penalty += PENALTY_MINUTES_PER_FAILURE * outcome.failedBefore;
    }
  }
  return { points, penalty, solved, problems };
}

/**
 * Humans strictly ahead of or tied with (points, penalty): s_i > S or (s_i = S and pen_i ≤ Pen).
 * The field is in standings order, so this is a binary search for the first human behind.
 */
export function humansAheadOrTied(pack: ContestPack, points: number, penalty: number): number {
  const { points: s, penalty: pen } = pack.field;
  let lo = 0;
  let hi = s.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const aheadOrTied = s[mid] > points || (s[mid] === points && pen[mid] <= penalty);
    if (aheadOrTied) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
