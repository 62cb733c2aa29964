// The small vector vocabulary the attention kernels are written in: one register type `vec`
// of W floats with load/store/fma/max/exp2, chosen at compile time (AVX-512, AVX2+FMA, or a
// scalar fallback where W = 1), loads that widen IEEE half (an F16 KV cache) to float, plus the
// two register-blocked micro-kernels every attention pass is built from. Deliberately not a
// general SIMD library: only what attention needs.
#pragma once
#include <cmath>
#include <cstdint>
#include <limits>
#include <cstring>
#if defined(__AVX512F__) || (defined(__AVX2__) && defined(__FMA__))
#include <immintrin.h>
#endif

namespace lmlab {
namespace attn {

constexpr float kLog2e = 1.4426950408889634f;
constexpr float kLn2 = 0.6931471805599453f;
constexpr float kNegInf = -std::numeric_limits<float>::infinity();

// exp2 of x = n + f (n integer, |f| <= 1/2): 2^f by its degree-6 Taylor series in f·ln2
// (relative error < 1e-7, at float precision) times 2^n built in the exponent bits.
// Inputs below -126 give exactly 0 so masked scores never leave denormals behind.
constexpr float kExpC1 = 0.6931471805599453f;
constexpr float kExpC2 = 0.2402265069591007f;
constexpr float kExpC3 = 0.05550410866482158f;
constexpr float kExpC4 = 0.009618129107628477f;
constexpr float kExpC5 = 0.0013333558146428443f;
constexpr float kExpC6 = 0.00015403530393381606f;

// IEEE 754 binary16 <-> float, exact in the portable path (round to nearest even, subnormals,
// infinities and NaN kept), matching what F16C's vcvtps2ph/vcvtph2ps compute.
inline float half_to_float(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  uint32_t exp = (h >> 10) & 0x1fu, man = h & 0x3ffu, bits;
  if (exp == 0x1f) {
    bits = sign | 0x7f800000u | (man << 13);
  } else if (exp != 0) {
    bits = sign | ((exp + 112) << 23) | (man << 13);
  } else if (man == 0) {
    bits = sign;
  } else {  // subnormal: normalise
    int e = -1;
    do {
      man <<= 1;
      e++;
    } while ((man & 0x400u) == 0);
    bits = sign | (static_cast<uint32_t>(112 - e) << 23) | ((man & 0x3ffu) << 13);
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

inline uint16_t float_to_half(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  const uint16_t sign = static_cast<uint16_t>((x >> 16) & 0x8000u);
  const uint32_t abs = x & 0x7fffffffu;
  if (abs >= 0x7f800000u) return sign | (abs > 0x7f800000u ? 0x7e00u | ((abs >> 13) & 0x3ffu) : 0x7c00u);
  if (abs >= 0x477ff000u) return sign | 0x7c00u;  // rounds to >= 65520: infinity
  if (abs < 0x38800000u) {                        // below the smallest normal half: subnormal or 0
    if (abs < 0x33000000u) return sign;           // below half the smallest subnormal
    const uint32_t man = (abs & 0x7fffffu) | 0x800000u;
    const int shift = 126 - static_cast<int>(abs >> 23);  // 14..24
    uint32_t h = man >> shift;
    const uint32_t rest = man & ((1u << shift) - 1), halfway = 1u << (shift - 1);
    if (rest > halfway || (rest == halfway && (h & 1u))) h++;
    return sign | static_cast<uint16_t>(h);
  }
  uint32_t h = ((abs >> 13) - (112u << 10));
  const uint32_t rest = abs & 0x1fffu;
  if (rest > 0x1000u || (rest == 0x1000u && (h & 1u))) h++;
  return sign | static_cast<uint16_t>(h);
}

inline float to_float(float x) { return x; }
inline float to_float(uint16_t h) { return half_to_float(h); }

#if defined(__AVX512F__)
constexpr int W = 16;
using vec = __m512;
inline vec vload(const float* p) { return _mm512_loadu_ps(p); }
inline vec vload(const uint16_t* p) { return _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p))); }
inline void vstore_half(uint16_t* p, vec v) {
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), _mm512_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
}
inline void vstore(float* p, vec v) { _mm512_storeu_ps(p, v); }
inline vec vset1(float x) { return _mm512_set1_ps(x); }
inline vec vzero() { return _mm512_setzero_ps(); }
inline vec vfma(vec a, vec b, vec c) { return _mm512_fmadd_ps(a, b, c); }
inline vec vmul(vec a, vec b) { return _mm512_mul_ps(a, b); }
inline vec vadd(vec a, vec b) { return _mm512_add_ps(a, b); }
inline vec vsub(vec a, vec b) { return _mm512_sub_ps(a, b); }
inline vec vmax(vec a, vec b) { return _mm512_max_ps(a, b); }
inline float hsum(vec a) { return _mm512_reduce_add_ps(a); }
inline float hmax(vec a) { return _mm512_reduce_max_ps(a); }
inline vec vexp2(vec x) {
  __mmask16 live = _mm512_cmp_ps_mask(x, _mm512_set1_ps(-126.0f), _CMP_GE_OQ);
  x = _mm512_min_ps(_mm512_max_ps(x, _mm512_set1_ps(-126.0f)), _mm512_set1_ps(127.0f));
  vec n = _mm512_roundscale_ps(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  vec f = _mm512_sub_ps(x, n);
  vec p = _mm512_set1_ps(kExpC6);
  p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(kExpC5));
  p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(kExpC4));
  p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(kExpC3));
  p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(kExpC2));
  p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(kExpC1));
  p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(1.0f));
  return _mm512_maskz_mov_ps(live, _mm512_scalef_ps(p, n));
}
#elif defined(__AVX2__) && defined(__FMA__)
constexpr int W = 8;
using vec = __m256;
inline vec vload(const float* p) { return _mm256_loadu_ps(p); }
#if defined(__F16C__)
inline vec vload(const uint16_t* p) { return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))); }
inline void vstore_half(uint16_t* p, vec v) {
  _mm_storeu_si128(reinterpret_cast<__m128i*>(p), _mm256_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
}
#else
inline vec vload(const uint16_t* p) {
  alignas(32) float f[8];
  for (int i = 0; i < 8; i++) f[i] = half_to_float(p[i]);
  return _mm256_load_ps(f);
}
inline void vstore_half(uint16_t* p, vec v) {
  alignas(32) float f[8];
  _mm256_store_ps(f, v);
  for (int i = 0; i < 8; i++) p[i] = float_to_half(f[i]);
}
#endif
inline void vstore(float* p, vec v) { _mm256_storeu_ps(p, v); }
inline vec vset1(float x) { return _mm256_set1_ps(x); }
inline vec vzero() { return _mm256_setzero_ps(); }
inline vec vfma(vec a, vec b, vec c) { return _mm256_fmadd_ps(a, b, c); }
inline vec vmul(vec a, vec b) { return _mm256_mul_ps(a, b); }
inline vec vadd(vec a, vec b) { return _mm256_add_ps(a, b); }
inline vec vsub(vec a, vec b) { return _mm256_sub_ps(a, b); }
inline vec vmax(vec a, vec b) { return _mm256_max_ps(a, b); }
inline float hsum(vec a) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}
inline float hmax(vec a) {
  __m128 s = _mm_max_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
  s = _mm_max_ps(s, _mm_movehl_ps(s, s));
  s = _mm_max_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}
