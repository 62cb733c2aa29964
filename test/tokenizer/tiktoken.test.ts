// tiktoken compatibility: with cl100k_base ranks (as js-tiktoken ships them, and re-written in
// tiktoken's own rank-file format) our encoder must give exactly js-tiktoken's ids.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tiktoken } from 'js-tiktoken/lite';
import { Tokenizer as HfTokenizer } from '@huggingface/tokenizers';
import cl100k from 'js-tiktoken/ranks/cl100k_base';
import { Rng } from '../../src/util/rng.ts';
import {
  toHuggingFaceJson,
  fromHuggingFaceJson,
  fromJsTiktokenObject,
  parseJsTiktokenModule,
  parseTiktokenRankFile,
  tokenizerFromTiktoken,
} from '../../src/tokenizer/index.ts';
import { VARIED_TEXT, randomUnicode } from './helpers.ts';

const reference = new Tiktoken(cl100k);
const data = fromJsTiktokenObject(cl100k);
const ours = tokenizerFromTiktoken(data);

test('cl100k_base: identical ids to js-tiktoken on the varied text, line by line and whole', () => {
  for (const line of VARIED_TEXT.split('\n'))
    assert.deepEqual(ours.encode(line), reference.encode(line), JSON.stringify(line));
  const ids = ours.encode(VARIED_TEXT);
  assert.deepEqual(ids, reference.encode(VARIED_TEXT));
  assert.equal(ours.decode(ids), VARIED_TEXT);
});

test('cl100k_base: identical ids on random Unicode (without U+0085/U+FEFF, where JS \\s differs)', () => {
  const rng = new Rng(5);
  for (let t = 0; t < 300; t++) {
    const text = randomUnicode(rng, 1 + rng.int(40)).replace(/[\u0085\ufeff]/g, 'x');
    assert.deepEqual(ours.encode(text), reference.encode(text), JSON.stringify(text));
  }
});

test('cl100k_base: long chunks (heap merge path) match js-tiktoken', () => {
  const long = 'x'.repeat(1200) + ' ' + '!@#$%^&*'.repeat(100) + ' ' + 'ab'.repeat(300);
  assert.deepEqual(ours.encode(long), reference.encode(long));
});

test('special tokens: matched only when allowed, as js-tiktoken does', () => {
  const text = 'end<|endoftext|>next <|fim_prefix|>';
  assert.deepEqual(ours.encode(text, { allowSpecial: true }), reference.encode(text, 'all'));
  assert.deepEqual(ours.encode(text, { allowSpecial: ['<|endoftext|>'] }).includes(100257), true);
  assert.equal(ours.encode(text).includes(100257), false, 'not allowed: encoded as ordinary text');
  assert.equal(ours.decode(ours.encode(text)), text);
  assert.throws(() => ours.encode(text, { allowSpecial: ['<|nope|>'] }), /not a special token/);
});

test('tiktoken rank-file format and js-tiktoken module text load to the same tokenizer', () => {
  const lines: string[] = [];
  data.tokens.forEach((bytes, rank) => {
    if (bytes) lines.push(`${Buffer.from(bytes).toString('base64')} ${rank}`);
  });
  const fromRankFile = tokenizerFromTiktoken({
    tokens: parseTiktokenRankFile(lines.join('\n')),
    specials: data.specials,
  });
  const sample = VARIED_TEXT.slice(0, 600);
  assert.deepEqual(fromRankFile.encode(sample), reference.encode(sample));
  const moduleText = `export default ${JSON.stringify(cl100k)};`;
  assert.equal(parseJsTiktokenModule(moduleText).tokens.length, data.tokens.length);
  assert.throws(() => parseTiktokenRankFile('IQ== 0\nnot-base64! 1\n', 'x.tiktoken'), /x\.tiktoken line 2/);
});

test('vocabulary accessors: holes are unused, specials are control, byte-level strings', () => {
  assert.equal(ours.vocabSize, 100277);
  assert.equal(ours.tokenType(100261), 'unused');
  assert.equal(ours.tokenType(100257), 'control');
  assert.equal(ours.tokenString(100257), '<|endoftext|>');
  assert.equal(ours.tokenString(ours.encode(' the')[0]), 'Ġthe');
  assert.equal(ours.eosId, 100257);
});

test('cl100k_base as tokenizer.json (Llama-3 layout, ignore_merges): HF and our reload match js-tiktoken', () => {
  const json = JSON.parse(JSON.stringify(toHuggingFaceJson(ours)));
  assert.equal(json.model.ignore_merges, true);
  const expected = reference.encode(VARIED_TEXT);
  assert.deepEqual(new HfTokenizer(json, {}).encode(VARIED_TEXT, { add_special_tokens: false }).ids, expected);
  assert.deepEqual(fromHuggingFaceJson(json).encode(VARIED_TEXT), expected);
});
