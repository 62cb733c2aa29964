// Shape-checked tensor operations over the active kernels (native by default). Every op checks
// its operands and throws a ShapeError naming the op and the shapes before any kernel runs, so a
// wrong call is a clear error, never a crash. Ops write into caller-owned outputs: nothing here
// allocates, which keeps the training and decode loops allocation-free.
import { kernels } from './backend.ts';
import { QuantMatrix } from './quant.ts';
import { ShapeError, Tensor, expectInts, expectShape, shapeString } from './tensor.ts';

/** A weight matrix [out, in]: float32, or GGUF block-quantized bytes (inference only). */
export type Matrix = Tensor | QuantMatrix;

function dims2(op: string, what: string, t: Tensor): [number, number] {
  if (t.rank !== 2) throw new ShapeError(`${op}: ${what} must be 2-D, got ${shapeString(t.shape)}`);
  return [t.shape[0], t.shape[1]];
}

function sameSize(op: string, tensors: Record<string, Tensor>): number {
  const entries = Object.entries(tensors);
  const n = entries[0][1].size;
  for (const [name, t] of entries) {
    if (t.size !== n) {
      const list = entries.map(([k, v]) => `${k} ${shapeString(v.shape)}`).join(', ');
      throw new ShapeError(`${op}: operands must have the same size (${list}); ${name} differs`);
    }
  }
  return n;
}

// ---- linear layers (weights stored [out, in], as in Hugging Face checkpoints) ----------------

/** y[N, out] = x[N, in] · w[out, in]ᵀ (+ y when accumulate). One row routes to GEMV. */
export function linear(x: Tensor, w: Matrix, y: Tensor, accumulate = false): void {
  const [n, inF] = dims2('linear', 'x', x);
  const [outF, inW] = w instanceof QuantMatrix ? w.shape : dims2('linear', 'weight', w);
  if (inW !== inF) {
    throw new ShapeError(
      `linear: x ${shapeString(x.shape)} does not match weight ${shapeString(w.shape)} (inner dims ${inF} vs ${inW})`,
    );
  }
  expectShape('linear', 'output', y, [n, outF]);
  if (w instanceof QuantMatrix) {
    const beta = accumulate ? 1 : 0;
    if (n === 1) kernels().quantGemv(w.type, outF, inF, w.data, x.data, beta, y.data);
    else kernels().quantGemm(w.type, n, outF, inF, w.data, x.data, inF, beta, y.data, outF);
    return;
  }
  if (n === 1) {
    kernels().gemv(outF, inF, w.data, inF, x.data, accumulate ? 1 : 0, y.data);
    return;
  }
  kernels().gemm({
    transA: false,
    transB: true,
    m: n,
    n: outF,
    k: inF,
    alpha: 1,
    a: x.data,
    lda: inF,
    b: w.data,
    ldb: inF,
    beta: accumulate ? 1 : 0,
    c: y.data,
    ldc: outF,
  });
}

/**
 * Backward of linear: dx[N, in] = dy[N, out] · w (overwritten, or accumulated when
 * accumulateDx — used where two branches feed the same input) and dw[out, in] += dyᵀ · x.
 * Pass dx = null to skip the input gradient (e.g. for the first layer's embedding input).
 */
export function linearBackward(
  x: Tensor,
  w: Tensor,
  dy: Tensor,
  dx: Tensor | null,
  dw: Tensor,
  accumulateDx = false,
): void {
  const [n, inF] = dims2('linearBackward', 'x', x);
  const [outF] = dims2('linearBackward', 'weight', w);
  expectShape('linearBackward', 'weight', w, [outF, inF]);
  expectShape('linearBackward', 'dy', dy, [n, outF]);
  expectShape('linearBackward', 'dweight', dw, [outF, inF]);
  const k = kernels();
  if (dx) {
    expectShape('linearBackward', 'dx', dx, [n, inF]);
    k.gemm({
      transA: false,
      transB: false,
      m: n,
      n: inF,
      k: outF,
      alpha: 1,
      a: dy.data,
      lda: outF,
      b: w.data,
      ldb: inF,
      beta: accumulateDx ? 1 : 0,
      c: dx.data,
      ldc: inF,
    });
  }
  k.gemm({
    transA: true,
    transB: false,
    m: outF,
    n: inF,
    k: n,
    alpha: 1,
    a: dy.data,
    lda: outF,
    b: x.data,
    ldb: inF,
    beta: 1,
    c: dw.data,
    ldc: inF,
  });
}

