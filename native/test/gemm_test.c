/*
 * Tests native/src/gemm*.c against a double-precision reference, on every ISA this CPU runs.
 * Tolerance: |C - ref| ≤ 1e-5 · (1 + |ref|) · max(1, sqrt(K / 64)), ref = Σ a·b (+ C_old) in double.
 * Also: packed = unpacked bit for bit; a product split by rows or by columns (two threads' halves)
 * equals the whole bit for bit; two threads at once equal one; nothing outside C's M×N is written;
 * beta 0 ignores NaN in C; 0-sized edges. Exit code 0 when all pass.
 */
#include "gemm.h"
#include "gemm_internal.h"

#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static uint32_t next_u32(void) {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return (uint32_t)(rng >> 16);
}
static int rnd(int lo, int hi) { return lo + (int)(next_u32() % (uint32_t)(hi - lo + 1)); }
static float frand(void) { return (float)((next_u32() & 0xFFFFFF) / (double)0x1000000 * 2.0 - 1.0); }

static int failures = 0, checks = 0;
static double worst = 0; /* largest |diff| / (1 + |ref|) seen */

#define GUARD 1234.5f

typedef struct {
  int tA, tB, M, N, K, lda, ldb, ldc, beta;
  float *A, *B, *C0; /* C0: C before the call (NaN for beta 0) */
  size_t nA, nB, nC;
} Case;

static float *alloc_off(size_t n, int off) { /* a 64-byte aligned block, returned `off` floats in */
  float *p = NULL;
  if (posix_memalign((void **)&p, 64, (n + off + 16) * sizeof(float))) abort();
  return p + off;
}
static void free_off(float *p, int off) { free(p - off); }

static void reference(const Case *c, double *ref) {
  for (int i = 0; i < c->M; i++)
    for (int j = 0; j < c->N; j++) {
      double s = 0;
      for (int k = 0; k < c->K; k++) {
        double a = c->tA ? c->A[(size_t)k * c->lda + i] : c->A[(size_t)i * c->lda + k];
        double b = c->tB ? c->B[(size_t)j * c->ldb + k] : c->B[(size_t)k * c->ldb + j];
        s += a * b;
      }
      if (c->beta) s += c->C0[(size_t)i * c->ldc + j];
      ref[(size_t)i * c->N + j] = s;
    }
}

static void check_against(const Case *c, const double *ref, const float *C, const char *what) {
  checks++;
  const double scale = c->K > 64 ? sqrt(c->K / 64.0) : 1.0;
  for (size_t idx = 0; idx < c->nC; idx++) {
    const int i = (int)(idx / c->ldc), j = (int)(idx % c->ldc);
    if (i < c->M && j < c->N) {
      const double r = ref[(size_t)i * c->N + j], d = fabs((double)C[idx] - r);
      const double rel = d / (1 + fabs(r));
      if (rel > worst) worst = rel;
      if (!(d <= 1e-5 * (1 + fabs(r)) * scale)) {
        if (failures++ < 10)
          fprintf(stderr, "FAIL %s [%s] tA=%d tB=%d M=%d N=%d K=%d beta=%d: C[%d,%d]=%.9g ref=%.9g\n", what,
                  rl_gemm_isa(), c->tA, c->tB, c->M, c->N, c->K, c->beta, i, j, C[idx], r);
        return;
      }
    } else if (!(C[idx] == GUARD)) {
      if (failures++ < 10)
        fprintf(stderr, "FAIL %s [%s]: wrote outside C at [%d,%d] (M=%d N=%d ldc=%d)\n", what, rl_gemm_isa(), i, j,
                c->M, c->N, c->ldc);
      return;
    }
  }
}

static void same_bits(const float *x, const float *y, size_t n, const char *what, const Case *c) {
  checks++;
  if (memcmp(x, y, n * sizeof(float)) != 0) {
    if (failures++ < 10)
      fprintf(stderr, "FAIL %s not bit-identical [%s] tA=%d tB=%d M=%d N=%d K=%d beta=%d\n", what, rl_gemm_isa(),
              c->tA, c->tB, c->M, c->N, c->K, c->beta);
  }
}

static void fresh_c(const Case *c, float *C) {
  for (size_t idx = 0; idx < c->nC; idx++) {
    const int i = (int)(idx / c->ldc), j = (int)(idx % c->ldc);
    C[idx] = (i < c->M && j < c->N) ? c->C0[idx] : GUARD;
  }
}

