// Elementwise kernels, SwiGLU, AdamW and the reductions: native against the reference on odd
// sizes (including sizes past the vector widths and the threading grain), SwiGLU's backward
// against finite differences, AdamW against a step worked out by hand, and bad arguments.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/util/rng.ts';
import type { Kernels } from '../../src/engine/kernels.ts';
import { assertClose, native, numericGradient, randn, reference } from './helpers.ts';

// Past every vector width (8, 16) and past the point where the pool takes over (2·32768).
const SIZES = [0, 1, 3, 13, 16, 17, 37, 100, 1000, 65536 + 37, 200003];
const BOTH: Kernels[] = [reference, native];

/** A Float32Array view starting 3 elements into a larger buffer (byteOffset must be honoured). */
function offsetView(values: Float32Array): Float32Array {
  const backing = new Float32Array(values.length + 5).fill(Number.NaN);
  const view = backing.subarray(3, 3 + values.length);
  view.set(values);
  return view;
}

test('add, mul, scale and axpy match the reference, also in place and on offset views', () => {
  const rng = new Rng(11);
  for (const n of SIZES) {
    const a = randn(rng, n);
    const b = randn(rng, n);
    for (const op of ['add', 'mul'] as const) {
      const expected = new Float32Array(n);
      reference[op](n, a, b, expected);
      const out = offsetView(new Float32Array(n));
      native[op](n, offsetView(a), offsetView(b), out);
      assertClose(out, expected, `${op} n=${n}`, 0, 0);
      const inPlace = Float32Array.from(a);
      native[op](n, inPlace, b, inPlace);
      assertClose(inPlace, expected, `${op} in place n=${n}`, 0, 0);
    }
    const scaledExpected = new Float32Array(n);
    reference.scale(n, a, -1.5, scaledExpected);
    const scaled = Float32Array.from(a);
    native.scale(n, scaled, -1.5, scaled);
    assertClose(scaled, scaledExpected, `scale n=${n}`, 0, 0);

    const yExpected = Float32Array.from(b);
    reference.axpy(n, 0.25, a, yExpected);
    const y = offsetView(b);
    native.axpy(n, 0.25, offsetView(a), y);
    assertClose(y, yExpected, `axpy n=${n}`, 1e-6, 1e-7);
  }
});

test('swiglu and its backward match the reference', () => {
  const rng = new Rng(12);
  for (const n of SIZES) {
    const gate = randn(rng, n, 3);
    const up = randn(rng, n);
    const dout = randn(rng, n);
    const expected = new Float32Array(n);
    reference.swiglu(n, gate, up, expected);
    const out = new Float32Array(n);
    native.swiglu(n, gate, up, out);
    assertClose(out, expected, `swiglu n=${n}`, 1e-5, 1e-6);
    const aliased = Float32Array.from(up);
    native.swiglu(n, gate, aliased, aliased);
    assertClose(aliased, expected, `swiglu into up n=${n}`, 1e-5, 1e-6);

    const dgateExpected = new Float32Array(n);
    const dupExpected = new Float32Array(n);
    reference.swigluBackward(n, gate, up, dout, dgateExpected, dupExpected);
    const dgate = new Float32Array(n).fill(Number.NaN);
    const dup = new Float32Array(n).fill(Number.NaN);
    native.swigluBackward(n, gate, up, dout, dgate, dup);
    assertClose(dgate, dgateExpected, `swigluBackward dgate n=${n}`, 1e-5, 1e-6);
    assertClose(dup, dupExpected, `swigluBackward dup n=${n}`, 1e-5, 1e-6);
  }
});

test('swiglu saturates cleanly at extreme gates', () => {
  const gate = Float32Array.from([-1e4, -100, -30, 0, 30, 100, 1e4]);
  const up = new Float32Array(gate.length).fill(2);
  for (const k of BOTH) {
    const out = new Float32Array(gate.length);
    k.swiglu(gate.length, gate, up, out);
    assertClose(out, [0, 0, 0, 0, 60, 200, 2e4], `${k.name} swiglu extremes`, 1e-6, 1e-6);
  }
});

