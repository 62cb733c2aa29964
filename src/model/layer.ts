// The transformer layer body — the only one: training forward, chunked prefill and one-token
// decode all run a layer through layerForward, following the architecture description:
//
//   attention:  n = norm(x); q,k,v = proj(n) (+bias); [q/k per-head norm]; RoPE(q, k);
//               a = attend(q, k, v) (window, soft-cap, scale per family); b = o(a) (+bias);
//               [b = norm(b)]; mid = x + b            — or mid = s·x when the plan skips it
//   FFN:        n = norm(mid); h = act(gate(n)) ⊙ up(n); b = down(h); [b = norm(b)]; out = mid + b
//
// The callers differ only in where keys and values live and how attention reads them (an
// Attention object), and in their buffers (LayerBuffers: named, preallocated, llm.c style).
// Sublayer hooks see the residual before and after each sublayer; the caller decides whether a
// layer without a KV cache is skipped regardless of the plan. Nothing here allocates.
import * as ops from '../engine/ops.ts';
import type { Matrix } from '../engine/ops.ts';
import { Tensor } from '../engine/tensor.ts';
import { type Architecture, type RopeSpec, plainRope, ropeFrequencies } from './architecture.ts';
import { type LlamaConfig, headDim } from './config.ts';
import type { SublayerHooks } from './hooks.ts';
import type { ParameterSet } from './params.ts';

/** One layer's weights, looked up once (no name lookups in the hot loop). */
export interface LayerWeights {
  inputNorm: Tensor;
  q: Matrix;
  k: Matrix;
  v: Matrix;
  o: Matrix;
  /**
   * [Wq; Wk; Wv] and [Wgate; Wup] as one matrix each for the GEMV path (float32: views, no
   * copy; quantized: rows concatenated once; null when the parts are quantized differently)
   */
  qkv: Matrix | null;
  gateUp: Matrix | null;
  qBias: Tensor | null;
  kBias: Tensor | null;
  vBias: Tensor | null;
  oBias: Tensor | null;
  qNorm: Tensor | null;
  kNorm: Tensor | null;
  postAttnNorm: Tensor | null;
  ffnNorm: Tensor;
  gate: Matrix;
  up: Matrix;
  down: Matrix;
  gateBias: Tensor | null;
  upBias: Tensor | null;
  downBias: Tensor | null;
  postFfnNorm: Tensor | null;
}

/** The model as the layer body sees it: shape, architecture, weights by layer, RoPE tables. */
export class ModelWeights {
  readonly layers: LayerWeights[] = [];
  readonly embed: Matrix;
  readonly finalNorm: Tensor;
  readonly head: Matrix;
  readonly hd: number;
  readonly ropeGlobal: RopeTable;
  readonly ropeLocal: RopeTable;

  constructor(
    readonly config: LlamaConfig,
    readonly arch: Architecture,
    p: ParameterSet,
  ) {
    const opt = (l: number, suffix: string) => (p.has(`model.layers.${l}.${suffix}`) ? p.layer(l, suffix) : null);
    for (let l = 0; l < config.layers; l++) {
      const name = (s: string) => `model.layers.${l}.${s}`;
      // stacked first: quantized parts are then views of the stacked copy (ParameterSet.stackedMatrix)
      const qkv = p.stackedMatrix(['q_proj', 'k_proj', 'v_proj'].map((m) => name(`self_attn.${m}.weight`)));
      const gateUp = p.stackedMatrix(['gate_proj', 'up_proj'].map((m) => name(`mlp.${m}.weight`)));
      this.layers.push({
        inputNorm: p.layer(l, 'input_layernorm.weight'),
        q: p.matrix(name('self_attn.q_proj.weight')),
        k: p.matrix(name('self_attn.k_proj.weight')),
        v: p.matrix(name('self_attn.v_proj.weight')),
        o: p.matrix(name('self_attn.o_proj.weight')),
        qkv,
        gateUp,
        qBias: opt(l, 'self_attn.q_proj.bias'),
        kBias: opt(l, 'self_attn.k_proj.bias'),
        vBias: opt(l, 'self_attn.v_proj.bias'),
        oBias: opt(l, 'self_attn.o_proj.bias'),
        qNorm: opt(l, 'self_attn.q_norm.weight'),
        kNorm: opt(l, 'self_attn.k_norm.weight'),
        postAttnNorm: opt(l, 'post_attn_output_norm.weight'),
        ffnNorm: p.layer(l, 'post_attention_layernorm.weight'),
        gate: p.matrix(name('mlp.gate_proj.weight')),
        up: p.matrix(name('mlp.up_proj.weight')),
        down: p.matrix(name('mlp.down_proj.weight')),
        gateBias: opt(l, 'mlp.gate_proj.bias'),
        upBias: opt(l, 'mlp.up_proj.bias'),
        downBias: opt(l, 'mlp.down_proj.bias'),
        postFfnNorm: opt(l, 'post_ffn_output_norm.weight'),
      });
    }
    this.embed = p.matrix('model.embed_tokens.weight');
    this.finalNorm = p.get('model.norm.weight');
    this.head = p.matrix('lm_head.weight');
    this.hd = headDim(config);
    this.ropeGlobal = new RopeTable(arch, arch.rope, this.hd);
    this.ropeLocal = new RopeTable(arch, arch.ropeLocal, this.hd);
  }

