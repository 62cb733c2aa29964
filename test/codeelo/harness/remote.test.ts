// The remote judging backend against a mock CodeElo submission service on 127.0.0.1: auth
// check, submission, status polling through pending states, verdict mapping, and a whole run
// judged remotely on problems that have no local tests (every verdict records its backend).
import test from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { selectContests } from '../../../src/codeelo/harness/contests.ts';
import { RemoteBackend, remoteOptionsFromEnv } from '../../../src/codeelo/harness/judging.ts';
import { PAPER_SAMPLING, ReplayClient } from '../../../src/codeelo/harness/models.ts';
import { loadDataset } from '../../../src/codeelo/harness/problems.ts';
import { buildReport } from '../../../src/codeelo/harness/report.ts';
import { describeAttemptOrder, runContests } from '../../../src/codeelo/harness/runner.ts';
import { RunStore } from '../../../src/codeelo/harness/store.ts';
import { savePack } from '../../../src/codeelo/rating/pack.ts';
import { simulatedPack, type BundledContest } from '../../../src/codeelo/harness/simulated.ts';

interface Submission {
  prob: string;
  lang: string;
  code: string;
  tag: string;
  polls: number;
}

async function mockService(token: string) {
  const submissions: Submission[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url!, 'http://127.0.0.1');
    const reply = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.headers.authorization !== `Bearer ${token}`) return reply(401, { error: 'bad token' });
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      if (url.pathname === '/check_auth') return reply(200, { ok: true });
      if (url.pathname === '/get_problem') return reply(200, { prob: url.searchParams.get('prob') });
      if (url.pathname === '/submit_code' && req.method === 'POST') {
        const s = JSON.parse(body) as Submission;
        submissions.push({ ...s, polls: 0 });
        return reply(200, { submission_id: submissions.length });
      }
      if (url.pathname === '/check_status') {
        const s = submissions[Number(url.searchParams.get('submission_id')) - 1];
        if (!s) return reply(404, { error: 'no such submission' });
        s.polls++;
        // The mock's verdict: code containing "ACCEPT" passes, anything else is WA; two pending polls first.
        const status = s.polls <= 2 ? (s.polls === 1 ? 'PENDING' : 'TESTING') : s.code.includes('ACCEPT') ? 'AC' : 'WA';
        return reply(200, { status_canonical: status });
      }
      reply(404, { error: 'unknown endpoint' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, submissions, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

test('remote judge: auth, submit, poll through pending states, verdicts per backend', { timeout: 60_000 }, async () => {
  const service = await mockService('secret');
  const dir = mkdtempSync(join(tmpdir(), 'lmlab-harness-remote-'));
  try {
    assert.throws(() => remoteOptionsFromEnv({}), /CODEELO_BASE_URL and CODEELO_TOKEN/);
    await assert.rejects(
      new RemoteBackend({
        ...remoteOptionsFromEnv({ CODEELO_BASE_URL: service.url, CODEELO_TOKEN: 'wrong' }),
        pollMs: 5,
      }).checkAuth(),
      /HTTP 401/,
    );
    const backend = new RemoteBackend({
      ...remoteOptionsFromEnv({ CODEELO_BASE_URL: `${service.url}/`, CODEELO_TOKEN: 'secret' }),
      pollMs: 5,
    });
    await backend.checkAuth();
    assert.deepEqual(await backend.getProblem('2000A'), { prob: '2000A' });

    // A real-looking contest whose problems have statements but no tests: only the remote judge can judge them.
    const contest: BundledContest = {
      id: 2000,
      name: 'Codeforces Round (Div. 2)',
      division: 'Div. 2',
      scoring: 'points',
      durationMinutes: 120,
      ratingCap: 2100,
      participants: 300,
      seed: 5,
      problems: [
        { index: 'A', problem: '-', rating: 800, tags: ['math'], points: 500 },
        { index: 'B', problem: '-', rating: 1200, tags: ['dp'], points: 1000 },
      ],
    };
    const packFile = join(dir, 'pack.json');
    savePack(simulatedPack(contest), packFile);
    const datasetFile = join(dir, 'codeelo.json');
    writeFileSync(
      datasetFile,
      JSON.stringify(
        ['A', 'B'].map((i) => ({
          problem_id: `2000${i}`,
          title: `Problem ${i}`,
          rating: 800,
          tags: [],
          description: 'd',
          input: 'i',
          output: 'o',
          interaction: i === 'B' ? 'interactive' : null,
          examples: [],
        })),
      ),
    );
    const contests = selectContests(packFile, { dataset: loadDataset(datasetFile), scratchDir: join(dir, 'ex') });
    assert.deepEqual(
      contests[0].problems.map((p) => p.localMode),
      ['none', 'none'],
    );
    const replay = new ReplayClient({
      format: 'lmlab-replay',
      answers: {
        '2000A': ['```cpp\n// wrong\n```', '```cpp\n// ACCEPT\n```'],
        '2000B': ['```python\nprint("no")\n```', 'no code', '```rust\nfn main(){}\n```'],
      },
    });
    const store = new RunStore(join(dir, 'run.sqlite'), { create: true });
    try {
      await runContests(store, contests, {
        config: {
          model: 'replay',
          provider: 'replay',
          baseUrl: null,
          prompt: 'codeelo-paper-v1',
          language: 'any',
          sampling: PAPER_SAMPLING,
          seed: 1,
          contestSpec: packFile,
          contests: [2000],
          judge: 'remote',
          maxAttempts: 8,
          stopAtFirstAc: true,
          attemptOrder: describeAttemptOrder(8, true),
        },
        client: replay,
        backend,
        concurrency: 2,
        retry: { retries: 0, baseDelayMs: 1, maxDelayMs: 1, timeoutMs: 10_000 },
      });
      const report = buildReport(store, { mode: 'corrected', bootstrap: 0 });
      assert.deepEqual(
        report.contests[0].problems.map((p) => p.verdicts),
        [
          ['WA', 'AC'],
          ['WA', 'NC', 'CE'],
        ],
      );
      assert.deepEqual(report.judgedBy, { 'remote (platform)': 3, 'none (not submitted)': 2 });
      // No-code answers and unknown languages are never submitted.
      assert.deepEqual(service.submissions.map((s) => `${s.prob}:${s.lang}`).sort(), [
        '2000A:cpp',
        '2000A:cpp',
        '2000B:python',
      ]);
      assert.equal(service.submissions.length, 3);
      assert.ok(
        service.submissions.every((s) => s.polls === 3),
        'polled through PENDING and TESTING',
      );
      assert.ok(service.submissions.every((s) => s.tag.startsWith('replay:2000')));
      assert.equal(report.rating.contests[0].points, 450);
    } finally {
      store.close();
    }
  } finally {
    await service.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
