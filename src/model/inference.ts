// Inference over a KV cache: chunked prefill of a prompt, then token-by-token decode, with the
// same sublayer hooks as training (observe the residual around each sublayer; replace a
// sublayer by a residual scaling). Each layer's cache is optional: a layer whose attention is
// skipped for the whole request never computes Q/K/V and stores nothing, while the sequence
// length is tracked by the session, not by any one cache.
//
// Memory is bounded by the prefill chunk (activations) plus the caches, which grow in
// preallocated blocks (no per-token reallocation). Decode of one token uses the GEMV path with
// fused projections (Q/K/V as one matrix, gate/up as one — views of the parameters, which are
// stored contiguously — so a token needs 4 parallel regions per layer instead of 7), residual
// adds folded into the projections, and no allocation per token.
// Not here: sampling and stopping (src/model/generate.ts), tokenization.
import * as ops from '../engine/ops.ts';
import { Tensor } from '../engine/tensor.ts';
import { type LlamaConfig, headDim } from './config.ts';
import type { LlamaModel, SublayerHooks } from './llama.ts';
import { layerName } from './params.ts';

const CACHE_BLOCK = 256;

/** One layer's keys and values, [capacity, kvHeads·headDim] each, grown in blocks. */
export class LayerCache {
  k: Tensor;
  v: Tensor;

  constructor(readonly width: number, capacity = CACHE_BLOCK) {
    this.k = Tensor.zeros([capacity, width]);
    this.v = Tensor.zeros([capacity, width]);
  }

  get capacity(): number {
    return this.k.shape[0];
  }

  /** Makes room for `needed` rows, keeping the first `used` (growth by whole blocks). */
  reserve(needed: number, used: number): void {
    if (needed <= this.capacity) return;
    const capacity = Math.ceil(needed / CACHE_BLOCK) * CACHE_BLOCK;
    const k = Tensor.zeros([capacity, this.width]);
    const v = Tensor.zeros([capacity, this.width]);
    k.data.set(this.k.data.subarray(0, used * this.width));
    v.data.set(this.v.data.subarray(0, used * this.width));
    this.k = k;
    this.v = v;
  }

  bytes(): number {
    return (this.k.size + this.v.size) * 4;
  }
}

export interface SessionOptions {
  /** tokens processed per prefill chunk (bounds activation memory) */
  chunk?: number;
  /** layers whose attention is skipped for the whole session: no Q/K/V, no cache */
  noCacheLayers?: Iterable<number>;
  hooks?: SublayerHooks | null;
}

/** Per-layer weights and scratch views of the one-token decode path, built once per session. */
class DecodePlan {
  readonly qkv: Tensor; // [1, (heads + 2·kvHeads)·headDim]
  readonly q: Tensor;
  readonly k: Tensor;
  readonly v: Tensor;
  readonly gateUp: Tensor; // [1, 2·ffnHidden]
  readonly gate: Tensor;
  readonly up: Tensor;
  readonly position = new Int32Array(1);
  readonly token = new Int32Array(1);
  /** fused [Wq; Wk; Wv] and [Wgate; Wup] per layer (views into the parameters) */
  readonly qkvWeights: Tensor[] = [];
  readonly gateUpWeights: Tensor[] = [];

