// Integration tests (issue 11, items 1, 6, 9, 11, 18): which record is under the cursor, for the hover, the
// Hidden States panel and the unrolled view's command, in a real extension host.
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as vscode from 'vscode';
import type { ModelEntry } from '../../../src/extension/modelStore';
import { api, hoverText, waitFor, workspaceUri } from './helpers';

const small = { hiddenSize: 16, embeddingSize: 8, epochs: 2, tokenization: 'char', learningRate: 0.02, batchSize: 32 };

/** The two-line record of the CSV below: a quoted name field that holds a newline and a comma. */
const TWO_LINE_TEXT = 'Nicol\nsecond line, with comma';

/** label⇥name lines of the demo's names.tsv. */
function nameLines(count: number): string[] {
  return fs.readFileSync(workspaceUri('names.tsv').fsPath, 'utf8').split('\n').filter(Boolean).slice(0, count);
}

/** The text the hover says it read (between “ and ”), its markdown escapes undone. */
function hoveredText(markdown: string): string | undefined {
  return /tokens of “([^”]*)”/.exec(markdown)?.[1].replace(/\\(.)/g, '$1');
}

async function train(uri: vscode.Uri, name: string): Promise<ModelEntry> {
  const editor = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
  editor.selection = new vscode.Selection(0, 0, 0, 0);
  const entry = await vscode.commands.executeCommand<ModelEntry>('rnnLens.trainOnSelection', { noPrompt: true, config: small, name });
  assert.ok(entry, 'the command returns the new model');
  return entry;
}

