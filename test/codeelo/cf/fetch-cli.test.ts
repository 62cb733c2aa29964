// `lmlab codeelo fetch` against a mock API on 127.0.0.1: standings and rating changes become a
// contest pack on disk, with the responses cached.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPack } from '../../../src/codeelo/rating/pack.ts';
import { apiResponsesFromRound, repoRoot } from '../rating/helpers.ts';

test('fetch writes a pack from the API and caches the responses', async (t) => {
  const rows: [string, number, number, number, number][] = Array.from({ length: 30 }, (_, i) => [
    `u${i}`,
    3000 - 100 * i,
    0,
    1200 + 20 * i,
    0,
  ]);
  const api = apiResponsesFromRound(rows, 88);
  const server = createServer((req, res) => {
    const body = req.url?.startsWith('/api/contest.standings?contestId=88')
      ? api.standings
      : req.url?.startsWith('/api/contest.ratingChanges?contestId=88')
        ? api.ratingChanges
        : { status: 'FAILED', comment: 'unknown' };
    res.writeHead(body.status === 'OK' ? 200 : 400, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const dir = mkdtempSync(join(tmpdir(), 'lmlab-fetch-'));
  t.after(() => {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`;
  const child = spawn(
    process.execPath,
    [
      join(repoRoot, 'bin/lmlab.js'),
      'codeelo',
      'fetch',
      '88',
      '--base-url',
      baseUrl,
      '--min-interval',
      '10',
      '--cache',
      join(dir, 'cache'),
      '--out',
      join(dir, '88.json'),
    ],
    { cwd: repoRoot },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const timer = setTimeout(() => child.kill(), 60_000);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearTimeout(timer);
  assert.equal(code, 0, stderr);
  assert.match(stdout, /contest 88 \(Div\. 2\), 30 rated participants \(0 unrated rows left out\), 2 requests/);
  const pack = loadPack(join(dir, '88.json'));
  assert.equal(pack.field.oldRating[29], 1780);
  assert.equal(readdirSync(join(dir, 'cache')).length, 2);
});
