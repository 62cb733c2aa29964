// Reference RMSNorm (forward, backward) and softmax: direct transcriptions of the formulas in
// ../kernels.ts, accumulated in double. Written for clarity, not speed.
import type { Kernels } from '../kernels.ts';
import { count, f32, f32OrNull } from './elementwise-args.ts';

export const normReference: Pick<Kernels, 'rmsnorm' | 'rmsnormBackward' | 'softmax'> = {
  rmsnorm(rows, dim, x, weight, eps, out, rstd) {
    const op = 'rmsnorm';
    count(op, 'rows', rows);
    count(op, 'dim', dim, 1);
    f32(op, 'x', x, rows * dim);
    f32(op, 'weight', weight, dim);
    f32(op, 'out', out, rows * dim);
    f32OrNull(op, 'rstd', rstd, rows);
    for (let r = 0; r < rows; r++) {
      let sumSquares = 0;
      for (let i = 0; i < dim; i++) sumSquares += x[r * dim + i] ** 2;
      const inv = 1 / Math.sqrt(sumSquares / dim + eps);
      if (rstd) rstd[r] = inv;
      for (let i = 0; i < dim; i++) out[r * dim + i] = x[r * dim + i] * inv * weight[i];
    }
  },

  rmsnormBackward(rows, dim, x, weight, rstd, dout, dx, dweight) {
    const op = 'rmsnormBackward';
    count(op, 'rows', rows);
    count(op, 'dim', dim, 1);
    f32(op, 'x', x, rows * dim);
    f32(op, 'weight', weight, dim);
    f32(op, 'rstd', rstd, rows);
    f32(op, 'dout', dout, rows * dim);
    f32(op, 'dx', dx, rows * dim);
    f32(op, 'dweight', dweight, dim);
    for (let r = 0; r < rows; r++) {
      const inv = rstd[r];
      // y_i = x_i·r·w_i with r = (mean(x²) + eps)^(−1/2), so ∂r/∂x_j = −r³·x_j/dim.
      let weightedDot = 0;
      for (let i = 0; i < dim; i++) weightedDot += dout[r * dim + i] * weight[i] * x[r * dim + i];
      for (let i = 0; i < dim; i++) {
        const at = r * dim + i;
        dx[at] = inv * weight[i] * dout[at] - ((inv ** 3 * weightedDot) / dim) * x[at];
      }
    }
    for (let i = 0; i < dim; i++) {
      let sum = 0;
      for (let r = 0; r < rows; r++) sum += dout[r * dim + i] * x[r * dim + i] * rstd[r];
      dweight[i] += sum;
    }
  },

  softmax(rows, n, x, out) {
    const op = 'softmax';
    count(op, 'rows', rows);
    count(op, 'n', n);
    f32(op, 'x', x, rows * n);
    f32(op, 'out', out, rows * n);
    for (let r = 0; r < rows; r++) {
      let max = -Infinity;
      for (let i = 0; i < n; i++) max = Math.max(max, x[r * n + i]);
      let sum = 0;
      for (let i = 0; i < n; i++) sum += Math.exp(x[r * n + i] - max);
      for (let i = 0; i < n; i++) out[r * n + i] = Math.exp(x[r * n + i] - max) / sum;
    }
  },
};
