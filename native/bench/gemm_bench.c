/* GFLOP/s of rl_sgemm / rl_sgemm_packed on the engine's shapes, single thread, best of 5 (each
   repetition ~0.1-0.2 s); with -DHAVE_CBLAS, the same shapes through cblas_sgemm for comparison
   (set OPENBLAS_NUM_THREADS=1). Usage: gemm_bench [isa] */
#include "gemm.h"
#include "gemm_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#ifdef HAVE_CBLAS
#include <cblas.h>
#endif

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

typedef struct {
  const char *name;
  int tA, tB, M, N, K, beta, packed;
} Shape;

static float *buf(size_t n) {
  float *p;
  if (posix_memalign((void **)&p, 64, n * sizeof(float) + 64)) abort();
  for (size_t i = 0; i < n; i++) p[i] = (float)((i * 2654435761u) % 1000) / 1000.0f - 0.5f;
  return p;
}

enum { OURS, BLAS };

static double run(const Shape *s, int who) {
  const int lda = s->tA ? s->M : s->K, ldb = s->tB ? s->K : s->N;
  float *A = buf((size_t)s->M * s->K), *B = buf((size_t)s->K * s->N), *C = buf((size_t)s->M * s->N);
  float *P = s->packed && who == OURS ? buf(rl_packed_size(s->K, s->N)) : NULL;
  if (P) rl_pack_b(s->tB, s->K, s->N, B, ldb, P);
  const double flop = 2.0 * s->M * s->N * s->K;
  int reps = (int)(1.5e10 / flop / 8); /* ≈ 0.15 s per timing at 100 GFLOP/s */
  if (reps < 1) reps = 1;
  double best = 1e30;
  for (int t = 0; t < 6; t++) { /* the first is a warm-up */
    double t0 = now();
    for (int r = 0; r < reps; r++) {
      if (who == OURS) {
        if (P)
          rl_sgemm_packed(s->tA, s->M, s->N, s->K, A, lda, P, C, s->N, s->beta);
        else
          rl_sgemm(s->tA, s->tB, s->M, s->N, s->K, A, lda, B, ldb, C, s->N, s->beta);
      }
#ifdef HAVE_CBLAS
      else
        cblas_sgemm(CblasRowMajor, s->tA ? CblasTrans : CblasNoTrans, s->tB ? CblasTrans : CblasNoTrans, s->M, s->N,
                    s->K, 1.0f, A, lda, B, ldb, (float)s->beta, C, s->N);
#endif
    }
    double dt = (now() - t0) / reps;
    if (t > 0 && dt < best) best = dt;
  }
  free(A), free(B), free(C), free(P);
  return flop / best / 1e9;
}

int main(int argc, char **argv) {
  if (argc > 1 && !rl_gemm_select_isa(argv[1])) {
    fprintf(stderr, "ISA %s not available\n", argv[1]);
    return 1;
  }
  const Shape shapes[] = {
      {"2048^3", 0, 0, 2048, 2048, 2048, 0, 0},
      {"h.U M=64 K=256 N=1024 packed", 0, 0, 64, 1024, 256, 0, 1},
      {"h.U M=32 K=256 N=1024 packed", 0, 0, 32, 1024, 256, 0, 1},
      {"h.U M=32 K=512 N=2048 packed", 0, 0, 32, 2048, 512, 0, 1},
      {"h.U M=32 K=512 N=2048", 0, 0, 32, 2048, 512, 0, 0},
      {"x.W M=2048 K=32 N=1024", 0, 0, 2048, 1024, 32, 0, 0},
      {"dz.U^T M=32 K=1024 N=256 tB", 0, 1, 32, 256, 1024, 0, 0},
      {"dz.U^T M=32 K=1024 N=256 tB packed", 0, 1, 32, 256, 1024, 0, 1},
      {"dz.U^T M=32 K=1024 N=4096 tB", 0, 1, 32, 4096, 1024, 0, 0},
      {"h^T.dz M=256 K=2048 N=1024 tA b1", 1, 0, 256, 1024, 2048, 1, 0},
      /* the bench's small config per thread (B=16, H=64, E=32, T=40) and one-sentence inference */
      {"small h.U M=16 K=64 N=256 packed", 0, 0, 16, 256, 64, 0, 1},
      {"small x.W M=640 K=32 N=256", 0, 0, 640, 256, 32, 0, 0},
      {"small dz.U^T M=16 K=256 N=64 tB", 0, 1, 16, 64, 256, 0, 0},
      {"small h^T.dz M=64 K=640 N=256 tA b1", 1, 0, 64, 256, 640, 1, 0},
      {"infer h.U M=1 K=64 N=256 packed", 0, 0, 1, 256, 64, 0, 1},
  };
  printf("isa: %s (single thread, GFLOP/s, best of 5)\n", rl_gemm_isa());
#ifdef HAVE_CBLAS
  printf("%-36s %8s %10s\n", "shape", "ours", "OpenBLAS");
#else
  printf("%-36s %8s\n", "shape", "ours");
#endif
  for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
    const double g = run(&shapes[i], OURS);
#ifdef HAVE_CBLAS
    const double o = run(&shapes[i], BLAS);
    printf("%-36s %8.1f %10.1f\n", shapes[i].name, g, o);
#else
    printf("%-36s %8.1f\n", shapes[i].name, g);
#endif
    fflush(stdout);
  }
  return 0;
}
