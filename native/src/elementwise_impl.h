/*
 * The elementwise kernels' one implementation (see elementwise.h), included by elementwise.c (the
 * generic build: 4 lanes, SSE2 on x86-64), elementwise_avx2.c (8 lanes, FMA) and elementwise_avx512.c
 * (16 lanes, FMA), each defining RL_EW_TABLE, the name of its table. Written on GCC/Clang vector
 * extensions so every build vectorises the same way the WebAssembly kernels do, lane by lane: the
 * same operations in the same order (a·b + c fused where the ISA has FMA, as the relaxed-SIMD build),
 * so the results match those kernels to rounding. Row tails (H not a multiple of the width) run the
 * same code on a partial vector (lanes beyond are zero and never stored).
 */
#include <stdint.h>
#include <string.h>
#include <math.h>
#include "elementwise.h"

#if defined(__AVX512F__)
#define W 16
#elif defined(__AVX2__)
#define W 8
#else
#define W 4
#endif
#if defined(__x86_64__) && (defined(__SSE2__) || defined(__AVX2__) || defined(__AVX512F__))
#include <immintrin.h>
#endif
#if defined(__aarch64__) && defined(__ARM_NEON)
#include <arm_neon.h>
#endif

typedef float vf __attribute__((vector_size(W * 4)));
typedef int32_t vi __attribute__((vector_size(W * 4)));
typedef uint32_t vu __attribute__((vector_size(W * 4)));

#define INL static inline __attribute__((always_inline))
#define SPL(c) ((vf){0} + (float)(c))

INL vf ld(const float *p, int n) {
  vf v = {0};
  if (n == W) memcpy(&v, p, sizeof v);
  else memcpy(&v, p, (size_t)n * 4);
  return v;
}

INL void st(float *p, vf v, int n) {
  if (n == W) memcpy(p, &v, sizeof v);
  else memcpy(p, &v, (size_t)n * 4);
}

/* mask ? a : b, lane by lane (mask lanes all ones or zero). */
INL vf sel(vi mask, vf a, vf b) { return (vf)((mask & (vi)a) | (~mask & (vi)b)); }

/* a·b + c: fused where the ISA has FMA (as the relaxed-SIMD build), else multiply then add. */
INL vf madd(vf a, vf b, vf c) {
#if defined(__FMA__) && W == 16
  return _mm512_fmadd_ps(a, b, c);
#elif defined(__FMA__) && W == 8
  return _mm256_fmadd_ps(a, b, c);
#elif defined(__aarch64__) && defined(__ARM_NEON)
  return vfmaq_f32(c, a, b);
#else
  return a * b + c;
#endif
}

/* c − a·b. */
INL vf nmadd(vf a, vf b, vf c) {
#if defined(__FMA__) && W == 16
  return _mm512_fnmadd_ps(a, b, c);
#elif defined(__FMA__) && W == 8
  return _mm256_fnmadd_ps(a, b, c);
#elif defined(__aarch64__) && defined(__ARM_NEON)
  return vfmsq_f32(c, a, b);
#else
  return c - a * b;
#endif
}

INL vf vsqrt(vf x) {
#if W == 16
  return _mm512_sqrt_ps(x);
#elif W == 8
  return _mm256_sqrt_ps(x);
#elif defined(__x86_64__) && defined(__SSE2__)
  return _mm_sqrt_ps(x);
#elif defined(__aarch64__) && defined(__ARM_NEON)
  return vsqrtq_f32(x);
#else
  for (int i = 0; i < W; i++) x[i] = sqrtf(x[i]);
  return x;
#endif
}

INL vf vabs(vf x) { return (vf)((vu)x & 0x7fffffffu); }

/* max(x, lo) then min(·, hi), NaN passing through (wasm pmax / pmin). */
INL vf clampv(vf x, float lo, float hi) {
  x = sel(x < lo, SPL(lo), x);
  return sel(SPL(hi) < x, SPL(hi), x);
}

