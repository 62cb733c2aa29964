// The README's table of environment variables names every variable lmlab itself reads: each
// `process.env.LMLAB_*` in src/ and bin/ and each getenv("LMLAB_*") in native/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('../..', import.meta.url).pathname;

function files(dir: string, ext: RegExp): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...files(path, ext));
    else if (ext.test(name)) out.push(path);
  }
  return out;
}

test('README documents every LMLAB_* environment variable the code reads', () => {
  const read = new Set<string>();
  for (const file of [...files(join(root, 'src'), /\.ts$/), ...files(join(root, 'bin'), /\.js$/)]) {
    for (const m of readFileSync(file, 'utf8').matchAll(/env(?:\.|\[['"])(LMLAB_[A-Z0-9_]+)/g)) read.add(m[1]);
  }
  for (const file of files(join(root, 'native'), /\.(cc|c|h)$/)) {
    for (const m of readFileSync(file, 'utf8').matchAll(/(?:getenv|env_[a-z]+)\(\s*"(LMLAB_[A-Z0-9_]+)"/g))
      read.add(m[1]);
  }
  assert.ok(read.size >= 8, `found only ${[...read].join(', ')}`);
  const table = readFileSync(join(root, 'README.md'), 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .join('\n');
  const missing = [...read].filter((name) => !table.includes(`\`${name}\``)).sort();
  assert.deepEqual(missing, [], `README's environment table lacks ${missing.join(', ')}`);
});