  constructor(model: LlamaModel) {
    const c = model.config;
    const p = model.params;
    const qWidth = c.heads * headDim(c);
    const kvWidth = c.kvHeads * headDim(c);
    this.qkv = Tensor.zeros([1, qWidth + 2 * kvWidth]);
    this.q = new Tensor(this.qkv.data.subarray(0, qWidth), [1, qWidth]);
    this.k = new Tensor(this.qkv.data.subarray(qWidth, qWidth + kvWidth), [1, kvWidth]);
    this.v = new Tensor(this.qkv.data.subarray(qWidth + kvWidth), [1, kvWidth]);
    this.gateUp = Tensor.zeros([1, 2 * c.ffnHidden]);
    this.gate = new Tensor(this.gateUp.data.subarray(0, c.ffnHidden), [1, c.ffnHidden]);
    this.up = new Tensor(this.gateUp.data.subarray(c.ffnHidden), [1, c.ffnHidden]);
    for (let l = 0; l < c.layers; l++) {
      this.qkvWeights.push(p.stacked(['q_proj', 'k_proj', 'v_proj'].map((m) => layerName(l, `self_attn.${m}.weight`))));
      this.gateUpWeights.push(p.stacked(['gate_proj', 'up_proj'].map((m) => layerName(l, `mlp.${m}.weight`))));
    }
  }
}

/** Scratch activations for up to `rows` tokens at a time. */
class Scratch {
  readonly x: Tensor;
  readonly mid: Tensor;
  readonly normed: Tensor;
  readonly q: Tensor;
  readonly attn: Tensor;
  readonly branch: Tensor;
  readonly gate: Tensor;
  readonly up: Tensor;

  constructor(c: LlamaConfig, readonly rows: number) {
    const hd = headDim(c);
    this.x = Tensor.zeros([rows, c.dim]);
    this.mid = Tensor.zeros([rows, c.dim]);
    this.normed = Tensor.zeros([rows, c.dim]);
    this.q = Tensor.zeros([rows, c.heads * hd]);
    this.attn = Tensor.zeros([rows, c.heads * hd]);
    this.branch = Tensor.zeros([rows, c.dim]);
    this.gate = Tensor.zeros([rows, c.ffnHidden]);
    this.up = Tensor.zeros([rows, c.ffnHidden]);
  }
}

export class InferenceSession {
  /** tokens in the context so far */
  length = 0;
  readonly caches: Array<LayerCache | null>;
  readonly chunk: number;
  hooks: SublayerHooks | null;
  private readonly scratch: Scratch;
  private readonly single: Scratch;
  private readonly plan: DecodePlan;
  private readonly positions: Int32Array;
  private readonly finalNormed: Tensor; // [1, d]
  readonly logits: Tensor; // [1, vocab]

  constructor(readonly model: LlamaModel, options: SessionOptions = {}) {
    const c = model.config;
    this.chunk = Math.max(1, Math.min(options.chunk ?? 512, c.maxSeqLen));
    const skipped = new Set(options.noCacheLayers ?? []);
    const width = c.kvHeads * headDim(c);
    this.caches = Array.from({ length: c.layers }, (_, l) => (skipped.has(l) ? null : new LayerCache(width)));
    this.hooks = options.hooks ?? null;
    this.scratch = new Scratch(c, this.chunk);
    this.single = this.chunk === 1 ? this.scratch : new Scratch(c, 1);
    this.plan = new DecodePlan(model);
    this.positions = new Int32Array(this.chunk);
    this.finalNormed = Tensor.zeros([1, c.dim]);
    this.logits = Tensor.zeros([1, c.vocabSize]);
  }

  /** Bytes held by the KV caches. */
  kvBytes(): number {
    return this.caches.reduce((n, cache) => n + (cache ? cache.bytes() : 0), 0);
  }

  /** Bytes the caches hold for the tokens actually in the context. */
  kvBytesUsed(): number {
    return this.caches.reduce((n, cache) => n + (cache ? 2 * this.length * cache.width * 4 : 0), 0);
  }

  reset(): void {
    this.length = 0;
  }

