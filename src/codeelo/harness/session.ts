// The harness as the commands use it: choose the model client and the judge backend, run a model
// on contests into its run database (resumably), write a run's reports, build leaderboard rows,
// and the offline demo (two replay models through the same path as a real run). Every run
// database is opened through withRun, which closes it again. It prints nothing: progress and
// messages go to the callbacks given. Not here: option parsing (src/cli/codeelo-run.ts).
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { EXIT_INCOMPLETE, LmlabError } from '../../util/errors.ts';
import { writeAtomic } from '../../util/atomic.ts';
import { sweepStaleJudgeDirs } from '../../util/stale.ts';
import { incompleteKeys } from '../rating/rate.ts';
import type { RatingMode } from '../rating/contest-rating.ts';
import { BUNDLED_PROBLEMS_DIR, selectContests } from './contests.ts';
import { demoReplays, writeDemoModel } from './demo.ts';
import { type JudgeBackend, LocalBackend, RemoteBackend, remoteOptionsFromEnv } from './judging.ts';
import {
  AnthropicClient,
  DEFAULT_RETRY,
  LocalModelClient,
  type ModelClient,
  OpenAiChatClient,
  PAPER_SAMPLING,
  ReplayClient,
  type RetryPolicy,
  type Sampling,
} from './models.ts';
import { loadDataset, loadProblemset } from './problems.ts';
import { type LanguagePolicy, PROMPT_VERSION } from './prompt.ts';
import {
  type HarnessReport,
  type LeaderboardRow,
  buildReport,
  leaderboardRow,
  renderLeaderboard,
  renderMarkdown,
} from './report.ts';
import { renderHtml } from './report-html.ts';
import { renderLeaderboardHtml } from './report-leaderboard.ts';
import { type Progress, type RunConfig, describeAttemptOrder, resultsFromStore, runContests } from './runner.ts';
import { RunStore } from './store.ts';

export type Provider = 'openai' | 'anthropic' | 'local' | 'replay';

export interface ModelChoice {
  /** default: replay when `replay` is given, else openai */
  provider?: Provider;
  /** model name sent to the endpoint (for local: the model folder; for replay: the name shown) */
  model?: string;
  baseUrl?: string;
  /** environment variable holding the API key (default OPENAI_API_KEY / ANTHROPIC_API_KEY) */
  apiKeyEnv?: string;
  /** a replay file, or an old run database whose answers are re-judged */
  replay?: string;
}

export interface RunOptions extends ModelChoice {
  /** comma list of: bundled, bundled:<id>, a contest pack, a directory of packs */
  contests: string;
  dataset?: string;
  problemset?: string;
  packages?: string;
  lang: LanguagePolicy;
  sampling: Sampling;
  seed: number;
  attempts: number;
  /** judge every attempt even after an AC (the score still uses the first AC) */
  allAttempts: boolean;
  judge: 'local' | 'remote';
  concurrency: number;
  retry: RetryPolicy;
  /** remote judge status polling interval */
  pollMs: number;
  /** run database (default codeelo-runs/<model>.sqlite) */
  db?: string;
  /** where API keys and the remote judge's settings are read */
  env?: NodeJS.ProcessEnv;
  /** progress messages (a quiet run leaves this out) */
  say?: (line: string) => void;
  /** messages that must be shown even when quiet */
  warn?: (line: string) => void;
  onProgress?: (p: Progress, line?: string) => void;
}

/** The paper's settings for everything but the model and the contests. */
export const PAPER_RUN: Omit<RunOptions, 'contests'> = {
  lang: 'cpp',
  sampling: PAPER_SAMPLING,
  seed: 1,
  attempts: 8,
  allAttempts: false,
  judge: 'local',
  concurrency: 4,
  retry: DEFAULT_RETRY,
  pollMs: 2000,
};

export interface ReportOptions {
  mode: RatingMode;
  bootstrap: number;
  distribution?: string;
  priceIn?: number;
  priceOut?: number;
  /** rate contests holding unjudged problems anyway (counted as failed) */
  allowIncomplete?: boolean;
}

const slug = (s: string): string =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9.]+/g, '-')
    .replace(/^-|-$/g, '') || 'run';

