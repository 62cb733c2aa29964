import type { Kernels } from '../kernels.ts';
export const elementwiseReference = {} as Omit<Kernels, 'name' | 'gemm' | 'gemv' | 'attentionForward' | 'attentionBackward' | 'attentionCached'>;
