// fp32 matrix products for the addon: `gemm` (strided, batched, all four trans combinations)
// and `gemv` (the decode-time y = beta·y + W·x with W stored [out][in]).
//
// GEMM follows the usual blocked scheme: a KC×NC panel of op(B) and an MC×KC block of op(A) are
// packed into per-thread buffers laid out for the register-blocked micro-kernel in
// gemm_kernels.h. Threads split C along its longer side, each packing what it reads, so no
// thread waits on another inside a product. Vector-shaped products (m == 1 with
// B transposed, n == 1 with A not transposed) skip packing and go to the GEMV loops, which are
// memory-bound and would only lose by copying the matrix first.
// Deliberately not here: shape friendliness (src/engine/ops.ts), mixed precision, aliasing of
// C with A or B (the contract forbids it).
#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <string>

#include "common.h"
#include "gemm.h"
#include "gemm_kernels.h"
#include "gemm_pack.h"
#include "pool.h"

namespace lmlab {
namespace {

using gemm_detail::kMR;
using gemm_detail::kNR;

// Blocking: an MC×KC block of A (128 KiB) stays in L2 while the kernel sweeps a KC×NC panel of
// B (768 KiB, L2/L3); one KC×NR micro-panel of B (32 KiB) is reused by every MR row strip.
constexpr int64_t kKC = 256;
constexpr int64_t kMC = (128 / kMR) * kMR;
constexpr int64_t kNC = (768 / kNR) * kNR;
// Below this many multiply-adds a product runs on the calling thread: waking the pool costs
// more than it saves.
constexpr int64_t kParallelMinWork = int64_t(1) << 18;
constexpr int64_t kGemvParallelMinWork = int64_t(1) << 15;
// Up to this many rows, x·Wᵀ runs as one GEMV per row (measured: packed GEMM wins from 8 on).
constexpr int64_t kGemvMaxRows = 4;
// Batched products smaller than this run one whole product per thread instead.
constexpr int64_t kBatchTaskMaxWork = int64_t(1) << 22;
constexpr int64_t kMaxDim = int64_t(1) << 31;

// A per-thread, grow-once, 64-byte-aligned scratch area. Thread-local (not indexed by pool
// slot) so that concurrent callers from different JS threads never share one.
class PackBuffer {
 public:
  ~PackBuffer() { std::free(data_); }
  float* get(size_t floats) {
    if (floats > capacity_) {
      std::free(data_);
      size_t bytes = (floats * sizeof(float) + 63) & ~size_t(63);
      data_ = static_cast<float*>(std::aligned_alloc(64, bytes));
      capacity_ = data_ ? floats : 0;
    }
    return data_;
  }

