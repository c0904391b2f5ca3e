'use strict';
/**
 * Single-thread training throughput of RecurrentNet.trainStep (src/core/network.ts) in
 * tokens/s (batch · time per step, no padding) on the small and large LSTM configs of bench/run.js
 * and the small config with GRU and SimpleRNN cells, plus the machine's load average. Run after
 * `node esbuild.js` (it needs dist/kernels/*.wasm).
 * Usage: node bench/kernels.js [--cases=small-lstm,large-lstm,small-gru,small-simplernn] [--seconds=3]
 *   [--kernels=auto|js] [--module=<another copy of createNet.ts, to compare against>]
 */
require('tsx/cjs');
const os = require('node:os');
const { performance } = require('node:perf_hooks');
const { createNet } = require(arg('module', '../src/engine/kernels/createNet'));
const { createRng, makeBatches } = require('./peerSupport');

const SMALL = { batch: 32, time: 40, embedding: 32, hidden: 64, vocab: 2000, classes: 2 };
const LARGE = { batch: 64, time: 64, embedding: 128, hidden: 256, vocab: 20000, classes: 2 };
const CASES = {
  'small-lstm': { ...SMALL, cell: 'lstm' },
  'large-lstm': { ...LARGE, cell: 'lstm' },
  'small-gru': { ...SMALL, cell: 'gru' },
  'small-simplernn': { ...SMALL, cell: 'simplernn' },
};

function arg(name, fallback) {
  const hit = process.argv.find((a) => a.startsWith(`--${name}=`));
  return hit ? hit.slice(name.length + 3) : fallback;
}

/** Uniform weights in ±0.1 (embedding ±0.05), as bench/oursPeer.js sets them. */
function randomizeWeights(net, seed) {
  const rng = createRng(seed);
  net.setWeights(
    net.weightShapes().map((shape, i) => {
      const scale = i === 0 ? 0.05 : 0.1;
      const values = new Float32Array(shape.reduce((a, b) => a * b, 1));
      for (let j = 0; j < values.length; j++) values[j] = (rng() * 2 - 1) * scale;
      return values;
    }),
  );
}

/** Tokens/s of trainStep: best of five rounds of at least seconds/5 each, after two warm-up steps. */
async function measure(c, seconds, kernels) {
  const net = await createNet(
    { cell: c.cell, vocabSize: c.vocab, embeddingSize: c.embedding, hiddenSize: c.hidden, layers: 1, bidirectional: false, classes: c.classes, learningRate: 0.005, seed: 42 },
    { maxBatch: c.batch, maxTime: c.time, kernels },
  );
  randomizeWeights(net, 42);
  const batches = makeBatches(c, 4, 42);
  let k = 0;
  const step = () => {
    const b = batches[k++ % batches.length];
    const loss = net.trainStep(b.ids, b.labels, c.batch, c.time);
    if (!Number.isFinite(loss)) throw new Error(`loss is not finite: ${loss}`);
  };
  step();
  step();
  let best = 0;
  for (let round = 0; round < 5; round++) {
    let steps = 0;
    const start = performance.now();
    let elapsed = 0;
    while (elapsed < (seconds * 1000) / 5 || steps < 2) {
      step();
      steps++;
      elapsed = performance.now() - start;
    }
    best = Math.max(best, (steps * c.batch * c.time) / (elapsed / 1000));
  }
  return { kernelName: net.kernelName, tokensPerSecond: best };
}

async function main() {
  const names = arg('cases', Object.keys(CASES).join(',')).split(',');
  const seconds = Number(arg('seconds', '3'));
  const kernels = arg('kernels', 'auto');
  console.log(`load average before: ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  for (const name of names) {
    const c = CASES[name];
    if (!c) throw new Error(`unknown case ${name}; known: ${Object.keys(CASES).join(', ')}`);
    const { kernelName, tokensPerSecond } = await measure(c, seconds, kernels);
    console.log(`${name.padEnd(16)} ${kernelName.padEnd(18)} ${Math.round(tokensPerSecond).toLocaleString('en-US').padStart(9)} train tokens/s`);
  }
  console.log(`load average after: ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
