// An open-addressing hash table from a pair of non-negative int32 ids to a dense slot number
// 0, 1, 2, ... in insertion order. Both the encoder (pair → merge) and the trainer (pair →
// count) key on token-id pairs millions of times; a JS Map would need a boxed or composite key
// per lookup. This table stores keys in typed arrays and allocates only when it grows.
// It does not support deletion: callers keep a slot and mark it unused themselves.

const EMPTY = -1;

export class PairTable {
  private capacity: number;
  private mask: number;
  private buckets: Int32Array; // slot number per bucket, EMPTY when free
  /** Left and right id of every slot, indexed by slot. */
  left: Int32Array;
  right: Int32Array;
  size = 0;

  constructor(expected = 1024) {
    this.capacity = 1 << Math.max(4, Math.ceil(Math.log2(expected * 2)));
    this.mask = this.capacity - 1;
    this.buckets = new Int32Array(this.capacity).fill(EMPTY);
    this.left = new Int32Array(this.capacity >> 1);
    this.right = new Int32Array(this.capacity >> 1);
  }

  /** Slot of (a, b), or -1 when absent. */
  get(a: number, b: number): number {
    let h = hash(a, b) & this.mask;
    for (;;) {
      const slot = this.buckets[h];
      if (slot === EMPTY) return -1;
      if (this.left[slot] === a && this.right[slot] === b) return slot;
      h = (h + 1) & this.mask;
    }
  }

  /** Slot of (a, b), inserting it (as the next slot number) when absent. */
  getOrInsert(a: number, b: number): number {
    let h = hash(a, b) & this.mask;
    for (;;) {
      const slot = this.buckets[h];
      if (slot === EMPTY) break;
      if (this.left[slot] === a && this.right[slot] === b) return slot;
      h = (h + 1) & this.mask;
    }
    const slot = this.size++;
    if (slot >= this.left.length) this.growSlots();
    this.left[slot] = a;
    this.right[slot] = b;
    this.buckets[h] = slot;
    // Keep the load factor at or below 1/2 so probe runs stay short.
    if (this.size * 2 > this.capacity) this.rehash(this.capacity * 2);
    return slot;
  }

  private growSlots(): void {
    const left = new Int32Array(this.left.length * 2);
    const right = new Int32Array(this.right.length * 2);
    left.set(this.left);
    right.set(this.right);
    this.left = left;
    this.right = right;
  }

  private rehash(capacity: number): void {
    this.capacity = capacity;
    this.mask = capacity - 1;
    this.buckets = new Int32Array(capacity).fill(EMPTY);
    for (let slot = 0; slot < this.size; slot++) {
      let h = hash(this.left[slot], this.right[slot]) & this.mask;
      while (this.buckets[h] !== EMPTY) h = (h + 1) & this.mask;
      this.buckets[h] = slot;
    }
    if (this.left.length < capacity >> 1) {
      const left = new Int32Array(capacity >> 1);
      const right = new Int32Array(capacity >> 1);
      left.set(this.left.subarray(0, this.size));
      right.set(this.right.subarray(0, this.size));
      this.left = left;
      this.right = right;
    }
  }
}

function hash(a: number, b: number): number {
  let h = Math.imul(a, 0x9e3779b1) ^ Math.imul(b + 0x7f4a7c15, 0x85ebca6b);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  return h ^ (h >>> 13);
}
