// The BPE merge engine: turns one pre-split chunk into token ids by repeatedly merging the
// adjacent pair with the lowest priority (leftmost first on ties), which is Hugging Face BPE
// (priority = merge line), tiktoken (priority = rank of the merged token, every split of every
// token listed as a pair) and SentencePiece (priority = rank of the merged token's score).
// A chunk starts as its UTF-8 bytes (byte-level BPE) or as its characters (SentencePiece-style
// BPE: unknown characters become <0xXX> byte tokens or the unknown token, and the
// continuing-subword prefix / end-of-word suffix are applied). Results are cached per chunk
// string. It does not pre-split text or handle special tokens (see tokenizer.ts).
import { SubstringIndex } from './chunk-table.ts';
import { PairTable } from './pair-table.ts';
import { findInvalidUtf8, decodeUtf8 } from '../data/utf8.ts';
import { LmlabError } from '../util/errors.ts';

/** One merge rule: the pair (left, right) becomes result; lower priority merges first. */
export interface MergeRule {
  left: number;
  right: number;
  result: number;
  priority: number;
}

/** How a chunk becomes its first symbols when the model works on characters, not bytes. */
export interface CharSymbols {
  /** Token id of every vocabulary string. */
  idOf: ReadonlyMap<string, number>;
  /** <0xXX> token id per byte value (-1 where missing), or null without byte fallback. */
  byteFallback: Int32Array | null;
  /** Unknown token id, -1 for none (unknown characters are then dropped). */
  unk: number;
  fuseUnk: boolean;
  /** Put before every character but the first of a chunk (continuing_subword_prefix). */
  prefix: string;
  /** Put after the last character of a chunk (end_of_word_suffix). */
  suffix: string;
}

export interface BpeCoreOptions {
  /** Characters instead of bytes (see CharSymbols). */
  chars?: CharSymbols;
  /** Emit a chunk as one token when it is itself in the vocabulary (tiktoken, Llama 3). */
  ignoreMerges: boolean;
  /** Chunks remembered before the cache is dropped and refilled. */
  cacheEntries?: number;
  /** Chunks up to this many bytes use the simple quadratic merge loop, longer ones a heap. */
  heapThreshold?: number;
}

const NO_PAIR = 0x7fffffff;
const MAX_CACHED_IDS = 256; // longer chunks are rare and would crowd the cache
const MAX_POOL = 1 << 22;
const POSITION_SCALE = 4294967296; // heap keys are priority · 2^32 + position

export class BpeCore {
  readonly byteIds = new Int32Array(256);
  private readonly pairs: PairTable;
  private pairResult: Int32Array;
  private pairPriority: Int32Array;
  /** Number of distinct merge pairs. */
  get mergeCount(): number {
    return this.pairs.size;
  }
  private readonly wholeTokens: Map<string, number> | null;
  private readonly chars: CharSymbols | null;
  private readonly cache = new SubstringIndex();
  private cachePool: Int32Array = new Int32Array(1 << 16);
  private cacheOffset: Int32Array = new Int32Array(1 << 12);
  private cacheLength: Int32Array = new Int32Array(1 << 12);
  private cacheUsed = 0;
  private readonly cacheEntries: number;
  private readonly heapThreshold: number;
  private readonly encoder = new TextEncoder();
  // Work buffers, grown on demand and reused so merging allocates nothing per chunk.
  private bytes: Uint8Array = new Uint8Array(256);
  private syms: Int32Array = new Int32Array(256);
  private prio: Int32Array = new Int32Array(256);
  private slots: Int32Array = new Int32Array(256);
  private next: Int32Array = new Int32Array(256);
  private prev: Int32Array = new Int32Array(256);
  private heap: Float64Array = new Float64Array(256);

  constructor(
    readonly tokenBytes: ReadonlyArray<Uint8Array | undefined>,
    merges: ReadonlyArray<MergeRule>,
    options: BpeCoreOptions,
  ) {
    this.cacheEntries = options.cacheEntries ?? 1 << 17;
    this.heapThreshold = options.heapThreshold ?? 48;
    this.chars = options.chars ?? null;
    this.byteIds.fill(-1);
    if (this.chars === null) {
      for (let id = 0; id < tokenBytes.length; id++) {
        const bytes = tokenBytes[id];
        if (bytes && bytes.length === 1 && this.byteIds[bytes[0]] < 0) this.byteIds[bytes[0]] = id;
      }
      const missing = this.byteIds.indexOf(-1);
      if (missing >= 0) {
        throw new LmlabError(
          `vocabulary has no token for byte 0x${missing.toString(16).padStart(2, '0')}: byte-level BPE needs all 256`,
        );
      }
    }
    this.pairs = new PairTable(merges.length);
    this.pairResult = new Int32Array(Math.max(16, merges.length));
    this.pairPriority = new Int32Array(Math.max(16, merges.length));
    for (const merge of merges) this.addMerge(merge);
    this.wholeTokens = !options.ignoreMerges
      ? null
      : this.chars
        ? new Map(this.chars.idOf)
        : buildWholeTokenIndex(tokenBytes);
  }

