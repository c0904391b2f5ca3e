/*
 * RNN Lens native kernels as a Node-API module (ABI-stable: the same binary loads in Node and in VS
 * Code's Electron, and in worker threads: no per-process mutable state, each environment initialises
 * its own exports). bind(view), where view is a typed array over the whole of a SharedArrayBuffer (or
 * an ArrayBuffer; Node 20's napi_get_arraybuffer_info refuses a SharedArrayBuffer itself, a typed
 * array over one works): it returns an object of kernels on that memory taking the same
 * arguments as the WebAssembly exports (ElementwiseExports in src/core/kernels/arena.ts: byte offsets,
 * counts and leading dimensions in floats), plus sgemm, packedSize, packB, sgemmPacked, the whole
 * recurrences (forwardRecurrence / backwardRecurrence: recurrence.h) and isa().
 * The memory's address is read once at bind; the view is referenced while the kernels live. Every
 * byte range a call touches is checked against the memory first: outside it, the call throws a
 * RangeError and touches nothing.
 */
#define NAPI_VERSION 8
#include <node_api.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>

#include "elementwise.h"
#include "gemm.h"
#include "recurrence.h"

typedef struct {
  uint8_t *base;
  size_t len;
  napi_ref view;
  const rl_elementwise_t *ew;
  int live; /* the bound object and its functions not yet finalised */
} binding_t;

#define MAX_ARGS 24

/* ---- argument reading and checks ---- */

typedef struct {
  napi_env env;
  binding_t *b;
  napi_value argv[MAX_ARGS];
  const char *fn;
  int failed;
} call_t;

static int get_call(napi_env env, napi_callback_info info, call_t *c, size_t want, const char *fn) {
  size_t argc = MAX_ARGS;
  void *data = NULL;
  c->env = env;
  c->fn = fn;
  c->failed = 0;
  if (napi_get_cb_info(env, info, &argc, c->argv, NULL, &data) != napi_ok) return 0;
  c->b = (binding_t *)data;
  if (argc < want) {
    char msg[128];
    snprintf(msg, sizeof msg, "%s: expected %zu arguments, got %zu", fn, want, argc);
    napi_throw_type_error(env, NULL, msg);
    return 0;
  }
  return 1;
}

static void fail(call_t *c, int range, const char *what, const char *detail) {
  if (c->failed) return;
  c->failed = 1;
  char msg[256];
  snprintf(msg, sizeof msg, "%s: %s %s", c->fn, what, detail);
  if (range) napi_throw_range_error(c->env, NULL, msg);
  else napi_throw_type_error(c->env, NULL, msg);
}

/* Argument i as an integer in [0, 2³¹). */
static int count(call_t *c, int i, const char *what) {
  int64_t v = 0;
  if (c->failed) return 0;
  if (napi_get_value_int64(c->env, c->argv[i], &v) != napi_ok) {
    fail(c, 0, what, "is not a number");
    return 0;
  }
  if (v < 0 || v > INT32_MAX) {
    fail(c, 1, what, "is not a count in [0, 2^31)");
    return 0;
  }
  return (int)v;
}

static float real(call_t *c, int i, const char *what) {
  double v = 0;
  if (c->failed) return 0;
  if (napi_get_value_double(c->env, c->argv[i], &v) != napi_ok) fail(c, 0, what, "is not a number");
  return (float)v;
}

/*
 * The array at byte offset argv[i] holding `rows` rows of `cols` floats, ld apart, all inside the memory;
 * NULL (and a RangeError) when not. optional: offset 0 means none (NULL, no error).
 */