static void run_case(int tA, int tB, int M, int N, int K, int beta, int pad, int offs) {
  Case c = {tA, tB, M, N, K, 0, 0, 0, beta, 0, 0, 0, 0, 0, 0};
  const int aRows = tA ? K : M, aCols = tA ? M : K, bRows = tB ? N : K, bCols = tB ? K : N;
  c.lda = aCols + (pad ? rnd(0, 21) : 0);
  c.ldb = bCols + (pad ? rnd(0, 21) : 0);
  c.ldc = N + (pad ? rnd(0, 21) : 0);
  if (c.lda < 1) c.lda = 1;
  if (c.ldb < 1) c.ldb = 1;
  if (c.ldc < 1) c.ldc = 1;
  c.nA = (size_t)aRows * c.lda;
  c.nB = (size_t)bRows * c.ldb;
  c.nC = (size_t)M * c.ldc;
  const int oA = offs ? rnd(0, 15) : 0, oB = offs ? rnd(0, 15) : 0, oC = offs ? rnd(0, 15) : 0;
  c.A = alloc_off(c.nA, oA);
  c.B = alloc_off(c.nB, oB);
  c.C0 = alloc_off(c.nC, 0);
  for (size_t i = 0; i < c.nA; i++) c.A[i] = frand();
  for (size_t i = 0; i < c.nB; i++) c.B[i] = frand();
  for (size_t i = 0; i < c.nC; i++) c.C0[i] = beta ? frand() : NAN;
  double *ref = malloc(((size_t)M * N + 1) * sizeof(double));
  reference(&c, ref);

  float *C1 = alloc_off(c.nC, oC), *C2 = alloc_off(c.nC, oC), *C3 = alloc_off(c.nC, oC);
  fresh_c(&c, C1);
  rl_sgemm(tA, tB, M, N, K, c.A, c.lda, c.B, c.ldb, C1, c.ldc, beta);
  check_against(&c, ref, C1, "sgemm");

  float *P = alloc_off(rl_packed_size(K, N) + 1, 0);
  P[rl_packed_size(K, N)] = GUARD;
  rl_pack_b(tB, K, N, c.B, c.ldb, P);
  if (P[rl_packed_size(K, N)] != GUARD && failures++ < 10) fprintf(stderr, "FAIL pack_b wrote past rl_packed_size\n");
  fresh_c(&c, C2);
  rl_sgemm_packed(tA, M, N, K, c.A, c.lda, P, C2, c.ldc, beta);
  check_against(&c, ref, C2, "sgemm_packed");
  same_bits(C1, C2, c.nC, "packed vs unpacked", &c);

  /* split by rows (the engine's two threads) and by columns: the same bits as the whole */
  if (M > 1) {
    const int m1 = rnd(1, M - 1);
    const float *A2 = tA ? c.A + m1 : c.A + (size_t)m1 * c.lda;
    fresh_c(&c, C3);
    rl_sgemm(tA, tB, m1, N, K, c.A, c.lda, c.B, c.ldb, C3, c.ldc, beta);
    rl_sgemm(tA, tB, M - m1, N, K, A2, c.lda, c.B, c.ldb, C3 + (size_t)m1 * c.ldc, c.ldc, beta);
    same_bits(C1, C3, c.nC, "row split", &c);
  }
  if (N > 1) {
    const int n1 = rnd(1, N - 1);
    const float *B2 = tB ? c.B + (size_t)n1 * c.ldb : c.B + n1;
    fresh_c(&c, C3);
    rl_sgemm(tA, tB, M, n1, K, c.A, c.lda, c.B, c.ldb, C3, c.ldc, beta);
    rl_sgemm(tA, tB, M, N - n1, K, c.A, c.lda, B2, c.ldb, C3 + n1, c.ldc, beta);
    same_bits(C1, C3, c.nC, "column split", &c);
  }
  free_off(C1, oC);
  free_off(C2, oC);
  free_off(C3, oC);
  free_off(P, 0);
  free(ref);
  free_off(c.A, oA);
  free_off(c.B, oB);
  free_off(c.C0, 0);
}