  rope(layer: number): RopeTable {
    return this.arch.windows[layer] > 0 ? this.ropeLocal : this.ropeGlobal;
  }
}

/** A RoPE variant's frequencies; the native kernel serves the standard full-head rotation. */
export class RopeTable {
  readonly native: boolean;
  private readonly invFreq: Float64Array;
  private attentionFactor: number;
  private seqLen = -1;

  constructor(
    readonly arch: Architecture,
    readonly spec: RopeSpec,
    readonly hd: number,
  ) {
    this.native = plainRope(arch, spec, hd);
    const f = ropeFrequencies(spec, arch.rotaryDim, 0);
    this.invFreq = f.invFreq;
    this.attentionFactor = f.attentionFactor;
  }

  /** Rotates x [tokens, heads·hd] in place; seqLen = largest position + 1 of this forward pass. */
  apply(x: Tensor, heads: number, positions: Int32Array, seqLen: number): void {
    if (this.native) {
      ops.rope(x, heads, this.hd, positions, this.spec.theta);
      return;
    }
    if (this.spec.scaling.type === 'dynamic' && seqLen !== this.seqLen) {
      // dynamic NTK: frequencies follow the length of the forward pass (written in place)
      const s = this.spec.scaling;
      const effective = seqLen > s.originalMax ? seqLen : 0;
      if (effective !== this.seqLen) {
        this.invFreq.set(ropeFrequencies(this.spec, this.arch.rotaryDim, effective).invFreq);
        this.seqLen = effective;
      }
    }
    const hd = this.hd;
    const half = this.arch.rotaryDim / 2;
    const data = x.data;
    const width = heads * hd;
    const m = this.attentionFactor;
    for (let t = 0; t < positions.length; t++) {
      for (let i = 0; i < half; i++) {
        const angle = positions[t] * this.invFreq[i];
        const cos = Math.cos(angle) * m;
        const sin = Math.sin(angle) * m;
        for (let h = 0; h < heads; h++) {
          const lo = t * width + h * hd + i;
          const a = data[lo];
          const b = data[lo + half];
          data[lo] = a * cos - b * sin;
          data[lo + half] = b * cos + a * sin;
        }
      }
    }
  }
}

/** Where a layer's keys/values go and how its queries read them. */
export interface Attention {
  /** the layer computes attention (false: it has no KV cache and is skipped for the request) */
  hasCache(layer: number): boolean;
  /** k and v [n, kvHeads·hd] the projections write (views of a cache, or training buffers) */
  keys(layer: number): Tensor;
  values(layer: number): Tensor;
  /** attn [n, heads·hd] from the rotated q and the stored keys/values */
  attend(layer: number, q: Tensor, attn: Tensor): void;
}

