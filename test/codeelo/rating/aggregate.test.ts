// Aggregates: the paper's reference percentiles from the paper's rating histogram, unbiased
// pass@k, difficulty buckets, and bootstrap intervals.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Rng } from '../../../src/util/rng.ts';
import {
  bootstrapInterval,
  difficultyBucket,
  mean,
  passAtK,
  quantile,
  RatingDistribution,
  resampledMean,
} from '../../../src/codeelo/rating/aggregate.ts';
import { histogramCsv } from './helpers.ts';

test('percentiles reproduce the reference table from the rating histogram', () => {
  const distribution = RatingDistribution.fromCsv(readFileSync(histogramCsv, 'utf8'));
  assert.equal(distribution.total, 717421);
  const reference: [number, string][] = [
    [400, '11.9'],
    [800, '30.5'],
    [1000, '45.0'],
    [1200, '58.6'],
    [1261, '63.6'],
    [1578, '89.2'],
    [1900, '96.8'],
    [2400, '99.7'],
  ];
  for (const [rating, want] of reference)
    assert.equal(distribution.percentile(rating).toFixed(1), want, `rating ${rating}`);
  assert.equal(distribution.percentile(-53), 0); // strictly below the minimum
  assert.equal(distribution.percentile(5000), 100);
});

test('percentile counts strictly lower ratings only', () => {
  const d = new RatingDistribution(
    new Map([
      [1000, 1],
      [1200, 2],
      [1500, 1],
    ]),
  );
  assert.equal(d.percentile(1200), 25);
  assert.equal(d.percentile(1200.5), 75);
  assert.equal(d.percentile(999), 0);
  const fromList = RatingDistribution.fromRatedList({
    status: 'OK',
    result: [
      { handle: 'a', rating: 1000 },
      { handle: 'b', rating: 2000 },
    ],
  });
  assert.equal(fromList.percentile(1500), 50);
  assert.throws(() => RatingDistribution.fromCsv('rating,count\n1000,5\n12x0,3\n'), /line 3 is not "rating,count"/);
  assert.throws(() => RatingDistribution.fromRatedList({ status: 'FAILED', comment: 'nope' }), /FAILED: nope/);
});

test('pass@k is the unbiased estimator 1 − C(n−c,k)/C(n,k)', () => {
  const choose = (n: number, k: number): number => {
    let r = 1;
    for (let i = 0; i < k; i++) r = (r * (n - i)) / (i + 1);
    return r;
  };
  for (let c = 0; c <= 8; c++) {
    for (const k of [1, 2, 4, 8]) {
      const want = 1 - choose(8 - c, k) / choose(8, k);
      assert.ok(Math.abs(passAtK(8, c, k) - want) < 1e-12, `c=${c} k=${k}`);
    }
  }
  assert.ok(Math.abs(passAtK(8, 3, 1) - 3 / 8) < 1e-15);
  assert.equal(passAtK(8, 0, 8), 0);
  assert.equal(passAtK(8, 1, 8), 1);
  assert.throws(() => passAtK(4, 1, 8), /1 ≤ k ≤ n/);
  assert.throws(() => passAtK(4, 5, 1), /0 ≤ c ≤ n/);
});

test('difficulty buckets are Easy [800,1000), Medium [1000,1300), Hard [1300,3500]', () => {
  assert.equal(difficultyBucket(800), 'Easy');
  assert.equal(difficultyBucket(999), 'Easy');
  assert.equal(difficultyBucket(1000), 'Medium');
  assert.equal(difficultyBucket(1299), 'Medium');
  assert.equal(difficultyBucket(1300), 'Hard');
  assert.equal(difficultyBucket(3500), 'Hard');
  assert.equal(difficultyBucket(undefined), 'unrated');
});

test('bootstrap intervals cover the mean and shrink with less spread', () => {
  const rng = new Rng(31);
  const wide = [200, 1400, 600, 900, 1800, 300, 1100, 700];
  const narrow = wide.map((v) => 900 + (v - 900) / 10);
  const a = bootstrapInterval(2000, () => resampledMean(wide, rng));
  const b = bootstrapInterval(2000, () => resampledMean(narrow, rng));
  const m = mean(wide)!;
  assert.ok(a.low < m && m < a.high);
  assert.ok(b.high - b.low < (a.high - a.low) / 5);
  assert.equal(bootstrapInterval(5, () => 7).low, 7);
  assert.equal(quantile([1, 2, 3, 4, 5], 0.5), 3);
  assert.equal(quantile([1, 2], 0.25), 1.25);
  assert.equal(mean([]), null);
});