  private addMerge(merge: MergeRule): void {
    const sizeBefore = this.pairs.size;
    const slot = this.pairs.getOrInsert(merge.left, merge.right);
    if (slot >= this.pairResult.length) {
      this.pairResult = grow(this.pairResult, slot + 1);
      this.pairPriority = grow(this.pairPriority, slot + 1);
    }
    // The same pair listed twice: the lowest priority wins.
    if (slot < sizeBefore && this.pairPriority[slot] <= merge.priority) return;
    this.pairResult[slot] = merge.result;
    this.pairPriority[slot] = merge.priority;
  }

  /** Appends the ids of one pre-split chunk to out. */
  encodeChunk(chunk: string, out: number[]): void {
    this.encodeSpan(chunk, 0, chunk.length, out);
  }

  /** Appends the ids of the chunk text[start..end) to out, looking it up in place. */
  encodeSpan(text: string, start: number, end: number, out: number[]): void {
    const cache = this.cache;
    let entry = cache.find(text, start, end);
    if (entry >= 0) {
      const pool = this.cachePool;
      const last = this.cacheOffset[entry] + this.cacheLength[entry];
      for (let i = this.cacheOffset[entry]; i < last; i++) out.push(pool[i]);
      return;
    }
    const chunk = text.slice(start, end);
    let count: number;
    const whole = this.wholeTokens?.get(chunk);
    if (whole !== undefined) {
      this.syms[0] = whole;
      count = 1;
    } else if (this.chars !== null) {
      count = this.mergeChars(chunk, this.chars);
    } else {
      if (this.bytes.length < chunk.length * 3) this.bytes = new Uint8Array(chunk.length * 3);
      count = this.mergeBytes(this.bytes, this.encoder.encodeInto(chunk, this.bytes).written);
    }
    for (let i = 0; i < count; i++) out.push(this.syms[i]);
    if (count > MAX_CACHED_IDS) return;
    if (cache.size >= this.cacheEntries || this.cacheUsed + count > this.cachePool.length) {
      // Full: start over rather than track recency; the hot chunks come back at once.
      if (cache.size >= this.cacheEntries || this.cachePool.length >= MAX_POOL) {
        cache.clear();
        this.cacheUsed = 0;
        cache.find(text, start, end);
      } else {
        this.cachePool = grow(this.cachePool, this.cacheUsed + count);
      }
    }
    entry = cache.insert(text, start, end);
    if (entry >= this.cacheOffset.length) {
      this.cacheOffset = grow(this.cacheOffset, entry + 1);
      this.cacheLength = grow(this.cacheLength, entry + 1);
    }
    this.cacheOffset[entry] = this.cacheUsed;
    this.cacheLength[entry] = count;
    this.cachePool.set(this.syms.subarray(0, count), this.cacheUsed);
    this.cacheUsed += count;
  }

  /** Merges bytes[0..length) and leaves the resulting ids in this.syms[0..count); returns count. */
  private mergeBytes(bytes: Uint8Array, length: number): number {
    this.ensureWork(length);
    const syms = this.syms;
    for (let i = 0; i < length; i++) syms[i] = this.byteIds[bytes[i]];
    if (length < 2) return length;
    return length <= this.heapThreshold ? this.mergeSmall(length) : this.mergeWithHeap(length);
  }

  /** The first symbols of a chunk made of characters, then merged; returns the count in syms. */
  private mergeChars(chunk: string, chars: CharSymbols): number {
    const { idOf, byteFallback, unk, fuseUnk, prefix, suffix } = chars;
    // At most the UTF-8 bytes of prefix + character + suffix per character (byte fallback).
    this.ensureWork(chunk.length * (4 + 3 * (prefix.length + suffix.length)) + 2);
    let n = 0;
    let unkPending = false; // an unknown token waits, so fuse_unk can extend it
    for (let i = 0; i < chunk.length; ) {
      const cp = chunk.codePointAt(i)!;
      const width = cp > 0xffff ? 2 : 1;
      let piece = chunk.slice(i, i + width);
      if (i > 0 && prefix !== '') piece = prefix + piece;
      i += width;
      if (i === chunk.length && suffix !== '') piece += suffix;
      const id = idOf.get(piece);
      if (id !== undefined) {
        if (unkPending) this.syms[n++] = unk;
        unkPending = false;
        this.syms[n++] = id;
        continue;
      }
      if (byteFallback !== null) {
        const bytes = this.encoder.encode(piece);
        let all = true;
        for (const b of bytes) if (byteFallback[b] < 0) all = false;
        if (all) {
          // As Hugging Face does: byte tokens go out before a waiting unknown token.
          for (const b of bytes) this.syms[n++] = byteFallback[b];
          continue;
        }
      }
      if (unk >= 0) {
        if (unkPending && !fuseUnk) this.syms[n++] = unk;
        unkPending = true;
      }
    }
    if (unkPending) this.syms[n++] = unk;
    if (n < 2) return n;
    return n <= this.heapThreshold ? this.mergeSmall(n) : this.mergeWithHeap(n);
  }

