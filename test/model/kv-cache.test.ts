// The F16 KV cache option of inference sessions: chunked prefill and token-by-token decode agree
// with each other over the same half-rounded cache and stay close to the F32 cache, the cache
// takes half the memory, layers on the general attention path keep F32, skipped attention
// (AdaSkip's no-cache layers) allocates nothing in either precision, and --kv-cache values are
// checked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/util/rng.ts';
import { parseLlamaConfig } from '../../src/model/config.ts';
import { LlamaModel } from '../../src/model/llama.ts';
import {
  InferenceSession,
  type KvCachePrecision,
  defaultKvCache,
  parseKvCache,
  setDefaultKvCache,
} from '../../src/model/inference.ts';
import { fromHalf, toHalf } from '../../src/engine/ops.ts';

const config = parseLlamaConfig({
  vocabSize: 50,
  dim: 64,
  layers: 3,
  heads: 4,
  kvHeads: 2,
  ffnHidden: 96,
  maxSeqLen: 700,
});
const model = LlamaModel.initialised(config, 3);
for (let i = 0; i < model.params.flat.length; i++) model.params.flat[i] *= 8;

function tokens(n: number, seed = 1): Int32Array {
  const rng = new Rng(seed);
  return Int32Array.from({ length: n }, () => rng.int(config.vocabSize));
}

function maxAbs(x: Float32Array): number {
  let m = 0;
  for (const v of x) m = Math.max(m, Math.abs(v));
  return m;
}

function maxDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Logits of every position: prefill in chunks of `chunk`, then decode the rest one at a time. */
function run(precision: KvCachePrecision, ids: Int32Array, chunk: number, prefix: number): Float32Array {
  const session = new InferenceSession(model, { chunk, kvCache: precision });
  const all = new Float32Array(ids.length * config.vocabSize);
  session.prefill(ids.subarray(0, prefix), (first, logits) => all.set(logits.data, first * config.vocabSize));
  for (let i = prefix; i < ids.length; i++) all.set(session.decode(ids[i]).data, i * config.vocabSize);
  return all;
}

test('an F16 cache: prefill in any chunking and decode agree, close to the F32 cache', () => {
  const ids = tokens(300);
  const oneChunk = run('f16', ids, 300, 300);
  const scale = maxAbs(oneChunk);
  for (const [chunk, prefix] of [
    [64, 300],
    [7, 280],
    [512, 270],
  ]) {
    const other = run('f16', ids, chunk, prefix);
    // the same rounded keys/values: only float32 summation order differs
    assert.ok(maxDiff(other, oneChunk) <= 1e-4 * scale, `chunk ${chunk}, prefix ${prefix}`);
  }
  const f32 = run('f32', ids, 64, 280);
  const diff = maxDiff(f32, oneChunk);
  // half rounding (relative 2^-11 per value) moves the logits of this deliberately sharp model
  // (weights ×8) by a few percent at most
  assert.ok(diff > 0, 'the F16 cache rounds');
  assert.ok(diff <= 0.05 * scale, `F16 vs F32 logits differ by ${diff} (scale ${scale})`);
});

test("an F16 cache stores exactly the half rounding of the F32 cache's keys and values", () => {
  const ids = tokens(77, 3);
  const a = new InferenceSession(model, { chunk: 16, kvCache: 'f32' });
  const b = new InferenceSession(model, { chunk: 16, kvCache: 'f16' });
  a.prefill(ids);
  b.prefill(ids);
  // layer 0's keys and values depend on the tokens only, so both sessions computed the same floats
  const n = 77 * a.caches[0]!.width;
  const k = new Uint16Array(n);
  const v = new Uint16Array(n);
  toHalf(a.caches[0]!.k!.data.subarray(0, n), k);
  toHalf(a.caches[0]!.v!.data.subarray(0, n), v);
  assert.deepEqual(b.caches[0]!.kHalf!.subarray(0, n), k);
  assert.deepEqual(b.caches[0]!.vHalf!.subarray(0, n), v);
  const back = new Float32Array(n);
  fromHalf(k, back);
  assert.ok(maxDiff(back, a.caches[0]!.k!.data.subarray(0, n)) <= maxAbs(back) * 2 ** -11);
});

