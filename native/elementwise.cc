// Placeholder: replaced by the real elementwise kernels.
#include "common.h"
namespace lmlab {
void RegisterElementwise(Napi::Env, Napi::Object) {}
}  // namespace lmlab
