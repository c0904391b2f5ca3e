/*
 * RNN Lens native SGEMM: the API, cache blocking and the run-time ISA dispatch (the micro-kernels and
 * packers live in gemm_avx512.c, gemm_avx2.c, gemm_generic.c behind rl_gemm_isa_t).
 *
 * Goto/BLIS-style blocking, row-major. op(B) is packed in K blocks (kc ≤ RL_KC rows; the split depends
 * on K only) into panels RL_NR = 32 columns wide (the last one 16 wide when at most 16 columns remain),
 * each panel kb × w floats, k-major; rl_pack_b packs the whole matrix in exactly that layout, rl_sgemm
 * an NC-column block at a time. op(A) is packed in blocks of up to RL_MC rows as consecutive register
 * tiles (kb × mr floats, k-major; tiles as even as possible, at most the ISA's mr rows). Loops:
 *
 *   for ic (MC rows) · for pc (K block: pack A block) · for jc (NC columns: [pack B block, ~L2])
 *     · for A tile (stays in L1) · for B panel (streams from L2): micro-kernel mr × w
 *
 * The packed A block and B block live in a thread-local workspace (grown once per thread, freed at
 * thread exit); if it cannot be allocated, the same loops run one tile / one panel at a time on the stack.
 *
 * Every element of C is summed the same way whatever M, N, the tiling or the packing: from 0, k
 * ascending inside a K block (one FMA per k on x86), the block's sum then stored (first block, beta 0)
 * or added to C. So packed = unpacked, and rows or columns split across threads give the same bits.
 */
#if !defined(_WIN32) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200112L /* posix_memalign, pthread keys under -std=c11 */
#endif
#include "gemm.h"
#include "gemm_internal.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(_WIN32)
#include <malloc.h> /* _aligned_malloc; no thread-exit hook there: a thread's workspace outlives it */
#else
#include <pthread.h>
#define RL_HAVE_PTHREAD 1
#endif

/* Depth of one K block (most floats of a packed row per panel pass). */
#ifndef RL_KC
#define RL_KC 384
#endif
/* Columns of op(B) per block (a multiple of RL_NR): KC × NC floats stay in L2 while the A tiles sweep them. */
#ifndef RL_NC
#define RL_NC 384
#endif
/* Rows of op(A) packed per block (the block sits in L2/L3 and each of its tiles in L1 while it sweeps a B block). */
#ifndef RL_MC
#define RL_MC 1024
#endif

_Static_assert(RL_KC % 8 == 0 && RL_KC >= 8, "RL_KC must be a multiple of 8");
_Static_assert(RL_NC % RL_NR == 0 && RL_NC >= RL_NR, "RL_NC must be a multiple of RL_NR");

/* ---- K blocking: a function of K alone, so packed and unpacked multiplies sum alike ---- */

static int kc_of(int K) {
  int nblk = (K + RL_KC - 1) / RL_KC;
  int kc = (K + nblk - 1) / nblk;
  return (kc + 7) & ~7; /* ≤ RL_KC since RL_KC is a multiple of 8 */
}

/* Width of the packed panel that starts at column j of an N-column op(B). */
static inline int panel_width(int N, int j) { return N - j > 16 ? RL_NR : 16; }

/* Floats of one K block row across all panels: N rounded up to the panel widths. */
static size_t padded_n(int N) {
  size_t full = (size_t)(N / RL_NR) * RL_NR;
  int rem = N % RL_NR;
  return full + (rem == 0 ? 0 : rem > 16 ? RL_NR : 16);
}

size_t rl_packed_size(int K, int N) {
  if (K <= 0 || N <= 0) return 0;
  return (size_t)K * padded_n(N);
}

static const rl_gemm_isa_t *isa_now(void);

/* Packs op(B)[pc … pc+kb, j0 … j0+nb] (j0 a multiple of RL_NR) into consecutive panels at dst. */
static void pack_b_block(const rl_gemm_isa_t *isa, int transB, const float *B, size_t ldb, int N, int pc, int kb,
                         int j0, int nb, float *dst) {
  for (int j = j0; j < j0 + nb;) {
    const int w = panel_width(N, j);
    const int cols = N - j < w ? N - j : w;
    const float *src = transB ? B + (size_t)j * ldb + pc : B + (size_t)pc * ldb + j;
    isa->pack_b(transB, src, (ptrdiff_t)ldb, kb, cols, w, dst);
    dst += (size_t)w * kb;
    j += w;
  }
}

void rl_pack_b(int transB, int K, int N, const float *B, int ldb, float *packed) {
  if (K <= 0 || N <= 0) return;
  const rl_gemm_isa_t *isa = isa_now();
  const int kc = kc_of(K);
  const size_t np = padded_n(N);
  for (int pc = 0; pc < K; pc += kc) {
    const int kb = K - pc < kc ? K - pc : kc;
    pack_b_block(isa, transB, B, (size_t)ldb, N, pc, kb, 0, N, packed + (size_t)pc * np);
  }
}

/* ---- dispatch ---- */

