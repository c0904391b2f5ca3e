'use strict';
/**
 * Call overhead of a native kernel call from JavaScript: Node-API (a minimal module and our addon,
 * dist/native/rnn-lens-native-linux-x64.node) against the koffi FFI, each passing either byte offsets
 * into a bound SharedArrayBuffer (what the engine does) or typed arrays as pointers. The C work is the
 * same tiny kernel everywhere (y = 2x + 1 on 4 floats), so the differences are the crossings.
 * JavaScript and WebAssembly no-ops give the floor. Rounds are interleaved (every variant once per
 * round, in the same order); ns/call is reported as the median and the best round.
 *
 * Builds its two C files (a Node-API module and a plain shared library for koffi, both written by this
 * script) with gcc -O2 -shared -fPIC into a temp dir. koffi is not a dependency of the project: install
 * it somewhere else (mkdir -p /tmp/koffi && cd /tmp/koffi && npm i koffi) and point KOFFI_PATH at the
 * folder holding node_modules (or at the package itself); without it the koffi rows are skipped.
 * Then, with the addon built, it counts the addon calls of one trainStep and one predict of each
 * bench/workload.js config (RecurrentNet on the native kernels, every bound function wrapped in a
 * counter) and puts the measured crossing cost next to the step time.
 * Usage: KOFFI_PATH=/tmp/koffi node bench/options/callOverhead.js [--rounds=9] [--ms=150] [--no-steps]
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const arg = (name, fallback) => {
  const hit = process.argv.find((a) => a.startsWith(`--${name}=`));
  return hit ? Number(hit.slice(name.length + 3)) : fallback;
};
const ROUNDS = arg('rounds', 9);
const ROUND_MS = arg('ms', 150);
const repoRoot = path.resolve(__dirname, '..', '..');

// ---- the C side: one kernel, exposed three ways ----

const KERNEL_C = String.raw`
#include <stdint.h>
#include <stddef.h>
static uint8_t *g_base; static size_t g_len;
static inline void scale(int n, const float *x, float *y) { for (int i = 0; i < n; i++) y[i] = 2.0f * x[i] + 1.0f; }
`;

/** For koffi: plain C functions. bind_base keeps the SharedArrayBuffer's address (its backing store never moves). */
const FFI_C = `${KERNEL_C}
void ffi_noop(void) {}
void ffi_bind_base(void *base, int64_t len) { g_base = (uint8_t *)base; g_len = (size_t)len; }
void ffi_scale_ptr(int n, const float *x, float *y) { scale(n, x, y); }
/* sgemm's argument list (5 counts, then offset/ld pairs, beta), no work */
int ffi_args12(int a, int b, int c, int d, int e, int64_t A, int lda, int64_t B, int ldb, int64_t C, int ldc, int beta) {
  return (int)(a + b + c + d + e + A + lda + B + ldb + C + ldc + beta);
}
/* byte offsets into the bound memory, range-checked as our addon checks them */
int ffi_scale_off(int n, int64_t xoff, int64_t yoff) {
  if (n < 0 || xoff <= 0 || yoff <= 0 || (xoff & 3) || (yoff & 3)) return -1;
  if ((uint64_t)xoff + 4u * (uint64_t)n > g_len || (uint64_t)yoff + 4u * (uint64_t)n > g_len) return -1;
  scale(n, (const float *)(g_base + xoff), (float *)(g_base + yoff));
  return 0;
}
`;

