// KV-cache inference against the training forward pass, chunked prefill, per-layer optional
// caches, sampling and stopping.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/util/rng.ts';
import { parseLlamaConfig } from '../../src/model/config.ts';
import { LlamaModel, TrainingWorkspace } from '../../src/model/llama.ts';
import { InferenceSession } from '../../src/model/inference.ts';
import { Sampler, generate, greedy } from '../../src/model/generate.ts';

const config = parseLlamaConfig({
  vocabSize: 50,
  dim: 32,
  layers: 3,
  heads: 4,
  kvHeads: 2,
  ffnHidden: 48,
  maxSeqLen: 700,
});
const model = LlamaModel.initialised(config, 3);
// larger weights than the 0.02 init, so that logits differ visibly between tokens
for (let i = 0; i < model.params.flat.length; i++) model.params.flat[i] *= 8;

function tokens(n: number, seed = 1): Int32Array {
  const rng = new Rng(seed);
  return Int32Array.from({ length: n }, () => rng.int(config.vocabSize));
}

function trainingLogits(ids: Int32Array): Float32Array {
  const ws = new TrainingWorkspace(config, 1, ids.length);
  model.forward(ws, {
    tokens: ids,
    targets: new Int32Array(ids.length).fill(-1),
    positions: Int32Array.from(ids, (_, i) => i),
    segments: null,
  });
  return ws.logits.data;
}

/** Equal up to float32 rounding of different summation orders (GEMV vs GEMM, chunking). */
function close(a: Float32Array, b: Float32Array, what: string, tol = 1e-4): void {
  assert.equal(a.length, b.length);
  let scale = 1;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]));
  for (let i = 0; i < a.length; i++)
    assert.ok(Math.abs(a[i] - b[i]) <= tol * scale, `${what}[${i}]: ${a[i]} vs ${b[i]}`);
}

test('prefill logits equal the training forward pass, in one chunk or many, across cache blocks', () => {
  const ids = tokens(300);
  const expected = trainingLogits(ids);
  for (const chunk of [300, 64, 7]) {
    const session = new InferenceSession(model, { chunk });
    const all = new Float32Array(ids.length * config.vocabSize);
    session.prefill(ids, (first, logits) => all.set(logits.data, first * config.vocabSize));
    close(all, expected, `chunk ${chunk}`);
    close(session.logits.data, expected.subarray((ids.length - 1) * config.vocabSize), `last logits, chunk ${chunk}`);
    assert.equal(session.length, 300);
  }
});

test('token-by-token decode equals the training forward pass', () => {
  const ids = tokens(40, 2);
  const expected = trainingLogits(ids);
  const session = new InferenceSession(model, { chunk: 16 });
  session.prefill(ids.subarray(0, 10));
  for (let i = 10; i < ids.length; i++) {
    const logits = session.decode(ids[i]);
    close(logits.data, expected.subarray(i * config.vocabSize, (i + 1) * config.vocabSize), `decode ${i}`);
  }
});

test('a layer without a cache stores nothing and equals skipping its attention', () => {
  const ids = tokens(20, 4);
  const noCache = new InferenceSession(model, { noCacheLayers: [1] });
  noCache.prefill(ids);
  const skipped = new InferenceSession(model, {
    hooks: { skip: (l, kind) => (l === 1 && kind === 'attn' ? 1 : null) },
  });
  skipped.prefill(ids);
  assert.deepEqual(noCache.logits.data, skipped.logits.data);
  assert.equal(noCache.caches[1], null);
  assert.equal(noCache.kvBytesUsed() * 3, skipped.kvBytesUsed() * 2);
  const dense = new InferenceSession(model);
  dense.prefill(ids);
  assert.notDeepEqual(dense.logits.data, noCache.logits.data);
});

