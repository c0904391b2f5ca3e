/*
 * RNN Lens native single-precision GEMM (row-major; leading dimensions in floats).
 * beta is 0 (C's old contents are ignored and may hold NaN) or 1 (C += product).
 * Single-threaded and re-entrant: any number of threads may call at once on different data.
 * Every C element is summed in an order that depends only on K (k ascending inside fixed K blocks),
 * never on M, N, the pointers or which rows/columns are computed together: splitting the rows or
 * the columns of a product across threads gives the same bits as one call.
 */
#ifndef RL_GEMM_H
#define RL_GEMM_H
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Floats rl_pack_b writes for a K×N op(B). */
size_t rl_packed_size(int K, int N);
/* Packs op(B) (K×N; transB: B is N×K) into `packed` (rl_packed_size floats, 64-byte aligned). */
void rl_pack_b(int transB, int K, int N, const float *B, int ldb, float *packed);
/* C = op(A)·op(B) + beta·C; op(A) is M×K (transA: A is K×M). */
void rl_sgemm(int transA, int transB, int M, int N, int K, const float *A, int lda, const float *B, int ldb, float *C,
              int ldc, int beta);
/* C = op(A)·Bp + beta·C with Bp from rl_pack_b(…, K, N, …): the same numbers as rl_sgemm on the unpacked B. */
void rl_sgemm_packed(int transA, int M, int N, int K, const float *A, int lda, const float *packed, float *C, int ldc,
                     int beta);
/* Which code path runs here: "avx512", "avx2" or "generic" (chosen once at run time by CPU features;
   the environment variable RL_GEMM_ISA=avx2|generic, read at the first call, can only step down). */
const char *rl_gemm_isa(void);

#ifdef __cplusplus
}
#endif
#endif