/** The same functions as a minimal Node-API module (argument reading as addon.c does it, without its error messages). */
const NAPI_C = `#define NAPI_VERSION 8
#include <node_api.h>
${KERNEL_C}
static napi_value noop(napi_env env, napi_callback_info info) { (void)env; (void)info; return NULL; }
static napi_value bind_base(napi_env env, napi_callback_info info) {
  size_t argc = 1; napi_value v; void *data; size_t length, offset; napi_typedarray_type t; napi_value ab;
  napi_get_cb_info(env, info, &argc, &v, NULL, NULL);
  napi_get_typedarray_info(env, v, &t, &length, &data, &ab, &offset);
  g_base = (uint8_t *)data; g_len = length; /* a Uint8Array over the whole buffer */
  static napi_ref keep; napi_create_reference(env, v, 1, &keep);
  return NULL;
}
static napi_value scale_off(napi_env env, napi_callback_info info) {
  size_t argc = 3; napi_value a[3]; int32_t n; int64_t xo, yo;
  napi_get_cb_info(env, info, &argc, a, NULL, NULL);
  napi_get_value_int32(env, a[0], &n); napi_get_value_int64(env, a[1], &xo); napi_get_value_int64(env, a[2], &yo);
  if (n < 0 || xo <= 0 || yo <= 0 || (xo & 3) || (yo & 3) || (uint64_t)xo + 4u * (uint64_t)n > g_len ||
      (uint64_t)yo + 4u * (uint64_t)n > g_len) {
    napi_throw_range_error(env, NULL, "scaleOff: outside the memory");
    return NULL;
  }
  scale(n, (const float *)(g_base + xo), (float *)(g_base + yo));
  return NULL;
}
static napi_value args12(napi_env env, napi_callback_info info) {
  size_t argc = 12; napi_value a[12]; int64_t v, sum = 0;
  napi_get_cb_info(env, info, &argc, a, NULL, NULL);
  for (size_t i = 0; i < argc; i++) { napi_get_value_int64(env, a[i], &v); sum += v; }
  return sum < 0 ? a[0] : NULL;
}
static float *floats(napi_env env, napi_value v, size_t *count) {
  napi_typedarray_type t; void *data; napi_value ab; size_t offset;
  if (napi_get_typedarray_info(env, v, &t, count, &data, &ab, &offset) != napi_ok || t != napi_float32_array) return NULL;
  return (float *)data;
}
static napi_value scale_ptr(napi_env env, napi_callback_info info) {
  size_t argc = 3, nx, ny; napi_value a[3]; int32_t n;
  napi_get_cb_info(env, info, &argc, a, NULL, NULL);
  napi_get_value_int32(env, a[0], &n);
  const float *x = floats(env, a[1], &nx); float *y = floats(env, a[2], &ny);
  if (!x || !y || n < 0 || (size_t)n > nx || (size_t)n > ny) { napi_throw_range_error(env, NULL, "scalePtr: bad arrays"); return NULL; }
  scale(n, x, y);
  return NULL;
}
NAPI_MODULE_INIT() {
  napi_property_descriptor p[] = {
    {"noop", NULL, noop, NULL, NULL, NULL, napi_enumerable, NULL},
    {"bindBase", NULL, bind_base, NULL, NULL, NULL, napi_enumerable, NULL},
    {"scaleOff", NULL, scale_off, NULL, NULL, NULL, napi_enumerable, NULL},
    {"scalePtr", NULL, scale_ptr, NULL, NULL, NULL, napi_enumerable, NULL},
    {"args12", NULL, args12, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof p / sizeof p[0], p);
  return exports;
}
`;

function nodeHeaders() {
  const dirs = [path.join(path.dirname(process.execPath), '..', 'include', 'node'), '/usr/include/node', '/usr/local/include/node'];
  try {
    dirs.push(path.join(path.dirname(require.resolve('node-api-headers/package.json', { paths: [repoRoot] })), 'include'));
  } catch {
    // not installed
  }
  return dirs.find((d) => fs.existsSync(path.join(d, 'node_api.h')));
}

