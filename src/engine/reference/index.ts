// The plain-TypeScript reference implementation of every kernel: slow, direct transcriptions
// of the formulas in kernels.ts, used by the tests as the oracle for the native addon and as a
// fallback nobody should need for speed.
import type { Kernels } from '../kernels.ts';
import { gemmReference } from './gemm.ts';
import { elementwiseReference } from './elementwise.ts';
import { attentionReference } from './attention.ts';
import { quantReference } from './quant.ts';
import { halfReference } from './half.ts';

export function createReferenceKernels(): Kernels {
  return {
    name: 'reference',
    prefersInterleaved: false,
    ...gemmReference,
    ...elementwiseReference,
    ...attentionReference,
    ...quantReference,
    ...halfReference,
  };
}
