// RoPE: the Hugging Face "rotate half" convention on a hand-worked case, native against the
// reference (odd shapes, row strides, large positions), the backward as adjoint and inverse of
// the forward, positions restarting inside a packed row, and bad arguments.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/util/rng.ts';
import type { Kernels } from '../../src/engine/kernels.ts';
import { assertClose, native, randInts, randn, reference } from './helpers.ts';

const BOTH: Kernels[] = [reference, native];
const THETA = 10000;

function innerProduct(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i] * b[i];
  return sum;
}

test('rope pairs dimension i with i + headDim/2 (rotate half) at angle pos·theta^(−2i/headDim)', () => {
  // headDim 4: pair (0, 2) turns by pos·1 rad, pair (1, 3) by pos·0.01 rad.
  for (const k of BOTH) {
    const x = Float32Array.from([1, 1, 0, 0, 1, 1, 0, 0]);
    k.rope(2, 1, 4, x, 4, Int32Array.from([1, 3]), THETA);
    const expected = [
      Math.cos(1),
      Math.cos(0.01),
      Math.sin(1),
      Math.sin(0.01),
      Math.cos(3),
      Math.cos(0.03),
      Math.sin(3),
      Math.sin(0.03),
    ];
    assertClose(x, expected, `${k.name} rope by hand`, 1e-6, 1e-7);
  }
});

test('rope and ropeBackward match the reference, leave row padding alone', () => {
  const rng = new Rng(31);
  const cases: Array<[number, number, number, number]> = [
    // [tokens, heads, headDim, extra row padding]
    [1, 1, 2, 0],
    [3, 1, 8, 0],
    [13, 3, 34, 5],
    [37, 2, 64, 0],
    [5, 4, 128, 3],
    [4, 1, 600, 1],
    [700, 2, 64, 0],
  ];
  for (const [tokens, heads, headDim, pad] of cases) {
    const ld = heads * headDim + pad;
    const x = randn(rng, tokens * ld);
    // Positions up to 2e5: a float angle would be off by milliradians there.
    const positions = randInts(rng, tokens, 200000);
    positions[0] = 0;
    for (const op of ['rope', 'ropeBackward'] as const) {
      const expected = Float32Array.from(x);
      reference[op](tokens, heads, headDim, expected, ld, positions, THETA);
      const actual = Float32Array.from(x);
      native[op](tokens, heads, headDim, actual, ld, positions, THETA);
      assertClose(actual, expected, `${op} ${tokens}x${heads}x${headDim} ld ${ld}`, 1e-5, 2e-5);
      for (let t = 0; t < tokens; t++) {
        for (let i = heads * headDim; i < ld; i++) assert.equal(actual[t * ld + i], x[t * ld + i], 'padding untouched');
      }
    }
  }
});

test('ropeBackward is the adjoint and the inverse of rope', () => {
  const rng = new Rng(32);
  const [tokens, heads, headDim] = [6, 2, 10];
  const width = heads * headDim;
  const positions = Int32Array.from([0, 1, 2, 7, 100, 5000]);
  for (const k of BOTH) {
    const x = randn(rng, tokens * width);
    const y = randn(rng, tokens * width);
    const ropeX = Float32Array.from(x);
    k.rope(tokens, heads, headDim, ropeX, width, positions, THETA);
    const backY = Float32Array.from(y);
    k.ropeBackward(tokens, heads, headDim, backY, width, positions, THETA);
    // <rope(x), y> = <x, ropeBackward(y)>: the backward is the transpose of the forward.
    const left = innerProduct(ropeX, y);
    const right = innerProduct(x, backY);
    assert.ok(Math.abs(left - right) <= 1e-5 * (1 + Math.abs(left)), `${k.name} adjoint: ${left} vs ${right}`);
    // A rotation's transpose is its inverse.
    k.ropeBackward(tokens, heads, headDim, ropeX, width, positions, THETA);
    assertClose(ropeX, x, `${k.name} ropeBackward(rope(x))`, 1e-5, 1e-6);
  }
});

test('positions restarting inside a packed row equal rope of each document separately', () => {
  const rng = new Rng(33);
  const [heads, headDim] = [2, 16];
  const width = heads * headDim;
  const lengths = [4, 3, 5];
  const packedPositions = Int32Array.from(lengths.flatMap((n) => Array.from({ length: n }, (_, i) => i)));
  const tokens = packedPositions.length;
  for (const k of BOTH) {
    const x = randn(rng, tokens * width);
    const packed = Float32Array.from(x);
    k.rope(tokens, heads, headDim, packed, width, packedPositions, THETA);
    let start = 0;
    for (const n of lengths) {
      const alone = x.slice(start * width, (start + n) * width);
      k.rope(
        n,
        heads,
        headDim,
        alone,
        width,
        Int32Array.from({ length: n }, (_, i) => i),
        THETA,
      );
      assertClose(packed.subarray(start * width, (start + n) * width), alone, `${k.name} document at ${start}`, 0, 0);
      start += n;
    }
  }
});

test('bad arguments throw an error naming the op', () => {
  for (const k of BOTH) {
    const x = new Float32Array(16);
    const positions = new Int32Array(2);
    assert.throws(() => k.rope(2, 1, 5, x, 8, positions, THETA), /rope: headDim must be even, got 5/);
    assert.throws(() => k.rope(2, 2, 4, x, 6, positions, THETA), /rope: ld 6 is smaller than heads\*headDim 8/);
    assert.throws(
      () => k.rope(3, 1, 8, x, 8, new Int32Array(3), THETA),
      /rope: argument 'x' has 16 elements but the shapes need 24/,
    );
    assert.throws(
      () => k.ropeBackward(2, 1, 8, x, 8, new Float32Array(2) as unknown as Int32Array, THETA),
      /ropeBackward: argument 'positions' must be a Int32Array/,
    );
    assert.throws(
      () => k.ropeBackward(2, 1, 8, x, 8, new Int32Array(1), THETA),
      /ropeBackward: argument 'positions' has 1 elements/,
    );
  }
});
