// The timing lock: a second process waits for the first to finish its measurement (not fails),
// the lock is re-entrant within a process and released after an exception, a dead holder's lock
// is taken over, and a wait past the timeout names the holder. No timing-dependent verdict: the
// order of events is read from files the two processes write.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchLockPath, withBenchLock } from '../../src/util/bench-lock.ts';

const dir = mkdtempSync(join(tmpdir(), 'lmlab-bench-lock-'));
process.env.LMLAB_BENCH_LOCK = join(dir, 'timing.lock');
const root = new URL('../..', import.meta.url).pathname;

test.after(() => rmSync(dir, { recursive: true, force: true }));

test('a second process waits until the first releases the lock', async () => {
  const released = join(dir, 'released');
  const script = `
    import { withBenchLock } from ${JSON.stringify(join(root, 'src/util/bench-lock.ts'))};
    import { writeFileSync } from 'node:fs';
    withBenchLock(() => {
      writeFileSync(${JSON.stringify(join(dir, 'holding'))}, '1');
      const until = Date.now() + 400;
      while (Date.now() < until) {}
      writeFileSync(${JSON.stringify(released)}, '1');
    });`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    env: process.env,
    stdio: 'inherit',
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  while (!existsSync(join(dir, 'holding'))) await new Promise((r) => setTimeout(r, 20));
  const wait = { waitedMs: 0 };
  const sawRelease = withBenchLock(() => existsSync(released), undefined, wait);
  assert.equal(sawRelease, true, 'the lock was only granted after the holder finished');
  assert.ok(wait.waitedMs > 0);
  assert.equal(await exited, 0);
  assert.equal(existsSync(benchLockPath()), false, 'released afterwards');
});

test('re-entrant, released after an exception, a dead holder is taken over, a timeout names the holder', () => {
  assert.equal(
    withBenchLock(() => withBenchLock(() => 7)),
    7,
  );
  assert.throws(() =>
    withBenchLock(() => {
      throw new Error('boom');
    }),
  );
  assert.equal(existsSync(benchLockPath()), false);
  // a lock left by a process that no longer exists
  writeFileSync(benchLockPath(), JSON.stringify({ pid: 2 ** 22 + 12345, host: hostname(), started: 'x' }));
  assert.equal(
    withBenchLock(() => 1),
    1,
  );
  // a live holder (this test's parent process) and no time to wait
  writeFileSync(benchLockPath(), JSON.stringify({ pid: process.ppid, host: hostname(), started: 'x' }));
  assert.throws(() => withBenchLock(() => 1, 0), /the timing lock is in use by PID/);
  rmSync(benchLockPath());
});
