// Export of packed MeCo training rows as MosaicML Streaming (MDS) shards in the schema of the
// MeCo authors' packer (datatools/mds_pack_data.py), so their loader (data.py) and trainer read
// lmlab's data unchanged. Layout written, per the MDS format (version 2, no compression, no
// hashes):
//   index.json        {"shards": [shard info, ...], "version": 2}
//   shard.NNNNN.mds   u32 sample count n; u32 offsets[n + 1] (absolute byte offsets of each
//                     sample); the shard's config JSON (keys sorted); then the samples.
//   sample            u32 byte size of every variable-size column, then the column bytes,
//                     columns in name order.
// Columns (names sorted, as Streaming's writer orders them):
//   domain     str             a name for the data (the authors write their subset name)
//   indices    ndarray:uint32  k×2 [start, end) spans of the documents packed into the row
//   input_ids  ndarray:uint32  the row's tokens (BOS + metadata + document + EOS, ...)
//   length     uint64          number of tokens in the row
//   mask       ndarray:uint8   1 where the token is a training target: 0 on BOS and the
//                              metadata prefix (lmlab's loss mask, the authors' `mask`)
// An `ndarray:<dtype>` value with a dynamic shape is one byte (ndim << 2 | shape dtype code,
// 0 = uint8 … 3 = uint64, the smallest that holds every dimension), the shape in that dtype,
// then the values, little-endian.
//
// Two exports:
//   exportMds          one pass over a dataset in file order; the last row is shorter when the
//                      documents run out (nothing dropped, nothing repeated);
//   exportTrainingRows the exact row stream lmlab's trainer consumes for one stage of a
//                      training config (its seeded shuffle, epochs wrapping), for training the
//                      same run elsewhere with the same data order.
// Not here: the packing rule itself (src/train/packing.ts), reading MDS (the tests and the
// PyTorch trainer in scale/torch hold readers written from the format).
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { LmlabError } from '../../util/errors.ts';
import { writeAtomic } from '../../util/atomic.ts';
import { RowLoader } from '../../train/packing.ts';
import { type Shard, readDatasetIndex, readShard } from '../../train/shards.ts';
import { type TrainConfig, stageEnds } from '../../train/config.ts';

/** Column name → MDS encoding, in name order (the order of the bytes in a sample). */
export const MECO_COLUMNS: ReadonlyArray<readonly [string, string]> = [
  ['domain', 'str'],
  ['indices', 'ndarray:uint32'],
  ['input_ids', 'ndarray:uint32'],
  ['length', 'uint64'],
  ['mask', 'ndarray:uint8'],
];

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
  inputIds: Uint32Array;
  /** 1 where the token is a training target */
  mask: Uint8Array;
  /** [start, end) of each document piece in the row, in order, covering the row */
  spans: Array<[number, number]>;
}

function shardConfig(sizeLimit: number): Omit<ShardInfo, 'raw_data' | 'samples' | 'zip_data'> {
  return {
    column_encodings: MECO_COLUMNS.map(([, e]) => e),
    column_names: MECO_COLUMNS.map(([n]) => n),
    column_sizes: MECO_COLUMNS.map(([, e]) => (e === 'uint64' ? 8 : null)),
    compression: null,
    format: 'mds',
    hashes: [],
    size_limit: sizeLimit,
    version: 2,
  };
}

/** JSON with keys sorted at every level and Python's separators, as the reference writer emits it. */
function sortedJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(sortedJson).join(', ')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}: ${sortedJson((value as Record<string, unknown>)[k])}`)
      .join(', ')}}`;
  }
  return JSON.stringify(value);
}

/** MDS `ndarray:<dtype>` value with a dynamic shape: shape byte, shape, values. */
export function encodeNdarray(values: Uint8Array | Uint32Array, shape: number[]): Buffer {
  if (shape.some((d) => !Number.isInteger(d) || d < 1))
    throw new Error(`MDS ndarray: every dimension must be ≥ 1, got [${shape.join(', ')}]`);
  const largest = Math.max(...shape);
  const code = largest < 2 ** 8 ? 0 : largest < 2 ** 16 ? 1 : largest < 2 ** 32 ? 2 : 3;
  const width = 1 << code;
  const head = Buffer.alloc(1 + width * shape.length);
  head[0] = (shape.length << 2) | code;
  shape.forEach((d, i) => head.writeUIntLE(d, 1 + width * i, Math.min(width, 6)));
  return Buffer.concat([head, Buffer.from(values.buffer, values.byteOffset, values.byteLength)]);
}

export class MdsWriter {
  private samples: Buffer[] = [];
  private pendingBytes = 0;
  private readonly shards: ShardInfo[] = [];
  private readonly configBytes: Buffer;

  constructor(
    readonly dir: string,
    readonly sizeLimit = 1 << 26,
    readonly domain = 'lmlab',
  ) {
    mkdirSync(dir, { recursive: true });
    this.configBytes = Buffer.from(sortedJson(shardConfig(sizeLimit)));
  }

