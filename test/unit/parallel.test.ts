import { strict as assert } from 'node:assert';
import { ParallelNet } from '../../src/engine/kernels/parallel';
import type { NetConfig } from '../../src/core/network';
import { seededRandom } from '../../src/engine/random';

const config: NetConfig = { cell: 'gru', vocabSize: 40, embeddingSize: 6, hiddenSize: 10, layers: 2, bidirectional: true, classes: 3, learningRate: 0.01, seed: 3 };

async function make(threads: number): Promise<ParallelNet> {
  const net = await ParallelNet.create(config, { maxBatch: 9, maxTime: 8, threads });
  const random = seededRandom(5);
  net.net.setWeights(net.net.weightShapes().map((s) => Float32Array.from({ length: s.reduce((a, b) => a * b, 1) }, () => (random() - 0.5) * 0.6)));
  return net;
}

/** A right-padded batch sorted by length, as the trainer builds them. */
function batch(seed: number) {
  const random = seededRandom(seed);
  const B = 9;
  const T = 8;
  const ids = new Int32Array(B * T);
  for (let b = 0; b < B; b++) {
    const len = 1 + Math.floor(((b + 1) / B) * (T - 1));
    for (let t = 0; t < len; t++) ids[b * T + t] = 1 + Math.floor(random() * (config.vocabSize - 1));
  }
  return { ids, labels: Int32Array.from({ length: B }, (_, b) => b % 3), B, T };
}

