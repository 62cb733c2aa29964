// Products with block-quantized weight matrices kept in their GGUF bytes (quant_blocks.h):
// `quantGemv` (decode, y = beta·y + W·x) and `quantGemm` (prefill, Y = beta·Y + X·Wᵀ), W stored
// [out][in] as rows of ggml blocks, plus `quantDequantRows` (embedding lookups, tests).
//
// The usual integer scheme: each row of x is first quantized to 8-bit blocks of 32 (d = max|x|/127,
// q = round-half-even(x·(1/d))) together with the integer sums of each half block; a weight
// sub-block then meets an activation block in one integer dot product, and floats only appear
// once per 32 values:
//   Σ_j  d_j · ( s_lo·Σ_{i<16} w_i q_i + s_hi·Σ_{i≥16} w_i q_i  −  min·Σ_i q_i )
// Unsigned nibble formats (Q4_0, Q4_K, Q6_K) multiply their raw codes (u8 × s8, VPDPBUSD with
// VNNI, VPMADDUBSW otherwise) and take the code offset (8 or 32) back out through the activation
// sums; Q8_0's signed weights go through the sign trick (|w| × sign(w)·q).
// Paths: "vnni" (256-bit VPDPBUSD, AVX512-VNNI+VL or AVX-VNNI), "avx2" and "portable"; the best the
// build supports is used, and quantIsa(name) forces a lower one (tests run every path).
// Q4_0x8 and Q8_0x8 (quant_blocks.h) hold 8 rows interleaved, so decode runs 8 rows per
// instruction with no horizontal sums (gemv_x8). GEMV splits W's rows across the pool. GEMM from 8 rows of x on VNNI builds runs the packed-panel
// product of quant_gemm.cc (the same integer sums, 8 weight rows per instruction; below 8 rows
// its per-call packing of the weights costs more than it saves). Otherwise (fewer rows, no VNNI),
// GEMM with fewer than kFloatGemmMinRows rows of x (a speculative verification, a short prompt)
// tiles 4 weight rows × 4 activation rows so that each decoded weight sub-block serves four rows
// of x; from kFloatGemmMinRows rows on (prefill chunks) the weights are dequantized panel by panel
// straight into the float32 GEMM's packed layout (gemm.h) and multiplied with unquantized
// activations, which the kernel contract allows there (src/engine/kernels.ts): the AVX2 integer
// tile would cost more than the float product. Scratch (the quantized activations) is per calling
// thread and grows once; nothing is allocated per call.
// Not here: encoders (TypeScript writes quantized files), training (quantized weights are
// inference-only), F32 products (gemm.cc).
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "common.h"
#include "gemm.h"
#include "pool.h"
#include "quant_blocks.h"
#include "quant_gemm.h"

#if defined(__AVX2__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop
#endif

namespace lmlab {
namespace {

using namespace quant;

enum Isa { kPortable = 0, kAvx2 = 1, kVnni = 2 };

#if defined(__AVX512VNNI__) && defined(__AVX512VL__)
#define LMLAB_QUANT_VNNI 1
constexpr Isa kBestIsa = kVnni;
#elif defined(__AVXVNNI__)
#define LMLAB_QUANT_VNNI 1
constexpr Isa kBestIsa = kVnni;
#elif defined(__AVX2__) && defined(__FMA__)
constexpr Isa kBestIsa = kAvx2;
#else
constexpr Isa kBestIsa = kPortable;
#endif

const char* isa_name(Isa isa) { return isa == kVnni ? "vnni" : isa == kAvx2 ? "avx2" : "portable"; }

Isa initial_isa() {
  const char* env = std::getenv("LMLAB_QUANT_ISA");
  if (env) {
    for (Isa isa : {kPortable, kAvx2, kVnni}) {
      if (std::string(env) == isa_name(isa) && isa <= kBestIsa) return isa;
    }
  }
  return kBestIsa;
}
Isa active_isa = initial_isa();

// Below this many weight bytes a product runs on the calling thread.
constexpr int64_t kParallelMinBytes = int64_t(1) << 15;

// ---- activations ---------------------------------------------------------------------------

// Quantized rows of x: per 32-block the int8 codes, the scale d and the sums of the two halves.
struct Acts {
  int8_t* q;
  float* d;
  int32_t* sums;  // [2 per block]: Σ q over values 0..15 and 16..31
  int64_t blocks;  // per row
};

class ActBuffer {
 public:
  ~ActBuffer() { std::free(data_); }
  bool get(int64_t rows, int64_t cols, Acts& out) {
    const int64_t blocks = cols / 32;
    const size_t q_bytes = static_cast<size_t>(rows * cols + 63) & ~size_t(63);
    const size_t d_bytes = static_cast<size_t>(rows * blocks * 4 + 63) & ~size_t(63);
    const size_t s_bytes = static_cast<size_t>(rows * blocks * 8);
    const size_t bytes = q_bytes + d_bytes + s_bytes + 64;
    if (bytes > capacity_) {
      std::free(data_);
      data_ = static_cast<uint8_t*>(std::aligned_alloc(64, (bytes + 63) & ~size_t(63)));
      capacity_ = data_ ? bytes : 0;
      if (!data_) return false;
    }
    out.q = reinterpret_cast<int8_t*>(data_);
    out.d = reinterpret_cast<float*>(data_ + q_bytes);
    out.sums = reinterpret_cast<int32_t*>(data_ + q_bytes + d_bytes);
    out.blocks = blocks;
    return true;
  }

