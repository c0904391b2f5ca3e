import { strict as assert } from 'node:assert';
import { DEFAULT_CONFIG } from '../../src/shared/config';
import { headlineFigures, reportLines, splitLabels } from '../../src/shared/metricsReport';
import { isModelMetadata, type EvalMetrics, type ModelMetadata } from '../../src/shared/protocol';

/** Metrics of a two-class split with `right` of `n` examples right. */
function split(n: number, right: number, loss: number): EvalMetrics {
  const perClass = ['female', 'male'].map((label) => ({ label, precision: right / n, recall: right / n, f1: right / n, support: n / 2 }));
  return { examples: n, accuracy: right / n, loss, perClass, confusion: [[right / 2, (n - right) / 2], [(n - right) / 2, right / 2]] };
}

/** The metadata.json of a model saved before the test split: no test figures, no trainEpoch, the training figures of the last epoch. */
function olderModel(): ModelMetadata {
  const { testSplit: _none, ...config } = DEFAULT_CONFIG;
  return {
    version: 1,
    name: 'names-lstm',
    created: '2026-11-27T18:00:00.000Z',
    format: 'tsv-label-text',
    formatDescription: 'label⇥text lines',
    parseOptions: { format: 'tsv-label-text' },
    classes: ['female', 'male'],
    tokenizer: { kind: 'char', lowercase: true, maxLength: 100 },
    config: { ...config, tokenization: 'char' } as ModelMetadata['config'],
    vocabSize: 30,
    dataHash: 'sha256:00',
    examples: { train: 900, validation: 100, skippedLines: 0 },
    metrics: { validation: split(100, 86, 0.35), train: { loss: 0.0031, accuracy: 0.999 }, epochsCompleted: 10, bestEpoch: 3, cancelled: false, seconds: 12, tokensPerSecond: 5000 },
    backend: 'cpu (fused-wasm)',
  };
}

describe('training report', () => {
  it('reads a model saved before the test split: "no test split", validation of its best epoch, training of its last epoch', () => {
    const meta = olderModel();
    assert.ok(isModelMetadata(meta), 'an older model is still readable');
    const lines = reportLines(meta);
    assert.ok(lines.includes('  test: no test split'), lines.join('\n'));
    assert.ok(lines.includes('  validation, epoch 3: accuracy 86.0 %, loss 0.3500 on 100 examples'), lines.join('\n'));
    assert.ok(lines.includes('  training, last epoch (10): loss 0.0031, accuracy 99.9 %'), lines.join('\n'));
    assert.ok(lines.includes('  validation, epoch 3, per class:'), 'the per-class table is the validation split\'s when there is no test split');
    assert.equal(headlineFigures(meta)?.split, 'validation');
  });

  it('leads with the test split, every figure labelled with its split and the epoch of its weights', () => {
    const meta = olderModel();
    meta.metrics = { ...meta.metrics, test: split(100, 80, 0.45), train: { loss: 0.2, accuracy: 0.9 }, trainEpoch: 3 };
    meta.examples = { ...meta.examples, train: 800, test: 100 };
    const lines = reportLines(meta);
    assert.ok(lines.includes('  test (weights of epoch 3): accuracy 80.0 %, loss 0.4500 on 100 examples'), lines.join('\n'));
    assert.ok(lines.includes('  validation, epoch 3: accuracy 86.0 %, loss 0.3500 on 100 examples'));
    assert.ok(lines.includes('  training, epoch 3: loss 0.2000, accuracy 90.0 %'));
    assert.ok(lines.includes('  test (weights of epoch 3), per class:'));
    assert.ok(lines.includes('  test (weights of epoch 3), confusion matrix (rows: true class, columns: predicted):'));
    assert.ok(lines.some((l) => l.includes('800 training / 100 validation / 100 test examples')));
    assert.ok(!lines.some((l) => l.includes('validation, epoch 3, per class')), 'one per-class table: the headline split\'s');
    assert.equal(headlineFigures(meta)?.split, 'test');
  });

  it('names an epoch a cancel cut short', () => {
    const meta = olderModel();
    meta.metrics = { ...meta.metrics, epochsCompleted: 2, bestEpoch: 3, trainEpoch: 3, cancelled: true };
    assert.deepEqual(splitLabels(meta), { test: 'test (weights of epoch 3, cut short)', validation: 'validation, epoch 3, cut short', training: 'training, epoch 3, cut short' });
  });

  it('rejects metadata whose test figures are not metrics over its classes', () => {
    const meta = olderModel();
    meta.metrics = { ...meta.metrics, test: { ...split(10, 5, 1), perClass: [] } };
    assert.equal(isModelMetadata(meta), false);
  });
});
