// Hugging Face folder ↔ GGUF conversion end to end, tokenizer.json reading (which pre-tokenizer
// llama.cpp should use, padding to the model's vocabulary), and the `lmlab weights` commands.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { describeWeightsFile, ggufToHf, hfToGguf } from '../../src/io/convert.ts';
import { TOKEN_TYPE, importLlamaGguf } from '../../src/io/gguf-llama.ts';
import { loadHfCheckpoint, saveHfCheckpoint } from '../../src/io/hf-llama.ts';
import { ggufTokenizerFromHf } from '../../src/io/hf-tokenizer.ts';
import { randomTensors, tempDir, tinyConfig } from './helpers.ts';

const dir = tempDir();
const CL100K =
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

/** A Llama-3-style tokenizer.json: cl100k Split then ByteLevel, merges as pairs. */
function cl100kTokenizerJson(ignoreMerges = false): Record<string, unknown> {
  return {
    version: '1.0',
    added_tokens: [
      { id: 30, content: '<|begin|>', special: true },
      { id: 31, content: '<|end|>', special: true },
      { id: 32, content: '<tool>', special: false },
    ],
    normalizer: null,
    pre_tokenizer: {
      type: 'Sequence',
      pretokenizers: [
        { type: 'Split', pattern: { Regex: CL100K }, behavior: 'Isolated', invert: false },
        { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false },
      ],
    },
    padding: { pad_id: 31 },
    model: {
      type: 'BPE',
      byte_fallback: false,
      ignore_merges: ignoreMerges,
      vocab: Object.fromEntries(['a', 'b', 'Ġ', 'ab', 'Ġa'].map((t, i) => [t, i])),
      merges: [
        ['a', 'b'],
        ['Ġ', 'a'],
      ],
    },
  };
}

test('tokenizer.json: cl100k maps to dbrx (or llama3 with ignore_merges), padded to the vocabulary', () => {
  const data = ggufTokenizerFromHf(cl100kTokenizerJson(), { vocabSize: 36, bosTokenId: 30, eosTokenId: 31 });
  assert.equal(data.pre, 'dbrx');
  assert.equal(data.tokens.length, 36);
  assert.deepEqual(data.tokens.slice(0, 6), ['a', 'b', 'Ġ', 'ab', 'Ġa', '[PAD5]']);
  assert.deepEqual(data.tokens.slice(30), ['<|begin|>', '<|end|>', '<tool>', '[PAD33]', '[PAD34]', '[PAD35]']);
  assert.deepEqual(data.tokenTypes!.slice(0, 6), [1, 1, 1, 1, 1, TOKEN_TYPE.UNUSED]);
  assert.deepEqual(data.tokenTypes!.slice(30, 33), [TOKEN_TYPE.CONTROL, TOKEN_TYPE.CONTROL, TOKEN_TYPE.USER_DEFINED]);
  assert.deepEqual(data.merges, ['a b', 'Ġ a']);
  assert.equal(data.paddingTokenId, 31);
  assert.equal(ggufTokenizerFromHf(cl100kTokenizerJson(true), { vocabSize: 36 }).pre, 'llama3');
});

test('tokenizer.json: GPT-2 and SmolLM pre-tokenizers are recognised; SentencePiece-style is refused', () => {
  const base = cl100kTokenizerJson();
  const byteLevel = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true };
  assert.equal(ggufTokenizerFromHf({ ...base, pre_tokenizer: byteLevel }, { vocabSize: 40 }).pre, 'gpt-2');
  const smol = { type: 'Sequence', pretokenizers: [{ type: 'Digits', individual_digits: true }, byteLevel] };
  assert.equal(ggufTokenizerFromHf({ ...base, pre_tokenizer: smol }, { vocabSize: 40 }).pre, 'smollm');
  const metaspace = { type: 'Metaspace', replacement: '▁', prepend_scheme: 'first', split: false };
  const spm = ggufTokenizerFromHf({ ...base, pre_tokenizer: metaspace }, { vocabSize: 40 });
  assert.deepEqual([spm.model, spm.addSpacePrefix, spm.scores!.slice(3, 5)], ['llama', true, [-0, -1]]);
  assert.throws(
    () => ggufTokenizerFromHf({ ...base, pre_tokenizer: { type: 'WhitespaceSplit' } }, { vocabSize: 40 }),
    /is not one llama\.cpp reproduces/,
  );
  assert.throws(
    () => ggufTokenizerFromHf(base, { vocabSize: 20 }),
    /33 tokens do not fit the model's vocabulary of 20/,
  );
  assert.throws(
    () => ggufTokenizerFromHf({ ...base, model: { type: 'Unigram' } }, { vocabSize: 40 }),
    /model Unigram is not supported/,
  );
});

test('a Hugging Face folder converts to GGUF and back without changing a weight', () => {
  const hfDir = join(dir, 'hf');
  mkdirSync(hfDir);
  const tensors = randomTensors(tinyConfig, 21);
  saveHfCheckpoint(hfDir, tinyConfig, tensors, {
    dtype: 'BF16',
    maxShardBytes: 4000,
    bosTokenId: 30,
    eosTokenId: 31,
    tokenizerJson: JSON.stringify(cl100kTokenizerJson()),
  });
  const original = loadHfCheckpoint(hfDir).tensors; // BF16-rounded once
  const gguf = join(dir, 'model.gguf');
  assert.match(hfToGguf(hfDir, gguf), /model\.gguf: llama, 2 layers, dim 16, vocab 40, F32, pre-tokenizer dbrx/);
  const imported = importLlamaGguf(gguf);
  assert.equal(imported.tokenizer.bosTokenId, 30);
  assert.equal(imported.tokenizer.paddingTokenId, 31);
  for (const [name, tensor] of original) assert.deepEqual(imported.tensors.get(name), tensor, name);

  const backDir = join(dir, 'back');
  ggufToHf(gguf, backDir, 'F32');
  const back = loadHfCheckpoint(backDir);
  assert.deepEqual(back.config, tinyConfig);
  assert.equal(back.eosTokenId, 31);
  for (const [name, tensor] of original) assert.deepEqual(back.tensors.get(name), tensor, name);

  const lines = describeWeightsFile(gguf, 3);
  assert.match(lines[0], /GGUF v3, \d+ metadata keys, 21 tensors/);
  assert.ok(lines.includes('  tokenizer.ggml.tokens = [string × 40]'));
  assert.ok(lines.includes('  token_embd.weight  F32 [40, 16]'));
  assert.equal(lines.at(-1), '  … 18 more tensors');
  assert.match(describeWeightsFile(join(backDir, 'model.safetensors'))[0], /safetensors, 21 tensors, \d+ values/);
});

test('lmlab weights reports problems in one line without a stack trace', () => {
  const bad = join(dir, 'bad.gguf');
  writeFileSync(bad, 'GGUF not really');
  const run = spawnSync(process.execPath, ['bin/lmlab.js', 'weights', 'inspect', bad], {
    encoding: 'utf8',
    timeout: 30000,
  });
  assert.equal(run.status, 1);
  assert.match(run.stderr, /^lmlab: .*bad\.gguf: not a GGUF file \(15 bytes, too short\)/);
  assert.equal(run.stderr.trim().split('\n').length, 1);
});
