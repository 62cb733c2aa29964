// Inference over a KV cache: chunked prefill of a prompt, then token-by-token decode, through the
// same layer body as training (layer.ts) and the same sublayer hooks (observe the residual
// around each sublayer; replace a sublayer by a residual scaling), plus the request lifecycle
// events of hooks.ts (request start, prefill, decode step and its end). Each layer's cache is
// optional: a layer whose attention is skipped for the whole request never computes Q/K/V and
// stores nothing, while the sequence length is tracked by the session, not by any one cache.
//
// Memory is bounded by the prefill chunk (activations) plus the caches, which grow in
// preallocated blocks (no per-token reallocation). Decode of one token uses the GEMV path with
// fused projections (Q/K/V as one matrix, gate/up as one — views of the parameters, which are
// stored contiguously — so a token needs 4 parallel regions per layer instead of 7), residual
// adds folded into the projections, and no allocation per token.
// Not here: sampling and stopping (src/model/generate.ts), tokenization.
import { LmlabError } from '../util/errors.ts';
import * as ops from '../engine/ops.ts';
import { Tensor } from '../engine/tensor.ts';
import { type LlamaConfig, headDim } from './config.ts';
import type { SublayerHooks } from './hooks.ts';
import {
  type Attention,
  type LayerBuffers,
  type ModelWeights,
  attentionGeneral,
  embedForward,
  headForward,
  layerForward,
} from './layer.ts';
import type { LlamaModel } from './llama.ts';

const CACHE_BLOCK = 256;

/** One layer's keys and values, [capacity, kvHeads·headDim] each, grown in blocks. */
export class LayerCache {
  k: Tensor;
  v: Tensor;

