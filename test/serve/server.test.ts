// `lmlab serve` driven by the official openai client and by raw HTTP on a tiny random-weight chat
// model: completions and chat, streaming and not, the SSE bytes, usage counts, stop sequences,
// the template's end-of-turn token, logprobs in both layouts, greedy output equal to
// `lmlab generate`, per-request AdaSkip settings, cancellation on disconnect, the bounded queue,
// the API key, and OpenAI error objects for bad input with the server serving on afterwards.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import OpenAI from 'openai';
import type { Tokenizer } from '../../src/tokenizer/index.ts';
import { Decoding, loadServedModel, type RequestEnd } from '../../src/serve/index.ts';
import { greedy } from '../../src/model/generate.ts';
import { calibrate } from '../../src/adaskip/calibrate.ts';
import { saveProfile } from '../../src/adaskip/profile.ts';
import { rawPost, startServer, writeTinyChatModel, type Running } from './helpers.ts';

const bin = fileURLToPath(new URL('../../bin/lmlab.js', import.meta.url));
let work = '';
let modelDir = '';
let tokenizer: Tokenizer;
let run: Running;

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'lmlab-serve-'));
  modelDir = join(work, 'tiny');
  tokenizer = await writeTinyChatModel(modelDir);
  run = await startServer(modelDir);
});
after(async () => {
  await run?.close();
  rmSync(work, { recursive: true, force: true });
});

const PROMPT = 'The state of the union';

/** Greedy tokens of a prompt, decoded in-process (the reference for the server's answers). */
async function greedyTokens(
  dir: string,
  prompt: Int32Array,
  maxTokens: number,
): Promise<{ tokens: number[]; text: string; finish: string }> {
  const m = await loadServedModel(dir);
  const d = new Decoding(m.newSession(null).session, m.tokenizer, prompt, {
    sampling: greedy,
    maxTokens,
    stopTokens: m.stopTokens,
    stopStrings: [],
    topLogprobs: null,
  });
  d.start();
  while (!d.done) d.step();
  return { tokens: d.tokens, text: d.text, finish: d.finishReason! };
}

/** The `data:` payloads of an SSE body, checking the framing byte for byte. */
function events(text: string): string[] {
  assert.ok(text.endsWith('data: [DONE]\n\n'), `stream ends with [DONE]: ${JSON.stringify(text.slice(-40))}`);
  const parts = text.split('\n\n');
  assert.equal(parts.pop(), '');
  for (const p of parts) assert.match(p, /^data: [^\n]+$/, `one data line per event: ${JSON.stringify(p)}`);
  return parts.map((p) => p.slice('data: '.length));
}

test('GET /health and /v1/models', async () => {
  const health = (await (await fetch(run.baseURL.replace('/v1', '/health'))).json()) as { status: string };
  assert.equal(health.status, 'ok');
  const models = await run.client.models.list();
  assert.deepEqual(
    models.data.map((m) => m.id),
    ['tiny'],
  );
  assert.equal((await run.client.models.retrieve('tiny')).id, 'tiny');
});

test('greedy completion through the server equals lmlab generate on the same prompt', async () => {
  // run without blocking this process's event loop (the server lives here)
  const cli = await promisify(execFile)(
    process.execPath,
    [bin, 'generate', modelDir, '--prompt', PROMPT, '-n', '12', '-t', '0', '--json'],
    { encoding: 'utf8', timeout: 60_000 },
  );
  const expected = JSON.parse(cli.stdout) as { text: string; tokens: number[]; prompt_tokens: number };
  const r = await run.client.completions.create({ model: 'tiny', prompt: PROMPT, max_tokens: 12, temperature: 0 });
  assert.equal(r.choices[0].text, expected.text);
  assert.equal(r.object, 'text_completion');
  assert.deepEqual(r.usage, {
    prompt_tokens: expected.prompt_tokens,
    completion_tokens: r.usage!.completion_tokens,
    total_tokens: expected.prompt_tokens + r.usage!.completion_tokens,
  });
  if (expected.tokens.length === 12) {
    assert.equal(r.choices[0].finish_reason, 'length');
    assert.equal(r.usage!.completion_tokens, 12);
  } else {
    assert.equal(r.choices[0].finish_reason, 'stop');
    assert.equal(r.usage!.completion_tokens, expected.tokens.length + 1);
  }
  // the streamed text is the same text
  const stream = await run.client.completions.create({
    model: 'tiny',
    prompt: PROMPT,
    max_tokens: 12,
    temperature: 0,
    stream: true,
  });
  let text = '';
  for await (const chunk of stream) text += chunk.choices[0]?.text ?? '';
  assert.equal(text, expected.text);
});

