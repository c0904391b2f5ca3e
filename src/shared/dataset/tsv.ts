/**
 * The TSV formats: exactly two tab-separated fields a line; which one is the label is decided by content
 * (labels repeat and are short, texts vary). A first line such as `sentence⇥label` is taken as a header.
 */
import { columnStats, isBlank, LABEL_NAMES, nameRank, pickLabelColumn, SAMPLE_LINES, TEXT_NAMES, type FormatInput } from './common';
import type { DatasetFormat } from './formats';
import type { ParsedDataset } from './types';

/** Which TSV orientation the sample is in: the field with fewer distinct, shorter values is the label. */
export function tsvOrientation(sample: string[]): DatasetFormat {
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

/** Reads label⇥text or text⇥label lines. */
export function parseTsv({ lines, collector }: FormatInput, format: 'tsv-label-text' | 'tsv-text-label'): ParsedDataset {
  const labelIndex = format === 'tsv-label-text' ? 0 : 1;
  const headerIndex = tsvHeaderIndex(lines, labelIndex);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const lineNo = collector.firstLine + i;
    if (isBlank(line)) {
      collector.blankLines++;
      continue;
    }
    if (i === headerIndex) {
      continue;
    }
    const tab = line.indexOf('\t');
    if (tab < 0 || line.indexOf('\t', tab + 1) >= 0) {
      collector.issue(lineNo, `expected 2 tab-separated fields, found ${line.split('\t').length}`);
      continue;
    }
    const first = line.slice(0, tab);
    const second = line.slice(tab + 1);
    collector.add(lineNo, labelIndex === 0 ? first : second, labelIndex === 0 ? second : first);
  }
  const arrow = labelIndex === 0 ? 'label⇥text' : 'text⇥label';
  return collector.result(format, `TSV (${arrow})${headerIndex >= 0 ? ' with header' : ''}`);
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
