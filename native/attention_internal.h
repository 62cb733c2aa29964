// Declarations shared by the attention files: tile sizes, the per-thread scratch (named
// buffers that grow once and are then reused by every call), and the entry points of the
// forward/cached pass (attention.cc) and the backward pass (attention_backward.cc).
// Deliberately no N-API here: argument checking lives in attention.cc only.
#pragma once
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "attention_simd.h"

namespace lmlab {
namespace attn {

// Query and key tile sizes. 64×64 keeps a tile's Qᵀ, V, scores and output (≈64 KiB at head
// dim 64) in L1/L2 while every loaded operand is reused 64 times.
constexpr int64_t BQ = 64;
constexpr int64_t BK = 64;
// The backward pass takes 128 keys per task: each packed query tile then serves twice as many
// keys, which halves the cost of packing (strided, cache-missing reads) per flop.
constexpr int64_t BK_BACKWARD = 128;
constexpr int64_t kMaxTile = 128;

// A float buffer aligned to 64 bytes that only ever grows (no per-call allocation once warm).
class Buffer {
 public:
  Buffer() = default;
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  ~Buffer() { std::free(data_); }
  void reserve(int64_t n) {
    if (n <= capacity_) return;
    std::free(data_);
    size_t bytes = (static_cast<size_t>(n) * sizeof(float) + 63) / 64 * 64;
    data_ = static_cast<float*>(std::aligned_alloc(64, bytes));
    capacity_ = data_ ? n : 0;
  }
  float* data() const { return data_; }
  bool ok(int64_t n) const { return n == 0 || (data_ != nullptr && capacity_ >= n); }

 private:
  float* data_ = nullptr;
  int64_t capacity_ = 0;
};

// Everything one thread needs for one tile, named by role. Sizes in elements; Dp is the head
// dimension rounded up to a whole vector; "keys" means up to kMaxTile rows.
struct ThreadScratch {
  Buffer q_cols;    // [D][BQ] scaled queries, transposed
  Buffer q_rows;    // [BQ][Dp] backward: raw query rows
  Buffer do_cols;   // [D][BQ] backward: output gradient, transposed
  Buffer do_rows;   // [BQ][Dp] backward: output gradient rows
  Buffer k_rows;    // [keys][Dp] keys (forward: only a ragged last tile)
  Buffer v_rows;    // [keys][Dp] values
  Buffer scores;    // [keys][BQ] transposed scores, then probabilities
  Buffer dscores;   // [keys][BQ] backward: dPᵀ, then dSᵀ
  Buffer acc;       // forward: [BQ][Dp] output accumulator; backward: [keys][Dp] dK tile
  Buffer acc2;      // [keys][Dp] backward: dV tile
  Buffer row_stats; // per query: forward running max, sum, rescale; backward lse·log2e and Δ
  Buffer dq;        // backward: this thread's private dQ accumulator [batch][heads][t][Dp]
  Buffer decode;    // decode: scaled queries, scores and partial outputs of every head
  bool dq_zeroed = false;
};

// One scratch per pool thread. reserve_tile_scratch sizes the tile buffers for head dim D (the
// dq and decode buffers are sized by their users). Not thread safe: call from the JS thread,
// outside parallel regions, under the attention lock.
std::vector<ThreadScratch>& thread_scratch();
bool reserve_tile_scratch(std::vector<ThreadScratch>& scratch, int64_t D);

inline int64_t padded_dim(int64_t D) { return round_up(D, W); }

// One attention problem over a single (batch row, query head): queries at absolute positions
// qpos0.., keys/values rows 0.., optional segment ids per absolute position.
struct HeadProblem {
  int64_t nq;              // query rows
  int64_t qpos0;           // absolute position of query row 0
  const float* q;          // query row 0 of this head; row stride ldq
  int64_t ldq;
  const float* k;          // key row 0 of the kv head; row stride ldkv
  const float* v;
  int64_t ldkv;
  const uint16_t* kh;      // instead of k and v (then null): an F16 cache's key/value rows
  const uint16_t* vh;
  const int32_t* seg;      // [qpos0 + nq] or null
  float* out;              // row stride ldo
  int64_t ldo;
  float* lse;              // [nq] or null
  int64_t D;
  float scale;
};

// Forward over query tile `qt` of `p` (rows qt·BQ ..): online softmax over key tiles.
void forward_tile(const HeadProblem& p, int64_t qt, ThreadScratch& s);

struct ShapeArgs {
  int64_t batch, t, heads, kv_heads, D;
  float scale;
};

void attention_forward(const ShapeArgs& a, const float* q, const float* k, const float* v, const int32_t* seg,
                       float* out, float* lse);
// Returns false only if scratch memory could not be allocated.
bool attention_backward(const ShapeArgs& a, const float* q, const float* k, const float* v, const int32_t* seg,
                        const float* out, const float* lse, const float* dout, float* dq, float* dk, float* dv);
// The cache is float, or IEEE half (uint16_t bits) for an F16 KV cache.
bool attention_decode(int64_t tq, int64_t past, int64_t heads, int64_t kv_heads, int64_t D, float scale,
                      const float* q, const float* k_cache, const float* v_cache, int64_t ld_kv, float* out);
bool attention_decode(int64_t tq, int64_t past, int64_t heads, int64_t kv_heads, int64_t D, float scale,
                      const float* q, const uint16_t* k_cache, const uint16_t* v_cache, int64_t ld_kv, float* out);
template <typename T>
bool attention_cached(int64_t tq, int64_t past, int64_t heads, int64_t kv_heads, int64_t D, float scale,
                      const float* q, const T* k_cache, const T* v_cache, int64_t ld_kv, float* out);

// Does the tile pair (queries [q0, q0+nq), keys [k0, k0+nk)) need no segment masking at all,
// or can it be skipped entirely? Conservative for any ids; exact for contiguous documents.
enum class SegmentRelation { kNone, kSkip, kMask };
inline SegmentRelation segment_relation(const int32_t* seg, int64_t q0, int64_t nq, int64_t k0, int64_t nk) {
  if (!seg) return SegmentRelation::kNone;
  int32_t qmin = seg[q0], qmax = seg[q0];
  for (int64_t i = 1; i < nq; i++) {
    qmin = seg[q0 + i] < qmin ? seg[q0 + i] : qmin;
    qmax = seg[q0 + i] > qmax ? seg[q0 + i] : qmax;
  }
  int32_t kmin = seg[k0], kmax = seg[k0];
  for (int64_t j = 1; j < nk; j++) {
    kmin = seg[k0 + j] < kmin ? seg[k0 + j] : kmin;
    kmax = seg[k0 + j] > kmax ? seg[k0 + j] : kmax;
  }
  if (qmax < kmin || kmax < qmin) return SegmentRelation::kSkip;
  if (qmin == qmax && kmin == kmax) return SegmentRelation::kNone;
  return SegmentRelation::kMask;
}

}  // namespace attn
}  // namespace lmlab
