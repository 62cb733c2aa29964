// GGUF block formats as the quantized kernels read them: each row of a quantized matrix is a run
// of ggml blocks, and every format is read here in units of 32 weights ("sub-blocks"), the size
// of one activation block. A sub-block decodes to 32 signed 8-bit integers w and float factors
// such that the weights are  s_lo·w[i] (i < 16), s_hi·w[i] (i ≥ 16), minus `min` for all 32:
//
//   Q8_0  34 bytes / 32: f16 d, int8 q[32]                    w = q,      s = d
//   Q4_0  18 bytes / 32: f16 d, nibbles (low: 0..15, high: 16..31)   w = q − 8,  s = d
//   Q4_K  144 bytes / 256: f16 d, f16 dmin, 12 bytes of 6-bit scale/min per sub-block, 128
//         bytes of nibbles (bytes 32j..32j+31: low nibbles sub-block 2j, high 2j+1)
//                                                             w = q,      s = d·sc, min = dmin·m
//   Q6_K  210 bytes / 256: ql[128], qh[64], int8 scales[16] (one per 16 values), f16 d
//                                                             w = q − 32, s = d·scale
//   Q4_0x8  lmlab's in-memory Q4_0 (src/engine/quant.ts): per run of 8 rows and per block, the
//         8 rows' f16 d, then 4 chunks of 32 bytes, chunk c holding nibble bytes 4c..4c+3 of
//         rows 0..7 in turn                                   w = q − 8,  s = d
//   Q8_0x8  lmlab's in-memory Q8_0, the same with 8 chunks of codes   w = q,  s = d
// The file layouts are ggml's (ggml-common.h); src/io/ggml-quants.ts decodes the same bytes in
// TypeScript. Not here: the dot products (quant.cc) and encoders (the TypeScript side writes
// quantized files).
#pragma once
#include <cstdint>
#include <cstring>
#if defined(__F16C__)
#include <immintrin.h>
#endif

