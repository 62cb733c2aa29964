// Hugging Face tokenizer.json for byte-level BPE, both ways. Writing produces the Llama-3-style
// layout (Split with our regex, then ByteLevel without its own regex; BPE model with vocab and
// merges; special tokens as added_tokens; a TemplateProcessing post-processor that records
// which tokens are BOS and EOS; padding recording PAD). Reading accepts that layout and GPT-2's
// (ByteLevel with its built-in regex). It refuses, with a one-line reason, what it cannot
// reproduce exactly: normalizers, prefix spaces, SentencePiece-style byte fallback, several
// Split stages, word prefixes/suffixes.
import type { MergeRule } from './bpe.ts';
import { tokenStringToBytes } from './byte-level.ts';
import { GPT2_SPLIT_PATTERN } from './pattern.ts';
import { Tokenizer, type SpecialRoles, type SpecialToken } from './tokenizer.ts';
import { LmlabError } from '../util/errors.ts';

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
  specials: SpecialToken[], bos: string | undefined, eos: string | undefined,
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
}

const BOS_NAMES = ['<|bos|>', '<|begin_of_text|>', '<s>', '<|startoftext|>', '<bos>'];
const EOS_NAMES = ['<|eos|>', '<|end_of_text|>', '</s>', '<|endoftext|>', '<eos>'];
const PAD_NAMES = ['<|pad|>', '<pad>', '[PAD]'];

/** Builds a Tokenizer from parsed tokenizer.json content. */
export function fromHuggingFaceJson(json: unknown, options: FromHuggingFaceOptions = {}): Tokenizer {
  const root = asObject(json, 'tokenizer.json');
  if (root.normalizer !== null && root.normalizer !== undefined) {
    throw new LmlabError(`tokenizer.json normalizer ${describe(root.normalizer)} is not supported (byte-level BPE needs none)`);
  }
  const model = asObject(root.model, 'tokenizer.json "model"');
  if (model.type !== undefined && model.type !== 'BPE') throw new LmlabError(`tokenizer.json model type ${String(model.type)} is not BPE`);
  if (model.byte_fallback === true) throw new LmlabError('tokenizer.json uses SentencePiece-style byte_fallback, not byte-level BPE');
  for (const key of ['continuing_subword_prefix', 'end_of_word_suffix'] as const) {
    if (model[key] !== null && model[key] !== undefined && model[key] !== '') {
      throw new LmlabError(`tokenizer.json model.${key} is not supported`);
    }
  }
  const pattern = splitPatternOf(root.pre_tokenizer);
  const added = Array.isArray(root.added_tokens) ? root.added_tokens.map((t, i) => addedToken(t, i)) : [];
  const addedIds = new Set(added.map((t) => t.id));

  const vocab = asObject(model.vocab, 'tokenizer.json model.vocab');
  const tokens: Array<Uint8Array | undefined> = [];
  const idOfString = new Map<string, number>();
  for (const [text, id] of Object.entries(vocab)) {
    if (!Number.isInteger(id) || (id as number) < 0) throw new LmlabError(`tokenizer.json vocab entry ${JSON.stringify(text)} has id ${String(id)}`);
    const numericId = id as number;
    idOfString.set(text, numericId);
    if (addedIds.has(numericId)) continue; // listed again as an added token: it is special
    const bytes = tokenStringToBytes(text);
    if (bytes === undefined) throw new LmlabError(`tokenizer.json vocab token ${JSON.stringify(text)} is not a byte-level string`);
    if (tokens[numericId] !== undefined) throw new LmlabError(`tokenizer.json vocab uses id ${numericId} twice`);
    tokens[numericId] = bytes;
  }

  const rawMerges = Array.isArray(model.merges) ? model.merges : [];
  const merges: MergeRule[] = rawMerges.map((raw, line) => {
    const [left, right] = mergeParts(raw, line);
    const leftId = idOfString.get(left);
    const rightId = idOfString.get(right);
    const result = idOfString.get(left + right);
    if (leftId === undefined || rightId === undefined || result === undefined) {
      throw new LmlabError(`tokenizer.json merge ${line} (${JSON.stringify(left)} ${JSON.stringify(right)}) uses a token missing from the vocabulary`);
    }
    return { left: leftId, right: rightId, result, priority: line };
  });

  const specials: SpecialToken[] = added.map((t) => ({ id: t.id, content: t.content }));
  return new Tokenizer({
    pattern,
    tokens,
    merges,
    specials,
    roles: resolveRoles(root, specials, options),
    ignoreMerges: model.ignore_merges === true,
  });
}

