/*
 * The native elementwise kernels against a double-precision reference (the JS oracle's formulas,
 * src/core/kernels/jsKernels.ts), for every ISA build this CPU runs: random data, odd widths, padding
 * rows, strided h, `pre` on and off. Plain C, so it also runs where Node does not (an arm64 build under
 * qemu-user). Build and run: native/test/elementwise_build.sh [cc]. Prints the worst error per kernel;
 * exits 1 when one is above 1e-5 (relative above 1).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "elementwise.h"

static unsigned rng = 12345;
static float uni(float scale) {
  rng = rng * 1664525u + 1013904223u;
  return ((float)(rng >> 8) / 16777216.0f * 2 - 1) * scale;
}
static double sig(double x) { return 1 / (1 + exp(x < -80 ? 80 : x > 80 ? -80 : -x)); }
static double ex(double x) { return exp(x < -87 ? -87 : x > 88 ? 88 : x); }

static double worst = 0;
static int failures = 0;
static void check(const char *what, const float *got, const double *want, int n) {
  double w = 0;
  for (int i = 0; i < n; i++) {
    double e = fabs(got[i] - want[i]) / fmax(1, fabs(want[i]));
    if (!(e <= w)) w = e;
  }
  if (!(w <= 1e-5)) {
    printf("  FAIL %s: %g\n", what, w);
    failures++;
  }
  if (w > worst) worst = w;
}

#define NEW(n) ((float *)calloc((size_t)(n) + 8, 4))
#define DNEW(n) ((double *)calloc((size_t)(n) + 8, 8))
static float *rnd(int n, float scale) {
  float *a = NEW(n);
  for (int i = 0; i < n; i++) a[i] = uni(scale);
  return a;
}
static double *dcopy(const float *a, int n) {
  double *d = DNEW(n);
  for (int i = 0; i < n; i++) d[i] = a[i];
  return d;
}

static void test_cells(const rl_elementwise_t *k, int B, int H, int ld, int withPre) {
  float mask[16];
  for (int b = 0; b < B; b++) mask[b] = (b % 3 == 1) ? 0 : 1;
  const int R = (B - 1) * ld + H;
  /* LSTM forward */
  {
    float *z = rnd(B * 4 * H, 6), *bias = rnd(4 * H, 1), *pre = NEW(B * 4 * H), *cp = rnd(B * H, 2), *c = NEW(B * H);
    float *hp = rnd(R, 1), *h = rnd(R, 1);
    double *wz = DNEW(B * 4 * H), *wpre = DNEW(B * 4 * H), *wc = DNEW(B * H), *wh = dcopy(h, R);
    for (int b = 0; b < B; b++)
      for (int j = 0; j < H; j++) {
        double g[4];
        for (int q = 0; q < 4; q++) {
          g[q] = (double)z[b * 4 * H + q * H + j] + bias[q * H + j];
          wpre[b * 4 * H + q * H + j] = (float)g[q];
        }
        double i = sig(g[0]), f = sig(g[1]), cc = tanh(g[2]), o = sig(g[3]);
        wz[b * 4 * H + j] = i, wz[b * 4 * H + H + j] = f, wz[b * 4 * H + 2 * H + j] = cc, wz[b * 4 * H + 3 * H + j] = o;
        if (mask[b] != 0) {
          double cv = f * cp[b * H + j] + i * cc;
          wc[b * H + j] = cv;
          wh[b * ld + j] = o * tanh(cv);
        } else {
          wc[b * H + j] = cp[b * H + j];
          wh[b * ld + j] = hp[b * ld + j];
        }
      }
    k->lstm_forward(B, H, z, bias, withPre ? pre : NULL, cp, c, hp, ld, h, ld, mask);
    check("lstmForward z", z, wz, B * 4 * H);
    if (withPre) check("lstmForward pre", pre, wpre, B * 4 * H);
    check("lstmForward c", c, wc, B * H);
    check("lstmForward h", h, wh, R);
    /* backward on those gates */
    float *dh = rnd(R, 1), *dhc = rnd(B * H, 1), *dcc = rnd(B * H, 1), *dz = NEW(B * 4 * H), *dhn = NEW(B * H);
    double *wdz = DNEW(B * 4 * H), *wdcc = dcopy(dcc, B * H), *wdhn = DNEW(B * H);
    for (int b = 0; b < B; b++)
      for (int j = 0; j < H; j++) {
        const int u = b * H + j;
        double d = (double)dh[b * ld + j] + dhc[u];
        if (mask[b] == 0) {
          wdhn[u] = (float)d;
          continue;
        }
        const float *g = z + b * 4 * H;
        double i = g[j], f = g[H + j], gg = g[2 * H + j], o = g[3 * H + j], tc = tanh(c[u]);
        double dc = dcc[u] + d * o * (1 - tc * tc);
        wdz[b * 4 * H + j] = dc * gg * i * (1 - i);
        wdz[b * 4 * H + H + j] = dc * cp[u] * f * (1 - f);
        wdz[b * 4 * H + 2 * H + j] = dc * i * (1 - gg * gg);
        wdz[b * 4 * H + 3 * H + j] = d * tc * o * (1 - o);
        wdcc[u] = dc * f;
        wdhn[u] = 0;
      }
    k->lstm_backward(B, H, z, c, cp, dh, ld, dhc, dcc, dz, dhn, mask);
    check("lstmBackward dz", dz, wdz, B * 4 * H);
    check("lstmBackward dcCarry", dcc, wdcc, B * H);
    check("lstmBackward dhNew", dhn, wdhn, B * H);
    free(z), free(bias), free(pre), free(cp), free(c), free(hp), free(h), free(wz), free(wpre), free(wc), free(wh);
    free(dh), free(dhc), free(dcc), free(dz), free(dhn), free(wdz), free(wdcc), free(wdhn);
  }
  /* GRU */
  {
    float *z = rnd(B * 3 * H, 6), *bias = rnd(3 * H, 1), *pre = NEW(B * 3 * H), *hp = rnd(R, 1), *rh = NEW(B * H), *h = rnd(R, 1);
    double *wz = DNEW(B * 3 * H), *wrh = DNEW(B * H), *wh = dcopy(h, R);
    for (int b = 0; b < B; b++)
      for (int j = 0; j < H; j++) {
        const float *zr = z + b * 3 * H;
        double zz = sig((double)zr[j] + bias[j]), r = sig((double)zr[H + j] + bias[H + j]);
        double hh = tanh((double)zr[2 * H + j] + bias[2 * H + j]);
        wz[b * 3 * H + j] = zz, wz[b * 3 * H + H + j] = r, wz[b * 3 * H + 2 * H + j] = hh;
        wrh[b * H + j] = r * hp[b * ld + j];
        wh[b * ld + j] = mask[b] != 0 ? zz * hp[b * ld + j] + (1 - zz) * hh : hp[b * ld + j];
      }
    k->gru_forward_gates(B, H, z, bias, withPre ? pre : NULL, hp, ld, rh);
    k->gru_forward_output(B, H, z, bias, withPre ? pre : NULL, hp, ld, h, ld, mask);
    check("gruForward z", z, wz, B * 3 * H);
    check("gruForward rh", rh, wrh, B * H);
    check("gruForward h", h, wh, R);
    float *dh = rnd(R, 1), *dhc = rnd(B * H, 1), *dz = NEW(B * 3 * H), *dhn = NEW(B * H), *drh = rnd(B * H, 1);
    double *wdz = DNEW(B * 3 * H), *wdhn = DNEW(B * H);
    for (int b = 0; b < B; b++)
      for (int j = 0; j < H; j++) {
        const int u = b * H + j;
        double d = (double)dh[b * ld + j] + dhc[u];
        if (mask[b] == 0) {
          wdhn[u] = (float)d;
          continue;
        }
        const float *g = z + b * 3 * H;
        double zg = g[j], r = g[H + j], hh = g[2 * H + j], hpv = hp[b * ld + j];
        wdz[b * 3 * H + j] = d * (hpv - hh) * zg * (1 - zg);
        wdz[b * 3 * H + 2 * H + j] = d * (1 - zg) * (1 - hh * hh);
        wdz[b * 3 * H + H + j] = drh[u] * hpv * r * (1 - r);
        wdhn[u] = (float)(d * zg) + drh[u] * r;
      }
    k->gru_backward_gates(B, H, z, hp, ld, dh, ld, dhc, dz, dhn, mask);
    k->gru_backward_reset(B, H, z, hp, ld, drh, dz, dhn, mask);
    check("gruBackward dz", dz, wdz, B * 3 * H);
    check("gruBackward dhNew", dhn, wdhn, B * H);
    free(z), free(bias), free(pre), free(hp), free(rh), free(h), free(wz), free(wrh), free(wh);
    free(dh), free(dhc), free(dz), free(dhn), free(drh), free(wdz), free(wdhn);
  }
  /* SimpleRNN */
  {
    float *z = rnd(B * H, 6), *bias = rnd(H, 1), *pre = NEW(B * H), *hp = rnd(R, 1), *h = rnd(R, 1);
    double *wz = DNEW(B * H), *wh = dcopy(h, R);
    for (int b = 0; b < B; b++)
      for (int j = 0; j < H; j++) {
        double hv = tanh((double)z[b * H + j] + bias[j]);
        wz[b * H + j] = hv;
        wh[b * ld + j] = mask[b] != 0 ? hv : hp[b * ld + j];
      }
    k->simple_rnn_forward(B, H, z, bias, withPre ? pre : NULL, hp, ld, h, ld, mask);
    check("simpleRnnForward z", z, wz, B * H);
    check("simpleRnnForward h", h, wh, R);
    float *dh = rnd(R, 1), *dhc = rnd(B * H, 1), *dz = NEW(B * H), *dhn = NEW(B * H);
    double *wdz = DNEW(B * H), *wdhn = DNEW(B * H);
    for (int b = 0; b < B; b++)
      for (int j = 0; j < H; j++) {
        const int u = b * H + j;
        double d = (double)dh[b * ld + j] + dhc[u];
        if (mask[b] != 0) wdz[u] = d * (1 - (double)z[u] * z[u]);
        else wdhn[u] = (float)d;
      }
    k->simple_rnn_backward(B, H, z, dh, ld, dhc, dz, dhn, mask);
    check("simpleRnnBackward dz", dz, wdz, B * H);
    check("simpleRnnBackward dhNew", dhn, wdhn, B * H);
    free(z), free(bias), free(pre), free(hp), free(h), free(wz), free(wh), free(dh), free(dhc), free(dz), free(dhn), free(wdz), free(wdhn);
  }
}

