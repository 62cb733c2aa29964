// `lmlab codeelo run | report | leaderboard | demo`: the harness commands, added to the
// `codeelo` group. Option parsing, the live progress line and file output only; the work is in
// src/codeelo/harness/ and every rating comes from src/codeelo/rating/.
import { Command, Option } from 'commander';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { LmlabError } from './errors.ts';
import { EXIT_INCOMPLETE } from '../errors.ts';
import { incompleteKeys } from '../codeelo/rating/rate.ts';
import { writeAtomic } from '../util/atomic.ts';
import { sweepStaleJudgeDirs } from '../util/stale.ts';
import { RATING_MODES, type RatingMode } from '../codeelo/rating/contest-rating.ts';
import { formatReport } from '../codeelo/rating/rate.ts';
import { selectContests, BUNDLED_PROBLEMS_DIR } from '../codeelo/harness/contests.ts';
import { demoReplays } from '../codeelo/harness/demo.ts';
import { LocalBackend, RemoteBackend, remoteOptionsFromEnv, type JudgeBackend } from '../codeelo/harness/judging.ts';
import {
  AnthropicClient, DEFAULT_RETRY, OpenAiChatClient, PAPER_SAMPLING, ReplayClient, type ModelClient, type Sampling,
} from '../codeelo/harness/models.ts';
import { loadDataset, loadProblemset } from '../codeelo/harness/problems.ts';
import { PROMPT_VERSION, type LanguagePolicy } from '../codeelo/harness/prompt.ts';
import { buildReport, leaderboardRow, renderLeaderboard, renderMarkdown, type HarnessReport } from '../codeelo/harness/report.ts';
import { renderHtml } from '../codeelo/harness/report-html.ts';
import { describeAttemptOrder, resultsFromStore, runContests, type Progress, type RunConfig } from '../codeelo/harness/runner.ts';
import { RunStore } from '../codeelo/harness/store.ts';
import { numberArg } from './flags.ts';

const numberOption = (name: string, min: number, max = Infinity, integer = false) => numberArg(name, { min, max, integer });

interface RunFlags {
  model?: string; provider?: 'openai' | 'anthropic' | 'replay'; baseUrl?: string; apiKeyEnv?: string; replay?: string;
  contests: string; dataset?: string; problemset?: string; packages?: string; lang: LanguagePolicy;
  temperature: number; topP: number; topK: number; repetitionPenalty: number; maxTokens: number; seed: number;
  attempts: number; allAttempts?: boolean; judge: 'local' | 'remote'; concurrency: number; retries: number; timeout: number;
  pollMs: number; db?: string; quiet?: boolean; allowIncomplete?: boolean;
}

const slug = (s: string): string => s.toLowerCase().replace(/[^a-z0-9.]+/g, '-').replace(/^-|-$/g, '') || 'run';

function progressPrinter(quiet: boolean): (p: Progress, line?: string) => void {
  const tty = Boolean(process.stderr.isTTY);
  let lastPlain = 0;
  return (p, line) => {
    if (quiet) return;
    const elapsed = (Date.now() - p.startedAt) / 1000;
    const remaining = p.problemsTotal - p.problemsDone - p.incomplete;
    const eta = p.doneHere > 0 && remaining > 0 ? `${Math.round((elapsed / p.doneHere) * remaining)} s` : remaining === 0 ? '0 s' : '?';
    const verdicts = Object.entries(p.verdicts).map(([v, n]) => `${v} ${n}`).join(' ') || '-';
    const status = `problems ${p.problemsDone}/${p.problemsTotal}${p.incomplete ? ` (${p.incomplete} incomplete)` : ''} | attempts ${p.attempts} | ${verdicts} | tokens ${p.promptTokens}+${p.completionTokens} | ETA ${eta}`;
    if (tty) {
      if (line) process.stderr.write(`\r\x1b[K${line}\n`);
      process.stderr.write(`\r\x1b[K${status}`);
      if (remaining === 0 && !line) process.stderr.write('\n');
      return;
    }
    // Logs get one line per event and a status line at most every 5 s (and at the end).
    if (line) process.stderr.write(`${line}\n`);
    if (!line && (Date.now() - lastPlain > 5000 || remaining === 0)) {
      lastPlain = Date.now();
      process.stderr.write(`${status}\n`);
    }
  };
}

