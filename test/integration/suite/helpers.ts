// What the integration tests share: the extension's API, the test workspace's files, the hover's text,
// and waiting for a condition.
import { strict as assert } from 'assert';
import * as vscode from 'vscode';
import type { RnnLensApi } from '../../../src/extension/extension';

/** The extension's exported API (activating it). */
export async function api(): Promise<RnnLensApi> {
  const ext = vscode.extensions.getExtension<RnnLensApi>('rnn-lens.rnn-lens');
  assert.ok(ext, 'the extension is installed');
  return ext.activate();
}

/** A file of the test workspace (the demo workspace: names.tsv, names.csv, README.md…). */
export function workspaceUri(file: string): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the test workspace is open');
  return vscode.Uri.joinPath(folder.uri, file);
}

/** The markdown of every hover at a position, joined. */
export async function hoverText(uri: vscode.Uri, line: number, character = 2): Promise<string> {
  const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, new vscode.Position(line, character));
  return hovers
    .flatMap((h) => h.contents)
    .map((c) => (typeof c === 'string' ? c : (c as vscode.MarkdownString).value))
    .join('\n');
}

/** Polls `probe` every 100 ms until it gives a value (not undefined or false); throws after `timeoutMs`. */
export async function waitFor<T>(what: string, probe: () => T | undefined | false, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