static float *region(call_t *c, int i, const char *what, int64_t rows, int64_t cols, int64_t ld, int optional) {
  int64_t off = 0;
  if (c->failed) return NULL;
  if (napi_get_value_int64(c->env, c->argv[i], &off) != napi_ok) {
    fail(c, 0, what, "(a byte offset) is not a number");
    return NULL;
  }
  if (optional && off == 0) return NULL;
  if (off <= 0 || (off & 3) || (uint64_t)off > c->b->len) {
    fail(c, 1, what, "is not a float's byte offset inside the memory");
    return NULL;
  }
  if (rows > 1 && ld < cols) {
    fail(c, 1, what, "has a leading dimension below its columns");
    return NULL;
  }
  const uint64_t floats = rows == 0 || cols == 0 ? 0 : (uint64_t)(rows - 1) * (uint64_t)ld + (uint64_t)cols;
  if (floats * 4 > c->b->len - (uint64_t)off) {
    fail(c, 1, what, "reaches past the end of the memory");
    return NULL;
  }
  return (float *)(c->b->base + off);
}

/* Checks the first n floats of ids are row numbers of a table of E-float rows at byte offset argv[t] (negative ones allowed where skip). */
static int row_numbers(call_t *c, const float *ids, int n, int E, int t, const char *what, int skip) {
  int64_t off = 0;
  if (c->failed) return 0;
  napi_get_value_int64(c->env, c->argv[t], &off);
  if (off <= 0 || (off & 3) || (uint64_t)off > c->b->len) {
    fail(c, 1, "the table", "is not a float's byte offset inside the memory");
    return 0;
  }
  const double rows = (double)((c->b->len - (uint64_t)off) / 4 / (uint64_t)(E > 0 ? E : 1));
  for (int i = 0; i < n; i++) {
    const float r = ids[i];
    if (skip && r < 0) continue;
    if (!(r >= 0 && (double)r < rows && r == floorf(r))) {
      fail(c, 1, what, "holds a row number outside the memory");
      return 0;
    }
  }
  return 1;
}

#define BEGIN(fn, n)                                                                                                   \
  call_t c_;                                                                                                           \
  call_t *c = &c_;                                                                                                     \
  if (!get_call(env, info, c, n, fn)) return NULL

/* ---- the kernels ---- */

static napi_value js_lstm_forward(napi_env env, napi_callback_info info) {
  BEGIN("lstmForward", 12);
  const int B = count(c, 0, "B"), H = count(c, 1, "H");
  const int ldPrev = count(c, 8, "ldPrev"), ldh = count(c, 10, "ldh");
  const int64_t G = 4 * (int64_t)H;
  float *z = region(c, 2, "z", B, G, G, 0);
  const float *bias = region(c, 3, "bias", 1, G, G, 0);
  float *pre = region(c, 4, "pre", B, G, G, 1);
  const float *cPrev = region(c, 5, "cPrev", B, H, H, 0);
  float *cc = region(c, 6, "c", B, H, H, 0);
  const float *hPrev = region(c, 7, "hPrev", B, H, ldPrev, 0);
  float *h = region(c, 9, "h", B, H, ldh, 0);
  const float *mask = region(c, 11, "mask", 1, B, B, 0);
  if (c->failed) return NULL;
  if (B && H) c->b->ew->lstm_forward(B, H, z, bias, pre, cPrev, cc, hPrev, ldPrev, h, ldh, mask);
  return NULL;
}

static napi_value js_lstm_backward(napi_env env, napi_callback_info info) {
  BEGIN("lstmBackward", 12);
  const int B = count(c, 0, "B"), H = count(c, 1, "H"), ldDh = count(c, 6, "ldDh");
  const int64_t G = 4 * (int64_t)H;
  const float *gates = region(c, 2, "gates", B, G, G, 0);
  const float *cc = region(c, 3, "c", B, H, H, 0);
  const float *cPrev = region(c, 4, "cPrev", B, H, H, 0);
  const float *dh = region(c, 5, "dh", B, H, ldDh, 0);
  const float *dhCarry = region(c, 7, "dhCarry", B, H, H, 0);
  float *dcCarry = region(c, 8, "dcCarry", B, H, H, 0);
  float *dz = region(c, 9, "dz", B, G, G, 0);
  float *dhNew = region(c, 10, "dhNew", B, H, H, 0);
  const float *mask = region(c, 11, "mask", 1, B, B, 0);
  if (c->failed) return NULL;
  if (B && H) c->b->ew->lstm_backward(B, H, gates, cc, cPrev, dh, ldDh, dhCarry, dcCarry, dz, dhNew, mask);
  return NULL;
}