test('SSE bytes: chat role delta first, content deltas, finish chunk, usage chunk, [DONE]', async () => {
  const r = await rawPost(`${run.baseURL}/chat/completions`, {
    model: 'tiny',
    messages: [{ role: 'user', content: 'Hi' }],
    max_tokens: 6,
    temperature: 0,
    stream: true,
    stream_options: { include_usage: true },
  });
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type') ?? '', /^text\/event-stream/);
  const data = events(r.text);
  assert.equal(data.pop(), '[DONE]');
  const chunks = data.map((d) => JSON.parse(d));
  for (const c of chunks) {
    assert.equal(c.object, 'chat.completion.chunk');
    assert.match(c.id, /^chatcmpl-/);
    assert.equal(c.id, chunks[0].id);
    assert.equal(c.model, 'tiny');
  }
  assert.deepEqual(chunks[0].choices[0].delta, { role: 'assistant', content: '' });
  assert.equal(chunks[0].usage, null);
  const usage = chunks.at(-1);
  assert.deepEqual(usage.choices, []);
  const finish = chunks.at(-2);
  assert.deepEqual(finish.choices[0].delta, {});
  assert.ok(['stop', 'length'].includes(finish.choices[0].finish_reason));
  const middle = chunks.slice(1, -2);
  for (const c of middle) {
    assert.equal(c.choices[0].finish_reason, null);
    assert.equal(typeof c.choices[0].delta.content, 'string');
    assert.equal(c.usage, null);
  }
  // usage counts the prompt the template made and every sampled token
  const m = await loadServedModel(modelDir);
  const prompt = m.encodeChat([{ role: 'user', content: 'Hi' }]);
  assert.equal(usage.usage.prompt_tokens, prompt.length);
  const expected = await greedyTokens(modelDir, prompt, 6);
  assert.equal(usage.usage.completion_tokens, expected.tokens.length + (expected.finish === 'stop' ? 1 : 0));
  assert.equal(usage.usage.total_tokens, usage.usage.prompt_tokens + usage.usage.completion_tokens);
  assert.equal(middle.map((c) => c.choices[0].delta.content).join(''), expected.text);
  // the completions stream has the completions shape; without include_usage there is no usage
  const plain = await rawPost(`${run.baseURL}/completions`, {
    model: 'tiny',
    prompt: PROMPT,
    max_tokens: 4,
    temperature: 0,
    stream: true,
  });
  const pc = events(plain.text)
    .slice(0, -1)
    .map((d) => JSON.parse(d));
  for (const c of pc) {
    assert.equal(c.object, 'text_completion');
    assert.equal('usage' in c, false);
  }
  assert.equal(pc.at(-1).choices[0].text, '');
  assert.equal(pc.at(-1).choices[0].finish_reason, 'length');
});

test('chat through the openai client: non-streaming and streaming agree; usage', async () => {
  const messages = [
    { role: 'system' as const, content: 'Be brief.' },
    { role: 'user' as const, content: 'Tell me about the fox.' },
  ];
  const r = await run.client.chat.completions.create({
    model: 'tiny',
    messages,
    max_completion_tokens: 10,
    temperature: 0,
  });
  assert.equal(r.object, 'chat.completion');
  assert.equal(r.choices[0].message.role, 'assistant');
  const stream = await run.client.chat.completions.create({
    model: 'tiny',
    messages,
    max_tokens: 10,
    temperature: 0,
    stream: true,
    stream_options: { include_usage: true },
  });
  let text = '';
  let usage: OpenAI.CompletionUsage | null | undefined = null;
  for await (const chunk of stream) {
    text += chunk.choices[0]?.delta?.content ?? '';
    if (chunk.usage) usage = chunk.usage;
  }
  assert.equal(text, r.choices[0].message.content);
  assert.deepEqual(usage, r.usage);
  const m = await loadServedModel(modelDir);
  assert.equal(r.usage!.prompt_tokens, m.encodeChat(messages).length);
});

