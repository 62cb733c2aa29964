// The `rate` pipeline: RESULTS.json attempts + contest packs → per-contest score, place and
// rating in one mode, then overall Elo, percentile, per-division Elo, pass rates per difficulty
// bucket and tag, pass@k, and bootstrap intervals (resampling contests; resampling the order of
// each problem's attempts, overall and per contest). Also the plain-text table. It does not read
// files or parse options; see src/cli/codeelo.ts.
//
// The attempt-order interval (the CodeElo paper resamples the order of the 8 attempts). A run that stops
// at the first AC records a list that ENDS with its only AC (or holds no AC), so the observed
// order is the worst order of that list: permuting the list alone can only move the AC earlier,
// and the point estimate then sat at or below every resample (a weak demo model rated 577 with
// an interval [582, 653]). The resample therefore first completes the list to the attempt budget
// — the attempts the stopping rule never made are drawn with replacement from the problem's
// judged verdicts — and then permutes all of them, so the observed order is one draw of the same
// process. Lists judged in full (--all-attempts) are permuted as they are.
import { Rng } from '../../util/rng.ts';
import {
  bootstrapInterval,
  difficultyBucket,
  mean,
  passAtK,
  percentileInterval,
  resampledMean,
  type Interval,
  type RatingDistribution,
} from './aggregate.ts';
import { ContestRater, skipReason, type RatingMode, type RatingOptions } from './contest-rating.ts';
import { scoreContest } from './contest.ts';
import type { ContestPack } from './pack.ts';
import { MAX_ATTEMPTS, type CodeeloResults, type AttemptVerdict } from './results.ts';
import { LmlabError } from '../../util/errors.ts';

export interface RateOptions extends RatingOptions {
  /** Bootstrap resamples per interval (0 = no intervals). */
  bootstrap?: number;
  /** Attempts per problem the run allowed (default: run.maxAttempts of the results, else 8). */
  attemptBudget?: number;
  seed?: number;
  distribution?: RatingDistribution;
  /** Rate contests with unjudged problems anyway (RESULTS.json "incomplete"); default no. */
  allowIncomplete?: boolean;
}

export interface ContestRow {
  contestId: number;
  name: string;
  division: string;
  scoring: 'points' | 'icpc';
  points: number;
  penalty: number;
  solved: number;
  problems: number;
  /** Rated humans in the field (N). */
  humans: number;
  /** Everyone placed: the N humans and the model (N + 1), so the worst place is N + 1 of N + 1. */
  participants: number;
  aheadOrTied: number | null;
  place: number | null;
  rating: number | null;
  /** 95% interval of this contest's rating over attempt orders (same resamples as the overall one). */
  attemptOrder?: Interval;
  skipped?: string;
}

export interface RateSummary {
  label: string;
  attempted: number;
  solved: number;
  rate: number;
}

export interface RateReport {
  model?: string;
  /** The run settings recorded in RESULTS.json (seed, language, token budget, ...). */
  run?: Record<string, unknown>;
  mode: RatingMode;
  /** Seed of the bootstrap resampling, so intervals can be reproduced. */
  bootstrapSeed: number;
  contests: ContestRow[];
  ratedContests: number;
  elo: number | null;
  percentile: number | null;
  intervals: { contests?: Interval; attemptOrder?: Interval };
  perDivision: { division: string; contests: number; elo: number }[];
  byDifficulty: RateSummary[];
  byTag: RateSummary[];
  passAtK: { k: number; value: number; problems: number }[];
  /** Problems the run did not (fully) judge, by contest id (RESULTS.json "incomplete"). */
  incomplete?: Record<string, string[]>;
}

export const PASS_AT_K = [1, 2, 4, 8] as const;