static napi_value js_gru_forward_gates(napi_env env, napi_callback_info info) {
  BEGIN("gruForwardGates", 8);
  const int B = count(c, 0, "B"), H = count(c, 1, "H"), ldPrev = count(c, 6, "ldPrev");
  const int64_t G = 3 * (int64_t)H;
  float *z = region(c, 2, "z", B, G, G, 0);
  const float *bias = region(c, 3, "bias", 1, G, G, 0);
  float *pre = region(c, 4, "pre", B, G, G, 1);
  const float *hPrev = region(c, 5, "hPrev", B, H, ldPrev, 0);
  float *rh = region(c, 7, "rh", B, H, H, 0);
  if (c->failed) return NULL;
  if (B && H) c->b->ew->gru_forward_gates(B, H, z, bias, pre, hPrev, ldPrev, rh);
  return NULL;
}

static napi_value js_gru_forward_output(napi_env env, napi_callback_info info) {
  BEGIN("gruForwardOutput", 10);
  const int B = count(c, 0, "B"), H = count(c, 1, "H"), ldPrev = count(c, 6, "ldPrev"), ldh = count(c, 8, "ldh");
  const int64_t G = 3 * (int64_t)H;
  float *z = region(c, 2, "z", B, G, G, 0);
  const float *bias = region(c, 3, "bias", 1, G, G, 0);
  float *pre = region(c, 4, "pre", B, G, G, 1);
  const float *hPrev = region(c, 5, "hPrev", B, H, ldPrev, 0);
  float *h = region(c, 7, "h", B, H, ldh, 0);
  const float *mask = region(c, 9, "mask", 1, B, B, 0);
  if (c->failed) return NULL;
  if (B && H) c->b->ew->gru_forward_output(B, H, z, bias, pre, hPrev, ldPrev, h, ldh, mask);
  return NULL;
}

static napi_value js_gru_backward_gates(napi_env env, napi_callback_info info) {
  BEGIN("gruBackwardGates", 11);
  const int B = count(c, 0, "B"), H = count(c, 1, "H"), ldPrev = count(c, 4, "ldPrev"), ldDh = count(c, 6, "ldDh");
  const int64_t G = 3 * (int64_t)H;
  const float *gates = region(c, 2, "gates", B, G, G, 0);
  const float *hPrev = region(c, 3, "hPrev", B, H, ldPrev, 0);
  const float *dh = region(c, 5, "dh", B, H, ldDh, 0);
  const float *dhCarry = region(c, 7, "dhCarry", B, H, H, 0);
  float *dz = region(c, 8, "dz", B, G, G, 0);
  float *dhNew = region(c, 9, "dhNew", B, H, H, 0);
  const float *mask = region(c, 10, "mask", 1, B, B, 0);
  if (c->failed) return NULL;
  if (B && H) c->b->ew->gru_backward_gates(B, H, gates, hPrev, ldPrev, dh, ldDh, dhCarry, dz, dhNew, mask);
  return NULL;
}

static napi_value js_gru_backward_reset(napi_env env, napi_callback_info info) {
  BEGIN("gruBackwardReset", 9);
  const int B = count(c, 0, "B"), H = count(c, 1, "H"), ldPrev = count(c, 4, "ldPrev");
  const int64_t G = 3 * (int64_t)H;
  const float *gates = region(c, 2, "gates", B, G, G, 0);
  const float *hPrev = region(c, 3, "hPrev", B, H, ldPrev, 0);
  const float *dRh = region(c, 5, "dRh", B, H, H, 0);
  float *dz = region(c, 6, "dz", B, G, G, 0);
  float *dhNew = region(c, 7, "dhNew", B, H, H, 0);
  const float *mask = region(c, 8, "mask", 1, B, B, 0);
  if (c->failed) return NULL;
  if (B && H) c->b->ew->gru_backward_reset(B, H, gates, hPrev, ldPrev, dRh, dz, dhNew, mask);
  return NULL;
}