test('stop sequences: text-level, not emitted, streaming and not, string or list', async () => {
  const full = await run.client.completions.create({ model: 'tiny', prompt: PROMPT, max_tokens: 24, temperature: 0 });
  const text = full.choices[0].text;
  assert.ok(text.length >= 6, `enough text to cut: ${JSON.stringify(text)}`);
  const stop = text.slice(3, 5);
  const cut = text.slice(0, text.indexOf(stop));
  const r = await run.client.completions.create({
    model: 'tiny',
    prompt: PROMPT,
    max_tokens: 24,
    temperature: 0,
    stop,
  });
  assert.equal(r.choices[0].text, cut);
  assert.equal(r.choices[0].finish_reason, 'stop');
  const stream = await run.client.completions.create({
    model: 'tiny',
    prompt: PROMPT,
    max_tokens: 24,
    temperature: 0,
    stop: ['never-there', stop],
    stream: true,
  });
  let streamed = '';
  let finish: string | null = null;
  for await (const chunk of stream) {
    streamed += chunk.choices[0]?.text ?? '';
    finish = chunk.choices[0]?.finish_reason ?? finish;
  }
  assert.equal(streamed, cut);
  assert.equal(finish, 'stop');
});

test("chat generation stops at the template's end-of-turn token (<|im_end|>), which is not emitted", async () => {
  const m = await loadServedModel(modelDir);
  const messages = [{ role: 'user', content: 'Hi' }];
  const prompt = m.encodeChat(messages);
  const first = await greedyTokens(modelDir, prompt, 12);
  const k = first.tokens.findIndex((t, i) => i >= 1 && !first.tokens.slice(0, i).includes(t));
  assert.ok(k >= 1, `a fresh token to replace: ${first.tokens}`);
  const imEnd = tokenizer.specialId('<|im_end|>')!;
  assert.ok(m.stopTokens.includes(imEnd) && m.stopTokens.includes(tokenizer.eosId!));
  // a model whose lm_head rows of tokens[k] and <|im_end|> are swapped says <|im_end|> at step k
  const swapped = join(work, 'swapped');
  await writeTinyChatModel(swapped, { swapHead: [first.tokens[k], imEnd] });
  const other = await startServer(swapped);
  try {
    const r = await other.client.chat.completions.create({
      model: 'tiny',
      messages: [{ role: 'user', content: 'Hi' }],
      max_tokens: 12,
      temperature: 0,
    });
    assert.equal(r.choices[0].finish_reason, 'stop');
    assert.equal(r.choices[0].message.content, tokenizer.decode(first.tokens.slice(0, k)));
    assert.equal(r.usage!.completion_tokens, k + 1);
  } finally {
    await other.close();
  }
});

test('logprobs: the completions layout and the chat layout', async () => {
  const r = await run.client.completions.create({
    model: 'tiny',
    prompt: PROMPT,
    max_tokens: 5,
    temperature: 0,
    logprobs: 3,
  });
  const lp = r.choices[0].logprobs!;
  assert.equal(lp.tokens!.length, 5);
  assert.equal(lp.tokens!.join(''), r.choices[0].text);
  assert.deepEqual(
    lp.text_offset,
    lp.tokens!.map((_, i) => lp.tokens!.slice(0, i).join('').length),
  );
  for (let i = 0; i < 5; i++) {
    const top = Object.values(lp.top_logprobs![i]);
    assert.ok(top.length >= 1 && top.length <= 3);
    assert.ok(lp.token_logprobs![i] <= 0);
    // greedy: the chosen token is the most likely one
    assert.ok(Math.abs(lp.token_logprobs![i] - Math.max(...top)) < 1e-9);
  }
  const c = await run.client.chat.completions.create({
    model: 'tiny',
    messages: [{ role: 'user', content: 'Hi' }],
    max_tokens: 4,
    temperature: 0,
    logprobs: true,
    top_logprobs: 2,
  });
  const content = c.choices[0].logprobs!.content!;
  assert.ok(content.length >= 1);
  assert.equal(content.map((t) => t.token).join(''), c.choices[0].message.content);
  for (const t of content) {
    assert.equal(t.top_logprobs.length, 2);
    assert.equal(t.top_logprobs[0].logprob, t.logprob);
    assert.ok(t.top_logprobs[1].logprob <= t.top_logprobs[0].logprob);
    if (!t.token.includes('\uFFFD')) assert.deepEqual(t.bytes, Array.from(new TextEncoder().encode(t.token)));
  }
  const none = await run.client.chat.completions.create({
    model: 'tiny',
    messages: [{ role: 'user', content: 'Hi' }],
    max_tokens: 2,
  });
  assert.equal(none.choices[0].logprobs, null);
});

