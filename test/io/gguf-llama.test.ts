// LLaMA GGUF export: the metadata and tensor names llama.cpp's loader reads, Q/K rows permuted
// for interleaved RoPE, F16 matrices with F32 norms, and an import that restores the model.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { GgufFile } from '../../src/io/gguf.ts';
import { CL100K_PRE_TOKENIZER, TOKEN_TYPE, exportLlamaGguf, importLlamaGguf } from '../../src/io/gguf-llama.ts';
import { decodeF16, encodeF16 } from '../../src/io/half.ts';
import { toInterleavedRope } from '../../src/io/rope-permute.ts';
import { randomTensors, tempDir, tinyConfig, toyTokenizer } from './helpers.ts';

const dir = tempDir();

test('F32 export has llama.cpp metadata and names, and imports back identically', () => {
  const path = join(dir, 'tiny-f32.gguf');
  const tensors = randomTensors(tinyConfig);
  const tokenizer = toyTokenizer(tinyConfig.vocabSize);
  exportLlamaGguf(path, tinyConfig, tensors, tokenizer, { name: 'tiny' });

  const file = GgufFile.open(path);
  try {
    const meta = file.metadata;
    const expectValue = (key: string, type: string, value: unknown) => {
      assert.deepEqual(meta.get(key), { type, value }, key);
    };
    expectValue('general.architecture', 'string', 'llama');
    expectValue('general.name', 'string', 'tiny');
    expectValue('general.file_type', 'u32', 0);
    expectValue('llama.context_length', 'u32', 64);
    expectValue('llama.embedding_length', 'u32', 16);
    expectValue('llama.block_count', 'u32', 2);
    expectValue('llama.feed_forward_length', 'u32', 24);
    expectValue('llama.attention.head_count', 'u32', 4);
    expectValue('llama.attention.head_count_kv', 'u32', 2);
    expectValue('llama.rope.freq_base', 'f32', 10000);
    expectValue('llama.attention.layer_norm_rms_epsilon', 'f32', Math.fround(1e-5));
    expectValue('llama.rope.dimension_count', 'u32', 4);
    expectValue('tokenizer.ggml.model', 'string', 'gpt2');
    expectValue('tokenizer.ggml.pre', 'string', 'dbrx');
    assert.equal(CL100K_PRE_TOKENIZER, 'dbrx');
    assert.deepEqual(meta.get('tokenizer.ggml.tokens'), { type: 'array', itemType: 'string', value: tokenizer.tokens });
    assert.deepEqual(meta.get('tokenizer.ggml.merges'), { type: 'array', itemType: 'string', value: tokenizer.merges });
    const types = meta.get('tokenizer.ggml.token_type');
    assert.ok(types?.type === 'array' && types.itemType === 'i32');
    assert.deepEqual(types.value.slice(0, 4), [
      TOKEN_TYPE.NORMAL,
      TOKEN_TYPE.CONTROL,
      TOKEN_TYPE.CONTROL,
      TOKEN_TYPE.NORMAL,
    ]);
    expectValue('tokenizer.ggml.bos_token_id', 'u32', 1);
    expectValue('tokenizer.ggml.eos_token_id', 'u32', 2);
    expectValue('tokenizer.ggml.padding_token_id', 'u32', 2);

    const names = file.tensors.map((t) => t.name);
    assert.deepEqual(names.slice(0, 10), [
      'token_embd.weight',
      'blk.0.attn_norm.weight',
      'blk.0.attn_q.weight',
      'blk.0.attn_k.weight',
      'blk.0.attn_v.weight',
      'blk.0.attn_output.weight',
      'blk.0.ffn_norm.weight',
      'blk.0.ffn_gate.weight',
      'blk.0.ffn_up.weight',
      'blk.0.ffn_down.weight',
    ]);
    assert.deepEqual(names.slice(-2), ['output_norm.weight', 'output.weight']);
    assert.equal(names.length, 2 + 9 * tinyConfig.layers + 1);
    assert.deepEqual(file.info('token_embd.weight').shape, [40, 16]); // stored as GGUF dims [16, 40]
    assert.deepEqual(file.info('blk.1.ffn_down.weight').shape, [16, 24]);
    // Q is permuted with the query head count, K with the key/value head count; V is not.
    const q = tensors.get('model.layers.1.self_attn.q_proj.weight')!;
    const k = tensors.get('model.layers.1.self_attn.k_proj.weight')!;
    assert.deepEqual(file.read('blk.1.attn_q.weight').data, toInterleavedRope(q.data, 16, 16, 4));
    assert.deepEqual(file.read('blk.1.attn_k.weight').data, toInterleavedRope(k.data, 8, 16, 2));
    assert.notDeepEqual(file.read('blk.1.attn_q.weight').data, q.data);
    assert.deepEqual(
      file.read('blk.1.attn_v.weight').data,
      tensors.get('model.layers.1.self_attn.v_proj.weight')!.data,
    );
  } finally {
    file.close();
  }

  const back = importLlamaGguf(path);
  assert.deepEqual(back.config, tinyConfig);
  assert.deepEqual([...back.tensors.keys()], [...tensors.keys()]);
  for (const [name, tensor] of tensors) assert.deepEqual(back.tensors.get(name), tensor, name);
  assert.deepEqual(back.tokenizer.tokens, tokenizer.tokens);
  assert.deepEqual(back.tokenizer.merges, tokenizer.merges);
  assert.equal(back.tokenizer.pre, 'dbrx');
  assert.equal(back.tokenizer.bosTokenId, 1);
});

