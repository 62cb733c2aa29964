// The tokenizer: matches added tokens (special ones only when the caller allows them),
// normalizes and pre-splits the rest, encodes every piece with the BPE engine (cached), and
// decodes ids back to text. Two model kinds share it: byte-level BPE (pieces as UTF-8 bytes;
// a single split pattern takes a fast path with no intermediate strings) and SentencePiece-style
// BPE over characters with byte fallback. The string stages come from pipeline.ts; file formats
// live in hf-json.ts, gguf.ts and tiktoken.ts, which build a TokenizerSpec. It does not train.
import { BpeCore, type CharSymbols, type MergeRule } from './bpe.ts';
import { bytesToTokenString } from './byte-level.ts';
import { forEachChunk, type Splitter } from './pattern.ts';
import type { Decoder, Normalizer, Piece, PreTokenizer, Template } from './pipeline.ts';
import { createSplitter } from './splitter.ts';
import { decodeUtf8 } from '../data/utf8.ts';
import { TOKEN_TYPE } from '../io/gguf-vocab.ts';
import { LmlabError } from '../util/errors.ts';

export type { MergeRule } from './bpe.ts';

/** An added token: matched in text before pre-splitting. special: only when the caller allows
 * special tokens (a "control" token); otherwise always (a "user-defined" token). */
export interface SpecialToken {
  id: number;
  content: string;
  /** Default true. */
  special?: boolean;
  /** Whitespace before / after the match is absorbed. */
  lstrip?: boolean;
  rstrip?: boolean;
  /** Matched only when not inside a word. */
  singleWord?: boolean;
  /** Matched in the normalized text rather than the raw text. */
  normalized?: boolean;
}

/** The string stages and model options beyond plain byte-level BPE with one split pattern. */
export interface Pipeline {
  normalizer: Normalizer | null;
  /** Replaces `pattern` when set. */
  preTokenizer: PreTokenizer | null;
  /** Token strings → text; null: byte-level decoding of token bytes. */
  decoder: Decoder | null;
  /** Ids around a sequence when special tokens are added. */
  template: Template | null;
  /** How text was interpreted, one line per stage (for inspect). */
  summary: Record<string, string>;
}

/** Which special tokens play the document roles (BOS/EOS around documents, PAD for rows). */
export interface SpecialRoles {
  bos?: number;
  eos?: number;
  pad?: number;
}

/** Everything that defines a tokenizer; ids may have holes (tiktoken files do). */
export interface TokenizerSpec {
  /** Pre-split pattern in tokenizer.json / tiktoken syntax. */
  pattern: string;
  /** Bytes of every ordinary token, indexed by id; undefined for unused ids. */
  tokens: ReadonlyArray<Uint8Array | undefined>;
  merges: ReadonlyArray<MergeRule>;
  specials: ReadonlyArray<SpecialToken>;
  roles?: SpecialRoles;
  /** A chunk that is itself a token is emitted whole, without merging (tiktoken behaviour). */
  ignoreMerges?: boolean;
  /** SentencePiece-style BPE over characters: the vocabulary strings, and how unknown
   * characters are handled. `tokens` then holds each token's decoded bytes (streaming). */
  chars?: { strings: ReadonlyArray<string | undefined> } & Omit<CharSymbols, 'idOf'>;
  pipeline?: Pipeline;
  /** llama.cpp SentencePiece: ' ' before the text and after each special token, spaces as ▁. */
  spacePrefix?: { add: boolean; meta: string };
  /** 'longest-first' (llama.cpp): the longest added token is split out everywhere first.
   * Default 'leftmost-longest' (Hugging Face). */
  addedMatch?: 'leftmost-longest' | 'longest-first';
  /** Without a template: add BOS / EOS when special tokens are added. */
  addBos?: boolean;
  addEos?: boolean;
  /** What GGUF vocabulary this tokenizer exports as (decided in src/io/hf-tokenizer.ts). */
  gguf?: { pre?: string; addSpacePrefix?: boolean } | { error: string };
  /** Token types where the source states them (GGUF), by id. */
  types?: ReadonlyArray<TokenType | undefined>;
}

export interface EncodeOptions {
  /** Special token strings to recognise in the text: true for all, or a list. Default none:
   * special strings in text are then encoded as ordinary text. */
  allowSpecial?: boolean | ReadonlyArray<string>;
  /** Add the special tokens the tokenizer puts around a sequence (TemplateProcessing, or BOS
   * / EOS by add_bos_token / add_eos_token). Default false. */
  addSpecialTokens?: boolean;
}

