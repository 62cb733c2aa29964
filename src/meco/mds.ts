// Export of packed MeCo training rows as MosaicML Streaming (MDS) shards, the format the
// paper's PyTorch trainer streams, plus a reader (for the round-trip test and for checking an
// export). Layout written, per the MDS format (version 2, no compression, no hashes):
//   index.json                {"version": 2, "shards": [shard info, ...]}
//   shard.NNNNN.mds           u32 sample count n; u32 offsets[n + 1] (absolute byte offsets of
//                             each sample); the shard's config JSON; then the samples.
//   sample                    u32 byte size of every variable-size column (all three here),
//                             then the column bytes, columns in name order.
// Columns (each a `bytes` column of little-endian arrays, one row of seqLen tokens):
//   input_ids     int32[seqLen]  the packed tokens (BOS + metadata + document + EOS, ...)
//   loss_mask     uint8[seqLen]  1 where the token is a training target (predicted from the
//                                previous position of the same document)
//   position_ids  int32[seqLen]  positions restarting at 0 per document (0 = document start:
//                                the block-diagonal attention mask follows from it)
// Not here: the packing itself (src/train/packing.ts does it, exactly as for training).
import { closeSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { RowLoader } from '../train/packing.ts';
import { writeAtomic } from '../util/atomic.ts';

const COLUMNS = ['input_ids', 'loss_mask', 'position_ids'] as const;

interface ShardInfo {
  column_encodings: string[];
  column_names: string[];
  column_sizes: Array<number | null>;
  compression: null;
  format: 'mds';
  hashes: string[];
  raw_data: { basename: string; bytes: number; hashes: Record<string, string> };
  samples: number;
  size_limit: number;
  version: 2;
  zip_data: null;
}

export interface MdsRow {
  inputIds: Int32Array;
  lossMask: Uint8Array;
  positionIds: Int32Array;
}

function shardConfig(sizeLimit: number): Omit<ShardInfo, 'raw_data' | 'samples' | 'zip_data'> {
  return {
    column_encodings: COLUMNS.map(() => 'bytes'), column_names: [...COLUMNS], column_sizes: COLUMNS.map(() => null),
    compression: null, format: 'mds', hashes: [], size_limit: sizeLimit, version: 2,
  };
}

/** JSON with keys sorted at every level, as the reference writer emits it. */
function sortedJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(sortedJson).join(', ')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}: ${sortedJson((value as Record<string, unknown>)[k])}`).join(', ')}}`;
  }
  return JSON.stringify(value);
}

export class MdsWriter {
  private samples: Buffer[] = [];
  private pendingBytes = 0;
  private readonly shards: ShardInfo[] = [];
  private readonly configBytes: Buffer;

  constructor(readonly dir: string, readonly sizeLimit = 1 << 26) {
    mkdirSync(dir, { recursive: true });
    this.configBytes = Buffer.from(sortedJson(shardConfig(sizeLimit)));
  }

  add(row: MdsRow): void {
    const columns = [Buffer.from(row.inputIds.buffer, row.inputIds.byteOffset, row.inputIds.byteLength),
      Buffer.from(row.lossMask.buffer, row.lossMask.byteOffset, row.lossMask.byteLength),
      Buffer.from(row.positionIds.buffer, row.positionIds.byteOffset, row.positionIds.byteLength)];
    const head = Buffer.alloc(4 * columns.length);
    columns.forEach((c, i) => head.writeUInt32LE(c.length, 4 * i));
    const sample = Buffer.concat([head, ...columns]);
    // 4 bytes of offset per sample, plus the shard header, count against the limit
    if (this.samples.length > 0 && 8 + this.configBytes.length + this.pendingBytes + sample.length + 4 * (this.samples.length + 2) > this.sizeLimit) this.flush();
    this.samples.push(sample);
    this.pendingBytes += sample.length;
  }

