// The sandbox launcher itself: refusal without root (never an unsandboxed run), the report
// format, and that a session gives every run fresh processes, /tmp and accounting.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import {
  assertCanSandbox,
  launcherArgs,
  launcherPath,
  parseReport,
  runSandboxed,
  SandboxSession,
} from '../../../src/codeelo/judge/sandbox.ts';
import { sandboxSkipReason } from './helpers.ts';

const skip = sandboxSkipReason();
const work = mkdtempSync(join(tmpdir(), 'lmlab-sandbox-test-'));
chmodSync(work, 0o755);
after(() => rmSync(work, { recursive: true, force: true }));

test('without root the judge degrades to user namespaces, without those it refuses clearly', () => {
  assert.throws(
    () => assertCanSandbox(1000, false),
    /needs root, or unprivileged user namespaces.*never runs anything unsandboxed/,
  );
  if (!skip) assert.doesNotThrow(() => assertCanSandbox(1000, true));
});

const setpriv = ['/usr/bin/setpriv', '/bin/setpriv'].find(existsSync);
const asNobody = ['--reuid=65534', '--regid=65534', '--clear-groups'];

test('the launcher refuses without root when user namespaces are unavailable, and runs nothing', {
  skip: skip || !setpriv,
}, () => {
  const marker = join(work, 'ran-unsandboxed');
  const run = spawnSync(setpriv!, [...asNobody, launcherPath(), '--box', work, '--', '/usr/bin/touch', marker], {
    encoding: 'utf8',
    env: { ...process.env, LMLAB_SANDBOX_NO_USERNS: '1' },
  });
  assert.equal(run.status, 3);
  const report = parseReport(run.stdout);
  assert.match(report.internal_error ?? '', /^refused: not root and unprivileged user namespaces are unavailable/);
  assert.equal(report.mode, 'none');
  assert.equal(existsSync(marker), false);
});

test('without root the launcher still isolates, in a user namespace with rlimits', { skip: skip || !setpriv }, () => {
  const open = join(work, 'nobody');
  mkdirSync(open, { mode: 0o777 });
  chmodSync(open, 0o777);
  const out = join(open, 'out.txt');
  const run = spawnSync(
    setpriv!,
    [
      ...asNobody,
      launcherPath(),
      '--box',
      open,
      '--stdout',
      out,
      '--',
      '/bin/sh',
      '-c',
      `id -u; hostname; grep -E '^(CapEff|NoNewPrivs|Seccomp):' /proc/self/status; tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '; touch ${work}/escaped; ls /`,
    ],
    { encoding: 'utf8' },
  );
  assert.equal(run.status, 0, run.stdout + run.stderr);
  const report = parseReport(run.stdout);
  assert.equal(report.mode, 'rootless-rlimit');
  const lines = readFileSync(out, 'utf8').trim().split('\n');
  assert.deepEqual(lines.slice(0, 6), [
    '65534',
    'sandbox',
    'CapEff:\t0000000000000000',
    'NoNewPrivs:\t1',
    'Seccomp:\t2',
    'lo',
  ]);
  assert.ok(!lines.includes('work') && !lines.includes('root'), lines.join(' '));
  assert.equal(existsSync(join(work, 'escaped')), false);
  // A fork bomb is bounded and leaves nothing behind.
  const bomb = spawnSync(
    setpriv!,
    [
      ...asNobody,
      launcherPath(),
      '--box',
      open,
      '--cpu-ms',
      '500',
      '--wall-ms',
      '2000',
      '--procs',
      '16',
      '--',
      '/bin/sh',
      '-c',
      'b() { b | b & }; b; sleep 100',
    ],
    { encoding: 'utf8', timeout: 30_000 },
  );
  const bombReport = parseReport(bomb.stdout);
  assert.equal(bombReport.internal_error, null);
  // Either a limit stops it or the shell dies when fork fails (RLIMIT_NPROC): bounded both ways.
  assert.ok(bombReport.wall_ms < 4000, `ran ${bombReport.wall_ms} ms`);
  const left = spawnSync('ps', ['-u', '65534', '-o', 'pid='], { encoding: 'utf8' }).stdout.trim();
  assert.equal(left, '', 'no process of the user is left');
});

test('launcher arguments carry every limit, binds and the command after --', () => {
  const args = launcherArgs({
    box: '/b',
    argv: ['/box/main', 'x'],
    stdin: '/in',
    stdout: '/out',
    bindReadOnly: [{ host: '/h', inside: '/checker' }],
    limits: { cpuMs: 1000.4, wallMs: 3000, memoryKb: 65536, procs: 8, outputKb: 1024, stackKb: 65536 },
  });
  assert.deepEqual(args.slice(args.indexOf('--')), ['--', '/box/main', 'x']);
  for (const [flag, value] of [
    ['--cpu-ms', '1001'],
    ['--memory-kb', '65536'],
    ['--procs', '8'],
    ['--output-kb', '1024'],
    ['--bind-ro', '/h:/checker'],
    ['--stdin', '/in'],
  ]) {
    assert.equal(args[args.indexOf(flag) + 1], value, flag);
  }
});

