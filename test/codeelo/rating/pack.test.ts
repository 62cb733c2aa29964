// Contest packs: builders from API JSON and rounds arrays, the on-disk round trip (plain and
// gzip), and clear errors for malformed, truncated or inconsistent input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, statSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../../../src/util/rng.ts';
import {
  contestIdFromFileName,
  divisionFromName,
  loadPack,
  loadPackDir,
  packFromApi,
  packFromRoundsArray,
  savePack,
} from '../../../src/codeelo/rating/pack.ts';
import { parseRatingChanges, parseStandings } from '../../../src/codeelo/cf/import.ts';
import { apiResponsesFromRound, referenceRounds, syntheticPack, type RoundRow } from './helpers.ts';

const rows: RoundRow[] = [
  ['alice', 3000, 0, 2100, 30],
  ['bob', 2500, 0, 1800, 12],
  ['carol', 2500, 0, 1500, 40],
  ['dave', 0, 0, 1400, -20],
];

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'lmlab-pack-'));
}

test('a pack built from API JSON keeps the rated field in standings order', () => {
  const api = apiResponsesFromRound(rows, 1500);
  // An unofficial row and an unrated row are left out of the field.
  api.standings.result.rows.splice(1, 0, {
    ...api.standings.result.rows[0],
    party: { ...api.standings.result.rows[0].party, members: [{ handle: 'ghost' }] },
  });
  const { pack, unratedRows } = packFromApi(parseStandings(api.standings), parseRatingChanges(api.ratingChanges));
  assert.equal(unratedRows, 1);
  assert.deepEqual(pack.field.handles, ['alice', 'bob', 'carol', 'dave']);
  assert.deepEqual(pack.field.oldRating, [2100, 1800, 1500, 1400]);
  assert.deepEqual(pack.field.newRating, [2130, 1812, 1540, 1380]);
  assert.equal(pack.scoring, 'points');
  assert.equal(pack.ratings, 'displayed');
  assert.equal(pack.contest.division, 'Div. 2');
  assert.deepEqual(pack.problems, [{ index: 'A', name: 'First', points: 500, rating: 800, tags: ['math'] }]);
});

test('API builders refuse rated handles missing from the standings and foreign contests', () => {
  const api = apiResponsesFromRound(rows, 1500);
  api.standings.result.rows.pop();
  assert.throws(
    () => packFromApi(parseStandings(api.standings), parseRatingChanges(api.ratingChanges)),
    /1 rated handles are not in the standings \(dave\)/,
  );
  const other = apiResponsesFromRound(rows, 1501);
  assert.throws(
    () => packFromApi(parseStandings(api.standings), parseRatingChanges(other.ratingChanges)),
    /belongs to contest 1501, not 1500/,
  );
  const ioi = apiResponsesFromRound(rows, 1500);
  (ioi.standings.result.contest as { type: string }).type = 'IOI';
  assert.throws(() => packFromApi(parseStandings(ioi.standings), parseRatingChanges(ioi.ratingChanges)), /IOI-scored/);
  assert.throws(() => packFromApi(parseStandings(api.standings), []), /no rating changes/);
});

test('API JSON that is FAILED, truncated in shape or wrongly typed gives one clear line', () => {
  assert.throws(
    () => parseStandings({ status: 'FAILED', comment: 'contestId: Contest with id 99999 not found' }),
    /FAILED: contestId: Contest with id 99999 not found/,
  );
  const api = apiResponsesFromRound(rows, 1500);
  const broken = structuredClone(api.ratingChanges) as { result: Record<string, unknown>[] };
  broken.result[2].oldRating = '1500';
  assert.throws(
    () => parseRatingChanges(broken, 'changes.json'),
    /changes\.json: not a contest\.ratingChanges result: .* at \[2\]\.oldRating/,
  );
  assert.throws(
    () => parseStandings({ status: 'OK', result: { contest: api.standings.result.contest } }),
    /at problems/,
  );
});

