// Contest packs: the compact on-disk form of everything a contest rating needs, validated with
// zod on load, plus builders from Codeforces API JSON and from the rounds-array format.
//
// Format (one JSON object per file, `.json` or gzip-compressed `.json.gz`):
//   {
//     "format": "lmlab-contest-pack", "version": 1,
//     "contest": { "id": 1971, "name": "Codeforces Round 944 (Div. 4)", "division": "Div. 4",
//                  "startTimeSeconds": 1715351700, "durationSeconds": 9000 },   // times optional
//     "scoring": "points" | "icpc",        // points-scored (problem max points) or ICPC-style
//     "ratings": "displayed" | "effective", // what field.oldRating holds (API data: displayed)
//     "problems": [ { "index": "A", "points": 500, "rating": 800, "tags": ["math"] } ],
//     "field": {                            // rated participants, in standings order, columnar
//       "points": [..], "penalty": [..], "oldRating": [..],
//       "handles": [..],                    // optional
//       "newRating": [..]                   // optional: official result, for checks
//     }
//   }
// Columns keep a 10,000-participant field near 100 KB of JSON (~35 KB gzipped); a field is
// only needed as (points, penalty, oldRating) per participant.
// It does not compute ratings; see contest-rating.ts and codeforces.ts.
import { readdirSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { basename, join } from 'node:path';
import { z } from 'zod';
import { readJsonFile } from '../../io/json.ts';
import { parseWith } from '../cf/schemas.ts';
import type { CfRatingChange, CfStandings } from '../cf/schemas.ts';
import { codeforcesPlaces } from './codeforces.ts';
import { LmlabError } from '../../util/errors.ts';
import { writeAtomic } from '../../util/atomic.ts';

export const DIVISIONS = ['Div. 1', 'Div. 1+2', 'Div. 2', 'Div. 3', 'Div. 4', 'Educational', 'other'] as const;
export type Division = (typeof DIVISIONS)[number];

const problemSchema = z.strictObject({
  index: z.string().min(1),
  name: z.string().optional(),
  points: z.number().positive().optional(),
  rating: z.number().int().optional(),
  tags: z.array(z.string()).default([]),
});
export type PackProblem = z.infer<typeof problemSchema>;

const intColumn = z.array(z.number().int());
export const contestPackSchema = z.strictObject({
  format: z.literal('lmlab-contest-pack'),
  version: z.literal(1),
  contest: z.strictObject({
    id: z.number().int().positive(),
    name: z.string(),
    division: z.enum(DIVISIONS),
    startTimeSeconds: z.number().int().optional(),
    durationSeconds: z.number().int().optional(),
  }),
  scoring: z.enum(['points', 'icpc']),
  ratings: z.enum(['displayed', 'effective']),
  problems: z.array(problemSchema),
  field: z.strictObject({
    points: z.array(z.number()),
    penalty: intColumn,
    oldRating: intColumn,
    handles: z.array(z.string()).optional(),
    newRating: intColumn.optional(),
  }),
});
export type ContestPack = z.infer<typeof contestPackSchema>;

/** Checks what zod cannot: equal column lengths, standings order, unique problem indices. */
export function validatePack(pack: ContestPack, where: string): ContestPack {
  const { field } = pack;
  const n = field.oldRating.length;
  for (const [name, column] of Object.entries(field)) {
    if (column && column.length !== n) {
      throw new LmlabError(`${where}: field.${name} has ${column.length} entries but field.oldRating has ${n}`);
    }
  }
  try {
    codeforcesPlaces(field.points, field.penalty);
  } catch (err) {
    throw new LmlabError(`${where}: ${(err as Error).message}`);
  }
  const seen = new Set<string>();
  for (const p of pack.problems) {
    if (seen.has(p.index)) throw new LmlabError(`${where}: problem index ${p.index} appears twice`);
    seen.add(p.index);
    if (pack.scoring === 'points' && p.points === undefined) {
      throw new LmlabError(`${where}: points-scored contest but problem ${p.index} has no points`);
    }
  }
  return pack;
}

export function loadPack(path: string): ContestPack {
  const pack = parseWith(contestPackSchema, readJsonFile(path), `${path}: not a valid contest pack`);
  return validatePack(pack, path);
}

export function savePack(pack: ContestPack, path: string): void {
  validatePack(pack, path);
  const text = JSON.stringify(pack);
  writeAtomic(path, path.endsWith('.gz') ? gzipSync(text) : text);
}

/** Every pack in a directory (*.json, *.json.gz), by contest id; duplicate ids are an error. */
export function loadPackDir(dir: string): Map<number, ContestPack> {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    throw new LmlabError(
      `cannot read contest directory ${dir}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
  const packs = new Map<number, ContestPack>();
  const from = new Map<number, string>();
  for (const name of names.sort()) {
    if (!name.endsWith('.json') && !name.endsWith('.json.gz')) continue;
    const path = join(dir, name);
    const pack = loadPack(path);
    const earlier = from.get(pack.contest.id);
    if (earlier) throw new LmlabError(`contest ${pack.contest.id} is in both ${earlier} and ${path}`);
    packs.set(pack.contest.id, pack);
    from.set(pack.contest.id, path);
  }
  return packs;
}

/** Division from a Codeforces contest name ("... (Div. 1 + Div. 2)", "Educational ..."). */
export function divisionFromName(name: string): Division {
  const n = name.toLowerCase();
  if (n.includes('educational')) return 'Educational';
  if (/div\.?\s*1\s*\+\s*(div\.?\s*)?2/.test(n)) return 'Div. 1+2';
  if (/div\.?\s*4/.test(n)) return 'Div. 4';
  if (/div\.?\s*3/.test(n)) return 'Div. 3';
  if (/div\.?\s*2/.test(n)) return 'Div. 2';
  if (/div\.?\s*1/.test(n)) return 'Div. 1';
  return 'other';
}

export interface BuildReport {
  pack: ContestPack;
  /** Standings rows left out because they have no rating change (unrated or unofficial). */
  unratedRows: number;
}

/**
 * A pack from contest.standings + contest.ratingChanges (results already unwrapped). The rated
 * field is the standings rows whose handle has a rating change, in standings order; a rated
 * handle missing from the standings is an error (never a silently smaller field).
 */
export function packFromApi(standings: CfStandings, ratingChanges: CfRatingChange[]): BuildReport {
  const { contest } = standings;
  if (contest.type === 'IOI') throw new LmlabError(`contest ${contest.id} is IOI-scored, which CodeElo does not rate`);
  const changes = new Map<string, CfRatingChange>();
  for (const change of ratingChanges) {
    if (change.contestId !== contest.id) {
      throw new LmlabError(
        `rating change for ${change.handle} belongs to contest ${change.contestId}, not ${contest.id}`,
      );
    }
    changes.set(change.handle.toLowerCase(), change);
  }
  if (changes.size === 0)
    throw new LmlabError(`contest ${contest.id}: no rating changes (unrated contest or not yet rated)`);
  const points: number[] = [];
  const penalty: number[] = [];
  const oldRating: number[] = [];
  const newRating: number[] = [];
  const handles: string[] = [];
  const used = new Set<string>();
  let unratedRows = 0;
  for (const row of standings.rows) {
    const members = row.party.members;
    const change = members.length === 1 ? changes.get(members[0].handle.toLowerCase()) : undefined;
    if (!change || row.party.participantType !== 'CONTESTANT') {
      unratedRows++;
      continue;
    }
    const key = change.handle.toLowerCase();
    if (used.has(key))
      throw new LmlabError(`contest ${contest.id}: handle ${change.handle} appears twice in the standings`);
    used.add(key);
    points.push(row.points);
    penalty.push(row.penalty);
    oldRating.push(change.oldRating);
    newRating.push(change.newRating);
    handles.push(change.handle);
  }
  const missing = [...changes.values()].filter((c) => !used.has(c.handle.toLowerCase()));
  if (missing.length > 0) {
    const names = missing
      .slice(0, 5)
      .map((c) => c.handle)
      .join(', ');
    throw new LmlabError(
      `contest ${contest.id}: ${missing.length} rated handles are not in the standings (${names}${missing.length > 5 ? ', ...' : ''}); were the standings fetched with showUnofficial=false and complete?`,
    );
  }
  const scoring = contest.type === 'ICPC' ? 'icpc' : 'points';
  const pack: ContestPack = {
    format: 'lmlab-contest-pack',
    version: 1,
    contest: {
      id: contest.id,
      name: contest.name,
      division: divisionFromName(contest.name),
      ...(contest.startTimeSeconds !== undefined ? { startTimeSeconds: contest.startTimeSeconds } : {}),
      durationSeconds: contest.durationSeconds,
    },
    scoring,
    ratings: 'displayed',
    problems: standings.problems.map((p) => ({
      index: p.index,
      ...(p.name ? { name: p.name } : {}),
      ...(scoring === 'points' && p.points !== undefined ? { points: p.points } : {}),
      ...(p.rating !== undefined ? { rating: p.rating } : {}),
      tags: p.tags,
    })),
    field: { points, penalty, oldRating, handles, newRating },
  };
  return { pack: validatePack(pack, `contest ${contest.id}`), unratedRows };
}

const roundsRowSchema = z.tuple([z.string(), z.number(), z.number().int(), z.number().int(), z.number().int()]);
const roundsSchema = z.array(roundsRowSchema).min(1);

/**
 * A pack from the rounds-array format: [[handle, points, penalty, oldRating(effective),
 * trueDelta], ...] in standings order. Such files carry no problems or metadata; pass them in.
 */
export function packFromRoundsArray(
  data: unknown,
  meta: { id: number; name?: string; division?: Division; scoring?: 'points' | 'icpc'; where?: string },
): ContestPack {
  const where = meta.where ?? `round ${meta.id}`;
  const rows = parseWith(
    roundsSchema,
    data,
    `${where}: not a rounds array [handle, points, penalty, oldRating, delta]`,
  );
  const name = meta.name ?? `Codeforces contest ${meta.id}`;
  const pack: ContestPack = {
    format: 'lmlab-contest-pack',
    version: 1,
    contest: { id: meta.id, name, division: meta.division ?? divisionFromName(name) },
    scoring: meta.scoring ?? (rows.some((r) => r[2] !== 0) ? 'icpc' : 'points'),
    ratings: 'effective',
    problems: [],
    field: {
      points: rows.map((r) => r[1]),
      penalty: rows.map((r) => r[2]),
      oldRating: rows.map((r) => r[3]),
      handles: rows.map((r) => r[0]),
      newRating: rows.map((r) => r[3] + r[4]),
    },
  };
  return validatePack(pack, where);
}

/** Contest id from a rounds file name such as "round-1305-....json". */
export function contestIdFromFileName(path: string): number | undefined {
  const match = /(\d{3,})/.exec(basename(path));
  return match ? Number(match[1]) : undefined;
}
