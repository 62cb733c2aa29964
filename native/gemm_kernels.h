// The innermost loops of the matrix products, one set per instruction set chosen at compile
// time (AVX-512, else AVX2+FMA, else portable C++ the compiler may vectorise):
//  - micro_kernel: an MR×NR tile of C from packed panels (A as [kc][MR], B as [kc][NR]);
//  - gemv_rows: y[r·incy] = alpha·(W[r,:]·x) + beta·y[r·incy] for a range of weight rows.
// It does not pack, block or thread: gemm.cc does that. Accumulators live in registers for the
// whole kc loop, so a tile's C is read and written once per kc block.
#pragma once
#include <cstdint>
#if defined(__AVX2__) || defined(__AVX512F__)
#include <immintrin.h>
#endif

namespace lmlab {
namespace gemm_detail {

// Stores alpha·acc (+ beta·c unless beta == 0, where c's old contents, NaN included, are ignored).
#if defined(__AVX512F__)
inline void store_tile_row(float* c, __m512 acc, __m512 alpha, float beta) {
  __m512 value = _mm512_mul_ps(acc, alpha);
  if (beta != 0.0f) value = _mm512_fmadd_ps(_mm512_set1_ps(beta), _mm512_loadu_ps(c), value);
  _mm512_storeu_ps(c, value);
}
#endif

#if defined(__AVX512F__)
// 8×32: 16 zmm accumulators, 2 B loads and 8 broadcasts per k step keep the FMA pipe busy
// without running out of the 32 registers.
constexpr int kMR = 8;
constexpr int kNR = 32;
constexpr const char* kIsa = "avx512";

inline void micro_kernel(int64_t kc, const float* ap, const float* bp, float* c, int64_t ldc, float alpha, float beta) {
  __m512 acc[kMR][2];
#pragma GCC unroll 8
  for (int i = 0; i < kMR; i++) {
    acc[i][0] = acc[i][1] = _mm512_setzero_ps();
    // Fetch the C tile while the k loop runs: with a power-of-two ldc its rows share cache sets
    // and would otherwise miss one after another at the store.
    _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc + 16), _MM_HINT_T0);
  }
  for (int64_t p = 0; p < kc; p++) {
    const __m512 b0 = _mm512_load_ps(bp);
    const __m512 b1 = _mm512_load_ps(bp + 16);
#pragma GCC unroll 8
    for (int i = 0; i < kMR; i++) {
      const __m512 ai = _mm512_set1_ps(ap[i]);
      acc[i][0] = _mm512_fmadd_ps(ai, b0, acc[i][0]);
      acc[i][1] = _mm512_fmadd_ps(ai, b1, acc[i][1]);
    }
    ap += kMR;
    bp += kNR;
  }
  const __m512 va = _mm512_set1_ps(alpha);
#pragma GCC unroll 8
  for (int i = 0; i < kMR; i++) {
    store_tile_row(c + i * ldc, acc[i][0], va, beta);
    store_tile_row(c + i * ldc + 16, acc[i][1], va, beta);
  }
}

// Four rows share each load of x; the k tail uses masked loads instead of a scalar loop.
inline void gemv_rows(int64_t r0, int64_t r1, int64_t k, const float* w, int64_t ldw, const float* x, float alpha,
                      float beta, float* y, int64_t incy) {
  const int64_t k16 = k & ~int64_t(15);
  const __mmask16 tail = static_cast<__mmask16>((1u << (k - k16)) - 1u);
  int64_t r = r0;
  for (; r + 4 <= r1; r += 4) {
    const float* w0 = w + r * ldw;
    const float* w1 = w0 + ldw;
    const float* w2 = w1 + ldw;
    const float* w3 = w2 + ldw;
    __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps(), s2 = _mm512_setzero_ps(), s3 = _mm512_setzero_ps();
    for (int64_t p = 0; p < k16; p += 16) {
      const __m512 xv = _mm512_loadu_ps(x + p);
      s0 = _mm512_fmadd_ps(_mm512_loadu_ps(w0 + p), xv, s0);
      s1 = _mm512_fmadd_ps(_mm512_loadu_ps(w1 + p), xv, s1);
      s2 = _mm512_fmadd_ps(_mm512_loadu_ps(w2 + p), xv, s2);
      s3 = _mm512_fmadd_ps(_mm512_loadu_ps(w3 + p), xv, s3);
    }
    if (tail) {
      const __m512 xv = _mm512_maskz_loadu_ps(tail, x + k16);
      s0 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(tail, w0 + k16), xv, s0);
      s1 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(tail, w1 + k16), xv, s1);
      s2 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(tail, w2 + k16), xv, s2);
      s3 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(tail, w3 + k16), xv, s3);
    }
    const float d[4] = {_mm512_reduce_add_ps(s0), _mm512_reduce_add_ps(s1), _mm512_reduce_add_ps(s2),
                        _mm512_reduce_add_ps(s3)};
    for (int i = 0; i < 4; i++) y[(r + i) * incy] = beta == 0.0f ? alpha * d[i] : alpha * d[i] + beta * y[(r + i) * incy];
  }
  for (; r < r1; r++) {
    const float* wr = w + r * ldw;
    __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps();
    int64_t p = 0;
    for (; p + 32 <= k16; p += 32) {
      s0 = _mm512_fmadd_ps(_mm512_loadu_ps(wr + p), _mm512_loadu_ps(x + p), s0);
      s1 = _mm512_fmadd_ps(_mm512_loadu_ps(wr + p + 16), _mm512_loadu_ps(x + p + 16), s1);
    }
    for (; p < k16; p += 16) s0 = _mm512_fmadd_ps(_mm512_loadu_ps(wr + p), _mm512_loadu_ps(x + p), s0);
    if (tail) s1 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(tail, wr + k16), _mm512_maskz_loadu_ps(tail, x + k16), s1);
    const float d = _mm512_reduce_add_ps(_mm512_add_ps(s0, s1));
    y[r * incy] = beta == 0.0f ? alpha * d : alpha * d + beta * y[r * incy];
  }
}

