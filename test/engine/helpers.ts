// Shared helpers for the kernel tests: seeded random inputs, tolerance checks that report the
// worst element, and the list of kernel implementations every shared test runs against.
import assert from 'node:assert/strict';
import type { Rng } from '../../src/util/rng.ts';
import type { Kernels } from '../../src/engine/kernels.ts';
import { createNativeKernels } from '../../src/engine/native.ts';
import { createReferenceKernels } from '../../src/engine/reference/index.ts';

export const reference: Kernels = createReferenceKernels();
export const native: Kernels = createNativeKernels();

export function randn(rng: Rng, n: number, scale = 1): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.normal() * scale;
  return out;
}

export function randInts(rng: Rng, n: number, max: number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.int(max);
  return out;
}

/** Asserts |a−b| ≤ atol + rtol·|b| element-wise, naming the first worst element. */
export function assertClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  what: string,
  rtol = 1e-4,
  atol = 1e-5,
): void {
  assert.equal(actual.length, expected.length, `${what}: length ${actual.length} vs ${expected.length}`);
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const b = expected[i];
    if (Number.isNaN(a) !== Number.isNaN(b)) {
      assert.fail(`${what}: element ${i} is ${a}, expected ${b}`);
    }
    const excess = Math.abs(a - b) - (atol + rtol * Math.abs(b));
    if (excess > worstExcess) {
      worstExcess = excess;
      worst = i;
    }
  }
  if (worst >= 0) assert.fail(`${what}: element ${worst} is ${actual[worst]}, expected ${expected[worst]}`);
}

/**
 * Central finite-difference gradient of a scalar function f(x) with respect to x (in place,
 * restored afterwards), in double precision arithmetic over the float32 input.
 */
export function numericGradient(x: Float32Array, f: () => number, h = 1e-2): Float64Array {
  const grad = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const saved = x[i];
    x[i] = saved + h;
    const plus = f();
    x[i] = saved - h;
    const minus = f();
    x[i] = saved;
    grad[i] = (plus - minus) / (2 * h);
  }
  return grad;
}
