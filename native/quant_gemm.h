// The VNNI prefill product with block-quantized weights (quant_gemm.cc), called by quant.cc's
// quantGemm once the activations are quantized. Not here: activation quantization, GEMV, the
// AVX2 and portable paths (quant.cc).
#pragma once
#include <cstdint>

namespace lmlab {

// True when the build has 256-bit VPDPBUSD (AVX512-VNNI+VL or AVX-VNNI).
bool quant_gemm_vnni_built();

// y[i][r] = beta·y[i][r] + W[r]·x_i for i < m, r < rows, where x_i is given quantized: codes as
// unsigned bytes u = q + 128 (au, cols per row), scales ad (cols/32 per row) and the integer sums
// of each half block (asums, 2 per block). W is `rows` rows of `row_bytes` bytes in the ggml
// type's blocks. Returns false if the panel buffers could not be allocated.
bool quant_gemm_vnni(int type, int64_t m, int64_t rows, int64_t cols, const uint8_t* w, int64_t row_bytes,
                     const uint8_t* au, const float* ad, const int32_t* asums, float beta, float* y, int64_t ldy);

}  // namespace lmlab