 private:
  float* data_ = nullptr;
  size_t capacity_ = 0;
};

thread_local PackBuffer packed_a_buffer;
thread_local PackBuffer packed_b_buffer;

struct Product {
  bool trans_a, trans_b;
  int64_t m, n, k;
  float alpha;
  const float* a;
  int64_t lda;
  const float* b;
  int64_t ldb;
  float beta;
  float* c;
  int64_t ldc;
  // Set for gemm_xbt_packed: B (trans_b) comes from this packer instead of b.
  PackB pack_b = nullptr;
  const void* pack_ctx = nullptr;
  int64_t k_align = 8;
};

inline int64_t round_up(int64_t v, int64_t to) { return (v + to - 1) / to * to; }
// Splits `total` into `parts` blocks of at most `limit`, as even as possible (no thin last block).
inline int64_t even_block(int64_t total, int64_t limit, int64_t align) {
  int64_t parts = (total + limit - 1) / limit;
  return std::min(limit, round_up((total + parts - 1) / parts, align));
}

// C = beta·C for the k == 0 / alpha == 0 cases (beta == 0 writes zeros without reading C).
void scale_c(const Product& g) {
  for (int64_t i = 0; i < g.m; i++) {
    float* row = g.c + i * g.ldc;
    for (int64_t j = 0; j < g.n; j++) row[j] = g.beta == 0.0f ? 0.0f : g.beta * row[j];
  }
}

// Computes the block C[m0:m1, n0:n1] on the calling thread. Returns false if the packing
// buffers could not be allocated.
bool gemm_block(const Product& g, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
  float* packed_b = packed_b_buffer.get(static_cast<size_t>(kKC * kNC));
  float* packed_a = packed_a_buffer.get(static_cast<size_t>(kKC * kMC));
  if (!packed_a || !packed_b) return false;
  alignas(64) float edge[kMR * kNR];
  const int64_t kc_block = even_block(g.k, kKC, g.k_align);
  const int64_t mc_block = even_block(m1 - m0, kMC, kMR);
  for (int64_t jc = n0; jc < n1; jc += kNC) {
    const int64_t nc = std::min(kNC, n1 - jc);
    const int64_t strips = (nc + kNR - 1) / kNR;
    for (int64_t pc = 0; pc < g.k; pc += kc_block) {
      const int64_t kc = std::min(kc_block, g.k - pc);
      // Later k blocks add onto the partial sums already in C.
      const float beta = pc == 0 ? g.beta : 1.0f;
      if (g.pack_b) {
        for (int64_t s = 0; s < strips; s++) {
          const int64_t j = jc + s * kNR;
          g.pack_b(g.pack_ctx, j, pc, kc, std::min<int64_t>(kNR, n1 - j), kNR, packed_b + s * kc * kNR);
        }
      } else if (g.trans_b) {
        for (int64_t s = 0; s < strips; s++) {
          const int64_t j = jc + s * kNR;
          gemm_detail::pack_cols(g.b + j * g.ldb + pc, g.ldb, kc, std::min<int64_t>(kNR, n1 - j), kNR,
                                 packed_b + s * kc * kNR);
        }
      } else {
        gemm_detail::pack_rows<kNR>(g.b + pc * g.ldb + jc, g.ldb, kc, nc, packed_b);
      }
      for (int64_t ic = m0; ic < m1; ic += mc_block) {
        const int64_t mc = std::min(mc_block, m1 - ic);
        const int64_t panels = (mc + kMR - 1) / kMR;
        if (g.trans_a) {
          gemm_detail::pack_rows<kMR>(g.a + pc * g.lda + ic, g.lda, kc, mc, packed_a);
        } else {
          for (int64_t r = 0; r < panels; r++) {
            const int64_t i = ic + r * kMR;
            gemm_detail::pack_cols(g.a + i * g.lda + pc, g.lda, kc, std::min<int64_t>(kMR, m1 - i), kMR,
                                   packed_a + r * kc * kMR);
          }
        }
        for (int64_t s = 0; s < strips; s++) {
          const int64_t j = jc + s * kNR;
          const int64_t cols = std::min<int64_t>(kNR, n1 - j);
          const float* bp = packed_b + s * kc * kNR;
          for (int64_t r = 0; r < panels; r++) {
            const int64_t i = ic + r * kMR;
            const int64_t rows = std::min<int64_t>(kMR, m1 - i);
            float* c = g.c + i * g.ldc + j;
            const float* ap = packed_a + r * kc * kMR;
            if (rows == kMR && cols == kNR) {
              gemm_detail::micro_kernel(kc, ap, bp, c, g.ldc, g.alpha, beta);
              continue;
            }
            // Edge tile: run the full kernel into a scratch tile, then merge the valid part.
            gemm_detail::micro_kernel(kc, ap, bp, edge, kNR, g.alpha, 0.0f);
            for (int64_t ii = 0; ii < rows; ii++) {
              float* crow = c + ii * g.ldc;
              const float* erow = edge + ii * kNR;
              for (int64_t jj = 0; jj < cols; jj++) crow[jj] = beta == 0.0f ? erow[jj] : erow[jj] + beta * crow[jj];
            }
          }
        }
      }
    }
  }
  return true;
}

// y[r·incy] = alpha·W[r,:]·x + beta·y[r·incy] for r < rows, split across threads by rows.
void gemv_product(int64_t rows, int64_t k, const float* w, int64_t ldw, const float* x, float alpha, float beta,
                  float* y, int64_t incy, int threads) {
  if (threads > 1 && rows * k >= kGemvParallelMinWork && rows >= 8) {
    // Row blocks of 4 keep every thread on the 4-row kernel.
    run_on_threads(threads, [&](int t, int count) {
      const int64_t quads = (rows + 3) / 4;
      const int64_t r0 = std::min(rows, quads * t / count * 4);
      const int64_t r1 = t + 1 == count ? rows : std::min(rows, quads * (t + 1) / count * 4);
      if (r0 < r1) gemm_detail::gemv_rows(r0, r1, k, w, ldw, x, alpha, beta, y, incy);
    });
    return;
  }
  gemm_detail::gemv_rows(0, rows, k, w, ldw, x, alpha, beta, y, incy);
}

// One (unbatched) product on up to `threads` threads. Returns false on allocation failure.
bool gemm_product(const Product& g, int threads) {
  if (g.m == 0 || g.n == 0) return true;
  if (g.k == 0 || g.alpha == 0.0f) {
    scale_c(g);
    return true;
  }
  // x·Wᵀ (decode): the row of A is the vector, B's rows are the weight rows.
  const bool stored_b = g.pack_b == nullptr;
  if (stored_b && g.m == 1 && g.trans_b && g.trans_a && g.lda == 1) {
    gemv_product(g.n, g.k, g.b, g.ldb, g.a, g.alpha, g.beta, g.c, 1, threads);
    return true;
  }
  // A few rows times Wᵀ: one GEMV per row beats packing all of W for so little arithmetic.
  if (stored_b && g.m <= kGemvMaxRows && g.trans_b && !g.trans_a) {
    for (int64_t i = 0; i < g.m; i++) {
      gemv_product(g.n, g.k, g.b, g.ldb, g.a + i * g.lda, g.alpha, g.beta, g.c + i * g.ldc, 1, threads);
    }
    return true;
  }
  // A·x with x a column: A's rows are the weight rows, C is written down a column.
  if (stored_b && g.n == 1 && !g.trans_a && (g.trans_b || g.ldb == 1)) {
    gemv_product(g.m, g.k, g.a, g.lda, g.b, g.alpha, g.beta, g.c, g.ldc, threads);
    return true;
  }
  if (g.m * g.n * g.k < kParallelMinWork) threads = 1;
  // Each thread packs all of the operand it does not split: split the larger side of C so that
  // the duplicated packing is the smaller operand.
  const bool columns_ok = g.n >= int64_t(threads) * 2 * kNR;
  const bool rows_ok = g.m >= int64_t(threads) * 2 * kMR;
  const bool split_columns = columns_ok && (!rows_ok || g.n >= g.m);
  if (!columns_ok && !rows_ok) threads = 1;
  if (threads <= 1) return gemm_block(g, 0, g.m, 0, g.n);
  std::atomic<bool> ok{true};
  run_on_threads(threads, [&](int t, int count) {
    const int64_t total = split_columns ? g.n : g.m;
    const int64_t align = split_columns ? kNR : kMR;
    const int64_t begin = total * t / count / align * align;
    const int64_t end = t + 1 == count ? total : total * (t + 1) / count / align * align;
    if (begin >= end) return;
    bool done = split_columns ? gemm_block(g, 0, g.m, begin, end) : gemm_block(g, begin, end, 0, g.n);
    if (!done) ok.store(false);
  });
  return ok.load();
}

}  // namespace

bool gemm_xbt_packed(int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, PackB pack, const void* ctx,
                     int64_t k_align, float beta, float* c, int64_t ldc, int threads) {
  Product g{false, true, m, n, k, 1.0f, a, lda, nullptr, 0, beta, c, ldc};
  g.pack_b = pack;
  g.pack_ctx = ctx;
  g.k_align = k_align;
  return gemm_product(g, threads);
}

namespace {

bool valid_dims(Args& args, std::initializer_list<std::pair<int64_t, const char*>> dims) {
  for (auto& [value, name] : dims) {
    if (value >= kMaxDim) {
      args.fail(std::string("argument '") + name + "' is too large (" + std::to_string(value) + ")");
      return false;
    }
  }
  return true;
}

// gemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, batch, strideA, strideB, strideC)
Napi::Value Gemm(const Napi::CallbackInfo& info) {
  Args args(info, "gemm");
  const bool trans_a = args.boolean(0, "transA");
  const bool trans_b = args.boolean(1, "transB");
  const int64_t m = args.integer(2, "m");
  const int64_t n = args.integer(3, "n");
  const int64_t k = args.integer(4, "k");
  const double alpha = args.number(5, "alpha");
  const int64_t lda = args.integer(7, "lda");
  const int64_t ldb = args.integer(9, "ldb");
  const double beta = args.number(10, "beta");
  const int64_t ldc = args.integer(12, "ldc");
  const int64_t batch = args.integer(13, "batch");
  const int64_t stride_a = args.integer(14, "strideA");
  const int64_t stride_b = args.integer(15, "strideB");
  const int64_t stride_c = args.integer(16, "strideC");
  if (args.failed()) return args.fail_value();
  if (!valid_dims(args, {{m, "m"}, {n, "n"}, {k, "k"}, {lda, "lda"}, {ldb, "ldb"}, {ldc, "ldc"}, {batch, "batch"},
                         {stride_a, "strideA"}, {stride_b, "strideB"}, {stride_c, "strideC"}})) {
    return args.fail_value();
  }
  // Stored shapes: A is [m, k] or [k, m] (transA); B is [k, n] or [n, k] (transB).
  const int64_t a_rows = trans_a ? k : m, a_cols = trans_a ? m : k;
  const int64_t b_rows = trans_b ? n : k, b_cols = trans_b ? k : n;
  if (lda < a_cols) args.fail("lda " + std::to_string(lda) + " is smaller than A's row length " + std::to_string(a_cols));
  else if (ldb < b_cols) args.fail("ldb " + std::to_string(ldb) + " is smaller than B's row length " + std::to_string(b_cols));
  else if (ldc < n) args.fail("ldc " + std::to_string(ldc) + " is smaller than C's row length " + std::to_string(n));
  else if (batch > 1 && stride_c < span(m, n, ldc)) {
    args.fail("strideC " + std::to_string(stride_c) + " is smaller than one C matrix (" +
              std::to_string(span(m, n, ldc)) + " elements): batch items would overwrite each other");
  }
  if (args.failed()) return args.fail_value();
  auto needed = [&](int64_t one, int64_t stride) { return batch == 0 || one == 0 ? 0 : (batch - 1) * stride + one; };
  const bool uses_ab = m > 0 && n > 0 && k > 0 && alpha != 0.0;
  const float* a = args.f32(6, uses_ab ? needed(span(a_rows, a_cols, lda), stride_a) : 0, "a");
  const float* b = args.f32(8, uses_ab ? needed(span(b_rows, b_cols, ldb), stride_b) : 0, "b");
  float* c = args.f32(11, needed(span(m, n, ldc), stride_c), "c");
  if (args.failed()) return args.fail_value();

  Product base{trans_a, trans_b, m, n, k, static_cast<float>(alpha), a, lda, b, ldb, static_cast<float>(beta), c, ldc};
  auto item = [&](int64_t i) {
    Product g = base;
    g.a += i * stride_a;
    g.b += i * stride_b;
    g.c += i * stride_c;
    return g;
  };
  bool ok = true;
  if (batch > 1 && m * n * k < kBatchTaskMaxWork && pool_threads() > 1) {
    std::atomic<bool> all_ok{true};
    parallel_tasks(batch, [&](int64_t i, int) {
      if (!gemm_product(item(i), 1)) all_ok.store(false);
    });
    ok = all_ok.load();
  } else {
    for (int64_t i = 0; i < batch && ok; i++) ok = gemm_product(item(i), pool_threads());
  }
  if (!ok) args.fail("could not allocate the packing buffers");
  return args.failed() ? args.fail_value() : info.Env().Undefined();
}

// gemv(n, k, w, ldw, x, beta, y)
Napi::Value Gemv(const Napi::CallbackInfo& info) {
  Args args(info, "gemv");
  const int64_t n = args.integer(0, "n");
  const int64_t k = args.integer(1, "k");
  const int64_t ldw = args.integer(3, "ldw");
  const double beta = args.number(5, "beta");
  if (args.failed() || !valid_dims(args, {{n, "n"}, {k, "k"}, {ldw, "ldw"}})) return args.fail_value();
  if (ldw < k) {
    args.fail("ldw " + std::to_string(ldw) + " is smaller than k " + std::to_string(k));
    return args.fail_value();
  }
  const float* w = args.f32(2, span(n, k, ldw), "w");
  const float* x = args.f32(4, k, "x");
  float* y = args.f32(6, n, "y");
  if (args.failed()) return args.fail_value();
  if (k == 0) {
    for (int64_t r = 0; r < n; r++) y[r] = beta == 0.0 ? 0.0f : static_cast<float>(beta) * y[r];
  } else {
    gemv_product(n, k, w, ldw, x, 1.0f, static_cast<float>(beta), y, 1, pool_threads());
  }
  return info.Env().Undefined();
}

}  // namespace

void RegisterGemm(Napi::Env env, Napi::Object exports) {
  exports.Set("gemm", Napi::Function::New(env, Gemm, "gemm"));
  exports.Set("gemv", Napi::Function::New(env, Gemv, "gemv"));
  exports.Set("gemmInfo", Napi::Function::New(env, [](const Napi::CallbackInfo& info) -> Napi::Value {
    Napi::Object out = Napi::Object::New(info.Env());
    out.Set("isa", gemm_detail::kIsa);
    out.Set("mr", kMR);
    out.Set("nr", kNR);
    out.Set("kc", static_cast<double>(kKC));
    out.Set("mc", static_cast<double>(kMC));
    out.Set("nc", static_cast<double>(kNC));
    return out;
  }, "gemmInfo"));
}

}  // namespace lmlab
