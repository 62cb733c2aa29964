// The run report: ratings through the ratings module (rateResults; no maths here), plus what
// the run itself knows — per-problem attempts with their code, verdict, failing test, checker
// message, time and memory (the drill-down), verdict breakdown, which backend and test set
// produced each verdict, tokens and cost, failures and why, the human rating histogram the
// percentile uses, and the full provenance. Rendered as JSON and Markdown here; HTML in
// report-html.ts. Also the leaderboard rows over several runs. It does not run anything.
import { readFileSync } from 'node:fs';
import { rateResults, type ContestRow, type RateReport } from '../rating/rate.ts';
import type { RatingMode } from '../rating/contest-rating.ts';
import type { ContestPack } from '../rating/pack.ts';
import { loadDistribution } from './histogram.ts';
import { resultsFromStore, type RunConfig } from './runner.ts';
import type { RunStore } from './store.ts';
import { LmlabError } from '../../util/errors.ts';

/** One attempt as the run database holds it (judgment fields null while not judged). */
export interface AttemptLine {
  attempt: number;
  verdict: string | null;
  rawVerdict: string | null;
  backend: string | null;
  judgedOn: string | null;
  /** The first failing test as the judge names it (e.g. "3"), null when none failed. */
  failedTest: string | null;
  message: string | null;
  maxTimeMs: number | null;
  maxMemoryKb: number | null;
  judgeMs: number | null;
  generationMs: number;
  promptTokens: number;
  completionTokens: number;
  finishReason: string;
  lang: string | null;
  code: string | null;
  /** The model's whole answer, only when no program could be taken from it. */
  answer: string | null;
}

export interface ProblemLine {
  index: string;
  key: string;
  title: string;
  rating: number | null;
  tags: string[];
  localMode: string;
  source: string;
  verdicts: string[];
  judgedOn: string[];
  backends: string[];
  solved: boolean;
  status: string;
  attempts: AttemptLine[];
}

export interface ContestLine {
  id: number;
  name: string;
  division: string;
  simulated: boolean;
  scoring: string;
  participants: number;
  problems: ProblemLine[];
}

export interface FailureLine {
  at: string;
  kind: string;
  where: string;
  message: string;
}

export interface HarnessReport {
  format: 'lmlab-codeelo-report';
  version: 1;
  generatedAt: string;
  /** incomplete: some problem was not (fully) generated or judged; see `incomplete`. */
  status: 'complete' | 'incomplete';
  provenance: RunConfig & {
    database: string;
    created: string | null;
    ratingMode: RatingMode;
    distribution: string;
    bootstrapResamples: number;
    lmlabVersion: string;
  };
  rating: RateReport;
  /** The human ratings the percentile is taken against, in 100-point buckets. */
  humans: { source: string; total: number; buckets: { start: number; count: number }[] };
  contests: ContestLine[];
  verdicts: Record<string, number>;
  judgedBy: Record<string, number>;
  tokens: {
    prompt: number;
    completion: number;
    generations: number;
    generationSeconds: number;
    costUsd: number | null;
  };
  failures: FailureLine[];
  retries: number;
  incomplete: string[];
  notes: string[];
}

export interface ReportOptions {
  mode: RatingMode;
  bootstrap: number;
  distributionPath?: string;
  /** USD per million prompt / completion tokens, for the cost line. */
  priceIn?: number;
  priceOut?: number;
  /** Rate contests that hold unjudged problems anyway (default: no Elo for them). */
  allowIncomplete?: boolean;
}