function makeClient(flags: RunFlags, sampling: Sampling): ModelClient {
  const provider = flags.provider ?? (flags.replay ? 'replay' : 'openai');
  if (provider === 'replay') {
    if (!flags.replay) throw new LmlabError('--provider replay needs --replay <file>');
    if (/\.(sqlite|db)$/.test(flags.replay)) return replayFromRun(flags.replay, flags.model);
    return ReplayClient.fromFile(flags.replay, flags.model);
  }
  if (!flags.model) throw new LmlabError(`--model is required for --provider ${provider}`);
  const keyVar = flags.apiKeyEnv ?? (provider === 'anthropic' ? 'ANTHROPIC_API_KEY' : 'OPENAI_API_KEY');
  const apiKey = process.env[keyVar];
  if (provider === 'anthropic') {
    if (!apiKey) throw new LmlabError(`set ${keyVar} to your Anthropic API key`);
    return new AnthropicClient({ model: flags.model, apiKey, sampling, ...(flags.baseUrl ? { baseUrl: flags.baseUrl } : {}) });
  }
  // Local servers (vLLM, llama.cpp, SGLang) usually need no key.
  return new OpenAiChatClient({ model: flags.model, sampling, ...(apiKey ? { apiKey } : {}), ...(flags.baseUrl ? { baseUrl: flags.baseUrl } : {}) });
}

/** Re-judging an old run: its stored answers, in attempt order, replayed as a model. */
function replayFromRun(path: string, name?: string): ReplayClient {
  if (!existsSync(path)) throw new LmlabError(`no run database at ${path}`);
  const store = new RunStore(resolve(path), { create: false });
  try {
    const keys = new Map(store.problems().map((p) => [`${p.contestId}/${p.index}`, p.key]));
    const answers: Record<string, string[]> = {};
    for (const row of store.attempts()) {
      const key = keys.get(`${row.contestId}/${row.index}`)!;
      (answers[key] ??= []).push(row.answer);
    }
    const model = (JSON.parse(store.getMeta('config') ?? '{}') as { model?: string }).model;
    return new ReplayClient({ format: 'lmlab-replay', answers }, name ?? `${model ?? 'run'} (re-judged)`);
  } finally {
    store.close();
  }
}

async function makeBackend(flags: RunFlags): Promise<JudgeBackend> {
  if (flags.judge === 'local') return new LocalBackend();
  const remote = new RemoteBackend(remoteOptionsFromEnv(process.env, flags.pollMs));
  await remote.checkAuth();
  return remote;
}

/** Runs (or resumes) a run; returns its database and the problems it left unjudged. */
export async function runCommand(flags: RunFlags): Promise<{ dbPath: string; incomplete: string[] }> {
  sweepStaleJudgeDirs();
  const sampling: Sampling = { temperature: flags.temperature, topP: flags.topP, topK: flags.topK, repetitionPenalty: flags.repetitionPenalty, maxTokens: flags.maxTokens };
  const client = makeClient(flags, sampling);
  const dbPath = resolve(flags.db ?? join('codeelo-runs', `${slug(client.model)}.sqlite`));
  const contests = selectContests(flags.contests, {
    scratchDir: `${dbPath}.examples`,
    ...(flags.packages ? { packagesDir: flags.packages } : {}),
    ...(flags.dataset ? { dataset: loadDataset(flags.dataset) } : {}),
    ...(flags.problemset ? { problemset: loadProblemset(flags.problemset) } : {}),
  });
  const store = new RunStore(dbPath, { create: true, lock: true });
  let incomplete: string[];
  try {
    const stopAtFirstAc = !flags.allAttempts;
    const config: RunConfig = {
      model: client.model, provider: client.provider, baseUrl: client.provider === 'replay' ? null : flags.baseUrl ?? null,
      prompt: PROMPT_VERSION, language: flags.lang, sampling: client.provider === 'replay' ? { ...sampling } : sampling, seed: flags.seed,
      contestSpec: flags.contests, contests: contests.map((c) => c.pack.contest.id), judge: flags.judge,
      maxAttempts: flags.attempts, stopAtFirstAc, attemptOrder: describeAttemptOrder(flags.attempts, stopAtFirstAc),
    };
    const backend = await makeBackend(flags);
    if (!flags.quiet) process.stderr.write(`run database: ${dbPath}\n`);
    const summary = await runContests(store, contests, {
      config, client, backend, concurrency: flags.concurrency,
      retry: { ...DEFAULT_RETRY, retries: flags.retries, timeoutMs: flags.timeout * 1000 },
      onProgress: progressPrinter(Boolean(flags.quiet)),
    });
    incomplete = incompleteKeys(resultsFromStore(store));
    if (incomplete.length > 0 || summary.incomplete > 0) {
      process.stderr.write(`INCOMPLETE: ${incomplete.length} problem(s) not generated or judged (${incomplete.join(', ')}; see the report's failures); re-run the same command to finish them\n`);
    }
  } finally {
    store.close();
  }
  return { dbPath, incomplete };
}

