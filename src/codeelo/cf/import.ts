// Importers for Codeforces API JSON saved to files: contest.standings, contest.ratingChanges and
// user.ratedList, each either the full API envelope ({status, result}) or the bare result.
// Errors name the file and the first thing wrong (truncated JSON, FAILED status, wrong shape).
// It does no network I/O; see client.ts.
import { parseWith, unwrapEnvelope, cfRatedListSchema, cfRatingChangesSchema, cfStandingsSchema } from './schemas.ts';
import type { CfRatedUser, CfRatingChange, CfStandings } from './schemas.ts';
import { readJsonFile } from '../../io/json.ts';

function resultOf(data: unknown, where: string): unknown {
  const isEnvelope = typeof data === 'object' && data !== null && !Array.isArray(data) && 'status' in data;
  return isEnvelope ? unwrapEnvelope(data, where) : data;
}

export function parseStandings(data: unknown, where = 'contest.standings'): CfStandings {
  return parseWith(cfStandingsSchema, resultOf(data, where), `${where}: not a contest.standings result`);
}

export function parseRatingChanges(data: unknown, where = 'contest.ratingChanges'): CfRatingChange[] {
  return parseWith(cfRatingChangesSchema, resultOf(data, where), `${where}: not a contest.ratingChanges result`);
}

export function parseRatedList(data: unknown, where = 'user.ratedList'): CfRatedUser[] {
  return parseWith(cfRatedListSchema, resultOf(data, where), `${where}: not a user.ratedList result`);
}

export function readStandings(path: string): CfStandings {
  return parseStandings(readJsonFile(path), path);
}

export function readRatingChanges(path: string): CfRatingChange[] {
  return parseRatingChanges(readJsonFile(path), path);
}
