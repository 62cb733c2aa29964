// Models kept quantized in memory: a model exported as a Q8_0 or Q4_K GGUF loads with its
// matrices as GGUF blocks (memory about the file's size), gives logits close to the same weights
// dequantized to float32 and the same greedy tokens; one-token decode (fused projections on the
// GEMV path) agrees with chunked prefill (GEMM path); matrices quantized in different types
// run unfused; training refuses; AdaSkip calibrates and skips on the quantized model.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportLlamaGguf, type GgufTokenizerData } from '../../src/io/gguf-llama.ts';
import { quantizeQ8_0 } from '../../src/io/ggml-quants.ts';
import { QUANT_TYPES, QuantMatrix } from '../../src/engine/quant.ts';
import { kernels } from '../../src/engine/backend.ts';
import { Rng } from '../../src/util/rng.ts';
import { LmlabError } from '../../src/util/errors.ts';
import { parseLlamaConfig } from '../../src/model/config.ts';
import { generate, greedy } from '../../src/model/generate.ts';
import { InferenceSession } from '../../src/model/inference.ts';
import { LlamaModel } from '../../src/model/llama.ts';
import { loadModelDir } from '../../src/model/load.ts';
import { ParameterSet, toNamedTensors } from '../../src/model/params.ts';
import { dequantizeParams, quantizeParams } from '../../src/model/quantize.ts';
import { bytesToTokenString } from '../../src/tokenizer/index.ts';
import { calibrate } from '../../src/adaskip/calibrate.ts';
import { createAdaSkipHooks } from '../../src/adaskip/controller.ts';
import { checkProfileMatches } from '../../src/adaskip/profile.ts';

const config = parseLlamaConfig({
  vocabSize: 512,
  dim: 256,
  layers: 4,
  heads: 4,
  kvHeads: 2,
  ffnHidden: 512,
  maxSeqLen: 256,
});

function vocabulary(size: number): GgufTokenizerData {
  const tokens = Array.from({ length: 256 }, (_, b) => bytesToTokenString(Uint8Array.of(b)));
  for (let i = 256; i < size - 2; i++) tokens.push(`<t${i}>`);
  tokens.push('<s>', '</s>');
  return { tokens, merges: [], bosTokenId: size - 2, eosTokenId: size - 1 };
}

/** Random layers with a decisive head (head row π(i) = 4·E[i]): greedy choices have margins. */
function floatModel(): LlamaModel {
  const m = LlamaModel.initialised(config, 17);
  for (const spec of m.params.specs)
    if (spec.kind === 'matrix') m.params.get(spec.name).data.forEach((v, i, a) => (a[i] = v * 3));
  const rng = new Rng(8);
  const embed = m.params.get('model.embed_tokens.weight').data;
  for (let i = 0; i < embed.length; i++) embed[i] = rng.normal();
  const head = m.params.get('lm_head.weight').data;
  const d = config.dim;
  for (let i = 0; i < config.vocabSize; i++) {
    const next = (i * 7 + 3) % config.vocabSize;
    for (let k = 0; k < d; k++) head[next * d + k] = 4 * embed[i * d + k];
  }
  return m;
}

const prompt = Int32Array.from({ length: 20 }, (_, i) => new Rng(40 + i).int(config.vocabSize - 2));

function maxDiff(a: Float32Array, b: Float32Array): { diff: number; scale: number } {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return { diff, scale };
}