describe('The record under the cursor', function () {
  this.timeout(240_000);
  // records.csv: a header (line 1), names, and on lines 7–8 a record whose name field holds a newline.
  const csvUri = workspaceUri('records.csv');
  const csvLines = ['name,gender', ...nameLines(300).map((line) => line.split('\t').reverse().join(','))];
  csvLines.splice(6, 0, `"${TWO_LINE_TEXT.split('\n')[0]}`, `${TWO_LINE_TEXT.split('\n')[1]}",female`);
  let csvModel: ModelEntry;

  before(async () => {
    await api();
    fs.writeFileSync(csvUri.fsPath, `${csvLines.join('\n')}\n`);
    csvModel = await train(csvUri, 'records-csv');
    assert.equal(csvModel.metadata.format, 'csv');
  });

  it('hovers records, not physical lines: no hover on the header, the same two-line record on both of its lines', async () => {
    const before = fs.readFileSync(csvUri.fsPath, 'utf8');
    assert.equal(await hoverText(csvUri, 0), '', 'the header row is no record');
    const name = csvLines[1].split(',')[0];
    const first = await hoverText(csvUri, 1);
    assert.equal(hoveredText(first), name);
    assert.match(first, new RegExp(`label in file: ${csvLines[1].split(',')[1]}`));
    for (const line of [6, 7]) {
      const text = await hoverText(csvUri, line);
      assert.equal(hoveredText(text), 'Nicol second line, with comma', `line ${line + 1} reads the whole record`);
      assert.match(text, /label in file: female/);
      assert.match(text, /record on lines 7–8/, 'the hover says which lines it read');
    }
    assert.equal(fs.readFileSync(csvUri.fsPath, 'utf8'), before, 'the document is not modified');
  });

  it('does not hover prose in a README.md, unless rnnLens.hover.anyDocument is on for [markdown]', async () => {
    // Prose without delimiters: plain text whatever the CSV detection makes of commas (item 2).
    const readme = workspaceUri('docs/README.md');
    fs.mkdirSync(workspaceUri('docs').fsPath, { recursive: true });
    fs.writeFileSync(readme.fsPath, [
      '# Notes', '',
      'This project trains small recurrent networks on labelled lines of text.',
      'Hover over a line to see what the model predicts for it.',
      'The Hidden States panel shows how each unit changes along the line.', '',
    ].join('\n'));
    const doc = await vscode.workspace.openTextDocument(readme);
    assert.equal(doc.languageId, 'markdown');
    const line = 2;
    assert.equal(await hoverText(readme, line), '', 'no hover on prose by default');
    const config = vscode.workspace.getConfiguration('rnnLens.hover', { languageId: 'markdown' });
    await config.update('anyDocument', true, vscode.ConfigurationTarget.Workspace, true);
    try {
      const text = await hoverText(readme, line);
      assert.match(text, /Predicted: \*\*(female|male)\*\*/);
      assert.doesNotMatch(text, /label in file/, 'prose has no labels');
      assert.equal(hoveredText(text), doc.lineAt(line).text.slice(0, 60) + (doc.lineAt(line).text.length > 60 ? '…' : ''), 'the whole line is the text');
      // The override is for markdown only: the same prose in a plain text document is still not hovered.
      const plain = await vscode.workspace.openTextDocument({ content: doc.lineAt(line).text, language: 'plaintext' });
      assert.equal(await hoverText(plain.uri, 0), '');
    } finally {
      await config.update('anyDocument', undefined, vscode.ConfigurationTarget.Workspace, true);
    }
  });

  it('opens the unrolled view on the record under the cursor or the selected text, and from the hover\'s link', async () => {
    const lens = await api();
    const doc = await vscode.workspace.openTextDocument(csvUri);
    // Each call puts the cursor in the editor first, as a user does (the view takes focus when it opens).
    const openAt = async (selection: vscode.Selection): Promise<unknown> => {
      const editor = await vscode.window.showTextDocument(doc, vscode.ViewColumn.One);
      editor.selection = selection;
      return vscode.commands.executeCommand('rnnLens.openUnrolledView');
    };
    try {
      assert.equal(await openAt(new vscode.Selection(7, 3, 7, 3)), TWO_LINE_TEXT, 'the record under the cursor, its text field only');
      await waitFor('the unrolled panel', () => lens.unrolledPanel());
      assert.equal(await openAt(new vscode.Selection(3, 1, 3, 3)), csvLines[3].slice(1, 3), 'the selected text within a record');
      assert.equal(await openAt(new vscode.Selection(2, 0, 4, 0)), csvLines[3].split(',')[0], 'a selection of whole records: the record under the cursor');
      assert.equal(await openAt(new vscode.Selection(0, 0, 0, 0)), undefined, 'nothing to read on the header: the view keeps its text');

      const hover = await hoverText(csvUri, 6);
      const link = /\]\(command:rnnLens\.openUnrolledView\?([^)\s]+)\)/.exec(hover);
      assert.ok(link, `the hover links to the unrolled view:\n${hover}`);
      const args = JSON.parse(decodeURIComponent(link[1])) as { text: string };
      assert.deepEqual(args, { text: TWO_LINE_TEXT });
      assert.equal(await vscode.commands.executeCommand('rnnLens.openUnrolledView', args), TWO_LINE_TEXT);
    } finally {
      lens.unrolledPanel()?.dispose();
    }
  });

  it('keeps following the last active text editor in the Hidden States panel while focus is in the unrolled view', async () => {
    const lens = await api();
    await vscode.commands.executeCommand('workbench.view.extension.rnnLens');
    const editor = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(csvUri));
    editor.selection = new vscode.Selection(2, 0, 2, 0);
    await waitFor('a snapshot of line 3', () => (lens.statesSnapshot()?.source?.endsWith('records.csv:3') ? true : undefined));
    try {
      await vscode.commands.executeCommand('rnnLens.openUnrolledView');
      await waitFor('focus in the unrolled view', () => (lens.unrolledPanel()?.active && !vscode.window.activeTextEditor ? true : undefined));
      const previous = lens.statesSnapshot();
      editor.selection = new vscode.Selection(7, 0, 7, 0);
      const snapshot = await waitFor('a new snapshot', () => {
        const s = lens.statesSnapshot();
        return s !== previous && (s?.emptyReason || s?.source?.includes('records.csv:7')) ? s : undefined;
      });
      assert.equal(snapshot.emptyReason, undefined, `no "Open a text file" while an editor is visible: ${snapshot.emptyReason}`);
      assert.equal(snapshot.inspection?.text, TWO_LINE_TEXT);
      assert.equal(snapshot.source, 'records.csv:7–8');
    } finally {
      lens.unrolledPanel()?.dispose();
    }
  });

  it('reads the record under the cursor of a 400-line selection in the Hidden States panel, and says which', async () => {
    const lens = await api();
    await vscode.commands.executeCommand('workbench.view.extension.rnnLens');
    const tsv = workspaceUri('names.tsv');
    const editor = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(tsv));
    try {
      editor.selection = new vscode.Selection(402, 0, 2, 0);
      const snapshot = await waitFor('a snapshot of the selection', () => {
        const s = lens.statesSnapshot();
        return s?.source?.startsWith('names.tsv:3') ? s : undefined;
      });
      assert.equal(snapshot.inspection?.text, editor.document.lineAt(2).text.split('\t')[1], 'the text of one record, no label');
      assert.equal(snapshot.source, 'names.tsv:3 · record 1 of 400 selected, line 3');
      // Within one record's text, the panel reads just the selected text.
      const line = editor.document.lineAt(10).text;
      const tab = line.indexOf('\t');
      editor.selection = new vscode.Selection(10, tab + 1, 10, tab + 3);
      const part = await waitFor('a snapshot of the selected text', () => {
        const s = lens.statesSnapshot();
        return s?.source === 'names.tsv:11' ? s : undefined;
      });
      assert.equal(part.inspection?.text, line.slice(tab + 1, tab + 3));
    } finally {
      editor.selection = new vscode.Selection(0, 0, 0, 0);
    }
  });

  it('reads a document of another format with its own format under a model, never the label as text', async () => {
    const lens = await api();
    // A JSON Lines model, hovered over names.tsv (label⇥name): the hover reads the name.
    const jsonl = workspaceUri('records.jsonl');
    fs.writeFileSync(jsonl.fsPath, `${nameLines(300).map((l) => { const [label, text] = l.split('\t'); return JSON.stringify({ text, label }); }).join('\n')}\n`);
    const jsonlModel = await train(jsonl, 'records-jsonl');
    assert.equal(lens.activeModel()?.name, jsonlModel.name);
    assert.equal(jsonlModel.metadata.format, 'jsonl');
    const tsv = workspaceUri('names.tsv');
    assert.equal(await hoverText(tsv, 4), '', 'a TSV document is not hovered under a JSON Lines model by default');
    const config = vscode.workspace.getConfiguration('rnnLens.hover');
    await config.update('anyDocument', true, vscode.ConfigurationTarget.Workspace);
    try {
      const [label, name] = (await vscode.workspace.openTextDocument(tsv)).lineAt(4).text.split('\t');
      const text = await hoverText(tsv, 4);
      assert.equal(hoveredText(text), name, 'the text field, not "label⇥name"');
      assert.match(text, new RegExp(`label in file: ${label}`));
    } finally {
      await config.update('anyDocument', undefined, vscode.ConfigurationTarget.Workspace);
    }
    assert.notEqual(csvModel.name, jsonlModel.name);
  });
});
