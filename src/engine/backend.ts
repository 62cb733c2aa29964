// Chooses the kernel implementation the engine runs on: the native addon by default, the
// TypeScript reference when LMLAB_KERNELS=reference (for debugging), switchable in tests.
import type { Kernels } from './kernels.ts';
import { createNativeKernels } from './native.ts';
import { createReferenceKernels } from './reference/index.ts';

let active: Kernels | undefined;

export function kernels(): Kernels {
  if (!active) active = process.env.LMLAB_KERNELS === 'reference' ? createReferenceKernels() : createNativeKernels();
  return active;
}

export function useKernels(k: Kernels): void {
  active = k;
}
