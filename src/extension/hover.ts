/**
 * Hover: the active model's predicted class and class probabilities for the record under the mouse (or
 * the selection, when the hover is inside it). The document is read with its own detected format by the
 * same parsers as training (src/shared/dataset/records.ts), once per version: the prediction is made on
 * the record's text field (all lines of a multi-line CSV record, never a header row or a label) and the
 * label in the file is shown beside it; a document without labels is read line by line as text. Only
 * documents in the model's training format are hovered, unless rnnLens.hover.anyDocument is on for them.
 */
import * as vscode from 'vscode';
import { describeConfig } from '../shared/config';
import type { DocumentRecords, SelectionReading } from '../shared/dataset';
import { MAX_PREDICT_CHARS } from '../shared/protocol';
import { readUnderCursor, recordsOf, UNROLLED_TEXT_CHARS, whichRecord } from './documentRecords';
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

/** Whether a document is hovered for a model: its format is the model's training format, or the user hovers any document. */
export function hoversDocument(records: DocumentRecords, model: ModelEntry, anyDocument: boolean): boolean {
  return anyDocument || (records.kind === 'records' && records.format === model.metadata.format);
}

/** A command link's query: the JSON of its arguments, percent-encoded (parentheses too, which would end a markdown link). */
function commandQuery(args: unknown): string {
  return encodeURIComponent(JSON.stringify(args)).replace(/[()]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function bar(p: number): string {
  const cells = Math.round(p * 20);
  return `${'█'.repeat(cells)}${'░'.repeat(20 - cells)}`;
}

/** Renders the hover for one prediction. */
export function hoverMarkdown(model: ModelEntry, classes: string[], probabilities: number[], input: SelectionReading, tokenCount: number): vscode.MarkdownString {
  const order = classes.map((c, i) => ({ c, p: probabilities[i] })).sort((a, b) => b.p - a.p);
  const top = order[0];
  const md = new vscode.MarkdownString(undefined, true);
  // Only the unrolled view's command may run from this hover (its link below).
  md.isTrusted = { enabledCommands: ['rnnLens.openUnrolledView'] };
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
  const which = whichRecord(input);
  if (which) md.appendMarkdown(` · _${escapeMd(which)}_`);
  const open = vscode.l10n.t('Open in Unrolled View');
  md.appendMarkdown(`\n\n[$(open-preview) ${escapeMd(open)}](command:rnnLens.openUnrolledView?${commandQuery({ text: input.text.slice(0, UNROLLED_TEXT_CHARS) })})`);
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
    const settings = vscode.workspace.getConfiguration('rnnLens.hover', document);
    if (!model || !settings.get('enabled', true)) return undefined;
    const records = recordsOf(document, model);
    if (!hoversDocument(records, model, settings.get('anyDocument', false))) return undefined;
    const editor = vscode.window.visibleTextEditors.find((e) => e.document === document);
    const selection = editor?.selections.find((s) => !s.isEmpty && s.contains(position));
    const input = readUnderCursor(document, records, position.line, selection);
    if (!input || input.text.trim() === '') return undefined;
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
      return new vscode.Hover(hoverMarkdown(model, answer.classes, p.probabilities, input, p.tokenCount), input.range);
    } catch (err) {
      if (!token.isCancellationRequested) this.log.warn(`Hover prediction failed: ${(err as Error).message}`);
      return undefined;
    } finally {
      sub.dispose();
    }
  }
}