#define LOG2E 1.44269504f
#define ROUNDER 12582912.0f
#define LN2_HEAD 0.693145751953125f
#define LN2_TAIL 1.42860677e-6f
#define ONE_BITS 0x3f800000u
#define EXP_LO (-87.0f)
#define EXP_HI 88.0f
#define SIGMOID_LIMIT 80.0f
#define TANH_LIMIT 9.0f
#define TANH_SWITCH 0.549306144f

/* e^r − 1 for |r| ≤ ln2/2 (Taylor to r⁷). */
INL vf expm1_reduced(vf r) {
  vf q = madd(SPL(1.0 / 5040.0), r, SPL(1.0 / 720.0));
  q = madd(q, r, SPL(1.0 / 120.0));
  q = madd(q, r, SPL(1.0 / 24.0));
  q = madd(q, r, SPL(1.0 / 6.0));
  q = madd(q, r, SPL(0.5));
  return madd(q, r * r, r);
}

/* x/ln 2 + 1.5·2²³: n = round(x/ln 2) in the low mantissa bits. */
INL vf rounded(vf x) { return madd(x, SPL(LOG2E), SPL(ROUNDER)); }
/* 2ⁿ from rounded(x). */
INL vf two_pow(vf t) { return (vf)(((vu)t << 23) + ONE_BITS); }
/* e^r − 1 for r = x − n·ln 2. */
INL vf expm1_frac(vf x, vf t) {
  const vf n = t - SPL(ROUNDER);
  const vf r = nmadd(n, SPL(LN2_TAIL), nmadd(n, SPL(LN2_HEAD), x));
  return expm1_reduced(r);
}
/* e^x for x within [−87, 88]. */
INL vf exp_within(vf x) {
  const vf t = rounded(x);
  const vf scale = two_pow(t);
  return madd(scale, expm1_frac(x, t), scale);
}
INL vf exp_v(vf x) { return exp_within(clampv(x, EXP_LO, EXP_HI)); }
INL vf sigmoid_v(vf x) { return SPL(1) / (SPL(1) + exp_within(clampv(-x, -SIGMOID_LIMIT, SIGMOID_LIMIT))); }
INL vf tanh_v(vf x) {
  const vf ax = vabs(x);
  const vf a = sel(ax * -2.0f < -2.0f * TANH_LIMIT, SPL(-2.0f * TANH_LIMIT), ax * -2.0f);
  const vf t = rounded(a);
  const vf scale = two_pow(t);
  const vf p = expm1_frac(a, t);
  const vf e = madd(scale, p, scale);
  const vf m = madd(scale, p, scale - SPL(1));
  const vi large = ax >= SPL(TANH_SWITCH);
  const vf num = sel(large, e + e, -m);
  const vf den = sel(large, e + SPL(1), m + SPL(2));
  const vf q = num / den;
  const vf y = sel(large, SPL(1) - q, q);
  return (vf)((vu)y | ((vu)x & 0x80000000u));
}

/* Runs LANES(j, n) for the full vectors of H units, then the tail. */
#define UNITS(H, LANES)                                                                                                \
  do {                                                                                                                 \
    int j_ = 0;                                                                                                        \
    for (; j_ + W <= (H); j_ += W) LANES(j_, W);                                                                       \
    if (j_ < (H)) LANES(j_, (H) - j_);                                                                                 \
  } while (0)

/* ---- LSTM ---- */

INL void lstm_fwd_lanes(float *z, const float *bias, float *pre, const float *cPrev, float *c, const float *hPrev,
                        float *h, int keep, int H, int n) {
  const vf zi = ld(z, n) + ld(bias, n);
  const vf zf = ld(z + H, n) + ld(bias + H, n);
  const vf zc = ld(z + 2 * H, n) + ld(bias + 2 * H, n);
  const vf zo = ld(z + 3 * H, n) + ld(bias + 3 * H, n);
  if (pre) {
    st(pre, zi, n);
    st(pre + H, zf, n);
    st(pre + 2 * H, zc, n);
    st(pre + 3 * H, zo, n);
  }
  const vf i = sigmoid_v(zi), f = sigmoid_v(zf), g = tanh_v(zc), o = sigmoid_v(zo);
  st(z, i, n);
  st(z + H, f, n);
  st(z + 2 * H, g, n);
  st(z + 3 * H, o, n);
  const vf cp = ld(cPrev, n);
  if (keep) {
    const vf cn = madd(f, cp, i * g);
    st(c, cn, n);
    st(h, o * tanh_v(cn), n);
  } else {
    st(c, cp, n);
    st(h, ld(hPrev, n), n);
  }
}

