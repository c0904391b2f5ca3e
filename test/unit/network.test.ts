import { strict as assert } from 'node:assert';
import { DEFAULT_CONFIG, type CellType, type ModelConfig } from '../../src/shared/config';
import { bundledTf, type Tf } from '../../src/engine/backend';
import { buildClassifier } from '../../src/engine/model';
import { createNet } from '../../src/engine/kernels/createNet';
import { RecurrentNet, type NetConfig } from '../../src/core/network';
import { regionBytes } from '../../src/core/kernels/arena';
import { seededRandom } from '../../src/engine/random';

type Tensor = import('@tensorflow/tfjs').Tensor;

interface Case {
  cell: CellType;
  bidirectional: boolean;
  layers: number;
}

const CASES: Case[] = (['lstm', 'gru', 'simplernn'] as const).flatMap((cell) => [
  { cell, bidirectional: false, layers: 1 },
  { cell, bidirectional: true, layers: 1 },
  { cell, bidirectional: true, layers: 2 },
  { cell, bidirectional: false, layers: 2 },
]);

const name = (c: Case) => `${c.bidirectional ? 'bidirectional ' : ''}${c.layers > 1 ? `${c.layers}-layer ` : ''}${c.cell}`;

/** A tfjs-layers model and our network holding the same (random, seeded) weights. */
async function twins(c: Case, sizes: { vocab: number; E: number; H: number; classes: number; B: number; T: number }, kernels: 'js' | 'auto' = 'js') {
  const tf = bundledTf();
  await tf.setBackend('cpu');
  const config: ModelConfig = { ...DEFAULT_CONFIG, cell: c.cell, bidirectional: c.bidirectional, layers: c.layers, hiddenSize: sizes.H, embeddingSize: sizes.E };
  const model = buildClassifier(tf, config, sizes.vocab, sizes.classes);
  const random = seededRandom(1234);
  // Larger-than-default weights so gates leave their linear region.
  const weights = model.getWeights().map((w) => tf.tensor(Float32Array.from({ length: w.size }, () => (random() * 2 - 1) * 0.8), w.shape));
  model.setWeights(weights);
  const netConfig: NetConfig = { cell: c.cell, vocabSize: sizes.vocab, embeddingSize: sizes.E, hiddenSize: sizes.H, layers: c.layers, bidirectional: c.bidirectional, classes: sizes.classes, learningRate: 0.01, seed: 1 };
  const net = await createNet(netConfig, { maxBatch: sizes.B, maxTime: sizes.T, kernels });
  net.setWeights(weights.map((w) => w.dataSync() as Float32Array));
  tf.dispose(weights);
  return { tf, model, net };
}

