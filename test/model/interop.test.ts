// A model in the layout `lmlab train` writes (Hugging Face folder + tokenizer.json) through the
// interchange formats and back: GGUF export/parse keeps every weight bit for bit (Q/K undo their
// RoPE permutation), the config and the tokenizer; a saved-and-loaded Hugging Face folder gives
// bit-identical logits, also when sharded, and BF16 storage equals rounding the weights first.
// llama.cpp itself is exercised by bench/llama-cpp/check.ts (it needs an optional package).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hfToGguf } from '../../src/io/convert.ts';
import { importLlamaGguf } from '../../src/io/gguf-llama.ts';
import { bf16ToF32Bits, f32BitsToBf16 } from '../../src/io/half.ts';
import { saveHfCheckpoint } from '../../src/io/hf-llama.ts';
import { parseLlamaConfig } from '../../src/model/config.ts';
import { InferenceSession } from '../../src/model/inference.ts';
import { LlamaModel } from '../../src/model/llama.ts';
import { loadModelDir } from '../../src/model/load.ts';
import { fromNamedTensors, toNamedTensors } from '../../src/model/params.ts';
import { ChunkCounter, saveTokenizer, tokenizerToGguf, trainBpe, type Tokenizer } from '../../src/tokenizer/index.ts';

const work = mkdtempSync(join(tmpdir(), 'lmlab-interop-'));
after(() => rmSync(work, { recursive: true, force: true }));

const CORPUS = [
  'The quick brown fox jumps over the lazy dog. ',
  'Fellow citizens, the state of the union is strong; the economy grows. ',
  'Numbers 12345 and 678, punctuation!? and — unicode é, ü, 東京. ',
];

function trainedTokenizer(): Tokenizer {
  const counter = new ChunkCounter();
  for (let i = 0; i < 20; i++) for (const line of CORPUS) counter.add(line);
  return trainBpe(counter, { vocabSize: 320, minFrequency: 2 }).tokenizer;
}

const tokenizer = trainedTokenizer();
const config = parseLlamaConfig({
  vocabSize: tokenizer.vocabSize,
  dim: 48,
  layers: 2,
  heads: 4,
  kvHeads: 2,
  ffnHidden: 80,
  maxSeqLen: 128,
});
const model = LlamaModel.initialised(config, 11);
// wider than the 0.02 init so that logits differ visibly between tokens
for (let i = 0; i < model.params.flat.length; i++) model.params.flat[i] *= 6;

/** Writes the model the way a training checkpoint does: safetensors + config.json + tokenizer.json. */
async function saveFolder(
  name: string,
  m: LlamaModel,
  options: { maxShardBytes?: number; dtype?: 'F32' | 'BF16' } = {},
): Promise<string> {
  const dir = join(work, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir);
  saveHfCheckpoint(dir, m.config, toNamedTensors(m.params), {
    ...options,
    bosTokenId: tokenizer.specialId('<|bos|>'),
    eosTokenId: tokenizer.specialId('<|eos|>'),
  });
  await saveTokenizer(tokenizer, join(dir, 'tokenizer.json'));
  return dir;
}

/** Every logit of a prefill plus a few decode steps, for an exact comparison. */
function logitsOf(m: LlamaModel, ids: Int32Array): Float32Array {
  const session = new InferenceSession(m, { chunk: 16 });
  const all: number[] = [];
  session.prefill(ids.subarray(0, ids.length - 3), (_, logits) => all.push(...logits.data));
  for (const id of ids.subarray(ids.length - 3)) all.push(...session.decode(id).data);
  return Float32Array.from(all);
}

function sameBits(a: Float32Array, b: Float32Array, what: string): void {
  assert.equal(a.length, b.length, `${what}: length`);
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) assert.fail(`${what}[${i}]: ${a[i]} vs ${b[i]}`);
}

const text = 'The state of the union: 12345 é 東京, the quick brown fox.';
const ids = Int32Array.from(tokenizer.encode(text));

test('the prompt is long enough to cross prefill chunks and the tokenizer covers it', () => {
  assert.ok(ids.length > 20, `only ${ids.length} tokens`);
  assert.equal(tokenizer.decode(Array.from(ids)), text);
});

