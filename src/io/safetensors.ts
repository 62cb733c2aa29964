// safetensors reader and writer. The format: a little-endian u64 header length N, N bytes of
// JSON ({name: {dtype, shape, data_offsets: [begin, end]}, optional "__metadata__": {str: str}}),
// then the raw little-endian tensor bytes, offsets relative to the end of the header.
// Reading opens the header only and then reads each tensor's bytes by offset on request, so a
// multi-gigabyte shard is never held whole; every inconsistency (bad JSON, offsets outside the
// file, size not matching shape and dtype, overlaps) is an error naming the file. Writing is
// atomic. Integer and 8-bit float tensors can be listed but not decoded: weights are floats.
import { LmlabError } from '../util/errors.ts';
import { ReadableFile, bytesOf, writeFileAtomic, type SequentialWriter } from './files.ts';
import { decodeBf16, decodeF16, encodeBf16, encodeF16 } from './half.ts';
import { checkTensors, numelOf, shapeText, type FloatDtype, type NamedTensors, type Tensor } from './tensors.ts';

const BYTES_PER_ELEMENT: Record<string, number> = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U64: 8,
  U32: 4,
  U16: 2,
  U8: 1,
  BOOL: 1,
  F8_E4M3: 1,
  F8_E5M2: 1,
};

/** Headers beyond this are refused: the reference implementation caps them at 100 MB too. */
const MAX_HEADER_BYTES = 100_000_000;

export interface SafetensorsEntry {
  name: string;
  dtype: string;
  shape: number[];
  /** Absolute byte range in the file. */
  begin: number;
  end: number;
}

export class SafetensorsFile {
  readonly metadata: Record<string, string>;
  private readonly entries: Map<string, SafetensorsEntry>;

  private constructor(
    private readonly file: ReadableFile,
    metadata: Record<string, string>,
    entries: Map<string, SafetensorsEntry>,
  ) {
    this.metadata = metadata;
    this.entries = entries;
  }

  get path(): string {
    return this.file.path;
  }

  /** Opens and validates the header; tensor bytes are read later by `read`. */
  static open(path: string): SafetensorsFile {
    const file = new ReadableFile(path);
    try {
      const { metadata, entries } = parseHeader(file);
      return new SafetensorsFile(file, metadata, entries);
    } catch (err) {
      file.close();
      throw err;
    }
  }

