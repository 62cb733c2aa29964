// GGUF (version 3) container reader and writer: typed key-value metadata, tensor descriptors and
// aligned tensor data. Layout: "GGUF", u32 version, u64 tensor count, u64 metadata count, the
// metadata (u64-length strings, u32 value types, arrays as item type + u64 count + items), the
// tensor infos (name, u32 n_dims, u64 dims with the fastest-varying first, u32 ggml type, u64
// offset into the data section), padding to the alignment, then the data.
// Shapes cross this API in row-major order (outermost first) and are reversed on disk.
// F32, F16 and BF16 tensor data is encoded and decoded; Q4_0, Q5_0, Q8_0, Q4_K, Q5_K and Q6_K
// are decoded to float32 on read and encoded on write (ggml-quants.ts); other quantized types
// are listed with their type but refused on read. Writing can stream one tensor at a time. Model naming lives in gguf-llama.ts.
import { LmlabError } from '../util/errors.ts';
import { ReadableFile, bytesOf, writeFileAtomic } from './files.ts';
import { GGML_QUANT, QUANT_LAYOUT, dequantize, quantizeAs, type QuantTypeName } from './ggml-quants.ts';
import { decodeBf16, decodeF16 } from './half.ts';
import { writeFloatData } from './safetensors.ts';
import { numelOf, type FloatDtype, type Tensor } from './tensors.ts';

export type GgufNumberType = 'u8' | 'i8' | 'u16' | 'i16' | 'u32' | 'i32' | 'f32' | 'f64';
export type GgufBigType = 'u64' | 'i64';
export type GgufItemType = GgufNumberType | GgufBigType | 'bool' | 'string';

export type GgufValue =
  | { type: GgufNumberType; value: number }
  | { type: GgufBigType; value: bigint }
  | { type: 'bool'; value: boolean }
  | { type: 'string'; value: string }
  | { type: 'array'; itemType: GgufItemType; value: (number | bigint | boolean | string)[] };

export type GgufMetadata = Map<string, GgufValue>;

const VALUE_TYPE_CODES: Record<GgufItemType | 'array', number> = {
  u8: 0,
  i8: 1,
  u16: 2,
  i16: 3,
  u32: 4,
  i32: 5,
  f32: 6,
  bool: 7,
  string: 8,
  array: 9,
  u64: 10,
  i64: 11,
  f64: 12,
};
const INTEGER_RANGE: Partial<Record<GgufNumberType, [number, number]>> = {
  u8: [0, 0xff],
  i8: [-0x80, 0x7f],
  u16: [0, 0xffff],
  i16: [-0x8000, 0x7fff],
  u32: [0, 0xffffffff],
  i32: [-0x80000000, 0x7fffffff],
};
const VALUE_TYPE_NAMES = new Map(Object.entries(VALUE_TYPE_CODES).map(([k, v]) => [v, k]));
const FIXED_WIDTH: Partial<Record<GgufItemType, number>> = {
  u8: 1,
  i8: 1,
  u16: 2,
  i16: 2,
  u32: 4,
  i32: 4,
  f32: 4,
  bool: 1,
  u64: 8,
  i64: 8,
  f64: 8,
};

/** ggml tensor type codes for the float types this project reads and writes. */
export const GGML_TYPE = { F32: 0, F16: 1, BF16: 30 } as const;
const GGML_TYPE_BYTES = new Map<number, number>([
  [0, 4],
  [1, 2],
  [30, 2],
]);
const GGML_TYPE_NAMES = new Map<number, string>([
  [0, 'F32'],
  [1, 'F16'],
  [30, 'BF16'],
  [2, 'Q4_0'],
  [6, 'Q5_0'],
  [8, 'Q8_0'],
  [12, 'Q4_K'],
  [13, 'Q5_K'],
  [14, 'Q6_K'],
]);
/** Bytes per block and elements per block of the quantized types, to size their data. */
const QUANT_BLOCKS = new Map<number, [number, number]>([
  [2, [18, 32]],
  [3, [20, 32]],
  [6, [22, 32]],
  [7, [24, 32]],
  [8, [34, 32]],
  [9, [36, 32]],
  [10, [84, 256]],
  [11, [110, 256]],
  [12, [144, 256]],
  [13, [176, 256]],
  [14, [210, 256]],
  [15, [292, 256]],
  [24, [1, 1]],
  [25, [2, 1]],
  [26, [4, 1]],
  [27, [8, 1]],
  [28, [8, 1]],
]);

