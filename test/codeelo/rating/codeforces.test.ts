// The official Codeforces rating update: exact reproduction of real rounds, agreement of the
// fast histogram path with the plain O(n²) oracle, and the rules that are easy to get wrong
// (tie blocks, the lower edge of the search, the top group by old rating).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../../src/util/rng.ts';
import {
  codeforcesPlaces,
  codeforcesUpdate,
  fieldSeedTable,
  needRating,
  performance,
  topByOldRating,
} from '../../../src/codeelo/rating/codeforces.ts';
import { codeforcesUpdatePlain } from '../../../src/codeelo/rating/codeforces-plain.ts';
import { fieldOf, referenceRounds, syntheticField } from './helpers.ts';

const reference = referenceRounds();

for (const method of ['exact', 'fft'] as const) {
  test(`codeforces mode (${method} seeds) reproduces every official delta of the reference rounds`, (t) => {
    assert.equal(reference.rounds.length, 3);
    for (const { name, rows } of reference.rounds) {
      const update = codeforcesUpdate(fieldOf(rows), { method });
      const wrong = rows.filter((row, i) => update.deltas[i] !== row[4]);
      assert.equal(
        wrong.length,
        0,
        `${name}: ${wrong.length} of ${rows.length} deltas differ, first ${JSON.stringify(wrong[0])}`,
      );
      assert.ok(rows.length > 7000, `${name} has the full field`);
    }
  });
}

test('the plain O(n²) update agrees with the fast one on synthetic fields', () => {
  const rng = new Rng(7);
  for (const [n, icpc] of [
    [1, false],
    [2, true],
    [37, false],
    [450, true],
    [1200, false],
  ] as const) {
    const field = syntheticField(rng, n, icpc);
    const fast = codeforcesUpdate(field);
    const plain = codeforcesUpdatePlain(field);
    assert.deepEqual(Array.from(fast.deltas), Array.from(plain.deltas), `n=${n}`);
    assert.equal(fast.inc, plain.inc);
    assert.equal(fast.inc2, plain.inc2);
  }
});

test('tie blocks (equal points and penalty) share the worst place of the block', () => {
  assert.deepEqual(Array.from(codeforcesPlaces([30, 20, 20, 20, 10, 10], [0, 5, 5, 7, 0, 0])), [1, 3, 3, 4, 6, 6]);
  assert.deepEqual(Array.from(codeforcesPlaces([5], [0])), [1]);
  assert.throws(() => codeforcesPlaces([10, 20], [0, 0]), /not in order at row 2/);
  assert.throws(() => codeforcesPlaces([10, 10], [9, 3]), /not in order at row 2/);
});

test('tied participants get identical deltas when their ratings are equal', () => {
  const field = { points: [100, 50, 50, 0], penalty: [0, 0, 0, 0], ratings: [1500, 1600, 1600, 1400] };
  const update = codeforcesUpdate(field);
  assert.equal(update.places[1], 3);
  assert.equal(update.deltas[1], update.deltas[2]);
});

test('needRating is the largest R in [1, 8000) with seed(R) ≥ m, and 1 at the lower edge', () => {
  const ratings = [2400, 2000, 1800, 1500, 1500, 1200, 900];
  const seeds = fieldSeedTable(ratings);
  for (const m of [1.01, 1.7, 2.5, 4, 6.9]) {
    const got = needRating(seeds, 1500, m);
    let direct = 1;
    for (let r = 1; r < 8000; r++) if (seeds.at(r) - 1 / (1 + Math.pow(10, (r - 1500) / 400)) >= m) direct = r;
    assert.equal(got, direct, `m=${m}`);
  }
  // A place worse than anyone can be expected to take even at R = 2: the search ends at 1.
  assert.equal(needRating(seeds, 1500, 50), 1);
});