namespace lmlab {
namespace quant {

// ggml type ids
constexpr int kQ4_0 = 2;
constexpr int kQ8_0 = 8;
constexpr int kQ4_K = 12;
constexpr int kQ6_K = 14;
constexpr int kQ4_0x8 = 0x1002;  // not a ggml id: lmlab's interleaved Q4_0
constexpr int kQ8_0x8 = 0x1008;  // not a ggml id: lmlab's interleaved Q8_0

inline bool supported(int type) {
  return type == kQ4_0 || type == kQ8_0 || type == kQ4_K || type == kQ6_K || type == kQ4_0x8 || type == kQ8_0x8;
}
inline bool interleaved(int type) { return type == kQ4_0x8 || type == kQ8_0x8; }
inline int block_values(int type) { return type == kQ4_K || type == kQ6_K ? 256 : 32; }
inline int block_bytes(int type) {
  switch (type) {
    case kQ4_0: return 18;
    case kQ4_0x8: return 18;  // per row and block, as Q4_0
    case kQ8_0: return 34;
    case kQ8_0x8: return 34;  // per row and block, as Q8_0
    case kQ4_K: return 144;
    case kQ6_K: return 210;
    default: return 0;
  }
}
inline int64_t row_bytes(int type, int64_t cols) { return cols / block_values(type) * block_bytes(type); }

// IEEE half to float, exact (subnormals included): one F16C instruction where the build has
// it (every block's scale goes through here, so in GEMV it is on the hot path), else bit by bit.
inline float f16(const uint8_t* p) {
  const uint32_t h = static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8);
#if defined(__F16C__)
  return _cvtsh_ss(static_cast<unsigned short>(h));
#else
  const uint32_t sign = (h & 0x8000u) << 16;
  uint32_t exp = (h >> 10) & 0x1f;
  uint32_t mant = h & 0x3ff;
  uint32_t bits;
  if (exp == 0x1f) {
    bits = sign | 0x7f800000u | (mant << 13);
  } else if (exp != 0) {
    bits = sign | ((exp + 112) << 23) | (mant << 13);
  } else if (mant == 0) {
    bits = sign;
  } else {
    exp = 113;
    while (!(mant & 0x400)) {
      mant <<= 1;
      exp--;
    }
    bits = sign | (exp << 23) | ((mant & 0x3ff) << 13);
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
#endif
}

// The 6-bit scale and min of sub-block j of a K-quant's 12 packed bytes.
inline void scale_min_k4(const uint8_t* q, int j, int& sc, int& m) {
  if (j < 4) {
    sc = q[j] & 63;
    m = q[j + 4] & 63;
  } else {
    sc = (q[j + 4] & 0xf) | ((q[j - 4] >> 6) << 4);
    m = (q[j + 4] >> 4) | ((q[j] >> 6) << 4);
  }
}

// One decoded sub-block of 32 weights (portable form; the SIMD paths decode straight into
// registers with the same arithmetic).
struct Sub {
  int8_t w[32];
  float s_lo, s_hi, min;
};

// Sub-block j (0-based, 32 values each) of a row.
inline void decode_sub(int type, const uint8_t* row, int64_t j, Sub& out) {
  out.min = 0.0f;
  if (type == kQ8_0) {
    const uint8_t* b = row + j * 34;
    out.s_lo = out.s_hi = f16(b);
    std::memcpy(out.w, b + 2, 32);
  } else if (type == kQ4_0) {
    const uint8_t* b = row + j * 18;
    out.s_lo = out.s_hi = f16(b);
    for (int i = 0; i < 16; i++) {
      out.w[i] = static_cast<int8_t>((b[2 + i] & 0xf) - 8);
      out.w[i + 16] = static_cast<int8_t>((b[2 + i] >> 4) - 8);
    }
  } else if (type == kQ4_K) {
    const uint8_t* b = row + (j >> 3) * 144;
    const int s = static_cast<int>(j & 7);
    int sc, m;
    scale_min_k4(b + 4, s, sc, m);
    out.s_lo = out.s_hi = f16(b) * static_cast<float>(sc);
    out.min = f16(b + 2) * static_cast<float>(m);
    const uint8_t* qs = b + 16 + (s >> 1) * 32;
    const int shift = (s & 1) * 4;
    for (int i = 0; i < 32; i++) out.w[i] = static_cast<int8_t>((qs[i] >> shift) & 0xf);
  } else {
    const uint8_t* b = row + (j >> 3) * 210;
    const int g = static_cast<int>(j & 7);
    const int half = g >> 2, gg = g & 3;
    const uint8_t* ql = b + half * 64 + (gg & 1) * 32;
    const uint8_t* qh = b + 128 + half * 32;
    const int lshift = gg >= 2 ? 4 : 0, hshift = 2 * gg;
    for (int i = 0; i < 32; i++) {
      out.w[i] = static_cast<int8_t>((((ql[i] >> lshift) & 0xf) | (((qh[i] >> hshift) & 3) << 4)) - 32);
    }
    const int8_t* sc = reinterpret_cast<const int8_t*>(b + 192) + half * 8 + gg * 2;
    const float d = f16(b + 208);
    out.s_lo = d * static_cast<float>(sc[0]);
    out.s_hi = d * static_cast<float>(sc[1]);
  }
}

// Sub-block j of lane `lane` (0..7) of a Q4_0x8 or Q8_0x8 run of 8 rows starting at `group`.
inline void decode_sub_x8(int type, const uint8_t* group, int lane, int64_t j, Sub& out) {
  const uint8_t* b = group + j * 8 * block_bytes(type);
  out.s_lo = out.s_hi = f16(b + 2 * lane);
  out.min = 0.0f;
  if (type == kQ8_0x8) {
    for (int c = 0; c < 8; c++)
      for (int k = 0; k < 4; k++) out.w[4 * c + k] = static_cast<int8_t>(b[16 + 32 * c + 4 * lane + k]);
    return;
  }
  for (int c = 0; c < 4; c++)
    for (int k = 0; k < 4; k++) {
      const uint8_t byte = b[16 + 32 * c + 4 * lane + k];
      out.w[4 * c + k] = static_cast<int8_t>((byte & 0xf) - 8);
      out.w[16 + 4 * c + k] = static_cast<int8_t>((byte >> 4) - 8);
    }
}

// Sub-block j of row r of a matrix of `row_bytes` per row, whatever the layout.
inline void decode_sub_at(int type, const uint8_t* w, int64_t row_bytes, int64_t r, int64_t j, Sub& out) {
  if (interleaved(type)) decode_sub_x8(type, w + (r >> 3) * 8 * row_bytes, static_cast<int>(r & 7), j, out);
  else decode_sub(type, w + r * row_bytes, j, out);
}

}  // namespace quant
}  // namespace lmlab