test('swigluBackward equals finite differences of swiglu', () => {
  const rng = new Rng(13);
  const n = 7;
  const gate = randn(rng, n, 2);
  const up = randn(rng, n);
  const dout = randn(rng, n);
  const out = new Float32Array(n);
  // L = Σ dout ⊙ swiglu(gate, up), so ∂L/∂gate = dgate and ∂L/∂up = dup.
  const loss = (): number => {
    reference.swiglu(n, gate, up, out);
    let sum = 0;
    for (let i = 0; i < n; i++) sum += dout[i] * out[i];
    return sum;
  };
  const numericGate = numericGradient(gate, loss, 1e-2);
  const numericUp = numericGradient(up, loss, 1e-2);
  for (const k of BOTH) {
    const dgate = new Float32Array(n);
    const dup = new Float32Array(n);
    k.swigluBackward(n, gate, up, dout, dgate, dup);
    assertClose(dgate, numericGate, `${k.name} dgate`, 1e-3, 1e-3);
    assertClose(dup, numericUp, `${k.name} dup`, 1e-3, 1e-3);
  }
});

test('sumSquares and dot accumulate in double and match the reference', () => {
  const rng = new Rng(14);
  for (const n of SIZES) {
    const a = randn(rng, n);
    const b = randn(rng, n);
    const ss = reference.sumSquares(n, a);
    const d = reference.dot(n, a, b);
    assert.ok(Math.abs(native.sumSquares(n, offsetView(a)) - ss) <= 1e-12 * Math.max(1, ss), `sumSquares n=${n}`);
    assert.ok(
      Math.abs(native.dot(n, a, b) - d) <= 1e-12 * Math.max(1, Math.sqrt(ss * reference.sumSquares(n, b))),
      `dot n=${n}`,
    );
  }
  // 1e8 followed by 16000 ones: a float accumulator holding 1e8 drops every 1 (its spacing
  // there is 8), whichever lane the ones land in; double keeps all of them.
  const n = 1 + 16000;
  const a = new Float32Array(n).fill(1);
  a[0] = 1e4;
  for (const k of BOTH) {
    assert.equal(k.sumSquares(n, a), 1e8 + 16000, `${k.name} sumSquares in double`);
    assert.equal(k.dot(n, a, a), 1e8 + 16000, `${k.name} dot in double`);
  }
});

test('rowCosine matches the reference, writes norms and gives 0 for zero rows', () => {
  const rng = new Rng(15);
  for (const [rows, dim] of [
    [1, 1],
    [3, 13],
    [5, 37],
    [4, 1000],
    [700, 100],
  ]) {
    const a = randn(rng, rows * dim);
    const b = randn(rng, rows * dim);
    a.fill(0, 0, dim); // row 0 of a is all zeros
    const expected = new Float32Array(rows);
    const expectedA = new Float32Array(rows);
    const expectedB = new Float32Array(rows);
    reference.rowCosine(rows, dim, a, b, expected, expectedA, expectedB);
    const out = new Float32Array(rows).fill(Number.NaN);
    const normA = new Float32Array(rows);
    const normB = new Float32Array(rows);
    native.rowCosine(rows, dim, a, b, out, normA, normB);
    assertClose(out, expected, `rowCosine ${rows}x${dim}`, 1e-5, 1e-6);
    assertClose(normA, expectedA, `normA ${rows}x${dim}`, 1e-6, 1e-6);
    assertClose(normB, expectedB, `normB ${rows}x${dim}`, 1e-6, 1e-6);
    assert.equal(out[0], 0);
    native.rowCosine(rows, dim, a, b, out, null, null);
    assertClose(out, expected, `rowCosine without norms ${rows}x${dim}`, 1e-5, 1e-6);
  }
  for (const k of BOTH) {
    // Parallel rows give 1, opposite rows −1 (never past ±1).
    const a = Float32Array.from([1, 2, 3, 1, 2, 3]);
    const b = Float32Array.from([2, 4, 6, -3, -6, -9]);
    const out = new Float32Array(2);
    k.rowCosine(2, 3, a, b, out, null, null);
    assertClose(out, [1, -1], `${k.name} rowCosine ±1`, 1e-6, 1e-7);
    assert.ok(Math.abs(out[0]) <= 1 && Math.abs(out[1]) <= 1);
  }
});

