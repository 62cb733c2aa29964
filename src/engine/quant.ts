// A weight matrix kept in a GGUF block-quantized format (Q8_0, Q4_0, Q4_K, Q6_K): the file's
// raw block bytes, the ggml type and the logical shape [rows, cols]. Rows are independent runs
// of blocks, so row ranges are views and matrices of one type stack by concatenating bytes.
// ops.linear multiplies by it with the quantized kernels; ops.embedding reads single rows.
// Not here: encoders and the GGUF container (src/io), dequantizing whole matrices for training
// (quantized weights are for inference only).
import { QUANT_LAYOUT } from '../io/ggml-quants.ts';
import { ShapeError } from './tensor.ts';

/** ggml type ids of the formats the quantized kernels run. */
export const QUANT_TYPES = { Q4_0: 2, Q8_0: 8, Q4_K: 12, Q6_K: 14 } as const;

const NAMES = new Map<number, string>(Object.entries(QUANT_TYPES).map(([k, v]) => [v, k]));

export function quantTypeName(type: number): string {
  return NAMES.get(type) ?? `type ${type}`;
}

export function isKernelQuantType(type: number): boolean {
  return NAMES.has(type);
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
    if (!isKernelQuantType(type)) throw new ShapeError(`QuantMatrix: ggml type ${type} is not supported`);
    const [bytes, per] = QUANT_LAYOUT[type];
    if (!Number.isInteger(rows) || rows < 0 || !Number.isInteger(cols) || cols % per !== 0) {
      throw new ShapeError(`QuantMatrix: [${rows}, ${cols}] is not whole ${quantTypeName(type)} blocks of ${per}`);
    }
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

  /** Rows [begin, end) as a view (shares storage). */
  rowRange(begin: number, end: number): QuantMatrix {
    if (!(begin >= 0 && begin <= end && end <= this.rows)) {
      throw new ShapeError(`QuantMatrix.rowRange: [${begin}, ${end}) outside ${this.rows} rows`);
    }
    return new QuantMatrix(
      this.type,
      end - begin,
      this.cols,
      this.data.subarray(begin * this.rowBytes, end * this.rowBytes),
    );
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
