// Ratings come only from the ratings module: the harness runs a replay model with recorded
// answers on a contest pack built from a real round's standings (problems judged on bundled
// packages named by problem id), and its per-contest rating in every mode must equal the
// ratings module called directly on the same pack and attempt lists.
import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { selectContests } from '../../../src/codeelo/harness/contests.ts';
import { LocalBackend } from '../../../src/codeelo/harness/judging.ts';
import { PAPER_SAMPLING, ReplayClient } from '../../../src/codeelo/harness/models.ts';
import { buildReport } from '../../../src/codeelo/harness/report.ts';
import { describeAttemptOrder, runContests } from '../../../src/codeelo/harness/runner.ts';
import { RunStore } from '../../../src/codeelo/harness/store.ts';
import { ContestRater } from '../../../src/codeelo/rating/contest-rating.ts';
import { scoreContest } from '../../../src/codeelo/rating/contest.ts';
import { packFromRoundsArray, savePack } from '../../../src/codeelo/rating/pack.ts';
import type { AttemptVerdict } from '../../../src/codeelo/rating/results.ts';
import { answerWith, packagesDir, sandboxSkipReason } from './helpers.ts';

const ROUND = fileURLToPath(new URL('../../fixtures/codeforces/rounds/round-1352-640-div4.json', import.meta.url));
const skip = sandboxSkipReason();

test('per-contest rating on a real round equals the ratings module called directly', {
  skip,
  timeout: 180_000,
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lmlab-harness-real-'));
  try {
    const pack = packFromRoundsArray(JSON.parse(readFileSync(ROUND, 'utf8')), {
      id: 1352,
      name: 'Codeforces Round 640 (Div. 4)',
      division: 'Div. 4',
      scoring: 'icpc',
    });
    pack.problems = [
      { index: 'A', rating: 800, tags: ['implementation'] },
      { index: 'B', rating: 900, tags: ['math'] },
      { index: 'C', rating: 1100, tags: ['greedy'] },
    ];
    const packFile = join(dir, '1352.json');
    savePack(pack, packFile);
    const packages = packagesDir(dir, 1352, { A: 'compact-log', B: 'exactly-one-divisor', C: 'study-pairs' });
    const recorded = new ReplayClient({
      format: 'lmlab-replay',
      model: 'recorded',
      answers: {
        '1352A': [answerWith('compact-log', 'ref.cpp')],
        '1352B': [
          answerWith('exactly-one-divisor', 'union-count.cpp'),
          answerWith('exactly-one-divisor', 'lcm-overflow.cpp'),
          answerWith('exactly-one-divisor', 'ref.cpp'),
        ],
        '1352C': [answerWith('study-pairs', 'adjacent-pairs.cpp'), answerWith('study-pairs', 'typo.cpp')],
      },
    });
    const expected: Record<string, AttemptVerdict[]> = { A: ['AC'], B: ['WA', 'WA', 'AC'], C: ['WA', 'CE'] };
    const store = new RunStore(join(dir, 'run.sqlite'), { create: true });
    try {
      const contests = selectContests(packFile, { packagesDir: packages, scratchDir: join(dir, 'examples') });
      assert.deepEqual(
        contests[0].problems.map((p) => p.localMode),
        ['tests', 'tests', 'tests'],
      );
      await runContests(store, contests, {
        config: {
          model: 'recorded',
          provider: 'replay',
          baseUrl: null,
          prompt: 'codeelo-paper-v1',
          language: 'cpp',
          sampling: PAPER_SAMPLING,
          seed: 1,
          contestSpec: packFile,
          contests: [1352],
          judge: 'local',
          maxAttempts: 8,
          stopAtFirstAc: true,
          attemptOrder: describeAttemptOrder(8, true),
        },
        client: recorded,
        backend: new LocalBackend(),
        concurrency: 3,
        retry: { retries: 0, baseDelayMs: 1, maxDelayMs: 1, timeoutMs: 60_000 },
      });
      const score = scoreContest(pack, expected);
      assert.deepEqual([score.points, score.penalty], [2, 20]);
      for (const mode of ['compat', 'corrected', 'codeforces'] as const) {
        const report = buildReport(store, { mode, bootstrap: 0 });
        assert.deepEqual(Object.fromEntries(report.contests[0].problems.map((p) => [p.index, p.verdicts])), expected);
        const row = report.rating.contests[0];
        const direct = new ContestRater(pack, { mode }).rate(score.points, score.penalty);
        assert.equal(row.rating, direct.rating, `mode ${mode}`);
        assert.equal(row.place, direct.place, `mode ${mode}`);
        assert.equal(row.humans, pack.field.oldRating.length);
        assert.equal(row.participants, pack.field.oldRating.length + 1);
        assert.ok(
          report.notes.every((n) => !/SIMULATED/.test(n)),
          'a real round is not labelled simulated',
        );
      }
    } finally {
      store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
