/* Portable micro-kernels (plain C, written for the auto-vectoriser; the arm64 path): tiles of up to
   6 rows (5 on arm64) × 16 columns (four-float accumulators in NEON / SSE registers); a 32-column panel is done as two halves.
   Where the target has a fast fused multiply-add (__FP_FAST_FMAF: arm64) each step is one fmaf. */
#include "gemm_internal.h"

#include <math.h>

#ifdef __aarch64__
#define MR_GENERIC 5 /* 20 accumulators + 4 B vectors + 5 broadcasts fit NEON's 32 registers */
#else
#define MR_GENERIC 6
#endif

#ifdef __FP_FAST_FMAF
#define MADD(a, b, c) fmaf((a), (b), (c))
#else
#define MADD(a, b, c) ((c) + (a) * (b))
#endif

#define HALF(MR)                                                                                                     \
  static void half_##MR(int kb, const float *restrict a, const float *restrict b, int w, float *restrict c,        \
                        ptrdiff_t ldc, int ncols, int accumulate) {                                                  \
    float acc[MR][16];                                                                                               \
    for (int i = 0; i < MR; i++)                                                                                     \
      for (int j = 0; j < 16; j++) acc[i][j] = 0.0f;                                                                 \
    for (int k = 0; k < kb; k++) {                                                                                   \
      _Pragma("GCC unroll 8") for (int i = 0; i < MR; i++) {                                                         \
        const float ai = a[i];                                                                                       \
        for (int j = 0; j < 16; j++) acc[i][j] = MADD(ai, b[j], acc[i][j]);                                          \
      }                                                                                                              \
      a += MR;                                                                                                       \
      b += w;                                                                                                        \
    }                                                                                                                \
    const int n = ncols < 16 ? ncols : 16;                                                                           \
    for (int i = 0; i < MR; i++) {                                                                                   \
      float *ci = c + i * ldc;                                                                                       \
      if (accumulate)                                                                                                \
        for (int j = 0; j < n; j++) ci[j] += acc[i][j];                                                              \
      else                                                                                                           \
        for (int j = 0; j < n; j++) ci[j] = acc[i][j];                                                               \
    }                                                                                                                \
  }

HALF(1) HALF(2) HALF(3) HALF(4) HALF(5) HALF(6)

typedef void (*half_fn)(int, const float *, const float *, int, float *, ptrdiff_t, int, int);
static const half_fn halves[7] = {0, half_1, half_2, half_3, half_4, half_5, half_6};

static void kernel_generic(int mr, int w, int kb, const float *ap, const float *bp, float *c, ptrdiff_t ldc,
                           int ncols, int accumulate) {
  const half_fn f = halves[mr];
  f(kb, ap, bp, w, c, ldc, ncols, accumulate);
  if (w == 32 && ncols > 16) f(kb, ap, bp + 16, w, c + 16, ldc, ncols - 16, accumulate);
}

void rl_pack_b_panel_generic(int transB, const float *src, ptrdiff_t ldb, int kb, int cols, int w, float *dst) {
  if (!transB) {
    for (int k = 0; k < kb; k++) {
      float *restrict d = dst + (size_t)k * w;
      const float *restrict s = src + (size_t)k * ldb;
      int j = 0;
      for (; j < cols; j++) d[j] = s[j];
      for (; j < w; j++) d[j] = 0.0f;
    }
    return;
  }
  /* B is N×K: panel column j is row j of B. Transpose 8 k at a time to keep the writes in few lines. */
  int k = 0;
  for (; k + 8 <= kb; k += 8) {
    float *restrict d = dst + (size_t)k * w;
    int j = 0;
    for (; j < cols; j++) {
      const float *restrict s = src + (size_t)j * ldb + k;
      for (int t = 0; t < 8; t++) d[t * w + j] = s[t];
    }
    for (; j < w; j++)
      for (int t = 0; t < 8; t++) d[t * w + j] = 0.0f;
  }
  for (; k < kb; k++) {
    float *restrict d = dst + (size_t)k * w;
    int j = 0;
    for (; j < cols; j++) d[j] = src[(size_t)j * ldb + k];
    for (; j < w; j++) d[j] = 0.0f;
  }
}

void rl_pack_a_tile_generic(int transA, const float *src, ptrdiff_t lda, int mr, int kb, float *dst) {
  if (transA) {
    for (int k = 0; k < kb; k++) {
      const float *restrict s = src + (size_t)k * lda;
      float *restrict d = dst + (size_t)k * mr;
      for (int i = 0; i < mr; i++) d[i] = s[i];
    }
    return;
  }
  int k = 0;
  for (; k + 8 <= kb; k += 8) {
    float *restrict d = dst + (size_t)k * mr;
    for (int i = 0; i < mr; i++) {
      const float *restrict s = src + (size_t)i * lda + k;
      for (int t = 0; t < 8; t++) d[t * mr + i] = s[t];
    }
  }
  for (; k < kb; k++)
    for (int i = 0; i < mr; i++) dst[(size_t)k * mr + i] = src[(size_t)i * lda + k];
}

const rl_gemm_isa_t rl_gemm_isa_generic = {"generic", MR_GENERIC, kernel_generic, rl_pack_b_panel_generic,
                                           rl_pack_a_tile_generic};
