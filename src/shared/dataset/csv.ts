/**
 * The CSV format (comma, semicolon, tab or pipe separated, quoted fields may hold delimiters and newlines),
 * with or without a header row; the label column has the fewest distinct values, the text column the
 * longest values, unless named by the options. A record spanning several lines is reported at the line
 * where it starts, and its example carries the line where it ends (Example.lastLine).
 */
import { parse as parseCsvText } from 'papaparse';
import {
  columnStats, isBlank, LABEL_NAMES, nameRank, pickLabelColumn, pickTextColumn, TEXT_NAMES, UNLABELLED_HELP, type FormatInput,
} from './common';
import { DatasetError, type ParsedDataset, type ResolvedOptions } from './types';

/** The most lines papaparse is given at once. */
const CSV_BATCH_LINES = 2000;

/** The delimiters tried, with the names messages give them. */
const DELIMITER_NAMES: Record<string, string> = { ',': 'comma', ';': 'semicolon', '\t': 'tab', '|': 'pipe' };

function countNewlines(text: string, from: number, to: number): number {
  let count = 0;
  for (let i = text.indexOf('\n', from); i >= 0 && i < to; i = text.indexOf('\n', i + 1)) {
    count++;
  }
  return count;
}

/** How a CSV text was understood: its delimiter, header and the two columns used. */
interface CsvLayout { delimiter: string; header: string[] | null; textColumn: number; labelColumn: number; columnCount: number }

/** Reads delimiter-separated rows, with the layout (delimiter, header, columns) guessed from the sample unless given. */
export function parseCsv({ lines, sample, options, detected, collector }: FormatInput): ParsedDataset {
  const layout = csvLayout(sample, options, detected);
  const { delimiter, header, textColumn, labelColumn, columnCount } = layout;
  const delimiterName = DELIMITER_NAMES[delimiter] ?? JSON.stringify(delimiter);
  let headerPending = header !== null;
  const take = (row: string[], lineNo: number, lastLineNo: number): void => {
    if (row.every(isBlank)) {
      collector.blankLines++;
      return;
    }
    if (headerPending) {
      headerPending = false;
      return;
    }
    if (row.length !== columnCount) {
      collector.issue(lineNo, `expected ${columnCount} ${delimiterName}-separated fields, found ${row.length}`);
      return;
    }
    collector.add(lineNo, row[labelColumn], row[textColumn], lastLineNo);
  };
  forEachCsvRow(lines, delimiter, {
    row: (row, index, lastIndex) => take(row, collector.firstLine + index, collector.firstLine + lastIndex),
    issue: (index, message) => collector.issue(collector.firstLine + index, message),
    blank: () => collector.blankLines++,
  });
  const where = header
    ? `text column ${JSON.stringify(header[textColumn])}, label column ${JSON.stringify(header[labelColumn])}`
    : `text column ${textColumn}, label column ${labelColumn} (counted from 0)`;
  const kind = delimiter === ',' ? 'CSV' : `CSV (${delimiterName}-separated)`;
  return collector.result('csv', `${kind} ${header ? 'with' : 'without'} header, ${where}`, layout);
}

/** Receives CSV rows (with the indices of their first and last lines), unreadable records and blank lines, by 0-based line index. */
interface CsvSink { row(row: string[], index: number, lastIndex: number): void; issue(index: number, message: string): void; blank(): void }

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
      let last = line;
      for (const field of row) {
        last += countNewlines(field, 0, field.length);
      }
      sink.row(row, line, last);
      line = last + 1;
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

function csvLayout(sample: string[], options: ResolvedOptions, detected: boolean): CsvLayout {
  const { delimiter, rows, columnCount } = guessDelimiter(sample);
  if (columnCount < 2) {
    throw new DatasetError(`No labels found: the text has one column. ${UNLABELLED_HELP}`, 'unlabelled');
  }
  if (detected && rows.filter((row) => row.length === columnCount).length < 0.6 * rows.length) {
    throw new DatasetError(`No labels found: the lines have no consistent columns. ${UNLABELLED_HELP}`, 'unlabelled');
  }
  const wantsNames = typeof options.csvTextColumn === 'string' || typeof options.csvLabelColumn === 'string';
  if (options.csvHeader === false && wantsNames) {
    throw new DatasetError('A CSV column is named, but csvHeader is false: use a column index or a header row.', 'badOption');
  }
  const hasHeader = options.csvHeader === 'auto' ? wantsNames || looksLikeHeader(rows, columnCount) : options.csvHeader;
  const header = hasHeader ? rows[0].map((cell) => cell.trim()) : null;
  if (header && header.length !== columnCount) {
    throw new DatasetError(`The CSV header has ${header.length} columns but the rows have ${columnCount}.`, 'badOption');
  }
  const body = (header ? rows.slice(1) : rows).filter((row) => row.length === columnCount);
  const stats = Array.from({ length: columnCount }, (_, c) => columnStats(body.map((row) => row[c])));
  const all = stats.map((_, c) => c);
  let labelColumn = resolveColumn('csvLabelColumn', options.csvLabelColumn, header, columnCount);
  let textColumn = resolveColumn('csvTextColumn', options.csvTextColumn, header, columnCount);
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
  const chosenByUser = options.csvLabelColumn !== undefined;
  if (detected && !chosenByUser && namedLabel === undefined && body.length > 1 && stats[labelColumn].distinct >= body.length) {
    throw new DatasetError(`No labels found: no column repeats its values the way labels do. ${UNLABELLED_HELP}`, 'unlabelled');
  }
  if (detected && !chosenByUser && namedLabel === undefined) {
    // Labels are short names; a column of phrases is prose cut at its commas, not labels.
    const words = meanWordsOfDistinct(body.map((row) => row[labelColumn]));
    if (words > MAX_LABEL_WORDS) {
      throw new DatasetError(
        `No labels found: the column that would hold the labels holds phrases (${words.toFixed(1)} words on average), so this reads as prose split at its commas. ${UNLABELLED_HELP}`,
        'unlabelled',
      );
    }
  }
  return { delimiter, header, textColumn, labelColumn, columnCount };
}

/** Above this mean word count of its distinct values, a detected label column is taken for prose. */
const MAX_LABEL_WORDS = 3;

/** The mean number of words of the distinct (trimmed) values. */
function meanWordsOfDistinct(values: string[]): number {
  const distinct = [...new Set(values.map((v) => v.trim()))];
  if (distinct.length === 0) return 0;
  return distinct.reduce((sum, v) => sum + v.split(/\s+/).filter(Boolean).length, 0) / distinct.length;
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

/** A first row of distinct, non-numeric names that are known column names or stand collector from the data. */
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