test('seeded sampling repeats; temperature and top_p are honoured', async () => {
  const ask = (seed: number) =>
    run.client.completions.create({
      model: 'tiny',
      prompt: PROMPT,
      max_tokens: 16,
      temperature: 1.5,
      top_p: 0.9,
      seed,
    });
  const [a, b, c] = await Promise.all([ask(7), ask(7), ask(8)]);
  assert.equal(a.choices[0].text, b.choices[0].text);
  assert.notEqual(a.choices[0].text, c.choices[0].text);
});

test('per-request AdaSkip settings: a baseline skips, adaskip: false is dense, a profile-less adaskip is refused', async () => {
  const body = { model: 'tiny', prompt: PROMPT, max_tokens: 4, temperature: 0 };
  const skipped = await rawPost(`${run.baseURL}/completions`, {
    ...body,
    adaskip: { method: 'early-exit', alpha: 0.25 },
  });
  assert.equal(skipped.status, 200, skipped.text);
  const stats = JSON.parse(skipped.text).adaskip;
  assert.equal(stats.method, 'early-exit');
  assert.ok(stats.flopShareSkipped > 0);
  const dense = JSON.parse((await rawPost(`${run.baseURL}/completions`, { ...body, adaskip: false })).text);
  assert.equal(dense.adaskip, undefined);
  const refused = await rawPost(`${run.baseURL}/completions`, { ...body, adaskip: { method: 'adaskip' } });
  assert.equal(refused.status, 400);
  assert.equal(JSON.parse(refused.text).error.param, 'adaskip');
  // the server default applies to requests that say nothing, and a request can turn it off
  const withDefault = await startServer(modelDir, {}, { defaultSkip: { method: 'random', alpha: 0.5 } });
  try {
    const d = JSON.parse((await rawPost(`${withDefault.baseURL}/completions`, body)).text);
    assert.equal(d.adaskip.method, 'random');
    assert.equal(
      JSON.parse((await rawPost(`${withDefault.baseURL}/completions`, { ...body, adaskip: null })).text).adaskip,
      undefined,
    );
  } finally {
    await withDefault.close();
  }
});

test('AdaSkip with a calibrated profile: the server default from its profile, per-request alpha', async () => {
  const m = await loadServedModel(modelDir);
  const prompts = [PROMPT, 'The quick brown fox', 'Numbers 12345 and 678'].map((p) => m.encodeText(p));
  const profilePath = join(work, 'tiny-profile.json');
  saveProfile(calibrate(m.model, prompts), profilePath);
  const skipping = await startServer(modelDir, {}, { profiles: [`cal=${profilePath}`], defaultSkip: { alpha: 0.25 } });
  try {
    const body = { model: 'tiny', prompt: PROMPT, max_tokens: 4, temperature: 0 };
    const d = JSON.parse((await rawPost(`${skipping.baseURL}/completions`, body)).text);
    assert.equal(d.adaskip.method, 'adaskip');
    assert.equal(d.adaskip.offlineCount, 1); // round(0.25 · 4 sublayers)
    const more = JSON.parse(
      (
        await rawPost(`${skipping.baseURL}/completions`, {
          ...body,
          adaskip: { profile: 'cal', alpha: 0.5, mode: 'decode' },
        })
      ).text,
    );
    assert.equal(more.adaskip.offlineCount, 2);
    assert.equal(more.adaskip.mode, 'decode');
    const unknown = await rawPost(`${skipping.baseURL}/completions`, { ...body, adaskip: { profile: 'other' } });
    assert.equal(unknown.status, 400);
    assert.match(
      JSON.parse(unknown.text).error.message,
      /no AdaSkip profile named "other" on this server \(have: cal\)/,
    );
  } finally {
    await skipping.close();
  }
});

