// tiktoken rank data → Tokenizer. Reads tiktoken's own rank files (one `base64token rank` per
// line) and the compressed form js-tiktoken ships (`{pat_str, special_tokens, bpe_ranks}` where
// each bpe_ranks line is `<name> <first rank> <base64> <base64> ...`). tiktoken merges by the
// rank of the merged token, so every split of every token into two tokens becomes a merge
// rule whose priority is that rank, and whole-chunk tokens are emitted without merging.
// It does not fetch rank files (no network): callers pass text they already have.
import type { MergeRule } from './bpe.ts';
import { bytesToKey } from './byte-level.ts';
import { GPT4_SPLIT_PATTERN } from './pattern.ts';
import { Tokenizer, type SpecialRoles, type SpecialToken } from './tokenizer.ts';
import { LmlabError } from '../util/errors.ts';

export interface TiktokenData {
  /** Token bytes by rank (= id); holes allowed. */
  tokens: Array<Uint8Array | undefined>;
  specials: SpecialToken[];
  /** Pre-split pattern as tiktoken writes it, when the source carries one. */
  pattern?: string;
}

/** Parses a tiktoken rank file (`base64token rank` per line). */
export function parseTiktokenRankFile(text: string, source = 'rank file'): Array<Uint8Array | undefined> {
  const tokens: Array<Uint8Array | undefined> = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '') continue;
    const fields = line.split(' ');
    const rank = Number(fields[1]);
    if (fields.length !== 2 || !Number.isInteger(rank) || rank < 0 || !isBase64(fields[0])) {
      throw new LmlabError(`${source} line ${i + 1} is not "base64token rank": ${JSON.stringify(line.slice(0, 60))}`);
    }
    if (tokens[rank] !== undefined) throw new LmlabError(`${source} line ${i + 1} repeats rank ${rank}`);
    tokens[rank] = new Uint8Array(Buffer.from(fields[0], 'base64'));
  }
  if (tokens.length === 0) throw new LmlabError(`${source} has no ranks`);
  return tokens;
}

/** Parses js-tiktoken's compressed bpe_ranks string. */
export function parseJsTiktokenRanks(bpeRanks: string, source = 'js-tiktoken ranks'): Array<Uint8Array | undefined> {
  const tokens: Array<Uint8Array | undefined> = [];
  const lines = bpeRanks.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (lines[i] === '') continue;
    const fields = lines[i].split(' ');
    const first = Number(fields[1]);
    if (fields.length < 2 || !Number.isInteger(first) || first < 0) {
      throw new LmlabError(
        `${source} line ${i + 1} is not "<name> <first rank> <base64>...": ${JSON.stringify(lines[i].slice(0, 60))}`,
      );
    }
    for (let k = 2; k < fields.length; k++) {
      if (!isBase64(fields[k]))
        throw new LmlabError(`${source} line ${i + 1}: ${JSON.stringify(fields[k])} is not base64`);
      tokens[first + k - 2] = new Uint8Array(Buffer.from(fields[k], 'base64'));
    }
  }
  if (tokens.length === 0) throw new LmlabError(`${source} has no ranks`);
  return tokens;
}

/** Reads js-tiktoken's rank module (`export default {...}`, CommonJS, or plain JSON). */
export function parseJsTiktokenModule(text: string, source = 'js-tiktoken rank module'): TiktokenData {
  const start = text.indexOf('{');
  const end = text.lastIndexOf('}');
  let data: { pat_str?: unknown; special_tokens?: unknown; bpe_ranks?: unknown };
  try {
    data = JSON.parse(text.slice(start, end + 1)) as typeof data;
  } catch {
    throw new LmlabError(`${source} does not hold a {pat_str, special_tokens, bpe_ranks} object`);
  }
  return fromJsTiktokenObject(data, source);
}

/** The object js-tiktoken's rank modules export. */
export function fromJsTiktokenObject(
  data: { pat_str?: unknown; special_tokens?: unknown; bpe_ranks?: unknown },
  source = 'js-tiktoken ranks',
): TiktokenData {
  if (typeof data.bpe_ranks !== 'string') throw new LmlabError(`${source} has no bpe_ranks string`);
  const specials: SpecialToken[] = [];
  const rawSpecials = (data.special_tokens ?? {}) as Record<string, unknown>;
  for (const [content, id] of Object.entries(rawSpecials)) {
    if (!Number.isInteger(id)) throw new LmlabError(`${source} special token ${content} has id ${String(id)}`);
    specials.push({ content, id: id as number });
  }
  return {
    tokens: parseJsTiktokenRanks(data.bpe_ranks, source),
    specials,
    pattern: typeof data.pat_str === 'string' ? data.pat_str : undefined,
  };
}

export interface FromTiktokenOptions {
  /** Pre-split pattern; defaults to the GPT-4 one (tiktoken's cl100k_base). */
  pattern?: string;
  roles?: SpecialRoles;
}

/** A Tokenizer that encodes exactly like tiktoken with these ranks. */
export function tokenizerFromTiktoken(data: TiktokenData, options: FromTiktokenOptions = {}): Tokenizer {
  const idOfKey = new Map<string, number>();
  const keys: string[] = [];
  for (let id = 0; id < data.tokens.length; id++) {
    const bytes = data.tokens[id];
    keys[id] = bytes === undefined ? '' : bytesToKey(bytes);
    if (bytes !== undefined) idOfKey.set(keys[id], id);
  }
  const merges: MergeRule[] = [];
  for (let id = 0; id < data.tokens.length; id++) {
    const key = keys[id];
    for (let cut = 1; cut < key.length; cut++) {
      const left = idOfKey.get(key.slice(0, cut));
      if (left === undefined) continue;
      const right = idOfKey.get(key.slice(cut));
      if (right !== undefined) merges.push({ left, right, result: id, priority: id });
    }
  }
  return new Tokenizer({
    pattern: options.pattern ?? GPT4_SPLIT_PATTERN,
    tokens: data.tokens,
    merges,
    specials: data.specials,
    roles: options.roles ?? guessRoles(data.specials),
    ignoreMerges: true,
  });
}

/** tiktoken's files carry no roles; its end-of-text token ends documents. */
function guessRoles(specials: SpecialToken[]): SpecialRoles {
  const find = (names: string[]) => specials.find((s) => names.includes(s.content))?.id;
  return {
    bos: find(['<|bos|>', '<|begin_of_text|>', '<|startoftext|>', '<|endoftext|>']),
    eos: find(['<|eos|>', '<|end_of_text|>', '<|endoftext|>']),
    pad: find(['<|pad|>']),
  };
}

function isBase64(text: string): boolean {
  return text.length > 0 && text.length % 4 === 0 && /^[A-Za-z0-9+/]+={0,2}$/.test(text);
}
