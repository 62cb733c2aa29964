// Embedding (lookup and scatter-add backward) and the fused cross-entropy: native against the
// reference, gradients against finite differences, ignored targets and masks, extreme logits,
// and ids or targets out of range.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/util/rng.ts';
import type { Kernels } from '../../src/engine/kernels.ts';
import { assertClose, native, numericGradient, randInts, randn, reference } from './helpers.ts';

const BOTH: Kernels[] = [reference, native];

test('embedding and embeddingBackward match the reference; repeated ids accumulate', () => {
  const rng = new Rng(41);
  // [tokens, dim, vocab]; the last case has many repeats and enough work for the pool.
  const cases: Array<[number, number, number]> = [
    [1, 1, 1],
    [3, 13, 5],
    [37, 17, 7],
    [100, 37, 1000],
    [2000, 100, 50],
  ];
  for (const [tokens, dim, vocab] of cases) {
    const table = randn(rng, vocab * dim);
    const ids = randInts(rng, tokens, vocab);
    const expected = new Float32Array(tokens * dim);
    reference.embedding(tokens, dim, vocab, table, ids, expected);
    const out = new Float32Array(tokens * dim).fill(Number.NaN);
    native.embedding(tokens, dim, vocab, table, ids, out);
    assert.deepEqual(out, expected, `embedding ${tokens}x${dim}`);

    const dout = randn(rng, tokens * dim);
    const start = randn(rng, vocab * dim);
    const expectedTable = Float32Array.from(start);
    reference.embeddingBackward(tokens, dim, vocab, ids, dout, expectedTable);
    const dtable = Float32Array.from(start);
    native.embeddingBackward(tokens, dim, vocab, ids, dout, dtable);
    assertClose(dtable, expectedTable, `embeddingBackward ${tokens}x${dim} vocab ${vocab}`, 1e-5, 1e-5);
  }
});

test('embeddingBackward equals finite differences of embedding, with repeated ids', () => {
  const rng = new Rng(42);
  const [tokens, dim, vocab] = [5, 3, 4];
  const ids = Int32Array.from([2, 0, 2, 3, 2]);
  const table = randn(rng, vocab * dim);
  const dout = randn(rng, tokens * dim);
  const out = new Float32Array(tokens * dim);
  const loss = (): number => {
    reference.embedding(tokens, dim, vocab, table, ids, out);
    let sum = 0;
    for (let i = 0; i < out.length; i++) sum += dout[i] * out[i];
    return sum;
  };
  const numeric = numericGradient(table, loss);
  for (const k of BOTH) {
    const dtable = new Float32Array(vocab * dim);
    k.embeddingBackward(tokens, dim, vocab, ids, dout, dtable);
    assertClose(dtable, numeric, `${k.name} dtable`, 1e-4, 1e-4);
    assert.deepEqual(Array.from(dtable.subarray(dim, 2 * dim)), [0, 0, 0], 'id 1 is never used');
  }
});

test('embedding ids out of range throw, naming the op and the id, and write nothing', () => {
  for (const k of BOTH) {
    const table = new Float32Array(6).fill(1);
    const out = new Float32Array(4).fill(7);
    assert.throws(
      () => k.embedding(2, 2, 3, table, Int32Array.from([0, 3]), out),
      /^Error: embedding: id 3 at token 1 is out of range \[0, 3\)/,
    );
    assert.throws(() => k.embedding(2, 2, 3, table, Int32Array.from([-1, 0]), out), /embedding: id -1 at token 0/);
    assert.deepEqual(Array.from(out), [7, 7, 7, 7]);
    assert.throws(
      () => k.embeddingBackward(1, 2, 3, Int32Array.from([5]), new Float32Array(2), table),
      /embeddingBackward: id 5 at token 0 is out of range/,
    );
    assert.throws(
      () => k.embedding(2, 2, 3, new Float32Array(5), Int32Array.from([0, 1]), out),
      /embedding: argument 'table' has 5/,
    );
  }
});

function crossEntropyCase(rng: Rng, tokens: number, vocab: number, scale: number) {
  const logits = randn(rng, tokens * vocab, scale);
  const targets = randInts(rng, tokens, vocab);
  const mask = new Uint8Array(tokens).fill(1);
  for (let t = 0; t < tokens; t++) {
    if (t % 5 === 1) targets[t] = -1;
    if (t % 7 === 3) mask[t] = 0;
  }
  return { logits, targets, mask };
}

