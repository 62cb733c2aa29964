// Checksums of a folder's files: a manifest (`SHA256SUMS`, one `<hex>  <name>` line per file, the
// format sha256sum -c reads) is written last, so a folder with a complete manifest whose sums
// all match is complete and unchanged since it was written.
// It does not decide what to do with a damaged folder (callers fall back or refuse).
import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync, readSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { writeAtomic } from './atomic.ts';

export const MANIFEST = 'SHA256SUMS';

export function sha256File(path: string): string {
  const hash = createHash('sha256');
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(1 << 22);
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      hash.update(buf.subarray(0, n));
    }
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}

/** Writes the manifest of every regular file directly in `dir` (the manifest itself excepted). */
export function writeManifest(dir: string): void {
  const lines = readdirSync(dir)
    .filter((n) => n !== MANIFEST && statSync(join(dir, n)).isFile())
    .sort()
    .map((n) => `${sha256File(join(dir, n))}  ${n}`);
  writeAtomic(join(dir, MANIFEST), lines.join('\n') + '\n');
}

/** null when every file in the manifest exists with its checksum, else what is wrong. */
export function verifyManifest(dir: string): string | null {
  const path = join(dir, MANIFEST);
  if (!existsSync(path)) return `no ${MANIFEST} (incomplete or written by an older lmlab)`;
  const lines = readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim());
  if (lines.length === 0) return `${MANIFEST} is empty`;
  for (const line of lines) {
    const m = /^([0-9a-f]{64}) {2}(.+)$/.exec(line);
    if (!m) return `${MANIFEST} has a malformed line`;
    const file = join(dir, m[2]);
    if (!existsSync(file)) return `${m[2]} is missing`;
    if (sha256File(file) !== m[1]) return `${m[2]} does not match its checksum`;
  }
  return null;
}
