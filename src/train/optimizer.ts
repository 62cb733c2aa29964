// AdamW over a ParameterSet's flat buffer, with global gradient-norm clipping. Weight decay is
// applied to matrices only (norms and embeddings are excluded unless asked), which is why the
// update runs per parameter range rather than once over the whole buffer.
import { kernels } from '../engine/backend.ts';
import type { ParameterSet } from '../model/params.ts';
import { LmlabError } from '../util/errors.ts';

export interface AdamWSettings {
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  /** clip the global gradient norm to this value (0 = no clipping) */
  clip: number;
  /** also decay embeddings (and a tied head) */
  decayEmbeddings: boolean;
}

export const paperAdamW: AdamWSettings = {
  beta1: 0.9,
  beta2: 0.95,
  eps: 1e-8,
  weightDecay: 0.033,
  clip: 1.0,
  decayEmbeddings: false,
};

export class AdamW {
  readonly m: ParameterSet;
  readonly v: ParameterSet;
  /** optimiser steps taken so far */
  step = 0;

  constructor(
    readonly params: ParameterSet,
    readonly settings: AdamWSettings,
  ) {
    this.m = params.like();
    this.v = params.like();
  }

  /** L2 norm of the whole gradient. */
  static gradNorm(grads: ParameterSet): number {
    return Math.sqrt(kernels().sumSquares(grads.flat.length, grads.flat));
  }

  /** One update with learning rate lr; returns the gradient norm before clipping. */
  update(grads: ParameterSet, lr: number): number {
    const s = this.settings;
    const norm = AdamW.gradNorm(grads);
    if (!Number.isFinite(norm))
      throw new LmlabError(`optimizer: gradient norm is ${norm}; training diverged (lower the learning rate)`);
    const gradScale = s.clip > 0 && norm > s.clip ? s.clip / norm : 1;
    this.step += 1;
    const k = kernels();
    const p = this.params;
    p.specs.forEach((spec, i) => {
      const [offset, size] = p.ranges[i];
      const decays = spec.kind === 'matrix' || (spec.kind === 'embedding' && s.decayEmbeddings);
      k.adamw(
        size,
        p.flat.subarray(offset, offset + size),
        grads.flat.subarray(offset, offset + size),
        this.m.flat.subarray(offset, offset + size),
        this.v.flat.subarray(offset, offset + size),
        lr,
        s.beta1,
        s.beta2,
        s.eps,
        decays ? s.weightDecay : 0,
        this.step,
        gradScale,
      );
    });
    return norm;
  }
}
