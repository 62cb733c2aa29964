// Leftovers of dead processes: temporary files and folders named with their owner's PID
// (`.NAME.tmp-PID-N` from atomic.ts, the judge's `lmlab-judge-run-PID-*` and
// `lmlab-sbx-root-PID-*` in the system temp folder) are removed when that PID no longer runs;
// this process's own temporaries are removed on exit and on SIGINT/SIGTERM.
// It does not know what the files contain.
import { readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { removeOwnTemps, tempOwner } from './atomic.ts';

/** Whether a process with this PID exists (EPERM: it exists but belongs to someone else). */
export function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function list(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** Removes temporaries in `dir` whose owner is dead; returns the names removed. */
export function sweepStaleTemps(dir: string): string[] {
  const removed: string[] = [];
  for (const name of list(dir)) {
    const owner = tempOwner(name);
    if (owner === null || pidAlive(owner)) continue;
    rmSync(join(dir, name), { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}

const JUDGE_PREFIXES = ['lmlab-judge-run-', 'lmlab-sbx-root-'];

/** Removes the judge's scratch and sandbox-root folders of dead processes from the temp folders. */
export function sweepStaleJudgeDirs(): string[] {
  const removed: string[] = [];
  for (const dir of new Set([tmpdir(), '/tmp'])) {
    for (const name of list(dir)) {
      const prefix = JUDGE_PREFIXES.find((p) => name.startsWith(p));
      if (!prefix) continue;
      const owner = Number(/^(\d+)-/.exec(name.slice(prefix.length))?.[1]);
      if (!owner || pidAlive(owner)) continue;
      try {
        rmSync(join(dir, name), { recursive: true, force: true });
        removed.push(join(dir, name));
      } catch {
        // a folder still mounted or owned by another user: left for its owner
      }
    }
  }
  return removed;
}

/** This process's own judge scratch folders (its PID in the name). */
function removeOwnJudgeDirs(): void {
  for (const dir of new Set([tmpdir(), '/tmp'])) {
    for (const name of list(dir)) {
      if (JUDGE_PREFIXES.some((p) => name.startsWith(`${p}${process.pid}-`))) {
        try {
          rmSync(join(dir, name), { recursive: true, force: true });
        } catch {
          // still in use by a sandbox that is going down with us
        }
      }
    }
  }
}

let installed = false;

/**
 * On exit, removes this process's temporaries; on SIGINT/SIGTERM, when no other part of lmlab
 * handles the signal (training checkpoints first), removes them and exits with 128 + signal.
 */
export function installCleanup(): void {
  if (installed) return;
  installed = true;
  process.on('exit', () => {
    removeOwnTemps();
    removeOwnJudgeDirs();
  });
  for (const [signal, number] of [
    ['SIGINT', 2],
    ['SIGTERM', 15],
  ] as const) {
    process.on(signal, () => {
      if (process.listenerCount(signal) > 1) return; // someone else stops gracefully
      removeOwnTemps();
      removeOwnJudgeDirs();
      process.exit(128 + number);
    });
  }
}