static void lstm_forward(int B, int H, float *z, const float *bias, float *pre, const float *cPrev, float *c,
                         const float *hPrev, int ldPrev, float *h, int ldh, const float *mask) {
  for (int b = 0; b < B; b++) {
    const int keep = mask[b] != 0;
    float *zr = z + (size_t)b * 4 * H;
    float *pr = pre ? pre + (size_t)b * 4 * H : NULL;
    const float *cpr = cPrev + (size_t)b * H;
    float *cr = c + (size_t)b * H;
    const float *hpr = hPrev + (size_t)b * ldPrev;
    float *hr = h + (size_t)b * ldh;
#define L(j, n) lstm_fwd_lanes(zr + j, bias + j, pr ? pr + j : NULL, cpr + j, cr + j, hpr + j, hr + j, keep, H, n)
    UNITS(H, L);
#undef L
  }
}

INL void lstm_bwd_lanes(const float *gates, const float *c, const float *cPrev, const float *dh, const float *dhCarry,
                        float *dcCarry, float *dz, float *dhNew, int keep, int H, int n) {
  const vf d = ld(dh, n) + ld(dhCarry, n);
  if (!keep) {
    const vf zero = {0};
    st(dz, zero, n);
    st(dz + H, zero, n);
    st(dz + 2 * H, zero, n);
    st(dz + 3 * H, zero, n);
    st(dhNew, d, n);
    return;
  }
  const vf i = ld(gates, n), f = ld(gates + H, n), g = ld(gates + 2 * H, n), o = ld(gates + 3 * H, n);
  const vf one = SPL(1);
  const vf tc = tanh_v(ld(c, n));
  const vf dc = madd(d * o, nmadd(tc, tc, one), ld(dcCarry, n));
  st(dz, (dc * g) * (i * (one - i)), n);
  st(dz + H, (dc * ld(cPrev, n)) * (f * (one - f)), n);
  st(dz + 2 * H, (dc * i) * nmadd(g, g, one), n);
  st(dz + 3 * H, (d * tc) * (o * (one - o)), n);
  st(dcCarry, dc * f, n);
  st(dhNew, (vf){0}, n);
}

static void lstm_backward(int B, int H, const float *gates, const float *c, const float *cPrev, const float *dh,
                          int ldDh, const float *dhCarry, float *dcCarry, float *dz, float *dhNew, const float *mask) {
  for (int b = 0; b < B; b++) {
    const int keep = mask[b] != 0;
    const size_t u = (size_t)b * H, g4 = (size_t)b * 4 * H;
    const float *dhr = dh + (size_t)b * ldDh;
#define L(j, n)                                                                                                        \
  lstm_bwd_lanes(gates + g4 + j, c + u + j, cPrev + u + j, dhr + j, dhCarry + u + j, dcCarry + u + j, dz + g4 + j,     \
                 dhNew + u + j, keep, H, n)
    UNITS(H, L);
#undef L
  }
}

/* ---- GRU ---- */

INL void gru_gates_lanes(float *z, const float *bias, float *pre, const float *hPrev, float *rh, int H, int n) {
  const vf zz = ld(z, n) + ld(bias, n);
  const vf zr = ld(z + H, n) + ld(bias + H, n);
  if (pre) {
    st(pre, zz, n);
    st(pre + H, zr, n);
  }
  const vf r = sigmoid_v(zr);
  st(z, sigmoid_v(zz), n);
  st(z + H, r, n);
  st(rh, r * ld(hPrev, n), n);
}

