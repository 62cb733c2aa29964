// Packing for the blocked GEMM: copies a kc×width slice of an operand into the layout the
// micro-kernel streams, dst[p·W + w] (W = MR for A, NR for B), zero-padding w ≥ valid so that
// edge tiles can run the full kernel. Two source layouts cover all four trans combinations:
//  - pack_rows: element (p, w) at src[p·ld + w] (A when transA, B when not transB): row copies,
//    all panels of a block in one pass;
//  - pack_cols: element (p, w) at src[w·ld + p] (A when not transA, B when transB): a transpose,
//    done 8×8 at a time in AVX registers where available.
// It does not allocate: the destination is a per-thread buffer owned by gemm.cc.
#pragma once
#include <cstdint>
#if defined(__AVX__)
#include <immintrin.h>
#endif

namespace lmlab {
namespace gemm_detail {

// Packs `valid` columns (w) into consecutive panels of kWidth, panel s at dst + s·kc·kWidth.
// Source rows are walked once each, front to back: visiting them panel by panel instead would
// revisit every row's cache lines, which a power-of-two ld maps onto a single cache set.
template <int kWidth>
inline void pack_rows(const float* src, int64_t ld, int64_t kc, int64_t valid, float* dst) {
  const int64_t full = valid / kWidth;
  const int64_t rest = valid - full * kWidth;
  const int64_t panel_stride = kc * kWidth;
  for (int64_t p = 0; p < kc; p++) {
    const float* s = src + p * ld;
    float* d = dst + p * kWidth;
    for (int64_t panel = 0; panel < full; panel++) {
      // Fixed-size copies become a few vector moves (a memcpy call would cost more).
#pragma GCC unroll 32
      for (int w = 0; w < kWidth; w++) d[w] = s[w];
      s += kWidth;
      d += panel_stride;
    }
    if (rest) {
      int64_t w = 0;
      for (; w < rest; w++) d[w] = s[w];
      for (; w < kWidth; w++) d[w] = 0.0f;
    }
  }
}

#if defined(__AVX__)
// Transposes the 8×8 block rows[i][0..8) into dst[q·width + i].
inline void transpose8x8(const float* src, int64_t ld, float* dst, int width) {
  const __m256 r0 = _mm256_loadu_ps(src), r1 = _mm256_loadu_ps(src + ld), r2 = _mm256_loadu_ps(src + 2 * ld),
               r3 = _mm256_loadu_ps(src + 3 * ld), r4 = _mm256_loadu_ps(src + 4 * ld),
               r5 = _mm256_loadu_ps(src + 5 * ld), r6 = _mm256_loadu_ps(src + 6 * ld),
               r7 = _mm256_loadu_ps(src + 7 * ld);
  const __m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1);
  const __m256 t2 = _mm256_unpacklo_ps(r2, r3), t3 = _mm256_unpackhi_ps(r2, r3);
  const __m256 t4 = _mm256_unpacklo_ps(r4, r5), t5 = _mm256_unpackhi_ps(r4, r5);
  const __m256 t6 = _mm256_unpacklo_ps(r6, r7), t7 = _mm256_unpackhi_ps(r6, r7);
  const __m256 s0 = _mm256_shuffle_ps(t0, t2, 0x44), s1 = _mm256_shuffle_ps(t0, t2, 0xEE);
  const __m256 s2 = _mm256_shuffle_ps(t1, t3, 0x44), s3 = _mm256_shuffle_ps(t1, t3, 0xEE);
  const __m256 s4 = _mm256_shuffle_ps(t4, t6, 0x44), s5 = _mm256_shuffle_ps(t4, t6, 0xEE);
  const __m256 s6 = _mm256_shuffle_ps(t5, t7, 0x44), s7 = _mm256_shuffle_ps(t5, t7, 0xEE);
  _mm256_storeu_ps(dst + 0 * width, _mm256_permute2f128_ps(s0, s4, 0x20));
  _mm256_storeu_ps(dst + 1 * width, _mm256_permute2f128_ps(s1, s5, 0x20));
  _mm256_storeu_ps(dst + 2 * width, _mm256_permute2f128_ps(s2, s6, 0x20));
  _mm256_storeu_ps(dst + 3 * width, _mm256_permute2f128_ps(s3, s7, 0x20));
  _mm256_storeu_ps(dst + 4 * width, _mm256_permute2f128_ps(s0, s4, 0x31));
  _mm256_storeu_ps(dst + 5 * width, _mm256_permute2f128_ps(s1, s5, 0x31));
  _mm256_storeu_ps(dst + 6 * width, _mm256_permute2f128_ps(s2, s6, 0x31));
  _mm256_storeu_ps(dst + 7 * width, _mm256_permute2f128_ps(s3, s7, 0x31));
}
#endif

inline void pack_cols(const float* src, int64_t ld, int64_t kc, int64_t valid, int width, float* dst) {
  int64_t w = 0;
#if defined(__AVX__)
  const int64_t kc8 = kc & ~int64_t(7);
  for (; w + 8 <= valid; w += 8) {
    const float* s = src + w * ld;
    for (int64_t p = 0; p < kc8; p += 8) transpose8x8(s + p, ld, dst + p * width + w, width);
    for (int64_t p = kc8; p < kc; p++) {
      for (int i = 0; i < 8; i++) dst[p * width + w + i] = s[i * ld + p];
    }
  }
#endif
  for (; w < valid; w++) {
    const float* s = src + w * ld;
    for (int64_t p = 0; p < kc; p++) dst[p * width + w] = s[p];
  }
  for (; w < width; w++) {
    for (int64_t p = 0; p < kc; p++) dst[p * width + w] = 0.0f;
  }
}

}  // namespace gemm_detail
}  // namespace lmlab
