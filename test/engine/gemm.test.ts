// The native GEMM/GEMV against the plain-TypeScript reference: odd shapes and shapes crossing
// the native blocking edges, all four trans combinations, padded leading dimensions, batching,
// alpha/beta (beta = 0 over NaN), the vector-shaped fast paths, and argument errors.
// It does not measure speed beyond one side-by-side ratio (power-of-two vs odd GEMV stride);
// bench/kernels.ts does that.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/util/rng.ts';
import type { GemmArgs } from '../../src/engine/kernels.ts';
import { loadAddon } from '../../src/engine/native.ts';
import { assertClose, native, randn, reference } from './helpers.ts';

interface Blocking {
  mr: number;
  nr: number;
  kc: number;
  mc: number;
  nc: number;
}
const blocking = (loadAddon().gemmInfo as () => Blocking)();

interface Case {
  m: number;
  n: number;
  k: number;
  transA: boolean;
  transB: boolean;
  /** extra elements per row beyond what each operand needs */
  padA?: number;
  padB?: number;
  padC?: number;
  alpha?: number;
  beta?: number;
  batch?: number;
  /** extra elements between batch items */
  gap?: number;
  /** fill C with NaN before the call (meaningful with beta = 0) */
  nanC?: boolean;
}

const SENTINEL = 12345.5;

/** Runs one case through both implementations and compares all of C, padding included. */
function check(rng: Rng, c: Case): void {
  const { m, n, k, transA, transB } = c;
  const lda = (transA ? m : k) + (c.padA ?? 0);
  const ldb = (transB ? k : n) + (c.padB ?? 0);
  const ldc = n + (c.padC ?? 0);
  const batch = c.batch ?? 1;
  const gap = c.gap ?? 0;
  const spanA = ((transA ? k : m) - 1) * lda + (transA ? m : k);
  const spanB = ((transB ? n : k) - 1) * ldb + (transB ? k : n);
  const spanC = (m - 1) * ldc + n;
  const strideA = spanA + gap;
  const strideB = spanB + gap;
  const strideC = spanC + gap;
  // Views at an offset, so that byteOffset handling is exercised too.
  const a = randn(rng, 3 + batch * strideA).subarray(3);
  const b = randn(rng, 5 + batch * strideB).subarray(5);
  const cInit = new Float32Array(batch * strideC).fill(SENTINEL);
  for (let item = 0; item < batch; item++) {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) cInit[item * strideC + i * ldc + j] = c.nanC ? Number.NaN : rng.normal();
    }
  }
  const args: Omit<GemmArgs, 'c'> = {
    transA,
    transB,
    m,
    n,
    k,
    alpha: c.alpha ?? 1,
    a,
    lda,
    b,
    ldb,
    beta: c.beta ?? 0,
    ldc,
    batch,
    strideA,
    strideB,
    strideC,
  };
  const cNative = cInit.slice();
  const cReference = cInit.slice();
  native.gemm({ ...args, c: cNative });
  reference.gemm({ ...args, c: cReference });
  const label = `gemm ${m}x${n}x${k} tA=${transA} tB=${transB} lda=${lda} ldb=${ldb} ldc=${ldc} batch=${batch}`;
  // float32 sums of k products drift by about k·eps relative to their magnitude.
  assertClose(cNative, cReference, label, 1e-4, 1e-5 * Math.max(1, Math.sqrt(k)) * 4);
}

const TRANS: [boolean, boolean][] = [
  [false, false],
  [false, true],
  [true, false],
  [true, true],
];

test('gemm matches the reference on odd shapes, all trans combinations', () => {
  const rng = new Rng(1);
  const shapes = [
    [1, 1, 1],
    [3, 13, 37],
    [37, 100, 13],
    [13, 3, 100],
    [100, 37, 1],
    [1, 100, 37],
    [100, 1, 37],
    [3, 1, 13],
  ];
  for (const [m, n, k] of shapes) {
    for (const [transA, transB] of TRANS) check(rng, { m, n, k, transA, transB, alpha: 0.75, beta: 0.5 });
  }
});

