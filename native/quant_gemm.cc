// Prefill with block-quantized weights on VNNI (VPDPBUSD, 32 byte products per instruction):
// Y = beta·Y + X·Wᵀ with X already quantized to 8-bit blocks of 32 (quant.cc), computing exactly
// quantGemv's integer sums for every row of X.
//
// The weights are repacked, 16 rows at a time, into panels in which one 32-byte register holds
// 4 consecutive codes of each of 8 rows: per 32-value block, group g (values 4g..4g+3) of rows
// 0..7 and then of rows 8..15. Against a broadcast of x's 4 codes of that group, one VPDPBUSD
// adds 4 products to each of 8 rows' int32 lanes, so after the block's 8 groups each lane holds
// a row's whole block sum: no horizontal sums, and the float work (convert, scale, add) is one
// step per block for 8 rows instead of per row. VPDPBUSD multiplies unsigned by signed bytes, so
// x's codes come offset to u = q + 128 and the weights stay signed (Q4_0 q−8, Q6_K q−32, Q8_0 as
// stored, Q4_K's unsigned q); the offset's 128·Σw is precomputed per row and block and seeds the
// accumulator, so the integer sums equal Σ w·q exactly. Q6_K keeps a scale per 16 values: its
// two halves (groups 0–3, 4–7) accumulate separately. Q4_K's minimum is subtracted through x's
// block sums, as in quant.cc.
// Register tile: 16 weight rows × 4 rows of x (8 int32 and 8 float accumulators). Panels are
// packed once per call per thread and then serve every row of x; threads split the panels.
// Not here: activation quantization and the other paths (quant.cc); AVX2 without VNNI (its
// 16-bit pair sums would overflow on u8 × s8 here).
#include "quant_gemm.h"

#if defined(__AVX512VNNI__) && defined(__AVX512VL__) || defined(__AVXVNNI__)
#define LMLAB_GEMM_VNNI 1
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop
#endif

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "pool.h"
#include "quant_blocks.h"


namespace lmlab {

#if defined(LMLAB_GEMM_VNNI)
namespace {

using namespace quant;

constexpr int kPanelRows = 16;
constexpr int kTileRows = 6;  // rows of x per register tile

// One 32-value block of a 16-row panel.
struct alignas(64) PanelBlock {
  int8_t codes[8 * kPanelRows * 4];  // [group][row][4]
  int32_t init[2][kPanelRows];       // −128·Σw per half (Q6_K) or in [0] for the whole block
  float scale[2][kPanelRows];        // s per half (or [0] for the whole block)
  float min[kPanelRows];             // Q4_K's min, else 0
};

class PanelBuffer {
 public:
  ~PanelBuffer() { std::free(data_); }
  PanelBlock* get(int64_t blocks) {
    if (blocks > capacity_) {
      std::free(data_);
      data_ = static_cast<PanelBlock*>(std::aligned_alloc(64, static_cast<size_t>(blocks) * sizeof(PanelBlock)));
      capacity_ = data_ ? blocks : 0;
    }
    return data_;
  }

 private:
  PanelBlock* data_ = nullptr;
  int64_t capacity_ = 0;
};

thread_local PanelBuffer panel_buffer;

// Sub-block j of a row as 32 signed codes w (the values are s·w − min, quant_blocks.h), with
// its scales; decode_sub's arithmetic in registers.
template <int T>
inline __m256i decode_codes(const uint8_t* row, int64_t j, float& s_lo, float& s_hi, float& mn) {
  const __m256i low4 = _mm256_set1_epi8(0x0f);
  mn = 0.0f;
  if constexpr (T == kQ8_0) {
    const uint8_t* b = row + j * 34;
    s_lo = s_hi = f16(b);
    return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + 2));
  } else if constexpr (T == kQ4_0) {
    const uint8_t* b = row + j * 18;
    s_lo = s_hi = f16(b);
    const __m128i raw = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b + 2));
    const __m256i q = _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(raw, 4), raw), low4);
    return _mm256_sub_epi8(q, _mm256_set1_epi8(8));
  } else if constexpr (T == kQ4_K) {
    const uint8_t* b = row + (j >> 3) * 144;
    const int s = static_cast<int>(j & 7);
    int sc, m;
    scale_min_k4(b + 4, s, sc, m);
    s_lo = s_hi = f16(b) * static_cast<float>(sc);
    mn = f16(b + 2) * static_cast<float>(m);
    const __m256i raw = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + 16 + (s >> 1) * 32));
    return _mm256_and_si256((s & 1) ? _mm256_srli_epi16(raw, 4) : raw, low4);
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
    const int8_t* sc = reinterpret_cast<const int8_t*>(b + 192) + half * 8 + gg * 2;
    const float d = f16(b + 208);
    s_lo = d * static_cast<float>(sc[0]);
    s_hi = d * static_cast<float>(sc[1]);
    return _mm256_sub_epi8(_mm256_or_si256(ql, qh), _mm256_set1_epi8(32));
  }
}

