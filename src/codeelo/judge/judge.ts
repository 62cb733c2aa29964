// Judges one submission against one problem: compile once, run the tests in order in the
// sandbox (one timed run per core at a time), check each output, stop at the first failure
// unless asked to run everything. Deliberately not here: sandbox mechanics (sandbox.ts),
// output comparison (checkers.ts, external.ts), FIFOs (interactive.ts).
import {
  chmodSync,
  chownSync,
  copyFileSync,
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runBuiltinChecker, type CheckResult } from './checkers.ts';
import { compileSource, type Artifact } from './compile.ts';
import { compileHelper, ExternalChecker, testlibFor } from './external.ts';
import { materializeTests } from './generate.ts';
import { runInteractiveTest } from './interactive.ts';
import { assertLanguageAvailable, runArgv, runEnv, type Language } from './languages.ts';
import { judgeSlots } from './limiter.ts';
import type { Problem, TestCase } from './problem.ts';
import {
  assertCanSandbox,
  runningAsRoot,
  SANDBOX_LOST,
  SANDBOX_UID,
  SandboxSession,
  type SandboxLimits,
  type SessionConfig,
} from './sandbox.ts';
import { runVerdict, type JudgeResult, type TestResult, type Verdict } from './verdict.ts';

export interface JudgeOptions {
  /** run every test instead of stopping at the first failure */
  allTests?: boolean;
  /** output limit for the solution (OLE beyond it) */
  outputLimitKb?: number;
  onTest?: (result: TestResult) => void;
  /** testlib.h for checkers, interactors and generators when the problem ships none */
  testlib?: string;
}

export const DEFAULT_OUTPUT_LIMIT_KB = 64 * 1024;

export function solutionLimits(problem: Problem, lang: Language, outputKb: number): SandboxLimits {
  const memoryKb = problem.memoryLimitMb * 1024;
  return {
    cpuMs: problem.timeLimitMs,
    // Idle programs (sleeping, waiting on input) are stopped by the wall limit; it is generous
    // because the machine may be shared and a busy run must not look idle.
    wallMs: problem.timeLimitMs * 3 + 3000,
    memoryKb,
    stackKb: memoryKb,
    procs: lang.procs,
    files: 64,
    outputKb,
    tmpKb: 16 * 1024,
  };
}

interface Helpers {
  checker: Artifact | null;
  interactor: Artifact | null;
}

async function prepareHelpers(problem: Problem, testlib: string): Promise<Helpers> {
  return {
    checker: problem.checker.type === 'custom' ? await compileHelper(problem.checker.source, 'checker', testlib) : null,
    interactor: problem.interactor ? await compileHelper(problem.interactor, 'interactor', testlib) : null,
  };
}

/** What runs for every test of one judging; sessions are opened once and closed at the end. */
interface TestRig {
  solution: Artifact;
  interactor: Artifact | null;
  session: SandboxSession | null;
  sessionConfig: SessionConfig;
  checker: ExternalChecker | null;
  scratch: string;
  limits: SandboxLimits;
  /** a writable copy of the program's box for problems that name input/output files */
  fileBox: { box: string; input: string | null; output: string | null } | null;
}

async function checkOutput(problem: Problem, rig: TestRig, test: TestCase, outputPath: string): Promise<CheckResult> {
  if (problem.checker.type === 'custom') return rig.checker!.check(test.input, outputPath, test.answer);
  return runBuiltinChecker(problem.checker, readFileSync(outputPath, 'utf8'), readFileSync(test.answer, 'utf8'));
}

async function runOneTest(problem: Problem, lang: Language, rig: TestRig, test: TestCase): Promise<TestResult> {
  const base = { test: test.name };
  const { scratch, limits } = rig;
  if (problem.interactive) {
    const outcome = await judgeSlots.with(2, () =>
      runInteractiveTest({
        solution: rig.solution,
        runArgv: runArgv(lang, problem.memoryLimitMb),
        runEnv: runEnv(lang, problem.memoryLimitMb),
        solutionLimits: limits,
        timeLimitMs: problem.timeLimitMs,
        interactor: rig.interactor!,
        input: test.input,
        scratch,
      }),
    );
    const s = outcome.solution;
    return {
      ...base,
      verdict: outcome.verdict,
      timeMs: s.cpu_ms,
      wallMs: s.wall_ms,
      memoryKb: s.memory_kb,
      message: outcome.message,
    };
  }
  let outputPath = join(scratch, 'output.txt');
  let stdin = test.input;
  if (rig.fileBox) {
    // Polygon problems with input-file/output-file: the program reads and writes in its box.
    const { box, input, output } = rig.fileBox;
    if (output) rmSync(join(box, output), { force: true });
    if (input) {
      copyFileSync(test.input, join(box, input));
      chmodSync(join(box, input), 0o644);
      stdin = '/dev/null';
    }
  }
  const session = rig.session!;
  let report = await judgeSlots.with(1, () => session.run(stdin, outputPath, join(scratch, 'stderr.txt')));
  if (report.internal_error?.startsWith(SANDBOX_LOST)) {
    // The launcher has given this sandbox up; a judging machine under pressure can lose one,
    // so the test gets one more run in a fresh sandbox before it is an internal error.
    await session.close().catch(() => undefined);
    const fresh = new SandboxSession(rig.sessionConfig);
    rig.session = fresh;
    report = await judgeSlots.with(1, () => fresh.run(stdin, outputPath, join(scratch, 'stderr.txt')));
  }
  if (rig.fileBox?.output) {
    outputPath = join(rig.fileBox.box, rig.fileBox.output);
    if (!existsSync(outputPath)) writeFileSync(outputPath, '');
  }
  const measured = { timeMs: report.cpu_ms, wallMs: report.wall_ms, memoryKb: report.memory_kb };
  const failure = runVerdict(report, problem.timeLimitMs);
  if (failure) return { ...base, ...measured, verdict: failure.verdict, message: failure.message };
  // A program that ignores SIGXFSZ sees EFBIG and may exit cleanly with truncated output.
  if (statSync(outputPath).size >= limits.outputKb! * 1024)
    return { ...base, ...measured, verdict: 'OLE', message: 'output limit exceeded' };
  const checked = await checkOutput(problem, rig, test, outputPath);
  const verdict: Verdict = checked.verdict === 'FAIL' ? 'IE' : checked.verdict;
  return {
    ...base,
    ...measured,
    verdict,
    message: checked.verdict === 'FAIL' ? `checker failed: ${checked.message}` : checked.message,
  };
}

