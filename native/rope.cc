// Rotary position embedding, forward and backward, in the Hugging Face LLaMA "rotate half"
// layout: dimension i of a head pairs with i + headDim/2. Semantics: src/engine/kernels.ts.
// Angles are formed and reduced modulo 2π in double (positions reach 1e5 and more, where a
// float angle would be off by whole milliradians); only the final sine and cosine are float.
// No cos/sin table persists between calls: each token's values are computed into a small stack
// block and shared by all of its heads.
#include <cmath>

#include "elementwise_common.h"

namespace lmlab {
namespace {

using namespace simd;

// Frequencies handled per pass; heads with headDim/2 above this are done in several passes.
constexpr int64_t kFrequencyBlock = 256;

Napi::Value Rotate(const Napi::CallbackInfo& info, const char* name, bool backward) {
  Args args(info, name);
  int64_t tokens = args.integer(0, "tokens");
  int64_t heads = args.integer(1, "heads");
  int64_t head_dim = args.integer(2, "headDim", 2);
  if (!args.failed() && head_dim % 2 != 0) args.fail("headDim must be even, got " + std::to_string(head_dim));
  int64_t width = elements(args, heads, head_dim);
  int64_t ld = args.integer(4, "ld");
  if (!args.failed() && ld < width) {
    args.fail("ld " + std::to_string(ld) + " is smaller than heads*headDim " + std::to_string(width));
  }
  // (tokens − 1)·ld + width, computed so that a huge ld fails instead of overflowing.
  int64_t needed = tokens == 0 || width == 0 ? 0 : elements(args, tokens - 1, ld) + width;
  float* x = args.f32(3, needed, backward ? "dx" : "x");
  const int32_t* positions = args.i32(5, tokens, "positions");
  double theta = args.number(6, "theta");
  if (!args.failed() && !(theta > 0)) args.fail("theta must be positive");
  if (args.failed()) return args.fail_value();
  if (tokens == 0 || width == 0) return info.Env().Undefined();

  const int64_t half = head_dim / 2;
  // The backward pass rotates by the negative angle: the same code with sin negated.
  const float sign = backward ? -1.0f : 1.0f;
  const double two_pi = 2.0 * M_PI;
  // A sine/cosine pair costs about as much as streaming 16 elements.
  for_chunks(tokens, rows_grain(width + 16 * half, kStreamGrain), [&](int64_t begin, int64_t end) {
    double inv_freq[kFrequencyBlock];
    float cosines[kFrequencyBlock];
    float sines[kFrequencyBlock];
    for (int64_t f0 = 0; f0 < half; f0 += kFrequencyBlock) {
      const int64_t count = half - f0 < kFrequencyBlock ? half - f0 : kFrequencyBlock;
      for (int64_t i = 0; i < count; i++) {
        inv_freq[i] = std::pow(theta, -2.0 * static_cast<double>(f0 + i) / static_cast<double>(head_dim));
      }
      for (int64_t t = begin; t < end; t++) {
        const double pos = positions[t];
        for (int64_t i = 0; i < count; i++) {
          double angle = pos * inv_freq[i];
          angle -= two_pi * std::nearbyint(angle / two_pi);
          float reduced = static_cast<float>(angle);
          cosines[i] = std::cos(reduced);
          sines[i] = sign * std::sin(reduced);
        }
        float* row = x + t * ld;
        for (int64_t h = 0; h < heads; h++) {
          float* lo_half = row + h * head_dim + f0;
          float* hi_half = lo_half + half;
          blocks(count, [&](int64_t i, auto part) {
            vf c = load(cosines + i, part);
            vf s = load(sines + i, part);
            vf a = load(lo_half + i, part);
            vf b = load(hi_half + i, part);
            store(lo_half + i, fnma(b, s, mul(a, c)), part);  // a·cos − b·sin
            store(hi_half + i, fma(a, s, mul(b, c)), part);   // b·cos + a·sin
          });
        }
      }
    }
  });
  return info.Env().Undefined();
}

Napi::Value Rope(const Napi::CallbackInfo& info) { return Rotate(info, "rope", false); }
Napi::Value RopeBackward(const Napi::CallbackInfo& info) { return Rotate(info, "ropeBackward", true); }

}  // namespace

void RegisterRope(Napi::Env env, Napi::Object exports) {
  exports.Set("rope", Napi::Function::New(env, Rope, "rope"));
  exports.Set("ropeBackward", Napi::Function::New(env, RopeBackward, "ropeBackward"));
}

}  // namespace lmlab