export function rateResults(
  results: CodeeloResults,
  packs: Map<number, ContestPack>,
  options: RateOptions,
): RateReport {
  const ids = Object.keys(results.contests)
    .map(Number)
    .sort((a, b) => a - b);
  const missing = ids.filter((id) => !packs.has(id));
  if (missing.length)
    throw new LmlabError(`no contest pack for contest${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`);

  const rows: ContestRow[] = [];
  const raters = new Map<number, ContestRater>();
  const difficulty = new Map<string, { attempted: number; solved: number }>();
  const tags = new Map<string, { attempted: number; solved: number }>();
  const passSums = PASS_AT_K.map(() => ({ sum: 0, problems: 0 }));

  for (const id of ids) {
    const pack = packs.get(id)!;
    const attempts = results.contests[String(id)].problems;
    const score = scoreContest(pack, attempts);
    const unjudged = results.incomplete?.[String(id)] ?? [];
    const reason =
      unjudged.length && !options.allowIncomplete
        ? `incomplete: ${unjudged.join(', ')} not judged (finish the run, or allow incomplete contests)`
        : skipReason(pack, options);
    const row: ContestRow = {
      contestId: id,
      name: pack.contest.name,
      division: pack.contest.division,
      scoring: pack.scoring,
      points: score.points,
      penalty: score.penalty,
      solved: score.solved,
      problems: pack.problems.length,
      humans: pack.field.oldRating.length,
      participants: pack.field.oldRating.length + 1,
      aheadOrTied: null,
      place: null,
      rating: null,
    };
    if (reason) {
      row.skipped = reason;
    } else {
      const rater = new ContestRater(pack, options);
      raters.set(id, rater);
      const placement = rater.rate(score.points, score.penalty);
      row.aheadOrTied = placement.aheadOrTied;
      row.place = placement.place;
      row.rating = placement.rating;
    }
    rows.push(row);

    for (const problem of pack.problems) {
      const verdicts = attempts[problem.index];
      const solved = verdicts.includes('AC') ? 1 : 0;
      tally(difficulty, difficultyBucket(problem.rating), solved);
      for (const tag of problem.tags) tally(tags, tag, solved);
      const correct = verdicts.filter((v) => v === 'AC').length;
      PASS_AT_K.forEach((k, i) => {
        if (verdicts.length >= k) {
          passSums[i].sum += passAtK(verdicts.length, correct, k);
          passSums[i].problems++;
        }
      });
    }
  }

  const rated = rows.filter((r) => r.rating !== null);
  const ratings = rated.map((r) => r.rating!);
  const elo = mean(ratings);
  const report: RateReport = {
    ...(results.model ? { model: results.model } : {}),
    ...(results.run ? { run: results.run } : {}),
    ...(results.incomplete && Object.keys(results.incomplete).length ? { incomplete: results.incomplete } : {}),
    mode: options.mode,
    bootstrapSeed: options.seed ?? 1,
    contests: rows,
    ratedContests: rated.length,
    elo,
    percentile: elo !== null && options.distribution ? options.distribution.percentile(elo) : null,
    intervals: {},
    perDivision: perDivision(rated),
    byDifficulty: summaries(difficulty, ['Easy', 'Medium', 'Hard', 'unrated']),
    byTag: summaries(tags).sort((a, b) => b.attempted - a.attempted || a.label.localeCompare(b.label)),
    passAtK: PASS_AT_K.map((k, i) => ({
      k,
      value: passSums[i].problems ? passSums[i].sum / passSums[i].problems : NaN,
      problems: passSums[i].problems,
    })).filter((p) => p.problems > 0),
  };

  const resamples = options.bootstrap ?? 1000;
  if (resamples > 0 && ratings.length > 0) {
    const rng = new Rng(options.seed ?? 1);
    report.intervals.contests = bootstrapInterval(resamples, () => resampledMean(ratings, rng));
    const budget = options.attemptBudget ?? runBudget(results) ?? MAX_ATTEMPTS;
    const perContest = rated.map(() => new Float64Array(resamples));
    let draw = 0;
    report.intervals.attemptOrder = bootstrapInterval(resamples, () => {
      let sum = 0;
      rated.forEach((row, c) => {
        const rater = raters.get(row.contestId)!;
        const permuted = permutedAttempts(results.contests[String(row.contestId)].problems, budget, rng);
        const score = scoreContest(rater.pack, permuted);
        const rating = rater.rate(score.points, score.penalty).rating;
        perContest[c][draw] = rating;
        sum += rating;
      });
      draw++;
      return sum / rated.length;
    });
    rated.forEach((row, c) => {
      row.attemptOrder = percentileInterval(perContest[c]);
    });
  }
  return report;
}

function tally(into: Map<string, { attempted: number; solved: number }>, key: string, solved: number): void {
  const entry = into.get(key) ?? { attempted: 0, solved: 0 };
  entry.attempted++;
  entry.solved += solved;
  into.set(key, entry);
}

function summaries(from: Map<string, { attempted: number; solved: number }>, order?: string[]): RateSummary[] {
  const keys = order ? order.filter((k) => from.has(k)) : [...from.keys()];
  return keys.map((label) => {
    const { attempted, solved } = from.get(label)!;
    return { label, attempted, solved, rate: solved / attempted };
  });
}

function perDivision(rated: ContestRow[]): RateReport['perDivision'] {
  const byDivision = new Map<string, number[]>();
  for (const row of rated) byDivision.set(row.division, [...(byDivision.get(row.division) ?? []), row.rating!]);
  return [...byDivision.entries()]
    .sort((a, b) => a[0].localeCompare(b[0]))
    .map(([division, values]) => ({ division, contests: values.length, elo: mean(values)! }));
}

/** The attempt budget recorded in RESULTS.json's run settings, if any. */
function runBudget(results: CodeeloResults): number | undefined {
  const value = results.run?.maxAttempts;
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 ? value : undefined;
}

