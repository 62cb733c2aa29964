// TypeScript side of the sandbox launcher (native/programs/sandbox.c, built at install time):
// finds (or rebuilds) the binary, turns limits into its command line, runs it once or as a
// session of many runs, and parses its one-line JSON reports. Deliberately no unsandboxed
// fallback: without root it is the launcher's reduced user-namespace sandbox, or nothing.
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LmlabError } from '../../util/errors.ts';

export interface SandboxReport {
  cpu_ms: number;
  wall_ms: number;
  memory_kb: number;
  /** CLOCK_MONOTONIC ms when the program ended (0 if unknown): orders events of two sandboxes */
  ended_at_ms: number;
  exit_code: number | null;
  signal: number | null;
  limit: 'none' | 'time' | 'wall' | 'memory' | 'output';
  /** root-cgroup (full), root-rlimit (no cgroups), rootless-rlimit (user namespace), none (refused) */
  mode: string;
  internal_error: string | null;
}

export interface SandboxLimits {
  cpuMs: number;
  wallMs: number;
  memoryKb: number;
  procs?: number;
  files?: number;
  outputKb?: number;
  stackKb?: number;
  tmpKb?: number;
}

export interface SandboxRun {
  /** host directory mounted at /box (the working directory) */
  box: string;
  boxWritable?: boolean;
  /** extra host directories visible read-only inside (not under /tmp, /box, /proc or /dev) */
  bindReadOnly?: { host: string; inside: string }[];
  /** program path and arguments as seen inside the sandbox */
  argv: string[];
  stdin?: string;
  stdout?: string;
  stderr?: string;
  /** open stdout before stdin (two sandboxes talking over FIFOs) */
  stdoutFirst?: boolean;
  env?: Record<string, string>;
  limits: SandboxLimits;
}

/** Uid/gid the untrusted programs run as under root: not in /etc/passwd, owns nothing on the host.
 * Without root they keep the caller's uid (inside a user namespace, without capabilities). */
export const SANDBOX_UID = 60100;

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

export function launcherPath(): string {
  return process.env.LMLAB_SANDBOX ?? `${repoRoot}build/programs/sandbox`;
}

/**
 * `npm ci` builds the launcher; a later `node-gyp rebuild` wipes build/, so rebuild it the same
 * way (cc -O2 -Wall) when it is missing. Atomic rename: concurrent callers never see half a file.
 */
export function ensureLauncher(): boolean {
  const target = launcherPath();
  const source = `${repoRoot}native/programs/sandbox.c`;
  // A few attempts: a concurrent `node-gyp rebuild` may delete build/ under our feet.
  for (let attempt = 0; attempt < 3; attempt++) {
    if (existsSync(target)) return true;
    if (process.env.LMLAB_SANDBOX || !existsSync(source)) return false;
    const partial = `${target}.${process.pid}.tmp`;
    try {
      mkdirSync(dirname(target), { recursive: true });
      const built = spawnSync('cc', ['-O2', '-Wall', '-o', partial, source], { stdio: 'ignore' });
      if (built.status === 0) renameSync(partial, target);
    } catch {
      // retried below
    } finally {
      rmSync(partial, { force: true });
    }
  }
  return existsSync(target);
}

/** Whether this process runs as root (the full sandbox: cgroups, a dedicated unprivileged uid). */
export function runningAsRoot(): boolean {
  return process.getuid?.() === 0;
}

function readSysctl(path: string): number | null {
  try {
    return Number(readFileSync(path, 'utf8').trim());
  } catch {
    return null;
  }
}

/** Unprivileged user namespaces, the only sandbox possible without root (the launcher checks too). */
export function userNamespacesAvailable(): boolean {
  if (process.env.LMLAB_SANDBOX_NO_USERNS === '1') return false;
  return (
    readSysctl('/proc/sys/user/max_user_namespaces') !== 0 &&
    readSysctl('/proc/sys/kernel/unprivileged_userns_clone') !== 0
  );
}