static napi_value js_simple_rnn_forward(napi_env env, napi_callback_info info) {
  BEGIN("simpleRnnForward", 10);
  const int B = count(c, 0, "B"), H = count(c, 1, "H"), ldPrev = count(c, 6, "ldPrev"), ldh = count(c, 8, "ldh");
  float *z = region(c, 2, "z", B, H, H, 0);
  const float *bias = region(c, 3, "bias", 1, H, H, 0);
  float *pre = region(c, 4, "pre", B, H, H, 1);
  const float *hPrev = region(c, 5, "hPrev", B, H, ldPrev, 0);
  float *h = region(c, 7, "h", B, H, ldh, 0);
  const float *mask = region(c, 9, "mask", 1, B, B, 0);
  if (c->failed) return NULL;
  if (B && H) c->b->ew->simple_rnn_forward(B, H, z, bias, pre, hPrev, ldPrev, h, ldh, mask);
  return NULL;
}

static napi_value js_simple_rnn_backward(napi_env env, napi_callback_info info) {
  BEGIN("simpleRnnBackward", 9);
  const int B = count(c, 0, "B"), H = count(c, 1, "H"), ldDh = count(c, 4, "ldDh");
  const float *gates = region(c, 2, "gates", B, H, H, 0);
  const float *dh = region(c, 3, "dh", B, H, ldDh, 0);
  const float *dhCarry = region(c, 5, "dhCarry", B, H, H, 0);
  float *dz = region(c, 6, "dz", B, H, H, 0);
  float *dhNew = region(c, 7, "dhNew", B, H, H, 0);
  const float *mask = region(c, 8, "mask", 1, B, B, 0);
  if (c->failed) return NULL;
  if (B && H) c->b->ew->simple_rnn_backward(B, H, gates, dh, ldDh, dhCarry, dz, dhNew, mask);
  return NULL;
}

static napi_value js_sum_rows(napi_env env, napi_callback_info info) {
  BEGIN("sumRows", 5);
  const int rows = count(c, 0, "rows"), n = count(c, 1, "n"), ld = count(c, 3, "ld");
  const float *x = region(c, 2, "x", rows, n, ld, 0);
  float *out = region(c, 4, "out", 1, n, n, 0);
  if (c->failed) return NULL;
  if (n) c->b->ew->sum_rows(rows, n, x, ld, out);
  return NULL;
}

static napi_value js_adam(napi_env env, napi_callback_info info) {
  BEGIN("adam", 11);
  const int n = count(c, 0, "n");
  float *param = region(c, 1, "param", 1, n, n, 0);
  float *grad = region(c, 2, "grad", 1, n, n, 0);
  float *m = region(c, 3, "m", 1, n, n, 0);
  float *v = region(c, 4, "v", 1, n, n, 0);
  const float lr = real(c, 5, "lr"), b1 = real(c, 6, "beta1"), b2 = real(c, 7, "beta2"), eps = real(c, 8, "epsilon");
  const float c1 = real(c, 9, "c1"), c2 = real(c, 10, "c2");
  if (c->failed) return NULL;
  if (n) c->b->ew->adam(n, param, grad, m, v, lr, b1, b2, eps, c1, c2);
  return NULL;
}

static napi_value js_adam_rows(napi_env env, napi_callback_info info) {
  BEGIN("adamRows", 12);
  const int n = count(c, 0, "n"), E = count(c, 1, "E");
  const float *ids = region(c, 2, "ids", 1, n, n, 0);
  float *grad = region(c, 3, "grad", n, E, E, 0);
  float *m = region(c, 4, "m", 1, E, E, 0);
  float *v = region(c, 5, "v", 1, E, E, 0);
  const float lr = real(c, 6, "lr"), b1 = real(c, 7, "beta1"), b2 = real(c, 8, "beta2"), eps = real(c, 9, "epsilon");
  const float c1 = real(c, 10, "c1"), c2 = real(c, 11, "c2");
  if (c->failed || !n || !E) return NULL;
  if (!row_numbers(c, ids, n, E, 4, "ids", 0) || !row_numbers(c, ids, n, E, 5, "ids", 0)) return NULL;
  c->b->ew->adam_rows(n, E, ids, grad, m, v, lr, b1, b2, eps, c1, c2);
  return NULL;
}