 private:
  uint8_t* data_ = nullptr;
  size_t capacity_ = 0;
};

thread_local ActBuffer act_buffer;

// Quantizes one row of `cols` values (a multiple of 32) into block b0.. of acts.
void quantize_row(Isa isa, const float* x, int64_t cols, int8_t* q, float* d, int32_t* sums) {
  for (int64_t b = 0; b < cols / 32; b++) {
    const float* v = x + b * 32;
    int8_t* out = q + b * 32;
#if defined(__AVX2__) && defined(__FMA__)
    if (isa != kPortable) {
      const __m256 sign = _mm256_set1_ps(-0.0f);
      __m256 v0 = _mm256_loadu_ps(v), v1 = _mm256_loadu_ps(v + 8), v2 = _mm256_loadu_ps(v + 16),
             v3 = _mm256_loadu_ps(v + 24);
      __m256 m = _mm256_max_ps(_mm256_max_ps(_mm256_andnot_ps(sign, v0), _mm256_andnot_ps(sign, v1)),
                               _mm256_max_ps(_mm256_andnot_ps(sign, v2), _mm256_andnot_ps(sign, v3)));
      __m128 m4 = _mm_max_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
      m4 = _mm_max_ps(m4, _mm_movehl_ps(m4, m4));
      m4 = _mm_max_ss(m4, _mm_movehdup_ps(m4));
      const float amax = _mm_cvtss_f32(m4);
      const float dd = amax / 127.0f;
      const float id = dd != 0.0f ? 1.0f / dd : 0.0f;
      d[b] = dd;
      const __m256 s = _mm256_set1_ps(id);
      __m256i i0 = _mm256_cvtps_epi32(_mm256_mul_ps(v0, s)), i1 = _mm256_cvtps_epi32(_mm256_mul_ps(v1, s));
      __m256i i2 = _mm256_cvtps_epi32(_mm256_mul_ps(v2, s)), i3 = _mm256_cvtps_epi32(_mm256_mul_ps(v3, s));
      // half sums before narrowing
      __m256i lo = _mm256_add_epi32(i0, i1), hi = _mm256_add_epi32(i2, i3);
      __m128i l4 = _mm_add_epi32(_mm256_castsi256_si128(lo), _mm256_extracti128_si256(lo, 1));
      __m128i h4 = _mm_add_epi32(_mm256_castsi256_si128(hi), _mm256_extracti128_si256(hi, 1));
      __m128i lh = _mm_hadd_epi32(l4, h4);  // l0+l1, l2+l3, h0+h1, h2+h3
      lh = _mm_hadd_epi32(lh, lh);
      sums[2 * b] = _mm_cvtsi128_si32(lh);
      sums[2 * b + 1] = _mm_extract_epi32(lh, 1);
      __m256i p01 = _mm256_packs_epi32(i0, i1), p23 = _mm256_packs_epi32(i2, i3);
      __m256i p = _mm256_packs_epi16(p01, p23);
      // packs work per 128-bit lane: restore the element order
      p = _mm256_permutevar8x32_epi32(p, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(out), p);
      continue;
    }
#endif
    float amax = 0.0f;
    for (int i = 0; i < 32; i++) amax = std::max(amax, std::fabs(v[i]));
    const float dd = amax / 127.0f;
    const float id = dd != 0.0f ? 1.0f / dd : 0.0f;
    d[b] = dd;
    int32_t s0 = 0, s1 = 0;
    for (int i = 0; i < 32; i++) {
      const int32_t c = static_cast<int32_t>(std::nearbyint(v[i] * id));
      out[i] = static_cast<int8_t>(c);
      (i < 16 ? s0 : s1) += c;
    }
    sums[2 * b] = s0;
    sums[2 * b + 1] = s1;
  }
}

// Quantizes rows [0, rows) of x (leading dimension ldx) into the calling thread's buffer.
bool quantize_acts(Isa isa, int64_t rows, int64_t cols, const float* x, int64_t ldx, Acts& a) {
  if (!act_buffer.get(rows, cols, a)) return false;
  auto run = [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; r++) {
      quantize_row(isa, x + r * ldx, cols, a.q + r * cols, a.d + r * a.blocks, a.sums + 2 * r * a.blocks);
    }
  };
  if (rows * cols >= (int64_t(1) << 16)) parallel_for(rows, 8, run);
  else run(0, rows);
  return true;
}

// ---- portable dot product -------------------------------------------------------------------

float dot_portable(int type, const uint8_t* row, int64_t blocks, const int8_t* q, const float* d,
                   const int32_t* sums) {
  float acc = 0.0f;
  Sub s;
  for (int64_t j = 0; j < blocks; j++) {
    decode_sub(type, row, j, s);
    const int8_t* a = q + j * 32;
    int32_t lo = 0, hi = 0;
    for (int i = 0; i < 16; i++) lo += s.w[i] * a[i];
    for (int i = 16; i < 32; i++) hi += s.w[i] * a[i];
    acc += d[j] * (s.s_lo * static_cast<float>(lo) + s.s_hi * static_cast<float>(hi) -
                   s.min * static_cast<float>(sums[2 * j] + sums[2 * j + 1]));
  }
  return acc;
}

// ---- SIMD dot products ----------------------------------------------------------------------
#if defined(__AVX2__) && defined(__FMA__)

// Σ over groups of 4 bytes of u·s (u unsigned, s signed) into 8 int32 lanes: lanes 0..3 cover
// bytes 0..15, lanes 4..7 bytes 16..31.
template <Isa I>
inline __m256i dot_us(__m256i u, __m256i s) {
#if defined(LMLAB_QUANT_VNNI)
  if constexpr (I == kVnni) {
#if defined(__AVX512VNNI__) && defined(__AVX512VL__)
    return _mm256_dpbusd_epi32(_mm256_setzero_si256(), u, s);
#else
    return _mm256_dpbusd_avx_epi32(_mm256_setzero_si256(), u, s);
#endif
  }
#endif
  return _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), _mm256_set1_epi16(1));
}

// A weight sub-block in registers: unsigned codes u (or |w| for Q8_0, whose activation then
// takes w's sign), the per-half scales and the offset term's factor.
struct SubReg {
  __m256i u;
  __m256i sign;  // Q8_0 only: w itself (the activation is multiplied by its sign)
  float s_lo, s_hi;
  float off;  // subtract off·Σq (Q4_0: 8·d, Q4_K: dmin·m); Q6_K uses off_lo/off_hi
  float off_lo, off_hi;
};

