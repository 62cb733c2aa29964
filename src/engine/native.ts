// Loads the compiled addon (build/Release/lmlab_native.node) and adapts it to the Kernels
// contract. The addon takes positional arguments only (no object unpacking in C++); this file
// is the one place that knows the positional order.
import { createRequire } from 'node:module';
import type { AttentionShape, GemmArgs, Kernels } from './kernels.ts';
import { LmlabError } from '../util/errors.ts';

type Fn = (...args: unknown[]) => unknown;
interface Addon {
  info(): { threads: number; simd: string };
  [name: string]: Fn;
}

let cached: Addon | undefined;
let loadError: Error | undefined;

/** The raw addon, or a clear error explaining how to build it. */
export function loadAddon(): Addon {
  if (cached) return cached;
  if (loadError) throw loadError;
  const require = createRequire(import.meta.url);
  try {
    // LMLAB_ADDON points at another build of the addon (development builds of a subset).
    cached = require(process.env.LMLAB_ADDON || '../../build/Release/lmlab_native.node') as Addon;
    return cached;
  } catch (err) {
    loadError = new LmlabError(
      `the native kernels are not built (${(err as Error).message.split('\n')[0]}); run \`npm ci\` ` +
        '(or `npm run build:native`) with g++, make and python3 on PATH',
    );
    throw loadError;
  }
}

export function nativeInfo(): { threads: number; simd: string } {
  return loadAddon().info();
}

function attentionArgs(s: AttentionShape): unknown[] {
  return [s.batch, s.t, s.heads, s.kvHeads, s.headDim, s.scale];
}

export function createNativeKernels(): Kernels {
  const a = loadAddon();
  return {
    name: 'native',
    // the SIMD paths run 8 interleaved rows per instruction; the portable one only reads it
    prefersInterleaved: (a.quantIsa as () => { best: string })().best !== 'portable',
    gemm: (g: GemmArgs) =>
      void a.gemm(
        g.transA,
        g.transB,
        g.m,
        g.n,
        g.k,
        g.alpha,
        g.a,
        g.lda,
        g.b,
        g.ldb,
        g.beta,
        g.c,
        g.ldc,
        g.batch ?? 1,
        g.strideA ?? 0,
        g.strideB ?? 0,
        g.strideC ?? 0,
      ),
    gemv: (n, k, w, ldw, x, beta, y) => void a.gemv(n, k, w, ldw, x, beta, y),
    quantGemv: (type, rows, cols, w, x, beta, y) => void a.quantGemv(type, rows, cols, w, x, beta, y),
    quantGemm: (type, m, rows, cols, w, x, ldx, beta, y, ldy) =>
      void a.quantGemm(type, m, rows, cols, w, x, ldx, beta, y, ldy),
    quantDequantRows: (type, cols, w, first, count, out) => void a.quantDequantRows(type, cols, w, first, count, out),
    add: (n, x, y, out) => void a.add(n, x, y, out),
    mul: (n, x, y, out) => void a.mul(n, x, y, out),
    scale: (n, x, s, out) => void a.scale(n, x, s, out),
    axpy: (n, alpha, x, y) => void a.axpy(n, alpha, x, y),
    swiglu: (n, gate, up, out) => void a.swiglu(n, gate, up, out),
    swigluBackward: (n, gate, up, dout, dgate, dup) => void a.swigluBackward(n, gate, up, dout, dgate, dup),
    rmsnorm: (rows, dim, x, w, eps, out, rstd) => void a.rmsnorm(rows, dim, x, w, eps, out, rstd),
    rmsnormBackward: (rows, dim, x, w, rstd, dout, dx, dw) =>
      void a.rmsnormBackward(rows, dim, x, w, rstd, dout, dx, dw),
    rope: (tokens, heads, hd, x, ld, pos, theta) => void a.rope(tokens, heads, hd, x, ld, pos, theta),
    ropeBackward: (tokens, heads, hd, dx, ld, pos, theta) => void a.ropeBackward(tokens, heads, hd, dx, ld, pos, theta),
    softmax: (rows, n, x, out) => void a.softmax(rows, n, x, out),
    embedding: (tokens, dim, vocab, table, ids, out) => void a.embedding(tokens, dim, vocab, table, ids, out),
    embeddingBackward: (tokens, dim, vocab, ids, dout, dtable) =>
      void a.embeddingBackward(tokens, dim, vocab, ids, dout, dtable),
    crossEntropy: (tokens, vocab, logits, targets, mask, losses, dlogits, gradScale) =>
      a.crossEntropy(tokens, vocab, logits, targets, mask, losses, dlogits, gradScale) as number,
    adamw: (n, p, g, m, v, lr, b1, b2, eps, wd, step, gradScale) =>
      void a.adamw(n, p, g, m, v, lr, b1, b2, eps, wd, step, gradScale),
    sumSquares: (n, x) => a.sumSquares(n, x) as number,
    dot: (n, x, y) => a.dot(n, x, y) as number,
    rowCosine: (rows, dim, x, y, out, nx, ny) => void a.rowCosine(rows, dim, x, y, out, nx, ny),
    attentionForward: (s, q, k, v, seg, out, lse) =>
      void a.attentionForward(...attentionArgs(s), q, k, v, seg, out, lse),
    attentionBackward: (s, q, k, v, seg, out, lse, dout, dq, dk, dv) =>
      void a.attentionBackward(...attentionArgs(s), q, k, v, seg, out, lse, dout, dq, dk, dv),
    attentionCached: (tq, past, heads, kvHeads, hd, scale, q, kc, vc, ldKv, out) =>
      void a.attentionCached(tq, past, heads, kvHeads, hd, scale, q, kc, vc, ldKv, out),
    // the addon's attentionCached takes either cache precision (Float32Array or Uint16Array pairs)
    attentionCachedF16: (tq, past, heads, kvHeads, hd, scale, q, kc, vc, ldKv, out) =>
      void a.attentionCached(tq, past, heads, kvHeads, hd, scale, q, kc, vc, ldKv, out),
    f32ToF16: (n, x, out) => void a.f32ToF16(n, x, out),
    f16ToF32: (n, x, out) => void a.f16ToF32(n, x, out),
  };
}
