// Interactive tests: the solution and the interactor run at the same time in two sandboxes,
// joined by two FIFOs (solution stdout -> interactor stdin, interactor stdout -> solution stdin).
// No deadlock: both launchers open the FIFOs in the same order (solution-input first) and are
// bounded by the same wall limit; when one side exits, the other sees EOF or SIGPIPE.
// Deliberately not here: compiling (compile.ts) and choosing limits (judge.ts).
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Artifact } from './compile.ts';
import { HELPER_LIMITS, readMessage, testlibResult } from './external.ts';
import { runningAsRoot, runSandboxed, SANDBOX_UID, type SandboxLimits, type SandboxReport } from './sandbox.ts';
import { runVerdict, type Verdict } from './verdict.ts';

export interface InteractiveOutcome {
  verdict: Verdict;
  message: string;
  solution: SandboxReport;
}

const DECIDED_FIRST_MARGIN_MS = 50;

function makeFifo(path: string): void {
  rmSync(path, { force: true });
  const made = spawnSync('mkfifo', ['-m', '600', path]);
  if (made.status !== 0)
    throw new Error(`cannot create a FIFO at ${path}: ${made.stderr?.toString().trim() || made.error?.message}`);
}

export async function runInteractiveTest(opts: {
  solution: Artifact;
  runArgv: string[];
  runEnv?: Record<string, string>;
  solutionLimits: SandboxLimits;
  timeLimitMs: number;
  interactor: Artifact;
  input: string;
  scratch: string;
}): Promise<InteractiveOutcome> {
  const { scratch } = opts;
  const toSolution = join(scratch, 'to-solution.fifo');
  const fromSolution = join(scratch, 'from-solution.fifo');
  makeFifo(toSolution);
  makeFifo(fromSolution);
  const box = join(scratch, 'interactor-box');
  rmSync(box, { recursive: true, force: true });
  mkdirSync(box, { mode: 0o755 });
  copyFileSync(opts.input, join(box, 'input.txt'));
  chmodSync(join(box, 'input.txt'), 0o644);
  if (runningAsRoot()) chownSync(box, SANDBOX_UID, SANDBOX_UID);
  const interactorErr = join(scratch, 'interactor.err');
  const wallMs = opts.solutionLimits.wallMs;
  const [solution, interactor] = await Promise.all([
    runSandboxed({
      box: opts.solution.dir,
      argv: opts.runArgv,
      ...(opts.runEnv ? { env: opts.runEnv } : {}),
      stdin: toSolution,
      stdout: fromSolution,
      limits: opts.solutionLimits,
    }),
    runSandboxed({
      box,
      boxWritable: true,
      bindReadOnly: [{ host: opts.interactor.dir, inside: '/interactor' }],
      argv: ['/interactor/main', 'input.txt', 'output.txt'],
      stdin: fromSolution,
      stdout: toSolution,
      stdoutFirst: true,
      stderr: interactorErr,
      limits: { ...HELPER_LIMITS, wallMs: wallMs + 500 },
    }),
  ]);
  const solutionFailure = runVerdict(solution, opts.timeLimitMs);
  // A limit the solution hit is its verdict whatever the interactor concluded from the silence.
  if (solutionFailure && solutionFailure.verdict !== 'RE' && solutionFailure.verdict !== 'IE') {
    return { verdict: solutionFailure.verdict, message: solutionFailure.message, solution };
  }
  if (solutionFailure?.verdict === 'IE') return { verdict: 'IE', message: solutionFailure.message, solution };
  if (interactor.internal_error)
    return { verdict: 'IE', message: `interactor: ${interactor.internal_error}`, solution };
  if (interactor.limit !== 'none')
    return { verdict: 'IE', message: `interactor exceeded its ${interactor.limit} limit`, solution };
  const result = testlibResult(interactor.exit_code, interactor.signal, readMessage(interactorErr));
  if (result.verdict === 'FAIL') return { verdict: 'IE', message: `interactor failed: ${result.message}`, solution };
  if (solutionFailure) {
    // The solution crashed. Its RE wins unless the interactor had already decided: the solution
    // died of SIGPIPE (nobody listening any more) or the interactor ended clearly earlier (both
    // end times come from the same monotonic clock; the margin absorbs scheduling jitter).
    const endedEarlier =
      interactor.ended_at_ms > 0 && interactor.ended_at_ms + DECIDED_FIRST_MARGIN_MS < solution.ended_at_ms;
    const interactorDecidedFirst = solution.signal === 13 || endedEarlier;
    if (result.verdict === 'AC' || !interactorDecidedFirst)
      return { verdict: 'RE', message: solutionFailure.message, solution };
  }
  return { verdict: result.verdict, message: result.message, solution };
}