test('adamw matches a hand-computed step 1 and step 3, with gradScale and weight decay', () => {
  // One parameter: p = 2, g = 0.5 scaled by 0.5 → 0.25; lr 0.1, β1 0.9, β2 0.95, eps 1e-8, wd 0.1.
  // Step 1 (zero moments): m = 0.025, v = 0.003125, m̂ = 0.25, v̂ = 0.0625 → m̂/(√v̂+eps) ≈ 1,
  // p = 2 − 0.1·(1 + 0.1·2) = 1.88.
  const stepOne = 2 - 0.1 * (0.25 / (Math.sqrt(0.0625) + 1e-8) + 0.1 * 2);
  // Step 3 from m = 0.1, v = 0.01, p = 1: m = 0.115, v = 0.0128125, corrections 1−0.9³ and 1−0.95³.
  const m3 = 0.9 * 0.1 + 0.1 * 0.25;
  const v3 = 0.95 * 0.01 + 0.05 * 0.0625;
  const stepThree = 1 - 0.1 * (m3 / (1 - 0.9 ** 3) / (Math.sqrt(v3 / (1 - 0.95 ** 3)) + 1e-8) + 0.1 * 1);
  for (const k of BOTH) {
    const p = Float32Array.from([2, 1]);
    const m = Float32Array.from([0, 0.1]);
    const v = Float32Array.from([0, 0.01]);
    const g = Float32Array.from([0.5, 0.5]);
    k.adamw(1, p, g, m, v, 0.1, 0.9, 0.95, 1e-8, 0.1, 1, 0.5);
    assertClose(p.subarray(0, 1), [stepOne], `${k.name} adamw step 1 param`, 1e-6, 1e-7);
    assertClose(m.subarray(0, 1), [0.025], `${k.name} adamw step 1 m`, 1e-6, 1e-8);
    assertClose(v.subarray(0, 1), [0.003125], `${k.name} adamw step 1 v`, 1e-6, 1e-9);
    assert.equal(p[1], 1, 'n = 1 leaves the second parameter alone');
    const rest = (a: Float32Array): Float32Array => a.subarray(1);
    k.adamw(1, rest(p), rest(g), rest(m), rest(v), 0.1, 0.9, 0.95, 1e-8, 0.1, 3, 0.5);
    assertClose(rest(p), [stepThree], `${k.name} adamw step 3 param`, 1e-6, 1e-7);
    assertClose(rest(m), [m3], `${k.name} adamw step 3 m`, 1e-6, 1e-8);
    assertClose(rest(v), [v3], `${k.name} adamw step 3 v`, 1e-6, 1e-9);
  }
});

test('adamw matches the reference on every size', () => {
  const rng = new Rng(16);
  for (const n of SIZES) {
    const param = randn(rng, n);
    const grad = randn(rng, n);
    const m = randn(rng, n, 0.1);
    const v = randn(rng, n, 0.1).map((x) => x * x);
    const copies = [param, m, v].map((a) => Float32Array.from(a));
    reference.adamw(n, param, grad, m, v, 3e-3, 0.9, 0.95, 1e-8, 0.033, 7, 0.8);
    native.adamw(n, copies[0], grad, copies[1], copies[2], 3e-3, 0.9, 0.95, 1e-8, 0.033, 7, 0.8);
    assertClose(copies[0], param, `adamw param n=${n}`, 1e-6, 1e-6);
    assertClose(copies[1], m, `adamw m n=${n}`, 1e-6, 1e-7);
    assertClose(copies[2], v, `adamw v n=${n}`, 1e-6, 1e-8);
  }
});

test('bad arguments throw an error naming the op, and the process carries on', () => {
  for (const k of BOTH) {
    const four = new Float32Array(4);
    assert.throws(() => k.add(5, four, four, four), /^Error: add: argument 'a' has 4 elements but the shapes need 5/);
    assert.throws(() => k.mul(4, four, four, new Float32Array(3)), /mul: argument 'out' has 3 elements/);
    assert.throws(
      () => k.axpy(4, 1, new Float64Array(4) as unknown as Float32Array, four),
      /axpy: argument 'x' must be a Float32Array/,
    );
    assert.throws(() => k.scale(-1, four, 2, four), /scale: argument 'n' must be an integer >= 0/);
    assert.throws(
      () => k.swigluBackward(4, four, four, four, four, new Float32Array(2)),
      /swigluBackward: argument 'dup'/,
    );
    assert.throws(() => k.sumSquares(1.5, four), /sumSquares: argument 'n' must be an integer/);
    assert.throws(
      () => k.dot(4, four, [1, 2, 3, 4] as unknown as Float32Array),
      /dot: argument 'b' must be a Float32Array/,
    );
    assert.throws(() => k.rowCosine(2, 3, four, four, four, null, null), /rowCosine: argument 'a' has 4 elements/);
    assert.throws(
      () => k.adamw(4, four, four, four, four, 0.1, 0.9, 0.95, 1e-8, 0, 0, 1),
      /adamw: argument 'step' must be an integer >= 1/,
    );
    // Still alive and computing.
    const out = new Float32Array(4);
    k.add(4, Float32Array.from([1, 2, 3, 4]), Float32Array.from([1, 1, 1, 1]), out);
    assert.deepEqual(Array.from(out), [2, 3, 4, 5]);
  }
});