  /**
   * Runs tokens through the model, appending them to the context. If `onLogits` is given it
   * receives the logits [n, vocab] of every chunk (scoring); the last token's logits are left in
   * this.logits either way.
   */
  prefill(tokens: Int32Array, onLogits?: (first: number, logits: Tensor) => void): Tensor {
    const c = this.model.config;
    if (tokens.length === 0) throw new Error('prefill: no tokens');
    if (this.length + tokens.length > c.maxSeqLen) {
      throw new Error(`the context of ${this.length + tokens.length} tokens exceeds the model's maximum of ${c.maxSeqLen}`);
    }
    for (let i = 0; i < tokens.length; i++) {
      if (tokens[i] < 0 || tokens[i] >= c.vocabSize || !Number.isInteger(tokens[i])) {
        throw new Error(`token id ${tokens[i]} at ${i} is outside the vocabulary of ${c.vocabSize}`);
      }
    }
    if (tokens.length === 1 && !onLogits) {
      this.headOf(this.forwardOne(tokens[0]));
      return this.logits;
    }
    let chunkLogits: Tensor | null = null;
    for (let begin = 0; begin < tokens.length; begin += this.chunk) {
      const n = Math.min(this.chunk, tokens.length - begin);
      const s = n === 1 ? this.single : this.scratch;
      const hidden = this.forwardRows(tokens.subarray(begin, begin + n), s, n);
      if (onLogits) {
        if (!chunkLogits || chunkLogits.shape[0] !== n) chunkLogits = Tensor.zeros([n, c.vocabSize]);
        const normed = s.normed.rows(0, n);
        ops.rmsnorm(hidden, this.model.params.get('model.norm.weight'), c.normEps, normed, null);
        ops.linear(normed, this.model.params.get('lm_head.weight'), chunkLogits);
        onLogits(this.length - n, chunkLogits);
      }
      if (begin + n === tokens.length) this.headOf(n === 1 ? hidden : hidden.rows(n - 1, n));
    }
    return this.logits;
  }

  /** Appends one token and returns the next-token logits [1, vocab]. */
  decode(token: number): Tensor {
    const tokens = this.plan.token;
    tokens[0] = token;
    return this.prefill(tokens);
  }

  private headOf(lastHidden: Tensor): void {
    const c = this.model.config;
    ops.rmsnorm(lastHidden, this.model.params.get('model.norm.weight'), c.normEps, this.finalNormed, null);
    ops.linear(this.finalNormed, this.model.params.get('lm_head.weight'), this.logits);
  }

  /** The transformer over one new token at position `length` (the decode path); returns hidden [1, d]. */
  private forwardOne(token: number): Tensor {
    const c = this.model.config;
    const p = this.model.params;
    const hd = headDim(c);
    const d = this.plan;
    const s = this.single;
    const past = this.length;
    d.position[0] = past;
    d.token[0] = token;
    const { x, mid, normed, attn } = s;
    ops.embedding(p.get('model.embed_tokens.weight'), d.token, x);
    const hooks = this.hooks;
    for (let l = 0; l < c.layers; l++) {
      const cache = this.caches[l];
      const planned = hooks?.skip ? hooks.skip(l, 'attn') : null;
      const skipAttn = cache === null ? (planned ?? 1) : planned;
      if (skipAttn !== null) {
        ops.scale(x, skipAttn, mid);
      } else {
        const kv = cache!;
        kv.reserve(past + 1, past);
        ops.rmsnorm(x, p.layer(l, 'input_layernorm.weight'), c.normEps, normed, null);
        ops.linear(normed, d.qkvWeights[l], d.qkv);
        ops.rope(d.q, c.heads, hd, d.position, c.ropeTheta);
        ops.rope(d.k, c.kvHeads, hd, d.position, c.ropeTheta);
        kv.k.data.set(d.k.data, past * kv.width);
        kv.v.data.set(d.v.data, past * kv.width);
        ops.attentionCached(d.q, past, c.heads, c.kvHeads, hd, kv.k, kv.v, attn);
        // mid = x + attn·Woᵀ, the residual add folded into the projection
        mid.data.set(x.data);
        ops.linear(attn, p.layer(l, 'self_attn.o_proj.weight'), mid, true);
      }
      hooks?.observe?.(l, 'attn', x, mid);

      const skipFfn = hooks?.skip ? hooks.skip(l, 'ffn') : null;
      if (skipFfn !== null) {
        ops.scale(mid, skipFfn, x);
      } else {
        ops.rmsnorm(mid, p.layer(l, 'post_attention_layernorm.weight'), c.normEps, normed, null);
        ops.linear(normed, d.gateUpWeights[l], d.gateUp);
        ops.swiglu(d.gate, d.up, d.gate);
        x.data.set(mid.data);
        ops.linear(d.gate, p.layer(l, 'mlp.down_proj.weight'), x, true);
      }
      hooks?.observe?.(l, 'ffn', mid, x);
    }
    this.length = past + 1;
    return x;
  }