/**
 * Throws a one-line explanation when sandboxed runs are impossible here. Without root the judge
 * degrades to user namespaces (rlimits only); without those either, it refuses. The facts are
 * parameters so the refusal can be tested without dropping privileges.
 */
export function assertCanSandbox(
  uid: number | undefined = process.getuid?.(),
  usernsAvailable = userNamespacesAvailable(),
): void {
  if (uid !== 0 && !usernsAvailable) {
    throw new LmlabError(
      'the judge needs root, or unprivileged user namespaces for a reduced sandbox, and this machine ' +
        'offers neither; it never runs anything unsandboxed (run it as root, as CI does)',
    );
  }
  if (!ensureLauncher()) {
    throw new LmlabError(
      `sandbox launcher not found at ${launcherPath()} and cc could not build it: run \`npm ci\` (it compiles native/programs/sandbox.c)`,
    );
  }
}

export function launcherArgs(run: SandboxRun): string[] {
  const l = run.limits;
  const args = [
    '--box',
    run.box,
    '--cpu-ms',
    String(Math.ceil(l.cpuMs)),
    '--wall-ms',
    String(Math.ceil(l.wallMs)),
    '--memory-kb',
    String(Math.ceil(l.memoryKb)),
    '--uid',
    String(SANDBOX_UID),
    '--gid',
    String(SANDBOX_UID),
  ];
  if (run.boxWritable) args.push('--box-rw');
  if (run.stdoutFirst) args.push('--stdout-first');
  for (const bind of run.bindReadOnly ?? []) args.push('--bind-ro', `${bind.host}:${bind.inside}`);
  if (run.stdin) args.push('--stdin', run.stdin);
  if (run.stdout) args.push('--stdout', run.stdout);
  if (run.stderr) args.push('--stderr', run.stderr);
  if (l.procs !== undefined) args.push('--procs', String(l.procs));
  if (l.files !== undefined) args.push('--files', String(l.files));
  if (l.outputKb !== undefined) args.push('--output-kb', String(l.outputKb));
  if (l.stackKb !== undefined) args.push('--stack-kb', String(l.stackKb));
  if (l.tmpKb !== undefined) args.push('--tmp-kb', String(l.tmpKb));
  for (const [key, value] of Object.entries(run.env ?? {})) args.push('--env', `${key}=${value}`);
  args.push('--', ...run.argv);
  return args;
}

export function parseReport(stdout: string): SandboxReport {
  const line = stdout.trim().split('\n').pop() ?? '';
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    throw new Error(`sandbox launcher printed no report (got ${JSON.stringify(line.slice(0, 200))})`);
  }
  const r = parsed as SandboxReport;
  if (typeof r.cpu_ms !== 'number' || typeof r.wall_ms !== 'number' || typeof r.limit !== 'string') {
    throw new Error(`sandbox launcher printed a malformed report: ${line.slice(0, 200)}`);
  }
  return r;
}

/** Pids of the launchers this process started (their sandbox roots and cgroups carry the pid). */
export const launchedPids = new Set<number>();

/** Runs one program in the sandbox. Never rejects for the program's behaviour, only for ours. */
export function runSandboxed(run: SandboxRun): Promise<SandboxReport> {
  assertCanSandbox();
  return new Promise((resolve, reject) => {
    const child = spawn(launcherPath(), launcherArgs(run), { stdio: ['ignore', 'pipe', 'pipe'] });
    if (child.pid) launchedPids.add(child.pid);
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString();
    });
    // The launcher enforces the wall limit itself; this only guards against the launcher hanging.
    const guard = setTimeout(() => child.kill('SIGKILL'), run.limits.wallMs + 10_000);
    child.on('error', (e) => {
      clearTimeout(guard);
      reject(new Error(`cannot start the sandbox launcher: ${e.message}`));
    });
    child.on('close', (code) => {
      clearTimeout(guard);
      try {
        const report = parseReport(out);
        if (code === 3) reject(new LmlabError(report.internal_error ?? 'sandbox refused to run'));
        else resolve(report);
      } catch (e) {
        reject(new Error(`${(e as Error).message}${err ? ` (stderr: ${err.trim().slice(0, 200)})` : ''}`));
      }
    });
  });
}

