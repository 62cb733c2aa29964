// A deliberately small tensor: a shape over a contiguous Float32Array (which may itself be a
// view into a larger buffer — model parameters are views into one flat array). Views along the
// first dimension stay contiguous, which is all the engine needs; transposes are expressed as
// GEMM flags, not strides. No autograd, no broadcasting, no dtype other than fp32: the model
// writes its backward pass by hand (llm.c style).

export class ShapeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ShapeError';
  }
}

export function shapeString(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

function product(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

function checkShape(shape: readonly number[], where: string): void {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new ShapeError(`${where}: invalid shape ${shapeString(shape)}`);
  }
}

export class Tensor {
  readonly data: Float32Array;
  readonly shape: readonly number[];

  constructor(data: Float32Array, shape: readonly number[]) {
    checkShape(shape, 'Tensor');
    if (!(data instanceof Float32Array)) throw new ShapeError('Tensor: data must be a Float32Array');
    if (data.length !== product(shape)) {
      throw new ShapeError(`Tensor: ${data.length} elements cannot have shape ${shapeString(shape)}`);
    }
    this.data = data;
    this.shape = Object.freeze([...shape]);
  }

  static zeros(shape: readonly number[]): Tensor {
    checkShape(shape, 'Tensor.zeros');
    return new Tensor(new Float32Array(product(shape)), shape);
  }

  static from(values: ArrayLike<number>, shape: readonly number[]): Tensor {
    return new Tensor(Float32Array.from(values), shape);
  }

  get size(): number {
    return this.data.length;
  }

  get rank(): number {
    return this.shape.length;
  }

  /** Row-major strides in elements (always contiguous). */
  get strides(): number[] {
    const strides = new Array<number>(this.shape.length);
    let s = 1;
    for (let i = this.shape.length - 1; i >= 0; i--) {
      strides[i] = s;
      s *= this.shape[i];
    }
    return strides;
  }

  /** Same storage, new shape with the same number of elements. */
  reshape(shape: readonly number[]): Tensor {
    if (product(shape) !== this.size) {
      throw new ShapeError(`reshape: cannot view ${shapeString(this.shape)} as ${shapeString(shape)}`);
    }
    return new Tensor(this.data, shape);
  }

  /** A view of rows [begin, end) along the first dimension (shares storage). */
  rows(begin: number, end: number): Tensor {
    const n = this.shape[0];
    if (this.rank === 0 || !(Number.isInteger(begin) && Number.isInteger(end)) || begin < 0 || end > n || begin > end) {
      throw new ShapeError(`rows: [${begin}, ${end}) is outside the first dimension of ${shapeString(this.shape)}`);
    }
    const inner = n === 0 ? 0 : this.size / n;
    return new Tensor(this.data.subarray(begin * inner, end * inner), [end - begin, ...this.shape.slice(1)]);
  }

  /** Row i along the first dimension, with that dimension dropped. */
  row(i: number): Tensor {
    return this.rows(i, i + 1).reshape(this.shape.slice(1));
  }

  copyFrom(other: Tensor): this {
    if (other.size !== this.size) {
      throw new ShapeError(`copyFrom: ${shapeString(other.shape)} into ${shapeString(this.shape)}`);
    }
    this.data.set(other.data);
    return this;
  }

  fill(value: number): this {
    this.data.fill(value);
    return this;
  }

  clone(): Tensor {
    return new Tensor(Float32Array.from(this.data), this.shape);
  }
}

/** Throws `<op>: <what> must have shape [..], got [..]` unless t has exactly the expected shape. */
export function expectShape(op: string, what: string, t: Tensor, expected: readonly number[]): void {
  if (t.shape.length !== expected.length || t.shape.some((d, i) => d !== expected[i])) {
    throw new ShapeError(`${op}: ${what} must have shape ${shapeString(expected)}, got ${shapeString(t.shape)}`);
  }
}

/** Throws unless `arr` is an Int32Array of exactly `length` elements. */
export function expectInts(op: string, what: string, arr: unknown, length: number): asserts arr is Int32Array {
  if (!(arr instanceof Int32Array)) throw new ShapeError(`${op}: ${what} must be an Int32Array`);
  if (arr.length !== length) throw new ShapeError(`${op}: ${what} must have ${length} elements, got ${arr.length}`);
}
