// Advisory lock files: one writer per train run folder or CodeElo run database. The lock is a
// small JSON file (owner PID, host, start time) created with O_EXCL; a second process is told
// "in use by PID n". A lock whose owner is dead on this host (killed, crashed) is stale and is
// taken over. Advisory only: it protects lmlab from itself, not from other programs.
// It does not decide what to lock (callers: the trainer, the CodeElo run store).
import { closeSync, fsyncSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { LmlabError } from './errors.ts';
import { ioError } from './atomic.ts';
import { pidAlive } from './stale.ts';

export interface LockOwner {
  pid: number;
  host: string;
  started: string;
}

function readOwner(path: string): LockOwner | null {
  try {
    const o = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockOwner>;
    if (typeof o.pid === 'number' && typeof o.host === 'string')
      return { pid: o.pid, host: o.host, started: String(o.started ?? '?') };
  } catch {
    // unreadable or half-written: treated as no owner below
  }
  return null;
}

const held = new Set<FileLock>();
let exitHooked = false;

/** Locks still held when the process exits are released (one exit listener for all). */
function releaseOnExit(lock: FileLock): void {
  held.add(lock);
  if (exitHooked) return;
  exitHooked = true;
  process.on('exit', () => {
    for (const l of [...held]) l.release();
  });
}

export class FileLock {
  private released = false;

  private constructor(readonly path: string) {}

  /**
   * Takes the lock at `path` for `what` (named in the error). Throws an LmlabError naming the
   * owner when a live process holds it; removes a stale lock (dead owner on this host) first.
   */
  static acquire(path: string, what: string): FileLock {
    const me: LockOwner = { pid: process.pid, host: hostname(), started: new Date().toISOString() };
    for (let tries = 0; tries < 3; tries++) {
      let fd: number;
      try {
        fd = openSync(path, 'wx');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw ioError(err, path, 'create the lock file');
        const owner = readOwner(path);
        if (owner && owner.host !== me.host) {
          throw new LmlabError(
            `${what} is in use by PID ${owner.pid} on ${owner.host} (since ${owner.started}); lock file ${path}`,
          );
        }
        if (owner && pidAlive(owner.pid)) {
          throw new LmlabError(`${what} is in use by PID ${owner.pid} (since ${owner.started}); lock file ${path}`);
        }
        // stale (owner dead) or unreadable: take it over
        rmSync(path, { force: true });
        continue;
      }
      try {
        writeSync(fd, JSON.stringify(me) + '\n');
        fsyncSync(fd);
      } catch (err) {
        closeSync(fd);
        rmSync(path, { force: true });
        throw ioError(err, path);
      }
      closeSync(fd);
      const lock = new FileLock(path);
      releaseOnExit(lock);
      return lock;
    }
    throw new LmlabError(`cannot take the lock ${path} for ${what}: it keeps reappearing`);
  }

  /** Removes the lock file if it is still ours. */
  release(): void {
    if (this.released) return;
    this.released = true;
    held.delete(this);
    if (readOwner(this.path)?.pid === process.pid) rmSync(this.path, { force: true });
  }
}
