// A thin vector layer for the elementwise, normalisation, RoPE, loss and optimiser kernels: one
// float vector type `vf` (16 lanes with AVX-512, 8 with AVX2+FMA, 1 portable lane otherwise),
// a double vector `vd` for reductions that must accumulate in double, a vectorised exp, and
// `blocks()`, which walks [0, n) in full vectors and finishes with one masked tail vector, so
// each kernel is written once for every width and never needs a scalar remainder loop.
// It deliberately offers only what these kernels use; GEMM and attention keep their own code.
#pragma once
#include <cmath>
#include <cstdint>
#if defined(__AVX512F__) || (defined(__AVX2__) && defined(__FMA__))
// GCC 12 reports its own intrinsics (built on _mm512_undefined_*) as "maybe uninitialized"
// under -Wall, which node-gyp turns on; the warnings are false and would bury real ones.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop
#endif

namespace lmlab {
namespace simd {

// Marks a block as a whole vector (plain loads and stores).
struct Full {};

// exp() polynomial pieces shared by the vector paths: exp(x) = 2^k · exp(r), r = x − k·ln2,
// |r| ≤ ln2/2, where the degree-7 Taylor series is within float rounding. The input is clamped
// so that 2^k stays a normal float; below the low clamp the result is flushed to 0.
constexpr float kExpLow = -87.33654f;
constexpr float kExpHigh = 88.37626f;
constexpr float kLog2e = 1.44269504088896341f;
constexpr float kLn2Hi = 0.693359375f;  // few mantissa bits: k·kLn2Hi is exact
constexpr float kLn2Lo = -2.12194440e-4f;

#if defined(__AVX512F__)

constexpr int kWidth = 16;
using vf = __m512;
using vd = __m512d;
struct Tail { __mmask16 mask; };
inline Tail tail(int64_t count) { return {static_cast<__mmask16>((1u << count) - 1u)}; }

inline vf load(const float* p, Full) { return _mm512_loadu_ps(p); }
inline vf load(const float* p, Tail t) { return _mm512_maskz_loadu_ps(t.mask, p); }
inline vf load_or(const float* p, Full, float) { return _mm512_loadu_ps(p); }
inline vf load_or(const float* p, Tail t, float fill) { return _mm512_mask_loadu_ps(_mm512_set1_ps(fill), t.mask, p); }
inline void store(float* p, vf v, Full) { _mm512_storeu_ps(p, v); }
inline void store(float* p, vf v, Tail t) { _mm512_mask_storeu_ps(p, t.mask, v); }

inline vf set1(float x) { return _mm512_set1_ps(x); }
inline vf zero() { return _mm512_setzero_ps(); }
inline vf add(vf a, vf b) { return _mm512_add_ps(a, b); }
inline vf sub(vf a, vf b) { return _mm512_sub_ps(a, b); }
inline vf mul(vf a, vf b) { return _mm512_mul_ps(a, b); }
inline vf div(vf a, vf b) { return _mm512_div_ps(a, b); }
inline vf max(vf a, vf b) { return _mm512_max_ps(a, b); }
inline vf fma(vf a, vf b, vf c) { return _mm512_fmadd_ps(a, b, c); }    // a·b + c
inline vf fnma(vf a, vf b, vf c) { return _mm512_fnmadd_ps(a, b, c); }  // c − a·b
inline vf sqrt(vf a) { return _mm512_sqrt_ps(a); }
inline float hsum(vf a) { return _mm512_reduce_add_ps(a); }
inline float hmax(vf a) { return _mm512_reduce_max_ps(a); }

inline vf exp(vf x) {
  // NaN passes through the clamps (max/min return their second operand on NaN).
  vf c = _mm512_min_ps(_mm512_set1_ps(kExpHigh), _mm512_max_ps(_mm512_set1_ps(kExpLow), x));
  vf k = _mm512_roundscale_ps(_mm512_mul_ps(c, _mm512_set1_ps(kLog2e)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  vf r = _mm512_fnmadd_ps(k, _mm512_set1_ps(kLn2Hi), c);
  r = _mm512_fnmadd_ps(k, _mm512_set1_ps(kLn2Lo), r);
  vf p = _mm512_set1_ps(1.0f / 5040);
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 720));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 120));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 24));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 6));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(0.5f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
  vf result = _mm512_scalef_ps(p, k);
  __mmask16 underflow = _mm512_cmp_ps_mask(x, _mm512_set1_ps(kExpLow), _CMP_LT_OQ);
  return _mm512_mask_mov_ps(result, underflow, _mm512_setzero_ps());
}