export type TokenType = 'normal' | 'control' | 'user_defined' | 'unknown' | 'byte' | 'unused';

/** llama.cpp / GGUF token type codes for tokenizer.ggml.token_type. */
export const GGUF_TOKEN_TYPE: Readonly<Record<TokenType, number>> = {
  normal: TOKEN_TYPE.NORMAL,
  control: TOKEN_TYPE.CONTROL,
  user_defined: TOKEN_TYPE.USER_DEFINED,
  unknown: TOKEN_TYPE.UNKNOWN,
  byte: TOKEN_TYPE.BYTE,
  unused: TOKEN_TYPE.UNUSED,
};

export class Tokenizer {
  readonly pattern: string;
  readonly vocabSize: number;
  readonly ignoreMerges: boolean;
  readonly roles: Readonly<SpecialRoles>;
  /** 'bytes': byte-level BPE; 'chars': SentencePiece-style BPE over characters. */
  readonly kind: 'bytes' | 'chars';
  readonly pipeline: Pipeline | null;
  private readonly core: BpeCore;
  private readonly splitter: Splitter | null;
  private readonly tokenTable: ReadonlyArray<Uint8Array | undefined>;
  private readonly strings: ReadonlyArray<string | undefined> | null;
  private readonly merges: ReadonlyArray<MergeRule>;
  private readonly spec: TokenizerSpec;
  private readonly specialById = new Map<number, SpecialToken>();
  private readonly specialByContent = new Map<string, SpecialToken>();
  private readonly specialBytes = new Map<number, Uint8Array>();
  private readonly userTokens: SpecialToken[] = [];
  private readonly addedRegexCache = new Map<string, RegExp | null>();
  private flat: { flatBytes: Uint8Array; flatOffset: Int32Array } | null = null;

  constructor(spec: TokenizerSpec, coreOptions: { heapThreshold?: number; cacheEntries?: number } = {}) {
    this.spec = spec;
    this.pattern = spec.pattern;
    this.kind = spec.chars ? 'chars' : 'bytes';
    this.pipeline = spec.pipeline ?? null;
    this.splitter =
      this.pipeline?.preTokenizer || this.kind === 'chars' || spec.pattern === '' ? null : createSplitter(spec.pattern);
    this.tokenTable = spec.tokens;
    this.strings = spec.chars?.strings ?? null;
    this.ignoreMerges = spec.ignoreMerges ?? false;
    this.merges = [...spec.merges].sort((a, b) => a.priority - b.priority);
    let maxId = Math.max(spec.tokens.length, this.strings?.length ?? 0) - 1;
    const encoder = new TextEncoder();
    for (const special of spec.specials) {
      if (special.content.length === 0) throw new LmlabError('a special token cannot be the empty string');
      if (spec.tokens[special.id] !== undefined && this.kind === 'bytes') {
        throw new LmlabError(`special token ${special.content} reuses id ${special.id} of an ordinary token`);
      }
      if (this.specialByContent.has(special.content) || this.specialById.has(special.id)) {
        throw new LmlabError(`special token ${special.content} (id ${special.id}) is defined twice`);
      }
      this.specialById.set(special.id, special);
      this.specialByContent.set(special.content, special);
      this.specialBytes.set(special.id, encoder.encode(special.content));
      if (special.special === false) this.userTokens.push(special);
      maxId = Math.max(maxId, special.id);
    }
    this.vocabSize = maxId + 1;
    const roles = spec.roles ?? {};
    for (const [role, id] of Object.entries(roles)) {
      if (id !== undefined && !this.specialById.has(id) && this.tokenTable[id] === undefined) {
        throw new LmlabError(`${role} id ${id} is not a token`);
      }
    }
    this.roles = { ...roles };
    for (const merge of this.merges) {
      for (const id of [merge.left, merge.right, merge.result]) {
        if (spec.tokens[id] === undefined && this.strings?.[id] === undefined) {
          throw new LmlabError(`merge refers to id ${id}, which is not an ordinary token`);
        }
      }
    }
    let chars: CharSymbols | undefined;
    if (spec.chars) {
      const idOf = new Map<string, number>();
      spec.chars.strings.forEach((text, id) => {
        if (text !== undefined && !idOf.has(text)) idOf.set(text, id);
      });
      chars = { ...spec.chars, idOf };
    }
    this.core = new BpeCore(spec.tokens, this.merges, {
      ignoreMerges: this.ignoreMerges,
      ...coreOptions,
      ...(chars ? { chars } : {}),
    });
  }

