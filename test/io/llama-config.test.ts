// Hugging Face config.json ↔ LlamaConfig: real published configs parse to the right shape, our
// own output parses back identically, and unsupported options are refused naming the field.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { llamaConfigFromHf, llamaConfigToHf, specialTokenIdsFromHf } from '../../src/io/llama-config.ts';
import { tinyConfig } from './helpers.ts';

// The public config.json of SmolLM2-135M (fields as published).
const smolLm2 = {
  architectures: ['LlamaForCausalLM'],
  attention_bias: false,
  attention_dropout: 0.0,
  bos_token_id: 0,
  eos_token_id: 0,
  hidden_act: 'silu',
  hidden_size: 576,
  initializer_range: 0.041666666666666664,
  intermediate_size: 1536,
  is_llama_config: true,
  max_position_embeddings: 8192,
  model_type: 'llama',
  num_attention_heads: 9,
  num_hidden_layers: 30,
  num_key_value_heads: 3,
  pretraining_tp: 1,
  rms_norm_eps: 1e-5,
  rope_interleaved: false,
  rope_scaling: null,
  rope_theta: 100000,
  tie_word_embeddings: true,
  torch_dtype: 'bfloat16',
  transformers_version: '4.42.3',
  use_cache: true,
  vocab_size: 49152,
};

// TinyLlama-1.1B's: no tie_word_embeddings field (transformers' default is false).
const tinyLlama = {
  architectures: ['LlamaForCausalLM'],
  bos_token_id: 1,
  eos_token_id: 2,
  hidden_act: 'silu',
  hidden_size: 2048,
  initializer_range: 0.02,
  intermediate_size: 5632,
  max_position_embeddings: 2048,
  model_type: 'llama',
  num_attention_heads: 32,
  num_hidden_layers: 22,
  num_key_value_heads: 4,
  pretraining_tp: 1,
  rms_norm_eps: 1e-5,
  rope_scaling: null,
  torch_dtype: 'bfloat16',
  use_cache: true,
  vocab_size: 32000,
};

test('published LLaMA-family configs parse to the right shape', () => {
  assert.deepEqual(llamaConfigFromHf(smolLm2), {
    vocabSize: 49152,
    dim: 576,
    layers: 30,
    heads: 9,
    kvHeads: 3,
    ffnHidden: 1536,
    ropeTheta: 100000,
    normEps: 1e-5,
    maxSeqLen: 8192,
    tieEmbeddings: true,
  });
  assert.deepEqual(specialTokenIdsFromHf(smolLm2), { bosTokenId: 0, eosTokenId: 0 });
  assert.deepEqual(llamaConfigFromHf(tinyLlama), {
    vocabSize: 32000,
    dim: 2048,
    layers: 22,
    heads: 32,
    kvHeads: 4,
    ffnHidden: 5632,
    ropeTheta: 10000,
    normEps: 1e-5,
    maxSeqLen: 2048,
    tieEmbeddings: false,
  });
  assert.deepEqual(specialTokenIdsFromHf(tinyLlama), { bosTokenId: 1, eosTokenId: 2 });
  // Several end tokens (as in Llama 3.1 configs): the first one is taken.
  assert.equal(specialTokenIdsFromHf({ ...tinyLlama, eos_token_id: [7, 8] }).eosTokenId, 7);
  assert.throws(() => specialTokenIdsFromHf({ eos_token_id: 'x' }), /field eos_token_id must be a token id/);
});

test('our config.json parses back to the same config', () => {
  const hf = llamaConfigToHf(tinyConfig, 'bfloat16', { bosTokenId: 1, eosTokenId: 2 });
  assert.deepEqual(specialTokenIdsFromHf(hf), { bosTokenId: 1, eosTokenId: 2 });
  assert.equal(hf.model_type, 'llama');
  assert.equal(hf.torch_dtype, 'bfloat16');
  assert.equal(hf.num_key_value_heads, 2);
  assert.deepEqual(llamaConfigFromHf(JSON.parse(JSON.stringify(hf))), tinyConfig);
});

test('unsupported options are refused with the field named', () => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ rope_scaling: { rope_type: 'llama3', factor: 8 } }, /rope_scaling type "llama3" is not supported/],
    [{ rope_scaling: { type: 'linear', factor: 2 } }, /rope_scaling type "linear" is not supported/],
    [{ attention_bias: true }, /attention_bias true is not supported/],
    [{ mlp_bias: true }, /mlp_bias true is not supported/],
    [{ hidden_act: 'gelu' }, /hidden_act "gelu" is not supported/],
    [{ model_type: 'mistral' }, /model_type "mistral" is not supported/],
    [{ hidden_size: undefined }, /field hidden_size is missing/],
    [{ head_dim: 128 }, /head_dim 128 differs/],
    [{ num_key_value_heads: 5 }, /heads 32 is not a multiple of kvHeads 5/],
    [{ num_attention_heads: 3 }, /dim 2048 is not divisible by heads 3/],
  ];
  for (const [change, pattern] of cases) {
    assert.throws(
      () => llamaConfigFromHf({ ...tinyLlama, ...change }, 'x/config.json'),
      new RegExp('x/config\\.json: ' + pattern.source),
    );
  }
  assert.throws(() => llamaConfigFromHf([1]), /not a JSON object/);
  const { rope_scaling: _, ...v5 } = { ...tinyLlama, rope_parameters: { rope_type: 'default', rope_theta: 500000 } };
  assert.equal(llamaConfigFromHf(v5).ropeTheta, 500000);
  assert.throws(
    () => llamaConfigFromHf({ ...tinyLlama, rope_parameters: { rope_type: 'yarn', rope_theta: 1 } }),
    /rope_parameters type "yarn" is not supported/,
  );
  // "default" RoPE is plain RoPE and is accepted.
  assert.equal(llamaConfigFromHf({ ...tinyLlama, rope_scaling: { rope_type: 'default' } }).dim, 2048);
});
