// tokenizer.json: what we write must load in @huggingface/tokenizers and encode identically;
// what HF conventions write (GPT-2 layout, string merges, specials inside the vocab) must
// load into ours and encode like HF does; unsupported files fail with a one-line reason.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tokenizer as HfTokenizer } from '@huggingface/tokenizers';
import { Rng } from '../../src/util/rng.ts';
import {
  bytesToTokenString,
  fromHuggingFaceJson,
  toHuggingFaceJson,
  type Tokenizer,
} from '../../src/tokenizer/index.ts';
import { VARIED_TEXT, randomUnicode, smallTokenizer } from './helpers.ts';

function samples(): string[] {
  const rng = new Rng(13);
  const texts = VARIED_TEXT.split('\n');
  texts.push(VARIED_TEXT);
  for (let t = 0; t < 200; t++) texts.push(randomUnicode(rng, 1 + rng.int(30)));
  return texts;
}

/** jsSpace: the oracle runs GPT-2's regex with JS \s (adds U+FEFF, lacks U+0085) where the
 * Rust library, tiktoken and we use Unicode White_Space; those two characters are left out. */
function assertSameAsHf(ours: Tokenizer, hf: HfTokenizer, jsSpace = false): void {
  for (const raw of samples()) {
    const text = jsSpace ? raw.replace(/[\u0085\ufeff]/g, '~') : raw;
    const ids = ours.encode(text);
    assert.deepEqual(hf.encode(text, { add_special_tokens: false }).ids, ids, JSON.stringify(text));
    if (ids.length > 0)
      assert.equal(hf.decode(ids, { clean_up_tokenization_spaces: false }), text, JSON.stringify(text));
  }
}

test('our tokenizer.json loads in @huggingface/tokenizers and encodes identically', () => {
  const ours = smallTokenizer();
  const json = JSON.parse(JSON.stringify(toHuggingFaceJson(ours)));
  const hf = new HfTokenizer(json, {});
  assertSameAsHf(ours, hf);
  // The post-processor frames documents exactly like encodeDocument.
  assert.deepEqual(hf.encode('Hello there').ids, ours.encodeDocument('Hello there'));
  assert.equal(hf.token_to_id('<|pad|>'), ours.padId);
});

test('tokenizer.json round trip: same encodings, roles and file', () => {
  const ours = smallTokenizer();
  const json = JSON.parse(JSON.stringify(toHuggingFaceJson(ours)));
  const back = fromHuggingFaceJson(json);
  assert.deepEqual([back.bosId, back.eosId, back.padId], [ours.bosId, ours.eosId, ours.padId]);
  assert.deepEqual(back.encode(VARIED_TEXT), ours.encode(VARIED_TEXT));
  assert.deepEqual(JSON.parse(JSON.stringify(toHuggingFaceJson(back))), json);
});

/** Rewrites our tokenizer in GPT-2's conventions: ids in GPT-2 byte order, "a b" merges,
 * ByteLevel pre-tokenizer with its own regex, the end-of-text token inside the vocab. */
function gpt2StyleJson(source: Tokenizer): Record<string, unknown> {
  const vocab: Record<string, number> = {};
  let next = 0;
  const order: number[] = [];
  for (let b = 0x21; b < 256; b++) if (bytesToTokenString(Uint8Array.of(b)).charCodeAt(0) === b) order.push(b);
  for (let b = 0; b < 256; b++) if (!order.includes(b)) order.push(b);
  for (const b of order) vocab[bytesToTokenString(Uint8Array.of(b))] = next++;
  for (const merge of source.mergeRules()) vocab[source.tokenString(merge.result)!] = next++;
  vocab['<|endoftext|>'] = next;
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [
      {
        id: next,
        content: '<|endoftext|>',
        single_word: false,
        lstrip: false,
        rstrip: false,
        normalized: true,
        special: true,
      },
    ],
    normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    post_processor: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: false, use_regex: true },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: '',
      end_of_word_suffix: '',
      fuse_unk: false,
      byte_fallback: false,
      vocab,
      merges: source.mergeStrings(),
    },
  };
}

test('a GPT-2-convention tokenizer.json loads into ours and encodes like HF', () => {
  const json = gpt2StyleJson(smallTokenizer());
  const ours = fromHuggingFaceJson(json);
  const hf = new HfTokenizer(json, {});
  assertSameAsHf(ours, hf, true);
  assert.equal(ours.tokenType(ours.specialId('<|endoftext|>')!), 'control');
  assert.equal(ours.eosId, ours.specialId('<|endoftext|>'));
});

test('unsupported or broken tokenizer.json files give one-line reasons', () => {
  // biome-ignore lint/suspicious/noExplicitAny: the cases edit arbitrary parts of the JSON
  const good = () => JSON.parse(JSON.stringify(toHuggingFaceJson(smallTokenizer())));
  const cases: Array<[(j: any) => void, RegExp]> = [
    [
      (j) => (j.normalizer = { type: 'BertNormalizer' }),
      /normalizer BertNormalizer is not supported \(supported: NFC, NFD/,
    ],
    [
      (j) => (j.pre_tokenizer.pretokenizers[0] = { type: 'BertPreTokenizer' }),
      /pre_tokenizer BertPreTokenizer is not supported/,
    ],
    [
      (j) => (j.pre_tokenizer.pretokenizers[0].behavior = 'Sideways'),
      /Split behavior Sideways is not supported \(supported: Removed, Isolated/,
    ],
    [(j) => (j.decoder = { type: 'CTC' }), /decoder CTC is not supported \(supported: ByteLevel, Metaspace/],
    [(j) => (j.model.dropout = 0.1), /dropout 0\.1 is not supported/],
    [(j) => (j.model.merges[3] = ['Ġ', 'zzzz']), /merge 3 .* missing from the vocabulary/],
    [(j) => (j.model.merges[0] = 42), /merge 0 is neither/],
    [(j) => (j.model.type = 'WordPiece'), /model WordPiece is not supported \(supported: BPE\)/],
    [(j) => delete j.model.vocab[bytesToTokenString(Uint8Array.of(7))], /no token for byte 0x07/],
  ];
  for (const [mutate, message] of cases) {
    const json = good();
    mutate(json);
    assert.throws(
      () => fromHuggingFaceJson(json),
      (err: Error) => message.test(err.message) && !err.message.includes('\n'),
    );
  }
});
