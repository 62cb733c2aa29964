// Hash indexes keyed by a substring of a larger text, looked up in place: the hash is computed
// over the characters where they lie and a string is created only when a new key is stored.
// Counting or caching tens of millions of chunks through a Map<string, ...> spends most of its
// time creating and hashing throw-away slices. SubstringIndex maps keys to dense entry
// numbers; ChunkTable counts occurrences on top of it. Neither splits text.

const EMPTY = -1;

export class SubstringIndex {
  private buckets: Int32Array = new Int32Array(1 << 12).fill(EMPTY);
  private mask = (1 << 12) - 1;
  private hashes: Int32Array = new Int32Array(1 << 11);
  private readonly keys: string[] = [];
  // Where the last failed find() stopped, so insert() does not hash and probe again.
  private pendingHash = 0;
  private pendingBucket = -1;

  get size(): number {
    return this.keys.length;
  }

  key(entry: number): string {
    return this.keys[entry];
  }

  /** Entry of text[start..end), or -1 (then insert() may follow for the same span). */
  find(text: string, start: number, end: number): number {
    const length = end - start;
    let h = 0x811c9dc5 ^ length;
    for (let i = start; i < end; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
    let bucket = h & this.mask;
    for (;;) {
      const entry = this.buckets[bucket];
      if (entry === EMPTY) break;
      if (this.hashes[entry] === h) {
        const key = this.keys[entry];
        if (key.length === length && text.startsWith(key, start)) return entry;
      }
      bucket = (bucket + 1) & this.mask;
    }
    this.pendingHash = h;
    this.pendingBucket = bucket;
    return -1;
  }

  /** Stores text[start..end) right after find() returned -1 for it; returns its entry. */
  insert(text: string, start: number, end: number): number {
    if (this.pendingBucket < 0) throw new Error('SubstringIndex.insert must follow a failed find');
    const entry = this.keys.length;
    if (entry === this.hashes.length) {
      const hashes = new Int32Array(entry * 2);
      hashes.set(this.hashes);
      this.hashes = hashes;
    }
    this.keys.push(text.slice(start, end));
    this.hashes[entry] = this.pendingHash;
    this.buckets[this.pendingBucket] = entry;
    this.pendingBucket = -1;
    if (this.keys.length * 2 > this.buckets.length) this.rehash();
    return entry;
  }

  clear(): void {
    this.keys.length = 0;
    this.buckets.fill(EMPTY);
    this.pendingBucket = -1;
  }

  private rehash(): void {
    const capacity = this.buckets.length * 2;
    this.buckets = new Int32Array(capacity).fill(EMPTY);
    this.mask = capacity - 1;
    for (let entry = 0; entry < this.keys.length; entry++) {
      let bucket = this.hashes[entry] & this.mask;
      while (this.buckets[bucket] !== EMPTY) bucket = (bucket + 1) & this.mask;
      this.buckets[bucket] = entry;
    }
  }
}

/** Occurrence counts of distinct chunks. */
export class ChunkTable {
  private readonly index = new SubstringIndex();
  private counts: Float64Array = new Float64Array(1 << 11);

  get size(): number {
    return this.index.size;
  }

  /** Adds `times` occurrences of text[start..end). */
  add(text: string, start: number, end: number, times = 1): void {
    let entry = this.index.find(text, start, end);
    if (entry < 0) {
      entry = this.index.insert(text, start, end);
      if (entry === this.counts.length) {
        const counts = new Float64Array(entry * 2);
        counts.set(this.counts);
        this.counts = counts;
      }
      this.counts[entry] = 0;
    }
    this.counts[entry] += times;
  }

  /** Every distinct chunk with its count, in first-seen order. */
  *entries(): Generator<[string, number]> {
    for (let entry = 0; entry < this.index.size; entry++) yield [this.index.key(entry), this.counts[entry]];
  }
}
