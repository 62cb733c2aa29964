// The Codeforces client against a mock API served on 127.0.0.1 by the test itself (never the
// real site): validation, disk cache, request spacing (default 2 s), retries with backoff, and
// one-line errors for FAILED status, HTTP errors and malformed bodies.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CodeforcesClient, DEFAULT_MIN_INTERVAL_MS } from '../../../src/codeelo/cf/client.ts';
import { apiResponsesFromRound } from '../rating/helpers.ts';

type Reply = { status: number; body: string };
interface MockApi {
  baseUrl: string;
  hits: { url: string; at: number }[];
  /** Replies per path+query, consumed in order; the last one repeats. */
  script: Map<string, Reply[]>;
  close(): Promise<void>;
}

async function startMockApi(): Promise<MockApi> {
  const hits: MockApi['hits'] = [];
  const script = new Map<string, Reply[]>();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = req.url ?? '';
    hits.push({ url, at: Date.now() });
    const path = url.replace(/^\/api\//, '');
    const replies = script.get(path);
    const reply = replies
      ? replies.length > 1
        ? replies.shift()!
        : replies[0]
      : { status: 404, body: '<html>not found</html>' };
    res.writeHead(reply.status, { 'content-type': 'application/json' });
    res.end(reply.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/api`,
    hits,
    script,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const rows: [string, number, number, number, number][] = [
  ['a', 10, 0, 1500, 5],
  ['b', 0, 0, 1400, -5],
];
const api = apiResponsesFromRound(rows, 77);
const ok = (body: unknown): Reply => ({ status: 200, body: JSON.stringify(body) });
const fast = { minIntervalMs: 20, backoffMs: 5, retries: 2 };

test('standings and rating changes are validated and cached on disk', async (t) => {
  const mock = await startMockApi();
  const cacheDir = mkdtempSync(join(tmpdir(), 'lmlab-cf-cache-'));
  t.after(async () => {
    await mock.close();
    rmSync(cacheDir, { recursive: true, force: true });
  });
  mock.script.set('contest.standings?contestId=77&showUnofficial=false', [ok(api.standings)]);
  mock.script.set('contest.ratingChanges?contestId=77', [ok(api.ratingChanges)]);
  const client = new CodeforcesClient({ ...fast, baseUrl: mock.baseUrl, cacheDir });
  const standings = await client.contestStandings(77);
  const changes = await client.contestRatingChanges(77);
  assert.equal(standings.contest.id, 77);
  assert.equal(standings.rows[1].party.members[0].handle, 'b');
  assert.equal(changes[0].newRating, 1505);
  assert.equal(client.requests, 2);
  assert.equal(readdirSync(cacheDir).length, 2);
  const again = new CodeforcesClient({ ...fast, baseUrl: mock.baseUrl, cacheDir });
  assert.deepEqual(await again.contestStandings(77), standings);
  assert.equal(again.requests, 0, 'served from the cache');
  assert.equal(mock.hits.length, 2);
  // A damaged cache entry is refetched, not trusted.
  for (const name of readdirSync(cacheDir)) writeFileSync(join(cacheDir, name), '{"status":"OK","result":');
  assert.equal((await again.contestRatingChanges(77)).length, 2);
  assert.equal(again.requests, 1);
});

test('requests are spaced by the minimum interval, 2 s by default', async (t) => {
  const mock = await startMockApi();
  t.after(() => mock.close());
  mock.script.set('user.ratedList?activeOnly=false', [ok({ status: 'OK', result: [{ handle: 'a', rating: 1200 }] })]);
  mock.script.set('problemset.problems', [
    ok({ status: 'OK', result: { problems: [{ index: 'A', name: 'x', tags: [] }], problemStatistics: [] } }),
  ]);
  // Send times are taken where the client hands the request to fetch (server arrival times
  // jitter with connection set-up).
  const sent: number[] = [];
  const timedFetch: typeof fetch = (input, init) => {
    sent.push(performance.now());
    return fetch(input, init);
  };
  const client = new CodeforcesClient({ baseUrl: mock.baseUrl, minIntervalMs: 150, retries: 0, fetch: timedFetch });
  await Promise.all([client.userRatedList(), client.problemsetProblems(), client.userRatedList()]);
  assert.equal(mock.hits.length, 3);
  for (let i = 1; i < 3; i++) assert.ok(sent[i] - sent[i - 1] >= 148, `gap ${sent[i] - sent[i - 1]} ms`);

  assert.equal(DEFAULT_MIN_INTERVAL_MS, 2000);
  const polite = new CodeforcesClient({ baseUrl: mock.baseUrl });
  const started = Date.now();
  await polite.userRatedList();
  await polite.problemsetProblems();
  assert.ok(Date.now() - started >= 1990, 'the default client waits 2 s between requests');
});

test('transient failures are retried with backoff', async (t) => {
  const mock = await startMockApi();
  t.after(() => mock.close());
  mock.script.set('contest.ratingChanges?contestId=77', [
    { status: 503, body: 'busy' },
    ok({ status: 'FAILED', comment: 'Call limit exceeded' }),
    ok(api.ratingChanges),
  ]);
  const client = new CodeforcesClient({ ...fast, baseUrl: mock.baseUrl });
  assert.equal((await client.contestRatingChanges(77)).length, 2);
  assert.equal(client.requests, 3);
});

test('FAILED status, HTTP errors, malformed and mis-shaped bodies give clear errors', async (t) => {
  const mock = await startMockApi();
  t.after(() => mock.close());
  mock.script.set('contest.standings?contestId=5&showUnofficial=false', [
    {
      status: 400,
      body: JSON.stringify({ status: 'FAILED', comment: 'contestId: Contest with id 5 has not started' }),
    },
  ]);
  mock.script.set('contest.standings?contestId=6&showUnofficial=false', [
    { status: 200, body: JSON.stringify(api.standings).slice(0, 100) },
  ]);
  mock.script.set('contest.standings?contestId=7&showUnofficial=false', [ok({ status: 'OK', result: { rows: [] } })]);
  const client = new CodeforcesClient({ ...fast, baseUrl: mock.baseUrl });
  await assert.rejects(
    client.contestStandings(5),
    /contest\.standings\?contestId=5&showUnofficial=false: API returned FAILED: contestId: Contest with id 5 has not started/,
  );
  assert.equal(client.requests, 1, 'FAILED is not retried');
  await assert.rejects(client.contestStandings(6), /malformed JSON in the response .* \(gave up after 3 attempts\)/);
  assert.equal(client.requests, 4);
  await assert.rejects(client.contestStandings(7), /unexpected response shape: .* at contest/);
  await assert.rejects(client.contestRatingChanges(8), /contest\.ratingChanges\?contestId=8: HTTP 404/);
  const closed = await startMockApi();
  await closed.close(); // a port that was just released: nothing listens there
  const down = new CodeforcesClient({ ...fast, retries: 1, baseUrl: closed.baseUrl });
  await assert.rejects(down.userRatedList(), /request failed \(ECONNREFUSED\) \(gave up after 2 attempts\)/);
});
