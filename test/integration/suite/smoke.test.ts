// Smoke test: the extension is installed in the host, activates, and contributes its main command.
import * as assert from 'assert';
import * as vscode from 'vscode';

const extensionId = 'rnn-lens.rnn-lens';

describe('smoke', () => {
  it('finds the RNN Lens extension in the extension host', () => {
    const ext = vscode.extensions.getExtension(extensionId);
    assert.ok(ext, `extension ${extensionId} is not loaded`);
  });

  it('activates the extension without errors', async () => {
    const ext = vscode.extensions.getExtension(extensionId);
    assert.ok(ext);
    await ext.activate();
    assert.strictEqual(ext.isActive, true);
  });

  it('registers the command rnnLens.trainOnSelection', async () => {
    await vscode.extensions.getExtension(extensionId)?.activate();
    const commands = await vscode.commands.getCommands(true);
    assert.ok(commands.includes('rnnLens.trainOnSelection'), 'rnnLens.trainOnSelection is not registered');
  });
});
