// A reader of MosaicML Streaming (MDS) datasets written from the format itself (index.json,
// the shard header, each column encoding), independent of src/meco/experiment/mds.ts's writer, plus the
// MeCo authors' loader logic (data.py: labels are the tokens with mask 0 set to −100; the
// varlen collator keeps each [start, end) span of more than one token as its own sequence).
// Test helper only: it decodes what the tests need (str, bytes, json, ndarray, fixed-size
// integers and floats) and refuses compressed shards.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export type MdsValue = string | Uint8Array | number | bigint | unknown | NdArray;

export interface NdArray {
  dtype: string;
  shape: number[];
  values: number[];
}

const VALUE_DTYPES: Record<number, [string, number]> = {
  8: ['uint8', 1],
  9: ['int8', 1],
  16: ['uint16', 2],
  17: ['int16', 2],
  18: ['float16', 2],
  32: ['uint32', 4],
  33: ['int32', 4],
  34: ['float32', 4],
  64: ['uint64', 8],
  65: ['int64', 8],
  66: ['float64', 8],
};
const WIDTH: Record<string, number> = Object.fromEntries(Object.values(VALUE_DTYPES));
const SCALAR_SIZE: Record<string, number> = { ...WIDTH, int: 8 };

function readNumber(b: Buffer, at: number, dtype: string): number {
  switch (dtype) {
    case 'uint8':
      return b.readUInt8(at);
    case 'int8':
      return b.readInt8(at);
    case 'uint16':
      return b.readUInt16LE(at);
    case 'int16':
      return b.readInt16LE(at);
    case 'uint32':
      return b.readUInt32LE(at);
    case 'int32':
      return b.readInt32LE(at);
    case 'float32':
      return b.readFloatLE(at);
    case 'float64':
      return b.readDoubleLE(at);
    case 'uint64':
      return Number(b.readBigUInt64LE(at));
    case 'int64':
    case 'int':
      return Number(b.readBigInt64LE(at));
    default:
      throw new Error(`MDS: dtype ${dtype} is not decoded here`);
  }
}

/** Fixed byte size of a column encoding, or null when every sample stores its size. */
export function encodedSize(encoding: string): number | null {
  if (encoding.startsWith('ndarray')) {
    const [, dtype, shape] = encoding.split(':');
    if (dtype && shape) return shape.split(',').reduce((n, d) => n * Number(d), 1) * WIDTH[dtype];
    return null;
  }
  return SCALAR_SIZE[encoding] ?? null;
}

export function decodeColumn(encoding: string, data: Buffer): MdsValue {
  if (encoding === 'str') return data.toString('utf8');
  if (encoding === 'bytes') return new Uint8Array(data);
  if (encoding === 'json') return JSON.parse(data.toString('utf8'));
  if (encoding in SCALAR_SIZE) return readNumber(data, 0, encoding);
  if (encoding.startsWith('ndarray')) {
    const [, fixedDtype, fixedShape] = encoding.split(':');
    let at = 0;
    let dtype = fixedDtype;
    if (!dtype) {
      const entry = VALUE_DTYPES[data[at++]];
      if (!entry) throw new Error('MDS ndarray: unknown dtype code');
      dtype = entry[0];
    }
    let shape: number[];
    if (fixedShape) shape = fixedShape.split(',').map(Number);
    else {
      const byte = data[at++];
      const ndim = byte >> 2;
      const shapeDtype = ['uint8', 'uint16', 'uint32', 'uint64'][byte & 3];
      const w = 1 << (byte & 3);
      shape = [];
      for (let i = 0; i < ndim; i++) shape.push(readNumber(data, at + w * i, shapeDtype));
      at += w * ndim;
    }
    const width = WIDTH[dtype];
    const count = shape.reduce((n, d) => n * d, 1);
    if (data.length - at !== count * width)
      throw new Error(`MDS ndarray: ${data.length - at} value bytes for shape [${shape.join(', ')}] of ${dtype}`);
    const values: number[] = [];
    for (let i = 0; i < count; i++) values.push(readNumber(data, at + width * i, dtype));
    return { dtype, shape, values } satisfies NdArray;
  }
  throw new Error(`MDS: encoding ${encoding} is not decoded here`);
}

/** Every sample of an MDS dataset directory, in index order, as column name → value. */
export function readMdsSamples(dir: string): Array<Record<string, MdsValue>> {
  const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as {
    version: number;
    shards: Array<Record<string, any>>;
  };
  if (index.version !== 2) throw new Error(`MDS index version ${index.version}`);
  const out: Array<Record<string, MdsValue>> = [];
  for (const info of index.shards) {
    if (info.format !== 'mds' || info.compression) throw new Error('MDS: only uncompressed mds shards');
    const bytes = readFileSync(join(dir, info.raw_data.basename));
    if (bytes.length !== info.raw_data.bytes) throw new Error('MDS: shard size differs from the index');
    const n = bytes.readUInt32LE(0);
    if (n !== info.samples) throw new Error('MDS: sample count differs from the index');
    const configEnd = bytes.readUInt32LE(4);
    const config = JSON.parse(bytes.toString('utf8', 4 + 4 * (n + 1), configEnd));
    if (JSON.stringify(config.column_names) !== JSON.stringify(info.column_names))
      throw new Error('MDS: shard config differs from the index');
    const names: string[] = info.column_names;
    const encodings: string[] = info.column_encodings;
    const sizes = encodings.map(encodedSize);
    for (let s = 0; s < n; s++) {
      const begin = bytes.readUInt32LE(4 + 4 * s);
      const end = bytes.readUInt32LE(8 + 4 * s);
      let p = begin;
      const actual = sizes.slice();
      for (let c = 0; c < sizes.length; c++)
        if (actual[c] === null) {
          actual[c] = bytes.readUInt32LE(p);
          p += 4;
        }
      const sample: Record<string, MdsValue> = {};
      for (let c = 0; c < names.length; c++) {
        sample[names[c]] = decodeColumn(encodings[c], bytes.subarray(p, p + actual[c]!));
        p += actual[c]!;
      }
      if (p !== end) throw new Error(`MDS: sample ${s} ends at ${p}, its offset says ${end}`);
      out.push(sample);
    }
  }
  return out;
}

export interface AuthorsItem {
  inputIds: number[];
  /** −100 where the mask is 0 */
  labels: number[];
  indices: Array<[number, number]>;
}

/** data.py's MDSDataset.__getitem__ for rows no longer than the block size. */
export function authorsItem(sample: Record<string, MdsValue>): AuthorsItem {
  const ids = (sample.input_ids as NdArray).values;
  const mask = sample.mask ? (sample.mask as NdArray).values : null;
  const labels = ids.map((t, i) => (mask && !mask[i] ? -100 : t));
  const idx = sample.indices as NdArray | undefined;
  const indices: Array<[number, number]> = [];
  if (idx) for (let i = 0; i < idx.shape[0]; i++) indices.push([idx.values[2 * i], idx.values[2 * i + 1]]);
  else indices.push([0, ids.length]);
  return { inputIds: ids, labels, indices };
}

/** data.py's varlen DataCollator: one sequence per span longer than one token. */
export function authorsSequences(item: AuthorsItem): Array<{ inputIds: number[]; labels: number[] }> {
  return item.indices
    .filter(([a, b]) => b - a > 1)
    .map(([a, b]) => ({ inputIds: item.inputIds.slice(a, b), labels: item.labels.slice(a, b) }));
}
