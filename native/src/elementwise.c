/*
 * The elementwise kernels' generic build (4 lanes: SSE2 on any x86-64, NEON on arm64) and the
 * run-time choice between it and the AVX2 / AVX-512 builds (elementwise_avx2.c, elementwise_avx512.c).
 */
#define RL_EW_TABLE rl_elementwise_generic
#define RL_EW_NAME "generic"
#include "elementwise_impl.h"

const rl_elementwise_t *rl_elementwise_for(const char *isa) {
#if defined(__x86_64__) || defined(_M_X64)
  __builtin_cpu_init();
  const int avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  const int avx512 = avx2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
                     __builtin_cpu_supports("avx512dq");
  if (isa && !strcmp(isa, "avx512") && avx512) return &rl_elementwise_avx512;
  if (isa && (!strcmp(isa, "avx512") || !strcmp(isa, "avx2")) && avx2) return &rl_elementwise_avx2;
#else
  (void)isa;
#endif
  return &rl_elementwise_generic;
}
