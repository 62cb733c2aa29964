// The byte-level BPE tokenizer: pre-splits text with the GPT-4-style regex, encodes every
// chunk with the merge engine (cached), matches special tokens only when the caller allows
// them, and decodes ids back to exactly the original text. It also exposes what file writers
// need (token bytes and strings, merges, token types, special ids). It does not train
// (train.ts) or read and write files (hf-json.ts, tiktoken.ts).
import { BpeCore, type MergeRule } from './bpe.ts';
import { bytesToTokenString } from './byte-level.ts';
import { GPT2_SPLIT_PATTERN, GPT4_SPLIT_PATTERN, forEachChunk, type Splitter } from './pattern.ts';
import { createSplitter } from './splitter.ts';
import { decodeUtf8 } from '../data/utf8.ts';
import { toHuggingFaceJson, type HuggingFaceTokenizerJson } from './hf-json.ts';

export type { MergeRule } from './bpe.ts';

export interface SpecialToken {
  id: number;
  content: string;
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
}

export interface EncodeOptions {
  /** Special token strings to recognise in the text: true for all, or a list. Default none:
   * special strings in text are then encoded as ordinary text. */
  allowSpecial?: boolean | ReadonlyArray<string>;
}

export type TokenType = 'normal' | 'control' | 'unused';

/** llama.cpp / GGUF token type codes for tokenizer.ggml.token_type. */
export const GGUF_TOKEN_TYPE: Readonly<Record<TokenType, number>> = { normal: 1, control: 3, unused: 5 };

export interface GgufVocabulary {
  /** tokenizer.ggml.model: llama.cpp calls byte-level BPE "gpt2". */
  model: 'gpt2';
  /** tokenizer.ggml.pre: llama.cpp's name for the pre-split, when it has one for ours. */
  pre: string | undefined;
  tokens: string[];
  types: number[];
  merges: string[];
  bos?: number;
  eos?: number;
  pad?: number;
}

export class Tokenizer {
  readonly pattern: string;
  readonly vocabSize: number;
  readonly ignoreMerges: boolean;
  readonly roles: Readonly<SpecialRoles>;
  private readonly core: BpeCore;
  private readonly splitter: Splitter;
  private readonly tokenTable: ReadonlyArray<Uint8Array | undefined>;
  private readonly merges: ReadonlyArray<MergeRule>;
  private readonly specialById = new Map<number, SpecialToken>();
  private readonly specialByContent = new Map<string, SpecialToken>();
  private readonly specialBytes = new Map<number, Uint8Array>();
  private readonly specialRegexCache = new Map<string, RegExp>();
  private flat: { flatBytes: Uint8Array; flatOffset: Int32Array } | null = null;

  constructor(spec: TokenizerSpec, coreOptions: { heapThreshold?: number; cacheEntries?: number } = {}) {
    this.pattern = spec.pattern;
    this.splitter = createSplitter(spec.pattern);
    this.tokenTable = spec.tokens;
    this.ignoreMerges = spec.ignoreMerges ?? false;
    this.merges = [...spec.merges].sort((a, b) => a.priority - b.priority);
    let maxId = spec.tokens.length - 1;
    const encoder = new TextEncoder();
    for (const special of spec.specials) {
      if (special.content.length === 0) throw new Error('a special token cannot be the empty string');
      if (spec.tokens[special.id] !== undefined) {
        throw new Error(`special token ${special.content} reuses id ${special.id} of an ordinary token`);
      }
      if (this.specialByContent.has(special.content) || this.specialById.has(special.id)) {
        throw new Error(`special token ${special.content} (id ${special.id}) is defined twice`);
      }
      this.specialById.set(special.id, special);
      this.specialByContent.set(special.content, special);
      this.specialBytes.set(special.id, encoder.encode(special.content));
      maxId = Math.max(maxId, special.id);
    }
    this.vocabSize = maxId + 1;
    const roles = spec.roles ?? {};
    for (const [role, id] of Object.entries(roles)) {
      if (id !== undefined && !this.specialById.has(id)) throw new Error(`${role} id ${id} is not a special token`);
    }
    this.roles = { ...roles };
    for (const merge of this.merges) {
      for (const id of [merge.left, merge.right, merge.result]) {
        if (spec.tokens[id] === undefined) throw new Error(`merge refers to id ${id}, which is not an ordinary token`);
      }
    }
    this.core = new BpeCore(spec.tokens, this.merges, { ignoreMerges: this.ignoreMerges, ...coreOptions });
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

  /** Token ids of text. Special token strings are matched only when allowed. */
  encode(text: string, options: EncodeOptions = {}): number[] {
    const out: number[] = [];
    const allowed = options.allowSpecial;
    if (!allowed || this.specialByContent.size === 0) {
      this.encodeOrdinaryInto(text, out);
      return out;
    }
    const regex = this.specialRegex(allowed);
    if (regex === null) {
      this.encodeOrdinaryInto(text, out);
      return out;
    }
    let start = 0;
    regex.lastIndex = 0;
    for (let match = regex.exec(text); match !== null; match = regex.exec(text)) {
      if (match.index > start) this.encodeOrdinaryInto(text.slice(start, match.index), out);
      out.push(this.specialByContent.get(match[0])!.id);
      start = match.index + match[0].length;
    }
    if (start < text.length) this.encodeOrdinaryInto(text.slice(start), out);
    return out;
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
      throw new Error('this tokenizer has no BOS and EOS special tokens, so it cannot frame documents');
    }
    const ids = [bos];
    this.encodeOrdinaryInto(prefix, ids);
    const prefixLength = ids.length;
    this.encodeOrdinaryInto(text, ids);
    ids.push(eos);
    return { ids, prefixLength };
  }