test('crossEntropy matches the reference: losses, count, gradient, aliased gradient', () => {
  const rng = new Rng(43);
  const shapes: Array<[number, number]> = [
    [1, 1],
    [3, 13],
    [5, 37],
    [7, 100],
    [4, 1000],
    [300, 100],
    [2, 32771],
  ];
  for (const [tokens, vocab] of shapes) {
    const { logits, targets, mask } = crossEntropyCase(rng, tokens, vocab, 4);
    for (const useMask of [false, true]) {
      const m = useMask ? mask : null;
      const expectedLosses = new Float32Array(tokens);
      const expectedGrad = new Float32Array(tokens * vocab);
      const expectedCount = reference.crossEntropy(
        tokens,
        vocab,
        logits,
        targets,
        m,
        expectedLosses,
        expectedGrad,
        0.5,
      );
      const losses = new Float32Array(tokens).fill(Number.NaN);
      const grad = new Float32Array(tokens * vocab).fill(Number.NaN);
      const what = `crossEntropy ${tokens}x${vocab}${useMask ? ' masked' : ''}`;
      assert.equal(
        native.crossEntropy(tokens, vocab, logits, targets, m, losses, grad, 0.5),
        expectedCount,
        `${what} count`,
      );
      assertClose(losses, expectedLosses, `${what} losses`, 1e-5, 1e-5);
      assertClose(grad, expectedGrad, `${what} dlogits`, 1e-4, 1e-7);

      const lossesOnly = new Float32Array(tokens);
      native.crossEntropy(tokens, vocab, logits, targets, m, lossesOnly, null, 0.5);
      assertClose(lossesOnly, expectedLosses, `${what} losses without gradient`, 1e-5, 1e-5);

      const inPlace = Float32Array.from(logits);
      native.crossEntropy(tokens, vocab, inPlace, targets, m, losses, inPlace, 0.5);
      assertClose(losses, expectedLosses, `${what} losses, gradient over the logits`, 1e-5, 1e-5);
      assertClose(inPlace, expectedGrad, `${what} dlogits over the logits`, 1e-4, 1e-7);
    }
  }
});

test('crossEntropy gradient equals finite differences of gradScale·Σ losses', () => {
  const rng = new Rng(44);
  const [tokens, vocab] = [3, 5];
  const logits = randn(rng, tokens * vocab);
  const targets = Int32Array.from([4, -1, 0]);
  const losses = new Float32Array(tokens);
  const gradScale = 0.25;
  const loss = (): number => {
    reference.crossEntropy(tokens, vocab, logits, targets, null, losses, null, 1);
    return gradScale * losses.reduce((a, b) => a + b, 0);
  };
  const numeric = numericGradient(logits, loss, 1e-3);
  for (const k of BOTH) {
    const grad = new Float32Array(tokens * vocab);
    assert.equal(k.crossEntropy(tokens, vocab, logits, targets, null, losses, grad, gradScale), 2);
    assertClose(grad, numeric, `${k.name} dlogits`, 2e-3, 2e-4);
    assert.deepEqual(Array.from(grad.subarray(vocab, 2 * vocab)), [0, 0, 0, 0, 0], 'ignored row has zero gradient');
  }
});

test('crossEntropy with every target ignored returns 0 and writes zeros, no NaN', () => {
  const rng = new Rng(45);
  const [tokens, vocab] = [4, 9];
  const logits = randn(rng, tokens * vocab);
  const targets = Int32Array.from([-1, 3, -100, 8]);
  const mask = Uint8Array.from([1, 0, 1, 0]);
  for (const k of BOTH) {
    const losses = new Float32Array(tokens).fill(Number.NaN);
    const grad = new Float32Array(tokens * vocab).fill(Number.NaN);
    assert.equal(k.crossEntropy(tokens, vocab, logits, targets, mask, losses, grad, 1), 0);
    assert.deepEqual(Array.from(losses), [0, 0, 0, 0]);
    assert.ok(
      grad.every((g) => g === 0),
      `${k.name} all-zero gradient`,
    );
  }
});

test('crossEntropy stays finite and exact with logits near ±1e4', () => {
  const vocab = 19;
  const logits = new Float32Array(2 * vocab).fill(-1e4);
  logits[3] = 1e4; // row 0 is certain of its target: loss 0
  logits[vocab + 5] = 1e4; // row 1 puts everything on 5 but targets 6: loss 2e4
  logits[vocab + 6] = -1e4;
  const targets = Int32Array.from([3, 6]);
  for (const k of BOTH) {
    const losses = new Float32Array(2);
    const grad = new Float32Array(2 * vocab);
    assert.equal(k.crossEntropy(2, vocab, logits, targets, null, losses, grad, 1), 2);
    assertClose(losses, [0, 2e4], `${k.name} extreme losses`, 1e-6, 1e-6);
    assert.ok(grad.every(Number.isFinite), `${k.name} finite gradient`);
    assertClose([grad[vocab + 5], grad[vocab + 6]], [1, -1], `${k.name} extreme gradient`, 1e-6, 1e-6);
  }
});

test('crossEntropy rejects out-of-range targets and wrong argument types', () => {
  for (const k of BOTH) {
    const logits = new Float32Array(6);
    const losses = new Float32Array(2);
    assert.throws(
      () => k.crossEntropy(2, 3, logits, Int32Array.from([0, 3]), null, losses, null, 1),
      /^Error: crossEntropy: target 3 at token 1 is out of range for vocab 3/,
    );
    assert.throws(
      () =>
        k.crossEntropy(
          2,
          3,
          logits,
          Int32Array.from([0, 1]),
          new Int32Array(2) as unknown as Uint8Array,
          losses,
          null,
          1,
        ),
      /crossEntropy: argument 'mask' must be a Uint8Array/,
    );
    assert.throws(
      () => k.crossEntropy(2, 3, logits, Int32Array.from([0, 1]), null, losses, new Float32Array(5), 1),
      /crossEntropy: argument 'dlogits' has 5 elements but the shapes need 6/,
    );
    assert.equal(k.crossEntropy(2, 3, logits, Int32Array.from([0, 1]), null, losses, null, 1), 2, 'still working');
    assertClose(losses, [Math.log(3), Math.log(3)], `${k.name} uniform loss`, 1e-6, 1e-7);
  }
});
