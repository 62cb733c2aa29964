// Reference elementwise kernels, SwiGLU, AdamW and the double-precision reductions, and the
// assembly of every non-GEMM, non-attention reference kernel (norm.ts, rope.ts, loss.ts).
// Direct transcriptions of the formulas in ../kernels.ts, computed in double; written for
// clarity and as the tests' oracle, never for speed.
import type { Kernels } from '../kernels.ts';
import { count, f32, f32OrNull } from './elementwise-args.ts';
import { lossReference } from './loss.ts';
import { normReference } from './norm.ts';
import { ropeReference } from './rope.ts';

type ElementwiseKernels = Omit<
  Kernels,
  | 'name'
  | 'prefersInterleaved'
  | 'gemm'
  | 'gemv'
  | 'attentionForward'
  | 'attentionBackward'
  | 'attentionCached'
  | 'quantGemv'
  | 'quantGemm'
  | 'quantDequantRows'
  | 'attentionCachedF16'
  | 'f32ToF16'
  | 'f16ToF32'
>;

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

function binary(
  op: string,
  n: number,
  a: Float32Array,
  b: Float32Array,
  out: Float32Array,
  fn: (x: number, y: number) => number,
): void {
  count(op, 'n', n);
  f32(op, 'a', a, n);
  f32(op, 'b', b, n);
  f32(op, 'out', out, n);
  for (let i = 0; i < n; i++) out[i] = fn(a[i], b[i]);
}

const pointwise: Pick<ElementwiseKernels, 'add' | 'mul' | 'scale' | 'axpy' | 'swiglu' | 'swigluBackward'> = {
  add: (n, a, b, out) => binary('add', n, a, b, out, (x, y) => x + y),
  mul: (n, a, b, out) => binary('mul', n, a, b, out, (x, y) => x * y),
  scale(n, a, s, out) {
    count('scale', 'n', n);
    f32('scale', 'a', a, n);
    f32('scale', 'out', out, n);
    for (let i = 0; i < n; i++) out[i] = s * a[i];
  },
  axpy(n, alpha, x, y) {
    count('axpy', 'n', n);
    f32('axpy', 'x', x, n);
    f32('axpy', 'y', y, n);
    for (let i = 0; i < n; i++) y[i] += alpha * x[i];
  },
  swiglu(n, gate, up, out) {
    count('swiglu', 'n', n);
    f32('swiglu', 'gate', gate, n);
    f32('swiglu', 'up', up, n);
    f32('swiglu', 'out', out, n);
    for (let i = 0; i < n; i++) out[i] = gate[i] * sigmoid(gate[i]) * up[i];
  },
  swigluBackward(n, gate, up, dout, dgate, dup) {
    const op = 'swigluBackward';
    count(op, 'n', n);
    for (const [name, array] of [
      ['gate', gate],
      ['up', up],
      ['dout', dout],
      ['dgate', dgate],
      ['dup', dup],
    ] as const) {
      f32(op, name, array, n);
    }
    for (let i = 0; i < n; i++) {
      const g = gate[i];
      const u = up[i];
      const d = dout[i];
      const s = sigmoid(g);
      // d/dg [g·σ(g)] = σ(g) + g·σ(g)·(1 − σ(g))
      dgate[i] = d * u * (s + g * s * (1 - s));
      dup[i] = d * g * s;
    }
  },
};

const optimiser: Pick<ElementwiseKernels, 'adamw'> = {
  adamw(n, param, grad, m, v, lr, beta1, beta2, eps, weightDecay, step, gradScale) {
    const op = 'adamw';
    count(op, 'n', n);
    for (const [name, array] of [
      ['param', param],
      ['grad', grad],
      ['m', m],
      ['v', v],
    ] as const)
      f32(op, name, array, n);
    count(op, 'step', step, 1);
    if (!(beta1 >= 0 && beta1 < 1 && beta2 >= 0 && beta2 < 1))
      throw new Error(`${op}: beta1 and beta2 must lie in [0, 1)`);
    const correction1 = 1 - beta1 ** step;
    const correction2 = 1 - beta2 ** step;
    for (let i = 0; i < n; i++) {
      const g = grad[i] * gradScale;
      m[i] = beta1 * m[i] + (1 - beta1) * g;
      v[i] = beta2 * v[i] + (1 - beta2) * g * g;
      const p = param[i];
      param[i] = p - lr * (m[i] / correction1 / (Math.sqrt(v[i] / correction2) + eps) + weightDecay * p);
    }
  },
};

const reductions: Pick<ElementwiseKernels, 'sumSquares' | 'dot' | 'rowCosine'> = {
  sumSquares(n, a) {
    count('sumSquares', 'n', n);
    f32('sumSquares', 'a', a, n);
    let sum = 0;
    for (let i = 0; i < n; i++) sum += a[i] * a[i];
    return sum;
  },
  dot(n, a, b) {
    count('dot', 'n', n);
    f32('dot', 'a', a, n);
    f32('dot', 'b', b, n);
    let sum = 0;
    for (let i = 0; i < n; i++) sum += a[i] * b[i];
    return sum;
  },
  rowCosine(rows, dim, a, b, out, normA, normB) {
    const op = 'rowCosine';
    count(op, 'rows', rows);
    count(op, 'dim', dim);
    f32(op, 'a', a, rows * dim);
    f32(op, 'b', b, rows * dim);
    f32(op, 'out', out, rows);
    f32OrNull(op, 'normA', normA, rows);
    f32OrNull(op, 'normB', normB, rows);
    for (let r = 0; r < rows; r++) {
      let ab = 0;
      let aa = 0;
      let bb = 0;
      for (let i = 0; i < dim; i++) {
        const x = a[r * dim + i];
        const y = b[r * dim + i];
        ab += x * y;
        aa += x * x;
        bb += y * y;
      }
      const na = Math.sqrt(aa);
      const nb = Math.sqrt(bb);
      const cosine = na > 0 && nb > 0 ? ab / (na * nb) : 0;
      out[r] = Math.max(-1, Math.min(1, cosine));
      if (normA) normA[r] = na;
      if (normB) normB[r] = nb;
    }
  },
};

export const elementwiseReference: ElementwiseKernels = {
  ...pointwise,
  ...normReference,
  ...ropeReference,
  ...lossReference,
  ...optimiser,
  ...reductions,
};
