// Importers of saved API JSON: the envelope and the bare result are both accepted, and
// truncated files, FAILED responses and wrong shapes are named in one line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseRatedList, readRatingChanges, readStandings } from '../../../src/codeelo/cf/import.ts';
import { apiResponsesFromRound } from '../rating/helpers.ts';

test('files with the API envelope or the bare result import the same', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lmlab-import-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const api = apiResponsesFromRound(
    [
      ['a', 10, 0, 1500, 5],
      ['b', 0, 0, 1400, -5],
    ],
    12,
  );
  writeFileSync(join(dir, 'env.json'), JSON.stringify(api.standings));
  writeFileSync(join(dir, 'bare.json'), JSON.stringify(api.standings.result));
  assert.deepEqual(readStandings(join(dir, 'env.json')), readStandings(join(dir, 'bare.json')));
  writeFileSync(join(dir, 'changes.json'), JSON.stringify(api.ratingChanges.result));
  assert.equal(readRatingChanges(join(dir, 'changes.json'))[1].oldRating, 1400);
  writeFileSync(join(dir, 'cut.json'), JSON.stringify(api.ratingChanges).slice(0, -30));
  assert.throws(() => readRatingChanges(join(dir, 'cut.json')), /cut\.json: malformed JSON/);
  writeFileSync(
    join(dir, 'failed.json'),
    JSON.stringify({ status: 'FAILED', comment: 'contestId: Rating changes are unavailable for this contest' }),
  );
  assert.throws(
    () => readRatingChanges(join(dir, 'failed.json')),
    /failed\.json: API returned FAILED: contestId: Rating changes are unavailable/,
  );
  writeFileSync(join(dir, 'wrong.json'), JSON.stringify(api.ratingChanges));
  assert.throws(() => readStandings(join(dir, 'wrong.json')), /wrong\.json: not a contest\.standings result/);
  assert.equal(
    parseRatedList({ status: 'OK', result: [{ handle: 'x', rating: 2000, contribution: 3 }] })[0].rating,
    2000,
  );
  assert.throws(() => parseRatedList([{ handle: 'x' }]), /at \[0\]\.rating/);
});