/** The activations one layer reads and writes, views for the n rows of this pass. */
export interface LayerBuffers {
  x: Tensor; // residual entering the layer [n, d]
  mid: Tensor; // residual between the sublayers
  out: Tensor; // residual leaving the layer (may be x for in-place inference)
  normedAttn: Tensor;
  normedFfn: Tensor;
  rstdAttn: Float32Array | null;
  rstdFfn: Float32Array | null;
  q: Tensor; // [n, heads·hd]
  /** when set (one row): q, keys(l), values(l) are views of this [1, (H+2KV)·hd] buffer */
  qkv: Tensor | null;
  /** when set (one row): gate and up are views of this [1, 2F] buffer */
  gateUp: Tensor | null;
  attn: Tensor;
  branch: Tensor;
  gate: Tensor;
  up: Tensor;
  act: Tensor; // may be gate (in place)
  /** per-head views [n·heads, hd] and [n·kvHeads, hd] for q/k norm (null when unused) */
  qHeads: Tensor | null;
  kHeads: Tensor | null;
  positions: Int32Array;
  /** largest position + 1 of the pass (dynamic RoPE) */
  seqLen: number;
  /** the residual adds are folded into the output projections (one-row GEMV path) */
  fold: boolean;
  /** the skip scales the layer applied (null = ran), for backward and accounting */
  skipAttn: number | null;
  skipFfn: number | null;
}

function addBias(y: Tensor, bias: Tensor | null): void {
  if (!bias) return;
  const width = bias.size;
  const b = bias.data;
  const data = y.data;
  for (let r = 0; r < data.length; r += width) for (let j = 0; j < width; j++) data[r + j] += b[j];
}

/** h = act(gate) ⊙ up, in place allowed (out may be gate). */
function activate(arch: Architecture, gate: Tensor, up: Tensor, out: Tensor): void {
  if (arch.activation === 'silu') {
    ops.swiglu(gate, up, out);
    return;
  }
  // gelu with the tanh approximation: 0.5·g·(1 + tanh(√(2/π)·(g + 0.044715·g³)))
  const g = gate.data;
  const u = up.data;
  const o = out.data;
  const c = Math.sqrt(2 / Math.PI);
  for (let i = 0; i < g.length; i++) {
    const x = g[i];
    o[i] = 0.5 * x * (1 + Math.tanh(c * (x + 0.044715 * x * x * x))) * u[i];
  }
}

/** y = x + b, or y += b when folded (y already holds x); b optionally normed first. */
function residualBranch(
  w: Matrix,
  bias: Tensor | null,
  postNorm: Tensor | null,
  eps: number,
  input: Tensor,
  x: Tensor,
  out: Tensor,
  branch: Tensor,
  fold: boolean,
): void {
  if (fold && !bias && !postNorm) {
    if (out !== x) out.data.set(x.data);
    ops.linear(input, w, out, true);
    return;
  }
  ops.linear(input, w, branch);
  addBias(branch, bias);
  if (postNorm) ops.rmsnorm(branch, postNorm, eps, branch, null);
  ops.add(x, branch, out);
}

/** Runs layer l over buf.x → buf.out, asking hooks for the plan and reporting the residuals. */
export function layerForward(
  m: ModelWeights,
  l: number,
  buf: LayerBuffers,
  att: Attention,
  hooks: SublayerHooks | null,
): void {
  const c = m.config;
  const a = m.arch;
  const w = m.layers[l];
  const eps = c.normEps;
  const hd = m.hd;

  // attention sublayer: x -> mid (a layer without a cache is skipped: scale from the plan, else 1)
  const planned = hooks?.skip ? hooks.skip(l, 'attn') : null;
  const skipAttn = att.hasCache(l) ? planned : (planned ?? 1);
  buf.skipAttn = skipAttn;
  if (skipAttn !== null) {
    ops.scale(buf.x, skipAttn, buf.mid);
  } else {
    const k = att.keys(l);
    const v = att.values(l);
    ops.rmsnorm(buf.x, w.inputNorm, eps, buf.normedAttn, buf.rstdAttn);
    if (buf.qkv && w.qkv) {
      ops.linear(buf.normedAttn, w.qkv, buf.qkv);
    } else {
      ops.linear(buf.normedAttn, w.q, buf.q);
      ops.linear(buf.normedAttn, w.k, k);
      ops.linear(buf.normedAttn, w.v, v);
    }
    addBias(buf.q, w.qBias);
    addBias(k, w.kBias);
    addBias(v, w.vBias);
    if (w.qNorm && w.kNorm && buf.qHeads && buf.kHeads) {
      ops.rmsnorm(buf.qHeads, w.qNorm, eps, buf.qHeads, null);
      const kHeads = k.data === buf.kHeads.data ? buf.kHeads : new Tensor(k.data, buf.kHeads.shape);
      ops.rmsnorm(kHeads, w.kNorm, eps, kHeads, null);
    }
    const rope = m.rope(l);
    rope.apply(buf.q, c.heads, buf.positions, buf.seqLen);
    rope.apply(k, c.kvHeads, buf.positions, buf.seqLen);
    att.attend(l, buf.q, buf.attn);
    residualBranch(w.o, w.oBias, w.postAttnNorm, eps, buf.attn, buf.x, buf.mid, buf.branch, buf.fold);
  }
  hooks?.observe?.(l, 'attn', buf.x, buf.mid);

  // FFN sublayer: mid -> out
  const skipFfn = hooks?.skip ? hooks.skip(l, 'ffn') : null;
  buf.skipFfn = skipFfn;
  if (skipFfn !== null) {
    ops.scale(buf.mid, skipFfn, buf.out);
  } else {
    ops.rmsnorm(buf.mid, w.ffnNorm, eps, buf.normedFfn, buf.rstdFfn);
    if (buf.gateUp && w.gateUp) {
      ops.linear(buf.normedFfn, w.gateUp, buf.gateUp);
    } else {
      ops.linear(buf.normedFfn, w.gate, buf.gate);
      ops.linear(buf.normedFfn, w.up, buf.up);
    }
    addBias(buf.gate, w.gateBias);
    addBias(buf.up, w.upBias);
    activate(a, buf.gate, buf.up, buf.act);
    residualBranch(w.down, w.downBias, w.postFfnNorm, eps, buf.act, buf.mid, buf.out, buf.branch, buf.fold);
  }
  hooks?.observe?.(l, 'ffn', buf.mid, buf.out);
}