test('an F16 cache holds half the bytes of an F32 cache', () => {
  const ids = tokens(100, 2);
  const a = new InferenceSession(model, { kvCache: 'f32' });
  const b = new InferenceSession(model, { kvCache: 'f16' });
  a.prefill(ids);
  b.prefill(ids);
  assert.equal(b.kvBytes() * 2, a.kvBytes());
  assert.equal(b.kvBytesUsed() * 2, a.kvBytesUsed());
  assert.equal(b.kvBytesUsed(), 3 * 2 * 100 * config.kvHeads * (config.dim / config.heads) * 2);
  for (const cache of b.caches) {
    assert.equal(cache?.precision, 'f16');
    assert.equal(cache?.k, null);
    assert.ok(cache?.kHalf instanceof Uint16Array);
  }
});

test('skipped attention keeps no KV cache in either precision', () => {
  const ids = tokens(40, 4);
  for (const precision of ['f32', 'f16'] as const) {
    const dense = new InferenceSession(model, { kvCache: precision });
    const skipped = new InferenceSession(model, { kvCache: precision, noCacheLayers: [0, 2] });
    dense.prefill(ids);
    skipped.prefill(ids);
    skipped.decode(3);
    assert.equal(skipped.caches[0], null);
    assert.equal(skipped.caches[2], null);
    assert.equal(skipped.caches[1]?.precision, precision);
    assert.equal(skipped.kvBytes() * 3, dense.kvBytes());
    assert.equal(skipped.kvBytesUsed() * 3 * 40, dense.kvBytesUsed() * 41);
  }
});

test('the default precision applies to sessions that name none; values are checked', () => {
  const before = defaultKvCache();
  try {
    setDefaultKvCache('f16');
    assert.equal(new InferenceSession(model).caches[0]?.precision, 'f16');
    assert.equal(new InferenceSession(model, { kvCache: 'f32' }).caches[0]?.precision, 'f32');
  } finally {
    setDefaultKvCache(before);
  }
  assert.equal(parseKvCache('F16'), 'f16');
  assert.equal(parseKvCache('f32'), 'f32');
  assert.throws(() => parseKvCache('q8_0'), /--kv-cache must be one of f32, f16, got 'q8_0'/);
});

test('layers on the general attention path (sliding window) keep an F32 cache', () => {
  const m = LlamaModel.initialised(config, 3);
  m.arch.windows.fill(16);
  const session = new InferenceSession(m, { kvCache: 'f16' });
  const ids = tokens(50, 5);
  session.prefill(ids);
  assert.ok(session.caches.every((c) => c?.precision === 'f32'));
  const f32 = new InferenceSession(m, { kvCache: 'f32' });
  f32.prefill(ids);
  assert.deepEqual(session.logits.data, f32.logits.data);
});

test('a chunked prefill makes room for the whole prompt once, not once per chunk', () => {
  for (const kvCache of ['f32', 'f16'] as const) {
    const session = new InferenceSession(model, { chunk: 64, kvCache });
    const cache = session.caches[0]!;
    const storage = (): Float32Array | Uint16Array => cache.k?.data ?? cache.kHalf!;
    const seen = new Set<unknown>();
    session.hooks = { observe: () => void seen.add(storage()) };
    session.prefill(tokens(500));
    // one storage array through all 8 chunks (500 rows: two 256-row blocks)
    assert.equal(cache.capacity, 512);
    assert.equal(seen.size, 1, kvCache);
    assert.ok(seen.has(storage()));
    // decode grows by whole blocks from there and keeps the rows
    const before = Float32Array.from(storage().subarray(0, 500 * cache.width));
    for (let i = 0; i < 100; i++) session.decode(i % config.vocabSize);
    assert.equal(cache.capacity, 768);
    assert.deepEqual(Float32Array.from(storage().subarray(0, 500 * cache.width)), before);
  }
});
