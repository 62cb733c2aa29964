// Attention kernels: the native tiles against the reference on odd shapes (tile edges, GQA
// ratios, documents of one token), the backward pass against finite differences and against
// the reference, the KV-cache path against the training forward (one prefill, chunked prefill,
// token-by-token decode, padded cache rows), and bad arguments that must throw, not crash.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/util/rng.ts';
import type { AttentionShape, Kernels } from '../../src/engine/kernels.ts';
import { assertClose, native, numericGradient, randInts, randn, reference } from './helpers.ts';

interface Case extends AttentionShape {
  /** document lengths per row (each row sums to t), or undefined for one document per row */
  docs?: number[];
  /** instead of docs: segment ids drawn at random from [0, n) (not contiguous documents) */
  scatteredIds?: number;
}

function makeShape(batch: number, t: number, heads: number, kvHeads: number, headDim: number, docs?: number[]): Case {
  return { batch, t, heads, kvHeads, headDim, scale: 1 / Math.sqrt(headDim), docs };
}

function segmentsFor(c: Case): Int32Array | null {
  if (c.scatteredIds) return randInts(new Rng(c.t), c.batch * c.t, c.scatteredIds);
  if (!c.docs) return null;
  const seg = new Int32Array(c.batch * c.t);
  for (let b = 0; b < c.batch; b++) {
    let pos = 0;
    c.docs.forEach((length, doc) => {
      for (let i = 0; i < length; i++) seg[b * c.t + pos++] = doc + 10 * b;
    });
    assert.equal(pos, c.t, 'test setup: document lengths must sum to t');
  }
  return seg;
}

function inputs(c: Case, seed: number) {
  const rng = new Rng(seed);
  const qn = c.batch * c.t * c.heads * c.headDim;
  const kvn = c.batch * c.t * c.kvHeads * c.headDim;
  return { q: randn(rng, qn), k: randn(rng, kvn), v: randn(rng, kvn), dout: randn(rng, qn), segments: segmentsFor(c) };
}

/** A buffer full of NaN: kernels must overwrite every element they own. */
function poisoned(n: number): Float32Array {
  return new Float32Array(n).fill(Number.NaN);
}

function forward(kernels: Kernels, c: Case, x: ReturnType<typeof inputs>) {
  const out = poisoned(c.batch * c.t * c.heads * c.headDim);
  const lse = poisoned(c.batch * c.heads * c.t);
  kernels.attentionForward(c, x.q, x.k, x.v, x.segments, out, lse);
  return { out, lse };
}

function backward(kernels: Kernels, c: Case, x: ReturnType<typeof inputs>, out: Float32Array, lse: Float32Array) {
  const dq = poisoned(x.q.length);
  const dk = poisoned(x.k.length);
  const dv = poisoned(x.v.length);
  kernels.attentionBackward(c, x.q, x.k, x.v, x.segments, out, lse, x.dout, dq, dk, dv);
  return { dq, dk, dv };
}

function label(c: Case): string {
  const segments = c.docs ? ` docs ${c.docs.join('+')}` : c.scatteredIds ? ` ${c.scatteredIds} scattered ids` : '';
  return `b${c.batch} t${c.t} h${c.heads}/${c.kvHeads} d${c.headDim}${segments}`;
}

const forwardCases: Case[] = [
  makeShape(1, 1, 1, 1, 8),
  makeShape(1, 3, 2, 1, 16),
  makeShape(2, 13, 4, 4, 5),
  makeShape(1, 37, 4, 2, 64),
  makeShape(1, 100, 4, 1, 20),
  makeShape(1, 64, 2, 2, 32),
  makeShape(1, 65, 2, 1, 17),
  makeShape(2, 130, 2, 1, 24),
  makeShape(1, 37, 2, 2, 8, [10, 1, 26]),
  makeShape(3, 100, 4, 2, 12, [1, 40, 1, 30, 28]),
  makeShape(2, 200, 2, 1, 16, [63, 2, 70, 1, 64]),
  { ...makeShape(2, 150, 2, 1, 8), scatteredIds: 3 },
  makeShape(1, 1000, 2, 1, 8, [300, 1, 199, 500]),
];