/** Opens an existing run database, hands it to `use`, and closes it whatever happens. */
export function withRun<T>(path: string, use: (store: RunStore) => T): T {
  if (!existsSync(path)) throw new LmlabError(`no run database at ${path}`);
  const store = new RunStore(resolve(path), { create: false });
  try {
    return use(store);
  } finally {
    store.close();
  }
}

/** Re-judging an old run: its stored answers, in attempt order, replayed as a model. */
export function replayFromRun(path: string, name?: string): ReplayClient {
  return withRun(path, (store) => {
    const keys = new Map(store.problems().map((p) => [`${p.contestId}/${p.index}`, p.key]));
    const answers: Record<string, string[]> = {};
    for (const row of store.attempts()) {
      const key = keys.get(`${row.contestId}/${row.index}`)!;
      (answers[key] ??= []).push(row.answer);
    }
    const model = (JSON.parse(store.getMeta('config') ?? '{}') as { model?: string }).model;
    return new ReplayClient({ format: 'lmlab-replay', answers }, name ?? `${model ?? 'run'} (re-judged)`);
  });
}

export async function createClient(
  choice: ModelChoice,
  sampling: Sampling,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ModelClient> {
  const provider = choice.provider ?? (choice.replay ? 'replay' : 'openai');
  if (provider === 'replay') {
    if (!choice.replay) throw new LmlabError('--provider replay needs --replay <file>');
    if (/\.(sqlite|db)$/.test(choice.replay)) return replayFromRun(choice.replay, choice.model);
    return ReplayClient.fromFile(choice.replay, choice.model);
  }
  if (!choice.model) throw new LmlabError(`--model is required for --provider ${provider}`);
  if (provider === 'local') return LocalModelClient.load({ dir: choice.model, sampling });
  const keyVar = choice.apiKeyEnv ?? (provider === 'anthropic' ? 'ANTHROPIC_API_KEY' : 'OPENAI_API_KEY');
  const apiKey = env[keyVar];
  if (provider === 'anthropic') {
    if (!apiKey) throw new LmlabError(`set ${keyVar} to your Anthropic API key`);
    return new AnthropicClient({
      model: choice.model,
      apiKey,
      sampling,
      ...(choice.baseUrl ? { baseUrl: choice.baseUrl } : {}),
    });
  }
  // Local servers (vLLM, llama.cpp, SGLang) usually need no key.
  return new OpenAiChatClient({
    model: choice.model,
    sampling,
    ...(apiKey ? { apiKey } : {}),
    ...(choice.baseUrl ? { baseUrl: choice.baseUrl } : {}),
  });
}

async function createBackend(judge: 'local' | 'remote', pollMs: number, env: NodeJS.ProcessEnv): Promise<JudgeBackend> {
  if (judge === 'local') return new LocalBackend();
  const remote = new RemoteBackend(remoteOptionsFromEnv(env, pollMs));
  await remote.checkAuth();
  return remote;
}

/** Runs (or resumes) a model on contests; returns the run database's path and the problems the
 * run left not generated or judged (`1971B`-style keys; empty when the run is complete). */
export async function runHarness(o: RunOptions): Promise<{ dbPath: string; incomplete: string[] }> {
  sweepStaleJudgeDirs();
  const env = o.env ?? process.env;
  const client = await createClient(o, o.sampling, env);
  const dbPath = resolve(o.db ?? join('codeelo-runs', `${slug(client.model)}.sqlite`));
  const contests = selectContests(o.contests, {
    scratchDir: `${dbPath}.examples`,
    ...(o.packages ? { packagesDir: o.packages } : {}),
    ...(o.dataset ? { dataset: loadDataset(o.dataset) } : {}),
    ...(o.problemset ? { problemset: loadProblemset(o.problemset) } : {}),
  });
  const store = new RunStore(dbPath, { create: true, lock: true });
  let incomplete: string[];
  try {
    const stopAtFirstAc = !o.allAttempts;
    const config: RunConfig = {
      model: client.model,
      provider: client.provider,
      baseUrl: client.provider === 'replay' || client.provider === 'local' ? null : (o.baseUrl ?? null),
      prompt: PROMPT_VERSION,
      language: o.lang,
      sampling: { ...o.sampling },
      seed: o.seed,
      contestSpec: o.contests,
      contests: contests.map((c) => c.pack.contest.id),
      judge: o.judge,
      maxAttempts: o.attempts,
      stopAtFirstAc,
      attemptOrder: describeAttemptOrder(o.attempts, stopAtFirstAc),
    };
    const backend = await createBackend(o.judge, o.pollMs, env);
    o.say?.(`run database: ${dbPath}`);
    const summary = await runContests(store, contests, {
      config,
      client,
      backend,
      concurrency: o.concurrency,
      retry: o.retry,
      onProgress: o.onProgress ?? (() => {}),
    });
    incomplete = incompleteKeys(resultsFromStore(store));
    if (incomplete.length > 0 || summary.incomplete > 0) {
      o.warn?.(
        `INCOMPLETE: ${incomplete.length} problem(s) not generated or judged (${incomplete.join(', ')}; see the report's failures); re-run the same command to finish them`,
      );
    }
  } finally {
    store.close();
  }
  return { dbPath, incomplete };
}

function reportOf(store: RunStore, o: ReportOptions): HarnessReport {
  return buildReport(store, {
    mode: o.mode,
    bootstrap: o.bootstrap,
    ...(o.distribution ? { distributionPath: o.distribution } : {}),
    ...(o.priceIn !== undefined ? { priceIn: o.priceIn } : {}),
    ...(o.priceOut !== undefined ? { priceOut: o.priceOut } : {}),
    allowIncomplete: Boolean(o.allowIncomplete),
  });
}

/** The rating part of a run's report, without writing anything. */
export function reportRun(dbPath: string, o: ReportOptions): HarnessReport {
  return withRun(dbPath, (store) => reportOf(store, o));
}

/** Writes report.json, report.md, report.html and RESULTS.json of a run into `out`
 * (default: <run>-report/ next to the database). */
export function writeReports(
  dbPath: string,
  o: ReportOptions & { out?: string },
): { dir: string; report: HarnessReport } {
  return withRun(dbPath, (store) => {
    const report = reportOf(store, o);
    const dir = resolve(o.out ?? dbPath.replace(/\.(sqlite|db)$/, '') + '-report');
    mkdirSync(dir, { recursive: true });
    writeAtomic(join(dir, 'report.json'), JSON.stringify(report, null, 2) + '\n');
    writeAtomic(join(dir, 'report.md'), renderMarkdown(report));
    writeAtomic(join(dir, 'report.html'), renderHtml(report));
    writeAtomic(join(dir, 'RESULTS.json'), JSON.stringify(resultsFromStore(store), null, 2) + '\n');
    return { dir, report };
  });
}

/** Run databases named directly or found (*.sqlite) in the given directories. */
export function findRuns(paths: string[]): string[] {
  const out: string[] = [];
  for (const p of paths) {
    if (!existsSync(p)) throw new LmlabError(`no run database or directory at ${p}`);
    if (statSync(p).isDirectory())
      out.push(
        ...readdirSync(p)
          .filter((n) => n.endsWith('.sqlite'))
          .sort()
          .map((n) => join(p, n)),
      );
    else out.push(p);
  }
  if (out.length === 0) throw new LmlabError('no run databases (*.sqlite) found');
  return out;
}

/** The leaderboard page, linking each run's report.html relative to the page. */
export function writeLeaderboardHtml(file: string, runs: { dir: string | null; report: HarnessReport }[]): void {
  const entries = runs.map((r) => ({
    report: r.report,
    href: r.dir === null ? null : relative(dirname(file), join(r.dir, 'report.html')).split(sep).join('/'),
  }));
  mkdirSync(dirname(file), { recursive: true });
  writeAtomic(file, renderLeaderboardHtml(entries));
}

export function leaderboardRows(dbPaths: string[], o: ReportOptions): LeaderboardRow[] {
  return dbPaths.map((db) =>
    leaderboardRow(
      reportRun(db, {
        mode: o.mode,
        bootstrap: o.bootstrap,
        ...(o.distribution ? { distribution: o.distribution } : {}),
      }),
    ),
  );
}

export interface DemoOptions {
  out: string;
  concurrency: number;
  say?: (line: string) => void;
  warn?: (line: string) => void;
  onProgress?: (p: Progress, line?: string) => void;
  /** called as each model's run and reports are done */
  onRun?: (run: DemoResult['runs'][number]) => void;
  /** serves a model folder over the OpenAI API (`lmlab serve`) until stop(); without it the
   * demo's third model, a tiny lmlab model reached through the server, is left out */
  serve?: (modelDir: string, name: string) => Promise<{ baseUrl: string; stop: () => Promise<void> }>;
}

export interface DemoResult {
  runs: Array<{ model: string; report: HarnessReport; html: string }>;
  /** the leaderboard page (leaderboard.html) and its Markdown table (leaderboard.md) */
  leaderboard: string;
  leaderboardMd: string;
}

/** The offline demo: the strong and weak replay models on the bundled contests, and a tiny
 * random-weight lmlab model served by `lmlab serve` (server, client, judge and rating together),
 * local judge. */
export async function runDemo(o: DemoOptions): Promise<DemoResult> {
  const out = resolve(o.out);
  mkdirSync(out, { recursive: true });
  const replays = demoReplays(BUNDLED_PROBLEMS_DIR);
  const runs: DemoResult['runs'] = [];
  for (const [name, replay] of Object.entries(replays)) {
    const file = join(out, `replay-${name}.json`);
    writeAtomic(file, JSON.stringify(replay, null, 2) + '\n');
    o.say?.(`\n== ${replay.model} ==`);
    const { dbPath, incomplete } = await runHarness({
      ...PAPER_RUN,
      replay: file,
      contests: 'bundled',
      concurrency: o.concurrency,
      retry: { ...DEFAULT_RETRY, retries: 0 },
      db: join(out, `${name}.sqlite`),
      ...(o.say ? { say: o.say } : {}),
      ...(o.warn ? { warn: o.warn } : {}),
      ...(o.onProgress ? { onProgress: o.onProgress } : {}),
    });
    if (incomplete.length)
      throw new LmlabError(
        `demo run ${name} is incomplete (${incomplete.join(', ')}): is the judge's sandbox available?`,
        EXIT_INCOMPLETE,
      );
    const { dir, report } = writeReports(dbPath, { mode: 'corrected', bootstrap: 1000 });
    runs.push({ model: replay.model ?? name, report, html: join(dir, 'report.html') });
    o.onRun?.(runs[runs.length - 1]);
  }
  if (o.serve) {
    o.say?.('\n== demo-tiny (random-weight lmlab model via lmlab serve) ==');
    const modelDir = join(out, 'tiny-model');
    await writeDemoModel(BUNDLED_PROBLEMS_DIR, modelDir);
    const served = await o.serve(modelDir, 'demo-tiny');
    try {
      const { dbPath, incomplete } = await runHarness({
        ...PAPER_RUN,
        provider: 'openai',
        baseUrl: served.baseUrl,
        model: 'demo-tiny',
        contests: 'bundled',
        sampling: { ...PAPER_SAMPLING, maxTokens: 160 },
        attempts: 2,
        concurrency: o.concurrency,
        retry: { ...DEFAULT_RETRY, retries: 2, timeoutMs: 300_000 },
        db: join(out, 'tiny.sqlite'),
        ...(o.say ? { say: o.say } : {}),
        ...(o.warn ? { warn: o.warn } : {}),
        ...(o.onProgress ? { onProgress: o.onProgress } : {}),
      });
      if (incomplete.length)
        throw new LmlabError(
          `demo run tiny is incomplete (${incomplete.join(', ')}): is the judge's sandbox available?`,
          EXIT_INCOMPLETE,
        );
      const { dir, report } = writeReports(dbPath, { mode: 'corrected', bootstrap: 1000 });
      runs.push({ model: 'demo-tiny', report, html: join(dir, 'report.html') });
      o.onRun?.(runs[runs.length - 1]);
    } finally {
      await served.stop();
    }
  }
  const leaderboardMd = join(out, 'leaderboard.md');
  writeAtomic(leaderboardMd, renderLeaderboard(runs.map((r) => leaderboardRow(r.report))));
  const leaderboard = join(out, 'leaderboard.html');
  writeLeaderboardHtml(
    leaderboard,
    runs.map((r) => ({ dir: dirname(r.html), report: r.report })),
  );
  return { runs, leaderboard, leaderboardMd };
}