const pkgVersion = (): string =>
  (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

const bump = (into: Record<string, number>, key: string): void => {
  into[key] = (into[key] ?? 0) + 1;
};

export function buildReport(store: RunStore, options: ReportOptions): HarnessReport {
  const configText = store.getMeta('config');
  if (!configText) throw new LmlabError(`${store.path} holds no run (was it created by lmlab codeelo run?)`);
  const config = JSON.parse(configText) as RunConfig;
  const contests = store.contests();
  const packs = new Map<number, ContestPack>(contests.map((c) => [c.pack.contest.id, c.pack]));
  const { distribution, source } = loadDistribution(options.distributionPath);
  const results = resultsFromStore(store);
  // Bundled contests are simulated fields of a few thousand; every pack goes through the same rating code.
  const rating = rateResults(results, packs, {
    mode: options.mode,
    bootstrap: options.bootstrap,
    seed: config.seed,
    distribution,
    attemptBudget: config.maxAttempts,
    allowIncomplete: options.allowIncomplete ?? false,
  });

  const attempts = store.attempts();
  const problemRows = store.problems();
  const events = store.events();
  const verdicts: Record<string, number> = {};
  const judgedBy: Record<string, number> = {};
  let prompt = 0;
  let completion = 0;
  let generationMs = 0;
  for (const a of attempts) {
    prompt += a.promptTokens;
    completion += a.completionTokens;
    generationMs += a.generationMs;
    if (a.judgment) {
      bump(verdicts, a.judgment.verdict);
      bump(judgedBy, `${a.judgment.backend} (${a.judgment.judgedOn})`);
    }
  }
  const incomplete: string[] = [];
  const contestLines: ContestLine[] = contests.map(({ pack, simulated }) => ({
    id: pack.contest.id,
    name: pack.contest.name,
    division: pack.contest.division,
    simulated,
    scoring: pack.scoring,
    participants: pack.field.oldRating.length,
    problems: pack.problems.map((p) => {
      const meta = problemRows.find((r) => r.contestId === pack.contest.id && r.index === p.index);
      const mine = attempts.filter((a) => a.contestId === pack.contest.id && a.index === p.index);
      const judged = mine.filter((a) => a.judgment);
      const solved = judged.some((a) => a.judgment!.verdict === 'AC');
      const open = results.incomplete?.[String(pack.contest.id)]?.includes(p.index) ?? false;
      if (open) incomplete.push(meta?.key ?? `${pack.contest.id}${p.index}`);
      return {
        index: p.index,
        key: meta?.key ?? `${pack.contest.id}${p.index}`,
        title: meta?.title ?? p.name ?? p.index,
        rating: meta?.rating ?? p.rating ?? null,
        tags: meta?.tags ?? p.tags,
        localMode: meta?.localMode ?? 'none',
        source: meta?.source ?? 'contest pack',
        verdicts: judged.map((a) => a.judgment!.verdict),
        judgedOn: judged.map((a) => a.judgment!.judgedOn),
        backends: judged.map((a) => a.judgment!.backend),
        solved,
        status: open ? 'incomplete' : solved ? 'solved' : judged.length ? 'unsolved' : 'not attempted',
        attempts: mine.map((a) => ({
          attempt: a.attempt,
          verdict: a.judgment?.verdict ?? null,
          rawVerdict: a.judgment?.rawVerdict ?? null,
          backend: a.judgment?.backend ?? null,
          judgedOn: a.judgment?.judgedOn ?? null,
          failedTest: a.judgment?.failedTest ?? null,
          message: a.judgment?.message ?? null,
          maxTimeMs: a.judgment?.maxTimeMs ?? null,
          maxMemoryKb: a.judgment?.maxMemoryKb ?? null,
          judgeMs: a.judgment?.judgeMs ?? null,
          generationMs: a.generationMs,
          promptTokens: a.promptTokens,
          completionTokens: a.completionTokens,
          finishReason: a.finishReason,
          lang: a.lang,
          code: a.code,
          answer: a.code === null ? a.answer : null,
        })),
      };
    }),
  }));
  const notes: string[] = [];
  if (incomplete.length) {
    notes.push(
      `INCOMPLETE RUN: ${incomplete.length} problem(s) not generated or judged (${incomplete.join(', ')}); ` +
        (options.allowIncomplete
          ? 'their contests are rated anyway (--allow-incomplete), counting them as failed.'
          : 'contests holding them get no rating. Re-run the same command to finish.'),
    );
  }
  const simulated = contestLines.filter((c) => c.simulated);
  if (simulated.length) {
    notes.push(
      `SIMULATED human field in ${simulated.map((c) => c.id).join(', ')}: ratings drawn from the human rating histogram, solves from the Elo win probability against each problem's rating, penalties from a time model; a rating there is not comparable with a real Codeforces rating.`,
    );
  }
  const examplesOnly = contestLines.flatMap((c) =>
    c.problems.filter((p) => p.judgedOn.includes('examples only')).map((p) => p.key),
  );
  if (examplesOnly.length)
    notes.push(
      `Judged on the statement's examples only (no hidden tests, so AC is optimistic): ${examplesOnly.join(', ')}.`,
    );
  const unjudgeable = contestLines.flatMap((c) =>
    c.problems.filter((p) => p.judgedOn.includes('not judged')).map((p) => p.key),
  );
  if (unjudgeable.length)
    notes.push(`Not judgeable locally (remote judge needed), listed as SKIP: ${unjudgeable.join(', ')}.`);
  if (config.stopAtFirstAc)
    notes.push(
      'Attempts stop at the first AC (as in the paper), so these lists are not independent samples and pass@k from them is biased; run with --all-attempts for unbiased pass@k.',
    );
  const costUsd =
    options.priceIn !== undefined || options.priceOut !== undefined
      ? (prompt * (options.priceIn ?? 0) + completion * (options.priceOut ?? 0)) / 1e6
      : null;
  const where = (e: { contestId: number | null; index: string | null; attempt: number | null }): string =>
    e.contestId === null ? 'run' : `${e.contestId}${e.index ?? ''} attempt ${e.attempt ?? '-'}`;
  return {
    format: 'lmlab-codeelo-report',
    version: 1,
    generatedAt: new Date().toISOString(),
    status: incomplete.length ? 'incomplete' : 'complete',
    provenance: {
      ...config,
      database: store.path,
      created: store.getMeta('created') ?? null,
      ratingMode: options.mode,
      distribution: source,
      bootstrapResamples: options.bootstrap,
      lmlabVersion: pkgVersion(),
    },
    rating,
    humans: { source, total: distribution.total, buckets: distribution.buckets(100) },
    contests: contestLines,
    verdicts,
    judgedBy,
    tokens: { prompt, completion, generations: attempts.length, generationSeconds: generationMs / 1000, costUsd },
    failures: events
      .filter((e) => e.kind !== 'request-retried')
      .map((e) => ({ at: e.at, kind: e.kind, where: where(e), message: e.message })),
    retries: events.filter((e) => e.kind === 'request-retried').length,
    incomplete,
    notes,
  };
}

/** "3 of 3001", or for a model behind every human "below all 3000 humans (3001 of 3001)". */
export function placeText(row: ContestRow): string {
  if (row.place === null) return '-';
  const of = `${row.place} of ${row.participants}`;
  return row.aheadOrTied === row.humans ? `below all ${row.humans} humans (${of})` : of;
}

const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;
const num = (x: number | null | undefined, digits = 0): string =>
  x === null || x === undefined || Number.isNaN(x) ? '-' : x.toFixed(digits);
const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function renderMarkdown(r: HarnessReport): string {
  const p = r.provenance;
  const out: string[] = [];
  out.push(`# CodeElo report: ${p.model}`, '');
  for (const note of r.notes) out.push(`> ${note}`, '');
  const ci = r.rating.intervals.contests;
  const order = r.rating.intervals.attemptOrder;
  out.push(
    `**Elo ${num(r.rating.elo)}**${ci ? ` (95% CI over contests [${num(ci.low)}, ${num(ci.high)}]` : ''}${order ? `; over attempt order [${num(order.low)}, ${num(order.high)}])` : ci ? ')' : ''}, ` +
      `percentile ${num(r.rating.percentile, 1)} of human ratings, ${r.rating.ratedContests} of ${r.rating.contests.length} contests rated (mode ${r.rating.mode}).`,
    '',
  );
  out.push(
    '## Contests',
    '',
    '| contest | division | field | score | penalty | solved | place | rating | attempt-order 95% |',
    '|---|---|---|---|---|---|---|---|---|',
  );
  for (const row of r.rating.contests) {
    const line = r.contests.find((c) => c.id === row.contestId)!;
    out.push(
      `| ${row.contestId} ${cell(row.name)} | ${row.division} | ${line.simulated ? 'simulated' : 'real'} | ${row.points} | ${row.scoring === 'icpc' ? row.penalty : '-'} | ${row.solved}/${row.problems} | ${placeText(row)} | ${row.skipped ? `skipped: ${cell(row.skipped)}` : num(row.rating)} | ${row.attemptOrder ? `[${num(row.attemptOrder.low)}, ${num(row.attemptOrder.high)}]` : '-'} |`,
    );
  }
  if (r.rating.perDivision.length) {
    out.push('', '## Elo per division', '', '| division | contests | Elo |', '|---|---|---|');
    for (const d of r.rating.perDivision) out.push(`| ${d.division} | ${d.contests} | ${num(d.elo)} |`);
  }
  out.push('', '## Pass rates', '', '| difficulty | solved | rate |', '|---|---|---|');
  for (const s of r.rating.byDifficulty) out.push(`| ${s.label} | ${s.solved}/${s.attempted} | ${pct(s.rate)} |`);
  out.push('', '| tag | solved | rate |', '|---|---|---|');
  for (const s of r.rating.byTag) out.push(`| ${s.label} | ${s.solved}/${s.attempted} | ${pct(s.rate)} |`);
  out.push(
    '',
    `pass@k: ${r.rating.passAtK.map((x) => `pass@${x.k} ${pct(x.value)} (${x.problems} problems)`).join(', ') || '-'}`,
  );
  out.push(
    '',
    '## Verdicts',
    '',
    Object.entries(r.verdicts)
      .map(([v, n]) => `${v} ${n}`)
      .join(', ') || '-',
    '',
    `Judged by: ${
      Object.entries(r.judgedBy)
        .map(([b, n]) => `${b} ${n}`)
        .join(', ') || '-'
    }`,
  );
  out.push(
    '',
    '## Problems',
    '',
    '| problem | title | rating | judged on | attempts | status |',
    '|---|---|---|---|---|---|',
  );
  for (const c of r.contests) {
    for (const q of c.problems) {
      out.push(
        `| ${q.key} | ${cell(q.title)} | ${q.rating ?? '-'} | ${[...new Set(q.judgedOn)].join(', ') || q.localMode} | ${q.verdicts.join(' ') || '-'} | ${q.status} |`,
      );
    }
  }
  out.push(
    '',
    '## Attempts',
    '',
    '| problem | # | verdict | failed test | time ms | memory KB | checker / judge message |',
    '|---|---|---|---|---|---|---|',
  );
  for (const c of r.contests) {
    for (const q of c.problems) {
      for (const a of q.attempts) {
        out.push(
          `| ${q.key} | ${a.attempt} | ${a.verdict ?? 'not judged'} | ${a.failedTest ?? '-'} | ${a.maxTimeMs ?? '-'} | ${a.maxMemoryKb ?? '-'} | ${cell((a.message ?? '').slice(0, 200)) || '-'} |`,
        );
      }
    }
  }
  out.push('', '## Failures', '');
  if (r.failures.length === 0) out.push(`none (${r.retries} requests retried)`);
  else {
    out.push(`${r.retries} requests retried; these failed:`, '');
    for (const f of r.failures) out.push(`- ${f.at} ${f.kind} at ${f.where}: ${f.message}`);
  }
  out.push(
    '',
    '## Tokens',
    '',
    `${r.tokens.generations} generations, ${r.tokens.prompt} prompt + ${r.tokens.completion} completion tokens, ${r.tokens.generationSeconds.toFixed(1)} s generating${r.tokens.costUsd !== null ? `, cost $${r.tokens.costUsd.toFixed(4)}` : ''}.`,
  );
  out.push('', '## Provenance', '');
  for (const [k, v] of Object.entries(p)) out.push(`- ${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`);
  out.push(`- bootstrap seed: ${r.rating.bootstrapSeed}`, `- generated: ${r.generatedAt}`);
  return out.join('\n') + '\n';
}

export interface LeaderboardRow {
  database: string;
  model: string;
  provider: string;
  language: string;
  judge: string;
  contests: number;
  rated: number;
  elo: number | null;
  low: number | null;
  high: number | null;
  orderLow: number | null;
  orderHigh: number | null;
  percentile: number | null;
  solved: number;
  problems: number;
  passAt1: number | null;
  tokens: number;
  simulated: boolean;
  incomplete: number;
}

export function leaderboardRow(report: HarnessReport): LeaderboardRow {
  const ci = report.rating.intervals.contests;
  const problems = report.contests.reduce((n, c) => n + c.problems.length, 0);
  const solved = report.contests.reduce((n, c) => n + c.problems.filter((p) => p.solved).length, 0);
  return {
    database: report.provenance.database,
    model: report.provenance.model,
    provider: report.provenance.provider,
    language: report.provenance.language,
    judge: report.provenance.judge,
    contests: report.rating.contests.length,
    rated: report.rating.ratedContests,
    elo: report.rating.elo,
    low: ci?.low ?? null,
    high: ci?.high ?? null,
    orderLow: report.rating.intervals.attemptOrder?.low ?? null,
    orderHigh: report.rating.intervals.attemptOrder?.high ?? null,
    percentile: report.rating.percentile,
    solved,
    problems,
    passAt1: report.rating.passAtK.find((x) => x.k === 1)?.value ?? null,
    tokens: report.tokens.prompt + report.tokens.completion,
    simulated: report.contests.some((c) => c.simulated),
    incomplete: report.incomplete.length,
  };
}

export function renderLeaderboard(rows: LeaderboardRow[]): string {
  const sorted = [...rows].sort((a, b) => (b.elo ?? -Infinity) - (a.elo ?? -Infinity));
  const contestSets = new Set(rows.map((r) => `${r.contests}`));
  const out = [
    '| # | model | Elo | 95% CI | percentile | solved | pass@1 | contests | language | judge | tokens | run |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  sorted.forEach((r, i) =>
    out.push(
      `| ${i + 1} | ${cell(r.model)} (${r.provider})${r.incomplete ? ` INCOMPLETE (${r.incomplete} unjudged)` : ''} | ${num(r.elo)} | ${r.low === null ? '-' : `[${num(r.low)}, ${num(r.high)}]`} | ${num(r.percentile, 1)} | ${r.solved}/${r.problems} | ${r.passAt1 === null ? '-' : pct(r.passAt1)} | ${r.rated}/${r.contests}${r.simulated ? ' (simulated field)' : ''} | ${r.language} | ${r.judge} | ${r.tokens} | ${cell(r.database)} |`,
    ),
  );
  if (contestSets.size > 1)
    out.push('', 'note: the runs cover different numbers of contests; their Elos are not directly comparable.');
  return out.join('\n') + '\n';
}