// Double lanes: a float vector widens into two double vectors.
constexpr int kDoubleWidth = 8;
inline vd dzero() { return _mm512_setzero_pd(); }
inline void widen(vf v, vd& lo, vd& hi) {
  lo = _mm512_cvtps_pd(_mm512_castps512_ps256(v));
  hi = _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1)));
}
inline vd dfma(vd a, vd b, vd c) { return _mm512_fmadd_pd(a, b, c); }
inline vd dadd(vd a, vd b) { return _mm512_add_pd(a, b); }
inline double dsum(vd a) { return _mm512_reduce_add_pd(a); }

#elif defined(__AVX2__) && defined(__FMA__)

constexpr int kWidth = 8;
using vf = __m256;
using vd = __m256d;
struct Tail { __m256i mask; };
// Eight all-ones lanes followed by eight zero lanes: a window at offset 8 − count enables the
// first `count` lanes.
alignas(32) inline constexpr int32_t kTailMasks[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};
inline Tail tail(int64_t count) {
  return {_mm256_loadu_si256(reinterpret_cast<const __m256i*>(kTailMasks + 8 - count))};
}

inline vf load(const float* p, Full) { return _mm256_loadu_ps(p); }
inline vf load(const float* p, Tail t) { return _mm256_maskload_ps(p, t.mask); }
inline vf load_or(const float* p, Full, float) { return _mm256_loadu_ps(p); }
inline vf load_or(const float* p, Tail t, float fill) {
  return _mm256_blendv_ps(_mm256_set1_ps(fill), _mm256_maskload_ps(p, t.mask), _mm256_castsi256_ps(t.mask));
}
inline void store(float* p, vf v, Full) { _mm256_storeu_ps(p, v); }
inline void store(float* p, vf v, Tail t) { _mm256_maskstore_ps(p, t.mask, v); }

inline vf set1(float x) { return _mm256_set1_ps(x); }
inline vf zero() { return _mm256_setzero_ps(); }
inline vf add(vf a, vf b) { return _mm256_add_ps(a, b); }
inline vf sub(vf a, vf b) { return _mm256_sub_ps(a, b); }
inline vf mul(vf a, vf b) { return _mm256_mul_ps(a, b); }
inline vf div(vf a, vf b) { return _mm256_div_ps(a, b); }
inline vf max(vf a, vf b) { return _mm256_max_ps(a, b); }
inline vf fma(vf a, vf b, vf c) { return _mm256_fmadd_ps(a, b, c); }
inline vf fnma(vf a, vf b, vf c) { return _mm256_fnmadd_ps(a, b, c); }
inline vf sqrt(vf a) { return _mm256_sqrt_ps(a); }
inline float hsum(vf a) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}
inline float hmax(vf a) {
  __m128 s = _mm_max_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
  s = _mm_max_ps(s, _mm_movehl_ps(s, s));
  s = _mm_max_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

inline vf exp(vf x) {
  vf c = _mm256_min_ps(_mm256_set1_ps(kExpHigh), _mm256_max_ps(_mm256_set1_ps(kExpLow), x));
  vf k = _mm256_round_ps(_mm256_mul_ps(c, _mm256_set1_ps(kLog2e)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  vf r = _mm256_fnmadd_ps(k, _mm256_set1_ps(kLn2Hi), c);
  r = _mm256_fnmadd_ps(k, _mm256_set1_ps(kLn2Lo), r);
  vf p = _mm256_set1_ps(1.0f / 5040);
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 720));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 120));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 24));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 6));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(0.5f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
  // 2^k built in the exponent field; the clamps keep k within [−126, 127].
  __m256i bits = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(k), _mm256_set1_epi32(127)), 23);
  vf result = _mm256_mul_ps(p, _mm256_castsi256_ps(bits));
  vf underflow = _mm256_cmp_ps(x, _mm256_set1_ps(kExpLow), _CMP_LT_OQ);
  return _mm256_andnot_ps(underflow, result);
}

