// Problem package loader: a valid package loads with sorted tests and absolute paths; every
// kind of broken package is refused with one line naming the problem and the fault.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
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
  assert.deepEqual(sum.tests.map((t) => t.name), ['01', '02', '03']);
  assert.ok(sum.solutions.some((s) => s.expected === 'CE' && s.file.endsWith('ce.cpp')));
  const divisor = loadProblem(join(fixtures, 'divisor'));
  assert.equal(divisor.checker.type, 'custom');
  assert.ok(divisor.checker.type === 'custom' && divisor.checker.source.endsWith('/checker.cpp'));
  const guess = loadProblem(join(fixtures, 'guess'));
  assert.equal(guess.interactive, true);
  assert.ok(guess.interactor?.endsWith('interactor.cpp'));
  assert.deepEqual(listProblemDirs(fixtures).map((d) => d.split('/').pop()), ['divisor', 'guess', 'sum']);
});

test('tests sort numerically with two- and three-digit names', () => {
  const dir = writeProblem(root, 'numbering', {}, {
    'tests/100.in': '1', 'tests/100.ans': '1', 'tests/02.in': '1', 'tests/02.ans': '1', 'tests/10.in': '1', 'tests/10.ans': '1',
  });
  assert.deepEqual(loadProblem(dir).tests.map((t) => t.name), ['01', '02', '10', '100']);
});

const broken: [string, Record<string, unknown>, Record<string, string>, RegExp][] = [
  ['bad-id', { id: 'Bad_Id' }, {}, /id: must match/],
  ['id-mismatch', { id: 'other' }, {}, /differs from the directory name/],
  ['bad-checker', { checker: { type: 'fuzzy' } }, {}, /checker/],
  ['bad-eps', { checker: { type: 'float', eps: 0.01 } }, {}, /checker\.eps/],
  ['no-custom-source', { checker: { type: 'custom', source: 'checker.cpp' } }, {}, /checker checker\.cpp does not exist/],
  ['escape-path', { checker: { type: 'custom', source: '../x.cpp' } }, {}, /inside the problem directory/],
  ['no-interactor', { interactive: true }, {}, /need "interactor"/],
  ['bad-verdict', { solutions: [{ file: 'solutions/a.cpp', expected: 'OK' }] }, {}, /solutions\.0\.expected/],
  ['missing-solution', { solutions: [{ file: 'solutions/none.cpp', expected: 'AC' }] }, {}, /solution solutions\/none\.cpp does not exist/],
  ['unknown-lang', { solutions: [{ file: 'solutions/a.rs', expected: 'AC' }] }, { 'solutions/a.rs': 'fn main(){}' }, /cannot tell the language/],
  ['bad-rating', { rating: 5000 }, {}, /rating/],
  ['extra-field', { memoryLimitMB: 3 }, {}, /memoryLimitMB|Unrecognized/i],
  ['no-answer', {}, { 'tests/02.in': '1' }, /tests\/02\.in has no matching \.ans/],
  ['orphan-answer', {}, { 'tests/03.ans': '1' }, /tests\/03\.ans has no matching \.in/],
  ['no-section', {}, { 'statement.md': '## Statement\nx\n## Input\nx\n## Examples\n' }, /no '## Output' section/],
];

for (const [id, meta, files, message] of broken) {
  test(`refuses a broken package: ${id}`, () => {
    const dir = writeProblem(root, id, meta, files);
    assert.throws(() => loadProblem(dir), (e: Error) => {
      assert.match(e.message, new RegExp(`^problem ${id}: `));
      assert.match(e.message, message);
      assert.ok(!e.message.includes('\n'), 'one line');
      return true;
    });
  });
}

test('refuses a directory without problem.json and a problem.json that is not JSON', () => {
  assert.throws(() => loadProblem(join(root, 'nowhere')), /problem nowhere: problem\.json is missing/);
  const dir = writeProblem(root, 'not-json', {}, {});
  writeProblem(root, 'not-json', {}, { 'problem.json': '{oops' });
  assert.throws(() => loadProblem(dir), /not valid JSON/);
});
