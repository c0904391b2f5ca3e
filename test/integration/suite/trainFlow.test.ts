// Integration tests of the training flow (issue 11): the Settings editor's scope for a bad value,
// cancelling from the status bar without losing the active model, one message for an engine crash,
// models named after their data and settings and replaced from the same source, and the wording.
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as vscode from 'vscode';
import type { ModelEntry } from '../../../src/extension/modelStore';
import { badModelSettings, settingsEditorFor } from '../../../src/extension/settings';
import { api, waitFor, workspaceUri as workspaceFile } from './helpers';

const quick = { hiddenSize: 16, embeddingSize: 8, epochs: 1, tokenization: 'char', learningRate: 0.02, batchSize: 32 };
/** Enough epochs that a run is still training when the test acts on it. */
const long = { ...quick, epochs: 400 };

/** A copy of the first lines of names.tsv as a file of its own (a source no other test trains on). */
async function namesCopy(fileName: string, lineCount = 200): Promise<vscode.Uri> {
  const uri = workspaceFile(fileName);
  const lines = fs.readFileSync(workspaceFile('names.tsv').fsPath, 'utf8').split('\n').slice(0, lineCount);
  fs.writeFileSync(uri.fsPath, `${lines.join('\n')}\n`);
  return uri;
}

function train(args: Record<string, unknown>): Promise<ModelEntry | undefined> {
  return Promise.resolve(vscode.commands.executeCommand<ModelEntry | undefined>('rnnLens.trainOnSelection', { noPrompt: true, ...args }));
}

