// Hugging Face tokenizer.json, both ways. Reading builds a Tokenizer from the checked
// description (src/io/hf-tokenizer.ts decides what is supported): byte-level BPE when the
// pre-tokenizer ends in ByteLevel, SentencePiece-style BPE over characters otherwise, with the
// normalizer, pre-tokenizer, decoder and post-processor interpreted by pipeline.ts. Writing
// produces the Llama-3-style layout for byte-level tokenizers with one split pattern (what
// lmlab trains): Split then ByteLevel without its regex, special tokens as added_tokens, a
// TemplateProcessing post-processor recording BOS and EOS, padding recording PAD.
import { LmlabError } from '../util/errors.ts';
import {
  GPT2_SPLIT_PATTERN,
  describeTokenizerJson,
  ggufKindOf,
  pattern as patternOf,
  stagesOf,
  summarizeComponent,
  type TokenizerJsonDescription,
} from '../io/hf-tokenizer.ts';
import type { MergeRule } from './bpe.ts';
import { tokenStringToBytes } from './byte-level.ts';
import { buildDecoder, buildNormalizer, buildPreTokenizer, buildTemplate } from './pipeline.ts';
import { Tokenizer, type Pipeline, type SpecialRoles, type SpecialToken, type TokenizerSpec } from './tokenizer.ts';

export interface HuggingFaceAddedToken {
  id: number;
  content: string;
  single_word: boolean;
  lstrip: boolean;
  rstrip: boolean;
  normalized: boolean;
  special: boolean;
}

export interface HuggingFaceTokenizerJson {
  version: string;
  truncation: null;
  padding: Record<string, unknown> | null;
  added_tokens: HuggingFaceAddedToken[];
  normalizer: null;
  pre_tokenizer: Record<string, unknown>;
  post_processor: Record<string, unknown> | null;
  decoder: Record<string, unknown>;
  model: {
    type: 'BPE';
    dropout: null;
    unk_token: null;
    continuing_subword_prefix: null;
    end_of_word_suffix: null;
    fuse_unk: boolean;
    byte_fallback: boolean;
    ignore_merges: boolean;
    vocab: Record<string, number>;
    merges: Array<[string, string]>;
  };
}

