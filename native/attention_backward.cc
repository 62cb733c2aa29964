// Backward pass of the tiled causal attention, FlashAttention-2 style: nothing from the forward
// pass is kept but out and the per-query log-sum-exp, so probabilities are recomputed tile by
// tile. One task owns one (batch row, kv head, key tile): it alone writes that tile's dK and dV
// (summing over every query head of the group, so grouped-query attention needs no atomics),
// while dQ contributions, which every key tile touches, go to a per-thread accumulator that a
// final pass sums. Scores are computed transposed (keys as rows) so that dV += Pᵀ·dO and
// dK += dSᵀ·Q are plain row-accumulations. Not here: argument checks (attention.cc).
#include <algorithm>

#include "attention_internal.h"
#include "pool.h"

namespace lmlab {
namespace attn {

namespace {

struct BackwardContext {
  ShapeArgs a;
  int64_t Dp, group;
  const float *q, *k, *v, *lse, *dout, *delta;
  const int32_t* seg;
  float *dk, *dv;
};

// Copies rows [r0, r0+n) of a strided [rows, D] matrix into dst [rows_to][Dp] (zero padding).
void pack_rows(const float* src, int64_t ld, int64_t n, int64_t rows_to, int64_t D, int64_t Dp, float* dst) {
  for (int64_t r = 0; r < rows_to; r++) {
    float* d = dst + r * Dp;
    if (r < n) {
      copy_row_padded(d, src + r * ld, D, Dp);
    } else {
      std::memset(d, 0, sizeof(float) * Dp);
    }
  }
}

// Copies n strided rows transposed into dst [D][BQ], times `factor`, zero-padding columns n..cols.
void pack_cols(const float* src, int64_t ld, int64_t n, int64_t cols, int64_t D, float factor, float* dst) {
  for (int64_t i = 0; i < cols; i++) {
    if (i < n) {
      const float* s = src + i * ld;
      for (int64_t d = 0; d < D; d++) dst[d * BQ + i] = s[d] * factor;
    } else {
      for (int64_t d = 0; d < D; d++) dst[d * BQ + i] = 0.0f;
    }
  }
}

void backward_key_tile(const BackwardContext& c, int64_t b, int64_t kvh, int64_t k0, ThreadScratch& s) {
  const ShapeArgs& a = c.a;
  const int64_t D = a.D, Dp = c.Dp, t = a.t;
  const int64_t nk = std::min(BK_BACKWARD, t - k0), nk_rows = round_up(nk, R);
  const int64_t row = a.heads * D, kv_row = a.kv_heads * D;
  const float log2_scale = a.scale * kLog2e;
  const int32_t* seg = c.seg ? c.seg + b * t : nullptr;

  float* kr = s.k_rows.data();
  float* vr = s.v_rows.data();
  pack_rows(c.k + b * t * kv_row + kvh * D + k0 * kv_row, kv_row, nk, nk_rows, D, Dp, kr);
  pack_rows(c.v + b * t * kv_row + kvh * D + k0 * kv_row, kv_row, nk, nk_rows, D, Dp, vr);
  float* dk_acc = s.acc.data();
  float* dv_acc = s.acc2.data();
  std::memset(dk_acc, 0, sizeof(float) * nk * Dp);
  std::memset(dv_acc, 0, sizeof(float) * nk * Dp);
  float* qc = s.q_cols.data();
  float* qr = s.q_rows.data();
  float* oc = s.do_cols.data();
  float* orow = s.do_rows.data();
  float* P = s.scores.data();    // Pᵀ [BK_BACKWARD][BQ]
  float* dS = s.dscores.data();  // dPᵀ, then dSᵀ [BK_BACKWARD][BQ]
  float* lse2 = s.row_stats.data();
  float* delta = lse2 + BQ;

  for (int64_t g = 0; g < c.group; g++) {
    const int64_t h = kvh * c.group + g;
    const float* qh = c.q + b * t * row + h * D;
    const float* doh = c.dout + b * t * row + h * D;
    const float* lse_h = c.lse + (b * a.heads + h) * t;
    const float* delta_h = c.delta + (b * a.heads + h) * t;
    float* dq_h = s.dq.data() + (b * a.heads + h) * t * Dp;

    // Queries before k0 never see these keys: start at the query tile holding k0.
    for (int64_t q0 = k0 / BQ * BQ; q0 < t; q0 += BQ) {
      const int64_t nq = std::min(BQ, t - q0), ncols = round_up(nq, kChunk);
      const SegmentRelation rel = segment_relation(seg, q0, nq, k0, nk);
      if (rel == SegmentRelation::kSkip) continue;

      if (q0 + BQ < t) {
        const int64_t next = std::min(BQ, t - q0 - BQ);
        prefetch_rows(qh + (q0 + BQ) * row, row, next, D);
        prefetch_rows(doh + (q0 + BQ) * row, row, next, D);
      }
      pack_cols(qh + q0 * row, row, nq, ncols, D, log2_scale, qc);
      pack_cols(doh + q0 * row, row, nq, ncols, D, 1.0f, oc);
      pack_rows(qh + q0 * row, row, nq, ncols, D, Dp, qr);
      pack_rows(doh + q0 * row, row, nq, ncols, D, Dp, orow);
      for (int64_t i = 0; i < ncols; i++) {
        lse2[i] = i < nq ? lse_h[q0 + i] * kLog2e : 0.0f;
        delta[i] = i < nq ? delta_h[q0 + i] : 0.0f;
      }

      scores_kernel(nk_rows, ncols, D, kr, Dp, qc, BQ, P, BQ);
      scores_kernel(nk_rows, ncols, D, vr, Dp, oc, BQ, dS, BQ);
      const vec scale_v = vset1(a.scale);
      for (int64_t j = 0; j < nk_rows; j++) {
        float* pj = P + j * BQ;
        float* dj = dS + j * BQ;
        for (int64_t i = 0; i < ncols; i += W) {
          vec p = vexp2(vsub(vload(pj + i), vload(lse2 + i)));
          vstore(pj + i, p);
          vstore(dj + i, vmul(vmul(p, vsub(vload(dj + i), vload(delta + i))), scale_v));
        }
      }
      const bool by_segment = rel == SegmentRelation::kMask;
      if (by_segment || ncols > nq || nk_rows > nk || k0 + nk - 1 > q0) {
        for (int64_t j = 0; j < nk_rows; j++) {
          float* pj = P + j * BQ;
          float* dj = dS + j * BQ;
          // Key k0+j is visible to queries i >= first_query (causal) that are real (i < nq).
          const int64_t first_query = j < nk ? std::max<int64_t>(k0 + j - q0, 0) : ncols;
          for (int64_t i = 0; i < ncols; i++) {
            const bool visible = i >= first_query && i < nq && (!by_segment || seg[q0 + i] == seg[k0 + j]);
            if (!visible) pj[i] = dj[i] = 0.0f;
          }
        }
      }
      accumulate_kernel(nk, Dp, ncols, P, BQ, 1, orow, Dp, dv_acc, Dp);   // dV += Pᵀ·dO
      accumulate_kernel(nk, Dp, ncols, dS, BQ, 1, qr, Dp, dk_acc, Dp);    // dK += dSᵀ·Q
      accumulate_kernel(nq, Dp, nk, dS, 1, BQ, kr, Dp, dq_h + q0 * Dp, Dp); // dQ += dS·K
    }
  }

  float* dk = c.dk + b * t * kv_row + kvh * D;
  float* dv = c.dv + b * t * kv_row + kvh * D;
  for (int64_t j = 0; j < nk; j++) {
    std::memcpy(dk + (k0 + j) * kv_row, dk_acc + j * Dp, sizeof(float) * D);
    std::memcpy(dv + (k0 + j) * kv_row, dv_acc + j * Dp, sizeof(float) * D);
  }
}

}  // namespace

bool attention_backward(const ShapeArgs& a, const float* q, const float* k, const float* v, const int32_t* seg,
                        const float* out, const float* lse, const float* dout, float* dq, float* dk, float* dv) {
  const int64_t D = a.D, Dp = padded_dim(D), t = a.t, H = a.heads, row = H * D;
  const int64_t dq_size = a.batch * H * t * Dp;
  static Buffer delta_buffer;  // Δ_i = dout_i · out_i per (batch, head, query)
  delta_buffer.reserve(a.batch * H * t);
  if (!delta_buffer.ok(a.batch * H * t)) return false;
  std::vector<ThreadScratch>& scratch = thread_scratch();
  for (ThreadScratch& s : scratch) {
    s.dq.reserve(dq_size);
    if (!s.dq.ok(dq_size)) return false;
    s.dq_zeroed = false;
  }
  float* delta = delta_buffer.data();
  parallel_for(a.batch * t, 64, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; r++) {
      const int64_t b = r / t, i = r % t;
      for (int64_t h = 0; h < H; h++) {
        const float* o = out + r * row + h * D;
        const float* g = dout + r * row + h * D;
        float sum = 0.0f;
        for (int64_t d = 0; d < D; d++) sum += o[d] * g[d];
        delta[(b * H + h) * t + i] = sum;
      }
    }
  });