  /** The transformer over n new tokens at positions length..length+n−1; returns hidden [n, d]. */
  private forwardRows(tokens: Int32Array, s: Scratch, n: number): Tensor {
    const c = this.model.config;
    const p = this.model.params;
    const hd = headDim(c);
    const past = this.length;
    const positions = this.positions.subarray(0, n);
    for (let i = 0; i < n; i++) positions[i] = past + i;
    const x = s.x.rows(0, n); // residual at each layer's start
    const mid = s.mid.rows(0, n); // residual between a layer's two sublayers
    const normed = s.normed.rows(0, n);
    const q = s.q.rows(0, n);
    const attn = s.attn.rows(0, n);
    const branch = s.branch.rows(0, n);
    ops.embedding(p.get('model.embed_tokens.weight'), tokens, x);
    const hooks = this.hooks;
    for (let l = 0; l < c.layers; l++) {
      const cache = this.caches[l];
      // a layer without a cache is skipped for the whole session (scale from the plan, else 1)
      const planned = hooks?.skip ? hooks.skip(l, 'attn') : null;
      const skipAttn = cache === null ? (planned ?? 1) : planned;
      if (skipAttn !== null) {
        ops.scale(x, skipAttn, mid);
      } else {
        const cacheRows = cache!;
        cacheRows.reserve(past + n, past);
        const k = cacheRows.k.rows(past, past + n);
        const v = cacheRows.v.rows(past, past + n);
        ops.rmsnorm(x, p.layer(l, 'input_layernorm.weight'), c.normEps, normed, null);
        ops.linear(normed, p.layer(l, 'self_attn.q_proj.weight'), q);
        ops.linear(normed, p.layer(l, 'self_attn.k_proj.weight'), k);
        ops.linear(normed, p.layer(l, 'self_attn.v_proj.weight'), v);
        ops.rope(q, c.heads, hd, positions, c.ropeTheta);
        ops.rope(k, c.kvHeads, hd, positions, c.ropeTheta);
        ops.attentionCached(q, past, c.heads, c.kvHeads, hd, cacheRows.k, cacheRows.v, attn);
        ops.linear(attn, p.layer(l, 'self_attn.o_proj.weight'), branch);
        ops.add(x, branch, mid);
      }
      hooks?.observe?.(l, 'attn', x, mid);

      const skipFfn = hooks?.skip ? hooks.skip(l, 'ffn') : null;
      if (skipFfn !== null) {
        ops.scale(mid, skipFfn, x);
        hooks?.observe?.(l, 'ffn', mid, x);
      } else {
        const gate = s.gate.rows(0, n);
        const up = s.up.rows(0, n);
        ops.rmsnorm(mid, p.layer(l, 'post_attention_layernorm.weight'), c.normEps, normed, null);
        ops.linear(normed, p.layer(l, 'mlp.gate_proj.weight'), gate);
        ops.linear(normed, p.layer(l, 'mlp.up_proj.weight'), up);
        ops.swiglu(gate, up, gate);
        ops.linear(gate, p.layer(l, 'mlp.down_proj.weight'), branch);
        ops.add(mid, branch, x);
        hooks?.observe?.(l, 'ffn', mid, x);
      }
    }
    this.length = past + n;
    return x;
  }
}
