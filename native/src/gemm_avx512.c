/* AVX-512 micro-kernels (compiled with -mavx512f -mavx512vl -mavx512dq -mfma): tiles of up to 12 rows
   × a 32-column panel (24 zmm accumulators, two B vectors, one broadcast), or × a 16-column panel. */
#include "gemm_internal.h"

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>

#include "gemm_pack_x86.h"

#ifndef MR_AVX512
#define MR_AVX512 12
#endif

static inline __mmask16 mask_of(int n) { return n >= 16 ? (__mmask16)0xFFFF : n <= 0 ? 0 : (__mmask16)((1u << n) - 1); }

/* C rows (=|+=) acc, columns masked. */
static inline void put(float *c, __m512 v, __mmask16 m, int accumulate) {
  if (accumulate) v = _mm512_add_ps(_mm512_maskz_loadu_ps(m, c), v);
  _mm512_mask_storeu_ps(c, m, v);
}

#define TILE32(MR)                                                                                                   \
  static void tile32_##MR(int kb, const float *restrict a, const float *restrict b, float *c, ptrdiff_t ldc,       \
                          int ncols, int accumulate) {                                                               \
    __m512 c0[MR], c1[MR];                                                                                           \
    _Pragma("GCC unroll 16") for (int i = 0; i < MR; i++) {                                                          \
      _mm_prefetch((const char *)(c + i * ldc), _MM_HINT_T0);                                                        \
      _mm_prefetch((const char *)(c + i * ldc + 31), _MM_HINT_T0);                                                   \
      c0[i] = _mm512_setzero_ps();                                                                                   \
      c1[i] = _mm512_setzero_ps();                                                                                   \
    }                                                                                                                \
    _Pragma("GCC unroll 2") for (int k = 0; k < kb; k++) {                                                           \
      const __m512 b0 = _mm512_loadu_ps(b), b1 = _mm512_loadu_ps(b + 16);                                            \
      _Pragma("GCC unroll 16") for (int i = 0; i < MR; i++) {                                                        \
        const __m512 ai = _mm512_set1_ps(a[i]);                                                                      \
        c0[i] = _mm512_fmadd_ps(ai, b0, c0[i]);                                                                      \
        c1[i] = _mm512_fmadd_ps(ai, b1, c1[i]);                                                                      \
      }                                                                                                              \
      a += MR;                                                                                                       \
      b += 32;                                                                                                       \
    }                                                                                                                \
    const __mmask16 m0 = mask_of(ncols), m1 = mask_of(ncols - 16);                                                   \
    _Pragma("GCC unroll 16") for (int i = 0; i < MR; i++) {                                                          \
      put(c + i * ldc, c0[i], m0, accumulate);                                                                       \
      put(c + i * ldc + 16, c1[i], m1, accumulate);                                                                  \
    }                                                                                                                \
  }

#define TILE16(MR)                                                                                                   \
  static void tile16_##MR(int kb, const float *restrict a, const float *restrict b, float *c, ptrdiff_t ldc,       \
                          int ncols, int accumulate) {                                                               \
    __m512 c0[MR];                                                                                                   \
    _Pragma("GCC unroll 16") for (int i = 0; i < MR; i++) {                                                          \
      _mm_prefetch((const char *)(c + i * ldc), _MM_HINT_T0);                                                        \
      _mm_prefetch((const char *)(c + i * ldc + 15), _MM_HINT_T0);                                                   \
      c0[i] = _mm512_setzero_ps();                                                                                   \
    }                                                                                                                \
    _Pragma("GCC unroll 2") for (int k = 0; k < kb; k++) {                                                           \
      const __m512 b0 = _mm512_loadu_ps(b);                                                                          \
      _Pragma("GCC unroll 16") for (int i = 0; i < MR; i++) c0[i] = _mm512_fmadd_ps(_mm512_set1_ps(a[i]), b0, c0[i]); \
      a += MR;                                                                                                       \
      b += 16;                                                                                                       \
    }                                                                                                                \
    const __mmask16 m0 = mask_of(ncols);                                                                             \
    _Pragma("GCC unroll 16") for (int i = 0; i < MR; i++) put(c + i * ldc, c0[i], m0, accumulate);                  \
  }

#define BOTH(MR) TILE32(MR) TILE16(MR)
BOTH(1) BOTH(2) BOTH(3) BOTH(4) BOTH(5) BOTH(6) BOTH(7) BOTH(8) BOTH(9) BOTH(10) BOTH(11) BOTH(12) BOTH(13) BOTH(14)

typedef void (*tile_fn)(int, const float *, const float *, float *, ptrdiff_t, int, int);
static const tile_fn t32[15] = {0, tile32_1, tile32_2, tile32_3, tile32_4, tile32_5, tile32_6, tile32_7,
                                tile32_8, tile32_9, tile32_10, tile32_11, tile32_12, tile32_13, tile32_14};
static const tile_fn t16[15] = {0, tile16_1, tile16_2, tile16_3, tile16_4, tile16_5, tile16_6, tile16_7,
                                tile16_8, tile16_9, tile16_10, tile16_11, tile16_12, tile16_13, tile16_14};

static void kernel_avx512(int mr, int w, int kb, const float *ap, const float *bp, float *c, ptrdiff_t ldc, int ncols,
                          int accumulate) {
  (w == 32 ? t32 : t16)[mr](kb, ap, bp, c, ldc, ncols, accumulate);
}

static void pack_b_avx512(int transB, const float *src, ptrdiff_t ldb, int kb, int cols, int w, float *dst) {
  if (transB) {
    rl_pack_b_trans_x86(src, ldb, kb, cols, w, dst);
    return;
  }
  const __mmask16 m0 = mask_of(cols), m1 = mask_of(cols - 16); /* masked-off lanes are neither read nor faulted */
  if (w == 32) {
    for (int k = 0; k < kb; k++, src += ldb, dst += 32) {
      _mm512_storeu_ps(dst, _mm512_maskz_loadu_ps(m0, src));
      _mm512_storeu_ps(dst + 16, _mm512_maskz_loadu_ps(m1, src + 16));
    }
  } else {
    for (int k = 0; k < kb; k++, src += ldb, dst += 16) _mm512_storeu_ps(dst, _mm512_maskz_loadu_ps(m0, src));
  }
}

const rl_gemm_isa_t rl_gemm_isa_avx512 = {"avx512", MR_AVX512, kernel_avx512, pack_b_avx512, rl_pack_a_x86};
#else
typedef int rl_gemm_avx512_unused; /* not an x86-64 target */
#endif
