'use strict';
/**
 * The native kernels' C compiled to WebAssembly by clang-19 (bench/options/build_wasm_from_c.sh:
 * dist/bench-options/c-*.wasm) against our hand-written AssemblyScript kernels
 * (src/core/kernels/asm, `node esbuild.js`: dist/kernels/kernels-{relaxed,simd}-unshared.wasm), in
 * one process, single thread: the GEMM on the shapes recurrent training runs (GFLOP/s) and the LSTM
 * step's elementwise kernels (µs per call). Every module is called raw, through its exports, with byte
 * offsets (as src/core/kernels/wasmBinding.ts calls the hand-written one: workspace set with
 * setWorkspace, 2 MiB at byte 1024), on the same data. Rounds are interleaved: each round times every
 * module once per case, in the same order; median and best of the rounds are reported. Results are
 * checked against each other first (GEMM: max relative difference; LSTM: max absolute difference).
 * The *-unshared builds are used so both sides run on a plain (non-shared) memory.
 * C simd128 is native/src as it is; C patched has two small wasm-only changes (see the build script).
 * Usage: bash bench/options/build_wasm_from_c.sh && node bench/options/wasmFromC.js [--rounds=7] [--ms=120] [--only=gemm|lstm]
 */
const fs = require('node:fs');
const path = require('node:path');
const v8 = require('node:v8');
const { performance } = require('node:perf_hooks');

const arg = (name, fallback) => {
  const hit = process.argv.find((a) => a.startsWith(`--${name}=`));
  return hit ? hit.slice(name.length + 3) : fallback;
};
const ROUNDS = Number(arg('rounds', 7));
const ROUND_MS = Number(arg('ms', 120));
const ONLY = arg('only', '');
const repo = path.resolve(__dirname, '..', '..');

v8.setFlagsFromString('--experimental-wasm-relaxed-simd'); // Node 20 (V8 11.3): relaxed SIMD is behind a flag

/** [label, op ('NN' | 'TN' | 'packed'), M, N, K, beta]: the multiplies of one training step (src/core/cells.ts, network.ts). */
const GEMMS = [
  ['brief: [x,h]·[W;U], B 64, E 64, H 128', 'NN', 64, 512, 192, 0],
  ['small step h·U (packed U)', 'packed', 32, 256, 64, 1],
  ['large step h·U (packed U)', 'packed', 64, 1024, 256, 1],
  ['large step dz·Uᵀ (packed)', 'packed', 64, 256, 1024, 1],
  ['large x·W, all T·B rows', 'NN', 4096, 1024, 128, 0],
  ['large dU = hᵀ·dz', 'TN', 256, 1024, 63 * 64, 0],
];
/** [label, B, H]: one LSTM time step's elementwise work. */
const LSTMS = [
  ['small (B 32, H 64)', 32, 64],
  ['large (B 64, H 256)', 64, 256],
];

const WORKSPACE_AT = 1024;
const WORKSPACE_BYTES = 2 * 1024 * 1024;

/** A module with an alloc(bytes) → byte offset and its memory's Float32Array. */
function loadHandWritten(file, name) {
  const bytes = fs.readFileSync(file);
  const memory = new WebAssembly.Memory({ initial: 2048, maximum: 4096 }); // 128 MiB, room for the largest case
  const x = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } }).exports;
  if (x.minWorkspaceBytes() > WORKSPACE_BYTES) throw new Error(`${file} wants ${x.minWorkspaceBytes()} bytes of workspace`);
  x.setWorkspace(WORKSPACE_AT, WORKSPACE_BYTES);
  let top = WORKSPACE_AT + WORKSPACE_BYTES;
  const alloc = (nbytes) => {
    const at = top;
    top += Math.ceil(nbytes / 64) * 64;
    if (top > memory.buffer.byteLength) throw new RangeError(`${name}: out of memory`);
    return at;
  };
  return { name, x, memory, alloc, packedFloats: (K, N) => x.packedBFloats(K, N) };
}

function loadFromC(file, name) {
  const x = new WebAssembly.Instance(new WebAssembly.Module(fs.readFileSync(file)), {}).exports;
  const alloc = (nbytes) => {
    const at = x.alloc(nbytes);
    if (!at) throw new RangeError(`${name}: out of memory`);
    return at;
  };
  return { name, x, memory: x.memory, alloc, packedFloats: (K, N) => x.packedBFloats(K, N) };
}

function fillRandom(a, seed) {
  let s = seed >>> 0;
  for (let i = 0; i < a.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = s / 2 ** 31 - 1;
  }
}