static napi_value js_gather_rows(napi_env env, napi_callback_info info) {
  BEGIN("gatherRows", 5);
  const int n = count(c, 0, "n"), E = count(c, 1, "E");
  const float *table = region(c, 2, "table", 1, E, E, 0);
  const float *ids = region(c, 3, "ids", 1, n, n, 0);
  float *out = region(c, 4, "out", n, E, E, 0);
  if (c->failed || !n || !E) return NULL;
  if (!row_numbers(c, ids, n, E, 2, "ids", 0)) return NULL;
  c->b->ew->gather_rows(n, E, table, ids, out);
  return NULL;
}

static napi_value js_scatter_add_rows(napi_env env, napi_callback_info info) {
  BEGIN("scatterAddRows", 5);
  const int n = count(c, 0, "n"), E = count(c, 1, "E");
  const float *x = region(c, 2, "x", n, E, E, 0);
  const float *index = region(c, 3, "index", 1, n, n, 0);
  float *out = region(c, 4, "out", 1, E, E, 0);
  if (c->failed || !n || !E) return NULL;
  if (!row_numbers(c, index, n, E, 4, "index", 1)) return NULL;
  c->b->ew->scatter_add_rows(n, E, x, index, out);
  return NULL;
}

static napi_value js_activate(napi_env env, napi_callback_info info) {
  BEGIN("activate", 4);
  const int f = count(c, 0, "f"), n = count(c, 1, "n");
  const float *x = region(c, 2, "x", 1, n, n, 0);
  float *y = region(c, 3, "y", 1, n, n, 0);
  if (c->failed) return NULL;
  if (f > 2) {
    fail(c, 1, "f", "is not 0 (exp), 1 (sigmoid) or 2 (tanh)");
    return NULL;
  }
  if (n) c->b->ew->activate(f, n, x, y);
  return NULL;
}

/* ---- the multiply ---- */

static int flag(call_t *c, int i, const char *what) {
  const int v = count(c, i, what);
  if (!c->failed && v > 1) fail(c, 1, what, "is not 0 or 1");
  return v;
}

static napi_value js_sgemm(napi_env env, napi_callback_info info) {
  BEGIN("sgemm", 12);
  const int tA = flag(c, 0, "transA"), tB = flag(c, 1, "transB");
  const int M = count(c, 2, "M"), N = count(c, 3, "N"), K = count(c, 4, "K");
  const int lda = count(c, 6, "lda"), ldb = count(c, 8, "ldb"), ldc = count(c, 10, "ldc"), beta = flag(c, 11, "beta");
  const int64_t aCols = tA ? M : K, bCols = tB ? K : N;
  if (!c->failed && (lda < (aCols > 1 ? aCols : 1) || ldb < (bCols > 1 ? bCols : 1) || ldc < (N > 1 ? N : 1)))
    fail(c, 1, "a leading dimension", "is below its matrix's columns");
  const float *A = region(c, 5, "A", tA ? K : M, aCols, lda, 0);
  const float *B = region(c, 7, "B", tB ? N : K, bCols, ldb, 0);
  float *C = region(c, 9, "C", M, N, ldc, 0);
  if (c->failed || !M || !N) return NULL;
  rl_sgemm(tA, tB, M, N, K, A, lda, B, ldb, C, ldc, beta);
  return NULL;
}

static napi_value js_packed_size(napi_env env, napi_callback_info info) {
  BEGIN("packedSize", 2);
  const int K = count(c, 0, "K"), N = count(c, 1, "N");
  if (c->failed) return NULL;
  napi_value out;
  napi_create_double(env, (double)rl_packed_size(K, N), &out);
  return out;
}