inline vec vexp2(vec x) {
  vec live = _mm256_cmp_ps(x, _mm256_set1_ps(-126.0f), _CMP_GE_OQ);
  x = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(-126.0f)), _mm256_set1_ps(127.0f));
  vec n = _mm256_round_ps(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  vec f = _mm256_sub_ps(x, n);
  vec p = _mm256_set1_ps(kExpC6);
  p = _mm256_fmadd_ps(p, f, _mm256_set1_ps(kExpC5));
  p = _mm256_fmadd_ps(p, f, _mm256_set1_ps(kExpC4));
  p = _mm256_fmadd_ps(p, f, _mm256_set1_ps(kExpC3));
  p = _mm256_fmadd_ps(p, f, _mm256_set1_ps(kExpC2));
  p = _mm256_fmadd_ps(p, f, _mm256_set1_ps(kExpC1));
  p = _mm256_fmadd_ps(p, f, _mm256_set1_ps(1.0f));
  __m256i bits = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
  return _mm256_and_ps(live, _mm256_mul_ps(p, _mm256_castsi256_ps(bits)));
}
#else
constexpr int W = 1;
using vec = float;
inline vec vload(const float* p) { return *p; }
inline vec vload(const uint16_t* p) { return half_to_float(*p); }
inline void vstore_half(uint16_t* p, vec v) { *p = float_to_half(v); }
inline void vstore(float* p, vec v) { *p = v; }
inline vec vset1(float x) { return x; }
inline vec vzero() { return 0.0f; }
inline vec vfma(vec a, vec b, vec c) { return a * b + c; }
inline vec vmul(vec a, vec b) { return a * b; }
inline vec vadd(vec a, vec b) { return a + b; }
inline vec vsub(vec a, vec b) { return a - b; }
inline vec vmax(vec a, vec b) { return a > b ? a : b; }
inline float hsum(vec a) { return a; }
inline float hmax(vec a) { return a; }
inline vec vexp2(vec x) { return x < -126.0f ? 0.0f : std::exp2(x); }
#endif

