'use strict';
/**
 * Peer: our fused engine as the training loop uses it — ParallelNet from src/engine/kernels/parallel.ts
 * (RecurrentNet on WebAssembly SIMD, split over two threads when the machine has two cores; bundled
 * by esbuild as the engine is; needs `npm run build` for the worker and kernels), with random uniform weights set
 * before timing. Also times inference with full capture (inspect) of one
 * 50-token sentence on a 2-layer bidirectional net.
 * Usage: node bench/oursPeer.js '<plan JSON>' (bench/run.js writes the plan).
 */
const path = require('node:path');
const { performance } = require('node:perf_hooks');
const { spawnSync } = require('node:child_process');
const { readPlan, emit, createRng, makeBatches, measureConfig, errorMessage, peakRssMb, RESULT_PREFIX } = require('./peerSupport');

const BATCH_VARIANTS = 4;

/**
 * Bundles the kernels the way the engine ships them (esbuild, one CommonJS file; the worker is
 * dist/kernelWorker.js from `npm run build`), rather than loading the TypeScript through a loader
 * that would sit in the timed process.
 */
function loadNetwork({ build = true } = {}) {
  const entry = path.join(__dirname, '..', 'src', 'engine', 'kernels', 'parallel.ts');
  const outfile = path.join(__dirname, '..', 'dist', 'bench', 'kernels.js');
  // The capture's child processes load the bundle their parent has just built.
  if (build) {
    require('esbuild').buildSync({
      stdin: { contents: "export { ParallelNet } from './parallel'; export { createNet } from './createNet';", resolveDir: path.dirname(entry), loader: 'ts' },
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      outfile,
      logLevel: 'error',
    });
  }
  const { createNet, ParallelNet } = require(outfile);
  if (typeof createNet !== 'function') throw new Error(`${outfile} exports no createNet`);
  if (typeof ParallelNet?.create !== 'function') throw new Error(`${outfile} exports no ParallelNet.create`);
  return { createNet, ParallelNet };
}

/** Uniform values in ±0.1 (embedding ±0.05) for every weight, when the net exposes weightShapes/setWeights. */
function randomizeWeights(net, seed) {
  if (typeof net.weightShapes !== 'function' || typeof net.setWeights !== 'function') return false;
  const rng = createRng(seed);
  const shapes = net.weightShapes();
  net.setWeights(
    shapes.map((shape, i) => {
      const scale = i === 0 ? 0.05 : 0.1;
      const values = new Float32Array(shape.reduce((a, b) => a * b, 1));
      for (let j = 0; j < values.length; j++) values[j] = (rng() * 2 - 1) * scale;
      return values;
    }),
  );
  return true;
}

function netConfig(plan, config, overrides = {}) {
  return {
    cell: 'lstm',
    vocabSize: config.vocab,
    embeddingSize: config.embedding,
    hiddenSize: config.hidden,
    layers: 1,
    bidirectional: false,
    classes: config.classes,
    learningRate: plan.learningRate,
    seed: plan.seed,
    ...overrides,
  };
}

/** Processes the capture is timed in: its speed varies from one process to the next (≈ 1.1–1.9 ms here), more than within one. */
const CAPTURE_PROCESSES = 3;

