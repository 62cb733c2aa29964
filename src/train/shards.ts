// Token shards on disk: the output of the tokenizing step and the input of the row packer.
// A dataset is a directory with `dataset.json` (the shard list, vocabulary size, sources) and
// shard files `shard-NNNNN.bin`, each holding whole documents:
//
//   bytes 0..7   magic "LMLABSH1"
//   bytes 8..11  u32 header length H;  then H bytes of JSON {documents, tokens}
//   (padded to 4 bytes) u32 document offsets [documents + 1] (token index where each starts)
//                       u32 source id per document [documents]
//                       u32 tokens [tokens]
//                       u8 loss mask [tokens] (1 = this token is a training target)
//
// A shard is written once, atomically, and read whole on demand (shards are bounded, so memory
// is bounded by one shard however large the corpus). Not here: tokenizing, packing.
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  writeSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { LmlabError } from '../util/errors.ts';

const MAGIC = 'LMLABSH1';

export interface DatasetIndex {
  format: 'lmlab-shards-1';
  vocabSize: number;
  /** source (label) names; a document's source id indexes this list */
  sources: string[];
  shards: Array<{ file: string; documents: number; tokens: number }>;
  /** free-form provenance (tokenizer, input files, template) */
  meta?: Record<string, unknown>;
}

export interface Document {
  tokens: Uint32Array;
  /** 1 where the token is a training target */
  mask: Uint8Array;
  source: number;
}

export interface Shard {
  offsets: Uint32Array;
  sources: Uint32Array;
  tokens: Uint32Array;
  mask: Uint8Array;
}

/** Streams documents into shards of about `shardTokens` tokens each. */
export class ShardWriter {
  private docs: Document[] = [];
  private pendingTokens = 0;
  private readonly index: DatasetIndex;
  private readonly sourceIds = new Map<string, number>();

  constructor(
    readonly dir: string,
    vocabSize: number,
    readonly shardTokens = 1 << 24,
    meta?: Record<string, unknown>,
  ) {
    mkdirSync(dir, { recursive: true });
    this.index = { format: 'lmlab-shards-1', vocabSize, sources: [], shards: [], meta };
  }

  sourceId(name: string): number {
    let id = this.sourceIds.get(name);
    if (id === undefined) {
      id = this.index.sources.length;
      this.index.sources.push(name);
      this.sourceIds.set(name, id);
    }
    return id;
  }

  add(tokens: ArrayLike<number>, mask: ArrayLike<number>, source = 'default'): void {
    if (tokens.length !== mask.length)
      throw new Error(`shards: ${tokens.length} tokens but ${mask.length} mask entries`);
    if (tokens.length === 0) return; // an empty document trains nothing and could stall packing
    for (let i = 0; i < tokens.length; i++) {
      const t = tokens[i];
      if (!Number.isInteger(t) || t < 0 || t >= this.index.vocabSize) {
        throw new LmlabError(`shards: token ${t} is outside the vocabulary of ${this.index.vocabSize}`);
      }
    }
    this.docs.push({ tokens: Uint32Array.from(tokens), mask: Uint8Array.from(mask), source: this.sourceId(source) });
    this.pendingTokens += tokens.length;
    if (this.pendingTokens >= this.shardTokens) this.flush();
  }

  private flush(): void {
    if (this.docs.length === 0) return;
    const file = `shard-${String(this.index.shards.length).padStart(5, '0')}.bin`;
    writeShard(join(this.dir, file), this.docs);
    this.index.shards.push({ file, documents: this.docs.length, tokens: this.pendingTokens });
    this.docs = [];
    this.pendingTokens = 0;
  }

  /** Writes the last shard and dataset.json; returns the index. */
  finish(): DatasetIndex {
    this.flush();
    writeAtomic(join(this.dir, 'dataset.json'), JSON.stringify(this.index, null, 1));
    return this.index;
  }
}

function writeAtomic(path: string, data: string | Uint8Array): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}

