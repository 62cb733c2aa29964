// tokenizer.json files in the exact layouts the model families ship, written from small
// vocabularies trained here with lmlab's own BPE trainer (nothing downloaded): byte-level ones
// (GPT-2, cl100k/Llama 3 with and without ignore_merges, Qwen2, SmolLM) from a byte-level
// tokenizer, SentencePiece-style ones (Llama 2, Llama/Mistral Metaspace, Gemma) from a
// tokenizer trained on ▁-joined text, keeping only tokens that are whole characters.
import { GPT4_SPLIT_PATTERN, QWEN2_SPLIT_PATTERN } from '../../src/io/hf-tokenizer.ts';
import { ChunkCounter, trainBpe, type Tokenizer } from '../../src/tokenizer/index.ts';
import { findInvalidUtf8 } from '../../src/data/utf8.ts';
import { smallCorpus, smallTokenizer } from './helpers.ts';

type Json = Record<string, unknown>;
const added = (id: number, content: string, special = true, normalized = false): Json => ({
  id,
  content,
  single_word: false,
  lstrip: false,
  rstrip: false,
  normalized,
  special,
});
const byteLevel = (useRegex: boolean): Json => ({
  type: 'ByteLevel',
  add_prefix_space: false,
  trim_offsets: true,
  use_regex: useRegex,
});
const template = (bos: string, bosId: number): Json => ({
  type: 'TemplateProcessing',
  single: [{ SpecialToken: { id: bos, type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
  pair: [
    { SpecialToken: { id: bos, type_id: 0 } },
    { Sequence: { id: 'A', type_id: 0 } },
    { SpecialToken: { id: bos, type_id: 1 } },
    { Sequence: { id: 'B', type_id: 1 } },
  ],
  special_tokens: { [bos]: { id: bos, ids: [bosId], tokens: [bos] } },
});

function byteLevelVocab(): { vocab: Record<string, number>; merges: Array<[string, string]>; next: number } {
  const source = smallTokenizer();
  const vocab: Record<string, number> = {};
  for (let id = 0; id < source.vocabSize; id++)
    if (source.tokenType(id) === 'normal') vocab[source.tokenString(id)!] = id;
  const merges = source
    .mergeRules()
    .map((m): [string, string] => [source.tokenString(m.left)!, source.tokenString(m.right)!]);
  return { vocab, merges, next: source.vocabSize };
}

function bpeModel(vocab: Json, merges: unknown[], extra: Json = {}): Json {
  return {
    type: 'BPE',
    dropout: null,
    unk_token: null,
    continuing_subword_prefix: null,
    end_of_word_suffix: null,
    fuse_unk: false,
    byte_fallback: false,
    ignore_merges: false,
    vocab,
    merges,
    ...extra,
  };
}

export function gpt2Json(): Json {
  const { vocab, merges, next } = byteLevelVocab();
  vocab['<|endoftext|>'] = next;
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [added(next, '<|endoftext|>', true, true)],
    normalizer: null,
    pre_tokenizer: byteLevel(true),
    post_processor: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: false, use_regex: true },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: bpeModel(
      vocab,
      merges.map(([a, b]) => `${a} ${b}`),
      { continuing_subword_prefix: '', end_of_word_suffix: '' },
    ),
  };
}

export function llama3Json(ignoreMerges: boolean): Json {
  const { vocab, merges, next } = byteLevelVocab();
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [added(next, '<|begin_of_text|>'), added(next + 1, '<|end_of_text|>'), added(next + 2, '<|eot_id|>')],
    normalizer: null,
    pre_tokenizer: {
      type: 'Sequence',
      pretokenizers: [
        { type: 'Split', pattern: { Regex: GPT4_SPLIT_PATTERN }, behavior: 'Isolated', invert: false },
        byteLevel(false),
      ],
    },
    post_processor: {
      type: 'Sequence',
      processors: [
        { type: 'ByteLevel', add_prefix_space: true, trim_offsets: false, use_regex: true },
        template('<|begin_of_text|>', next),
      ],
    },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: bpeModel(vocab, merges, { ignore_merges: ignoreMerges }),
  };
}

export function qwen2Json(): Json {
  const { vocab, merges, next } = byteLevelVocab();
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [added(next, '<|endoftext|>'), added(next + 1, '<|im_start|>'), added(next + 2, '<|im_end|>')],
    normalizer: { type: 'NFC' },
    pre_tokenizer: {
      type: 'Sequence',
      pretokenizers: [
        { type: 'Split', pattern: { Regex: QWEN2_SPLIT_PATTERN }, behavior: 'Isolated', invert: false },
        byteLevel(false),
      ],
    },
    post_processor: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false },
    decoder: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false },
    model: bpeModel(
      vocab,
      merges.map(([a, b]) => `${a} ${b}`),
      { continuing_subword_prefix: '', end_of_word_suffix: '' },
    ),
  };
}

export function smollmJson(): Json {
  const { vocab, merges, next } = byteLevelVocab();
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [added(next, '<|endoftext|>'), added(next + 1, '<|im_start|>'), added(next + 2, '<|im_end|>')],
    normalizer: null,
    pre_tokenizer: { type: 'Sequence', pretokenizers: [{ type: 'Digits', individual_digits: true }, byteLevel(true)] },
    post_processor: null,
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: bpeModel(
      vocab,
      merges.map(([a, b]) => `${a} ${b}`),
      { continuing_subword_prefix: '', end_of_word_suffix: '' },
    ),
  };
}

let spm: { vocab: Record<string, number>; merges: Array<[string, string]> } | undefined;

