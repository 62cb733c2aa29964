// RMSNorm (forward, backward) and softmax: native against the reference on odd shapes, the
// backward against finite differences, dweight accumulation, extreme inputs and bad arguments.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/util/rng.ts';
import type { Kernels } from '../../src/engine/kernels.ts';
import { assertClose, native, numericGradient, randn, reference } from './helpers.ts';

const BOTH: Kernels[] = [reference, native];
// [rows, dim]: single elements, sizes around the vector widths, long rows, and enough rows for
// the pool to split them.
const SHAPES: Array<[number, number]> = [
  [1, 1],
  [3, 13],
  [2, 16],
  [4, 17],
  [5, 37],
  [2, 100],
  [3, 1000],
  [700, 100],
  [3, 4099],
];

test('rmsnorm matches the reference and writes rstd', () => {
  const rng = new Rng(21);
  for (const [rows, dim] of SHAPES) {
    const x = randn(rng, rows * dim, 2);
    const w = randn(rng, dim);
    const expected = new Float32Array(rows * dim);
    const expectedRstd = new Float32Array(rows);
    reference.rmsnorm(rows, dim, x, w, 1e-5, expected, expectedRstd);
    const out = new Float32Array(rows * dim).fill(Number.NaN);
    const rstd = new Float32Array(rows).fill(Number.NaN);
    native.rmsnorm(rows, dim, x, w, 1e-5, out, rstd);
    assertClose(out, expected, `rmsnorm ${rows}x${dim}`, 1e-5, 1e-5);
    assertClose(rstd, expectedRstd, `rstd ${rows}x${dim}`, 1e-5, 0);
    const inference = new Float32Array(rows * dim);
    native.rmsnorm(rows, dim, x, w, 1e-5, inference, null);
    assertClose(inference, expected, `rmsnorm without rstd ${rows}x${dim}`, 1e-5, 1e-5);
  }
  // A zero row gives 0 (eps keeps it finite) and rstd = 1/sqrt(eps).
  for (const k of BOTH) {
    const out = new Float32Array(3);
    const rstd = new Float32Array(1);
    k.rmsnorm(1, 3, new Float32Array(3), Float32Array.from([1, 1, 1]), 1e-6, out, rstd);
    assert.deepEqual(Array.from(out), [0, 0, 0]);
    assertClose(rstd, [1000], `${k.name} rstd of a zero row`, 1e-6, 0);
  }
});

test('rmsnormBackward matches the reference and accumulates dweight', () => {
  const rng = new Rng(22);
  for (const [rows, dim] of SHAPES) {
    const x = randn(rng, rows * dim);
    const w = randn(rng, dim);
    const dout = randn(rng, rows * dim);
    const rstd = new Float32Array(rows);
    reference.rmsnorm(rows, dim, x, w, 1e-5, new Float32Array(rows * dim), rstd);
    const start = randn(rng, dim);
    const expectedDx = new Float32Array(rows * dim);
    const expectedDw = Float32Array.from(start);
    reference.rmsnormBackward(rows, dim, x, w, rstd, dout, expectedDx, expectedDw);
    const dx = new Float32Array(rows * dim).fill(Number.NaN);
    const dw = Float32Array.from(start);
    native.rmsnormBackward(rows, dim, x, w, rstd, dout, dx, dw);
    assertClose(dx, expectedDx, `dx ${rows}x${dim}`, 1e-4, 1e-5);
    // dweight sums over rows: allow for float accumulation over 700 rows.
    assertClose(dw, expectedDw, `dweight ${rows}x${dim}`, 1e-4, 1e-4 * Math.sqrt(rows));
  }
});

