// The LLaMA transformer for training: forward and hand-written backward over the engine's ops,
// llm.c style — every activation the backward pass needs lives in a named, preallocated buffer
// of a TrainingWorkspace sized for (rows, tokens per row), so a training step allocates nothing.
//
//   x = embed(tokens)                                     [N, d]    N = rows · t
//   per layer:  x += Attn(RMSNorm(x))   (RoPE, grouped-query heads, block-diagonal causal mask)
//               x += FFN(RMSNorm(x))    (SwiGLU: down(silu(gate·x) ⊙ up·x))
//   logits = RMSNorm(x) · headᵀ                           [N, vocab]
//
// The layer itself is layer.ts's layerForward (shared with prefill and decode); this file holds
// the training workspace, the block-diagonal attention over packed rows, and the backward pass,
// which exists for the plain LLaMA shape only (architectures that are not `trainable` refuse).
// Sublayer hooks (hooks.ts) observe the residual around each sublayer and can replace one by a
// residual scaling (x_after = s · x_before); with none set the forward pass does no extra work.
//
// Not here: KV-cache inference (see src/model/inference.ts), sampling, data loading.
import * as ops from '../engine/ops.ts';
import { Tensor } from '../engine/tensor.ts';
import { LmlabError } from '../util/errors.ts';
import type { Architecture } from './architecture.ts';
import { type LlamaConfig, headDim } from './config.ts';
import type { SublayerHooks } from './hooks.ts';
import { type Attention, type LayerBuffers, ModelWeights, embedForward, headForward, layerForward } from './layer.ts';
import { ParameterSet } from './params.ts';

export type { SublayerHooks, SublayerKind } from './hooks.ts';

/** One micro-batch of packed rows. All arrays have rows · t entries. */
export interface TrainingBatch {
  tokens: Int32Array;
  /** next-token targets; negative = no loss at this position */
  targets: Int32Array;
  /** per-token position for RoPE (restarts at 0 for each document) */
  positions: Int32Array;
  /** document id per token (attention stays inside a document); null = one document per row */
  segments: Int32Array | null;
  /** optional loss mask (0 = excluded), in addition to negative targets */
  lossMask?: Uint8Array | null;
}

interface LayerActivations {
  input: Tensor; // residual entering the layer [N, d]
  rstdAttn: Float32Array; // [N]
  normedAttn: Tensor; // [N, d]
  q: Tensor; // [N, H·hd] after RoPE
  k: Tensor; // [N, Hkv·hd] after RoPE
  v: Tensor; // [N, Hkv·hd]
  attn: Tensor; // [N, H·hd] attention output before o_proj
  lse: Float32Array; // [rows·H·t]
  mid: Tensor; // residual between the sublayers [N, d]
  rstdFfn: Float32Array;
  normedFfn: Tensor; // [N, d]
  gate: Tensor; // [N, F]
  up: Tensor; // [N, F]
  act: Tensor; // [N, F] silu(gate) ⊙ up
  skipAttn: number | null; // residual scale when skipped in this step
  skipFfn: number | null;
}

/** Preallocated activations and scratch for training steps of a fixed (rows, t). */
export class TrainingWorkspace {
  readonly n: number;
  readonly layers: LayerActivations[];
  readonly output: Tensor; // residual after the last layer [N, d]
  readonly rstdFinal: Float32Array;
  readonly normedFinal: Tensor; // [N, d]
  readonly logits: Tensor; // [N, vocab]; overwritten by its gradient in backward
  readonly losses: Float32Array; // [N]
  // backward scratch
  readonly dResidual: Tensor; // [N, d]
  readonly dNormed: Tensor; // [N, d]
  readonly dBranch: Tensor; // [N, d]
  readonly dAttn: Tensor; // [N, H·hd]
  readonly dq: Tensor;
  readonly dk: Tensor;
  readonly dv: Tensor;
  readonly dAct: Tensor; // [N, F]
  readonly dGate: Tensor;
  readonly dUp: Tensor;
  readonly branch: Tensor; // forward scratch for a sublayer's output [N, d]
  /** each layer's buffers as the layer body sees them (views of the activations above) */
  readonly buffers: LayerBuffers[];
  readonly attention: TrainingAttention;

