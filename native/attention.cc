// Placeholder: replaced by the real attention kernels.
#include "common.h"
namespace lmlab {
void RegisterAttention(Napi::Env, Napi::Object) {}
}  // namespace lmlab
