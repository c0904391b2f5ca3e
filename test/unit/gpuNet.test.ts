// The GPU network against the CPU network on the JS oracle kernels, within 1e-4: probabilities, the capture,
// the loss, every gradient and an Adam step, for every cell × {uni, bi} × {1, 2 layers}, with padding.
// Runs on whatever adapter openGpu finds, a software one included (Mesa's llvmpipe through Dawn's OpenGL ES
// backend on a machine without a GPU). RNN_LENS_REQUIRE_GPU=1 (CI) turns a missing adapter into a failure.
import { strict as assert } from 'node:assert';
import { createNet } from '../../src/engine/kernels/createNet';
import type { NetConfig } from '../../src/core/network';
import { openGpu, type GpuContext } from '../../src/engine/gpu/device';
import { embeddingIndex, GpuNet } from '../../src/engine/gpu/gpuNet';
import { seededRandom } from '../../src/engine/random';
import { caseConfig, caseName, NET_CASES, NET_SIZES, paddedBatch, seededWeights } from './netCases';

/** Largest |a − b| / max(1, |b|). */
function maxError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length, 'lengths');
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i])));
  return Number.isNaN(worst) ? Infinity : worst;
}

const TOLERANCE = 1e-4;

describe('GPU network (WebGPU)', function () {
  this.timeout(120000);
  let gpu: GpuContext | undefined;

  before(async function () {
    const opened = await openGpu({ allowSoftware: true });
    if ('reason' in opened) {
      if (process.env.RNN_LENS_REQUIRE_GPU === '1') throw new Error(`RNN_LENS_REQUIRE_GPU=1 but ${opened.reason}`);
      console.log(`      (skipped: ${opened.reason})`);
      this.skip();
    }
    gpu = opened as GpuContext;
    console.log(`      on ${gpu.name}`);
  });

  after(function () {
    gpu?.device.destroy();
  });

  it('lists each distinct id of a batch once, in order of first use, with the rows that looked it up', function () {
    // B = 2, T = 3, row-major [B, T]: rows are time-major t·B + b. Padding (0) and ids ≥ V have no row.
    const { n, index } = embeddingIndex(Int32Array.of(5, 3, 0, 3, 9, 5), 2, 3, 8);
    assert.equal(n, 2);
    assert.deepEqual(Array.from(index.subarray(0, 2)), [5, 3], 'ids');
    assert.deepEqual(Array.from(index.subarray(2, 5)), [0, 2, 4], 'starts');
    assert.deepEqual(Array.from(index.subarray(5, 9)), [0, 5, 1, 2], 'positions: 5 at rows 0 and 5, 3 at rows 1 and 2');
  });

  /** The shared padded batch, with one id outside the vocabulary: read as <unk>, no gradient row. */
  function batchOf(seed: number) {
    const batch = paddedBatch(seed);
    batch.ids[1] = NET_SIZES.vocab + 4;
    return batch;
  }

  for (const c of NET_CASES) {
    const name = caseName(c);
    it(`${name}: probabilities, capture, loss, every gradient and an Adam step equal the CPU network's within 1e-4 (with padding)`, async function () {
      const config = caseConfig(c);
      const options = { maxBatch: NET_SIZES.B, maxTime: NET_SIZES.T };
      const cpu = await createNet(config, { ...options, kernels: 'js' });
      const net = await GpuNet.create(gpu!, config, options);
      try {
        const weights = seededWeights(cpu.weightShapes(), 99, 1.6);
        cpu.setWeights(weights);
        net.setWeights(weights);
        const { ids, labels } = batchOf(7);
        assert.ok(maxError(await net.predict(ids, NET_SIZES.B, NET_SIZES.T), cpu.predict(ids, NET_SIZES.B, NET_SIZES.T)) < TOLERANCE, 'probabilities');
        const got = await net.inspect(ids, NET_SIZES.B, NET_SIZES.T);
        const want = cpu.inspect(ids, NET_SIZES.B, NET_SIZES.T);
        assert.ok(maxError(got.probs, want.probs) < TOLERANCE, 'capture: probabilities');
        got.directions.forEach((d, i) => {
          const e = want.directions[i];
          assert.equal(d.layer, e.layer);
          assert.equal(d.direction, e.direction);
          for (const field of ['h', 'c', 'gates', 'preactivations'] as const) {
            assert.equal(Boolean(d[field]), Boolean(e[field]), `capture: ${field} present`);
            if (e[field]) assert.ok(maxError(d[field]!, e[field]!) < TOLERANCE, `capture: layer ${d.layer} ${d.direction} ${field} off by ${maxError(d[field]!, e[field]!)}`);
          }
        });
        const g = await net.computeGradients(ids, labels, NET_SIZES.B, NET_SIZES.T);
        const h = cpu.computeGradients(ids, labels, NET_SIZES.B, NET_SIZES.T);
        assert.ok(Math.abs(g.loss - h.loss) < TOLERANCE, `loss ${g.loss} vs ${h.loss}`);
        assert.equal(g.correct, h.correct);
        const grads = await net.readGradients(ids, NET_SIZES.B, NET_SIZES.T);
        cpu.denseGradients().forEach((want, i) => assert.ok(maxError(grads.dense[i], want) < TOLERANCE, `gradient ${i} off by ${maxError(grads.dense[i], want)}`));
        const emb = cpu.embeddingGradient();
        assert.deepEqual(Array.from(grads.embedding.ids), Array.from(emb.ids), 'embedding gradient ids');
        assert.ok(maxError(grads.embedding.rows, emb.rows.subarray(0, emb.ids.length * NET_SIZES.E)) < TOLERANCE, 'embedding gradient');
        await net.applyAdam(ids, NET_SIZES.B, NET_SIZES.T);
        cpu.applyAdam();
        const after = await net.getWeights();
        cpu.getWeights().forEach((w, i) => assert.ok(maxError(after[i], w) < TOLERANCE, `weight ${i} after Adam off by ${maxError(after[i], w)}`));
      } finally {
        net.dispose();
        cpu.dispose();
      }
    });
  }

  it('trains: three fused steps (forward, backward, Adam in one submit) follow the CPU network', async function () {
    const config: NetConfig = { cell: 'lstm', vocabSize: 40, embeddingSize: 6, hiddenSize: 10, layers: 2, bidirectional: true, classes: 3, learningRate: 0.01, seed: 3 };
    const options = { maxBatch: 9, maxTime: 8 };
    const cpu = await createNet(config, { ...options, kernels: 'js' });
    const net = await GpuNet.create(gpu!, config, options);
    try {
      const weights = seededWeights(cpu.weightShapes(), 5, 0.6);
      cpu.setWeights(weights);
      net.setWeights(weights);
      for (let step = 0; step < 3; step++) {
        const rnd = seededRandom(10 + step);
        const ids = new Int32Array(9 * 8);
        for (let b = 0; b < 9; b++) for (let t = 0; t < 1 + Math.floor(((b + 1) / 9) * 7); t++) ids[b * 8 + t] = 1 + Math.floor(rnd() * 39);
        const labels = Int32Array.from({ length: 9 }, (_, b) => b % 3);
        const x = await net.trainStep(ids, labels, 9, 8);
        const y = cpu.trainStepWithAccuracy(ids, labels, 9, 8);
        assert.ok(Math.abs(x.loss - y.loss) < TOLERANCE, `step ${step}: loss ${x.loss} vs ${y.loss}`);
        assert.equal(x.correct, y.correct);
      }
      const after = await net.getWeights();
      cpu.getWeights().forEach((w, i) => assert.ok(maxError(after[i], w) < TOLERANCE, `weight ${i}`));
    } finally {
      net.dispose();
      cpu.dispose();
    }
  });

  it('says so when a network does not fit the device, and the device works after', async function () {
    // A 2²² × 256 embedding table: 4 GiB, past every adapter's maxBufferSize (the engine then trains on the CPU).
    const huge: NetConfig = { cell: 'lstm', vocabSize: 2 ** 22, embeddingSize: 256, hiddenSize: 8, layers: 1, bidirectional: false, classes: 2, learningRate: 0.01, seed: 1 };
    await assert.rejects(GpuNet.create(gpu!, huge, { maxBatch: 2, maxTime: 3 }), /^Error: The GPU network could not be made: .+/);
    const net = await GpuNet.create(gpu!, { ...huge, vocabSize: 10, embeddingSize: 4 }, { maxBatch: 2, maxTime: 3 });
    try {
      const probs = await net.predict(Int32Array.of(1, 2, 3, 4, 5, 6), 2, 3);
      assert.ok(Math.abs(probs[0] + probs[1] - 1) < 1e-5);
    } finally {
      net.dispose();
    }
  });

  it('refuses a batch outside its buffers and a label outside the classes, and works after', async function () {
    const config: NetConfig = { cell: 'gru', vocabSize: 10, embeddingSize: 4, hiddenSize: 5, layers: 1, bidirectional: false, classes: 2, learningRate: 0.01, seed: 1 };
    const net = await GpuNet.create(gpu!, config, { maxBatch: 2, maxTime: 3 });
    try {
      await assert.rejects(net.predict(new Int32Array(12), 4, 3), /outside the network's buffers/);
      await assert.rejects(net.trainStep(Int32Array.of(1, 2, 3, 4, 5, 6), Int32Array.of(0, 7), 2, 3), /Label 7 of row 1/);
      const probs = await net.predict(Int32Array.of(1, 2, 3, 4, 5, 6), 2, 3);
      assert.equal(probs.length, 4);
      assert.ok(Math.abs(probs[0] + probs[1] - 1) < 1e-5);
    } finally {
      net.dispose();
    }
  });
});
