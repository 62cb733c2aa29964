// `lmlab judge`: judge one solution file against one problem (lmlab package, Polygon package
// directory or .zip, or a plain folder of tests), list the installed languages, or run the
// selftest of the bundled problems. Exit codes: 0 accepted, 1 rejected (any other verdict),
// 2 usage or unusable input, 3 internal error (its reason on stderr).
// Deliberately thin: all logic lives in src/codeelo/judge/.
import { CommanderError, type Command } from 'commander';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { LmlabError } from './errors.ts';
import { judgeSubmission } from '../codeelo/judge/judge.ts';
import {
  assertLanguageAvailable,
  languageAvailable,
  languageById,
  languageOfFile,
  LANGUAGES,
} from '../codeelo/judge/languages.ts';
import { loadProblem } from '../codeelo/judge/problem.ts';
import { assertCanSandbox, runningAsRoot } from '../codeelo/judge/sandbox.ts';
import { runSelftest, type SelftestCase } from '../codeelo/judge/selftest.ts';
import type { TestResult } from '../codeelo/judge/verdict.ts';

const bundledProblems = fileURLToPath(new URL('../../problems/', import.meta.url));

export const JUDGE_EXIT = { accepted: 0, rejected: 1, usage: 2, internal: 3 } as const;

interface JudgeFlags {
  lang?: string;
  json?: boolean;
  allTests?: boolean;
  selftest?: boolean;
  problems?: string;
  languages?: boolean;
  timeLimit?: string;
  memoryLimit?: string;
  checker?: string;
  testlib?: string;
}

function formatTest(t: TestResult): string {
  return `test ${t.test}: ${t.verdict.padEnd(3)} ${String(t.timeMs).padStart(5)} ms ${String(t.memoryKb).padStart(7)} KB  ${t.message}`;
}

function formatCase(c: SelftestCase): string {
  return `${c.ok ? 'ok  ' : 'FAIL'} ${c.problem}/${c.solution}: expected ${c.expected}, got ${c.got} (${c.detail})`;
}

async function selftest(flags: JudgeFlags): Promise<void> {
  const root = flags.problems ?? bundledProblems;
  const cases = await runSelftest(root, flags.json ? undefined : (c) => console.log(formatCase(c)));
  const failed = cases.filter((c) => !c.ok);
  if (flags.json) console.log(JSON.stringify({ passed: cases.length - failed.length, failed: failed.length, cases }));
  else console.log(`selftest: ${cases.length - failed.length} passed, ${failed.length} failed`);
  if (cases.length === 0) throw new LmlabError(`no problems found under ${root}`, JUDGE_EXIT.usage);
  if (failed.length > 0)
    throw new LmlabError(
      `selftest failed: ${failed.length} of ${cases.length} checks did not get their expected result`,
      JUDGE_EXIT.rejected,
    );
}

function listLanguages(json: boolean | undefined): void {
  const rows = LANGUAGES.map((l) => ({
    id: l.id,
    name: l.name,
    installed: languageAvailable(l),
    extensions: l.extensions,
  }));
  if (json) {
    console.log(JSON.stringify(rows));
    return;
  }
  for (const r of rows)
    console.log(
      `${r.id.padEnd(8)} ${r.installed ? 'installed' : 'missing  '}  ${r.name}${r.extensions.length ? ` (${r.extensions.join(' ')})` : ''}`,
    );
}

function numberFlag(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0)
    throw new LmlabError(`${flag} must be a positive number (got '${value}')`, JUDGE_EXIT.usage);
  return n;
}

