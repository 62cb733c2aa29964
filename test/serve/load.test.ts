// A bounded loopback load test: 16 concurrent streaming clients, two rounds (32 requests), each
// with its own prompt, against a server admitting 4 at a time with 8 waiting. Every request
// either completes with exactly the text and usage its prompt gives alone (no lost or mixed-up
// streams) or is refused with 429 and Retry-After; the server ends with nothing active.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rawPost, startServer, writeTinyChatModel, type Running } from './helpers.ts';

const CLIENTS = 16;
const ROUNDS = 2;
let work = '';
let run: Running;

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'lmlab-serve-load-'));
  await writeTinyChatModel(join(work, 'tiny'));
  run = await startServer(join(work, 'tiny'), { maxActive: 4, maxQueued: 8 });
});
after(async () => {
  await run?.close();
  rmSync(work, { recursive: true, force: true });
});

const promptOf = (i: number) => `Client ${i}: the quick brown fox number ${i * 7}`;

interface Outcome {
  status: number;
  text: string;
  finish: string | null;
  usage: { prompt_tokens: number; completion_tokens: number } | null;
  retryAfter: string | null;
  ids: Set<string>;
}

async function streamOne(i: number): Promise<Outcome> {
  const r = await rawPost(`${run.baseURL}/completions`, {
    model: 'tiny',
    prompt: promptOf(i),
    max_tokens: 16 + (i % 5),
    temperature: 0,
    stream: true,
    stream_options: { include_usage: true },
  });
  if (r.status !== 200)
    return {
      status: r.status,
      text: r.text,
      finish: null,
      usage: null,
      retryAfter: r.headers.get('retry-after'),
      ids: new Set(),
    };
  assert.ok(r.text.endsWith('data: [DONE]\n\n'));
  const events = r.text
    .split('\n\n')
    .filter((e) => e.length > 0 && e !== 'data: [DONE]')
    .map((e) => JSON.parse(e.replace(/^data: /, '')));
  let text = '';
  let finish: string | null = null;
  let usage = null;
  const ids = new Set<string>();
  for (const e of events) {
    ids.add(e.id);
    if (e.choices.length > 0) {
      text += e.choices[0].text;
      finish = e.choices[0].finish_reason ?? finish;
    }
    if (e.usage) usage = e.usage;
  }
  return { status: 200, text, finish, usage, retryAfter: null, ids };
}

test(`${CLIENTS} concurrent streaming clients × ${ROUNDS} rounds: each completes exactly or gets 429`, {
  timeout: 120_000,
}, async () => {
  // the answer each prompt gets alone, one request at a time
  const expected: Array<{ text: string; finish: string | null; completion: number }> = [];
  for (let i = 0; i < CLIENTS; i++) {
    const r = await run.client.completions.create({
      model: 'tiny',
      prompt: promptOf(i),
      max_tokens: 16 + (i % 5),
      temperature: 0,
    });
    expected.push({
      text: r.choices[0].text,
      finish: r.choices[0].finish_reason,
      completion: r.usage!.completion_tokens,
    });
  }
  let completed = 0;
  let refused = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const outcomes = await Promise.all(Array.from({ length: CLIENTS }, (_, i) => streamOne(i)));
    // a refusal happens only with 4 running and 8 waiting, and those 12 complete
    assert.ok(
      outcomes.filter((o) => o.status === 200).length >= 12,
      `round ${round}: ${outcomes.map((o) => o.status).join(' ')}`,
    );
    outcomes.forEach((o, i) => {
      if (o.status === 429) {
        refused++;
        assert.equal(o.retryAfter, '1');
        assert.equal(JSON.parse(o.text).error.code, 'rate_limit_exceeded');
        return;
      }
      assert.equal(o.status, 200, o.text);
      completed++;
      assert.equal(o.ids.size, 1, `client ${i}: one completion id per stream`);
      assert.equal(o.text, expected[i].text, `client ${i}: its own text`);
      assert.equal(o.finish, expected[i].finish);
      assert.equal(o.usage!.completion_tokens, expected[i].completion);
    });
    const ids = outcomes.flatMap((o) => [...o.ids]);
    assert.equal(new Set(ids).size, ids.length, 'no two streams share an id');
  }
  assert.equal(completed + refused, CLIENTS * ROUNDS);
  const stats = run.server.stats();
  assert.deepEqual(
    { active: stats.active, queued: stats.queued, sessions: stats.sessions },
    { active: 0, queued: 0, sessions: 0 },
  );
});