template <int T>
inline void load_sub(const uint8_t* row, int64_t j, SubReg& r) {
  const __m256i low4 = _mm256_set1_epi8(0x0f);
  if constexpr (T == kQ8_0) {
    const uint8_t* b = row + j * 34;
    const __m256i w = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + 2));
    r.u = _mm256_sign_epi8(w, w);
    r.sign = w;
    r.s_lo = r.s_hi = f16(b);
    r.off = 0.0f;
  } else if constexpr (T == kQ4_0) {
    const uint8_t* b = row + j * 18;
    const __m128i raw = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b + 2));
    const __m256i both = _mm256_set_m128i(_mm_srli_epi16(raw, 4), raw);
    r.u = _mm256_and_si256(both, low4);
    r.s_lo = r.s_hi = f16(b);
    r.off = 8.0f * r.s_lo;
  } else if constexpr (T == kQ4_K) {
    const uint8_t* b = row + (j >> 3) * 144;
    const int s = static_cast<int>(j & 7);
    int sc, m;
    scale_min_k4(b + 4, s, sc, m);
    const __m256i raw = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + 16 + (s >> 1) * 32));
    r.u = _mm256_and_si256((s & 1) ? _mm256_srli_epi16(raw, 4) : raw, low4);
    r.s_lo = r.s_hi = f16(b) * static_cast<float>(sc);
    r.off = f16(b + 2) * static_cast<float>(m);
  } else {
    const uint8_t* b = row + (j >> 3) * 210;
    const int g = static_cast<int>(j & 7);
    const int half = g >> 2, gg = g & 3;
    __m256i ql = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + half * 64 + (gg & 1) * 32));
    __m256i qh = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + 128 + half * 32));
    if (gg >= 2) ql = _mm256_srli_epi16(ql, 4);
    ql = _mm256_and_si256(ql, low4);
    qh = _mm256_srl_epi16(qh, _mm_cvtsi32_si128(2 * gg));
    qh = _mm256_and_si256(_mm256_slli_epi16(qh, 4), _mm256_set1_epi8(0x30));
    r.u = _mm256_or_si256(ql, qh);
    const int8_t* sc = reinterpret_cast<const int8_t*>(b + 192) + half * 8 + gg * 2;
    const float d = f16(b + 208);
    r.s_lo = d * static_cast<float>(sc[0]);
    r.s_hi = d * static_cast<float>(sc[1]);
    r.off_lo = 32.0f * r.s_lo;
    r.off_hi = 32.0f * r.s_hi;
  }
}

// acc += d_a·(s·P) and corr += d_a·(offset terms) for one sub-block against one activation block.
template <int T, Isa I>
inline void madd_sub(const SubReg& r, const int8_t* q, float da, const int32_t* sums, __m256& acc, float& corr) {
  const __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(q));
  if constexpr (T == kQ8_0) {
    const __m256i p = dot_us<I>(r.u, _mm256_sign_epi8(a, r.sign));
    acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(p), _mm256_set1_ps(r.s_lo * da), acc);
  } else if constexpr (T == kQ6_K) {
    const __m256i p = dot_us<I>(r.u, a);
    const __m256 s = _mm256_set_m128(_mm_set1_ps(r.s_hi * da), _mm_set1_ps(r.s_lo * da));
    acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(p), s, acc);
    corr += da * (r.off_lo * static_cast<float>(sums[0]) + r.off_hi * static_cast<float>(sums[1]));
  } else {
    const __m256i p = dot_us<I>(r.u, a);
    acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(p), _mm256_set1_ps(r.s_lo * da), acc);
    corr += da * r.off * static_cast<float>(sums[0] + sums[1]);
  }
}

inline float hsum8(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

template <int T, Isa I>
float dot_simd(const uint8_t* row, int64_t blocks, const int8_t* q, const float* d, const int32_t* sums) {
  __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
  float corr0 = 0.0f, corr1 = 0.0f;
  SubReg r0, r1;
  int64_t j = 0;
  for (; j + 2 <= blocks; j += 2) {
    load_sub<T>(row, j, r0);
    load_sub<T>(row, j + 1, r1);
    madd_sub<T, I>(r0, q + j * 32, d[j], sums + 2 * j, acc0, corr0);
    madd_sub<T, I>(r1, q + j * 32 + 32, d[j + 1], sums + 2 * j + 2, acc1, corr1);
  }
  if (j < blocks) {
    load_sub<T>(row, j, r0);
    madd_sub<T, I>(r0, q + j * 32, d[j], sums + 2 * j, acc0, corr0);
  }
  return hsum8(_mm256_add_ps(acc0, acc1)) - (corr0 + corr1);
}

// Decode's Q4_0 dot product, leaner than dot_simd (measured 25 against 20 GB/s on 2 cores):
// the code offset is added to the integer sum as −8·Σq of the activation block (precomputed once
// per product in neg8), and the f16 scale is converted in a vector register, so a block has no
// scalar float work.
template <Isa I>
float dot_q4_0_gemv(const uint8_t* row, int64_t blocks, const int8_t* q, const float* d, const int32_t* neg8) {
  const __m256i low4 = _mm256_set1_epi8(0x0f);
  __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
  auto block = [&](int64_t j, __m256& acc) {
    const uint8_t* b = row + j * 18;
    const __m128i raw = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b + 2));
    const __m256i u = _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(raw, 4), raw), low4);
    const __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(q + j * 32));
    const __m256i p = _mm256_add_epi32(dot_us<I>(u, a), _mm256_castsi128_si256(_mm_cvtsi32_si128(neg8[j])));
    uint16_t h;
    std::memcpy(&h, b, 2);
    const __m256 sw = _mm256_cvtph_ps(_mm_set1_epi16(static_cast<short>(h)));
    acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(p), _mm256_mul_ps(sw, _mm256_set1_ps(d[j])), acc);
  };
  int64_t j = 0;
  for (; j + 2 <= blocks; j += 2) {
    block(j, acc0);
    block(j + 1, acc1);
  }
  if (j < blocks) block(j, acc0);
  return hsum8(_mm256_add_ps(acc0, acc1));
}

