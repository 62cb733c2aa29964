import type { Kernels } from '../kernels.ts';
export const gemmReference = {} as Pick<Kernels, 'gemm' | 'gemv'>;