describe('the training flow', function () {
  this.timeout(240_000);

  it('opens the Settings editor on the scope that holds a bad value, searched for that setting', async () => {
    const config = vscode.workspace.getConfiguration('rnnLens');
    const uri = workspaceFile('names.tsv');
    await config.update('hiddenSize', 0, vscode.ConfigurationTarget.Workspace);
    try {
      const bad = badModelSettings(uri);
      assert.deepEqual(bad, [{ field: 'hiddenSize', scope: 'workspace' }]);
      assert.deepEqual(settingsEditorFor(bad), { command: 'workbench.action.openWorkspaceSettings', args: { query: 'rnnLens.hiddenSize' } });
      const where = settingsEditorFor(bad);
      await vscode.commands.executeCommand(where.command, where.args);
      await waitFor('the Settings editor', () => (vscode.window.tabGroups.activeTabGroup.activeTab?.label === 'Settings' ? true : undefined), 10_000);
      await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    } finally {
      await config.update('hiddenSize', undefined, vscode.ConfigurationTarget.Workspace);
    }
    await config.update('epochs', 0, vscode.ConfigurationTarget.Global);
    try {
      const bad = badModelSettings(uri);
      assert.deepEqual(bad, [{ field: 'epochs', scope: 'user' }]);
      assert.deepEqual(settingsEditorFor(bad), { command: 'workbench.action.openGlobalSettings', args: { query: 'rnnLens.epochs' } });
    } finally {
      await config.update('epochs', undefined, vscode.ConfigurationTarget.Global);
    }
    assert.deepEqual(badModelSettings(uri), []);
  });

  it('names a model after its data and settings, records its source, and replaces the model trained from the same source', async () => {
    const lens = await api();
    const uri = await namesCopy('flow-names.tsv');
    const first = await train({ uri, config: quick });
    assert.ok(first);
    assert.equal(first.name, 'flow-names-lstm-16-char');
    assert.equal(first.metadata.source?.uri, uri.toString());
    assert.equal(first.metadata.source?.what, 'all of flow-names.tsv (200 lines)', 'the lines as a reader counts them (the final newline starts no line)');
    const count = lens.models().length;

    // Same source, same name: the new model takes the old one's place (once saved).
    const second = await train({ uri, config: quick, replace: true });
    assert.ok(second);
    assert.equal(second.name, first.name);
    assert.notEqual(second.metadata.created, first.metadata.created, 'a new model');
    assert.equal(lens.models().length, count, 'replaced, not added');
    assert.equal(lens.activeModel()?.name, second.name);

    // Other settings, another name: the model from the same source is replaced all the same.
    const third = await train({ uri, config: { ...quick, hiddenSize: 8 }, replace: true });
    assert.ok(third);
    assert.equal(third.name, 'flow-names-lstm-8-char');
    assert.equal(lens.models().length, count);
    assert.ok(!lens.models().some((m) => m.name === first.name), 'the replaced model is gone');
    assert.ok(!fs.existsSync(first.dir), 'its folder is gone');

    // Without replace, a second model from the same source is kept beside the first.
    const fourth = await train({ uri, config: { ...quick, hiddenSize: 8 } });
    assert.ok(fourth);
    assert.equal(fourth.name, 'flow-names-lstm-8-char-2');
    assert.equal(lens.models().length, count + 1);
  });

  it('cancels from the status bar; a cancelled run does not replace the active model', async () => {
    const lens = await api();
    const uri = await namesCopy('flow-cancel.tsv', 400);
    const good = await train({ uri, config: quick, name: 'flow-good' });
    assert.ok(good);
    assert.equal(lens.activeModel()?.name, 'flow-good');

    const running = train({ uri, config: long, name: 'flow-cancelled' });
    await waitFor('the status bar to show the run', () => (/training flow-cancelled/.test(lens.statusBar().text) ? true : undefined));
    assert.equal(lens.statusBar().command, 'rnnLens.cancelTraining', 'a click on the status bar item cancels');
    assert.match(lens.statusBar().tooltip, /Click to cancel/);
    assert.equal(lens.training()?.name, 'flow-cancelled');
    // A second run is refused while one trains.
    await assert.rejects(train({ uri, config: quick, name: 'flow-second' }), /"flow-cancelled" is still training/);

    // Cancel inside the first epoch, once batches run.
    await waitFor('the first batches', () => ((lens.training()?.percent ?? 0) > 0 ? true : undefined));
    await vscode.commands.executeCommand(lens.statusBar().command!);
    const cancelled = await running;
    assert.ok(cancelled, 'the cancelled run is saved');
    assert.equal(cancelled.metadata.metrics.cancelled, true);
    assert.ok(cancelled.metadata.metrics.epochsCompleted < long.epochs);
    assert.equal(lens.activeModel()?.name, 'flow-good', 'the good model stays active');
    assert.ok(lens.models().some((m) => m.name === 'flow-cancelled'), 'the partial model is kept, inactive');
    assert.equal(lens.training(), undefined);
    assert.doesNotMatch(lens.statusBar().text, /training/);
    assert.equal(lens.statusBar().command, 'rnnLens.selectModel');
  });

  it('reports an engine killed mid-training once, in the flow, and saves nothing', async () => {
    const lens = await api();
    const uri = await namesCopy('flow-crash.tsv', 400);
    const active = lens.activeModel()?.name;
    const count = lens.models().length;
    const running = train({ uri, config: long, name: 'flow-crash' });
    await waitFor('the run to start', () => (lens.training() ? true : undefined));
    // Wait for the first batches, so the engine is training (not parsing) when it dies.
    await waitFor('progress', () => ((lens.training()?.percent ?? 0) > 0 ? true : undefined));
    const pid = lens.enginePid();
    assert.ok(pid);
    process.kill(pid, 'SIGKILL');
    await assert.rejects(running, /Training stopped: The RNN Lens engine stopped unexpectedly \(signal SIGKILL\).*Nothing was saved/);
    assert.equal(lens.models().length, count, 'nothing was saved');
    assert.equal(lens.activeModel()?.name, active, 'the active model is unchanged');
    assert.equal(lens.training(), undefined);
    const dir = lens.modelsRoot();
    assert.deepEqual(fs.readdirSync(dir).filter((n) => n.startsWith('flow-crash')).length, 0, 'no folder of the lost run shows as a model');
  });

  it('says "1 line does not parse" and "…and N more lines" in words that agree with the count', async () => {
    const lines = fs.readFileSync(workspaceFile('names.tsv').fsPath, 'utf8').split('\n').slice(0, 120);
    const one = [...lines];
    one.splice(10, 0, 'no tab here');
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument({ content: one.join('\n'), language: 'plaintext' }));
    await assert.rejects(train({ config: quick }), (err: Error) => {
      assert.match(err.message, /^1 line does not parse as /);
      assert.doesNotMatch(err.message, /line\(s\)|and \d+ more/);
      return true;
    });
    const eight = [...lines];
    for (let i = 0; i < 8; i++) eight.splice(10 + i * 5, 0, `no tab here ${i}`);
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument({ content: eight.join('\n'), language: 'plaintext' }));
    await assert.rejects(train({ config: quick }), (err: Error) => {
      assert.match(err.message, /^8 lines do not parse as /);
      assert.match(err.message, /…and 5 more lines \(all are in the RNN Lens log\)\./);
      return true;
    });
  });
});