// Decode's Q6_K dot product (the output matrix of a Q4_K_M or Q4_0 file), a 256-value block at a
// time: the 8 sub-blocks' integer sums stay in registers until a horizontal-add tree turns them
// into one register per 4 sub-blocks of 8 half-block sums (values 0..15 and 16..31 each); the
// code offset comes out there as 32·Σq of x's half blocks, and the 16 int8 scales, x's block
// scales and d are applied to 8 half blocks in one step. No scalar float work per sub-block.
template <Isa I>
float dot_q6_k_gemv(const uint8_t* row, int64_t blocks, const int8_t* q, const float* d, const int32_t* sums) {
  const __m256i low4 = _mm256_set1_epi8(0x0f), high2 = _mm256_set1_epi8(0x30);
  const __m256i order = _mm256_setr_epi32(0, 2, 4, 6, 1, 3, 5, 7);  // [lo of 4 sub-blocks | hi of 4]
  __m256 acc = _mm256_setzero_ps();
  for (int64_t jb = 0; jb < blocks / 8; jb++) {
    const uint8_t* b = row + jb * 210;
    const int64_t j0 = jb * 8;
    const __m256 dw = _mm256_set1_ps(f16(b + 208));
    for (int half = 0; half < 2; half++) {
      const __m256i ql0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + half * 64));
      const __m256i ql1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + half * 64 + 32));
      const __m256i qh = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + 128 + half * 32));
      const __m256i u0 = _mm256_or_si256(_mm256_and_si256(ql0, low4), _mm256_and_si256(_mm256_slli_epi16(qh, 4), high2));
      const __m256i u1 = _mm256_or_si256(_mm256_and_si256(ql1, low4), _mm256_and_si256(_mm256_slli_epi16(qh, 2), high2));
      const __m256i u2 = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql0, 4), low4), _mm256_and_si256(qh, high2));
      const __m256i u3 =
          _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql1, 4), low4), _mm256_and_si256(_mm256_srli_epi16(qh, 2), high2));
      const int64_t j = j0 + 4 * half;
      const int8_t* a = q + j * 32;
      const __m256i p0 = dot_us<I>(u0, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a)));
      const __m256i p1 = dot_us<I>(u1, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a + 32)));
      const __m256i p2 = dot_us<I>(u2, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a + 64)));
      const __m256i p3 = dot_us<I>(u3, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a + 96)));
      // [lo sums of sub-blocks j..j+3 | hi sums of j..j+3]
      __m256i p = _mm256_hadd_epi32(_mm256_hadd_epi32(p0, p1), _mm256_hadd_epi32(p2, p3));
      const __m256i s = _mm256_permutevar8x32_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(sums + 2 * j)), order);
      p = _mm256_sub_epi32(p, _mm256_slli_epi32(s, 5));
      const __m128i sc8 = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(b + 192 + 8 * half));
      const __m256 sc = _mm256_cvtepi32_ps(_mm256_permutevar8x32_epi32(_mm256_cvtepi8_epi32(sc8), order));
      const __m256 da = _mm256_broadcast_ps(reinterpret_cast<const __m128*>(d + j));
      acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(p), _mm256_mul_ps(_mm256_mul_ps(sc, da), dw), acc);
    }
  }
  return hsum8(acc);
}

// Decode's Q4_K dot product, a 256-value block at a time like dot_q6_k_gemv: the 8 sub-blocks'
// integer sums become one register through a horizontal-add tree, and the 6-bit scales and
// minima (unpacked once per block), d, dmin and x's block scales and sums are applied to all 8
// sub-blocks in two vector steps.
template <Isa I>
float dot_q4_k_gemv(const uint8_t* row, int64_t blocks, const int8_t* q, const float* d, const int32_t* sums) {
  const __m256i low4 = _mm256_set1_epi8(0x0f);
  __m256 acc = _mm256_setzero_ps();
  for (int64_t jb = 0; jb < blocks / 8; jb++) {
    const uint8_t* b = row + jb * 144;
    const int64_t j0 = jb * 8;
    const int8_t* a = q + j0 * 32;
    __m256i p[8];
    for (int k = 0; k < 4; k++) {
      const __m256i raw = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + 16 + 32 * k));
      p[2 * k] = dot_us<I>(_mm256_and_si256(raw, low4), _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a + 64 * k)));
      p[2 * k + 1] = dot_us<I>(_mm256_and_si256(_mm256_srli_epi16(raw, 4), low4),
                               _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a + 64 * k + 32)));
    }
    const __m256i t03 = _mm256_hadd_epi32(_mm256_hadd_epi32(p[0], p[1]), _mm256_hadd_epi32(p[2], p[3]));
    const __m256i t47 = _mm256_hadd_epi32(_mm256_hadd_epi32(p[4], p[5]), _mm256_hadd_epi32(p[6], p[7]));
    // Σ w·q of sub-blocks 0..7 (their halves added)
    const __m256i pw = _mm256_add_epi32(_mm256_permute2x128_si256(t03, t47, 0x20), _mm256_permute2x128_si256(t03, t47, 0x31));
    // Σ q of x's sub-blocks 0..7
    const __m256i s01 = _mm256_hadd_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(sums + 2 * j0)),
                                          _mm256_loadu_si256(reinterpret_cast<const __m256i*>(sums + 2 * j0 + 8)));
    const __m256i sx = _mm256_permute4x64_epi64(s01, 0xd8);
    // the 8 six-bit scales and minima, as scale_min_k4 reads them, four bytes at a time
    uint32_t u[3];
    std::memcpy(u, b + 4, 12);
    const uint32_t sc_hi = (u[2] & 0x0f0f0f0fu) | ((u[0] >> 2) & 0x30303030u);
    const uint32_t mn_hi = ((u[2] >> 4) & 0x0f0f0f0fu) | ((u[1] >> 2) & 0x30303030u);
    const __m128i sc8 = _mm_cvtsi64_si128(static_cast<int64_t>((uint64_t(sc_hi) << 32) | (u[0] & 0x3f3f3f3fu)));
    const __m128i mn8 = _mm_cvtsi64_si128(static_cast<int64_t>((uint64_t(mn_hi) << 32) | (u[1] & 0x3f3f3f3fu)));
    const __m256 da = _mm256_loadu_ps(d + j0);
    const __m256 s = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(sc8)), _mm256_mul_ps(da, _mm256_set1_ps(f16(b))));
    const __m256 m = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(mn8)), _mm256_mul_ps(da, _mm256_set1_ps(f16(b + 2))));
    acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(pw), s, acc);
    acc = _mm256_fnmadd_ps(_mm256_cvtepi32_ps(sx), m, acc);
  }
  return hsum8(acc);
}

// u·s summed in groups of 4 bytes into acc (AVX2's 16-bit pair sums must not saturate: u ≤ 15,
// or |w| against sign(w)·q).
template <Isa I>
inline __m256i dot_us_acc(__m256i acc, __m256i u, __m256i s) {
#if defined(LMLAB_QUANT_VNNI)
  if constexpr (I == kVnni) {
#if defined(__AVX512VNNI__) && defined(__AVX512VL__)
    return _mm256_dpbusd_epi32(acc, u, s);
#else
    return _mm256_dpbusd_avx_epi32(acc, u, s);
#endif
  }
#endif
  return _mm256_add_epi32(acc, _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), _mm256_set1_epi16(1)));
}

inline __m256i broadcast4(const int8_t* p) {
  int32_t v;
  std::memcpy(&v, p, 4);
  return _mm256_set1_epi32(v);
}