  get bosId(): number | undefined {
    return this.roles.bos;
  }
  get eosId(): number | undefined {
    return this.roles.eos;
  }
  get padId(): number | undefined {
    return this.roles.pad;
  }

  /** Token ids of text. Special token strings are matched only when allowed; user-defined
   * added tokens always. */
  encode(text: string, options: EncodeOptions = {}): number[] {
    const out: number[] = [];
    const allowed = options.allowSpecial ?? false;
    const add = options.addSpecialTokens === true;
    const template = this.pipeline?.template ?? null;
    if (add) {
      if (template) out.push(...template.before);
      else if (this.spec.addBos && this.roles.bos !== undefined) out.push(this.roles.bos);
    }
    const regex = this.addedRegex(allowed, false);
    const normalizedRegex = this.addedRegex(allowed, true);
    if (regex === null && normalizedRegex === null && this.spec.addedMatch !== 'longest-first') {
      this.encodeSection(text, true, true, out);
    } else {
      let prevSpecial = true;
      this.forEachAddedSplit(text, regex, allowed, (section, atStart, token) => {
        if (token !== undefined) {
          out.push(token.id);
          prevSpecial = true;
          return;
        }
        if (section.length === 0) return;
        if (normalizedRegex === null || this.pipeline?.normalizer == null) {
          this.encodeSection(section, atStart, prevSpecial, out);
        } else {
          // Added tokens marked "normalized" are matched in the normalized text.
          const normal = this.pipeline.normalizer(section);
          this.forEachAddedSplit(normal, normalizedRegex, allowed, (inner, innerAtStart, innerToken) => {
            if (innerToken !== undefined) out.push(innerToken.id);
            else if (inner.length > 0) this.encodePieces(inner, atStart && innerAtStart, out);
          });
        }
        prevSpecial = false;
      });
    }
    if (add) {
      if (template) out.push(...template.after);
      else if (this.spec.addEos && this.roles.eos !== undefined) out.push(this.roles.eos);
    }
    return out;
  }

  /** Splits text around added tokens; visit gets either a text section or a token. */
  private forEachAddedSplit(
    text: string,
    regex: RegExp | null,
    allowed: boolean | ReadonlyArray<string>,
    visit: (section: string, atStart: boolean, token?: SpecialToken) => void,
  ): void {
    if (this.spec.addedMatch === 'longest-first') {
      this.longestFirstSplit(text, allowed, visit);
      return;
    }
    if (regex === null) {
      visit(text, true);
      return;
    }
    let start = 0;
    regex.lastIndex = 0;
    for (let match = regex.exec(text); match !== null; match = regex.exec(text)) {
      const content = match[1];
      const token = this.specialByContent.get(content)!;
      visit(text.slice(start, match.index), start === 0);
      visit('', false, token);
      start = match.index + match[0].length;
    }
    visit(text.slice(start), start === 0);
  }

  /** llama.cpp's order: for each added token, longest first, split every remaining text fragment. */
  private longestFirstSplit(
    text: string,
    allowed: boolean | ReadonlyArray<string>,
    visit: (section: string, atStart: boolean, token?: SpecialToken) => void,
  ): void {
    type Fragment = { text: string; start: number } | SpecialToken;
    let fragments: Fragment[] = [{ text, start: 0 }];
    const candidates = [...this.specialByContent.values()]
      .filter((t) => this.isAllowed(t, allowed))
      .sort((a, b) => new TextEncoder().encode(b.content).length - new TextEncoder().encode(a.content).length);
    for (const token of candidates) {
      const next: Fragment[] = [];
      for (const f of fragments) {
        if (!('text' in f)) {
          next.push(f);
          continue;
        }
        let from = 0;
        for (let at = f.text.indexOf(token.content); at >= 0; at = f.text.indexOf(token.content, from)) {
          let left = f.text.slice(from, at);
          if (token.lstrip) left = left.replace(/\s+$/, '');
          if (left.length > 0) next.push({ text: left, start: f.start + from });
          next.push(token);
          from = at + token.content.length;
          if (token.rstrip) while (from < f.text.length && /\s/.test(f.text[from])) from++;
        }
        if (from < f.text.length) next.push({ text: f.text.slice(from), start: f.start + from });
      }
      fragments = next;
    }
    for (const f of fragments) {
      if ('text' in f) visit(f.text, f.start === 0);
      else visit('', false, f);
    }
  }

