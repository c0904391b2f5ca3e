import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { checkModelConfig, chooseTokenization, DEFAULT_CONFIG, describeConfig, modelConfigSchema, resolveConfig } from '../../src/shared/config';

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

  it('checks the test split like the validation split, and both together leave training more than 10 %', () => {
    assert.equal(DEFAULT_CONFIG.testSplit, 0.1);
    const bad = checkModelConfig({ ...DEFAULT_CONFIG, testSplit: 0.9 }, (f) => `Setting rnnLens.${f}`);
    assert.deepEqual(bad.ok ? [] : bad.problems, ['Setting rnnLens.testSplit must be a number from 0 up to (not including) 0.9 (got 0.9).']);
    const together = checkModelConfig({ ...DEFAULT_CONFIG, validationSplit: 0.5, testSplit: 0.45 }, (f) => `Setting rnnLens.${f}`);
    assert.deepEqual(together.ok ? [] : together.problems, [
      'Setting rnnLens.testSplit plus the validation split (0.5) must be below 0.9, so that training keeps more than 10 % of the examples (got 0.45).',
    ]);
    assert.equal(checkModelConfig({ ...DEFAULT_CONFIG, validationSplit: 0.2, testSplit: 0 }).ok, true);
  });

  it('takes "auto", "word" or "char" for the tokenisation, "auto" by default', () => {
    assert.equal(DEFAULT_CONFIG.tokenization, 'auto');
    for (const t of ['auto', 'word', 'char']) assert.equal(checkModelConfig({ ...DEFAULT_CONFIG, tokenization: t }).ok, true, t);
    const bad = checkModelConfig({ ...DEFAULT_CONFIG, tokenization: 'bytes' });
    assert.deepEqual(bad.ok ? [] : bad.problems, ['tokenization must be "auto", "word" or "char" (got "bytes").']);
  });

  it('is what package.json offers: one rnnLens setting per field with the same default, the same tokenisation values and split bounds', () => {
    const manifest = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as {
      contributes: { configuration: { properties: Record<string, { default: unknown; enum?: string[]; minimum?: number; maximum?: number }> } };
    };
    const settings = manifest.contributes.configuration.properties;
    for (const [field, value] of Object.entries(DEFAULT_CONFIG)) {
      assert.deepEqual(settings[`rnnLens.${field}`]?.default, value, `rnnLens.${field}`);
    }
    assert.deepEqual(settings['rnnLens.tokenization'].enum, modelConfigSchema.shape.tokenization.options);
    for (const field of ['validationSplit', 'testSplit']) assert.deepEqual([settings[`rnnLens.${field}`].minimum, settings[`rnnLens.${field}`].maximum], [0, 0.9], field);
  });
});

describe('auto tokenisation', () => {
  it('reads one-word examples (names) as characters and sentences as words, saying why', () => {
    assert.deepEqual(chooseTokenization(['Mary', 'John', 'Anne Marie', 'Zoë']), { kind: 'char', reason: 'the examples are single words (median 1 word per example)' });
    assert.deepEqual(chooseTokenization(['a great film', 'dull', 'I would watch it again', 'not for me']), { kind: 'word', reason: 'the examples are phrases or sentences (median 3 words per example)' });
  });

  it('draws the line at a median of 1.5 words per example, counting words between whitespace', () => {
    // Medians of an even count are the mean of the middle two: 1 and 2 → 1.5 → characters; 2 and 2 → words.
    assert.equal(chooseTokenization(['a', 'b', 'c d', 'e f']).kind, 'char');
    assert.match(chooseTokenization(['a', 'b', 'c d', 'e f']).reason, /median 1\.5 words per example/);
    assert.equal(chooseTokenization(['a', 'b c', 'd e', 'f g']).kind, 'word');
    assert.equal(chooseTokenization(['  New\tYork  ', 'Los Angeles']).kind, 'word', 'tabs and runs of spaces separate words too');
    assert.equal(chooseTokenization(['今日は良い天気です', '映画が好き']).kind, 'char', 'a script written without spaces reads as characters');
    assert.equal(chooseTokenization([]).kind, 'word');
  });

  it('resolves a config: "auto" becomes the choice for the texts, with its reason; a chosen tokenisation stays, with none', () => {
    const names = resolveConfig(DEFAULT_CONFIG, ['Mary', 'John']);
    assert.equal(names.config.tokenization, 'char');
    assert.equal(names.reason, 'the examples are single words (median 1 word per example)');
    assert.deepEqual({ ...names.config, tokenization: 'auto' }, DEFAULT_CONFIG, 'nothing else changes');
    const chosen = resolveConfig({ ...DEFAULT_CONFIG, tokenization: 'word' }, ['Mary', 'John']);
    assert.deepEqual(chosen, { config: { ...DEFAULT_CONFIG, tokenization: 'word' } });
  });
});