// ---- elementwise ------------------------------------------------------------------------------

export function add(a: Tensor, b: Tensor, out: Tensor): void {
  kernels().add(sameSize('add', { a, b, out }), a.data, b.data, out.data);
}

export function mul(a: Tensor, b: Tensor, out: Tensor): void {
  kernels().mul(sameSize('mul', { a, b, out }), a.data, b.data, out.data);
}

export function scale(a: Tensor, s: number, out: Tensor): void {
  kernels().scale(sameSize('scale', { a, out }), a.data, s, out.data);
}

/** y += alpha · x */
export function axpy(alpha: number, x: Tensor, y: Tensor): void {
  kernels().axpy(sameSize('axpy', { x, y }), alpha, x.data, y.data);
}

export function swiglu(gate: Tensor, up: Tensor, out: Tensor): void {
  kernels().swiglu(sameSize('swiglu', { gate, up, out }), gate.data, up.data, out.data);
}

export function swigluBackward(gate: Tensor, up: Tensor, dout: Tensor, dgate: Tensor, dup: Tensor): void {
  const n = sameSize('swigluBackward', { gate, up, dout, dgate, dup });
  kernels().swigluBackward(n, gate.data, up.data, dout.data, dgate.data, dup.data);
}

// ---- normalisation, position, softmax ---------------------------------------------------------

export function rmsnorm(x: Tensor, weight: Tensor, eps: number, out: Tensor, rstd: Float32Array | null): void {
  const [rows, dim] = dims2('rmsnorm', 'x', x);
  expectShape('rmsnorm', 'weight', weight, [dim]);
  expectShape('rmsnorm', 'output', out, [rows, dim]);
  if (rstd && rstd.length !== rows)
    throw new ShapeError(`rmsnorm: rstd must have ${rows} elements, got ${rstd.length}`);
  kernels().rmsnorm(rows, dim, x.data, weight.data, eps, out.data, rstd);
}

export function rmsnormBackward(
  x: Tensor,
  weight: Tensor,
  rstd: Float32Array,
  dout: Tensor,
  dx: Tensor,
  dweight: Tensor,
): void {
  const [rows, dim] = dims2('rmsnormBackward', 'x', x);
  expectShape('rmsnormBackward', 'weight', weight, [dim]);
  expectShape('rmsnormBackward', 'dout', dout, [rows, dim]);
  expectShape('rmsnormBackward', 'dx', dx, [rows, dim]);
  expectShape('rmsnormBackward', 'dweight', dweight, [dim]);
  if (rstd.length !== rows)
    throw new ShapeError(`rmsnormBackward: rstd must have ${rows} elements, got ${rstd.length}`);
  kernels().rmsnormBackward(rows, dim, x.data, weight.data, rstd, dout.data, dx.data, dweight.data);
}

function ropeDims(op: string, x: Tensor, heads: number, headDim: number, positions: Int32Array): number {
  const [tokens, width] = dims2(op, 'x', x);
  if (width !== heads * headDim) {
    throw new ShapeError(`${op}: x ${shapeString(x.shape)} is not [tokens, ${heads} heads × ${headDim}]`);
  }
  if (headDim % 2 !== 0) throw new ShapeError(`${op}: head dim ${headDim} must be even`);
  expectInts(op, 'positions', positions, tokens);
  return tokens;
}