static _Atomic(const rl_gemm_isa_t *) g_isa = NULL;

static int cpu_runs(const rl_gemm_isa_t *isa) {
#if defined(__x86_64__) || defined(_M_X64)
  __builtin_cpu_init();
  if (isa == &rl_gemm_isa_avx512)
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
           __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("fma");
  if (isa == &rl_gemm_isa_avx2) return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#endif
  return isa == &rl_gemm_isa_generic;
}

static const rl_gemm_isa_t *isa_named(const char *name) {
  if (!name) return NULL;
#if defined(__x86_64__) || defined(_M_X64)
  if (!strcmp(name, "avx512")) return &rl_gemm_isa_avx512;
  if (!strcmp(name, "avx2")) return &rl_gemm_isa_avx2;
#endif
  if (!strcmp(name, "generic")) return &rl_gemm_isa_generic;
  return NULL;
}

static const rl_gemm_isa_t *choose_isa(void) {
  static const rl_gemm_isa_t *const order[] = {
#if defined(__x86_64__) || defined(_M_X64)
      &rl_gemm_isa_avx512, &rl_gemm_isa_avx2,
#endif
      &rl_gemm_isa_generic};
  const rl_gemm_isa_t *cap = isa_named(getenv("RL_GEMM_ISA"));
  int allowed = cap == NULL;
  for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
    if (order[i] == cap) allowed = 1;
    if (allowed && cpu_runs(order[i])) return order[i];
  }
  return &rl_gemm_isa_generic;
}

static const rl_gemm_isa_t *isa_now(void) {
  const rl_gemm_isa_t *isa = atomic_load_explicit(&g_isa, memory_order_acquire);
  if (!isa) {
    isa = choose_isa(); /* two threads racing here choose the same */
    atomic_store_explicit(&g_isa, isa, memory_order_release);
  }
  return isa;
}

int rl_gemm_select_isa(const char *name) {
  const rl_gemm_isa_t *isa = isa_named(name);
  if (!isa || !cpu_runs(isa)) return 0;
  atomic_store_explicit(&g_isa, isa, memory_order_release);
  return 1;
}

const char *rl_gemm_isa(void) { return isa_now()->name; }

/* ---- thread-local workspace for rl_sgemm's B blocks (grown once per thread, freed at thread exit) ---- */

static _Thread_local float *tl_ws = NULL;
static _Thread_local size_t tl_cap = 0;

#ifdef RL_HAVE_PTHREAD
static pthread_key_t ws_key;
static int ws_key_ok = 0;
static pthread_once_t ws_once = PTHREAD_ONCE_INIT;
static void ws_release(void *p) { free(p); }
static void ws_key_init(void) { ws_key_ok = pthread_key_create(&ws_key, ws_release) == 0; }
#endif

static float *workspace(size_t floats) {
#ifdef RL_GEMM_TEST_NO_WORKSPACE /* tests the path taken when the allocation fails */
  (void)floats;
  return NULL;
#endif
  if (tl_cap >= floats) return tl_ws;
  size_t bytes = (floats * sizeof(float) + 63) & ~(size_t)63;
  void *p = NULL;
#ifdef _WIN32
  p = _aligned_malloc(bytes, 64);
  if (tl_ws) _aligned_free(tl_ws);
#else
  if (posix_memalign(&p, 64, bytes) != 0) p = NULL;
  free(tl_ws);
#endif
  tl_ws = (float *)p;
  tl_cap = p ? floats : 0;
#ifdef RL_HAVE_PTHREAD
  pthread_once(&ws_once, ws_key_init);
  if (ws_key_ok) pthread_setspecific(ws_key, p);
#endif
  return tl_ws;
}

/* ---- blocking ---- */

/* Packs rows i0 … i0+mb of op(A), columns pc … pc+kb, as consecutive tiles of the ISA's tiling. */
static void pack_a_block(const rl_gemm_isa_t *isa, int transA, const float *A, size_t lda, int i0, int mb, int pc,
                         int kb, float *dst) {
  const int ntiles = (mb + isa->mr - 1) / isa->mr;
  const int base = mb / ntiles, extra = mb % ntiles; /* tiles as even as possible: the first `extra` get one more row */
  for (int t = 0; t < ntiles; t++) {
    const int mr = base + (t < extra);
    isa->pack_a(transA, transA ? A + (size_t)pc * lda + i0 : A + (size_t)i0 * lda + pc, (ptrdiff_t)lda, mr, kb, dst);
    dst += (size_t)mr * kb;
    i0 += mr;
  }
}

/* C rows 0 … mb-1 (C points at the block's first row), columns j0 … j0+nb-1 (=|+=) the packed A block ·
   the packed B panels at bp. */
