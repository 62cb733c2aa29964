// A weight matrix kept in a GGUF block-quantized format (Q8_0, Q4_0, Q4_K, Q6_K): the file's
// raw block bytes, the ggml type and the logical shape [rows, cols]. Rows are independent runs
// of blocks, so row ranges are views and matrices of one type stack by concatenating bytes.
// ops.linear multiplies by it with the quantized kernels; ops.embedding reads single rows.
// Q4_0x8 and Q8_0x8 are lmlab's in-memory layouts of Q4_0 and Q8_0 matrices (never written to
// files): each run of 8 rows is stored block by block, per block the 8 rows' f16 scales and then
// chunks of 32 bytes, chunk c holding code bytes 4c..4c+3 of rows 0..7 in turn (4 chunks for
// Q4_0's 16 nibble bytes, 8 for Q8_0's 32 codes), so one 32-byte load gives the codes of 4
// consecutive values of 8 rows and the kernels run 8 rows per instruction, as llama.cpp's
// repacked Q4_0 does. Same bytes per row as the file type; rows come in multiples of 8.
// Not here: encoders and the GGUF container (src/io), dequantizing whole matrices for training
// (quantized weights are for inference only).
import { QUANT_LAYOUT } from '../io/ggml-quants.ts';
import { ShapeError } from './tensor.ts';

/** ggml type ids of the formats the quantized kernels run (Q4_0x8: lmlab's own id, see above). */
export const QUANT_TYPES = { Q4_0: 2, Q8_0: 8, Q4_K: 12, Q6_K: 14, Q4_0x8: 0x1002, Q8_0x8: 0x1008 } as const;

/** The interleaved type of each file type that has one, and back. */
const TO_X8 = new Map<number, number>([
  [QUANT_TYPES.Q4_0, QUANT_TYPES.Q4_0x8],
  [QUANT_TYPES.Q8_0, QUANT_TYPES.Q8_0x8],
]);
const FROM_X8 = new Map<number, number>([...TO_X8].map(([f, x]) => [x, f]));

/** Whether a type is one of the interleaved in-memory layouts (rows in runs of 8). */
export function isInterleaved(type: number): boolean {
  return FROM_X8.has(type);
}

/** [bytes per block, values per block] of a kernel type (an interleaved type counts like its file type). */
export function quantLayout(type: number): [number, number] {
  return QUANT_LAYOUT[FROM_X8.get(type) ?? type];
}

/** Q4_0 rows (a multiple of 8 of them) in the Q4_0x8 layout: a new array. */
export function interleaveQ4_0(data: Uint8Array, rows: number, cols: number): Uint8Array {
  return moveX8(data, rows, cols, 18, true);
}

/** Q4_0x8 back to Q4_0 rows (the file layout): a new array. */
export function deinterleaveQ4_0(data: Uint8Array, rows: number, cols: number): Uint8Array {
  return moveX8(data, rows, cols, 18, false);
}

/** Q8_0 rows (a multiple of 8 of them) in the Q8_0x8 layout: a new array. */
export function interleaveQ8_0(data: Uint8Array, rows: number, cols: number): Uint8Array {
  return moveX8(data, rows, cols, 34, true);
}

/** Q8_0x8 back to Q8_0 rows (the file layout): a new array. */
export function deinterleaveQ8_0(data: Uint8Array, rows: number, cols: number): Uint8Array {
  return moveX8(data, rows, cols, 34, false);
}

// Blocks of 32 values of `bytes` bytes (an f16 scale, then codes) between rows and runs of 8.
function moveX8(src: Uint8Array, rows: number, cols: number, bytes: number, toX8: boolean): Uint8Array {
  const blocks = cols / 32;
  const rowBytes = blocks * bytes;
  const chunks = (bytes - 2) / 4;
  const out = new Uint8Array(src.length);
  const [a, b] = toX8 ? [src, out] : [out, src]; // a: row layout, b: interleaved
  for (let g = 0; g < rows / 8; g++) {
    const base = g * 8 * rowBytes;
    for (let j = 0; j < blocks; j++) {
      const x8 = base + j * 8 * bytes;
      for (let lane = 0; lane < 8; lane++) {
        const row = base + lane * rowBytes + j * bytes;
        if (toX8) {
          b[x8 + 2 * lane] = a[row];
          b[x8 + 2 * lane + 1] = a[row + 1];
          for (let c = 0; c < chunks; c++)
            for (let k = 0; k < 4; k++) b[x8 + 16 + 32 * c + 4 * lane + k] = a[row + 2 + 4 * c + k];
        } else {
          a[row] = b[x8 + 2 * lane];
          a[row + 1] = b[x8 + 2 * lane + 1];
          for (let c = 0; c < chunks; c++)
            for (let k = 0; k < 4; k++) a[row + 2 + 4 * c + k] = b[x8 + 16 + 32 * c + 4 * lane + k];
        }
      }
    }
  }
  return out;
}