// Decode over the interleaved layouts (quant_blocks.h): y[8g..8g+7] for runs g in [g0, g1). A
// 32-byte chunk holds 4 codes of each of 8 rows; against x's 4 codes broadcast, one VPDPBUSD
// adds them to 8 rows' lanes at once, so a block's 8 row sums need no horizontal adds, and the 8
// rows' scales are one f16 load. x8_block_sum gives a block's integer sums, code offset included.
//   Q4_0x8: 4 chunks of nibble pairs; the offset starts the accumulator (−8·Σq of x's block).
//   Q8_0x8: 8 chunks of signed codes. VNNI takes them unsigned, w + 128 (one XOR per chunk),
//   starting from −128·Σq; AVX2 uses the sign trick (|w| × sign(w)·q: its 16-bit pair sums stay
//   within 2·128·127). Four accumulator chains: two left VPDPBUSD latency-bound.
template <int T, Isa I>
inline __m256i x8_block_sum(const uint8_t* b, const int8_t* q, int32_t offset) {
  if constexpr (T == kQ4_0x8) {
    const __m256i low4 = _mm256_set1_epi8(0x0f);
    __m256i p0 = _mm256_set1_epi32(offset), p1 = _mm256_setzero_si256();
    for (int c = 0; c < 4; c++) {
      const __m256i raw = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + 16 + 32 * c));
      p0 = dot_us_acc<I>(p0, _mm256_and_si256(raw, low4), broadcast4(q + 4 * c));
      p1 = dot_us_acc<I>(p1, _mm256_and_si256(_mm256_srli_epi16(raw, 4), low4), broadcast4(q + 16 + 4 * c));
    }
    return _mm256_add_epi32(p0, p1);
  } else if constexpr (I == kVnni) {
    const __m256i flip = _mm256_set1_epi8(static_cast<char>(0x80));
    __m256i p[4] = {_mm256_set1_epi32(offset), _mm256_setzero_si256(), _mm256_setzero_si256(), _mm256_setzero_si256()};
    for (int c = 0; c < 8; c++) {
      const __m256i raw = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + 16 + 32 * c));
      p[c & 3] = dot_us_acc<I>(p[c & 3], _mm256_xor_si256(raw, flip), broadcast4(q + 4 * c));
    }
    return _mm256_add_epi32(_mm256_add_epi32(p[0], p[1]), _mm256_add_epi32(p[2], p[3]));
  } else {
    __m256i p0 = _mm256_setzero_si256(), p1 = _mm256_setzero_si256();
    for (int c = 0; c < 8; c += 2) {
      const __m256i r0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + 16 + 32 * c));
      const __m256i r1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + 48 + 32 * c));
      p0 = dot_us_acc<I>(p0, _mm256_sign_epi8(r0, r0), _mm256_sign_epi8(broadcast4(q + 4 * c), r0));
      p1 = dot_us_acc<I>(p1, _mm256_sign_epi8(r1, r1), _mm256_sign_epi8(broadcast4(q + 4 * c + 4), r1));
    }
    return _mm256_add_epi32(p0, p1);
  }
}

template <int T, Isa I>
void gemv_x8(const uint8_t* w, int64_t blocks, int64_t g0, int64_t g1, const Acts& a, const int32_t* offsets,
             float beta, float* y) {
  constexpr int64_t run_block = 8 * (T == kQ8_0x8 ? 34 : 18);  // bytes of one block of 8 rows
  for (int64_t g = g0; g < g1; g++) {
    const uint8_t* run = w + g * blocks * run_block;
    __m256 acc = _mm256_setzero_ps();
    for (int64_t j = 0; j < blocks; j++) {
      const uint8_t* b = run + j * run_block;
      const __m256i p = x8_block_sum<T, I>(b, a.q + j * 32, offsets[j]);
      const __m256 sc = _mm256_mul_ps(_mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(b))),
                                      _mm256_set1_ps(a.d[j]));
      acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(p), sc, acc);
    }
    float* out = y + 8 * g;
    if (beta == 0.0f) _mm256_storeu_ps(out, acc);
    else _mm256_storeu_ps(out, _mm256_fmadd_ps(_mm256_loadu_ps(out), _mm256_set1_ps(beta), acc));
  }
}

// 4 weight rows × 4 activation rows: out[r][i] = dot(W row r, x row i).
template <int T, Isa I>
void tile_simd(const uint8_t* const* rows, const Acts& a, const int64_t* xr, float out[4][4]) {
  constexpr int nr = 4, ni = 4;
  __m256 acc[4][4];
  float corr[4][4];
  for (int r = 0; r < 4; r++)
    for (int i = 0; i < 4; i++) {
      acc[r][i] = _mm256_setzero_ps();
      corr[r][i] = 0.0f;
    }
  const int64_t blocks = a.blocks;
  SubReg w[4];
  for (int64_t j = 0; j < blocks; j++) {
    for (int r = 0; r < nr; r++) load_sub<T>(rows[r], j, w[r]);
    for (int i = 0; i < ni; i++) {
      const int64_t x = xr[i];
      const int8_t* q = a.q + (x * blocks + j) * 32;
      const float da = a.d[x * blocks + j];
      const int32_t* s = a.sums + 2 * (x * blocks + j);
      for (int r = 0; r < nr; r++) madd_sub<T, I>(w[r], q, da, s, acc[r][i], corr[r][i]);
    }
  }
  for (int r = 0; r < nr; r++)
    for (int i = 0; i < ni; i++) out[r][i] = hsum8(acc[r][i]) - corr[r][i];
}

#endif  // AVX2

using DotFn = float (*)(const uint8_t*, int64_t, const int8_t*, const float*, const int32_t*);

template <int T>
DotFn pick_dot(Isa isa) {
#if defined(__AVX2__) && defined(__FMA__)
#if defined(LMLAB_QUANT_VNNI)
  if (isa == kVnni) return dot_simd<T, kVnni>;
#endif
  if (isa != kPortable) return dot_simd<T, kAvx2>;
#endif
  (void)isa;
  return nullptr;
}

DotFn dot_fn(int type, Isa isa) {
  switch (type) {
    case kQ8_0: return pick_dot<kQ8_0>(isa);
    case kQ4_0: return pick_dot<kQ4_0>(isa);
    case kQ4_K: return pick_dot<kQ4_K>(isa);
    default: return pick_dot<kQ6_K>(isa);
  }
}

// ---- the products ---------------------------------------------------------------------------

