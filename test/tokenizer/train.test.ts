// Training: the incremental trainer must pick exactly the merges a naive trainer that recounts
// every pair after every merge picks; vocabulary layout, special tokens, clear errors; and
// decode(encode(x)) == x for any Unicode text, through both merge paths.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/util/rng.ts';
import { ChunkCounter, Tokenizer, tokenizerToGguf, trainBpe } from '../../src/tokenizer/index.ts';
import { SyntheticText } from '../../src/tokenizer/synthetic-text.ts';
import { VARIED_TEXT, randomUnicode, smallCorpus, smallTokenizer } from './helpers.ts';

/** Recounts all pairs for every merge: slow, obviously right, same tie-break. */
function naiveMerges(counter: ChunkCounter, merges: number, minFrequency: number): Array<[number, number]> {
  const words = [...counter.entries()].map(([chunk, count]) => ({ symbols: [...Buffer.from(chunk)], count }));
  const out: Array<[number, number]> = [];
  for (let next = 256; out.length < merges; next++) {
    const counts = new Map<string, number>();
    for (const { symbols, count } of words) {
      for (let i = 0; i + 1 < symbols.length; i++) {
        const key = `${symbols[i]},${symbols[i + 1]}`;
        counts.set(key, (counts.get(key) ?? 0) + count);
      }
    }
    let best: [number, number] | undefined;
    let bestCount = 0;
    for (const [key, count] of counts) {
      const [a, b] = key.split(',').map(Number);
      if (count > bestCount || (count === bestCount && best && (a < best[0] || (a === best[0] && b < best[1])))) {
        best = [a, b];
        bestCount = count;
      }
    }
    if (!best || bestCount < minFrequency) break;
    out.push(best);
    for (const word of words) {
      const merged: number[] = [];
      for (let i = 0; i < word.symbols.length; i++) {
        if (i + 1 < word.symbols.length && word.symbols[i] === best[0] && word.symbols[i + 1] === best[1]) {
          merged.push(next);
          i++;
        } else merged.push(word.symbols[i]);
      }
      word.symbols = merged;
    }
  }
  return out;
}

test('incremental training picks exactly the naive recount merges', () => {
  const rng = new Rng(9);
  const corpora = [smallCorpus(), 'aaaaaaa abababab aaaa bbbb abab '.repeat(5), randomUnicode(rng, 3000)];
  for (const corpus of corpora) {
    const counter = new ChunkCounter();
    counter.add(corpus);
    const { tokenizer, merges } = trainBpe(counter, { vocabSize: 256 + 3 + 150 });
    const ours = tokenizer.mergeRules().map((m) => [m.left, m.right]);
    assert.deepEqual(ours, naiveMerges(counter, 150, 2));
    assert.equal(ours.length, merges);
  }
});

test('chunk counts equal a plain Map count, through table growth', () => {
  const text = new SyntheticText(3).generate(200_000) + randomUnicode(new Rng(17), 5000);
  const counter = new ChunkCounter();
  counter.add(text);
  const expected = new Map<string, number>();
  for (const chunk of smallTokenizer().split(text)) expected.set(chunk, (expected.get(chunk) ?? 0) + 1);
  assert.ok(expected.size > 5000, `${expected.size} distinct chunks`);
  assert.deepEqual(new Map(counter.entries()), expected);
});