  private flush(): void {
    if (this.samples.length === 0) return;
    const n = this.samples.length;
    const basename = `shard.${String(this.shards.length).padStart(5, '0')}.mds`;
    const header = Buffer.alloc(4 + 4 * (n + 1));
    header.writeUInt32LE(n, 0);
    let offset = header.length + this.configBytes.length;
    for (let i = 0; i <= n; i++) {
      header.writeUInt32LE(offset, 4 + 4 * i);
      if (i < n) offset += this.samples[i].length;
    }
    const fd = openSync(join(this.dir, basename), 'w');
    try {
      writeSync(fd, header);
      writeSync(fd, this.configBytes);
      for (const s of this.samples) writeSync(fd, s);
    } finally {
      closeSync(fd);
    }
    this.shards.push({ ...shardConfig(this.sizeLimit), raw_data: { basename, bytes: offset, hashes: {} }, samples: n, zip_data: null });
    this.samples = [];
    this.pendingBytes = 0;
  }

  finish(): { shards: number; samples: number } {
    this.flush();
    writeAtomic(join(this.dir, 'index.json'), JSON.stringify({ shards: this.shards, version: 2 }));
    return { shards: this.shards.length, samples: this.shards.reduce((n, s) => n + s.samples, 0) };
  }
}

/** Packs one pass over a shard dataset (file order) into MDS rows of seqLen tokens. */
export function exportMds(datasetDir: string, outDir: string, seqLen: number, options: { sizeLimit?: number; maxRows?: number } = {}): { shards: number; samples: number } {
  const loader = new RowLoader(datasetDir, { rows: 1, t: seqLen, overflow: 'drop', seed: 0, shuffle: false });
  const writer = new MdsWriter(outDir, options.sizeLimit);
  const lossMask = new Uint8Array(seqLen);
  for (let r = 0; options.maxRows === undefined || r < options.maxRows; r++) {
    const b = loader.next();
    // a row that wrapped into a second pass repeats documents: the export is one pass
    if (loader.epoch > 0 && r > 0) break;
    lossMask.fill(0);
    for (let i = 1; i < seqLen; i++) lossMask[i] = b.targets[i - 1] >= 0 ? 1 : 0;
    writer.add({ inputIds: b.tokens, lossMask, positionIds: b.positions });
    if (loader.epoch > 0) break;
  }
  return writer.finish();
}

export function readMds(dir: string): MdsRow[] {
  let index: { version: number; shards: ShardInfo[] };
  try {
    index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8'));
  } catch (err) {
    throw new Error(`${dir}: no readable MDS index.json (${(err as Error).message.split('\n')[0]})`);
  }
  const rows: MdsRow[] = [];
  for (const info of index.shards) {
    if (info.format !== 'mds' || info.compression !== null) throw new Error(`${dir}: shard ${info.raw_data?.basename}: only uncompressed MDS shards are supported`);
    const names = info.column_names;
    const at = (name: string) => names.indexOf(name);
    for (const c of COLUMNS) if (at(c) < 0) throw new Error(`${dir}: shard ${info.raw_data.basename} has no "${c}" column`);
    const bytes = readFileSync(join(dir, info.raw_data.basename));
    const n = bytes.readUInt32LE(0);
    if (n !== info.samples) throw new Error(`${dir}: shard ${info.raw_data.basename} holds ${n} samples, the index says ${info.samples}`);
    const variable = info.column_sizes.map((s, i) => (s === null ? i : -1)).filter((i) => i >= 0);
    for (let s = 0; s < n; s++) {
      let p = bytes.readUInt32LE(4 + 4 * s);
      const sizes = info.column_sizes.slice();
      for (const i of variable) { sizes[i] = bytes.readUInt32LE(p); p += 4; }
      const parts: Buffer[] = [];
      for (const size of sizes) { parts.push(bytes.subarray(p, p + size!)); p += size!; }
      const copy = (b: Buffer) => { const out = new Uint8Array(b.length); out.set(b); return out.buffer; };
      rows.push({
        inputIds: new Int32Array(copy(parts[at('input_ids')])),
        lossMask: new Uint8Array(copy(parts[at('loss_mask')])),
        positionIds: new Int32Array(copy(parts[at('position_ids')])),
      });
    }
  }
  return rows;
}