static void test_rows(const rl_elementwise_t *k, int n) {
  /* sumRows */
  float *x = rnd(5 * (n + 3), 1), *out = NEW(n);
  double *w = DNEW(n);
  for (int r = 0; r < 5; r++)
    for (int j = 0; j < n; j++) w[j] += x[r * (n + 3) + j];
  k->sum_rows(5, n, x, n + 3, out);
  check("sumRows", out, w, n);
  /* adam */
  const double lr = 0.01, b1 = 0.9, b2 = 0.999, eps = 1e-7, c1 = 1 - pow(0.9, 3), c2 = 1 - pow(0.999, 3);
  float *p = rnd(n, 1), *g = rnd(n, 1), *m = rnd(n, 0.1f), *v = rnd(n, 0.01f);
  for (int i = 0; i < n; i++) v[i] = fabsf(v[i]);
  double *wp = DNEW(n), *wm = DNEW(n), *wv = DNEW(n);
  for (int i = 0; i < n; i++) {
    double mi = b1 * m[i] + (1 - b1) * g[i], vi = b2 * v[i] + (1 - b2) * (double)g[i] * g[i];
    wm[i] = (float)mi, wv[i] = (float)vi;
    wp[i] = p[i] - (lr * ((float)mi / c1)) / (sqrt((float)vi / c2) + eps);
  }
  k->adam(n, p, g, m, v, (float)lr, (float)b1, (float)b2, (float)eps, (float)c1, (float)c2);
  check("adam param", p, wp, n);
  check("adam m", m, wm, n);
  check("adam v", v, wv, n);
  /* gather, scatter */
  const float ids[4] = {3, 0, 5, 3}, index[4] = {2, -1, 2, 5};
  float *table = rnd(6 * n, 1), *gath = NEW(4 * n);
  double *wg = DNEW(4 * n), *wt = dcopy(table, 6 * n);
  for (int r = 0; r < 4; r++)
    for (int e = 0; e < n; e++) wg[r * n + e] = table[(int)ids[r] * n + e];
  k->gather_rows(4, n, table, ids, gath);
  check("gatherRows", gath, wg, 4 * n);
  for (int r = 0; r < 4; r++)
    if (index[r] >= 0)
      for (int e = 0; e < n; e++) wt[(int)index[r] * n + e] = (float)(wt[(int)index[r] * n + e] + gath[r * n + e]);
  k->scatter_add_rows(4, n, gath, index, table);
  check("scatterAddRows", table, wt, 6 * n);
  /* activate */
  float *a = rnd(n, 100), *y = NEW(n);
  double *wy = DNEW(n);
  for (int f = 0; f < 3; f++) {
    for (int i = 0; i < n; i++) wy[i] = f == 0 ? ex(a[i]) : f == 1 ? sig(a[i]) : tanh(a[i]);
    k->activate(f, n, a, y);
    check(f == 0 ? "activate exp" : f == 1 ? "activate sigmoid" : "activate tanh", y, wy, n);
  }
  free(x), free(out), free(w), free(p), free(g), free(m), free(v), free(wp), free(wm), free(wv);
  free(table), free(gath), free(wg), free(wt), free(a), free(y), free(wy);
}

int main(void) {
  const char *isas[] = {"avx512", "avx2", "generic"};
  for (int t = 0; t < 3; t++) {
    const rl_elementwise_t *k = rl_elementwise_for(isas[t]);
    if (strcmp(k->name, isas[t])) continue; /* this CPU does not run it */
    worst = 0;
    const int Hs[] = {1, 3, 5, 8, 16, 17, 33, 67};
    for (int i = 0; i < 8; i++)
      for (int pre = 0; pre < 2; pre++) {
        test_cells(k, 6, Hs[i], Hs[i], pre);
        test_cells(k, 5, Hs[i], Hs[i] + 3, pre);
      }
    const int ns[] = {1, 3, 15, 16, 17, 64, 65, 301};
    for (int i = 0; i < 8; i++) test_rows(k, ns[i]);
    printf("%s: worst error %.3g against the double-precision reference\n", k->name, worst);
  }
  if (failures) printf("%d checks above 1e-5\n", failures);
  return failures ? 1 : 0;
}
