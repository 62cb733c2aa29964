// The addon's entry point: collects the functions of every kernel file into one module object.
#include "common.h"
#include "pool.h"

// Weak so that a development build of a subset of kernel files (scripts/dev-addon.sh) links.
namespace lmlab {
__attribute__((weak)) void RegisterGemm(Napi::Env env, Napi::Object exports);
__attribute__((weak)) void RegisterElementwise(Napi::Env env, Napi::Object exports);
__attribute__((weak)) void RegisterAttention(Napi::Env env, Napi::Object exports);
__attribute__((weak)) void RegisterQuant(Napi::Env env, Napi::Object exports);
}  // namespace lmlab

namespace {

Napi::Value Info(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object out = Napi::Object::New(env);
  out.Set("threads", lmlab::pool_threads());
#if defined(__AVX512F__)
  out.Set("simd", "avx512");
#elif defined(__AVX2__) && defined(__FMA__)
  out.Set("simd", "avx2");
#else
  out.Set("simd", "portable");
#endif
  return out;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("info", Napi::Function::New(env, Info, "info"));
  for (lmlab::Registrar add : {lmlab::RegisterGemm, lmlab::RegisterElementwise, lmlab::RegisterAttention,
                                  lmlab::RegisterQuant}) {
    if (add) add(env, exports);
  }
  return exports;
}

}  // namespace

NODE_API_MODULE(lmlab_native, Init)