/** How the launcher's report begins when it has lost the sandbox itself (not the program). */
export const SANDBOX_LOST = 'the sandbox init ended unexpectedly';

export type SessionConfig = Omit<SandboxRun, 'stdin' | 'stdout' | 'stderr' | 'stdoutFirst'>;

/**
 * One launcher kept alive for many runs of the same program (one judging): namespaces, cgroups
 * and the filesystem are built once, and each run costs a fork inside the sandbox. Every run
 * still gets fresh processes, a fresh /tmp and its own CPU/memory accounting. Runs are
 * serialised; callers hold a judge slot around each `run`.
 */
export class SandboxSession {
  private readonly child: ChildProcessWithoutNullStreams;
  private buffered = '';
  private pending: { resolve: (r: SandboxReport) => void; reject: (e: Error) => void } | null = null;
  private failure: Error | null = null;
  private exited = false;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly config: SessionConfig) {
    assertCanSandbox();
    const args = launcherArgs({ ...config, stdin: undefined, stdout: undefined, stderr: undefined });
    this.child = spawn(launcherPath(), ['--session', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    if (this.child.pid) launchedPids.add(this.child.pid);
    let stderr = '';
    this.child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-500);
    });
    this.child.stdout.on('data', (chunk: Buffer) => this.onData(chunk.toString()));
    this.child.on('error', (e) => this.fail(new Error(`cannot start the sandbox launcher: ${e.message}`)));
    this.child.on('close', (code) => {
      this.exited = true;
      this.fail(
        new Error(
          code === 3
            ? 'the sandbox refused to run (not root?)'
            : `sandbox session ended (exit ${code})${stderr ? `: ${stderr.trim()}` : ''}`,
        ),
      );
    });
  }

  private onData(text: string): void {
    this.buffered += text;
    let newline: number;
    while ((newline = this.buffered.indexOf('\n')) >= 0) {
      const line = this.buffered.slice(0, newline);
      this.buffered = this.buffered.slice(newline + 1);
      const waiter = this.pending;
      this.pending = null;
      if (!waiter) continue;
      try {
        waiter.resolve(parseReport(line));
      } catch (e) {
        waiter.reject(e as Error);
      }
    }
  }

  private fail(error: Error): void {
    this.failure ??= error;
    const waiter = this.pending;
    this.pending = null;
    waiter?.reject(this.failure);
  }

  /** Runs the program once with the given stdio files (host paths). */
  run(stdin: string, stdout: string, stderr: string): Promise<SandboxReport> {
    for (const path of [stdin, stdout, stderr]) {
      if (/[\t\n]/.test(path))
        return Promise.reject(new Error(`path not usable in a sandbox session: ${JSON.stringify(path)}`));
    }
    const next = this.queue.then(
      () =>
        new Promise<SandboxReport>((resolve, reject) => {
          if (this.failure) return reject(this.failure);
          const guard = setTimeout(() => this.child.kill('SIGKILL'), this.config.limits.wallMs + 10_000);
          this.pending = {
            resolve: (r) => {
              clearTimeout(guard);
              resolve(r);
            },
            reject: (e) => {
              clearTimeout(guard);
              reject(e);
            },
          };
          this.child.stdin.write(`${stdin}\t${stdout}\t${stderr}\n`);
        }),
    );
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** Ends the session; the launcher tears the sandbox down (processes, cgroups, mounts). */
  async close(): Promise<void> {
    await this.queue;
    if (this.exited) return;
    const closed = new Promise<void>((resolve) => this.child.once('close', () => resolve()));
    this.child.stdin.end();
    const guard = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await closed;
    clearTimeout(guard);
  }
}