// Horizontal sums of W vectors at once: out[k] = Σ_lanes acc[k]. A tree of lane shuffles and
// adds (W−1 adds in all) instead of W separate reductions, then one permutation that puts the
// sums in key order (the order the tree leaves them in is found once, by running it on known
// inputs, rather than written out by hand).
#if defined(__AVX512F__)
inline vec hsum_tree(const vec* a) {
  vec s[8], u[4], v[2];
  for (int i = 0; i < 8; i++)
    s[i] = _mm512_add_ps(_mm512_shuffle_f32x4(a[2 * i], a[2 * i + 1], 0x44),
                         _mm512_shuffle_f32x4(a[2 * i], a[2 * i + 1], 0xEE));
  for (int i = 0; i < 4; i++)
    u[i] = _mm512_add_ps(_mm512_shuffle_f32x4(s[2 * i], s[2 * i + 1], 0x88),
                         _mm512_shuffle_f32x4(s[2 * i], s[2 * i + 1], 0xDD));
  for (int i = 0; i < 2; i++)
    v[i] = _mm512_add_ps(_mm512_shuffle_ps(u[2 * i], u[2 * i + 1], 0x44), _mm512_shuffle_ps(u[2 * i], u[2 * i + 1], 0xEE));
  return _mm512_add_ps(_mm512_shuffle_ps(v[0], v[1], 0x88), _mm512_shuffle_ps(v[0], v[1], 0xDD));
}
inline __m512i hsum_order() {
  vec probe[16];
  for (int k = 0; k < 16; k++) probe[k] = _mm512_set1_ps(static_cast<float>(k));
  alignas(64) float lanes[16];
  _mm512_store_ps(lanes, hsum_tree(probe));
  alignas(64) int32_t idx[16];
  for (int l = 0; l < 16; l++) idx[static_cast<int>(lanes[l] / 16.0f)] = l;
  return _mm512_load_si512(idx);
}
inline vec hsum_many(const vec* a) {
  static const __m512i order = hsum_order();
  return _mm512_permutexvar_ps(order, hsum_tree(a));
}
#elif defined(__AVX2__) && defined(__FMA__)
inline vec hsum_tree(const vec* a) {
  vec s[4], u[2];
  for (int i = 0; i < 4; i++)
    s[i] = _mm256_add_ps(_mm256_permute2f128_ps(a[2 * i], a[2 * i + 1], 0x20),
                         _mm256_permute2f128_ps(a[2 * i], a[2 * i + 1], 0x31));
  for (int i = 0; i < 2; i++)
    u[i] = _mm256_add_ps(_mm256_shuffle_ps(s[2 * i], s[2 * i + 1], 0x44), _mm256_shuffle_ps(s[2 * i], s[2 * i + 1], 0xEE));
  return _mm256_add_ps(_mm256_shuffle_ps(u[0], u[1], 0x88), _mm256_shuffle_ps(u[0], u[1], 0xDD));
}
inline __m256i hsum_order() {
  vec probe[8];
  for (int k = 0; k < 8; k++) probe[k] = _mm256_set1_ps(static_cast<float>(k));
  alignas(32) float lanes[8];
  _mm256_store_ps(lanes, hsum_tree(probe));
  alignas(32) int32_t idx[8];
  for (int l = 0; l < 8; l++) idx[static_cast<int>(lanes[l] / 8.0f)] = l;
  return _mm256_load_si256(reinterpret_cast<const __m256i*>(idx));
}
inline vec hsum_many(const vec* a) {
  static const __m256i order = hsum_order();
  return _mm256_permutevar8x32_ps(hsum_tree(a), order);
}
#else
inline vec hsum_many(const vec* a) { return a[0]; }
#endif