  add(row: MdsRow): void {
    const n = row.inputIds.length;
    if (n === 0 || row.mask.length !== n) throw new Error(`MDS row: ${n} tokens but ${row.mask.length} mask entries`);
    let at = 0;
    for (const [a, b] of row.spans) {
      if (a !== at || b <= a)
        throw new Error(`MDS row: document spans must cover the row in order, got [${a}, ${b}) at ${at}`);
      at = b;
    }
    if (at !== n) throw new Error(`MDS row: document spans end at ${at}, the row has ${n} tokens`);
    const length = Buffer.alloc(8);
    length.writeBigUInt64LE(BigInt(n));
    const columns = [
      Buffer.from(this.domain, 'utf8'),
      encodeNdarray(Uint32Array.from(row.spans.flat()), [row.spans.length, 2]),
      encodeNdarray(row.inputIds, [n]),
      length,
      encodeNdarray(row.mask, [n]),
    ];
    const variable = columns.filter((_, i) => MECO_COLUMNS[i][1] !== 'uint64');
    const head = Buffer.alloc(4 * variable.length);
    variable.forEach((c, i) => head.writeUInt32LE(c.length, 4 * i));
    const sample = Buffer.concat([head, ...columns]);
    // 4 bytes of offset per sample, plus the shard header, count against the limit
    if (
      this.samples.length > 0 &&
      8 + this.configBytes.length + this.pendingBytes + sample.length + 4 * (this.samples.length + 2) > this.sizeLimit
    )
      this.flush();
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
    this.shards.push({
      ...shardConfig(this.sizeLimit),
      raw_data: { basename, bytes: offset, hashes: {} },
      samples: n,
      zip_data: null,
    });
    this.samples = [];
    this.pendingBytes = 0;
  }

  finish(): { shards: number; samples: number } {
    this.flush();
    writeAtomic(join(this.dir, 'index.json'), sortedJson({ shards: this.shards, version: 2 }));
    return { shards: this.shards.length, samples: this.shards.reduce((n, s) => n + s.samples, 0) };
  }
}

export interface ExportOptions {
  sizeLimit?: number;
  maxRows?: number;
  /** the `domain` column (default "lmlab") */
  domain?: string;
}

/**
 * Packs one pass over a shard dataset (file order, the paper's `drop`: a document that does not
 * fit is cut at the row's end) into MDS rows of seqLen tokens. Every document appears exactly
 * once; the last row holds what is left and is shorter when the documents run out.
 */
export function exportMds(
  datasetDir: string,
  outDir: string,
  seqLen: number,
  options: ExportOptions = {},
): { shards: number; samples: number } {
  if (seqLen < 2) throw new LmlabError(`MDS export: rows need at least 2 tokens, got ${seqLen}`);
  const index = readDatasetIndex(datasetDir);
  const writer = new MdsWriter(outDir, options.sizeLimit, options.domain);
  const tokens = new Uint32Array(seqLen);
  const mask = new Uint8Array(seqLen);
  let spans: Array<[number, number]> = [];
  let fill = 0;
  let rows = 0;
  const full = () => options.maxRows !== undefined && rows >= options.maxRows;
  const emit = () => {
    writer.add({ inputIds: tokens.slice(0, fill), mask: mask.slice(0, fill), spans });
    rows += 1;
    spans = [];
    fill = 0;
  };
  for (const entry of index.shards) {
    if (full()) break;
    const shard: Shard = readShard(join(datasetDir, entry.file));
    for (let d = 0; d + 1 < shard.offsets.length && !full(); d++) {
      const begin = shard.offsets[d];
      const take = Math.min(shard.offsets[d + 1] - begin, seqLen - fill);
      if (take === 0) continue;
      tokens.set(shard.tokens.subarray(begin, begin + take), fill);
      mask.set(shard.mask.subarray(begin, begin + take), fill);
      spans.push([fill, fill + take]);
      fill += take;
      if (fill === seqLen) emit(); // a row exactly filled by its last document is complete
    }
  }
  if (fill > 0 && !full()) emit();
  return writer.finish();
}

/**
 * Writes the first `count` rows (default: all the stage's steps) that lmlab's trainer packs
 * for stage `stage` of `config`, in its order: row r of step s, micro-batch m is MDS sample
 * (s · gradAccum + m) · rows + r. Rows restart positions at every document, which is what the
 * `indices` column says, so `carry` packing (positions continuing across rows) is refused.
 */
export function exportTrainingRows(
  config: TrainConfig,
  stage: number,
  outDir: string,
  options: ExportOptions & { count?: number } = {},
): { shards: number; samples: number } {
  if (config.overflow !== 'drop')
    throw new LmlabError('MDS export: the MeCo schema restarts positions at every document span; use overflow "drop"');
  const s = config.stages[stage];
  if (!s) throw new LmlabError(`MDS export: the config has no stage ${stage}`);
  const ends = stageEnds(config);
  const steps = ends[stage] - (stage > 0 ? ends[stage - 1] : 0);
  const count = options.count ?? steps * config.gradAccum * config.rows;
  const loader = new RowLoader(s.data, {
    rows: 1,
    t: config.seqLen,
    overflow: 'drop',
    seed: config.seed + stage * 7919,
    shuffle: true,
  });
  const writer = new MdsWriter(outDir, options.sizeLimit, options.domain ?? s.name ?? 'lmlab');
  for (let r = 0; r < count; r++) {
    const b = loader.next();
    const spans: Array<[number, number]> = [];
    for (let i = 0; i < config.seqLen; i++) {
      if (i === 0 || b.segments[i] !== b.segments[i - 1]) spans.push([i, i + 1]);
      else spans[spans.length - 1][1] = i + 1;
    }
    writer.add({ inputIds: Uint32Array.from(b.tokens), mask: b.tokenMask.slice(), spans });
  }
  return writer.finish();
}
