// Placeholder: replaced by the real gemm kernels.
#include "common.h"
namespace lmlab {
void RegisterGemm(Napi::Env, Napi::Object) {}
}  // namespace lmlab