test('gemm matches the reference across the native block edges', () => {
  const rng = new Rng(2);
  const { mr, nr, kc, mc, nc } = blocking;
  const shapes = [
    [mr + 1, nr + 1, kc + 1],
    [mc + mr + 3, 2 * nr + 5, 2 * kc + 7],
    [2 * mr - 1, nc + nr + 1, 9],
    [4 * mr, 4 * nr, 64],
  ];
  for (const [m, n, k] of shapes) {
    for (const [transA, transB] of TRANS) check(rng, { m, n, k, transA, transB, alpha: -1.25, beta: 0.25 });
  }
});

test('gemm honours leading dimensions larger than needed and leaves the padding alone', () => {
  const rng = new Rng(3);
  for (const [transA, transB] of TRANS) {
    check(rng, { m: 37, n: 45, k: 29, transA, transB, padA: 3, padB: 5, padC: 7, beta: 1 });
    // Power-of-two leading dimensions, the case that upsets caches.
    check(rng, {
      m: 40,
      n: 64,
      k: 100,
      transA,
      transB,
      padA: 512 - (transA ? 40 : 100),
      padB: 128 - (transB ? 100 : 64),
      padC: 64,
    });
  }
});

test('gemm batches with strides, small (one product per thread) and large (threads inside)', () => {
  const rng = new Rng(4);
  for (const [transA, transB] of TRANS) {
    check(rng, { m: 13, n: 17, k: 19, transA, transB, batch: 5, gap: 11, padC: 2, alpha: 0.5, beta: -1 });
  }
  check(rng, { m: 136, n: 200, k: 160, transA: false, transB: true, batch: 2, gap: 3, beta: 0.5 });
  check(rng, { m: 136, n: 200, k: 160, transA: true, transB: false, batch: 2, gap: 0 });
});

test('beta = 0 ignores NaN in C on every path', () => {
  const rng = new Rng(5);
  const shapes = [
    [1, 300, 70],
    [70, 1, 33],
    [37, 45, 29],
    [9, 33, 0],
    [129, 70, 300],
  ];
  for (const [m, n, k] of shapes) {
    for (const [transA, transB] of TRANS) check(rng, { m, n, k, transA, transB, beta: 0, nanC: true, padC: 3 });
  }
  // alpha = 0 and k = 0 reduce to C = beta·C.
  const c = new Float32Array([Number.NaN, 2, 3, 4]);
  native.gemm({
    transA: false,
    transB: false,
    m: 2,
    n: 2,
    k: 3,
    alpha: 0,
    a: new Float32Array(6),
    lda: 3,
    b: new Float32Array(6),
    ldb: 2,
    beta: 0,
    c,
    ldc: 2,
  });
  assert.deepEqual(Array.from(c), [0, 0, 0, 0]);
});

function checkGemv(rng: Rng, n: number, k: number, ldw: number, beta: number): void {
  const w = randn(rng, (n - 1) * ldw + k);
  const x = randn(rng, k);
  const yInit = beta === 0 ? new Float32Array(n).fill(Number.NaN) : randn(rng, n);
  const yNative = yInit.slice();
  const yReference = yInit.slice();
  native.gemv(n, k, w, ldw, x, beta, yNative);
  reference.gemv(n, k, w, ldw, x, beta, yReference);
  assertClose(yNative, yReference, `gemv n=${n} k=${k} ldw=${ldw} beta=${beta}`, 1e-4, 1e-4);
}

test('gemv matches the reference with odd and power-of-two strides', () => {
  const rng = new Rng(6);
  for (const beta of [0, 0.5]) {
    checkGemv(rng, 37, 37, 37, beta);
    checkGemv(rng, 100, 13, 17, beta);
    checkGemv(rng, 3, 1, 1, beta);
    checkGemv(rng, 61, 512, 512, beta);
    checkGemv(rng, 45, 1000, 1024, beta);
    checkGemv(rng, 131, 2048, 2048, beta);
    checkGemv(rng, 130, 2049, 2051, beta);
  }
  // x·Wᵀ through gemm takes the same path, with alpha.
  check(rng, { m: 1, n: 257, k: 512, transA: false, transB: true, alpha: 0.5, beta: 0.25 });
  check(rng, { m: 1, n: 64, k: 1024, transA: true, transB: true, padB: 1024, beta: 0, nanC: true });
});

