// The Q/K row permutation between rotate-half RoPE (Hugging Face, our engine) and interleaved
// RoPE (llama.cpp), checked with a scalar RoPE of each convention written out here.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../src/util/rng.ts';
import { fromInterleavedRope, toInterleavedRope } from '../../src/io/rope-permute.ts';

const theta = 10000;

function matVec(w: Float32Array, rows: number, cols: number, x: Float64Array): Float64Array {
  const out = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let sum = 0;
    for (let c = 0; c < cols; c++) sum += w[r * cols + c] * x[c];
    out[r] = sum;
  }
  return out;
}

/** Rotate-half RoPE: pairs (i, i + d/2) of each head turn by pos·θ^(-2i/d). */
function ropeRotateHalf(v: Float64Array, headSize: number, pos: number): Float64Array {
  const out = new Float64Array(v.length);
  const half = headSize / 2;
  for (let h = 0; h < v.length; h += headSize) {
    for (let i = 0; i < half; i++) {
      const angle = pos * Math.pow(theta, (-2 * i) / headSize);
      const [a, b] = [v[h + i], v[h + i + half]];
      out[h + i] = a * Math.cos(angle) - b * Math.sin(angle);
      out[h + i + half] = a * Math.sin(angle) + b * Math.cos(angle);
    }
  }
  return out;
}

/** Interleaved RoPE (llama.cpp's LLaMA graph): adjacent pairs (2i, 2i + 1) turn by the same angles. */
function ropeInterleaved(v: Float64Array, headSize: number, pos: number): Float64Array {
  const out = new Float64Array(v.length);
  for (let h = 0; h < v.length; h += headSize) {
    for (let i = 0; i < headSize / 2; i++) {
      const angle = pos * Math.pow(theta, (-2 * i) / headSize);
      const [a, b] = [v[h + 2 * i], v[h + 2 * i + 1]];
      out[h + 2 * i] = a * Math.cos(angle) - b * Math.sin(angle);
      out[h + 2 * i + 1] = a * Math.sin(angle) + b * Math.cos(angle);
    }
  }
  return out;
}

function random(rng: Rng, n: number): Float32Array {
  return Float32Array.from({ length: n }, () => rng.normal());
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

const heads = 3;
const headSize = 8;
const cols = 5;
const rows = heads * headSize;

test('interleaved RoPE of permuted Q·x equals the permuted rotate-half RoPE of Q·x', () => {
  const rng = new Rng(5);
  const w = random(rng, rows * cols);
  const x = Float64Array.from(random(rng, cols));
  const permuted = toInterleavedRope(w, rows, cols, heads);
  for (const pos of [0, 1, 7, 123]) {
    const reference = ropeRotateHalf(matVec(w, rows, cols, x), headSize, pos);
    const referencePermuted = toInterleavedRope(Float32Array.from(reference), rows, 1, heads);
    const viaGguf = ropeInterleaved(matVec(permuted, rows, cols, x), headSize, pos);
    assert.ok(maxDiff(viaGguf, referencePermuted) < 1e-5, `position ${pos}`);
  }
  // Without the permutation the conventions disagree: the check above can fail.
  const unpermuted = ropeInterleaved(matVec(w, rows, cols, x), headSize, 7);
  const expected = toInterleavedRope(
    Float32Array.from(ropeRotateHalf(matVec(w, rows, cols, x), headSize, 7)),
    rows,
    1,
    heads,
  );
  assert.ok(maxDiff(unpermuted, expected) > 1e-2);
});

test('attention scores are the same in both conventions (Q and K permuted, grouped KV)', () => {
  const rng = new Rng(9);
  const kvHeads = 1;
  const wq = random(rng, rows * cols);
  const wk = random(rng, kvHeads * headSize * cols);
  const x1 = Float64Array.from(random(rng, cols));
  const x2 = Float64Array.from(random(rng, cols));
  const q = ropeRotateHalf(matVec(wq, rows, cols, x1), headSize, 9);
  const k = ropeRotateHalf(matVec(wk, headSize, cols, x2), headSize, 4);
  const qg = ropeInterleaved(matVec(toInterleavedRope(wq, rows, cols, heads), rows, cols, x1), headSize, 9);
  const kg = ropeInterleaved(matVec(toInterleavedRope(wk, headSize, cols, kvHeads), headSize, cols, x2), headSize, 4);
  for (let h = 0; h < heads; h++) {
    let score = 0;
    let scoreGguf = 0;
    for (let i = 0; i < headSize; i++) {
      score += q[h * headSize + i] * k[i];
      scoreGguf += qg[h * headSize + i] * kg[i];
    }
    assert.ok(Math.abs(score - scoreGguf) < 1e-6 * Math.max(1, Math.abs(score)), `head ${h}`);
  }
});

test('the permutation matches the index formula and its inverse undoes it exactly', () => {
  const w = Float32Array.from({ length: rows * 2 }, (_, i) => i);
  const p = toInterleavedRope(w, rows, 2, heads);
  // Head 1, interleaved row 2i + j comes from rotate-half row j·4 + i.
  for (let i = 0; i < 4; i++) {
    for (let j = 0; j < 2; j++) assert.equal(p[(8 + 2 * i + j) * 2 + 1], w[(8 + j * 4 + i) * 2 + 1]);
  }
  assert.deepEqual(fromInterleavedRope(p, rows, 2, heads), w);
  assert.throws(() => toInterleavedRope(w, rows, 2, 5), /do not split into 5 heads/);
});
