// The kernel contract: every compute primitive lmlab's engine uses, as raw functions over typed
// arrays. Two interchangeable implementations satisfy it: the native addon (native/*.cc, fast)
// and the plain-TypeScript reference (src/engine/reference/, obviously correct). One shared test
// suite runs against both and compares them.
//
// Conventions (identical in both implementations):
// - Row-major storage; a "leading dimension" ld is the distance in elements between rows.
// - Typed arrays may be views (byteOffset is honoured). Outputs may not alias inputs unless the
//   comment says so.
// - Shapes are given in comments as [rows, cols]. H = query heads, Hkv = key/value heads
//   (grouped-query attention: query head h reads kv head floor(h / (H / Hkv))), D = head dim.
// - Nothing here allocates per call beyond O(threads) scratch; callers own every buffer.
// - This layer does not check shapes for friendliness: src/engine/ops.ts does that and names
//   the op and the shapes. The native side still checks buffer lengths so that a wrong call
//   throws instead of crashing.

export interface GemmArgs {
  transA: boolean;
  transB: boolean;
  /** rows of op(A) and C */
  m: number;
  /** cols of op(B) and C */
  n: number;
  /** inner dimension */
  k: number;
  alpha: number;
  /** op(A) is [m, k]: A is stored [m, lda≥k], or [k, lda≥m] when transA */
  a: Float32Array;
  lda: number;
  /** op(B) is [k, n]: B is stored [k, ldb≥n], or [n, ldb≥k] when transB */
  b: Float32Array;
  ldb: number;
  /** C = alpha·op(A)·op(B) + beta·C; with beta = 0, C's old contents are ignored (even NaN) */
  beta: number;
  c: Float32Array;
  ldc: number;
  /** batched: the same product `batch` times, operand i starting at i·stride (default 1, 0s) */
  batch?: number;
  strideA?: number;
  strideB?: number;
  strideC?: number;
}

export interface AttentionShape {
  /** batch rows (training) */
  batch: number;
  /** tokens per row */
  t: number;
  heads: number;
  kvHeads: number;
  headDim: number;
  /** softmax scale, usually 1/sqrt(headDim) */
  scale: number;
}

/**
 * Rows of x from which quantGemm may, on an implementation without 8-bit dot-product
 * instructions (native's avx2 and portable paths), be the float32 product of the dequantized
 * weights instead of the quantized product (see quantGemm).
 */
export const QUANT_GEMM_FLOAT_ROWS = 16;

export interface Kernels {
  readonly name: 'native' | 'reference';
  /**
   * Whether Q4_0 and Q8_0 matrices run faster in the interleaved layouts Q4_0x8 and Q8_0x8
   * (src/engine/quant.ts) on this implementation, so that a model converts them once at load;
   * every implementation runs all of them.
   */
  readonly prefersInterleaved: boolean;

  // ---- matrix products -------------------------------------------------------------------
  /** General strided, optionally batched matrix product (see GemmArgs). */
  gemm(args: GemmArgs): void;
  /**
   * Decode-time matrix-vector product y[n] = beta·y + W[n, ldw≥k] · x[k]: weights stored
   * [out][in], as a linear layer keeps them. Must not collapse on power-of-two ldw.
   */
  gemv(n: number, k: number, w: Float32Array, ldw: number, x: Float32Array, beta: number, y: Float32Array): void;

  // ---- products with block-quantized weights (GGUF Q8_0, Q4_0, Q4_K, Q6_K; src/engine/quant.ts)
  // W is `rows` rows of `cols` values (a multiple of the type's block), stored as the file's
  // blocks. Each row of x is first quantized to 8-bit blocks of 32: d = max|x|/127 (float32),
  // q = round-half-even(x·(1/d)) (0 when d = 0). A weight sub-block of 32 decodes to integers w
  // with scales s_lo (values 0..15), s_hi (16..31) and an offset `min` (see
  // native/quant_blocks.h), and W[r]·x is defined as
  //   Σ_blocks d · ( s_lo·Σ_{i<16} w_i·q_i + s_hi·Σ_{i≥16} w_i·q_i − min·Σ_i q_i )
  // (integer sums exact; the float sum's order is the implementation's).
  /** y[rows] = beta·y + W·x (decode). */
  quantGemv(
    type: number,
    rows: number,
    cols: number,
    w: Uint8Array,
    x: Float32Array,
    beta: number,
    y: Float32Array,
  ): void;
  /**
   * y[m, ldy≥rows] = beta·y + x[m, ldx≥cols] · Wᵀ (prefill): each row of y is the quantized
   * product above, as quantGemv would give it (the reference, and native with VNNI, whose
   * 8-bit dot products make the integer product the fastest). An implementation without them
   * may, from QUANT_GEMM_FLOAT_ROWS rows on, multiply the dequantized weights (quantDequantRows'
   * values) in float32 with x as it is, like gemm, where that is faster (native avx2/portable).
   */
  quantGemm(
    type: number,
    m: number,
    rows: number,
    cols: number,
    w: Uint8Array,
    x: Float32Array,
    ldx: number,
    beta: number,
    y: Float32Array,
    ldy: number,
  ): void;
  /** out[count, cols] = rows first..first+count−1 of W as float32 (ggml's dequantization). */
  quantDequantRows(type: number, cols: number, w: Uint8Array, first: number, count: number, out: Float32Array): void;