// Packs weight rows [r0, r0 + valid) (the rest of the panel zero) into p[blocks].
template <int T>
void pack_panel(const uint8_t* w, int64_t row_bytes, int64_t r0, int64_t valid, int64_t blocks, PanelBlock* p) {
  if (valid < kPanelRows)
    for (int64_t j = 0; j < blocks; j++) std::memset(&p[j], 0, sizeof(PanelBlock));
  const __m256i flip = _mm256_set1_epi8(static_cast<char>(0x80));
  alignas(32) int32_t four[8];
  for (int64_t r = 0; r < valid; r++) {
    const uint8_t* row = w + (r0 + r) * row_bytes;
    for (int64_t j = 0; j < blocks; j++) {
      float s_lo, s_hi, mn;
      const __m256i c = decode_codes<T>(row, j, s_lo, s_hi, mn);
      // Σw per half: byte sums of w + 128 (unsigned), less 128 per value
      const __m256i sad = _mm256_sad_epu8(_mm256_xor_si256(c, flip), _mm256_setzero_si256());
      const int32_t lo = static_cast<int32_t>(_mm256_extract_epi64(sad, 0) + _mm256_extract_epi64(sad, 1)) - 128 * 16;
      const int32_t hi = static_cast<int32_t>(_mm256_extract_epi64(sad, 2) + _mm256_extract_epi64(sad, 3)) - 128 * 16;
      _mm256_store_si256(reinterpret_cast<__m256i*>(four), c);
      PanelBlock& b = p[j];
      int32_t* codes = reinterpret_cast<int32_t*>(b.codes) + r;
      for (int g = 0; g < 8; g++) codes[g * kPanelRows] = four[g];
      if constexpr (T == kQ6_K) {
        b.init[0][r] = -128 * lo;
        b.init[1][r] = -128 * hi;
        b.scale[0][r] = s_lo;
        b.scale[1][r] = s_hi;
      } else {
        b.init[0][r] = -128 * (lo + hi);
        b.scale[0][r] = s_lo;
      }
      b.min[r] = mn;
    }
  }
}

// Q4_0x8 (quant_blocks.h) needs no decoding: each 32-byte chunk already holds 4 codes of 8 rows,
// so a run of 8 rows moves into the panel with two stores per chunk (low and high nibbles).
// r0 is a multiple of 16 and `valid` of 8.
void pack_panel_x8(const uint8_t* w, int64_t row_bytes, int64_t r0, int64_t valid, int64_t blocks,
                   PanelBlock* p) {
  if (valid < kPanelRows)
    for (int64_t j = 0; j < blocks; j++) std::memset(&p[j], 0, sizeof(PanelBlock));
  const __m256i low4 = _mm256_set1_epi8(0x0f), eight = _mm256_set1_epi8(8);
  const __m256i ones8 = _mm256_set1_epi8(1), ones16 = _mm256_set1_epi16(1);
  for (int64_t h = 0; h < valid / 8; h++) {
    const uint8_t* run = w + (r0 / 8 + h) * 8 * row_bytes;
    for (int64_t j = 0; j < blocks; j++) {
      const uint8_t* b = run + j * 144;
      PanelBlock& pb = p[j];
      __m256i total = _mm256_setzero_si256();  // per byte: Σ over the 8 groups (|Σ| ≤ 64)
      for (int c = 0; c < 4; c++) {
        const __m256i raw = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + 16 + 32 * c));
        const __m256i lo = _mm256_sub_epi8(_mm256_and_si256(raw, low4), eight);
        const __m256i hi = _mm256_sub_epi8(_mm256_and_si256(_mm256_srli_epi16(raw, 4), low4), eight);
        _mm256_store_si256(reinterpret_cast<__m256i*>(pb.codes + (c * kPanelRows + h * 8) * 4), lo);
        _mm256_store_si256(reinterpret_cast<__m256i*>(pb.codes + ((c + 4) * kPanelRows + h * 8) * 4), hi);
        total = _mm256_add_epi8(total, _mm256_add_epi8(lo, hi));
      }
      // each row's Σw: its 4 bytes of `total` summed
      const __m256i sum = _mm256_madd_epi16(_mm256_maddubs_epi16(ones8, total), ones16);
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(pb.init[0] + h * 8), _mm256_mullo_epi32(sum, _mm256_set1_epi32(-128)));
      _mm256_storeu_ps(pb.scale[0] + h * 8, _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(b))));
    }
  }
}

