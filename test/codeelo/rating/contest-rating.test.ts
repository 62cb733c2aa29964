// Per-contest ratings in the three modes: the paper's integer bisection equals a direct search
// over seed(r), ratings never fall as the score rises, ties are handled per mode, effective
// ratings and the participant threshold apply where they should.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../../src/util/rng.ts';
import { seedDirect } from '../../../src/codeelo/rating/elo.ts';
import {
  compatRatingDirect,
  ContestRater,
  modeRatings,
  skipReason,
  RATING_MODES,
} from '../../../src/codeelo/rating/contest-rating.ts';
import { humansAheadOrTied } from '../../../src/codeelo/rating/contest.ts';
import { packFromRoundsArray } from '../../../src/codeelo/rating/pack.ts';
import { referenceRounds, syntheticPack } from './helpers.ts';

test('compat bisection equals a direct search over seed(r) on synthetic fields', () => {
  const rng = new Rng(21);
  for (const n of [201, 600, 2000]) {
    const pack = syntheticPack(rng, n);
    const rater = new ContestRater(pack, { mode: 'compat' });
    const ratings = pack.field.oldRating;
    const ceiling = Math.max(...ratings) + 100;
    const seedAt = Array.from({ length: ceiling }, (_, r) => seedDirect(ratings, r));
    for (const m of [0, 1, 2, 5, Math.floor(n / 3), n - 1, n]) {
      const got = rater.rateAheadOrTied(m).rating;
      assert.equal(got, compatRatingDirect(ratings, m), `n=${n} m=${m}`);
      // The largest r in [0, ceiling) with seed(r) ≥ m (0 when none): the same number, found
      // by scanning instead of bisecting.
      let scan = 0;
      for (let r = 0; r < ceiling; r++) if (seedAt[r] >= m) scan = r;
      assert.equal(got, scan, `scan n=${n} m=${m}`);
    }
  }
});

test('ratings are non-decreasing in score in every mode', () => {
  const rng = new Rng(22);
  for (const scoring of ['points', 'icpc'] as const) {
    const pack = syntheticPack(rng, 1500, scoring);
    for (const mode of RATING_MODES) {
      const rater = new ContestRater(pack, { mode });
      let previous = -Infinity;
      // Walk scores from worst to best: points rising, and for equal points penalty falling.
      const scores: [number, number][] = [];
      for (let points = -100; points <= 3100; points += 50) scores.push([points, 0]);
      if (scoring === 'icpc') {
        scores.length = 0;
        for (let solved = 0; solved <= 8; solved++) for (let pen = 400; pen >= 0; pen -= 25) scores.push([solved, pen]);
      }
      for (const [points, penalty] of scores) {
        const { rating } = rater.rate(points, penalty);
        assert.ok(rating >= previous, `${scoring}/${mode}: ${points}/${penalty} gave ${rating} after ${previous}`);
        previous = rating;
      }
      assert.ok(previous > rater.rate(-100, 1000).rating, `${scoring}/${mode} rating moves at all`);
    }
  }
});

test('ties go to the humans; compat plugs in the count, the other modes the 1-based place', () => {
  const rng = new Rng(23);
  const pack = syntheticPack(rng, 900);
  const tiedPoints = pack.field.points[300];
  const aheadOrTied = humansAheadOrTied(pack, tiedPoints, 0);
  const strictlyAhead = pack.field.points.filter((p) => p > tiedPoints).length;
  const tied = pack.field.points.filter((p) => p === tiedPoints).length;
  assert.ok(tied > 1);
  assert.equal(aheadOrTied, strictlyAhead + tied);
  const compat = new ContestRater(pack, { mode: 'compat' }).rate(tiedPoints, 0);
  const corrected = new ContestRater(pack, { mode: 'corrected' }).rate(tiedPoints, 0);
  const codeforces = new ContestRater(pack, { mode: 'codeforces' }).rate(tiedPoints, 0);
  assert.equal(compat.place, aheadOrTied);
  assert.equal(corrected.place, aheadOrTied + 1); // worst place of the tie block
  assert.equal(codeforces.place, aheadOrTied + 1);
  // ICPC ties need equal penalty too: one minute less puts the model ahead of the block.
  const icpc = syntheticPack(rng, 900, 'icpc');
  const [s, pen] = [icpc.field.points[400], icpc.field.penalty[400]];
  assert.equal(
    humansAheadOrTied(icpc, s, pen - 1),
    icpc.field.points.filter((p, i) => p > s || (p === s && icpc.field.penalty[i] <= pen - 1)).length,
  );
  assert.ok(humansAheadOrTied(icpc, s, pen - 1) < humansAheadOrTied(icpc, s, pen));
});