export function toHuggingFaceJson(tokenizer: Tokenizer): HuggingFaceTokenizerJson {
  const p = tokenizer.pipeline;
  if (
    tokenizer.kind !== 'bytes' ||
    tokenizer.pattern === '' ||
    (p !== null && (p.normalizer || p.preTokenizer || p.decoder))
  ) {
    throw new LmlabError('only byte-level BPE tokenizers with one split pattern are written as tokenizer.json');
  }
  const vocab: Record<string, number> = {};
  const names: string[] = [];
  for (let id = 0; id < tokenizer.vocabSize; id++) {
    names.push(tokenizer.tokenString(id) ?? '');
    if (tokenizer.tokenType(id) === 'normal') vocab[names[id]] = id;
  }
  const merges = tokenizer.mergeRules().map((m): [string, string] => [names[m.left], names[m.right]]);
  const specials = tokenizer.specialTokens();
  const contentOf = (id: number | undefined): string | undefined =>
    id === undefined ? undefined : specials.find((s) => s.id === id)?.content;
  const bos = contentOf(tokenizer.bosId);
  const eos = contentOf(tokenizer.eosId);
  const pad = contentOf(tokenizer.padId);
  return {
    version: '1.0',
    truncation: null,
    padding:
      pad === undefined
        ? null
        : {
            strategy: 'BatchLongest',
            direction: 'Right',
            pad_to_multiple_of: null,
            pad_id: tokenizer.padId,
            pad_type_id: 0,
            pad_token: pad,
          },
    added_tokens: specials.map((s) => ({
      id: s.id,
      content: s.content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: null,
    pre_tokenizer: {
      type: 'Sequence',
      pretokenizers: [
        { type: 'Split', pattern: { Regex: tokenizer.pattern }, behavior: 'Isolated', invert: false },
        { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false },
      ],
    },
    post_processor: templateProcessing(specials, bos, eos),
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: tokenizer.ignoreMerges,
      vocab,
      merges,
    },
  };
}

function templateProcessing(
  specials: SpecialToken[],
  bos: string | undefined,
  eos: string | undefined,
): Record<string, unknown> | null {
  if (bos === undefined && eos === undefined) return null;
  const special = (content: string) => ({ SpecialToken: { id: content, type_id: 0 } });
  const sequence = (id: 'A' | 'B', typeId: number) => ({ Sequence: { id, type_id: typeId } });
  const frame = (id: 'A' | 'B', typeId: number) => [
    ...(bos === undefined ? [] : [special(bos)]),
    sequence(id, typeId),
    ...(eos === undefined ? [] : [special(eos)]),
  ];
  const used = specials.filter((s) => s.content === bos || s.content === eos);
  return {
    type: 'TemplateProcessing',
    single: frame('A', 0),
    pair: [...frame('A', 0), ...frame('B', 1)],
    special_tokens: Object.fromEntries(
      used.map((s) => [s.content, { id: s.content, ids: [s.id], tokens: [s.content] }]),
    ),
  };
}

export interface FromHuggingFaceOptions {
  /** Override which special token contents are BOS / EOS / PAD. */
  roles?: { bos?: string; eos?: string; pad?: string };
  /** tokenizer_config.json content: add_bos_token, add_eos_token, bos_token, eos_token. */
  config?: Record<string, unknown>;
  /** Names the file in errors. */
  where?: string;
}

const BOS_NAMES = ['<|bos|>', '<|begin_of_text|>', '<s>', '<|startoftext|>', '<bos>'];
const EOS_NAMES = ['<|eos|>', '<|end_of_text|>', '</s>', '<|endoftext|>', '<eos>'];
const PAD_NAMES = ['<|pad|>', '<pad>', '[PAD]'];

/** Builds a Tokenizer from parsed tokenizer.json content. */
export function fromHuggingFaceJson(json: unknown, options: FromHuggingFaceOptions = {}): Tokenizer {
  const where = options.where ?? 'tokenizer.json';
  const d = describeTokenizerJson(json, where);
  return new Tokenizer(specFromDescription(d, options, where));
}

function specFromDescription(
  d: TokenizerJsonDescription,
  options: FromHuggingFaceOptions,
  where: string,
): TokenizerSpec {
  const addedIds = new Set(d.addedTokens.map((t) => t.id));
  const idOfString = new Map<string, number>();
  for (const [text, id] of d.model.vocab) idOfString.set(text, id);
  const prefix = d.model.continuingSubwordPrefix;
  const merges: MergeRule[] = d.model.merges.map(([left, right], line) => {
    const leftId = idOfString.get(left);
    const rightId = idOfString.get(right);
    const merged = left + (prefix !== '' && right.startsWith(prefix) ? right.slice(prefix.length) : right);
    const result = idOfString.get(merged);
    if (leftId === undefined || rightId === undefined || result === undefined) {
      throw new LmlabError(
        `${where}: merge ${line} (${JSON.stringify(left)} ${JSON.stringify(right)}) uses a token missing from the vocabulary`,
      );
    }
    return { left: leftId, right: rightId, result, priority: line };
  });
  const specials: SpecialToken[] = d.addedTokens.map((t) => ({
    id: t.id,
    content: t.content,
    special: t.special,
    lstrip: t.lstrip,
    rstrip: t.rstrip,
    singleWord: t.singleWord,
    normalized: t.normalized,
  }));
  const idOf = (content: string): number | undefined =>
    d.addedTokens.find((t) => t.content === content)?.id ?? idOfString.get(content);
  const summary = {
    normalizer: summarizeComponent(d.normalizer),
    pre_tokenizer: summarizeComponent(d.preTokenizer),
    model:
      `BPE (${d.byteLevel ? 'byte-level' : 'characters'}, ${d.model.vocab.length} tokens, ${d.model.merges.length} merges` +
      `${d.model.byteFallback ? ', byte fallback' : ''}${d.model.ignoreMerges ? ', ignore_merges' : ''}` +
      `${d.model.unkToken !== null ? `, unk ${JSON.stringify(d.model.unkToken)}${d.model.fuseUnk ? ' fused' : ''}` : ''})`,
    decoder: summarizeComponent(d.decoder),
    post_processor: summarizeComponent(d.postProcessor),
  };
  const config = options.config ?? {};
  const configFlag = (key: string): boolean | undefined =>
    typeof config[key] === 'boolean' ? (config[key] as boolean) : undefined;
  const addBos = configFlag('add_bos_token');
  const addEos = configFlag('add_eos_token');
  let template = buildTemplate(d.postProcessor, idOf);
  if (addBos !== undefined || addEos !== undefined) template = null; // tokenizer_config.json decides
  const pipeline: Pipeline = {
    normalizer: buildNormalizer(d.normalizer),
    preTokenizer: buildPreTokenizer(d.preTokenizer),
    decoder: buildDecoder(d.decoder),
    template,
    summary,
  };
  const spec: TokenizerSpec = {
    pattern: '',
    tokens: [],
    merges,
    specials,
    roles: resolveRoles(d, specials, options, idOf),
    ignoreMerges: d.model.ignoreMerges,
    pipeline,
    addBos: addBos ?? false,
    addEos: addEos ?? false,
  };
  try {
    const kind = ggufKindOf(d, where);
    spec.gguf = kind.model === 'gpt2' ? { pre: kind.pre } : { addSpacePrefix: kind.addSpacePrefix };
  } catch (err) {
    spec.gguf = { error: (err as Error).message };
  }
  if (d.byteLevel) {
    const tokens: Array<Uint8Array | undefined> = [];
    for (const [text, id] of d.model.vocab) {
      if (addedIds.has(id)) continue; // listed again as an added token
      if (tokens[id] !== undefined) throw new LmlabError(`${where}: vocab uses id ${id} twice`);
      tokens[id] = tokenStringToBytes(text) ?? new TextEncoder().encode(text);
    }
    spec.tokens = tokens;
    // Fast paths: one split regex (or GPT-2's built-in one) feeding ByteLevel, no normalizer.
    const stages = stagesOf(d.preTokenizer);
    const last = stages[stages.length - 1];
    if (d.normalizer === null && last.add_prefix_space !== true) {
      const first = stages[0];
      if (stages.length === 1 && last.use_regex !== false) spec.pattern = GPT2_SPLIT_PATTERN;
      if (
        stages.length === 2 &&
        last.use_regex === false &&
        first.type === 'Split' &&
        (first.behavior ?? 'Isolated') === 'Isolated' &&
        first.invert !== true
      ) {
        const p = patternOf(first, where);
        if ('regex' in p) spec.pattern = p.regex;
      }
      if (spec.pattern !== '') pipeline.preTokenizer = null;
    }
    if (d.decoder === null || d.decoder.type === 'ByteLevel') pipeline.decoder = null;
    return spec;
  }
  // SentencePiece-style BPE over characters.
  const strings: Array<string | undefined> = [];
  for (const [text, id] of d.model.vocab) strings[id] = text;
  const byteFallback = d.model.byteFallback ? new Int32Array(256).fill(-1) : null;
  if (byteFallback) {
    for (let b = 0; b < 256; b++) {
      const id = idOfString.get(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`);
      if (id !== undefined) byteFallback[b] = id;
    }
  }
  const unk = d.model.unkToken === null ? -1 : (idOfString.get(d.model.unkToken) ?? -1);
  if (d.model.unkToken !== null && unk < 0)
    throw new LmlabError(`${where}: unk_token ${JSON.stringify(d.model.unkToken)} is not in the vocabulary`);
  // Streaming bytes per token: byte tokens as their byte, ▁ as a space when the decoder says so.
  const meta = metaspaceOf(d);
  const encoder = new TextEncoder();
  spec.tokens = strings.map((text) => {
    if (text === undefined) return undefined;
    const byte = /^<0x([0-9A-Fa-f]{2})>$/.exec(text);
    if (byte && byteFallback) return Uint8Array.of(parseInt(byte[1], 16));
    return encoder.encode(meta === null ? text : text.split(meta).join(' '));
  });
  spec.chars = {
    strings,
    byteFallback,
    unk,
    fuseUnk: d.model.fuseUnk,
    prefix,
    suffix: d.model.endOfWordSuffix,
  };
  return spec;
}

/** The character the decoder turns back into a space (Metaspace, or Replace ▁ → ' '), if any. */
function metaspaceOf(d: TokenizerJsonDescription): string | null {
  for (const node of stagesOf(d.decoder, 'decoders')) {
    if (node.type === 'Metaspace') return String(node.replacement ?? '▁');
    if (node.type === 'Replace' && node.content === ' ') {
      const p = patternOf(node, '');
      if ('literal' in p) return p.literal;
    }
  }
  return null;
}

function resolveRoles(
  d: TokenizerJsonDescription,
  specials: SpecialToken[],
  options: FromHuggingFaceOptions,
  idOfAny: (content: string) => number | undefined,
): SpecialRoles {
  const idOf = (content: string | undefined): number | undefined =>
    content === undefined ? undefined : specials.find((s) => s.content === content)?.id;
  const byName = (names: string[]): number | undefined => {
    for (const name of names) {
      const id = idOf(name);
      if (id !== undefined) return id;
    }
    return undefined;
  };
  const roles: SpecialRoles = {};
  const template = buildTemplate(d.postProcessor, idOfAny);
  if (template) {
    if (template.before.length > 0) roles.bos = template.before[0];
    if (template.after.length > 0) roles.eos = template.after[template.after.length - 1];
  }
  const config = options.config ?? {};
  const named = (key: string): string | undefined => {
    const value = config[key];
    if (typeof value === 'string') return value;
    if (typeof value === 'object' && value !== null && typeof (value as { content?: unknown }).content === 'string') {
      return (value as { content: string }).content;
    }
    return undefined;
  };
  roles.bos = idOf(named('bos_token')) ?? roles.bos ?? byName(BOS_NAMES);
  roles.eos = idOf(named('eos_token')) ?? roles.eos ?? byName(EOS_NAMES);
  roles.pad = idOf(named('pad_token') ?? d.padToken) ?? byName(PAD_NAMES);
  for (const role of ['bos', 'eos', 'pad'] as const) {
    const wanted = options.roles?.[role];
    if (wanted === undefined) continue;
    const id = idOf(wanted);
    if (id === undefined)
      throw new LmlabError(`${role} token ${JSON.stringify(wanted)} is not among the tokenizer's special tokens`);
    roles[role] = id;
  }
  return roles;
}