test('the top group is the 4·round(√n) highest old ratings, ties in standings order', () => {
  assert.equal(topByOldRating(new Array(100).fill(1500)).length, 40);
  assert.equal(topByOldRating(new Array(10).fill(1500)).length, 10); // min(n, 4·round(√10) = 12)
  assert.equal(topByOldRating(new Array(30).fill(0)).length, 20); // 4·round(5.48) = 20
  assert.deepEqual(
    Array.from(
      topByOldRating([
        1000, 2000, 2000, 3000, 1500, 1600, 1700, 1800, 1900, 800, 1100, 1200, 1300, 1400, 1450, 1460, 1470,
      ]),
    ),
    [3, 1, 2, 8, 7, 6, 5, 4, 16, 15, 14, 13, 12, 11, 10, 0],
  );
});

test('deltas use truncation toward zero, not floor, on negative halves', () => {
  // One participant: seed 1 (alone), place 1, m = 1; need = 7999; everything else is the corrections.
  const update = codeforcesUpdate({ points: [0], penalty: [0], ratings: [-7] });
  const need = update.needRatings[0];
  assert.equal(need, 7999);
  const d = Math.trunc((need + 7) / 2);
  const inc = Math.trunc(-d / 1) - 1;
  assert.equal(update.inc, inc);
  assert.equal(update.deltas[0], d + inc + update.inc2);
  // A loser whose (need − r) is odd and negative: −x.5 must truncate toward zero.
  let checked = 0;
  for (let r = 1000; r < 1040 && checked < 3; r++) {
    const two = codeforcesUpdate({ points: [10, 0], penalty: [0, 0], ratings: [1500, r] });
    const raw = two.needRatings[1] - r;
    if (raw >= 0 || raw % 2 === 0) continue;
    assert.equal(two.deltas[1] - two.inc - two.inc2, Math.trunc(raw / 2));
    assert.notEqual(Math.trunc(raw / 2), Math.floor(raw / 2));
    checked++;
  }
  assert.ok(checked > 0, 'found odd negative cases');
});

test('performance is the smallest rating whose official change would be ≤ 0', () => {
  const rng = new Rng(3);
  const field = syntheticField(rng, 800);
  const update = codeforcesUpdate(field, { performance: true });
  const seeds = fieldSeedTable(field.ratings);
  const correction = update.inc + update.inc2;
  for (const i of [0, 10, 200, 799]) {
    const perf = update.performances![i];
    assert.equal(perf, performance(seeds, field.ratings[i], update.places[i], correction));
    // A participant rated exactly at the performance would not gain; one point below would.
    const deltaAt = (x: number): number => {
      const seed = 1 + (seeds.sumAt(x) - 1 / (1 + Math.pow(10, (x - field.ratings[i]) / 400)));
      const need = needRating(seeds, field.ratings[i], Math.sqrt(seed * update.places[i]));
      return Math.trunc((need - x) / 2) + correction;
    };
    if (perf < 8000) assert.ok(deltaAt(perf) <= 0, `i=${i}`); // 8000 = cap: would gain even at 7999
    if (perf > -1000) assert.ok(deltaAt(perf - 1) > 0, `i=${i}`);
  }
  // For a virtual participant (not in the field) a better place never lowers the performance.
  let previous = Infinity;
  for (let place = 1; place <= 801; place += 20) {
    const perf = performance(seeds, null, place, correction);
    assert.ok(perf <= previous, `place ${place}`);
    previous = perf;
  }
  assert.ok(performance(seeds, null, 1, correction) > performance(seeds, null, 801, correction) + 1000);
});

test('bad fields give clear errors', () => {
  assert.throws(() => codeforcesUpdate({ points: [], penalty: [], ratings: [] }), /empty/);
  assert.throws(() => codeforcesUpdate({ points: [1, 0], penalty: [0, 0], ratings: [1500, 1500.5] }), /not an integer/);
  assert.throws(() => codeforcesUpdate({ points: [1], penalty: [0, 0], ratings: [1500] }), /differ in length/);
});