  // ---- elementwise (length n, contiguous) --------------------------------------------------
  /** out = a + b (out may alias a or b) */
  add(n: number, a: Float32Array, b: Float32Array, out: Float32Array): void;
  /** out = a ⊙ b (out may alias a or b) */
  mul(n: number, a: Float32Array, b: Float32Array, out: Float32Array): void;
  /** out = s·a (out may alias a) */
  scale(n: number, a: Float32Array, s: number, out: Float32Array): void;
  /** y += alpha·x */
  axpy(n: number, alpha: number, x: Float32Array, y: Float32Array): void;
  /** out = silu(gate) ⊙ up, silu(g) = g·σ(g) (out may alias gate or up) */
  swiglu(n: number, gate: Float32Array, up: Float32Array, out: Float32Array): void;
  /** dgate = dout ⊙ up ⊙ silu'(gate), dup = dout ⊙ silu(gate) (overwritten, not accumulated) */
  swigluBackward(
    n: number,
    gate: Float32Array,
    up: Float32Array,
    dout: Float32Array,
    dgate: Float32Array,
    dup: Float32Array,
  ): void;

  // ---- normalisation ----------------------------------------------------------------------
  /**
   * RMSNorm over rows of x [rows, dim]: out = x / sqrt(mean(x²) + eps) ⊙ weight.
   * rstd [rows] receives 1/sqrt(mean(x²)+eps) for the backward pass (may be null at inference).
   */
  rmsnorm(
    rows: number,
    dim: number,
    x: Float32Array,
    weight: Float32Array,
    eps: number,
    out: Float32Array,
    rstd: Float32Array | null,
  ): void;
  /** dx [rows, dim] is overwritten; dweight [dim] is ACCUMULATED into (+=). */
  rmsnormBackward(
    rows: number,
    dim: number,
    x: Float32Array,
    weight: Float32Array,
    rstd: Float32Array,
    dout: Float32Array,
    dx: Float32Array,
    dweight: Float32Array,
  ): void;

  // ---- rotary position embedding ----------------------------------------------------------
  /**
   * In-place RoPE on x [tokens, heads·headDim] (row stride ld ≥ heads·headDim) with per-token
   * positions [tokens] (they may restart at 0 inside a row: one position per token, no implied
   * order). Hugging Face LLaMA convention ("rotate half"): dimension i pairs with i + headDim/2,
   * angle = pos · theta^(−2i/headDim) for i < headDim/2.
   */
  rope(
    tokens: number,
    heads: number,
    headDim: number,
    x: Float32Array,
    ld: number,
    positions: Int32Array,
    theta: number,
  ): void;
  /** In-place backward of rope (rotation by the negative angle) on a gradient with the same layout. */
  ropeBackward(
    tokens: number,
    heads: number,
    headDim: number,
    dx: Float32Array,
    ld: number,
    positions: Int32Array,
    theta: number,
  ): void;

  // ---- softmax ----------------------------------------------------------------------------
  /** Row-wise softmax of x [rows, n] into out (out may alias x). */
  softmax(rows: number, n: number, x: Float32Array, out: Float32Array): void;

  // ---- embedding --------------------------------------------------------------------------
  /** out[t, :] = table[ids[t], :] for table [vocab, dim]; ids out of range throw. */
  embedding(tokens: number, dim: number, vocab: number, table: Float32Array, ids: Int32Array, out: Float32Array): void;
  /** dtable[ids[t], :] += dout[t, :] (scatter-add; repeated ids accumulate). */
  embeddingBackward(
    tokens: number,
    dim: number,
    vocab: number,
    ids: Int32Array,
    dout: Float32Array,
    dtable: Float32Array,
  ): void;

  // ---- loss -------------------------------------------------------------------------------
  /**
   * Fused softmax cross-entropy over logits [tokens, vocab]. A target is ignored when it is
   * negative or when mask (if given) is 0 at that position. losses [tokens] receives each
   * token's loss (0 where ignored). If dlogits is non-null it receives the gradient of
   * (gradScale · Σ losses): (softmax − onehot)·gradScale on kept rows, 0 on ignored rows
   * (dlogits may alias logits). Returns the number of kept targets; the mean over kept
   * targets is Σlosses / count (count 0 → the caller reports loss 0).
   */
  crossEntropy(
    tokens: number,
    vocab: number,
    logits: Float32Array,
    targets: Int32Array,
    mask: Uint8Array | null,
    losses: Float32Array,
    dlogits: Float32Array | null,
    gradScale: number,
  ): number;