  constructor(
    readonly config: LlamaConfig,
    readonly rows: number,
    readonly t: number,
  ) {
    const c = config;
    const n = rows * t;
    const hd = headDim(c);
    this.n = n;
    const m = (cols: number) => Tensor.zeros([n, cols]);
    this.layers = [];
    for (let l = 0; l < c.layers; l++) {
      this.layers.push({
        input: m(c.dim),
        rstdAttn: new Float32Array(n),
        normedAttn: m(c.dim),
        q: m(c.heads * hd),
        k: m(c.kvHeads * hd),
        v: m(c.kvHeads * hd),
        attn: m(c.heads * hd),
        lse: new Float32Array(rows * c.heads * t),
        mid: m(c.dim),
        rstdFfn: new Float32Array(n),
        normedFfn: m(c.dim),
        gate: m(c.ffnHidden),
        up: m(c.ffnHidden),
        act: m(c.ffnHidden),
        skipAttn: null,
        skipFfn: null,
      });
    }
    this.output = m(c.dim);
    this.rstdFinal = new Float32Array(n);
    this.normedFinal = m(c.dim);
    this.logits = m(c.vocabSize);
    this.losses = new Float32Array(n);
    this.dResidual = m(c.dim);
    this.dNormed = m(c.dim);
    this.dBranch = m(c.dim);
    this.dAttn = m(c.heads * hd);
    this.dq = m(c.heads * hd);
    this.dk = m(c.kvHeads * hd);
    this.dv = m(c.kvHeads * hd);
    this.dAct = m(c.ffnHidden);
    this.dGate = m(c.ffnHidden);
    this.dUp = m(c.ffnHidden);
    this.branch = m(c.dim);
    this.buffers = this.layers.map((a, l) => ({
      x: a.input,
      mid: a.mid,
      out: l + 1 < c.layers ? this.layers[l + 1].input : this.output,
      normedAttn: a.normedAttn,
      normedFfn: a.normedFfn,
      rstdAttn: a.rstdAttn,
      rstdFfn: a.rstdFfn,
      q: a.q,
      qkv: null,
      gateUp: null,
      attn: a.attn,
      branch: this.branch,
      gate: a.gate,
      up: a.up,
      act: a.act,
      qHeads: new Tensor(a.q.data, [n * c.heads, hd]),
      kHeads: new Tensor(a.k.data, [n * c.kvHeads, hd]),
      positions: new Int32Array(0),
      seqLen: t,
      fold: false,
      skipAttn: null,
      skipFfn: null,
    }));
    this.attention = new TrainingAttention(this);
  }
}

/** Training attention: keys/values in the layer's activations, block-diagonal causal over rows. */
class TrainingAttention implements Attention {
  segments: Int32Array | null = null;
  constructor(private readonly ws: TrainingWorkspace) {}
  hasCache(): boolean {
    return true;
  }
  keys(l: number): Tensor {
    return this.ws.layers[l].k;
  }
  values(l: number): Tensor {
    return this.ws.layers[l].v;
  }
  attend(l: number, q: Tensor, attn: Tensor): void {
    const ws = this.ws;
    const c = ws.config;
    const a = ws.layers[l];
    ops.attentionForward(
      { batch: ws.rows, t: ws.t, heads: c.heads, kvHeads: c.kvHeads, headDim: headDim(c) },
      q,
      a.k,
      a.v,
      this.segments,
      attn,
      a.lse,
    );
  }
}

export class LlamaModel {
  readonly params: ParameterSet;
  private weightsView: ModelWeights | null = null;

  constructor(
    readonly config: LlamaConfig,
    params?: ParameterSet,
  ) {
    this.params = params ?? new ParameterSet(config);
    if (this.params.config !== config && JSON.stringify(this.params.config) !== JSON.stringify(config)) {
      throw new Error('LlamaModel: parameters were made for a different config');
    }
  }

  get arch(): Architecture {
    return this.params.arch;
  }

  /** The weights as the layer body reads them (built once). */
  get weights(): ModelWeights {
    this.weightsView ??= new ModelWeights(this.config, this.params.arch, this.params);
    return this.weightsView;
  }

