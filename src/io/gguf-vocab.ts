// The tokenizer.ggml.* keys of a GGUF file, both ways: llama.cpp's two vocabulary kinds this
// project reads and writes — "gpt2" (byte-level BPE: token strings in GPT-2's byte-to-unicode
// form, "a b" merges, a pre-tokenizer name) and "llama" (SentencePiece: token strings with ▁ for
// spaces, one score per token, <0xXX> byte tokens, add_space_prefix) — with their token types,
// role ids and BOS/EOS flags. It moves plain data only; tokenizing is src/tokenizer's job.
import { LmlabError } from '../util/errors.ts';
import type { GgufMetadata, GgufValue } from './gguf.ts';

/** llama.cpp token types (tokenizer.ggml.token_type): the one list the project uses. */
export const TOKEN_TYPE = { NORMAL: 1, UNKNOWN: 2, CONTROL: 3, USER_DEFINED: 4, UNUSED: 5, BYTE: 6 } as const;

/** The vocabulary kinds (tokenizer.ggml.model) read and written here. */
export const GGUF_TOKENIZER_MODELS = ['gpt2', 'llama'] as const;
export type GgufTokenizerModel = (typeof GGUF_TOKENIZER_MODELS)[number];

/** llama.cpp pre-tokenizer names (tokenizer.ggml.pre) of "gpt2" vocabularies that lmlab reproduces. */
export const GGUF_PRE_TOKENIZERS = [
  'default',
  'gpt-2',
  'llama3',
  'llama-v3',
  'llama-bpe',
  'dbrx',
  'smaug-bpe',
  'qwen2',
  'smollm',
] as const;

/** Of those, the names under which llama.cpp emits a pre-token found whole in the vocabulary. */
export const IGNORE_MERGES_PRE_TOKENIZERS: ReadonlySet<string> = new Set(['llama3', 'llama-v3', 'llama-bpe']);

export interface GgufTokenizerData {
  /** tokenizer.ggml.model; default 'gpt2'. */
  model?: GgufTokenizerModel;
  /** Token strings as the file stores them (GPT-2 byte-level form for gpt2, ▁ form for llama). */
  tokens: string[];
  /** One llama.cpp token type per token; defaults to NORMAL, CONTROL for the role ids. */
  tokenTypes?: number[];
  /** gpt2: merges in rank order, each "left right". */
  merges: string[];
  /** llama: one score per token (higher merges first). */
  scores?: number[];
  bosTokenId?: number;
  eosTokenId?: number;
  unknownTokenId?: number;
  /** Defaults to the end-of-sequence id. */
  paddingTokenId?: number;
  /** gpt2: llama.cpp pre-tokenizer name; defaults to the cl100k one matching `ignoreMerges`. */
  pre?: string;
  /** gpt2: a pre-token found whole in the vocabulary is emitted without merging. */
  ignoreMerges?: boolean;
  /** Whether llama.cpp should prepend BOS / append EOS when tokenizing a prompt (default false). */
  addBosToken?: boolean;
  addEosToken?: boolean;
  /** llama: a space is put before the text (and after each special token). Default true. */
  addSpacePrefix?: boolean;
}

/** The cl100k pre-split under llama.cpp's names: "dbrx" merges normally, "llama3" ignores merges. */
export const CL100K_PRE_TOKENIZER = 'dbrx';
export const CL100K_IGNORE_MERGES_PRE_TOKENIZER = 'llama3';

