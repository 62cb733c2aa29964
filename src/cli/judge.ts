// `lmlab judge`: judge one solution file against one problem directory, or run the selftest of
// the bundled problems (every listed solution must earn its expected verdict).
// Deliberately thin: all logic lives in src/codeelo/judge/.
import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { LmlabError } from './errors.ts';
import { judgeSubmission } from '../codeelo/judge/judge.ts';
import { languageById, languageOfFile } from '../codeelo/judge/languages.ts';
import { loadProblem } from '../codeelo/judge/problem.ts';
import { assertCanSandbox, runningAsRoot } from '../codeelo/judge/sandbox.ts';
import { runSelftest, type SelftestCase } from '../codeelo/judge/selftest.ts';
import type { TestResult } from '../codeelo/judge/verdict.ts';

const bundledProblems = fileURLToPath(new URL('../../problems/', import.meta.url));

interface JudgeFlags {
  lang?: string;
  json?: boolean;
  allTests?: boolean;
  selftest?: boolean;
  problems?: string;
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
  if (cases.length === 0) throw new LmlabError(`no problems found under ${root}`);
  if (failed.length > 0) throw new LmlabError(`selftest failed: ${failed.length} of ${cases.length} checks did not get their expected result`);
}

export function registerJudgeCommands(program: Command): void {
  program
    .command('judge')
    .description('judge a solution in the sandbox (CE/RE/TLE/MLE/OLE/WA/PE/AC), or --selftest the bundled problems')
    .argument('[problem-dir]', 'problem directory (problem.json, statement.md, tests/)')
    .argument('[solution-file]', 'solution source (.cpp, .c, .py, .js)')
    .option('--lang <id>', 'language: cpp, c, py, pypy, js (default: from the file extension)')
    .option('--json', 'print the result as JSON')
    .option('--all-tests', 'run every test instead of stopping at the first failure')
    .option('--selftest', 'judge every listed solution of every bundled problem against its expected verdict')
    .option('--problems <dir>', 'problems root for --selftest (default: the bundled problems/)')
    .action(async (problemDir: string | undefined, solutionFile: string | undefined, flags: JudgeFlags) => {
      assertCanSandbox();
      if (!runningAsRoot()) {
        process.stderr.write('lmlab: warning: not root, judging in a reduced sandbox (user namespace; memory, CPU and ' +
          'process limits by rlimits only): verdicts may differ from the rooted judge\n');
      }
      if (flags.selftest) return selftest(flags);
      if (!problemDir || !solutionFile) throw new LmlabError('usage: lmlab judge PROBLEM_DIR SOLUTION_FILE [--lang ID] [--json] [--all-tests], or lmlab judge --selftest');
      const problem = loadProblem(problemDir);
      const lang = flags.lang ? languageById(flags.lang) : languageOfFile(solutionFile);
      let source: Buffer;
      try {
        source = readFileSync(solutionFile);
      } catch (e) {
        throw new LmlabError(`cannot read ${solutionFile}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
      const result = await judgeSubmission(problem, lang, source, {
        allTests: flags.allTests,
        onTest: flags.json ? undefined : (t) => console.log(formatTest(t)),
      });
      if (flags.json) {
        console.log(JSON.stringify({ problem: problem.id, language: lang.id, ...result }));
        return;
      }
      if (result.verdict === 'CE') console.log(result.compileMessage);
      const where = result.failedTest ? ` on test ${result.failedTest}` : '';
      console.log(`${result.verdict}${where} (${result.tests.length} of ${problem.tests.length} tests run, max ${result.maxTimeMs} ms, ${result.maxMemoryKb} KB)`);
    });
}
