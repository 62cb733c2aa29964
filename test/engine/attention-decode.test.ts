// Attention over a KV cache at long contexts, F32 and F16 caches, native against the reference:
// decode (one to a few queries, the split-KV kernel) at 8,192 keys with several head counts and
// grouped-query ratios, odd lengths around the vector and block sizes, padded cache rows, prefill
// through the tiles over an F16 cache, several pool sizes (child processes with LMLAB_THREADS),
// and the half conversions (every binary16 pattern; rounding ties, subnormals, overflow).
// The F16 reference is fed the same half values, so both sides attend over identical numbers.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Rng } from '../../src/util/rng.ts';
import type { Kernels } from '../../src/engine/kernels.ts';
import { assertClose, native, randn, reference } from './helpers.ts';

interface Problem {
  heads: number;
  kvHeads: number;
  headDim: number;
  past: number;
  tq: number;
  /** extra floats at the end of every cache row (ldKv = kvHeads·headDim + pad) */
  pad: number;
}

/** Queries and a cache (with padding and a poisoned spare row) for one problem; seeded. */
function makeInputs(p: Problem, seed: number) {
  const rng = new Rng(seed);
  const width = p.kvHeads * p.headDim;
  const ldKv = width + p.pad;
  const rows = p.past + p.tq + 1;
  const k = randn(rng, rows * ldKv);
  const v = randn(rng, rows * ldKv);
  // far-away values in the padding and the row after the cache: reading them would show
  for (let r = 0; r < rows; r++) for (let d = width; d < ldKv; d++) k[r * ldKv + d] = v[r * ldKv + d] = 1e4;
  k.fill(1e4, (rows - 1) * ldKv);
  v.fill(1e4, (rows - 1) * ldKv);
  const q = randn(rng, p.tq * p.heads * p.headDim, 2);
  return { q, k, v, ldKv };
}

function toHalf(k: Kernels, x: Float32Array): Uint16Array {
  const out = new Uint16Array(x.length);
  k.f32ToF16(x.length, x, out);
  return out;
}

function solve(k: Kernels, p: Problem, precision: 'f32' | 'f16', seed: number): Float32Array {
  const x = makeInputs(p, seed);
  const out = new Float32Array(p.tq * p.heads * p.headDim).fill(Number.NaN);
  const scale = 1 / Math.sqrt(p.headDim);
  if (precision === 'f32')
    k.attentionCached(p.tq, p.past, p.heads, p.kvHeads, p.headDim, scale, x.q, x.k, x.v, x.ldKv, out);
  else {
    // both sides get the native rounding (the conversions are compared on their own below)
    const kh = toHalf(native, x.k);
    const vh = toHalf(native, x.v);
    k.attentionCachedF16(p.tq, p.past, p.heads, p.kvHeads, p.headDim, scale, x.q, kh, vh, x.ldKv, out);
  }
  return out;
}

const label = (p: Problem) =>
  `${p.heads} heads / ${p.kvHeads} kv heads, D ${p.headDim}, past ${p.past}, ${p.tq} new${p.pad ? `, row pad ${p.pad}` : ''}`;

const LONG: Problem[] = [
  { heads: 8, kvHeads: 8, headDim: 64, past: 8191, tq: 1, pad: 0 },
  { heads: 8, kvHeads: 2, headDim: 64, past: 8191, tq: 1, pad: 0 },
  { heads: 6, kvHeads: 1, headDim: 48, past: 8190, tq: 2, pad: 0 },
  { heads: 4, kvHeads: 2, headDim: 128, past: 8192, tq: 1, pad: 16 },
];

const ODD: Problem[] = [
  ...[0, 1, 15, 16, 17, 31, 255, 256, 257, 1023, 1337].map((past) => ({
    heads: 4,
    kvHeads: 2,
    headDim: 32,
    past,
    tq: 1,
    pad: 0,
  })),
  { heads: 4, kvHeads: 4, headDim: 40, past: 333, tq: 3, pad: 3 }, // D not a whole vector
  { heads: 3, kvHeads: 1, headDim: 20, past: 77, tq: 1, pad: 1 },
  { heads: 2, kvHeads: 2, headDim: 16, past: 2, tq: 8, pad: 0 }, // the most queries decode takes
  { heads: 4, kvHeads: 2, headDim: 64, past: 100, tq: 200, pad: 5 }, // prefill through the tiles
  { heads: 2, kvHeads: 1, headDim: 24, past: 0, tq: 130, pad: 0 },
];