  static initialised(config: LlamaConfig, seed: number): LlamaModel {
    return new LlamaModel(config, new ParameterSet(config).initialise(seed));
  }

  /**
   * Forward pass over a micro-batch. Returns the summed loss and the number of scored targets;
   * leaves every activation in the workspace for backward. dlogitsScale ≠ 0 makes the loss
   * kernel write the logits' gradient (times that scale) in place of the logits.
   */
  forward(
    ws: TrainingWorkspace,
    batch: TrainingBatch,
    hooks: SublayerHooks | null = null,
    dlogitsScale = 0,
  ): { sum: number; count: number } {
    const c = this.config;
    checkBatch(ws, batch, c);
    if (ws.config !== c && JSON.stringify(ws.config) !== JSON.stringify(c))
      throw new Error('model forward: the workspace was made for a different config');
    const w = this.weights;
    const a = this.arch;
    if (
      a.windows.some((x) => x > 0 && x < ws.t) ||
      a.attnSoftcap > 0 ||
      Math.abs(a.attnScale * Math.sqrt(headDim(c)) - 1) > 1e-12
    ) {
      throw new LmlabError(
        `the ${a.family} architecture (sliding window, soft-capping or attention scale) has no training forward pass`,
      );
    }
    ws.attention.segments = batch.segments;
    embedForward(w, batch.tokens, ws.layers.length > 0 ? ws.layers[0].input : ws.output);
    for (let l = 0; l < c.layers; l++) {
      const buf = ws.buffers[l];
      buf.positions = batch.positions;
      layerForward(w, l, buf, ws.attention, hooks);
      ws.layers[l].skipAttn = buf.skipAttn;
      ws.layers[l].skipFfn = buf.skipFfn;
    }
    headForward(w, ws.output, ws.normedFinal, ws.rstdFinal, ws.logits);
    return ops.crossEntropy(
      ws.logits,
      batch.targets,
      batch.lossMask ?? null,
      ws.losses,
      dlogitsScale !== 0 ? ws.logits : null,
      dlogitsScale,
    );
  }

  /**
   * Forward + backward: accumulates (+=) the gradient of gradScale · Σ token losses into grads.
   * Use gradScale = 1 / (count · microBatches) for the mean over a step's scored targets.
   */
  forwardBackward(
    ws: TrainingWorkspace,
    batch: TrainingBatch,
    grads: ParameterSet,
    gradScale: number,
    hooks: SublayerHooks | null = null,
  ): { sum: number; count: number } {
    const result = this.forward(ws, batch, hooks, gradScale);
    this.backward(ws, batch, grads);
    return result;
  }

