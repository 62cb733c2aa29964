// Hugging Face tokenizer.json as a checked description: which normalizer, pre-tokenizer, model,
// decoder and post-processor it uses, with every component type and option validated against
// the lists below — the one place that decides what lmlab supports. src/tokenizer builds a
// working tokenizer from this description; the GGUF exporter (ggufTokenizerFromHf) maps the
// same description to llama.cpp's vocabulary kinds. Also the split patterns of the families,
// written once. It does not tokenize.
import { readFileSync } from 'node:fs';
import { LmlabError } from '../util/errors.ts';
import { TOKEN_TYPE, type GgufTokenizerData } from './gguf-vocab.ts';

/** GPT-4 / cl100k_base pre-split (also Llama 3's), as tokenizer.json and tiktoken write it. */
export const GPT4_SPLIT_PATTERN =
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
/** Qwen2's pre-split: GPT-4's with single digits. */
export const QWEN2_SPLIT_PATTERN =
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
/** GPT-2's pre-split, built into ByteLevel pre-tokenizers with use_regex = true. */
export const GPT2_SPLIT_PATTERN = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

/** Every component type lmlab interprets, by kind. */
export const SUPPORTED = {
  normalizer: ['NFC', 'NFD', 'NFKC', 'NFKD', 'Prepend', 'Replace', 'Strip', 'Lowercase', 'Sequence'],
  pre_tokenizer: [
    'Split',
    'ByteLevel',
    'Digits',
    'Metaspace',
    'Punctuation',
    'Whitespace',
    'WhitespaceSplit',
    'Sequence',
  ],
  model: ['BPE'],
  decoder: ['ByteLevel', 'Metaspace', 'ByteFallback', 'Fuse', 'Strip', 'Replace', 'Sequence'],
  post_processor: ['TemplateProcessing', 'ByteLevel', 'Sequence'],
  'Split behavior': ['Removed', 'Isolated', 'MergedWithPrevious', 'MergedWithNext', 'Contiguous'],
  'Metaspace prepend_scheme': ['always', 'first', 'never'],
} as const;
export type ComponentKind = keyof typeof SUPPORTED;

/** One component of tokenizer.json, its type checked; the other fields are read by the builder. */
export type Component = Record<string, unknown> & { type: string };

export interface AddedTokenDescription {
  id: number;
  content: string;
  special: boolean;
  lstrip: boolean;
  rstrip: boolean;
  singleWord: boolean;
  normalized: boolean;
}