  private isAllowed(token: SpecialToken, allowed: boolean | ReadonlyArray<string>): boolean {
    if (token.special === false) return true;
    return allowed === true || (Array.isArray(allowed) && allowed.includes(token.content));
  }

  /** One regex matching the added tokens to split out (raw or normalized ones), or null. */
  private addedRegex(allowed: boolean | ReadonlyArray<string>, normalized: boolean): RegExp | null {
    if (Array.isArray(allowed)) {
      for (const content of allowed) {
        if (!this.specialByContent.has(content))
          throw new LmlabError(`${JSON.stringify(content)} is not a special token of this tokenizer`);
      }
    }
    const key = `${normalized}\u0000${allowed === true ? '*' : allowed === false ? '' : (allowed as string[]).join('\u0000')}`;
    if (this.addedRegexCache.has(key)) return this.addedRegexCache.get(key)!;
    const hasNormalizer = this.pipeline?.normalizer != null;
    const tokens = [...this.specialByContent.values()].filter(
      (t) => this.isAllowed(t, allowed) && (hasNormalizer && t.normalized === true) === normalized,
    );
    let regex: RegExp | null = null;
    if (tokens.length > 0) {
      // Longest first, so that at one position the longest token wins (leftmost-longest).
      tokens.sort((x, y) => y.content.length - x.content.length);
      regex = wrapCaptures(tokens);
    }
    this.addedRegexCache.set(key, regex);
    return regex;
  }

  /** A section of text between added tokens: normalize, pre-split, BPE. */
  private encodeSection(text: string, atStart: boolean, prevSpecial: boolean, out: number[]): void {
    if (text.length === 0) return;
    const space = this.spec.spacePrefix;
    if (space) {
      const spaced = (space.add && prevSpecial ? ' ' : '') + text;
      this.core.encodeSpan(spaced.split(' ').join(space.meta), 0, spaced.length, out);
      return;
    }
    const normalizer = this.pipeline?.normalizer;
    this.encodePieces(normalizer ? normalizer(text) : text, atStart, out);
  }

  private encodePieces(text: string, atStart: boolean, out: number[]): void {
    if (text.length === 0) return;
    const { splitter, core } = this;
    if (splitter !== null) {
      for (let start = 0; start < text.length; ) {
        const end = splitter.chunkEnd(text, start);
        core.encodeSpan(text, start, end, out);
        start = end;
      }
      return;
    }
    const pre = this.pipeline?.preTokenizer;
    if (!pre) {
      core.encodeSpan(text, 0, text.length, out);
      return;
    }
    const pieces: Piece[] = pre([{ text, atStart }]);
    for (const piece of pieces) core.encodeSpan(piece.text, 0, piece.text.length, out);
  }

  /** [BOS] + encode(text) + [EOS]: one training document. */
  encodeDocument(text: string): number[] {
    return this.encodeDocumentWithPrefix('', text).ids;
  }

  /** [BOS] + encode(prefix) + encode(text) + [EOS], the prefix encoded on its own so no merge
   * crosses the boundary (MeCo metadata). prefixLength counts BOS and the prefix tokens. */
  encodeDocumentWithPrefix(prefix: string, text: string): { ids: number[]; prefixLength: number } {
    const { bos, eos } = this.roles;
    if (bos === undefined || eos === undefined) {
      throw new LmlabError('this tokenizer has no BOS and EOS special tokens, so it cannot frame documents');
    }
    const ids = [bos];
    ids.push(...this.encode(prefix));
    const prefixLength = ids.length;
    ids.push(...this.encode(text));
    ids.push(eos);
    return { ids, prefixLength };
  }

  /** The pre-split chunks of text (what each chunk's BPE runs on), gaps included. */
  split(text: string): string[] {
    if (this.splitter !== null) {
      const chunks: string[] = [];
      forEachChunk(this.splitter, text, (chunk) => chunks.push(chunk));
      return chunks;
    }
    const normal = this.pipeline?.normalizer ? this.pipeline.normalizer(text) : text;
    const pre = this.pipeline?.preTokenizer;
    return pre ? pre([{ text: normal, atStart: true }]).map((p) => p.text) : [normal];
  }