  /** The pre-split chunks of text (what each chunk's BPE runs on), gaps included. */
  split(text: string): string[] {
    const chunks: string[] = [];
    forEachChunk(this.splitter, text, (chunk) => chunks.push(chunk));
    return chunks;
  }

  private encodeOrdinaryInto(text: string, out: number[]): void {
    const { splitter, core } = this;
    for (let start = 0; start < text.length; ) {
      const end = splitter.chunkEnd(text, start);
      core.encodeSpan(text, start, end, out);
      start = end;
    }
  }

  private specialRegex(allowed: true | ReadonlyArray<string>): RegExp | null {
    const contents = allowed === true ? [...this.specialByContent.keys()] : [...allowed];
    for (const content of contents) {
      if (!this.specialByContent.has(content)) throw new Error(`${JSON.stringify(content)} is not a special token of this tokenizer`);
    }
    if (contents.length === 0) return null;
    const key = contents.join('\u0000');
    let regex = this.specialRegexCache.get(key);
    if (regex === undefined) {
      // Longest first, so a special token that extends another one wins.
      const alternatives = contents.sort((a, b) => b.length - a.length).map(escapeRegex);
      regex = new RegExp(alternatives.join('|'), 'g');
      this.specialRegexCache.set(key, regex);
    }
    return regex;
  }

  /** Text of ids; bytes that do not form valid UTF-8 become U+FFFD. */
  decode(ids: ArrayLike<number>): string {
    return decodeUtf8(this.decodeBytes(ids));
  }

  /** Raw bytes of ids (special tokens as the UTF-8 of their content). */
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
    const bytes = this.tokenTable[id] ?? this.specialBytes.get(id);
    if (bytes === undefined) throw new Error(`token id ${id} is not in the vocabulary (size ${this.vocabSize})`);
    return bytes;
  }

  /** Bytes of an ordinary token or the UTF-8 of a special token; undefined for unused ids. */
  tokenBytes(id: number): Uint8Array | undefined {
    return this.tokenTable[id] ?? this.specialBytes.get(id);
  }

  /** The token as tokenizer.json and GGUF write it: GPT-2 byte-level characters for ordinary
   * tokens ("Ġthe"), the plain content for special tokens; undefined for unused ids. */
  tokenString(id: number): string | undefined {
    const bytes = this.tokenTable[id];
    if (bytes !== undefined) return bytesToTokenString(bytes);
    return this.specialById.get(id)?.content;
  }

  tokenType(id: number): TokenType {
    if (this.tokenTable[id] !== undefined) return 'normal';
    return this.specialById.has(id) ? 'control' : 'unused';
  }

  isSpecial(id: number): boolean {
    return this.specialById.has(id);
  }

  specialId(content: string): number | undefined {
    return this.specialByContent.get(content)?.id;
  }

  /** Special tokens in id order. */
  specialTokens(): SpecialToken[] {
    return [...this.specialById.values()].sort((a, b) => a.id - b.id);
  }

  /** Number of ordinary (non-special) tokens present. */
  get ordinaryTokenCount(): number {
    let count = 0;
    for (const bytes of this.tokenTable) if (bytes !== undefined) count++;
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

  /** What a GGUF file's tokenizer.ggml.* keys hold: one string and type per id (unused ids
   * get a placeholder string and type 'unused'), merges as "a b", and the role ids. */
  toGgufVocabulary(): GgufVocabulary {
    const tokens: string[] = [];
    const types: number[] = [];
    for (let id = 0; id < this.vocabSize; id++) {
      tokens.push(this.tokenString(id) ?? `<|unused_${id}|>`);
      types.push(GGUF_TOKEN_TYPE[this.tokenType(id)]);
    }
    const pre = this.pattern === GPT4_SPLIT_PATTERN ? 'llama-bpe' : this.pattern === GPT2_SPLIT_PATTERN ? 'gpt-2' : undefined;
    return { model: 'gpt2', pre, tokens, types, merges: this.mergeStrings(), ...this.roles };
  }

  /** Hugging Face tokenizer.json content (an object; JSON.stringify it to save). */
  toHuggingFaceJson(): HuggingFaceTokenizerJson {
    return toHuggingFaceJson(this);
  }
}

function escapeRegex(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
}