/** In-place rotary embedding of x [tokens, heads·headDim] at the given per-token positions. */
export function rope(x: Tensor, heads: number, headDim: number, positions: Int32Array, theta: number): void {
  const tokens = ropeDims('rope', x, heads, headDim, positions);
  kernels().rope(tokens, heads, headDim, x.data, heads * headDim, positions, theta);
}

export function ropeBackward(dx: Tensor, heads: number, headDim: number, positions: Int32Array, theta: number): void {
  const tokens = ropeDims('ropeBackward', dx, heads, headDim, positions);
  kernels().ropeBackward(tokens, heads, headDim, dx.data, heads * headDim, positions, theta);
}

export function softmax(x: Tensor, out: Tensor): void {
  const [rows, n] = dims2('softmax', 'x', x);
  expectShape('softmax', 'output', out, [rows, n]);
  kernels().softmax(rows, n, x.data, out.data);
}

// ---- embedding and loss -----------------------------------------------------------------------

export function embedding(table: Matrix, ids: Int32Array, out: Tensor): void {
  const [vocab, dim] = table instanceof QuantMatrix ? table.shape : dims2('embedding', 'table', table);
  expectShape('embedding', 'output', out, [ids.length, dim]);
  expectInts('embedding', 'ids', ids, ids.length);
  if (table instanceof QuantMatrix) {
    // one row of a quantized table dequantized per token
    for (let t = 0; t < ids.length; t++) {
      if (!(ids[t] >= 0 && ids[t] < vocab)) throw new ShapeError(`embedding: id ${ids[t]} outside vocabulary ${vocab}`);
      kernels().quantDequantRows(table.type, dim, table.data, ids[t], 1, out.data.subarray(t * dim, (t + 1) * dim));
    }
    return;
  }
  kernels().embedding(ids.length, dim, vocab, table.data, ids, out.data);
}

export function embeddingBackward(ids: Int32Array, dout: Tensor, dtable: Tensor): void {
  const [vocab, dim] = dims2('embeddingBackward', 'dtable', dtable);
  expectInts('embeddingBackward', 'ids', ids, ids.length);
  expectShape('embeddingBackward', 'dout', dout, [ids.length, dim]);
  kernels().embeddingBackward(ids.length, dim, vocab, ids, dout.data, dtable.data);
}

/**
 * Softmax cross-entropy of logits [tokens, vocab] against targets (negative = ignored; mask 0 =
 * ignored). Writes per-token losses and, when dlogits is given, gradScale·∂Σloss/∂logits.
 * Returns the sum of kept losses and their count.
 */
export function crossEntropy(
  logits: Tensor,
  targets: Int32Array,
  mask: Uint8Array | null,
  losses: Float32Array,
  dlogits: Tensor | null,
  gradScale: number,
): { sum: number; count: number } {
  const [tokens, vocab] = dims2('crossEntropy', 'logits', logits);
  expectInts('crossEntropy', 'targets', targets, tokens);
  if (mask && mask.length !== tokens)
    throw new ShapeError(`crossEntropy: mask must have ${tokens} elements, got ${mask.length}`);
  if (losses.length !== tokens)
    throw new ShapeError(`crossEntropy: losses must have ${tokens} elements, got ${losses.length}`);
  if (dlogits) expectShape('crossEntropy', 'dlogits', dlogits, [tokens, vocab]);
  for (let i = 0; i < tokens; i++) {
    if (targets[i] >= vocab)
      throw new ShapeError(`crossEntropy: target ${targets[i]} at ${i} is outside the vocabulary of ${vocab}`);
  }
  const count = kernels().crossEntropy(
    tokens,
    vocab,
    logits.data,
    targets,
    mask,
    losses,
    dlogits ? dlogits.data : null,
    gradScale,
  );
  let sum = 0;
  for (let i = 0; i < tokens; i++) sum += losses[i];
  return { sum, count };
}

