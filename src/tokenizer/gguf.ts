// Tokenizers from and to a GGUF file's own vocabulary (tokenizer.ggml.*), tokenizing exactly as
// llama.cpp does: "gpt2" vocabularies are byte-level BPE with llama.cpp's pre-split regexes for
// the pre-tokenizer names listed in src/io/gguf-vocab.ts (several regexes split in turn, each
// match and gap kept), "llama" vocabularies are SentencePiece: characters merged by the score of
// the merged token, <0xXX> byte tokens for unknown characters, a space before the text and after
// every special token. Added tokens are split out longest first, as llama.cpp does. Reading the
// file itself is src/io's job.
import { LmlabError } from '../util/errors.ts';
import type { GgufMetadata } from '../io/gguf.ts';
import {
  GGUF_PRE_TOKENIZERS,
  IGNORE_MERGES_PRE_TOKENIZERS,
  TOKEN_TYPE,
  readGgufVocabulary,
  type GgufTokenizerData,
} from '../io/gguf-vocab.ts';
import { GPT2_SPLIT_PATTERN, GPT4_SPLIT_PATTERN, QWEN2_SPLIT_PATTERN, type Component } from '../io/hf-tokenizer.ts';
import type { MergeRule } from './bpe.ts';
import { tokenStringToBytes } from './byte-level.ts';
import { buildDecoder, buildPreTokenizer } from './pipeline.ts';
import { GGUF_TOKEN_TYPE, Tokenizer, type SpecialToken, type TokenType, type TokenizerSpec } from './tokenizer.ts';

/** llama.cpp's GPT-2 regex (its split keeps no trailing `|\s+`, which never matters). */
const LLAMA_CPP_GPT2 = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)";

/** The regexes llama.cpp splits with, in turn, for each pre-tokenizer name. */
function preRegexes(pre: string): string[] {
  switch (pre) {
    case 'llama3':
    case 'llama-v3':
    case 'llama-bpe':
    case 'dbrx':
    case 'smaug-bpe':
      return [GPT4_SPLIT_PATTERN];
    case 'qwen2':
      return [QWEN2_SPLIT_PATTERN];
    case 'gpt-2':
      return [GPT2_SPLIT_PATTERN];
    case 'smollm':
      return ['\\p{N}', LLAMA_CPP_GPT2];
    case 'default':
      return ['[\\p{P}\\$\\+<=>\\^~\\|]+', LLAMA_CPP_GPT2, '\\p{N}+', '[0-9][0-9][0-9]'];
  }
  throw new LmlabError(
    `tokenizer.ggml.pre ${JSON.stringify(pre)} is not supported (supported: ${GGUF_PRE_TOKENIZERS.join(', ')})`,
  );
}

const TYPE_NAMES = new Map<number, TokenType>(
  Object.entries(GGUF_TOKEN_TYPE).map(([name, code]) => [code, name as TokenType]),
);