function gcc(args) {
  const cc = process.env.CC || 'gcc';
  const r = spawnSync(cc, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cc} ${args.join(' ')} failed:\n${r.stderr || r.error}`);
}

function buildC(dir) {
  fs.writeFileSync(path.join(dir, 'ffi.c'), FFI_C);
  fs.writeFileSync(path.join(dir, 'napi.c'), NAPI_C);
  gcc(['-O2', '-shared', '-fPIC', '-o', path.join(dir, 'libffibench.so'), path.join(dir, 'ffi.c')]);
  const headers = nodeHeaders();
  if (!headers) throw new Error("node_api.h not found (Node's include/node, /usr/include/node or node-api-headers)");
  gcc(['-O2', '-shared', '-fPIC', `-I${headers}`, '-o', path.join(dir, 'napibench.node'), path.join(dir, 'napi.c')]);
}

function loadKoffi() {
  const where = process.env.KOFFI_PATH;
  if (!where) return { reason: 'KOFFI_PATH is not set (mkdir -p /tmp/koffi && cd /tmp/koffi && npm i koffi; then KOFFI_PATH=/tmp/koffi)' };
  for (const candidate of [path.join(where, 'node_modules', 'koffi'), where]) {
    try {
      return { koffi: require(candidate), from: candidate };
    } catch {
      // try the next
    }
  }
  return { reason: `koffi not found under KOFFI_PATH=${where}` };
}

// ---- timing ----

/** Calls fn(i) `calls` times; returns ns per call. */
function timeCalls(fn, calls) {
  const start = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) fn(i);
  return Number(process.hrtime.bigint() - start) / calls;
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** Addon calls per trainStep / predict on each config, and the time of those steps (ms). */
async function callsPerStep(addonFile) {
  require('tsx/cjs');
  const { createNet } = require('../../src/engine/kernels/createNet');
  const { makeBatches } = require('../peerSupport');
  const { CONFIGS, CAPTURE, LEARNING_RATE, SEED } = require('../workload');
  // The engine requires the addon by this path: hand it a copy whose bound functions count their calls.
  const addon = require(addonFile);
  let calls = 0;
  require.cache[require.resolve(addonFile)].exports = {
    ...addon,
    bind(view) {
      const b = addon.bind(view);
      const counted = {};
      for (const [key, value] of Object.entries(b)) {
        counted[key] = typeof value !== 'function' ? value : (...a) => (calls++, value(...a));
      }
      return counted;
    },
  };
  const rows = [];
  // The two configs, and the capture of bench/workload.js (one 50-token sentence, 2 layers, bidirectional, H 64).
  const capture = { ...CONFIGS.small, batch: 1, time: CAPTURE.time, hidden: CAPTURE.hidden };
  for (const [name, c, layers, bidirectional] of [['small', CONFIGS.small, 1, false], ['large', CONFIGS.large, 1, false], ['capture', capture, CAPTURE.layers, CAPTURE.bidirectional]]) {
    const net = await createNet(
      { cell: 'lstm', vocabSize: c.vocab, embeddingSize: c.embedding, hiddenSize: c.hidden, layers, bidirectional, classes: c.classes, learningRate: LEARNING_RATE, seed: SEED },
      { maxBatch: c.batch, maxTime: c.time, kernels: 'native' },
    );
    const [b] = makeBatches(c, 1, SEED);
    const phases = name === 'capture'
      ? { inspect: () => net.inspect(b.ids, c.batch, c.time) }
      : { trainStep: () => net.trainStep(b.ids, b.labels, c.batch, c.time), predict: () => net.predict(b.ids, c.batch, c.time) };
    for (const [phase, fn] of Object.entries(phases)) {
      for (let i = 0; i < 5; i++) fn();
      calls = 0;
      fn();
      const n = calls;
      const t0 = process.hrtime.bigint();
      const reps = name === 'capture' ? 200 : 20;
      for (let i = 0; i < reps; i++) fn();
      rows.push({ config: name, phase, calls: n, ms: Number(process.hrtime.bigint() - t0) / 1e6 / reps });
    }
    net.dispose();
  }
  return rows;
}

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-calloverhead-'));
  buildC(dir);

  // One SharedArrayBuffer, as the engine's arena: x at byte 64, y at byte 128.
  const sab = new SharedArrayBuffer(1 << 20);
  const view = new Uint8Array(sab);
  const X = 64, Y = 128, N = 4;
  const xs = new Float32Array(sab, X, N), ys = new Float32Array(sab, Y, N);
  xs.set([0.1, 0.2, 0.3, 0.4]);

  const variants = [];
  const add = (name, fn, check) => variants.push({ name, fn, check, times: [] });
  const computes = true; // marks the variants whose result is checked (y = 2x + 1)

  // Floors: a JS call and a JS→WebAssembly call of an empty function.
  let sink = 0;
  const jsNoop = (i) => {
    sink += i & 1;
  };
  add('JS function (floor)', jsNoop);
  // (module (func (export "noop")))
  const wasmNoop = new WebAssembly.Instance(
    new WebAssembly.Module(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 3, 2, 1, 0, 7, 8, 1, 4, 110, 111, 111, 112, 0, 0, 10, 4, 1, 2, 0, 11])),
  ).exports.noop;
  add('WebAssembly export, no-op', () => wasmNoop());

  const napi = require(path.join(dir, 'napibench.node'));
  napi.bindBase(view);
  add('Node-API minimal: no-op', () => napi.noop());
  add('Node-API minimal: 4 floats, byte offsets', () => napi.scaleOff(N, X, Y), computes);
  add('Node-API minimal: 4 floats, typed arrays', () => napi.scalePtr(N, xs, ys), computes);
  add('Node-API minimal: 12 integer args, no work', () => napi.args12(0, 0, 1, N, 1, X, 1, X, N, Y, N, 0));

  const addonFile = path.join(repoRoot, 'dist', 'native', `rnn-lens-native-${process.platform}-${process.arch}.node`);
  let ours;
  if (fs.existsSync(addonFile)) {
    ours = require(addonFile).bind(view);
    // activate with n = 0 runs addon.c's whole argument reading and range checks, then returns.
    add('our addon: activate, n = 0 (checks only)', () => ours.activate(2, 0, X, Y));
    add('our addon: activate tanh, 4 floats', () => ours.activate(2, N, X, Y));
    add('our addon: sgemm 1×4×1 (12 args)', () => ours.sgemm(0, 0, 1, N, 1, X, 1, X, N, Y, N, 0));
  } else {
    console.log(`(our addon rows skipped: ${addonFile} is missing; node scripts/buildNative.js builds it)`);
  }

  const k = loadKoffi();
  if (k.koffi) {
    const lib = k.koffi.load(path.join(dir, 'libffibench.so'));
    const noop = lib.func('void ffi_noop()');
    const bindBase = lib.func('void ffi_bind_base(void *base, int64_t len)');
    const scaleOff = lib.func('int ffi_scale_off(int n, int64_t xoff, int64_t yoff)');
    const scalePtr = lib.func('void ffi_scale_ptr(int n, const float *x, float *y)');
    const args12 = lib.func('int ffi_args12(int, int, int, int, int, int64_t, int, int64_t, int, int64_t, int, int)');
    bindBase(view, view.length);
    add('koffi: no-op', () => noop());
    add('koffi: 4 floats, byte offsets', () => scaleOff(N, X, Y), computes);
    add('koffi: 4 floats, typed arrays', () => scalePtr(N, xs, ys), computes);
    add('koffi: 12 integer args, no work', () => args12(0, 0, 1, N, 1, X, 1, X, N, Y, N, 0));
  } else {
    console.log(`(koffi rows skipped: ${k.reason})`);
  }

  // Results first: every kernel variant must compute y = 2x + 1.
  for (const v of variants.filter((x) => x.check)) {
    ys.fill(0);
    v.fn(0);
    if (![1.2, 1.4, 1.6, 1.8].every((want, i) => Math.abs(ys[i] - want) < 1e-6)) throw new Error(`${v.name} computed ${Array.from(ys)}`);
  }

  // Calibrate calls per round to ~ROUND_MS each, then interleave the rounds.
  for (const v of variants) {
    timeCalls(v.fn, 20000); // warm-up (V8 optimises the loop and the call)
    const ns = timeCalls(v.fn, 200000);
    v.calls = Math.max(10000, Math.round((ROUND_MS * 1e6) / Math.max(ns, 0.5)));
  }
  for (let r = 0; r < ROUNDS; r++) for (const v of variants) v.times.push(timeCalls(v.fn, v.calls));

  console.log(`Call overhead, ns/call: median and best of ${ROUNDS} interleaved rounds of ~${ROUND_MS} ms; Node ${process.versions.node} (V8 ${process.versions.v8}), ${os.cpus()[0].model}${k.koffi ? `, koffi ${k.koffi.version}` : ''}`);
  const w = Math.max(...variants.map((v) => v.name.length));
  console.log(`${'call'.padEnd(w)}  median    best`);
  for (const v of variants) console.log(`${v.name.padEnd(w)}  ${median(v.times).toFixed(1).padStart(6)}  ${Math.min(...v.times).toFixed(1).padStart(6)}`);
  if (sink < 0) console.log(sink);
  fs.rmSync(dir, { recursive: true, force: true });

  if (ours && !process.argv.includes('--no-steps')) {
    const perCall = (name) => median(variants.find((v) => v.name === name)?.times ?? [NaN]);
    const napiNs = perCall('Node-API minimal: 12 integer args, no work');
    const koffiNs = perCall('koffi: 12 integer args, no work');
    console.log(`\nAddon calls per step (RecurrentNet, native kernels, 1 thread) and what they would cost at the medians above`);
    console.log(`(12 integer arguments, no work: Node-API ${napiNs.toFixed(0)} ns, koffi ${Number.isNaN(koffiNs) ? '-' : koffiNs.toFixed(0)} ns)`);
    console.log('config  phase      calls  step ms   crossings, Node-API   crossings, koffi');
    for (const r of await callsPerStep(addonFile)) {
      const share = (ns) => (Number.isNaN(ns) ? '-' : `${((r.calls * ns) / 1e3).toFixed(1)} µs = ${((100 * r.calls * ns) / (r.ms * 1e6)).toFixed(3)} %`);
      console.log(`${r.config.padEnd(7)} ${r.phase.padEnd(9)}  ${String(r.calls).padStart(5)}  ${r.ms.toFixed(2).padStart(7)}   ${share(napiNs).padStart(19)}   ${share(koffiNs).padStart(17)}`);
    }
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
