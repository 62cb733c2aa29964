// Elementwise kernels (add, mul, scale, axpy, SwiGLU and its backward) and the reductions
// (sumSquares, dot, rowCosine), plus RegisterElementwise, which also registers the kernels of
// norm.cc, rope.cc, loss.cc and optim.cc. Semantics: src/engine/kernels.ts.
// Shapes are checked only as far as needed to never touch memory outside the buffers.
#include <cmath>

#include "elementwise_common.h"

namespace lmlab {
namespace {

using namespace simd;

// Applies op(a_block, b_block) -> out over n elements; out may alias a or b because every
// block is loaded before it is stored.
template <class Op>
Napi::Value Binary(const Napi::CallbackInfo& info, const char* name, Op op) {
  Args args(info, name);
  int64_t n = args.integer(0, "n");
  const float* a = args.f32(1, n, "a");
  const float* b = args.f32(2, n, "b");
  float* out = args.f32(3, n, "out");
  if (args.failed()) return args.fail_value();
  for_chunks(n, kStreamGrain, [&](int64_t begin, int64_t end) {
    blocks(end - begin, [&](int64_t i, auto part) {
      int64_t at = begin + i;
      store(out + at, op(load(a + at, part), load(b + at, part)), part);
    });
  });
  return info.Env().Undefined();
}

Napi::Value Add(const Napi::CallbackInfo& info) {
  return Binary(info, "add", [](vf a, vf b) { return add(a, b); });
}

Napi::Value Mul(const Napi::CallbackInfo& info) {
  return Binary(info, "mul", [](vf a, vf b) { return mul(a, b); });
}

Napi::Value Scale(const Napi::CallbackInfo& info) {
  Args args(info, "scale");
  int64_t n = args.integer(0, "n");
  const float* a = args.f32(1, n, "a");
  float s = static_cast<float>(args.number(2, "s"));
  float* out = args.f32(3, n, "out");
  if (args.failed()) return args.fail_value();
  vf factor = set1(s);
  for_chunks(n, kStreamGrain, [&](int64_t begin, int64_t end) {
    blocks(end - begin, [&](int64_t i, auto part) {
      store(out + begin + i, mul(load(a + begin + i, part), factor), part);
    });
  });
  return info.Env().Undefined();
}

Napi::Value Axpy(const Napi::CallbackInfo& info) {
  Args args(info, "axpy");
  int64_t n = args.integer(0, "n");
  float alpha = static_cast<float>(args.number(1, "alpha"));
  const float* x = args.f32(2, n, "x");
  float* y = args.f32(3, n, "y");
  if (args.failed()) return args.fail_value();
  vf factor = set1(alpha);
  for_chunks(n, kStreamGrain, [&](int64_t begin, int64_t end) {
    blocks(end - begin, [&](int64_t i, auto part) {
      int64_t at = begin + i;
      store(y + at, fma(load(x + at, part), factor, load(y + at, part)), part);
    });
  });
  return info.Env().Undefined();
}

Napi::Value Swiglu(const Napi::CallbackInfo& info) {
  Args args(info, "swiglu");
  int64_t n = args.integer(0, "n");
  const float* gate = args.f32(1, n, "gate");
  const float* up = args.f32(2, n, "up");
  float* out = args.f32(3, n, "out");
  if (args.failed()) return args.fail_value();
  for_chunks(n, kComputeGrain, [&](int64_t begin, int64_t end) {
    blocks(end - begin, [&](int64_t i, auto part) {
      int64_t at = begin + i;
      vf g = load(gate + at, part);
      store(out + at, mul(mul(g, sigmoid(g)), load(up + at, part)), part);
    });
  });
  return info.Env().Undefined();
}

Napi::Value SwigluBackward(const Napi::CallbackInfo& info) {
  Args args(info, "swigluBackward");
  int64_t n = args.integer(0, "n");
  const float* gate = args.f32(1, n, "gate");
  const float* up = args.f32(2, n, "up");
  const float* dout = args.f32(3, n, "dout");
  float* dgate = args.f32(4, n, "dgate");
  float* dup = args.f32(5, n, "dup");
  if (args.failed()) return args.fail_value();
  vf one = set1(1.0f);
  for_chunks(n, kComputeGrain, [&](int64_t begin, int64_t end) {
    blocks(end - begin, [&](int64_t i, auto part) {
      int64_t at = begin + i;
      vf g = load(gate + at, part);
      vf u = load(up + at, part);
      vf d = load(dout + at, part);
      vf s = sigmoid(g);
      // silu'(g) = σ(g)·(1 + g·(1 − σ(g)))
      vf dsilu = mul(s, fma(g, sub(one, s), one));
      store(dgate + at, mul(mul(d, u), dsilu), part);
      store(dup + at, mul(d, mul(g, s)), part);
    });
  });
  return info.Env().Undefined();
}

// ---- reductions -----------------------------------------------------------------------------

double SumSquaresRange(const float* a, int64_t begin, int64_t end) {
  vd acc_lo = dzero(), acc_hi = dzero();
  blocks(end - begin, [&](int64_t i, auto part) {
    vd lo, hi;
    widen(load(a + begin + i, part), lo, hi);
    acc_lo = dfma(lo, lo, acc_lo);
    acc_hi = dfma(hi, hi, acc_hi);
  });
  return dsum(dadd(acc_lo, acc_hi));
}

double DotRange(const float* a, const float* b, int64_t begin, int64_t end) {
  vd acc_lo = dzero(), acc_hi = dzero();
  blocks(end - begin, [&](int64_t i, auto part) {
    vd a_lo, a_hi, b_lo, b_hi;
    widen(load(a + begin + i, part), a_lo, a_hi);
    widen(load(b + begin + i, part), b_lo, b_hi);
    acc_lo = dfma(a_lo, b_lo, acc_lo);
    acc_hi = dfma(a_hi, b_hi, acc_hi);
  });
  return dsum(dadd(acc_lo, acc_hi));
}

Napi::Value SumSquares(const Napi::CallbackInfo& info) {
  Args args(info, "sumSquares");
  int64_t n = args.integer(0, "n");
  const float* a = args.f32(1, n, "a");
  if (args.failed()) return args.fail_value();
  double total = reduce_chunks(n, kStreamGrain, [a](int64_t begin, int64_t end) { return SumSquaresRange(a, begin, end); });
  return Napi::Number::New(info.Env(), total);
}

Napi::Value Dot(const Napi::CallbackInfo& info) {
  Args args(info, "dot");
  int64_t n = args.integer(0, "n");
  const float* a = args.f32(1, n, "a");
  const float* b = args.f32(2, n, "b");
  if (args.failed()) return args.fail_value();
  double total = reduce_chunks(n, kStreamGrain, [a, b](int64_t begin, int64_t end) { return DotRange(a, b, begin, end); });
  return Napi::Number::New(info.Env(), total);
}

Napi::Value RowCosine(const Napi::CallbackInfo& info) {
  Args args(info, "rowCosine");
  int64_t rows = args.integer(0, "rows");
  int64_t dim = args.integer(1, "dim");
  int64_t size = elements(args, rows, dim);
  const float* a = args.f32(2, size, "a");
  const float* b = args.f32(3, size, "b");
  float* out = args.f32(4, rows, "out");
  float* norm_a = args.f32_or_null(5, rows, "normA");
  float* norm_b = args.f32_or_null(6, rows, "normB");
  if (args.failed()) return args.fail_value();
  for_chunks(rows, rows_grain(dim, kStreamGrain), [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; r++) {
      const float* ar = a + r * dim;
      const float* br = b + r * dim;
      vd ab = dzero(), aa = dzero(), bb = dzero();
      blocks(dim, [&](int64_t i, auto part) {
        vd a_lo, a_hi, b_lo, b_hi;
        widen(load(ar + i, part), a_lo, a_hi);
        widen(load(br + i, part), b_lo, b_hi);
        ab = dfma(a_lo, b_lo, dfma(a_hi, b_hi, ab));
        aa = dfma(a_lo, a_lo, dfma(a_hi, a_hi, aa));
        bb = dfma(b_lo, b_lo, dfma(b_hi, b_hi, bb));
      });
      double na = std::sqrt(dsum(aa));
      double nb = std::sqrt(dsum(bb));
      double cosine = na > 0 && nb > 0 ? dsum(ab) / (na * nb) : 0.0;
      // Rounding can push |cos| a hair past 1; Cauchy-Schwarz says it cannot be.
      out[r] = static_cast<float>(std::fmax(-1.0, std::fmin(1.0, cosine)));
      if (norm_a) norm_a[r] = static_cast<float>(na);
      if (norm_b) norm_b[r] = static_cast<float>(nb);
    }
  });
  return info.Env().Undefined();
}

}  // namespace

void RegisterElementwise(Napi::Env env, Napi::Object exports) {
  exports.Set("add", Napi::Function::New(env, Add, "add"));
  exports.Set("mul", Napi::Function::New(env, Mul, "mul"));
  exports.Set("scale", Napi::Function::New(env, Scale, "scale"));
  exports.Set("axpy", Napi::Function::New(env, Axpy, "axpy"));
  exports.Set("swiglu", Napi::Function::New(env, Swiglu, "swiglu"));
  exports.Set("swigluBackward", Napi::Function::New(env, SwigluBackward, "swigluBackward"));
  exports.Set("sumSquares", Napi::Function::New(env, SumSquares, "sumSquares"));
  exports.Set("dot", Napi::Function::New(env, Dot, "dot"));
  exports.Set("rowCosine", Napi::Function::New(env, RowCosine, "rowCosine"));
  RegisterNorm(env, exports);
  RegisterRope(env, exports);
  RegisterLoss(env, exports);
  RegisterOptim(env, exports);
}

}  // namespace lmlab
