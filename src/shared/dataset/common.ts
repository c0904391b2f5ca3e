/** Helpers the format parsers share: the line sample, the example collector and the label / text column guesses. */
import type { DatasetFormat } from './formats';
import type { Example, ParsedDataset, ParseIssue, ResolvedOptions } from './types';

/** How many non-blank lines detection and layout guesses look at. */
export const SAMPLE_LINES = 200;

/** The end of every "no labels found" message: what a labelled dataset looks like. */
export const UNLABELLED_HELP =
  'Training needs labelled examples, one per line: label⇥text (TSV), CSV with a label column, ' +
  'JSON Lines ({"text": …, "label": …}) or fastText (__label__name text). ' +
  'Training a language model on unlabelled text is planned for a later version.';

/** Header names that say "this column is the label", best first. */
export const LABEL_NAMES = ['label', 'labels', 'class', 'category', 'sentiment', 'target', 'gender', 'intent', 'topic',
  'emotion', 'polarity', 'stance', 'tag', 'language', 'genre'];

/** Header names that say "this column is the text", best first. */
export const TEXT_NAMES = ['text', 'sentence', 'review', 'content', 'body', 'comment', 'message', 'tweet', 'utterance',
  'document', 'question', 'query', 'headline', 'title', 'name', 'phrase'];

/** Whether a line (or field) holds only whitespace. */
export function isBlank(line: string): boolean {
  return !/\S/.test(line);
}

/** The first SAMPLE_LINES non-blank lines. */
export function sampleLines(lines: string[]): string[] {
  const sample: string[] = [];
  for (let i = 0; i < lines.length && sample.length < SAMPLE_LINES; i++) {
    if (!isBlank(lines[i])) {
      sample.push(lines[i]);
    }
  }
  return sample;
}

/** Accumulates examples, issues (first maxErrors kept, all counted) and blank lines. */
export class Collector {
  readonly examples: Example[] = [];
  readonly errors: ParseIssue[] = [];
  errorCount = 0;
  blankLines = 0;
  readonly firstLine: number;
  private readonly maxErrors: number;

  constructor(options: ResolvedOptions) {
    this.firstLine = options.firstLine;
    this.maxErrors = options.maxErrors;
  }

  issue(line: number, message: string): void {
    this.errorCount++;
    if (this.errors.length < this.maxErrors) {
      this.errors.push({ line, message: `line ${line}: ${message}` });
    }
  }

  /** Adds the example of a record on `line` (through `lastLine` when it spans several lines), or the issue of its empty label or text. */
  add(line: number, rawLabel: string, text: string, lastLine = line): void {
    const label = rawLabel.trim();
    const noText = isBlank(text);
    if (label === '' || noText) {
      this.issue(line, label === '' && noText ? 'empty label and text' : label === '' ? 'empty label' : 'empty text');
      return;
    }
    this.examples.push(lastLine > line ? { text, label, line, lastLine } : { text, label, line });
  }

  result(format: DatasetFormat, description: string, csv?: ParsedDataset['csv']): ParsedDataset {
    const { examples, errors, errorCount, blankLines } = this;
    return csv ? { format, description, examples, errors, errorCount, blankLines, csv }
      : { format, description, examples, errors, errorCount, blankLines };
  }
}

/** What a format's parser reads: all lines, the sample, the checked options and where to put the results. */
export interface FormatInput {
  lines: string[];
  sample: string[];
  options: ResolvedOptions;
  /** True when the format was detected from the content rather than named by the options. */
  detected: boolean;
  collector: Collector;
}

/** How many distinct values a column has and how long they are on average. */
export interface ColumnStats { distinct: number; meanLength: number }

/** The stats of a column's values, each trimmed. */
export function columnStats(values: string[]): ColumnStats {
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
export function pickLabelColumn(stats: ColumnStats[], candidates: number[]): number {
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
export function pickTextColumn(stats: ColumnStats[], candidates: number[]): number {
  let best = candidates[0];
  for (const c of candidates) {
    if (stats[c].meanLength > stats[best].meanLength) {
      best = c;
    }
  }
  return best;
}

/** Where a name stands in a list of well-known column names (case-insensitive), Infinity when absent. */
export function nameRank(names: string[], cell: string): number {
  const rank = names.indexOf(cell.trim().toLowerCase());
  return rank < 0 ? Infinity : rank;
}