/* Two threads multiplying at once (different data) give what one gives. */
typedef struct {
  int M, N, K, reps;
  float *A, *B, *C, *P;
} Job;
static void *job_run(void *p) {
  Job *j = p;
  for (int r = 0; r < j->reps; r++) {
    rl_sgemm(r & 1, (r >> 1) & 1, j->M, j->N, j->K, j->A, j->K > j->M ? j->K : j->M, j->B, j->K > j->N ? j->K : j->N,
             j->C + (size_t)r * j->M * j->N, j->N, 0);
  }
  return NULL;
}
static void test_threads(void) {
  const int M = 37, N = 515, K = 777, reps = 4;
  Job jobs[2];
  float *single[2];
  for (int t = 0; t < 2; t++) {
    const int ld = K > M ? K : M, ldb = K > N ? K : N;
    Job *j = &jobs[t];
    j->M = M, j->N = N, j->K = K, j->reps = reps;
    j->A = malloc(sizeof(float) * (size_t)ld * (K > M ? K : M));
    j->B = malloc(sizeof(float) * (size_t)ldb * (K > N ? K : N));
    j->C = malloc(sizeof(float) * (size_t)reps * M * N);
    for (size_t i = 0; i < (size_t)ld * (K > M ? K : M); i++) j->A[i] = frand();
    for (size_t i = 0; i < (size_t)ldb * (K > N ? K : N); i++) j->B[i] = frand();
    job_run(j);
    single[t] = malloc(sizeof(float) * (size_t)reps * M * N);
    memcpy(single[t], j->C, sizeof(float) * (size_t)reps * M * N);
    memset(j->C, 0, sizeof(float) * (size_t)reps * M * N);
  }
  pthread_t th[2];
  for (int t = 0; t < 2; t++) pthread_create(&th[t], NULL, job_run, &jobs[t]);
  for (int t = 0; t < 2; t++) pthread_join(th[t], NULL);
  for (int t = 0; t < 2; t++) {
    checks++;
    if (memcmp(single[t], jobs[t].C, sizeof(float) * (size_t)reps * M * N)) {
      failures++;
      fprintf(stderr, "FAIL two threads differ from one [%s]\n", rl_gemm_isa());
    }
    free(jobs[t].A), free(jobs[t].B), free(jobs[t].C), free(single[t]);
  }
}

int main(int argc, char **argv) {
  const int rounds = argc > 1 ? atoi(argv[1]) : 400;
  const char *order[] = {"generic", "avx2", "avx512"};
  printf("rl_gemm_isa() at start: %s\n", rl_gemm_isa());
  for (int o = 0; o < 3; o++) {
    if (!rl_gemm_select_isa(order[o])) {
      printf("%-8s not run on this CPU\n", order[o]);
      continue;
    }
    const int f0 = failures, c0 = checks;
    worst = 0;
    /* 0-sized edges */
    for (int tA = 0; tA < 2; tA++)
      for (int tB = 0; tB < 2; tB++)
        for (int beta = 0; beta < 2; beta++) {
          run_case(tA, tB, 0, 5, 3, beta, 1, 1);
          run_case(tA, tB, 4, 0, 3, beta, 1, 1);
          run_case(tA, tB, 4, 5, 0, beta, 1, 1);
          run_case(tA, tB, 1, 1, 1, beta, 0, 0);
        }
    /* random odd sizes 1 … 70, padded leading dimensions, unaligned pointers */
    for (int r = 0; r < rounds; r++)
      run_case(r & 1, (r >> 1) & 1, rnd(1, 70), rnd(1, 70), rnd(1, 70), (r >> 2) & 1, r % 5 != 0, r % 3 != 0);
    /* panel edges (N around 16/32 multiples), several K blocks, several N blocks, the engine's shapes */
    const int shapes[][3] = {{13, 16, 9},    {13, 17, 9},     {12, 31, 33},   {25, 32, 8},    {7, 48, 5},
                             {24, 49, 100},  {3, 400, 385},   {29, 800, 390}, {50, 777, 1000}, {64, 1024, 256},
                             {32, 768, 512}, {100, 96, 2048}, {16, 512, 64}};
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++)
      for (int v = 0; v < 8; v++)
        run_case(v & 1, (v >> 1) & 1, shapes[s][0], shapes[s][1], shapes[s][2], (v >> 2) & 1, v & 1, (v >> 1) & 1);
    test_threads();
    printf("%-8s %s: %d checks, %d failures, worst |diff|/(1+|ref|) = %.3g\n", order[o],
           failures == f0 ? "ok" : "FAILED", checks - c0, failures - f0, worst);
  }
  printf(failures ? "FAILED (%d)\n" : "all passed\n", failures);
  return failures ? 1 : 0;
}