/** Milliseconds per inspect() call on one 50-token sentence (2 layers, bidirectional, H = 64), in this process. */
async function measureCapture(createNet, plan) {
  const capture = plan.capture;
  const config = { ...plan.configs.small, batch: 1, time: capture.time, hidden: capture.hidden };
  const net = await createNet(netConfig(plan, config, { layers: capture.layers, bidirectional: capture.bidirectional }), {
    maxBatch: 1,
    maxTime: capture.time,
  });
  try {
    if (typeof net.inspect !== 'function') return { type: 'capture', available: false, message: 'RecurrentNet.prototype.inspect is not defined' };
    randomizeWeights(net, plan.seed);
    const ids = makeBatches(config, 1, plan.seed + 1)[0].ids;
    // The brief's signature is inspect(ids, time); the module may take (ids, batch, time).
    const withBatch = net.inspect.length >= 3;
    const call = withBatch ? () => net.inspect(ids, 1, capture.time) : () => net.inspect(ids, capture.time);
    for (let k = 0; k < capture.warmupCalls; k++) call();
    const times = [];
    const start = performance.now();
    while (performance.now() - start < capture.minSeconds * 1000 || times.length < capture.minCalls) {
      const t0 = performance.now();
      call();
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    return {
      type: 'capture',
      available: true,
      signature: withBatch ? 'inspect(ids, 1, time)' : 'inspect(ids, time)',
      calls: times.length,
      meanMs: times.reduce((a, b) => a + b, 0) / times.length,
      medianMs: times[Math.floor(times.length / 2)],
      kernelName: net.kernelName,
    };
  } finally {
    net.dispose();
  }
}

/**
 * Times the capture in CAPTURE_PROCESSES fresh processes (as the engine's inspector runs: not after
 * this process trained the large config, whose freed buffers slow it down here) and reports the median
 * of their medians, with each process's median.
 */
function captureInFreshProcesses(plan) {
  const runs = [];
  for (let k = 0; k < CAPTURE_PROCESSES; k++) {
    const child = spawnSync(process.execPath, [__filename, JSON.stringify(plan), '--capture-only'], { encoding: 'utf8', timeout: 120000 });
    const line = (child.stdout || '').split('\n').find((l) => l.startsWith(RESULT_PREFIX));
    if (!line) return { type: 'capture', available: false, message: `the capture process failed: ${(child.stderr || child.error?.message || '').trim().split('\n').pop()}` };
    const result = JSON.parse(line.slice(RESULT_PREFIX.length));
    if (!result.available) return result;
    runs.push(result);
  }
  const medians = runs.map((r) => r.medianMs).sort((a, b) => a - b);
  return {
    ...runs[0],
    medianMs: medians[Math.floor(medians.length / 2)],
    meanMs: runs.reduce((a, r) => a + r.meanMs, 0) / runs.length,
    calls: runs.reduce((a, r) => a + r.calls, 0),
    processMediansMs: runs.map((r) => r.medianMs),
  };
}

async function main() {
  const plan = readPlan();
  if (process.argv.includes('--capture-only')) {
    const { createNet } = loadNetwork({ build: false });
    try {
      emit(await measureCapture(createNet, plan));
    } catch (error) {
      emit({ type: 'capture', available: false, message: errorMessage(error) });
    }
    return;
  }
  let ParallelNet;
  try {
    ({ ParallelNet } = loadNetwork());
  } catch (error) {
    emit({ type: 'fatal', message: errorMessage(error) });
    emit({ type: 'memory', after: 'fatal', peakRssMb: peakRssMb() });
    return;
  }
  let kernelName;
  for (const configName of plan.configNames) {
    await measureConfig(plan, configName, async (config) => {
      const parallel = await ParallelNet.create(netConfig(plan, config), { maxBatch: config.batch, maxTime: config.time });
      const net = parallel.net;
      kernelName = parallel.kernelName;
      const randomized = randomizeWeights(net, plan.seed);
      emit({ type: 'info', kernelName, randomWeights: randomized });
      const batches = makeBatches(config, BATCH_VARIANTS, plan.seed);
      return {
        train: async (k) => {
          const b = batches[k % BATCH_VARIANTS];
          const { loss } = await parallel.trainStep(b.ids, b.labels, config.batch, config.time);
          if (!Number.isFinite(loss)) throw new Error(`loss is not finite: ${loss}`);
        },
        infer: async (k) => {
          const probs = await parallel.predict(batches[k % BATCH_VARIANTS].ids, config.batch, config.time);
          if (probs.length !== config.batch * config.classes) throw new Error(`predict returned ${probs.length} values`);
        },
        dispose: () => parallel.dispose(),
      };
    });
  }
  // bench/run.js asks for the capture in its first round only.
  if (plan.capture) emit(captureInFreshProcesses(plan));
  emit({ type: 'memory', after: 'all', peakRssMb: peakRssMb(), kernelName });
}

main().catch((error) => {
  emit({ type: 'crash', message: errorMessage(error) });
  emit({ type: 'memory', after: 'crash', peakRssMb: peakRssMb() });
  process.exitCode = 1;
});
