// Training on the GPU in a real extension host: rnnLens.engine.device "gpu" restarts the engine, which trains
// on WebGPU (Mesa's software adapter on a machine without a GPU) and names it; the hover reads on the CPU.
import { strict as assert } from 'assert';
import * as vscode from 'vscode';
import type { ModelEntry } from '../../../src/extension/modelStore';
import { api, hoverText, workspaceUri } from './helpers';

describe('training on the GPU', function () {
  this.timeout(240_000);

  it('with rnnLens.engine.device "gpu", trains on WebGPU, says so in the model and the engine info, and hovers with it', async () => {
    const lens = await api();
    const config = vscode.workspace.getConfiguration('rnnLens.engine');
    await config.update('device', 'gpu', vscode.ConfigurationTarget.Workspace);
    try {
      const doc = await vscode.workspace.openTextDocument(workspaceUri('names.tsv'));
      const editor = await vscode.window.showTextDocument(doc);
      editor.selection = new vscode.Selection(0, 0, 200, 0);
      const entry = await vscode.commands.executeCommand<ModelEntry>('rnnLens.trainOnSelection', {
        noPrompt: true,
        config: { hiddenSize: 16, embeddingSize: 8, epochs: 2, tokenization: 'char', learningRate: 0.02, batchSize: 32 },
        name: 'integration-gpu',
      });
      assert.ok(entry, 'the command returns the new model');
      assert.match(entry.metadata.backend, /\(gpu-webgpu · .+\)$/, entry.metadata.backend);
      const info = lens.engineInfo();
      assert.match(info?.gpu ?? '', /^gpu-webgpu · /, 'the engine names its training GPU');
      assert.ok(info?.notes.some((n) => /^GPU: gpu-webgpu · .* trains/.test(n)), info?.notes.join('\n'));
      assert.equal(lens.activeModel()?.name, entry.name);
      assert.match(await hoverText(doc.uri, 3), /Predicted: \*\*(female|male)\*\*/);
      editor.selection = new vscode.Selection(0, 0, 0, 0);
    } finally {
      await config.update('device', undefined, vscode.ConfigurationTarget.Workspace);
    }
  });
});
