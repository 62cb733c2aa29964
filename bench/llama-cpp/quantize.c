/*
 * llama.cpp's own quantizer, driven from outside: loads libllama (the build node-llama-cpp
 * installs) with dlopen and calls llama_model_quantize on a float GGUF, so that tests and
 * benchmarks can compare lmlab with files made by llama.cpp itself.
 *
 *   quantize LIBLLAMA.so IN.gguf OUT.gguf FTYPE [THREADS]
 *
 * FTYPE is llama.cpp's enum llama_ftype number (7 Q8_0, 2 Q4_0, 15 Q4_K_M). The parameter
 * struct is filled by llama_model_quantize_default_params into a buffer larger than the struct,
 * and only its first two fields (int32 nthread, enum ftype, stable across releases) are set,
 * so no other part of its layout is assumed. Exit status 0 on success.
 */
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Larger than any release's llama_model_quantize_params (64 bytes in the one this was written
 * against); returned through a hidden pointer like every struct of more than 16 bytes. */
typedef struct {
  _Alignas(16) unsigned char bytes[1024];
} params_buffer;

typedef params_buffer (*default_params_fn)(void);
typedef uint32_t (*quantize_fn)(const char *in, const char *out, const void *params);
typedef void (*void_fn)(void);

int main(int argc, char **argv) {
  if (argc < 5) {
    fprintf(stderr, "usage: %s LIBLLAMA.so IN.gguf OUT.gguf FTYPE [THREADS]\n", argv[0]);
    return 2;
  }
  void *lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    fprintf(stderr, "cannot load %s: %s\n", argv[1], dlerror());
    return 1;
  }
  default_params_fn defaults = (default_params_fn)dlsym(lib, "llama_model_quantize_default_params");
  quantize_fn quantize = (quantize_fn)dlsym(lib, "llama_model_quantize");
  void_fn backend_init = (void_fn)dlsym(lib, "llama_backend_init");
  void_fn backend_free = (void_fn)dlsym(lib, "llama_backend_free");
  if (!defaults || !quantize) {
    fprintf(stderr, "%s does not export llama_model_quantize\n", argv[1]);
    return 1;
  }
  if (backend_init) backend_init();
  params_buffer params;
  memset(&params, 0, sizeof params);
  params = defaults();
  int32_t threads = argc > 5 ? (int32_t)atoi(argv[5]) : 0;
  int32_t ftype = (int32_t)atoi(argv[4]);
  memcpy(params.bytes, &threads, sizeof threads);
  memcpy(params.bytes + 4, &ftype, sizeof ftype);
  uint32_t status = quantize(argv[2], argv[3], params.bytes);
  if (backend_free) backend_free();
  if (status != 0) {
    fprintf(stderr, "llama_model_quantize failed (%u)\n", status);
    return 1;
  }
  return 0;
}