/** Checks the vocabulary and returns its token types (defaults filled in). */
export function checkGgufVocabulary(data: GgufTokenizerData, vocabSize: number): number[] {
  const n = data.tokens.length;
  if (n !== vocabSize) {
    throw new LmlabError(`GGUF export: the tokenizer has ${n} tokens but the model's vocabulary is ${vocabSize}`);
  }
  const seen = new Set<string>();
  data.tokens.forEach((token, id) => {
    // llama.cpp maps token text back to ids; an empty or repeated string would corrupt that.
    if (token.length === 0) throw new LmlabError(`GGUF export: token ${id} is empty`);
    if (seen.has(token)) throw new LmlabError(`GGUF export: token ${id} ${JSON.stringify(token)} appears twice`);
    seen.add(token);
  });
  data.merges.forEach((merge, rank) => {
    if (merge.indexOf(' ', 1) < 0)
      throw new LmlabError(`GGUF export: merge ${rank} ${JSON.stringify(merge)} is not "left right"`);
  });
  if ((data.model ?? 'gpt2') === 'llama' && (data.scores === undefined || data.scores.length !== n)) {
    throw new LmlabError('GGUF export: a "llama" vocabulary needs one score per token');
  }
  for (const [what, id] of [
    ['bos', data.bosTokenId],
    ['eos', data.eosTokenId],
    ['padding', data.paddingTokenId],
    ['unknown', data.unknownTokenId],
  ] as const) {
    if (id !== undefined && !(Number.isSafeInteger(id) && id >= 0 && id < n)) {
      throw new LmlabError(`GGUF export: ${what} token id ${id} is outside the vocabulary`);
    }
  }
  if (data.tokenTypes) {
    if (data.tokenTypes.length !== n) throw new LmlabError('GGUF export: tokenTypes must have one entry per token');
    return data.tokenTypes;
  }
  const types = new Array<number>(n).fill(TOKEN_TYPE.NORMAL);
  for (const id of [data.bosTokenId, data.eosTokenId, data.paddingTokenId])
    if (id !== undefined) types[id] = TOKEN_TYPE.CONTROL;
  if (data.unknownTokenId !== undefined) types[data.unknownTokenId] = TOKEN_TYPE.UNKNOWN;
  return types;
}

/** Adds the tokenizer.ggml.* keys of a vocabulary to metadata, in llama.cpp's converter's order. */
export function setGgufVocabulary(meta: GgufMetadata, data: GgufTokenizerData, vocabSize: number): void {
  const tokenTypes = checkGgufVocabulary(data, vocabSize);
  const u32 = (value: number): GgufValue => ({ type: 'u32', value });
  const model = data.model ?? 'gpt2';
  meta.set('tokenizer.ggml.model', { type: 'string', value: model });
  if (model === 'gpt2') {
    const pre = data.pre ?? (data.ignoreMerges ? CL100K_IGNORE_MERGES_PRE_TOKENIZER : CL100K_PRE_TOKENIZER);
    meta.set('tokenizer.ggml.pre', { type: 'string', value: pre });
  } else {
    meta.set('tokenizer.ggml.pre', { type: 'string', value: 'default' });
  }
  meta.set('tokenizer.ggml.tokens', { type: 'array', itemType: 'string', value: data.tokens });
  if (model === 'llama') meta.set('tokenizer.ggml.scores', { type: 'array', itemType: 'f32', value: data.scores! });
  meta.set('tokenizer.ggml.token_type', { type: 'array', itemType: 'i32', value: tokenTypes });
  if (model === 'gpt2') meta.set('tokenizer.ggml.merges', { type: 'array', itemType: 'string', value: data.merges });
  const pad = data.paddingTokenId ?? data.eosTokenId;
  if (data.bosTokenId !== undefined) meta.set('tokenizer.ggml.bos_token_id', u32(data.bosTokenId));
  if (data.eosTokenId !== undefined) meta.set('tokenizer.ggml.eos_token_id', u32(data.eosTokenId));
  if (data.unknownTokenId !== undefined) meta.set('tokenizer.ggml.unknown_token_id', u32(data.unknownTokenId));
  if (pad !== undefined) meta.set('tokenizer.ggml.padding_token_id', u32(pad));
  meta.set('tokenizer.ggml.add_bos_token', { type: 'bool', value: data.addBosToken ?? false });
  meta.set('tokenizer.ggml.add_eos_token', { type: 'bool', value: data.addEosToken ?? false });
  if (model === 'llama')
    meta.set('tokenizer.ggml.add_space_prefix', { type: 'bool', value: data.addSpacePrefix ?? true });
}

