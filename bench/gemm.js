'use strict';
/**
 * GEMM throughput of our kernels (src/core/kernels: wasm relaxed SIMD, wasm SIMD,
 * plain JS) against tfjs matMul (cpu backend, and the wasm backend where it loads), single thread,
 * on the shapes of recurrent training. Run after `node esbuild.js` (it needs dist/kernels/*.wasm).
 * Usage: node bench/gemm.js [--all-combos] [--no-peers] [--min-ms=300]
 */
require('tsx/cjs');
const path = require('node:path');
const { performance } = require('node:perf_hooks');
const { createJsKernels } = require('../src/core/kernels/jsKernels');
const { createWasmKernels, relaxedSimdSupported } = require('../src/engine/kernels/wasmKernels');

const allCombos = process.argv.includes('--all-combos');
const withPeers = !process.argv.includes('--no-peers');
const minMs = Number((process.argv.find((a) => a.startsWith('--min-ms=')) || '--min-ms=300').slice(9));

/** [label, M, N, K, the combo recurrent training uses]. */
const shapes = [
  ['forward x·W, h·U', 64, 256, 96, 'NN'],
  ['backward dX = dG·Wᵀ', 64, 96, 256, 'NT'],
  ['weight grad Xᵀ·dG (K = 40·64)', 96, 256, 40 * 64, 'TN'],
  ['large forward', 64, 1024, 384, 'NN'],
  ['large weight grad', 384, 1024, 4096, 'TN'],
];

/** GFLOP/s of fn (2·M·N·K flops a call): best of five timed rounds of at least minMs (two for slow calls). */
function gflops(fn, M, N, K) {
  const t0 = performance.now();
  fn();
  const once = Math.max(performance.now() - t0, 1e-3);
  const reps = Math.max(1, Math.ceil(minMs / once));
  const rounds = once > minMs ? 2 : 5;
  let best = once;
  for (let round = 0; round < rounds; round++) {
    const start = performance.now();
    for (let r = 0; r < reps; r++) fn();
    best = Math.min(best, (performance.now() - start) / reps);
  }
  return (2 * M * N * K) / (best * 1e6);
}

function fillRandom(x, seed) {
  let s = seed >>> 0;
  for (let i = 0; i < x.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    x[i] = s / 2 ** 31 - 1;
  }
}

/** Times kernels.sgemm on fresh random operands of the given combo. */
function timeKernels(kernels, combo, M, N, K) {
  const mark = kernels.mark();
  const tA = combo[0] === 'T';
  const tB = combo[1] === 'T';
  const A = kernels.alloc(M * K);
  const B = kernels.alloc(K * N);
  const C = kernels.alloc(M * N);
  fillRandom(A, 1);
  fillRandom(B, 2);
  const lda = tA ? M : K;
  const ldb = tB ? K : N;
  const result = gflops(() => kernels.sgemm(tA, tB, M, N, K, A, lda, B, ldb, C, N, 0), M, N, K);
  kernels.release(mark);
  return result;
}

/** Times tf.matMul on the active tfjs backend, reading the result back each call. */
function timeTfjs(tf, combo, M, N, K) {
  const tA = combo[0] === 'T';
  const tB = combo[1] === 'T';
  const a = tf.randomUniform(tA ? [K, M] : [M, K], -1, 1);
  const b = tf.randomUniform(tB ? [N, K] : [K, N], -1, 1);
  const result = gflops(() => {
    const c = tf.matMul(a, b, tA, tB);
    c.dataSync();
    c.dispose();
  }, M, N, K);
  a.dispose();
  b.dispose();
  return result;
}

async function tfjsBackends() {
  const tf = require('@tensorflow/tfjs');
  const backends = [];
  if (await tf.setBackend('cpu')) backends.push(['tfjs-cpu', tf, 'cpu']);
  try {
    const wasm = require('@tensorflow/tfjs-backend-wasm');
    wasm.setWasmPaths(path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + path.sep);
    backends.push(['tfjs-wasm', tf, 'wasm']);
  } catch {
    // the wasm backend is optional here
  }
  return backends;
}

async function main() {
  const capacity = 8 * 1024 * 1024;
  const kernels = [];
  if (relaxedSimdSupported()) kernels.push(await createWasmKernels({ capacityFloats: capacity, variant: 'relaxed' }));
  kernels.push(await createWasmKernels({ capacityFloats: capacity, variant: 'simd' }));
  kernels.push(createJsKernels(capacity));
  const peers = withPeers ? await tfjsBackends() : [];

  const rows = [];
  for (const [label, M, N, K, combo] of shapes) {
    for (const c of allCombos ? ['NN', 'NT', 'TN', 'TT'] : [combo]) {
      const row = { shape: `${M}×${N}×${K}`, op: c, use: c === combo ? label : '' };
      for (const k of kernels) row[k.name] = timeKernels(k, c, M, N, K);
      for (const [name, tf, backend] of peers) {
        try {
          if (!(await tf.setBackend(backend))) throw new Error('did not initialise');
          await tf.ready();
          row[name] = timeTfjs(tf, c, M, N, K);
        } catch (err) {
          row[name] = NaN;
          console.error(`${name}: ${err.message}`);
        }
      }
      rows.push(row);
      console.error(`done ${row.shape} ${c}`);
    }
  }

  const columns = [...kernels.map((k) => k.name), ...peers.map(([name]) => name)];
  const best = kernels[0].name;
  console.log(`GFLOP/s, single thread, Node ${process.versions.node} (V8 ${process.versions.v8}), best of 5 rounds of ≥ ${minMs} ms`);
  const ratio = columns.includes('tfjs-cpu');
  const header = ['M×N×K', 'op', ...columns, ...(ratio ? [`${best} / tfjs-cpu`] : []), 'use'];
  const table = rows.map((r) => [
    r.shape, r.op, ...columns.map((c) => (Number.isNaN(r[c]) ? '-' : r[c].toFixed(1))),
    ...(ratio ? [`${(r[best] / r['tfjs-cpu']).toFixed(1)}×`] : []), r.use,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((t) => t[i].length)));
  const line = (cells) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join('  ');
  console.log(line(header));
  for (const t of table) console.log(line(t));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