  /** Text of ids, through the tokenizer's decoder (byte-level: invalid UTF-8 becomes U+FFFD). */
  decode(ids: ArrayLike<number>): string {
    const decoder = this.pipeline?.decoder;
    if (!decoder) return decodeUtf8(this.decodeBytes(ids));
    const strings: string[] = [];
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      const text = this.specialById.get(id)?.content ?? this.strings?.[id] ?? this.byteLevelString(id);
      if (text === undefined) this.bytesOf(id); // throws the "not in the vocabulary" error
      strings.push(text as string);
    }
    return decoder(strings).join('');
  }

  private byteLevelString(id: number): string | undefined {
    const bytes = this.tokenTable[id];
    return bytes === undefined ? undefined : bytesToTokenString(bytes);
  }

  /** Raw bytes of ids (special tokens as the UTF-8 of their content; SentencePiece tokens with
   * ▁ as spaces and byte tokens as their byte): what streaming output concatenates. */
  decodeBytes(ids: ArrayLike<number>): Uint8Array {
    const { flatBytes, flatOffset } = this.flatTable();
    let length = 0;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      const size = flatOffset[id + 1] - flatOffset[id];
      if (!(size > 0)) this.bytesOf(id); // throws the "not in the vocabulary" error
      length += size;
    }
    const out = new Uint8Array(length);
    let at = 0;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      const end = flatOffset[id + 1];
      for (let k = flatOffset[id]; k < end; k++) out[at++] = flatBytes[k];
    }
    return out;
  }

  /** All token bytes back to back, so decoding copies from one array without lookups. */
  private flatTable(): { flatBytes: Uint8Array; flatOffset: Int32Array } {
    if (this.flat === null) {
      const flatOffset = new Int32Array(this.vocabSize + 1);
      let total = 0;
      for (let id = 0; id < this.vocabSize; id++) {
        flatOffset[id] = total;
        total += this.tokenBytes(id)?.length ?? 0;
      }
      flatOffset[this.vocabSize] = total;
      const flatBytes = new Uint8Array(total);
      for (let id = 0; id < this.vocabSize; id++) {
        const bytes = this.tokenBytes(id);
        if (bytes) flatBytes.set(bytes, flatOffset[id]);
      }
      this.flat = { flatBytes, flatOffset };
    }
    return this.flat;
  }

  private bytesOf(id: number): Uint8Array {
    const bytes = this.tokenBytes(id);
    if (bytes === undefined || (bytes.length === 0 && this.strings?.[id] === undefined)) {
      throw new LmlabError(`token id ${id} is not in the vocabulary (size ${this.vocabSize})`);
    }
    return bytes;
  }

  /** Bytes of an ordinary token or the UTF-8 of a special token; undefined for unused ids. */
  tokenBytes(id: number): Uint8Array | undefined {
    return this.specialBytes.get(id) ?? this.tokenTable[id];
  }

  /** The token as tokenizer.json and GGUF write it: GPT-2 byte-level characters for byte-level
   * tokens ("Ġthe"), the vocabulary string for SentencePiece-style tokens ("▁the"), the plain
   * content for added tokens; undefined for unused ids. */
  tokenString(id: number): string | undefined {
    const special = this.specialById.get(id);
    if (special) return special.content;
    if (this.strings) return this.strings[id];
    const bytes = this.tokenTable[id];
    return bytes === undefined ? undefined : bytesToTokenString(bytes);
  }

  tokenType(id: number): TokenType {
    const stated = this.spec.types?.[id];
    if (stated !== undefined) return stated;
    const special = this.specialById.get(id);
    if (special) return special.special === false ? 'user_defined' : 'control';
    if (this.strings) {
      const text = this.strings[id];
      if (text === undefined) return 'unused';
      if (id === this.spec.chars?.unk) return 'unknown';
      return /^<0x[0-9A-F]{2}>$/.test(text) ? 'byte' : 'normal';
    }
    return this.tokenTable[id] !== undefined ? 'normal' : 'unused';
  }

  isSpecial(id: number): boolean {
    const special = this.specialById.get(id);
    return special !== undefined && special.special !== false;
  }

  specialId(content: string): number | undefined {
    return this.specialByContent.get(content)?.id;
  }

  /** Added tokens (special and user-defined) in id order. */
  specialTokens(): SpecialToken[] {
    return [...this.specialById.values()].sort((a, b) => a.id - b.id);
  }

  /** Number of ordinary (non-added) tokens present. */
  get ordinaryTokenCount(): number {
    let count = 0;
    const table = this.strings ?? this.tokenTable;
    for (let id = 0; id < table.length; id++) if (table[id] !== undefined && !this.specialById.has(id)) count++;
    return count;
  }

  /** Merge rules in priority order. */
  mergeRules(): ReadonlyArray<MergeRule> {
    return this.merges;
  }

  /** Merges as tokenizer.json / GGUF store them: "Ġ t" (byte-level strings, one space). */
  mergeStrings(): string[] {
    return this.merges.map((m) => `${this.tokenString(m.left)} ${this.tokenString(m.right)}`);
  }

  /** The spec this tokenizer was built from (file writers read it). */
  get source(): Readonly<TokenizerSpec> {
    return this.spec;
  }
}