constexpr int kDoubleWidth = 4;
inline vd dzero() { return _mm256_setzero_pd(); }
inline void widen(vf v, vd& lo, vd& hi) {
  lo = _mm256_cvtps_pd(_mm256_castps256_ps128(v));
  hi = _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1));
}
inline vd dfma(vd a, vd b, vd c) { return _mm256_fmadd_pd(a, b, c); }
inline vd dadd(vd a, vd b) { return _mm256_add_pd(a, b); }
inline double dsum(vd a) {
  __m128d s = _mm_add_pd(_mm256_castpd256_pd128(a), _mm256_extractf128_pd(a, 1));
  return _mm_cvtsd_f64(_mm_add_sd(s, _mm_unpackhi_pd(s, s)));
}

#else

// Portable: one lane, so blocks() never produces a tail (the Tail overloads exist only so
// that kernels compile unchanged).
constexpr int kWidth = 1;
using vf = float;
using vd = double;
struct Tail { int64_t count; };
inline Tail tail(int64_t count) { return {count}; }
inline vf load(const float* p, Full) { return *p; }
inline vf load(const float* p, Tail t) { return t.count > 0 ? *p : 0.0f; }
inline vf load_or(const float* p, Full, float) { return *p; }
inline vf load_or(const float* p, Tail t, float fill) { return t.count > 0 ? *p : fill; }
inline void store(float* p, vf v, Full) { *p = v; }
inline void store(float* p, vf v, Tail t) { if (t.count > 0) *p = v; }

inline vf set1(float x) { return x; }
inline vf zero() { return 0.0f; }
inline vf add(vf a, vf b) { return a + b; }
inline vf sub(vf a, vf b) { return a - b; }
inline vf mul(vf a, vf b) { return a * b; }
inline vf div(vf a, vf b) { return a / b; }
inline vf max(vf a, vf b) { return a > b ? a : b; }
inline vf fma(vf a, vf b, vf c) { return a * b + c; }
inline vf fnma(vf a, vf b, vf c) { return c - a * b; }
inline vf sqrt(vf a) { return std::sqrt(a); }
inline float hsum(vf a) { return a; }
inline float hmax(vf a) { return a; }
inline vf exp(vf x) { return std::exp(x); }

constexpr int kDoubleWidth = 1;
inline vd dzero() { return 0.0; }
// With one lane, `hi` stays 0 so that code written for two halves still sums correctly.
inline void widen(vf v, vd& lo, vd& hi) { lo = v; hi = 0.0; }
inline vd dfma(vd a, vd b, vd c) { return a * b + c; }
inline vd dadd(vd a, vd b) { return a + b; }
inline double dsum(vd a) { return a; }

#endif

// Walks [0, n) as full vectors then at most one masked tail: body(index, Full{} or Tail).
template <class Body>
inline void blocks(int64_t n, Body&& body) {
  int64_t i = 0;
  for (; i + kWidth <= n; i += kWidth) body(i, Full{});
  if (i < n) body(i, tail(n - i));
}

// The kernels' shared numeric helpers.
inline vf sigmoid(vf x) { return div(set1(1.0f), add(set1(1.0f), exp(sub(zero(), x)))); }

}  // namespace simd
}  // namespace lmlab
