// Attention of a few new queries (decode, tq small) over a KV cache held as float or as IEEE
// half (F16, widened to float as it is loaded). The cost is reading the cache, so the key range
// is split into blocks spread over the pool's threads (flash-decoding): each task reads one
// block of cache rows once for every query head — each kv head's rows once for all the query
// heads that share it (grouped-query attention) — and writes a partial softmax per head (max,
// sum, unnormalised output); a cheap serial merge rescales the blocks to the global maximum.
// Scores of W keys are summed as W vector accumulators reduced together (hsum_many), not one
// horizontal reduction per key. Not here: prefill of many queries (the tiles of attention.cc
// are faster there).
#include <algorithm>

#include "attention_internal.h"
#include "pool.h"

namespace lmlab {
namespace attn {

// Most keys per task (a task's scores for every head stay in L1/L2), and fewest.
constexpr int64_t kDecodeBlock = 256;
constexpr int64_t kDecodeMinBlock = 32;

template <typename T>
static float dot_row(const float* a, const T* b, int64_t D) {
  vec acc = vzero();
  int64_t d = 0;
  for (; d + W <= D; d += W) acc = vfma(vload(a + d), vload(b + d), acc);
  float sum = hsum(acc);
  for (; d < D; d++) sum += a[d] * to_float(b[d]);
  return sum;
}

template <typename T>
static void axpy_row(float alpha, const T* x, float* y, int64_t D) {
  const vec av = vset1(alpha);
  int64_t d = 0;
  for (; d + W <= D; d += W) vstore(y + d, vfma(av, vload(x + d), vload(y + d)));
  for (; d < D; d++) y[d] += alpha * to_float(x[d]);
}

// Scores of every query head against W key rows starting at k (whole cache rows, all kv
// heads): sc[h·ldsc + r] = qs[h] · k[r·ld + kvh(h)·D ..]. Needs D a multiple of W; the rows are
// read once from memory and each kv head's slice is reused from L1 by its query group.
template <typename T>
static void scores_rows(const float* qs, int64_t Dp, const T* k, int64_t ld, int64_t heads, int64_t group, int64_t D,
                        float* sc, int64_t ldsc) {
  for (int64_t h = 0; h < heads; h++) {
    const float* qh = qs + h * Dp;
    const T* kh = k + h / group * D;
    vec acc[W];
    for (int r = 0; r < W; r++) {
      const T* row = kh + r * ld;
      vec a = vmul(vload(qh), vload(row));
      for (int64_t d = W; d < D; d += W) a = vfma(vload(qh + d), vload(row + d), a);
      acc[r] = a;
    }
    vstore(sc + h * ldsc, hsum_many(acc));
  }
}

template <typename T>
static bool decode_impl(int64_t tq, int64_t past, int64_t heads, int64_t kv_heads, int64_t D, float scale,
                        const float* q, const T* k_cache, const T* v_cache, int64_t ld_kv, float* out) {
  const int64_t Dp = padded_dim(D), group = heads / kv_heads, n_keys = past + tq;
  // About four blocks per thread for balance, within the block size limits.
  const int64_t target_blocks = 4 * pool_threads();
  const int64_t even_split = round_up((n_keys + target_blocks - 1) / target_blocks, 16);
  const int64_t block = std::min(kDecodeBlock, std::max(kDecodeMinBlock, even_split));
  const int64_t n_blocks = (n_keys + block - 1) / block;
  const int64_t part_size = Dp + 2;  // unnormalised output, then max and sum
  static Buffer partials;
  partials.reserve(tq * heads * n_blocks * part_size);
  if (!partials.ok(tq * heads * n_blocks * part_size)) return false;
  std::vector<ThreadScratch>& scratch = thread_scratch();
  const int64_t per_thread = heads * (2 * Dp + kDecodeBlock);
  for (ThreadScratch& s : scratch) {
    s.decode.reserve(per_thread);
    if (!s.decode.ok(per_thread)) return false;
  }
  const float c = scale * kLog2e;
  float* part = partials.data();

  // Tasks are (query, key block); blocks of one query run on every thread at once.
  parallel_tasks(tq * n_blocks, [&](int64_t task, int thread) {
    const int64_t b = task % n_blocks, i = task / n_blocks;
    const int64_t j0 = b * block, j1 = std::min(j0 + block, past + i + 1);
    float* qs = scratch[thread].decode.data();  // [heads][Dp] scaled queries
    float* sc = qs + heads * Dp;                // [heads][block] scores, then weights
    float* acc = sc + heads * block;            // [heads][Dp] unnormalised outputs
    float* dst0 = part + (i * heads * n_blocks + b) * part_size;  // head h at + h·n_blocks·part_size
    if (j0 >= j1) {  // this query's cache ends before the block
      for (int64_t h = 0; h < heads; h++) {
        dst0[h * n_blocks * part_size + Dp] = kNegInf;
        dst0[h * n_blocks * part_size + Dp + 1] = 0.0f;
      }
      return;
    }
    const int64_t n = j1 - j0;
    for (int64_t h = 0; h < heads; h++) {
      const float* src = q + i * heads * D + h * D;
      for (int64_t d = 0; d < D; d++) qs[h * Dp + d] = src[d] * c;
      for (int64_t d = D; d < Dp; d++) qs[h * Dp + d] = 0.0f;
    }
    // Whole cache rows in order (one contiguous stream); the values of a group of rows are
    // needed right after its scores: start fetching them now.
    int64_t j = 0;
    if (D % W == 0 && W > 1) {
      for (; j + W <= n; j += W) {
        prefetch_rows(v_cache + (j0 + j) * ld_kv, ld_kv, W, kv_heads * D);
        scores_rows(qs, Dp, k_cache + (j0 + j) * ld_kv, ld_kv, heads, group, D, sc + j, block);
      }
    }
    for (; j < n; j++) {
      prefetch_rows(v_cache + (j0 + j) * ld_kv, ld_kv, 1, kv_heads * D);
      const T* krow = k_cache + (j0 + j) * ld_kv;
      for (int64_t h = 0; h < heads; h++) sc[h * block + j] = dot_row(qs + h * Dp, krow + h / group * D, D);
    }
    for (int64_t h = 0; h < heads; h++) {
      float* row = sc + h * block;
      vec mxv = vset1(kNegInf);
      int64_t j = 0;
      for (; j + W <= n; j += W) mxv = vmax(mxv, vload(row + j));
      float mx = hmax(mxv);
      for (; j < n; j++) mx = std::max(mx, row[j]);
      const vec mv = vset1(mx);
      vec sum = vzero();
      j = 0;
      for (; j + W <= n; j += W) {
        vec p = vexp2(vsub(vload(row + j), mv));
        vstore(row + j, p);
        sum = vadd(sum, p);
      }
      float total = hsum(sum);
      for (; j < n; j++) {
        row[j] = exp2_scalar(row[j] - mx);
        total += row[j];
      }
      float* dst = dst0 + h * n_blocks * part_size;
      dst[Dp] = mx;
      dst[Dp + 1] = total;
      std::memset(acc + h * Dp, 0, sizeof(float) * Dp);
    }
    if (Dp == D) {
      // Whole vectors per head: each kv head's group sums Σ_j p_j·v_j in registers.
      for (int64_t kvh = 0; kvh < kv_heads; kvh++) {
        accumulate_kernel(group, Dp, n, sc + kvh * group * block, block, 1, v_cache + j0 * ld_kv + kvh * D, ld_kv,
                          acc + kvh * group * Dp, Dp);
      }
    } else {
      for (int64_t j = 0; j < n; j++) {
        const T* vrow = v_cache + (j0 + j) * ld_kv;
        for (int64_t h = 0; h < heads; h++) axpy_row(sc[h * block + j], vrow + h / group * D, acc + h * Dp, D);
      }
    }
    for (int64_t h = 0; h < heads; h++) std::memcpy(dst0 + h * n_blocks * part_size, acc + h * Dp, sizeof(float) * D);
  });

  // Merge: rescale each block's partial result to the global maximum (a few KiB of work).
  for (int64_t i = 0; i < tq; i++) {
    for (int64_t h = 0; h < heads; h++) {
      const float* base = part + (i * heads + h) * n_blocks * part_size;
      float mx = kNegInf;
      for (int64_t b = 0; b < n_blocks; b++) mx = std::max(mx, base[b * part_size + Dp]);
      float* dst = out + i * heads * D + h * D;
      std::memset(dst, 0, sizeof(float) * D);
      float total = 0.0f;
      for (int64_t b = 0; b < n_blocks; b++) {
        const float* blk = base + b * part_size;
        if (blk[Dp + 1] == 0.0f) continue;
        const float w = exp2_scalar(blk[Dp] - mx);
        total += w * blk[Dp + 1];
        for (int64_t d = 0; d < D; d++) dst[d] += w * blk[d];
      }
      const float inv = 1.0f / total;
      for (int64_t d = 0; d < D; d++) dst[d] *= inv;
    }
  }
  return true;
}

bool attention_decode(int64_t tq, int64_t past, int64_t heads, int64_t kv_heads, int64_t D, float scale,
                      const float* q, const float* k_cache, const float* v_cache, int64_t ld_kv, float* out) {
  return decode_impl(tq, past, heads, kv_heads, D, scale, q, k_cache, v_cache, ld_kv, out);
}

bool attention_decode(int64_t tq, int64_t past, int64_t heads, int64_t kv_heads, int64_t D, float scale,
                      const float* q, const uint16_t* k_cache, const uint16_t* v_cache, int64_t ld_kv, float* out) {
  return decode_impl(tq, past, heads, kv_heads, D, scale, q, k_cache, v_cache, ld_kv, out);
}

}  // namespace attn
}  // namespace lmlab
