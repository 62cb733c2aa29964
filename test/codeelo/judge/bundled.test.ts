// Every bundled problem under problems/: it loads, its validator accepts its tests, and every
// listed solution gets exactly its expected verdict. Problems are found as they are added.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { basename, relative } from 'node:path';
import { test } from 'node:test';
import { listProblemDirs, loadProblem } from '../../../src/codeelo/judge/problem.ts';
import { judgeListedSolution, validateTests } from '../../../src/codeelo/judge/selftest.ts';
import { sandboxSkipReason } from './helpers.ts';

const problemsRoot = new URL('../../../problems/', import.meta.url).pathname;
const dirs = listProblemDirs(problemsRoot);
const skip = sandboxSkipReason() || (dirs.length === 0 ? `no bundled problems under ${problemsRoot}` : false);

test('bundled problems exist', { skip: sandboxSkipReason() }, () => {
  assert.ok(existsSync(problemsRoot), 'problems/ exists');
  assert.ok(dirs.length > 0, 'at least one problem');
});

// Several judgings in flight: the shared slot bound still allows one timed run per core only,
// and the overlap hides compilations and idle waits.
test('bundled problems: every listed solution gets its expected verdict', {
  skip,
  timeout: 600_000,
  concurrency: 3,
}, async (t) => {
  await Promise.all(
    dirs.map((dir) =>
      t.test(basename(dir), { concurrency: 2 }, async (p) => {
        const problem = loadProblem(dir);
        await Promise.all([
          p.test('validator accepts every test', async () => {
            const result = await validateTests(problem);
            assert.ok(result.ok, result.detail);
          }),
          ...problem.solutions.map((solution, i) =>
            p.test(`${relative(problem.dir, solution.file)} -> ${solution.expected}`, async () => {
              const result = await judgeListedSolution(problem, i);
              assert.equal(result.got, solution.expected, result.detail);
            }),
          ),
        ]);
      }),
    ),
  );
});
