// Place and interval arithmetic: a contest with no solve is placed after the last human (place
// N + 1 of N + 1), and each point estimate against its own bootstrap intervals — the contests
// interval holds the mean, and the attempt-order interval treats the observed order as one draw
// of the resampled process, also when the run stopped at the first AC.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../../src/util/rng.ts';
import { formatReport, permutedAttempts, rateResults } from '../../../src/codeelo/rating/rate.ts';
import { ContestRater } from '../../../src/codeelo/rating/contest-rating.ts';
import type { ContestPack } from '../../../src/codeelo/rating/pack.ts';
import type { CodeeloResults, AttemptVerdict } from '../../../src/codeelo/rating/results.ts';
import { syntheticPack } from './helpers.ts';

/** A synthetic pack whose humans never score below zero (as in a field without hacks). */
function nonNegativePack(rng: Rng, n: number, id: number, scoring: 'points' | 'icpc' = 'points'): ContestPack {
  const pack = syntheticPack(rng, n, scoring, id);
  const rows = pack.field.points.map((p, i) => ({
    p: Math.max(0, p),
    pen: p > 0 ? pack.field.penalty[i] : 0,
    r: pack.field.oldRating[i],
  }));
  rows.sort((a, b) => b.p - a.p || a.pen - b.pen);
  return {
    ...pack,
    field: { points: rows.map((x) => x.p), penalty: rows.map((x) => x.pen), oldRating: rows.map((x) => x.r) },
  };
}

const results = (
  contests: Record<number, Record<string, AttemptVerdict[]>>,
  run?: Record<string, unknown>,
): CodeeloResults => ({
  format: 'lmlab-codeelo-results',
  version: 1,
  ...(run ? { run } : {}),
  contests: Object.fromEntries(Object.entries(contests).map(([id, problems]) => [id, { problems }])),
});

test('no solve: placed after the last human, place N + 1 of N + 1 participants in every mode', () => {
  for (const scoring of ['points', 'icpc'] as const) {
    const pack = nonNegativePack(new Rng(7), 3000, 2100, scoring);
    const zero = results({ 2100: { A: ['WA', 'WA'], B: ['CE'], C: [], D: ['NC'] } });
    for (const mode of ['compat', 'corrected', 'codeforces'] as const) {
      const row = rateResults(zero, new Map([[2100, pack]]), { mode, bootstrap: 0 }).contests[0];
      assert.equal(row.humans, 3000);
      assert.equal(row.participants, 3001, 'the model is one of the participants');
      assert.equal(row.aheadOrTied, 3000, `${scoring}/${mode}: every human is ahead or tied`);
      assert.equal(row.place, mode === 'compat' ? 3000 : 3001, 'compat plugs in the count, as the paper code does');
      assert.ok(row.place! <= row.participants);
      const worst = new ContestRater(pack, { mode }).rateAheadOrTied(3000).rating;
      assert.equal(row.rating, worst);
    }
    const text = formatReport(rateResults(zero, new Map([[2100, pack]]), { mode: 'corrected', bootstrap: 0 }));
    assert.match(text, /3001 +3001 /);
    assert.doesNotMatch(text, /3001 +3000 /);
  }
});

test('the contests interval holds the mean; each contest interval holds its own rating when orders cannot change it', () => {
  const rng = new Rng(8);
  const packs = new Map([2200, 2201, 2202, 2203].map((id) => [id, nonNegativePack(rng, 800, id)]));
  const r = rateResults(
    results({
      2200: { A: ['AC'], B: ['AC'], C: ['WA', 'WA', 'WA', 'WA', 'WA', 'WA', 'WA', 'WA'], D: [] },
      2201: { A: ['AC'], B: ['WA', 'WA', 'WA', 'WA', 'WA', 'WA', 'WA', 'WA'], C: [], D: [] },
      2202: { A: ['AC'], B: ['AC'], C: ['AC'], D: [] },
      2203: { A: [], B: [], C: [], D: [] },
    }),
    packs,
    { mode: 'corrected', bootstrap: 400, seed: 3 },
  );
  const { contests, attemptOrder } = r.intervals;
  assert.ok(contests!.low <= r.elo! && r.elo! <= contests!.high);
  // Only first-try ACs and unsolved problems: no order changes anything, the intervals are points.
  assert.ok(Math.abs(attemptOrder!.low - r.elo!) < 1e-9 && Math.abs(attemptOrder!.high - r.elo!) < 1e-9);
  for (const row of r.contests)
    assert.ok(row.attemptOrder!.low === row.rating && row.attemptOrder!.high === row.rating);
});