static void gru_forward_gates(int B, int H, float *z, const float *bias, float *pre, const float *hPrev, int ldPrev,
                              float *rh) {
  for (int b = 0; b < B; b++) {
    float *zr = z + (size_t)b * 3 * H;
    float *pr = pre ? pre + (size_t)b * 3 * H : NULL;
    const float *hpr = hPrev + (size_t)b * ldPrev;
    float *rhr = rh + (size_t)b * H;
#define L(j, n) gru_gates_lanes(zr + j, bias + j, pr ? pr + j : NULL, hpr + j, rhr + j, H, n)
    UNITS(H, L);
#undef L
  }
}

INL void gru_output_lanes(float *z, const float *bias, float *pre, const float *hPrev, float *h, int keep, int H,
                          int n) {
  const vf zh = ld(z + 2 * H, n) + ld(bias + 2 * H, n);
  if (pre) st(pre + 2 * H, zh, n);
  const vf hh = tanh_v(zh);
  st(z + 2 * H, hh, n);
  const vf hp = ld(hPrev, n);
  st(h, keep ? madd(ld(z, n), hp - hh, hh) : hp, n);
}

static void gru_forward_output(int B, int H, float *z, const float *bias, float *pre, const float *hPrev, int ldPrev,
                               float *h, int ldh, const float *mask) {
  for (int b = 0; b < B; b++) {
    const int keep = mask[b] != 0;
    float *zr = z + (size_t)b * 3 * H;
    float *pr = pre ? pre + (size_t)b * 3 * H : NULL;
    const float *hpr = hPrev + (size_t)b * ldPrev;
    float *hr = h + (size_t)b * ldh;
#define L(j, n) gru_output_lanes(zr + j, bias + j, pr ? pr + j : NULL, hpr + j, hr + j, keep, H, n)
    UNITS(H, L);
#undef L
  }
}

INL void gru_bwd_gates_lanes(const float *gates, const float *hPrev, const float *dh, const float *dhCarry, float *dz,
                             float *dhNew, int keep, int H, int n) {
  const vf d = ld(dh, n) + ld(dhCarry, n);
  if (!keep) {
    const vf zero = {0};
    st(dz, zero, n);
    st(dz + H, zero, n);
    st(dz + 2 * H, zero, n);
    st(dhNew, d, n);
    return;
  }
  const vf one = SPL(1);
  const vf zg = ld(gates, n);
  const vf hh = ld(gates + 2 * H, n);
  const vf omz = one - zg;
  st(dz, (d * (ld(hPrev, n) - hh)) * (zg * omz), n);
  st(dz + 2 * H, (d * omz) * nmadd(hh, hh, one), n);
  st(dhNew, d * zg, n);
}

static void gru_backward_gates(int B, int H, const float *gates, const float *hPrev, int ldPrev, const float *dh,
                               int ldDh, const float *dhCarry, float *dz, float *dhNew, const float *mask) {
  for (int b = 0; b < B; b++) {
    const int keep = mask[b] != 0;
    const size_t u = (size_t)b * H, g3 = (size_t)b * 3 * H;
    const float *hpr = hPrev + (size_t)b * ldPrev;
    const float *dhr = dh + (size_t)b * ldDh;
#define L(j, n) gru_bwd_gates_lanes(gates + g3 + j, hpr + j, dhr + j, dhCarry + u + j, dz + g3 + j, dhNew + u + j, keep, H, n)
    UNITS(H, L);
#undef L
  }
}

INL void gru_bwd_reset_lanes(const float *gates, const float *hPrev, const float *dRh, float *dz, float *dhNew, int H,
                             int n) {
  const vf r = ld(gates + H, n);
  const vf g = ld(dRh, n);
  st(dz + H, (g * ld(hPrev, n)) * (r * (SPL(1) - r)), n);
  st(dhNew, madd(g, r, ld(dhNew, n)), n);
}