/** Copies `values` into a new array of module m; returns its byte offset. */
function put(m, values) {
  const at = m.alloc(values.length * 4);
  new Float32Array(m.memory.buffer, at, values.length).set(values);
  return at;
}
const read = (m, at, n) => new Float32Array(m.memory.buffer, at, n).slice();

/** A GEMM case on module m: returns { run, result }. */
function gemmCase(m, [, op, M, N, K, beta]) {
  const tA = op === 'TN' ? 1 : 0;
  const a = new Float32Array(M * K), b = new Float32Array(K * N);
  fillRandom(a, 1);
  fillRandom(b, 2);
  const A = put(m, a), B = put(m, b), C = m.alloc(M * N * 4);
  const lda = tA ? M : K;
  let call;
  if (op === 'packed') {
    const P = m.alloc(m.packedFloats(K, N) * 4);
    m.x.packB(0, K, N, B, N, P);
    call = (bt) => m.x.sgemmPacked(0, M, N, K, A, lda, P, C, N, bt);
  } else {
    call = (bt) => m.x.sgemm(tA, 0, M, N, K, A, lda, B, N, C, N, bt);
  }
  call(0); // the checked product
  const result = read(m, C, M * N);
  return { run: () => call(beta), result, flops: 2 * M * N * K };
}

/** An LSTM step case (forward with pre-activations kept, and backward) on module m. */
function lstmCase(m, [, B, H], which) {
  const G = 4 * H;
  const rnd = (n, seed, scale = 1) => {
    const v = new Float32Array(n);
    fillRandom(v, seed);
    for (let i = 0; i < n; i++) v[i] *= scale;
    return v;
  };
  const mask = new Float32Array(B).fill(1);
  mask[B - 1] = 0; // one padded row, as batches have
  const z0 = rnd(B * G, 3, 3), bias = put(m, rnd(G, 4, 0.1));
  const z = put(m, z0), pre = m.alloc(B * G * 4), cPrev = put(m, rnd(B * H, 5)), c = m.alloc(B * H * 4);
  const hPrev = put(m, rnd(B * H, 6)), h = m.alloc(B * H * 4), mk = put(m, mask);
  const zView = () => new Float32Array(m.memory.buffer, z, B * G);
  if (which === 'forward') {
    // z is overwritten by the gates each call; reset it before the checked call, time on whatever it holds.
    zView().set(z0);
    m.x.lstmForward(B, H, z, bias, pre, cPrev, c, hPrev, H, h, H, mk);
    const result = new Float32Array([...read(m, h, B * H), ...read(m, c, B * H), ...read(m, z, B * G)]);
    return { run: () => m.x.lstmForward(B, H, z, bias, pre, cPrev, c, hPrev, H, h, H, mk), result, cells: B * H };
  }
  // backward: gates in (0, 1) (tanh candidate in (−1, 1)), as the forward leaves them
  const gates = put(m, rnd(B * G, 7).map((x) => 0.5 + 0.45 * x));
  const dh = put(m, rnd(B * H, 8)), dhCarry = put(m, rnd(B * H, 9)), dcCarry = put(m, rnd(B * H, 10));
  const dz = m.alloc(B * G * 4), dhNew = m.alloc(B * H * 4);
  const dc0 = read(m, dcCarry, B * H);
  m.x.lstmBackward(B, H, gates, cPrev, c, dh, H, dhCarry, dcCarry, dz, dhNew, mk);
  const result = new Float32Array([...read(m, dz, B * G), ...read(m, dcCarry, B * H), ...read(m, dhNew, B * H)]);
  // dcCarry is read and written: time with it restored each round (its values only scale, no NaN).
  const run = () => m.x.lstmBackward(B, H, gates, cPrev, c, dh, H, dhCarry, dcCarry, dz, dhNew, mk);
  return { run, result, cells: B * H, reset: () => new Float32Array(m.memory.buffer, dcCarry, B * H).set(dc0) };
}

function maxDiff(a, b, relative) {
  let worst = 0;
  let scale = 1e-30;
  for (let i = 0; i < a.length; i++) scale = Math.max(scale, Math.abs(a[i]));
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (Number.isNaN(d)) return Infinity;
    worst = Math.max(worst, d);
  }
  return relative ? worst / scale : worst;
}