  // ---- optimiser --------------------------------------------------------------------------
  /**
   * One AdamW step on n parameters (decoupled weight decay, bias correction):
   *   m = β1·m + (1−β1)·g;  v = β2·v + (1−β2)·g²
   *   p −= lr · ( (m / (1−β1^step)) / (sqrt(v / (1−β2^step)) + eps) + weightDecay · p )
   * step counts from 1. gradScale multiplies g first (used for clipping: g·min(1, clip/‖g‖)).
   */
  adamw(
    n: number,
    param: Float32Array,
    grad: Float32Array,
    m: Float32Array,
    v: Float32Array,
    lr: number,
    beta1: number,
    beta2: number,
    eps: number,
    weightDecay: number,
    step: number,
    gradScale: number,
  ): void;

  // ---- reductions (used for gradient norms and for AdaSkip's sublayer statistics) ---------
  /** Σ a² over n elements, accumulated in double precision. */
  sumSquares(n: number, a: Float32Array): number;
  /** Σ a·b over n elements, accumulated in double precision. */
  dot(n: number, a: Float32Array, b: Float32Array): number;
  /**
   * Per-row cosine similarity of a [rows, dim] and b [rows, dim] into out [rows]
   * (0 when either row is all zeros), and optionally the per-row L2 norms normA, normB [rows].
   */
  rowCosine(
    rows: number,
    dim: number,
    a: Float32Array,
    b: Float32Array,
    out: Float32Array,
    normA: Float32Array | null,
    normB: Float32Array | null,
  ): void;

  // ---- attention --------------------------------------------------------------------------
  /**
   * Causal self-attention for training, tiled (never a T×T matrix in memory).
   * q [batch, t, heads·D], k and v [batch, t, kvHeads·D], out [batch, t, heads·D] (all
   * contiguous). segments [batch, t] (or null = one document per row): token i attends to j
   * iff j ≤ i and segments[i] == segments[j] (block-diagonal causal). lse [batch, heads, t]
   * receives the log-sum-exp of each query's scaled scores, for the backward pass.
   */
  attentionForward(
    shape: AttentionShape,
    q: Float32Array,
    k: Float32Array,
    v: Float32Array,
    segments: Int32Array | null,
    out: Float32Array,
    lse: Float32Array,
  ): void;
  /** Gradients of attentionForward; dq, dk, dv are overwritten. */
  attentionBackward(
    shape: AttentionShape,
    q: Float32Array,
    k: Float32Array,
    v: Float32Array,
    segments: Int32Array | null,
    out: Float32Array,
    lse: Float32Array,
    dout: Float32Array,
    dq: Float32Array,
    dk: Float32Array,
    dv: Float32Array,
  ): void;
  /**
   * Inference attention over a KV cache. The cache of one layer holds `past + tq` tokens
   * (rows [0, past+tq) of kCache/vCache [capacity, kvHeads·D], row stride ldKv) with the tq new
   * tokens already written at rows past..past+tq−1. q [tq, heads·D] holds the new queries;
   * query i (absolute position past+i) attends to cache rows 0..past+i. Covers prefill
   * (past = 0, tq = prompt length, also chunked prefill) and decode (tq = 1). out [tq, heads·D].
   */
  attentionCached(
    tq: number,
    past: number,
    heads: number,
    kvHeads: number,
    headDim: number,
    scale: number,
    q: Float32Array,
    kCache: Float32Array,
    vCache: Float32Array,
    ldKv: number,
    out: Float32Array,
  ): void;
  /**
   * attentionCached over an F16 KV cache: kCache and vCache hold IEEE binary16 bit patterns
   * (the layout of attentionCached, in half the memory), widened to float as they are read; the
   * queries, the arithmetic and out stay float32. The result is attentionCached's on the
   * widened cache.
   */
  attentionCachedF16(
    tq: number,
    past: number,
    heads: number,
    kvHeads: number,
    headDim: number,
    scale: number,
    q: Float32Array,
    kCache: Uint16Array,
    vCache: Uint16Array,
    ldKv: number,
    out: Float32Array,
  ): void;
  /** out[i] = x[i] rounded to IEEE binary16, to nearest even (overflow gives ±inf), i < n. */
  f32ToF16(n: number, x: Float32Array, out: Uint16Array): void;
  /** out[i] = the exact float value of the binary16 x[i], i < n. */
  f16ToF32(n: number, x: Uint16Array, out: Float32Array): void;
}
