// Command-line arguments follow the same UTF-8 rule as files: Node turns bytes that are not
// UTF-8 into U+FFFD before lmlab sees them, so the raw bytes are checked (Linux
// /proc/self/cmdline) and an argument that is not UTF-8 is refused like a file would be.
// Elsewhere (no /proc) arguments are taken as Node decoded them.
import { readFileSync } from 'node:fs';
import { decodeUtf8Strict } from '../data/utf8.ts';

export function checkArgvUtf8(): void {
  if (!process.argv.some((a) => a.includes('\uFFFD'))) return; // nothing was replaced
  let raw: Buffer;
  try {
    raw = readFileSync('/proc/self/cmdline');
  } catch {
    return;
  }
  let start = 0;
  while (start < raw.length) {
    let end = raw.indexOf(0, start);
    if (end < 0) end = raw.length;
    decodeUtf8Strict(
      raw.subarray(start, end),
      `command-line argument ${JSON.stringify(raw.subarray(start, end).toString('utf8'))}`,
    );
    start = end + 1;
  }
}