static void gru_backward_reset(int B, int H, const float *gates, const float *hPrev, int ldPrev, const float *dRh,
                               float *dz, float *dhNew, const float *mask) {
  for (int b = 0; b < B; b++) {
    const size_t u = (size_t)b * H, g3 = (size_t)b * 3 * H;
    if (mask[b] != 0) {
      const float *hpr = hPrev + (size_t)b * ldPrev;
#define L(j, n) gru_bwd_reset_lanes(gates + g3 + j, hpr + j, dRh + u + j, dz + g3 + j, dhNew + u + j, H, n)
      UNITS(H, L);
#undef L
    } else {
      memset(dz + g3 + H, 0, (size_t)H * 4);
    }
  }
}

/* ---- SimpleRNN ---- */

INL void rnn_fwd_lanes(float *z, const float *bias, float *pre, const float *hPrev, float *h, int keep, int n) {
  const vf zz = ld(z, n) + ld(bias, n);
  if (pre) st(pre, zz, n);
  const vf hv = tanh_v(zz);
  st(z, hv, n);
  st(h, keep ? hv : ld(hPrev, n), n);
}

static void simple_rnn_forward(int B, int H, float *z, const float *bias, float *pre, const float *hPrev, int ldPrev,
                               float *h, int ldh, const float *mask) {
  for (int b = 0; b < B; b++) {
    const int keep = mask[b] != 0;
    float *zr = z + (size_t)b * H;
    float *pr = pre ? pre + (size_t)b * H : NULL;
    const float *hpr = hPrev + (size_t)b * ldPrev;
    float *hr = h + (size_t)b * ldh;
#define L(j, n) rnn_fwd_lanes(zr + j, bias + j, pr ? pr + j : NULL, hpr + j, hr + j, keep, n)
    UNITS(H, L);
#undef L
  }
}

INL void rnn_bwd_lanes(const float *gates, const float *dh, const float *dhCarry, float *dz, float *dhNew, int keep,
                       int n) {
  const vf d = ld(dh, n) + ld(dhCarry, n);
  if (keep) {
    const vf hv = ld(gates, n);
    st(dz, d * nmadd(hv, hv, SPL(1)), n);
    st(dhNew, (vf){0}, n);
  } else {
    st(dz, (vf){0}, n);
    st(dhNew, d, n);
  }
}

static void simple_rnn_backward(int B, int H, const float *gates, const float *dh, int ldDh, const float *dhCarry,
                                float *dz, float *dhNew, const float *mask) {
  for (int b = 0; b < B; b++) {
    const int keep = mask[b] != 0;
    const size_t u = (size_t)b * H;
    const float *dhr = dh + (size_t)b * ldDh;
#define L(j, n) rnn_bwd_lanes(gates + u + j, dhr + j, dhCarry + u + j, dz + u + j, dhNew + u + j, keep, n)
    UNITS(H, L);
#undef L
  }
}

/* ---- rows, Adam, embeddings, activations ---- */

static void sum_rows(int rows, int n, const float *x, int ld_, float *out) {
  int j = 0;
  for (; j + 4 * W <= n; j += 4 * W) {
    vf a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0};
    const float *p = x + j;
    for (int r = 0; r < rows; r++, p += ld_) {
      a0 += ld(p, W);
      a1 += ld(p + W, W);
      a2 += ld(p + 2 * W, W);
      a3 += ld(p + 3 * W, W);
    }
    st(out + j, a0, W);
    st(out + j + W, a1, W);
    st(out + j + 2 * W, a2, W);
    st(out + j + 3 * W, a3, W);
  }
  for (; j < n; j += W) {
    const int lanes = n - j < W ? n - j : W;
    vf a = {0};
    const float *p = x + j;
    if (lanes == W)
      for (int r = 0; r < rows; r++, p += ld_) a += ld(p, W);
    else
      for (int r = 0; r < rows; r++, p += ld_) a += ld(p, lanes);
    st(out + j, a, lanes);
  }
}

