/* Internal interface between gemm.c (packing, blocking, dispatch) and the per-ISA micro-kernels. */
#ifndef RL_GEMM_INTERNAL_H
#define RL_GEMM_INTERNAL_H
#include <stddef.h>

/* Widest packed B panel (floats); the last panel of a matrix is 16 wide when at most 16 columns remain. */
#define RL_NR 32
/* Most rows any ISA's micro-kernel takes. */
#define RL_MR_MAX 16

/*
 * One register tile: C[mr × ncols] (=|+=) Ap · Bp, where Ap is a packed A tile (kb × mr, k-major:
 * Ap[k*mr + i]) and Bp a packed B panel (kb × w, w = 16 or 32: Bp[k*w + j]); ncols ≤ w columns of C
 * are written (the rest of the panel is zero padding). accumulate = 0 stores the sum, 1 adds it to C.
 * Each element's sum starts at 0 and adds a[k]·b[k] for k = 0 … kb-1 in order (one rounding per
 * step, or a fused multiply-add where the ISA has one), whatever mr, w and ncols are.
 */
typedef void (*rl_ukernel_fn)(int mr, int w, int kb, const float *ap, const float *bp, float *c, ptrdiff_t ldc,
                              int ncols, int accumulate);

/*
 * Packs one B panel: dst[k*w + j] = op(B)[k][j] for k < kb, j < cols, and 0 for cols ≤ j < w. src
 * points at the panel's op(B)[0][0]: op(B)[k][j] = transB ? src[j*ldb + k] : src[k*ldb + j].
 */
typedef void (*rl_pack_b_fn)(int transB, const float *src, ptrdiff_t ldb, int kb, int cols, int w, float *dst);

/* Packs one A tile: dst[k*mr + i] = op(A)[i][k] for i < mr, k < kb; src points at op(A)[0][0]:
   op(A)[i][k] = transA ? src[k*lda + i] : src[i*lda + k]. */
typedef void (*rl_pack_a_fn)(int transA, const float *src, ptrdiff_t lda, int mr, int kb, float *dst);

typedef struct {
  const char *name;
  int mr; /* rows per tile, ≤ RL_MR_MAX */
  rl_ukernel_fn kernel;
  rl_pack_b_fn pack_b;
  rl_pack_a_fn pack_a;
} rl_gemm_isa_t;

void rl_pack_a_tile_generic(int transA, const float *src, ptrdiff_t lda, int mr, int kb, float *dst);

/* The portable panel packer (gemm_generic.c); the ISA packers fall back on it for what they leave. */
void rl_pack_b_panel_generic(int transB, const float *src, ptrdiff_t ldb, int kb, int cols, int w, float *dst);

extern const rl_gemm_isa_t rl_gemm_isa_generic;
#if defined(__x86_64__) || defined(_M_X64)
extern const rl_gemm_isa_t rl_gemm_isa_avx2;
extern const rl_gemm_isa_t rl_gemm_isa_avx512;
#endif

/* For tests and benchmarks: selects "avx512", "avx2" or "generic" if this CPU runs it (returns 1), else 0. */
int rl_gemm_select_isa(const char *name);

#endif