// y[r] = beta·y[r] + W[r]·x for r in [0, rows) given x's quantized row (acts row 0); neg8 holds
// the code offset per block of x that Q4_0, Q4_0x8 (−8·Σq) and Q8_0x8 (−128·Σq) start from.
void gemv_rows(int type, Isa isa, int64_t r0, int64_t r1, const uint8_t* w, int64_t row_bytes, const Acts& a,
               const int32_t* neg8, float beta, float* y) {
  if (interleaved(type)) {  // r0 and r1 on runs of 8
#if defined(__AVX2__) && defined(__FMA__)
    if (isa != kPortable) {
      const bool q8 = type == kQ8_0x8;
#if defined(LMLAB_QUANT_VNNI)
      if (isa == kVnni)
        return (q8 ? gemv_x8<kQ8_0x8, kVnni> : gemv_x8<kQ4_0x8, kVnni>)(w, a.blocks, r0 / 8, r1 / 8, a, neg8, beta, y);
#endif
      return (q8 ? gemv_x8<kQ8_0x8, kAvx2> : gemv_x8<kQ4_0x8, kAvx2>)(w, a.blocks, r0 / 8, r1 / 8, a, neg8, beta, y);
    }
#endif
    Sub s;
    for (int64_t r = r0; r < r1; r++) {
      float v = 0.0f;
      for (int64_t j = 0; j < a.blocks; j++) {
        decode_sub_at(type, w, row_bytes, r, j, s);
        int32_t p = 0;
        for (int i = 0; i < 32; i++) p += s.w[i] * a.q[j * 32 + i];
        v += a.d[j] * s.s_lo * static_cast<float>(p);
      }
      y[r] = beta == 0.0f ? v : v + beta * y[r];
    }
    return;
  }
#if defined(__AVX2__) && defined(__FMA__)
  if ((type == kQ6_K || type == kQ4_K) && isa != kPortable) {
#if defined(LMLAB_QUANT_VNNI)
    const DotFn q6 = type == kQ6_K ? (isa == kVnni ? dot_q6_k_gemv<kVnni> : dot_q6_k_gemv<kAvx2>)
                                   : (isa == kVnni ? dot_q4_k_gemv<kVnni> : dot_q4_k_gemv<kAvx2>);
#else
    const DotFn q6 = type == kQ6_K ? dot_q6_k_gemv<kAvx2> : dot_q4_k_gemv<kAvx2>;
#endif
    for (int64_t r = r0; r < r1; r++) {
      const float v = q6(w + r * row_bytes, a.blocks, a.q, a.d, a.sums);
      y[r] = beta == 0.0f ? v : v + beta * y[r];
    }
    return;
  }
  if (type == kQ4_0 && isa != kPortable) {
#if defined(LMLAB_QUANT_VNNI)
    const DotFn q4 = isa == kVnni ? dot_q4_0_gemv<kVnni> : dot_q4_0_gemv<kAvx2>;
#else
    const DotFn q4 = dot_q4_0_gemv<kAvx2>;
#endif
    for (int64_t r = r0; r < r1; r++) {
      const float v = q4(w + r * row_bytes, a.blocks, a.q, a.d, neg8);
      y[r] = beta == 0.0f ? v : v + beta * y[r];
    }
    return;
  }
#endif
  (void)neg8;
  const DotFn fn = dot_fn(type, isa);
  for (int64_t r = r0; r < r1; r++) {
    const uint8_t* row = w + r * row_bytes;
    const float v = fn ? fn(row, a.blocks, a.q, a.d, a.sums) : dot_portable(type, row, a.blocks, a.q, a.d, a.sums);
    y[r] = beta == 0.0f ? v : v + beta * y[r];
  }
}

using TileFn = void (*)(const uint8_t* const*, const Acts&, const int64_t*, float[4][4]);

template <int T>
TileFn pick_tile(Isa isa) {
#if defined(__AVX2__) && defined(__FMA__)
#if defined(LMLAB_QUANT_VNNI)
  if (isa == kVnni) return tile_simd<T, kVnni>;
#endif
  if (isa != kPortable) return tile_simd<T, kAvx2>;
#endif
  (void)isa;
  return nullptr;
}

TileFn tile_fn(int type, Isa isa) {
  switch (type) {
    case kQ8_0: return pick_tile<kQ8_0>(isa);
    case kQ4_0: return pick_tile<kQ4_0>(isa);
    case kQ4_K: return pick_tile<kQ4_K>(isa);
    default: return pick_tile<kQ6_K>(isa);
  }
}

// Activation rows per pass over the weights: their quantized codes stay in L2.
constexpr int64_t kRowChunk = 64;

// Y[i][r] for weight rows [r0, r1) and every activation row (tiles of 4 × 4).
void gemm_rows(int type, Isa isa, int64_t r0, int64_t r1, const uint8_t* w, int64_t row_bytes, int64_t m,
               const Acts& a, float beta, float* y, int64_t ldy) {
  const TileFn tile = tile_fn(type, isa);
  const DotFn dot = dot_fn(type, isa);
  float out[4][4];
  for (int64_t i0 = 0; i0 < m; i0 += kRowChunk) {
    const int64_t i1 = std::min(m, i0 + kRowChunk);
    for (int64_t r = r0; r < r1; r += 4) {
      const int nr = static_cast<int>(std::min<int64_t>(4, r1 - r));
      const uint8_t* rows[4];
      for (int k = 0; k < 4; k++) rows[k] = w + (r + std::min(k, nr - 1)) * row_bytes;
      for (int64_t i = i0; i < i1; i += 4) {
        const int ni = static_cast<int>(std::min<int64_t>(4, i1 - i));
        int64_t xr[4];
        for (int k = 0; k < 4; k++) xr[k] = i + std::min(k, ni - 1);
        if (tile && nr == 4 && ni == 4) {
          tile(rows, a, xr, out);
        } else {
          // edge tiles (and the portable path): one dot product per pair
          for (int rr = 0; rr < nr; rr++)
            for (int ii = 0; ii < ni; ii++) {
              const int64_t x = xr[ii];
              const int8_t* q = a.q + x * a.blocks * 32;
              const float* d = a.d + x * a.blocks;
              const int32_t* s = a.sums + 2 * x * a.blocks;
              out[rr][ii] = dot ? dot(rows[rr], a.blocks, q, d, s) : dot_portable(type, rows[rr], a.blocks, q, d, s);
            }
        }
        for (int ii = 0; ii < ni; ii++) {
          float* yrow = y + (i + ii) * ldy + r;
          for (int rr = 0; rr < nr; rr++) yrow[rr] = beta == 0.0f ? out[rr][ii] : out[rr][ii] + beta * yrow[rr];
        }
      }
    }
  }
}