// Q8_0x8's chunks are already the panel's signed codes: 8 plain copies per run of 8 rows and
// block, and each row's Σw from its bytes offset to unsigned (w + 128) and summed in 32 bits.
void pack_panel_q8x8(const uint8_t* w, int64_t row_bytes, int64_t r0, int64_t valid, int64_t blocks,
                     PanelBlock* p) {
  if (valid < kPanelRows)
    for (int64_t j = 0; j < blocks; j++) std::memset(&p[j], 0, sizeof(PanelBlock));
  const __m256i flip = _mm256_set1_epi8(static_cast<char>(0x80));
  const __m256i ones8 = _mm256_set1_epi8(1), ones16 = _mm256_set1_epi16(1);
  for (int64_t h = 0; h < valid / 8; h++) {
    const uint8_t* run = w + (r0 / 8 + h) * 8 * row_bytes;
    for (int64_t j = 0; j < blocks; j++) {
      const uint8_t* b = run + j * 272;
      PanelBlock& pb = p[j];
      __m256i sum = _mm256_setzero_si256();  // per row: Σ (w + 128)
      for (int c = 0; c < 8; c++) {
        const __m256i raw = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + 16 + 32 * c));
        _mm256_store_si256(reinterpret_cast<__m256i*>(pb.codes + (c * kPanelRows + h * 8) * 4), raw);
        const __m256i u = _mm256_xor_si256(raw, flip);
        sum = _mm256_add_epi32(sum, _mm256_madd_epi16(_mm256_maddubs_epi16(u, ones8), ones16));
      }
      const __m256i sw = _mm256_sub_epi32(sum, _mm256_set1_epi32(128 * 32));
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(pb.init[0] + h * 8), _mm256_mullo_epi32(sw, _mm256_set1_epi32(-128)));
      _mm256_storeu_ps(pb.scale[0] + h * 8, _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(b))));
    }
  }
}

inline __m256i dpbusd(__m256i acc, __m256i u, __m256i s) {
#if defined(__AVX512VNNI__) && defined(__AVX512VL__)
  return _mm256_dpbusd_epi32(acc, u, s);
#else
  return _mm256_dpbusd_avx_epi32(acc, u, s);
#endif
}

inline __m256i load_i(const void* p) { return _mm256_load_si256(static_cast<const __m256i*>(p)); }

// Rows [i0, i0 + MR) of x against one packed panel; out[i][0..15] (plain sums, no beta).
template <int T, int MR>
void tile(const PanelBlock* p, int64_t blocks, const uint8_t* const* au, const float* const* ad,
          const int32_t* const* asums, float out[kTileRows][kPanelRows]) {
  constexpr int H = T == kQ6_K ? 2 : 1;
  constexpr int G = 8 / H;  // groups per half
  __m256 f[MR][2];
  for (int i = 0; i < MR; i++) f[i][0] = f[i][1] = _mm256_setzero_ps();
  for (int64_t j = 0; j < blocks; j++) {
    const PanelBlock& b = p[j];
    for (int h = 0; h < H; h++) {
      __m256i acc[MR][2];
      const __m256i init0 = load_i(b.init[h]), init1 = load_i(b.init[h] + 8);
      for (int i = 0; i < MR; i++) {
        acc[i][0] = init0;
        acc[i][1] = init1;
      }
      for (int g = h * G; g < (h + 1) * G; g++) {
        const __m256i w0 = load_i(b.codes + g * 64), w1 = load_i(b.codes + g * 64 + 32);
        for (int i = 0; i < MR; i++) {
          int32_t four;
          std::memcpy(&four, au[i] + j * 32 + g * 4, 4);
          const __m256i a = _mm256_set1_epi32(four);
          acc[i][0] = dpbusd(acc[i][0], a, w0);
          acc[i][1] = dpbusd(acc[i][1], a, w1);
        }
      }
      const __m256 s0 = _mm256_load_ps(b.scale[h]), s1 = _mm256_load_ps(b.scale[h] + 8);
      for (int i = 0; i < MR; i++) {
        const __m256 d = _mm256_set1_ps(ad[i][j]);
        f[i][0] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(acc[i][0]), _mm256_mul_ps(s0, d), f[i][0]);
        f[i][1] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(acc[i][1]), _mm256_mul_ps(s1, d), f[i][1]);
      }
    }
    if constexpr (T == kQ4_K) {
      const __m256 m0 = _mm256_load_ps(b.min), m1 = _mm256_load_ps(b.min + 8);
      for (int i = 0; i < MR; i++) {
        const __m256 c =
            _mm256_set1_ps(ad[i][j] * static_cast<float>(asums[i][2 * j] + asums[i][2 * j + 1]));
        f[i][0] = _mm256_fnmadd_ps(m0, c, f[i][0]);
        f[i][1] = _mm256_fnmadd_ps(m1, c, f[i][1]);
      }
    }
  }
  for (int i = 0; i < MR; i++) {
    _mm256_storeu_ps(out[i], f[i][0]);
    _mm256_storeu_ps(out[i] + 8, f[i][1]);
  }
}