  BackwardContext c{a, Dp, H / a.kv_heads, q, k, v, lse, dout, delta, seg, dk, dv};
  const int64_t n_kt = (t + BK_BACKWARD - 1) / BK_BACKWARD, bk = a.batch * a.kv_heads;
  // Task order: early key tiles first, since they are seen by the most queries.
  parallel_tasks(n_kt * bk, [&](int64_t task, int thread) {
    ThreadScratch& s = scratch[thread];
    if (!s.dq_zeroed) {
      std::memset(s.dq.data(), 0, sizeof(float) * dq_size);
      s.dq_zeroed = true;
    }
    const int64_t kt = task / bk, b = task % bk / a.kv_heads, kvh = task % a.kv_heads;
    backward_key_tile(c, b, kvh, kt * BK_BACKWARD, s);
  });

  parallel_for(a.batch * t, 16, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; r++) {
      const int64_t b = r / t, i = r % t;
      for (int64_t h = 0; h < H; h++) {
        float* dst = dq + r * row + h * D;
        bool first = true;
        for (ThreadScratch& s : scratch) {
          if (!s.dq_zeroed) continue;
          const float* src = s.dq.data() + ((b * H + h) * t + i) * Dp;
          if (first) std::memcpy(dst, src, sizeof(float) * D);
          else
            for (int64_t d = 0; d < D; d++) dst[d] += src[d];
          first = false;
        }
      }
    }
  });
  return true;
}

}  // namespace attn
}  // namespace lmlab
