// The SIMULATED human field of the bundled contests. Real Codeforces standings do not exist for
// our own problems, so each bundled contest gets a documented, reproducible simulation:
//   ratings  — drawn from the human rating histogram (100-point buckets, uniform inside a
//              bucket), kept below the division's rating cap (Div. 2: < 2100, Div. 3: < 1600);
//   solves   — each human solves problem p with the Elo win probability against the problem's
//              rating, 1 / (1 + 10^((R_p − r)/400)) (a problem's rating is, by definition, the
//              rating with a 50% chance to solve it);
//   time     — problems are worked in order; the minutes spent on one are log-normal around a
//              base time that grows with R_p − r; wrong attempts before the accepted one are
//              geometric; a problem whose cumulative time passes the contest length is unsolved;
//   score    — points rounds: Codeforces decay max(0.3·P, P·(1 − t/250) − 50 per wrong try);
//              ICPC rounds: solved count and Σ (t + 10 per wrong try) minutes.
// Humans are rated on real time while the model's attempts count at time 0 (as in the paper),
// so a model is flattered relative to real contests; every output labels these fields simulated.
// It does not rate anything: the packs go through the ratings module like real ones.
import { Rng } from '../../util/rng.ts';
import { validatePack, type ContestPack, type Division } from '../rating/pack.ts';
import { COARSE_RATING_HISTOGRAM } from './histogram.ts';

export interface BundledContestProblem {
  index: string;
  /** Directory name under problems/. */
  problem: string;
  rating: number;
  tags: string[];
  points?: number;
}

export interface BundledContest {
  id: number;
  name: string;
  division: Division;
  scoring: 'points' | 'icpc';
  durationMinutes: number;
  /** Ratings of the simulated humans stay below this (the division's rated range). */
  ratingCap: number;
  participants: number;
  seed: number;
  problems: BundledContestProblem[];
}

/** Contest ids far above real Codeforces ids, so a bundled contest never shadows a real one. */
export const BUNDLED_CONTESTS: readonly BundledContest[] = [
  {
    id: 900001,
    name: 'lmlab Simulated Round 1 (Div. 2, simulated field)',
    division: 'Div. 2',
    scoring: 'points',
    durationMinutes: 120,
    ratingCap: 2100,
    participants: 3000,
    seed: 9001,
    problems: [
      { index: 'A', problem: 'compact-log', rating: 800, tags: ['implementation', 'strings'], points: 500 },
      { index: 'B', problem: 'exactly-one-divisor', rating: 900, tags: ['math', 'number theory'], points: 750 },
      { index: 'C', problem: 'study-pairs', rating: 1100, tags: ['greedy', 'sortings', 'two pointers'], points: 1000 },
      { index: 'D', problem: 'delivery-days', rating: 1300, tags: ['binary search', 'greedy'], points: 1500 },
      { index: 'E', problem: 'one-way-streets', rating: 1600, tags: ['graphs', 'shortest paths'], points: 2000 },
      { index: 'F', problem: 'cinema-seats', rating: 1800, tags: ['data structures', 'binary search'], points: 2500 },
      {
        index: 'G',
        problem: 'fair-roads',
        rating: 2000,
        tags: ['graphs', 'constructive algorithms', 'dfs and similar'],
        points: 3000,
      },
    ],
  },
  {
    id: 900002,
    name: 'lmlab Simulated Round 2 (Div. 3, ICPC rules, simulated field)',
    division: 'Div. 3',
    scoring: 'icpc',
    durationMinutes: 135,
    ratingCap: 1600,
    participants: 3000,
    seed: 9002,
    problems: [
      { index: 'A', problem: 'broken-stairs', rating: 1200, tags: ['dp'] },
      { index: 'B', problem: 'summit-search', rating: 1400, tags: ['binary search', 'interactive'] },
      { index: 'C', problem: 'signal-tower', rating: 1500, tags: ['binary search', 'math'] },
      { index: 'D', problem: 'farthest-village', rating: 1700, tags: ['trees', 'dfs and similar', 'graphs'] },
      { index: 'E', problem: 'mirror-tail', rating: 1700, tags: ['strings', 'hashing'] },
      { index: 'F', problem: 'toll-pass', rating: 1900, tags: ['graphs', 'shortest paths', 'dp'] },
    ],
  },
];

export function bundledContest(id: number): BundledContest | undefined {
  return BUNDLED_CONTESTS.find((c) => c.id === id);
}

/** Base minutes a human rated exactly at the problem's rating spends on it. */
const BASE_MINUTES_AT_PAR = 25;
/** Chance that any one submission before the accepted one is wrong, at par. */
const WRONG_TRY_AT_PAR = 0.35;

function drawRating(rng: Rng, cap: number, cumulative: Float64Array, starts: readonly number[]): number {
  for (;;) {
    const u = rng.next() * cumulative[cumulative.length - 1];
    let b = 0;
    while (cumulative[b] <= u) b++;
    const rating = starts[b] + rng.int(100);
    if (rating < cap) return rating;
  }
}

/** Builds the simulated contest pack (deterministic for the contest's seed). */
export function simulatedPack(contest: BundledContest): ContestPack {
  const rng = new Rng(contest.seed);
  const starts = COARSE_RATING_HISTOGRAM.map(([s]) => s);
  const cumulative = new Float64Array(starts.length);
  let running = 0;
  COARSE_RATING_HISTOGRAM.forEach(([, count], i) => {
    running += count;
    cumulative[i] = running;
  });
  const rows: { points: number; penalty: number; rating: number }[] = [];
  for (let h = 0; h < contest.participants; h++) {
    const rating = drawRating(rng, contest.ratingCap, cumulative, starts);
    let clock = 0;
    let points = 0;
    let penalty = 0;
    for (const problem of contest.problems) {
      const gap = problem.rating - rating;
      const pSolve = 1 / (1 + Math.pow(10, gap / 400));
      if (rng.next() >= pSolve) continue;
      const minutes = BASE_MINUTES_AT_PAR * Math.pow(10, gap / 1000) * Math.exp(0.5 * rng.normal());
      clock += Math.max(1, minutes);
      if (clock >= contest.durationMinutes) break;
      const wrongChance = Math.min(0.8, WRONG_TRY_AT_PAR * Math.pow(10, gap / 1200));
      let wrong = 0;
      while (wrong < 10 && rng.next() < wrongChance) wrong++;
      const at = Math.floor(clock);
      if (contest.scoring === 'points') {
        const max = problem.points!;
        points += Math.max(0.3 * max, max * (1 - at / 250) - 50 * wrong);
      } else {
        points += 1;
        penalty += at + 10 * wrong;
      }
    }
    rows.push({ points: Math.round(points), penalty, rating });
  }
  rows.sort((a, b) => b.points - a.points || a.penalty - b.penalty);
  const pack: ContestPack = {
    format: 'lmlab-contest-pack',
    version: 1,
    contest: {
      id: contest.id,
      name: contest.name,
      division: contest.division,
      durationSeconds: contest.durationMinutes * 60,
    },
    scoring: contest.scoring,
    ratings: 'effective',
    problems: contest.problems.map((p) => ({
      index: p.index,
      name: p.problem,
      rating: p.rating,
      tags: p.tags,
      ...(contest.scoring === 'points' ? { points: p.points! } : {}),
    })),
    field: {
      points: rows.map((r) => r.points),
      penalty: rows.map((r) => r.penalty),
      oldRating: rows.map((r) => r.rating),
    },
  };
  return validatePack(pack, `simulated contest ${contest.id}`);
}
