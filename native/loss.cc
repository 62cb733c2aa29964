// Token embedding lookup and its scatter-add backward, and the fused softmax cross-entropy
// (per-token losses and, optionally, the logits gradient in the same pass over each row).
// Semantics: src/engine/kernels.ts. Ids and targets are validated before anything is written,
// so a bad id raises an error and leaves the outputs untouched.
#include <cmath>
#include <cstring>

#include "elementwise_common.h"

namespace lmlab {
namespace {

using namespace simd;

// Fails unless every id lies in [0, vocab), naming the first bad one.
bool CheckIds(Args& args, const int32_t* ids, int64_t tokens, int64_t vocab) {
  for (int64_t t = 0; t < tokens; t++) {
    if (ids[t] < 0 || ids[t] >= vocab) {
      args.fail("id " + std::to_string(ids[t]) + " at token " + std::to_string(t) + " is out of range [0, " +
                std::to_string(vocab) + ")");
      return false;
    }
  }
  return true;
}

Napi::Value Embedding(const Napi::CallbackInfo& info) {
  Args args(info, "embedding");
  int64_t tokens = args.integer(0, "tokens");
  int64_t dim = args.integer(1, "dim");
  int64_t vocab = args.integer(2, "vocab");
  const float* table = args.f32(3, elements(args, vocab, dim), "table");
  const int32_t* ids = args.i32(4, tokens, "ids");
  float* out = args.f32(5, elements(args, tokens, dim), "out");
  if (args.failed() || !CheckIds(args, ids, tokens, vocab)) return args.fail_value();
  for_chunks(tokens, rows_grain(dim, kStreamGrain), [&](int64_t begin, int64_t end) {
    for (int64_t t = begin; t < end; t++) {
      std::memcpy(out + t * dim, table + static_cast<int64_t>(ids[t]) * dim, static_cast<size_t>(dim) * sizeof(float));
    }
  });
  return info.Env().Undefined();
}

Napi::Value EmbeddingBackward(const Napi::CallbackInfo& info) {
  Args args(info, "embeddingBackward");
  int64_t tokens = args.integer(0, "tokens");
  int64_t dim = args.integer(1, "dim");
  int64_t vocab = args.integer(2, "vocab");
  const int32_t* ids = args.i32(3, tokens, "ids");
  const float* dout = args.f32(4, elements(args, tokens, dim), "dout");
  float* dtable = args.f32(5, elements(args, vocab, dim), "dtable");
  if (args.failed() || !CheckIds(args, ids, tokens, vocab)) return args.fail_value();
  // Threads own disjoint column ranges (whole vectors), so repeated ids never race.
  int64_t column_blocks = (dim + kWidth - 1) / kWidth;
  int64_t grain = tokens >= kStreamGrain / kWidth ? 1 : kStreamGrain / kWidth / (tokens > 0 ? tokens : 1);
  for_chunks(column_blocks, grain, [&](int64_t begin, int64_t end) {
    const int64_t c0 = begin * kWidth;
    const int64_t c1 = end * kWidth < dim ? end * kWidth : dim;
    for (int64_t t = 0; t < tokens; t++) {
      const float* src = dout + t * dim + c0;
      float* dst = dtable + static_cast<int64_t>(ids[t]) * dim + c0;
      blocks(c1 - c0, [&](int64_t i, auto part) { store(dst + i, add(load(dst + i, part), load(src + i, part)), part); });
    }
  });
  return info.Env().Undefined();
}

// Loss of one kept row; when grad is non-null it also receives (softmax − onehot)·grad_scale.
// grad may be the row itself: the target logit and the maximum are read before any write, and
// each later pass reads an element before writing the same element.
double CrossEntropyRow(const float* row, int64_t vocab, int32_t target, float* grad, float grad_scale) {
  vf top = set1(-INFINITY);
  blocks(vocab, [&](int64_t i, auto part) { top = max(top, load_or(row + i, part, -INFINITY)); });
  const float row_max = hmax(top);
  const float target_logit = row[target];
  vf shift = set1(row_max);
  vf total0 = zero(), total1 = zero();
  int64_t i = 0;
  if (grad) {
    blocks(vocab, [&](int64_t j, auto part) {
      vf e = exp(sub(load_or(row + j, part, -INFINITY), shift));
      total0 = add(total0, e);
      store(grad + j, e, part);
    });
  } else {
    for (; i + 2 * kWidth <= vocab; i += 2 * kWidth) {
      total0 = add(total0, exp(sub(load(row + i, Full{}), shift)));
      total1 = add(total1, exp(sub(load(row + i + kWidth, Full{}), shift)));
    }
    blocks(vocab - i, [&](int64_t j, auto part) {
      total0 = add(total0, exp(sub(load_or(row + i + j, part, -INFINITY), shift)));
    });
  }
  const double sum = static_cast<double>(hsum(add(total0, total1)));
  // loss = log Σ exp(x) − x_target, with the maximum taken out for stability.
  const double loss = std::log(sum) + static_cast<double>(row_max) - static_cast<double>(target_logit);
  if (grad) {
    vf factor = set1(static_cast<float>(grad_scale / sum));
    blocks(vocab, [&](int64_t j, auto part) { store(grad + j, mul(load(grad + j, part), factor), part); });
    grad[target] -= grad_scale;
  }
  return loss;
}

Napi::Value CrossEntropy(const Napi::CallbackInfo& info) {
  Args args(info, "crossEntropy");
  int64_t tokens = args.integer(0, "tokens");
  int64_t vocab = args.integer(1, "vocab", 1);
  int64_t size = elements(args, tokens, vocab);
  const float* logits = args.f32(2, size, "logits");
  const int32_t* targets = args.i32(3, tokens, "targets");
  const uint8_t* mask = args.u8_or_null(4, tokens, "mask");
  float* losses = args.f32(5, tokens, "losses");
  float* dlogits = args.f32_or_null(6, size, "dlogits");
  float grad_scale = static_cast<float>(args.number(7, "gradScale"));
  if (args.failed()) return args.fail_value();
  int64_t kept = 0;
  for (int64_t t = 0; t < tokens; t++) {
    if (targets[t] >= vocab) {
      args.fail("target " + std::to_string(targets[t]) + " at token " + std::to_string(t) +
                " is out of range for vocab " + std::to_string(vocab));
      return args.fail_value();
    }
    if (targets[t] >= 0 && (!mask || mask[t] != 0)) kept++;
  }
  for_chunks(tokens, rows_grain(vocab, kComputeGrain), [&](int64_t begin, int64_t end) {
    for (int64_t t = begin; t < end; t++) {
      const float* row = logits + t * vocab;
      float* grad = dlogits ? dlogits + t * vocab : nullptr;
      if (targets[t] < 0 || (mask && mask[t] == 0)) {
        losses[t] = 0.0f;
        if (grad) std::memset(grad, 0, static_cast<size_t>(vocab) * sizeof(float));
        continue;
      }
      losses[t] = static_cast<float>(CrossEntropyRow(row, vocab, targets[t], grad, grad_scale));
    }
  });
  return Napi::Number::New(info.Env(), static_cast<double>(kept));
}

}  // namespace

void RegisterLoss(Napi::Env env, Napi::Object exports) {
  exports.Set("embedding", Napi::Function::New(env, Embedding, "embedding"));
  exports.Set("embeddingBackward", Napi::Function::New(env, EmbeddingBackward, "embeddingBackward"));
  exports.Set("crossEntropy", Napi::Function::New(env, CrossEntropy, "crossEntropy"));
}

}  // namespace lmlab
