// Shared helpers for the CodeElo rating tests: the reference rounds (public Codeforces data kept
// in the repository under test/fixtures/codeforces/) and seeded synthetic contest fields.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Rng } from '../../../src/util/rng.ts';
import type { RatedField } from '../../../src/codeelo/rating/codeforces.ts';
import type { ContestPack } from '../../../src/codeelo/rating/pack.ts';

export const repoRoot = new URL('../../../', import.meta.url).pathname;
export const fixtures = join(repoRoot, 'test', 'fixtures', 'codeforces');
export const roundsDir = join(fixtures, 'rounds');
export const histogramCsv = join(repoRoot, 'data', 'codeforces-rating-histogram.csv');

export type RoundRow = [string, number, number, number, number];

/** The three reference rounds (1305 Div. 1+2, 1350 Div. 2, 1352 Div. 4), by file name. */
export function referenceRounds(): { rounds: { name: string; rows: RoundRow[] }[] } {
  const rounds = readdirSync(roundsDir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((name) => ({ name, rows: JSON.parse(readFileSync(join(roundsDir, name), 'utf8')) as RoundRow[] }));
  return { rounds };
}

export function fieldOf(rows: RoundRow[]): RatedField {
  return { points: rows.map((r) => r[1]), penalty: rows.map((r) => r[2]), ratings: rows.map((r) => r[3]) };
}

/**
 * A random field in standings order: ratings around 1500 (some negative, some newcomers),
 * points drawn from a small set so ties are common, and a few negative scores.
 */
export function syntheticField(rng: Rng, n: number, icpc = false): RatedField {
  const rows: { points: number; penalty: number; rating: number }[] = [];
  for (let i = 0; i < n; i++) {
    const rating = rng.next() < 0.1 ? 1500 : Math.round(1400 + 450 * rng.normal());
    const points = icpc ? rng.int(8) : rng.next() < 0.05 ? 0 - 50 * rng.int(4) : 250 * rng.int(12);
    const penalty = icpc ? rng.int(40) * 10 : 0;
    rows.push({ points, penalty, rating });
  }
  rows.sort((a, b) => b.points - a.points || a.penalty - b.penalty);
  return { points: rows.map((r) => r.points), penalty: rows.map((r) => r.penalty), ratings: rows.map((r) => r.rating) };
}

/** A contest pack around a synthetic field. */
export function syntheticPack(rng: Rng, n: number, scoring: 'points' | 'icpc' = 'points', id = 2000): ContestPack {
  const field = syntheticField(rng, n, scoring === 'icpc');
  return {
    format: 'lmlab-contest-pack',
    version: 1,
    contest: { id, name: `Synthetic Round ${id} (Div. 2)`, division: 'Div. 2', startTimeSeconds: 1_720_000_000 },
    scoring,
    ratings: 'displayed',
    problems: ['A', 'B', 'C', 'D'].map((index, k) => ({
      index,
      ...(scoring === 'points' ? { points: 500 * (k + 1) } : {}),
      rating: 800 + 300 * k,
      tags: k % 2 ? ['dp', 'math'] : ['implementation'],
    })),
    field: {
      points: Array.from(field.points),
      penalty: Array.from(field.penalty),
      oldRating: Array.from(field.ratings),
    },
  };
}

/**
 * Codeforces API responses (contest.standings, contest.ratingChanges) that would describe a
 * rounds-array field: used to exercise the importers and `cf-deltas --check` on real numbers.
 */
export function apiResponsesFromRound(rows: RoundRow[], contestId: number, type: 'CF' | 'ICPC' = 'CF') {
  const standings = {
    status: 'OK',
    result: {
      contest: {
        id: contestId,
        name: `Codeforces Round (Div. 2) #${contestId}`,
        type,
        phase: 'FINISHED',
        frozen: false,
        durationSeconds: 7200,
        startTimeSeconds: 1_580_000_000,
      },
      problems: [
        {
          contestId,
          index: 'A',
          name: 'First',
          type: 'PROGRAMMING',
          ...(type === 'CF' ? { points: 500 } : {}),
          rating: 800,
          tags: ['math'],
        },
      ],
      rows: rows.map(([handle, points, penalty], i) => ({
        party: { contestId, members: [{ handle }], participantType: 'CONTESTANT', ghost: false, room: 1 },
        rank: i + 1,
        points,
        penalty,
        successfulHackCount: 0,
        unsuccessfulHackCount: 0,
        problemResults: [{ points: 0, rejectedAttemptCount: 0, type: 'FINAL' }],
      })),
    },
  };
  const ratingChanges = {
    status: 'OK',
    result: rows.map(([handle, , , oldRating, delta], i) => ({
      contestId,
      contestName: 'x',
      handle,
      rank: i + 1,
      ratingUpdateTimeSeconds: 1_580_010_000,
      oldRating,
      newRating: oldRating + delta,
    })),
  };
  return { standings, ratingChanges };
}
