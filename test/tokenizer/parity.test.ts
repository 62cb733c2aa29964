// Parity with @huggingface/tokenizers, encode and decode, for tokenizer.json files in the
// layouts of each model family (families.ts), on every chapter of the bundled Moby-Dick
// and on adversarial strings. Special tokens are recognised and the
// post-processor's special tokens added, as the reference does by default.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Tokenizer as HfTokenizer } from '@huggingface/tokenizers';
import { Rng } from '../../src/engine/random.ts';
import { fromHuggingFaceJson } from '../../src/tokenizer/index.ts';
import { FAMILIES } from './families.ts';
import { VARIED_TEXT, randomUnicode } from './helpers.ts';

const root = new URL('../..', import.meta.url).pathname;

function corpus(name: string): string[] {
  const dir = join(root, 'node_modules', '@stdlib', name, 'data');
  return readdirSync(dir).filter((f) => f.endsWith('.txt')).sort().map((f) => readFileSync(join(dir, f), 'utf8'));
}

export const ADVERSARIAL: string[] = [
  ...VARIED_TEXT.split('\n'),
  'Ελληνικά and русский and 日本語 mixed: abcΑΒΓабв中文',
  '👨‍👩‍👧‍👦👩🏽‍💻🏳️‍🌈 ZWJ\u200d joined\u200dword and ZWNJ\u200c',
  'control \u0000\u0001\u0007\u001b[31m\u007f\u0085\u2028\u2029 chars',
  ' '.repeat(70) + 'x' + '\t'.repeat(20) + '\n'.repeat(15) + '   ',
  '0123456789 99999999999 3.14159e-10 ٠١٢٣ ⅣⅫ ½¾ ²³',
  'line one\r\nline two\r\n\r\n\rend\r',
  'lone surrogates: \ud800 and \udfff and \udbff\udbff reversed \udc00\ud800',
  'special <s> inside</s> text <|endoftext|><|im_start|>user\nhi<|im_end|> <start_of_turn>model\t\t<end_of_turn>',
  '▁already▁metaspace ▁ ▁▁',
  ' leading space', '  two leading', '', ' ', '\t\t\ttabs',
  'é' + 'e\u0301' + 'Å' + 'A\u030a' + 'ﬁ ligature Ⅻ',
];

function adversarial(): string[] {
  const rng = new Rng(21);
  const texts = [...ADVERSARIAL];
  for (let t = 0; t < 150; t++) texts.push(randomUnicode(rng, 1 + rng.int(40)));
  return texts;
}

const documents = corpus('datasets-moby-dick');

for (const family of FAMILIES) {
  test(`${family.name}: same ids and text as @huggingface/tokenizers`, () => {
    const json = family.json();
    const ours = fromHuggingFaceJson(JSON.parse(JSON.stringify(json)));
    const hf = new HfTokenizer(JSON.parse(JSON.stringify(json)), {});
    let checked = 0;
    for (const raw of [...adversarial(), ...documents]) {
      const text = family.jsDeviations ? raw.replace(family.jsDeviations, '~') : raw;
      const ids = ours.encode(text, { allowSpecial: true, addSpecialTokens: true });
      const expected = hf.encode(text).ids;
      if (ids.length !== expected.length || ids.some((id, i) => id !== expected[i])) {
        assert.deepEqual(ids, expected, `${family.name}: ${JSON.stringify(text.slice(0, 200))}`);
      }
      if (ids.length > 0) {
        assert.equal(ours.decode(ids), hf.decode(ids, { clean_up_tokenization_spaces: false }), JSON.stringify(text.slice(0, 200)));
      }
      checked++;
    }
    assert.ok(checked > documents.length);
  });
}