// Pins a loaded vector in a register: without it GCC folds the load into every FMA that uses
// it, turning one load per vector into one per row and making the kernels load-bound.
#if defined(__AVX512F__) || (defined(__AVX2__) && defined(__FMA__))
inline void keep_in_register(vec& v) { asm("" : "+v"(v)); }
#else
inline void keep_in_register(vec&) {}
#endif

inline float exp2_scalar(float x) { return x < -126.0f ? 0.0f : std::exp2(x); }

// Register blocking: R rows at a time, each holding V vectors of W floats (16 accumulators on
// AVX-512 and in the scalar fallback, 8 of the 16 ymm registers on AVX2).
constexpr int R = 4;
constexpr int V = W == 8 ? 2 : 4;
constexpr int kChunk = V * W;  // columns one block of the scores kernel covers

inline int64_t round_up(int64_t x, int64_t m) { return (x + m - 1) / m * m; }

// Asks for `rows` strided rows of D floats to be brought into cache ahead of use: tiles walk
// rows a power-of-two apart, which the hardware prefetchers follow poorly. Into L2 only (hint
// 2): the current tile's working set already fills L1, and measured faster than an L1 hint.
template <typename T>
inline void prefetch_rows(const T* first, int64_t ld, int64_t rows, int64_t D) {
  for (int64_t r = 0; r < rows; r++) {
    const char* row = reinterpret_cast<const char*>(first + r * ld);
    const int64_t bytes = D * static_cast<int64_t>(sizeof(T));
    for (int64_t offset = 0; offset < bytes; offset += 64) __builtin_prefetch(row + offset, 0, 2);
  }
}

// dst[0, Dp) = src[0, D) followed by zeros (src float, or half widened to float). Rows are
// short (a head): an inline vector loop beats a call to memcpy here.
template <typename T>
inline void copy_row_padded(float* dst, const T* src, int64_t D, int64_t Dp) {
  int64_t d = 0;
  for (; d + W <= D; d += W) vstore(dst + d, vload(src + d));
  for (; d < D; d++) dst[d] = to_float(src[d]);
  for (; d < Dp; d++) dst[d] = 0.0f;
}

