// Byte-level BPE training. Pre-split chunks are counted once (ChunkCounter); training then
// keeps, for every adjacent pair, its total count and the words it occurs in, and after each
// merge updates only the pairs next to the merged occurrences (no recount per merge). The
// best pair comes from a max-heap with lazy invalidation; ties go to the smaller (left,
// right) ids so training is deterministic. It does not read files (corpus.ts).
import { LmlabError } from '../util/errors.ts';
import type { MergeRule } from './bpe.ts';
import { ChunkTable } from './chunk-table.ts';
import { PairTable } from './pair-table.ts';
import { GPT4_SPLIT_PATTERN, type Splitter } from './pattern.ts';
import { createSplitter } from './splitter.ts';
import { Tokenizer, type SpecialToken } from './tokenizer.ts';

/** Counts distinct pre-split chunks of a stream of texts. */
export class ChunkCounter {
  readonly pattern: string;
  private readonly table = new ChunkTable();
  chunks = 0;
  characters = 0;
  private readonly splitter: Splitter;

  constructor(pattern: string = GPT4_SPLIT_PATTERN) {
    this.pattern = pattern;
    this.splitter = createSplitter(pattern);
  }

  add(text: string): void {
    const { table, splitter } = this;
    this.characters += text.length;
    for (let start = 0; start < text.length; this.chunks++) {
      const end = splitter.chunkEnd(text, start);
      table.add(text, start, end);
      start = end;
    }
  }

  /** Number of distinct chunks. */
  get distinct(): number {
    return this.table.size;
  }

  /** Every distinct chunk with its count. */
  entries(): Iterable<[string, number]> {
    return this.table.entries();
  }
}

export interface TrainOptions {
  /** Total vocabulary: 256 byte tokens + merges + special tokens. */
  vocabSize: number;
  bosToken?: string;
  eosToken?: string;
  padToken?: string;
  extraSpecialTokens?: string[];
  /** Pairs seen fewer times than this are never merged (training may stop early). */
  minFrequency?: number;
  onProgress?: (merges: number, target: number) => void;
}

export const DEFAULT_SPECIALS = { bos: '<|bos|>', eos: '<|eos|>', pad: '<|pad|>' } as const;

export interface TrainResult {
  tokenizer: Tokenizer;
  merges: number;
  /** True when training ran out of pairs (or pairs frequent enough) before vocabSize. */
  stoppedEarly: boolean;
  distinctChunks: number;
}

export function trainBpe(counter: ChunkCounter, options: TrainOptions): TrainResult {
  const specialContents = [
    options.bosToken ?? DEFAULT_SPECIALS.bos,
    options.eosToken ?? DEFAULT_SPECIALS.eos,
    options.padToken ?? DEFAULT_SPECIALS.pad,
    ...(options.extraSpecialTokens ?? []),
  ];
  if (new Set(specialContents).size !== specialContents.length) throw new LmlabError('special tokens must be distinct');
  const minimum = 256 + specialContents.length;
  if (!Number.isInteger(options.vocabSize) || options.vocabSize < minimum) {
    throw new LmlabError(
      `vocabulary size ${options.vocabSize} is smaller than 256 byte tokens + ${specialContents.length} special tokens = ${minimum}`,
    );
  }
  if (counter.chunks === 0) throw new LmlabError('the corpus is empty: there is no text to train on');
  const target = options.vocabSize - minimum;
  const trainer = new PairTrainer(counter, options.minFrequency ?? 2);
  const merges = trainer.run(target, options.onProgress);

  const tokens: Uint8Array[] = [];
  for (let b = 0; b < 256; b++) tokens.push(Uint8Array.of(b));
  const rules: MergeRule[] = merges.map(([left, right], index) => {
    const result = 256 + index;
    const bytes = new Uint8Array(tokens[left].length + tokens[right].length);
    bytes.set(tokens[left]);
    bytes.set(tokens[right], tokens[left].length);
    tokens.push(bytes);
    return { left, right, result, priority: index };
  });
  const specials: SpecialToken[] = specialContents.map((content, k) => ({ id: tokens.length + k, content }));
  const tokenizer = new Tokenizer({
    pattern: counter.pattern,
    tokens,
    merges: rules,
    specials,
    roles: { bos: specials[0].id, eos: specials[1].id, pad: specials[2].id },
  });
  return { tokenizer, merges: merges.length, stoppedEarly: merges.length < target, distinctChunks: counter.distinct };
}

const EMPTY_LIST: number[] = [];

/** The incremental pair-count state over the distinct chunks ("words"). */
class PairTrainer {
  private readonly symbols: Int32Array;
  private readonly wordStart: Int32Array;
  private readonly wordLength: Int32Array;
  private readonly wordFreq: Float64Array;
  private readonly wordStamp: Int32Array;
  private readonly pairs = new PairTable(1 << 16);
  private counts: Float64Array = new Float64Array(1 << 16);
  private touchStamp: Int32Array = new Int32Array(1 << 16);
  private readonly wordsOf: number[][] = [];
  private readonly touched: number[] = [];
  private stamp = 0;
  private heapCount: Float64Array = new Float64Array(1 << 16);
  private heapSlot: Int32Array = new Int32Array(1 << 16);
  private heapSize = 0;