const SCRATCH_PREFIX = 'lmlab-judge-run-';
let swept = false;

/**
 * A judging killed from outside (SIGTERM, timeout) cannot remove its scratch directory; the
 * next judging removes those whose process is gone. Scratch names carry the owner's pid.
 */
export function sweepStaleScratch(force = false): void {
  if (swept && !force) return;
  swept = true;
  for (const name of readdirSync(tmpdir())) {
    const owner = new RegExp(`^${SCRATCH_PREFIX}(\\d+)-`).exec(name)?.[1];
    if (!owner || Number(owner) === process.pid) continue;
    try {
      process.kill(Number(owner), 0);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ESRCH') rmSync(join(tmpdir(), name), { recursive: true, force: true });
    }
  }
}

/** Judges `source` (in language `lang`) on every test of `problem`. */
export async function judgeSubmission(
  problem: Problem,
  lang: Language,
  source: Buffer,
  options: JudgeOptions = {},
): Promise<JudgeResult> {
  assertCanSandbox();
  assertLanguageAvailable(lang);
  const result: JudgeResult = {
    verdict: 'AC',
    failedTest: null,
    compileMessage: '',
    tests: [],
    maxTimeMs: 0,
    maxMemoryKb: 0,
    judge: 'local',
  };
  const compiled = await compileSource(lang, source);
  if (!compiled.ok) {
    return { ...result, verdict: 'CE', compileMessage: compiled.message };
  }
  let helpers: Helpers;
  try {
    const testlib = testlibFor(problem.testlib, options.testlib);
    await materializeTests(problem, testlib);
    helpers = await prepareHelpers(problem, testlib);
  } catch (e) {
    return { ...result, verdict: 'IE', compileMessage: (e as Error).message };
  }
  const limits = solutionLimits(problem, lang, options.outputLimitKb ?? DEFAULT_OUTPUT_LIMIT_KB);
  sweepStaleScratch();
  const scratch = mkdtempSync(join(tmpdir(), `${SCRATCH_PREFIX}${process.pid}-`));
  let fileBox: TestRig['fileBox'] = null;
  if ((problem.inputFile || problem.outputFile) && !problem.interactive) {
    const box = join(scratch, 'box');
    cpSync(compiled.dir, box, { recursive: true });
    if (runningAsRoot()) chownSync(box, SANDBOX_UID, SANDBOX_UID);
    chmodSync(box, 0o755);
    fileBox = { box, input: problem.inputFile ?? null, output: problem.outputFile ?? null };
  }
  const argv = runArgv(lang, problem.memoryLimitMb);
  const env = runEnv(lang, problem.memoryLimitMb);
  const sessionConfig: SessionConfig = {
    ...(fileBox ? { box: fileBox.box, boxWritable: true } : { box: compiled.dir }),
    argv,
    limits,
    ...(env ? { env } : {}),
  };
  const rig: TestRig = {
    solution: compiled,
    interactor: helpers.interactor,
    scratch,
    limits,
    fileBox,
    session: problem.interactive ? null : new SandboxSession(sessionConfig),
    sessionConfig,
    checker: helpers.checker ? new ExternalChecker(helpers.checker, scratch) : null,
  };
  try {
    for (const test of problem.tests) {
      const testResult = await runOneTest(problem, lang, rig, test);
      result.tests.push(testResult);
      options.onTest?.(testResult);
      result.maxTimeMs = Math.max(result.maxTimeMs, testResult.timeMs);
      result.maxMemoryKb = Math.max(result.maxMemoryKb, testResult.memoryKb);
      if (testResult.verdict !== 'AC' && result.failedTest === null) {
        result.verdict = testResult.verdict;
        result.failedTest = test.name;
        if (!options.allTests) break;
      }
    }
  } finally {
    await Promise.allSettled([rig.session?.close(), rig.checker?.close()]);
    rmSync(scratch, { recursive: true, force: true });
  }
  return result;
}
