// Attention kernels of the addon: the N-API entry points (argument checks that name the op),
// the per-thread scratch, and the tiled forward pass (FlashAttention style: 64×64 tiles,
// online softmax, never a T×T matrix) used both for training and for prefill over a KV cache.
// The backward pass lives in attention_backward.cc and single-token decode in
// attention_decode.cc; the cache may be float or IEEE half (F16), with the conversions between
// them. Not here: shape friendliness (src/engine/ops.ts), any allocation per
// call once the scratch has grown.
#include <algorithm>
#include <mutex>

#include "attention_internal.h"
#include "common.h"
#include "pool.h"

namespace lmlab {
namespace attn {

std::vector<ThreadScratch>& thread_scratch() {
  static std::vector<ThreadScratch> scratch(static_cast<size_t>(std::max(1, pool_threads())));
  return scratch;
}

bool reserve_tile_scratch(std::vector<ThreadScratch>& scratch, int64_t D) {
  const int64_t Dp = padded_dim(D);
  const int64_t B = kMaxTile;
  bool ok = true;
  for (ThreadScratch& s : scratch) {
    for (Buffer* b : {&s.q_rows, &s.do_rows, &s.k_rows, &s.v_rows, &s.acc, &s.acc2}) {
      b->reserve(B * Dp);
      ok = ok && b->ok(B * Dp);
    }
    for (Buffer* b : {&s.q_cols, &s.do_cols}) {
      b->reserve(D * B);
      ok = ok && b->ok(D * B);
    }
    for (Buffer* b : {&s.scores, &s.dscores}) {
      b->reserve(BQ * B);
      ok = ok && b->ok(BQ * B);
    }
    s.row_stats.reserve(4 * B);
    ok = ok && s.row_stats.ok(4 * B);
  }
  return ok;
}

// Sets masked entries of a transposed score tile Sᵀ [key j][query i] to -inf: padding rows
// and columns, keys after the query (causal), keys of another document (segments).
static void mask_forward_tile(float* S, int64_t nq, int64_t ncols, int64_t nk, int64_t nk_rows, int64_t qpos,
                              int64_t k0, const int32_t* seg, bool by_segment) {
  for (int64_t j = 0; j < nk_rows; j++) {
    float* row = S + j * BQ;
    // Key k0+j is visible to queries i >= first (causal) that exist (i < nq).
    const int64_t first = j < nk ? std::max<int64_t>(k0 + j - qpos, 0) : ncols;
    const int64_t stop = std::max(first, std::min(nq, ncols));
    for (int64_t i = 0; i < first && i < ncols; i++) row[i] = kNegInf;
    if (by_segment) {
      const int32_t own = seg[k0 + j];
      for (int64_t i = first; i < stop; i++)
        if (seg[qpos + i] != own) row[i] = kNegInf;
    }
    for (int64_t i = stop; i < ncols; i++) row[i] = kNegInf;
  }
}

// Running maxima start at a finite floor rather than -inf so that a query that has seen no key
// yet (all masked so far) rescales by exp2(0) = 1 of an empty sum instead of computing -inf+inf.
constexpr float kMaxFloor = -1e30f;

// The tile is computed transposed, keys as rows (Sᵀ = K·Qᵀ): K rows are read in place, the
// softmax statistics of the queries are vectors across columns (no horizontal reductions),
// and Pᵀ feeds O += P·V through a strided read.
void forward_tile(const HeadProblem& p, int64_t qt, ThreadScratch& s) {
  const int64_t D = p.D, Dp = padded_dim(D);
  const int64_t q0 = qt * BQ, nq = std::min(BQ, p.nq - q0), ncols = round_up(nq, kChunk);
  const int64_t qpos = p.qpos0 + q0;
  const int64_t n_keys = qpos + nq;  // the last query sees keys [0, n_keys)
  const float c = p.scale * kLog2e;  // scores in base 2: exp2 is the cheap exponential

  float* qc = s.q_cols.data();
  for (int64_t i = 0; i < ncols; i++) {
    if (i < nq) {
      const float* src = p.q + (q0 + i) * p.ldq;
      for (int64_t d = 0; d < D; d++) qc[d * BQ + i] = src[d] * c;
    } else {
      for (int64_t d = 0; d < D; d++) qc[d * BQ + i] = 0.0f;
    }
  }
  float* o = s.acc.data();
  std::memset(o, 0, sizeof(float) * nq * Dp);
  float* m = s.row_stats.data();
  float* l = m + BQ;
  float* alpha = l + BQ;
  for (int64_t i = 0; i < ncols; i++) {
    m[i] = kMaxFloor;
    l[i] = 0.0f;
  }
  float* S = s.scores.data();

  for (int64_t k0 = 0; k0 < n_keys; k0 += BK) {
    const int64_t nk = std::min(BK, n_keys - k0), nk_rows = round_up(nk, R);
    const SegmentRelation rel = segment_relation(p.seg, qpos, nq, k0, nk);
    if (rel == SegmentRelation::kSkip) continue;

    const float* keys = p.k ? p.k + k0 * p.ldkv : nullptr;
    int64_t ld_keys = p.ldkv;
    if (p.kh) {  // an F16 cache: widen the tile's keys to float rows, padded like a ragged tile
      float* kr = s.k_rows.data();
      for (int64_t j = 0; j < nk_rows; j++) {
        if (j < nk) copy_row_padded(kr + j * Dp, p.kh + (k0 + j) * p.ldkv, D, Dp);
        else std::memset(kr + j * Dp, 0, sizeof(float) * D);
      }
      keys = kr;
      ld_keys = Dp;
    } else if (nk_rows != nk) {  // a ragged last tile: pad to whole row blocks
      float* kr = s.k_rows.data();
      for (int64_t j = 0; j < nk_rows; j++) {
        if (j < nk) std::memcpy(kr + j * Dp, keys + j * p.ldkv, sizeof(float) * D);
        else std::memset(kr + j * Dp, 0, sizeof(float) * D);
      }
      keys = kr;
      ld_keys = Dp;
    }
    // V is copied even when it could be read in place: cache rows are often a power-of-two
    // apart, and 64 such rows thrash a few L1 sets during the product.
    float* values = s.v_rows.data();
    if (p.vh) {
      for (int64_t j = 0; j < nk; j++) copy_row_padded(values + j * Dp, p.vh + (k0 + j) * p.ldkv, D, Dp);
    } else {
      for (int64_t j = 0; j < nk; j++) copy_row_padded(values + j * Dp, p.v + (k0 + j) * p.ldkv, D, Dp);
    }
    if (k0 + BK < n_keys) {
      const int64_t next = std::min(BK, n_keys - k0 - BK);
      if (p.kh) {
        prefetch_rows(p.kh + (k0 + BK) * p.ldkv, p.ldkv, next, D);
        prefetch_rows(p.vh + (k0 + BK) * p.ldkv, p.ldkv, next, D);
      } else {
        prefetch_rows(p.k + (k0 + BK) * p.ldkv, p.ldkv, next, D);
        prefetch_rows(p.v + (k0 + BK) * p.ldkv, p.ldkv, next, D);
      }
    }
    scores_kernel(nk_rows, ncols, D, keys, ld_keys, qc, BQ, S, BQ);
    const bool by_segment = rel == SegmentRelation::kMask;
    if (by_segment || ncols > nq || nk_rows > nk || k0 + nk - 1 > qpos)
      mask_forward_tile(S, nq, ncols, nk, nk_rows, qpos, k0, p.seg, by_segment);

    for (int64_t i = 0; i < ncols; i += W) {
      vec mx = vset1(kNegInf);
      for (int64_t j = 0; j < nk; j++) mx = vmax(mx, vload(S + j * BQ + i));
      const vec m_old = vload(m + i);
      const vec m_new = vmax(m_old, mx);
      const vec a = vexp2(vsub(m_old, m_new));
      vec sum = vzero();
      for (int64_t j = 0; j < nk; j++) {
        vec pj = vexp2(vsub(vload(S + j * BQ + i), m_new));
        vstore(S + j * BQ + i, pj);
        sum = vadd(sum, pj);
      }
      vstore(m + i, m_new);
      vstore(l + i, vfma(vload(l + i), a, sum));
      vstore(alpha + i, a);
    }
    for (int64_t i = 0; i < nq; i++) {
      if (alpha[i] == 1.0f) continue;
      const vec av = vset1(alpha[i]);
      float* orow = o + i * Dp;
      for (int64_t d = 0; d < Dp; d += W) vstore(orow + d, vmul(vload(orow + d), av));
    }
    accumulate_kernel(nq, Dp, nk, S, 1, BQ, values, Dp, o, Dp);
  }

  for (int64_t i = 0; i < nq; i++) {
    const float inv = 1.0f / l[i];
    float* dst = p.out + (q0 + i) * p.ldo;
    const float* src = o + i * Dp;
    for (int64_t d = 0; d < D; d++) dst[d] = src[d] * inv;
    if (p.lse) p.lse[q0 + i] = (m[i] + std::log2(l[i])) * kLn2;
  }
}

void attention_forward(const ShapeArgs& a, const float* q, const float* k, const float* v, const int32_t* seg,
                       float* out, float* lse) {
  const int64_t n_qt = (a.t + BQ - 1) / BQ, bh = a.batch * a.heads, group = a.heads / a.kv_heads;
  std::vector<ThreadScratch>& scratch = thread_scratch();
  // Tasks run longest first (the last query tiles see the most keys) for dynamic balance.
  parallel_tasks(n_qt * bh, [&](int64_t task, int thread) {
    const int64_t qt = n_qt - 1 - task / bh, b = task % bh / a.heads, h = task % a.heads;
    const int64_t kvh = h / group, row = a.heads * a.D, kv_row = a.kv_heads * a.D;
    HeadProblem p{a.t, 0, q + b * a.t * row + h * a.D, row, k + b * a.t * kv_row + kvh * a.D,
                  v + b * a.t * kv_row + kvh * a.D, kv_row, nullptr, nullptr, seg ? seg + b * a.t : nullptr,
                  out + b * a.t * row + h * a.D, row, lse + (b * a.heads + h) * a.t, a.D, a.scale};
    forward_tile(p, qt, scratch[thread]);
  });
}

// Few new queries (decode) read the cache once per query with key blocks split across threads;
// many (prefill) go through the same tiles as training.
constexpr int64_t kDecodeMaxQueries = 8;

// The problem of one query head over the cache rows of its kv head (float or half).
static HeadProblem cached_problem(int64_t tq, int64_t past, const float* q, int64_t row, const float* k,
                                  const float* v, int64_t ld_kv, float* out, int64_t D, float scale) {
  return HeadProblem{tq, past, q, row, k, v, ld_kv, nullptr, nullptr, nullptr, out, row, nullptr, D, scale};
}
static HeadProblem cached_problem(int64_t tq, int64_t past, const float* q, int64_t row, const uint16_t* k,
                                  const uint16_t* v, int64_t ld_kv, float* out, int64_t D, float scale) {
  return HeadProblem{tq, past, q, row, nullptr, nullptr, ld_kv, k, v, nullptr, out, row, nullptr, D, scale};
}

template <typename T>
bool attention_cached(int64_t tq, int64_t past, int64_t heads, int64_t kv_heads, int64_t D, float scale,
                      const float* q, const T* k_cache, const T* v_cache, int64_t ld_kv, float* out) {
  if (tq <= kDecodeMaxQueries)
    return attention_decode(tq, past, heads, kv_heads, D, scale, q, k_cache, v_cache, ld_kv, out);
  const int64_t n_qt = (tq + BQ - 1) / BQ, group = heads / kv_heads, row = heads * D;
  std::vector<ThreadScratch>& scratch = thread_scratch();
  parallel_tasks(n_qt * heads, [&](int64_t task, int thread) {
    const int64_t qt = n_qt - 1 - task / heads, h = task % heads, kvh = h / group;
    const HeadProblem p =
        cached_problem(tq, past, q + h * D, row, k_cache + kvh * D, v_cache + kvh * D, ld_kv, out + h * D, D, scale);
    forward_tile(p, qt, scratch[thread]);
  });
  return true;
}

template bool attention_cached<float>(int64_t, int64_t, int64_t, int64_t, int64_t, float, const float*, const float*,
                                      const float*, int64_t, float*);
template bool attention_cached<uint16_t>(int64_t, int64_t, int64_t, int64_t, int64_t, float, const float*,
                                         const uint16_t*, const uint16_t*, int64_t, float*);

}  // namespace attn

namespace {

// One call at a time: the scratch is shared (JS worker threads could otherwise race on it).
std::mutex& attention_mutex() {
  static std::mutex m;
  return m;
}

std::string heads_message(int64_t heads, int64_t kv_heads) {
  return "heads (" + std::to_string(heads) + ") must be a multiple of kvHeads (" + std::to_string(kv_heads) + ")";
}

struct ParsedShape {
  attn::ShapeArgs shape;
  bool ok;
};

ParsedShape read_shape(Args& args) {
  attn::ShapeArgs s{};
  s.batch = args.integer(0, "batch");
  s.t = args.integer(1, "t");
  s.heads = args.integer(2, "heads", 1);
  s.kv_heads = args.integer(3, "kvHeads", 1);
  s.D = args.integer(4, "headDim", 1);
  s.scale = static_cast<float>(args.number(5, "scale"));
  if (!args.failed() && s.heads % s.kv_heads != 0)
    args.fail(heads_message(s.heads, s.kv_heads));
  return {s, !args.failed()};
}

Napi::Value AttentionForward(const Napi::CallbackInfo& info) {
  Args args(info, "attentionForward");
  ParsedShape ps = read_shape(args);
  if (!ps.ok) return args.fail_value();
  const attn::ShapeArgs& s = ps.shape;
  const int64_t tokens = s.batch * s.t;
  const float* q = args.f32(6, tokens * s.heads * s.D, "q");
  const float* k = args.f32(7, tokens * s.kv_heads * s.D, "k");
  const float* v = args.f32(8, tokens * s.kv_heads * s.D, "v");
  const int32_t* seg = args.i32_or_null(9, tokens, "segments");
  float* out = args.f32(10, tokens * s.heads * s.D, "out");
  float* lse = args.f32(11, s.batch * s.heads * s.t, "lse");
  if (args.failed() || tokens == 0) return args.fail_value();
  std::lock_guard<std::mutex> lock(attention_mutex());
  if (!attn::reserve_tile_scratch(attn::thread_scratch(), s.D)) {
    args.fail("out of memory for scratch buffers");
    return args.fail_value();
  }
  attn::attention_forward(s, q, k, v, seg, out, lse);
  return args.fail_value();
}

Napi::Value AttentionBackward(const Napi::CallbackInfo& info) {
  Args args(info, "attentionBackward");
  ParsedShape ps = read_shape(args);
  if (!ps.ok) return args.fail_value();
  const attn::ShapeArgs& s = ps.shape;
  const int64_t tokens = s.batch * s.t, qn = tokens * s.heads * s.D, kvn = tokens * s.kv_heads * s.D;
  const float* q = args.f32(6, qn, "q");
  const float* k = args.f32(7, kvn, "k");
  const float* v = args.f32(8, kvn, "v");
  const int32_t* seg = args.i32_or_null(9, tokens, "segments");
  const float* out = args.f32(10, qn, "out");
  const float* lse = args.f32(11, s.batch * s.heads * s.t, "lse");
  const float* dout = args.f32(12, qn, "dout");
  float* dq = args.f32(13, qn, "dq");
  float* dk = args.f32(14, kvn, "dk");
  float* dv = args.f32(15, kvn, "dv");
  if (args.failed() || tokens == 0) return args.fail_value();
  std::lock_guard<std::mutex> lock(attention_mutex());
  if (!attn::reserve_tile_scratch(attn::thread_scratch(), s.D) ||
      !attn::attention_backward(s, q, k, v, seg, out, lse, dout, dq, dk, dv)) {
    args.fail("out of memory for scratch buffers");
  }
  return args.fail_value();
}

// A Uint16Array (IEEE half bits) of at least `needed` elements, or nullptr after raising.
// (Args reads the float and integer arrays; half arrays are only used here.)
uint16_t* half_array(Args& args, const Napi::CallbackInfo& info, size_t i, int64_t needed, const char* name) {
  if (args.failed()) return nullptr;
  if (i >= info.Length() || !info[i].IsTypedArray() ||
      info[i].As<Napi::TypedArray>().TypedArrayType() != napi_uint16_array) {
    args.fail(std::string("argument '") + name + "' must be a Uint16Array");
    return nullptr;
  }
  auto array = info[i].As<Napi::TypedArray>();
  const int64_t length = static_cast<int64_t>(array.ElementLength());
  if (needed < 0 || length < needed) {
    args.fail(std::string("argument '") + name + "' has " + std::to_string(length) + " elements but the shapes need " +
              std::to_string(needed));
    return nullptr;
  }
  return reinterpret_cast<uint16_t*>(static_cast<uint8_t*>(array.ArrayBuffer().Data()) + array.ByteOffset());
}

bool is_half_array(const Napi::CallbackInfo& info, size_t i) {
  return i < info.Length() && info[i].IsTypedArray() &&
         info[i].As<Napi::TypedArray>().TypedArrayType() == napi_uint16_array;
}

// The cache is a pair of Float32Arrays (F32 cache) or of Uint16Arrays (F16 cache, IEEE half).
Napi::Value AttentionCached(const Napi::CallbackInfo& info) {
  Args args(info, "attentionCached");
  const int64_t tq = args.integer(0, "tq");
  const int64_t past = args.integer(1, "past");
  const int64_t heads = args.integer(2, "heads", 1);
  const int64_t kv_heads = args.integer(3, "kvHeads", 1);
  const int64_t D = args.integer(4, "headDim", 1);
  const float scale = static_cast<float>(args.number(5, "scale"));
  const int64_t ld_kv = args.integer(9, "ldKv", 1);
  if (args.failed()) return args.fail_value();
  if (heads % kv_heads != 0) {
    args.fail(heads_message(heads, kv_heads));
    return args.fail_value();
  }
  if (ld_kv < kv_heads * D) {
    args.fail("ldKv (" + std::to_string(ld_kv) + ") must be at least kvHeads·headDim (" +
              std::to_string(kv_heads * D) + ")");
    return args.fail_value();
  }
  const float* q = args.f32(6, tq * heads * D, "q");
  const int64_t cache_needed = span(past + tq, kv_heads * D, ld_kv);
  const bool half = is_half_array(info, 7);
  const float* k_cache = nullptr;
  const float* v_cache = nullptr;
  const uint16_t* k_half = nullptr;
  const uint16_t* v_half = nullptr;
  if (half) {
    k_half = half_array(args, info, 7, cache_needed, "kCache");
    v_half = half_array(args, info, 8, cache_needed, "vCache");
  } else {
    k_cache = args.f32(7, cache_needed, "kCache");
    v_cache = args.f32(8, cache_needed, "vCache");
  }
  float* out = args.f32(10, tq * heads * D, "out");
  if (args.failed() || tq == 0) return args.fail_value();
  std::lock_guard<std::mutex> lock(attention_mutex());
  const bool ok = attn::reserve_tile_scratch(attn::thread_scratch(), D) &&
                  (half ? attn::attention_cached(tq, past, heads, kv_heads, D, scale, q, k_half, v_half, ld_kv, out)
                        : attn::attention_cached(tq, past, heads, kv_heads, D, scale, q, k_cache, v_cache, ld_kv, out));
  if (!ok) args.fail("out of memory for scratch buffers");
  return args.fail_value();
}

// out[i] = x[i] rounded to IEEE half (nearest even; F16C where the CPU has it).
Napi::Value F32ToF16(const Napi::CallbackInfo& info) {
  Args args(info, "f32ToF16");
  const int64_t n = args.integer(0, "n");
  const float* x = args.f32(1, n, "x");
  uint16_t* out = half_array(args, info, 2, n, "out");
  if (args.failed()) return args.fail_value();
  int64_t i = 0;
  for (; i + attn::W <= n; i += attn::W) attn::vstore_half(out + i, attn::vload(x + i));
  for (; i < n; i++) out[i] = attn::float_to_half(x[i]);
  return args.fail_value();
}

// out[i] = the float value of the half x[i] (exact).
Napi::Value F16ToF32(const Napi::CallbackInfo& info) {
  Args args(info, "f16ToF32");
  const int64_t n = args.integer(0, "n");
  const uint16_t* x = half_array(args, info, 1, n, "x");
  float* out = args.f32(2, n, "out");
  if (args.failed()) return args.fail_value();
  int64_t i = 0;
  for (; i + attn::W <= n; i += attn::W) attn::vstore(out + i, attn::vload(x + i));
  for (; i < n; i++) out[i] = attn::half_to_float(x[i]);
  return args.fail_value();
}

}  // namespace

void RegisterAttention(Napi::Env env, Napi::Object exports) {
  exports.Set("attentionForward", Napi::Function::New(env, AttentionForward, "attentionForward"));
  exports.Set("attentionBackward", Napi::Function::New(env, AttentionBackward, "attentionBackward"));
  exports.Set("attentionCached", Napi::Function::New(env, AttentionCached, "attentionCached"));
  exports.Set("f32ToF16", Napi::Function::New(env, F32ToF16, "f32ToF16"));
  exports.Set("f16ToF32", Napi::Function::New(env, F16ToF32, "f16ToF32"));
}

}  // namespace lmlab
