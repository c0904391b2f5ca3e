'use strict';
/**
 * The GPU benchmark (`npm run bench:gpu`), for a machine with a GPU: prints the adapter, runs the GPU
 * equality tests on it (test/unit/gpuGemm.test.ts, gpuNet.test.ts, gpuEngine.test.ts with
 * RNN_LENS_REQUIRE_GPU=1), then times training and inference tokens/s of GpuNet against our CPU
 * backend (ParallelNet, as training runs it) on the bench's small and large configs and an "xl" one
 * (B=256, T=100, E=64, H=512), in interleaved rounds (median and best), and a 50-token capture.
 * Writes bench/results/gpu-<time>.json.
 *   --rounds N (default 3)   --quick (short cells)   --no-tests   --software (accept a software adapter)
 *   --configs small,large,xl
 */
const path = require('node:path');
const fs = require('node:fs');
const os = require('node:os');
const { spawnSync } = require('node:child_process');
const { CONFIGS, LEARNING_RATE, SEED, CAPTURE, TIMING } = require('./workload');
const { makeBatches, timeSteps } = require('./peerSupport');
const { median } = require('./stats');

const ROOT = path.join(__dirname, '..');
const XL = { batch: 256, time: 100, embedding: 64, hidden: 512, vocab: 20000, classes: 2 };
const ALL = { ...CONFIGS, xl: XL };

const args = process.argv.slice(2);
const flag = (name) => args.includes(`--${name}`);
const value = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1] : fallback;
};

/** GpuNet, openGpu and ParallelNet bundled as the engine ships them. */
function loadModules() {
  const outfile = path.join(ROOT, 'dist', 'bench', 'gpu.js');
  require('esbuild').buildSync({
    stdin: {
      contents: "export { GpuNet } from './gpu/gpuNet'; export { openGpu } from './gpu/device'; export { ParallelNet } from './kernels/parallel';",
      resolveDir: path.join(ROOT, 'src', 'engine'),
      loader: 'ts',
    },
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    outfile,
    external: ['webgpu'],
    logLevel: 'error',
  });
  return require(outfile);
}

function netConfig(c) {
  return { cell: 'lstm', vocabSize: c.vocab, embeddingSize: c.embedding, hiddenSize: c.hidden, layers: 1, bidirectional: false, classes: c.classes, learningRate: LEARNING_RATE, seed: SEED };
}

/** Uniform ±0.1 weights (embedding ±0.05), seeded, in getWeights() order. */
function randomWeights(shapes, seed) {
  let s = seed >>> 0;
  const next = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296) * 2 - 1;
  return shapes.map((shape, i) => Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => next() * (i === 0 ? 0.05 : 0.1)));
}

async function measure(name, config, make, timing) {
  const net = await make();
  const batches = makeBatches(config, 4, SEED);
  const tokens = config.batch * config.time;
  try {
    const train = await timeSteps((k) => net.train(batches[k % 4]), timing);
    const infer = await timeSteps((k) => net.infer(batches[k % 4]), timing);
    return { train: (train.steps * tokens) / train.seconds, infer: (infer.steps * tokens) / infer.seconds };
  } finally {
    net.dispose();
  }
}