test('rmsnormBackward equals finite differences of rmsnorm (dx and dweight)', () => {
  const rng = new Rng(23);
  const rows = 2;
  const dim = 5;
  const x = randn(rng, rows * dim);
  const w = randn(rng, dim);
  const dout = randn(rng, rows * dim);
  const out = new Float32Array(rows * dim);
  const loss = (): number => {
    reference.rmsnorm(rows, dim, x, w, 1e-5, out, null);
    let sum = 0;
    for (let i = 0; i < out.length; i++) sum += dout[i] * out[i];
    return sum;
  };
  const numericDx = numericGradient(x, loss, 1e-3);
  const numericDw = numericGradient(w, loss, 1e-3);
  for (const k of BOTH) {
    const rstd = new Float32Array(rows);
    k.rmsnorm(rows, dim, x, w, 1e-5, out, rstd);
    const dx = new Float32Array(rows * dim);
    const dw = new Float32Array(dim);
    k.rmsnormBackward(rows, dim, x, w, rstd, dout, dx, dw);
    assertClose(dx, numericDx, `${k.name} dx`, 2e-3, 2e-3);
    assertClose(dw, numericDw, `${k.name} dweight`, 2e-3, 2e-3);
    // A second call adds the same gradient again.
    k.rmsnormBackward(rows, dim, x, w, rstd, dout, dx, dw);
    assertClose(
      dw,
      Array.from(numericDw, (g) => 2 * g),
      `${k.name} dweight accumulated twice`,
      2e-3,
      4e-3,
    );
  }
});

test('softmax matches the reference, in place too', () => {
  const rng = new Rng(24);
  for (const [rows, dim] of SHAPES) {
    const x = randn(rng, rows * dim, 3);
    const expected = new Float32Array(rows * dim);
    reference.softmax(rows, dim, x, expected);
    const out = new Float32Array(rows * dim).fill(Number.NaN);
    native.softmax(rows, dim, x, out);
    assertClose(out, expected, `softmax ${rows}x${dim}`, 1e-5, 1e-7);
    native.softmax(rows, dim, x, x);
    assertClose(x, expected, `softmax in place ${rows}x${dim}`, 1e-5, 1e-7);
  }
});

test('softmax of values near ±1e4 stays finite and exact', () => {
  const x = Float32Array.from([
    1e4,
    0,
    -1e4,
    1e4 - 1,
    1e4,
    1e4,
    1e4,
    1e4,
    -1e4,
    -1e4,
    -1e4,
    -1e4,
    -1e4,
    -1e4,
    -1e4,
    -1e4,
    1e4,
  ]);
  const n = x.length;
  // Shifted by the maximum: e^0 at the six 1e4 entries, e^−1 at 1e4−1, nothing else.
  const denominator = 6 + Math.exp(-1);
  const expected = Array.from(x, (v) => (v === 1e4 ? 1 / denominator : v === 1e4 - 1 ? Math.exp(-1) / denominator : 0));
  for (const k of BOTH) {
    const out = new Float32Array(n);
    k.softmax(1, n, x, out);
    assert.ok(out.every(Number.isFinite), `${k.name} softmax finite`);
    assertClose(out, expected, `${k.name} softmax of ±1e4`, 1e-6, 1e-9);
  }
});

test('bad arguments throw an error naming the op', () => {
  for (const k of BOTH) {
    const six = new Float32Array(6);
    assert.throws(
      () => k.rmsnorm(2, 3, six, new Float32Array(2), 1e-5, six, null),
      /rmsnorm: argument 'weight' has 2 elements/,
    );
    assert.throws(
      () => k.rmsnorm(2, 3, six, six, 1e-5, six, new Float32Array(1)),
      /rmsnorm: argument 'rstd' has 1 elements/,
    );
    assert.throws(
      () => k.rmsnormBackward(2, 3, six, six, six, six, new Int32Array(6) as unknown as Float32Array, six),
      /rmsnormBackward: argument 'dx' must be a Float32Array/,
    );
    assert.throws(() => k.softmax(3, 3, six, six), /softmax: argument 'x' has 6 elements but the shapes need 9/);
    assert.throws(() => k.rmsnorm(1, 0, six, six, 1e-5, six, null), /rmsnorm: argument 'dim' must be an integer >= 1/);
  }
});
