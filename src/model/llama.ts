// The LLaMA transformer for training: forward and hand-written backward over the engine's ops,
// llm.c style — every activation the backward pass needs lives in a named, preallocated buffer
// of a TrainingWorkspace sized for (rows, tokens per row), so a training step allocates nothing.
//
//   x = embed(tokens)                                     [N, d]    N = rows · t
//   per layer:  x += Attn(RMSNorm(x))   (RoPE, grouped-query heads, block-diagonal causal mask)
//               x += FFN(RMSNorm(x))    (SwiGLU: down(silu(gate·x) ⊙ up·x))
//   logits = RMSNorm(x) · headᵀ                           [N, vocab]
//
// Sublayer hooks (what AdaSkip needs): an observer sees the residual stream before and after
// every attention and FFN sublayer, and a skip plan can replace a sublayer by a scaling of the
// residual (x_after = s · x_before). With neither set the forward pass does no extra work.
//
// Not here: KV-cache inference (see src/model/inference.ts), sampling, data loading.
import * as ops from '../engine/ops.ts';
import { Tensor } from '../engine/tensor.ts';
import { type LlamaConfig, headDim } from './config.ts';
import { ParameterSet } from './params.ts';

export type SublayerKind = 'attn' | 'ffn';

export interface SublayerHooks {
  /** Called with the residual [N, d] before and after each sublayer (read-only views). */
  observe?(layer: number, kind: SublayerKind, before: Tensor, after: Tensor): void;
  /** Returns a residual scale to skip the sublayer, or null to run it. */
  skip?(layer: number, kind: SublayerKind): number | null;
}

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

  constructor(readonly config: LlamaConfig, readonly rows: number, readonly t: number) {
    const c = config;
    const n = rows * t;
    const hd = headDim(c);
    this.n = n;
    const m = (cols: number) => Tensor.zeros([n, cols]);
    this.layers = [];
    for (let l = 0; l < c.layers; l++) {
      this.layers.push({
        input: m(c.dim), rstdAttn: new Float32Array(n), normedAttn: m(c.dim),
        q: m(c.heads * hd), k: m(c.kvHeads * hd), v: m(c.kvHeads * hd), attn: m(c.heads * hd),
        lse: new Float32Array(rows * c.heads * t), mid: m(c.dim), rstdFfn: new Float32Array(n),
        normedFfn: m(c.dim), gate: m(c.ffnHidden), up: m(c.ffnHidden), act: m(c.ffnHidden),
        skipAttn: null, skipFfn: null,
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
  }
}

export class LlamaModel {
  readonly params: ParameterSet;

  constructor(readonly config: LlamaConfig, params?: ParameterSet) {
    this.params = params ?? new ParameterSet(config);
    if (this.params.config !== config && JSON.stringify(this.params.config) !== JSON.stringify(config)) {
      throw new Error('LlamaModel: parameters were made for a different config');
    }
  }

  static initialised(config: LlamaConfig, seed: number): LlamaModel {
    return new LlamaModel(config, new ParameterSet(config).initialise(seed));
  }

  /**
   * Forward pass over a micro-batch. Returns the summed loss and the number of scored targets;
   * leaves every activation in the workspace for backward. dlogitsScale ≠ 0 makes the loss
   * kernel write the logits' gradient (times that scale) in place of the logits.
   */
  forward(ws: TrainingWorkspace, batch: TrainingBatch, hooks: SublayerHooks | null = null, dlogitsScale = 0): { sum: number; count: number } {
    const c = this.config;
    const p = this.params;
    const hd = headDim(c);
    const dims = { batch: ws.rows, t: ws.t, heads: c.heads, kvHeads: c.kvHeads, headDim: hd };
    checkBatch(ws, batch, c);

    ops.embedding(p.get('model.embed_tokens.weight'), batch.tokens, ws.layers.length > 0 ? ws.layers[0].input : ws.output);
    for (let l = 0; l < c.layers; l++) {
      const a = ws.layers[l];
      const next = l + 1 < c.layers ? ws.layers[l + 1].input : ws.output;

      // attention sublayer: a.input -> a.mid
      a.skipAttn = hooks?.skip ? hooks.skip(l, 'attn') : null;
      if (a.skipAttn !== null) {
        ops.scale(a.input, a.skipAttn, a.mid);
      } else {
        ops.rmsnorm(a.input, p.layer(l, 'input_layernorm.weight'), c.normEps, a.normedAttn, a.rstdAttn);
        ops.linear(a.normedAttn, p.layer(l, 'self_attn.q_proj.weight'), a.q);
        ops.linear(a.normedAttn, p.layer(l, 'self_attn.k_proj.weight'), a.k);
        ops.linear(a.normedAttn, p.layer(l, 'self_attn.v_proj.weight'), a.v);
        ops.rope(a.q, c.heads, hd, batch.positions, c.ropeTheta);
        ops.rope(a.k, c.kvHeads, hd, batch.positions, c.ropeTheta);
        ops.attentionForward(dims, a.q, a.k, a.v, batch.segments, a.attn, a.lse);
        ops.linear(a.attn, p.layer(l, 'self_attn.o_proj.weight'), ws.branch);
        ops.add(a.input, ws.branch, a.mid);
      }
      hooks?.observe?.(l, 'attn', a.input, a.mid);

      // FFN sublayer: a.mid -> next
      a.skipFfn = hooks?.skip ? hooks.skip(l, 'ffn') : null;
      if (a.skipFfn !== null) {
        ops.scale(a.mid, a.skipFfn, next);
      } else {
        ops.rmsnorm(a.mid, p.layer(l, 'post_attention_layernorm.weight'), c.normEps, a.normedFfn, a.rstdFfn);
        ops.linear(a.normedFfn, p.layer(l, 'mlp.gate_proj.weight'), a.gate);
        ops.linear(a.normedFfn, p.layer(l, 'mlp.up_proj.weight'), a.up);
        ops.swiglu(a.gate, a.up, a.act);
        ops.linear(a.act, p.layer(l, 'mlp.down_proj.weight'), ws.branch);
        ops.add(a.mid, ws.branch, next);
      }
      hooks?.observe?.(l, 'ffn', a.mid, next);
    }
    ops.rmsnorm(ws.output, p.get('model.norm.weight'), c.normEps, ws.normedFinal, ws.rstdFinal);
    ops.linear(ws.normedFinal, p.get('lm_head.weight'), ws.logits);
    return ops.crossEntropy(
      ws.logits, batch.targets, batch.lossMask ?? null, ws.losses, dlogitsScale !== 0 ? ws.logits : null, dlogitsScale,
    );
  }

  /**
   * Forward + backward: accumulates (+=) the gradient of gradScale · Σ token losses into grads.
   * Use gradScale = 1 / (count · microBatches) for the mean over a step's scored targets.
   */
  forwardBackward(ws: TrainingWorkspace, batch: TrainingBatch, grads: ParameterSet, gradScale: number, hooks: SublayerHooks | null = null): { sum: number; count: number } {
    const result = this.forward(ws, batch, hooks, gradScale);
    this.backward(ws, batch, grads);
    return result;
  }

  /** Backward from the logits' gradient that forward(…, dlogitsScale) left in ws.logits. */
  backward(ws: TrainingWorkspace, batch: TrainingBatch, grads: ParameterSet): void {
    const c = this.config;
    const p = this.params;
    const hd = headDim(c);
    const dims = { batch: ws.rows, t: ws.t, heads: c.heads, kvHeads: c.kvHeads, headDim: hd };
    const dRes = ws.dResidual;

    // head and final norm
    ops.linearBackward(ws.normedFinal, p.get('lm_head.weight'), ws.logits, ws.dNormed, grads.get('lm_head.weight'));
    ops.rmsnormBackward(ws.output, p.get('model.norm.weight'), ws.rstdFinal, ws.dNormed, dRes, grads.get('model.norm.weight'));

    for (let l = c.layers - 1; l >= 0; l--) {
      const a = ws.layers[l];
      // FFN sublayer: next = mid + down(swiglu(gate(n), up(n))), n = rmsnorm(mid)
      if (a.skipFfn !== null) {
        ops.scale(dRes, a.skipFfn, dRes);
      } else {
        ops.linearBackward(a.act, p.layer(l, 'mlp.down_proj.weight'), dRes, ws.dAct, grads.layer(l, 'mlp.down_proj.weight'));
        ops.swigluBackward(a.gate, a.up, ws.dAct, ws.dGate, ws.dUp);
        ops.linearBackward(a.normedFfn, p.layer(l, 'mlp.gate_proj.weight'), ws.dGate, ws.dNormed, grads.layer(l, 'mlp.gate_proj.weight'));
        ops.linearBackward(a.normedFfn, p.layer(l, 'mlp.up_proj.weight'), ws.dUp, ws.dNormed, grads.layer(l, 'mlp.up_proj.weight'), true);
        ops.rmsnormBackward(a.mid, p.layer(l, 'post_attention_layernorm.weight'), a.rstdFfn, ws.dNormed, ws.dBranch, grads.layer(l, 'post_attention_layernorm.weight'));
        ops.add(dRes, ws.dBranch, dRes);
      }
      // attention sublayer: mid = input + o(attn(rope(q(n)), rope(k(n)), v(n))), n = rmsnorm(input)
      if (a.skipAttn !== null) {
        ops.scale(dRes, a.skipAttn, dRes);
      } else {
        ops.linearBackward(a.attn, p.layer(l, 'self_attn.o_proj.weight'), dRes, ws.dAttn, grads.layer(l, 'self_attn.o_proj.weight'));
        ops.attentionBackward(dims, a.q, a.k, a.v, batch.segments, a.attn, a.lse, ws.dAttn, ws.dq, ws.dk, ws.dv);
        ops.ropeBackward(ws.dq, c.heads, hd, batch.positions, c.ropeTheta);
        ops.ropeBackward(ws.dk, c.kvHeads, hd, batch.positions, c.ropeTheta);
        ops.linearBackward(a.normedAttn, p.layer(l, 'self_attn.q_proj.weight'), ws.dq, ws.dNormed, grads.layer(l, 'self_attn.q_proj.weight'));
        ops.linearBackward(a.normedAttn, p.layer(l, 'self_attn.k_proj.weight'), ws.dk, ws.dNormed, grads.layer(l, 'self_attn.k_proj.weight'), true);
        ops.linearBackward(a.normedAttn, p.layer(l, 'self_attn.v_proj.weight'), ws.dv, ws.dNormed, grads.layer(l, 'self_attn.v_proj.weight'), true);
        ops.rmsnormBackward(a.input, p.layer(l, 'input_layernorm.weight'), a.rstdAttn, ws.dNormed, ws.dBranch, grads.layer(l, 'input_layernorm.weight'));
        ops.add(dRes, ws.dBranch, dRes);
      }
    }
    ops.embeddingBackward(batch.tokens, dRes, grads.get('model.embed_tokens.weight'));
  }
}

function checkBatch(ws: TrainingWorkspace, b: TrainingBatch, c: LlamaConfig): void {
  const n = ws.n;
  const arrays: Array<[string, Int32Array | null]> = [['tokens', b.tokens], ['targets', b.targets], ['positions', b.positions], ['segments', b.segments]];
  for (const [name, arr] of arrays) {
    if (arr !== null && (!(arr instanceof Int32Array) || arr.length !== n)) {
      throw new Error(`model forward: ${name} must be an Int32Array of ${ws.rows}×${ws.t} = ${n} entries`);
    }
  }
  if (ws.t > c.maxSeqLen) throw new Error(`model forward: rows of ${ws.t} tokens exceed the model's context of ${c.maxSeqLen}`);
}