test('gemv does not collapse on a power-of-two row stride', () => {
  const rng = new Rng(7);
  const n = 1024;
  const k = 1024;
  const time = (ldw: number): (() => number) => {
    const w = randn(rng, n * ldw);
    const x = randn(rng, k);
    const y = new Float32Array(n);
    return () => {
      const start = process.hrtime.bigint();
      native.gemv(n, k, w, ldw, x, 0, y);
      return Number(process.hrtime.bigint() - start);
    };
  };
  const powerOfTwo = time(1024);
  const odd = time(1031);
  let bestPowerOfTwo = Infinity;
  let bestOdd = Infinity;
  // Interleaved best-of-N: other processes on the machine hit both sides alike.
  for (let i = 0; i < 40; i++) {
    bestPowerOfTwo = Math.min(bestPowerOfTwo, powerOfTwo());
    bestOdd = Math.min(bestOdd, odd());
  }
  assert.ok(
    bestPowerOfTwo < 2.5 * bestOdd,
    `gemv with ldw 1024 took ${bestPowerOfTwo} ns, with ldw 1031 ${bestOdd} ns`,
  );
});

test('bad arguments throw an error naming the op, and the process carries on', () => {
  const ok: GemmArgs = {
    transA: false,
    transB: false,
    m: 2,
    n: 3,
    k: 4,
    alpha: 1,
    a: new Float32Array(8),
    lda: 4,
    b: new Float32Array(12),
    ldb: 3,
    beta: 0,
    c: new Float32Array(6),
    ldc: 3,
  };
  assert.throws(() => native.gemm({ ...ok, a: new Float32Array(7) }), /^Error: gemm: argument 'a' has 7 elements/);
  assert.throws(() => native.gemm({ ...ok, c: new Float32Array(5) }), /^Error: gemm: argument 'c'/);
  assert.throws(
    () => native.gemm({ ...ok, b: new Float64Array(12) as unknown as Float32Array }),
    /gemm: argument 'b' must be a Float32Array/,
  );
  assert.throws(() => native.gemm({ ...ok, m: -1 }), /gemm: argument 'm' must be an integer >= 0/);
  assert.throws(() => native.gemm({ ...ok, k: 2.5 }), /gemm: argument 'k'/);
  assert.throws(() => native.gemm({ ...ok, lda: 3 }), /gemm: lda 3 is smaller/);
  assert.throws(
    () => native.gemm({ ...ok, batch: 2, strideA: 8, strideB: 12, strideC: 6 }),
    /gemm: argument 'a' has 8 elements/,
  );
  assert.throws(
    () => native.gemm({ ...ok, batch: 2, strideA: 0, strideB: 0, strideC: 2, c: new Float32Array(20) }),
    /gemm: strideC 2/,
  );
  assert.throws(
    () => native.gemv(4, 3, new Float32Array(11), 3, new Float32Array(3), 0, new Float32Array(4)),
    /^Error: gemv: argument 'w'/,
  );
  assert.throws(
    () => native.gemv(4, 3, new Float32Array(12), 2, new Float32Array(3), 0, new Float32Array(4)),
    /gemv: ldw 2/,
  );
  assert.throws(
    () => native.gemv(-4, 3, new Float32Array(12), 3, new Float32Array(3), 0, new Float32Array(4)),
    /gemv: argument 'n'/,
  );
  // Still alive and still correct.
  const a = new Float32Array([1, 2, 3, 4, 5, 6, 7, 8]);
  const b = new Float32Array(12).fill(1);
  const c = new Float32Array(6);
  native.gemm({ ...ok, a, b, c });
  assert.deepEqual(Array.from(c), [10, 10, 10, 26, 26, 26]);
});
