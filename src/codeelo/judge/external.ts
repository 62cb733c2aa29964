// Problem-supplied programs (custom checkers and interactors, self-contained C++): compiled once
// through the same cache as solutions and run in the sandbox like any untrusted code, with the
// testlib command line and exit codes (0 OK, 1 WA, 2 PE, 3 FAIL, 7 points).
// Deliberately not here: the pipes between interactor and solution (interactive.ts).
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LmlabError } from '../../util/errors.ts';
import type { CheckResult } from './checkers.ts';
import { compileSource, type Artifact } from './compile.ts';
import { languageById } from './languages.ts';
import { judgeSlots } from './limiter.ts';
import { SandboxSession } from './sandbox.ts';
import { signalName } from './verdict.ts';

export const HELPER_LIMITS = { cpuMs: 10_000, wallMs: 120_000, memoryKb: 1024 * 1024, procs: 8, outputKb: 64 * 1024 };

const ownTestlib = fileURLToPath(new URL('../../../native/programs/testlib.h', import.meta.url));

/**
 * The testlib.h a problem's checker, interactor and generators compile with: the problem's own
 * (Polygon's files/testlib.h), else the one the user names (--testlib, LMLAB_TESTLIB), else
 * lmlab's own testlib-compatible header.
 */
export function testlibFor(problemTestlib: string | null | undefined, userTestlib?: string): string {
  const chosen = problemTestlib ?? userTestlib ?? process.env.LMLAB_TESTLIB ?? ownTestlib;
  if (!existsSync(chosen)) throw new LmlabError(`testlib header ${chosen} does not exist`);
  return chosen;
}

/** Compiles a checker/interactor/generator source with testlib.h beside it; a compile error is the problem's fault: it throws. */
export async function compileHelper(sourcePath: string, role: string, testlib?: string): Promise<Artifact> {
  const extra = [{ name: 'testlib.h', data: readFileSync(testlib ?? testlibFor(null)) }];
  const lang = sourcePath.endsWith('.c') ? languageById('c') : languageById('cpp');
  const artifact = await compileSource(lang, readFileSync(sourcePath), extra);
  if (!artifact.ok)
    throw new Error(
      `the ${role} ${sourcePath} does not compile: ${artifact.message.split('\n').slice(0, 3).join(' | ')}`,
    );
  return artifact;
}

/** Reads at most `limit` bytes of a small text file the sandbox wrote (messages, not outputs). */
export function readMessage(path: string, limit = 500): string {
  try {
    return readFileSync(path, 'utf8').slice(0, limit).trim();
  } catch {
    return '';
  }
}

/** Maps a testlib exit code to a checker result. */
export function testlibResult(exitCode: number | null, signal: number | null, message: string): CheckResult {
  if (signal !== null) return { verdict: 'FAIL', message: `checker killed by ${signalName(signal)}` };
  switch (exitCode) {
    case 0:
      return { verdict: 'AC', message };
    case 1:
      return { verdict: 'WA', message };
    case 2:
      return { verdict: 'PE', message };
    case 7:
      return { verdict: 'WA', message: `partial points: ${message}` };
    default:
      return { verdict: 'FAIL', message: `checker exit code ${exitCode}: ${message}` };
  }
}

/**
 * Runs `checker input output answer` in one sandbox session per judging. The three files are
 * copied into a private read-only box before each check, so the checker sees nothing else of
 * the host.
 */
export class ExternalChecker {
  private readonly box: string;
  private readonly stderr: string;
  private session: SandboxSession | null = null;

  constructor(
    private readonly checker: Artifact,
    scratch: string,
  ) {
    this.box = join(scratch, 'checker-box');
    this.stderr = join(scratch, 'checker.err');
    mkdirSync(this.box, { recursive: true, mode: 0o755 });
  }

  async check(input: string, output: string, answer: string): Promise<CheckResult> {
    const files: [string, string][] = [
      [input, 'input.txt'],
      [output, 'output.txt'],
      [answer, 'answer.txt'],
    ];
    for (const [from, name] of files) {
      copyFileSync(from, join(this.box, name));
      chmodSync(join(this.box, name), 0o644);
    }
    this.session ??= new SandboxSession({
      box: this.box,
      bindReadOnly: [{ host: this.checker.dir, inside: '/checker' }],
      argv: ['/checker/main', 'input.txt', 'output.txt', 'answer.txt'],
      limits: HELPER_LIMITS,
    });
    const session = this.session;
    const report = await judgeSlots.with(1, () => session.run('/dev/null', '/dev/null', this.stderr));
    if (report.internal_error) return { verdict: 'FAIL', message: `checker: ${report.internal_error}` };
    if (report.limit !== 'none') return { verdict: 'FAIL', message: `checker exceeded its ${report.limit} limit` };
    return testlibResult(report.exit_code, report.signal, readMessage(this.stderr));
  }

  async close(): Promise<void> {
    await this.session?.close();
  }
}
