/*
 * oneDNN's LSTM (Debian's libdnnl-dev 2.6, C API) on the two configs of bench/workload.js, one layer,
 * one direction, f32: tokens/s (batch · time per call) of
 *   inference  forward_inference, weights in the layout oneDNN chooses (format_tag any, reordered once:
 *              fixed weights, as inference has them);
 *   training   forward_training + backward (diff of the input, the initial state and all weights),
 *              weights held in plain ldigo (a training loop updates them every step) and reordered
 *              into the layouts each primitive chooses (format_tag any) inside every timed step, as
 *              that loop would have to: the backward has no ldigo implementation here.
 * Only the LSTM layer is timed: no embedding, dense layer, loss or optimiser step (bench/run.js times
 * ours with all of them). Median and best of the rounds. It also prints what a capture could read: the
 * outputs (h of every step, h and c of the last step) and the size of the training workspace, the
 * only place the gates and per-step c live (its layout is not part of the API).
 * Threads: OMP_NUM_THREADS (oneDNN here is built on OpenMP). Build and run: bench/options/onednn_lstm.sh
 */
#define _POSIX_C_SOURCE 200112L
#include <oneapi/dnnl/dnnl.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CHECK(call)                                                                                     \
  do {                                                                                                  \
    dnnl_status_t s_ = (call);                                                                          \
    if (s_ != dnnl_success) {                                                                           \
      fprintf(stderr, "%s:%d: %s failed: status %d\n", __FILE__, __LINE__, #call, (int)s_);             \
      exit(1);                                                                                          \
    }                                                                                                   \
  } while (0)

typedef struct {
  const char *name;
  int N, T, E, H;
} config_t;

/* bench/workload.js CONFIGS (vocabulary and classes do not reach the LSTM layer). */
static const config_t CONFIGS[] = {{"small", 32, 40, 32, 64}, {"large", 64, 64, 128, 256}};

static dnnl_engine_t engine;
static dnnl_stream_t stream;

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

static dnnl_memory_desc_t md(int ndims, const dnnl_dims_t dims, dnnl_format_tag_t tag) {
  dnnl_memory_desc_t d;
  CHECK(dnnl_memory_desc_init_by_tag(&d, ndims, dims, dnnl_f32, tag));
  return d;
}

/* A memory for d, filled with uniform values in ±scale (a plain layout) or zeros. */
static dnnl_memory_t filled(const dnnl_memory_desc_t *d, float scale, unsigned seed) {
  dnnl_memory_t m;
  CHECK(dnnl_memory_create(&m, d, engine, DNNL_MEMORY_ALLOCATE));
  float *p;
  CHECK(dnnl_memory_map_data(m, (void **)&p));
  const size_t n = dnnl_memory_desc_get_size(d) / sizeof(float);
  for (size_t i = 0; i < n; i++) {
    seed = seed * 1664525u + 1013904223u;
    p[i] = scale * ((float)(seed >> 8) / (float)(1u << 24) * 2.0f - 1.0f);
  }
  CHECK(dnnl_memory_unmap_data(m, p));
  return m;
}

typedef struct {
  dnnl_primitive_t p[8];
  int nargs[8];
  dnnl_exec_arg_t args[8][24];
  int count; /* primitives per step, run in order */
} step_t;

static void run_step(step_t *s) {
  for (int i = 0; i < s->count; i++) CHECK(dnnl_primitive_execute(s->p[i], stream, s->nargs[i], s->args[i]));
  CHECK(dnnl_stream_wait(stream));
}

static void add(step_t *s, dnnl_primitive_t p, int nargs, const dnnl_exec_arg_t *args) {
  s->p[s->count] = p;
  s->nargs[s->count] = nargs;
  memcpy(s->args[s->count], args, (size_t)nargs * sizeof *args);
  s->count++;
}

/* A new memory of layout `want` and, on step s, the reorder of `user` (a plain layout) into it. */
static dnnl_memory_t reordered(step_t *s, dnnl_memory_t user, const dnnl_memory_desc_t *want) {
  const dnnl_memory_desc_t *have;
  CHECK(dnnl_memory_get_memory_desc(user, &have));
  dnnl_memory_t out;
  CHECK(dnnl_memory_create(&out, want, engine, DNNL_MEMORY_ALLOCATE));
  dnnl_primitive_desc_t rpd;
  CHECK(dnnl_reorder_primitive_desc_create(&rpd, have, engine, want, engine, NULL));
  dnnl_primitive_t r;
  CHECK(dnnl_primitive_create(&r, rpd));
  const dnnl_exec_arg_t args[] = {{DNNL_ARG_FROM, user}, {DNNL_ARG_TO, out}};
  add(s, r, 2, args);
  return out;
}

/* The same, run once now (weights that stay fixed). */
static dnnl_memory_t reordered_once(dnnl_memory_t user, const dnnl_memory_desc_t *want) {
  step_t once = {.count = 0};
  dnnl_memory_t out = reordered(&once, user, want);
  run_step(&once);
  dnnl_primitive_destroy(once.p[0]);
  return out;
}

static dnnl_memory_t scratch_for(const_dnnl_primitive_desc_t pd) {
  const dnnl_memory_desc_t *d = dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0);
  dnnl_memory_t m;
  CHECK(dnnl_memory_create(&m, d, engine, DNNL_MEMORY_ALLOCATE));
  return m;
}

