// Rating-update benchmark: Codeforces' official update (every participant's delta) on a
// synthetic 30,000-participant field and on the reference rounds, timed side by side for the
// fast histogram path (exact sums and FFT seeds) and the plain O(n²) implementation, in the
// same run and in alternating order. Prints each time, the ratio, and whether the deltas agree
// (with each other and, for real rounds, with the official ones). Also times one `corrected`
// rating per possible place of a model in the big field (what bootstrap resampling needs).
//
//   npm run bench:rating [-- --n 30000] [-- --rounds 3]
//
// It measures only the rating maths, not file loading.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from '../src/util/rng.ts';
import { codeforcesUpdate, type RatedField } from '../src/codeelo/rating/codeforces.ts';
import { codeforcesUpdatePlain } from '../src/codeelo/rating/codeforces-plain.ts';
import { ContestRater } from '../src/codeelo/rating/contest-rating.ts';
import type { ContestPack } from '../src/codeelo/rating/pack.ts';
import { median } from '../src/util/statistics.ts';

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  const value = at >= 0 ? Number(process.argv[at + 1]) : fallback;
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer`);
  return value;
}

const participants = option('n', 30_000);
const rounds = option('rounds', 3);

/** A contest-like field: ratings mostly 800–2400 with a newcomer spike, points with many ties. */
function syntheticField(n: number, seed: number): RatedField {
  const rng = new Rng(seed);
  const rows: [number, number][] = [];
  for (let i = 0; i < n; i++) {
    const rating = rng.next() < 0.15 ? 1400 : Math.max(-50, Math.round(1350 + 420 * rng.normal()));
    const skill = (rating - 1400) / 400 + rng.normal();
    const points = Math.max(0, Math.round(1500 + 900 * skill) - (Math.round(1500 + 900 * skill) % 25));
    rows.push([points, rating]);
  }
  rows.sort((a, b) => b[0] - a[0]);
  return { points: rows.map((r) => r[0]), penalty: rows.map(() => 0), ratings: rows.map((r) => r[1]) };
}

function time<T>(run: () => T): { ms: number; result: T } {
  const started = performance.now();
  const result = run();
  return { ms: performance.now() - started, result };
}

function compare(label: string, field: RatedField, official?: number[]): void {
  const exact: number[] = [];
  const fft: number[] = [];
  const plain: number[] = [];
  let deltasFast: Int32Array | undefined;
  let deltasFft: Int32Array | undefined;
  let deltasPlain: Int32Array | undefined;
  // Alternate the implementations so that machine noise hits them alike; the plain one is
  // timed once per round as well, it is the slow side.
  for (let r = 0; r < rounds; r++) {
    const a = time(() => codeforcesUpdate(field, { method: 'exact' }));
    const b = time(() => codeforcesUpdate(field, { method: 'fft' }));
    const c = time(() => codeforcesUpdatePlain(field));
    exact.push(a.ms);
    fft.push(b.ms);
    plain.push(c.ms);
    deltasFast = a.result.deltas;
    deltasFft = b.result.deltas;
    deltasPlain = c.result.deltas;
  }
  const same = (x?: Int32Array, y?: ArrayLike<number>): boolean =>
    !!x && !!y && x.length === y.length && x.every((v, i) => v === y[i]);
  const n = field.ratings.length;
  console.log(`${label}: ${n} participants, median of ${rounds} rounds`);
  console.log(`  fast, exact histogram sums: ${median(exact).toFixed(1)} ms`);
  console.log(`  fast, FFT seeds:            ${median(fft).toFixed(1)} ms`);
  console.log(`  plain O(n²):                ${median(plain).toFixed(1)} ms`);
  console.log(
    `  ratio plain / fast: ${(median(plain) / median(exact)).toFixed(1)}× (exact), ${(median(plain) / median(fft)).toFixed(1)}× (FFT)`,
  );
  console.log(
    `  deltas agree: fast = plain ${same(deltasFast, deltasPlain)}, FFT = plain ${same(deltasFft, deltasPlain)}` +
      (official ? `, fast = official ${same(deltasFast, official)}` : ''),
  );
}

console.log(`rating-update benchmark (node ${process.version})`);
const big = syntheticField(participants, 2024);
compare(`synthetic field`, big);

const roundsDir = join(new URL('..', import.meta.url).pathname, 'test', 'fixtures', 'codeforces', 'rounds');
for (const name of readdirSync(roundsDir)
  .filter((f) => f.endsWith('.json'))
  .sort()) {
  const rows = JSON.parse(readFileSync(join(roundsDir, name), 'utf8')) as [string, number, number, number, number][];
  compare(
    name,
    { points: rows.map((r) => r[1]), penalty: rows.map((r) => r[2]), ratings: rows.map((r) => r[3]) },
    rows.map((r) => r[4]),
  );
}

// A model's rating for every possible place in the big field (corrected mode, real root).
const pack: ContestPack = {
  format: 'lmlab-contest-pack',
  version: 1,
  contest: { id: 1, name: 'synthetic (Div. 2)', division: 'Div. 2' },
  scoring: 'points',
  ratings: 'effective',
  problems: [],
  field: { points: Array.from(big.points), penalty: Array.from(big.penalty), oldRating: Array.from(big.ratings) },
};
const places = time(() => {
  const rater = new ContestRater(pack, { mode: 'corrected' });
  for (let ahead = 0; ahead <= participants; ahead += Math.max(1, Math.floor(participants / 1000)))
    rater.rateAheadOrTied(ahead);
});
console.log(
  `corrected mode: seed table + 1,001 distinct places of a model in the synthetic field: ${places.ms.toFixed(1)} ms`,
);