interface ReportFlags { out?: string; mode: RatingMode; bootstrap: number; distribution?: string; priceIn?: number; priceOut?: number; json?: boolean; allowIncomplete?: boolean }

export function writeReports(dbPath: string, flags: ReportFlags): { dir: string; report: HarnessReport } {
  if (!existsSync(dbPath)) throw new LmlabError(`no run database at ${dbPath}`);
  const store = new RunStore(resolve(dbPath), { create: false });
  try {
    const report = buildReport(store, {
      mode: flags.mode, bootstrap: flags.bootstrap,
      ...(flags.distribution ? { distributionPath: flags.distribution } : {}),
      ...(flags.priceIn !== undefined ? { priceIn: flags.priceIn } : {}),
      ...(flags.priceOut !== undefined ? { priceOut: flags.priceOut } : {}),
      allowIncomplete: Boolean(flags.allowIncomplete),
    });
    const dir = resolve(flags.out ?? dbPath.replace(/\.(sqlite|db)$/, '') + '-report');
    mkdirSync(dir, { recursive: true });
    writeAtomic(join(dir, 'report.json'), JSON.stringify(report, null, 2) + '\n');
    writeAtomic(join(dir, 'report.md'), renderMarkdown(report));
    writeAtomic(join(dir, 'report.html'), renderHtml(report));
    writeAtomic(join(dir, 'RESULTS.json'), JSON.stringify(resultsFromStore(store), null, 2) + '\n');
    return { dir, report };
  } finally {
    store.close();
  }
}

/** Run databases named directly or found (*.sqlite) in the given directories. */
function findRuns(paths: string[]): string[] {
  const out: string[] = [];
  for (const p of paths) {
    if (!existsSync(p)) throw new LmlabError(`no run database or directory at ${p}`);
    if (statSync(p).isDirectory()) out.push(...readdirSync(p).filter((n) => n.endsWith('.sqlite')).sort().map((n) => join(p, n)));
    else out.push(p);
  }
  if (out.length === 0) throw new LmlabError('no run databases (*.sqlite) found');
  return out;
}

function addRatingOptions(command: Command): Command {
  return command
    .addOption(new Option('--mode <mode>', 'rating mode (see lmlab codeelo rate)').choices([...RATING_MODES]).default('corrected'))
    .option('--bootstrap <n>', 'bootstrap resamples per interval (0 = none)', numberOption('--bootstrap', 0, 100000, true), 1000)
    .option('--distribution <file>', 'human ratings for the percentile (default: the real table shipped in data/)')
    .option('--allow-incomplete', 'rate contests holding unjudged problems anyway (counted as failed)');
}