static void macro_block(const rl_gemm_isa_t *isa, int mb, int N, int kb, const float *ap, const float *bp, int j0,
                        int nb, float *C, size_t ldc, int accumulate) {
  const int ntiles = (mb + isa->mr - 1) / isa->mr;
  const int base = mb / ntiles, extra = mb % ntiles;
  int i0 = 0;
  for (int t = 0; t < ntiles; t++) {
    const int mr = base + (t < extra);
    const float *b = bp;
    float *c = C + (size_t)i0 * ldc + j0;
    for (int j = j0; j < j0 + nb;) {
      const int w = panel_width(N, j);
      const int cols = N - j < w ? N - j : w;
      isa->kernel(mr, w, kb, ap, b, c, (ptrdiff_t)ldc, cols, accumulate);
      b += (size_t)w * kb;
      c += w;
      j += w;
    }
    ap += (size_t)mr * kb;
    i0 += mr;
  }
}

/* K = 0: the product is zero. */
static void zero_product(int M, int N, float *C, int ldc, int beta) {
  if (beta) return;
  for (int i = 0; i < M; i++) memset(C + (size_t)i * ldc, 0, (size_t)N * sizeof(float));
}

/* The blocks one call works on: A blocks of mc rows, B blocks of nc columns, and where they are packed. */
typedef struct {
  int mc, nc;
  float *abuf, *bbuf;
} Blocks;

/* Workspace for A blocks (and B blocks when packB): thread-local, or on failure one tile / one panel at
   a time in the caller's stack buffers (same sums, slower). */
static void plan(const rl_gemm_isa_t *isa, int M, int N, int kc, int packB, float *stackA, float *stackB, Blocks *bl) {
  bl->mc = M < RL_MC ? M : RL_MC;
  bl->nc = N < RL_NC ? N : RL_NC;
  const size_t na = ((size_t)bl->mc * kc + 15) & ~(size_t)15;
  const size_t nb = packB ? (size_t)kc * padded_n(bl->nc) : 0;
  float *ws = workspace(na + nb);
  if (ws) {
    bl->abuf = ws;
    bl->bbuf = ws + na;
  } else {
    bl->mc = isa->mr;
    bl->nc = RL_NR;
    bl->abuf = stackA;
    bl->bbuf = stackB;
  }
}

void rl_sgemm(int transA, int transB, int M, int N, int K, const float *A, int lda, const float *B, int ldb, float *C,
              int ldc, int beta) {
  if (M <= 0 || N <= 0) return;
  if (K <= 0) {
    zero_product(M, N, C, ldc, beta);
    return;
  }
  const rl_gemm_isa_t *isa = isa_now();
  const int kc = kc_of(K);
  float stackA[RL_MR_MAX * RL_KC] __attribute__((aligned(64)));
  float stackB[RL_KC * RL_NR] __attribute__((aligned(64)));
  Blocks bl;
  plan(isa, M, N, kc, 1, stackA, stackB, &bl);
  for (int ic = 0; ic < M; ic += bl.mc) {
    const int mb = M - ic < bl.mc ? M - ic : bl.mc;
    for (int pc = 0; pc < K; pc += kc) {
      const int kb = K - pc < kc ? K - pc : kc;
      pack_a_block(isa, transA, A, (size_t)lda, ic, mb, pc, kb, bl.abuf);
      for (int jc = 0; jc < N; jc += bl.nc) {
        const int nb = N - jc < bl.nc ? N - jc : bl.nc;
        pack_b_block(isa, transB, B, (size_t)ldb, N, pc, kb, jc, nb, bl.bbuf);
        macro_block(isa, mb, N, kb, bl.abuf, bl.bbuf, jc, nb, C + (size_t)ic * ldc, (size_t)ldc, pc > 0 || beta != 0);
      }
    }
  }
}

void rl_sgemm_packed(int transA, int M, int N, int K, const float *A, int lda, const float *packed, float *C, int ldc,
                     int beta) {
  if (M <= 0 || N <= 0) return;
  if (K <= 0) {
    zero_product(M, N, C, ldc, beta);
    return;
  }
  const rl_gemm_isa_t *isa = isa_now();
  const int kc = kc_of(K);
  const size_t np = padded_n(N);
  float stackA[RL_MR_MAX * RL_KC] __attribute__((aligned(64)));
  Blocks bl;
  plan(isa, M, N, kc, 0, stackA, NULL, &bl);
  for (int ic = 0; ic < M; ic += bl.mc) {
    const int mb = M - ic < bl.mc ? M - ic : bl.mc;
    for (int pc = 0; pc < K; pc += kc) {
      const int kb = K - pc < kc ? K - pc : kc;
      const float *blk = packed + (size_t)pc * np;
      pack_a_block(isa, transA, A, (size_t)lda, ic, mb, pc, kb, bl.abuf);
      for (int jc = 0; jc < N; jc += bl.nc) {
        const int nb = N - jc < bl.nc ? N - jc : bl.nc;
        /* panels before jc are all RL_NR wide (bl.nc is a multiple of RL_NR or N itself) */
        macro_block(isa, mb, N, kb, bl.abuf, blk + (size_t)jc * kb, jc, nb, C + (size_t)ic * ldc, (size_t)ldc,
                    pc > 0 || beta != 0);
      }
    }
  }
}
