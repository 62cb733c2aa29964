// Atomic output: every file and folder lmlab writes for a user (reports, checkpoints, metrics
// summaries, exports) is written under a temporary sibling name, synced, and renamed into place,
// so a kill or a full disk leaves either the old content or the new, never a partial file.
// Temporary names carry the writer's PID (`.NAME.tmp-PID-N`), so the next run can remove the
// leftovers of a dead writer (sweepStaleTemps in stale.ts); the process also removes its own on
// exit and on SIGINT/SIGTERM. Every I/O error becomes an LmlabError naming the path.
// It does not parse or format anything.
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { LmlabError } from './errors.ts';

let counter = 0;
const inFlight = new Set<string>();

/** A fresh temporary sibling of `path`, named so the sweep can tell its owner. */
export function tempSibling(path: string): string {
  return join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${++counter}`);
}

/** `.NAME.tmp-PID` or `.NAME.tmp-PID-N`: the owner PID of a temporary name, else null. */
export function tempOwner(name: string): number | null {
  const m = /^\..+\.tmp-(\d+)(?:-\d+)?$/.exec(name);
  return m ? Number(m[1]) : null;
}

/** Turns a Node I/O error into a one-line LmlabError naming the path (ENOSPC, EACCES, ...). */
export function ioError(err: unknown, path: string, action = 'write'): LmlabError {
  if (err instanceof LmlabError) return err;
  const e = err as NodeJS.ErrnoException;
  const reason =
    e.code === 'ENOSPC'
      ? 'ENOSPC (no space left on the device)'
      : e.code === 'EACCES' || e.code === 'EPERM'
        ? `${e.code} (permission denied)`
        : e.code === 'EROFS'
          ? 'EROFS (read-only file system)'
          : (e.code ?? (e.message ?? String(err)).split('\n')[0]);
  return new LmlabError(`cannot ${action} ${path}: ${reason}`);
}

/** Removes a temporary that may not exist (or whose folder is unusable); never throws. */
function removeQuietly(path: string): void {
  try {
    rmSync(path, { recursive: true, force: true });
  } catch {
    // nothing was created there
  }
}

function writeAll(fd: number, bytes: Uint8Array): void {
  let done = 0;
  while (done < bytes.length) done += writeSync(fd, bytes, done, Math.min(bytes.length - done, 1 << 30));
}

function syncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // some file systems cannot sync a directory; the rename is still atomic
  }
}

/**
 * Writes `path` atomically: `fill` writes into a temporary sibling (given its file descriptor),
 * which is synced and renamed over `path` only if `fill` returns; otherwise it is removed.
 */
export function writeFileAtomicFd(path: string, fill: (fd: number) => void): void {
  const temp = tempSibling(path);
  let fd: number | undefined;
  inFlight.add(temp);
  try {
    fd = openSync(temp, 'wx');
    fill(fd);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(temp, path);
    syncDir(dirname(path));
  } catch (err) {
    if (fd !== undefined) {
      try {
        closeSync(fd);
      } catch {
        // already closed
      }
    }
    removeQuietly(temp);
    throw ioError(err, path);
  } finally {
    inFlight.delete(temp);
  }
}

/** Writes text or bytes to `path` atomically. */
export function writeAtomic(path: string, data: string | Uint8Array): void {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  writeFileAtomicFd(path, (fd) => writeAll(fd, bytes));
}

/** fsyncs every regular file under `dir` (and the folders themselves). */
function syncTree(dir: string): void {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) syncTree(p);
    else {
      const fd = openSync(p, 'r');
      try {
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    }
  }
  syncDir(dir);
}

/**
 * Writes the folder `path` atomically: `fill` populates a temporary sibling folder, which is
 * synced and then takes the final name (an older folder of that name is replaced). On any
 * error the temporary folder is removed.
 */
export function writeDirAtomic(path: string, fill: (tempDir: string) => void): void {
  const temp = tempSibling(path);
  inFlight.add(temp);
  try {
    mkdirSync(dirname(path), { recursive: true });
    mkdirSync(temp);
    fill(temp);
    syncTree(temp);
    // rename() cannot replace a non-empty folder: an older folder of the same name goes first
    rmSync(path, { recursive: true, force: true });
    renameSync(temp, path);
    syncDir(dirname(path));
  } catch (err) {
    removeQuietly(temp);
    throw ioError(err, path);
  } finally {
    inFlight.delete(temp);
  }
}

/** Removes this process's unfinished temporaries (on exit and on a fatal signal). */
export function removeOwnTemps(): void {
  for (const p of inFlight) removeQuietly(p);
  inFlight.clear();
}
