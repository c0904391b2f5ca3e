// The training panel in a real extension host: it opens when training starts and shows the report at the end;
// "RNN: Show Training Report" opens a saved model's report; rnnLens.training.showPanel false keeps it closed.
import { strict as assert } from 'assert';
import * as vscode from 'vscode';
import type { ModelEntry } from '../../../src/extension/modelStore';
import { api, waitFor, workspaceUri } from './helpers';

const small = { hiddenSize: 8, embeddingSize: 8, epochs: 2, tokenization: 'char', learningRate: 0.02, batchSize: 32 };

describe('the training panel', function () {
  this.timeout(240_000);

  afterEach(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.workspace.getConfiguration('rnnLens.training').update('showPanel', undefined, vscode.ConfigurationTarget.Workspace);
  });

  async function train(name: string): Promise<ModelEntry> {
    const doc = await vscode.workspace.openTextDocument(workspaceUri('names.tsv'));
    const editor = await vscode.window.showTextDocument(doc);
    editor.selection = new vscode.Selection(0, 0, 150, 0);
    const before = doc.getText();
    const entry = await vscode.commands.executeCommand<ModelEntry>('rnnLens.trainOnSelection', { noPrompt: true, config: small, name });
    assert.equal(doc.getText(), before, 'the document is untouched');
    return entry;
  }

  it('opens when training starts, beside the editor and without taking the focus, and shows the report when it ends', async () => {
    const lens = await api();
    const training = train('panel-names');
    // While it trains, the panel is open in its live state (or already done, on a fast machine).
    const open = await waitFor('the panel to open', () => lens.trainingPanel());
    assert.ok(open.shows === 'live' || open.shows === 'report', open.shows);
    assert.equal(vscode.window.activeTextEditor?.document.uri.toString(), workspaceUri('names.tsv').toString(), 'the editor keeps the focus');
    const entry = await training;
    assert.equal(lens.trainingPanel()?.shows, 'report');
    assert.equal(lens.trainingPanel()?.panel.title, 'RNN Training');
    // The report's data is the model's: curves and misclassified lines were saved with it.
    assert.equal(entry.metadata.history?.epochs.length, 2);
    assert.ok(Array.isArray(entry.metadata.misclassified));
  });

  it('"RNN: Show Training Report" opens the report of a saved model by name, and refuses a name that is no model', async () => {
    const lens = await api();
    const entry = lens.models()[0];
    assert.ok(entry, 'a model exists');
    assert.equal(lens.trainingPanel(), undefined);
    await vscode.commands.executeCommand('rnnLens.showTrainingReport', { name: entry.name });
    assert.equal(lens.trainingPanel()?.shows, 'report');
    await assert.rejects(Promise.resolve(vscode.commands.executeCommand('rnnLens.showTrainingReport', { name: 'no such model' })), /There is no model named "no such model"/);
  });

  it('stays closed with rnnLens.training.showPanel off', async () => {
    const lens = await api();
    await vscode.workspace.getConfiguration('rnnLens.training').update('showPanel', false, vscode.ConfigurationTarget.Workspace);
    await train('panel-off');
    assert.equal(lens.trainingPanel(), undefined);
  });
});

describe('likely label errors in the Problems view', function () {
  this.timeout(240_000);

  it('with rnnLens.training.markMisclassified on, marks the trained lines the model disagrees with, never edits, and clears on edit and when turned off', async () => {
    const lens = await api();
    const config = vscode.workspace.getConfiguration('rnnLens.training');
    const names = await vscode.workspace.openTextDocument(workspaceUri('names.tsv'));
    // A copy with some labels flipped, in an untitled document (the edits below touch no file).
    const lines = names.getText().split('\n').slice(0, 160).map((l, i) => (i % 9 === 4 ? l.replace(/^female\t/, 'X\t').replace(/^male\t/, 'female\t').replace(/^X\t/, 'male\t') : l));
    const doc = await vscode.workspace.openTextDocument({ content: lines.join('\n'), language: 'plaintext' });
    const editor = await vscode.window.showTextDocument(doc);
    await config.update('markMisclassified', true, vscode.ConfigurationTarget.Workspace);
    try {
      editor.selection = new vscode.Selection(0, 0, 120, 0);
      const before = doc.getText();
      const entry = await vscode.commands.executeCommand<ModelEntry>('rnnLens.trainOnSelection', { noPrompt: true, config: { ...small, epochs: 3 }, name: 'labels-check' });
      assert.deepEqual(entry.metadata.source?.lines, { first: 1, last: 120 });
      // The marking starts when the model becomes active; labelDiagnostics waits for it.
      const marks = await lens.labelDiagnostics(doc.uri);
      assert.ok(marks.length > 0, 'some flipped labels are marked');
      assert.equal(doc.getText(), before, 'the document is never edited');
      for (const d of marks) {
        assert.equal(d.severity, vscode.DiagnosticSeverity.Information);
        assert.match(d.message, /^model: (female|male) \d+ %, label: (female|male)$/);
        assert.ok(d.range.start.line < 120, `line ${d.range.start.line + 1} is in the trained selection`);
        const [label] = doc.lineAt(d.range.start.line).text.split('\t');
        assert.equal(d.message.split('label: ')[1], label);
        assert.notEqual(d.message.split(' ')[1], label);
      }
      assert.deepEqual(vscode.languages.getDiagnostics(doc.uri).filter((d) => d.code === 'label-disagreement').length, marks.length, 'the Problems view lists them');
      await editor.edit((b) => b.insert(new vscode.Position(130, 0), 'x'));
      assert.equal((await lens.labelDiagnostics(doc.uri)).length, 0, 'an edit clears them');
      await config.update('markMisclassified', false, vscode.ConfigurationTarget.Workspace);
      assert.equal((await lens.labelDiagnostics(doc.uri)).length, 0);
    } finally {
      await config.update('markMisclassified', undefined, vscode.ConfigurationTarget.Workspace);
      await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
    }
  });
});
