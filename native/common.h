// Shared plumbing for the kernel files: argument readers that check every buffer against the
// sizes the kernel is about to touch and raise a JavaScript error naming the op (never a crash),
// and the registration hook each kernel file uses to add its functions to the addon.
//
// Convention for every exported kernel: plain arguments (typed arrays and numbers), row-major
// data, leading dimensions in elements. The TypeScript layer (src/engine) checks shapes first
// with friendlier messages; these checks are the last line that keeps the process alive.
#pragma once
#include <napi.h>

#include <cstdint>
#include <cstdio>
#include <string>

namespace lmlab {

class Args {
 public:
  Args(const Napi::CallbackInfo& info, const char* op) : info_(info), env_(info.Env()), op_(op) {}

  Napi::Env env() const { return env_; }
  bool failed() const { return failed_; }
  Napi::Value fail_value() const { return env_.Undefined(); }

  // Raises `<op>: <message>` as a JS Error (only the first failure is reported).
  void fail(const std::string& message) {
    if (failed_) return;
    failed_ = true;
    Napi::Error::New(env_, std::string(op_) + ": " + message).ThrowAsJavaScriptException();
  }

  int64_t integer(size_t i, const char* name, int64_t min_value = 0) {
    if (failed_) return 0;
    if (i >= info_.Length() || !info_[i].IsNumber()) {
      fail(std::string("argument '") + name + "' must be a number");
      return 0;
    }
    double v = info_[i].As<Napi::Number>().DoubleValue();
    if (v != static_cast<double>(static_cast<int64_t>(v)) || v < static_cast<double>(min_value)) {
      fail(std::string("argument '") + name + "' must be an integer >= " + std::to_string(min_value) +
           ", got " + std::to_string(v));
      return 0;
    }
    return static_cast<int64_t>(v);
  }

  double number(size_t i, const char* name) {
    if (failed_) return 0;
    if (i >= info_.Length() || !info_[i].IsNumber()) {
      fail(std::string("argument '") + name + "' must be a number");
      return 0;
    }
    return info_[i].As<Napi::Number>().DoubleValue();
  }

  bool boolean(size_t i, const char* name) {
    if (failed_) return false;
    if (i >= info_.Length() || !info_[i].IsBoolean()) {
      fail(std::string("argument '") + name + "' must be a boolean");
      return false;
    }
    return info_[i].As<Napi::Boolean>().Value();
  }

  bool is_null(size_t i) const {
    return i >= info_.Length() || info_[i].IsNull() || info_[i].IsUndefined();
  }

  // A Float32Array holding at least `needed` elements (it may be longer: views into larger
  // buffers are normal). Returns nullptr (and raises) otherwise.
  float* f32(size_t i, int64_t needed, const char* name) {
    return typed<float>(i, needed, name, napi_float32_array, "Float32Array");
  }
  // Same, but null/undefined is accepted and gives nullptr without an error.
  float* f32_or_null(size_t i, int64_t needed, const char* name) {
    if (is_null(i)) return nullptr;
    return f32(i, needed, name);
  }
  int32_t* i32(size_t i, int64_t needed, const char* name) {
    return typed<int32_t>(i, needed, name, napi_int32_array, "Int32Array");
  }
  int32_t* i32_or_null(size_t i, int64_t needed, const char* name) {
    if (is_null(i)) return nullptr;
    return i32(i, needed, name);
  }
  uint8_t* u8_or_null(size_t i, int64_t needed, const char* name) {
    if (is_null(i)) return nullptr;
    return typed<uint8_t>(i, needed, name, napi_uint8_array, "Uint8Array");
  }

 private:
  template <typename T>
  T* typed(size_t i, int64_t needed, const char* name, napi_typedarray_type type, const char* type_name) {
    if (failed_) return nullptr;
    if (i >= info_.Length() || !info_[i].IsTypedArray() ||
        info_[i].As<Napi::TypedArray>().TypedArrayType() != type) {
      fail(std::string("argument '") + name + "' must be a " + type_name);
      return nullptr;
    }
    auto array = info_[i].As<Napi::TypedArray>();
    int64_t length = static_cast<int64_t>(array.ElementLength());
    if (needed < 0 || length < needed) {
      fail(std::string("argument '") + name + "' has " + std::to_string(length) + " elements but the shapes need " +
           std::to_string(needed));
      return nullptr;
    }
    auto* base = static_cast<uint8_t*>(array.ArrayBuffer().Data());
    return reinterpret_cast<T*>(base + array.ByteOffset());
  }

  const Napi::CallbackInfo& info_;
  Napi::Env env_;
  const char* op_;
  bool failed_ = false;
};

// Elements a strided [rows, cols] matrix with leading dimension ld occupies.
inline int64_t span(int64_t rows, int64_t cols, int64_t ld) { return rows == 0 || cols == 0 ? 0 : (rows - 1) * ld + cols; }

// Each kernel file defines one registration function and adds it to addon.cc's list.
using Registrar = void (*)(Napi::Env, Napi::Object);

}  // namespace lmlab
