// The AdamW step (decoupled weight decay, bias correction), updating parameters and both moment
// buffers in place in one pass. Semantics and formula: src/engine/kernels.ts.
// Gradient clipping is the caller's business: it arrives here only as gradScale.
#include <cmath>

#include "elementwise_common.h"

namespace lmlab {
namespace {

using namespace simd;

Napi::Value Adamw(const Napi::CallbackInfo& info) {
  Args args(info, "adamw");
  int64_t n = args.integer(0, "n");
  float* param = args.f32(1, n, "param");
  const float* grad = args.f32(2, n, "grad");
  float* m = args.f32(3, n, "m");
  float* v = args.f32(4, n, "v");
  double lr = args.number(5, "lr");
  double beta1 = args.number(6, "beta1");
  double beta2 = args.number(7, "beta2");
  double eps = args.number(8, "eps");
  double weight_decay = args.number(9, "weightDecay");
  int64_t step = args.integer(10, "step", 1);
  double grad_scale = args.number(11, "gradScale");
  if (!args.failed() && !(beta1 >= 0 && beta1 < 1 && beta2 >= 0 && beta2 < 1)) {
    args.fail("beta1 and beta2 must lie in [0, 1)");
  }
  if (args.failed()) return args.fail_value();

  // Bias corrections in double: 1 − β2^step is tiny at step 1 and loses digits in float.
  const double correction1 = 1.0 - std::pow(beta1, static_cast<double>(step));
  const double correction2 = 1.0 - std::pow(beta2, static_cast<double>(step));
  const vf b1 = set1(static_cast<float>(beta1));
  const vf one_minus_b1 = set1(static_cast<float>(1.0 - beta1));
  const vf b2 = set1(static_cast<float>(beta2));
  const vf one_minus_b2 = set1(static_cast<float>(1.0 - beta2));
  const vf inv_correction1 = set1(static_cast<float>(1.0 / correction1));
  const vf inv_correction2 = set1(static_cast<float>(1.0 / correction2));
  const vf epsilon = set1(static_cast<float>(eps));
  const vf decay = set1(static_cast<float>(weight_decay));
  const vf rate = set1(static_cast<float>(lr));
  const vf scale = set1(static_cast<float>(grad_scale));
  for_chunks(n, kComputeGrain, [&](int64_t begin, int64_t end) {
    blocks(end - begin, [&](int64_t i, auto part) {
      const int64_t at = begin + i;
      vf g = mul(load(grad + at, part), scale);
      vf mt = fma(b1, load(m + at, part), mul(one_minus_b1, g));
      vf vt = fma(b2, load(v + at, part), mul(one_minus_b2, mul(g, g)));
      vf p = load(param + at, part);
      vf denom = add(sqrt(mul(vt, inv_correction2)), epsilon);
      vf update = fma(decay, p, div(mul(mt, inv_correction1), denom));
      store(m + at, mt, part);
      store(v + at, vt, part);
      store(param + at, fnma(rate, update, p), part);
    });
  });
  return info.Env().Undefined();
}

}  // namespace

void RegisterOptim(Napi::Env env, Napi::Object exports) {
  exports.Set("adamw", Napi::Function::New(env, Adamw, "adamw"));
}

}  // namespace lmlab