test('prompts longer than the context and unknown tokens are clear errors', () => {
  const session = new InferenceSession(model);
  assert.throws(() => session.prefill(tokens(701)), /exceeds the model's maximum of 700/);
  assert.throws(() => session.prefill(Int32Array.of(1, 50)), /outside the vocabulary of 50/);
});

test('greedy generation is deterministic and agrees with argmax of full recomputation', () => {
  const prompt = tokens(12, 5);
  const a = generate(new InferenceSession(model), prompt, { sampling: greedy, maxTokens: 10 });
  const b = generate(new InferenceSession(model), prompt, { sampling: greedy, maxTokens: 10 });
  assert.deepEqual(a.tokens, b.tokens);
  assert.equal(a.stopReason, 'max-tokens');
  const ids = Int32Array.from([...prompt, ...a.tokens.slice(0, -1)]);
  const logits = trainingLogits(ids);
  for (let i = 0; i < a.tokens.length; i++) {
    const row = logits.subarray((prompt.length - 1 + i) * config.vocabSize, (prompt.length + i) * config.vocabSize);
    assert.equal(a.tokens[i], row.indexOf(Math.max(...row)), `token ${i}`);
  }
});

test('sampling: seeds reproduce, top-k 1 is greedy, stop tokens and strings stop', () => {
  const prompt = tokens(8, 6);
  const sampling = { temperature: 1, topK: 0, topP: 0.9, repetitionPenalty: 1.1, seed: 7 };
  const a = generate(new InferenceSession(model), prompt, { sampling, maxTokens: 12 });
  const b = generate(new InferenceSession(model), prompt, { sampling, maxTokens: 12 });
  assert.deepEqual(a.tokens, b.tokens);
  const g = generate(new InferenceSession(model), prompt, { sampling: greedy, maxTokens: 6 });
  const k1 = generate(new InferenceSession(model), prompt, {
    sampling: { ...sampling, topK: 1, repetitionPenalty: 1 },
    maxTokens: 6,
  });
  assert.deepEqual(k1.tokens, g.tokens);
  const stopAt = g.tokens[2];
  const stopped = generate(new InferenceSession(model), prompt, {
    sampling: greedy,
    maxTokens: 6,
    stopTokens: [stopAt],
  });
  assert.equal(stopped.stopReason, 'stop-token');
  assert.deepEqual(stopped.tokens, g.tokens.slice(0, g.tokens.indexOf(stopAt)));
  const tokenBytes = (t: number) => new TextEncoder().encode(`<${t}>`);
  const pieces: string[] = [];
  const s = generate(new InferenceSession(model), prompt, {
    sampling: greedy,
    maxTokens: 6,
    tokenBytes,
    stopStrings: [`<${g.tokens[3]}>`],
    onText: (p) => pieces.push(p),
  });
  assert.equal(s.stopReason, 'stop-string');
  assert.equal(pieces.join(''), s.text);
  assert.ok(!s.text.includes(`<${g.tokens[3]}>`) || g.tokens.slice(0, 3).includes(g.tokens[3]));
  assert.throws(() => new Sampler({ ...greedy, topP: 0 }, 10), /top-p/);
  assert.throws(() => new Sampler({ ...greedy, temperature: -1 }, 10), /temperature/);
  assert.throws(() => new Sampler({ ...greedy, topK: 1.5 }, 10), /top-k/);
});

test('streamed text equals decoding every byte at once, with characters split across tokens', () => {
  // Each token stands for one byte of a text of 2-, 3- and 4-byte characters plus one stray
  // continuation byte: pieces must never show half a character, and the whole must match.
  const prompt = tokens(8, 6);
  const g = generate(new InferenceSession(model), prompt, { sampling: greedy, maxTokens: 24 });
  const source = new TextEncoder().encode('é€😀 ü€€😀😀');
  const byteOf = new Map<number, number>();
  const tokenBytes = (t: number) => {
    if (!byteOf.has(t)) byteOf.set(t, t === g.tokens[5] ? 0x80 : source[byteOf.size % source.length]);
    return Uint8Array.of(byteOf.get(t)!);
  };
  const pieces: string[] = [];
  const s = generate(new InferenceSession(model), prompt, {
    sampling: greedy,
    maxTokens: 24,
    tokenBytes,
    onText: (p) => pieces.push(p),
  });
  assert.deepEqual(s.tokens, g.tokens);
  const all = Uint8Array.from(s.tokens.flatMap((t) => [...tokenBytes(t)]));
  assert.equal(s.text, new TextDecoder().decode(all));
  assert.equal(pieces.join(''), s.text);
  for (const p of pieces)
    assert.ok(!/[\uD800-\uDBFF]$/.test(p), `a piece ends inside a surrogate pair: ${JSON.stringify(p)}`);
});