function escapeRegex(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');
}

/** A regex whose group 1 is the content of whichever added token matched. */
function wrapCaptures(tokens: SpecialToken[]): RegExp {
  const parts = tokens.map((t) => {
    let body = escapeRegex(t.content);
    if (t.singleWord) body = `(?<![\\p{L}\\p{N}_])${body}(?![\\p{L}\\p{N}_])`;
    return { body, lstrip: t.lstrip === true, rstrip: t.rstrip === true };
  });
  // (?<c>...) cannot repeat a name, so match the content with one group around the alternation of
  // bodies, and whitespace outside it only where a token asks for it.
  const plain = parts.filter((p) => !p.lstrip && !p.rstrip).map((p) => p.body);
  const stripped = parts
    .filter((p) => p.lstrip || p.rstrip)
    .map((p) => `${p.lstrip ? '\\p{White_Space}*' : ''}(${p.body})${p.rstrip ? '\\p{White_Space}*' : ''}`);
  const alternatives = [...(plain.length > 0 ? [`(${plain.join('|')})`] : []), ...stripped];
  const source = alternatives.join('|');
  const regex = new RegExp(source, 'gu');
  const exec = regex.exec.bind(regex);
  // Group 1 of the result is the first group that matched, whichever alternative it was.
  regex.exec = (text: string) => {
    const match = exec(text);
    if (match !== null) match[1] = match.slice(1).find((g) => g !== undefined)!;
    return match;
  };
  return regex;
}

/** What `lmlab tokenizer inspect` prints: one "kind: component" line per stage, then counts. */
export function describeTokenizer(tokenizer: Tokenizer): string[] {
  const summary = tokenizer.pipeline?.summary ?? {};
  const lines: string[] = [];
  const fallback: Record<string, string> = {
    normalizer: 'none',
    pre_tokenizer:
      tokenizer.pattern !== '' ? `Split(regex ${JSON.stringify(tokenizer.pattern)}, Isolated) + ByteLevel` : 'none',
    model: `BPE (${tokenizer.kind === 'bytes' ? 'byte-level' : 'characters'}, ${tokenizer.ordinaryTokenCount} tokens, ${tokenizer.mergeRules().length} merges${tokenizer.ignoreMerges ? ', ignore_merges' : ''})`,
    decoder: tokenizer.kind === 'bytes' ? 'ByteLevel' : 'none',
    post_processor: 'none',
  };
  for (const kind of ['normalizer', 'pre_tokenizer', 'model', 'decoder', 'post_processor']) {
    lines.push(`${kind}: ${summary[kind] ?? fallback[kind]}`);
  }
  const specials = tokenizer.specialTokens();
  lines.push(`added tokens: ${specials.length} (${specials.filter((s) => s.special !== false).length} special)`);
  const role = (id: number | undefined) =>
    id === undefined ? 'none' : `${id} ${JSON.stringify(tokenizer.tokenString(id))}`;
  lines.push(`bos: ${role(tokenizer.bosId)}, eos: ${role(tokenizer.eosId)}, pad: ${role(tokenizer.padId)}`);
  lines.push(`vocabulary: ${tokenizer.vocabSize}`);
  return lines;
}
