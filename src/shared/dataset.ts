/**
 * Parsing labelled text datasets (a selection or a file) into examples for training. Pure: no Node or
 * vscode imports, so the host, the engine and a browser can all use it.
 *
 * Formats, detected by content from the first 200 non-blank lines unless ParseOptions.format names one:
 * - fastText: `__label__pos some text`. A line may carry several leading labels; the first is the
 *   example's label and the others are dropped (multi-label training is not supported).
 * - JSON Lines: one object per line; text and label keys default to "text" and "label", and when the
 *   objects lack them (and no key was given) well-known names ("sentence", "review", "sentiment", …) or
 *   the shape of the values pick them.
 * - TSV: exactly two tab-separated fields a line; which one is the label is decided by content (labels
 *   repeat and are short, texts vary). A first line such as `sentence⇥label` is taken as a header.
 * - CSV (comma, semicolon, tab or pipe separated, quoted fields may hold delimiters and newlines), with
 *   or without a header row; the label column has the fewest distinct values, the text column the
 *   longest values, unless named by the options.
 * Line numbers are document line numbers (see ParseOptions.firstLine); a CSV record spanning several
 * lines is reported at the line where it starts.
 */
import { parse as parseCsvText } from 'papaparse';

/** The supported dataset layouts. */
export type DatasetFormat = 'tsv-label-text' | 'tsv-text-label' | 'csv' | 'jsonl' | 'fasttext';

/** All dataset layouts, for settings and pickers. */
export const DATASET_FORMATS: readonly DatasetFormat[] = ['tsv-label-text', 'tsv-text-label', 'csv', 'jsonl', 'fasttext'];

/** How to read a dataset; everything is optional and detected by default. */
export interface ParseOptions {
  format?: DatasetFormat | 'auto';
  jsonTextKey?: string;
  jsonLabelKey?: string;
  csvTextColumn?: number | string;
  csvLabelColumn?: number | string;
  csvHeader?: boolean | 'auto';
  firstLine?: number;
  maxErrors?: number;
}

/** One labelled text and the document line where it starts. */
export interface Example { text: string; label: string; line: number }

/** A line that could not be read; message starts with "line N: ". */
export interface ParseIssue { line: number; message: string }

/** The result of parsing: examples, skipped lines and what layout was understood. */
export interface ParsedDataset {
  format: DatasetFormat;
  description: string;
  examples: Example[];
  errors: ParseIssue[];
  errorCount: number;
  blankLines: number;
  csv?: { header: string[] | null; textColumn: number; labelColumn: number; columnCount: number; delimiter?: string };
}

/** Why a whole text cannot be used as a dataset (as opposed to single bad lines, which are ParseIssues). */
export class DatasetError extends Error {
  constructor(
    message: string,
    readonly code: 'empty' | 'binary' | 'unlabelled' | 'unrecognised' | 'badOption',
    readonly line?: number,
  ) {
    super(message);
    this.name = 'DatasetError';
  }
}

/** Problems that stop training (errors) and ones worth showing before it starts (warnings). */
export interface TrainingCheck { errors: string[]; warnings: string[] }

const SAMPLE_LINES = 200;
const CSV_BATCH_LINES = 2000;
const UNLABELLED_HELP =
  'Training needs labelled examples, one per line: label⇥text (TSV), CSV with a label column, ' +
  'JSON Lines ({"text": …, "label": …}) or fastText (__label__name text). ' +
  'Training a language model on unlabelled text is planned for a later version.';
/** Header names that say "this column is the label", best first. */
const LABEL_NAMES = ['label', 'labels', 'class', 'category', 'sentiment', 'target', 'gender', 'intent', 'topic',
  'emotion', 'polarity', 'stance', 'tag', 'language', 'genre'];
/** Header names that say "this column is the text", best first. */
const TEXT_NAMES = ['text', 'sentence', 'review', 'content', 'body', 'comment', 'message', 'tweet', 'utterance',
  'document', 'question', 'query', 'headline', 'title', 'name', 'phrase'];
const DELIMITER_NAMES: Record<string, string> = { ',': 'comma', ';': 'semicolon', '\t': 'tab', '|': 'pipe' };

interface Options {
  format: DatasetFormat | 'auto';
  jsonTextKey?: string;
  jsonLabelKey?: string;
  csvTextColumn?: number | string;
  csvLabelColumn?: number | string;
  csvHeader: boolean | 'auto';
  firstLine: number;
  maxErrors: number;
}