test('F16 export stores matrices as F16, norms as F32, and a tied model has no output.weight', () => {
  const config = { ...tinyConfig, tieEmbeddings: true, ropeTheta: 500000, normEps: 1e-6 };
  const tensors = randomTensors(config, 3);
  const path = join(dir, 'tiny-f16.gguf');
  exportLlamaGguf(path, config, tensors, toyTokenizer(config.vocabSize), { fileType: 'F16' });
  const file = GgufFile.open(path);
  try {
    assert.deepEqual(file.metadata.get('general.file_type'), { type: 'u32', value: 1 });
    assert.equal(file.info('token_embd.weight').typeName, 'F16');
    assert.equal(file.info('blk.0.attn_q.weight').typeName, 'F16');
    assert.equal(file.info('blk.0.attn_norm.weight').typeName, 'F32');
    assert.equal(file.info('output_norm.weight').typeName, 'F32');
    assert.ok(!file.has('output.weight'));
  } finally {
    file.close();
  }
  const back = importLlamaGguf(path);
  assert.deepEqual(back.config, config);
  for (const [name, tensor] of tensors) {
    let expected = tensor.data;
    if (tensor.shape.length === 2) {
      const half = new Uint16Array(expected.length);
      encodeF16(expected, half);
      expected = new Float32Array(expected.length);
      decodeF16(half, expected);
    }
    assert.deepEqual(back.tensors.get(name)!.data, expected, name);
  }
});

test('export refuses a tokenizer that llama.cpp could not load', () => {
  const tensors = randomTensors(tinyConfig);
  const path = join(dir, 'bad.gguf');
  const tokenizer = toyTokenizer(tinyConfig.vocabSize);
  assert.throws(
    () => exportLlamaGguf(path, tinyConfig, tensors, { ...tokenizer, tokens: tokenizer.tokens.slice(1) }),
    /tokenizer has 39 tokens but the model's vocabulary is 40/,
  );
  const duplicated = [...tokenizer.tokens];
  duplicated[5] = 'a';
  assert.throws(
    () => exportLlamaGguf(path, tinyConfig, tensors, { ...tokenizer, tokens: duplicated }),
    /token 5 "a" appears twice/,
  );
  assert.throws(
    () => exportLlamaGguf(path, tinyConfig, tensors, { ...tokenizer, merges: ['ab'] }),
    /merge 0 "ab" is not "left right"/,
  );
  assert.throws(
    () => exportLlamaGguf(path, tinyConfig, tensors, { ...tokenizer, eosTokenId: 40 }),
    /eos token id 40 is outside the vocabulary/,
  );
  const missing = new Map(tensors);
  missing.delete('model.layers.1.mlp.up_proj.weight');
  assert.throws(
    () => exportLlamaGguf(path, tinyConfig, missing, tokenizer),
    /missing tensor model\.layers\.1\.mlp\.up_proj\.weight/,
  );
});