async function withGguf<T>(fileType: 'Q8_0' | 'Q4_K', fn: (model: LlamaModel, bytes: number) => T): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'lmlab-quant-'));
  try {
    const path = join(dir, `m-${fileType}.gguf`);
    exportLlamaGguf(path, config, toNamedTensors(floatModel().params), vocabulary(config.vocabSize), { fileType });
    const loaded = await loadModelDir(path);
    return fn(loaded.model, statSync(path).size);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

for (const fileType of ['Q8_0', 'Q4_K'] as const) {
  test(`${fileType} GGUF: kept quantized, about the file's size, close to its dequantized float32 model`, async () => {
    await withGguf(fileType, (model, fileBytes) => {
      const p = model.params;
      assert.ok(p.quantized);
      const q = model.weights.layers[0].q;
      assert.ok(q instanceof QuantMatrix);
      // Q8_0 matrices are held interleaved (Q8_0x8) where the kernels prefer it
      const x8 = fileType === 'Q8_0' && kernels().prefersInterleaved && q.rows % 8 === 0;
      assert.equal(q.type, x8 ? QUANT_TYPES.Q8_0x8 : QUANT_TYPES[fileType]);
      const { qkv, gateUp, gate } = model.weights.layers[0];
      assert.ok(qkv instanceof QuantMatrix && gateUp instanceof QuantMatrix, 'q/k/v and gate/up of one type are fused');
      // the parts are views of the fused copies: the weights are held once
      assert.equal(q.data.buffer, qkv.data.buffer);
      assert.ok(gate instanceof QuantMatrix && gate.data.buffer === gateUp.data.buffer);
      assert.ok(model.weights.embed instanceof QuantMatrix);
      const held = p.weightBytes();
      assert.ok(held <= fileBytes && held > 0.9 * fileBytes, `weights ${held} bytes, file ${fileBytes}`);
      const dense = new LlamaModel(model.config, dequantizeParams(p));
      assert.ok(dense.params.weightBytes() > 3 * held);
      const a = new InferenceSession(model, { chunk: 8 }).prefill(prompt).data;
      const b = new InferenceSession(dense, { chunk: 8 }).prefill(prompt).data;
      const { diff, scale } = maxDiff(a, b);
      // the only difference is the 8-bit quantization of the activations
      assert.ok(diff > 0 && diff < 0.02 * scale, `max logit difference ${diff} of ${scale}`);
      const ours = generate(new InferenceSession(model, { chunk: 8 }), prompt, { sampling: greedy, maxTokens: 32 });
      const theirs = generate(new InferenceSession(dense, { chunk: 8 }), prompt, { sampling: greedy, maxTokens: 32 });
      assert.deepEqual(ours.tokens, theirs.tokens);
    });
  });
}

test('one-token decode (fused GEMV) agrees with chunked prefill (GEMM) on a quantized model', async () => {
  await withGguf('Q4_K', (model) => {
    const forced = Int32Array.from({ length: 6 }, (_, i) => (i * 37 + 5) % 500);
    const all = new Int32Array([...prompt, ...forced]);
    const byChunk: Float32Array[] = [];
    new InferenceSession(model, { chunk: 7 }).prefill(all, (first, logits) => {
      for (let r = 0; r < logits.shape[0]; r++) byChunk[first + r] = Float32Array.from(logits.rows(r, r + 1).data);
    });
    const s = new InferenceSession(model, { chunk: 7 });
    s.prefill(prompt);
    for (let i = 0; i < forced.length - 1; i++) {
      const got = s.decode(forced[i]).data;
      const want = byChunk[prompt.length + i];
      const { diff, scale } = maxDiff(got, want);
      assert.ok(diff <= 1e-4 * scale, `step ${i}: ${diff} of ${scale}`);
    }
  });
});

test('matrices quantized in different types run unfused and match their dequantized values', () => {
  const base = floatModel().params;
  const q4 = quantizeParams(base, 'Q4_K');
  const mixed = new Map(q4.quantizedMatrices());
  for (let l = 0; l < config.layers; l++) {
    for (const name of [`model.layers.${l}.self_attn.v_proj.weight`, `model.layers.${l}.mlp.up_proj.weight`]) {
      const t = base.get(name);
      mixed.set(name, new QuantMatrix(QUANT_TYPES.Q8_0, t.shape[0], t.shape[1], quantizeQ8_0(t.data)));
    }
  }
  mixed.delete('lm_head.weight');
  const params = new ParameterSet(config, undefined, base.arch, mixed);
  for (const spec of params.specs) if (!mixed.has(spec.name)) params.get(spec.name).data.set(base.get(spec.name).data);
  const model = new LlamaModel(config, params);
  assert.equal(model.weights.layers[0].qkv, null);
  assert.equal(model.weights.layers[0].gateUp, null);
  const dense = new LlamaModel(config, dequantizeParams(params));
  const a = new InferenceSession(model, { chunk: 8 });
  const b = new InferenceSession(dense, { chunk: 8 });
  a.prefill(prompt);
  b.prefill(prompt);
  const { diff, scale } = maxDiff(a.decode(9).data, b.decode(9).data);
  assert.ok(diff < 0.02 * scale, `${diff} of ${scale}`);
});

test('training and saving refuse a quantized model', () => {
  const model = new LlamaModel(config, quantizeParams(floatModel().params, 'Q8_0'));
  assert.throws(
    () => model.params.like(),
    (e: unknown) => e instanceof LmlabError && /quantized/.test(e.message),
  );
  assert.throws(
    () => toNamedTensors(model.params),
    (e: unknown) => e instanceof LmlabError && /quantized/.test(e.message),
  );
});

test('AdaSkip calibrates and skips on a quantized GGUF model', async () => {
  await withGguf('Q8_0', (model) => {
    const prompts = [0, 1, 2].map((s) =>
      Int32Array.from({ length: 48 }, (_, i) => new Rng(100 * s + i).int(config.vocabSize - 2)),
    );
    const profile = calibrate(model, prompts, { chunk: 16 });
    assert.equal(profile.attn.similarity.length, config.layers);
    assert.ok(profile.ffn.similarity.every((v) => Number.isFinite(v) && v > -1 && v <= 1));
    // the fingerprint covers the quantized blocks: the dequantized model is another model
    assert.throws(
      () => checkProfileMatches(profile, new LlamaModel(model.config, dequantizeParams(model.params))),
      /another model/,
    );
    const dense = generate(new InferenceSession(model, { chunk: 16 }), prompt, { sampling: greedy, maxTokens: 12 });
    const none = createAdaSkipHooks(model, profile, { mode: 'e2e', alpha: 0 });
    const same = generate(none.newSession(model, 16), prompt, { sampling: greedy, maxTokens: 12 });
    assert.deepEqual(same.tokens, dense.tokens);
    const skipping = createAdaSkipHooks(model, profile, { mode: 'e2e', alpha: 0.25 });
    const out = generate(skipping.newSession(model, 16), prompt, { sampling: greedy, maxTokens: 12 });
    assert.equal(out.tokens.length, 12);
    assert.ok(skipping.stats().flopShareSkipped > 0);
  });
});
