// The architecture as data: a resolved description of one transformer family that the single
// layer body (layer.ts) follows — norm placement, biases, q/k norm, RoPE variant and scaling,
// partial rotary, per-layer sliding windows and RoPE bases, activation, embedding scale, logit
// soft-capping. A plain LLaMA shape (what lmlab trains) is `llamaArchitecture(config)`; the
// Hugging Face families resolve theirs from config.json (hf-config.ts).
//
// RoPE scaling follows the formulas of each variant (linear: positions / factor; dynamic NTK:
// base grows with the sequence length beyond the original context; llama3: per-frequency
// wavelength bands; yarn: NTK-by-parts ramp between interpolation and extrapolation plus an
// attention factor on cos/sin). Not here: weights, kernels, file formats.
import { type LlamaConfig, headDim } from './config.ts';

export type Family = 'llama' | 'mistral' | 'qwen2' | 'qwen3' | 'gemma2' | 'gemma3' | 'phi3';
export type Activation = 'silu' | 'gelu_tanh';

export type RopeScaling =
  | { type: 'default' }
  | { type: 'linear'; factor: number }
  | { type: 'dynamic'; factor: number; originalMax: number }
  | { type: 'llama3'; factor: number; lowFreqFactor: number; highFreqFactor: number; originalMax: number }
  | {
      type: 'yarn';
      factor: number;
      originalMax: number;
      betaFast: number;
      betaSlow: number;
      attentionFactor: number;
      truncate: boolean;
    }
  /** per-frequency divisors stored in a llama.cpp file (rope_freqs.weight, llama3-style) */
  | { type: 'factors'; factors: number[] };

export interface RopeSpec {
  theta: number;
  scaling: RopeScaling;
}

export interface Architecture {
  family: Family;
  /** attention q/k/v projections carry a bias (Qwen2) */
  qkvBias: boolean;
  /** attention output and MLP projections carry biases */
  oBias: boolean;
  mlpBias: boolean;
  /** per-head RMSNorm of queries and keys before RoPE (Qwen3, Gemma 3) */
  qkNorm: boolean;
  /** Gemma 2/3 sandwich: norms on the sublayer outputs too (post-attention, pre/post-FFN) */
  postNorms: boolean;
  /** RMSNorm weights stored as w with the scale 1 + w (Gemma); the loader folds the 1 in */
  normUnitOffset: boolean;
  activation: Activation;
  /** RoPE of full-attention layers, and of sliding-window layers (own base in Gemma 3) */
  rope: RopeSpec;
  ropeLocal: RopeSpec;
  /** rotated dimensions per head (partial rotary when < headDim), even */
  rotaryDim: number;
  /** per layer: attention window in tokens (a key at distance ≥ window is masked), 0 = full */
  windows: Int32Array;
  /** the embedding output is multiplied by this (Gemma: sqrt(dim)) */
  embedScale: number;
  /** softmax scale of attention scores (1/sqrt(headDim) unless query_pre_attn_scalar) */
  attnScale: number;
  /** cap·tanh(x/cap) on attention scores and on the final logits; 0 = none */
  attnSoftcap: number;
  finalSoftcap: number;
  /** the backward pass implements this family (plain LLaMA shape) */
  trainable: boolean;
}

/** The plain LLaMA shape lmlab trains: every optional feature off. */
export function llamaArchitecture(c: LlamaConfig): Architecture {
  const hd = headDim(c);
  const rope: RopeSpec = { theta: c.ropeTheta, scaling: { type: 'default' } };
  return {
    family: 'llama',
    qkvBias: false,
    oBias: false,
    mlpBias: false,
    qkNorm: false,
    postNorms: false,
    normUnitOffset: false,
    activation: 'silu',
    rope,
    ropeLocal: rope,
    rotaryDim: hd,
    windows: new Int32Array(c.layers),
    embedScale: 1,
    attnScale: 1 / Math.sqrt(hd),
    attnSoftcap: 0,
    finalSoftcap: 0,
    trainable: true,
  };
}

