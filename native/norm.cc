// Row-wise kernels: RMSNorm forward and backward, and softmax. Semantics: src/engine/kernels.ts.
// Rows are independent, so the pool splits them; RMSNorm's weight gradient, which every row
// adds into, is summed per thread and the partial sums are added at the end.
#include <cmath>
#include <vector>

#include "elementwise_common.h"

namespace lmlab {
namespace {

using namespace simd;

// A per-thread buffer of at least n floats, kept for the life of the thread and grown only when
// a larger n arrives, so that steady-state calls do not allocate. Each pool thread runs one task
// at a time and each calling thread has its own, so no two tasks share one.
float* ThreadScratch(int64_t n) {
  thread_local std::vector<float> scratch;
  if (static_cast<int64_t>(scratch.size()) < n) scratch.resize(static_cast<size_t>(n));
  return scratch.data();
}

float SumOfSquares(const float* x, int64_t dim) {
  vf acc0 = zero(), acc1 = zero();
  int64_t i = 0;
  // Two accumulators hide the FMA latency on long rows.
  for (; i + 2 * kWidth <= dim; i += 2 * kWidth) {
    vf a = load(x + i, Full{});
    vf b = load(x + i + kWidth, Full{});
    acc0 = fma(a, a, acc0);
    acc1 = fma(b, b, acc1);
  }
  blocks(dim - i, [&](int64_t j, auto part) {
    vf a = load(x + i + j, part);
    acc0 = fma(a, a, acc0);
  });
  return hsum(add(acc0, acc1));
}

float InverseRms(float sum_squares, int64_t dim, double eps) {
  return static_cast<float>(1.0 / std::sqrt(static_cast<double>(sum_squares) / static_cast<double>(dim) + eps));
}

Napi::Value Rmsnorm(const Napi::CallbackInfo& info) {
  Args args(info, "rmsnorm");
  int64_t rows = args.integer(0, "rows");
  int64_t dim = args.integer(1, "dim", 1);
  int64_t size = elements(args, rows, dim);
  const float* x = args.f32(2, size, "x");
  const float* weight = args.f32(3, dim, "weight");
  double eps = args.number(4, "eps");
  float* out = args.f32(5, size, "out");
  float* rstd = args.f32_or_null(6, rows, "rstd");
  if (args.failed()) return args.fail_value();
  for_chunks(rows, rows_grain(dim, kStreamGrain), [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; r++) {
      const float* xr = x + r * dim;
      float* outr = out + r * dim;
      float inv = InverseRms(SumOfSquares(xr, dim), dim, eps);
      if (rstd) rstd[r] = inv;
      vf factor = set1(inv);
      blocks(dim, [&](int64_t i, auto part) {
        store(outr + i, mul(mul(load(xr + i, part), factor), load(weight + i, part)), part);
      });
    }
  });
  return info.Env().Undefined();
}

Napi::Value RmsnormBackward(const Napi::CallbackInfo& info) {
  Args args(info, "rmsnormBackward");
  int64_t rows = args.integer(0, "rows");
  int64_t dim = args.integer(1, "dim", 1);
  int64_t size = elements(args, rows, dim);
  const float* x = args.f32(2, size, "x");
  const float* weight = args.f32(3, dim, "weight");
  const float* rstd = args.f32(4, rows, "rstd");
  const float* dout = args.f32(5, size, "dout");
  float* dx = args.f32(6, size, "dx");
  float* dweight = args.f32(7, dim, "dweight");
  if (args.failed()) return args.fail_value();

  // One pass over the rows gives both gradients: dx = r·(w⊙dout) − (r³/dim)·(Σ w⊙dout⊙x)·x row
  // by row, and each thread sums its rows' dout⊙x·r into its own partial dweight, so no two
  // threads write the same memory and x and dout stream through once.
  float* partials[256];  // the pool never exceeds 256 threads
  const int threads = for_thread_chunks(rows, rows_grain(dim, kStreamGrain), [&](int t, int64_t begin, int64_t end) {
    float* sums = ThreadScratch(dim);
    partials[t] = sums;
    blocks(dim, [&](int64_t i, auto part) { store(sums + i, zero(), part); });
    for (int64_t r = begin; r < end; r++) {
      const float* xr = x + r * dim;
      const float* dr = dout + r * dim;
      float* dxr = dx + r * dim;
      vf acc = zero();
      blocks(dim, [&](int64_t i, auto part) {
        acc = fma(mul(load(dr + i, part), load(weight + i, part)), load(xr + i, part), acc);
      });
      const float inv = rstd[r];
      const vf scale_wd = set1(inv);
      const vf scale_x = set1(inv * inv * inv * hsum(acc) / static_cast<float>(dim));
      blocks(dim, [&](int64_t i, auto part) {
        const vf d = load(dr + i, part);
        const vf xv = load(xr + i, part);
        store(dxr + i, fnma(scale_x, xv, mul(scale_wd, mul(d, load(weight + i, part)))), part);
        store(sums + i, fma(mul(d, xv), scale_wd, load(sums + i, part)), part);
      });
    }
  });
  if (rows == 0) return info.Env().Undefined();
  blocks(dim, [&](int64_t i, auto part) {
    vf total = load(dweight + i, part);
    for (int t = 0; t < threads; t++) total = add(total, load(partials[t] + i, part));
    store(dweight + i, total, part);
  });
  return info.Env().Undefined();
}

Napi::Value Softmax(const Napi::CallbackInfo& info) {
  Args args(info, "softmax");
  int64_t rows = args.integer(0, "rows");
  int64_t n = args.integer(1, "n");
  int64_t size = elements(args, rows, n);
  const float* x = args.f32(2, size, "x");
  float* out = args.f32(3, size, "out");
  if (args.failed()) return args.fail_value();
  if (n == 0) return info.Env().Undefined();
  for_chunks(rows, rows_grain(n, kComputeGrain), [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; r++) {
      const float* xr = x + r * n;
      float* outr = out + r * n;
      vf top = set1(-INFINITY);
      blocks(n, [&](int64_t i, auto part) { top = max(top, load_or(xr + i, part, -INFINITY)); });
      vf shift = set1(hmax(top));
      vf total = zero();
      blocks(n, [&](int64_t i, auto part) {
        // Masked-off tail lanes read −inf, whose exp is exactly 0, so they do not count.
        vf e = exp(sub(load_or(xr + i, part, -INFINITY), shift));
        total = add(total, e);
        store(outr + i, e, part);
      });
      vf inv = set1(1.0f / hsum(total));
      blocks(n, [&](int64_t i, auto part) { store(outr + i, mul(load(outr + i, part), inv), part); });
    }
  });
  return info.Env().Undefined();
}

}  // namespace

void RegisterNorm(Napi::Env env, Napi::Object exports) {
  exports.Set("rmsnorm", Napi::Function::New(env, Rmsnorm, "rmsnorm"));
  exports.Set("rmsnormBackward", Napi::Function::New(env, RmsnormBackward, "rmsnormBackward"));
  exports.Set("softmax", Napi::Function::New(env, Softmax, "softmax"));
}

}  // namespace lmlab
