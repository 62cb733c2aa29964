// Hugging Face checkpoint folders: save and load in F32/BF16, single-file and sharded, tied
// embeddings, and clear errors for tensors that do not fit the architecture.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { encodeBf16, decodeBf16 } from '../../src/io/half.ts';
import { loadHfCheckpoint, saveHfCheckpoint } from '../../src/io/hf-llama.ts';
import { writeSafetensors } from '../../src/io/safetensors.ts';
import type { NamedTensors } from '../../src/io/tensors.ts';
import { randomTensors, tempDir, tinyConfig } from './helpers.ts';

const root = tempDir();
let folderCount = 0;
function folder(): string {
  const dir = join(root, `ckpt${++folderCount}`);
  mkdirSync(dir);
  return dir;
}

function assertSameTensors(actual: NamedTensors, expected: NamedTensors): void {
  assert.deepEqual([...actual.keys()], [...expected.keys()]);
  for (const [name, tensor] of expected) {
    assert.deepEqual(actual.get(name)!.shape, tensor.shape, name);
    assert.deepEqual(actual.get(name)!.data, tensor.data, name);
  }
}

test('F32 checkpoint round trip is exact and writes a transformers-style folder', () => {
  const dir = folder();
  const tensors = randomTensors(tinyConfig);
  saveHfCheckpoint(dir, tinyConfig, tensors, {
    tokenizerJson: '{"model":{}}',
    bosTokenId: 1,
    eosTokenId: 2,
    bosToken: '<s>',
    eosToken: '</s>',
  });
  assert.deepEqual(readdirSync(dir).sort(), [
    'config.json',
    'generation_config.json',
    'model.safetensors',
    'tokenizer.json',
    'tokenizer_config.json',
  ]);
  // the special tokens are named wherever transformers and converters look for them
  const read = (f: string) => JSON.parse(readFileSync(join(dir, f), 'utf8'));
  assert.equal(read('config.json').bos_token_id, 1);
  assert.equal(read('config.json').eos_token_id, 2);
  assert.equal(read('generation_config.json').bos_token_id, 1);
  assert.equal(read('generation_config.json').eos_token_id, 2);
  assert.equal(read('tokenizer_config.json').bos_token, '<s>');
  assert.equal(read('tokenizer_config.json').eos_token, '</s>');
  assert.equal(read('tokenizer_config.json').add_bos_token, true);
  const loaded = loadHfCheckpoint(dir);
  assert.deepEqual(loaded.config, tinyConfig);
  assert.equal(loaded.bosTokenId, 1);
  assert.equal(loaded.eosTokenId, 2);
  assert.equal(loaded.tokenizerPath, join(dir, 'tokenizer.json'));
  assertSameTensors(loaded.tensors, tensors);
});

test('BF16 sharded checkpoint loads through the index with values rounded once', () => {
  const dir = folder();
  const tensors = randomTensors(tinyConfig, 11);
  saveHfCheckpoint(dir, tinyConfig, tensors, { dtype: 'BF16', maxShardBytes: 2000 });
  const index = JSON.parse(readFileSync(join(dir, 'model.safetensors.index.json'), 'utf8'));
  const shards = new Set(Object.values(index.weight_map as Record<string, string>));
  assert.ok(shards.size > 3, `expected several shards, got ${shards.size}`);
  assert.ok(shards.has(`model-00001-of-0000${shards.size}.safetensors`));
  assert.equal(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')).torch_dtype, 'bfloat16');
  const expected: NamedTensors = new Map();
  for (const [name, t] of tensors) {
    const half = new Uint16Array(t.data.length);
    encodeBf16(t.data, half);
    const data = new Float32Array(t.data.length);
    decodeBf16(half, data);
    expected.set(name, { shape: t.shape, data });
  }
  assertSameTensors(loadHfCheckpoint(dir).tensors, expected);
  // Rewriting as one file removes the stale index so the new weights are what loads.
  saveHfCheckpoint(dir, tinyConfig, tensors);
  assert.ok(!existsSync(join(dir, 'model.safetensors.index.json')));
  assertSameTensors(loadHfCheckpoint(dir).tensors, tensors);
});

test('tied embeddings: no lm_head is needed, and a stored copy is skipped', () => {
  const config = { ...tinyConfig, tieEmbeddings: true };
  const tensors = randomTensors(config);
  assert.ok(!tensors.has('lm_head.weight'));
  const dir = folder();
  saveHfCheckpoint(dir, config, tensors);
  assertSameTensors(loadHfCheckpoint(dir).tensors, tensors);
  const withCopy = new Map(tensors);
  withCopy.set('lm_head.weight', tensors.get('model.embed_tokens.weight')!);
  withCopy.set('model.layers.0.self_attn.rotary_emb.inv_freq', { shape: [2], data: new Float32Array(2) });
  writeSafetensors(join(dir, 'model.safetensors'), withCopy);
  const loaded = loadHfCheckpoint(dir);
  assert.ok(loaded.config.tieEmbeddings);
  assertSameTensors(loaded.tensors, tensors);
});

test('checkpoints that do not fit the architecture are refused clearly', () => {
  const base = randomTensors(tinyConfig);
  const dir = folder();
  saveHfCheckpoint(dir, tinyConfig, base);
  const rewrite = (edit: (t: NamedTensors) => void) => {
    const copy = new Map(base);
    edit(copy);
    writeSafetensors(join(dir, 'model.safetensors'), copy);
  };
  rewrite((t) => t.set('model.layers.0.self_attn.q_proj.bias', { shape: [16], data: new Float32Array(16) }));
  assert.throws(() => loadHfCheckpoint(dir), /unsupported tensor model\.layers\.0\.self_attn\.q_proj\.bias/);
  rewrite((t) => t.delete('model.norm.weight'));
  assert.throws(() => loadHfCheckpoint(dir), /missing tensor model\.norm\.weight/);
  rewrite((t) => t.set('model.norm.weight', { shape: [2, 8], data: new Float32Array(16) }));
  assert.throws(
    () => loadHfCheckpoint(dir),
    /model\.safetensors: tensor model\.norm\.weight has shape \[2, 8\], config implies \[16\]/,
  );
  rewrite(() => {});
  writeFileSync(
    join(dir, 'model.safetensors.index.json'),
    JSON.stringify({
      weight_map: Object.fromEntries([...base.keys()].map((n) => [n, 'model-00001-of-00002.safetensors'])),
    }),
  );
  assert.throws(() => loadHfCheckpoint(dir), /cannot open .*model-00001-of-00002\.safetensors: ENOENT/);

  const empty = folder();
  assert.throws(() => loadHfCheckpoint(empty), /no config\.json/);
  writeFileSync(join(empty, 'config.json'), JSON.stringify({ model_type: 'llama' }));
  assert.throws(() => loadHfCheckpoint(empty), /config\.json: field vocab_size is missing/);
  saveHfCheckpoint(empty, tinyConfig, base);
  writeFileSync(join(empty, 'model.safetensors'), '');
  assert.throws(() => loadHfCheckpoint(empty), /model\.safetensors: not a safetensors file/);
});