describe('attentionForward', () => {
  for (const c of forwardCases) {
    it(`native matches the reference (${label(c)})`, () => {
      const x = inputs(c, c.t * 7 + c.heads);
      const want = forward(reference, c, x);
      const got = forward(native, c, x);
      assertClose(got.out, want.out, 'out', 2e-4, 2e-5);
      assertClose(got.lse, want.lse, 'lse', 2e-5, 2e-5);
    });
  }

  it('isolates documents: a one-token document attends only to itself', () => {
    const c = makeShape(1, 6, 1, 1, 4, [3, 1, 2]);
    const x = inputs(c, 5);
    for (const k of [native, reference]) {
      const { out } = forward(k, c, x);
      assertClose(out.subarray(12, 16), x.v.subarray(12, 16), `${k.name} token 3 output`, 1e-5, 1e-6);
      assertClose(out.subarray(0, 4), x.v.subarray(0, 4), `${k.name} token 0 output`, 1e-5, 1e-6);
    }
  });
});

describe('attentionBackward', () => {
  const tiny: Case[] = [
    makeShape(1, 5, 2, 1, 4),
    makeShape(2, 4, 2, 2, 3, [1, 3]),
    makeShape(1, 6, 4, 2, 2, [2, 1, 3]),
  ];
  for (const c of tiny) {
    it(`matches finite differences of Σ out ⊙ R (${label(c)})`, () => {
      const x = inputs(c, 11 + c.t);
      const weights = x.dout; // R: the upstream gradient of Σ out ⊙ R is R itself
      const objective = () => {
        const { out } = forward(reference, c, x);
        let sum = 0;
        for (let i = 0; i < out.length; i++) sum += out[i] * weights[i];
        return sum;
      };
      const numeric = {
        dq: numericGradient(x.q, objective),
        dk: numericGradient(x.k, objective),
        dv: numericGradient(x.v, objective),
      };
      for (const k of [reference, native]) {
        const { out, lse } = forward(k, c, x);
        const grads = backward(k, c, x, out, lse);
        for (const name of ['dq', 'dk', 'dv'] as const) {
          assertClose(grads[name], numeric[name], `${k.name} ${name}`, 1e-2, 2e-3);
        }
      }
    });
  }

  const larger: Case[] = [
    makeShape(1, 1, 2, 1, 8),
    makeShape(1, 13, 2, 2, 5),
    makeShape(2, 70, 4, 2, 16),
    makeShape(1, 100, 4, 1, 20, [30, 1, 69]),
    makeShape(2, 150, 2, 2, 32, [64, 1, 85]),
    makeShape(1, 129, 8, 2, 64),
    { ...makeShape(1, 140, 2, 2, 16), scatteredIds: 2 },
    makeShape(1, 700, 2, 1, 8, [300, 1, 399]),
  ];
  for (const c of larger) {
    it(`native matches the reference (${label(c)})`, () => {
      const x = inputs(c, 3 * c.t + c.kvHeads);
      const { out, lse } = forward(reference, c, x);
      const want = backward(reference, c, x, out, lse);
      const got = backward(native, c, x, out, lse);
      for (const name of ['dq', 'dk', 'dv'] as const) assertClose(got[name], want[name], name, 5e-4, 5e-5);
    });
  }

  it('overwrites dq, dk, dv on repeated calls (no accumulation across calls)', () => {
    const c = makeShape(1, 80, 2, 1, 16);
    const x = inputs(c, 99);
    const { out, lse } = forward(native, c, x);
    const first = backward(native, c, x, out, lse);
    const second = backward(native, c, x, out, lse);
    assert.deepEqual(second.dq, first.dq);
    assert.deepEqual(second.dk, first.dk);
  });
});