static napi_value js_pack_b(napi_env env, napi_callback_info info) {
  BEGIN("packB", 6);
  const int tB = flag(c, 0, "transB"), K = count(c, 1, "K"), N = count(c, 2, "N"), ldb = count(c, 4, "ldb");
  const int64_t bCols = tB ? K : N;
  if (!c->failed && ldb < (bCols > 1 ? bCols : 1)) fail(c, 1, "ldb", "is below B's columns");
  const float *B = region(c, 3, "B", tB ? N : K, bCols, ldb, 0);
  const int64_t size = (int64_t)rl_packed_size(K, N);
  float *P = region(c, 5, "packed", 1, size, size, 0);
  if (c->failed || !K || !N) return NULL;
  rl_pack_b(tB, K, N, B, ldb, P);
  return NULL;
}

static napi_value js_sgemm_packed(napi_env env, napi_callback_info info) {
  BEGIN("sgemmPacked", 10);
  const int tA = flag(c, 0, "transA"), M = count(c, 1, "M"), N = count(c, 2, "N"), K = count(c, 3, "K");
  const int lda = count(c, 5, "lda"), ldc = count(c, 8, "ldc"), beta = flag(c, 9, "beta");
  const int64_t aCols = tA ? M : K;
  if (!c->failed && (lda < (aCols > 1 ? aCols : 1) || ldc < (N > 1 ? N : 1)))
    fail(c, 1, "a leading dimension", "is below its matrix's columns");
  const float *A = region(c, 4, "A", tA ? K : M, aCols, lda, 0);
  const int64_t size = (int64_t)rl_packed_size(K, N);
  const float *P = region(c, 6, "packed", 1, size, size, 0);
  float *C = region(c, 7, "C", M, N, ldc, 0);
  if (c->failed || !M || !N) return NULL;
  rl_sgemm_packed(tA, M, N, K, A, lda, P, C, ldc, beta);
  return NULL;
}

static napi_value js_isa(napi_env env, napi_callback_info info) {
  void *data = NULL;
  size_t argc = 0;
  napi_get_cb_info(env, info, &argc, NULL, NULL, &data);
  const binding_t *b = (const binding_t *)data;
  napi_value out;
  napi_create_string_utf8(env, b->ew->name, NAPI_AUTO_LENGTH, &out);
  return out;
}

/* ---- whole recurrences ---- */

/*
 * Reads and checks the arguments a forward recurrence shares with a backward one:
 * (cell, B, H, T, reversed, z, bias, pre, packedU0, packedU1, h, ldh, mask, zeros, state).
 * packedU1 and state are 0 where the cell has none (SimpleRNN; packedU1 is GRU's only).
 */
static int recurrence_args(call_t *c, rl_recurrence_t *r) {
  memset(r, 0, sizeof *r);
  r->cell = count(c, 0, "cell");
  if (!c->failed && r->cell > RL_SIMPLE_RNN) fail(c, 1, "cell", "is not 0 (LSTM), 1 (GRU) or 2 (SimpleRNN)");
  r->B = count(c, 1, "B");
  r->H = count(c, 2, "H");
  r->T = count(c, 3, "T");
  r->reversed = flag(c, 4, "reversed");
  r->ldh = count(c, 11, "ldh");
  if (c->failed) return 0;
  const int64_t B = r->B, H = r->H, rows = (int64_t)r->T * B;
  const int64_t G = r->cell == RL_LSTM ? 4 : r->cell == RL_GRU ? 3 : 1, GH = G * H;
  const int64_t first = r->cell == RL_GRU ? 2 * H : GH; /* the columns of U's first block */
  if (r->ldh < H) fail(c, 1, "ldh", "is below H");
  r->z = region(c, 5, "z", rows, GH, GH, 0);
  r->bias = region(c, 6, "bias", 1, GH, GH, 0);
  r->pre = region(c, 7, "pre", rows, GH, GH, 1);
  const int64_t u0 = (int64_t)rl_packed_size((int)H, (int)first), u1 = (int64_t)rl_packed_size((int)H, (int)H);
  r->packedU[0] = region(c, 8, "packedU[0]", 1, u0, u0, 0);
  r->packedU[1] = r->cell == RL_GRU ? region(c, 9, "packedU[1]", 1, u1, u1, 0) : NULL;
  r->h = region(c, 10, "h", rows, H, r->ldh, 0);
  r->mask = region(c, 12, "mask", 1, rows, rows, 0);
  r->zeros = region(c, 13, "zeros", B, H, H, 0);
  r->state = r->cell == RL_SIMPLE_RNN ? NULL : region(c, 14, "state", rows, H, H, 0);
  return !c->failed;
}