/** Reads a labelled dataset; throws DatasetError when the text as a whole cannot be one. */
export function parseDataset(text: string, options: ParseOptions = {}): ParsedDataset {
  const opts = checkOptions(options);
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (!/\S/.test(body)) {
    throw new DatasetError('The text is empty: select some labelled lines to train on.', 'empty');
  }
  checkNotBinary(body, opts.firstLine);
  const normalised = body.includes('\r') ? body.replace(/\r\n?/g, '\n') : body;
  const lines = normalised.split('\n');
  if (lines.length > 1 && lines[lines.length - 1] === '') {
    lines.pop();
  }
  const sample = sampleLines(lines);
  const auto = opts.format === 'auto';
  const format = opts.format === 'auto' ? detectFormat(sample, normalised) : opts.format;
  const out = new Collector(opts);
  switch (format) {
    case 'fasttext':
      return parseFastText(lines, out);
    case 'jsonl':
      return parseJsonLines(lines, sample, opts, out);
    case 'tsv-label-text':
    case 'tsv-text-label':
      return parseTsv(lines, format, out);
    case 'csv':
      return parseCsv(lines, sample, opts, auto, out);
  }
}

function checkOptions(options: ParseOptions): Options {
  const format = options.format ?? 'auto';
  if (format !== 'auto' && !DATASET_FORMATS.includes(format)) {
    throw new DatasetError(`Unknown dataset format "${String(format)}"; expected auto, ${DATASET_FORMATS.join(', ')}.`, 'badOption');
  }
  const firstLine = options.firstLine ?? 1;
  if (!Number.isInteger(firstLine) || firstLine < 1) {
    throw new DatasetError(`firstLine must be a whole number ≥ 1, got ${String(firstLine)}.`, 'badOption');
  }
  const maxErrors = options.maxErrors ?? 50;
  if (!(maxErrors === Infinity || (Number.isInteger(maxErrors) && maxErrors >= 0))) {
    throw new DatasetError(`maxErrors must be a whole number ≥ 0, got ${String(maxErrors)}.`, 'badOption');
  }
  const csvHeader = options.csvHeader ?? 'auto';
  if (csvHeader !== true && csvHeader !== false && csvHeader !== 'auto') {
    throw new DatasetError(`csvHeader must be true, false or "auto", got ${String(csvHeader)}.`, 'badOption');
  }
  for (const key of ['jsonTextKey', 'jsonLabelKey'] as const) {
    const value = options[key];
    if (value !== undefined && (typeof value !== 'string' || value === '')) {
      throw new DatasetError(`${key} must be a non-empty string.`, 'badOption');
    }
  }
  for (const key of ['csvTextColumn', 'csvLabelColumn'] as const) {
    const value = options[key];
    if (value !== undefined && !(typeof value === 'string' && value.trim() !== '') && !(Number.isInteger(value) && (value as number) >= 0)) {
      throw new DatasetError(`${key} must be a column index ≥ 0 or a header name, got ${JSON.stringify(value)}.`, 'badOption');
    }
  }
  if (options.jsonTextKey !== undefined && options.jsonTextKey === options.jsonLabelKey) {
    throw new DatasetError(`jsonTextKey and jsonLabelKey are both "${options.jsonTextKey}".`, 'badOption');
  }
  return { ...options, format, firstLine, maxErrors, csvHeader };
}

/** Rejects text with NUL bytes or many control / replacement characters (a binary file read as text). */
function checkNotBinary(text: string, firstLine: number): void {
  const nul = text.indexOf('\0');
  if (nul >= 0) {
    const line = firstLine + (text.slice(0, nul).match(/\r\n|\r|\n/g)?.length ?? 0);
    throw new DatasetError(`This looks like binary data, not text (a NUL character on line ${line}).`, 'binary', line);
  }
  const n = Math.min(text.length, 65536);
  let odd = 0;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if ((c < 32 && c !== 9 && c !== 10 && c !== 12 && c !== 13) || c === 127 || c === 0xfffd) {
      odd++;
    }
  }
  if (odd > 0 && odd / n > 0.1) {
    throw new DatasetError(
      `This looks like binary data, not text (${Math.round((100 * odd) / n)}% control or undecodable characters).`, 'binary');
  }
}

function countNewlines(text: string, from: number, to: number): number {
  let count = 0;
  for (let i = text.indexOf('\n', from); i >= 0 && i < to; i = text.indexOf('\n', i + 1)) {
    count++;
  }
  return count;
}