typedef struct {
  vf lr, b1, b2, eps, c1, c2;
} adam_consts;

INL adam_consts adam_of(float lr, float beta1, float beta2, float eps, float c1, float c2) {
  adam_consts k = {SPL(lr), SPL(beta1), SPL(beta2), SPL(eps), SPL(c1), SPL(c2)};
  return k;
}

/* Adam on n lanes: param −= step, or with delta the gradient becomes −step (param unused). */
INL void adam_lanes(float *param, float *grad, float *m, float *v, const adam_consts *k, int delta, int n) {
  const vf one = SPL(1), tiny = SPL(1e-30f), zero = {0};
  const vf g = ld(grad, n);
  vf mi = madd(k->b1, ld(m, n), (one - k->b1) * g);
  vf vi_ = madd(k->b2, ld(v, n), ((one - k->b2) * g) * g);
  mi = sel(vabs(mi) < tiny, zero, mi);
  vi_ = sel(vi_ < tiny, zero, vi_);
  st(m, mi, n);
  st(v, vi_, n);
  const vf step = (k->lr * (mi / k->c1)) / (vsqrt(vi_ / k->c2) + k->eps);
  if (delta) st(grad, -step, n);
  else st(param, ld(param, n) - step, n);
}

static void adam(int n, float *param, float *grad, float *m, float *v, float lr, float beta1, float beta2, float eps,
                 float c1, float c2) {
  const adam_consts k = adam_of(lr, beta1, beta2, eps, c1, c2);
  int i = 0;
  for (; i + W <= n; i += W) adam_lanes(param + i, grad + i, m + i, v + i, &k, 0, W);
  if (i < n) adam_lanes(param + i, grad + i, m + i, v + i, &k, 0, n - i);
}

static void adam_rows(int n, int E, const float *ids, float *grad, float *m, float *v, float lr, float beta1,
                      float beta2, float eps, float c1, float c2) {
  const adam_consts k = adam_of(lr, beta1, beta2, eps, c1, c2);
  for (int i = 0; i < n; i++) {
    const size_t row = (size_t)ids[i] * (size_t)E;
    float *g = grad + (size_t)i * E;
    int e = 0;
    for (; e + W <= E; e += W) adam_lanes(NULL, g + e, m + row + e, v + row + e, &k, 1, W);
    if (e < E) adam_lanes(NULL, g + e, m + row + e, v + row + e, &k, 1, E - e);
  }
}

static void gather_rows(int n, int E, const float *table, const float *ids, float *out) {
  for (int r = 0; r < n; r++) memcpy(out + (size_t)r * E, table + (size_t)ids[r] * (size_t)E, (size_t)E * 4);
}

static void scatter_add_rows(int n, int E, const float *x, const float *index, float *out) {
  for (int r = 0; r < n; r++) {
    const float k = index[r];
    if (k < 0) continue;
    float *dst = out + (size_t)k * (size_t)E;
    const float *src = x + (size_t)r * E;
    int e = 0;
    for (; e + W <= E; e += W) st(dst + e, ld(dst + e, W) + ld(src + e, W), W);
    for (; e < E; e++) dst[e] += src[e];
  }
}

static void activate(int f, int n, const float *x, float *y) {
  int i = 0;
#define ACT(fn)                                                                                                        \
  for (; i + W <= n; i += W) st(y + i, fn(ld(x + i, W)), W);                                                           \
  if (i < n) st(y + i, fn(ld(x + i, n - i)), n - i);
  if (f == 0) {
    ACT(exp_v)
  } else if (f == 1) {
    ACT(sigmoid_v)
  } else {
    ACT(tanh_v)
  }
#undef ACT
}

const rl_elementwise_t RL_EW_TABLE = {
    RL_EW_NAME,         lstm_forward,        lstm_backward, gru_forward_gates, gru_forward_output,
    gru_backward_gates, gru_backward_reset,  simple_rnn_forward, simple_rnn_backward, sum_rows,
    adam,               adam_rows,           gather_rows,   scatter_add_rows,  activate,
};