static int cmp_double(const void *a, const void *b) {
  const double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Tokens/s: warm-up, then `rounds` rounds of ≥ round_s each; median and best. */
static void time_step(step_t *s, double tokens, int rounds, double round_s, double *median, double *best) {
  for (int i = 0; i < 3; i++) run_step(s);
  double rates[64];
  if (rounds > 64) rounds = 64;
  for (int r = 0; r < rounds; r++) {
    int steps = 0;
    const double t0 = now();
    double t;
    do {
      run_step(s);
      steps++;
      t = now() - t0;
    } while (t < round_s || steps < 2);
    rates[r] = steps * tokens / t;
  }
  qsort(rates, (size_t)rounds, sizeof rates[0], cmp_double);
  *median = rounds % 2 ? rates[rounds / 2] : 0.5 * (rates[rounds / 2 - 1] + rates[rounds / 2]);
  *best = rates[rounds - 1];
}

static void bench(const config_t *c, int rounds, double round_s) {
  const int N = c->N, T = c->T, E = c->E, H = c->H;
  const dnnl_dims_t d_src = {T, N, E}, d_dst = {T, N, H}, d_state = {1, 1, N, H};
  const dnnl_dims_t d_wl = {1, 1, E, 4, H}, d_wi = {1, 1, H, 4, H}, d_bias = {1, 1, 4, H};
  dnnl_memory_desc_t src = md(3, d_src, dnnl_tnc), dst = md(3, d_dst, dnnl_tnc);
  dnnl_memory_desc_t state = md(4, d_state, dnnl_ldnc), bias = md(4, d_bias, dnnl_ldgo);
  dnnl_memory_desc_t wl = md(5, d_wl, dnnl_ldigo), wi = md(5, d_wi, dnnl_ldigo);
  dnnl_memory_desc_t wl_any = md(5, d_wl, dnnl_format_tag_any), wi_any = md(5, d_wi, dnnl_format_tag_any);
  const dnnl_rnn_direction_t dir = dnnl_unidirectional_left2right;

  dnnl_memory_t m_src = filled(&src, 1.0f, 1), m_h0 = filled(&state, 0, 0), m_c0 = filled(&state, 0, 0);
  dnnl_memory_t m_wl = filled(&wl, 0.1f, 2), m_wi = filled(&wi, 0.1f, 3), m_bias = filled(&bias, 0.1f, 4);
  dnnl_memory_t m_dst = filled(&dst, 0, 0), m_hT = filled(&state, 0, 0), m_cT = filled(&state, 0, 0);
  const double tokens = (double)N * T;

  /* ---- inference ---- */
  dnnl_rnn_desc_t inf_d;
  CHECK(dnnl_lstm_forward_desc_init(&inf_d, dnnl_forward_inference, dir, &src, &state, &state, &wl_any, &wi_any, &bias,
                                    &dst, &state, &state, 0));
  dnnl_primitive_desc_t inf_pd;
  CHECK(dnnl_primitive_desc_create(&inf_pd, &inf_d, NULL, engine, NULL));
  dnnl_memory_t m_wl_inf = reordered_once(m_wl, dnnl_primitive_desc_query_md(inf_pd, dnnl_query_weights_md, 0));
  dnnl_memory_t m_wi_inf = reordered_once(m_wi, dnnl_primitive_desc_query_md(inf_pd, dnnl_query_weights_md, 1));
  const char *impl;
  CHECK(dnnl_primitive_desc_query(inf_pd, dnnl_query_impl_info_str, 0, &impl));
  step_t inf = {.count = 0};
  dnnl_primitive_t inf_p;
  CHECK(dnnl_primitive_create(&inf_p, inf_pd));
  const dnnl_exec_arg_t inf_args[] = {
      {DNNL_ARG_SRC_LAYER, m_src}, {DNNL_ARG_SRC_ITER, m_h0}, {DNNL_ARG_SRC_ITER_C, m_c0},
      {DNNL_ARG_WEIGHTS_LAYER, m_wl_inf}, {DNNL_ARG_WEIGHTS_ITER, m_wi_inf}, {DNNL_ARG_BIAS, m_bias},
      {DNNL_ARG_DST_LAYER, m_dst}, {DNNL_ARG_DST_ITER, m_hT}, {DNNL_ARG_DST_ITER_C, m_cT},
      {DNNL_ARG_SCRATCHPAD, scratch_for(inf_pd)}};
  add(&inf, inf_p, (int)(sizeof inf_args / sizeof inf_args[0]), inf_args);
  double inf_med, inf_best;
  time_step(&inf, tokens, rounds, round_s, &inf_med, &inf_best);

  /* ---- training: forward_training + backward ---- */
  dnnl_rnn_desc_t fwd_d, bwd_d;
  CHECK(dnnl_lstm_forward_desc_init(&fwd_d, dnnl_forward_training, dir, &src, &state, &state, &wl_any, &wi_any, &bias,
                                    &dst, &state, &state, 0));
  dnnl_primitive_desc_t fwd_pd, bwd_pd;
  CHECK(dnnl_primitive_desc_create(&fwd_pd, &fwd_d, NULL, engine, NULL));
  CHECK(dnnl_lstm_backward_desc_init(&bwd_d, dnnl_backward, dir, &src, &state, &state, &wl_any, &wi_any, &bias, &dst,
                                     &state, &state, &src, &state, &state, &wl, &wi, &bias, &dst, &state, &state, 0));
  CHECK(dnnl_primitive_desc_create(&bwd_pd, &bwd_d, NULL, engine, fwd_pd));
  const dnnl_memory_desc_t *ws_md = dnnl_primitive_desc_query_md(fwd_pd, dnnl_query_workspace_md, 0);
  dnnl_memory_t m_ws;
  CHECK(dnnl_memory_create(&m_ws, ws_md, engine, DNNL_MEMORY_ALLOCATE));
  dnnl_memory_t m_ddst = filled(&dst, 0.01f, 5), m_dhT = filled(&state, 0, 0), m_dcT = filled(&state, 0, 0);
  dnnl_memory_t m_dsrc = filled(&src, 0, 0), m_dh0 = filled(&state, 0, 0), m_dc0 = filled(&state, 0, 0);
  dnnl_memory_t m_dwl = filled(&wl, 0, 0), m_dwi = filled(&wi, 0, 0), m_dbias = filled(&bias, 0, 0);
  step_t train = {.count = 0};
  dnnl_memory_t m_wl_fwd = reordered(&train, m_wl, dnnl_primitive_desc_query_md(fwd_pd, dnnl_query_weights_md, 0));
  dnnl_memory_t m_wi_fwd = reordered(&train, m_wi, dnnl_primitive_desc_query_md(fwd_pd, dnnl_query_weights_md, 1));
  dnnl_memory_t m_wl_bwd = reordered(&train, m_wl, dnnl_primitive_desc_query_md(bwd_pd, dnnl_query_weights_md, 0));
  dnnl_memory_t m_wi_bwd = reordered(&train, m_wi, dnnl_primitive_desc_query_md(bwd_pd, dnnl_query_weights_md, 1));
  const int reorders = train.count;
  dnnl_primitive_t fwd_p, bwd_p;
  CHECK(dnnl_primitive_create(&fwd_p, fwd_pd));
  CHECK(dnnl_primitive_create(&bwd_p, bwd_pd));
  const dnnl_exec_arg_t fwd_args[] = {
      {DNNL_ARG_SRC_LAYER, m_src}, {DNNL_ARG_SRC_ITER, m_h0}, {DNNL_ARG_SRC_ITER_C, m_c0},
      {DNNL_ARG_WEIGHTS_LAYER, m_wl_fwd}, {DNNL_ARG_WEIGHTS_ITER, m_wi_fwd}, {DNNL_ARG_BIAS, m_bias},
      {DNNL_ARG_DST_LAYER, m_dst}, {DNNL_ARG_DST_ITER, m_hT}, {DNNL_ARG_DST_ITER_C, m_cT},
      {DNNL_ARG_WORKSPACE, m_ws}, {DNNL_ARG_SCRATCHPAD, scratch_for(fwd_pd)}};
  const dnnl_exec_arg_t bwd_args[] = {
      {DNNL_ARG_SRC_LAYER, m_src}, {DNNL_ARG_SRC_ITER, m_h0}, {DNNL_ARG_SRC_ITER_C, m_c0},
      {DNNL_ARG_WEIGHTS_LAYER, m_wl_bwd}, {DNNL_ARG_WEIGHTS_ITER, m_wi_bwd}, {DNNL_ARG_BIAS, m_bias},
      {DNNL_ARG_DST_LAYER, m_dst}, {DNNL_ARG_DST_ITER, m_hT}, {DNNL_ARG_DST_ITER_C, m_cT},
      {DNNL_ARG_DIFF_DST_LAYER, m_ddst}, {DNNL_ARG_DIFF_DST_ITER, m_dhT}, {DNNL_ARG_DIFF_DST_ITER_C, m_dcT},
      {DNNL_ARG_DIFF_SRC_LAYER, m_dsrc}, {DNNL_ARG_DIFF_SRC_ITER, m_dh0}, {DNNL_ARG_DIFF_SRC_ITER_C, m_dc0},
      {DNNL_ARG_DIFF_WEIGHTS_LAYER, m_dwl}, {DNNL_ARG_DIFF_WEIGHTS_ITER, m_dwi}, {DNNL_ARG_DIFF_BIAS, m_dbias},
      {DNNL_ARG_WORKSPACE, m_ws}, {DNNL_ARG_SCRATCHPAD, scratch_for(bwd_pd)}};
  add(&train, fwd_p, (int)(sizeof fwd_args / sizeof fwd_args[0]), fwd_args);
  add(&train, bwd_p, (int)(sizeof bwd_args / sizeof bwd_args[0]), bwd_args);
  double tr_med, tr_best;
  time_step(&train, tokens, rounds, round_s, &tr_med, &tr_best);

  const size_t ws = dnnl_memory_desc_get_size(ws_md);
  const size_t gates = (size_t)T * N * 4 * H * sizeof(float), states = (size_t)T * N * H * sizeof(float);
  printf("%-5s B %2d T %2d E %3d H %3d  inference %9.0f / %9.0f tokens/s   training %9.0f / %9.0f tokens/s\n", c->name, N,
         T, E, H, inf_med, inf_best, tr_med, tr_best);
  const char *fwd_impl;
  CHECK(dnnl_primitive_desc_query(fwd_pd, dnnl_query_impl_info_str, 0, &fwd_impl));
  printf("      implementation %s / %s; %d weight reorders per training step; training workspace %zu bytes\n"
         "      (gates alone: %zu, h and c of every step: %zu each)\n",
         impl, fwd_impl, reorders, ws, gates, states);
}

static const char *isa_name(dnnl_cpu_isa_t isa) {
  switch (isa) {
    case dnnl_cpu_isa_avx512_core_amx: return "avx512_core_amx";
    case dnnl_cpu_isa_avx512_core_bf16: return "avx512_core_bf16";
    case dnnl_cpu_isa_avx512_core_vnni: return "avx512_core_vnni";
    case dnnl_cpu_isa_avx512_core: return "avx512_core";
    case dnnl_cpu_isa_avx2_vnni: return "avx2_vnni";
    case dnnl_cpu_isa_avx2: return "avx2";
    default: return "other";
  }
}

int main(int argc, char **argv) {
  const int rounds = argc > 1 ? atoi(argv[1]) : 7;
  const double round_s = argc > 2 ? atof(argv[2]) : 0.5;
  const dnnl_version_t *v = dnnl_version();
  CHECK(dnnl_engine_create(&engine, dnnl_cpu, 0));
  CHECK(dnnl_stream_create(&stream, engine, dnnl_stream_default_flags));
  printf("oneDNN %d.%d.%d (%s), %d OpenMP thread(s), CPU ISA %s; median / best of %d rounds of >= %.2f s\n", v->major,
         v->minor, v->patch, v->hash, omp_get_max_threads(), isa_name(dnnl_get_effective_cpu_isa()), rounds, round_s);
  for (size_t i = 0; i < sizeof CONFIGS / sizeof CONFIGS[0]; i++) bench(&CONFIGS[i], rounds, round_s);
  printf("capture: the outputs are h of every step (dst_layer) and h, c of the last step (dst_iter, dst_iter_c);\n"
         "per-step gates and c exist only inside the training workspace, whose layout the API does not define.\n");
  dnnl_stream_destroy(stream);
  dnnl_engine_destroy(engine);
  return 0;
}