static napi_value js_forward_recurrence(napi_env env, napi_callback_info info) {
  BEGIN("forwardRecurrence", 15);
  rl_recurrence_t r;
  if (!recurrence_args(c, &r)) return NULL;
  if (r.B && r.H && r.T) rl_forward_recurrence(c->b->ew, &r);
  return NULL;
}

/* The forward arguments, then (packedUT0, packedUT1, dh, dz, carryH, tmpH, carryC, tmpR). */
static napi_value js_backward_recurrence(napi_env env, napi_callback_info info) {
  BEGIN("backwardRecurrence", 23);
  rl_recurrence_t r;
  if (!recurrence_args(c, &r)) return NULL;
  const int64_t B = r.B, H = r.H, rows = (int64_t)r.T * B;
  const int64_t GH = (r.cell == RL_LSTM ? 4 : r.cell == RL_GRU ? 3 : 1) * H;
  const int64_t first = r.cell == RL_GRU ? 2 * H : GH;
  const int64_t t0 = (int64_t)rl_packed_size((int)first, (int)H), t1 = (int64_t)rl_packed_size((int)H, (int)H);
  r.packedUT[0] = region(c, 15, "packedUT[0]", 1, t0, t0, 0);
  r.packedUT[1] = r.cell == RL_GRU ? region(c, 16, "packedUT[1]", 1, t1, t1, 0) : NULL;
  r.dh = region(c, 17, "dh", rows, H, r.ldh, 0);
  r.dz = region(c, 18, "dz", rows, GH, GH, 0);
  r.carryH = region(c, 19, "carryH", B, H, H, 0);
  r.tmpH = region(c, 20, "tmpH", B, H, H, 0);
  r.carryC = region(c, 21, "carryC", B, H, H, 0);
  r.tmpR = region(c, 22, "tmpR", B, H, H, 0);
  if (c->failed) return NULL;
  if (r.B && r.H && r.T) rl_backward_recurrence(c->b->ew, &r);
  return NULL;
}

/* ---- bind ---- */

static void binding_release(napi_env env, void *data, void *hint) {
  (void)hint;
  binding_t *b = (binding_t *)data;
  if (--b->live > 0) return;
  if (b->view) napi_delete_reference(env, b->view);
  free(b);
}

static const struct {
  const char *name;
  napi_callback cb;
} KERNELS[] = {
    {"lstmForward", js_lstm_forward},
    {"lstmBackward", js_lstm_backward},
    {"gruForwardGates", js_gru_forward_gates},
    {"gruForwardOutput", js_gru_forward_output},
    {"gruBackwardGates", js_gru_backward_gates},
    {"gruBackwardReset", js_gru_backward_reset},
    {"simpleRnnForward", js_simple_rnn_forward},
    {"simpleRnnBackward", js_simple_rnn_backward},
    {"sumRows", js_sum_rows},
    {"adam", js_adam},
    {"adamRows", js_adam_rows},
    {"gatherRows", js_gather_rows},
    {"scatterAddRows", js_scatter_add_rows},
    {"activate", js_activate},
    {"sgemm", js_sgemm},
    {"packedSize", js_packed_size},
    {"packB", js_pack_b},
    {"sgemmPacked", js_sgemm_packed},
    {"forwardRecurrence", js_forward_recurrence},
    {"backwardRecurrence", js_backward_recurrence},
    {"isa", js_isa},
};
#define NKERNELS (sizeof KERNELS / sizeof KERNELS[0])