/** Whether a layer's computation is the native fast path: standard RoPE over the full head. */
export function plainRope(arch: Architecture, spec: RopeSpec, hd: number): boolean {
  return spec.scaling.type === 'default' && arch.rotaryDim === hd;
}

/** True when the architecture is exactly the plain LLaMA shape (every kernel fast path applies). */
export function isPlainLlama(arch: Architecture, c: LlamaConfig): boolean {
  const hd = headDim(c);
  return (
    !arch.qkvBias &&
    !arch.oBias &&
    !arch.mlpBias &&
    !arch.qkNorm &&
    !arch.postNorms &&
    arch.activation === 'silu' &&
    plainRope(arch, arch.rope, hd) &&
    arch.windows.every((w) => w === 0) &&
    arch.embedScale === 1 &&
    Math.abs(arch.attnScale * Math.sqrt(hd) - 1) < 1e-12 &&
    arch.attnSoftcap === 0 &&
    arch.finalSoftcap === 0
  );
}

/**
 * Inverse frequencies (rotaryDim/2 of them) and the cos/sin multiplier of a RoPE variant, for a
 * forward pass whose largest position + 1 is seqLen (only dynamic NTK depends on it).
 */
export function ropeFrequencies(
  spec: RopeSpec,
  rotaryDim: number,
  seqLen: number,
): { invFreq: Float64Array; attentionFactor: number } {
  const half = rotaryDim / 2;
  const invFreq = new Float64Array(half);
  const s = spec.scaling;
  let base = spec.theta;
  if (s.type === 'dynamic' && seqLen > s.originalMax) {
    base = spec.theta * ((s.factor * seqLen) / s.originalMax - (s.factor - 1)) ** (rotaryDim / (rotaryDim - 2));
  }
  for (let i = 0; i < half; i++) invFreq[i] = 1 / base ** ((2 * i) / rotaryDim);
  let attentionFactor = 1;
  if (s.type === 'factors') {
    for (let i = 0; i < half; i++) invFreq[i] /= s.factors[i] ?? 1;
  } else if (s.type === 'linear') {
    for (let i = 0; i < half; i++) invFreq[i] /= s.factor;
  } else if (s.type === 'llama3') {
    const lowWavelen = s.originalMax / s.lowFreqFactor;
    const highWavelen = s.originalMax / s.highFreqFactor;
    for (let i = 0; i < half; i++) {
      const wavelen = (2 * Math.PI) / invFreq[i];
      if (wavelen > lowWavelen) {
        invFreq[i] /= s.factor; // long wavelengths: interpolate
      } else if (wavelen >= highWavelen) {
        const smooth = (s.originalMax / wavelen - s.lowFreqFactor) / (s.highFreqFactor - s.lowFreqFactor);
        invFreq[i] = (1 - smooth) * (invFreq[i] / s.factor) + smooth * invFreq[i];
      }
    }
  } else if (s.type === 'yarn') {
    // NTK-by-parts: dimensions that rotate fewer than betaSlow times over the original context
    // are interpolated, those rotating more than betaFast times are kept, a linear ramp between.
    const correction = (rotations: number) =>
      (rotaryDim * Math.log(s.originalMax / (rotations * 2 * Math.PI))) / (2 * Math.log(spec.theta));
    let low = correction(s.betaFast);
    let high = correction(s.betaSlow);
    if (s.truncate) {
      low = Math.floor(low);
      high = Math.ceil(high);
    }
    low = Math.max(low, 0);
    high = Math.min(high, rotaryDim - 1);
    if (low === high) high += 0.001;
    for (let i = 0; i < half; i++) {
      const ramp = Math.min(1, Math.max(0, (i - low) / (high - low)));
      const extrapolationWeight = 1 - ramp;
      const extrapolated = invFreq[i];
      const interpolated = invFreq[i] / s.factor;
      invFreq[i] = interpolated * (1 - extrapolationWeight) + extrapolated * extrapolationWeight;
    }
    attentionFactor = s.attentionFactor;
  }
  return { invFreq, attentionFactor };
}