/** A right-padded batch with different lengths (one row fully padded but its first token). */
function batchOf(B: number, T: number, vocab: number, seed = 7) {
  const random = seededRandom(seed);
  const ids = new Int32Array(B * T);
  const lengths = Array.from({ length: B }, (_, b) => (b === 0 ? T : b === B - 1 ? 1 : 1 + Math.floor(random() * T)));
  lengths.forEach((len, b) => {
    for (let t = 0; t < len; t++) ids[b * T + t] = 1 + Math.floor(random() * (vocab - 1));
  });
  const labels = Int32Array.from({ length: B }, (_, b) => b % 3);
  return { ids, labels };
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** tfjs's loss and gradients for the same batch (sparse categorical crossentropy on the softmax output). */
function tfjsGradients(tf: Tf, model: import('@tensorflow/tfjs').LayersModel, ids: Int32Array, labels: Int32Array, B: number, T: number, classes: number) {
  const x = tf.tensor2d(ids, [B, T], 'int32');
  const y = tf.oneHot(tf.tensor1d(labels, 'int32'), classes).toFloat();
  const vars = model.trainableWeights.map((w) => w.read() as import('@tensorflow/tfjs').Variable);
  const { value, grads } = tf.variableGrads(() => {
    const p = model.apply(x) as Tensor;
    return tf.neg(tf.mean(tf.sum(tf.mul(y, tf.log(tf.clipByValue(p, 1e-7, 1 - 1e-7))), -1))) as import('@tensorflow/tfjs').Scalar;
  }, vars);
  const out = { loss: value.dataSync()[0], grads: vars.map((v) => grads[v.name].dataSync() as Float32Array) };
  tf.dispose([x, y, value, ...Object.values(grads)]);
  return out;
}

describe('fused recurrent network', function () {
  this.timeout(60_000);
  const sizes = { vocab: 11, E: 5, H: 4, classes: 3, B: 5, T: 6 };

  for (const c of CASES) {
    it(`${name(c)}: probabilities equal tfjs-layers on the same weights, with padding`, async () => {
      const { tf, model, net } = await twins(c, sizes);
      const { ids } = batchOf(sizes.B, sizes.T, sizes.vocab);
      const expected = tf.tidy(() => (model.predict(tf.tensor2d(ids, [sizes.B, sizes.T], 'int32')) as Tensor).dataSync());
      const ours = net.predict(ids, sizes.B, sizes.T);
      assert.ok(maxDiff(ours, expected) < 1e-5, `max difference ${maxDiff(ours, expected)}`);
      model.dispose();
    });

    it(`${name(c)}: loss and every weight gradient equal tfjs's, and the embedding gradient is the sum of its rows`, async () => {
      const { tf, model, net } = await twins(c, sizes);
      const { ids, labels } = batchOf(sizes.B, sizes.T, sizes.vocab, 3);
      const expected = tfjsGradients(tf, model, ids, labels, sizes.B, sizes.T, sizes.classes);
      const ours = net.computeGradients(ids, labels, sizes.B, sizes.T);
      assert.ok(Math.abs(ours.loss - expected.loss) < 1e-5, `loss ${ours.loss} vs ${expected.loss}`);
      const dense = net.denseGradients();
      dense.forEach((g, i) => {
        const d = maxDiff(g, expected.grads[i + 1]);
        assert.ok(d < 2e-5, `gradient ${i} (${net.weightShapes()[i + 1]}) differs by ${d}`);
      });
      const embedding = new Float32Array(sizes.vocab * sizes.E);
      const pending = net.embeddingGradient();
      assert.equal(pending.ids.length, ours.embeddingRows);
      pending.ids.forEach((id, i) => embedding.set(pending.rows.subarray(i * sizes.E, (i + 1) * sizes.E), id * sizes.E));
      assert.ok(maxDiff(embedding, expected.grads[0]) < 2e-5, `embedding gradient differs by ${maxDiff(embedding, expected.grads[0])}`);
      model.dispose();
    });
  }

  for (const c of [CASES[2], CASES[6], CASES[10]]) {
    it(`${name(c)}: gradients agree with central finite differences`, async () => {
      const { net, model } = await twins(c, { ...sizes, H: 3, E: 3, B: 3, T: 4 });
      model.dispose();
      const { ids, labels } = batchOf(3, 4, sizes.vocab, 5);
      const weights = net.getWeights();
      net.computeGradients(ids, labels, 3, 4);
      const analytic = net.denseGradients().map((g) => g.slice());
      const eps = 1e-2;
      const random = seededRandom(99);
      let checked = 0;
      for (let w = 1; w < weights.length; w++) {
        for (let probe = 0; probe < 6; probe++) {
          const i = Math.floor(random() * weights[w].length);
          const plus = weights.map((x) => x.slice());
          const minus = weights.map((x) => x.slice());
          plus[w][i] += eps;
          minus[w][i] -= eps;
          net.setWeights(plus);
          const lp = net.computeGradients(ids, labels, 3, 4).loss;
          net.setWeights(minus);
          const lm = net.computeGradients(ids, labels, 3, 4).loss;
          const numeric = (lp - lm) / (2 * eps);
          const a = analytic[w - 1][i];
          assert.ok(Math.abs(a - numeric) <= 1e-3 + 2e-2 * Math.abs(numeric), `weight ${w}[${i}]: analytic ${a}, numeric ${numeric}`);
          checked++;
        }
      }
      assert.ok(checked >= 6 * (weights.length - 1));
    });
  }

  it('an LSTM captures h, c and the gate activations that tfjs-layers computes for the same input', async () => {
    const c: Case = { cell: 'lstm', bidirectional: false, layers: 1 };
    const { tf, model, net } = await twins(c, sizes);
    const { ids } = batchOf(sizes.B, sizes.T, sizes.vocab, 11);
    const { directions } = net.inspect(ids, sizes.B, sizes.T);
    const cap = directions[0];
    const H = sizes.H;
    const [emb, W, U, b] = model.getWeights();
    // The whole sequence of h from tfjs-layers: the same LSTM layer with returnSequences.
    const seqModel = tf.sequential({
      layers: [
        tf.layers.embedding({ inputDim: sizes.vocab, outputDim: sizes.E, maskZero: true, inputShape: [null], weights: [emb] }),
        tf.layers.lstm({ units: H, returnSequences: true, recurrentActivation: 'sigmoid', weights: [W, U, b] }),
      ],
    });
    const hSeq = tf.tidy(() => (seqModel.predict(tf.tensor2d(ids, [sizes.B, sizes.T], 'int32')) as Tensor).dataSync());
    for (let bb = 0; bb < sizes.B; bb++) {
      for (let t = 0; t < sizes.T; t++) {
        for (let j = 0; j < H; j++) {
          const ours = cap.h[(t * sizes.B + bb) * H + j];
          const theirs = hSeq[(bb * sizes.T + t) * H + j];
          assert.ok(Math.abs(ours - theirs) < 1e-5, `h[b=${bb}, t=${t}, ${j}]: ${ours} vs ${theirs}`);
        }
      }
    }
    // Gates at t = 1 for row 0 recomputed with tfjs ops from the captured h_0: σ(x·W + h·U + b).
    const x1 = tf.gather(emb, tf.tensor1d([ids[1]], 'int32'));
    const h0 = tf.tensor2d(cap.h.slice(0, H), [1, H]);
    const z = tf.add(tf.add(tf.matMul(x1, W), tf.matMul(h0, U)), b);
    const zData = z.dataSync();
    const sig = (v: number) => 1 / (1 + Math.exp(-v));
    for (let j = 0; j < 4 * H; j++) {
      const gate = Math.floor(j / H);
      const expected = gate === 2 ? Math.tanh(zData[j]) : sig(zData[j]);
      const ours = cap.gates[(1 * sizes.B + 0) * 4 * H + j];
      assert.ok(Math.abs(ours - expected) < 1e-5, `gate ${'ifco'[gate]} unit ${j % H}: ${ours} vs ${expected}`);
      assert.ok(Math.abs(cap.preactivations[(1 * sizes.B) * 4 * H + j] - zData[j]) < 1e-5);
    }
    tf.dispose([x1, h0, z]);
    seqModel.dispose();
    model.dispose();
  });

  it('Adam steps equal tf.train.adam on the same gradients (embedding rows included when the batch repeats)', async () => {
    const c: Case = { cell: 'gru', bidirectional: true, layers: 1 };
    const { tf, model, net } = await twins(c, sizes);
    const { ids, labels } = batchOf(sizes.B, sizes.T, sizes.vocab, 13);
    const optimizer = tf.train.adam(0.01, 0.9, 0.999, 1e-7);
    const x = tf.tensor2d(ids, [sizes.B, sizes.T], 'int32');
    const y = tf.oneHot(tf.tensor1d(labels, 'int32'), sizes.classes).toFloat();
    for (let step = 0; step < 3; step++) {
      net.trainStep(ids, labels, sizes.B, sizes.T);
      optimizer.minimize(() => {
        const p = model.apply(x) as Tensor;
        return tf.neg(tf.mean(tf.sum(tf.mul(y, tf.log(tf.clipByValue(p, 1e-7, 1 - 1e-7))), -1))) as import('@tensorflow/tfjs').Scalar;
      });
    }
    const theirs = model.getWeights().map((w) => w.dataSync());
    const ours = net.getWeights();
    // Embedding rows never looked up have zero gradients: dense Adam leaves them as they are too.
    ours.forEach((w, i) => assert.ok(maxDiff(w, theirs[i]) < 2e-5, `weight ${i} differs by ${maxDiff(w, theirs[i])}`));
    tf.dispose([x, y]);
    optimizer.dispose();
    model.dispose();
  });

  for (const kernels of ['js', 'auto'] as const) {
    it(`a second network attached to the first's memory (${kernels} kernels) gathers from its table, and the first adds the second's gradients in place: the sum over both halves of a batch`, async () => {
      const config: NetConfig = { cell: 'lstm', vocabSize: sizes.vocab, embeddingSize: sizes.E, hiddenSize: sizes.H, layers: 2, bidirectional: true, classes: sizes.classes, learningRate: 0.01, seed: 1 };
      const options = { maxBatch: sizes.B, maxTime: sizes.T };
      const whole = await createNet(config, { ...options, kernels });
      const spareBytes = regionBytes(RecurrentNet.arenaFloats(config, { ...options, embedding: new Float32Array(0) }));
      const first = await createNet(config, { ...options, kernels, kernelMemory: { spareBytes } });
      const sharing = first.kernelSharing;
      assert.ok(sharing, 'the memory is shared');
      const second = await createNet(config, { ...options, embedding: first.embedding, kernelMemory: { attach: { memory: sharing.memory, at: sharing.spareAt, name: first.kernelName } } });
      assert.equal(second.kernelName, first.kernelName);
      assert.ok(second.denseGradients().every((g) => g.buffer === first.embedding.buffer && g.byteOffset >= sharing.spareAt && g.byteOffset + g.byteLength <= sharing.spareAt + sharing.spareBytes), 'the second network lives in the spare region');
      const random = seededRandom(77);
      const weights = whole.weightShapes().map((s) => Float32Array.from({ length: s.reduce((a, b) => a * b, 1) }, () => (random() - 0.5) * 0.8));
      whole.setWeights(weights);
      first.setWeights(weights);
      second.setWeightsExceptEmbedding(weights.slice(1));
      const { ids, labels } = batchOf(sizes.B, sizes.T, sizes.vocab, 21);
      const split = 2;
      const a = whole.computeGradients(ids, labels, sizes.B, sizes.T);
      const b1 = first.computeGradients(ids.slice(0, split * sizes.T), labels.slice(0, split), split, sizes.T, sizes.B);
      const b2 = second.computeGradients(ids.slice(split * sizes.T), labels.slice(split), sizes.B - split, sizes.T, sizes.B);
      assert.ok(Math.abs(a.loss - ((split / sizes.B) * b1.loss + ((sizes.B - split) / sizes.B) * b2.loss)) < 1e-6, 'the halves gathered the same embedding rows');
      first.addPeerGradients(second.denseGradients());
      whole.denseGradients().forEach((g, i) => assert.ok(maxDiff(g, first.denseGradients()[i]) < 1e-6, `gradient ${i} differs by ${maxDiff(g, first.denseGradients()[i])}`));
      first.addEmbeddingGradient(Int32Array.from(second.embeddingGradient().ids), second.embeddingRowBuffer(), b2.embeddingRows);
      const mine = first.embeddingGradient();
      const theirs = whole.embeddingGradient();
      assert.equal(mine.ids.length, theirs.ids.length);
      const E = sizes.E;
      Array.from(theirs.ids).forEach((id, k) => {
        const j = Array.from(mine.ids).indexOf(id);
        assert.ok(j >= 0, `embedding row ${id} is there`);
        assert.ok(maxDiff(theirs.rows.subarray(k * E, k * E + E), mine.rows.subarray(j * E, j * E + E)) < 1e-6, `embedding row ${id}`);
      });
      assert.throws(() => first.addPeerGradients(second.denseGradients().slice(1)), /Expected \d+ peer gradient arrays/);
      await assert.rejects(
        createNet(config, { ...options, embedding: first.embedding, kernelMemory: { attach: { memory: sharing.memory, at: sharing.spareAt + sharing.spareBytes, name: first.kernelName } } }),
        /The shared memory has no room for an arena/,
      );
    });
  }

  it('runs the same numbers on the WebAssembly kernels as on the JS kernels', async () => {
    const c: Case = { cell: 'lstm', bidirectional: true, layers: 2 };
    const big = { vocab: 50, E: 16, H: 24, classes: 3, B: 9, T: 13 };
    const js = await twins(c, big, 'js');
    const wasm = await twins(c, big, 'auto');
    assert.notEqual(wasm.net.kernelName, 'js', 'WebAssembly SIMD kernels load in Node');
    const { ids, labels } = batchOf(big.B, big.T, big.vocab, 17);
    const a = js.net.computeGradients(ids, labels, big.B, big.T);
    const b = wasm.net.computeGradients(ids, labels, big.B, big.T);
    assert.ok(Math.abs(a.loss - b.loss) < 1e-5);
    js.net.denseGradients().forEach((g, i) => assert.ok(maxDiff(g, wasm.net.denseGradients()[i]) < 1e-5, `gradient ${i}`));
    js.model.dispose();
    wasm.model.dispose();
  });
});
