import { strict as assert } from 'node:assert';
import { checkModelConfig, DEFAULT_CONFIG, describeConfig } from '../../src/shared/config';

describe('model config', () => {
  it('accepts the defaults', () => {
    const check = checkModelConfig(DEFAULT_CONFIG);
    assert.equal(check.ok, true);
  });

  it('names each invalid setting with its value: hidden size 0, epochs -1, learning rate NaN', () => {
    const check = checkModelConfig({ ...DEFAULT_CONFIG, hiddenSize: 0, epochs: -1, learningRate: NaN }, (f) => `Setting rnnLens.${f}`);
    assert.equal(check.ok, false);
    if (check.ok) return;
    assert.equal(check.problems.length, 3);
    assert.ok(check.problems.includes('Setting rnnLens.hiddenSize must be a whole number from 1 to 1024 (got 0).'));
    assert.ok(check.problems.includes('Setting rnnLens.epochs must be a whole number from 1 to 1000 (got -1).'));
    assert.ok(check.problems.includes('Setting rnnLens.learningRate must be a number greater than 0 and at most 1 (got NaN).'));
  });

  it('rejects fractional layer counts, unknown cells, strings for numbers and a missing field', () => {
    const { seed: _seed, ...noSeed } = DEFAULT_CONFIG;
    const check = checkModelConfig({ ...noSeed, layers: 1.5, cell: 'transformer', batchSize: '64' });
    assert.equal(check.ok, false);
    if (check.ok) return;
    const text = check.problems.join('\n');
    assert.match(text, /layers must be a whole number from 1 to 4 \(got 1.5\)/);
    assert.match(text, /cell must be one of lstm, gru, simplernn \(got "transformer"\)/);
    assert.match(text, /batchSize must be a number \(got "64"\)/);
    assert.match(text, /seed .*\(missing\)/);
  });

  it('describes a config in a few words', () => {
    assert.equal(describeConfig({ ...DEFAULT_CONFIG, bidirectional: true, layers: 2, tokenization: 'char' }), 'BiLSTM 2×64, emb 32, char');
  });
});