/** Seconds per call of run(), over `reps` calls. */
function timeReps(run, reps) {
  const t0 = performance.now();
  for (let r = 0; r < reps; r++) run();
  return (performance.now() - t0) / 1000 / reps;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Times the cases of every module in interleaved rounds; returns seconds per call per round, [case][module][round]. */
function interleave(cases) {
  for (const row of cases) {
    for (const c of row) {
      c.run();
      const once = timeReps(c.run, 1);
      c.reps = Math.max(1, Math.round(ROUND_MS / 1000 / Math.max(once, 1e-7)));
      timeReps(c.run, Math.min(c.reps, 50)); // warm-up
      c.times = [];
    }
  }
  for (let r = 0; r < ROUNDS; r++) {
    for (const row of cases) {
      for (const c of row) {
        c.reset?.();
        c.times.push(timeReps(c.run, c.reps));
      }
    }
  }
}

function table(header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  console.log(line(header));
  for (const r of rows) console.log(line(r));
}

function main() {
  const files = [
    ['hand-written relaxed', path.join(repo, 'dist', 'kernels', 'kernels-relaxed-unshared.wasm'), loadHandWritten],
    ['hand-written simd', path.join(repo, 'dist', 'kernels', 'kernels-simd-unshared.wasm'), loadHandWritten],
    ['C simd128', path.join(repo, 'dist', 'bench-options', 'c-simd128.wasm'), loadFromC],
    ['C patched', path.join(repo, 'dist', 'bench-options', 'c-patched.wasm'), loadFromC],
  ];
  for (const [, file] of files) {
    if (!fs.existsSync(file)) {
      console.error(`${file} is missing: run \`node esbuild.js\` (dist/kernels) and \`bash bench/options/build_wasm_from_c.sh\` (dist/bench-options)`);
      process.exit(1);
    }
  }
  const mods = files.map(([name, file, load]) => load(file, name));
  const names = mods.map((m) => m.name);
  console.log(`Single thread, Node ${process.versions.node} (V8 ${process.versions.v8}); median / best of ${ROUNDS} interleaved rounds of ≥ ${ROUND_MS} ms`);
  console.log(`C modules: GEMM path "${new TextDecoder().decode(new Uint8Array(mods[2].memory.buffer, mods[2].x.gemmIsa(), 7))}" (gemm_generic.c: 6×16 tile as is, 2×16 in C patched), elementwise: the 4-lane generic build`);

  if (ONLY !== 'lstm') {
    const gm = mods;
    const cases = GEMMS.map((g) => gm.map((m) => gemmCase(m, g)));
    for (let i = 0; i < GEMMS.length; i++) {
      for (let j = 1; j < gm.length; j++) {
        const d = maxDiff(cases[i][0].result, cases[i][j].result, true);
        if (!(d < 1e-4)) throw new Error(`${GEMMS[i][0]}: ${names[j]} differs from ${names[0]} by ${d} (relative)`);
      }
    }
    interleave(cases);
    console.log('\nGEMM, GFLOP/s (median / best); C as % of each hand-written build, from the medians');
    table(
      ['case', 'M×N×K', ...names, 'C simd128 / hw simd', 'C patched / hw simd', 'C patched / hw relaxed'],
      GEMMS.map((g, i) => {
        const gf = cases[i].map((c) => c.times.map((t) => c.flops / t / 1e9));
        const med = gf.map(median);
        return [
          `${g[0]} [${g[1]}]`, `${g[2]}×${g[3]}×${g[4]}`,
          ...gf.map((x, j) => `${med[j].toFixed(1)} / ${Math.max(...x).toFixed(1)}`),
          ...[[2, 1], [3, 1], [3, 0]].map(([c, h]) => `${((100 * med[c]) / med[h]).toFixed(0)} %`),
        ];
      }),
    );
  }

  if (ONLY !== 'gemm') {
    const kinds = ['forward', 'backward'];
    const defs = LSTMS.flatMap((l) => kinds.map((k) => [l, k]));
    const cases = defs.map(([l, k]) => mods.map((m) => lstmCase(m, l, k)));
    for (let i = 0; i < defs.length; i++) {
      for (let j = 1; j < mods.length; j++) {
        const d = maxDiff(cases[i][0].result, cases[i][j].result, false);
        if (!(d < 1e-5)) throw new Error(`lstm ${defs[i][1]} ${defs[i][0][0]}: ${names[j]} differs from ${names[0]} by ${d}`);
      }
    }
    interleave(cases);
    console.log('\nLSTM step elementwise kernels, µs per call (median / best); speed of C as % of the hand-written build of the same instruction set, from the medians');
    table(
      ['case', ...names, 'C simd128 / hw simd', 'C patched / hw relaxed'],
      defs.map(([l, k], i) => {
        const us = cases[i].map((c) => c.times.map((t) => t * 1e6));
        const med = us.map(median);
        return [
          `lstm${k === 'forward' ? 'Forward' : 'Backward'} ${l[0]}`,
          ...us.map((x, j) => `${med[j].toFixed(2)} / ${Math.min(...x).toFixed(2)}`),
          `${((100 * med[1]) / med[2]).toFixed(0)} %`, `${((100 * med[0]) / med[3]).toFixed(0)} %`,
        ];
      }),
    );
  }
}

main();
