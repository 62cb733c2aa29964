// A weight matrix kept in a GGUF block-quantized format (Q8_0, Q4_0, Q4_K, Q6_K): the file's
// raw block bytes, the ggml type and the logical shape [rows, cols]. Rows are independent runs
// of blocks, so row ranges are views and matrices of one type stack by concatenating bytes.
// ops.linear multiplies by it with the quantized kernels; ops.embedding reads single rows.
// Q4_0x8 is lmlab's in-memory layout of a Q4_0 matrix for decode (never written to files): each
// run of 8 rows is stored block by block, per block the 8 rows' f16 scales and then 4 chunks of
// 32 bytes, chunk c holding nibble bytes 4c..4c+3 of rows 0..7 in turn, so one 32-byte load gives
// the codes of 4 consecutive values of 8 rows (the kernels then run 8 rows per instruction, as
// llama.cpp's repacked Q4_0 does). Same bytes per row as Q4_0; rows come in multiples of 8.
// Not here: encoders and the GGUF container (src/io), dequantizing whole matrices for training
// (quantized weights are for inference only).
import { QUANT_LAYOUT } from '../io/ggml-quants.ts';
import { ShapeError } from './tensor.ts';

/** ggml type ids of the formats the quantized kernels run (Q4_0x8: lmlab's own id, see above). */
export const QUANT_TYPES = { Q4_0: 2, Q8_0: 8, Q4_K: 12, Q6_K: 14, Q4_0x8: 0x1002 } as const;

/** [bytes per block, values per block] of a kernel type (Q4_0x8 counts like Q4_0). */
export function quantLayout(type: number): [number, number] {
  return type === QUANT_TYPES.Q4_0x8 ? QUANT_LAYOUT[QUANT_TYPES.Q4_0] : QUANT_LAYOUT[type];
}

/** Q4_0 rows (a multiple of 8 of them) in the Q4_0x8 layout: a new array. */
export function interleaveQ4_0(data: Uint8Array, rows: number, cols: number): Uint8Array {
  return moveQ4_0(data, rows, cols, true);
}

/** Q4_0x8 back to Q4_0 rows (the file layout): a new array. */
export function deinterleaveQ4_0(data: Uint8Array, rows: number, cols: number): Uint8Array {
  return moveQ4_0(data, rows, cols, false);
}

function moveQ4_0(src: Uint8Array, rows: number, cols: number, toX8: boolean): Uint8Array {
  const blocks = cols / 32;
  const rowBytes = blocks * 18;
  const out = new Uint8Array(src.length);
  const [a, b] = toX8 ? [src, out] : [out, src]; // a: row layout, b: Q4_0x8
  for (let g = 0; g < rows / 8; g++) {
    const base = g * 8 * rowBytes;
    for (let j = 0; j < blocks; j++) {
      const x8 = base + j * 144;
      for (let lane = 0; lane < 8; lane++) {
        const row = base + lane * rowBytes + j * 18;
        if (toX8) {
          b[x8 + 2 * lane] = a[row];
          b[x8 + 2 * lane + 1] = a[row + 1];
          for (let c = 0; c < 4; c++)
            for (let k = 0; k < 4; k++) b[x8 + 16 + 32 * c + 4 * lane + k] = a[row + 2 + 4 * c + k];
        } else {
          a[row] = b[x8 + 2 * lane];
          a[row + 1] = b[x8 + 2 * lane + 1];
          for (let c = 0; c < 4; c++)
            for (let k = 0; k < 4; k++) a[row + 2 + 4 * c + k] = b[x8 + 16 + 32 * c + 4 * lane + k];
        }
      }
    }
  }
  return out;
}

const NAMES = new Map<number, string>(Object.entries(QUANT_TYPES).map(([k, v]) => [v, k]));

export function quantTypeName(type: number): string {
  return NAMES.get(type) ?? `type ${type}`;
}

/** Whether a ggml file type is one the kernels run as it is (Q4_0x8 is never a file's). */
export function isKernelQuantType(type: number): boolean {
  return NAMES.has(type) && type !== QUANT_TYPES.Q4_0x8;
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
    if (type === QUANT_TYPES.Q4_0x8 && rows % 8 !== 0)
      throw new ShapeError(`QuantMatrix: Q4_0x8 holds rows in runs of 8, not ${rows}`);
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

  /** Rows [begin, end) as a view (shares storage); Q4_0x8 only at multiples of 8. */
  rowRange(begin: number, end: number): QuantMatrix {
    if (!(begin >= 0 && begin <= end && end <= this.rows)) {
      throw new ShapeError(`QuantMatrix.rowRange: [${begin}, ${end}) outside ${this.rows} rows`);
    }
    if (this.type === QUANT_TYPES.Q4_0x8 && (begin % 8 !== 0 || end % 8 !== 0))
      throw new ShapeError(`QuantMatrix.rowRange: Q4_0x8 rows [${begin}, ${end}) do not start and end on runs of 8`);
    return new QuantMatrix(
      this.type,
      end - begin,
      this.cols,
      this.data.subarray(begin * this.rowBytes, end * this.rowBytes),
    );
  }

  /** This matrix in Q4_0x8 (a copy) when it is Q4_0 with a multiple of 8 rows; else itself. */
  interleaved(): QuantMatrix {
    if (this.type !== QUANT_TYPES.Q4_0 || this.rows % 8 !== 0) return this;
    return new QuantMatrix(QUANT_TYPES.Q4_0x8, this.rows, this.cols, interleaveQ4_0(this.data, this.rows, this.cols));
  }

  /** The ggml type and bytes of this matrix in a file's layout (Q4_0x8 back to Q4_0 rows). */
  fileLayout(): { type: number; data: Uint8Array } {
    if (this.type !== QUANT_TYPES.Q4_0x8) return { type: this.type, data: this.data };
    return { type: QUANT_TYPES.Q4_0, data: deinterleaveQ4_0(this.data, this.rows, this.cols) };
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
