'use strict';
/**
 * Our engine on bench/workload.js's two configs, one thread (RecurrentNet from createNet, the kernels
 * 'auto' picks: the native addon where it is built, else WebAssembly), in the units of onednn_lstm.c:
 * tokens/s (batch · time per call) of trainStep (embedding, LSTM, dense layer, loss, backward and Adam)
 * and predict (the forward), median and best of the rounds. The full network is timed, where
 * onednn_lstm.c times the LSTM layer alone. bench/run.js --peers ours times the same on two threads.
 * Usage: node bench/options/ours_lstm.js [--rounds=7] [--seconds=0.5] [--kernels=auto|native|wasm|js]
 */
require('tsx/cjs');
const { performance } = require('node:perf_hooks');
const { createNet } = require('../../src/engine/kernels/createNet');
const { createRng, makeBatches } = require('../peerSupport');
const { CONFIGS, LEARNING_RATE, SEED } = require('../workload');

const arg = (name, fallback) => {
  const hit = process.argv.find((a) => a.startsWith(`--${name}=`));
  return hit ? hit.slice(name.length + 3) : fallback;
};
const ROUNDS = Number(arg('rounds', '7'));
const SECONDS = Number(arg('seconds', '0.5'));
const KERNELS = arg('kernels', 'auto');

/** Uniform weights in ±0.1 (embedding ±0.05), as bench/oursPeer.js sets them. */
function randomizeWeights(net, seed) {
  const rng = createRng(seed);
  net.setWeights(
    net.weightShapes().map((shape, i) => {
      const values = new Float32Array(shape.reduce((a, b) => a * b, 1));
      for (let j = 0; j < values.length; j++) values[j] = (rng() * 2 - 1) * (i === 0 ? 0.05 : 0.1);
      return values;
    }),
  );
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Tokens/s of step(): one second of warm-up (V8 optimising), then ROUNDS rounds of ≥ SECONDS. */
function rate(step, tokens) {
  for (let t0 = performance.now(), k = 0; performance.now() - t0 < 1000 || k < 3; k++) step();
  const rates = [];
  for (let r = 0; r < ROUNDS; r++) {
    let steps = 0;
    const t0 = performance.now();
    let elapsed;
    do {
      step();
      steps++;
      elapsed = (performance.now() - t0) / 1000;
    } while (elapsed < SECONDS || steps < 2);
    rates.push((steps * tokens) / elapsed);
  }
  return { median: median(rates), best: Math.max(...rates) };
}

async function main() {
  console.log(`ours, 1 thread, Node ${process.versions.node}; median / best of ${ROUNDS} rounds of >= ${SECONDS} s`);
  for (const name of ['small', 'large']) {
    const c = CONFIGS[name];
    const net = await createNet(
      { cell: 'lstm', vocabSize: c.vocab, embeddingSize: c.embedding, hiddenSize: c.hidden, layers: 1, bidirectional: false, classes: c.classes, learningRate: LEARNING_RATE, seed: SEED },
      { maxBatch: c.batch, maxTime: c.time, kernels: KERNELS },
    );
    randomizeWeights(net, SEED);
    const batches = makeBatches(c, 4, SEED);
    let k = 0;
    const tokens = c.batch * c.time;
    const infer = rate(() => net.predict(batches[k++ % 4].ids, c.batch, c.time), tokens);
    const train = rate(() => {
      const b = batches[k++ % 4];
      const loss = net.trainStep(b.ids, b.labels, c.batch, c.time);
      if (!Number.isFinite(loss)) throw new Error(`loss is not finite: ${loss}`);
    }, tokens);
    const f = (x) => x.toFixed(0).padStart(9);
    console.log(
      `${name.padEnd(5)} B ${String(c.batch).padStart(2)} T ${String(c.time).padStart(2)} E ${String(c.embedding).padStart(3)} H ${String(c.hidden).padStart(3)}  ` +
        `inference ${f(infer.median)} / ${f(infer.best)} tokens/s   training ${f(train.median)} / ${f(train.best)} tokens/s   (${net.kernelName})`,
    );
    net.dispose();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
