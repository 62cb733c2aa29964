// Problem package loader: a valid package loads with sorted tests and absolute paths; every
// kind of broken package is refused with one line naming the problem and the fault.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { listProblemDirs, loadProblem } from '../../../src/codeelo/judge/problem.ts';
import { fixtures, writeProblem } from './helpers.ts';

const root = mkdtempSync(join(tmpdir(), 'lmlab-problem-test-'));
after(() => rmSync(root, { recursive: true, force: true }));

test('fixture problems load: checker, tests in numeric order, solutions with verdicts', () => {
  const sum = loadProblem(join(fixtures, 'sum'));
  assert.equal(sum.id, 'sum');
  assert.deepEqual(sum.checker, { type: 'tokens' });
  assert.deepEqual(
    sum.tests.map((t) => t.name),
    ['01', '02', '03'],
  );
  assert.ok(sum.solutions.some((s) => s.expected === 'CE' && s.file.endsWith('ce.cpp')));
  const divisor = loadProblem(join(fixtures, 'divisor'));
  assert.equal(divisor.checker.type, 'custom');
  assert.ok(divisor.checker.type === 'custom' && divisor.checker.source.endsWith('/checker.cpp'));
  const guess = loadProblem(join(fixtures, 'guess'));
  assert.equal(guess.interactive, true);
  assert.ok(guess.interactor?.endsWith('interactor.cpp'));
  assert.deepEqual(
    listProblemDirs(fixtures).map((d) => d.split('/').pop()),
    ['divisor', 'guess', 'sum'],
  );
});

test('tests sort numerically with two- and three-digit names', () => {
  const dir = writeProblem(
    root,
    'numbering',
    {},
    {
      'tests/100.in': '1',
      'tests/100.ans': '1',
      'tests/02.in': '1',
      'tests/02.ans': '1',
      'tests/10.in': '1',
      'tests/10.ans': '1',
    },
  );
  assert.deepEqual(
    loadProblem(dir).tests.map((t) => t.name),
    ['01', '02', '10', '100'],
  );
});

const broken: [string, Record<string, unknown>, Record<string, string>, RegExp][] = [
  ['bad-id', { id: 'Bad_Id' }, {}, /id: must match/],
  ['id-mismatch', { id: 'other' }, {}, /differs from the directory name/],
  ['bad-checker', { checker: { type: 'fuzzy' } }, {}, /checker/],
  ['bad-eps', { checker: { type: 'float', eps: 0.01 } }, {}, /checker\.eps/],
  [
    'no-custom-source',
    { checker: { type: 'custom', source: 'checker.cpp' } },
    {},
    /checker checker\.cpp does not exist/,
  ],
  ['escape-path', { checker: { type: 'custom', source: '../x.cpp' } }, {}, /inside the problem directory/],
  ['no-interactor', { interactive: true }, {}, /need "interactor"/],
  ['bad-verdict', { solutions: [{ file: 'solutions/a.cpp', expected: 'OK' }] }, {}, /solutions\.0\.expected/],
  [
    'missing-solution',
    { solutions: [{ file: 'solutions/none.cpp', expected: 'AC' }] },
    {},
    /solution solutions\/none\.cpp does not exist/,
  ],
  [
    'unknown-lang',
    { solutions: [{ file: 'solutions/a.cob', expected: 'AC' }] },
    { 'solutions/a.cob': 'DISPLAY 1.' },
    /cannot tell the language/,
  ],
  ['bad-rating', { rating: 5000 }, {}, /rating/],
  ['extra-field', { memoryLimitMB: 3 }, {}, /memoryLimitMB|Unrecognized/i],
  ['no-answer', {}, { 'tests/02.in': '1' }, /tests\/02\.in has no matching 02\.ans/],
  ['orphan-answer', {}, { 'tests/03.ans': '1' }, /tests\/03\.ans has no matching input file/],
  ['no-section', {}, { 'statement.md': '## Statement\nx\n## Input\nx\n## Examples\n' }, /no '## Output' section/],
];

for (const [id, meta, files, message] of broken) {
  test(`refuses a broken package: ${id}`, () => {
    const dir = writeProblem(root, id, meta, files);
    assert.throws(
      () => loadProblem(dir),
      (e: Error) => {
        assert.match(e.message, new RegExp(`^problem ${id}: `));
        assert.match(e.message, message);
        assert.ok(!e.message.includes('\n'), 'one line');
        return true;
      },
    );
  });
}

test('refuses a missing path, a folder without tests and a problem.json that is not JSON', () => {
  assert.throws(() => loadProblem(join(root, 'nowhere')), /problem nowhere: does not exist/);
  mkdirSync(join(root, 'empty'));
  assert.throws(() => loadProblem(join(root, 'empty')), /problem empty: \. holds no tests/);
  const dir = writeProblem(root, 'not-json', {}, {});
  writeProblem(root, 'not-json', {}, { 'problem.json': '{oops' });
  assert.throws(() => loadProblem(dir), /not valid JSON/);
});

test('problem.json needs only limits and tests: id, title, statement and solutions are optional', () => {
  const dir = join(root, 'Minimal_Problem');
  mkdirSync(join(dir, 'tests'), { recursive: true });
  writeFileSync(join(dir, 'problem.json'), JSON.stringify({ timeLimitMs: 1000, memoryLimitMb: 64 }));
  writeFileSync(join(dir, 'tests', '01.in'), '1\n');
  writeFileSync(join(dir, 'tests', '01.ans'), '1\n');
  const problem = loadProblem(dir);
  assert.equal(problem.id, 'minimal_problem'.replace('_', '-'));
  assert.deepEqual(problem.checker, { type: 'tokens' });
  assert.deepEqual(problem.solutions, []);
  assert.equal(problem.statement, '');
});

test('plain folders: NN.in/NN.ans, name.in/name.out and Polygon NN/NN.a; limits and checker from the caller', () => {
  const a = join(root, 'plain-a');
  mkdirSync(a);
  for (const [n, t] of [
    ['1.in', '1'],
    ['1.ans', '1'],
    ['2.in', '2'],
    ['2.out', '2'],
  ])
    writeFileSync(join(a, n), t);
  const p = loadProblem(a, { timeLimitMs: 3000, memoryLimitMb: 128, checker: 'lcmp' });
  assert.deepEqual(
    p.tests.map((t) => t.name),
    ['1', '2'],
  );
  assert.ok(p.tests[1].answer.endsWith('2.out'));
  assert.equal(p.timeLimitMs, 3000);
  assert.deepEqual(p.checker, { type: 'line-tokens' });
  const b = join(root, 'plain-b');
  mkdirSync(join(b, 'tests'), { recursive: true });
  for (const [n, t] of [
    ['01', '1'],
    ['01.a', '1'],
    ['10', '2'],
    ['10.a', '2'],
    ['2', '3'],
    ['2.a', '3'],
  ])
    writeFileSync(join(b, 'tests', n), t);
  const q = loadProblem(b);
  assert.deepEqual(
    q.tests.map((t) => t.name),
    ['01', '2', '10'],
  );
  assert.equal(q.timeLimitMs, 2000);
  assert.equal(q.memoryLimitMb, 256);
  assert.throws(() => loadProblem(b, { checker: 'nosuch' }), /--checker must be/);
  writeFileSync(join(b, 'tests', '11'), '4');
  assert.throws(() => loadProblem(b), /tests\/11 has no matching 11\.a/);
});