export function registerCodeeloRunCommands(codeelo: Command): void {
  codeelo
    .command('run')
    .description('run a model on contests end to end (generate, extract, judge, store); re-running the same command resumes')
    .requiredOption('--contests <list>', "comma list of: bundled, bundled:<id>, a contest pack, a directory of packs")
    .option('--model <name>', 'model name sent to the endpoint (for replay: the name shown)')
    .addOption(new Option('--provider <p>', 'model API (default: replay with --replay, else openai)').choices(['openai', 'anthropic', 'replay']))
    .option('--base-url <url>', 'API base URL (OpenAI-compatible: e.g. http://127.0.0.1:8000/v1 for vLLM)')
    .option('--api-key-env <var>', 'environment variable holding the API key (default OPENAI_API_KEY / ANTHROPIC_API_KEY)')
    .option('--replay <file>', 'answers from a replay file {format: "lmlab-replay", answers: {"1971A": [...]}}, or an old run database to re-judge')
    .option('--dataset <file>', 'CodeElo dataset JSON (statements and examples)')
    .option('--problemset <file>', 'Codeforces problemset.problems JSON (metadata)')
    .option('--packages <dir>', 'problem packages named by problem id (e.g. 1971a/) with full tests')
    .addOption(new Option('--lang <policy>', 'cpp: the paper prompt forcing C++; any: the model chooses').choices(['cpp', 'any']).default('cpp'))
    .option('--temperature <x>', 'sampling temperature', numberOption('--temperature', 0, 2), PAPER_SAMPLING.temperature)
    .option('--top-p <x>', 'nucleus sampling', numberOption('--top-p', 0, 1), PAPER_SAMPLING.topP)
    .option('--top-k <n>', 'top-k (0 = not sent; OpenAI itself rejects it)', numberOption('--top-k', 0, 1e6, true), PAPER_SAMPLING.topK)
    .option('--repetition-penalty <x>', 'repetition penalty (1 = not sent)', numberOption('--repetition-penalty', 0.5, 2), PAPER_SAMPLING.repetitionPenalty)
    .option('--max-tokens <n>', 'max new tokens (reasoning models need ~32768)', numberOption('--max-tokens', 1, 1e6, true), PAPER_SAMPLING.maxTokens)
    .option('--seed <n>', 'seed: sampling seed base (attempt k sends seed+k-1) and bootstrap seed', numberOption('--seed', 0, 2 ** 31, true), 1)
    .option('--attempts <n>', 'attempts per problem', numberOption('--attempts', 1, 8, true), 8)
    .option('--all-attempts', 'judge all attempts even after an AC (unbiased pass@k; the score still uses the first AC)')
    .addOption(new Option('--judge <backend>', 'local sandbox, or the remote CodeElo service (CODEELO_BASE_URL, CODEELO_TOKEN)').choices(['local', 'remote']).default('local'))
    .option('--concurrency <n>', 'problems worked on at once', numberOption('--concurrency', 1, 256, true), 4)
    .option('--retries <n>', 'retries of a failed request (429, 5xx, timeout)', numberOption('--retries', 0, 100, true), DEFAULT_RETRY.retries)
    .option('--timeout <s>', 'deadline of one request in seconds', numberOption('--timeout', 0.01, 86400), DEFAULT_RETRY.timeoutMs / 1000)
    .option('--poll-ms <ms>', 'remote judge status polling interval', numberOption('--poll-ms', 1, 600000, true), 2000)
    .option('--db <file>', 'run database (default codeelo-runs/<model>.sqlite)')
    .option('--quiet', 'no progress display')
    .option('--allow-incomplete', 'print a rating even for contests holding unjudged problems (counted as failed)')
    .addHelpText('after', `\nExit code ${EXIT_INCOMPLETE} when the run is incomplete (a problem could not be generated or judged); re-run the same command to finish it.`)
    .action(async (flags: RunFlags) => {
      const { dbPath, incomplete } = await runCommand(flags);
      const store = new RunStore(dbPath, { create: false });
      try {
        console.log(formatReport(buildReport(store, { mode: 'corrected', bootstrap: 0, allowIncomplete: Boolean(flags.allowIncomplete) }).rating));
      } finally {
        store.close();
      }
      console.log(`\nrun database: ${dbPath}\nfull report: lmlab codeelo report ${dbPath}`);
      if (incomplete.length) throw new LmlabError(`incomplete run: ${incomplete.length} problem(s) not generated or judged; re-run the same command to finish`, EXIT_INCOMPLETE);
    });

  addRatingOptions(
    codeelo
      .command('report')
      .description('write the Markdown, JSON and self-contained HTML report of a run (and its RESULTS.json)')
      .argument('<run>', 'run database written by lmlab codeelo run'),
  )
    .option('--out <dir>', 'output directory (default: <run>-report/)')
    .option('--price-in <usd>', 'USD per million prompt tokens, for the cost line', numberOption('--price-in', 0))
    .option('--price-out <usd>', 'USD per million completion tokens', numberOption('--price-out', 0))
    .action((run: string, flags: ReportFlags) => {
      const { dir, report } = writeReports(run, flags);
      console.log(formatReport(report.rating));
      if (report.status === 'incomplete') process.stderr.write(`INCOMPLETE RUN: ${report.incomplete.length} problem(s) not generated or judged (${report.incomplete.join(', ')})\n`);
      console.log(`\nwrote ${join(dir, 'report.html')}, report.md, report.json and RESULTS.json`);
    });

  addRatingOptions(
    codeelo
      .command('leaderboard')
      .description('compare runs: Elo, interval, percentile, solved, pass@1, tokens')
      .argument('<runs...>', 'run databases, or directories holding them'),
  )
    .option('--out <file>', 'also write the table as Markdown to this file')
    .option('--json', 'print the rows as JSON')
    .action((runs: string[], flags: ReportFlags & { out?: string; json?: boolean }) => {
      const rows = findRuns(runs).map((db) => {
        const store = new RunStore(resolve(db), { create: false });
        try {
          return leaderboardRow(buildReport(store, { mode: flags.mode, bootstrap: flags.bootstrap, ...(flags.distribution ? { distributionPath: flags.distribution } : {}) }));
        } finally {
          store.close();
        }
      });
      const table = renderLeaderboard(rows);
      if (flags.out) writeAtomic(flags.out, table);
      console.log(flags.json ? JSON.stringify(rows, null, 2) : table);
    });

  codeelo
    .command('demo')
    .description('offline demo: two replay models (reference and wrong solutions) on the bundled contests, local judge, simulated human field')
    .option('--out <dir>', 'where the runs and reports go', 'codeelo-demo')
    .option('--concurrency <n>', 'problems worked on at once', numberOption('--concurrency', 1, 64, true), 2)
    .option('--quiet', 'no progress display')
    .action(async (flags: { out: string; concurrency: number; quiet?: boolean }) => {
      const out = resolve(flags.out);
      mkdirSync(out, { recursive: true });
      const replays = demoReplays(BUNDLED_PROBLEMS_DIR);
      const htmls: string[] = [];
      for (const [name, replay] of Object.entries(replays)) {
        const file = join(out, `replay-${name}.json`);
        writeAtomic(file, JSON.stringify(replay, null, 2) + '\n');
        if (!flags.quiet) process.stderr.write(`\n== ${replay.model} ==\n`);
        const { dbPath, incomplete } = await runCommand({
          replay: file, contests: 'bundled', lang: 'cpp', ...PAPER_SAMPLING_FLAGS, seed: 1, attempts: 8, judge: 'local',
          concurrency: flags.concurrency, retries: 0, timeout: 600, pollMs: 2000, db: join(out, `${name}.sqlite`), quiet: Boolean(flags.quiet),
        });
        if (incomplete.length) throw new LmlabError(`demo run ${name} is incomplete (${incomplete.join(', ')}): is the judge's sandbox available?`, EXIT_INCOMPLETE);
        const { dir, report } = writeReports(dbPath, { mode: 'corrected', bootstrap: 1000 });
        htmls.push(join(dir, 'report.html'));
        console.log(`${replay.model}: Elo ${report.rating.elo === null ? '-' : report.rating.elo.toFixed(0)} on the SIMULATED field of ${report.rating.ratedContests} bundled contests (percentile ${report.rating.percentile?.toFixed(1) ?? '-'})`);
      }
      const rows = ['strong', 'weak'].map((name) => {
        const store = new RunStore(join(out, `${name}.sqlite`), { create: false });
        try {
          return leaderboardRow(buildReport(store, { mode: 'corrected', bootstrap: 1000 }));
        } finally {
          store.close();
        }
      });
      writeAtomic(join(out, 'leaderboard.md'), renderLeaderboard(rows));
      console.log(`\nHTML reports:\n  ${htmls.join('\n  ')}\nleaderboard: ${join(out, 'leaderboard.md')}\n(the human fields of the bundled contests are simulated; see the reports)`);
    });
}

const PAPER_SAMPLING_FLAGS = {
  temperature: PAPER_SAMPLING.temperature, topP: PAPER_SAMPLING.topP, topK: PAPER_SAMPLING.topK,
  repetitionPenalty: PAPER_SAMPLING.repetitionPenalty, maxTokens: PAPER_SAMPLING.maxTokens,
};