async function main() {
  const rounds = Number(value('rounds', 3));
  const configNames = value('configs', 'small,large,xl').split(',');
  const timing = flag('quick') ? TIMING.quick : { ...TIMING.full, minSeconds: 2 };
  const { GpuNet, openGpu, ParallelNet } = loadModules();
  const gpu = await openGpu({ allowSoftware: flag('software') });
  if ('reason' in gpu) {
    console.error(`No GPU: ${gpu.reason}. (--software accepts a software adapter.)`);
    process.exitCode = 1;
    return;
  }
  console.log(`adapter: ${gpu.name}`);
  console.log(`  ${JSON.stringify(gpu.adapter)}`);
  const result = { adapter: gpu.adapter, name: gpu.name, machine: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model, node: process.version }, tests: undefined, cells: {}, capture: undefined };

  if (!flag('no-tests')) {
    console.log('\nequality tests on this adapter (RNN_LENS_REQUIRE_GPU=1):');
    const run = spawnSync(process.execPath, [require.resolve('mocha/bin/mocha.js'), '--no-config', '-r', 'tsx/cjs', 'test/unit/gpuGemm.test.ts', 'test/unit/gpuNet.test.ts', 'test/unit/gpuEngine.test.ts'], {
      cwd: ROOT,
      env: { ...process.env, RNN_LENS_REQUIRE_GPU: '1' },
      encoding: 'utf8',
      timeout: 600_000,
    });
    const out = `${run.stdout}`;
    const passing = /(\d+) passing/.exec(out)?.[1] ?? '0';
    const failing = /(\d+) failing/.exec(out)?.[1] ?? '0';
    result.tests = { passing: Number(passing), failing: Number(failing) };
    console.log(out.split('\n').filter((l) => /✔|passing|failing|pending|^\s+\d+\)|on /.test(l)).join('\n'));
    if (run.status !== 0) console.log(`  the tests exited with ${run.status}${run.error ? ` (${run.error.message})` : ''}`);
  }

  const makers = {
    gpu: (config) => async () => {
      const net = await GpuNet.create(gpu, netConfig(config), { maxBatch: config.batch, maxTime: config.time });
      net.setWeights(randomWeights(net.weightShapes(), SEED));
      return { train: (b) => net.trainStep(b.ids, b.labels, config.batch, config.time), infer: (b) => net.predict(b.ids, config.batch, config.time), dispose: () => net.dispose() };
    },
    cpu: (config) => async () => {
      const p = await ParallelNet.create(netConfig(config), { maxBatch: config.batch, maxTime: config.time });
      p.net.setWeights(randomWeights(p.net.weightShapes(), SEED));
      result.cpuKernels = p.kernelName;
      return { train: (b) => p.trainStep(b.ids, b.labels, config.batch, config.time), infer: (b) => p.predict(b.ids, config.batch, config.time), dispose: () => p.dispose() };
    },
  };
  for (const name of configNames) {
    const config = ALL[name];
    if (!config) throw new Error(`unknown config ${name}`);
    const cell = (result.cells[name] = { config, gpu: [], cpu: [] });
    for (let r = 0; r < rounds; r++) {
      for (const side of ['gpu', 'cpu']) {
        const got = await measure(name, config, makers[side](config), timing);
        cell[side].push(got);
        console.log(`${name} round ${r + 1} ${side}: train ${Math.round(got.train).toLocaleString('en')} tok/s, infer ${Math.round(got.infer).toLocaleString('en')} tok/s`);
      }
    }
  }

  // A 50-token capture on the GPU, end to end (ids up, every per-token value back).
  {
    const config = { ...CONFIGS.small, batch: 1, time: CAPTURE.time, hidden: CAPTURE.hidden };
    const net = await GpuNet.create(gpu, { ...netConfig(config), layers: CAPTURE.layers, bidirectional: CAPTURE.bidirectional }, { maxBatch: 1, maxTime: CAPTURE.time });
    net.setWeights(randomWeights(net.weightShapes(), SEED));
    const ids = makeBatches(config, 1, SEED + 1)[0].ids;
    for (let k = 0; k < 10; k++) await net.inspect(ids, 1, CAPTURE.time);
    const times = [];
    const start = performance.now();
    while (performance.now() - start < 2000 || times.length < 20) {
      const t = performance.now();
      await net.inspect(ids, 1, CAPTURE.time);
      times.push(performance.now() - t);
    }
    net.dispose();
    result.capture = { medianMs: median(times), bestMs: Math.min(...times), calls: times.length };
  }

  console.log(`\nGPU ${gpu.name} vs our CPU backend (${result.cpuKernels}) on this machine; tokens/s, median of ${rounds} interleaved rounds (best in brackets)`);
  console.log('config  phase   GPU                      CPU                      GPU/CPU (median)');
  for (const [name, cell] of Object.entries(result.cells)) {
    for (const phase of ['train', 'infer']) {
      const g = cell.gpu.map((x) => x[phase]);
      const c = cell.cpu.map((x) => x[phase]);
      const fmt = (v) => `${Math.round(median(v)).toLocaleString('en')} (${Math.round(Math.max(...v)).toLocaleString('en')})`;
      cell[`${phase}Ratio`] = median(g) / median(c);
      console.log(`${name.padEnd(7)} ${phase.padEnd(7)} ${fmt(g).padEnd(24)} ${fmt(c).padEnd(24)} ×${(median(g) / median(c)).toFixed(2)}`);
    }
  }
  console.log(`capture of a 50-token sentence (2 layers, bidirectional, H=64) on the GPU: ${result.capture.medianMs.toFixed(2)} ms median, ${result.capture.bestMs.toFixed(2)} ms best, ${result.capture.calls} calls`);
  const file = path.join(ROOT, 'bench', 'results', `gpu-${new Date().toISOString().replace(/[:.]/g, '-').replace(/-\d{3}Z$/, 'Z')}.json`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`results: ${path.relative(ROOT, file)}`);
  gpu.device.destroy();
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
