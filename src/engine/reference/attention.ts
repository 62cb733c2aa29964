import type { Kernels } from '../kernels.ts';
export const attentionReference = {} as Pick<Kernels, 'attentionForward' | 'attentionBackward' | 'attentionCached'>;
