/* Preloaded into keeper-rotate by test_startup_footprint.cpp: notes in the file named by KR_OPENSSL_PROBE_FILE
 * every call of OpenSSL's initialisation entry points, then forwards it. libssl and libcrypto reach these through
 * their own exported symbols, so any TLS context, key or digest a command sets up passes here. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef int (*init_fn)(uint64_t, const void*);

/* dlsym returns an object pointer; copying its bytes is the portable way to a function pointer in ISO C. */
static init_fn next(const char* name) {
  void* symbol = dlsym(RTLD_NEXT, name);
  init_fn fn = NULL;
  memcpy(&fn, &symbol, sizeof fn);
  return fn;
}

static void note(const char* what) {
  const char* path = getenv("KR_OPENSSL_PROBE_FILE");
  if (path == NULL || *path == '\0') return;
  FILE* f = fopen(path, "a");
  if (f == NULL) return;
  fprintf(f, "%s\n", what);
  fclose(f);
}

__attribute__((visibility("default"))) int OPENSSL_init_crypto(uint64_t opts, const void* settings) {
  static init_fn real = NULL;
  if (real == NULL) real = next("OPENSSL_init_crypto");
  note("OPENSSL_init_crypto");
  return real(opts, settings);
}

__attribute__((visibility("default"))) int OPENSSL_init_ssl(uint64_t opts, const void* settings) {
  static init_fn real = NULL;
  if (real == NULL) real = next("OPENSSL_init_ssl");
  note("OPENSSL_init_ssl");
  return real(opts, settings);
}