using TileFn = void (*)(const PanelBlock*, int64_t, const uint8_t* const*, const float* const*,
                        const int32_t* const*, float[kTileRows][kPanelRows]);

template <int T>
TileFn tile_for(int mr) {
  switch (mr) {
    case 1: return tile<T, 1>;
    case 2: return tile<T, 2>;
    case 3: return tile<T, 3>;
    case 4: return tile<T, 4>;
    case 5: return tile<T, 5>;
    default: return tile<T, 6>;
  }
}

TileFn tile_fn(int type, int mr) {
  switch (type) {
    case kQ4_0x8:
    case kQ8_0x8:
    case kQ8_0: return tile_for<kQ8_0>(mr);
    case kQ4_0: return tile_for<kQ4_0>(mr);
    case kQ4_K: return tile_for<kQ4_K>(mr);
    default: return tile_for<kQ6_K>(mr);
  }
}

using PackFn = void (*)(const uint8_t*, int64_t, int64_t, int64_t, int64_t, PanelBlock*);

PackFn pack_fn(int type) {
  switch (type) {
    case kQ4_0x8: return pack_panel_x8;
    case kQ8_0x8: return pack_panel_q8x8;
    case kQ8_0: return pack_panel<kQ8_0>;
    case kQ4_0: return pack_panel<kQ4_0>;
    case kQ4_K: return pack_panel<kQ4_K>;
    default: return pack_panel<kQ6_K>;
  }
}

}  // namespace

bool quant_gemm_vnni_built() { return true; }

bool quant_gemm_vnni(int type, int64_t m, int64_t rows, int64_t cols, const uint8_t* w, int64_t row_bytes,
                     const uint8_t* au, const float* ad, const int32_t* asums, float beta, float* y, int64_t ldy) {
  const int64_t blocks = cols / 32;
  const int64_t panels = (rows + kPanelRows - 1) / kPanelRows;
  const PackFn pack = pack_fn(type);
  bool ok = true;
  auto run = [&](int64_t p0, int64_t p1) {
    PanelBlock* panel = panel_buffer.get(blocks);
    if (!panel) {
      ok = false;  // only ever set to false, by any thread: a benign race on a bool
      return;
    }
    float out[kTileRows][kPanelRows];
    for (int64_t pi = p0; pi < p1; pi++) {
      const int64_t r0 = pi * kPanelRows;
      const int64_t valid = std::min<int64_t>(kPanelRows, rows - r0);
      pack(w, row_bytes, r0, valid, blocks, panel);
      for (int64_t i0 = 0; i0 < m; i0 += kTileRows) {
        const int mr = static_cast<int>(std::min<int64_t>(kTileRows, m - i0));
        const uint8_t* a[kTileRows];
        const float* d[kTileRows];
        const int32_t* s[kTileRows];
        for (int i = 0; i < mr; i++) {
          a[i] = au + (i0 + i) * cols;
          d[i] = ad + (i0 + i) * blocks;
          s[i] = asums + 2 * (i0 + i) * blocks;
        }
        tile_fn(type, mr)(panel, blocks, a, d, s, out);
        for (int i = 0; i < mr; i++) {
          float* yr = y + (i0 + i) * ldy + r0;
          for (int64_t r = 0; r < valid; r++) yr[r] = beta == 0.0f ? out[i][r] : out[i][r] + beta * yr[r];
        }
      }
    }
  };
  if (panels > 1 && pool_threads() > 1 && m * rows * cols >= (int64_t(1) << 18)) parallel_for(panels, 1, run);
  else run(0, panels);
  return ok;
}

#else

bool quant_gemm_vnni_built() { return false; }

bool quant_gemm_vnni(int, int64_t, int64_t, int64_t, const uint8_t*, int64_t, const uint8_t*, const float*,
                     const int32_t*, float, float*, int64_t) {
  return false;
}

#endif

}  // namespace lmlab