function writeShard(path: string, docs: Document[]): void {
  const tokens = docs.reduce((n, d) => n + d.tokens.length, 0);
  const header = Buffer.from(JSON.stringify({ documents: docs.length, tokens }));
  const headerEnd = 12 + header.length;
  const pad = (4 - (headerEnd % 4)) % 4;
  const offsets = new Uint32Array(docs.length + 1);
  const sources = new Uint32Array(docs.length);
  docs.forEach((d, i) => {
    offsets[i + 1] = offsets[i] + d.tokens.length;
    sources[i] = d.source;
  });
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w');
  try {
    const prefix = Buffer.alloc(12);
    prefix.write(MAGIC, 0, 'latin1');
    prefix.writeUInt32LE(header.length, 8);
    writeSync(fd, prefix);
    writeSync(fd, header);
    writeSync(fd, Buffer.alloc(pad));
    writeSync(fd, new Uint8Array(offsets.buffer));
    writeSync(fd, new Uint8Array(sources.buffer));
    for (const d of docs) writeSync(fd, new Uint8Array(d.tokens.buffer, d.tokens.byteOffset, d.tokens.byteLength));
    for (const d of docs) writeSync(fd, d.mask);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

export function readDatasetIndex(dir: string): DatasetIndex {
  const path = join(dir, 'dataset.json');
  if (!existsSync(path))
    throw new LmlabError(`dataset ${dir}: no dataset.json (tokenize the corpus first with \`lmlab data tokenize\`)`);
  let index: DatasetIndex;
  try {
    index = JSON.parse(readFileSync(path, 'utf8')) as DatasetIndex;
  } catch (err) {
    throw new LmlabError(`dataset ${dir}: dataset.json is not valid JSON (${(err as Error).message})`);
  }
  if (index.format !== 'lmlab-shards-1' || !Array.isArray(index.shards) || !Number.isInteger(index.vocabSize)) {
    throw new LmlabError(`dataset ${dir}: dataset.json is not an lmlab shard index`);
  }
  return index;
}

export function readShard(path: string): Shard {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    throw new LmlabError(
      `shard ${path}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
    );
  }
  const bad = (why: string): never => {
    throw new LmlabError(`shard ${path}: ${why} (the file is corrupted or truncated; re-run the tokenizing step)`);
  };
  if (bytes.length < 12 || bytes.toString('latin1', 0, 8) !== MAGIC) bad('not an lmlab shard');
  const headerLength = bytes.readUInt32LE(8);
  if (12 + headerLength > bytes.length) bad('header runs past the end');
  let header: { documents: number; tokens: number };
  try {
    header = JSON.parse(bytes.toString('utf8', 12, 12 + headerLength));
  } catch {
    return bad('header is not JSON');
  }
  const { documents, tokens } = header;
  let at = 12 + headerLength;
  at += (4 - (at % 4)) % 4;
  const need = at + 4 * (documents + 1) + 4 * documents + 4 * tokens + tokens;
  if (!Number.isInteger(documents) || !Number.isInteger(tokens) || need !== bytes.length)
    bad(`size ${bytes.length} does not match its header (${need})`);
  // Copy into aligned typed arrays (Buffer pooling does not guarantee alignment).
  const u32 = (count: number) => {
    const out = new Uint32Array(count);
    new Uint8Array(out.buffer).set(bytes.subarray(at, at + 4 * count));
    at += 4 * count;
    return out;
  };
  const offsets = u32(documents + 1);
  const sources = u32(documents);
  const tokenArray = u32(tokens);
  const mask = new Uint8Array(bytes.subarray(at, at + tokens));
  if (offsets[documents] !== tokens) bad('document offsets do not cover the tokens');
  for (let i = 0; i < documents; i++) if (offsets[i + 1] < offsets[i]) bad('document offsets are not increasing');
  return { offsets, sources, tokens: tokenArray, mask };
}
