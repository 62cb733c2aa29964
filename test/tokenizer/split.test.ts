// Pre-splitting: the hand-written GPT-4 scanner against the RegExp, our GPT-4 pattern against
// js-tiktoken's cl100k pattern, and the Oniguruma-to-JS translation of patterns.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import cl100k from 'js-tiktoken/ranks/cl100k_base';
import { Rng } from '../../src/util/rng.ts';
import { GPT4_SPLIT_PATTERN, forEachChunk, toJsPattern } from '../../src/tokenizer/pattern.ts';
import { createSplitter } from '../../src/tokenizer/splitter.ts';
import { VARIED_TEXT, randomUnicode } from './helpers.ts';

const scanner = createSplitter(GPT4_SPLIT_PATTERN);
const regex = createSplitter(GPT4_SPLIT_PATTERN, { forceRegex: true });

function chunks(splitter: ReturnType<typeof createSplitter>, text: string): string[] {
  const out: string[] = [];
  forEachChunk(splitter, text, (chunk) => out.push(chunk));
  return out;
}

test('GPT-4 split: known cases (contractions, digit groups, whitespace before newlines)', () => {
  assert.deepEqual(chunks(scanner, "I'm here, they'RE 'sure"), ['I', "'m", ' here', ',', ' they', "'RE", " '", 'sure']);
  assert.deepEqual(chunks(scanner, '1234567 x12'), ['123', '456', '7', ' x', '12']);
  assert.deepEqual(chunks(scanner, 'a   b\n\n  c  '), ['a', '  ', ' b', '\n\n', ' ', ' c', '  ']);
  assert.deepEqual(chunks(scanner, ' !!?\n\nx'), [' !!?\n\n', 'x']);
  assert.deepEqual(chunks(scanner, '中文 مرحبا'), ['中文', ' مرحبا']);
});

test('GPT-4 split: scanner equals the RegExp on 20k random Unicode strings', () => {
  const rng = new Rng(3);
  for (let t = 0; t < 20000; t++) {
    const text = randomUnicode(rng, 1 + rng.int(14));
    assert.deepEqual(chunks(scanner, text), chunks(regex, text), JSON.stringify(text));
  }
  assert.deepEqual(chunks(scanner, VARIED_TEXT), chunks(regex, VARIED_TEXT));
});

test('GPT-4 split equals js-tiktoken cl100k regex on the varied text', () => {
  const theirs = [...VARIED_TEXT.matchAll(new RegExp(cl100k.pat_str, 'gu'))].map((m) => m[0]);
  assert.deepEqual(chunks(scanner, VARIED_TEXT), theirs);
});

test('GPT-4 split follows Unicode White_Space like tiktoken, not JS \\s', () => {
  // U+0085 is White_Space (JS \s omits it); U+FEFF is not (JS \s includes it).
  assert.deepEqual(chunks(scanner, 'a\u0085\u0085b'), ['a', '\u0085', '\u0085b']);
  assert.deepEqual(chunks(scanner, 'a \ufeffb'), ['a', ' \ufeff', 'b']);
});

test('pattern translation: (?i:...) groups, possessive quantifiers, \\s and \\p{..}', () => {
  assert.equal(toJsPattern("(?i:'s|'ll)"), "(?:'[sS]|'[lL][lL])");
  assert.equal(toJsPattern("'(?i:[sd]|ve)"), "'(?:[sSdD]|[vV][eE])");
  assert.equal(
    toJsPattern('\\p{L}++|\\p{N}{1,3}+| ?[^\\s\\p{L}]++'),
    '\\p{L}+|\\p{N}{1,3}| ?[^\\p{White_Space}\\p{L}]+',
  );
  assert.equal(toJsPattern('\\s+(?!\\S)|a?+'), '\\p{White_Space}+(?!\\P{White_Space})|a?');
  assert.equal(toJsPattern('\\++'), '\\++', 'an escaped plus is a literal, its quantifier stays');
  const newer =
    "'(?i:[sdmt]|ll|ve|re)|[^\\r\\n\\p{L}\\p{N}]?+\\p{L}++|\\p{N}{1,3}+| ?[^\\s\\p{L}\\p{N}]++[\\r\\n]*+|\\s++$|\\s*[\\r\\n]|\\s+(?!\\S)|\\s";
  const newerSplitter = createSplitter(newer);
  assert.deepEqual(chunks(newerSplitter, "We'LL see 12345!"), ['We', "'LL", ' see', ' ', '123', '45', '!']);
});
