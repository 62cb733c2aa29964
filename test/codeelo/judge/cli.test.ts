// `lmlab judge` from the command line: JSON and text results, one-line errors, and --selftest
// exit status on a small problems root (a wrong expectation must fail it).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fixtures, sandboxSkipReason, writeProblem } from './helpers.ts';

const skip = sandboxSkipReason();
const cli = new URL('../../../bin/lmlab.js', import.meta.url).pathname;
const root = mkdtempSync(join(tmpdir(), 'lmlab-cli-test-'));
after(() => rmSync(root, { recursive: true, force: true }));

function lmlab(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

test('judge prints a JSON verdict with per-test results', { skip }, () => {
  const run = lmlab('judge', join(fixtures, 'sum'), join(fixtures, 'sum', 'solutions', 'ac.py'), '--json');
  assert.equal(run.status, 0, run.stderr);
  const result = JSON.parse(run.stdout);
  assert.equal(result.verdict, 'AC');
  assert.equal(result.language, 'py');
  assert.equal(result.tests.length, 3);
});

test('judge --lang overrides the extension and text output names the failing test', { skip }, () => {
  const run = lmlab(
    'judge',
    join(fixtures, 'sum'),
    join(fixtures, 'sum', 'solutions', 'wa.cpp'),
    '--lang',
    'cpp',
    '--all-tests',
  );
  assert.equal(run.status, 1, `a rejected solution exits 1: ${run.stderr}`);
  assert.match(run.stdout, /^WA on test 02 \(3 of 3 tests run/m);
});

test('bad input gives one line on stderr and exit code 2', () => {
  const missing = lmlab('judge', join(root, 'no-such-problem'), 'x.cpp');
  assert.equal(missing.status, 2);
  assert.equal(missing.stderr.trim().split('\n').length, 1);
  assert.match(missing.stderr, /^lmlab: /);
  const usage = lmlab('judge');
  assert.equal(usage.status, 2);
  assert.match(usage.stderr, /^lmlab: usage: lmlab judge PROBLEM SOLUTION_FILE/);
  assert.equal(lmlab('judge', '--no-such-flag').status, 2);
  const lang = lmlab('judge', join(fixtures, 'sum'), join(fixtures, 'sum', 'solutions', 'ac.py'), '--lang', 'cobol');
  assert.match(lang.stderr, /^lmlab: unknown language 'cobol'/);
  assert.equal(lang.status, 2);
});

test('a checker that does not compile is an internal error: exit 3 with the reason on stderr', { skip }, () => {
  const dir = writeProblem(
    root,
    'broken-checker',
    { checker: { type: 'custom', source: 'checker.cpp' } },
    { 'checker.cpp': 'int main( {' },
  );
  const run = lmlab('judge', dir, join(fixtures, 'sum', 'solutions', 'ac.py'));
  assert.equal(run.status, 3, run.stdout + run.stderr);
  assert.match(run.stderr, /^lmlab: internal error: the checker .*checker\.cpp does not compile/m);
});

test('--languages lists every language and whether it is installed', () => {
  const run = lmlab('judge', '--languages', '--json');
  assert.equal(run.status, 0, run.stderr);
  const rows = JSON.parse(run.stdout) as { id: string; installed: boolean }[];
  assert.ok(rows.some((r) => r.id === 'cpp' && r.installed));
  assert.ok(rows.some((r) => r.id === 'py'));
});

test('--selftest passes when every expectation holds and fails when one does not', { skip }, () => {
  const good = join(root, 'good');
  writeProblem(
    good,
    'pair',
    {
      solutions: [
        { file: 'solutions/a.py', expected: 'AC' },
        { file: 'solutions/b.py', expected: 'WA' },
      ],
    },
    {
      'solutions/a.py': 'print(input())\n',
      'solutions/b.py': 'print(2)\n',
    },
  );
  const passed = lmlab('judge', '--selftest', '--problems', good);
  assert.equal(passed.status, 0, passed.stdout + passed.stderr);
  assert.match(passed.stdout, /selftest: 3 passed, 0 failed/);
  const bad = join(root, 'bad');
  writeProblem(
    bad,
    'pair',
    { solutions: [{ file: 'solutions/b.py', expected: 'AC' }] },
    { 'solutions/b.py': 'print(2)\n' },
  );
  const failed = lmlab('judge', '--selftest', '--problems', bad);
  assert.notEqual(failed.status, 0);
  assert.match(failed.stdout, /FAIL pair\/solutions\/b\.py: expected AC, got WA/);
  assert.match(failed.stderr, /^lmlab: selftest failed: 1 of 2 checks/);
});