export interface TokenizerJsonDescription {
  normalizer: Component | null;
  preTokenizer: Component | null;
  decoder: Component | null;
  postProcessor: Component | null;
  model: {
    vocab: Array<[string, number]>;
    merges: Array<[string, string]>;
    byteFallback: boolean;
    ignoreMerges: boolean;
    unkToken: string | null;
    fuseUnk: boolean;
    continuingSubwordPrefix: string;
    endOfWordSuffix: string;
  };
  addedTokens: AddedTokenDescription[];
  /** The pre-tokenizer ends in ByteLevel: the model works on bytes written as GPT-2 characters. */
  byteLevel: boolean;
  padToken: string | undefined;
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The one-line error for a component type (or option value) lmlab does not interpret. */
export function unsupported(kind: ComponentKind, type: unknown, where: string): LmlabError {
  return new LmlabError(
    `${where}: ${kind} ${typeof type === 'string' ? type : JSON.stringify(type)} is not supported (supported: ${SUPPORTED[kind].join(', ')})`,
  );
}

function component(value: unknown, kind: ComponentKind, where: string): Component | null {
  if (value === null || value === undefined) return null;
  if (!isObject(value) || typeof value.type !== 'string')
    throw new LmlabError(`${where}: ${kind} is not an object with a "type"`);
  if (!(SUPPORTED[kind] as readonly string[]).includes(value.type)) throw unsupported(kind, value.type, where);
  const node = value as Component;
  const children = (key: string): Component[] => {
    const list = node[key];
    if (!Array.isArray(list)) throw new LmlabError(`${where}: ${kind} Sequence has no "${key}" list`);
    return list.map((child) => component(child, kind, where)).filter((c): c is Component => c !== null);
  };
  if (node.type === 'Sequence') {
    const key = {
      normalizer: 'normalizers',
      pre_tokenizer: 'pretokenizers',
      decoder: 'decoders',
      post_processor: 'processors',
    }[kind as string];
    if (key) return { ...node, [key]: children(key) };
  }
  if (kind === 'pre_tokenizer' && node.type === 'Split') {
    const behavior = node.behavior ?? 'Isolated';
    if (!(SUPPORTED['Split behavior'] as readonly string[]).includes(String(behavior)))
      throw unsupported('Split behavior', behavior, where);
    pattern(node, where);
  }
  if ((kind === 'pre_tokenizer' || kind === 'decoder') && node.type === 'Metaspace') {
    const scheme = node.prepend_scheme ?? (node.add_prefix_space === false ? 'never' : 'always');
    if (!(SUPPORTED['Metaspace prepend_scheme'] as readonly string[]).includes(String(scheme))) {
      throw unsupported('Metaspace prepend_scheme', scheme, where);
    }
  }
  if (node.type === 'Replace') pattern(node, where);
  return node;
}

/** The pattern of a Split or Replace: a regex source, or a literal string. */
export function pattern(node: Json, where: string): { regex: string } | { literal: string } {
  const p = node.pattern;
  if (isObject(p) && typeof p.Regex === 'string') return { regex: p.Regex };
  if (isObject(p) && typeof p.String === 'string') return { literal: p.String };
  throw new LmlabError(`${where}: ${String(node.type)} pattern has neither Regex nor String`);
}

/** Pre-tokenizer stages in order (a Sequence flattened). */
export function stagesOf(node: Component | null, key = 'pretokenizers'): Component[] {
  if (node === null) return [];
  if (node.type === 'Sequence') return (node[key] as Component[]).flatMap((c) => stagesOf(c, key));
  return [node];
}

function mergeParts(raw: unknown, line: number, where: string): [string, string] {
  if (Array.isArray(raw) && raw.length === 2 && typeof raw[0] === 'string' && typeof raw[1] === 'string')
    return [raw[0], raw[1]];
  if (typeof raw === 'string') {
    const space = raw.indexOf(' ', 1);
    if (space > 0 && space < raw.length - 1) return [raw.slice(0, space), raw.slice(space + 1)];
  }
  throw new LmlabError(`${where}: merge ${line} is neither "a b" nor ["a", "b"]: ${JSON.stringify(raw)}`);
}

/** Checks parsed tokenizer.json content and returns its description. */
export function describeTokenizerJson(json: unknown, where = 'tokenizer.json'): TokenizerJsonDescription {
  if (!isObject(json)) throw new LmlabError(`${where} is not a JSON object`);
  if (!isObject(json.model)) throw new LmlabError(`${where}: no "model" object`);
  const model = json.model;
  const modelType = model.type ?? (model.merges !== undefined ? 'BPE' : undefined);
  if (modelType !== 'BPE') throw unsupported('model', modelType ?? 'without a type', where);
  if (model.dropout !== null && model.dropout !== undefined && model.dropout !== 0) {
    throw new LmlabError(
      `${where}: BPE dropout ${String(model.dropout)} is not supported (only null: encoding must be deterministic)`,
    );
  }
  if (!isObject(model.vocab)) throw new LmlabError(`${where}: model.vocab is missing`);
  const vocab: Array<[string, number]> = [];
  for (const [text, id] of Object.entries(model.vocab)) {
    if (!Number.isSafeInteger(id) || (id as number) < 0)
      throw new LmlabError(`${where}: vocab entry ${JSON.stringify(text)} has id ${String(id)}`);
    vocab.push([text, id as number]);
  }
  const merges = (Array.isArray(model.merges) ? model.merges : []).map((m, line) => mergeParts(m, line, where));
  const added = (Array.isArray(json.added_tokens) ? json.added_tokens : []).map((raw, i): AddedTokenDescription => {
    if (
      !isObject(raw) ||
      !Number.isSafeInteger(raw.id) ||
      typeof raw.content !== 'string' ||
      raw.content.length === 0
    ) {
      throw new LmlabError(`${where}: added_tokens[${i}] needs an integer id and non-empty content`);
    }
    const special = raw.special === true;
    return {
      id: raw.id as number,
      content: raw.content,
      special,
      lstrip: raw.lstrip === true,
      rstrip: raw.rstrip === true,
      singleWord: raw.single_word === true,
      normalized: typeof raw.normalized === 'boolean' ? raw.normalized : !special,
    };
  });
  const preTokenizer = component(json.pre_tokenizer, 'pre_tokenizer', where);
  const stages = stagesOf(preTokenizer);
  const byteLevelAt = stages.findIndex((s) => s.type === 'ByteLevel');
  if (byteLevelAt >= 0 && byteLevelAt !== stages.length - 1) {
    throw new LmlabError(
      `${where}: pre_tokenizer ByteLevel must be the last stage (found before ${stages[byteLevelAt + 1].type})`,
    );
  }
  const text = (value: unknown): string => (typeof value === 'string' ? value : '');
  const padding = json.padding;
  return {
    normalizer: component(json.normalizer, 'normalizer', where),
    preTokenizer,
    decoder: component(json.decoder, 'decoder', where),
    postProcessor: component(json.post_processor, 'post_processor', where),
    model: {
      vocab,
      merges,
      byteFallback: model.byte_fallback === true,
      ignoreMerges: model.ignore_merges === true,
      unkToken: typeof model.unk_token === 'string' ? model.unk_token : null,
      fuseUnk: model.fuse_unk === true,
      continuingSubwordPrefix: text(model.continuing_subword_prefix),
      endOfWordSuffix: text(model.end_of_word_suffix),
    },
    addedTokens: added,
    byteLevel: byteLevelAt >= 0,
    padToken: isObject(padding) && typeof padding.pad_token === 'string' ? padding.pad_token : undefined,
  };
}

/** One line per component: what `lmlab tokenizer inspect` prints. */
export function summarizeComponent(node: Component | null): string {
  if (node === null) return 'none';
  if (node.type === 'Sequence') {
    const list = (node.normalizers ?? node.pretokenizers ?? node.decoders ?? node.processors ?? []) as Component[];
    return `Sequence[${list.map(summarizeComponent).join(', ')}]`;
  }
  const details: string[] = [];
  if (node.type === 'Split') {
    const p = pattern(node, '');
    details.push('regex' in p ? `regex ${JSON.stringify(p.regex)}` : `string ${JSON.stringify(p.literal)}`);
    details.push(String(node.behavior ?? 'Isolated'));
    if (node.invert === true) details.push('inverted');
  } else if (node.type === 'ByteLevel') {
    if (node.use_regex !== undefined) details.push(node.use_regex === false ? 'no regex' : 'GPT-2 regex');
    if (node.add_prefix_space === true) details.push('prefix space');
  } else if (node.type === 'Digits') {
    details.push(node.individual_digits === true ? 'individual digits' : 'digit runs');
  } else if (node.type === 'Metaspace') {
    details.push(`prepend ${String(node.prepend_scheme ?? 'always')}`);
    if (node.split === true) details.push('split');
  } else if (node.type === 'Replace') {
    const p = pattern(node, '');
    details.push(`${JSON.stringify('regex' in p ? p.regex : p.literal)} → ${JSON.stringify(node.content ?? '')}`);
  } else if (node.type === 'Prepend') {
    details.push(JSON.stringify(node.prepend ?? ''));
  } else if (node.type === 'Strip') {
    if ('content' in node)
      details.push(`${JSON.stringify(node.content)} start ${String(node.start ?? 0)} stop ${String(node.stop ?? 0)}`);
    else details.push(`${node.strip_left !== false ? 'left' : ''}${node.strip_right !== false ? ' right' : ''}`.trim());
  }
  return details.length > 0 ? `${node.type}(${details.join(', ')})` : node.type;
}

// ------------------------------------------------------------------ GGUF export

const same = (node: Component | undefined, type: string): node is Component => node !== undefined && node.type === type;

/**
 * The llama.cpp vocabulary kind equivalent to this description: "gpt2" with a pre-tokenizer name
 * for byte-level BPE, "llama" (SentencePiece) for byte-fallback BPE over ▁-words. Throws a
 * one-line LmlabError naming what llama.cpp cannot reproduce.
 */
export function ggufKindOf(
  d: TokenizerJsonDescription,
  where: string,
): { model: 'gpt2'; pre: string } | { model: 'llama'; addSpacePrefix: boolean } {
  const stages = stagesOf(d.preTokenizer);
  const kinds = stages.map((s) => s.type).join('+') || 'none';
  const normalizers = stagesOf(d.normalizer, 'normalizers');
  if (d.model.continuingSubwordPrefix !== '' || d.model.endOfWordSuffix !== '') {
    throw new LmlabError(`${where}: BPE continuing_subword_prefix / end_of_word_suffix have no GGUF equivalent`);
  }
  if (d.byteLevel) {
    if (normalizers.some((n) => n.type !== 'NFC')) {
      throw new LmlabError(
        `${where}: normalizer ${summarizeComponent(d.normalizer)} has no GGUF equivalent for byte-level BPE`,
      );
    }
    const last = stages[stages.length - 1];
    if (last.add_prefix_space === true)
      throw new LmlabError(`${where}: ByteLevel add_prefix_space has no GGUF equivalent`);
    const withRegex = last.use_regex !== false;
    const split = stages[0];
    const isolated = (s: Component) => (s.behavior ?? 'Isolated') === 'Isolated' && s.invert !== true;
    if (kinds === 'Split+ByteLevel' && !withRegex && isolated(split)) {
      const p = pattern(split, where);
      const regex = 'regex' in p ? p.regex : undefined;
      if (regex === GPT4_SPLIT_PATTERN) return { model: 'gpt2', pre: d.model.ignoreMerges ? 'llama3' : 'dbrx' };
      if (regex === QWEN2_SPLIT_PATTERN && !d.model.ignoreMerges) return { model: 'gpt2', pre: 'qwen2' };
    }
    if (kinds === 'ByteLevel' && withRegex && !d.model.ignoreMerges) return { model: 'gpt2', pre: 'gpt-2' };
    if (kinds === 'Digits+ByteLevel' && withRegex && !d.model.ignoreMerges && split.individual_digits === true) {
      return { model: 'gpt2', pre: 'smollm' };
    }
    throw new LmlabError(
      `${where}: pre_tokenizer ${summarizeComponent(d.preTokenizer)} is not one llama.cpp reproduces (supported: ` +
        'GPT-4/Llama 3 Split + ByteLevel, Qwen2 Split + ByteLevel, GPT-2 ByteLevel, single Digits + ByteLevel)',
    );
  }
  // SentencePiece-style: spaces become ▁ either by Replace (plus Prepend for the prefix space) or Metaspace.
  const replace = normalizers.find((n) => same(n, 'Replace'));
  const prepend = normalizers.find((n) => same(n, 'Prepend'));
  const replaced = replace === undefined ? undefined : pattern(replace, where);
  const spaceToMeta =
    replaced !== undefined && 'literal' in replaced && replaced.literal === ' ' && replace!.content === '▁';
  const others = normalizers.filter((n) => n !== replace && n !== prepend);
  if (others.length === 0 && stages.length === 0 && spaceToMeta && (prepend === undefined || prepend.prepend === '▁')) {
    return { model: 'llama', addSpacePrefix: prepend !== undefined };
  }
  const meta = stages[0];
  if (normalizers.length === 0 && kinds === 'Metaspace' && (meta.replacement ?? '▁') === '▁' && meta.split !== true) {
    return { model: 'llama', addSpacePrefix: (meta.prepend_scheme ?? 'always') !== 'never' };
  }
  throw new LmlabError(
    `${where}: normalizer ${summarizeComponent(d.normalizer)} with pre_tokenizer ${summarizeComponent(d.preTokenizer)} ` +
      'is not one llama.cpp reproduces (supported: byte-level BPE, or SentencePiece-style Replace/Prepend or Metaspace)',
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

/** Converts parsed tokenizer.json content to GGUF vocabulary data (either kind). */
export function ggufTokenizerFromHf(
  json: unknown,
  options: HfTokenizerOptions,
  where = 'tokenizer.json',
): GgufTokenizerData {
  const d = describeTokenizerJson(json, where);
  const kind = ggufKindOf(d, where);
  const tokens: (string | undefined)[] = [];
  const types: number[] = [];
  const place = (text: string, id: number, type: number) => {
    tokens[id] = text;
    types[id] = type;
  };
  const byteToken = /^<0x[0-9A-F]{2}>$/;
  for (const [text, id] of d.model.vocab) {
    place(text, id, kind.model === 'llama' && byteToken.test(text) ? TOKEN_TYPE.BYTE : TOKEN_TYPE.NORMAL);
  }
  for (const added of d.addedTokens)
    place(added.content, added.id, added.special ? TOKEN_TYPE.CONTROL : TOKEN_TYPE.USER_DEFINED);
  const unkId = d.model.unkToken === null ? undefined : d.model.vocab.find(([t]) => t === d.model.unkToken)?.[1];
  if (unkId !== undefined) types[unkId] = TOKEN_TYPE.UNKNOWN;
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
  const data: GgufTokenizerData = { tokens: filled, tokenTypes: types, merges: [] };
  if (kind.model === 'gpt2') {
    data.model = 'gpt2';
    data.merges = d.model.merges.map(([a, b]) => `${a} ${b}`);
    data.pre = options.pre ?? kind.pre;
    data.ignoreMerges = d.model.ignoreMerges;
  } else {
    // SentencePiece merges by the score of the merged token: the token made by merge r scores
    // −r, so merging by score follows the merge list; other tokens score below every merge.
    data.model = 'llama';
    data.addSpacePrefix = kind.addSpacePrefix;
    const scores = new Array<number>(options.vocabSize).fill(-(d.model.merges.length + 1));
    const idOf = new Map(d.model.vocab);
    d.model.merges.forEach(([a, b], rank) => {
      const id = idOf.get(a + b);
      if (id !== undefined && scores[id] < -rank) scores[id] = -rank;
    });
    data.scores = scores;
    if (unkId !== undefined) data.unknownTokenId = unkId;
  }
  if (options.bosTokenId !== undefined) data.bosTokenId = options.bosTokenId;
  if (options.eosTokenId !== undefined) data.eosTokenId = options.eosTokenId;
  const padding = (json as Json).padding;
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