function isBlank(line: string): boolean {
  return !/\S/.test(line);
}

function sampleLines(lines: string[]): string[] {
  const sample: string[] = [];
  for (let i = 0; i < lines.length && sample.length < SAMPLE_LINES; i++) {
    if (!isBlank(lines[i])) {
      sample.push(lines[i]);
    }
  }
  return sample;
}

/** Accumulates examples, issues (first maxErrors kept, all counted) and blank lines. */
class Collector {
  readonly examples: Example[] = [];
  readonly errors: ParseIssue[] = [];
  errorCount = 0;
  blankLines = 0;
  readonly firstLine: number;
  private readonly maxErrors: number;

  constructor(opts: Options) {
    this.firstLine = opts.firstLine;
    this.maxErrors = opts.maxErrors;
  }

  issue(line: number, message: string): void {
    this.errorCount++;
    if (this.errors.length < this.maxErrors) {
      this.errors.push({ line, message: `line ${line}: ${message}` });
    }
  }

  add(line: number, rawLabel: string, text: string): void {
    const label = rawLabel.trim();
    const noText = isBlank(text);
    if (label === '' || noText) {
      this.issue(line, label === '' && noText ? 'empty label and text' : label === '' ? 'empty label' : 'empty text');
      return;
    }
    this.examples.push({ text, label, line });
  }

  result(format: DatasetFormat, description: string, csv?: ParsedDataset['csv']): ParsedDataset {
    const { examples, errors, errorCount, blankLines } = this;
    return csv ? { format, description, examples, errors, errorCount, blankLines, csv }
      : { format, description, examples, errors, errorCount, blankLines };
  }
}

function detectFormat(sample: string[], text: string): DatasetFormat {
  const n = sample.length;
  const starts = sample.map((line) => line.trimStart());
  if (starts.filter((line) => line.startsWith('__label__')).length * 2 >= n) {
    return 'fasttext';
  }
  rejectJsonDocument(text, n);
  const braced = starts.filter((line) => line.startsWith('{'));
  if (braced.length * 2 >= n && braced.filter((line) => parseObject(line) !== undefined).length * 2 >= braced.length) {
    return 'jsonl';
  }
  const tabCounts = sample.map((line) => line.split('\t').length - 1);
  const withTabs = tabCounts.filter((count) => count > 0).length;
  if (withTabs * 2 >= n && tabCounts.filter((count) => count === 1).length * 2 >= withTabs) {
    return tsvOrientation(sample);
  }
  return 'csv';
}

/** A whole JSON document (an array, or an object over several lines) is not JSON Lines: say so. */
function rejectJsonDocument(text: string, nonBlankLines: number): void {
  const first = text.trimStart()[0];
  if (first !== '[' && !(first === '{' && nonBlankLines > 1)) {
    return;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return;
  }
  const what = Array.isArray(value) ? 'a JSON array' : 'one JSON document';
  throw new DatasetError(
    `This is ${what}, not JSON Lines: put one object per line, e.g. {"text": "…", "label": "…"}.`, 'unrecognised');
}

function parseObject(line: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? value as Record<string, unknown> : undefined;
  } catch {
    return undefined;
  }
}

interface ColumnStats { distinct: number; meanLength: number }

function columnStats(values: string[]): ColumnStats {
  const seen = new Set<string>();
  let length = 0;
  for (const value of values) {
    const trimmed = value.trim();
    seen.add(trimmed);
    length += trimmed.length;
  }
  return { distinct: seen.size, meanLength: values.length ? length / values.length : 0 };
}

/** Label column: fewest distinct values, then shortest; ties go to the earlier column. */
function pickLabelColumn(stats: ColumnStats[], candidates: number[]): number {
  let best = candidates[0];
  for (const c of candidates) {
    const a = stats[c];
    const b = stats[best];
    if (a.distinct < b.distinct || (a.distinct === b.distinct && a.meanLength < b.meanLength)) {
      best = c;
    }
  }
  return best;
}

/** Text column: longest mean length; ties go to the earlier column. */
function pickTextColumn(stats: ColumnStats[], candidates: number[]): number {
  let best = candidates[0];
  for (const c of candidates) {
    if (stats[c].meanLength > stats[best].meanLength) {
      best = c;
    }
  }
  return best;
}

