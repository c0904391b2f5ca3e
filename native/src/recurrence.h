/*
 * One direction's whole recurrence over T steps in one call: the per-step work the network does
 * (src/core/cells.ts: CellSpec.forwardStep / backwardStep, stepped by src/core/network.ts) with the
 * same kernels in the same order, so the same numbers bit for bit, without a call across the binding
 * per step. The layout is src/core/kernels/contract.ts's Recurrence: rows time-major (t·B + b),
 * processing step s reads time t = s, or T − 1 − s when reversed.
 */
#ifndef RL_RECURRENCE_H
#define RL_RECURRENCE_H
#include "elementwise.h"

#ifdef __cplusplus
extern "C" {
#endif

enum { RL_LSTM = 0, RL_GRU = 1, RL_SIMPLE_RNN = 2 };

typedef struct {
  int cell; /* RL_LSTM, RL_GRU or RL_SIMPLE_RNN */
  int B, H, T, reversed;
  float *z;           /* [T·B, G·H]: x·W in, gate activations out */
  const float *bias;  /* [G·H] */
  float *pre;         /* [T·B, G·H] or NULL */
  const float *packedU[2];  /* U's blocks packed for h·U (GRU: z|r columns, then the candidate's) */
  float *h;           /* rows ldh apart */
  int ldh;
  const float *mask;  /* [T·B] */
  const float *zeros; /* [B, H] */
  float *state;       /* [T·B, H]: c (LSTM), r ⊙ h_{t−1} (GRU); NULL for SimpleRNN */
  /* backward only */
  const float *packedUT[2];
  const float *dh;    /* rows ldh apart */
  float *dz;          /* [T·B, G·H] */
  float *carryH, *tmpH, *carryC, *tmpR; /* [B, H] each */
} rl_recurrence_t;

void rl_forward_recurrence(const rl_elementwise_t *ew, const rl_recurrence_t *r);
void rl_backward_recurrence(const rl_elementwise_t *ew, const rl_recurrence_t *r);

#ifdef __cplusplus
}
#endif
#endif