  names(): string[] {
    return [...this.entries.keys()];
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  entry(name: string): SafetensorsEntry {
    const entry = this.entries.get(name);
    if (!entry) throw new LmlabError(`${this.path}: no tensor named ${name}`);
    return entry;
  }

  /** Reads one tensor and converts it to float32 (F32, F16, BF16 and F64 are accepted). */
  read(name: string): Tensor {
    const entry = this.entry(name);
    const numel = numelOf(entry.shape);
    const data = new Float32Array(numel);
    const what = `tensor ${name}`;
    switch (entry.dtype) {
      case 'F32':
        this.file.readAt(bytesOf(data), entry.begin, what);
        break;
      case 'F16':
      case 'BF16': {
        const raw = new Uint16Array(numel);
        this.file.readAt(bytesOf(raw), entry.begin, what);
        if (entry.dtype === 'F16') decodeF16(raw, data);
        else decodeBf16(raw, data);
        break;
      }
      case 'F64': {
        const raw = new Float64Array(numel);
        this.file.readAt(bytesOf(raw), entry.begin, what);
        for (let i = 0; i < numel; i++) data[i] = raw[i];
        break;
      }
      default:
        throw new LmlabError(
          `${this.path}: tensor ${name} has dtype ${entry.dtype}; only F32, F16, BF16 and F64 tensors can be loaded`,
        );
    }
    return { shape: [...entry.shape], data };
  }

  close(): void {
    this.file.close();
  }
}

function parseHeader(file: ReadableFile): {
  metadata: Record<string, string>;
  entries: Map<string, SafetensorsEntry>;
} {
  const where = file.path;
  if (file.size < 8) throw new LmlabError(`${where}: not a safetensors file (${file.size} bytes, too short)`);
  const lengthBytes = new Uint8Array(8);
  file.readAt(lengthBytes, 0, 'header length');
  const headerLength = new DataView(lengthBytes.buffer).getBigUint64(0, true);
  if (headerLength > BigInt(MAX_HEADER_BYTES)) {
    throw new LmlabError(`${where}: not a safetensors file (header length ${headerLength} is implausible)`);
  }
  const headerBytes = Number(headerLength);
  if (8 + headerBytes > file.size) {
    throw new LmlabError(`${where}: truncated file: header of ${headerBytes} bytes but the file has ${file.size}`);
  }
  const raw = new Uint8Array(headerBytes);
  file.readAt(raw, 8, 'header');
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(raw));
  } catch (err) {
    throw new LmlabError(`${where}: header is not valid JSON (${(err as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    throw new LmlabError(`${where}: header is not a JSON object`);
  }
  const dataStart = 8 + headerBytes;
  const dataLength = file.size - dataStart;
  let metadata: Record<string, string> = {};
  const entries = new Map<string, SafetensorsEntry>();
  for (const [name, value] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      metadata = parseMetadata(where, value);
      continue;
    }
    const entry = parseEntry(where, name, value);
    if (entry.end > dataLength) {
      throw new LmlabError(
        `${where}: truncated file: tensor ${name} ends at data byte ${entry.end} but the data section has ${dataLength}`,
      );
    }
    entry.begin += dataStart;
    entry.end += dataStart;
    entries.set(name, entry);
  }
  const sorted = [...entries.values()].sort((a, b) => a.begin - b.begin);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i].begin < sorted[i - 1].end) {
      throw new LmlabError(`${where}: tensors ${sorted[i - 1].name} and ${sorted[i].name} overlap`);
    }
  }
  return { metadata, entries };
}

function parseMetadata(where: string, value: unknown): Record<string, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new LmlabError(`${where}: __metadata__ must be an object of strings`);
  }
  for (const [key, text] of Object.entries(value)) {
    if (typeof text !== 'string') throw new LmlabError(`${where}: __metadata__.${key} is not a string`);
  }
  return { ...(value as Record<string, string>) };
}

function parseEntry(where: string, name: string, value: unknown): SafetensorsEntry {
  const bad = (why: string) => new LmlabError(`${where}: tensor ${name}: ${why}`);
  if (typeof value !== 'object' || value === null) throw bad('entry is not an object');
  const { dtype, shape, data_offsets: offsets } = value as Record<string, unknown>;
  if (typeof dtype !== 'string') throw bad('missing dtype');
  const width = BYTES_PER_ELEMENT[dtype];
  if (width === undefined) throw bad(`unknown dtype ${dtype}`);
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw bad('shape must be an array of non-negative integers');
  }
  if (
    !Array.isArray(offsets) ||
    offsets.length !== 2 ||
    !offsets.every((o) => Number.isSafeInteger(o) && o >= 0) ||
    offsets[0] > offsets[1]
  ) {
    throw bad('data_offsets must be [begin, end] with 0 ≤ begin ≤ end');
  }
  const expected = numelOf(shape as number[]) * width;
  if (offsets[1] - offsets[0] !== expected) {
    throw bad(
      `${dtype} ${shapeText(shape as number[])} needs ${expected} bytes but data_offsets span ${offsets[1] - offsets[0]}`,
    );
  }
  return { name, dtype, shape: shape as number[], begin: offsets[0], end: offsets[1] };
}

export interface WriteSafetensorsOptions {
  /** Storage type of every tensor (converted from float32 with round-to-nearest-even). */
  dtype?: FloatDtype;
  metadata?: Record<string, string>;
}

const DTYPE_BYTES: Record<FloatDtype, number> = { F32: 4, F16: 2, BF16: 2 };

/** Writes `tensors` (in map order) as one safetensors file, atomically. */
export function writeSafetensors(path: string, tensors: NamedTensors, options: WriteSafetensorsOptions = {}): void {
  const dtype = options.dtype ?? 'F32';
  checkTensors(tensors);
  const header: Record<string, unknown> = {};
  if (options.metadata && Object.keys(options.metadata).length > 0) {
    header.__metadata__ = options.metadata;
  }
  let offset = 0;
  for (const [name, tensor] of tensors) {
    if (name === '__metadata__') throw new LmlabError('safetensors: a tensor cannot be named __metadata__');
    const bytes = tensor.data.length * DTYPE_BYTES[dtype];
    header[name] = { dtype, shape: tensor.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  // Pad with spaces so the data section starts 8-byte aligned, as the reference writer does.
  const jsonBytes = new TextEncoder().encode(json);
  json += ' '.repeat((8 - ((8 + jsonBytes.length) % 8)) % 8);
  const headerBytes = new TextEncoder().encode(json);
  const prefix = new Uint8Array(8);
  new DataView(prefix.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  writeFileAtomic(path, (out) => {
    out.write(prefix);
    out.write(headerBytes);
    for (const tensor of tensors.values()) writeFloatData(out, tensor.data, dtype);
  });
}

const ENCODE_CHUNK = 1 << 20;

/** Writes float32 data in the given storage type, converting through one reused chunk. */
export function writeFloatData(out: SequentialWriter, data: Float32Array, dtype: FloatDtype): void {
  if (dtype === 'F32') {
    out.write(bytesOf(data));
    return;
  }
  const chunk = new Uint16Array(Math.min(ENCODE_CHUNK, data.length));
  for (let start = 0; start < data.length; start += ENCODE_CHUNK) {
    const part = data.subarray(start, Math.min(start + ENCODE_CHUNK, data.length));
    const target = chunk.subarray(0, part.length);
    if (dtype === 'F16') encodeF16(part, target);
    else encodeBf16(part, target);
    out.write(bytesOf(target));
  }
}
