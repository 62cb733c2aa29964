// The command line: `lmlab codeelo cf-deltas` (rounds arrays and API files, --json, --check),
// `lmlab codeelo pack` and `lmlab codeelo rate`, run as a user would, including one-line errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../../../src/util/rng.ts';
import { savePack } from '../../../src/codeelo/rating/pack.ts';
import { apiResponsesFromRound, referenceRounds, repoRoot, roundsDir, syntheticPack } from './helpers.ts';

function lmlab(...args: string[]): { code: number; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, [join(repoRoot, 'bin/lmlab.js'), ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: run.status ?? -1, stdout: run.stdout, stderr: run.stderr };
}

const reference = referenceRounds();
const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

test('cf-deltas --check passes on a reference round, from a rounds array and from API JSON', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lmlab-cli-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const { name, rows } = reference.rounds.find((r) => r.name.includes('1305'))!;
  const fromRound = lmlab('codeelo', 'cf-deltas', '--round', join(roundsDir, name), '--json', '--check');
  assert.equal(fromRound.code, 0, fromRound.stderr);
  const lines = fromRound.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.equal(lines.length, rows.length);
  assert.deepEqual(Object.keys(lines[0]), ['handle', 'oldRating', 'delta', 'performance']);
  assert.deepEqual(
    lines.map((l) => l.delta),
    rows.map((r) => r[4]),
  );
  assert.match(fromRound.stderr, new RegExp(`all ${rows.length} deltas match`));

  const api = apiResponsesFromRound(rows, 1305);
  writeFileSync(join(dir, 'standings.json'), JSON.stringify(api.standings));
  writeFileSync(join(dir, 'changes.json'), JSON.stringify(api.ratingChanges));
  const fromApi = lmlab(
    'codeelo',
    'cf-deltas',
    '--standings',
    join(dir, 'standings.json'),
    '--rating-changes',
    join(dir, 'changes.json'),
    '--check',
  );
  assert.equal(fromApi.code, 0, fromApi.stderr);
  assert.match(fromApi.stdout, /contest 1305: 7420 rated participants/);

  api.ratingChanges.result[17].newRating += 1;
  writeFileSync(join(dir, 'changes.json'), JSON.stringify(api.ratingChanges));
  const tampered = lmlab(
    'codeelo',
    'cf-deltas',
    '--standings',
    join(dir, 'standings.json'),
    '--rating-changes',
    join(dir, 'changes.json'),
    '--check',
    '--json',
  );
  assert.equal(tampered.code, 1);
  assert.match(
    tampered.stderr,
    new RegExp(`^lmlab: 1 of 7420 deltas differ from the real ones: ${escapeRegExp(rows[17][0])} \\(predicted`),
  );
});

test('cf-deltas reports truncated or missing input in one line', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lmlab-cli-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const api = apiResponsesFromRound(
    [
      ['a', 10, 0, 1500, 0],
      ['b', 0, 0, 1500, 0],
    ],
    9,
  );
  writeFileSync(join(dir, 's.json'), JSON.stringify(api.standings).slice(0, 150));
  writeFileSync(join(dir, 'c.json'), JSON.stringify(api.ratingChanges));
  const truncated = lmlab(
    'codeelo',
    'cf-deltas',
    '--standings',
    join(dir, 's.json'),
    '--rating-changes',
    join(dir, 'c.json'),
  );
  assert.equal(truncated.code, 1);
  assert.match(truncated.stderr, /^lmlab: .*s\.json: malformed JSON/);
  assert.equal(truncated.stderr.trim().split('\n').length, 1);
});

test('pack and rate work end to end, as text and JSON', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lmlab-cli-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const packs = join(dir, 'packs');
  mkdirSync(packs);
  const rng = new Rng(61);
  savePack(syntheticPack(rng, 700, 'points', 3001), join(packs, '3001.json'));
  savePack(syntheticPack(rng, 700, 'icpc', 3002), join(packs, '3002.json.gz'));
  const results = {
    format: 'lmlab-codeelo-results',
    version: 1,
    model: 'cli-model',
    contests: {
      '3001': { problems: { A: ['AC'], B: ['WA', 'AC'], C: [], D: [] } },
      '3002': { problems: { A: ['AC'], B: ['WA'], C: [], D: [] } },
    },
  };
  writeFileSync(join(dir, 'RESULTS.json'), JSON.stringify(results));
  writeFileSync(join(dir, 'hist.csv'), 'rating,count\n800,5\n1200,5\n1600,5\n2000,5\n');
  const text = lmlab(
    'codeelo',
    'rate',
    join(dir, 'RESULTS.json'),
    '--contests',
    packs,
    '--distribution',
    join(dir, 'hist.csv'),
    '--bootstrap',
    '100',
  );
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /mode: corrected/);
  assert.match(text.stdout, /^3001 +Div\. 2 +1450 /m);
  assert.match(text.stdout, /Elo: \d+\.\d/);
  assert.match(text.stdout, /95% interval, resampling contests/);
  const json = lmlab(
    'codeelo',
    'rate',
    join(dir, 'RESULTS.json'),
    '--contests',
    packs,
    '--mode',
    'compat',
    '--json',
    '--bootstrap',
    '0',
  );
  assert.equal(json.code, 0, json.stderr);
  const report = JSON.parse(json.stdout);
  assert.equal(report.mode, 'compat');
  assert.equal(report.contests.length, 2);
  assert.ok(Number.isInteger(report.contests[0].rating));

  const built = lmlab(
    'codeelo',
    'pack',
    '--round',
    join(roundsDir, reference.rounds[2].name),
    '--out',
    join(dir, 'r.json.gz'),
  );
  assert.equal(built.code, 0, built.stderr);
  assert.match(built.stdout, /contest 1352 \(other\), 13965 rated participants/);
});
