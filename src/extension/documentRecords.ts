/**
 * The record under the cursor in an editor's document: the document read once per version with its own
 * format by the same parsers as training (src/shared/dataset/records.ts), then looked up by line. Shared
 * by the hover, the Hidden States panel and the unrolled view's command.
 */
import * as vscode from 'vscode';
import { documentOptions, DocumentRecordsCache, readSelection, recordAt, type DocumentRecords, type RecordAt, type SelectionReading } from '../shared/dataset';
import type { ModelEntry } from './modelStore';

/** The most characters of a text the hover's "Open in Unrolled View" link (and the command) hands the view. */
export const UNROLLED_TEXT_CHARS = 10_000;

/** The documents' records, parsed once per version, shared by the hover, the Hidden States panel and the unrolled view's command. */
const documentRecords = new DocumentRecordsCache();

/** A document's records read for a model: the document's own format, with the model's keys and columns where they fit. */
export function recordsOf(document: vscode.TextDocument, model: ModelEntry | undefined): DocumentRecords {
  const options = documentOptions(model?.metadata.parseOptions);
  return documentRecords.get(document.uri.toString(), document.version, options, () => document.getText());
}

/** What the cursor reads: a text (with its label in the file), the range it came from, and which record it is. */
export interface CursorReading extends SelectionReading {
  range: vscode.Range;
}

/** The document range of a record's lines. */
function recordRange(document: vscode.TextDocument, record: RecordAt): vscode.Range {
  return new vscode.Range(record.firstLine - 1, 0, record.lastLine - 1, document.lineAt(record.lastLine - 1).range.end.character);
}

/**
 * What `line` (0-based) reads in a document: the record covering it, or with a non-empty selection around
 * it, what the selection reads (the selected text within one record's text, else the record under the
 * line among the selected ones); undefined on a header row, a blank line or a line that does not parse.
 */
export function readUnderCursor(document: vscode.TextDocument, records: DocumentRecords, line: number, selection?: vscode.Selection): CursorReading | undefined {
  if (selection && !selection.isEmpty) {
    const { start, end } = selection;
    const lastLine = end.character === 0 && end.line > start.line ? end.line - 1 : end.line;
    const text = document.getText(selection).replace(/\r\n?/g, '\n');
    const reading = readSelection(records, { firstLine: start.line + 1, lastLine: lastLine + 1, text }, line + 1);
    return reading && { ...reading, range: reading.record ? recordRange(document, reading.record) : selection };
  }
  const record = recordAt(records, line + 1);
  return record && { text: record.text, label: record.label, record, range: recordRange(document, record) };
}

/** Which lines a record is on, e.g. "line 12" or "lines 3–4". */
function linesOf(record: RecordAt): string {
  return record.lastLine > record.firstLine
    ? vscode.l10n.t('lines {0}–{1}', record.firstLine, record.lastLine)
    : vscode.l10n.t('line {0}', record.firstLine);
}

/** Which record a reading is, when it is worth saying: one of several selected, or a record on several lines. */
export function whichRecord(reading: SelectionReading): string | undefined {
  const { record, selected } = reading;
  if (!record) return undefined;
  if (selected) return vscode.l10n.t('record {0} of {1} selected, {2}', selected.position, selected.count, linesOf(record));
  return record.lastLine > record.firstLine ? vscode.l10n.t('record on {0}', linesOf(record)) : undefined;
}