// Child mode (the pool-size test below): print the native results under this process's pool
// size and define no tests.
const CHILD = process.env.LMLAB_DECODE_TEST_CHILD === '1';
const CHILD_PROBLEMS: Problem[] = [LONG[1], ODD[8], ODD[11], { ...LONG[0], past: 3000 }];
if (CHILD) {
  const results = CHILD_PROBLEMS.flatMap((p, i) =>
    (['f32', 'f16'] as const).map((precision) => Array.from(solve(native, p, precision, 300 + i))),
  );
  process.stdout.write(`RESULTS ${JSON.stringify(results)}\n`);
} else {
  describe('attention over a long KV cache equals the reference', () => {
    for (const precision of ['f32', 'f16'] as const) {
      for (const [i, p] of LONG.entries()) {
        it(`${precision}: ${label(p)}`, () => {
          assertClose(
            solve(native, p, precision, 100 + i),
            solve(reference, p, precision, 100 + i),
            label(p),
            3e-4,
            3e-5,
          );
        });
      }
    }
  });

  describe('odd lengths, head dims and row padding', () => {
    for (const precision of ['f32', 'f16'] as const) {
      it(`${precision}: ${ODD.length} shapes`, () => {
        for (const [i, p] of ODD.entries())
          assertClose(
            solve(native, p, precision, 200 + i),
            solve(reference, p, precision, 200 + i),
            label(p),
            3e-4,
            3e-5,
          );
      });
    }
  });

  describe('an F16 cache', () => {
    it('gives a result different from the F32 cache, close to it', () => {
      const p = LONG[1];
      const a = solve(native, p, 'f32', 7);
      const b = solve(native, p, 'f16', 7);
      assert.notDeepEqual(a, b);
      assertClose(b, a, 'f16 vs f32', 1e-2, 1e-3);
    });
  });

  describe('pool sizes', () => {
    for (const threads of [1, 3, 5]) {
      it(`LMLAB_THREADS=${threads} gives the reference result`, () => {
        const child = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url)], {
          env: { ...process.env, LMLAB_THREADS: String(threads), LMLAB_DECODE_TEST_CHILD: '1' },
          encoding: 'utf8',
          timeout: 120_000,
        });
        assert.equal(child.status, 0, child.stderr);
        const line = child.stdout.split('\n').find((l) => l.startsWith('RESULTS '));
        assert.ok(line, child.stdout);
        const results = JSON.parse(line.slice(8)) as number[][];
        let n = 0;
        for (const [i, p] of CHILD_PROBLEMS.entries()) {
          for (const precision of ['f32', 'f16'] as const) {
            assertClose(results[n++], solve(reference, p, precision, 300 + i), `${precision} ${label(p)}`, 3e-4, 3e-5);
          }
        }
      });
    }
  });

  describe('half conversions', () => {
    it('f16ToF32: every binary16 pattern, native equals reference', () => {
      const all = Uint16Array.from({ length: 65536 }, (_, i) => i);
      const a = new Float32Array(65536);
      const b = new Float32Array(65536);
      native.f16ToF32(all.length, all, a);
      reference.f16ToF32(all.length, all, b);
      for (let i = 0; i < 65536; i++) {
        if (Number.isNaN(b[i])) assert.ok(Number.isNaN(a[i]), `pattern ${i}`);
        else assert.ok(Object.is(a[i], b[i]), `pattern ${i}: ${a[i]} vs ${b[i]}`);
      }
      assert.equal(b[0x3c00], 1);
      assert.equal(b[0x7bff], 65504);
      assert.equal(b[0x0001], 2 ** -24);
    });

    it('f32ToF16: random values over every exponent, ties, subnormals, overflow', () => {
      const rng = new Rng(5);
      const x = new Float32Array(100_003);
      for (let i = 0; i < x.length; i++) x[i] = rng.normal() * 2 ** (rng.int(50) - 30);
      const special = [
        0,
        -0,
        1,
        1 + 2 ** -11, // a tie: rounds to even (1)
        1 + 3 * 2 ** -11, // a tie: rounds to even (1 + 2^-9)
        65504,
        65519, // rounds down to 65504
        65520, // rounds up to infinity
        -1e9,
        2 ** -24, // smallest subnormal
        2 ** -25, // a tie with 0: rounds to 0
        3 * 2 ** -26, // rounds up to 2^-24
        2 ** -14 - 2 ** -25, // rounds up to the smallest normal
        Number.POSITIVE_INFINITY,
      ];
      x.set(special);
      const a = new Uint16Array(x.length);
      const b = new Uint16Array(x.length);
      native.f32ToF16(x.length, x, a); // odd length: the scalar tail too
      reference.f32ToF16(x.length, x, b);
      assert.deepEqual(a, b);
      assert.deepEqual(
        Array.from(b.subarray(0, special.length), (h) => h.toString(16)),
        ['0', '8000', '3c00', '3c00', '3c02', '7bff', '7bff', '7c00', 'fc00', '1', '0', '1', '400', '7c00'],
      );
    });

    it('bad arguments are errors naming the op', () => {
      for (const k of [native, reference]) {
        assert.throws(() => k.f32ToF16(10, new Float32Array(9), new Uint16Array(10)), /f32ToF16: .*'x'/);
        assert.throws(() => k.f16ToF32(10, new Uint16Array(10), new Float32Array(3)), /f16ToF32: .*'out'/);
        assert.throws(
          () =>
            k.attentionCachedF16(
              1,
              5,
              2,
              1,
              4,
              1,
              new Float32Array(8),
              new Uint16Array(8),
              new Uint16Array(8),
              4,
              new Float32Array(8),
            ),
          /attentionCached: .*'kCache'/,
        );
      }
      assert.throws(
        () =>
          native.attentionCachedF16(
            1,
            0,
            2,
            1,
            4,
            1,
            new Float32Array(8),
            new Float32Array(4) as unknown as Uint16Array,
            new Uint16Array(4),
            4,
            new Float32Array(8),
          ),
        /attentionCached: argument 'vCache' must be a Float32Array/,
      );
    });
  });
}
