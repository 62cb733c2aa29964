// Fast seeds: the histogram sum and the FFT convolution both equal the direct O(n) sum of
// seed(r), and seed(r) falls monotonically as r rises.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../../src/util/rng.ts';
import { seedDirect, WinTable, winProbability } from '../../../src/codeelo/rating/elo.ts';
import { RatingHistogram, SeedTable } from '../../../src/codeelo/rating/seeds.ts';
import { convolve } from '../../../src/codeelo/rating/fft.ts';
import { syntheticField } from './helpers.ts';

test('FFT and histogram seeds equal direct sums on random fields', () => {
  const rng = new Rng(11);
  for (const n of [1, 5, 300, 4000]) {
    const ratings = Array.from(syntheticField(rng, n).ratings);
    const histogram = RatingHistogram.fromRatings(ratings);
    const exact = new SeedTable(histogram, -1000, 8000, 'exact');
    const fft = new SeedTable(histogram, -1000, 8000, 'fft');
    for (let x = -1000; x < 8000; x += 13) {
      const direct = seedDirect(ratings, x);
      assert.ok(Math.abs(exact.at(x) - direct) < 1e-9 * n + 1e-12, `exact n=${n} x=${x}`);
      assert.ok(Math.abs(fft.at(x) - direct) < 1e-8, `fft n=${n} x=${x}: ${fft.at(x)} vs ${direct}`);
    }
    // Outside the table the exact fallback is used.
    assert.ok(Math.abs(exact.at(9500) - seedDirect(ratings, 9500)) < 1e-9);
  }
});

test('seed(r) is strictly decreasing in r and bounded by 1 and n + 1', () => {
  const rng = new Rng(12);
  const ratings = Array.from(syntheticField(rng, 2500).ratings);
  const table = new SeedTable(RatingHistogram.fromRatings(ratings), -500, 5000, 'fft');
  for (let x = -499; x < 5000; x++) {
    assert.ok(table.at(x) < table.at(x - 1), `x=${x}`);
    assert.ok(table.at(x) > 1 && table.at(x) < ratings.length + 1);
  }
});

test('the win table matches the formula and P(a beats b) + P(b beats a) = 1', () => {
  const table = new WinTable(3000);
  for (const d of [-3000, -401, -1, 0, 1, 399, 2999]) {
    assert.ok(Math.abs(table.at(d) - winProbability(1500 + d, 1500)) < 1e-15);
    assert.ok(Math.abs(table.at(d) + table.at(-d) - 1) < 1e-15);
  }
  assert.equal(table.at(0), 0.5);
  assert.equal(table.at(5000), table.at(3000)); // clamped beyond the table
});

test('convolve matches a direct convolution', () => {
  const rng = new Rng(13);
  const a = Float64Array.from({ length: 37 }, () => rng.next());
  const b = Float64Array.from({ length: 100 }, () => rng.next() - 0.5);
  const got = convolve(a, b);
  assert.equal(got.length, 136);
  for (let k = 0; k < got.length; k++) {
    let want = 0;
    for (let i = 0; i < a.length; i++) if (k - i >= 0 && k - i < b.length) want += a[i] * b[k - i];
    assert.ok(Math.abs(got[k] - want) < 1e-12, `k=${k}`);
  }
});

test('histograms reject non-integer ratings', () => {
  assert.throws(() => RatingHistogram.fromRatings([1500, 1499.5]), /not an integer/);
});