  constructor(
    readonly width: number,
    capacity = CACHE_BLOCK,
  ) {
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

/** Scratch activations for up to `rows` tokens at a time, as the layer body's buffers. */
class Scratch {
  readonly x: Tensor;
  readonly mid: Tensor;
  readonly normed: Tensor;
  readonly q: Tensor;
  readonly attn: Tensor;
  readonly branch: Tensor;
  readonly gate: Tensor;
  readonly up: Tensor;
  /** one-row path: fused [q|k|v] and [gate|up] outputs (q/k/v and gate/up are views) */
  readonly qkv: Tensor | null;
  readonly gateUp: Tensor | null;
  readonly k: Tensor | null;
  readonly v: Tensor | null;
  readonly positions: Int32Array;
  readonly scores: Float64Array;

  constructor(
    c: LlamaConfig,
    readonly rows: number,
    maxLen: number,
  ) {
    const hd = headDim(c);
    const qWidth = c.heads * hd;
    const kvWidth = c.kvHeads * hd;
    this.x = Tensor.zeros([rows, c.dim]);
    this.mid = Tensor.zeros([rows, c.dim]);
    this.normed = Tensor.zeros([rows, c.dim]);
    this.attn = Tensor.zeros([rows, qWidth]);
    this.branch = Tensor.zeros([rows, c.dim]);
    if (rows === 1) {
      this.qkv = Tensor.zeros([1, qWidth + 2 * kvWidth]);
      this.q = new Tensor(this.qkv.data.subarray(0, qWidth), [1, qWidth]);
      this.k = new Tensor(this.qkv.data.subarray(qWidth, qWidth + kvWidth), [1, kvWidth]);
      this.v = new Tensor(this.qkv.data.subarray(qWidth + kvWidth), [1, kvWidth]);
      this.gateUp = Tensor.zeros([1, 2 * c.ffnHidden]);
      this.gate = new Tensor(this.gateUp.data.subarray(0, c.ffnHidden), [1, c.ffnHidden]);
      this.up = new Tensor(this.gateUp.data.subarray(c.ffnHidden), [1, c.ffnHidden]);
    } else {
      this.qkv = this.gateUp = this.k = this.v = null;
      this.q = Tensor.zeros([rows, qWidth]);
      this.gate = Tensor.zeros([rows, c.ffnHidden]);
      this.up = Tensor.zeros([rows, c.ffnHidden]);
    }
    this.positions = new Int32Array(rows);
    this.scores = new Float64Array(maxLen);
  }

  /** The layer body's view of the first n rows (built once per pass, not per layer). */
  buffers(n: number, qkNorm: boolean, c: LlamaConfig): LayerBuffers {
    const hd = headDim(c);
    const view = (t: Tensor) => (n === this.rows ? t : t.rows(0, n));
    const x = view(this.x);
    const normed = view(this.normed);
    const q = view(this.q);
    const gate = view(this.gate);
    return {
      x,
      mid: view(this.mid),
      out: x,
      normedAttn: normed,
      normedFfn: normed,
      rstdAttn: null,
      rstdFfn: null,
      q,
      qkv: this.qkv,
      gateUp: this.gateUp,
      attn: view(this.attn),
      branch: view(this.branch),
      gate,
      up: view(this.up),
      act: gate,
      qHeads: qkNorm ? new Tensor(q.data, [n * c.heads, hd]) : null,
      kHeads: qkNorm ? (this.k ? new Tensor(this.k.data, [c.kvHeads, hd]) : Tensor.zeros([n * c.kvHeads, hd])) : null,
      positions: this.positions.subarray(0, n),
      seqLen: 0,
      fold: this.rows === 1,
      skipAttn: null,
      skipFfn: null,
    };
  }
}

/** Attention over the session's KV caches for the tokens of one pass. */
class CachedAttention implements Attention {
  past = 0;
  n = 0;
  constructor(
    private readonly session: InferenceSession,
    private readonly s: Scratch,
    private readonly w: ModelWeights,
  ) {}
  hasCache(l: number): boolean {
    return this.session.caches[l] !== null;
  }
  keys(l: number): Tensor {
    if (this.s.k) return this.s.k;
    const cache = this.reserve(l);
    return cache.k.rows(this.past, this.past + this.n);
  }
  values(l: number): Tensor {
    if (this.s.v) return this.s.v;
    return this.session.caches[l]!.v.rows(this.past, this.past + this.n);
  }
  attend(l: number, q: Tensor, attn: Tensor): void {
    const c = this.w.config;
    const a = this.w.arch;
    const cache = this.s.k ? this.reserve(l) : this.session.caches[l]!;
    if (this.s.k && this.s.v) {
      cache.k.data.set(this.s.k.data, this.past * cache.width);
      cache.v.data.set(this.s.v.data, this.past * cache.width);
    }
    const window = a.windows[l];
    if (a.attnSoftcap > 0 || (window > 0 && this.past + this.n > window)) {
      attentionGeneral(
        q,
        this.past,
        c.heads,
        c.kvHeads,
        this.w.hd,
        cache.k,
        cache.v,
        attn,
        a.attnScale,
        window,
        a.attnSoftcap,
        this.s.scores,
      );
    } else {
      ops.attentionCached(q, this.past, c.heads, c.kvHeads, this.w.hd, cache.k, cache.v, attn, a.attnScale);
    }
  }
  private reserve(l: number): LayerCache {
    const cache = this.session.caches[l]!;
    cache.reserve(this.past + this.n, this.past);
    return cache;
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
  private readonly attention: CachedAttention;
  private readonly singleAttention: CachedAttention;
  private readonly singleBuffers: LayerBuffers;
  private readonly token = new Int32Array(1);
  private readonly finalNormed: Tensor; // [1, d]
  readonly logits: Tensor; // [1, vocab]
  private decoding = false;

  constructor(
    readonly model: LlamaModel,
    options: SessionOptions = {},
  ) {
    const c = model.config;
    this.chunk = Math.max(1, Math.min(options.chunk ?? 512, c.maxSeqLen));
    const skipped = new Set(options.noCacheLayers ?? []);
    const width = c.kvHeads * headDim(c);
    this.caches = Array.from({ length: c.layers }, (_, l) => (skipped.has(l) ? null : new LayerCache(width)));
    this.hooks = options.hooks ?? null;
    const needsScores = model.arch.attnSoftcap > 0 || model.arch.windows.some((w) => w > 0);
    const maxLen = needsScores ? c.maxSeqLen : 0;
    this.scratch = new Scratch(c, this.chunk, maxLen);
    this.single = this.chunk === 1 ? this.scratch : new Scratch(c, 1, maxLen);
    const w = model.weights;
    this.attention = new CachedAttention(this, this.scratch, w);
    this.singleAttention = this.chunk === 1 ? this.attention : new CachedAttention(this, this.single, w);
    this.singleBuffers = this.single.buffers(1, model.arch.qkNorm, c);
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
   * Drops the tokens after the first `length` from the context (speculative decoding's rollback
   * past rejected tokens). The cache rows beyond are left as they are and overwritten by the
   * next tokens; nothing attends past `length`, so no stale row is ever read.
   */
  rollback(length: number): void {
    if (!Number.isInteger(length) || length < 0 || length > this.length)
      throw new Error(`rollback to ${length}: the context holds ${this.length} tokens`);
    this.length = length;
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
      throw new LmlabError(
        `the context of ${this.length + tokens.length} tokens exceeds the model's maximum of ${c.maxSeqLen}`,
      );
    }
    for (let i = 0; i < tokens.length; i++) {
      if (tokens[i] < 0 || tokens[i] >= c.vocabSize || !Number.isInteger(tokens[i])) {
        throw new LmlabError(`token id ${tokens[i]} at ${i} is outside the vocabulary of ${c.vocabSize}`);
      }
    }
    if (!this.decoding) {
      if (this.length === 0) this.hooks?.requestStart?.();
      this.hooks?.prefill?.(this.length, tokens.length);
    }
    const w = this.model.weights;
    if (tokens.length === 1 && !onLogits) {
      headForward(
        w,
        this.forward(tokens, this.single, this.singleBuffers, this.singleAttention),
        this.finalNormed,
        null,
        this.logits,
      );
      return this.logits;
    }
    let chunkLogits: Tensor | null = null;
    for (let begin = 0; begin < tokens.length; begin += this.chunk) {
      const n = Math.min(this.chunk, tokens.length - begin);
      const one = n === 1;
      const s = one ? this.single : this.scratch;
      const buffers = one ? this.singleBuffers : s.buffers(n, this.model.arch.qkNorm, c);
      const hidden = this.forward(
        tokens.subarray(begin, begin + n),
        s,
        buffers,
        one ? this.singleAttention : this.attention,
      );
      if (onLogits) {
        if (!chunkLogits || chunkLogits.shape[0] !== n) chunkLogits = Tensor.zeros([n, c.vocabSize]);
        headForward(w, hidden, buffers.normedAttn, null, chunkLogits);
        onLogits(this.length - n, chunkLogits);
      }
      if (begin + n === tokens.length)
        headForward(w, one ? hidden : hidden.rows(n - 1, n), this.finalNormed, null, this.logits);
    }
    return this.logits;
  }

  /** Appends one token and returns the next-token logits [1, vocab]. */
  decode(token: number): Tensor {
    if (this.length === 0) this.hooks?.requestStart?.();
    this.hooks?.decodeStep?.(this.length);
    this.token[0] = token;
    this.decoding = true;
    try {
      return this.prefill(this.token);
    } finally {
      this.decoding = false;
      this.hooks?.decodeStepEnd?.();
    }
  }

  /** The transformer over n new tokens at positions length..length+n−1; returns hidden [n, d]. */
  private forward(tokens: Int32Array, s: Scratch, buf: LayerBuffers, att: CachedAttention): Tensor {
    const c = this.model.config;
    const w = this.model.weights;
    const n = tokens.length;
    const past = this.length;
    for (let i = 0; i < n; i++) buf.positions[i] = past + i;
    buf.seqLen = past + n;
    att.past = past;
    att.n = n;
    embedForward(w, tokens, buf.x);
    for (let l = 0; l < c.layers; l++) layerForward(w, l, buf, att, this.hooks);
    this.length = past + n;
    return buf.x;
  }
}
