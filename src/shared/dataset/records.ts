/**
 * Which record is under the cursor: a document read once with the same parsers as training (its own
 * detected format, the model's JSON keys where they fit), then looked up by line. A CSV record
 * whose quoted field holds newlines covers all of its lines; a header row, a blank line or a line that
 * does not parse covers none. A document without labels (prose, a list of names) is plain text: each
 * line is a text. Pure, like the parsers.
 */
import { parseDataset } from '../dataset';
import type { DatasetFormat } from './formats';
import { DatasetError, type Example, type ParseIssue, type ParseOptions } from './types';

/** A document read for lookups: its records, or its lines when it has no labels. */
export interface DocumentRecords {
  /** 'records': a labelled dataset; 'text': no labels, each line is a text; 'none': nothing to read (empty or binary). */
  kind: 'records' | 'text' | 'none';
  /** The document's own format, for 'records'. */
  format?: DatasetFormat;
  /** How the document was understood (the parser's description), or why it reads as plain text or not at all. */
  description: string;
  /** The records in document order ('records' only). */
  examples: readonly Example[];
  /** The first lines that did not parse ('records' only). */
  errors: readonly ParseIssue[];
  /** The lines ('text' only). */
  lines: readonly string[];
}

/** The record that covers a line: its text, its label when the document has labels, and its lines (1-based, inclusive). */
export interface RecordAt {
  text: string;
  label?: string;
  firstLine: number;
  lastLine: number;
  /** Its index among the document's records ('records' documents only). */
  index?: number;
}

/** What a selection reads: the selected text itself, or the record under the cursor and where it is among the selected ones. */
export interface SelectionReading {
  text: string;
  label?: string;
  /** The record read, when the selection covers whole records; absent when the selected text is read as it is. */
  record?: RecordAt;
  /** The record's place among the selected records (1-based) and how many there are, when there are several. */
  selected?: { position: number; count: number };
}

/**
 * The ParseOptions keys of a model's data layout that carry over to other documents: the JSON keys (from
 * the settings). Not the CSV columns: those were resolved by detection on the training data, and given
 * as options they would count as chosen and skip the checks that tell prose from labelled rows.
 */
const LAYOUT_KEYS = ['jsonTextKey', 'jsonLabelKey'] as const;

/**
 * How to read a document under a model trained with `trained`: the document's own (detected) format,
 * the model's JSON keys, and the header row and columns found in the document.
 */
export function documentOptions(trained: ParseOptions | undefined): ParseOptions {
  const options: ParseOptions = { format: 'auto', csvHeader: 'auto' };
  for (const key of LAYOUT_KEYS) {
    if (trained?.[key] !== undefined) options[key] = trained[key];
  }
  return options;
}

/**
 * Reads a whole document with parseDataset. Keys the document lacks are dropped (it is then read with
 * its format's own guesses); a document without labels is plain text; an empty or binary one has
 * nothing to read.
 */
export function readDocumentRecords(text: string, options: ParseOptions = {}): DocumentRecords {
  try {
    const ds = parseDataset(text, options);
    return { kind: 'records', format: ds.format, description: ds.description, examples: ds.examples, errors: ds.errors, lines: [] };
  } catch (error) {
    if (!(error instanceof DatasetError)) throw error;
    const layout = [...LAYOUT_KEYS, 'csvTextColumn', 'csvLabelColumn'] as const;
    if (error.code === 'badOption' && layout.some((key) => options[key] !== undefined)) {
      return readDocumentRecords(text, { format: options.format, csvHeader: options.csvHeader });
    }
    const kind = error.code === 'unlabelled' || error.code === 'unrecognised' ? 'text' : 'none';
    return { kind, description: error.message, examples: [], errors: [], lines: kind === 'text' ? splitLines(text) : [] };
  }
}

/** The document's lines as parseDataset numbers them (a BOM dropped; \r\n, \r and \n each end a line). */
function splitLines(text: string): string[] {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  return body.split(/\r\n?|\n/);
}

/** The last line (1-based) of an example's record. */
function lastLineOf(example: Example): number {
  return example.lastLine ?? example.line;
}