describe('attentionCached', () => {
  // The cache stores rows with padding (ldKv > kvHeads·D) and spare capacity at the end.
  function cacheFrom(c: Case, x: ReturnType<typeof inputs>, pad: number, spare: number) {
    const width = c.kvHeads * c.headDim;
    const ldKv = width + pad;
    const kCache = new Float32Array((c.t + spare) * ldKv).fill(1e3);
    const vCache = new Float32Array((c.t + spare) * ldKv).fill(1e3);
    for (let j = 0; j < c.t; j++) {
      kCache.set(x.k.subarray(j * width, (j + 1) * width), j * ldKv);
      vCache.set(x.v.subarray(j * width, (j + 1) * width), j * ldKv);
    }
    return { kCache, vCache, ldKv };
  }

  const cases: Case[] = [makeShape(1, 50, 4, 2, 16), makeShape(1, 300, 2, 1, 20), makeShape(1, 90, 4, 4, 64)];
  for (const c of cases) {
    for (const k of [native, reference]) {
      it(`${k.name}: prefill, chunked prefill and decode equal the training forward (${label(c)})`, () => {
        const x = inputs(c, 21 + c.t);
        const row = c.heads * c.headDim;
        const want = forward(native, c, x).out;
        const { kCache, vCache, ldKv } = cacheFrom(c, x, 7, 5);
        const run = (past: number, tq: number) => {
          const out = poisoned(tq * row);
          const queries = x.q.subarray(past * row, (past + tq) * row);
          k.attentionCached(tq, past, c.heads, c.kvHeads, c.headDim, c.scale, queries, kCache, vCache, ldKv, out);
          assertClose(out, want.subarray(past * row, (past + tq) * row), `past ${past} tq ${tq}`, 3e-4, 3e-5);
        };
        run(0, c.t);
        // chunked prefill (a long chunk, then a short multi-query one), then one token at a time
        const first = Math.floor(c.t * 0.4);
        run(0, first);
        run(first, 3);
        for (let past = first + 3; past < c.t; past += k.name === 'native' ? 1 : 7) run(past, 1);
      });
    }
  }
});

describe('bad arguments', () => {
  const c = makeShape(1, 8, 4, 2, 4);
  for (const k of [native, reference]) {
    it(`${k.name}: throws errors naming the op and keeps working`, () => {
      const x = inputs(c, 1);
      const out = new Float32Array(x.q.length);
      const lse = new Float32Array(c.heads * c.t);
      assert.throws(() => k.attentionForward(c, x.q.subarray(1), x.k, x.v, null, out, lse), /attentionForward: .*'q'/);
      assert.throws(
        () => k.attentionForward({ ...c, kvHeads: 3 }, x.q, x.k, x.v, null, out, lse),
        /attentionForward: heads \(4\) must be a multiple of kvHeads \(3\)/,
      );
      assert.throws(
        () => k.attentionForward(c, x.q, x.k, x.v, new Int32Array(3), out, lse),
        /attentionForward: .*'segments'/,
      );
      assert.throws(
        () => k.attentionBackward(c, x.q, x.k, x.v, null, out, lse, x.dout, new Float32Array(4), x.k, x.v),
        /attentionBackward: .*'dq'/,
      );
      const width = c.kvHeads * c.headDim;
      const cache = new Float32Array(10 * width);
      assert.throws(
        () => k.attentionCached(2, 9, c.heads, c.kvHeads, c.headDim, 1, x.q, cache, cache, width, out),
        /attentionCached: .*'kCache'/,
      );
      assert.throws(
        () => k.attentionCached(1, 0, c.heads, c.kvHeads, c.headDim, 1, x.q, cache, cache, width - 1, out),
        /attentionCached: ldKv/,
      );
      assert.throws(
        () => k.attentionCached(1, 0, 3, 2, c.headDim, 1, x.q, cache, cache, width, out),
        /attentionCached: heads/,
      );
      k.attentionForward(c, x.q, x.k, x.v, null, out, lse);
      assert.ok(out.every(Number.isFinite), 'a valid call still works after the errors');
    });
  }
});
