// Reference matrix products: the textbook triple loop over the GemmArgs contract, accumulating
// in double precision so that it is a trustworthy oracle for the native kernels.
// It deliberately does no blocking, vectorising or threading, and checks no shapes (ops.ts does).
import type { GemmArgs, Kernels } from '../kernels.ts';

function gemm(g: GemmArgs): void {
  const { transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc } = g;
  const batch = g.batch ?? 1;
  for (let item = 0; item < batch; item++) {
    const offA = item * (g.strideA ?? 0);
    const offB = item * (g.strideB ?? 0);
    const offC = item * (g.strideC ?? 0);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let sum = 0;
        for (let p = 0; p < k; p++) {
          const aValue = transA ? a[offA + p * lda + i] : a[offA + i * lda + p];
          const bValue = transB ? b[offB + j * ldb + p] : b[offB + p * ldb + j];
          sum += aValue * bValue;
        }
        const at = offC + i * ldc + j;
        // beta = 0 must not read C: 0·NaN would otherwise leak old garbage into the result.
        c[at] = beta === 0 ? alpha * sum : alpha * sum + beta * c[at];
      }
    }
  }
}

function gemv(
  n: number,
  k: number,
  w: Float32Array,
  ldw: number,
  x: Float32Array,
  beta: number,
  y: Float32Array,
): void {
  for (let row = 0; row < n; row++) {
    let sum = 0;
    for (let p = 0; p < k; p++) sum += w[row * ldw + p] * x[p];
    y[row] = beta === 0 ? sum : sum + beta * y[row];
  }
}

export const gemmReference: Pick<Kernels, 'gemm' | 'gemv'> = { gemm, gemv };