test('reports are parsed strictly', () => {
  const r = parseReport(
    'noise\n{"cpu_ms":1,"wall_ms":2,"memory_kb":3,"exit_code":0,"signal":null,"limit":"none","internal_error":null}\n',
  );
  assert.equal(r.wall_ms, 2);
  assert.throws(() => parseReport('garbage'), /printed no report/);
  assert.throws(() => parseReport('{"x":1}'), /malformed/);
});

test('bad launcher options are refused with a reason, not run', { skip }, () => {
  const run = spawnSync(launcherPath(), ['--box', work, '--bind-ro', '/usr:/tmp/x', '--', '/bin/true'], {
    encoding: 'utf8',
  });
  assert.equal(run.status, 2);
  assert.match(parseReport(run.stdout).internal_error ?? '', /bad --bind-ro/);
  const root = spawnSync(launcherPath(), ['--box', work, '--uid', '0', '--', '/bin/true'], { encoding: 'utf8' });
  assert.match(parseReport(root.stdout).internal_error ?? '', /must not be root/);
});

const limits = { cpuMs: 2000, wallMs: 5000, memoryKb: 256 * 1024, procs: 16 };

test('inside: unprivileged uid, own hostname, PID 1 is init, only loopback', { skip }, async () => {
  const out = join(work, 'inside.txt');
  const report = await runSandboxed({
    box: work,
    stdout: out,
    limits,
    argv: [
      '/bin/sh',
      '-c',
      'id -u; id -g; hostname; echo $$; cat /proc/net/dev | tail -n +3 | cut -d: -f1 | tr -d " "; ls /',
    ],
  });
  assert.equal(report.internal_error, null);
  assert.equal(report.exit_code, 0);
  assert.equal(report.mode, 'root-cgroup', 'this machine kind offers v1 cgroups');
  const lines = readFileSync(out, 'utf8').trim().split('\n');
  assert.deepEqual(lines.slice(0, 3), ['60100', '60100', 'sandbox']);
  assert.notEqual(lines[3], '1', 'the program is not PID 1');
  assert.deepEqual(lines.slice(4, 5), ['lo']);
  assert.ok(
    !lines.includes('work') && !lines.includes('root') && !lines.includes('home'),
    `unexpected root entries: ${lines.slice(5)}`,
  );
});

test('inside: no capabilities, no_new_privs, seccomp filter, no inherited ignored signals', { skip }, async () => {
  const out = join(work, 'status.txt');
  const report = await runSandboxed({
    box: work,
    stdout: out,
    limits,
    argv: ['/bin/grep', '-E', '^(CapEff|CapPrm|NoNewPrivs|Seccomp|SigIgn|SigBlk):', '/proc/self/status'],
  });
  assert.equal(report.exit_code, 0);
  const fields = Object.fromEntries(
    readFileSync(out, 'utf8')
      .trim()
      .split('\n')
      .map((l) => l.split(':').map((x) => x.trim())),
  );
  assert.deepEqual(fields, {
    CapPrm: '0000000000000000',
    CapEff: '0000000000000000',
    NoNewPrivs: '1',
    Seccomp: '2',
    SigIgn: '0000000000000000',
    SigBlk: '0000000000000000',
  });
});

test('abort() is SIGABRT (an init stands in front of the program)', { skip }, async () => {
  const report = await runSandboxed({ box: work, argv: ['/usr/bin/python3', '-c', 'import os; os.abort()'], limits });
  assert.equal(report.signal, 6);
  assert.equal(report.limit, 'none');
});

test('a session runs the program many times with fresh /tmp, IPC, processes and CPU accounting', { skip }, async () => {
  const script = join(work, 'probe.sh');
  writeFileSync(
    script,
    [
      'if [ -e /tmp/mark ]; then echo stale; else echo fresh; fi',
      'touch /tmp/mark',
      'ipcs -m | grep -c ^0x', // SysV shared memory left by an earlier run
      'ipcmk -M 4096 > /dev/null',
      'sleep 30 &', // must not survive the run
      'read n; i=0; while [ $i -lt $n ]; do i=$((i+1)); done; echo $i',
    ].join('\n'),
  );
  chmodSync(script, 0o755);
  writeFileSync(join(work, 'small.in'), '10\n');
  writeFileSync(join(work, 'big.in'), '300000\n');
  const session = new SandboxSession({ box: work, argv: ['/bin/sh', '/box/probe.sh'], limits });
  try {
    const first = await session.run(join(work, 'big.in'), join(work, 'o1'), '/dev/null');
    const second = await session.run(join(work, 'small.in'), join(work, 'o2'), '/dev/null');
    assert.equal(first.exit_code, 0);
    assert.equal(second.exit_code, 0);
    assert.deepEqual(readFileSync(join(work, 'o1'), 'utf8').split('\n').slice(0, 3), ['fresh', '0', '300000']);
    assert.deepEqual(readFileSync(join(work, 'o2'), 'utf8').split('\n').slice(0, 3), ['fresh', '0', '10']);
    assert.ok(first.cpu_ms > second.cpu_ms, `CPU is per run (${first.cpu_ms} then ${second.cpu_ms} ms)`);
    assert.ok(second.wall_ms < 5000, 'the background sleep of run 1 did not hold run 2');
  } finally {
    await session.close();
  }
});