/** Embedding lookup (times the family's embedding scale) into x [n, d]. */
export function embedForward(m: ModelWeights, tokens: Int32Array, x: Tensor): void {
  ops.embedding(m.embed, tokens, x);
  if (m.arch.embedScale !== 1) ops.scale(x, m.arch.embedScale, x);
}

/** Final norm and head: logits [n, vocab] from hidden [n, d], with the family's soft-cap. */
export function headForward(
  m: ModelWeights,
  hidden: Tensor,
  normed: Tensor,
  rstd: Float32Array | null,
  logits: Tensor,
): void {
  ops.rmsnorm(hidden, m.finalNorm, m.config.normEps, normed, rstd);
  ops.linear(normed, m.head, logits);
  softcap(logits.data, m.arch.finalSoftcap);
}

export function softcap(data: Float32Array, cap: number): void {
  if (cap <= 0) return;
  for (let i = 0; i < data.length; i++) data[i] = cap * Math.tanh(data[i] / cap);
}

/**
 * Attention of tq new queries (positions past..past+tq−1) over cached keys/values with a window
 * and soft-capped scores — the families the native kernel does not cover. Scores in double.
 */
export function attentionGeneral(
  q: Tensor,
  past: number,
  heads: number,
  kvHeads: number,
  hd: number,
  kCache: Tensor,
  vCache: Tensor,
  out: Tensor,
  scale: number,
  window: number,
  cap: number,
  scores: Float64Array,
): void {
  const tq = q.shape[0];
  const width = kvHeads * hd;
  const group = heads / kvHeads;
  const qd = q.data;
  const kd = kCache.data;
  const vd = vCache.data;
  const od = out.data;
  for (let i = 0; i < tq; i++) {
    const pos = past + i;
    const first = window > 0 ? Math.max(0, pos - window + 1) : 0;
    for (let h = 0; h < heads; h++) {
      const g = Math.floor(h / group);
      const qo = i * heads * hd + h * hd;
      let max = -Infinity;
      for (let j = first; j <= pos; j++) {
        const ko = j * width + g * hd;
        let s = 0;
        for (let e = 0; e < hd; e++) s += qd[qo + e] * kd[ko + e];
        s *= scale;
        if (cap > 0) s = cap * Math.tanh(s / cap);
        scores[j] = s;
        if (s > max) max = s;
      }
      let sum = 0;
      for (let j = first; j <= pos; j++) {
        scores[j] = Math.exp(scores[j] - max);
        sum += scores[j];
      }
      for (let e = 0; e < hd; e++) od[qo + e] = 0;
      for (let j = first; j <= pos; j++) {
        const p = scores[j] / sum;
        const vo = j * width + g * hd;
        for (let e = 0; e < hd; e++) od[qo + e] += p * vd[vo + e];
      }
    }
  }
}
