// Integration tests (issue 11, items 3 and 7): a held-out test split that nothing selects on is the
// headline, and tokenisation chooses itself ('auto', the default: names → characters).
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { ModelEntry } from '../../../src/extension/modelStore';
import { accuracyPhrase, splitShares, tokenizationItem, trainedHeadline } from '../../../src/extension/trainingReport';
import type { ModelMetadata } from '../../../src/shared/protocol';

/** Small and quick; no tokenisation here: the settings' (the default, 'auto') applies. */
const small = { hiddenSize: 16, embeddingSize: 8, epochs: 2, learningRate: 0.02, batchSize: 32 };

function namesUri(): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the test workspace is open');
  return vscode.Uri.joinPath(folder.uri, 'names.tsv');
}

/** Trains on the first `lines` lines of names.tsv through the command, as a user would without prompts. */
async function trainOnNames(lines: number, name: string): Promise<ModelEntry> {
  const editor = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(namesUri()));
  editor.selection = new vscode.Selection(0, 0, lines, 0);
  try {
    const entry = await vscode.commands.executeCommand<ModelEntry>('rnnLens.trainOnSelection', { noPrompt: true, config: small, name });
    assert.ok(entry, 'the command returns the new model');
    return entry;
  } finally {
    editor.selection = new vscode.Selection(0, 0, 0, 0);
  }
}

describe('test split and auto tokenisation in a real extension host', function () {
  this.timeout(240_000);

  it('trains names under the default settings on characters (auto), holds out a test split and leads with its figures', async () => {
    const settings = vscode.workspace.getConfiguration('rnnLens', namesUri());
    assert.equal(settings.get('tokenization'), 'auto', 'the demo workspace leaves tokenisation to its default');
    assert.equal(settings.get('testSplit'), 0.1);
    const entry = await trainOnNames(300, 'split-names');
    const meta = entry.metadata;
    assert.equal(meta.config.tokenization, 'char', 'names are single words: characters');
    assert.equal(meta.tokenizer.kind, 'char');
    assert.match(meta.tokenizationReason ?? '', /^the examples are single words \(median 1 word per example\)$/);
    const { train, validation, test } = meta.examples;
    assert.equal(train + validation + (test ?? 0), 300);
    assert.ok(test !== undefined && test >= 25 && test <= 35, `about 10 % held out for testing (${test})`);
    const figures = meta.metrics.test;
    assert.ok(figures, 'the model has test metrics');
    assert.equal(figures.examples, test);
    assert.equal(figures.confusion.flat().reduce((a, b) => a + b, 0), test);
    assert.deepEqual(figures.perClass.map((c) => c.label), meta.classes);
    assert.equal(meta.metrics.trainEpoch, meta.metrics.bestEpoch, 'the training figures are the chosen epoch\'s');
    // What was saved is what the host read: the resolved tokenisation and the test figures.
    const saved = JSON.parse(fs.readFileSync(path.join(entry.dir, 'metadata.json'), 'utf8')) as ModelMetadata;
    assert.equal(saved.config.tokenization, 'char');
    assert.deepEqual(saved.metrics.test, figures);
    // The notification's headline and the picker's phrase are the test split's.
    const pct = `${(100 * figures.accuracy).toFixed(1)} %`;
    assert.match(trainedHeadline(meta), new RegExp(`^Trained split-names: test accuracy ${pct} on ${test} held-out examples \\(weights of epoch ${meta.metrics.bestEpoch} of 2, chosen by validation accuracy `));
    assert.equal(accuracyPhrase(meta), `test accuracy ${pct}`);
  });

  it('reads rnnLens.testSplit and rnnLens.tokenization from the settings', async () => {
    const settings = vscode.workspace.getConfiguration('rnnLens');
    await settings.update('testSplit', 0.2, vscode.ConfigurationTarget.Workspace);
    await settings.update('tokenization', 'word', vscode.ConfigurationTarget.Workspace);
    try {
      const entry = await trainOnNames(200, 'split-settings');
      const { train, validation, test } = entry.metadata.examples;
      assert.equal(train + validation + (test ?? 0), 200);
      assert.ok(test !== undefined && test >= 36 && test <= 44, `about 20 % held out for testing (${test})`);
      assert.equal(entry.metadata.config.testSplit, 0.2);
      assert.equal(entry.metadata.config.tokenization, 'word', 'a chosen tokenisation is kept');
      assert.equal(entry.metadata.tokenizationReason, undefined);
    } finally {
      await settings.update('testSplit', undefined, vscode.ConfigurationTarget.Workspace);
      await settings.update('tokenization', undefined, vscode.ConfigurationTarget.Workspace);
    }
  });

  it('trains without a test split on too few examples, and says so in the model and the headline', async () => {
    // The first three names: two female, one male (too few for validation and test both).
    const entry = await trainOnNames(3, 'split-tiny');
    const meta = entry.metadata;
    assert.equal(meta.metrics.test, undefined);
    assert.equal(meta.examples.test, 0);
    assert.ok(meta.warnings?.some((w) => w.startsWith('No test split: 3 examples are too few')), (meta.warnings ?? []).join('\n'));
    assert.match(trainedHeadline(meta), /no test split/);
    assert.equal(accuracyPhrase(meta), 'no test split');
  });

  it('words the quick pick: what auto picks with its reason, and the three split shares', () => {
    const auto = { kind: 'char' as const, reason: 'the examples are single words (median 1 word per example)' };
    assert.deepEqual(tokenizationItem('auto', auto), { label: 'Tokenisation: characters (auto)', detail: 'auto: the examples are single words (median 1 word per example)' });
    assert.deepEqual(tokenizationItem('word', auto), { label: 'Tokenisation: words' });
    assert.deepEqual(tokenizationItem('char', { kind: 'word', reason: 'x' }), { label: 'Tokenisation: characters' });
    const settings = vscode.workspace.getConfiguration('rnnLens');
    assert.equal(splitShares({ validationSplit: settings.get<number>('validationSplit')!, testSplit: settings.get<number>('testSplit')! }), '80/10/10');
    assert.equal(splitShares({ validationSplit: 0.15, testSplit: 0.15 }), '70/15/15');
  });
});
