/*
 * The native kernels (native/src/gemm.c + gemm_generic.c, elementwise.c: the generic 4-lane build) as
 * a wasm32 module, for bench/options/wasmFromC.js: exports with the names and arguments of the
 * hand-written kernels-*.wasm (byte offsets into the module's memory, counts and leading dimensions
 * in floats), plus alloc() for the benchmark's arrays. No libc is linked (-nostdlib): the few libc
 * functions the sources call are defined here, single-threaded (a bump allocator, getenv → NULL,
 * pthread no-ops). Built by build_wasm_from_c.sh.
 */
#include <stddef.h>
#include <stdint.h>
#include <pthread.h>

#include "elementwise.h"
#include "gemm.h"

#define EXPORT(name) __attribute__((export_name(name)))

/* ---- the libc the sources need ---- */

extern unsigned char __heap_base;
static uintptr_t heap_top = 0;

static void *bump(size_t bytes, size_t align) {
  if (!heap_top) heap_top = (uintptr_t)&__heap_base;
  uintptr_t p = (heap_top + align - 1) & ~(uintptr_t)(align - 1);
  uintptr_t end = p + bytes;
  size_t have = __builtin_wasm_memory_size(0) * 65536;
  if (end > have && __builtin_wasm_memory_grow(0, (end - have + 65535) / 65536) == (size_t)-1) return NULL;
  heap_top = end;
  return (void *)p;
}

int posix_memalign(void **out, size_t align, size_t bytes) {
  *out = bump(bytes, align < 16 ? 16 : align);
  return *out ? 0 : 12 /* ENOMEM */;
}
void free(void *p) { (void)p; } /* gemm.c frees its workspace only to grow it: a few times per run */
char *getenv(const char *name) { (void)name; return NULL; }
int pthread_key_create(pthread_key_t *key, void (*destructor)(void *)) { (void)destructor; *key = 0; return 0; }
int pthread_setspecific(pthread_key_t key, const void *value) { (void)key; (void)value; return 0; }
int pthread_once(pthread_once_t *once, void (*init)(void)) {
  if (!*once) { *once = 1; init(); }
  return 0;
}

/* ---- exports ---- */

EXPORT("alloc") void *wasm_alloc(int bytes) { return bump((size_t)bytes, 64); }
EXPORT("gemmIsa") const char *wasm_isa(void) { return rl_gemm_isa(); }

EXPORT("sgemm") void wasm_sgemm(int tA, int tB, int M, int N, int K, const float *A, int lda, const float *B, int ldb,
                                float *C, int ldc, float beta) {
  rl_sgemm(tA, tB, M, N, K, A, lda, B, ldb, C, ldc, beta != 0);
}
EXPORT("packedBFloats") int wasm_packed_size(int K, int N) { return (int)rl_packed_size(K, N); }
EXPORT("packB") void wasm_pack_b(int tB, int K, int N, const float *B, int ldb, float *dst) { rl_pack_b(tB, K, N, B, ldb, dst); }
EXPORT("sgemmPacked") void wasm_sgemm_packed(int tA, int M, int N, int K, const float *A, int lda, const float *P,
                                             float *C, int ldc, float beta) {
  rl_sgemm_packed(tA, M, N, K, A, lda, P, C, ldc, beta != 0);
}

EXPORT("lstmForward") void wasm_lstm_forward(int B, int H, float *z, const float *bias, float *pre, const float *cPrev,
                                             float *c, const float *hPrev, int ldPrev, float *h, int ldh, const float *mask) {
  rl_elementwise_generic.lstm_forward(B, H, z, bias, pre, cPrev, c, hPrev, ldPrev, h, ldh, mask);
}
EXPORT("lstmBackward") void wasm_lstm_backward(int B, int H, const float *gates, const float *c, const float *cPrev,
                                               const float *dh, int ldDh, const float *dhCarry, float *dcCarry, float *dz,
                                               float *dhNew, const float *mask) {
  rl_elementwise_generic.lstm_backward(B, H, gates, c, cPrev, dh, ldDh, dhCarry, dcCarry, dz, dhNew, mask);
}
