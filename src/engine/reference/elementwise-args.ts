// Argument checks for the reference kernels, mirroring the native addon's: a wrong typed-array
// type, a buffer shorter than the shapes need or a bad size throws an Error naming the op, so
// both implementations fail the same way on the same mistake. Shapes are not checked for
// friendliness here (src/engine/ops.ts does that).

type TypedArrayClass = Float32ArrayConstructor | Int32ArrayConstructor | Uint8ArrayConstructor;

function need<T extends Float32Array | Int32Array | Uint8Array>(
  op: string,
  name: string,
  array: unknown,
  type: TypedArrayClass,
  elements: number,
): T {
  if (!(array instanceof type)) throw new Error(`${op}: argument '${name}' must be a ${type.name}`);
  if (array.length < elements) {
    throw new Error(`${op}: argument '${name}' has ${array.length} elements but the shapes need ${elements}`);
  }
  return array as T;
}

export function f32(op: string, name: string, array: unknown, elements: number): Float32Array {
  return need<Float32Array>(op, name, array, Float32Array, elements);
}

export function f32OrNull(op: string, name: string, array: unknown, elements: number): Float32Array | null {
  return array === null || array === undefined ? null : f32(op, name, array, elements);
}

export function i32(op: string, name: string, array: unknown, elements: number): Int32Array {
  return need<Int32Array>(op, name, array, Int32Array, elements);
}

export function u8OrNull(op: string, name: string, array: unknown, elements: number): Uint8Array | null {
  return array === null || array === undefined ? null : need<Uint8Array>(op, name, array, Uint8Array, elements);
}

/** An integer size ≥ min. */
export function count(op: string, name: string, value: number, min = 0): number {
  if (!Number.isInteger(value) || value < min) {
    throw new Error(`${op}: argument '${name}' must be an integer >= ${min}, got ${value}`);
  }
  return value;
}

/** Fails unless every id lies in [0, vocab), naming the first bad one (as the native side does). */
export function checkIds(op: string, ids: Int32Array, tokens: number, vocab: number): void {
  for (let t = 0; t < tokens; t++) {
    if (ids[t] < 0 || ids[t] >= vocab) {
      throw new Error(`${op}: id ${ids[t]} at token ${t} is out of range [0, ${vocab})`);
    }
  }
}
