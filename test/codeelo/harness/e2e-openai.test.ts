// End to end against a mock OpenAI-compatible server on 127.0.0.1: answers with and without code
// blocks, a 429 with retry-after, 500s, a request that hangs past the deadline, a slow stream and
// a problem whose requests always fail. Checks the attempts, verdicts, score, placement and
// rating (against the ratings module called directly) and that the report says what failed.
import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalBackend } from '../../../src/codeelo/harness/judging.ts';
import { OpenAiChatClient, PAPER_SAMPLING } from '../../../src/codeelo/harness/models.ts';
import { buildReport } from '../../../src/codeelo/harness/report.ts';
import { renderHtml } from '../../../src/codeelo/harness/report-html.ts';
import { describeAttemptOrder, runContests, type RunConfig } from '../../../src/codeelo/harness/runner.ts';
import { RunStore } from '../../../src/codeelo/harness/store.ts';
import { humansAheadOrTied } from '../../../src/codeelo/rating/contest.ts';
import { rateResults } from '../../../src/codeelo/rating/rate.ts';
import {
  answerWith,
  sandboxSkipReason,
  startMockOpenAi,
  testRunContest,
  TEST_CONTEST,
  type MockAction,
  type MockRequest,
} from './helpers.ts';

const CONTEST = {
  ...TEST_CONTEST,
  problems: [
    ...TEST_CONTEST.problems,
    { index: 'D', problem: 'delivery-days', rating: 1300, tags: ['binary search', 'greedy'], points: 2000 },
  ],
};

function script(): (req: MockRequest) => MockAction {
  const seen = new Map<string, number>();
  return (req) => {
    const key = `${req.title}#${req.seed}`;
    const n = (seen.get(key) ?? 0) + 1;
    seen.set(key, n);
    switch (req.title) {
      case 'Compact Log':
        if (req.seed === 1)
          return n === 1
            ? { kind: 'status', status: 429, retryAfter: '1' }
            : { kind: 'answer', text: 'I would scan the log once and merge equal runs, but I will not write code.' };
        if (req.seed === 2) return { kind: 'answer', text: answerWith('compact-log', 'last-run-dropped.cpp') };
        return { kind: 'answer', text: answerWith('compact-log', 'ref.cpp') };
      case 'Exactly One Divisor':
        return n === 1
          ? { kind: 'status', status: 500 }
          : { kind: 'answer', text: answerWith('exactly-one-divisor', 'ref.cpp'), chunks: 20, chunkDelayMs: 40 };
      case 'Study Pairs':
        if (req.seed === 1)
          return n === 1 ? { kind: 'hang' } : { kind: 'answer', text: answerWith('study-pairs', 'typo.cpp', '') };
        return { kind: 'answer', text: answerWith('study-pairs', 'ref.py', 'python') };
      default:
        return { kind: 'status', status: 500 };
    }
  };
}