  private pairSlot(a: number, b: number): number {
    return this.pairs.get(a, b);
  }

  /** Quadratic but tiny-constant loop for short chunks, the common case. */
  private mergeSmall(length: number): number {
    const { syms, prio, slots } = this;
    let n = length;
    for (let i = 0; i < n - 1; i++) this.rate(i);
    for (;;) {
      let best = NO_PAIR;
      let at = -1;
      for (let i = 0; i < n - 1; i++) {
        if (prio[i] < best) {
          best = prio[i];
          at = i;
        }
      }
      if (at < 0) return n;
      syms[at] = this.pairResult[slots[at]];
      syms.copyWithin(at + 1, at + 2, n);
      prio.copyWithin(at + 1, at + 2, n);
      slots.copyWithin(at + 1, at + 2, n);
      n--;
      if (at > 0) this.rate(at - 1);
      if (at < n - 1) this.rate(at);
    }
  }

  private rate(i: number): void {
    const slot = this.pairSlot(this.syms[i], this.syms[i + 1]);
    this.slots[i] = slot;
    this.prio[i] = slot < 0 ? NO_PAIR : this.pairPriority[slot];
  }

  /** O(n log n) merging over a linked list with a min-heap of (priority, position) keys. */
  private mergeWithHeap(length: number): number {
    const { syms, next, prev } = this;
    let heapSize = 0;
    const push = (key: number): void => {
      if (heapSize === this.heap.length) this.heap = growFloat(this.heap, heapSize * 2);
      const heap = this.heap;
      let i = heapSize++;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (heap[parent] <= key) break;
        heap[i] = heap[parent];
        i = parent;
      }
      heap[i] = key;
    };
    const pop = (): number => {
      const heap = this.heap;
      const top = heap[0];
      const last = heap[--heapSize];
      let i = 0;
      for (;;) {
        let child = 2 * i + 1;
        if (child >= heapSize) break;
        if (child + 1 < heapSize && heap[child + 1] < heap[child]) child++;
        if (heap[child] >= last) break;
        heap[i] = heap[child];
        i = child;
      }
      heap[i] = last;
      return top;
    };
    const pushPair = (at: number): void => {
      const after = next[at];
      if (after < 0) return;
      const slot = this.pairSlot(syms[at], syms[after]);
      if (slot >= 0) push(this.pairPriority[slot] * POSITION_SCALE + at);
    };
    for (let i = 0; i < length; i++) {
      next[i] = i + 1 < length ? i + 1 : -1;
      prev[i] = i - 1;
    }
    for (let i = 0; i + 1 < length; i++) pushPair(i);
    while (heapSize > 0) {
      const key = pop();
      const at = key % POSITION_SCALE;
      const priority = (key - at) / POSITION_SCALE;
      const after = next[at];
      if (syms[at] < 0 || after < 0) continue;
      const slot = this.pairSlot(syms[at], syms[after]);
      if (slot < 0 || this.pairPriority[slot] !== priority) continue; // stale entry
      syms[at] = this.pairResult[slot];
      syms[after] = -1;
      next[at] = next[after];
      if (next[after] >= 0) prev[next[after]] = at;
      if (prev[at] >= 0) pushPair(prev[at]);
      pushPair(at);
    }
    let count = 0;
    for (let i = 0; i >= 0; i = next[i]) syms[count++] = syms[i];
    return count;
  }

  private ensureWork(length: number): void {
    if (this.syms.length >= length) return;
    const size = Math.max(length, this.syms.length * 2);
    this.syms = new Int32Array(size);
    this.prio = new Int32Array(size);
    this.slots = new Int32Array(size);
    this.next = new Int32Array(size);
    this.prev = new Int32Array(size);
  }
}

/** Text → id for every token whose bytes are valid UTF-8, for the whole-chunk shortcut. */
function buildWholeTokenIndex(tokenBytes: ReadonlyArray<Uint8Array | undefined>): Map<string, number> {
  const index = new Map<string, number>();
  for (let id = 0; id < tokenBytes.length; id++) {
    const bytes = tokenBytes[id];
    if (!bytes || findInvalidUtf8(bytes) >= 0) continue;
    const text = decodeUtf8(bytes);
    if (!index.has(text)) index.set(text, id);
  }
  return index;
}

function grow(array: Int32Array, atLeast: number): Int32Array {
  const out = new Int32Array(Math.max(atLeast, array.length * 2));
  out.set(array);
  return out;
}

function growFloat(array: Float64Array, atLeast: number): Float64Array {
  const out = new Float64Array(Math.max(atLeast, array.length * 2));
  out.set(array);
  return out;
}