/** A tokenizer from GGUF metadata (or the vocabulary already read from it). */
export function tokenizerFromGguf(input: GgufMetadata | GgufTokenizerData, where = 'GGUF file'): Tokenizer {
  const data = input instanceof Map ? readGgufVocabulary(input, where) : input;
  const model = data.model ?? 'gpt2';
  const n = data.tokens.length;
  const types = data.tokenTypes ?? new Array<number>(n).fill(TOKEN_TYPE.NORMAL);
  const specials: SpecialToken[] = [];
  const added = (id: number): boolean =>
    types[id] === TOKEN_TYPE.CONTROL || types[id] === TOKEN_TYPE.USER_DEFINED || types[id] === TOKEN_TYPE.UNKNOWN;
  for (let id = 0; id < n; id++) {
    if (added(id) && data.tokens[id].length > 0) {
      specials.push({
        id,
        content: data.tokens[id],
        special: types[id] !== TOKEN_TYPE.USER_DEFINED,
        normalized: false,
      });
    }
  }
  const roles = { bos: data.bosTokenId, eos: data.eosTokenId, pad: data.paddingTokenId };
  const stated = types.map((t) => TYPE_NAMES.get(t));
  const spec: TokenizerSpec = {
    pattern: '',
    tokens: [],
    merges: [],
    specials,
    roles,
    types: stated,
    addedMatch: 'longest-first',
  };
  if (model === 'gpt2') {
    const pre = data.pre ?? 'default';
    const regexes = preRegexes(pre);
    const tokens: Array<Uint8Array | undefined> = [];
    const idOf = new Map<string, number>();
    for (let id = 0; id < n; id++) {
      idOf.set(data.tokens[id], id);
      if (!added(id)) tokens[id] = tokenStringToBytes(data.tokens[id]) ?? new TextEncoder().encode(data.tokens[id]);
    }
    spec.tokens = tokens;
    spec.merges = data.merges.flatMap((merge, rank): MergeRule[] => {
      const space = merge.indexOf(' ', 1);
      const left = idOf.get(merge.slice(0, space));
      const right = idOf.get(merge.slice(space + 1));
      const result = idOf.get(merge.slice(0, space) + merge.slice(space + 1));
      // llama.cpp cannot use a merge whose parts or result are not tokens either.
      if (space < 0 || left === undefined || right === undefined || result === undefined) return [];
      if (tokens[left] === undefined || tokens[right] === undefined || tokens[result] === undefined) return [];
      return [{ left, right, result, priority: rank }];
    });
    spec.ignoreMerges = IGNORE_MERGES_PRE_TOKENIZERS.has(pre);
    spec.addBos = data.addBosToken ?? spec.ignoreMerges;
    spec.addEos = data.addEosToken ?? false;
    if (regexes.length === 1) spec.pattern = regexes[0];
    else {
      const stages: Component[] = regexes.map((regex) => ({
        type: 'Split',
        pattern: { Regex: regex },
        behavior: 'Isolated',
      }));
      spec.pipeline = {
        normalizer: null,
        preTokenizer: buildPreTokenizer({ type: 'Sequence', pretokenizers: stages }),
        decoder: null,
        template: null,
        summary: {},
      };
    }
    spec.pipeline ??= { normalizer: null, preTokenizer: null, decoder: null, template: null, summary: {} };
    spec.pipeline.summary = {
      model: `GGUF gpt2 (byte-level BPE, ${n} tokens, ${spec.merges.length} merges)`,
      pre_tokenizer: `llama.cpp "${pre}": ${regexes.map((r) => JSON.stringify(r)).join(', then ')}`,
      decoder: 'byte-level',
    };
    if (spec.pattern !== '') spec.pipeline = { ...spec.pipeline, preTokenizer: null };
    return new Tokenizer(spec);
  }
  // "llama": SentencePiece.
  const scores = data.scores ?? new Array<number>(n).fill(0);
  const strings: Array<string | undefined> = [...data.tokens];
  const idOf = new Map<string, number>();
  strings.forEach((text, id) => {
    if (text !== undefined && !idOf.has(text)) idOf.set(text, id);
  });
  const byteFallback = new Int32Array(256).fill(-1);
  for (let id = 0; id < n; id++) {
    const m = /^<0x([0-9A-Fa-f]{2})>$/.exec(data.tokens[id]);
    if (m && types[id] === TOKEN_TYPE.BYTE) byteFallback[parseInt(m[1], 16)] = id;
  }
  // Every way to cut a token into two tokens is a merge, ranked by the token's score
  // (equal scores share a rank, so the leftmost pair wins, as in llama.cpp).
  const distinct = [...new Set(scores)].sort((a, b) => b - a);
  const rankOf = new Map(distinct.map((s, i) => [s, i]));
  const merges: MergeRule[] = [];
  for (let id = 0; id < n; id++) {
    const chars = [...data.tokens[id]];
    let left = '';
    for (let k = 1; k < chars.length; k++) {
      left += chars[k - 1];
      const a = idOf.get(left);
      if (a === undefined) continue;
      const b = idOf.get(chars.slice(k).join(''));
      if (b !== undefined) merges.push({ left: a, right: b, result: id, priority: rankOf.get(scores[id])! });
    }
  }
  const encoder = new TextEncoder();
  spec.tokens = strings.map((text, id) => {
    if (text === undefined) return undefined;
    const m = /^<0x([0-9A-Fa-f]{2})>$/.exec(text);
    if (m && types[id] === TOKEN_TYPE.BYTE) return Uint8Array.of(parseInt(m[1], 16));
    return encoder.encode(text.split('▁').join(' '));
  });
  spec.merges = merges;
  const unk = data.unknownTokenId ?? -1;
  spec.chars = { strings, byteFallback, unk, fuseUnk: false, prefix: '', suffix: '' };
  const addSpacePrefix = data.addSpacePrefix ?? true;
  spec.spacePrefix = { add: addSpacePrefix, meta: '▁' };
  spec.addBos = data.addBosToken ?? true;
  spec.addEos = data.addEosToken ?? false;
  const decoders: Component[] = [
    { type: 'Replace', pattern: { String: '▁' }, content: ' ' },
    { type: 'ByteFallback' },
    { type: 'Fuse' },
  ];
  if (addSpacePrefix) decoders.push({ type: 'Strip', content: ' ', start: 1, stop: 0 });
  spec.pipeline = {
    normalizer: null,
    preTokenizer: null,
    decoder: buildDecoder({ type: 'Sequence', decoders }),
    template: null,
    summary: {
      model: `GGUF llama (SentencePiece, ${n} tokens, merged by score, byte fallback)`,
      normalizer: `spaces as ▁${addSpacePrefix ? ', a space before the text' : ''}`,
      decoder: 'Sequence[Replace ▁ → " ", ByteFallback, Fuse' + (addSpacePrefix ? ', Strip one leading space]' : ']'),
    },
  };
  return new Tokenizer(spec);
}