// From this many rows of x on, builds without VNNI run quantGemm on the float32 GEMM over
// dequantized weights (the kernel contract, src/engine/kernels.ts, names the same threshold).
constexpr int64_t kFloatGemmMinRows = 16;
// From this many rows of x on, VNNI builds run quant_gemm.cc's packed-panel product.
constexpr int64_t kVnniGemmMinRows = 8;  // measured: below it the 4×4 integer tile is faster

struct DequantSource {
  int type;
  const uint8_t* w;
  int64_t row_bytes;
};

// PackB for gemm_xbt_packed: weight rows [row0, row0+valid), values [k0, k0+kc), dequantized
// (ggml's float32 steps, as quantDequantRows) into dst[p·width + w].
void dequant_pack(const void* ctx, int64_t row0, int64_t k0, int64_t kc, int64_t valid, int width, float* dst) {
  const DequantSource& src = *static_cast<const DequantSource*>(ctx);
  Sub s;
  for (int64_t w = 0; w < valid; w++) {
    for (int64_t j = k0 / 32; j < (k0 + kc) / 32; j++) {
      decode_sub_at(src.type, src.w, src.row_bytes, row0 + w, j, s);
      float* d = dst + (j * 32 - k0) * width + w;
      for (int i = 0; i < 32; i++) d[i * width] = (i < 16 ? s.s_lo : s.s_hi) * static_cast<float>(s.w[i]) - s.min;
    }
  }
  for (int64_t p = 0; p < kc; p++)
    for (int64_t w = valid; w < width; w++) dst[p * width + w] = 0.0f;
}

bool check_type(Args& args, int64_t type, int64_t cols) {
  if (!supported(static_cast<int>(type))) {
    args.fail("ggml type " + std::to_string(type) +
              " is not supported (Q4_0 2, Q8_0 8, Q4_K 12, Q6_K 14, Q4_0x8 4098, Q8_0x8 4104)");
    return false;
  }
  const int per = block_values(static_cast<int>(type));
  if (cols % per != 0) {
    args.fail("rows of " + std::to_string(cols) + " values are not whole blocks of " + std::to_string(per));
    return false;
  }
  return true;
}

bool check_rows(Args& args, int type, int64_t rows) {
  if (interleaved(type) && rows % 8 != 0) {
    args.fail(std::string(type == kQ4_0x8 ? "Q4_0x8" : "Q8_0x8") + " holds rows in runs of 8, not " +
              std::to_string(rows));
    return false;
  }
  return true;
}

const uint8_t* weight_bytes(Args& args, size_t i, int64_t needed) {
  if (args.is_null(i)) {
    args.fail("argument 'w' must be a Uint8Array");
    return nullptr;
  }
  return args.u8_or_null(i, needed, "w");
}

// y[rows] = beta·y + W·x; false if the activation buffer could not be allocated.
bool gemv(int t, Isa isa, int64_t rows, int64_t cols, const uint8_t* w, int64_t rb, const float* x, float b,
          float* y) {
  Acts a;
  if (!quantize_acts(isa, 1, cols, x, cols, a)) return false;
  // the code offset per activation block (dot_q4_0_gemv and gemv_x8: Q4_0 8, Q8_0x8 on VNNI 128)
  thread_local std::vector<int32_t> neg8;
  const int32_t offset = t == kQ4_0 || t == kQ4_0x8 ? 8 : t == kQ8_0x8 ? 128 : 0;
  if (offset != 0) {
    neg8.resize(static_cast<size_t>(a.blocks));
    for (int64_t j = 0; j < a.blocks; j++) neg8[j] = -offset * (a.sums[2 * j] + a.sums[2 * j + 1]);
  }
  const int32_t* n8 = neg8.data();
  if (interleaved(t) && rows * rb >= kParallelMinBytes && pool_threads() > 1) {
    parallel_for(rows / 8, 2, [&](int64_t g0, int64_t g1) { gemv_rows(t, isa, 8 * g0, 8 * g1, w, rb, a, n8, b, y); });
  } else if (rows * rb >= kParallelMinBytes && pool_threads() > 1) {
    parallel_for(rows, 16, [&](int64_t r0, int64_t r1) { gemv_rows(t, isa, r0, r1, w, rb, a, n8, b, y); });
  } else {
    gemv_rows(t, isa, 0, rows, w, rb, a, n8, b, y);
  }
  return true;
}

// quantGemv(type, rows, cols, w, x, beta, y)
Napi::Value QuantGemv(const Napi::CallbackInfo& info) {
  Args args(info, "quantGemv");
  const int64_t type = args.integer(0, "type");
  const int64_t rows = args.integer(1, "rows");
  const int64_t cols = args.integer(2, "cols");
  const double beta = args.number(5, "beta");
  if (args.failed() || !check_type(args, type, cols) || !check_rows(args, static_cast<int>(type), rows))
    return args.fail_value();
  const int t = static_cast<int>(type);
  const int64_t rb = row_bytes(t, cols);
  const uint8_t* w = weight_bytes(args, 3, rows * rb);
  const float* x = args.f32(4, cols, "x");
  float* y = args.f32(6, rows, "y");
  if (args.failed()) return args.fail_value();
  if (rows == 0) return info.Env().Undefined();
  if (cols == 0) {
    for (int64_t r = 0; r < rows; r++) y[r] = beta == 0.0 ? 0.0f : static_cast<float>(beta) * y[r];
    return info.Env().Undefined();
  }
  if (!gemv(t, active_isa, rows, cols, w, rb, x, static_cast<float>(beta), y)) {
    args.fail("could not allocate the activation buffer");
    return args.fail_value();
  }
  return info.Env().Undefined();
}

