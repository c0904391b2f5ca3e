/* AVX2 + FMA micro-kernels (compiled with -mavx2 -mfma): tiles of up to 6 rows × 16 columns
   (12 ymm accumulators, two B vectors, one broadcast); a 32-column panel is done as two halves. */
#include "gemm_internal.h"

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>

#include "gemm_pack_x86.h"

#define MR_AVX2 6

/* Writes one 8-column vector of C (=|+=) v; n < 8 columns through a bounce buffer. */
static inline void put8(float *c, __m256 v, int n, int accumulate) {
  if (n >= 8) {
    if (accumulate) v = _mm256_add_ps(_mm256_loadu_ps(c), v);
    _mm256_storeu_ps(c, v);
  } else if (n > 0) {
    float t[8];
    _mm256_storeu_ps(t, v);
    if (accumulate)
      for (int j = 0; j < n; j++) c[j] += t[j];
    else
      for (int j = 0; j < n; j++) c[j] = t[j];
  }
}

/* Rows 0 … MR-1 × 16 columns of a panel w floats wide (b already offset to the half). */
#define HALF(MR)                                                                                                     \
  static void half_##MR(int kb, const float *restrict a, const float *restrict b, int w, float *c, ptrdiff_t ldc,  \
                        int ncols, int accumulate) {                                                                 \
    __m256 c0[MR], c1[MR];                                                                                           \
    _Pragma("GCC unroll 8") for (int i = 0; i < MR; i++) {                                                           \
      c0[i] = _mm256_setzero_ps();                                                                                   \
      c1[i] = _mm256_setzero_ps();                                                                                   \
    }                                                                                                                \
    _Pragma("GCC unroll 2") for (int k = 0; k < kb; k++) {                                                           \
      const __m256 b0 = _mm256_loadu_ps(b), b1 = _mm256_loadu_ps(b + 8);                                             \
      _Pragma("GCC unroll 8") for (int i = 0; i < MR; i++) {                                                         \
        const __m256 ai = _mm256_broadcast_ss(a + i);                                                                \
        c0[i] = _mm256_fmadd_ps(ai, b0, c0[i]);                                                                      \
        c1[i] = _mm256_fmadd_ps(ai, b1, c1[i]);                                                                      \
      }                                                                                                              \
      a += MR;                                                                                                       \
      b += w;                                                                                                        \
    }                                                                                                                \
    _Pragma("GCC unroll 8") for (int i = 0; i < MR; i++) {                                                           \
      put8(c + i * ldc, c0[i], ncols, accumulate);                                                                   \
      put8(c + i * ldc + 8, c1[i], ncols - 8, accumulate);                                                           \
    }                                                                                                                \
  }

HALF(1) HALF(2) HALF(3) HALF(4) HALF(5) HALF(6)

typedef void (*half_fn)(int, const float *, const float *, int, float *, ptrdiff_t, int, int);
static const half_fn halves[MR_AVX2 + 1] = {0, half_1, half_2, half_3, half_4, half_5, half_6};

static void kernel_avx2(int mr, int w, int kb, const float *ap, const float *bp, float *c, ptrdiff_t ldc, int ncols,
                        int accumulate) {
  const half_fn f = halves[mr];
  f(kb, ap, bp, w, c, ldc, ncols < 16 ? ncols : 16, accumulate);
  if (w == 32 && ncols > 16) f(kb, ap, bp + 16, w, c + 16, ldc, ncols - 16, accumulate);
}

static void pack_b_avx2(int transB, const float *src, ptrdiff_t ldb, int kb, int cols, int w, float *dst) {
  if (transB) {
    rl_pack_b_trans_x86(src, ldb, kb, cols, w, dst);
    return;
  }
  const int c8 = cols & ~7;
  for (int k = 0; k < kb; k++, src += ldb, dst += w) {
    int j = 0;
    for (; j < c8; j += 8) _mm256_storeu_ps(dst + j, _mm256_loadu_ps(src + j));
    for (; j < cols; j++) dst[j] = src[j];
    for (; j < w; j++) dst[j] = 0.0f;
  }
}

const rl_gemm_isa_t rl_gemm_isa_avx2 = {"avx2", MR_AVX2, kernel_avx2, pack_b_avx2, rl_pack_a_x86};
#else
typedef int rl_gemm_avx2_unused; /* not an x86-64 target */
#endif
