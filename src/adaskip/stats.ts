// Sublayer statistics of the residual stream (AdaSkip importance), collected inside the forward
// pass through the engine's observer hook: per-token cosine of the residual before/after every
// attention and FFN sublayer, the Frobenius norm ratio ‖after‖/‖before‖, and the cosine of each
// whole layer's input and output (ShortGPT Block Influence = 1 − that cosine).
//
// Per request the cosines are averaged over tokens and the norms summed over the whole [T, d]
// tensor; across requests every value is a running mean with equal weight per request. Scratch
// is allocated once per distinct row count (chunk size, tail, 1), never per token. When no
// collector is installed the forward pass does no extra work at all.
//
// Not here: ranking, thresholds or skipping (plan.ts, controller.ts), profiles on disk.
import * as ops from '../engine/ops.ts';
import { Tensor } from '../engine/tensor.ts';
import type { SublayerHooks, SublayerKind } from '../model/llama.ts';

/** Index of a sublayer in the joint ranking over all 2L sublayers: 2l (attention), 2l+1 (FFN). */
export function sublayerIndex(layer: number, kind: SublayerKind): number {
  return 2 * layer + (kind === 'ffn' ? 1 : 0);
}

export interface SublayerStatistics {
  /** requests averaged so far */
  requests: number;
  /** tokens seen over all requests */
  tokens: number;
  /** mean over requests of the per-request mean token cosine, [2L] */
  similarity: Float64Array;
  /** mean over requests of ‖after‖_F / ‖before‖_F, [2L] */
  ratio: Float64Array;
  /** mean over requests of the mean token cosine of layer input vs output, [L] */
  layerSimilarity: Float64Array;
}

interface RowScratch {
  cos: Float32Array;
  normBefore: Float32Array;
  normAfter: Float32Array;
  layerInput: Tensor;
}

export class SublayerStatsCollector {
  readonly hooks: SublayerHooks;
  private readonly cosSum: Float64Array;
  private readonly sqBefore: Float64Array;
  private readonly sqAfter: Float64Array;
  private readonly layerCosSum: Float64Array;
  private requestTokens = 0;
  private open = false;
  private readonly mean: SublayerStatistics;
  private layerInputStore: Float32Array = new Float32Array(0);
  private readonly scratchByRows = new Map<number, RowScratch>();

  constructor(
    readonly layers: number,
    readonly dim: number,
  ) {
    const n = 2 * layers;
    this.cosSum = new Float64Array(n);
    this.sqBefore = new Float64Array(n);
    this.sqAfter = new Float64Array(n);
    this.layerCosSum = new Float64Array(layers);
    this.mean = {
      requests: 0,
      tokens: 0,
      similarity: new Float64Array(n),
      ratio: new Float64Array(n),
      layerSimilarity: new Float64Array(layers),
    };
    this.hooks = { observe: (layer, kind, before, after) => this.observe(layer, kind, before, after) };
  }

  /** Starts a request: the next forward passes are averaged into one value per sublayer. */
  startRequest(): void {
    this.cosSum.fill(0);
    this.sqBefore.fill(0);
    this.sqAfter.fill(0);
    this.layerCosSum.fill(0);
    this.requestTokens = 0;
    this.open = true;
  }

  /** Folds the current request into the running means (equal weight per request). */
  finishRequest(): void {
    if (!this.open) throw new Error('adaskip statistics: finishRequest without startRequest');
    this.open = false;
    const t = this.requestTokens;
    if (t === 0) throw new Error('adaskip statistics: a calibration request saw no tokens');
    const m = this.mean;
    const k = m.requests;
    const fold = (avg: number, value: number) => (avg * k + value) / (k + 1);
    for (let i = 0; i < m.similarity.length; i++) {
      m.similarity[i] = fold(m.similarity[i], this.cosSum[i] / t);
      const ratio = this.sqBefore[i] > 0 ? Math.sqrt(this.sqAfter[i] / this.sqBefore[i]) : 1;
      m.ratio[i] = fold(m.ratio[i], ratio);
    }
    for (let l = 0; l < this.layers; l++) m.layerSimilarity[l] = fold(m.layerSimilarity[l], this.layerCosSum[l] / t);
    m.requests = k + 1;
    m.tokens += t;
  }

  /** A copy of the running means. */
  statistics(): SublayerStatistics {
    const m = this.mean;
    return {
      requests: m.requests,
      tokens: m.tokens,
      similarity: Float64Array.from(m.similarity),
      ratio: Float64Array.from(m.ratio),
      layerSimilarity: Float64Array.from(m.layerSimilarity),
    };
  }

  private scratch(rows: number): RowScratch {
    let s = this.scratchByRows.get(rows);
    if (s) return s;
    if (this.layerInputStore.length < rows * this.dim) this.layerInputStore = new Float32Array(rows * this.dim);
    // every cached layerInput view must point at the current store
    for (const [r, old] of this.scratchByRows)
      old.layerInput = new Tensor(this.layerInputStore.subarray(0, r * this.dim), [r, this.dim]);
    s = {
      cos: new Float32Array(rows),
      normBefore: new Float32Array(rows),
      normAfter: new Float32Array(rows),
      layerInput: new Tensor(this.layerInputStore.subarray(0, rows * this.dim), [rows, this.dim]),
    };
    this.scratchByRows.set(rows, s);
    return s;
  }

  private observe(layer: number, kind: SublayerKind, before: Tensor, after: Tensor): void {
    if (!this.open) return;
    const rows = before.shape[0];
    const s = this.scratch(rows);
    const i = sublayerIndex(layer, kind);
    ops.rowCosine(before, after, s.cos, s.normBefore, s.normAfter);
    let cos = 0;
    let sqB = 0;
    let sqA = 0;
    for (let r = 0; r < rows; r++) {
      cos += s.cos[r];
      sqB += s.normBefore[r] * s.normBefore[r];
      sqA += s.normAfter[r] * s.normAfter[r];
    }
    this.cosSum[i] += cos;
    this.sqBefore[i] += sqB;
    this.sqAfter[i] += sqA;
    if (kind === 'attn') {
      // the engine reuses the layer-input buffer for the layer output: keep a copy
      s.layerInput.data.set(before.data);
    } else {
      ops.rowCosine(s.layerInput, after, s.cos, null, null);
      let layerCos = 0;
      for (let r = 0; r < rows; r++) layerCos += s.cos[r];
      this.layerCosSum[layer] += layerCos;
      if (layer === this.layers - 1) this.requestTokens += rows;
    }
  }
}