/** The file type and file-layout bytes of `data` in `type` (interleaved runs back to rows). */
export function toFileLayout(type: number, data: Uint8Array, rows: number, cols: number): [number, Uint8Array] {
  const file = FROM_X8.get(type);
  if (file === undefined) return [type, data];
  return [file, moveX8(data, rows, cols, QUANT_LAYOUT[file][0], false)];
}

const NAMES = new Map<number, string>(Object.entries(QUANT_TYPES).map(([k, v]) => [v, k]));

export function quantTypeName(type: number): string {
  return NAMES.get(type) ?? `type ${type}`;
}

/** Whether a ggml file type is one the kernels run as it is (the interleaved types are never a file's). */
export function isKernelQuantType(type: number): boolean {
  return NAMES.has(type) && !isInterleaved(type);
}

export class QuantMatrix {
  readonly shape: readonly [number, number];
  readonly rowBytes: number;

  constructor(
    readonly type: number,
    rows: number,
    cols: number,
    readonly data: Uint8Array,
  ) {
    if (!NAMES.has(type)) throw new ShapeError(`QuantMatrix: ggml type ${type} is not supported`);
    const [bytes, per] = quantLayout(type);
    if (!Number.isInteger(rows) || rows < 0 || !Number.isInteger(cols) || cols % per !== 0) {
      throw new ShapeError(`QuantMatrix: [${rows}, ${cols}] is not whole ${quantTypeName(type)} blocks of ${per}`);
    }
    if (isInterleaved(type) && rows % 8 !== 0)
      throw new ShapeError(`QuantMatrix: ${quantTypeName(type)} holds rows in runs of 8, not ${rows}`);
    this.rowBytes = (cols / per) * bytes;
    if (data.length !== rows * this.rowBytes) {
      throw new ShapeError(
        `QuantMatrix: ${data.length} bytes do not hold [${rows}, ${cols}] of ${quantTypeName(type)} (${rows * this.rowBytes})`,
      );
    }
    this.shape = Object.freeze([rows, cols]) as readonly [number, number];
  }

  get rows(): number {
    return this.shape[0];
  }

  get cols(): number {
    return this.shape[1];
  }

  /** Bytes held. */
  get byteLength(): number {
    return this.data.length;
  }

  /** Rows [begin, end) as a view (shares storage); interleaved types only at multiples of 8. */
  rowRange(begin: number, end: number): QuantMatrix {
    if (!(begin >= 0 && begin <= end && end <= this.rows)) {
      throw new ShapeError(`QuantMatrix.rowRange: [${begin}, ${end}) outside ${this.rows} rows`);
    }
    if (isInterleaved(this.type) && (begin % 8 !== 0 || end % 8 !== 0))
      throw new ShapeError(
        `QuantMatrix.rowRange: ${quantTypeName(this.type)} rows [${begin}, ${end}) do not start and end on runs of 8`,
      );
    return new QuantMatrix(
      this.type,
      end - begin,
      this.cols,
      this.data.subarray(begin * this.rowBytes, end * this.rowBytes),
    );
  }

  /**
   * This matrix interleaved (Q4_0x8, Q8_0x8: a copy) when it is Q4_0 or Q8_0 with a multiple of
   * 8 rows; else itself.
   */
  interleaved(): QuantMatrix {
    const x8 = TO_X8.get(this.type);
    if (x8 === undefined || this.rows % 8 !== 0) return this;
    const bytes = QUANT_LAYOUT[this.type][0];
    return new QuantMatrix(x8, this.rows, this.cols, moveX8(this.data, this.rows, this.cols, bytes, true));
  }

  /** The byte at `offset` of this matrix in its file's row layout, whatever layout it is held in. */
  fileByte(offset: number): number {
    if (!isInterleaved(this.type)) return this.data[offset];
    const bytes = quantLayout(this.type)[0];
    const row = Math.floor(offset / this.rowBytes);
    const inRow = offset - row * this.rowBytes;
    const block = Math.floor(inRow / bytes);
    const k = inRow - block * bytes;
    const lane = row % 8;
    const base = (row - lane) * this.rowBytes + block * 8 * bytes;
    if (k < 2) return this.data[base + 2 * lane + k];
    const chunk = Math.floor((k - 2) / 4);
    return this.data[base + 16 + 32 * chunk + 4 * lane + ((k - 2) % 4)];
  }

  /** The ggml type and bytes of this matrix in a file's layout (interleaved runs back to rows). */
  fileLayout(): { type: number; data: Uint8Array } {
    const [type, data] = toFileLayout(this.type, this.data, this.rows, this.cols);
    return { type, data };
  }

  /**
   * The matrices' rows stacked into one new matrix (a copy), or null when their types or widths
   * differ (the caller then keeps them separate).
   */
  static stack(parts: readonly QuantMatrix[]): QuantMatrix | null {
    const first = parts[0];
    if (parts.some((p) => p.type !== first.type || p.cols !== first.cols)) return null;
    const data = new Uint8Array(parts.reduce((n, p) => n + p.data.length, 0));
    let at = 0;
    for (const p of parts) {
      data.set(p.data, at);
      at += p.data.length;
    }
    return new QuantMatrix(first.type, data.length / first.rowBytes, first.cols, data);
  }
}
