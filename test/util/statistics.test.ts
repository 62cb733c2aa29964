// Student-t quantiles against published table values, and the interval rules: NaN width for a
// single value, paired differences skipping incomplete pairs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { meanInterval, median, pairedInterval, tQuantile975 } from '../../src/util/statistics.ts';

test('97.5% quantiles of Student t match the printed tables', () => {
  const table: Array<[number, number]> = [
    [1, 12.706],
    [2, 4.303],
    [3, 3.182],
    [5, 2.571],
    [10, 2.228],
    [11, 2.201],
    [30, 2.042],
    [120, 1.98],
  ];
  for (const [df, expected] of table)
    assert.ok(Math.abs(tQuantile975(df) - expected) < 5e-4, `df ${df}: ${tQuantile975(df)}`);
  assert.ok(Math.abs(tQuantile975(1e6) - 1.96) < 1e-3);
  assert.ok(Number.isNaN(tQuantile975(0)));
});

test('the interval of a sample uses n − 1 degrees of freedom', () => {
  const i = meanInterval([1, 2, 3, 4]);
  const sd = Math.sqrt(5 / 3);
  assert.equal(i.mean, 2.5);
  assert.ok(Math.abs(i.half - (3.182446 * sd) / 2) < 1e-5, String(i.half));
  assert.ok(Math.abs(i.low - (2.5 - i.half)) < 1e-12 && Math.abs(i.high - (2.5 + i.half)) < 1e-12);
});

test('one value has an unknown (NaN) interval, not a zero-width one; no value has no mean', () => {
  const one = meanInterval([0.7]);
  assert.equal(one.mean, 0.7);
  assert.ok(Number.isNaN(one.half) && Number.isNaN(one.low) && Number.isNaN(one.high));
  assert.ok(Number.isNaN(meanInterval([]).mean));
  assert.ok(Number.isNaN(meanInterval([1, Number.NaN]).mean));
});

test('paired differences skip pairs with a missing side', () => {
  const p = pairedInterval([3, 5, Number.NaN, 9, 1], [1, 2, 4, Number.POSITIVE_INFINITY]);
  assert.equal(p.n, 2);
  assert.equal(p.mean, 2.5);
  assert.ok(Math.abs(p.half - (12.7062 * Math.SQRT1_2) / Math.SQRT2) < 1e-3, String(p.half));
});

test('median: middle value, mean of the middle two, NaN when empty, input left unsorted', () => {
  const xs = [5, 1, 3];
  assert.equal(median(xs), 3);
  assert.deepEqual(xs, [5, 1, 3]);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.ok(Number.isNaN(median([])));
});
