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
// adds folded into the projections, and no allocation per token. The caches hold float32 or, with
// kvCache 'f16', IEEE half: new keys/values are rounded as they are stored and the attention
// kernels widen them as they read.
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

/**
 * Precision of the KV cache: 'f32' stores keys and values exactly as computed; 'f16' stores them
 * as IEEE half (llama.cpp's default), half the memory and half the bytes a long-context decode
 * step reads, at a relative rounding error of at most 2^-11 per stored value.
 */
export type KvCachePrecision = 'f32' | 'f16';
export const KV_CACHE_PRECISIONS: readonly KvCachePrecision[] = ['f32', 'f16'];

let defaultPrecision: KvCachePrecision = 'f32';

/** The precision of sessions that do not name one (the CLI's --kv-cache sets it once). */
export function setDefaultKvCache(precision: KvCachePrecision): void {
  defaultPrecision = precision;
}

export function defaultKvCache(): KvCachePrecision {
  return defaultPrecision;
}

/** Reads a --kv-cache value. */
export function parseKvCache(text: string): KvCachePrecision {
  const p = text.toLowerCase();
  if (p === 'f32' || p === 'f16') return p;
  throw new LmlabError(`--kv-cache must be one of ${KV_CACHE_PRECISIONS.join(', ')}, got '${text}'`);
}

/** One layer's keys and values, [capacity, kvHeads·headDim] each, grown in blocks. */
export class LayerCache {
  /** F32 cache: the rows as tensors; F16 cache: null (the rows are in kHalf/vHalf) */
  k: Tensor | null = null;
  v: Tensor | null = null;
  /** F16 cache: IEEE half bit patterns, same layout */
  kHalf: Uint16Array | null = null;
  vHalf: Uint16Array | null = null;
  private rows = 0;

  constructor(
    readonly width: number,
    capacity = CACHE_BLOCK,
    readonly precision: KvCachePrecision = 'f32',
  ) {
    this.allocate(capacity);
  }

  private allocate(capacity: number): void {
    this.rows = capacity;
    if (this.precision === 'f32') {
      this.k = Tensor.zeros([capacity, this.width]);
      this.v = Tensor.zeros([capacity, this.width]);
    } else {
      this.kHalf = new Uint16Array(capacity * this.width);
      this.vHalf = new Uint16Array(capacity * this.width);
    }
  }

  get capacity(): number {
    return this.rows;
  }

  /** Makes room for `needed` rows, keeping the first `used` (growth by whole blocks). */
  reserve(needed: number, used: number): void {
    if (needed <= this.capacity) return;
    const kOld = this.k?.data ?? this.kHalf!;
    const vOld = this.v?.data ?? this.vHalf!;
    this.allocate(Math.ceil(needed / CACHE_BLOCK) * CACHE_BLOCK);
    const kNew = this.k?.data ?? this.kHalf!;
    const vNew = this.v?.data ?? this.vHalf!;
    kNew.set(kOld.subarray(0, used * this.width) as never);
    vNew.set(vOld.subarray(0, used * this.width) as never);
  }

  /** Stores keys and values [n, width] at rows `row`.. (rounded to half in an F16 cache). */
  write(row: number, k: Float32Array, v: Float32Array): void {
    const at = row * this.width;
    if (this.k && this.v) {
      this.k.data.set(k, at);
      this.v.data.set(v, at);
    } else {
      ops.toHalf(k, this.kHalf!.subarray(at, at + k.length));
      ops.toHalf(v, this.vHalf!.subarray(at, at + v.length));
    }
  }

  bytesPerValue(): number {
    return this.precision === 'f32' ? 4 : 2;
  }

  bytes(): number {
    return 2 * this.capacity * this.width * this.bytesPerValue();
  }
}

export interface SessionOptions {
  /** tokens processed per prefill chunk (bounds activation memory) */
  chunk?: number;
  /** layers whose attention is skipped for the whole session: no Q/K/V, no cache */
  noCacheLayers?: Iterable<number>;
  /**
   * KV cache precision (default: defaultKvCache(), 'f32' unless the CLI's --kv-cache said
   * otherwise). Layers whose attention needs the general path (soft-capping, or a sliding
   * window) keep an F32 cache either way.
   */
  kvCache?: KvCachePrecision;
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
  /** F16 caches, several rows: the projections write here, attend() rounds into the cache */
  private kRows: Tensor | null = null;
  private vRows: Tensor | null = null;
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
    if (cache.k) return cache.k.rows(this.past, this.past + this.n);
    return this.halfRows(cache.width).k.rows(0, this.n);
  }
  values(l: number): Tensor {
    if (this.s.v) return this.s.v;
    const cache = this.session.caches[l]!;
    if (cache.v) return cache.v.rows(this.past, this.past + this.n);
    return this.halfRows(cache.width).v.rows(0, this.n);
  }
  private halfRows(width: number): { k: Tensor; v: Tensor } {
    if (!this.kRows || !this.vRows) {
      this.kRows = Tensor.zeros([this.s.rows, width]);
      this.vRows = Tensor.zeros([this.s.rows, width]);
    }
    return { k: this.kRows, v: this.vRows };
  }
  attend(l: number, q: Tensor, attn: Tensor): void {
    const c = this.w.config;
    const a = this.w.arch;
    const cache = this.s.k ? this.reserve(l) : this.session.caches[l]!;
    if (this.s.k && this.s.v) cache.write(this.past, this.s.k.data, this.s.v.data);
    else if (!cache.k) {
      const rows = this.halfRows(cache.width);
      const n = this.n * cache.width;
      cache.write(this.past, rows.k.data.subarray(0, n), rows.v.data.subarray(0, n));
    }
    const window = a.windows[l];
    if (cache.kHalf && cache.vHalf) {
      ops.attentionCachedF16(q, this.past, c.heads, c.kvHeads, this.w.hd, cache.kHalf, cache.vHalf, attn, a.attnScale);
    } else if (a.attnSoftcap > 0 || (window > 0 && this.past + this.n > window)) {
      attentionGeneral(
        q,
        this.past,
        c.heads,
        c.kvHeads,
        this.w.hd,
        cache.k!,
        cache.v!,
        attn,
        a.attnScale,
        window,
        a.attnSoftcap,
        this.s.scores,
      );
    } else {
      ops.attentionCached(q, this.past, c.heads, c.kvHeads, this.w.hd, cache.k!, cache.v!, attn, a.attnScale);
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
  /** the precision asked for (layers on the general attention path keep F32) */
  readonly kvCache: KvCachePrecision;
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
    this.kvCache = options.kvCache ?? defaultKvCache();
    // The general attention path (soft-capping, sliding windows) reads float caches only.
    const general = (l: number) => model.arch.attnSoftcap > 0 || model.arch.windows[l] > 0;
    this.caches = Array.from({ length: c.layers }, (_, l) =>
      skipped.has(l) ? null : new LayerCache(width, undefined, general(l) ? 'f32' : this.kvCache),
    );
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
    return this.caches.reduce((n, cache) => n + (cache ? 2 * this.length * cache.width * cache.bytesPerValue() : 0), 0);
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
    // room for the whole prompt at once: growing chunk by chunk would leave a discarded copy of
    // every cache per chunk for the collector (a 1b model's 8,192-token prefill peaked 100s of
    // MiB higher)
    for (const cache of this.caches) cache?.reserve(this.length + tokens.length, this.length);
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
