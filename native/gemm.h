// The blocked float32 GEMM (gemm.cc) offered to other kernels for products whose right-hand
// operand is produced on the fly: C[m, n] = beta·C + A[m, k]·Bᵀ, where B's [n, k] rows are never
// stored as floats; instead the GEMM asks a packer for each KC×NR slice in the micro-kernel's
// layout. quant.cc uses it to run prefill with block-quantized weights at float32 GEMM speed:
// each weight panel is dequantized once and then serves every row of A.
// Not here: the GEMM itself, transposed A, alpha ≠ 1.
#pragma once
#include <cstdint>

namespace lmlab {

// Writes B[row0 + w][k0 + p] to dst[p·width + w] for p < kc, w < valid, and zeros for
// valid ≤ w < width. k0 and kc are multiples of the k_align given to gemm_xbt_packed.
using PackB = void (*)(const void* ctx, int64_t row0, int64_t k0, int64_t kc, int64_t valid, int width, float* dst);

// C[m, n] (leading dimension ldc) = beta·C + A[m, k] (lda) · Bᵀ on up to `threads` threads.
// Returns false if the packing buffers could not be allocated.
bool gemm_xbt_packed(int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, PackB pack, const void* ctx,
                     int64_t k_align, float beta, float* c, int64_t ldc, int threads);

}  // namespace lmlab