// ---- reductions ---------------------------------------------------------------------------------

export function sumSquares(a: Tensor | Float32Array): number {
  const data = a instanceof Tensor ? a.data : a;
  return kernels().sumSquares(data.length, data);
}

export function dot(a: Tensor, b: Tensor): number {
  return kernels().dot(sameSize('dot', { a, b }), a.data, b.data);
}

/** Per-row cosine similarity of two [rows, dim] tensors, optionally with the row norms. */
export function rowCosine(
  a: Tensor,
  b: Tensor,
  out: Float32Array,
  normA: Float32Array | null = null,
  normB: Float32Array | null = null,
): void {
  const [rows, dim] = dims2('rowCosine', 'a', a);
  expectShape('rowCosine', 'b', b, [rows, dim]);
  for (const [name, arr] of [
    ['out', out],
    ['normA', normA],
    ['normB', normB],
  ] as const) {
    if (arr && arr.length !== rows)
      throw new ShapeError(`rowCosine: ${name} must have ${rows} elements, got ${arr.length}`);
  }
  kernels().rowCosine(rows, dim, a.data, b.data, out, normA, normB);
}

// ---- attention ----------------------------------------------------------------------------------

export interface AttentionDims {
  batch: number;
  t: number;
  heads: number;
  kvHeads: number;
  headDim: number;
}

function checkAttention(
  op: string,
  d: AttentionDims,
  q: Tensor,
  k: Tensor,
  v: Tensor,
  segments: Int32Array | null,
): void {
  if (d.kvHeads <= 0 || d.heads % d.kvHeads !== 0) {
    throw new ShapeError(`${op}: ${d.heads} query heads are not a multiple of ${d.kvHeads} key/value heads`);
  }
  const n = d.batch * d.t;
  expectShape(op, 'q', q, [n, d.heads * d.headDim]);
  expectShape(op, 'k', k, [n, d.kvHeads * d.headDim]);
  expectShape(op, 'v', v, [n, d.kvHeads * d.headDim]);
  if (segments) expectInts(op, 'segments', segments, n);
}

/** Causal (block-diagonal when segments are given) attention; lse [batch·heads·t] is saved. */
export function attentionForward(
  d: AttentionDims,
  q: Tensor,
  k: Tensor,
  v: Tensor,
  segments: Int32Array | null,
  out: Tensor,
  lse: Float32Array,
): void {
  checkAttention('attentionForward', d, q, k, v, segments);
  expectShape('attentionForward', 'output', out, q.shape);
  if (lse.length !== d.batch * d.heads * d.t)
    throw new ShapeError(`attentionForward: lse must have ${d.batch * d.heads * d.t} elements, got ${lse.length}`);
  kernels().attentionForward(
    { ...d, scale: 1 / Math.sqrt(d.headDim) },
    q.data,
    k.data,
    v.data,
    segments,
    out.data,
    lse,
  );
}

export function attentionBackward(
  d: AttentionDims,
  q: Tensor,
  k: Tensor,
  v: Tensor,
  segments: Int32Array | null,
  out: Tensor,
  lse: Float32Array,
  dout: Tensor,
  dq: Tensor,
  dk: Tensor,
  dv: Tensor,
): void {
  checkAttention('attentionBackward', d, q, k, v, segments);
  for (const [name, t, like] of [
    ['output', out, q],
    ['dout', dout, q],
    ['dq', dq, q],
    ['dk', dk, k],
    ['dv', dv, v],
  ] as const) {
    expectShape('attentionBackward', name, t, like.shape);
  }
  if (lse.length !== d.batch * d.heads * d.t)
    throw new ShapeError(`attentionBackward: lse must have ${d.batch * d.heads * d.t} elements, got ${lse.length}`);
  kernels().attentionBackward(
    { ...d, scale: 1 / Math.sqrt(d.headDim) },
    q.data,
    k.data,
    v.data,
    segments,
    out.data,
    lse,
    dout.data,
    dq.data,
    dk.data,
    dv.data,
  );
}

