'use strict';
/**
 * Peer: a tfjs-layers LSTM classifier (as src/engine/model.ts builds it) trained with model.trainOnBatch
 * (Adam, sparse categorical crossentropy) and run with model.predict, on the pure-JS cpu or the wasm backend,
 * with an Embedding(maskZero) in front or with dense [B, T, E] inputs straight into the LSTM.
 * Usage: node bench/tfjsPeer.js '<plan JSON>' (bench/run.js writes the plan).
 */
const path = require('node:path');
const { readPlan, emit, makeBatches, makeDenseInputs, measureConfig, errorMessage, peakRssMb } = require('./peerSupport');

const BATCH_VARIANTS = 4;

async function selectBackend(tf, backend) {
  if (backend === 'wasm') {
    const wasm = require('@tensorflow/tfjs-backend-wasm');
    wasm.setWasmPaths(path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + path.sep);
  }
  if (!(await tf.setBackend(backend))) throw new Error(`tfjs backend ${backend} did not initialise`);
  await tf.ready();
  const info = { backend: tf.getBackend(), tfjsVersion: tf.version.tfjs };
  if (backend === 'wasm') {
    info.wasmSimd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
    info.wasmThreads = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
  }
  return info;
}

function buildModel(tf, config, input, plan) {
  let seed = plan.seed;
  const layers = [];
  if (input === 'embedding') {
    layers.push(
      tf.layers.embedding({
        inputDim: config.vocab,
        outputDim: config.embedding,
        maskZero: true,
        inputShape: [config.time],
        embeddingsInitializer: tf.initializers.randomUniform({ minval: -0.05, maxval: 0.05, seed: seed++ }),
      }),
    );
  }
  layers.push(
    tf.layers.lstm({
      units: config.hidden,
      activation: 'tanh',
      recurrentActivation: 'sigmoid',
      unitForgetBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: seed++ }),
      // glorotUniform, not the app's orthogonal: the pure-JS QR takes ~100 s for H = 256 and the values do not change the step cost.
      recurrentInitializer: tf.initializers.glorotUniform({ seed: seed++ }),
      ...(input === 'dense' ? { inputShape: [config.time, config.embedding] } : {}),
    }),
  );
  layers.push(
    tf.layers.dense({ units: config.classes, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: seed++ }) }),
  );
  const model = tf.sequential({ layers });
  model.compile({ optimizer: tf.train.adam(plan.learningRate), loss: 'sparseCategoricalCrossentropy' });
  return model;
}

async function main() {
  const plan = readPlan();
  const tf = require('@tensorflow/tfjs');
  try {
    emit({ type: 'info', ...(await selectBackend(tf, plan.backend)), input: plan.input });
  } catch (error) {
    emit({ type: 'fatal', message: errorMessage(error) });
    emit({ type: 'memory', after: 'fatal', peakRssMb: peakRssMb() });
    return;
  }
  for (const configName of plan.configNames) {
    await measureConfig(plan, configName, (config) => {
      const model = buildModel(tf, config, plan.input, plan);
      const batches = makeBatches(config, BATCH_VARIANTS, plan.seed);
      const xs =
        plan.input === 'embedding'
          ? batches.map((b) => tf.tensor2d(b.ids, [config.batch, config.time], 'int32'))
          : makeDenseInputs(config, BATCH_VARIANTS, plan.seed).map((v) => tf.tensor3d(v, [config.batch, config.time, config.embedding]));
      const ys = batches.map((b) => tf.tensor1d(b.labels, 'float32'));
      return {
        train: async (k) => {
          const loss = await model.trainOnBatch(xs[k % BATCH_VARIANTS], ys[k % BATCH_VARIANTS]);
          if (!Number.isFinite(Array.isArray(loss) ? loss[0] : loss)) throw new Error(`loss is not finite: ${loss}`);
        },
        infer: async (k) => {
          const probs = model.predict(xs[k % BATCH_VARIANTS]);
          await probs.data();
          probs.dispose();
        },
        dispose: () => {
          tf.dispose([...xs, ...ys]);
          model.dispose();
        },
      };
    });
  }
  emit({ type: 'memory', after: 'all', peakRssMb: peakRssMb() });
}

main().catch((error) => {
  emit({ type: 'crash', message: errorMessage(error) });
  emit({ type: 'memory', after: 'crash', peakRssMb: peakRssMb() });
  process.exitCode = 1;
});