// s[r][c] = Σ_d a[r·lda + d] · bt[d·ldb + c] for r < rows, c < cols, where rows is a multiple
// of R and cols a multiple of kChunk (callers zero-pad their packed operands). This is Q·Kᵀ
// with Kᵀ packed so that each d contributes one broadcast-FMA per accumulator.
inline void scores_kernel(int64_t rows, int64_t cols, int64_t depth, const float* a, int64_t lda, const float* bt,
                          int64_t ldb, float* s, int64_t lds) {
  for (int64_t r0 = 0; r0 < rows; r0 += R) {
    const float* a0 = a + r0 * lda;
    for (int64_t c0 = 0; c0 < cols; c0 += kChunk) {
      vec acc[R][V];
      for (int r = 0; r < R; r++)
        for (int v = 0; v < V; v++) acc[r][v] = vzero();
      const float* b = bt + c0;
      for (int64_t d = 0; d < depth; d++, b += ldb) {
        vec bv[V];
        for (int v = 0; v < V; v++) {
          bv[v] = vload(b + v * W);
          keep_in_register(bv[v]);
        }
        for (int r = 0; r < R; r++) {
          vec ar = vset1(a0[r * lda + d]);
          for (int v = 0; v < V; v++) acc[r][v] = vfma(ar, bv[v], acc[r][v]);
        }
      }
      for (int r = 0; r < R; r++)
        for (int v = 0; v < V; v++) vstore(s + (r0 + r) * lds + c0 + v * W, acc[r][v]);
    }
  }
}

// One block of accumulate_kernel: RR rows, NV vectors of output columns starting at column c0.
// x may be float or IEEE half (an F16 cache's values), widened as it is loaded.
template <int RR, int NV, typename T>
inline void accumulate_block(int64_t inner, const float* p, int64_t prs, int64_t pcs, const T* x, int64_t ldx,
                             float* o, int64_t ldo) {
  vec acc[RR][NV];
  for (int r = 0; r < RR; r++)
    for (int v = 0; v < NV; v++) acc[r][v] = vload(o + r * ldo + v * W);
  for (int64_t j = 0; j < inner; j++) {
    const T* xj = x + j * ldx;
    vec xv[NV];
    for (int v = 0; v < NV; v++) {
      xv[v] = vload(xj + v * W);
      keep_in_register(xv[v]);
    }
    for (int r = 0; r < RR; r++) {
      vec pr = vset1(p[r * prs + j * pcs]);
      for (int v = 0; v < NV; v++) acc[r][v] = vfma(pr, xv[v], acc[r][v]);
    }
  }
  for (int r = 0; r < RR; r++)
    for (int v = 0; v < NV; v++) vstore(o + r * ldo + v * W, acc[r][v]);
}

template <int RR, typename T>
inline void accumulate_rows(int64_t inner, int64_t width, const float* p, int64_t prs, int64_t pcs, const T* x,
                            int64_t ldx, float* o, int64_t ldo) {
  int64_t c = 0;
  for (; c + V * W <= width; c += V * W) accumulate_block<RR, V, T>(inner, p, prs, pcs, x + c, ldx, o + c, ldo);
  int64_t left = (width - c) / W;
  if (left >= 2) {
    accumulate_block<RR, 2, T>(inner, p, prs, pcs, x + c, ldx, o + c, ldo);
    c += 2 * W;
    left -= 2;
  }
  if (left == 1) accumulate_block<RR, 1, T>(inner, p, prs, pcs, x + c, ldx, o + c, ldo);
}

// o[r][c] += Σ_j p[r·prs + j·pcs] · x[j·ldx + c] for r < rows (any count), c < width (a
// multiple of W). Strided p lets the same kernel read a matrix or its transpose: P·V, dSᵀ·Q
// and dS·K all go through here.
template <typename T>
inline void accumulate_kernel(int64_t rows, int64_t width, int64_t inner, const float* p, int64_t prs, int64_t pcs,
                              const T* x, int64_t ldx, float* o, int64_t ldo) {
  int64_t r = 0;
  for (; r + R <= rows; r += R) accumulate_rows<R, T>(inner, width, p + r * prs, prs, pcs, x, ldx, o + r * ldo, ldo);
  switch (rows - r) {
    case 3: accumulate_rows<3, T>(inner, width, p + r * prs, prs, pcs, x, ldx, o + r * ldo, ldo); break;
    case 2: accumulate_rows<2, T>(inner, width, p + r * prs, prs, pcs, x, ldx, o + r * ldo, ldo); break;
    case 1: accumulate_rows<1, T>(inner, width, p + r * prs, prs, pcs, x, ldx, o + r * ldo, ldo); break;
    default: break;
  }
}

}  // namespace attn
}  // namespace lmlab