#elif defined(__AVX2__) && defined(__FMA__)
// 6×16: 12 ymm accumulators + 2 B registers + 1 broadcast fit the 16 registers.
constexpr int kMR = 6;
constexpr int kNR = 16;
constexpr const char* kIsa = "avx2";

inline void micro_kernel(int64_t kc, const float* ap, const float* bp, float* c, int64_t ldc, float alpha, float beta) {
  __m256 acc[kMR][2];
#pragma GCC unroll 6
  for (int i = 0; i < kMR; i++) acc[i][0] = acc[i][1] = _mm256_setzero_ps();
  for (int64_t p = 0; p < kc; p++) {
    const __m256 b0 = _mm256_load_ps(bp);
    const __m256 b1 = _mm256_load_ps(bp + 8);
#pragma GCC unroll 6
    for (int i = 0; i < kMR; i++) {
      const __m256 ai = _mm256_broadcast_ss(ap + i);
      acc[i][0] = _mm256_fmadd_ps(ai, b0, acc[i][0]);
      acc[i][1] = _mm256_fmadd_ps(ai, b1, acc[i][1]);
    }
    ap += kMR;
    bp += kNR;
  }
  const __m256 va = _mm256_set1_ps(alpha);
  const __m256 vb = _mm256_set1_ps(beta);
#pragma GCC unroll 6
  for (int i = 0; i < kMR; i++) {
    for (int h = 0; h < 2; h++) {
      float* cp = c + i * ldc + 8 * h;
      __m256 value = _mm256_mul_ps(acc[i][h], va);
      if (beta != 0.0f) value = _mm256_fmadd_ps(vb, _mm256_loadu_ps(cp), value);
      _mm256_storeu_ps(cp, value);
    }
  }
}

inline float hsum256(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

inline void gemv_rows(int64_t r0, int64_t r1, int64_t k, const float* w, int64_t ldw, const float* x, float alpha,
                      float beta, float* y, int64_t incy) {
  const int64_t k8 = k & ~int64_t(7);
  int64_t r = r0;
  for (; r + 4 <= r1; r += 4) {
    const float* wr[4] = {w + r * ldw, w + (r + 1) * ldw, w + (r + 2) * ldw, w + (r + 3) * ldw};
    __m256 s[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
    for (int64_t p = 0; p < k8; p += 8) {
      const __m256 xv = _mm256_loadu_ps(x + p);
      for (int i = 0; i < 4; i++) s[i] = _mm256_fmadd_ps(_mm256_loadu_ps(wr[i] + p), xv, s[i]);
    }
    for (int i = 0; i < 4; i++) {
      float d = hsum256(s[i]);
      for (int64_t p = k8; p < k; p++) d += wr[i][p] * x[p];
      y[(r + i) * incy] = beta == 0.0f ? alpha * d : alpha * d + beta * y[(r + i) * incy];
    }
  }
  for (; r < r1; r++) {
    const float* wr = w + r * ldw;
    __m256 s = _mm256_setzero_ps();
    for (int64_t p = 0; p < k8; p += 8) s = _mm256_fmadd_ps(_mm256_loadu_ps(wr + p), _mm256_loadu_ps(x + p), s);
    float d = hsum256(s);
    for (int64_t p = k8; p < k; p++) d += wr[p] * x[p];
    y[r * incy] = beta == 0.0f ? alpha * d : alpha * d + beta * y[r * incy];
  }
}

#else
// Portable: plain loops over a 4×16 tile; the compiler vectorises what the target allows.
constexpr int kMR = 4;
constexpr int kNR = 16;
constexpr const char* kIsa = "portable";

inline void micro_kernel(int64_t kc, const float* ap, const float* bp, float* c, int64_t ldc, float alpha, float beta) {
  float acc[kMR][kNR] = {};
  for (int64_t p = 0; p < kc; p++) {
    for (int i = 0; i < kMR; i++) {
      const float ai = ap[i];
      for (int j = 0; j < kNR; j++) acc[i][j] += ai * bp[j];
    }
    ap += kMR;
    bp += kNR;
  }
  for (int i = 0; i < kMR; i++) {
    float* cp = c + i * ldc;
    for (int j = 0; j < kNR; j++) cp[j] = beta == 0.0f ? alpha * acc[i][j] : alpha * acc[i][j] + beta * cp[j];
  }
}

inline void gemv_rows(int64_t r0, int64_t r1, int64_t k, const float* w, int64_t ldw, const float* x, float alpha,
                      float beta, float* y, int64_t incy) {
  for (int64_t r = r0; r < r1; r++) {
    const float* wr = w + r * ldw;
    // Eight partial sums: a single running sum would serialise on the add latency.
    float s[8] = {};
    int64_t p = 0;
    for (; p + 8 <= k; p += 8) {
      for (int j = 0; j < 8; j++) s[j] += wr[p + j] * x[p + j];
    }
    float d = ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
    for (; p < k; p++) d += wr[p] * x[p];
    y[r * incy] = beta == 0.0f ? alpha * d : alpha * d + beta * y[r * incy];
  }
}
#endif

}  // namespace gemm_detail
}  // namespace lmlab