/** The index of the first example whose record ends on or after `line` (examples.length when none). */
function firstEndingFrom(examples: readonly Example[], line: number): number {
  let lo = 0;
  let hi = examples.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (lastLineOf(examples[mid]) < line) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function recordOf(examples: readonly Example[], index: number): RecordAt {
  const e = examples[index];
  return { text: e.text, label: e.label, firstLine: e.line, lastLine: lastLineOf(e), index };
}

/**
 * The record that covers `line` (1-based): a record of a labelled document, or the line itself in a plain
 * text one; undefined for a header row, a blank line or a line that does not parse. O(log records).
 */
export function recordAt(records: DocumentRecords, line: number): RecordAt | undefined {
  if (records.kind === 'text') {
    const text = records.lines[line - 1];
    return text !== undefined && /\S/.test(text) ? { text, firstLine: line, lastLine: line } : undefined;
  }
  const index = firstEndingFrom(records.examples, line);
  return index < records.examples.length && records.examples[index].line <= line ? recordOf(records.examples, index) : undefined;
}

/** The issue of a line that did not parse, when it is among the ones kept (ParsedDataset.errors). */
export function issueAt(records: DocumentRecords, line: number): ParseIssue | undefined {
  return records.errors.find((issue) => issue.line === line);
}

/** The record that covers a line of a document: parses `text` with readDocumentRecords (see there for `options`) and looks the line up. */
export function locateRecord(text: string, options: ParseOptions, line: number): RecordAt | undefined {
  return recordAt(readDocumentRecords(text, options), line);
}

/**
 * What a selection of lines firstLine…lastLine (1-based, inclusive) reads, the cursor on `cursorLine`. In
 * a plain text document, or when the selection lies within one record's text, the selected text itself;
 * when it covers records, the record under the cursor (or the selected record nearest to it) and its
 * place among them; undefined when it covers no record (a header row, blank lines).
 */
export function readSelection(
  records: DocumentRecords,
  selection: { firstLine: number; lastLine: number; text: string },
  cursorLine: number,
): SelectionReading | undefined {
  if (records.kind === 'none') return undefined;
  if (records.kind === 'text') return /\S/.test(selection.text) ? { text: selection.text } : undefined;
  const { examples } = records;
  const first = firstEndingFrom(examples, selection.firstLine);
  let end = first;
  while (end < examples.length && examples[end].line <= selection.lastLine) end++;
  const count = end - first;
  if (count === 0) return undefined;
  if (count === 1) {
    const only = examples[first];
    const within = only.line <= selection.firstLine && selection.lastLine <= lastLineOf(only);
    if (within && /\S/.test(selection.text) && only.text.includes(selection.text)) return { text: selection.text };
  }
  const under = Math.min(end - 1, Math.max(first, firstEndingFrom(examples, cursorLine)));
  const record = recordOf(examples, under);
  return { text: record.text, label: record.label, record, ...(count > 1 ? { selected: { position: under - first + 1, count } } : {}) };
}

/**
 * The DocumentRecords of the last few documents read, by URI, version and options: a document is parsed
 * once per version however often it is hovered. `read` is the reader (readDocumentRecords; tests count calls).
 */
export class DocumentRecordsCache {
  private readonly entries = new Map<string, { version: number; options: string; records: DocumentRecords }>();

  constructor(
    private readonly capacity = 4,
    private readonly read: (text: string, options: ParseOptions) => DocumentRecords = readDocumentRecords,
  ) {}

  /** The records of the document at `uri` in `version`; `text` is only called when they are not cached. */
  get(uri: string, version: number, options: ParseOptions, text: () => string): DocumentRecords {
    const key = JSON.stringify(options);
    const hit = this.entries.get(uri);
    this.entries.delete(uri);
    if (hit && hit.version === version && hit.options === key) {
      this.entries.set(uri, hit);
      return hit.records;
    }
    const records = this.read(text(), options);
    this.entries.set(uri, { version, options: key, records });
    while (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value as string);
    return records;
  }

  /** Forgets a document (closed). */
  delete(uri: string): void {
    this.entries.delete(uri);
  }
}