function tsvOrientation(sample: string[]): DatasetFormat {
  const first: string[] = [];
  const second: string[] = [];
  for (const line of sample) {
    const fields = line.split('\t');
    if (fields.length === 2) {
      first.push(fields[0]);
      second.push(fields[1]);
    }
  }
  const stats = [columnStats(first), columnStats(second)];
  return pickLabelColumn(stats, [0, 1]) === 0 ? 'tsv-label-text' : 'tsv-text-label';
}

function nameRank(names: string[], cell: string): number {
  const rank = names.indexOf(cell.trim().toLowerCase());
  return rank < 0 ? Infinity : rank;
}

function parseTsv(lines: string[], format: 'tsv-label-text' | 'tsv-text-label', out: Collector): ParsedDataset {
  const labelIndex = format === 'tsv-label-text' ? 0 : 1;
  const headerIndex = tsvHeaderIndex(lines, labelIndex);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const lineNo = out.firstLine + i;
    if (isBlank(line)) {
      out.blankLines++;
      continue;
    }
    if (i === headerIndex) {
      continue;
    }
    const tab = line.indexOf('\t');
    if (tab < 0 || line.indexOf('\t', tab + 1) >= 0) {
      out.issue(lineNo, `expected 2 tab-separated fields, found ${line.split('\t').length}`);
      continue;
    }
    const first = line.slice(0, tab);
    const second = line.slice(tab + 1);
    out.add(lineNo, labelIndex === 0 ? first : second, labelIndex === 0 ? second : first);
  }
  const arrow = labelIndex === 0 ? 'label⇥text' : 'text⇥label';
  return out.result(format, `TSV (${arrow})${headerIndex >= 0 ? ' with header' : ''}`);
}

/** The index of a header line such as `sentence⇥label`, or -1. */
function tsvHeaderIndex(lines: string[], labelIndex: number): number {
  const index = lines.findIndex((line) => !isBlank(line));
  const fields = lines[index].split('\t');
  if (fields.length !== 2) {
    return -1;
  }
  const label = fields[labelIndex].trim();
  const text = fields[1 - labelIndex].trim();
  if (nameRank(LABEL_NAMES, label) === Infinity) {
    return -1;
  }
  if (nameRank(TEXT_NAMES, text) < Infinity) {
    return index;
  }
  let repeats = 0;
  for (let i = index + 1; i < lines.length && i < index + SAMPLE_LINES; i++) {
    if (lines[i].split('\t')[labelIndex]?.trim() === label) {
      repeats++;
    }
  }
  return repeats === 0 ? index : -1;
}

function parseFastText(lines: string[], out: Collector): ParsedDataset {
  const prefix = '__label__';
  for (let i = 0; i < lines.length; i++) {
    const lineNo = out.firstLine + i;
    if (isBlank(lines[i])) {
      out.blankLines++;
      continue;
    }
    const line = lines[i].trimStart();
    if (!line.startsWith(prefix)) {
      out.issue(lineNo, 'expected the line to start with __label__');
      continue;
    }
    let label: string | undefined;
    let pos = 0;
    while (line.startsWith(prefix, pos)) {
      const match = /\s/.exec(line.slice(pos));
      const end = match ? pos + match.index : line.length;
      label ??= line.slice(pos + prefix.length, end);
      pos = end;
      while (pos < line.length && /\s/.test(line[pos])) {
        pos++;
      }
    }
    if (label === '') {
      out.issue(lineNo, 'empty label after __label__');
      continue;
    }
    out.add(lineNo, label ?? '', line.slice(pos));
  }
  return out.result('fasttext', 'fastText (__label__)');
}

