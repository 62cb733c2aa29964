// The model's contest score and the `rate` pipeline over RESULTS.json and packs:
// scoring rules for both contest types, per-contest rows, skips with reasons, aggregates,
// bootstrap intervals, and clear errors for results that do not match the packs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../../src/util/rng.ts';
import { scoreContest } from '../../../src/codeelo/rating/contest.ts';
import { parseResults, type CodeeloResults } from '../../../src/codeelo/rating/results.ts';
import { formatReport, rateResults } from '../../../src/codeelo/rating/rate.ts';
import { ContestRater } from '../../../src/codeelo/rating/contest-rating.ts';
import { RatingDistribution } from '../../../src/codeelo/rating/aggregate.ts';
import { syntheticPack } from './helpers.ts';

test('points-scored contests: max(0, points − 50·k) for solved problems, time taken as 0', () => {
  const pack = syntheticPack(new Rng(51), 250); // A 500, B 1000, C 1500, D 2000
  const score = scoreContest(pack, {
    A: ['WA', 'CE', 'AC'], // 500 − 100
    B: ['AC', 'WA'], // attempts after the first AC do not count
    C: ['WA', 'WA', 'WA', 'WA', 'WA', 'WA', 'WA', 'WA'], // unsolved
    D: [],
  });
  assert.equal(score.points, 400 + 1000);
  assert.equal(score.penalty, 0);
  assert.equal(score.solved, 2);
  assert.deepEqual(
    score.problems.map((p) => p.failedBefore),
    [2, 0, 8, 0],
  );
  // A solved problem never scores below zero.
  const cheap = { ...pack, problems: pack.problems.map((p) => ({ ...p, points: 250 })) };
  assert.equal(scoreContest(cheap, { A: ['NC', 'NC', 'NC', 'NC', 'NC', 'NC', 'AC'], B: [], C: [], D: [] }).points, 0);
});

test('ICPC-style contests: solved count and 10 penalty minutes per failed attempt', () => {
  const pack = syntheticPack(new Rng(52), 250, 'icpc');
  const score = scoreContest(pack, { A: ['AC'], B: ['TLE', 'RE', 'AC'], C: ['WA'], D: ['CE', 'AC'] });
  assert.equal(score.points, 3);
  assert.equal(score.penalty, 20 + 10);
});

test('results naming unknown problems or leaving problems out are errors', () => {
  const pack = syntheticPack(new Rng(53), 250);
  assert.throws(
    () => scoreContest(pack, { A: [], B: [], C: [], D: [], E: ['AC'] }),
    /problems the pack does not have: E/,
  );
  assert.throws(() => scoreContest(pack, { A: ['AC'] }), /no attempts for problems B, C, D/);
});

test('the results schema rejects bad verdicts, too many attempts and bad contest ids', () => {
  const base = { format: 'lmlab-codeelo-results', version: 1, contests: { '2000': { problems: { A: ['AC'] } } } };
  assert.equal(parseResults(base).contests['2000'].problems.A[0], 'AC');
  const bad = (contests: unknown) => parseResults({ ...base, contests }, 'R.json');
  assert.throws(
    () => bad({ '2000': { problems: { A: ['Accepted'] } } }),
    /R\.json: not a valid CodeElo results file: .* at contests\.2000\.problems\.A\[0\]/,
  );
  assert.throws(() => bad({ '2000': { problems: { A: new Array(9).fill('WA') } } }), /at contests\.2000\.problems\.A/);
  assert.throws(() => bad({ abc: { problems: {} } }), /contest ids are decimal integers/);
  assert.throws(() => bad({}), /lists no contests/);
});

function fixture() {
  const rng = new Rng(54);
  const packs = new Map([
    [2000, syntheticPack(rng, 900, 'points', 2000)],
    [
      2001,
      {
        ...syntheticPack(rng, 1200, 'icpc', 2001),
        contest: { id: 2001, name: 'Synthetic Round 2001 (Div. 3)', division: 'Div. 3' as const },
      },
    ],
    [2002, syntheticPack(rng, 150, 'points', 2002)],
  ]);
  const results: CodeeloResults = {
    format: 'lmlab-codeelo-results',
    version: 1,
    model: 'toy-model',
    run: { seed: 3, language: 'cpp' },
    contests: {
      '2000': {
        problems: {
          A: ['WA', 'AC', 'AC', 'AC', 'WA', 'AC', 'AC', 'AC'],
          B: ['WA', 'WA', 'AC', 'WA', 'WA', 'WA', 'WA', 'WA'],
          C: new Array(8).fill('WA'),
          D: [],
        },
      },
      '2001': { problems: { A: ['AC'], B: ['CE', 'AC'], C: ['WA', 'WA'], D: [] } },
      '2002': { problems: { A: ['AC'], B: [], C: [], D: [] } },
    },
  };
  return { packs, results };
}