/** A SentencePiece-style vocabulary: specials, the 256 byte tokens, characters, merged pieces. */
function sentencePieceVocab(first: string[]): { vocab: Record<string, number>; merges: Array<[string, string]> } {
  if (!spm) {
    const corpus = smallCorpus()
      .split('\n')
      .map((line) => '▁' + line.split(' ').join('▁'))
      .join('\n');
    const counter = new ChunkCounter();
    counter.add(corpus);
    const trained = trainBpe(counter, { vocabSize: 900 }).tokenizer;
    const text = (id: number): string | undefined => {
      const bytes = trained.tokenBytes(id)!;
      return findInvalidUtf8(bytes) < 0 ? new TextDecoder().decode(bytes) : undefined;
    };
    const pieces: string[] = [];
    for (const ch of new Set(corpus.replace(/\n/g, ''))) pieces.push(ch);
    const known = new Set(pieces);
    const merges: Array<[string, string]> = [];
    for (const m of trained.mergeRules()) {
      const [a, b, r] = [text(m.left), text(m.right), text(m.result)];
      if (a === undefined || b === undefined || r === undefined || !known.has(a) || !known.has(b) || known.has(r))
        continue;
      known.add(r);
      pieces.push(r);
      merges.push([a, b]);
    }
    const vocab: Record<string, number> = {};
    let next = 0;
    for (let b = 0; b < 256; b++) vocab[`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`] = next++;
    for (const piece of pieces) if (!(piece in vocab)) vocab[piece] = next++;
    spm = { vocab, merges };
  }
  const vocab: Record<string, number> = {};
  first.forEach((t, i) => (vocab[t] = i));
  for (const [t, id] of Object.entries(spm.vocab)) vocab[t] = id + first.length;
  return { vocab, merges: spm.merges };
}

const spmDecoder = (strip: boolean): Json => ({
  type: 'Sequence',
  decoders: [
    { type: 'Replace', pattern: { String: '▁' }, content: ' ' },
    { type: 'ByteFallback' },
    { type: 'Fuse' },
    ...(strip ? [{ type: 'Strip', content: ' ', start: 1, stop: 0 }] : []),
  ],
});

export function llama2Json(): Json {
  const { vocab, merges } = sentencePieceVocab(['<unk>', '<s>', '</s>']);
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [added(0, '<unk>'), added(1, '<s>'), added(2, '</s>')],
    normalizer: {
      type: 'Sequence',
      normalizers: [
        { type: 'Prepend', prepend: '▁' },
        { type: 'Replace', pattern: { String: ' ' }, content: '▁' },
      ],
    },
    pre_tokenizer: null,
    post_processor: template('<s>', 1),
    decoder: spmDecoder(true),
    model: bpeModel(
      vocab,
      merges.map(([a, b]) => `${a} ${b}`),
      { unk_token: '<unk>', fuse_unk: true, byte_fallback: true },
    ),
  };
}

export function mistralJson(): Json {
  const json = llama2Json();
  json.normalizer = null;
  json.pre_tokenizer = { type: 'Metaspace', replacement: '▁', prepend_scheme: 'first', split: false };
  (json.model as Json).merges = ((json.model as Json).merges as string[]).map((m) => m.split(' '));
  return json;
}

export function gemmaJson(): Json {
  const { vocab, merges } = sentencePieceVocab([
    '<pad>',
    '<eos>',
    '<bos>',
    '<unk>',
    '<start_of_turn>',
    '<end_of_turn>',
    '\t\t',
  ]);
  return {
    version: '1.0',
    truncation: null,
    padding: {
      strategy: 'BatchLongest',
      direction: 'Left',
      pad_to_multiple_of: null,
      pad_id: 0,
      pad_type_id: 0,
      pad_token: '<pad>',
    },
    added_tokens: [
      added(0, '<pad>'),
      added(1, '<eos>'),
      added(2, '<bos>'),
      added(3, '<unk>'),
      added(4, '<start_of_turn>'),
      added(5, '<end_of_turn>'),
      added(6, '\t\t', false),
    ],
    normalizer: { type: 'Replace', pattern: { String: ' ' }, content: '▁' },
    pre_tokenizer: null,
    post_processor: template('<bos>', 2),
    decoder: spmDecoder(false),
    model: bpeModel(vocab, merges, { unk_token: '<unk>', fuse_unk: true, byte_fallback: true }),
  };
}

export type Family = { name: string; json: () => Json; jsDeviations?: RegExp };

/** The families; jsDeviations: characters where the JavaScript oracle departs from the Rust
 * library and llama.cpp (its ByteLevel regex uses JS \s, adding U+FEFF and lacking U+0085; its
 * Digits uses ASCII \d where Rust counts every Unicode number; its ByteFallback decoder drops a
 * U+FEFF that starts a run of byte tokens). Tests replace them with '~'. */
export const FAMILIES: Family[] = [
  { name: 'GPT-2', json: gpt2Json, jsDeviations: /[\u0085\ufeff]/g },
  { name: 'cl100k (Llama 3 layout, merges)', json: () => llama3Json(false) },
  { name: 'Llama 3 (ignore_merges)', json: () => llama3Json(true) },
  { name: 'Qwen2', json: qwen2Json },
  { name: 'SmolLM (Digits + ByteLevel)', json: smollmJson, jsDeviations: /[\u0085\ufeff]|(?![0-9])\p{N}/gu },
  { name: 'Llama 2 (Prepend/Replace, byte fallback)', json: llama2Json, jsDeviations: /\ufeff/g },
  { name: 'Mistral (Metaspace, byte fallback)', json: mistralJson, jsDeviations: /\ufeff/g },
  { name: 'Gemma (Replace, byte fallback)', json: gemmaJson, jsDeviations: /\ufeff/g },
];