test('end to end against a mock OpenAI-compatible server', {
  skip: sandboxSkipReason(),
  timeout: 120_000,
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lmlab-harness-e2e-'));
  const server = await startMockOpenAi(script());
  const store = new RunStore(join(dir, 'run.sqlite'), { create: true });
  try {
    const contest = testRunContest(CONTEST);
    const client = new OpenAiChatClient({
      baseUrl: server.url,
      apiKey: 'test',
      model: 'mock-coder',
      sampling: PAPER_SAMPLING,
    });
    const config: RunConfig = {
      model: 'mock-coder',
      provider: 'openai',
      baseUrl: server.url,
      prompt: 'codeelo-paper-v1',
      language: 'cpp',
      sampling: PAPER_SAMPLING,
      seed: 1,
      contestSpec: 'test',
      contests: [CONTEST.id],
      judge: 'local',
      maxAttempts: 8,
      stopAtFirstAc: true,
      attemptOrder: describeAttemptOrder(8, true),
    };
    const summary = await runContests(store, [contest], {
      config,
      client,
      backend: new LocalBackend(),
      concurrency: 4,
      retry: { retries: 2, baseDelayMs: 20, maxDelayMs: 5000, timeoutMs: 3000 },
    });
    assert.equal(summary.incomplete, 1, 'delivery-days never gets an answer');

    const report = buildReport(store, { mode: 'corrected', bootstrap: 200 });
    const lists = Object.fromEntries(report.contests[0].problems.map((p) => [p.index, p.verdicts]));
    assert.deepEqual(lists, { A: ['NC', 'WA', 'AC'], B: ['AC'], C: ['CE', 'AC'], D: [] });
    assert.deepEqual(
      report.contests[0].problems.map((p) => p.status),
      ['solved', 'solved', 'solved', 'incomplete'],
    );
    assert.deepEqual(report.incomplete, [`${CONTEST.id}D`]);
    // an unjudged problem: the contest gets no rating (its score would count D as failed)
    assert.equal(report.status, 'incomplete');
    assert.match(report.rating.contests[0].skipped ?? '', /^incomplete: D not judged/);
    assert.equal(report.rating.elo, null);

    // The 429's retry-after (1 s) is honoured although the backoff alone would be 20 ms.
    const compact = server.requests.filter((r) => r.title === 'Compact Log' && r.seed === 1);
    assert.equal(compact.length, 2);
    assert.ok(compact[1].at - compact[0].at >= 950, `retried after ${compact[1].at - compact[0].at} ms`);
    // The hung request is abandoned at the 3 s deadline and retried.
    const study = server.requests.filter((r) => r.title === 'Study Pairs' && r.seed === 1);
    assert.equal(study.length, 2);
    // The deadline runs from the client's side, so under load the server sees a slightly shorter gap.
    assert.ok(study[1].at - study[0].at >= 2000, `retried after ${study[1].at - study[0].at} ms`);
    assert.equal(server.requests.filter((r) => r.title === 'Delivery Days').length, 3, 'one request and two retries');

    // The paper's sampling and the C++ prompt reach the server.
    const body = server.requests[0].body;
    assert.equal(body.temperature, 0.7);
    assert.equal(body.top_p, 0.8);
    assert.equal(body.top_k, 20);
    assert.equal(body.repetition_penalty, 1.1);
    assert.equal(body.max_tokens, 4096);
    assert.match((body.messages as { content: string }[])[0].content, /in C\+\+ to solve it/);

    // What failed and why.
    const failed = report.failures.filter((f) => f.kind === 'generation-failed');
    assert.equal(failed.length, 1);
    assert.match(failed[0].message, /HTTP 500/);
    assert.match(failed[0].where, new RegExp(`^${CONTEST.id}D attempt 1`));
    assert.ok(report.retries >= 5, `retries ${report.retries}`);
    assert.ok(
      store.events().some((e) => e.kind === 'request-retried' && /timed out after 3000 ms/.test(e.message)),
      'the timeout is logged',
    );
    assert.equal(report.verdicts.NC, 1);
    assert.equal(report.judgedBy['local (full tests)'], 5);
    assert.equal(report.tokens.generations, 6);
    assert.equal(report.tokens.prompt, 600);

    // Score, placement and rating when asked to rate it anyway (--allow-incomplete):
    // A 500 − 2·50, B 1000, C 1500 − 50 (time 0), D nothing.
    const row = buildReport(store, { mode: 'corrected', bootstrap: 0, allowIncomplete: true }).rating.contests[0];
    assert.equal(row.points, 2850);
    assert.equal(row.solved, 3);
    assert.equal(row.place, humansAheadOrTied(contest.pack, 2850, 0) + 1);
    const direct = rateResults(
      {
        format: 'lmlab-codeelo-results',
        version: 1,
        contests: { [CONTEST.id]: { problems: { A: ['NC', 'WA', 'AC'], B: ['AC'], C: ['CE', 'AC'], D: [] } } },
      },
      new Map([[CONTEST.id, contest.pack]]),
      { mode: 'corrected', bootstrap: 0 },
    );
    assert.equal(row.rating, direct.contests[0].rating);
    assert.ok(row.rating! > 0, `rating ${row.rating}`);

    const html = renderHtml(report);
    assert.match(html, /simulated/);
    assert.match(html, /generation-failed/);
    assert.doesNotMatch(html, /(src|href)="https?:/);
  } finally {
    store.close();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
