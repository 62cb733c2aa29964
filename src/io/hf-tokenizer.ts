// Reads a Hugging Face tokenizer.json as the plain token/merge lists a GGUF file carries, so a
// Hugging Face checkpoint can be exported for llama.cpp. Only byte-level BPE tokenizers whose
// pre-tokenizer llama.cpp reproduces are accepted (GPT-4's cl100k split, GPT-2's built-in
// regex, SmolLM's single digits + GPT-2); SentencePiece-style ones (byte_fallback, Metaspace)
// and normalizers are refused. It does not tokenize: that is src/tokenizer's job.
import { readFileSync } from 'node:fs';
import { LmlabError } from '../util/errors.ts';
import { TOKEN_TYPE, type GgufTokenizerData } from './gguf-llama.ts';

/** GPT-4's cl100k pre-split regex as tokenizer.json files spell it. */
const CL100K_PATTERN =
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The llama.cpp pre-tokenizer name equivalent to this tokenizer.json pre_tokenizer, if any. */
function preTokenizerName(pre: unknown, ignoreMerges: boolean, where: string): string {
  const stages = isObject(pre) && pre.type === 'Sequence' && Array.isArray(pre.pretokenizers)
    ? (pre.pretokenizers as unknown[])
    : [pre];
  const kinds = stages.map((s) => (isObject(s) ? String(s.type) : 'none')).join('+');
  const byteLevel = stages[stages.length - 1];
  const byteLevelRegex = isObject(byteLevel) && byteLevel.use_regex !== false;
  if (isObject(byteLevel) && byteLevel.add_prefix_space === true) {
    throw new LmlabError(`${where}: ByteLevel add_prefix_space is not supported for GGUF export`);
  }
  if (kinds === 'Split+ByteLevel' && !byteLevelRegex) {
    const split = stages[0] as Json;
    const regex = isObject(split.pattern) ? split.pattern.Regex : undefined;
    if (regex === CL100K_PATTERN && split.behavior === 'Isolated' && split.invert !== true) {
      // Same regex in llama.cpp; "llama3" additionally skips merges for whole-vocabulary words.
      return ignoreMerges ? 'llama3' : 'dbrx';
    }
  }
  if (kinds === 'ByteLevel' && byteLevelRegex && !ignoreMerges) return 'gpt-2';
  if (kinds === 'Digits+ByteLevel' && byteLevelRegex && !ignoreMerges && (stages[0] as Json).individual_digits === true) {
    return 'smollm';
  }
  throw new LmlabError(
    `${where}: pre_tokenizer ${kinds} is not one llama.cpp reproduces (supported: cl100k Split + ByteLevel, ` +
      'GPT-2 ByteLevel, single Digits + ByteLevel)',
  );
}

export interface HfTokenizerOptions {
  /** The model's vocabulary size: the token list is padded to it with unused tokens. */
  vocabSize: number;
  bosTokenId?: number;
  eosTokenId?: number;
  /** Override the llama.cpp pre-tokenizer name instead of detecting it. */
  pre?: string;
}

/** Converts parsed tokenizer.json content to GGUF tokenizer data. */
export function ggufTokenizerFromHf(json: unknown, options: HfTokenizerOptions, where = 'tokenizer.json'): GgufTokenizerData {
  if (!isObject(json) || !isObject(json.model)) throw new LmlabError(`${where}: no "model" object`);
  const model = json.model;
  if (model.type !== 'BPE') {
    throw new LmlabError(`${where}: model type ${String(model.type)} is not supported (only byte-level BPE)`);
  }
  if (model.byte_fallback === true) {
    throw new LmlabError(`${where}: SentencePiece-style BPE (byte_fallback) is not supported for GGUF export`);
  }
  if (json.normalizer !== null && json.normalizer !== undefined) {
    throw new LmlabError(`${where}: normalizers are not supported for GGUF export`);
  }
  const ignoreMerges = model.ignore_merges === true;
  const pre = options.pre ?? preTokenizerName(json.pre_tokenizer, ignoreMerges, where);
  if (!isObject(model.vocab)) throw new LmlabError(`${where}: model.vocab is missing`);

  const tokens: (string | undefined)[] = [];
  const types: number[] = [];
  const place = (text: string, id: unknown, type: number) => {
    if (!Number.isSafeInteger(id) || (id as number) < 0) {
      throw new LmlabError(`${where}: token ${JSON.stringify(text)} has id ${String(id)}`);
    }
    tokens[id as number] = text;
    types[id as number] = type;
  };
  for (const [text, id] of Object.entries(model.vocab)) place(text, id, TOKEN_TYPE.NORMAL);
  for (const added of Array.isArray(json.added_tokens) ? json.added_tokens : []) {
    if (!isObject(added) || typeof added.content !== 'string') throw new LmlabError(`${where}: malformed added_tokens entry`);
    place(added.content, added.id, added.special === true ? TOKEN_TYPE.CONTROL : TOKEN_TYPE.USER_DEFINED);
  }
  if (tokens.length > options.vocabSize) {
    throw new LmlabError(`${where}: ${tokens.length} tokens do not fit the model's vocabulary of ${options.vocabSize}`);
  }
  const filled: string[] = [];
  for (let id = 0; id < options.vocabSize; id++) {
    // Models pad their embedding past the tokenizer; llama.cpp needs one unique string per row.
    if (tokens[id] === undefined) {
      filled.push(`[PAD${id}]`);
      types[id] = TOKEN_TYPE.UNUSED;
    } else {
      filled.push(tokens[id] as string);
    }
  }

  const merges = (Array.isArray(model.merges) ? model.merges : []).map((merge: unknown, rank: number) => {
    if (typeof merge === 'string') return merge;
    if (Array.isArray(merge) && merge.length === 2 && merge.every((m) => typeof m === 'string')) return merge.join(' ');
    throw new LmlabError(`${where}: merge ${rank} is neither "a b" nor ["a", "b"]`);
  });
  const data: GgufTokenizerData = { tokens: filled, tokenTypes: types, merges, pre, ignoreMerges };
  if (options.bosTokenId !== undefined) data.bosTokenId = options.bosTokenId;
  if (options.eosTokenId !== undefined) data.eosTokenId = options.eosTokenId;
  const padding = json.padding;
  if (isObject(padding) && Number.isSafeInteger(padding.pad_id)) data.paddingTokenId = padding.pad_id as number;
  return data;
}

export function readHfTokenizer(path: string, options: HfTokenizerOptions): GgufTokenizerData {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new LmlabError(code ? `cannot read ${path}: ${code}` : `${path}: invalid JSON (${(err as Error).message})`);
  }
  return ggufTokenizerFromHf(json, options, path);
}