describe('two-thread training', function () {
  this.timeout(60_000);

  it('uses a worker thread and makes the same Adam steps as one thread (same loss, same weights)', async () => {
    const one = await make(1);
    const two = await make(2);
    try {
      assert.match(two.kernelName, /×2$/, `a worker runs (${two.kernelName})`);
      assert.doesNotMatch(one.kernelName, /×2$/);
      for (let step = 0; step < 4; step++) {
        const { ids, labels, B, T } = batch(10 + step);
        const a = await one.trainStep(ids, labels, B, T);
        const b = await two.trainStep(ids, labels, B, T);
        assert.ok(Math.abs(a.loss - b.loss) < 1e-5, `step ${step}: loss ${a.loss} vs ${b.loss}`);
        assert.equal(a.correct, b.correct);
      }
      const wa = one.net.getWeights();
      const wb = two.net.getWeights();
      wa.forEach((w, i) => {
        let d = 0;
        for (let k = 0; k < w.length; k++) d = Math.max(d, Math.abs(w[k] - wb[i][k]));
        assert.ok(d < 1e-5, `weight ${i} differs by ${d}`);
      });
    } finally {
      one.dispose();
      two.dispose();
    }
  });

  it('predicts on both threads what one thread predicts, before and after Adam steps (the worker picks up new weights)', async () => {
    const one = await make(1);
    const two = await make(2);
    try {
      const compare = async (when: string) => {
        const { ids, B, T } = batch(30);
        const a = await one.predict(ids, B, T);
        const b = await two.predict(ids, B, T);
        const here = two.predictHere(ids, B, T);
        assert.equal(b.length, B * config.classes);
        for (let k = 0; k < a.length; k++) {
          assert.ok(Math.abs(a[k] - b[k]) < 1e-6, `${when}: probability ${k} ${a[k]} vs ${b[k]}`);
          assert.ok(Math.abs(here[k] - b[k]) < 1e-6, `${when}: probability ${k} on one thread ${here[k]} vs ${b[k]}`);
        }
      };
      await compare('before training');
      for (let step = 0; step < 2; step++) {
        const { ids, labels, B, T } = batch(20 + step);
        await one.trainStep(ids, labels, B, T);
        await two.trainStep(ids, labels, B, T);
        await compare(`after step ${step + 1}`);
      }
      // Weights copied in from outside reach the worker too.
      const random = seededRandom(99);
      const fresh = one.net.weightShapes().map((s) => Float32Array.from({ length: s.reduce((x, y) => x * y, 1) }, () => (random() - 0.5) * 0.6));
      one.net.setWeights(fresh);
      two.net.setWeights(fresh);
      await compare('after setWeights');
    } finally {
      one.dispose();
      two.dispose();
    }
  });

  it('goes on on one thread when the worker stops, with the same steps and predictions as one thread', async () => {
    const one = await make(1);
    const two = await make(2);
    try {
      const step = async (k: number) => {
        const { ids, labels, B, T } = batch(40 + k);
        const a = await one.trainStep(ids, labels, B, T);
        const b = await two.trainStep(ids, labels, B, T);
        assert.ok(Math.abs(a.loss - b.loss) < 1e-5, `step ${k}: loss ${a.loss} vs ${b.loss}`);
      };
      await step(0);
      // Kill the worker between steps, then while a step is in flight.
      await (two as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate();
      await step(1);
      assert.equal((two as unknown as { rpc: unknown }).rpc, undefined, 'the worker is forgotten');
      await step(2);
      const { ids, B, T } = batch(50);
      const a = await one.predict(ids, B, T);
      const b = await two.predict(ids, B, T);
      a.forEach((p, k) => assert.ok(Math.abs(p - b[k]) < 1e-6, `probability ${k}`));
      const three = await make(2);
      const { ids: ids3, labels: labels3 } = batch(60);
      const inFlight = three.trainStep(ids3, labels3, B, T);
      void (three as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate();
      const r = await inFlight;
      assert.ok(Number.isFinite(r.loss));
      three.dispose();
    } finally {
      one.dispose();
      two.dispose();
    }
  });

  it('trains on two threads with the JS kernels too (their arena is shared memory)', async () => {
    const js = await ParallelNet.create(config, { maxBatch: 9, maxTime: 8, threads: 2, kernels: 'js' });
    const one = await make(1);
    try {
      assert.equal(js.kernelName, 'js×2');
      js.net.setWeights(one.net.getWeights());
      const { ids, labels, B, T } = batch(70);
      const a = await one.trainStep(ids, labels, B, T);
      const b = await js.trainStep(ids, labels, B, T);
      assert.ok(Math.abs(a.loss - b.loss) < 1e-5, `loss ${a.loss} vs ${b.loss}`);
      const wa = one.net.getWeights();
      js.net.getWeights().forEach((w, i) => w.forEach((x, k) => assert.ok(Math.abs(x - wa[i][k]) < 1e-5, `weight ${i}[${k}]`)));
    } finally {
      js.dispose();
      one.dispose();
    }
  });

  it('reports a command that fails in the worker as an error, and goes on serving commands', async () => {
    const two = await make(2);
    try {
      const internals = two as unknown as {
        channel: unknown;
        send(channel: unknown, kind: number, ids: Int32Array, time: number, from: number, batch: number, used: number): number;
        finished(channel: unknown, seq: number): Promise<boolean>;
      };
      const { ids, labels, B, T } = batch(80);
      const seq = internals.send(internals.channel, 99, ids, T, 5, B, T);
      await assert.rejects(internals.finished(internals.channel, seq), /the kernel worker failed: unknown command 99/);
      const r = await two.trainStep(ids, labels, B, T);
      assert.ok(Number.isFinite(r.loss));
      assert.match(two.kernelName, /×2$/);
      assert.ok((two as unknown as { worker: unknown }).worker, 'the worker still runs');
    } finally {
      two.dispose();
    }
  });

  it('rejects a batch larger than its buffers and labels that are missing or not classes, with clear errors', async () => {
    const two = await make(2);
    try {
      const ids = new Int32Array(12 * 8).fill(3);
      await assert.rejects(two.trainStep(ids, new Int32Array(12), 12, 8), /Batch 12×8 \(96 ids\) does not fit the network's buffers \(9×8\)/);
      await assert.rejects(two.predict(new Int32Array(9 * 9).fill(3), 9, 9), /does not fit the network's buffers \(9×8\)/);
      const { ids: good, labels, B, T } = batch(90);
      await assert.rejects(two.trainStep(good, labels.subarray(0, 4), B, T), /Expected 9 labels, got 4/);
      await assert.rejects(two.trainStep(good, labels.map((l, b) => (b === 2 ? 7 : l)), B, T), /Label 7 of row 2 is not a class index below 3/);
      assert.ok(Number.isFinite((await two.trainStep(good, labels, B, T)).loss), 'it trains on afterwards');
    } finally {
      two.dispose();
    }
  });

  it('trains a batch of one row on the training thread alone', async () => {
    const two = await make(2);
    try {
      const r = await two.trainStep(Int32Array.of(3, 4, 0, 0, 0, 0, 0, 0), Int32Array.of(1), 1, 8);
      assert.ok(Number.isFinite(r.loss));
    } finally {
      two.dispose();
    }
  });
});