/* bind(view): view is a typed array over a whole (Shared)ArrayBuffer, or an ArrayBuffer. */
static napi_value js_bind(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value arg;
  if (napi_get_cb_info(env, info, &argc, &arg, NULL, NULL) != napi_ok) return NULL;
  void *data = NULL;
  size_t len = 0;
  bool is_typed = false, is_ab = false;
  if (argc >= 1) {
    napi_is_typedarray(env, arg, &is_typed);
    if (!is_typed) napi_is_arraybuffer(env, arg, &is_ab);
  }
  if (is_typed) {
    napi_typedarray_type type;
    size_t length = 0, offset = 0;
    napi_value buffer;
    if (napi_get_typedarray_info(env, arg, &type, &length, &data, &buffer, &offset) != napi_ok) return NULL;
    size_t size = 1;
    switch (type) {
      case napi_int16_array: case napi_uint16_array: size = 2; break;
      case napi_int32_array: case napi_uint32_array: case napi_float32_array: size = 4; break;
      case napi_float64_array: case napi_bigint64_array: case napi_biguint64_array: size = 8; break;
      default: size = 1;
    }
    if (offset != 0) {
      napi_throw_range_error(env, NULL, "bind: the view must start at the buffer's first byte");
      return NULL;
    }
    len = length * size;
  } else if (is_ab) {
    if (napi_get_arraybuffer_info(env, arg, &data, &len) != napi_ok) return NULL;
  } else {
    napi_throw_type_error(env, NULL, "bind: expected a typed array over a SharedArrayBuffer (or an ArrayBuffer)");
    return NULL;
  }
  if (!data || len == 0) {
    napi_throw_range_error(env, NULL, "bind: the memory is empty");
    return NULL;
  }
  binding_t *b = (binding_t *)calloc(1, sizeof *b);
  if (!b) {
    napi_throw_error(env, NULL, "bind: out of memory");
    return NULL;
  }
  b->base = (uint8_t *)data;
  b->len = len;
  b->ew = rl_elementwise_for(rl_gemm_isa());
  b->live = 1;
  if (napi_create_reference(env, arg, 1, &b->view) != napi_ok) {
    free(b);
    return NULL;
  }
  napi_value obj;
  napi_create_object(env, &obj);
  if (napi_add_finalizer(env, obj, b, binding_release, NULL, NULL) != napi_ok) {
    napi_delete_reference(env, b->view);
    free(b);
    return NULL;
  }
  for (size_t i = 0; i < NKERNELS; i++) {
    napi_value fn;
    if (napi_create_function(env, KERNELS[i].name, NAPI_AUTO_LENGTH, KERNELS[i].cb, b, &fn) != napi_ok) return NULL;
    b->live++;
    if (napi_add_finalizer(env, fn, b, binding_release, NULL, NULL) != napi_ok) {
      b->live--;
      return NULL;
    }
    napi_set_named_property(env, obj, KERNELS[i].name, fn);
  }
  /* The address modulo 4096, so the caller can start its arena on a 64-byte boundary. */
  napi_value addr;
  napi_create_double(env, (double)((uintptr_t)b->base % 4096), &addr);
  napi_set_named_property(env, obj, "addressMod4096", addr);
  return obj;
}

/* gemmIsa(): the GEMM's code path ("avx512", "avx2" or "generic"; RL_GEMM_ISA can step it down). */
static napi_value js_gemm_isa(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value out;
  napi_create_string_utf8(env, rl_gemm_isa(), NAPI_AUTO_LENGTH, &out);
  return out;
}

NAPI_MODULE_INIT() {
  napi_property_descriptor props[] = {
      {"bind", NULL, js_bind, NULL, NULL, NULL, napi_enumerable, NULL},
      {"gemmIsa", NULL, js_gemm_isa, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok) return NULL;
  return exports;
}
