// The string stages the JavaScript reference does not implement the way the Rust library does,
// checked against hand-worked results: Split's five behaviours and invert, Metaspace split and
// prepend schemes, Punctuation, Whitespace, Digits runs, BPE with a continuing-subword prefix and
// end-of-word suffix, unknown tokens with and without fuse_unk, added-token lstrip/rstrip.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildDecoder, buildNormalizer, buildPreTokenizer } from '../../src/tokenizer/pipeline.ts';
import { fromHuggingFaceJson } from '../../src/tokenizer/index.ts';
import type { Component } from '../../src/io/hf-tokenizer.ts';

const split = (node: Record<string, unknown>, text: string, atStart = true): string[] =>
  buildPreTokenizer(node as Component)!([{ text, atStart }]).map((p) => p.text);

test('Split behaviours and invert', () => {
  const s = (behavior: string, invert = false) =>
    split({ type: 'Split', pattern: { String: '-' }, behavior, invert }, 'a-b--c-');
  assert.deepEqual(s('Removed'), ['a', 'b', 'c']);
  assert.deepEqual(s('Isolated'), ['a', '-', 'b', '-', '-', 'c', '-']);
  assert.deepEqual(s('MergedWithPrevious'), ['a-', 'b-', '-', 'c-']);
  assert.deepEqual(s('MergedWithNext'), ['a', '-b', '-', '-c', '-']);
  assert.deepEqual(s('Contiguous'), ['a', '-', 'b', '--', 'c', '-']);
  // Inverted, the text between delimiters is what matches: Removed keeps only the delimiters.
  assert.deepEqual(s('Removed', true), ['-', '-', '-', '-']);
  assert.deepEqual(s('MergedWithPrevious', true), ['a', '-b', '-', '-c', '-']);
  const regex = split({ type: 'Split', pattern: { Regex: '\\s+' }, behavior: 'Removed' }, 'one  two\tthree');
  assert.deepEqual(regex, ['one', 'two', 'three']);
});

test('Metaspace prepend schemes and split; Punctuation, Whitespace, WhitespaceSplit, Digits', () => {
  const meta = (scheme: string, s: boolean, atStart = true) =>
    split({ type: 'Metaspace', replacement: '▁', prepend_scheme: scheme, split: s }, 'Hey  you', atStart);
  assert.deepEqual(meta('always', false), ['▁Hey▁▁you']);
  assert.deepEqual(meta('always', true), ['▁Hey', '▁', '▁you']);
  assert.deepEqual(meta('first', false, false), ['Hey▁▁you']);
  assert.deepEqual(meta('never', true), ['Hey', '▁', '▁you']);
  assert.deepEqual(split({ type: 'Punctuation' }, 'Hi!! (ok)'), ['Hi', '!', '!', ' ', '(', 'ok', ')']);
  assert.deepEqual(split({ type: 'Punctuation', behavior: 'Contiguous' }, 'Hi!!'), ['Hi', '!!']);
  assert.deepEqual(split({ type: 'Whitespace' }, 'Héllo, wörld!? 12'), ['Héllo', ',', 'wörld', '!?', '12']);
  assert.deepEqual(split({ type: 'WhitespaceSplit' }, ' a\u00a0b\u0085c '), ['a', 'b', 'c']);
  assert.deepEqual(split({ type: 'Digits', individual_digits: false }, 'ab123c٣4'), ['ab', '123', 'c', '٣4']);
  assert.deepEqual(split({ type: 'Digits', individual_digits: true }, 'x12'), ['x', '1', '2']);
  assert.deepEqual(split({ type: 'ByteLevel', add_prefix_space: true, use_regex: true }, 'Hi you'), [' Hi', ' you']);
});

test('normalizers and decoders', () => {
  const norm = (node: Record<string, unknown>, text: string) => buildNormalizer(node as Component)!(text);
  assert.equal(norm({ type: 'Lowercase' }, 'ΣΑΣ İ'), 'σασ i̇');
  assert.equal(norm({ type: 'Strip', strip_left: true, strip_right: false }, '\u3000 a '), 'a ');
  assert.equal(norm({ type: 'NFKC' }, 'ﬁ①'), 'fi1');
  assert.equal(norm({ type: 'Prepend', prepend: '▁' }, ''), '');
  const dec = (node: Record<string, unknown>, tokens: string[]) => buildDecoder(node as Component)!(tokens);
  assert.deepEqual(dec({ type: 'ByteFallback' }, ['<0xE4>', '<0xB8>', 'a', '<0xE4>', '<0xB8>', '<0xAD>']), [
    '\ufffd\ufffd',
    'a',
    '中',
  ]);
  assert.deepEqual(dec({ type: 'Strip', content: '▁', start: 2, stop: 1 }, ['▁▁▁a▁▁']), ['▁a▁']);
  assert.deepEqual(dec({ type: 'Metaspace', replacement: '▁', prepend_scheme: 'always' }, ['▁Hi', '▁there']), [
    'Hi',
    ' there',
  ]);
});

test('BPE with continuing-subword prefix, end-of-word suffix, unknown tokens and lstrip/rstrip', () => {
  const vocab = {
    '[UNK]': 0,
    a: 1,
    '##b': 2,
    '##c': 3,
    ab: 4,
    '##c</w>': 5,
    'ab##c</w>': 6,
    x: 7,
    '##b</w>': 8,
    'ab</w>': 9,
  };
  const json = (extra: Record<string, unknown>) => ({
    added_tokens: [{ id: 10, content: '<m>', special: true, lstrip: true, rstrip: true, normalized: false }],
    normalizer: null,
    pre_tokenizer: { type: 'WhitespaceSplit' },
    post_processor: null,
    decoder: null,
    model: {
      type: 'BPE',
      vocab: { ...vocab, '<m>': 10 },
      merges: [
        ['a', '##b'],
        ['a', '##b</w>'],
      ],
      unk_token: '[UNK]',
      continuing_subword_prefix: '##',
      end_of_word_suffix: '</w>',
      ...extra,
    },
  });
  const tok = fromHuggingFaceJson(json({}));
  assert.deepEqual(tok.encode('ab'), [9]); // a ##b</w> → ab</w>
  assert.deepEqual(tok.encode('abc'), [4, 5]); // a ##b → ab, then ##c</w>
  assert.deepEqual(tok.encode('xqq'), [7, 0, 0]); // x, then ##q and ##q</w> unknown, not fused
  assert.deepEqual(fromHuggingFaceJson(json({ fuse_unk: true })).encode('xqq'), [7, 0]);
  assert.deepEqual(tok.encode('ab  <m>  ab', { allowSpecial: true }), [9, 10, 9]);
});
