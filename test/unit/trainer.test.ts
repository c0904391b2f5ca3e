import { strict as assert } from 'node:assert';
import { DEFAULT_CONFIG } from '../../src/shared/config';
import type { Batch, EncodedExample } from '../../src/engine/data';
import { trainClassifier, type StepBackend } from '../../src/engine/trainer';

/**
 * A backend whose "weights" are the number of steps taken, and whose predictions are scripted per
 * split: each split's examples carry their own token id, so the backend knows which split it reads.
 * Validation is right only with the weights of step `validationStep`, test only with those of step
 * `testStep`: a loop that selected on test would keep those. Every read of a test example is recorded
 * with the weights it was read with. The scripted training loss of step k is 1/k.
 */
function scriptedBackend(validationStep: number, testStep: number) {
  const ids = { train: 1, validation: 2, test: 3 };
  let steps = 0;
  let kept = -1;
  let committed = false;
  const testReads: { weights: number; committed: boolean }[] = [];
  // The weights predict reads with: the trained ones, or the kept ones once committed.
  const weights = () => (committed ? kept : steps);
  const backend: StepBackend = {
    name: 'scripted',
    predictBatch: 64,
    step: (b: Batch) => {
      steps++;
      return { loss: 1 / steps, correct: b.batch };
    },
    predict: (b: Batch) => {
      const out = new Float32Array(b.batch * 2);
      for (let row = 0; row < b.batch; row++) {
        const split = b.ids[row * b.time];
        if (split === ids.test) testReads.push({ weights: weights(), committed });
        // Every example's label is 0: a row is right when class 0 gets the larger probability.
        const right = split === ids.validation ? weights() === validationStep : split === ids.test ? weights() === testStep : true;
        out[row * 2] = right ? 0.9 : 0.1;
        out[row * 2 + 1] = right ? 0.1 : 0.9;
      }
      return out;
    },
    keepBest: () => {
      kept = steps;
    },
    commitBest: () => {
      committed = true;
    },
    dispose: () => undefined,
  };
  const split = (id: number, n: number): EncodedExample[] => Array.from({ length: n }, () => ({ ids: Int32Array.of(id, id), label: 0 }));
  // Two batches of 64 per epoch: epoch e ends with step 2e.
  const data = { train: split(ids.train, 128), validation: split(ids.validation, 10), test: split(ids.test, 7) };
  return { backend, data, testReads };
}

const config = { ...DEFAULT_CONFIG, epochs: 5, batchSize: 64 };

describe('training loop', () => {
  const noSignal = () => new AbortController().signal;

  it('chooses the epoch on validation only and reads the test split once, after training, with the chosen weights', async () => {
    // Validation likes epoch 2 (step 4), test epoch 4 (step 8).
    const { backend, data, testReads } = scriptedBackend(4, 8);
    const outcome = await trainClassifier(backend, data, ['a', 'b'], config, { signal: noSignal(), onProgress: () => undefined });
    assert.equal(outcome.epochsCompleted, 5);
    assert.equal(outcome.bestEpoch, 2, 'validation is right only at epoch 2');
    assert.equal(outcome.validation?.accuracy, 1);
    assert.equal(outcome.validation?.examples, 10);
    // Each test example was read once, after training, with epoch 2's weights: all wrong, as the script says.
    assert.deepEqual(testReads, Array.from({ length: 7 }, () => ({ weights: 4, committed: true })));
    assert.equal(outcome.test?.examples, 7);
    assert.equal(outcome.test?.accuracy, 0);
    assert.deepEqual(outcome.test?.confusion, [[0, 7], [0, 0]]);
  });

  it('reports the training figures of the chosen epoch, not of the last one', async () => {
    const { backend, data } = scriptedBackend(4, 8);
    const outcome = await trainClassifier(backend, data, ['a', 'b'], config, { signal: noSignal(), onProgress: () => undefined });
    // Epoch 2 ran steps 3 and 4 (64 examples each); the last epoch, steps 9 and 10.
    assert.ok(Math.abs(outcome.train.loss - (1 / 3 + 1 / 4) / 2) < 1e-12, `training loss ${outcome.train.loss}`);
    assert.equal(outcome.train.accuracy, 1);
  });

  it('has no test figures without a test split', async () => {
    const { backend, data } = scriptedBackend(4, 8);
    const outcome = await trainClassifier(backend, { ...data, test: [] }, ['a', 'b'], config, { signal: noSignal(), onProgress: () => undefined });
    assert.equal(outcome.test, undefined);
    assert.equal(outcome.bestEpoch, 2);
  });

  it('keeps the weights of an epoch a cancel cut short when they score best, and names that epoch with its own training figures', async () => {
    // Validation likes the weights after the first batch of epoch 3 (step 5); the cancel comes right then.
    const { backend, data, testReads } = scriptedBackend(5, 5);
    const controller = new AbortController();
    const outcome = await trainClassifier(backend, data, ['a', 'b'], config, {
      signal: controller.signal,
      progressIntervalMs: 0,
      onProgress: (p) => {
        if (p.phase === 'training' && p.epoch === 3 && p.batch === 1) controller.abort();
      },
    });
    assert.equal(outcome.cancelled, true);
    assert.equal(outcome.epochsCompleted, 2);
    assert.equal(outcome.bestEpoch, 3, 'the cut-short epoch 3');
    assert.equal(outcome.train.loss, 1 / 5, 'the training figures of the part of epoch 3 that ran');
    assert.equal(outcome.test?.accuracy, 1);
    assert.deepEqual(testReads, Array.from({ length: 7 }, () => ({ weights: 5, committed: true })));
  });
});
