// Attention of a few new queries (decode, tq small) over a KV cache. The cost is reading the
// cache, so each task reads one block of cache rows once for every query head (whole key rows,
// contiguous; values one kv head at a time with the weighted sum held in registers) and writes
// a partial softmax per head (max, sum, unnormalised output); a cheap serial merge combines
// the blocks. Splitting by key block keeps both cores busy whatever the head count. Not here:
// prefill of many queries (the tiles of attention.cc are faster there).
#include <algorithm>

#include "attention_internal.h"
#include "pool.h"

namespace lmlab {
namespace attn {

// Most keys per task (a task's scores for every head stay in L1/L2), and fewest.
constexpr int64_t kDecodeBlock = 256;
constexpr int64_t kDecodeMinBlock = 32;

static float dot_row(const float* a, const float* b, int64_t D) {
  vec acc = vzero();
  int64_t d = 0;
  for (; d + W <= D; d += W) acc = vfma(vload(a + d), vload(b + d), acc);
  float sum = hsum(acc);
  for (; d < D; d++) sum += a[d] * b[d];
  return sum;
}

static void axpy_row(float alpha, const float* x, float* y, int64_t D) {
  const vec av = vset1(alpha);
  int64_t d = 0;
  for (; d + W <= D; d += W) vstore(y + d, vfma(av, vload(x + d), vload(y + d)));
  for (; d < D; d++) y[d] += alpha * x[d];
}

bool attention_decode(int64_t tq, int64_t past, int64_t heads, int64_t kv_heads, int64_t D, float scale,
                      const float* q, const float* k_cache, const float* v_cache, int64_t ld_kv, float* out) {
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

  // A task reads whole cache rows (every kv head) of one block, so the reads are contiguous.
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
    }
    for (int64_t j = 0; j < n; j++) {
      // The values of this row are needed right after the scores: start fetching them now.
      prefetch_rows(v_cache + (j0 + j) * ld_kv, ld_kv, 1, kv_heads * D);
      const float* krow = k_cache + (j0 + j) * ld_kv;
      for (int64_t h = 0; h < heads; h++) sc[h * block + j] = dot_row(qs + h * Dp, krow + h / group * D, D);
    }
    for (int64_t h = 0; h < heads; h++) {
      float* row = sc + h * block;
      float mx = kNegInf;
      for (int64_t j = 0; j < n; j++) mx = std::max(mx, row[j]);
      const vec mv = vset1(mx);
      vec sum = vzero();
      int64_t j = 0;
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
      std::memset(acc + h * Dp, 0, sizeof(float) * D);
    }
    if (Dp == D) {
      // Whole vectors per head: each kv head's group sums Σ_j p_j·v_j in registers.
      for (int64_t kvh = 0; kvh < kv_heads; kvh++) {
        accumulate_kernel(group, Dp, n, sc + kvh * group * block, block, 1, v_cache + j0 * ld_kv + kvh * D, ld_kv,
                          acc + kvh * group * Dp, Dp);
      }
    } else {
      for (int64_t j = 0; j < n; j++) {
        const float* vrow = v_cache + (j0 + j) * ld_kv;
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

}  // namespace attn
}  // namespace lmlab