  constructor(
    counter: ChunkCounter,
    private readonly minFrequency: number,
  ) {
    const encoder = new TextEncoder();
    let scratch = new Uint8Array(1024);
    const kept: Array<[Uint8Array, number]> = [];
    let total = 0;
    for (const [chunk, count] of counter.entries()) {
      if (scratch.length < chunk.length * 3) scratch = new Uint8Array(chunk.length * 3);
      const length = encoder.encodeInto(chunk, scratch).written;
      if (length < 2) continue; // a single byte holds no pair
      kept.push([scratch.slice(0, length), count]);
      total += length;
    }
    this.symbols = new Int32Array(total);
    this.wordStart = new Int32Array(kept.length);
    this.wordLength = new Int32Array(kept.length);
    this.wordFreq = new Float64Array(kept.length);
    this.wordStamp = new Int32Array(kept.length);
    let offset = 0;
    for (let w = 0; w < kept.length; w++) {
      const [bytes, count] = kept[w];
      this.symbols.set(bytes, offset);
      this.wordStart[w] = offset;
      this.wordLength[w] = bytes.length;
      this.wordFreq[w] = count;
      offset += bytes.length;
      for (let i = 0; i + 1 < bytes.length; i++) this.addPair(bytes[i], bytes[i + 1], count, w);
    }
    for (let slot = 0; slot < this.pairs.size; slot++) this.heapPush(this.counts[slot], slot);
  }

  run(target: number, onProgress?: (merges: number, target: number) => void): Array<[number, number]> {
    const merges: Array<[number, number]> = [];
    while (merges.length < target && this.heapSize > 0) {
      const count = this.heapCount[0];
      const slot = this.heapSlot[0];
      this.heapPop();
      const current = this.counts[slot];
      if (count !== current) {
        if (current > 0) this.heapPush(current, slot); // stale entry: requeue at its true count
        continue;
      }
      if (current < this.minFrequency || current <= 0) break;
      const created = 256 + merges.length;
      merges.push([this.pairs.left[slot], this.pairs.right[slot]]);
      this.applyMerge(slot, created);
      if (onProgress && merges.length % 1000 === 0) onProgress(merges.length, target);
    }
    onProgress?.(merges.length, target);
    return merges;
  }

  private applyMerge(slot: number, created: number): void {
    const a = this.pairs.left[slot];
    const b = this.pairs.right[slot];
    const { symbols } = this;
    this.stamp++;
    this.touched.length = 0;
    for (const w of this.wordsOf[slot]) {
      if (this.wordStamp[w] === this.stamp) continue;
      this.wordStamp[w] = this.stamp;
      const start = this.wordStart[w];
      const end = start + this.wordLength[w];
      const freq = this.wordFreq[w];
      let write = start;
      let read = start;
      // Neighbour pairs are updated with the already-merged left neighbour, so runs like
      // "a b a b" net out correctly (the transient (c, a) is added then removed).
      while (read < end) {
        if (read + 1 < end && symbols[read] === a && symbols[read + 1] === b) {
          if (write > start) {
            const before = symbols[write - 1];
            this.addPair(before, a, -freq, w);
            this.addPair(before, created, freq, w);
          }
          if (read + 2 < end) {
            const after = symbols[read + 2];
            this.addPair(b, after, -freq, w);
            this.addPair(created, after, freq, w);
          }
          symbols[write++] = created;
          read += 2;
        } else {
          symbols[write++] = symbols[read++];
        }
      }
      this.wordLength[w] = write - start;
    }
    this.counts[slot] = 0;
    this.wordsOf[slot] = EMPTY_LIST;
    for (const changed of this.touched) {
      if (this.counts[changed] > 0) this.heapPush(this.counts[changed], changed);
    }
  }

  private addPair(left: number, right: number, delta: number, word: number): void {
    const slot = this.pairs.getOrInsert(left, right);
    if (slot >= this.counts.length) this.growSlots();
    this.counts[slot] += delta;
    if (delta <= 0) return;
    let words = this.wordsOf[slot];
    if (words === undefined || words === EMPTY_LIST) words = this.wordsOf[slot] = [];
    if (words.length === 0 || words[words.length - 1] !== word) words.push(word);
    if (this.touchStamp[slot] !== this.stamp) {
      this.touchStamp[slot] = this.stamp;
      this.touched.push(slot);
    }
  }

  private growSlots(): void {
    const counts = new Float64Array(this.counts.length * 2);
    counts.set(this.counts);
    this.counts = counts;
    const stamps = new Int32Array(this.touchStamp.length * 2);
    stamps.set(this.touchStamp);
    this.touchStamp = stamps;
  }

  /** Heap order: higher count first, then smaller left id, then smaller right id. */
  private before(countA: number, slotA: number, countB: number, slotB: number): boolean {
    if (countA !== countB) return countA > countB;
    const { left, right } = this.pairs;
    if (left[slotA] !== left[slotB]) return left[slotA] < left[slotB];
    return right[slotA] < right[slotB];
  }

  private heapPush(count: number, slot: number): void {
    if (this.heapSize === this.heapCount.length) {
      const counts = new Float64Array(this.heapSize * 2);
      counts.set(this.heapCount);
      this.heapCount = counts;
      const slots = new Int32Array(this.heapSize * 2);
      slots.set(this.heapSlot);
      this.heapSlot = slots;
    }
    const { heapCount, heapSlot } = this;
    let i = this.heapSize++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(count, slot, heapCount[parent], heapSlot[parent])) break;
      heapCount[i] = heapCount[parent];
      heapSlot[i] = heapSlot[parent];
      i = parent;
    }
    heapCount[i] = count;
    heapSlot[i] = slot;
  }

  private heapPop(): void {
    const { heapCount, heapSlot } = this;
    const size = --this.heapSize;
    const count = heapCount[size];
    const slot = heapSlot[size];
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= size) break;
      if (child + 1 < size && this.before(heapCount[child + 1], heapSlot[child + 1], heapCount[child], heapSlot[child]))
        child++;
      if (!this.before(heapCount[child], heapSlot[child], count, slot)) break;
      heapCount[i] = heapCount[child];
      heapSlot[i] = heapSlot[child];
      i = child;
    }
    heapCount[i] = count;
    heapSlot[i] = slot;
  }
}