test('a client that disconnects stops its decode loop and frees its session', async () => {
  const ends: RequestEnd[] = [];
  const gated = await startServer(modelDir, {
    // at step 3, wait until the server has seen the client go away (independent of speed)
    beforeStep: (_id, step, signal) =>
      step === 3 && !signal.aborted
        ? new Promise((resolve) => signal.addEventListener('abort', () => resolve(undefined), { once: true }))
        : undefined,
  });
  gated.server.on('request-end', (e: RequestEnd) => ends.push(e));
  try {
    const ended = new Promise<RequestEnd>((resolve) => gated.server.once('request-end', resolve));
    const controller = new AbortController();
    const stream = await gated.client.chat.completions.create(
      { model: 'tiny', messages: [{ role: 'user', content: 'Hi' }], max_tokens: 100, temperature: 0, stream: true },
      { signal: controller.signal },
    );
    let received = 0;
    try {
      for await (const _chunk of stream) {
        if (++received === 2) {
          controller.abort();
          break;
        }
      }
    } catch (err) {
      assert.ok(controller.signal.aborted, String(err));
    }
    assert.equal(received, 2);
    const end = await ended;
    assert.equal(end.outcome, 'cancelled');
    assert.equal(end.completionTokens, 3);
    const stats = gated.server.stats();
    assert.deepEqual(
      { active: stats.active, sessions: stats.sessions, kvBytes: stats.kvBytes, cancelled: stats.cancelled },
      { active: 0, sessions: 0, kvBytes: 0, cancelled: 1 },
    );
    // and it serves the next request
    const r = await gated.client.completions.create({ model: 'tiny', prompt: PROMPT, max_tokens: 2, temperature: 0 });
    assert.equal(r.usage!.completion_tokens, 2);
  } finally {
    await gated.close();
  }
});

test('the queue is bounded: beyond it 429 with Retry-After; queued requests complete', async () => {
  let release: () => void = () => {};
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  let started = 0;
  const busy = await startServer(modelDir, {
    maxActive: 1,
    maxQueued: 1,
    beforeStep: (_id, step) => {
      if (step === 0 && ++started === 1) return gate;
      return undefined;
    },
  });
  try {
    const body = { model: 'tiny', prompt: PROMPT, max_tokens: 3, temperature: 0 };
    const first = rawPost(`${busy.baseURL}/completions`, body);
    while (busy.server.stats().active < 1) await new Promise((r) => setTimeout(r, 5));
    const second = rawPost(`${busy.baseURL}/completions`, body);
    while (busy.server.stats().queued < 1) await new Promise((r) => setTimeout(r, 5));
    const third = await rawPost(`${busy.baseURL}/completions`, body);
    assert.equal(third.status, 429);
    assert.equal(third.headers.get('retry-after'), '1');
    assert.equal(JSON.parse(third.text).error.code, 'rate_limit_exceeded');
    await assert.rejects(busy.client.completions.create(body), (e: unknown) => e instanceof OpenAI.RateLimitError);
    release();
    const [a, b] = await Promise.all([first, second]);
    assert.equal(a.status, 200);
    assert.equal(b.status, 200);
    assert.equal(JSON.parse(a.text).choices[0].text, JSON.parse(b.text).choices[0].text);
  } finally {
    release();
    await busy.close();
  }
});

