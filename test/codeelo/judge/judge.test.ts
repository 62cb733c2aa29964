// The judge on its fixture problems: every verdict (AC WA PE TLE MLE OLE RE CE) in C++, C,
// Python and JavaScript, a custom checker with several correct answers, an interactive problem,
// stop-at-first-failure vs all tests, and the compile cache.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { compileSource } from '../../../src/codeelo/judge/compile.ts';
import { judgeSubmission, sweepStaleScratch } from '../../../src/codeelo/judge/judge.ts';
import { languageById, languageOfFile } from '../../../src/codeelo/judge/languages.ts';
import { judgeSlots } from '../../../src/codeelo/judge/limiter.ts';
import { loadProblem } from '../../../src/codeelo/judge/problem.ts';
import { judgeListedSolution } from '../../../src/codeelo/judge/selftest.ts';
import { fixtures, sandboxSkipReason } from './helpers.ts';

const skip = sandboxSkipReason();

for (const id of ['sum', 'divisor', 'guess']) {
  test(`fixture ${id}: every listed solution gets its expected verdict`, { skip, timeout: 120_000 }, async (t) => {
    const problem = loadProblem(join(fixtures, id));
    for (let i = 0; i < problem.solutions.length; i++) {
      const solution = problem.solutions[i];
      await t.test(`${relative(problem.dir, solution.file)} -> ${solution.expected}`, async () => {
        const result = await judgeListedSolution(problem, i);
        assert.equal(result.got, solution.expected, result.detail);
      });
    }
  });
}

test('per-test results: stop at the first failure by default, run everything on request', { skip }, async () => {
  const problem = loadProblem(join(fixtures, 'sum'));
  const wrong = Buffer.from(
    '#include <iostream>\nint main() { int a, b; std::cin >> a >> b; std::cout << a + b << "\\n"; }\n',
  );
  const lang = languageById('cpp');
  const first = await judgeSubmission(problem, lang, wrong);
  assert.equal(first.verdict, 'WA');
  assert.equal(first.failedTest, '02');
  assert.deepEqual(
    first.tests.map((t) => t.verdict),
    ['AC', 'WA'],
  );
  const all = await judgeSubmission(problem, lang, wrong, { allTests: true });
  assert.equal(all.verdict, 'WA');
  assert.deepEqual(
    all.tests.map((t) => t.verdict),
    ['AC', 'WA', 'AC'],
  );
  assert.equal(all.judge, 'local');
  for (const t of all.tests) {
    assert.ok(t.timeMs >= 0 && t.timeMs < 1000 && t.memoryKb > 0, JSON.stringify(t));
  }
});

test('a compile error carries the compiler message; the cache answers the second time', { skip }, async () => {
  const problem = loadProblem(join(fixtures, 'sum'));
  const source = Buffer.from(`int main() { undeclared_name_${process.pid}(); }\n`);
  const result = await judgeSubmission(problem, languageById('cpp'), source);
  assert.equal(result.verdict, 'CE');
  assert.match(result.compileMessage, /undeclared_name/);
  const again = await compileSource(languageById('cpp'), source);
  assert.equal(again.ok, false);
  assert.equal(again.cached, true);
  const good = Buffer.from(`int main() { return ${process.pid % 7}; }\n`);
  const built = await compileSource(languageById('c'), good);
  const reused = await compileSource(languageById('c'), good);
  assert.equal(reused.cached, true);
  assert.equal(reused.dir, built.dir);
});

test('time and memory are measured per test', { skip }, async () => {
  const problem = loadProblem(join(fixtures, 'sum'));
  const busy = Buffer.from(
    [
      'import sys',
      'a, b = map(int, sys.stdin.read().split())',
      'x = bytearray(40 * 1024 * 1024)', // ~40 MB resident
      's = 0',
      'for i in range(300000): s += i',
      'print(a + b)',
    ].join('\n'),
  );
  const result = await judgeSubmission(problem, languageOfFile('x.py'), busy, { allTests: true });
  assert.equal(result.verdict, 'AC');
  assert.ok(result.maxMemoryKb > 40 * 1024, `peak ${result.maxMemoryKb} KB`);
  assert.ok(result.maxTimeMs > 5, `time ${result.maxTimeMs} ms`);
});

test('concurrent judgings share the slot bound and keep their own results', { skip }, async () => {
  const problem = loadProblem(join(fixtures, 'sum'));
  let lowest = judgeSlots.capacity;
  const sampler = setInterval(() => {
    lowest = Math.min(lowest, judgeSlots.available);
  }, 1);
  try {
    const files = ['ac.cpp', 'wa.cpp', 'ac.py', 're.cpp'];
    const results = await Promise.all(
      files.map((f) => {
        const file = join(problem.dir, 'solutions', f);
        return judgeSubmission(problem, languageOfFile(file), readFileSync(file));
      }),
    );
    assert.deepEqual(
      results.map((r) => r.verdict),
      ['AC', 'WA', 'AC', 'RE'],
    );
  } finally {
    clearInterval(sampler);
  }
  assert.ok(lowest >= 0, 'never more timed runs than slots');
  assert.equal(judgeSlots.available, judgeSlots.capacity, 'every slot released');
});

test('a compile cache others can write to is refused (its binaries are what gets run)', async () => {
  const open = mkdtempSync(join(tmpdir(), 'lmlab-open-cache-'));
  chmodSync(open, 0o777);
  const saved = process.env.LMLAB_JUDGE_CACHE;
  process.env.LMLAB_JUDGE_CACHE = open;
  try {
    await assert.rejects(
      compileSource(languageById('c'), Buffer.from('int main(void) { return 0; }\n')),
      /closed to others/,
    );
  } finally {
    if (saved === undefined) delete process.env.LMLAB_JUDGE_CACHE;
    else process.env.LMLAB_JUDGE_CACHE = saved;
    rmSync(open, { recursive: true, force: true });
  }
});

test('scratch directories of judgings that were killed are swept, live ones are kept', () => {
  const gone = spawnSync(process.execPath, ['-e', '0']).pid!; // a pid that no longer runs
  const stale = join(tmpdir(), `lmlab-judge-run-${gone}-test`);
  const live = join(tmpdir(), `lmlab-judge-run-${process.ppid}-test`);
  for (const dir of [stale, live]) mkdirSync(join(dir, 'inner'), { recursive: true });
  try {
    sweepStaleScratch(true);
    assert.equal(existsSync(stale), false);
    assert.equal(existsSync(live), true);
  } finally {
    rmSync(stale, { recursive: true, force: true });
    rmSync(live, { recursive: true, force: true });
  }
});