test('corrected mode returns the real root of seed(r) = place', () => {
  const rng = new Rng(24);
  const pack = syntheticPack(rng, 2000);
  const rater = new ContestRater(pack, { mode: 'corrected' });
  const ratings = modeRatings(pack, { mode: 'corrected' });
  for (const ahead of [50, 700, 1500]) {
    const { rating, place } = rater.rateAheadOrTied(ahead);
    assert.ok(!Number.isInteger(rating));
    assert.ok(Math.abs(seedDirect(ratings, rating) - place) < 1e-6, `ahead=${ahead}`);
  }
  assert.equal(rater.rateAheadOrTied(2000).rating, 0); // behind everyone: clamped at 0
  assert.equal(rater.rateAheadOrTied(0).rating, Math.max(...ratings) + 100); // clamped on top
});

test('corrected and codeforces modes use effective ratings for displayed newcomers', () => {
  const rng = new Rng(25);
  const pack = syntheticPack(rng, 400);
  pack.field.oldRating[5] = 0;
  pack.field.oldRating[9] = 0;
  assert.equal(modeRatings(pack, { mode: 'compat' })[5], 0);
  assert.equal(modeRatings(pack, { mode: 'corrected' })[5], 1400);
  assert.equal(modeRatings(pack, { mode: 'codeforces', newcomerRating: 1500 })[9], 1500);
  const old = { ...pack, contest: { ...pack.contest, startTimeSeconds: Date.UTC(2019, 0, 1) / 1000 } };
  assert.equal(modeRatings(old, { mode: 'corrected' })[5], 0); // before the newcomer change
  assert.equal(modeRatings({ ...pack, ratings: 'effective' }, { mode: 'corrected' })[5], 0);
  // Newcomers counted at 1400 instead of 0 raise the field, so the same place rates higher.
  const compat = new ContestRater(pack, { mode: 'compat' }).rateAheadOrTied(200).rating;
  const corrected = new ContestRater(pack, { mode: 'corrected' }).rateAheadOrTied(199).rating;
  assert.ok(corrected > compat - 1);
});

test('contests with 200 or fewer rated participants are skipped with a reason', () => {
  const rng = new Rng(26);
  const small = syntheticPack(rng, 200);
  assert.match(skipReason(small, { mode: 'corrected' }) ?? '', /only 200 rated participants/);
  assert.throws(() => new ContestRater(small, { mode: 'compat' }), /cannot be rated: only 200/);
  assert.equal(skipReason(syntheticPack(rng, 201), { mode: 'compat' }), undefined);
  assert.equal(skipReason(small, { mode: 'compat', minParticipants: 100 }), undefined);
});

test('codeforces mode: a virtual participant placed like a real one performs like it', (t) => {
  const reference = referenceRounds();
  const { rows } = reference.rounds[0];
  const pack = packFromRoundsArray(rows, { id: 1305 });
  const rater = new ContestRater(pack, { mode: 'codeforces' });
  // Scoring exactly like the participant in row k (ties to humans) places the model just
  // behind that tie block; its performance must sit between the ratings the field implies.
  const mid = rater.rate(rows[2000][1], rows[2000][2]).rating;
  const top = rater.rate(rows[10][1], rows[10][2]).rating;
  const low = rater.rate(rows[6000][1], rows[6000][2]).rating;
  assert.ok(top > mid && mid > low, `${top} > ${mid} > ${low}`);
  assert.ok(top > 2600 && low < 1400, `${top}, ${low}`);
});
