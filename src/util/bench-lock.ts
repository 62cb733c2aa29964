// The one lock that keeps timings apart: every timed section (lmlab adaskip evaluate's answers,
// the benchmarks) takes it, so no two measurements share the CPU. It is a FileLock (util/lock.ts)
// in the temporary folder, or at $LMLAB_BENCH_LOCK, that a second process waits for (polling)
// instead of failing. Waiting is synchronous: the engine's timed loops are synchronous too.
// Not here: what is timed, or how long a caller may wait beyond `timeoutMs`.
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LmlabError } from './errors.ts';
import { FileLock } from './lock.ts';

export function benchLockPath(): string {
  return process.env.LMLAB_BENCH_LOCK || join(tmpdir(), 'lmlab-timing.lock');
}

const pause = new Int32Array(new SharedArrayBuffer(4));
/** nesting depth of withBenchLock in this process (0 = not held) */
let depth = 0;

function sleep(ms: number): void {
  Atomics.wait(pause, 0, 0, ms);
}

export interface BenchLockWait {
  /** milliseconds spent waiting for another process's measurement */
  waitedMs: number;
}

/**
 * Runs `fn` holding the timing lock, waiting while another process holds it (at most
 * `timeoutMs`, then an LmlabError naming the holder). Re-entrant within one process.
 */
export function withBenchLock<T>(fn: () => T, timeoutMs = 6 * 3600_000, wait?: BenchLockWait): T {
  if (depth > 0) {
    depth++;
    try {
      return fn();
    } finally {
      depth--;
    }
  }
  const path = benchLockPath();
  const start = Date.now();
  let lock: FileLock;
  for (;;) {
    try {
      lock = FileLock.acquire(path, 'the timing lock');
      break;
    } catch (err) {
      if (!(err instanceof LmlabError) || !/in use by/.test(err.message)) throw err;
      if (Date.now() - start > timeoutMs) throw err;
      sleep(200);
    }
  }
  if (wait) wait.waitedMs += Date.now() - start;
  depth = 1;
  try {
    return fn();
  } finally {
    depth = 0;
    lock.release();
  }
}