function parseJsonLines(lines: string[], sample: string[], opts: Options, out: Collector): ParsedDataset {
  const objects = sample.map(parseObject).filter((value): value is Record<string, unknown> => value !== undefined);
  const { textKey, labelKey } = jsonKeys(objects, opts);
  for (let i = 0; i < lines.length; i++) {
    const lineNo = out.firstLine + i;
    const line = lines[i];
    if (isBlank(line)) {
      out.blankLines++;
      continue;
    }
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      out.issue(lineNo, `invalid JSON: ${clip(error instanceof Error ? error.message : String(error))}`);
      continue;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      out.issue(lineNo, `expected a JSON object, found ${value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`}`);
      continue;
    }
    const record = value as Record<string, unknown>;
    const missing = [textKey, labelKey].filter((key) => !Object.prototype.hasOwnProperty.call(record, key));
    if (missing.length > 0) {
      out.issue(lineNo, `missing key${missing.length > 1 ? 's' : ''} ${missing.map((key) => JSON.stringify(key)).join(' and ')}`);
      continue;
    }
    const text = record[textKey];
    const label = record[labelKey];
    if (typeof text !== 'string') {
      out.issue(lineNo, `${JSON.stringify(textKey)} must be a string, found ${describeJson(text)}`);
      continue;
    }
    if (typeof label !== 'string' && typeof label !== 'number' && typeof label !== 'boolean') {
      out.issue(lineNo, `${JSON.stringify(labelKey)} must be a string, number or boolean, found ${describeJson(label)}`);
      continue;
    }
    out.add(lineNo, String(label), text);
  }
  return out.result('jsonl', `JSON Lines (text: ${JSON.stringify(textKey)}, label: ${JSON.stringify(labelKey)})`);
}

function clip(message: string): string {
  return message.length > 200 ? `${message.slice(0, 199)}…` : message;
}

function describeJson(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/** The text and label keys: given, the defaults when present, else guessed from names and values. */
function jsonKeys(objects: Record<string, unknown>[], opts: Options): { textKey: string; labelKey: string } {
  const has = (key: string): boolean => objects.some((o) => Object.prototype.hasOwnProperty.call(o, key));
  const keysSeen = [...new Set(objects.flatMap((o) => Object.keys(o)))];
  const seenList = keysSeen.map((key) => JSON.stringify(key)).join(', ') || 'none';
  const guess = (kind: 'text' | 'label', exclude: string | undefined): string | undefined => {
    const candidates = keysSeen.filter((key) => key !== exclude && objects.filter((o) => isScalar(o[key], kind)).length * 2 >= objects.length);
    if (candidates.length === 0) {
      return undefined;
    }
    const names = kind === 'text' ? TEXT_NAMES : LABEL_NAMES;
    const named = candidates.filter((key) => nameRank(names, key) < Infinity).sort((a, b) => nameRank(names, a) - nameRank(names, b));
    if (named.length > 0) {
      return named[0];
    }
    const stats = candidates.map((key) => columnStats(objects.filter((o) => isScalar(o[key], kind)).map((o) => String(o[key]))));
    const all = candidates.map((_, k) => k);
    const pick = candidates[kind === 'text' ? pickTextColumn(stats, all) : pickLabelColumn(stats, all)];
    const values = objects.filter((o) => isScalar(o[pick], kind)).length;
    return kind === 'label' && stats[candidates.indexOf(pick)].distinct >= values && values > 1 ? undefined : pick;
  };
  const textKey = opts.jsonTextKey ?? (has('text') ? 'text' : guess('text', opts.jsonLabelKey ?? (has('label') ? 'label' : undefined)));
  if (textKey === undefined) {
    throw new DatasetError(`JSON Lines objects have no text key "text" (keys seen: ${seenList}); name the text key.`, 'unrecognised');
  }
  const labelKey = opts.jsonLabelKey ?? (has('label') ? 'label' : guess('label', textKey));
  if (labelKey === undefined) {
    throw new DatasetError(`JSON Lines objects have no label key "label" (keys seen: ${seenList}). ${UNLABELLED_HELP}`, 'unlabelled');
  }
  for (const [option, key] of [['jsonTextKey', opts.jsonTextKey], ['jsonLabelKey', opts.jsonLabelKey]] as const) {
    if (key !== undefined && objects.length > 0 && !has(key)) {
      throw new DatasetError(`${option} is "${key}", but no object has that key (keys seen: ${seenList}).`, 'badOption');
    }
  }
  return { textKey, labelKey };
}

function isScalar(value: unknown, kind: 'text' | 'label'): boolean {
  return typeof value === 'string' || (kind === 'label' && (typeof value === 'number' || typeof value === 'boolean'));
}

interface CsvLayout { delimiter: string; header: string[] | null; textColumn: number; labelColumn: number; columnCount: number }

function parseCsv(lines: string[], sample: string[], opts: Options, auto: boolean, out: Collector): ParsedDataset {
  const layout = csvLayout(sample, opts, auto);
  const { delimiter, header, textColumn, labelColumn, columnCount } = layout;
  const delimiterName = DELIMITER_NAMES[delimiter] ?? JSON.stringify(delimiter);
  let headerPending = header !== null;
  const take = (row: string[], lineNo: number): void => {
    if (row.every(isBlank)) {
      out.blankLines++;
      return;
    }
    if (headerPending) {
      headerPending = false;
      return;
    }
    if (row.length !== columnCount) {
      out.issue(lineNo, `expected ${columnCount} ${delimiterName}-separated fields, found ${row.length}`);
      return;
    }
    out.add(lineNo, row[labelColumn], row[textColumn]);
  };
  forEachCsvRow(lines, delimiter, {
    row: (row, index) => take(row, out.firstLine + index),
    issue: (index, message) => out.issue(out.firstLine + index, message),
    blank: () => out.blankLines++,
  });
  const where = header
    ? `text column ${JSON.stringify(header[textColumn])}, label column ${JSON.stringify(header[labelColumn])}`
    : `text column ${textColumn}, label column ${labelColumn} (counted from 0)`;
  const kind = delimiter === ',' ? 'CSV' : `CSV (${delimiterName}-separated)`;
  return out.result('csv', `${kind} ${header ? 'with' : 'without'} header, ${where}`, layout);
}

/** Receives CSV rows, unreadable records and blank lines, by 0-based line index. */
interface CsvSink { row(row: string[], index: number): void; issue(index: number, message: string): void; blank(): void }

/**
 * Feeds every CSV row with its start line to take. Papaparse reads the records in batches cut where a
 * line ends with an even number of quotes so far. A batch with a quote error is re-read record by
 * record, so the error stays on its own line; a record that spans lines and still fails (a stray quote
 * makes papaparse read the rest of the text as one field) is reported at its first line and the lines
 * after it are read again on their own.
 */
function forEachCsvRow(lines: string[], delimiter: string, sink: CsvSink): void {
  const text = lines.join('\n');
  const starts = new Float64Array(lines.length + 1);
  for (let i = 0; i < lines.length; i++) {
    starts[i + 1] = starts[i] + lines[i].length + 1;
  }
  const read = (from: number, to: number): { code: string; message: string } | undefined => {
    if (to === from + 1 && isBlank(lines[from])) {
      sink.blank();
      return undefined;
    }
    const result = parseCsvText<string[]>(text.slice(starts[from], starts[to] - 1), { delimiter, newline: '\n', skipEmptyLines: false });
    if (result.errors.length > 0) {
      return result.errors[0];
    }
    let line = from;
    for (const row of result.data) {
      sink.row(row, line);
      for (const field of row) {
        line += countNewlines(field, 0, field.length);
      }
      line++;
    }
    return undefined;
  };
  const readRecord = (from: number, to: number): void => {
    const error = read(from, to);
    if (error) {
      sink.issue(from, to > from + 1 ? 'a quoted field that starts on this line is not closed properly' : describeCsvError(error));
      if (to > from + 1) {
        readRange(from + 1, to);
      }
    }
  };
  const readRange = (first: number, last: number): void => {
    const records: number[] = [];
    let open = false;
    for (let i = first; i < last; i++) {
      if (!open) {
        records.push(i);
      }
      const line = lines[i];
      for (let q = line.indexOf('"'); q >= 0; q = line.indexOf('"', q + 1)) {
        open = !open;
      }
    }
    records.push(last);
    for (let r = 0; r < records.length - 1;) {
      let end = r + 1;
      while (end < records.length - 1 && records[end] - records[r] < CSV_BATCH_LINES) {
        end++;
      }
      if (end === r + 1) {
        readRecord(records[r], records[end]);
      } else if (read(records[r], records[end])) {
        for (let k = r; k < end; k++) {
          readRecord(records[k], records[k + 1]);
        }
      }
      r = end;
    }
  };
  readRange(0, lines.length);
}

function describeCsvError(error: { code: string; message: string }): string {
  switch (error.code) {
    case 'MissingQuotes':
      return 'a quoted field is never closed';
    case 'InvalidQuotes':
      return 'malformed quoted field (text after its closing quote)';
    default:
      return error.message.charAt(0).toLowerCase() + error.message.slice(1);
  }
}

function csvLayout(sample: string[], opts: Options, auto: boolean): CsvLayout {
  const { delimiter, rows, columnCount } = guessDelimiter(sample);
  if (columnCount < 2) {
    throw new DatasetError(`No labels found: the text has one column. ${UNLABELLED_HELP}`, 'unlabelled');
  }
  if (auto && rows.filter((row) => row.length === columnCount).length < 0.6 * rows.length) {
    throw new DatasetError(`No labels found: the lines have no consistent columns. ${UNLABELLED_HELP}`, 'unlabelled');
  }
  const wantsNames = typeof opts.csvTextColumn === 'string' || typeof opts.csvLabelColumn === 'string';
  if (opts.csvHeader === false && wantsNames) {
    throw new DatasetError('A CSV column is named, but csvHeader is false: use a column index or a header row.', 'badOption');
  }
  const hasHeader = opts.csvHeader === 'auto' ? wantsNames || looksLikeHeader(rows, columnCount) : opts.csvHeader;
  const header = hasHeader ? rows[0].map((cell) => cell.trim()) : null;
  if (header && header.length !== columnCount) {
    throw new DatasetError(`The CSV header has ${header.length} columns but the rows have ${columnCount}.`, 'badOption');
  }
  const body = (header ? rows.slice(1) : rows).filter((row) => row.length === columnCount);
  const stats = Array.from({ length: columnCount }, (_, c) => columnStats(body.map((row) => row[c])));
  const all = stats.map((_, c) => c);
  let labelColumn = resolveColumn('csvLabelColumn', opts.csvLabelColumn, header, columnCount);
  let textColumn = resolveColumn('csvTextColumn', opts.csvTextColumn, header, columnCount);
  const byName = (names: string[], exclude?: number): number | undefined => {
    if (!header) {
      return undefined;
    }
    const ranked = all.filter((c) => c !== exclude && nameRank(names, header[c]) < Infinity);
    return ranked.sort((a, b) => nameRank(names, header[a]) - nameRank(names, header[b]))[0];
  };
  const namedLabel = labelColumn === undefined ? byName(LABEL_NAMES, textColumn) : undefined;
  labelColumn ??= namedLabel ?? pickLabelColumn(stats, all.filter((c) => c !== textColumn));
  textColumn ??= byName(TEXT_NAMES, labelColumn) ?? pickTextColumn(stats, all.filter((c) => c !== labelColumn));
  if (labelColumn === textColumn) {
    throw new DatasetError(`The text and label columns are the same column (${labelColumn}).`, 'badOption');
  }
  const chosenByUser = opts.csvLabelColumn !== undefined;
  if (auto && !chosenByUser && namedLabel === undefined && body.length > 1 && stats[labelColumn].distinct >= body.length) {
    throw new DatasetError(`No labels found: no column repeats its values the way labels do. ${UNLABELLED_HELP}`, 'unlabelled');
  }
  return { delimiter, header, textColumn, labelColumn, columnCount };
}

/** The delimiter under which most sample rows have the same number (≥ 2) of fields; comma when none. */
function guessDelimiter(sample: string[]): { delimiter: string; rows: string[][]; columnCount: number } {
  let best: { delimiter: string; rows: string[][]; columnCount: number } | undefined;
  let bestShare = -1;
  for (const delimiter of Object.keys(DELIMITER_NAMES)) {
    const rows: string[][] = [];
    forEachCsvRow(sample, delimiter, { row: (row) => row.every(isBlank) || rows.push(row), issue: () => undefined, blank: () => undefined });
    const columnCount = mode(rows.map((row) => row.length));
    const share = columnCount < 2 ? 0 : rows.filter((row) => row.length === columnCount).length / Math.max(1, rows.length);
    if (share > bestShare || best === undefined) {
      best = { delimiter, rows, columnCount };
      bestShare = share;
    }
  }
  return best as { delimiter: string; rows: string[][]; columnCount: number };
}

function mode(values: number[]): number {
  const counts = new Map<number, number>();
  let best = 0;
  let bestCount = 0;
  for (const value of values) {
    const count = (counts.get(value) ?? 0) + 1;
    counts.set(value, count);
    if (count > bestCount || (count === bestCount && value > best)) {
      best = value;
      bestCount = count;
    }
  }
  return best;
}

function resolveColumn(option: string, spec: number | string | undefined, header: string[] | null, columnCount: number): number | undefined {
  if (spec === undefined) {
    return undefined;
  }
  if (typeof spec === 'number') {
    if (spec >= columnCount) {
      throw new DatasetError(`${option} is ${spec}, but the CSV has ${columnCount} columns (0 … ${columnCount - 1}).`, 'badOption');
    }
    return spec;
  }
  const names = header ?? [];
  const wanted = spec.trim();
  let index = names.indexOf(wanted);
  if (index < 0) {
    index = names.findIndex((name) => name.toLowerCase() === wanted.toLowerCase());
  }
  if (index < 0) {
    throw new DatasetError(
      `${option} is "${spec}", but the CSV has no such column (columns: ${names.map((name) => JSON.stringify(name)).join(', ')}).`, 'badOption');
  }
  return index;
}

/** A first row of distinct, non-numeric names that are known column names or stand out from the data. */
function looksLikeHeader(rows: string[][], columnCount: number): boolean {
  const first = rows[0].map((cell) => cell.trim());
  if (first.length !== columnCount || first.some((cell) => cell === '' || /^[-+]?\d+(?:[.,]\d+)?$/.test(cell))) {
    return false;
  }
  if (new Set(first).size !== first.length) {
    return false;
  }
  const rest = rows.slice(1).filter((row) => row.length === columnCount);
  const isKnownName = (cell: string, c: number): boolean =>
    (nameRank(LABEL_NAMES, cell) < Infinity || nameRank(TEXT_NAMES, cell) < Infinity) && !rest.some((row) => row[c].trim() === cell);
  if (first.some(isKnownName)) {
    return true;
  }
  if (rest.length < 2) {
    return false;
  }
  const stats = first.map((_, c) => columnStats(rest.map((row) => row[c])));
  const all = first.map((_, c) => c);
  const label = pickLabelColumn(stats, all);
  const text = pickTextColumn(stats, all.filter((c) => c !== label));
  const labelRepeats = stats[label].distinct < rest.length;
  const labelIsNew = !rest.some((row) => row[label].trim() === first[label]);
  return labelRepeats && labelIsNew && first[text].length < stats[text].meanLength / 2;
}

/** Number of examples per label, in order of first appearance. */
export function classCounts(examples: Example[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const { label } of examples) {
    counts.set(label, (counts.get(label) ?? 0) + 1);
  }
  return counts;
}

/** Imbalance ratio (largest ÷ smallest class) from which checkTrainable warns. */
export const IMBALANCE_WARNING_RATIO = 10;

/** Says whether a parsed dataset can be trained on (errors) and what looks wrong with it (warnings). */
export function checkTrainable(ds: ParsedDataset): TrainingCheck {
  const errors: string[] = [];
  const warnings: string[] = [];
  const firstIssue = ds.errors.length > 0 ? ` (${ds.errors[0].message})` : '';
  if (ds.examples.length === 0) {
    const why = ds.errorCount > 0 ? `: ${ds.errorCount} line${ds.errorCount === 1 ? '' : 's'} could not be parsed${firstIssue}` : '';
    errors.push(`No examples to train on${why}.`);
    return { errors, warnings };
  }
  const counts = classCounts(ds.examples);
  if (counts.size === 1) {
    const [[label, count]] = [...counts];
    errors.push(`Training needs at least two classes; found only ${JSON.stringify(label)} (${count} example${count === 1 ? '' : 's'}).`);
  }
  if (ds.errorCount > 0) {
    warnings.push(`${ds.errorCount} line${ds.errorCount === 1 ? ' was' : 's were'} skipped because ${ds.errorCount === 1 ? 'it' : 'they'} could not be parsed${firstIssue}.`);
  }
  if (counts.size > 1) {
    const singles = [...counts].filter(([, count]) => count === 1).map(([label]) => JSON.stringify(label));
    if (singles.length === 1) {
      warnings.push(`Class ${singles[0]} has a single example, so it cannot be in both the training and the validation set.`);
    } else if (singles.length > 1) {
      const shown = singles.length > 10 ? `${singles.slice(0, 10).join(', ')} and ${singles.length - 10} more` : singles.join(', ');
      warnings.push(`${singles.length} classes have a single example (${shown}), so they cannot be in both the training and the validation set.`);
    }
    const sorted = [...counts].sort((a, b) => b[1] - a[1]);
    const [most, mostCount] = sorted[0];
    const [least, leastCount] = sorted[sorted.length - 1];
    if (mostCount >= IMBALANCE_WARNING_RATIO * leastCount) {
      warnings.push(
        `The classes are heavily imbalanced: ${JSON.stringify(most)} has ${mostCount} examples, ${JSON.stringify(least)} ` +
        `${leastCount} (${Math.round(mostCount / leastCount)}:1); accuracy alone will look better than the model is.`);
    }
  }
  return { errors, warnings };
}
