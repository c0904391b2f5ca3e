// Integration tests inside a real extension host: training on a selection, the hover, engine restarts, bad input.
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { ModelEntry } from '../../../src/extension/modelStore';
import { checkReaderModel } from '../../../src/shared/readerModel';
import { api, hoverText, waitFor } from './helpers';

const small = { hiddenSize: 16, embeddingSize: 8, epochs: 2, tokenization: 'char', learningRate: 0.02, batchSize: 32 };

function namesUri(): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the test workspace is open');
  return vscode.Uri.joinPath(folder.uri, 'names.tsv');
}

describe('RNN Lens in a real extension host', function () {
  this.timeout(240_000);
  let trained: ModelEntry;

  it('registers its commands', async () => {
    await api();
    const commands = await vscode.commands.getCommands(true);
    for (const c of ['rnnLens.trainOnSelection', 'rnnLens.selectModel', 'rnnLens.deleteModel', 'rnnLens.showLog', 'rnnLens.restartEngine']) {
      assert.ok(commands.includes(c), c);
    }
  });

  it('trains on a selection in the engine process and makes the model active, without touching the document', async () => {
    const lens = await api();
    const doc = await vscode.workspace.openTextDocument(namesUri());
    const editor = await vscode.window.showTextDocument(doc);
    const before = doc.getText();
    editor.selection = new vscode.Selection(0, 0, 300, 0);
    const entry = await vscode.commands.executeCommand<ModelEntry>('rnnLens.trainOnSelection', { noPrompt: true, config: small, name: 'integration-names' });
    assert.ok(entry, 'the command returns the new model');
    trained = entry;
    assert.equal(lens.activeModel()?.name, entry.name);
    assert.deepEqual(entry.metadata.classes, ['female', 'male']);
    assert.equal(entry.metadata.format, 'tsv-label-text');
    assert.equal(entry.metadata.examples.train + entry.metadata.examples.validation + (entry.metadata.examples.test ?? 0), 300);
    assert.equal(entry.metadata.config.cell, 'lstm');
    assert.equal(entry.metadata.tokenizer.kind, 'char');
    for (const f of ['model.json', 'weights.bin', 'vocab.json', 'metadata.json']) assert.ok(fs.existsSync(path.join(entry.dir, f)), f);
    assert.ok(entry.dir.startsWith(lens.modelsRoot()));
    assert.equal(doc.getText(), before);
    assert.equal(doc.isDirty, false);
    const pid = lens.enginePid();
    assert.ok(pid && pid !== process.pid, 'the engine is a separate process');
    assert.ok(lens.engineInfo()?.backend, 'the engine reports its backend');
    editor.selection = new vscode.Selection(0, 0, 0, 0);
  });

  it('shows the predicted class and probabilities when hovering a line', async () => {
    const text = await hoverText(namesUri(), 4);
    assert.match(text, /RNN Lens/);
    assert.match(text, /Predicted: \*\*(female|male)\*\*/);
    assert.match(text, /label in file: (female|male)/);
    assert.match(text, /\| female \| \d+\.\d %/);
  });

  it('predicts on the selected text when the hover is inside it, and on the record under the pointer when it covers several (issue 11, item 11)', async () => {
    const editor = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(namesUri()));
    const line = editor.document.lineAt(3).text;
    editor.selection = new vscode.Selection(3, line.indexOf('\t') + 1, 3, line.length);
    try {
      const within = await hoverText(namesUri(), 3, line.length - 1);
      assert.match(within, /Predicted: \*\*(female|male)\*\*/);
      assert.doesNotMatch(within, /label in file/);
      editor.selection = new vscode.Selection(2, 0, 5, 0);
      const text = await hoverText(namesUri(), 3);
      assert.match(text, /Predicted: \*\*(female|male)\*\*/);
      assert.match(text, new RegExp(`label in file: ${line.split('\t')[0]}`), 'the record, its label not read as text');
      assert.match(text, /record 2 of 3 selected, line 4/);
    } finally {
      editor.selection = new vscode.Selection(0, 0, 0, 0);
    }
  });

  it('predicts through the same code path as the hover with the same tokenisation', async () => {
    const lens = await api();
    const p = await lens.predict('Mary');
    assert.equal(p.tokenCount, 4);
    assert.ok(['female', 'male'].includes(p.label));
    assert.ok(Math.abs(p.probabilities.reduce((a, b) => a + b, 0) - 1) < 1e-4);
  });

  it('opens the unrolled view on the selection, with its strict content security policy', async () => {
    const lens = await api();
    const editor = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(namesUri()));
    const line = editor.document.lineAt(3);
    editor.selection = new vscode.Selection(line.range.start.translate(0, line.text.indexOf('\t') + 1), line.range.end);
    await vscode.commands.executeCommand('rnnLens.openUnrolledView');
    const panel = await waitFor('the unrolled panel', () => lens.unrolledPanel());
    assert.equal(panel.viewType, 'rnnLens.unrolled');
    assert.match(panel.webview.html, /default-src 'none'/);
    // Scripts only by nonce; WebAssembly may compile (the view reads keystrokes on the engine's kernels), nothing is eval'd.
    assert.match(panel.webview.html, /script-src 'nonce-[A-Za-z0-9+/=]+' 'wasm-unsafe-eval';/);
    assert.doesNotMatch(panel.webview.html, /'unsafe-eval'|'unsafe-inline'/);
    assert.match(panel.webview.html, /dist\/webview\/unrolled\.js/);
    assert.deepEqual(
      panel.webview.options.localResourceRoots?.map((u) => path.basename(u.path)),
      ['dist', 'media'],
    );
    panel.dispose();
    editor.selection = new vscode.Selection(0, 0, 0, 0);
  });

  it('shows the hidden states of the line under the cursor in the side panel', async () => {
    const lens = await api();
    await vscode.commands.executeCommand('workbench.view.extension.rnnLens');
    const editor = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(namesUri()));
    editor.selection = new vscode.Selection(7, 0, 7, 0);
    const name = editor.document.lineAt(7).text.split('\t')[1];
    const snapshot = await waitFor('a snapshot of line 8', () => {
      const s = lens.statesSnapshot();
      return s?.inspection && s.source?.endsWith(':8') ? s : undefined;
    });
    const inspection = snapshot.inspection!;
    assert.equal(inspection.text, name, 'the record line is read through its text field');
    assert.equal(inspection.tokens.map((t) => t.text).join(''), name.toLowerCase());
    assert.equal(inspection.directions[0].h.length, inspection.tokens.length * 16);
    assert.ok(inspection.directions[0].h instanceof Float32Array, 'states cross the engine boundary as typed arrays');
    // The unrolled panel's answer for the same line: strips as bytes, the focused cell and unit exact.
    const T = inspection.tokens.length;
    const H = 16;
    const unrolled = await lens.inspectUnrolled(name, { cell: { t: 1, layer: 0, direction: 'forward' }, unit: 2 });
    assert.ok(unrolled.directions[0].strips instanceof Uint8Array, 'the strips cross both boundaries as bytes');
    assert.equal(unrolled.directions[0].strips.length, T * 6 * H);
    assert.deepEqual(Array.from(unrolled.cell!.h), Array.from(inspection.directions[0].h.subarray(H, 2 * H)), 'the focused cell is exact');
    const series = unrolled.unit!.series[0].values;
    assert.ok(series instanceof Float32Array);
    for (let t = 0; t < T; t++) assert.equal(series[t], inspection.directions[0].h[t * H + 2], 'the focused unit is exact');
    assert.equal(unrolled.directions[0].strips.buffer.byteLength, unrolled.directions[0].strips.byteLength, 'each array in a buffer of its own');
    assert.ok(snapshot.models.some((m) => m.active && m.name === trained.name));

    // What the unrolled view reads keystrokes with: the active model's weights, checked, in buffers of their own.
    const sent = await lens.readerModel();
    assert.ok(sent.model, `the model is sent (${sent.reason})`);
    assert.equal(checkReaderModel(sent.model), undefined);
    assert.equal(sent.model.metadata.name, trained.name);
    assert.equal(sent.model.metadata.created, trained.metadata.created);
    assert.equal(sent.model.weights.length, 6, 'embedding, W, U, b of one LSTM layer, dense W and b');
    assert.ok(sent.model.weights.every((w) => w.byteOffset === 0 && w.buffer.byteLength === w.byteLength), 'each array in a buffer of its own');
    // Turned off in the settings: none is sent, and the panel reads through the engine.
    const config = vscode.workspace.getConfiguration('rnnLens.unrolled');
    await config.update('readInView', false, vscode.ConfigurationTarget.Workspace);
    try {
      const off = await lens.readerModel();
      assert.equal(off.model, null);
      assert.match(off.reason ?? '', /readInView is off/);
    } finally {
      await config.update('readInView', undefined, vscode.ConfigurationTarget.Workspace);
    }
  });

  it('restarts a killed engine on the next request and the active model still works', async () => {
    const lens = await api();
    const pid = lens.enginePid();
    assert.ok(pid);
    process.kill(pid, 'SIGKILL');
    await waitFor('the host to notice the engine died', () => (lens.enginePid() === undefined ? true : undefined));
    const text = await hoverText(namesUri(), 6);
    assert.match(text, /Predicted: \*\*(female|male)\*\*/);
    const newPid = lens.enginePid();
    assert.ok(newPid && newPid !== pid, `a new engine runs (${pid} → ${newPid})`);
    assert.equal(lens.activeModel()?.name, trained.name);
  });

  it('refuses invalid settings by name and trains nothing', async () => {
    const lens = await api();
    const config = vscode.workspace.getConfiguration('rnnLens');
    await config.update('hiddenSize', 0, vscode.ConfigurationTarget.Workspace);
    try {
      const doc = await vscode.workspace.openTextDocument(namesUri());
      await vscode.window.showTextDocument(doc);
      const count = lens.models().length;
      await assert.rejects(
        Promise.resolve(vscode.commands.executeCommand('rnnLens.trainOnSelection', { noPrompt: true })),
        /Setting rnnLens\.hiddenSize must be a whole number from 1 to 1024 \(got 0\)/,
      );
      assert.equal(lens.models().length, count);
      assert.equal(lens.activeModel()?.name, trained.name, 'the last good model stays active');
    } finally {
      await config.update('hiddenSize', undefined, vscode.ConfigurationTarget.Workspace);
    }
  });

  it('refuses an empty document and a single-class selection with a clear message', async () => {
    const empty = await vscode.workspace.openTextDocument({ content: '', language: 'plaintext' });
    await vscode.window.showTextDocument(empty);
    await assert.rejects(Promise.resolve(vscode.commands.executeCommand('rnnLens.trainOnSelection', { noPrompt: true })), /document is empty/);
    const one = await vscode.workspace.openTextDocument({ content: 'spam\tbuy now\nspam\tcheap pills\nspam\twin money\n', language: 'plaintext' });
    await vscode.window.showTextDocument(one);
    await assert.rejects(Promise.resolve(vscode.commands.executeCommand('rnnLens.trainOnSelection', { noPrompt: true })), /two classes/);
    assert.equal(one.isDirty, true, 'untitled, as created');
    assert.equal(one.getText(), 'spam\tbuy now\nspam\tcheap pills\nspam\twin money\n');
  });

  it('warns about a class with a single example, says what happens to it, and keeps the warning with the model', async () => {
    const lines = fs.readFileSync(namesUri().fsPath, 'utf8').split('\n').slice(0, 120);
    lines.push('robot\tR2D2');
    const doc = await vscode.workspace.openTextDocument({ content: lines.join('\n'), language: 'plaintext' });
    await vscode.window.showTextDocument(doc);
    const entry = await vscode.commands.executeCommand<ModelEntry>('rnnLens.trainOnSelection', { noPrompt: true, config: { ...small, epochs: 1 }, name: 'lonely' });
    const warnings = entry.metadata.warnings ?? [];
    assert.ok(warnings.some((w) => /Class "robot" has a single example: it stays in the training set only/.test(w)), warnings.join('\n'));
    assert.equal(doc.getText(), lines.join('\n'), 'the document is not modified');
  });

  it('reports lines that do not parse with their line numbers, and trains when told to skip them', async () => {
    const lines = fs.readFileSync(namesUri().fsPath, 'utf8').split('\n').slice(0, 120);
    lines.splice(40, 0, 'this line has no tab at all');
    const doc = await vscode.workspace.openTextDocument({ content: lines.join('\n'), language: 'plaintext' });
    await vscode.window.showTextDocument(doc);
    await assert.rejects(Promise.resolve(vscode.commands.executeCommand('rnnLens.trainOnSelection', { noPrompt: true, config: small })), /line 41/);
    const entry = await vscode.commands.executeCommand<ModelEntry>('rnnLens.trainOnSelection', { noPrompt: true, skipInvalid: true, config: { ...small, epochs: 1 }, name: 'skipped' });
    assert.equal(entry.metadata.examples.skippedLines, 1);
  });
});