test('bad input: OpenAI error objects with the right status, several in a row, then a good request', async () => {
  const url = `${run.baseURL}/completions`;
  const expectError = async (
    r: { status: number; text: string },
    status: number,
    code: string | null,
    param?: string | null,
  ) => {
    assert.equal(r.status, status, r.text);
    const e = JSON.parse(r.text).error;
    assert.deepEqual(Object.keys(e).sort(), ['code', 'message', 'param', 'type']);
    assert.equal(typeof e.message, 'string');
    assert.equal(e.code, code);
    if (param !== undefined) assert.equal(e.param, param);
  };
  await expectError(await rawPost(url, '{"model": "tiny", "prompt": '), 400, 'invalid_json', null);
  await expectError(await rawPost(url, '[1, 2]'), 400, 'invalid_body', null);
  await expectError(
    await rawPost(url, { model: 'tiny', prompt: 'x', temperature: 'hot' }),
    400,
    'invalid_value',
    'temperature',
  );
  await expectError(await rawPost(url, { prompt: 'x' }), 400, 'missing_required_parameter', 'model');
  await expectError(
    await rawPost(url, { model: 'tiny', prompt: 'x', max_tokens: -5 }),
    400,
    'invalid_value',
    'max_tokens',
  );
  await expectError(
    await rawPost(url, { model: 'tiny', prompt: 'x', max_tokens: 1e12 }),
    400,
    'context_length_exceeded',
    'prompt',
  );
  await expectError(
    await rawPost(url, { model: 'tiny', prompt: 'x', max_tokens: 2.5 }),
    400,
    'invalid_value',
    'max_tokens',
  );
  await expectError(await rawPost(url, { model: 'tiny', prompt: 'x', n: 2 }), 400, 'unsupported_value', 'n');
  await expectError(await rawPost(url, { model: 'tiny', prompt: 'x', stop: [1] }), 400, 'invalid_value', 'stop');
  await expectError(await rawPost(url, { model: 'gpt-9', prompt: 'x' }), 404, 'model_not_found', 'model');
  await expectError(
    await rawPost(url, { model: 'tiny', prompt: 'the fox '.repeat(400) }),
    400,
    'context_length_exceeded',
    'prompt',
  );
  await expectError(await rawPost(url, { model: 'tiny', prompt: [1, 2, 99999] }), 400, 'invalid_value', 'prompt.2');
  await expectError(await rawPost(url, { model: 'tiny', prompt: 'x'.repeat(2 << 20) }), 413, 'request_too_large', null);
  await expectError(
    await rawPost(`${run.baseURL}/chat/completions`, { model: 'tiny', messages: [] }),
    400,
    'invalid_value',
    'messages',
  );
  await expectError(
    await rawPost(`${run.baseURL}/chat/completions`, {
      model: 'tiny',
      messages: [{ role: 'user', content: [{ type: 'image_url' }] }],
    }),
    400,
    'unsupported_value',
    'messages.0.content.0',
  );
  await expectError(await rawPost(`${run.baseURL}/nowhere`, {}), 404, 'unknown_url', null);
  const get = await fetch(url);
  await expectError({ status: get.status, text: await get.text() }, 405, 'method_not_allowed', null);
  // the openai client sees the same errors as typed exceptions
  await assert.rejects(
    run.client.completions.create({ model: 'nope', prompt: 'x' }),
    (e: unknown) =>
      e instanceof OpenAI.NotFoundError && (e as InstanceType<typeof OpenAI.APIError>).code === 'model_not_found',
  );
  await assert.rejects(
    run.client.completions.create({ model: 'tiny', prompt: 'x', max_tokens: -1 }),
    (e: unknown) =>
      e instanceof OpenAI.BadRequestError && (e as InstanceType<typeof OpenAI.APIError>).param === 'max_tokens',
  );
  // and still serves
  const good = await run.client.completions.create({ model: 'tiny', prompt: PROMPT, max_tokens: 3, temperature: 0 });
  assert.equal(good.usage!.completion_tokens, 3);
  assert.equal(run.server.stats().active, 0);
});

test('a model without a chat template: chat is a clear 400, completions work', async () => {
  const dir = join(work, 'no-template');
  await writeTinyChatModel(dir, { template: null });
  const plain = await startServer(dir);
  try {
    await assert.rejects(
      plain.client.chat.completions.create({ model: 'tiny', messages: [{ role: 'user', content: 'Hi' }] }),
      (e: unknown) =>
        e instanceof OpenAI.BadRequestError &&
        /has no chat template/.test((e as Error).message) &&
        (e as InstanceType<typeof OpenAI.APIError>).code === 'chat_template_missing',
    );
    const r = await plain.client.completions.create({ model: 'tiny', prompt: PROMPT, max_tokens: 2 });
    assert.equal(r.usage!.completion_tokens, 2);
  } finally {
    await plain.close();
  }
});

test('API key: 401 without the bearer token or with a wrong one', async () => {
  const keyed = await startServer(modelDir, { apiKey: 'sesame' });
  try {
    const body = { model: 'tiny', prompt: PROMPT, max_tokens: 2 };
    const none = await rawPost(`${keyed.baseURL}/completions`, body);
    assert.equal(none.status, 401);
    assert.equal(JSON.parse(none.text).error.code, 'invalid_api_key');
    assert.equal((await rawPost(`${keyed.baseURL}/completions`, body, { authorization: 'Bearer open' })).status, 401);
    assert.equal((await fetch(`${keyed.baseURL}/models`)).status, 401);
    const wrong = new OpenAI({ baseURL: keyed.baseURL, apiKey: 'open', maxRetries: 0 });
    await assert.rejects(wrong.completions.create(body), (e: unknown) => e instanceof OpenAI.AuthenticationError);
    const r = await keyed.client.completions.create(body);
    assert.equal(r.usage!.completion_tokens, 2);
  } finally {
    await keyed.close();
  }
});
