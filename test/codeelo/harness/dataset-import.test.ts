// A Parquet file in the layout of the public Codeforces test datasets (the columns documented in
// src/codeelo/harness/dataset-tests.ts and the README), written here, imports into problem
// packages and runs end to end through `lmlab codeelo run` with the replay provider: judged on
// the official tests (a solution right on the examples but wrong on a hidden test is WA), with a
// testlib checker from the dataset, and the report says "full tests" per problem.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { sandboxSkipReason } from './helpers.ts';

const BIN = fileURLToPath(new URL('../../../bin/lmlab.js', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'lmlab-dataset-import-'));
after(() => rmSync(root, { recursive: true, force: true }));

function lmlab(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 900_000 });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

// Any divisor d of n with 1 < d < n is right: only a checker can tell.
const CHECKER = `#include "testlib.h"
int main(int argc, char* argv[]) {
  registerTestlibCmd(argc, argv);
  long long n = inf.readLong();
  long long d = ouf.readLong(2, n - 1, "d");
  if (n % d != 0) quitf(_wa, "%lld does not divide %lld", d, n);
  quitf(_ok, "%lld divides %lld", d, n);
}
`;

const tests = (pairs: [string, string][]): string =>
  JSON.stringify(pairs.map(([input, output]) => ({ input, output })));

test('a dataset-shaped Parquet file imports into packages and runs through codeelo run', {
  skip: sandboxSkipReason(),
  timeout: 900_000,
}, async () => {
  const { parquetWriteBuffer } = await import('hyparquet-writer');
  const file = join(root, 'codeforces-tests.parquet');
  writeFileSync(
    file,
    Buffer.from(
      parquetWriteBuffer({
        columnData: [
          { name: 'id', data: ['990101A', '990101B', '990101C'], type: 'STRING' },
          { name: 'contest_id', data: [990101, 990101, 990101], type: 'INT32' },
          { name: 'index', data: ['A', 'B', 'C'], type: 'STRING' },
          { name: 'title', data: ['Double', 'Divisor', 'Guess'], type: 'STRING' },
          { name: 'time_limit', data: [1.0, 2.0, 1.0], type: 'DOUBLE' },
          { name: 'memory_limit', data: [256, 256, 256], type: 'INT32' },
          {
            name: 'description',
            data: ['Print 2n.', 'Print a proper divisor of n.', 'Guess the number.'],
            type: 'STRING',
          },
          { name: 'input_format', data: ['One integer n.', 'One composite n.', null], type: 'STRING' },
          { name: 'output_format', data: ['2n.', 'Any d, 1 < d < n, dividing n.', null], type: 'STRING' },
          { name: 'interaction_format', data: [null, null, 'Ask queries.'], type: 'STRING' },
          { name: 'examples', data: [tests([['1\n', '2\n']]), tests([['4\n', '2\n']]), tests([])], type: 'STRING' },
          {
            name: 'official_tests',
            data: [
              tests([
                ['1\n', '2\n'],
                ['7\n', '14\n'],
                ['1000000000\n', '2000000000\n'],
              ]),
              tests([
                ['4\n', '2\n'],
                ['15\n', '5\n'],
                ['49\n', '7\n'],
              ]),
              tests([['5\n', '5\n']]),
            ],
            type: 'STRING',
          },
          { name: 'generated_tests', data: [tests([['123\n', '246\n']]), null, null], type: 'STRING' },
          { name: 'generated_checker', data: [null, CHECKER, null], type: 'STRING' },
          { name: 'rating', data: [800, 1100, 1500], type: 'INT32' },
        ],
      }),
    ),
  );
  const packages = join(root, 'packages');
  const imported = lmlab('codeelo', 'import-tests', file, '--out', packages);
  assert.equal(imported.status, 0, imported.stderr);
  assert.match(imported.stdout, /990101A: 4 tests, token checker/);
  assert.match(imported.stdout, /990101B: 3 tests, testlib checker/);
  assert.match(imported.stdout, /990101C: skipped \(interactive/);
  assert.ok(existsSync(join(packages, '990101b', 'checker.cpp')));
  const meta = JSON.parse(readFileSync(join(packages, '990101a', 'problem.json'), 'utf8'));
  assert.equal(meta.timeLimitMs, 1000);

  const pack = join(root, '990101.json');
  writeFileSync(
    pack,
    JSON.stringify({
      format: 'lmlab-contest-pack',
      version: 1,
      contest: { id: 990101, name: 'dataset import round', division: 'Div. 2' },
      scoring: 'points',
      ratings: 'displayed',
      problems: [
        { index: 'A', points: 500, rating: 800 },
        { index: 'B', points: 1000, rating: 1100 },
      ],
      field: { points: [1500, 1000, 500, 0], penalty: [30, 20, 10, 0], oldRating: [1900, 1600, 1300, 1000] },
    }),
  );
  const fence = (code: string, tag: string): string => `Here it is.\n\n\`\`\`${tag}\n${code}\`\`\`\n`;
  const replay = join(root, 'replay.json');
  writeFileSync(
    replay,
    JSON.stringify({
      format: 'lmlab-replay',
      model: 'dataset-replay',
      answers: {
        // Right on the example (n = 1), wrong on the hidden tests.
        '990101A': [
          fence('n = int(input())\nprint(2)\n', 'python'),
          fence(
            '#include <cstdio>\nint main(){long long n;std::scanf("%lld",&n);std::printf("%lld\\n",2*n);}\n',
            'cpp',
          ),
        ],
        // Prints the smallest divisor: 3 for 15 where the stored answer says 5, so only the checker accepts it.
        '990101B': [
          fence(
            '#include <cstdio>\nint main(){long long n;std::scanf("%lld",&n);for(long long d=2;d<n;d++)if(n%d==0){std::printf("%lld\\n",d);return 0;}}\n',
            'cpp',
          ),
        ],
      },
    }),
  );
  const db = join(root, 'run.sqlite');
  const run = lmlab(
    'codeelo',
    'run',
    '--contests',
    pack,
    '--packages',
    packages,
    '--replay',
    replay,
    '--db',
    db,
    '--quiet',
    '--lang',
    'any',
    '--concurrency',
    '1',
  );
  assert.equal(run.status, 0, run.stderr + run.stdout);
  const out = join(root, 'report');
  const report = lmlab('codeelo', 'report', db, '--out', out, '--bootstrap', '0');
  assert.equal(report.status, 0, report.stderr);
  const json = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
  const problems = json.contests[0].problems as {
    key: string;
    verdicts: string[];
    judgedOn: string[];
    solved: boolean;
  }[];
  const byKey = Object.fromEntries(problems.map((p) => [p.key, p]));
  assert.deepEqual(byKey['990101A'].verdicts, ['WA', 'AC']);
  assert.deepEqual(byKey['990101B'].verdicts, ['AC']);
  for (const p of problems) assert.deepEqual([...new Set(p.judgedOn)], ['full tests']);
  assert.match(readFileSync(join(out, 'report.md'), 'utf8'), /full tests/);
});
