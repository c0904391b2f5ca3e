/* B panel packing shared by gemm_avx2.c and gemm_avx512.c (static inline: compiled with each file's flags).
   Needs <immintrin.h> and AVX. */
#ifndef RL_GEMM_PACK_X86_H
#define RL_GEMM_PACK_X86_H
#include "gemm_internal.h"
#include <immintrin.h>

/* dst[t*w + j] = src[j*ldb + t] for j, t < 8. */
static inline void rl_transpose8(const float *src, ptrdiff_t ldb, float *dst, int w) {
  const __m256 r0 = _mm256_loadu_ps(src), r1 = _mm256_loadu_ps(src + ldb), r2 = _mm256_loadu_ps(src + 2 * ldb),
               r3 = _mm256_loadu_ps(src + 3 * ldb), r4 = _mm256_loadu_ps(src + 4 * ldb),
               r5 = _mm256_loadu_ps(src + 5 * ldb), r6 = _mm256_loadu_ps(src + 6 * ldb),
               r7 = _mm256_loadu_ps(src + 7 * ldb);
  const __m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1), t2 = _mm256_unpacklo_ps(r2, r3),
               t3 = _mm256_unpackhi_ps(r2, r3), t4 = _mm256_unpacklo_ps(r4, r5), t5 = _mm256_unpackhi_ps(r4, r5),
               t6 = _mm256_unpacklo_ps(r6, r7), t7 = _mm256_unpackhi_ps(r6, r7);
  const __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xEE),
               u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xEE),
               u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xEE),
               u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xEE);
  _mm256_storeu_ps(dst, _mm256_permute2f128_ps(u0, u4, 0x20));
  _mm256_storeu_ps(dst + w, _mm256_permute2f128_ps(u1, u5, 0x20));
  _mm256_storeu_ps(dst + 2 * w, _mm256_permute2f128_ps(u2, u6, 0x20));
  _mm256_storeu_ps(dst + 3 * w, _mm256_permute2f128_ps(u3, u7, 0x20));
  _mm256_storeu_ps(dst + 4 * w, _mm256_permute2f128_ps(u0, u4, 0x31));
  _mm256_storeu_ps(dst + 5 * w, _mm256_permute2f128_ps(u1, u5, 0x31));
  _mm256_storeu_ps(dst + 6 * w, _mm256_permute2f128_ps(u2, u6, 0x31));
  _mm256_storeu_ps(dst + 7 * w, _mm256_permute2f128_ps(u3, u7, 0x31));
}

/* The transposed panel (B is N×K): 8×8 blocks in registers, the edges element by element. */
static inline void rl_pack_b_trans_x86(const float *src, ptrdiff_t ldb, int kb, int cols, int w, float *dst) {
  const int c8 = cols & ~7;
  int k = 0;
  /* 16 k (one cache line of each B row) per pass over the panel's rows */
  for (; k + 16 <= kb; k += 16) {
    float *d = dst + (size_t)k * w;
    for (int j = 0; j < c8; j += 8) {
      const float *s = src + (size_t)j * ldb + k;
      rl_transpose8(s, ldb, d + j, w);
      rl_transpose8(s + 8, ldb, d + 8 * (size_t)w + j, w);
    }
    for (int t = 0; t < 16; t++) {
      float *dt = d + (size_t)t * w;
      for (int j = c8; j < cols; j++) dt[j] = src[(size_t)j * ldb + k + t];
      for (int j = cols; j < w; j++) dt[j] = 0.0f;
    }
  }
  for (; k + 8 <= kb; k += 8) {
    float *d = dst + (size_t)k * w;
    for (int j = 0; j < c8; j += 8) rl_transpose8(src + (size_t)j * ldb + k, ldb, d + j, w);
    for (int t = 0; t < 8; t++) {
      float *dt = d + (size_t)t * w;
      for (int j = c8; j < cols; j++) dt[j] = src[(size_t)j * ldb + k + t];
      for (int j = cols; j < w; j++) dt[j] = 0.0f;
    }
  }
  for (; k < kb; k++) {
    float *d = dst + (size_t)k * w;
    for (int j = 0; j < cols; j++) d[j] = src[(size_t)j * ldb + k];
    for (int j = cols; j < w; j++) d[j] = 0.0f;
  }
}

/* An A tile: non-transposed A is transposed 8 rows × 8 k at a time, the other rows element by element. */
static inline void rl_pack_a_x86(int transA, const float *src, ptrdiff_t lda, int mr, int kb, float *dst) {
  if (transA) {
    rl_pack_a_tile_generic(transA, src, lda, mr, kb, dst);
    return;
  }
  const int r8 = mr & ~7;
  int k = 0;
  for (; k + 8 <= kb; k += 8) {
    float *d = dst + (size_t)k * mr;
    for (int i = 0; i < r8; i += 8) rl_transpose8(src + (size_t)i * lda + k, lda, d + i, mr);
    for (int i = r8; i < mr; i++) {
      const float *s = src + (size_t)i * lda + k;
      for (int t = 0; t < 8; t++) d[t * mr + i] = s[t];
    }
  }
  for (; k < kb; k++)
    for (int i = 0; i < mr; i++) dst[(size_t)k * mr + i] = src[(size_t)i * lda + k];
}
#endif
