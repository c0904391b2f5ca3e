/*
 * RNN Lens native elementwise kernels: the per-step work of the LSTM, GRU and SimpleRNN cells
 * (forward and backward), row sums, dense and row-wise Adam, embedding gather / scatter-add and the
 * activations, on float pointers. Same arguments and the same numerics as the WebAssembly kernels
 * (src/core/kernels/asm/elementwise.ts + simdMath.ts): exp's input clamped to [−87, 88], the
 * sigmoid's to ±80, tanh from e^(−2|x|) with |x| ≤ 9, Adam in single precision with |m|, v below
 * 1e-30 flushed to 0. Counts and leading dimensions in floats; `pre` may be NULL. Row ids are
 * floats holding row numbers (checked by the caller). One table per ISA, chosen at run time.
 */
#ifndef RL_ELEMENTWISE_H
#define RL_ELEMENTWISE_H

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
  const char *name; /* "avx512", "avx2" or "generic" */
  void (*lstm_forward)(int B, int H, float *z, const float *bias, float *pre, const float *cPrev, float *c,
                       const float *hPrev, int ldPrev, float *h, int ldh, const float *mask);
  void (*lstm_backward)(int B, int H, const float *gates, const float *c, const float *cPrev, const float *dh,
                        int ldDh, const float *dhCarry, float *dcCarry, float *dz, float *dhNew, const float *mask);
  void (*gru_forward_gates)(int B, int H, float *z, const float *bias, float *pre, const float *hPrev, int ldPrev,
                            float *rh);
  void (*gru_forward_output)(int B, int H, float *z, const float *bias, float *pre, const float *hPrev, int ldPrev,
                             float *h, int ldh, const float *mask);
  void (*gru_backward_gates)(int B, int H, const float *gates, const float *hPrev, int ldPrev, const float *dh,
                             int ldDh, const float *dhCarry, float *dz, float *dhNew, const float *mask);
  void (*gru_backward_reset)(int B, int H, const float *gates, const float *hPrev, int ldPrev, const float *dRh,
                             float *dz, float *dhNew, const float *mask);
  void (*simple_rnn_forward)(int B, int H, float *z, const float *bias, float *pre, const float *hPrev, int ldPrev,
                             float *h, int ldh, const float *mask);
  void (*simple_rnn_backward)(int B, int H, const float *gates, const float *dh, int ldDh, const float *dhCarry,
                              float *dz, float *dhNew, const float *mask);
  void (*sum_rows)(int rows, int n, const float *x, int ld, float *out);
  void (*adam)(int n, float *param, float *grad, float *m, float *v, float lr, float beta1, float beta2, float eps,
               float c1, float c2);
  void (*adam_rows)(int n, int E, const float *ids, float *grad, float *m, float *v, float lr, float beta1,
                    float beta2, float eps, float c1, float c2);
  void (*gather_rows)(int n, int E, const float *table, const float *ids, float *out);
  void (*scatter_add_rows)(int n, int E, const float *x, const float *index, float *out);
  /* f: 0 exp, 1 sigmoid, 2 tanh; y may be x. */
  void (*activate)(int f, int n, const float *x, float *y);
} rl_elementwise_t;

extern const rl_elementwise_t rl_elementwise_generic;
#if defined(__x86_64__) || defined(_M_X64)
extern const rl_elementwise_t rl_elementwise_avx2;
extern const rl_elementwise_t rl_elementwise_avx512;
#endif

/* The table for an ISA name ("avx512", "avx2", "generic"), stepping down to what this CPU runs. */
const rl_elementwise_t *rl_elementwise_for(const char *isa);

#ifdef __cplusplus
}
#endif
#endif