// quantGemm(type, m, rows, cols, w, x, ldx, beta, y, ldy): y[m, ldy] (first `rows` columns).
Napi::Value QuantGemm(const Napi::CallbackInfo& info) {
  Args args(info, "quantGemm");
  const int64_t type = args.integer(0, "type");
  const int64_t m = args.integer(1, "m");
  const int64_t rows = args.integer(2, "rows");
  const int64_t cols = args.integer(3, "cols");
  const int64_t ldx = args.integer(6, "ldx");
  const double beta = args.number(7, "beta");
  const int64_t ldy = args.integer(9, "ldy");
  if (args.failed() || !check_type(args, type, cols) || !check_rows(args, static_cast<int>(type), rows))
    return args.fail_value();
  if (ldx < cols) args.fail("ldx " + std::to_string(ldx) + " is smaller than cols " + std::to_string(cols));
  else if (ldy < rows) args.fail("ldy " + std::to_string(ldy) + " is smaller than rows " + std::to_string(rows));
  if (args.failed()) return args.fail_value();
  const int t = static_cast<int>(type);
  const int64_t rb = row_bytes(t, cols);
  const uint8_t* w = weight_bytes(args, 4, m > 0 ? rows * rb : 0);
  const float* x = args.f32(5, span(m, cols, ldx), "x");
  float* y = args.f32(8, span(m, rows, ldy), "y");
  if (args.failed()) return args.fail_value();
  if (m == 0 || rows == 0) return info.Env().Undefined();
  const float b = static_cast<float>(beta);
  if (cols == 0) {
    for (int64_t i = 0; i < m; i++)
      for (int64_t r = 0; r < rows; r++) y[i * ldy + r] = b == 0.0f ? 0.0f : b * y[i * ldy + r];
    return info.Env().Undefined();
  }
  if (active_isa == kVnni && m >= kVnniGemmMinRows && quant_gemm_vnni_built()) {
    Acts a;
    if (!quantize_acts(kVnni, m, cols, x, ldx, a)) {
      args.fail("could not allocate the activation buffer");
      return args.fail_value();
    }
    // VPDPBUSD takes x's codes unsigned: u = q + 128 (quant_gemm.cc takes the offset back out)
    uint8_t* u = reinterpret_cast<uint8_t*>(a.q);
    for (int64_t i = 0; i < m * cols; i++) u[i] ^= 0x80;
    if (!quant_gemm_vnni(t, m, rows, cols, w, rb, u, a.d, a.sums, b, y, ldy)) {
      args.fail("could not allocate the weight panels");
      return args.fail_value();
    }
    return info.Env().Undefined();
  }
  if (interleaved(t) && m < kFloatGemmMinRows) {
    // a few rows (a speculative verification, a short prompt): one x8 GEMV per row of x
    for (int64_t i = 0; i < m; i++) {
      if (!gemv(t, active_isa, rows, cols, w, rb, x + i * ldx, b, y + i * ldy)) {
        args.fail("could not allocate the activation buffer");
        return args.fail_value();
      }
    }
    return info.Env().Undefined();
  }
  if (m >= kFloatGemmMinRows) {
    const DequantSource src{t, w, rb};
    if (!gemm_xbt_packed(m, rows, cols, x, ldx, dequant_pack, &src, 32, b, y, ldy, pool_threads())) {
      args.fail("could not allocate the packing buffers");
      return args.fail_value();
    }
    return info.Env().Undefined();
  }
  const Isa isa = active_isa;
  Acts a;
  if (!quantize_acts(isa, m, cols, x, ldx, a)) {
    args.fail("could not allocate the activation buffer");
    return args.fail_value();
  }
  if (m * rows * rb >= kParallelMinBytes && pool_threads() > 1 && rows >= 8) {
    const int64_t tiles = (rows + 3) / 4;
    parallel_for(tiles, 1, [&](int64_t t0, int64_t t1) {
      gemm_rows(t, isa, t0 * 4, std::min(rows, t1 * 4), w, rb, m, a, b, y, ldy);
    });
  } else {
    gemm_rows(t, isa, 0, rows, w, rb, m, a, b, y, ldy);
  }
  return info.Env().Undefined();
}

// quantDequantRows(type, cols, w, first, count, out): rows [first, first+count) as float32.
Napi::Value QuantDequantRows(const Napi::CallbackInfo& info) {
  Args args(info, "quantDequantRows");
  const int64_t type = args.integer(0, "type");
  const int64_t cols = args.integer(1, "cols");
  const int64_t first = args.integer(3, "first");
  const int64_t count = args.integer(4, "count");
  if (args.failed() || !check_type(args, type, cols)) return args.fail_value();
  const int t = static_cast<int>(type);
  const int64_t rb = row_bytes(t, cols);
  const int64_t end = interleaved(t) ? (first + count + 7) / 8 * 8 : first + count;  // whole runs of 8
  const uint8_t* w = weight_bytes(args, 2, end * rb);
  float* out = args.f32(5, count * cols, "out");
  if (args.failed()) return args.fail_value();
  Sub s;
  for (int64_t r = 0; r < count; r++) {
    float* o = out + r * cols;
    for (int64_t j = 0; j < cols / 32; j++) {
      decode_sub_at(t, w, rb, first + r, j, s);
      // float32 steps as ggml's dequantization: (s·w) − min
      for (int i = 0; i < 32; i++) o[j * 32 + i] = (i < 16 ? s.s_lo : s.s_hi) * static_cast<float>(s.w[i]) - s.min;
    }
  }
  return info.Env().Undefined();
}

// quantIsa(name?): the active path; with a name, forces it (falling back to the best the build
// has when the name is above it). Returns { isa, best }.
Napi::Value QuantIsa(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() > 0 && info[0].IsString()) {
    const std::string want = info[0].As<Napi::String>().Utf8Value();
    bool found = false;
    for (Isa isa : {kPortable, kAvx2, kVnni}) {
      if (want == isa_name(isa)) {
        active_isa = std::min(isa, kBestIsa);
        found = true;
      }
    }
    if (!found) {
      Napi::Error::New(env, "quantIsa: unknown path '" + want + "' (portable, avx2, vnni)").ThrowAsJavaScriptException();
      return env.Undefined();
    }
  }
  Napi::Object out = Napi::Object::New(env);
  out.Set("isa", isa_name(active_isa));
  out.Set("best", isa_name(kBestIsa));
  return out;
}

}  // namespace

void RegisterQuant(Napi::Env env, Napi::Object exports) {
  exports.Set("quantGemv", Napi::Function::New(env, QuantGemv, "quantGemv"));
  exports.Set("quantGemm", Napi::Function::New(env, QuantGemm, "quantGemm"));
  exports.Set("quantDequantRows", Napi::Function::New(env, QuantDequantRows, "quantDequantRows"));
  exports.Set("quantIsa", Napi::Function::New(env, QuantIsa, "quantIsa"));
}

}  // namespace lmlab