/** The tokenizer.ggml.* vocabulary of a tokenizer, of the kind llama.cpp reproduces exactly. */
export function tokenizerToGguf(tokenizer: Tokenizer): GgufTokenizerData {
  const kind = tokenizer.source.gguf;
  if (kind !== undefined && 'error' in kind) throw new LmlabError(kind.error);
  const tokens: string[] = [];
  const types: number[] = [];
  for (let id = 0; id < tokenizer.vocabSize; id++) {
    tokens.push(tokenizer.tokenString(id) ?? `<|unused_${id}|>`);
    types.push(GGUF_TOKEN_TYPE[tokenizer.tokenType(id)]);
  }
  const roles = tokenizer.roles;
  const data: GgufTokenizerData = { tokens, tokenTypes: types, merges: [] };
  if (roles.bos !== undefined) data.bosTokenId = roles.bos;
  if (roles.eos !== undefined) data.eosTokenId = roles.eos;
  if (roles.pad !== undefined) data.paddingTokenId = roles.pad;
  if (tokenizer.kind === 'bytes') {
    data.model = 'gpt2';
    data.merges = tokenizer.mergeStrings();
    data.ignoreMerges = tokenizer.ignoreMerges;
    const pattern = tokenizer.pattern;
    const pre =
      kind?.pre ??
      (pattern === GPT4_SPLIT_PATTERN
        ? tokenizer.ignoreMerges
          ? 'llama3'
          : 'dbrx'
        : pattern === QWEN2_SPLIT_PATTERN && !tokenizer.ignoreMerges
          ? 'qwen2'
          : pattern === GPT2_SPLIT_PATTERN && !tokenizer.ignoreMerges
            ? 'gpt-2'
            : undefined);
    if (pre === undefined)
      throw new LmlabError(`the pre-split ${JSON.stringify(pattern)} has no llama.cpp pre-tokenizer name`);
    data.pre = pre;
    return data;
  }
  // SentencePiece: the token made by merge r scores −r; other tokens score below every merge.
  data.model = 'llama';
  const rules = tokenizer.mergeRules();
  const scores = new Array<number>(tokenizer.vocabSize).fill(-(rules.length + 1));
  rules.forEach((rule, rank) => {
    if (scores[rule.result] < -rank) scores[rule.result] = -rank;
  });
  data.scores = scores;
  data.addSpacePrefix = kind?.addSpacePrefix ?? true;
  const unk = tokenizer.source.chars?.unk ?? -1;
  if (unk >= 0) data.unknownTokenId = unk;
  return data;
}
