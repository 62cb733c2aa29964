// `lmlab codeelo run | report | leaderboard | demo`: the harness commands, added to the
// `codeelo` group. Option parsing, the live progress line and printing only; the work is in
// src/codeelo/harness/session.ts and every rating comes from src/codeelo/rating/.
import { type Command, Option } from 'commander';
import { spawn } from 'node:child_process';
import { statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { RATING_MODES } from '../codeelo/rating/contest-rating.ts';
import { formatReport } from '../codeelo/rating/rate.ts';
import { DEFAULT_RETRY, PAPER_SAMPLING } from '../codeelo/harness/models.ts';
import type { LanguagePolicy } from '../codeelo/harness/prompt.ts';
import { leaderboardRow, renderLeaderboard } from '../codeelo/harness/report.ts';
import type { Progress } from '../codeelo/harness/runner.ts';
import {
  type ModelChoice,
  type ReportOptions,
  findRuns,
  leaderboardRows,
  reportRun,
  runDemo,
  runHarness,
  writeLeaderboardHtml,
  writeReports,
} from '../codeelo/harness/session.ts';
import { EXIT_INCOMPLETE, LmlabError } from '../util/errors.ts';
import { writeAtomic } from '../util/atomic.ts';
import { numberArg } from './flags.ts';

const numberOption = (name: string, min: number, max = Infinity, integer = false) =>
  numberArg(name, { min, max, integer });

interface RunFlags extends ModelChoice {
  contests: string;
  dataset?: string;
  problemset?: string;
  packages?: string;
  lang: LanguagePolicy;
  temperature: number;
  topP: number;
  topK: number;
  repetitionPenalty: number;
  maxTokens: number;
  seed: number;
  attempts: number;
  allAttempts?: boolean;
  judge: 'local' | 'remote';
  concurrency: number;
  retries: number;
  timeout: number;
  pollMs: number;
  db?: string;
  quiet?: boolean;
  allowIncomplete?: boolean;
}

const say = (line: string): void => void process.stderr.write(`${line}\n`);

function progressPrinter(quiet: boolean): (p: Progress, line?: string) => void {
  const tty = Boolean(process.stderr.isTTY);
  let lastPlain = 0;
  return (p, line) => {
    if (quiet) return;
    const elapsed = (Date.now() - p.startedAt) / 1000;
    const remaining = p.problemsTotal - p.problemsDone - p.incomplete;
    const eta =
      p.doneHere > 0 && remaining > 0
        ? `${Math.round((elapsed / p.doneHere) * remaining)} s`
        : remaining === 0
          ? '0 s'
          : '?';
    const verdicts =
      Object.entries(p.verdicts)
        .map(([v, n]) => `${v} ${n}`)
        .join(' ') || '-';
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

async function runCommand(flags: RunFlags): Promise<{ dbPath: string; incomplete: string[] }> {
  return runHarness({
    ...(flags.provider ? { provider: flags.provider } : {}),
    ...(flags.model ? { model: flags.model } : {}),
    ...(flags.baseUrl ? { baseUrl: flags.baseUrl } : {}),
    ...(flags.apiKeyEnv ? { apiKeyEnv: flags.apiKeyEnv } : {}),
    ...(flags.replay ? { replay: flags.replay } : {}),
    contests: flags.contests,
    ...(flags.dataset ? { dataset: flags.dataset } : {}),
    ...(flags.problemset ? { problemset: flags.problemset } : {}),
    ...(flags.packages ? { packages: flags.packages } : {}),
    lang: flags.lang,
    sampling: {
      temperature: flags.temperature,
      topP: flags.topP,
      topK: flags.topK,
      repetitionPenalty: flags.repetitionPenalty,
      maxTokens: flags.maxTokens,
    },
    seed: flags.seed,
    attempts: flags.attempts,
    allAttempts: Boolean(flags.allAttempts),
    judge: flags.judge,
    concurrency: flags.concurrency,
    retry: { ...DEFAULT_RETRY, retries: flags.retries, timeoutMs: flags.timeout * 1000 },
    pollMs: flags.pollMs,
    ...(flags.db ? { db: flags.db } : {}),
    ...(flags.quiet ? {} : { say }),
    warn: say,
    onProgress: progressPrinter(Boolean(flags.quiet)),
  });
}

function addRatingOptions(command: Command): Command {
  return command
    .addOption(
      new Option('--mode <mode>', 'rating mode (see lmlab codeelo rate)')
        .choices([...RATING_MODES])
        .default('corrected'),
    )
    .option(
      '--bootstrap <n>',
      'bootstrap resamples per interval (0 = none)',
      numberOption('--bootstrap', 0, 100000, true),
      1000,
    )
    .option('--distribution <file>', 'human ratings for the percentile (default: the real table shipped in data/)')
    .option('--allow-incomplete', 'rate contests holding unjudged problems anyway (counted as failed)');
}

export function registerCodeeloRunCommands(codeelo: Command): void {
  codeelo
    .command('run')
    .description(
      'run a model on contests end to end (generate, extract, judge, store); re-running the same command resumes',
    )
    .requiredOption('--contests <list>', 'comma list of: bundled, bundled:<id>, a contest pack, a directory of packs')
    .option(
      '--model <name>',
      'model name sent to the endpoint (for local: the model folder; for replay: the name shown)',
    )
    .addOption(
      new Option(
        '--provider <p>',
        'model API (default: replay with --replay, else openai); local runs an lmlab model folder in-process',
      ).choices(['openai', 'anthropic', 'local', 'replay']),
    )
    .option('--base-url <url>', 'API base URL (OpenAI-compatible: e.g. http://127.0.0.1:8000/v1 for vLLM)')
    .option(
      '--api-key-env <var>',
      'environment variable holding the API key (default OPENAI_API_KEY / ANTHROPIC_API_KEY)',
    )
    .option(
      '--replay <file>',
      'answers from a replay file {format: "lmlab-replay", answers: {"1971A": [...]}}, or an old run database to re-judge',
    )
    .option('--dataset <file>', 'CodeElo dataset JSON (statements and examples)')
    .option('--problemset <file>', 'Codeforces problemset.problems JSON (metadata)')
    .option('--packages <dir>', 'problem packages named by problem id (e.g. 1971a/) with full tests')
    .addOption(
      new Option('--lang <policy>', 'cpp: the paper prompt forcing C++; any: the model chooses')
        .choices(['cpp', 'any'])
        .default('cpp'),
    )
    .option(
      '--temperature <x>',
      'sampling temperature',
      numberOption('--temperature', 0, 2),
      PAPER_SAMPLING.temperature,
    )
    .option('--top-p <x>', 'nucleus sampling', numberOption('--top-p', 0, 1), PAPER_SAMPLING.topP)
    .option(
      '--top-k <n>',
      'top-k (0 = not sent; OpenAI itself rejects it)',
      numberOption('--top-k', 0, 1e6, true),
      PAPER_SAMPLING.topK,
    )
    .option(
      '--repetition-penalty <x>',
      'repetition penalty (1 = not sent)',
      numberOption('--repetition-penalty', 0.5, 2),
      PAPER_SAMPLING.repetitionPenalty,
    )
    .option(
      '--max-tokens <n>',
      'max new tokens (reasoning models need ~32768)',
      numberOption('--max-tokens', 1, 1e6, true),
      PAPER_SAMPLING.maxTokens,
    )
    .option(
      '--seed <n>',
      'seed: sampling seed base (attempt k sends seed+k-1) and bootstrap seed',
      numberOption('--seed', 0, 2 ** 31, true),
      1,
    )
    .option('--attempts <n>', 'attempts per problem', numberOption('--attempts', 1, 8, true), 8)
    .option(
      '--all-attempts',
      'judge all attempts even after an AC (unbiased pass@k; the score still uses the first AC)',
    )
    .addOption(
      new Option('--judge <backend>', 'local sandbox, or the remote CodeElo service (CODEELO_BASE_URL, CODEELO_TOKEN)')
        .choices(['local', 'remote'])
        .default('local'),
    )
    .option('--concurrency <n>', 'problems worked on at once', numberOption('--concurrency', 1, 256, true), 4)
    .option(
      '--retries <n>',
      'retries of a failed request (429, 5xx, timeout)',
      numberOption('--retries', 0, 100, true),
      DEFAULT_RETRY.retries,
    )
    .option(
      '--timeout <s>',
      'deadline of one request in seconds',
      numberOption('--timeout', 0.01, 86400),
      DEFAULT_RETRY.timeoutMs / 1000,
    )
    .option('--poll-ms <ms>', 'remote judge status polling interval', numberOption('--poll-ms', 1, 600000, true), 2000)
    .option('--db <file>', 'run database (default codeelo-runs/<model>.sqlite)')
    .option('--quiet', 'no progress display')
    .option('--allow-incomplete', 'print a rating even for contests holding unjudged problems (counted as failed)')
    .addHelpText(
      'after',
      `\nExit code ${EXIT_INCOMPLETE} when the run is incomplete (a problem could not be generated or judged); re-run the same command to finish it.`,
    )
    .action(async (flags: RunFlags) => {
      const { dbPath, incomplete } = await runCommand(flags);
      console.log(
        formatReport(
          reportRun(dbPath, { mode: 'corrected', bootstrap: 0, allowIncomplete: Boolean(flags.allowIncomplete) })
            .rating,
        ),
      );
      console.log(`\nrun database: ${dbPath}\nfull report: lmlab codeelo report ${dbPath}`);
      if (incomplete.length)
        throw new LmlabError(
          `incomplete run: ${incomplete.length} problem(s) not generated or judged; re-run the same command to finish`,
          EXIT_INCOMPLETE,
        );
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
    .action((run: string, flags: ReportOptions & { out?: string }) => {
      const { dir, report } = writeReports(run, flags);
      console.log(formatReport(report.rating));
      if (report.status === 'incomplete')
        process.stderr.write(
          `INCOMPLETE RUN: ${report.incomplete.length} problem(s) not generated or judged (${report.incomplete.join(', ')})\n`,
        );
      console.log(`\nwrote ${join(dir, 'report.html')}, report.md, report.json and RESULTS.json`);
    });

  addRatingOptions(
    codeelo
      .command('leaderboard')
      .description('compare runs: Elo, interval, percentile, solved, pass@1, tokens')
      .argument('<runs...>', 'run databases, or directories holding them'),
  )
    .option('--out <file>', 'also write the table as Markdown to this file')
    .option(
      '--html [file]',
      "also write the HTML page (default: leaderboard.html in the first directory given) and each run's report it links to",
    )
    .option('--json', 'print the rows as JSON')
    .action((runs: string[], flags: ReportOptions & { out?: string; html?: string | true; json?: boolean }) => {
      const dbs = findRuns(runs);
      const rows = flags.html ? [] : leaderboardRows(dbs, flags);
      if (flags.html) {
        const options: ReportOptions = {
          mode: flags.mode,
          bootstrap: flags.bootstrap,
          ...(flags.distribution ? { distribution: flags.distribution } : {}),
        };
        const reports = dbs.map((db) => writeReports(db, options));
        rows.push(...reports.map((r) => leaderboardRow(r.report)));
        const first = runs.find((p) => statSync(p).isDirectory());
        const file = resolve(flags.html === true ? join(first ?? '.', 'leaderboard.html') : flags.html);
        writeLeaderboardHtml(file, reports);
        if (!flags.json) console.error(`wrote ${file}`);
      }
      const table = renderLeaderboard(rows);
      if (flags.out) writeAtomic(flags.out, table);
      console.log(flags.json ? JSON.stringify(rows, null, 2) : table);
    });

  codeelo
    .command('demo')
    .description(
      'offline demo: two replay models (reference and wrong solutions) and a tiny lmlab model served by lmlab serve, on the bundled contests, local judge, simulated human field',
    )
    .option('--out <dir>', 'where the runs and reports go', 'codeelo-demo')
    .option('--concurrency <n>', 'problems worked on at once', numberOption('--concurrency', 1, 64, true), 2)
    .option('--quiet', 'no progress display')
    .action(async (flags: { out: string; concurrency: number; quiet?: boolean }) => {
      const demo = await runDemo({
        out: flags.out,
        concurrency: flags.concurrency,
        warn: say,
        serve: startServeProcess,
        onProgress: progressPrinter(Boolean(flags.quiet)),
        ...(flags.quiet ? {} : { say }),
        onRun: ({ model, report }) =>
          console.log(
            `${model}: Elo ${report.rating.elo === null ? '-' : report.rating.elo.toFixed(0)} on the SIMULATED field of ${report.rating.ratedContests} bundled contests (percentile ${report.rating.percentile?.toFixed(1) ?? '-'})`,
          ),
      });
      console.log(
        `\nHTML reports:\n  ${demo.runs.map((r) => r.html).join('\n  ')}\nleaderboard: ${demo.leaderboard} and ${demo.leaderboardMd}\n(the human fields of the bundled contests are simulated; see the reports)`,
      );
    });
}

/** Runs `lmlab serve DIR` as a child process on a free loopback port until stop(). */
function startServeProcess(dir: string, name: string): Promise<{ baseUrl: string; stop: () => Promise<void> }> {
  const child = spawn(
    process.execPath,
    [
      ...process.execArgv,
      process.argv[1],
      'serve',
      dir,
      '--host',
      '127.0.0.1',
      '--port',
      '0',
      '--model-name',
      name,
      '--quiet',
    ],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      void stop();
      reject(new LmlabError(`lmlab serve did not start within 60 s: ${err.trim().split('\n').at(-1) ?? ''}`));
    }, 60_000);
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
    });
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /on (http:\/\/\S+\/v1)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ baseUrl: m[1], stop });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new LmlabError(`lmlab serve exited with code ${code}: ${err.trim().split('\n').at(-1) ?? ''}`));
    });
  });
}
