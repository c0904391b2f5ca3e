#include "recurrence.h"
#include "gemm.h"
#include <string.h>

/* Processing step s of T: its first row and the rows of h_{t−1} (prevT < 0: the zeros). */
typedef struct {
  int row, prevT;
} place_t;

static place_t place(const rl_recurrence_t *r, int s) {
  const int t = r->reversed ? r->T - 1 - s : s;
  place_t p = {t * r->B, s == 0 ? -1 : r->reversed ? t + 1 : t - 1};
  return p;
}

void rl_forward_recurrence(const rl_elementwise_t *ew, const rl_recurrence_t *r) {
  const int B = r->B, H = r->H, G = r->cell == RL_LSTM ? 4 : r->cell == RL_GRU ? 3 : 1;
  const int GH = G * H, ldh = r->ldh;
  for (int s = 0; s < r->T; s++) {
    const place_t p = place(r, s);
    float *z = r->z + (size_t)p.row * GH;
    float *pre = r->pre ? r->pre + (size_t)p.row * GH : NULL;
    float *h = r->h + (size_t)p.row * ldh;
    const float *mask = r->mask + p.row;
    const float *hPrev = p.prevT < 0 ? r->zeros : r->h + (size_t)p.prevT * B * ldh;
    const int ldPrev = p.prevT < 0 ? H : ldh;
    switch (r->cell) {
      case RL_LSTM: {
        rl_sgemm_packed(0, B, GH, H, hPrev, ldPrev, r->packedU[0], z, GH, 1);
        const float *cPrev = p.prevT < 0 ? r->zeros : r->state + (size_t)p.prevT * B * H;
        ew->lstm_forward(B, H, z, r->bias, pre, cPrev, r->state + (size_t)p.row * H, hPrev, ldPrev, h, ldh, mask);
        break;
      }
      case RL_GRU: {
        float *rh = r->state + (size_t)p.row * H;
        rl_sgemm_packed(0, B, 2 * H, H, hPrev, ldPrev, r->packedU[0], z, GH, 1);
        ew->gru_forward_gates(B, H, z, r->bias, pre, hPrev, ldPrev, rh);
        rl_sgemm_packed(0, B, H, H, rh, H, r->packedU[1], z + 2 * H, GH, 1);
        ew->gru_forward_output(B, H, z, r->bias, pre, hPrev, ldPrev, h, ldh, mask);
        break;
      }
      default:
        rl_sgemm_packed(0, B, GH, H, hPrev, ldPrev, r->packedU[0], z, GH, 1);
        ew->simple_rnn_forward(B, H, z, r->bias, pre, hPrev, ldPrev, h, ldh, mask);
    }
  }
}

void rl_backward_recurrence(const rl_elementwise_t *ew, const rl_recurrence_t *r) {
  const int B = r->B, H = r->H, G = r->cell == RL_LSTM ? 4 : r->cell == RL_GRU ? 3 : 1;
  const int GH = G * H, ldh = r->ldh;
  /* dh carried to the previous step, and the one being built: swapped after each step. */
  float *dhCarry = r->carryH, *dhNew = r->tmpH;
  memset(dhCarry, 0, sizeof(float) * (size_t)B * H);
  memset(r->carryC, 0, sizeof(float) * (size_t)B * H);
  for (int s = r->T - 1; s >= 0; s--) {
    const place_t p = place(r, s);
    const float *gates = r->z + (size_t)p.row * GH;
    float *dz = r->dz + (size_t)p.row * GH;
    const float *dh = r->dh + (size_t)p.row * ldh;
    const float *mask = r->mask + p.row;
    const float *hPrev = p.prevT < 0 ? r->zeros : r->h + (size_t)p.prevT * B * ldh;
    const int ldPrev = p.prevT < 0 ? H : ldh;
    switch (r->cell) {
      case RL_LSTM: {
        const float *cPrev = p.prevT < 0 ? r->zeros : r->state + (size_t)p.prevT * B * H;
        ew->lstm_backward(B, H, gates, r->state + (size_t)p.row * H, cPrev, dh, ldh, dhCarry, r->carryC, dz, dhNew, mask);
        if (p.prevT >= 0) rl_sgemm_packed(0, B, H, GH, dz, GH, r->packedUT[0], dhNew, H, 1);
        break;
      }
      case RL_GRU:
        ew->gru_backward_gates(B, H, gates, hPrev, ldPrev, dh, ldh, dhCarry, dz, dhNew, mask);
        rl_sgemm_packed(0, B, H, H, dz + 2 * H, GH, r->packedUT[1], r->tmpR, H, 0);
        ew->gru_backward_reset(B, H, gates, hPrev, ldPrev, r->tmpR, dz, dhNew, mask);
        if (p.prevT >= 0) rl_sgemm_packed(0, B, H, 2 * H, dz, GH, r->packedUT[0], dhNew, H, 1);
        break;
      default:
        ew->simple_rnn_backward(B, H, gates, dh, ldh, dhCarry, dz, dhNew, mask);
        if (p.prevT >= 0) rl_sgemm_packed(0, B, H, GH, dz, GH, r->packedUT[0], dhNew, H, 1);
    }
    float *done = dhCarry;
    dhCarry = dhNew;
    dhNew = done;
  }
}
