/**
 * Hover: the active model's predicted class and class probabilities for the line under the mouse
 * (or the selection, when the hover is inside it). A line that is itself a training record (e.g.
 * "female⇥Mary") is read with the model's own format, so the prediction is made on its text field
 * and the label in the file is shown beside it.
 */
import * as vscode from 'vscode';
import { describeConfig } from '../shared/config';
import { parseDataset } from '../shared/dataset';
import { MAX_PREDICT_CHARS } from '../shared/protocol';
import type { EngineClient } from './engineClient';
import type { ModelEntry, ModelStore } from './modelStore';

/** Languages the hover is offered for (plus files with these extensions, whatever their language). */
export const HOVER_SELECTOR: vscode.DocumentSelector = [
  { language: 'plaintext' },
  { language: 'markdown' },
  { language: 'csv' },
  { language: 'tsv' },
  { language: 'jsonl' },
  { pattern: '**/*.{txt,md,csv,tsv,jsonl,ndjson}' },
];

/** The text a line stands for under a model: its text field when it parses as a record of the model's format. */
export function textForModel(line: string, model: ModelEntry): { text: string; label?: string } {
  try {
    const ds = parseDataset(line, { ...model.metadata.parseOptions, csvHeader: false });
    if (ds.examples.length === 1 && ds.errorCount === 0) return { text: ds.examples[0].text, label: ds.examples[0].label };
  } catch {
    // Not a record: the line is plain text.
  }
  return { text: line };
}

function bar(p: number): string {
  const cells = Math.round(p * 20);
  return `${'█'.repeat(cells)}${'░'.repeat(20 - cells)}`;
}

/** Renders the hover for one prediction. */
export function hoverMarkdown(model: ModelEntry, classes: string[], probabilities: number[], input: { text: string; label?: string }, tokenCount: number): vscode.MarkdownString {
  const order = classes.map((c, i) => ({ c, p: probabilities[i] })).sort((a, b) => b.p - a.p);
  const top = order[0];
  const md = new vscode.MarkdownString(undefined, true);
  md.isTrusted = false;
  md.appendMarkdown(`$(pulse) **RNN Lens** · \`${model.name}\` _(${describeConfig(model.metadata.config)})_\n\n`);
  md.appendMarkdown(`${vscode.l10n.t('Predicted')}: **${escapeMd(top.c)}** · ${(100 * top.p).toFixed(1)} %`);
  if (input.label !== undefined) {
    const ok = input.label === top.c;
    md.appendMarkdown(` · ${vscode.l10n.t('label in file')}: ${escapeMd(input.label)} ${ok ? '$(check)' : '$(close)'}`);
  }
  md.appendMarkdown('\n\n| class | probability | |\n|:--|--:|:--|\n');
  for (const { c, p } of order.slice(0, 10)) md.appendMarkdown(`| ${escapeMd(c)} | ${(100 * p).toFixed(1)} % | \`${bar(p)}\` |\n`);
  if (order.length > 10) md.appendMarkdown(`\n_${vscode.l10n.t('{0} more classes', order.length - 10)}_\n`);
  const shown = input.text.length > 60 ? `${input.text.slice(0, 60)}…` : input.text;
  md.appendMarkdown(`\n${vscode.l10n.t('{0} tokens of', tokenCount)} “${escapeMd(shown)}”${tokenCount === 0 ? ` — ${vscode.l10n.t('no known tokens: the prediction is the model’s prior')}` : ''}`);
  return md;
}

function escapeMd(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>$]/g, '\\$&').replace(/\r?\n/g, ' ');
}

/** The hover provider. */
export class PredictionHoverProvider implements vscode.HoverProvider {
  constructor(
    private readonly engine: EngineClient,
    private readonly store: ModelStore,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  async provideHover(document: vscode.TextDocument, position: vscode.Position, token: vscode.CancellationToken): Promise<vscode.Hover | undefined> {
    const model = this.store.active;
    if (!model || !vscode.workspace.getConfiguration('rnnLens.hover', document.uri).get('enabled', true)) return undefined;
    const editor = vscode.window.visibleTextEditors.find((e) => e.document === document);
    const selection = editor?.selections.find((s) => !s.isEmpty && s.contains(position));
    const range = selection ?? document.lineAt(position.line).range;
    const raw = document.getText(range);
    if (raw.trim() === '') return undefined;
    const input = selection ? { text: raw } : textForModel(raw, model);
    const controller = new AbortController();
    const sub = token.onCancellationRequested(() => controller.abort());
    try {
      const answer = await this.engine.request('predict', { modelDir: model.dir, texts: [input.text.slice(0, MAX_PREDICT_CHARS)] }, { timeoutMs: 15_000, signal: controller.signal });
      // The channel checked the answer's shape; one prediction with a probability per class is this request's.
      if (answer.predictions.length !== 1 || answer.predictions[0].probabilities.length !== answer.classes.length) {
        this.log.warn('The engine answered a prediction with a malformed result; no hover shown.');
        return undefined;
      }
      const p = answer.predictions[0];
      return new vscode.Hover(hoverMarkdown(model, answer.classes, p.probabilities, input, p.tokenCount), range);
    } catch (err) {
      if (!token.isCancellationRequested) this.log.warn(`Hover prediction failed: ${(err as Error).message}`);
      return undefined;
    } finally {
      sub.dispose();
    }
  }
}