function splitPatternOf(pre: unknown): string {
  if (pre === null || pre === undefined) throw new LmlabError('tokenizer.json has no pre_tokenizer; byte-level BPE needs ByteLevel');
  const node = asObject(pre, 'tokenizer.json pre_tokenizer');
  if (node.type === 'ByteLevel') {
    checkByteLevel(node);
    if (node.use_regex === false) throw new LmlabError('tokenizer.json ByteLevel pre_tokenizer without a regex splits nothing: not supported');
    return GPT2_SPLIT_PATTERN;
  }
  if (node.type !== 'Sequence' || !Array.isArray(node.pretokenizers)) {
    throw new LmlabError(`tokenizer.json pre_tokenizer ${describe(node)} is not supported (expected ByteLevel or Sequence[Split, ByteLevel])`);
  }
  const stages = node.pretokenizers.map((s, i) => asObject(s, `pre_tokenizer stage ${i}`));
  const splits = stages.filter((s) => s.type === 'Split');
  const byteLevels = stages.filter((s) => s.type === 'ByteLevel');
  if (stages.length !== 2 || splits.length !== 1 || byteLevels.length !== 1 || stages[1].type !== 'ByteLevel') {
    throw new LmlabError(`tokenizer.json pre_tokenizer stages ${stages.map((s) => String(s.type)).join(', ')} are not supported (expected Split, ByteLevel)`);
  }
  const split = splits[0];
  checkByteLevel(byteLevels[0]);
  if (byteLevels[0].use_regex === true) throw new LmlabError('tokenizer.json ByteLevel after Split must have use_regex false');
  if (split.behavior !== 'Isolated' || split.invert === true) {
    throw new LmlabError(`tokenizer.json Split behavior ${String(split.behavior)}${split.invert ? ' (inverted)' : ''} is not supported (expected Isolated)`);
  }
  const patternNode = asObject(split.pattern, 'Split pattern');
  if (typeof patternNode.Regex === 'string') return patternNode.Regex;
  if (typeof patternNode.String === 'string') return patternNode.String.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');
  throw new LmlabError('tokenizer.json Split pattern has neither Regex nor String');
}

function checkByteLevel(node: Record<string, unknown>): void {
  if (node.add_prefix_space === true) throw new LmlabError('tokenizer.json ByteLevel add_prefix_space is not supported');
}

function addedToken(raw: unknown, index: number): SpecialToken {
  const t = asObject(raw, `added_tokens[${index}]`);
  if (!Number.isInteger(t.id) || typeof t.content !== 'string' || t.content.length === 0) {
    throw new LmlabError(`tokenizer.json added_tokens[${index}] needs an integer id and non-empty content`);
  }
  return { id: t.id as number, content: t.content };
}

function mergeParts(raw: unknown, line: number): [string, string] {
  if (Array.isArray(raw) && raw.length === 2 && typeof raw[0] === 'string' && typeof raw[1] === 'string') {
    return [raw[0], raw[1]];
  }
  if (typeof raw === 'string') {
    const space = raw.indexOf(' ');
    if (space > 0 && space === raw.lastIndexOf(' ') && space < raw.length - 1) return [raw.slice(0, space), raw.slice(space + 1)];
  }
  throw new LmlabError(`tokenizer.json merge ${line} is neither "a b" nor ["a", "b"]: ${JSON.stringify(raw)}`);
}

function resolveRoles(root: Record<string, unknown>, specials: SpecialToken[], options: FromHuggingFaceOptions): SpecialRoles {
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
  const post = root.post_processor as Record<string, unknown> | null | undefined;
  if (post && post.type === 'TemplateProcessing' && Array.isArray(post.single)) {
    const single = post.single as Array<Record<string, { id?: string }>>;
    const sequenceAt = single.findIndex((p) => 'Sequence' in p);
    single.forEach((piece, i) => {
      const id = idOf(piece.SpecialToken?.id);
      if (id === undefined) return;
      if (i < sequenceAt && roles.bos === undefined) roles.bos = id;
      if (i > sequenceAt) roles.eos = id;
    });
  }
  roles.bos ??= byName(BOS_NAMES);
  roles.eos ??= byName(EOS_NAMES);
  const padding = root.padding as Record<string, unknown> | null | undefined;
  roles.pad = idOf(typeof padding?.pad_token === 'string' ? padding.pad_token : undefined) ?? byName(PAD_NAMES);
  for (const role of ['bos', 'eos', 'pad'] as const) {
    const wanted = options.roles?.[role];
    if (wanted === undefined) continue;
    const id = idOf(wanted);
    if (id === undefined) throw new LmlabError(`${role} token ${JSON.stringify(wanted)} is not among the tokenizer's special tokens`);
    roles[role] = id;
  }
  return roles;
}

function asObject(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new LmlabError(`${what} is not a JSON object`);
  return value as Record<string, unknown>;
}

function describe(value: unknown): string {
  const type = (value as { type?: unknown } | null)?.type;
  return typeof type === 'string' ? type : JSON.stringify(value).slice(0, 60);
}

