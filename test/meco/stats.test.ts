// Seed-level interval math of the MeCo report against values computed by hand: the t-interval
// over per-seed differences, the exhaustive bootstrap of B* over seeds, quantiles, verdicts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BOOTSTRAP_SAMPLES,
  budgetInterval,
  matchingBudget,
  quantile,
  seedDifferences,
  seedInterval,
  seedMean,
  seedResamples,
  signOf,
  verdictOf,
} from '../../src/meco/experiment/stats.ts';

const close = (a: number, b: number, tol = 1e-9) => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);

test('seed interval: per-seed differences, Student t with df = seeds − 1', () => {
  const a = new Map([
    [1, 3.1],
    [2, 3.2],
    [3, 3.6],
    [4, 9.9], // no partner in b: not paired, left out
  ]);
  const b = new Map([
    [1, 3.0],
    [2, 3.0],
    [3, 3.0],
  ]);
  assert.deepEqual(
    seedDifferences(a, b).map((d) => d.seed),
    [1, 2, 3],
  );
  // diffs 0.1, 0.2, 0.6: mean 0.3, sd √0.07 = 0.264575…, t(0.975, 2) = 4.302653 → half 0.657241
  const i = seedInterval(a, b);
  assert.equal(i.n, 3);
  close(i.mean, 0.3);
  close(i.half, (4.302652729911275 * Math.sqrt(0.07)) / Math.sqrt(3), 1e-6);
  close(i.half, 0.6572410608, 1e-6);
  assert.equal(signOf(i), 'inconclusive');
  // with two seeds df = 1: t = 12.7062; diffs 1.0 and 1.2 → half 12.7062 · 0.141421 / √2 = 1.27062
  const two = seedInterval(
    new Map([
      [1, 2.0],
      [2, 2.2],
    ]),
    new Map([
      [1, 1.0],
      [2, 1.0],
    ]),
  );
  close(two.mean, 1.1);
  close(two.half, 1.2706204736, 1e-6);
  // one seed: no spread, no interval, so no verdict
  const one = seedMean(new Map([[1, -0.5]]));
  assert.ok(Number.isNaN(one.half));
  assert.equal(signOf(one), 'inconclusive');
  // tight differences exclude zero
  const tight = seedMean(
    new Map([
      [1, -0.11],
      [2, -0.1],
      [3, -0.09],
    ]),
  );
  close(tight.half, (4.302652729911275 * 0.01) / Math.sqrt(3), 1e-6);
  assert.equal(signOf(tight), 'below');
});

test('verdicts: every part on its wanted side holds, a part wholly on the other side does not, else inconclusive', () => {
  const below = { low: -0.3, high: -0.1 };
  const above = { low: 0.1, high: 0.3 };
  const straddle = { low: -0.1, high: 0.1 };
  assert.equal(verdictOf([{ interval: below, want: 'below' }]), 'holds');
  assert.equal(
    verdictOf([
      { interval: below, want: 'below' },
      { interval: above, want: 'above' },
    ]),
    'holds',
  );
  assert.equal(
    verdictOf([
      { interval: below, want: 'below' },
      { interval: straddle, want: 'above' },
    ]),
    'inconclusive',
  );
  assert.equal(
    verdictOf([
      { interval: straddle, want: 'below' },
      { interval: below, want: 'above' },
    ]),
    'does not hold',
  );
  assert.equal(verdictOf([{ interval: { low: NaN, high: NaN }, want: 'below' }]), 'inconclusive');
  assert.equal(signOf({ low: 0, high: 0.2 }), 'inconclusive'); // touching zero does not exclude it
});

test('quantiles by the inverse empirical distribution', () => {
  const xs = [5, 1, 3, 2, 4];
  assert.equal(quantile(xs, 0.5), 3);
  assert.equal(quantile(xs, 0.2), 1); // F(1) = 0.2 ≥ 0.2
  assert.equal(quantile(xs, 0.21), 2);
  assert.equal(quantile(xs, 0.975), 5);
  assert.equal(quantile(xs, 0.025), 1);
  assert.ok(Number.isNaN(quantile([], 0.5)));
});

test('seed resamples: every ordered resample when few seeds, a fixed seeded sample beyond', () => {
  const three = seedResamples(3);
  assert.equal(three.length, 27);
  assert.equal(new Set(three.map((r) => r.join(','))).size, 27);
  assert.deepEqual(three[0], [0, 0, 0]);
  assert.deepEqual(three[26], [2, 2, 2]);
  assert.equal(seedResamples(2).length, 4);
  const many = seedResamples(7);
  assert.equal(many.length, BOOTSTRAP_SAMPLES);
  assert.ok(many.every((r) => r.length === 7 && r.every((i) => Number.isInteger(i) && i >= 0 && i < 7)));
  assert.deepEqual(seedResamples(7), many); // seeded: the same every time
});

test('B*: log-budget interpolation and its bootstrap interval over seeds, by hand', () => {
  const curve: Array<[number, number]> = [
    [0.5, 4],
    [1, 3.5],
    [2, 3],
  ];
  close(matchingBudget(curve, 3.25).budget, Math.SQRT2);
  close(matchingBudget(curve, 3.75).budget, Math.SQRT1_2);
  assert.deepEqual(matchingBudget(curve, 3.5), { budget: 1, bound: 'exact' });
  // identical baselines for both seeds; MeCo 3.25 (seed 1, B* = √2) and 3.75 (seed 2, B* = √½).
  // The four ordered resamples (1,1), (1,2), (2,1), (2,2) give MeCo means 3.25, 3.5, 3.5, 3.75,
  // so B* = √2, 1, 1, √½: the 2.5% percentile is √½, the 97.5% is √2, the point (mean) is 1.
  const perSeed = (l: number) =>
    new Map([
      [1, l],
      [2, l],
    ]);
  const baselines = new Map(curve.map(([b, l]) => [b, perSeed(l)]));
  const meco = new Map([
    [1, 3.25],
    [2, 3.75],
  ]);
  const bi = budgetInterval(baselines, meco);
  assert.equal(bi.resamples, 4);
  assert.equal(bi.seeds, 2);
  close(bi.point.budget, 1);
  close(bi.low, Math.SQRT1_2);
  close(bi.high, Math.SQRT2);
  assert.equal(bi.censoredAbove + bi.censoredBelow, 0);
  // a MeCo loss above the smallest budget's in one seed: that resample is censored at 0.5T
  const worse = budgetInterval(
    baselines,
    new Map([
      [1, 4.5],
      [2, 3.25],
    ]),
  );
  assert.equal(worse.censoredBelow, 1); // only (1,1): means of 4.5 and 3.25 are 3.875 < 4
  assert.equal(worse.low, 0.5);
  close(worse.high, Math.SQRT2);
  // seeds missing a budget are left out of the bootstrap
  baselines.get(2)!.delete(2);
  assert.equal(budgetInterval(baselines, meco).seeds, 1);
});
