// Integration tests (views): "RNN: Open Unrolled View" without a model (issue 11, item 12), in a real
// extension host with the real webview: the command is in the palette, opens the panel in its empty
// state, and the panel reads a line as soon as a model becomes active.
import { strict as assert } from 'assert';
import { promises as fs } from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { RnnLensApi } from '../../../src/extension/extension';
import { api, waitFor } from './helpers';

interface Message {
  t: string;
  id?: number;
  method?: string;
  name?: string;
  params?: { text?: string };
  ok?: boolean;
  result?: { model?: unknown; text?: string };
}

/**
 * Runs "RNN: Select Active Model" (which first reads the models folder again) and answers its quick
 * pick: `accept` takes the first item (the newest model), else it is closed.
 */
async function pickModel(lens: RnnLensApi, accept: boolean, refreshed: () => boolean): Promise<void> {
  const picked = Promise.resolve(vscode.commands.executeCommand('rnnLens.selectModel'));
  let done = false;
  void picked.then(() => (done = true));
  await waitFor('the models folder to be read again', refreshed);
  // The quick pick opens a moment after the folder is read: keep answering until the command returns.
  await waitFor(
    'the model quick pick to be answered',
    () => {
      if (!done) void vscode.commands.executeCommand(accept ? 'workbench.action.acceptSelectedQuickOpenItem' : 'workbench.action.closeQuickOpen');
      return done;
    },
    15_000,
  );
  await picked;
}

describe('the unrolled view without a model', function () {
  this.timeout(120_000);

  it('is in the Command Palette whether or not a model exists', () => {
    const ext = vscode.extensions.getExtension('rnn-lens.rnn-lens');
    assert.ok(ext);
    const pkg = ext.packageJSON as { contributes: { commands: { command: string }[]; menus: { commandPalette: { command: string; when?: string }[] } } };
    assert.ok(pkg.contributes.commands.some((c) => c.command === 'rnnLens.openUnrolledView'), 'a contributed command');
    const entry = pkg.contributes.menus.commandPalette.find((e) => e.command === 'rnnLens.openUnrolledView');
    // No entry, or one without a condition on the models, shows it always.
    assert.ok(!entry?.when || !/rnnLens\.has/.test(entry.when), `the palette shows it only when ${entry?.when}`);
  });

  it('opens in its empty state without an active model, and reads a line of the data as soon as a model becomes active', async () => {
    const lens = await api();
    lens.unrolledPanel()?.dispose();
    // No model for this test: the saved models wait beside the models folder, and come back after.
    const root = lens.modelsRoot();
    const aside = `${root}-aside-views-test`;
    await fs.rm(aside, { recursive: true, force: true });
    await fs.rename(root, aside);
    await fs.mkdir(root, { recursive: true });
    try {
      await pickModel(lens, false, () => lens.models().length === 0);
      assert.equal(lens.activeModel(), undefined, 'no active model');

      await vscode.commands.executeCommand('rnnLens.openUnrolledView');
      const panel = lens.unrolledPanel();
      assert.ok(panel, 'the command opened the panel');
      assert.equal(panel.viewType, 'rnnLens.unrolled');
      // What the view asks and what the host answers, on the panel's own channel.
      const received: Message[] = [];
      const sent: Message[] = [];
      const sub = panel.webview.onDidReceiveMessage((m: Message) => received.push(m));
      const webview = panel.webview;
      const post = webview.postMessage.bind(webview);
      webview.postMessage = (m: Message) => {
        sent.push(m);
        return post(m);
      };
      try {
        const ready = await waitFor('the view to ask for its start', () => received.find((m) => m.t === 'req' && m.method === 'ready'));
        const answer = await waitFor('the host to answer', () => sent.find((m) => m.t === 'res' && m.id === ready.id));
        assert.equal(answer.ok, true);
        assert.equal(answer.result?.model, null, 'the panel starts with no model: its empty state');
        await new Promise((r) => setTimeout(r, 1500));
        assert.deepEqual(
          received.filter((m) => m.method === 'inspect'),
          [],
          'nothing is read without a model',
        );

        // A model becomes active (the saved ones are back; the newest is picked): the panel reads a line of its data.
        for (const name of await fs.readdir(aside)) await fs.rename(path.join(aside, name), path.join(root, name));
        await pickModel(lens, true, () => lens.models().length > 0);
        const active = lens.activeModel();
        assert.ok(active, 'a model is active');
        const sample = active.metadata.samples?.[0];
        assert.ok(sample, 'the model keeps lines of its data');
        const changed = await waitFor('the host to announce the model', () => sent.find((m) => m.t === 'event' && m.name === 'modelChanged'));
        assert.ok(changed);
        const inspect = await waitFor('the panel to read', () => received.find((m) => m.method === 'inspect'));
        assert.equal(inspect.params?.text, sample, 'the panel reads the first line of the model’s data');
        const result = await waitFor('the reading', () => sent.find((m) => m.t === 'res' && m.id === inspect.id));
        assert.equal(result.ok, true, 'the engine read it');
      } finally {
        sub.dispose();
        webview.postMessage = post;
      }
    } finally {
      // Whatever happened, the saved models are back in the models folder.
      for (const name of await fs.readdir(aside).catch(() => [] as string[])) await fs.rename(path.join(aside, name), path.join(root, name)).catch(() => undefined);
      await fs.rm(aside, { recursive: true, force: true });
      if (!lens.activeModel()) await pickModel(lens, true, () => lens.models().length > 0).catch(() => undefined);
    }
  });
});
