/**
 * Parsing labelled text datasets (a selection or a file) into examples for training: the public entry,
 * which checks the options, detects the format and hands the lines to that format's parser. Pure: no Node
 * or vscode imports, so the host, the engine and a browser can all use it.
 *
 * The formats (see DATASET_FORMAT_TABLE and one module each under ./dataset/) are detected by content
 * from the first 200 non-blank lines unless ParseOptions.format names one. Line numbers are document
 * line numbers (see ParseOptions.firstLine).
 */
import { Collector, sampleLines } from './dataset/common';
import { checkNotBinary, detectFormat } from './dataset/detection';
import { DATASET_FORMATS, datasetFormatRow } from './dataset/formats';
import { DatasetError, type ParsedDataset, type ParseOptions, type ResolvedOptions } from './dataset/types';

export {
  DATASET_FORMAT_SETTING_VALUES,
  DATASET_FORMAT_TABLE,
  DATASET_FORMATS,
  datasetFormatRow,
  type DatasetFormat,
  type DatasetFormatRow,
  type DatasetFormatSpec,
} from './dataset/formats';
export { checkTrainable, classCounts, IMBALANCE_WARNING_RATIO } from './dataset/training';
export {
  documentOptions,
  DocumentRecordsCache,
  issueAt,
  locateRecord,
  readDocumentRecords,
  readSelection,
  recordAt,
  type DocumentRecords,
  type RecordAt,
  type SelectionReading,
} from './dataset/records';
export { DatasetError, type Example, type ParsedDataset, type ParseIssue, type ParseOptions, type TrainingCheck } from './dataset/types';

/** Reads a labelled dataset; throws DatasetError when the text as a whole cannot be one. */
export function parseDataset(text: string, options: ParseOptions = {}): ParsedDataset {
  const resolved = checkOptions(options);
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (!/\S/.test(body)) {
    throw new DatasetError('The text is empty: select some labelled lines to train on.', 'empty');
  }
  checkNotBinary(body, resolved.firstLine);
  const normalised = body.includes('\r') ? body.replace(/\r\n?/g, '\n') : body;
  const lines = normalised.split('\n');
  if (lines.length > 1 && lines[lines.length - 1] === '') {
    lines.pop();
  }
  const sample = sampleLines(lines);
  const detected = resolved.format === 'auto';
  const format = resolved.format === 'auto' ? detectFormat(sample, normalised) : resolved.format;
  return datasetFormatRow(format).parse({ lines, sample, options: resolved, detected, collector: new Collector(resolved) });
}

/** The options with their defaults filled in; throws DatasetError (badOption) on a bad one. */
function checkOptions(options: ParseOptions): ResolvedOptions {
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