test('layout: 256 byte tokens, merges in order, then BOS/EOS/PAD and extra specials', () => {
  const counter = new ChunkCounter();
  counter.add(smallCorpus());
  const { tokenizer, stoppedEarly } = trainBpe(counter, { vocabSize: 400, extraSpecialTokens: ['<|sep|>'] });
  assert.equal(stoppedEarly, false);
  assert.equal(tokenizer.vocabSize, 400);
  assert.deepEqual(
    tokenizer.specialTokens().map((s) => [s.id, s.content]),
    [
      [396, '<|bos|>'],
      [397, '<|eos|>'],
      [398, '<|pad|>'],
      [399, '<|sep|>'],
    ],
  );
  assert.deepEqual([tokenizer.bosId, tokenizer.eosId, tokenizer.padId], [396, 397, 398]);
  assert.equal(tokenizer.tokenString(32), 'Ġ');
  assert.equal(tokenizer.tokenType(399), 'control');
  assert.equal(tokenizer.mergeStrings().length, 396 - 256);
  const gguf = tokenizerToGguf(tokenizer);
  assert.equal(gguf.tokens.length, 400);
  assert.deepEqual(
    [gguf.tokens[32], gguf.tokens[396], gguf.tokenTypes![32], gguf.tokenTypes![396]],
    ['Ġ', '<|bos|>', 1, 3],
  );
  assert.deepEqual(
    [gguf.model, gguf.pre, gguf.bosTokenId, gguf.eosTokenId, gguf.paddingTokenId],
    ['gpt2', 'dbrx', 396, 397, 398],
  );
  assert.equal(gguf.merges[0], tokenizer.mergeStrings()[0]);
  const doc = tokenizer.encodeDocument('hello');
  assert.deepEqual([doc[0], doc[doc.length - 1]], [396, 397]);
  const framed = tokenizer.encodeDocumentWithPrefix('URL: en.wikipedia.org\n\n', 'Bill');
  assert.deepEqual(framed.ids.slice(1, framed.prefixLength), tokenizer.encode('URL: en.wikipedia.org\n\n'));
  assert.deepEqual(framed.ids.slice(framed.prefixLength, -1), tokenizer.encode('Bill'));
});

test('special strings in text are ordinary text unless allowed', () => {
  const tokenizer = smallTokenizer();
  const text = 'a<|eos|>b';
  assert.equal(tokenizer.encode(text).includes(tokenizer.eosId!), false);
  assert.deepEqual(tokenizer.encode(text, { allowSpecial: true }), [
    ...tokenizer.encode('a'),
    tokenizer.eosId!,
    ...tokenizer.encode('b'),
  ]);
  assert.equal(tokenizer.decode(tokenizer.encode(text)), text);
});

test('decode(encode(x)) == x for any Unicode, and both merge paths agree', () => {
  const tokenizer = smallTokenizer();
  const spec = {
    pattern: tokenizer.pattern,
    tokens: Array.from({ length: tokenizer.vocabSize }, (_, id) =>
      tokenizer.tokenType(id) === 'normal' ? tokenizer.tokenBytes(id) : undefined,
    ),
    merges: tokenizer.mergeRules(),
    specials: tokenizer.specialTokens(),
  };
  const heapOnly = new Tokenizer(spec, { heapThreshold: 1 });
  const tinyCache = new Tokenizer(spec, { cacheEntries: 5 });
  const rng = new Rng(21);
  const texts = [VARIED_TEXT, '\ufeffstarts with a BOM', '', ' ', 'x'.repeat(5000), '\u0000\u0001\u007f'];
  for (let t = 0; t < 300; t++) texts.push(randomUnicode(rng, rng.int(60)));
  for (const text of texts) {
    const ids = tokenizer.encode(text);
    assert.equal(tokenizer.decode(ids), text, JSON.stringify(text));
    assert.deepEqual(heapOnly.encode(text), ids, JSON.stringify(text));
    assert.deepEqual(tinyCache.encode(text), ids, JSON.stringify(text));
  }
  // Lone surrogates are not Unicode scalar values: UTF-8 cannot carry them.
  assert.equal(tokenizer.decode(tokenizer.encode('a\ud800b')), 'a\ufffdb');
});

test('bad input: small vocabulary, empty corpus, duplicate specials, unknown ids', () => {
  const counter = new ChunkCounter();
  assert.throws(() => trainBpe(counter, { vocabSize: 1000 }), /corpus is empty/);
  counter.add('some text');
  assert.throws(() => trainBpe(counter, { vocabSize: 258 }), /smaller than 256 byte tokens \+ 3 special tokens = 259/);
  assert.throws(() => trainBpe(counter, { vocabSize: 300, bosToken: 'x', eosToken: 'x' }), /distinct/);
  const small = trainBpe(counter, { vocabSize: 1000 });
  assert.equal(small.stoppedEarly, true, 'a tiny corpus runs out of frequent pairs');
  assert.throws(() => small.tokenizer.decode([999999]), /token id 999999 is not in the vocabulary/);
});