/**
 * One resample of every problem's attempt order: a list that stopped at its first AC before the
 * budget is completed to `budget` attempts by draws with replacement from its own verdicts, then
 * every list is permuted (Fisher–Yates). A list without AC, or judged in full, is only permuted.
 */
export function permutedAttempts(
  problems: Record<string, readonly AttemptVerdict[]>,
  budget: number,
  rng: Rng,
): Record<string, AttemptVerdict[]> {
  const out: Record<string, AttemptVerdict[]> = {};
  for (const [index, verdicts] of Object.entries(problems)) {
    const copy = verdicts.slice();
    const stoppedAtAc = copy.length > 0 && copy.length < budget && copy.indexOf('AC') === copy.length - 1;
    if (stoppedAtAc) {
      const judged = verdicts.length;
      while (copy.length < budget) copy.push(verdicts[rng.int(judged)]);
    }
    rng.shuffle(copy);
    out[index] = copy;
  }
  return out;
}

const fmtRating = (r: number | null): string => (r === null ? '-' : Number.isInteger(r) ? String(r) : r.toFixed(1));
const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;

/** `1971B`-style keys of the problems a run left unjudged. */
export function incompleteKeys(report: Pick<RateReport, 'incomplete'>): string[] {
  return Object.entries(report.incomplete ?? {}).flatMap(([id, indices]) => indices.map((i) => `${id}${i}`));
}

/** The human-readable report. */

export function formatReport(report: RateReport): string {
  const lines: string[] = [];
  lines.push(`CodeElo rating${report.model ? ` of ${report.model}` : ''} (mode: ${report.mode})`);
  const unjudged = incompleteKeys(report);
  if (unjudged.length)
    lines.push(
      `INCOMPLETE RUN: ${unjudged.length} problem(s) not judged (${unjudged.join(', ')}); contests holding them are not rated`,
    );
  if (report.run) {
    lines.push(
      'run: ' +
        Object.entries(report.run)
          .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
          .join(', '),
    );
  }
  lines.push('');
  const header = ['contest', 'division', 'score', 'penalty', 'solved', 'place', 'of', 'rating'];
  const table = report.contests.map((r) => [
    String(r.contestId),
    r.division,
    String(r.points),
    r.scoring === 'icpc' ? String(r.penalty) : '-',
    `${r.solved}/${r.problems}`,
    r.place === null ? '-' : String(r.place),
    String(r.participants),
    r.skipped ? `skipped: ${r.skipped}` : fmtRating(r.rating),
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...table.map((row) => (c === 7 ? 0 : row[c].length))));
  const render = (cells: string[]): string =>
    cells.map((cell, c) => (c === 7 ? cell : cell.padEnd(widths[c]))).join('  ');
  lines.push(render(header));
  for (const row of table) lines.push(render(row));
  lines.push('');
  lines.push(`rated contests: ${report.ratedContests} of ${report.contests.length}`);
  lines.push(`Elo: ${report.elo === null ? '- (no contest produced a rating)' : report.elo.toFixed(1)}`);
  if (report.percentile !== null)
    lines.push(`percentile: ${report.percentile.toFixed(1)} (human ratings strictly below)`);
  const { contests, attemptOrder } = report.intervals;
  if (contests || attemptOrder) lines.push(`bootstrap seed: ${report.bootstrapSeed}`);
  if (contests)
    lines.push(
      `95% interval, resampling contests: [${contests.low.toFixed(1)}, ${contests.high.toFixed(1)}] (${contests.resamples} resamples)`,
    );
  if (attemptOrder)
    lines.push(
      `95% interval, resampling attempt order: [${attemptOrder.low.toFixed(1)}, ${attemptOrder.high.toFixed(1)}] (${attemptOrder.resamples} resamples)`,
    );
  if (report.perDivision.length) {
    lines.push('');
    lines.push('Elo per division:');
    for (const d of report.perDivision)
      lines.push(`  ${d.division.padEnd(11)} ${d.elo.toFixed(1).padStart(7)}  (${d.contests} contests)`);
  }
  lines.push('');
  lines.push('pass rate per difficulty:');
  for (const s of report.byDifficulty)
    lines.push(`  ${s.label.padEnd(11)} ${pct(s.rate).padStart(6)}  (${s.solved}/${s.attempted})`);
  if (report.byTag.length) {
    lines.push('pass rate per tag:');
    for (const s of report.byTag)
      lines.push(`  ${s.label.padEnd(26)} ${pct(s.rate).padStart(6)}  (${s.solved}/${s.attempted})`);
  }
  if (report.passAtK.length) {
    lines.push(
      'pass@k (over problems with at least k judged samples): ' +
        report.passAtK.map((p) => `pass@${p.k} ${pct(p.value)} (${p.problems} problems)`).join(', '),
    );
  }
  return lines.join('\n');
}
