// The selftest of the bundled problems: validates every test input with the problem's validator
// (when it has one) and judges every listed solution, comparing with its expected verdict.
// Deliberately read-only: it reports mismatches, it never edits problems.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import { compileSource } from './compile.ts';
import { judgeSubmission } from './judge.ts';
import { languageOfFile } from './languages.ts';
import { judgeSlots } from './limiter.ts';
import { listProblemDirs, loadProblem, type Problem } from './problem.ts';
import { runSandboxed } from './sandbox.ts';
import type { Verdict } from './verdict.ts';

export interface SelftestCase {
  problem: string;
  /** solution path relative to the problem directory, or "validator" for the validator check */
  solution: string;
  expected: Verdict | 'valid';
  got: Verdict | 'valid' | 'invalid' | 'error';
  ok: boolean;
  detail: string;
}

/** Runs the validator (any judge language) on every test input; exit 0 means valid. */
export async function validateTests(problem: Problem): Promise<SelftestCase> {
  const base = { problem: problem.id, solution: 'validator', expected: 'valid' as const };
  if (!problem.validator) return { ...base, got: 'valid', ok: true, detail: 'no validator' };
  const lang = languageOfFile(problem.validator);
  const artifact = await compileSource(lang, readFileSync(problem.validator));
  if (!artifact.ok)
    return {
      ...base,
      got: 'error',
      ok: false,
      detail: `validator does not compile: ${artifact.message.split('\n')[0]}`,
    };
  const scratch = mkdtempSync(join(tmpdir(), `lmlab-judge-run-${process.pid}-`)); // swept like judge scratch
  try {
    for (const test of problem.tests) {
      const stderr = join(scratch, 'stderr.txt');
      const report = await judgeSlots.with(1, () =>
        runSandboxed({
          // Validators get the test both as argv[1] and on stdin: either convention works.
          box: artifact.dir,
          bindReadOnly: [{ host: dirname(test.input), inside: '/tests' }],
          argv: [...lang.run, `/tests/${basename(test.input)}`],
          stdin: test.input,
          stderr,
          limits: { cpuMs: 10_000, wallMs: 20_000, memoryKb: 1024 * 1024, procs: 64 },
        }),
      );
      if (report.internal_error || report.limit !== 'none' || report.exit_code !== 0) {
        const why =
          report.internal_error ??
          (report.limit !== 'none' ? `${report.limit} limit` : `exit ${report.exit_code ?? `signal ${report.signal}`}`);
        const message = readFileSync(stderr, 'utf8').trim().split('\n').pop() ?? '';
        return { ...base, got: 'invalid', ok: false, detail: `test ${test.name} rejected (${why}) ${message}`.trim() };
      }
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  return { ...base, got: 'valid', ok: true, detail: `${problem.tests.length} tests valid` };
}

export async function judgeListedSolution(problem: Problem, index: number): Promise<SelftestCase> {
  const { file, expected } = problem.solutions[index];
  const lang = languageOfFile(file);
  const result = await judgeSubmission(problem, lang, readFileSync(file));
  const failed = result.tests.find((t) => t.test === result.failedTest);
  const detail =
    result.verdict === 'CE'
      ? result.compileMessage.split('\n')[0]
      : `${failed ? `test ${failed.test}: ${failed.message}` : `${result.tests.length} tests`}, max ${result.maxTimeMs} ms, ${result.maxMemoryKb} KB`;
  return {
    problem: problem.id,
    solution: relative(problem.dir, file),
    expected,
    got: result.verdict,
    ok: result.verdict === expected,
    detail,
  };
}

/**
 * Selftest of every problem under `root`. A problem that fails to load is one failed case.
 * Judgings run two at a time at most; the slot bound keeps timed runs one per core anyway.
 */
export async function runSelftest(root: string, onCase?: (c: SelftestCase) => void): Promise<SelftestCase[]> {
  const cases: SelftestCase[] = [];
  const record = (c: SelftestCase): void => {
    cases.push(c);
    onCase?.(c);
  };
  for (const dir of listProblemDirs(root)) {
    let problem: Problem;
    try {
      problem = loadProblem(dir);
    } catch (e) {
      record({
        problem: relative(dirname(dir), dir),
        solution: 'problem.json',
        expected: 'valid',
        got: 'error',
        ok: false,
        detail: (e as Error).message,
      });
      continue;
    }
    record(await validateTests(problem));
    const jobs = problem.solutions.map((_, i) => () => judgeListedSolution(problem, i));
    const width = Math.min(2, judgeSlots.capacity);
    for (let start = 0; start < jobs.length; start += width) {
      const batch = await Promise.all(
        jobs.slice(start, start + width).map((job) =>
          job().catch((e: Error) => ({
            problem: problem.id,
            solution: '?',
            expected: 'AC' as Verdict,
            got: 'error' as const,
            ok: false,
            detail: e.message,
          })),
        ),
      );
      batch.forEach(record);
    }
  }
  return cases;
}
