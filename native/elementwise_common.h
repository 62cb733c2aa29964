// Shared by the elementwise, normalisation, RoPE, loss and optimiser kernel files: the work
// grains that decide when the pool pays off, allocation-free wrappers around the pool, and the
// registrars RegisterElementwise calls (addon.cc knows only RegisterElementwise).
// It does not hold kernels itself.
#pragma once
#include <cstdint>
#include <string>

#include "common.h"
#include "elementwise_simd.h"
#include "pool.h"

namespace lmlab {

void RegisterNorm(Napi::Env env, Napi::Object exports);
void RegisterRope(Napi::Env env, Napi::Object exports);
void RegisterLoss(Napi::Env env, Napi::Object exports);
void RegisterOptim(Napi::Env env, Napi::Object exports);

// Work below these sizes (in elements per thread) runs on the calling thread: handing a chunk to
// the pool costs about a microsecond even with its workers awake, which only pays once a chunk
// streams this much memory. Plain streaming ops and ops with an exp or a sqrt per element break
// even at different sizes (2 cores, side by side: add of 64K elements ran 1.6x faster on two
// threads and of 32K only 1.2x; softmax rows totalling 16K elements 1.2x).
// (Overridable at compile time so that the break-even points can be measured again.)
#ifndef LMLAB_STREAM_GRAIN
#define LMLAB_STREAM_GRAIN (1 << 15)
#endif
#ifndef LMLAB_COMPUTE_GRAIN
#define LMLAB_COMPUTE_GRAIN (1 << 13)
#endif
constexpr int64_t kStreamGrain = LMLAB_STREAM_GRAIN;
constexpr int64_t kComputeGrain = LMLAB_COMPUTE_GRAIN;

// Rows per chunk so that one chunk holds about `grain` elements of rows `cols` long.
inline int64_t rows_grain(int64_t cols, int64_t grain) { return cols >= grain ? 1 : grain / (cols > 0 ? cols : 1); }

// parallel_for through a one-reference capture: std::function keeps such a lambda inline, so a
// call never allocates however much the body itself captures.
template <class Body>
inline void for_chunks(int64_t n, int64_t grain, const Body& body) {
  if (n < 2 * grain || pool_threads() <= 1) {
    if (n > 0) body(int64_t{0}, n);
    return;
  }
  parallel_for(n, grain, [&body](int64_t begin, int64_t end) { body(begin, end); });
}

// Like for_chunks, but body(thread, begin, end) also learns which pool thread runs it, for
// per-thread partial results. Returns how many threads took part (thread indices 0..count−1).
template <class Body>
inline int for_thread_chunks(int64_t n, int64_t grain, const Body& body) {
  int threads = pool_threads();
  const int64_t chunks = n / grain;
  if (chunks < threads) threads = chunks > 1 ? static_cast<int>(chunks) : 1;
  if (threads <= 1) {
    if (n > 0) body(0, int64_t{0}, n);
    return 1;
  }
  run_on_threads(threads, [&body, n](int t, int count) { body(t, n * t / count, n * (t + 1) / count); });
  return threads;
}

// Sum of range(begin, end) over [0, n), split across threads when n is large; the partial sums
// are added in thread order, so a given thread count always gives the same result.
template <class Range>
inline double reduce_chunks(int64_t n, int64_t grain, const Range& range) {
  double partial[256] = {};  // the pool never exceeds 256 threads
  const int threads = for_thread_chunks(n, grain, [&](int t, int64_t begin, int64_t end) { partial[t] = range(begin, end); });
  double total = 0;
  for (int t = 0; t < threads; t++) total += partial[t];
  return total;
}

// a·b as an element count, failing (instead of overflowing) past what any buffer could hold.
inline int64_t elements(Args& args, int64_t a, int64_t b) {
  if (args.failed()) return 0;
  if (a != 0 && b > (int64_t{1} << 50) / a) {
    args.fail("shape " + std::to_string(a) + " x " + std::to_string(b) + " is too large");
    return 0;
  }
  return a * b;
}

// Calls body(c, Full{}) or body(c, tail) for the vector block starting at column c of n.
template <class Body>
inline void block_at(int64_t c, int64_t n, Body&& body) {
  if (c + simd::kWidth <= n) body(c, simd::Full{});
  else body(c, simd::tail(n - c));
}

}  // namespace lmlab
