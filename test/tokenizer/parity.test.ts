// Parity with @huggingface/tokenizers, encode and decode, for tokenizer.json files in the
// layouts of each model family (families.ts), on every chapter of the bundled Moby-Dick
// and on adversarial strings. Special tokens are recognised and the
// post-processor's special tokens added, as the reference does by default.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Tokenizer as HfTokenizer } from '@huggingface/tokenizers';
import { Rng } from '../../src/util/rng.ts';
import { fromHuggingFaceJson } from '../../src/tokenizer/index.ts';
import { FAMILIES } from './families.ts';
import { VARIED_TEXT, randomUnicode } from './helpers.ts';
import { ADVERSARIAL_TEXTS } from './adversarial.ts';

const root = new URL('../..', import.meta.url).pathname;

function corpus(name: string): string[] {
  const dir = join(root, 'node_modules', '@stdlib', name, 'data');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.txt'))
    .sort()
    .map((f) => readFileSync(join(dir, f), 'utf8'));
}

function adversarial(): string[] {
  const rng = new Rng(21);
  const texts = [...ADVERSARIAL_TEXTS];
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
        assert.equal(
          ours.decode(ids),
          hf.decode(ids, { clean_up_tokenization_spaces: false }),
          JSON.stringify(text.slice(0, 200)),
        );
      }
      checked++;
    }
    assert.ok(checked > documents.length);
  });
}