async function judgeOne(
  problemDir: string | undefined,
  solutionFile: string | undefined,
  flags: JudgeFlags,
): Promise<number> {
  if (!problemDir || !solutionFile) {
    throw new LmlabError(
      'usage: lmlab judge PROBLEM SOLUTION_FILE [--lang ID] [--json] [--all-tests], or lmlab judge --selftest, or lmlab judge --languages',
      JUDGE_EXIT.usage,
    );
  }
  let problem: ReturnType<typeof loadProblem>;
  let lang: ReturnType<typeof languageOfFile>;
  let source: Buffer;
  try {
    problem = loadProblem(problemDir, {
      timeLimitMs: numberFlag(flags.timeLimit, '--time-limit'),
      memoryLimitMb: numberFlag(flags.memoryLimit, '--memory-limit'),
      checker: flags.checker,
    });
    lang = flags.lang ? languageById(flags.lang) : languageOfFile(solutionFile);
    assertLanguageAvailable(lang);
    source = readFileSync(solutionFile);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const message = code ? `cannot read ${solutionFile}: ${code}` : (e as Error).message;
    throw new LmlabError(message, JUDGE_EXIT.usage);
  }
  const result = await judgeSubmission(problem, lang, source, {
    allTests: flags.allTests,
    testlib: flags.testlib,
    onTest: flags.json ? undefined : (t) => console.log(formatTest(t)),
  });
  if (flags.json) console.log(JSON.stringify({ problem: problem.id, language: lang.id, ...result }));
  else {
    if (result.verdict === 'CE') console.log(result.compileMessage);
    const where = result.failedTest ? ` on test ${result.failedTest}` : '';
    console.log(
      `${result.verdict}${where} (${result.tests.length} of ${problem.tests.length} tests run, max ${result.maxTimeMs} ms, ${result.maxMemoryKb} KB)`,
    );
  }
  if (result.verdict === 'IE') {
    const failed = result.tests.find((t) => t.verdict === 'IE');
    const reason = (failed ? `test ${failed.test}: ${failed.message}` : result.compileMessage).split('\n')[0];
    process.stderr.write(`lmlab: internal error: ${reason}\n`);
    return JUDGE_EXIT.internal;
  }
  return result.verdict === 'AC' ? JUDGE_EXIT.accepted : JUDGE_EXIT.rejected;
}

export function registerJudgeCommands(program: Command): void {
  program
    .command('judge')
    .description(
      'judge a solution in the sandbox (exit 0 accepted, 1 rejected, 2 usage, 3 internal error), list --languages, or --selftest',
    )
    .argument(
      '[problem]',
      'lmlab package (problem.json), Polygon package (problem.xml, or its .zip) or a folder of tests (NN.in + NN.ans, or NN + NN.a)',
    )
    .argument('[solution-file]', 'solution source (language from the extension, or --lang)')
    .option('--lang <id>', `language: ${LANGUAGES.map((l) => l.id).join(', ')} (default: from the file extension)`)
    .option('--json', 'print the result as JSON')
    .option('--all-tests', 'run every test instead of stopping at the first failure')
    .option('--time-limit <ms>', 'CPU time limit for a plain folder of tests (default 2000)')
    .option('--memory-limit <mb>', 'memory limit for a plain folder of tests (default 256)')
    .option(
      '--checker <name|file.cpp>',
      'checker for a plain folder: wcmp (default), ncmp, lcmp, fcmp, rcmp4/6/9, yesno, nyesno, hcmp, uncmp, dcmp, icmp, or a testlib C++ checker',
    )
    .option(
      '--testlib <path>',
      "testlib.h for checkers/interactors/generators when the problem ships none (also LMLAB_TESTLIB; default: lmlab's own)",
    )
    .option('--languages', 'list the judge languages and whether each is installed')
    .option('--selftest', 'judge every listed solution of every bundled problem against its expected verdict')
    .option('--problems <dir>', 'problems root for --selftest (default: the bundled problems/)')
    .exitOverride((err) => {
      // Unknown options and missing arguments are usage errors: exit 2 (help and version stay 0).
      throw err.exitCode === 0 ? err : new CommanderError(JUDGE_EXIT.usage, err.code, err.message);
    })
    .action(async (problemDir: string | undefined, solutionFile: string | undefined, flags: JudgeFlags) => {
      if (flags.languages) return listLanguages(flags.json);
      try {
        assertCanSandbox();
      } catch (e) {
        throw new LmlabError((e as Error).message, JUDGE_EXIT.internal);
      }
      if (!runningAsRoot()) {
        process.stderr.write(
          'lmlab: warning: not root, judging in a reduced sandbox (user namespace; memory, CPU and ' +
            'process limits by rlimits only): verdicts may differ from the rooted judge\n',
        );
      }
      if (flags.selftest) return selftest(flags);
      let code: number;
      try {
        code = await judgeOne(problemDir, solutionFile, flags);
      } catch (e) {
        if (e instanceof LmlabError && e.exitCode !== 1) throw e;
        // Anything else is the judge's own failure, not the solution's: exit 3 with the reason.
        throw new LmlabError(`internal error: ${(e as Error).message}`, JUDGE_EXIT.internal);
      }
      process.exitCode = code;
    });
}