/**
 * Attention of tq new queries over a layer's KV cache (rows [0, past+tq) of kCache/vCache,
 * each [capacity, kvHeads·headDim]); the new keys/values are already in the cache.
 */
export function attentionCached(
  q: Tensor,
  past: number,
  heads: number,
  kvHeads: number,
  headDim: number,
  kCache: Tensor,
  vCache: Tensor,
  out: Tensor,
  scale = 1 / Math.sqrt(headDim),
): void {
  const op = 'attentionCached';
  const [tq] = dims2(op, 'q', q);
  if (kvHeads <= 0 || heads % kvHeads !== 0)
    throw new ShapeError(`${op}: ${heads} query heads are not a multiple of ${kvHeads} key/value heads`);
  expectShape(op, 'q', q, [tq, heads * headDim]);
  expectShape(op, 'output', out, [tq, heads * headDim]);
  const [capacity, width] = dims2(op, 'kCache', kCache);
  expectShape(op, 'vCache', vCache, [capacity, width]);
  if (width !== kvHeads * headDim)
    throw new ShapeError(`${op}: cache rows of ${width} do not hold ${kvHeads} heads × ${headDim}`);
  if (!Number.isInteger(past) || past < 0 || past + tq > capacity) {
    throw new ShapeError(`${op}: ${past} cached + ${tq} new tokens exceed the cache capacity of ${capacity}`);
  }
  kernels().attentionCached(
    tq,
    past,
    heads,
    kvHeads,
    headDim,
    scale,
    q.data,
    kCache.data,
    vCache.data,
    width,
    out.data,
  );
}

/**
 * attentionCached over an F16 cache: kCache and vCache are IEEE half bit patterns, rows of
 * kvHeads·headDim values (capacity = length / width).
 */
export function attentionCachedF16(
  q: Tensor,
  past: number,
  heads: number,
  kvHeads: number,
  headDim: number,
  kCache: Uint16Array,
  vCache: Uint16Array,
  out: Tensor,
  scale = 1 / Math.sqrt(headDim),
): void {
  const op = 'attentionCachedF16';
  const [tq] = dims2(op, 'q', q);
  if (kvHeads <= 0 || heads % kvHeads !== 0)
    throw new ShapeError(`${op}: ${heads} query heads are not a multiple of ${kvHeads} key/value heads`);
  expectShape(op, 'q', q, [tq, heads * headDim]);
  expectShape(op, 'output', out, [tq, heads * headDim]);
  const width = kvHeads * headDim;
  if (kCache.length !== vCache.length || kCache.length % width !== 0)
    throw new ShapeError(`${op}: caches of ${kCache.length} and ${vCache.length} values are not rows of ${width}`);
  const capacity = kCache.length / width;
  if (!Number.isInteger(past) || past < 0 || past + tq > capacity) {
    throw new ShapeError(`${op}: ${past} cached + ${tq} new tokens exceed the cache capacity of ${capacity}`);
  }
  kernels().attentionCachedF16(tq, past, heads, kvHeads, headDim, scale, q.data, kCache, vCache, width, out.data);
}

/** out = x rounded to IEEE half (bit patterns), element by element. */
export function toHalf(x: Float32Array, out: Uint16Array): void {
  if (out.length !== x.length) throw new ShapeError(`toHalf: ${x.length} values into ${out.length}`);
  kernels().f32ToF16(x.length, x, out);
}

/** out = the float values of the IEEE half bit patterns x. */
export function fromHalf(x: Uint16Array, out: Float32Array): void {
  if (out.length !== x.length) throw new ShapeError(`fromHalf: ${x.length} values into ${out.length}`);
  kernels().f16ToF32(x.length, x, out);
}
