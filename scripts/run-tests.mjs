// Runs the whole test suite with node:test (TypeScript through tsx) and ends with a plain
// "N passed, N failed" line. Node 20 cannot expand globs after --test, so the files are found
// here. Usage: node scripts/run-tests.mjs [substring filter ...]
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawn } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
const filters = process.argv.slice(2);

function findTests(dir) {
  const found = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) found.push(...findTests(path));
    else if (name.endsWith('.test.ts')) found.push(path);
  }
  return found;
}

const files = findTests(join(root, 'test'))
  .map((file) => relative(root, file))
  .filter((file) => filters.length === 0 || filters.some((f) => file.includes(f)));
if (files.length === 0) {
  console.error('run-tests: no test files matched');
  console.log('0 passed, 1 failed');
  process.exit(1);
}

const child = spawn(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-reporter=tap', ...files],
  // Tests that spawn bin/lmlab.js run the TypeScript source, never a possibly stale dist/.
  { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, LMLAB_FROM_SOURCE: '1' } },
);
let pass = 0;
let fail = 0;
let skipped = 0;
let tail = '';
child.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  tail = (tail + chunk.toString()).slice(-4096);
});
child.on('close', (code) => {
  pass = Number(/^# pass (\d+)/m.exec(tail)?.[1] ?? 0);
  fail = Number(/^# fail (\d+)/m.exec(tail)?.[1] ?? 0);
  skipped = Number(/^# skipped (\d+)/m.exec(tail)?.[1] ?? 0);
  if (code !== 0 && fail === 0) fail = 1;
  console.log(`${pass} passed, ${fail} failed, ${skipped} skipped`);
  process.exit(code === 0 && fail === 0 ? 0 : 1);
});