  /** Backward from the logits' gradient that forward(…, dlogitsScale) left in ws.logits. */
  backward(ws: TrainingWorkspace, batch: TrainingBatch, grads: ParameterSet): void {
    if (this.params.quantized)
      throw new LmlabError('training is not supported on a quantized model; load an F32/F16/BF16 model');
    if (!this.arch.trainable)
      throw new LmlabError(
        `training is not supported for the ${this.arch.family} architecture with these settings (training covers Llama, Mistral without a binding window and Qwen2, with standard RoPE, biases allowed)`,
      );
    const c = this.config;
    const p = this.params;
    const hd = headDim(c);
    const dims = { batch: ws.rows, t: ws.t, heads: c.heads, kvHeads: c.kvHeads, headDim: hd };
    const dRes = ws.dResidual;

    // head and final norm
    ops.linearBackward(ws.normedFinal, p.get('lm_head.weight'), ws.logits, ws.dNormed, grads.get('lm_head.weight'));
    ops.rmsnormBackward(
      ws.output,
      p.get('model.norm.weight'),
      ws.rstdFinal,
      ws.dNormed,
      dRes,
      grads.get('model.norm.weight'),
    );

    for (let l = c.layers - 1; l >= 0; l--) {
      const a = ws.layers[l];
      // y = x·Wᵀ of the projection `name`: dW += dyᵀ·x, dx (+)= dy·W
      const project = (x: Tensor, name: string, dy: Tensor, dx: Tensor, accumulate = false) =>
        ops.linearBackward(x, p.layer(l, `${name}.weight`), dy, dx, grads.layer(l, `${name}.weight`), accumulate);
      // a bias added to every row: its gradient is the column sum of the output's gradient
      const bias = (dy: Tensor, name: string) => columnSum(dy, grads.layer(l, `${name}.bias`));
      // the sublayer's input norm n = rmsnorm(x): dRes += dx
      const inputNorm = (x: Tensor, name: string, rstd: Float32Array) => {
        ops.rmsnormBackward(x, p.layer(l, name), rstd, ws.dNormed, ws.dBranch, grads.layer(l, name));
        ops.add(dRes, ws.dBranch, dRes);
      };
      // FFN sublayer: next = mid + down(swiglu(gate(n), up(n))), n = rmsnorm(mid)
      if (a.skipFfn !== null) {
        ops.scale(dRes, a.skipFfn, dRes);
      } else {
        project(a.act, 'mlp.down_proj', dRes, ws.dAct);
        ops.swigluBackward(a.gate, a.up, ws.dAct, ws.dGate, ws.dUp);
        if (this.arch.mlpBias) {
          bias(dRes, 'mlp.down_proj');
          bias(ws.dGate, 'mlp.gate_proj');
          bias(ws.dUp, 'mlp.up_proj');
        }
        project(a.normedFfn, 'mlp.gate_proj', ws.dGate, ws.dNormed);
        project(a.normedFfn, 'mlp.up_proj', ws.dUp, ws.dNormed, true);
        inputNorm(a.mid, 'post_attention_layernorm.weight', a.rstdFfn);
      }
      // attention sublayer: mid = input + o(attn(rope(q(n)), rope(k(n)), v(n))), n = rmsnorm(input)
      if (a.skipAttn !== null) {
        ops.scale(dRes, a.skipAttn, dRes);
      } else {
        project(a.attn, 'self_attn.o_proj', dRes, ws.dAttn);
        if (this.arch.oBias) bias(dRes, 'self_attn.o_proj');
        ops.attentionBackward(dims, a.q, a.k, a.v, batch.segments, a.attn, a.lse, ws.dAttn, ws.dq, ws.dk, ws.dv);
        ops.ropeBackward(ws.dq, c.heads, hd, batch.positions, c.ropeTheta);
        ops.ropeBackward(ws.dk, c.kvHeads, hd, batch.positions, c.ropeTheta);
        if (this.arch.qkvBias) {
          // q = W·n + b before RoPE: the bias sees the pre-RoPE gradient
          bias(ws.dq, 'self_attn.q_proj');
          bias(ws.dk, 'self_attn.k_proj');
          bias(ws.dv, 'self_attn.v_proj');
        }
        project(a.normedAttn, 'self_attn.q_proj', ws.dq, ws.dNormed);
        project(a.normedAttn, 'self_attn.k_proj', ws.dk, ws.dNormed, true);
        project(a.normedAttn, 'self_attn.v_proj', ws.dv, ws.dNormed, true);
        inputNorm(a.input, 'input_layernorm.weight', a.rstdAttn);
      }
    }
    ops.embeddingBackward(batch.tokens, dRes, grads.get('model.embed_tokens.weight'));
  }
}

/** into += Σ_rows x (the gradient of a bias added to every row). */
function columnSum(x: Tensor, into: Tensor): void {
  const width = into.size;
  const d = x.data;
  const o = into.data;
  for (let r = 0; r < d.length; r += width) for (let j = 0; j < width; j++) o[j] += d[r + j];
}

function checkBatch(ws: TrainingWorkspace, b: TrainingBatch, c: LlamaConfig): void {
  const n = ws.n;
  const arrays: Array<[string, Int32Array | null]> = [
    ['tokens', b.tokens],
    ['targets', b.targets],
    ['positions', b.positions],
    ['segments', b.segments],
  ];
  for (const [name, arr] of arrays) {
    if (arr !== null && (!(arr instanceof Int32Array) || arr.length !== n)) {
      throw new Error(`model forward: ${name} must be an Int32Array of ${ws.rows}×${ws.t} = ${n} entries`);
    }
  }
  if (ws.t > c.maxSeqLen)
    throw new Error(`model forward: rows of ${ws.t} tokens exceed the model's context of ${c.maxSeqLen}`);
}
