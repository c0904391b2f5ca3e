/** Whole-text checks before parsing: binary data, a JSON document posing as JSON Lines, and which format the lines are in. */
import type { DatasetFormat } from './formats';
import { parseObject } from './jsonLines';
import { tsvOrientation } from './tsv';
import { DatasetError } from './types';

/** Rejects text with NUL bytes or many control / replacement characters (a binary file read as text). */
export function checkNotBinary(text: string, firstLine: number): void {
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

/** The format of the sample lines: fastText, JSON Lines, TSV (either orientation) or else CSV. */
export function detectFormat(sample: string[], text: string): DatasetFormat {
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