test('a list that stopped at its first AC is completed to the budget before it is permuted', () => {
  const rng = new Rng(9);
  let earlier = 0;
  let unsolved = 0;
  for (let i = 0; i < 2000; i++) {
    const out = permutedAttempts(
      { A: ['WA', 'TLE', 'AC'], B: ['WA', 'WA', 'WA'], C: ['AC', 'WA', 'AC', 'WA'] },
      8,
      rng,
    );
    assert.equal(out.A.length, 8, 'stopped at the first AC: completed to 8');
    assert.ok(out.A.every((v) => ['WA', 'TLE', 'AC'].includes(v)));
    assert.deepEqual([...out.B].sort(), ['WA', 'WA', 'WA'], 'no AC: nothing to complete');
    assert.deepEqual([...out.C].sort(), ['AC', 'AC', 'WA', 'WA'], 'judged past the first AC: permuted as is');
    if (out.A.indexOf('AC') < 2) earlier++;
    if (!out.A.includes('AC')) unsolved++;
  }
  assert.equal(unsolved, 0, 'the observed AC stays in the list');
  assert.ok(
    earlier > 1000 && earlier < 2000,
    `the AC moves before its observed slot in part of the draws (${earlier})`,
  );
  // A list already at the budget is only permuted.
  const full = permutedAttempts({ A: ['WA', 'AC'] }, 2, rng);
  assert.deepEqual([...full.A].sort(), ['AC', 'WA']);
});

test('stop-at-first-AC runs: the observed order is a typical draw, not the worst one', () => {
  // Runs drawn from a known process (per-problem solve probability, attempts until the first AC,
  // budget 8): the point estimate must fall inside its own 95% attempt-order interval about as
  // often as the level says. Permuting the stopped lists alone put it at or below the interval's
  // low end in almost every run (the AC is always last in such a list).
  const rng = new Rng(10);
  const packs = new Map([2300, 2301, 2302].map((id) => [id, nonNegativePack(rng, 1200, id, 'icpc')]));
  const p = [0.9, 0.4, 0.25, 0.1];
  let inside = 0;
  let belowAll = 0;
  const runs = 80;
  for (let run = 0; run < runs; run++) {
    const contests: Record<number, Record<string, AttemptVerdict[]>> = {};
    for (const id of packs.keys()) {
      contests[id] = {};
      ['A', 'B', 'C', 'D'].forEach((index, k) => {
        const list: AttemptVerdict[] = [];
        while (list.length < 8 && !list.includes('AC')) list.push(rng.next() < p[k] ? 'AC' : 'WA');
        contests[id][index] = list;
      });
    }
    const r = rateResults(results(contests, { maxAttempts: 8 }), packs, {
      mode: 'corrected',
      bootstrap: 200,
      seed: run + 1,
    });
    const order = r.intervals.attemptOrder!;
    if (order.low <= r.elo! && r.elo! <= order.high) inside++;
    if (r.elo! < order.low) belowAll++;
    for (const row of r.contests) assert.ok(row.attemptOrder!.low <= row.attemptOrder!.high);
  }
  assert.ok(inside >= 0.85 * runs, `point estimate inside its attempt-order interval in ${inside} of ${runs} runs`);
  assert.ok(belowAll <= 0.1 * runs, `point estimate below the interval in ${belowAll} of ${runs} runs`);
});