test('packs round-trip through .json and .json.gz, and a field costs little space', (t) => {
  const dir = tempDir();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const pack = syntheticPack(new Rng(41), 10_000);
  savePack(pack, join(dir, 'a.json'));
  savePack({ ...pack, contest: { ...pack.contest, id: 2001 } }, join(dir, 'b.json.gz'));
  assert.deepEqual(loadPack(join(dir, 'a.json')), pack);
  assert.equal(loadPack(join(dir, 'b.json.gz')).field.oldRating.length, 10_000);
  assert.ok(statSync(join(dir, 'b.json.gz')).size < 40_000, 'gzip pack of 10,000 participants under 40 KB');
  const all = loadPackDir(dir);
  assert.deepEqual([...all.keys()].sort(), [2000, 2001]);
  savePack(pack, join(dir, 'c.json'));
  assert.throws(() => loadPackDir(dir), /contest 2000 is in both .*a\.json and .*c\.json/);
});

test('loading a malformed pack names the file and the problem', (t) => {
  const dir = tempDir();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const good = JSON.stringify(syntheticPack(new Rng(42), 300));
  const write = (name: string, text: string): string => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };
  assert.throws(() => loadPack(write('cut.json', good.slice(0, good.length / 2))), /cut\.json: malformed JSON/);
  assert.throws(() => loadPack(write('gz.json.gz', 'not gzip')), /gz\.json\.gz: not valid gzip/);
  assert.throws(() => loadPack(join(dir, 'absent.json')), /cannot read .*absent\.json: ENOENT/);
  assert.throws(() => loadPackDir(join(dir, 'nowhere')), /cannot read contest directory .*nowhere: ENOENT/);
  const pack = JSON.parse(good);
  assert.throws(
    () => loadPack(write('fmt.json', JSON.stringify({ ...pack, format: 'other' }))),
    /fmt\.json: not a valid contest pack: .* at format/,
  );
  pack.field.penalty.pop();
  assert.throws(
    () => loadPack(write('len.json', JSON.stringify(pack))),
    /field\.penalty has 299 entries but field\.oldRating has 300/,
  );
  pack.field.penalty.push(0);
  [pack.field.points[0], pack.field.points[250]] = [pack.field.points[250], pack.field.points[0]];
  assert.throws(() => loadPack(write('order.json', JSON.stringify(pack))), /standings are not in order at row/);
  [pack.field.points[0], pack.field.points[250]] = [pack.field.points[250], pack.field.points[0]];
  delete pack.problems[1].points;
  assert.throws(() => loadPack(write('pts.json', JSON.stringify(pack))), /problem B has no points/);
});

test('rounds arrays become packs with effective ratings and real new ratings', (t) => {
  const pack = packFromRoundsArray(rows, { id: 1500 });
  assert.equal(pack.ratings, 'effective');
  assert.equal(pack.scoring, 'points');
  assert.deepEqual(pack.field.newRating, [2130, 1812, 1540, 1380]);
  assert.equal(packFromRoundsArray([['x', 3, 50, 1500, 5]], { id: 7 }).scoring, 'icpc');
  assert.throws(
    () => packFromRoundsArray([['x', 3, 1500, 5]], { id: 7, where: 'r.json' }),
    /r\.json: not a rounds array .* at \[0\]/,
  );
  assert.throws(() => packFromRoundsArray([], { id: 7 }), /not a rounds array/);
  assert.equal(contestIdFromFileName('round-1305-ozon-2020-div1+2.json'), 1305);
  const reference = referenceRounds();
  for (const { name, rows: real } of reference.rounds) {
    assert.equal(packFromRoundsArray(real, { id: contestIdFromFileName(name)! }).field.oldRating.length, real.length);
  }
});

test('divisions are read from contest names', () => {
  assert.equal(divisionFromName('Codeforces Round 944 (Div. 4)'), 'Div. 4');
  assert.equal(divisionFromName('Codeforces Round #641 (Div. 2)'), 'Div. 2');
  assert.equal(divisionFromName('Ozon Tech Challenge 2020 (Div.1 + Div.2)'), 'Div. 1+2');
  assert.equal(divisionFromName('Codeforces Round 980 (Div. 1)'), 'Div. 1');
  assert.equal(divisionFromName('Codeforces Round 981 (Div. 3)'), 'Div. 3');
  assert.equal(divisionFromName('Educational Codeforces Round 170 (Rated for Div. 2)'), 'Educational');
  assert.equal(divisionFromName('Good Bye 2023'), 'other');
});
