// Packs documents from token shards into fixed-length training rows (MeCo §2):
// - every row starts with a new document (in `carry` mode, possibly the continuation of the
//   document that overflowed the previous row);
// - a document that does not fit is cut: the overflow is dropped (`drop`, the paper's choice)
//   or continues at the start of the next row (`carry`);
// - each document in a row gets its own segment id (block-diagonal attention) and positions
//   restarting at 0;
// - targets are next tokens within the same document whose loss mask is 1, else −1.
// Order: documents are visited in a seeded shuffle (shard order, then documents within a shard,
// re-drawn every epoch), so the whole stream is a pure function of (seed, cursor) and a
// checkpoint only needs the cursor to resume exactly. Memory: one shard at a time.
import { join } from 'node:path';
import { Rng } from '../util/rng.ts';
import type { TrainingBatch } from '../model/llama.ts';
import { type DatasetIndex, type Shard, readDatasetIndex, readShard } from './shards.ts';
import { LmlabError } from '../util/errors.ts';

export type OverflowMode = 'drop' | 'carry';

export interface PackingOptions {
  rows: number;
  t: number;
  overflow: OverflowMode;
  seed: number;
  /** false: documents in file order (evaluation) */
  shuffle: boolean;
}

/** Where the stream stands; plain JSON, stored in checkpoints. */
export interface LoaderCursor {
  epoch: number;
  /** index into this epoch's shard order */
  shardPos: number;
  /** index into the current shard's document order */
  docPos: number;
  /** tokens of document docPos already emitted (carry mode), 0 otherwise */
  docOffset: number;
}

export class RowLoader {
  readonly index: DatasetIndex;
  private cursorState: LoaderCursor;
  private shardOrder: number[] = [];
  private shard: Shard | null = null;
  private docOrder: Uint32Array = new Uint32Array(0);
  private loadedShardPos = -1;
  private loadedEpoch = -1;
  /** tokenMask: the shard's loss mask of each token (1 = a training target), for exporters */
  readonly batch: TrainingBatch & { segments: Int32Array; sources: Int32Array; tokenMask: Uint8Array };

  constructor(
    readonly dir: string,
    readonly options: PackingOptions,
    cursor?: LoaderCursor,
  ) {
    this.index = readDatasetIndex(dir);
    const nonEmpty = this.index.shards.some((s) => s.documents > 0);
    if (!nonEmpty) throw new LmlabError(`dataset ${dir}: it holds no documents`);
    if (options.t < 2) throw new LmlabError(`packing: rows need at least 2 tokens, got ${options.t}`);
    this.cursorState = cursor ? { ...cursor } : { epoch: 0, shardPos: 0, docPos: 0, docOffset: 0 };
    const n = options.rows * options.t;
    this.batch = {
      tokens: new Int32Array(n),
      targets: new Int32Array(n),
      positions: new Int32Array(n),
      segments: new Int32Array(n),
      lossMask: null,
      sources: new Int32Array(n),
      tokenMask: new Uint8Array(n),
    };
  }

  cursor(): LoaderCursor {
    return { ...this.cursorState };
  }

  get epoch(): number {
    return this.cursorState.epoch;
  }

  private ensureShard(): void {
    const c = this.cursorState;
    if (this.loadedEpoch !== c.epoch) {
      this.shardOrder = this.index.shards.map((_, i) => i);
      if (this.options.shuffle) new Rng(mix(this.options.seed, c.epoch, 0x5a4d)).shuffle(this.shardOrder);
      this.loadedEpoch = c.epoch;
      this.loadedShardPos = -1;
    }
    if (this.loadedShardPos !== c.shardPos) {
      const shardIndex = this.shardOrder[c.shardPos];
      this.shard = readShard(join(this.dir, this.index.shards[shardIndex].file));
      const docs = this.shard.sources.length;
      this.docOrder = new Uint32Array(docs);
      for (let i = 0; i < docs; i++) this.docOrder[i] = i;
      if (this.options.shuffle) new Rng(mix(this.options.seed, c.epoch, shardIndex + 1)).shuffle(this.docOrder);
      this.loadedShardPos = c.shardPos;
    }
  }

  /** Moves the cursor to the next document, wrapping into a new epoch at the end. */
  private advanceDocument(): void {
    const c = this.cursorState;
    c.docOffset = 0;
    c.docPos += 1;
    while (true) {
      this.ensureShard();
      if (c.docPos < this.docOrder.length) return;
      c.docPos = 0;
      c.shardPos += 1;
      if (c.shardPos >= this.shardOrder.length) {
        c.shardPos = 0;
        c.epoch += 1;
      }
    }
  }

  /** Fills this.batch with the next rows·t tokens and returns it. */
  next(): TrainingBatch & { segments: Int32Array; sources: Int32Array; tokenMask: Uint8Array } {
    const { rows, t, overflow } = this.options;
    const b = this.batch;
    const c = this.cursorState;
    this.ensureShard();
    if (c.docPos >= this.docOrder.length) {
      c.docPos -= 1;
      this.advanceDocument();
    }
    for (let r = 0; r < rows; r++) {
      const rowStart = r * t;
      let pos = 0;
      let segment = 0;
      while (pos < t) {
        const shard = this.shard!;
        const doc = this.docOrder[c.docPos];
        const begin = shard.offsets[doc] + c.docOffset;
        const remaining = shard.offsets[doc + 1] - begin;
        const take = Math.min(remaining, t - pos);
        for (let j = 0; j < take; j++) {
          const at = rowStart + pos + j;
          b.tokens[at] = shard.tokens[begin + j];
          b.positions[at] = c.docOffset + j;
          b.segments[at] = rowStart + segment; // unique per row and document
          b.sources[at] = shard.sources[doc];
          b.tokenMask[at] = shard.mask[begin + j];
          // target of position at−1 is this token, when in the same document and trained
          if (j > 0) b.targets[at - 1] = shard.mask[begin + j] ? shard.tokens[begin + j] : -1;
        }
        if (take > 0) b.targets[rowStart + pos + take - 1] = -1;
        pos += take;
        segment += 1;
        if (take < remaining) {
          // the row is full and the document overflows it
          if (overflow === 'carry') c.docOffset += take;
          else this.advanceDocument();
          break;
        }
        this.advanceDocument();
      }
    }
    return b;
  }
}

function mix(seed: number, epoch: number, salt: number): number {
  return (
    (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(epoch + 1, 0xc2b2ae35) ^ Math.imul(salt, 0x27d4eb2f)) >>> 0
  );
}
