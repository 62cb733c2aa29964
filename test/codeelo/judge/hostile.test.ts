// Hostile programs against the judge: each gets the right verdict, nothing escapes (no file
// outside the box, no secret read, no network, no host process touched) and the host is left
// as it was (no processes of the sandbox user, no cgroups, no sandbox roots in /tmp).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { judgeSubmission } from '../../../src/codeelo/judge/judge.ts';
import { languageById } from '../../../src/codeelo/judge/languages.ts';
import { loadProblem, type Problem } from '../../../src/codeelo/judge/problem.ts';
import { launchedPids } from '../../../src/codeelo/judge/sandbox.ts';
import type { Verdict } from '../../../src/codeelo/judge/verdict.ts';
import { fixtures, leakedSandboxProcesses, sandboxCgroups, sandboxSkipReason, writeProblem } from './helpers.ts';

const skip = sandboxSkipReason();
const hostileDir = join(fixtures, 'hostile');
const common = readFileSync(join(hostileDir, 'common.h'), 'utf8');
const root = mkdtempSync(join(tmpdir(), 'lmlab-hostile-'));
const canary = join(root, 'canary');
mkdirSync(canary);
chmodSync(root, 0o755);
chmodSync(canary, 0o777); // writable by anyone: only isolation can keep it empty

// Limits per case, chosen so the verdict does not depend on the machine's speed: a program that
// must finish gets 10 s of CPU for well under 0.2 s of work; a program that must run out of time
// spins or sleeps forever, so any limit catches it; the memory bomb meets a 32 MB limit it
// reaches after touching 32 MB (about 0.1 s of CPU here) while its CPU limit is 10 s; the output
// bomb meets a 1 MB output limit long before its 10 s.
const LIMITS = {
  spin: { timeLimitMs: 500, memoryLimitMb: 256 },
  finish: { timeLimitMs: 10_000, memoryLimitMb: 256 },
  memory: { timeLimitMs: 10_000, memoryLimitMb: 32 },
} as const;
type LimitKind = keyof typeof LIMITS;
const problems = {} as Record<LimitKind, Problem>;
let listener: Server;
let connections = 0;
const canaryProcess = spawn('sleep', ['300'], { stdio: 'ignore' });
const cgroupsBefore = new Set(sandboxCgroups());

before(async () => {
  listener = createServer((socket) => {
    connections++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const port = (listener.address() as AddressInfo).port;
  const judgeFile = new URL('../../../package.json', import.meta.url).pathname;
  // 256 MB where memory is not the point: the fork bomb's 64 processes (the pids limit) hold ~32 MB
  // of page tables, kernel stacks and copied pages here and more on other kernels.
  for (const kind of Object.keys(LIMITS) as LimitKind[]) {
    const id = `hostile-${kind}`;
    const dir = writeProblem(root, id, LIMITS[kind], {
      'tests/01.in': `${canary} ${judgeFile} ${join(root, id, 'tests', '01.ans')} ${port} ${canaryProcess.pid}\n`,
      'tests/01.ans': 'ok\n',
    });
    problems[kind] = loadProblem(dir);
  }
});

after(async () => {
  canaryProcess.kill('SIGKILL');
  await new Promise<void>((resolve) => listener?.close(() => resolve()) ?? resolve());
  rmSync(root, { recursive: true, force: true });
});

const cases: [string, Verdict, LimitKind][] = [
  ['fork-bomb', 'TLE', 'spin'],
  ['infinite-loop', 'TLE', 'spin'],
  ['sleep-forever', 'TLE', 'spin'],
  ['memory-bomb', 'MLE', 'memory'],
  ['huge-output', 'OLE', 'finish'],
  ['write-outside', 'AC', 'finish'],
  ['read-secrets', 'AC', 'finish'],
  ['network', 'AC', 'finish'],
  ['kill-others', 'AC', 'finish'],
  ['ptrace', 'AC', 'finish'],
  ['shell', 'AC', 'finish'],
  ['escalate', 'AC', 'finish'],
  ['deep-recursion', 'AC', 'finish'],
];

for (const [name, expected, kind] of cases) {
  test(`hostile ${name} gets ${expected}`, { skip, timeout: 600_000 }, async () => {
    const source = readFileSync(join(hostileDir, `${name}.cpp`), 'utf8').replace('#include "common.h"', common);
    const result = await judgeSubmission(problems[kind], languageById('cpp'), Buffer.from(source), {
      outputLimitKb: 1024,
    });
    const detail = `${result.verdict}: ${result.tests[0]?.message ?? result.compileMessage}`;
    assert.equal(result.verdict, expected, detail);
  });
}

/** A cgroup lmlab-sbx-<pid> is a leftover only when its launcher <pid> has ended. */
function launcherAlive(cgroup: string): boolean {
  const pid = Number(/lmlab-sbx-(\d+)/.exec(cgroup)?.[1]);
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test('nothing escaped and the host is as it was', { skip }, () => {
  assert.deepEqual(readdirSync(canary), [], 'no file reached the canary directory');
  assert.equal(connections, 0, 'no connection reached the loopback listener');
  assert.equal(canaryProcess.exitCode, null, 'the host canary process is alive');
  assert.equal(canaryProcess.signalCode, null);
  assert.deepEqual(leakedSandboxProcesses(), [], 'no process of the sandbox user is left outside a live sandbox');
  assert.deepEqual(
    sandboxCgroups().filter((c) => !cgroupsBefore.has(c) && !launcherAlive(c)),
    [],
    'no sandbox cgroup is left',
  );
  // Roots carry their launcher's pid: ours are those of launchers this process started (other
  // judgings on the machine, other test files and checkouts, make roots of their own).
  const newRoots = (): string[] =>
    readdirSync(tmpdir()).filter((n) => launchedPids.has(Number(/^lmlab-sbx-root-(\d+)-/.exec(n)?.[1])));
  assert.deepEqual(newRoots(), [], 'no sandbox root directory is left in /tmp');
});