const MAGIC = 0x46554747; // "GGUF" read as a little-endian u32
const MAX_DIMS = 4;
/** ggml keeps tensor names in a 64-byte buffer (with the terminating zero). */
const MAX_TENSOR_NAME_BYTES = 63;
export const DEFAULT_ALIGNMENT = 32;

// ---------------------------------------------------------------- writing

class ByteSink {
  private buf = new Uint8Array(1 << 16);
  private view = new DataView(this.buf.buffer);
  length = 0;

  private reserve(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  u32(v: number): void {
    this.reserve(4);
    this.view.setUint32(this.length, v, true);
    this.length += 4;
  }

  u64(v: number | bigint): void {
    this.reserve(8);
    this.view.setBigUint64(this.length, BigInt(v), true);
    this.length += 8;
  }

  bytes(b: Uint8Array): void {
    this.reserve(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }

  string(s: string): void {
    const b = new TextEncoder().encode(s);
    this.u64(b.length);
    this.bytes(b);
  }

  item(type: GgufItemType, value: number | bigint | boolean | string, key: string): void {
    const bad = () => new LmlabError(`GGUF metadata ${key}: value ${String(value)} is not a valid ${type}`);
    if (type === 'string') {
      if (typeof value !== 'string') throw bad();
      this.string(value);
      return;
    }
    const width = FIXED_WIDTH[type]!;
    this.reserve(width);
    const at = this.length;
    const v = this.view;
    if (type === 'bool') {
      if (typeof value !== 'boolean') throw bad();
      v.setUint8(at, value ? 1 : 0);
    } else if (type === 'u64' || type === 'i64') {
      if (
        typeof value !== 'bigint' ||
        (type === 'u64' ? BigInt.asUintN(64, value) : BigInt.asIntN(64, value)) !== value
      ) {
        throw bad();
      }
      if (type === 'u64') v.setBigUint64(at, value, true);
      else v.setBigInt64(at, value, true);
    } else {
      if (typeof value !== 'number') throw bad();
      const range = INTEGER_RANGE[type];
      // DataView would silently wrap an out-of-range integer into a different value.
      if (range && !(Number.isInteger(value) && value >= range[0] && value <= range[1])) throw bad();
      if (type === 'u8') v.setUint8(at, value);
      else if (type === 'i8') v.setInt8(at, value);
      else if (type === 'u16') v.setUint16(at, value, true);
      else if (type === 'i16') v.setInt16(at, value, true);
      else if (type === 'u32') v.setUint32(at, value, true);
      else if (type === 'i32') v.setInt32(at, value, true);
      else if (type === 'f32') v.setFloat32(at, value, true);
      else v.setFloat64(at, value, true);
    }
    this.length += width;
  }

  result(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }
}

/** How a tensor is stored: a float type, or a block-quantized one encoded here (ggml-quants.ts). */
export type GgufStorage = FloatDtype | QuantTypeName;

export interface GgufTensorSpec {
  name: string;
  /** Row-major shape (a linear weight is [out, in]); written reversed as GGUF dims. */
  shape: number[];
  /** storage type; quantized types need rows of whole blocks */
  type: GgufStorage;
}

export interface GgufTensorInput extends GgufTensorSpec {
  data: Float32Array;
}

function isQuant(type: GgufStorage): type is QuantTypeName {
  return type in GGML_QUANT;
}

function storedBytes(tensor: GgufTensorSpec): number {
  const numel = numelOf(tensor.shape);
  if (!isQuant(tensor.type)) return numel * GGML_TYPE_BYTES.get(GGML_TYPE[tensor.type])!;
  const [bytes, per] = QUANT_LAYOUT[GGML_QUANT[tensor.type]];
  const cols = tensor.shape[tensor.shape.length - 1];
  if (cols % per !== 0)
    throw new LmlabError(`GGUF: tensor ${tensor.name} rows of ${cols} are not whole ${tensor.type} blocks of ${per}`);
  return (numel / per) * bytes;
}

function alignUp(n: number, alignment: number): number {
  return Math.ceil(n / alignment) * alignment;
}

function alignmentOf(metadata: GgufMetadata): number {
  const entry = metadata.get('general.alignment');
  if (entry === undefined) return DEFAULT_ALIGNMENT;
  if (entry.type !== 'u32' || entry.value <= 0 || (entry.value & (entry.value - 1)) !== 0) {
    throw new LmlabError('GGUF metadata general.alignment must be a u32 power of two');
  }
  return entry.value;
}

/** Writes a GGUF v3 file atomically. Tensor data follows in the order given. */
export function writeGguf(path: string, metadata: GgufMetadata, tensors: GgufTensorInput[]): void {
  writeGgufStreaming(path, metadata, tensors, (i) => tensors[i].data);
}

/**
 * Writes a GGUF v3 file atomically, asking `data(i)` for tensor i's float32 values only when
 * its turn comes, so that a model larger than memory is written one tensor at a time.
 * `onTensor` is called after each tensor is written (for progress).
 */
export function writeGgufStreaming(
  path: string,
  metadata: GgufMetadata,
  tensors: GgufTensorSpec[],
  data: (i: number) => Float32Array,
  onTensor?: (i: number, tensor: GgufTensorSpec) => void,
): void {
  const alignment = alignmentOf(metadata);
  const header = new ByteSink();
  header.u32(MAGIC);
  header.u32(3);
  header.u64(tensors.length);
  header.u64(metadata.size);
  for (const [key, entry] of metadata) {
    header.string(key);
    header.u32(VALUE_TYPE_CODES[entry.type]);
    if (entry.type === 'array') {
      header.u32(VALUE_TYPE_CODES[entry.itemType]);
      header.u64(entry.value.length);
      for (const item of entry.value) header.item(entry.itemType, item, key);
    } else {
      header.item(entry.type, entry.value, key);
    }
  }
  const seen = new Set<string>();
  let offset = 0;
  for (const tensor of tensors) {
    if (seen.has(tensor.name)) throw new LmlabError(`GGUF: duplicate tensor name ${tensor.name}`);
    seen.add(tensor.name);
    if (new TextEncoder().encode(tensor.name).length > MAX_TENSOR_NAME_BYTES) {
      throw new LmlabError(`GGUF: tensor name ${tensor.name} is longer than ${MAX_TENSOR_NAME_BYTES} bytes`);
    }
    if (tensor.shape.length === 0 || tensor.shape.length > MAX_DIMS) {
      throw new LmlabError(`GGUF: tensor ${tensor.name} must have 1 to ${MAX_DIMS} dimensions`);
    }
    header.string(tensor.name);
    header.u32(tensor.shape.length);
    for (let d = tensor.shape.length - 1; d >= 0; d--) header.u64(tensor.shape[d]);
    header.u32(isQuant(tensor.type) ? GGML_QUANT[tensor.type] : GGML_TYPE[tensor.type]);
    header.u64(offset);
    offset = alignUp(offset + storedBytes(tensor), alignment);
  }
  writeFileAtomic(path, (out) => {
    out.write(header.result());
    out.padTo(alignment);
    const dataStart = out.written;
    for (const [i, tensor] of tensors.entries()) {
      const values = data(i);
      if (numelOf(tensor.shape) !== values.length) {
        throw new LmlabError(`GGUF: tensor ${tensor.name} data length does not match its shape`);
      }
      if (isQuant(tensor.type)) out.write(quantizeAs(tensor.type, values));
      else writeFloatData(out, values, tensor.type);
      out.padTo(alignment);
      onTensor?.(i, tensor);
    }
    if (out.written - dataStart !== offset) throw new LmlabError(`GGUF: internal size mismatch writing ${path}`);
  });
}

// ---------------------------------------------------------------- reading

/** Sequential reads over the file through a refillable window, for the header only. */
class HeaderCursor {
  position = 0;
  private window = new Uint8Array(0);
  private view = new DataView(this.window.buffer);
  private windowStart = 0;

  constructor(private readonly file: ReadableFile) {}

  private take(n: number, what: string): number {
    const end = this.position + n;
    if (end > this.file.size) {
      throw new LmlabError(`${this.file.path}: truncated file: ${what} runs past the end at byte ${this.file.size}`);
    }
    if (this.position < this.windowStart || end > this.windowStart + this.window.length) {
      const size = Math.min(Math.max(n, 1 << 20), this.file.size - this.position);
      this.window = new Uint8Array(size);
      this.view = new DataView(this.window.buffer);
      this.windowStart = this.position;
      this.file.readAt(this.window, this.position, what);
    }
    const at = this.position - this.windowStart;
    this.position = end;
    return at;
  }

  remaining(): number {
    return this.file.size - this.position;
  }

  // take() may swap the window, so it runs before this.view is read.
  u32(what: string): number {
    const at = this.take(4, what);
    return this.view.getUint32(at, true);
  }

  /** A u64 that must fit a safe integer (counts, lengths, dims, offsets). */
  size(what: string): number {
    const at = this.take(8, what);
    const v = this.view.getBigUint64(at, true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new LmlabError(`${this.file.path}: ${what} ${v} is implausible`);
    return Number(v);
  }

  string(what: string): string {
    const length = this.size(`${what} length`);
    if (length > this.file.size) {
      throw new LmlabError(`${this.file.path}: truncated or corrupt file: ${what} claims ${length} bytes`);
    }
    const at = this.take(length, what);
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(this.window.subarray(at, at + length));
    } catch {
      throw new LmlabError(`${this.file.path}: ${what} is not valid UTF-8`);
    }
  }

  item(type: GgufItemType, what: string): number | bigint | boolean | string {
    if (type === 'string') return this.string(what);
    const at = this.take(FIXED_WIDTH[type]!, what);
    const v = this.view;
    switch (type) {
      case 'u8':
        return v.getUint8(at);
      case 'i8':
        return v.getInt8(at);
      case 'u16':
        return v.getUint16(at, true);
      case 'i16':
        return v.getInt16(at, true);
      case 'u32':
        return v.getUint32(at, true);
      case 'i32':
        return v.getInt32(at, true);
      case 'f32':
        return v.getFloat32(at, true);
      case 'f64':
        return v.getFloat64(at, true);
      case 'u64':
        return v.getBigUint64(at, true);
      case 'i64':
        return v.getBigInt64(at, true);
      case 'bool': {
        const b = v.getUint8(at);
        if (b > 1) throw new LmlabError(`${this.file.path}: ${what} is a bool with value ${b}`);
        return b === 1;
      }
    }
  }
}

export interface GgufTensorInfo {
  name: string;
  /** Row-major shape (GGUF dims reversed). */
  shape: number[];
  ggmlType: number;
  /** 'F32' | 'F16' | 'BF16', or `type N` for types this reader cannot decode. */
  typeName: string;
  /** Absolute byte offset of the data in the file. */
  offset: number;
  byteLength: number;
}

export class GgufFile {
  private readonly byName: Map<string, GgufTensorInfo>;

  private constructor(
    private readonly file: ReadableFile,
    readonly version: number,
    readonly metadata: GgufMetadata,
    readonly tensors: GgufTensorInfo[],
    readonly alignment: number,
  ) {
    this.byName = new Map(tensors.map((t) => [t.name, t]));
  }

  get path(): string {
    return this.file.path;
  }

  static open(path: string): GgufFile {
    const file = new ReadableFile(path);
    try {
      return GgufFile.parse(file);
    } catch (err) {
      file.close();
      throw err;
    }
  }

  private static parse(file: ReadableFile): GgufFile {
    const where = file.path;
    const cursor = new HeaderCursor(file);
    if (file.size < 24) throw new LmlabError(`${where}: not a GGUF file (${file.size} bytes, too short)`);
    if (cursor.u32('magic') !== MAGIC) throw new LmlabError(`${where}: not a GGUF file (bad magic)`);
    const version = cursor.u32('version');
    if (version === 0x03000000 || version === 0x02000000) {
      throw new LmlabError(`${where}: big-endian GGUF files are not supported`);
    }
    if (version !== 2 && version !== 3) throw new LmlabError(`${where}: unsupported GGUF version ${version}`);
    const tensorCount = cursor.size('tensor count');
    const kvCount = cursor.size('metadata count');
    // Each entry takes at least 8 bytes: a larger count can only come from corruption.
    if (tensorCount > file.size / 8 || kvCount > file.size / 8) {
      throw new LmlabError(`${where}: corrupt header (tensor count ${tensorCount}, metadata count ${kvCount})`);
    }
    const metadata: GgufMetadata = new Map();
    for (let i = 0; i < kvCount; i++) {
      const key = cursor.string(`metadata key #${i}`);
      if (metadata.has(key)) throw new LmlabError(`${where}: duplicate metadata key ${key}`);
      metadata.set(key, readValue(cursor, key, where));
    }
    const alignment = (() => {
      try {
        return alignmentOf(metadata);
      } catch (err) {
        throw new LmlabError(`${where}: ${(err as Error).message}`);
      }
    })();
    const infos: GgufTensorInfo[] = [];
    for (let i = 0; i < tensorCount; i++) {
      const name = cursor.string(`tensor name #${i}`);
      const nDims = cursor.u32(`tensor ${name} dimension count`);
      if (nDims < 1 || nDims > MAX_DIMS) throw new LmlabError(`${where}: tensor ${name} has ${nDims} dimensions`);
      const dims: number[] = [];
      for (let d = 0; d < nDims; d++) dims.push(cursor.size(`tensor ${name} dimension`));
      const ggmlType = cursor.u32(`tensor ${name} type`);
      const offset = cursor.size(`tensor ${name} offset`);
      if (offset % alignment !== 0) throw new LmlabError(`${where}: tensor ${name} offset ${offset} is not aligned`);
      infos.push({
        name,
        shape: dims.reverse(),
        ggmlType,
        typeName: GGML_TYPE_NAMES.get(ggmlType) ?? `type ${ggmlType}`,
        offset,
        byteLength: tensorBytes(where, name, ggmlType, dims),
      });
    }
    const dataStart = alignUp(cursor.position, alignment);
    const seen = new Set<string>();
    for (const info of infos) {
      if (seen.has(info.name)) throw new LmlabError(`${where}: duplicate tensor name ${info.name}`);
      seen.add(info.name);
      info.offset += dataStart;
      if (info.offset + info.byteLength > file.size) {
        throw new LmlabError(
          `${where}: truncated file: tensor ${info.name} needs bytes up to ${info.offset + info.byteLength} ` +
            `but the file has ${file.size}`,
        );
      }
    }
    return new GgufFile(file, version, metadata, infos, alignment);
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  info(name: string): GgufTensorInfo {
    const info = this.byName.get(name);
    if (!info) throw new LmlabError(`${this.path}: no tensor named ${name}`);
    return info;
  }

  /** The tensor's stored bytes as they are in the file (block-quantized types kept as blocks). */
  readRaw(name: string): Uint8Array {
    const info = this.info(name);
    const raw = new Uint8Array(info.byteLength);
    this.file.readAt(raw, info.offset, `tensor ${name}`);
    return raw;
  }

  /** Reads one tensor (F32, F16, BF16 or a block-quantized type) as float32, row-major shape. */
  read(name: string): Tensor {
    const info = this.info(name);
    const numel = numelOf(info.shape);
    const data = new Float32Array(numel);
    if (info.ggmlType === GGML_TYPE.F32) {
      this.file.readAt(bytesOf(data), info.offset, `tensor ${name}`);
    } else if (info.ggmlType === GGML_TYPE.F16 || info.ggmlType === GGML_TYPE.BF16) {
      const raw = new Uint16Array(numel);
      this.file.readAt(bytesOf(raw), info.offset, `tensor ${name}`);
      if (info.ggmlType === GGML_TYPE.F16) decodeF16(raw, data);
      else decodeBf16(raw, data);
    } else if (QUANT_LAYOUT[info.ggmlType]) {
      const raw = new Uint8Array(info.byteLength);
      this.file.readAt(raw, info.offset, `tensor ${name}`);
      dequantize(info.ggmlType, raw, data);
    } else {
      throw new LmlabError(
        `${this.path}: tensor ${name} has ggml ${info.typeName}; only F32, F16, BF16, Q4_0, Q5_0, Q8_0, Q4_K, Q5_K and Q6_K can be read`,
      );
    }
    return { shape: [...info.shape], data };
  }

  close(): void {
    this.file.close();
  }
}

function readValue(cursor: HeaderCursor, key: string, where: string): GgufValue {
  const code = cursor.u32(`type of ${key}`);
  const type = VALUE_TYPE_NAMES.get(code) as GgufItemType | 'array' | undefined;
  if (type === undefined) throw new LmlabError(`${where}: metadata ${key} has unknown value type ${code}`);
  if (type !== 'array') return { type, value: cursor.item(type, key) } as GgufValue;
  const itemCode = cursor.u32(`item type of ${key}`);
  const itemType = VALUE_TYPE_NAMES.get(itemCode) as GgufItemType | 'array' | undefined;
  if (itemType === undefined) throw new LmlabError(`${where}: metadata ${key} has unknown item type ${itemCode}`);
  if (itemType === 'array') throw new LmlabError(`${where}: metadata ${key} is a nested array, which is not supported`);
  const count = cursor.size(`length of ${key}`);
  const minWidth = FIXED_WIDTH[itemType] ?? 8;
  if (count * minWidth > cursor.remaining()) {
    throw new LmlabError(`${where}: truncated or corrupt file: metadata ${key} claims ${count} items`);
  }
  const value: (number | bigint | boolean | string)[] = new Array(count);
  for (let i = 0; i < count; i++) value[i] = cursor.item(itemType, key);
  return { type: 'array', itemType, value };
}

function tensorBytes(where: string, name: string, ggmlType: number, dims: number[]): number {
  const numel = numelOf(dims);
  if (!Number.isSafeInteger(numel)) throw new LmlabError(`${where}: tensor ${name} is implausibly large`);
  const width = GGML_TYPE_BYTES.get(ggmlType);
  if (width !== undefined) return numel * width;
  const block = QUANT_BLOCKS.get(ggmlType);
  if (block === undefined) throw new LmlabError(`${where}: tensor ${name} has unknown ggml type ${ggmlType}`);
  return Math.ceil(numel / block[1]) * block[0];
}