/** Reads the tokenizer.ggml.* keys; `where` names the file in errors. */
export function readGgufVocabulary(meta: GgufMetadata, where = 'GGUF file'): GgufTokenizerData {
  const get = (key: string): GgufValue | undefined => meta.get(key);
  const text = (key: string): string | undefined => {
    const v = get(key);
    if (v === undefined) return undefined;
    if (v.type !== 'string') throw new LmlabError(`${where}: metadata ${key} is not a string`);
    return v.value;
  };
  const array = (key: string, item: 'string' | 'number'): unknown[] | undefined => {
    const v = get(key);
    if (v === undefined) return undefined;
    if (v.type !== 'array' || (item === 'string') !== (v.itemType === 'string')) {
      throw new LmlabError(`${where}: metadata ${key} is not a${item === 'string' ? ' string' : ' number'} array`);
    }
    return v.value;
  };
  const id = (key: string): number | undefined => {
    const v = get(key);
    if (v === undefined) return undefined;
    const value = typeof v.value === 'bigint' ? Number(v.value) : v.value;
    if (typeof value !== 'number' || !Number.isSafeInteger(value))
      throw new LmlabError(`${where}: metadata ${key} is not an integer`);
    return value;
  };
  const flag = (key: string): boolean | undefined => {
    const v = get(key);
    return v?.type === 'bool' ? v.value : undefined;
  };
  const model = text('tokenizer.ggml.model');
  if (model === undefined) throw new LmlabError(`${where}: no tokenizer (metadata tokenizer.ggml.model is missing)`);
  if (!(GGUF_TOKENIZER_MODELS as readonly string[]).includes(model)) {
    throw new LmlabError(
      `${where}: tokenizer.ggml.model ${JSON.stringify(model)} is not supported (supported: ${GGUF_TOKENIZER_MODELS.join(', ')})`,
    );
  }
  const tokens = array('tokenizer.ggml.tokens', 'string') as string[] | undefined;
  if (tokens === undefined) throw new LmlabError(`${where}: metadata tokenizer.ggml.tokens is missing`);
  const data: GgufTokenizerData = { model: model as GgufTokenizerModel, tokens, merges: [] };
  const merges = array('tokenizer.ggml.merges', 'string') as string[] | undefined;
  if (merges) data.merges = merges;
  const types = array('tokenizer.ggml.token_type', 'number');
  if (types) data.tokenTypes = types.map(Number);
  const scores = array('tokenizer.ggml.scores', 'number');
  if (scores) data.scores = scores.map(Number);
  if (model === 'gpt2') {
    data.pre = text('tokenizer.ggml.pre') ?? 'default';
    data.ignoreMerges = IGNORE_MERGES_PRE_TOKENIZERS.has(data.pre);
  }
  const ids: Array<[keyof GgufTokenizerData & `${string}Id`, string]> = [
    ['bosTokenId', 'tokenizer.ggml.bos_token_id'],
    ['eosTokenId', 'tokenizer.ggml.eos_token_id'],
    ['unknownTokenId', 'tokenizer.ggml.unknown_token_id'],
    ['paddingTokenId', 'tokenizer.ggml.padding_token_id'],
  ];
  for (const [field, key] of ids) {
    const value = id(key);
    if (value !== undefined) data[field] = value;
  }
  const flags: Array<['addBosToken' | 'addEosToken' | 'addSpacePrefix', string]> = [
    ['addBosToken', 'tokenizer.ggml.add_bos_token'],
    ['addEosToken', 'tokenizer.ggml.add_eos_token'],
    ['addSpacePrefix', 'tokenizer.ggml.add_space_prefix'],
  ];
  for (const [field, key] of flags) {
    const value = flag(key);
    if (value !== undefined) data[field] = value;
  }
  return data;
}