test('rate: per-contest rows, skipped small contests, Elo as the mean, aggregates', () => {
  const { packs, results } = fixture();
  const distribution = new RatingDistribution(
    new Map([
      [500, 10],
      [1000, 10],
      [1500, 10],
      [2000, 10],
    ]),
  );
  const report = rateResults(results, packs, { mode: 'corrected', bootstrap: 200, seed: 5, distribution });
  assert.equal(report.contests.length, 3);
  const [a, b, c] = report.contests;
  assert.equal(a.points, 450 + 900);
  assert.equal(b.points, 2);
  assert.equal(b.penalty, 10);
  assert.match(c.skipped ?? '', /only 150 rated participants/);
  assert.equal(c.rating, null);
  assert.equal(report.ratedContests, 2);
  const ratingA = new ContestRater(packs.get(2000)!, { mode: 'corrected' }).rate(1350, 0).rating;
  assert.equal(a.rating, ratingA);
  assert.ok(Math.abs(report.elo! - (a.rating! + b.rating!) / 2) < 1e-9);
  assert.equal(report.percentile, distribution.percentile(report.elo!));
  assert.deepEqual(
    report.perDivision.map((d) => d.division),
    ['Div. 2', 'Div. 3'],
  );
  // Difficulty: ratings 800 (Easy), 1100 (Medium), 1400 and 1700 (Hard), three contests.
  assert.deepEqual(
    report.byDifficulty.map((s) => [s.label, s.solved, s.attempted]),
    [
      ['Easy', 3, 3],
      ['Medium', 2, 3],
      ['Hard', 0, 6],
    ],
  );
  assert.deepEqual(
    report.byTag.find((s) => s.label === 'implementation'),
    { label: 'implementation', attempted: 6, solved: 3, rate: 0.5 },
  );
  // pass@1 over problems with ≥ 1 sample: 2000A 6/8, 2000B 1/8, 2000C 0, 2001A 1, 2001B 1/2, 2001C 0, 2002A 1.
  const pass1 = report.passAtK.find((p) => p.k === 1)!;
  assert.equal(pass1.problems, 7);
  assert.ok(Math.abs(pass1.value - (6 / 8 + 1 / 8 + 0 + 1 + 0.5 + 0 + 1) / 7) < 1e-12);
  assert.equal(report.passAtK.find((p) => p.k === 8)!.problems, 3);
  const { contests, attemptOrder } = report.intervals;
  assert.ok(contests && contests.low <= report.elo! && report.elo! <= contests.high);
  assert.ok(attemptOrder && attemptOrder.high > attemptOrder.low, 'shuffling 2000A/B moves the rating');
  const again = rateResults(results, packs, { mode: 'corrected', bootstrap: 200, seed: 5, distribution });
  assert.deepEqual(again.intervals, report.intervals);
  const text = formatReport(report);
  assert.match(text, /CodeElo rating of toy-model \(mode: corrected\)/);
  assert.match(text, /2002 .*skipped: only 150 rated participants/);
  assert.match(text, /percentile: /);
  assert.match(text, /run: seed=3, language=cpp/);
  assert.equal(report.bootstrapSeed, 5);
  assert.match(text, /pass@1 /);
});

test('rate: the three modes differ as documented and a missing pack is an error', () => {
  const { packs, results } = fixture();
  const compat = rateResults(results, packs, { mode: 'compat', bootstrap: 0 });
  const corrected = rateResults(results, packs, { mode: 'corrected', bootstrap: 0 });
  const codeforces = rateResults(results, packs, { mode: 'codeforces', bootstrap: 0 });
  assert.equal(compat.contests[0].place! + 1, corrected.contests[0].place);
  assert.ok(Number.isInteger(compat.contests[0].rating) && Number.isInteger(codeforces.contests[0].rating));
  assert.deepEqual(compat.intervals, {});
  packs.delete(2001);
  assert.throws(() => rateResults(results, packs, { mode: 'compat' }), /no contest pack for contest 2001/);
});

test('a contest with problems listed as incomplete gets no rating unless allowed; the table says so', () => {
  const packs = new Map([
    [2000, syntheticPack(new Rng(7), 400, 'points', 2000)],
    [2001, syntheticPack(new Rng(8), 400, 'points', 2001)],
  ]);
  const results = parseResults({
    format: 'lmlab-codeelo-results',
    version: 1,
    status: 'incomplete',
    incomplete: { 2001: ['C'] },
    contests: {
      2000: { problems: { A: ['AC'], B: ['WA', 'AC'], C: [], D: [] } },
      2001: { problems: { A: ['AC'], B: ['AC'], C: [], D: [] } },
    },
  });
  const strict = rateResults(results, packs, { mode: 'corrected', bootstrap: 0 });
  assert.equal(strict.ratedContests, 1);
  assert.match(strict.contests[1].skipped ?? '', /^incomplete: C not judged/);
  assert.equal(strict.contests[1].rating, null);
  assert.equal(strict.elo, strict.contests[0].rating);
  assert.match(formatReport(strict), /^INCOMPLETE RUN: 1 problem\(s\) not judged \(2001C\)/m);
  const allowed = rateResults(results, packs, { mode: 'corrected', bootstrap: 0, allowIncomplete: true });
  assert.equal(allowed.ratedContests, 2);
  assert.equal(typeof allowed.contests[1].rating, 'number');
});
