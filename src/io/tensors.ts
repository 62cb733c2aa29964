// The in-memory currency of src/io: named float32 tensors in row-major order, keyed by
// Hugging Face tensor names, plus the storage dtypes the file formats can hold. Nothing here
// touches a model class; the model code converts to and from this map.
import { LmlabError } from '../util/errors.ts';

export interface Tensor {
  /** Row-major shape, outermost first (a linear layer's weight is [out, in]). */
  shape: number[];
  data: Float32Array;
}

export type NamedTensors = Map<string, Tensor>;

/** Floating-point storage types the readers decode and the writers encode. */
export type FloatDtype = 'F32' | 'F16' | 'BF16';

export function numelOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function shapeText(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Checks that every tensor's data length matches its shape (a cheap guard before writing). */
export function checkTensors(tensors: NamedTensors): void {
  for (const [name, tensor] of tensors) {
    if (!tensor.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw new LmlabError(`tensor ${name}: invalid shape ${shapeText(tensor.shape)}`);
    }
    const numel = numelOf(tensor.shape);
    if (tensor.data.length !== numel) {
      throw new LmlabError(
        `tensor ${name}: shape ${shapeText(tensor.shape)} holds ${numel} values but data has ${tensor.data.length}`,
      );
    }
  }
}
