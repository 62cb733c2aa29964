// Verdict vocabulary of the judge and the mapping from one sandbox report to a run verdict.
// Deliberately does not compare outputs (checkers.ts) nor run anything (sandbox.ts).
import type { SandboxReport } from './sandbox.ts';

/** Verdicts a solution can earn; IE (internal error) never counts against the solution. */
export const VERDICTS = ['AC', 'WA', 'PE', 'TLE', 'MLE', 'OLE', 'RE', 'CE', 'IE'] as const;
export type Verdict = (typeof VERDICTS)[number];
export const EXPECTABLE_VERDICTS = ['AC', 'WA', 'PE', 'TLE', 'MLE', 'OLE', 'RE', 'CE'] as const;
export type ExpectableVerdict = (typeof EXPECTABLE_VERDICTS)[number];

export interface TestResult {
  test: string;
  verdict: Verdict;
  timeMs: number;
  wallMs: number;
  memoryKb: number;
  message: string;
}

export interface JudgeResult {
  verdict: Verdict;
  /** the first test that did not pass, if any */
  failedTest: string | null;
  compileMessage: string;
  tests: TestResult[];
  maxTimeMs: number;
  maxMemoryKb: number;
  /** which judge produced the verdict: always "local" here (the harness may also record "platform") */
  judge: 'local';
}

const SIGNAL_NAMES: Record<number, string> = {
  1: 'SIGHUP',
  2: 'SIGINT',
  3: 'SIGQUIT',
  4: 'SIGILL',
  5: 'SIGTRAP',
  6: 'SIGABRT',
  7: 'SIGBUS',
  8: 'SIGFPE',
  9: 'SIGKILL',
  11: 'SIGSEGV',
  13: 'SIGPIPE',
  14: 'SIGALRM',
  15: 'SIGTERM',
  24: 'SIGXCPU',
  25: 'SIGXFSZ',
  31: 'SIGSYS',
};

export function signalName(signal: number): string {
  return SIGNAL_NAMES[signal] ?? `signal ${signal}`;
}

/**
 * Verdict of a finished run before any output check: null means "ran cleanly, check the output".
 * Limits win over crashes because a killed program also shows a signal.
 */
export function runVerdict(report: SandboxReport, timeLimitMs: number): { verdict: Verdict; message: string } | null {
  if (report.internal_error) return { verdict: 'IE', message: report.internal_error };
  if (report.limit === 'time' || report.cpu_ms > timeLimitMs) {
    return { verdict: 'TLE', message: `CPU time limit of ${timeLimitMs} ms exceeded (stopped at ${report.cpu_ms} ms)` };
  }
  if (report.limit === 'wall')
    return { verdict: 'TLE', message: `wall time ${report.wall_ms} ms exceeded (idle or blocked)` };
  if (report.limit === 'memory')
    return { verdict: 'MLE', message: `memory limit exceeded (peak ${report.memory_kb} KB)` };
  if (report.limit === 'output') return { verdict: 'OLE', message: 'output limit exceeded' };
  if (report.signal !== null) return { verdict: 'RE', message: `killed by ${signalName(report.signal)}` };
  if (report.exit_code !== 0) return { verdict: 'RE', message: `exit code ${report.exit_code}` };
  return null;
}