test('GGUF export then parse gives back the config, every weight bit for bit, and the tokenizer', async () => {
  const dir = await saveFolder('gguf-src', model);
  const gguf = join(work, 'model-f32.gguf');
  hfToGguf(dir, gguf, { fileType: 'F32' });
  const back = importLlamaGguf(gguf);
  for (const key of [
    'vocabSize',
    'dim',
    'layers',
    'heads',
    'kvHeads',
    'ffnHidden',
    'ropeTheta',
    'normEps',
    'maxSeqLen',
  ] as const) {
    assert.ok(
      Math.abs(back.config[key] - config[key]) <= 1e-6 * Math.abs(config[key]),
      `${key}: ${back.config[key]} vs ${config[key]}`,
    );
  }
  const original = toNamedTensors(model.params);
  assert.deepEqual([...back.tensors.keys()].sort(), [...original.keys()].sort());
  for (const [name, tensor] of original) {
    const parsed = back.tensors.get(name)!;
    assert.deepEqual([...parsed.shape], tensor.shape, name);
    sameBits(parsed.data, tensor.data, name);
  }
  const vocab = tokenizerToGguf(tokenizer);
  assert.deepEqual(back.tokenizer.tokens, vocab.tokens);
  assert.deepEqual(back.tokenizer.merges, vocab.merges);
  assert.equal(back.tokenizer.bosTokenId, tokenizer.specialId('<|bos|>'));
  assert.equal(back.tokenizer.eosTokenId, tokenizer.specialId('<|eos|>'));
  // the special tokens are CONTROL (3) for llama.cpp, ordinary tokens NORMAL (1)
  assert.equal(back.tokenizer.tokenTypes![tokenizer.specialId('<|eos|>')!], 3);
  assert.equal(back.tokenizer.tokenTypes![ids[0]], 1);
  // and a model rebuilt from the parsed file computes exactly what the original does
  const rebuilt = new LlamaModel(config, fromNamedTensors(config, back.tensors, gguf));
  sameBits(logitsOf(rebuilt, ids), logitsOf(model, ids), 'logits from GGUF');
});

test('an F16 GGUF parses back to the weights rounded to half precision', async () => {
  const dir = await saveFolder('gguf-f16-src', model);
  const gguf = join(work, 'model-f16.gguf');
  hfToGguf(dir, gguf, { fileType: 'F16' });
  const back = importLlamaGguf(gguf);
  const q = back.tensors.get('model.layers.1.self_attn.q_proj.weight')!.data;
  const original = model.params.get('model.layers.1.self_attn.q_proj.weight').data;
  let worst = 0;
  for (let i = 0; i < q.length; i++)
    worst = Math.max(worst, Math.abs(q[i] - original[i]) / Math.max(Math.abs(original[i]), 2 ** -14));
  assert.ok(worst <= 2 ** -11 + 1e-9, `relative error ${worst}`);
  // norms stay F32 in an F16 file
  sameBits(back.tensors.get('model.norm.weight')!.data, model.params.get('model.norm.weight').data, 'final norm');
});

test('a Hugging Face folder saved and loaded back gives bit-identical logits (single file and shards)', async () => {
  const expected = logitsOf(model, ids);
  for (const [name, shard] of [
    ['hf-single', undefined],
    ['hf-sharded', 40_000],
  ] as const) {
    const dir = await saveFolder(name, model, shard ? { maxShardBytes: shard } : {});
    if (shard)
      assert.ok(readdirSync(dir).filter((f) => f.endsWith('.safetensors')).length > 2, 'expected several shards');
    const loaded = await loadModelDir(dir, { requireTokenizer: true });
    assert.deepEqual(loaded.model.config, config);
    sameBits(logitsOf(loaded.model, ids), expected, `${name} logits`);
    assert.deepEqual(loaded.tokenizer!.encode(text), Array.from(ids));
  }
});

test('BF16 storage loads as the weights rounded to bfloat16, with identical logits to that model', async () => {
  const dir = await saveFolder('hf-bf16', model, { dtype: 'BF16' });
  const rounded = new LlamaModel(config, fromNamedTensors(config, toNamedTensors(model.params)));
  const flat = rounded.params.flat;
  const bits = new Uint32Array(flat.buffer, flat.byteOffset, flat.length);
  for (let i = 0; i < bits.length; i++) bits[i] = bf16ToF32Bits(f32BitsToBf16(bits[i]));
  const loaded = await loadModelDir(dir);
  sameBits(loaded.model.params.flat, rounded.params.flat, 'bf16 weights');
  sameBits(logitsOf(loaded.model, ids), logitsOf(rounded, ids), 'bf16 logits');
  // and rounding really changed something, so the test can tell the two paths apart
  assert.notDeepEqual(Array.from(rounded.params.flat.subarray(0, 64)), Array.from(model.params.flat.subarray(0, 64)));
});

test('loading refuses a folder whose tokenizer is larger than the model vocabulary', async () => {
  const small = parseLlamaConfig({ ...config, vocabSize: config.vocabSize - 10 });
  const dir = await saveFolder('hf-small-vocab', LlamaModel.initialised(small, 1));
  await assert.rejects(loadModelDir(dir), /tokens but the model's vocabulary is/);
});
