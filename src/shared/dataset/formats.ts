/**
 * The table of dataset formats: each one's id, its names for people and its parser. parseDataset, the
 * settings and the format quick pick read it; package.json's rnnLens.data.format enum is checked against
 * it by a unit test.
 */
import type { FormatInput } from './common';
import { parseCsv } from './csv';
import { parseFastText } from './fastText';
import { parseJsonLines } from './jsonLines';
import { parseTsv } from './tsv';
import type { ParsedDataset } from './types';

/** One row of the format table. */
export interface DatasetFormatSpec {
  /** The value of ParseOptions.format and of the rnnLens.data.format setting. */
  readonly id: string;
  /** The short name the format quick pick shows. */
  readonly label: string;
  /** What the lines look like, in one sentence (the English of the setting's enum description). */
  readonly description: string;
  /** Reads the lines as this format. */
  readonly parse: (input: FormatInput) => ParsedDataset;
}

/** Every dataset format, in the order the settings and the quick pick list them. */
export const DATASET_FORMAT_TABLE = [
  {
    id: 'tsv-label-text',
    label: 'TSV (label⇥text)',
    description: 'label<TAB>text per line.',
    parse: (input) => parseTsv(input, 'tsv-label-text'),
  },
  {
    id: 'tsv-text-label',
    label: 'TSV (text⇥label)',
    description: 'text<TAB>label per line.',
    parse: (input) => parseTsv(input, 'tsv-text-label'),
  },
  {
    id: 'csv',
    label: 'CSV',
    description: 'Comma-separated values, with or without a header; text and label columns picked by content.',
    parse: parseCsv,
  },
  {
    id: 'jsonl',
    label: 'JSON Lines',
    description: 'JSON Lines: one {"text": …, "label": …} object per line.',
    parse: parseJsonLines,
  },
  {
    id: 'fasttext',
    label: 'fastText (__label__)',
    description: 'fastText: __label__x text.',
    parse: parseFastText,
  },
] as const satisfies readonly DatasetFormatSpec[];

/** The supported dataset layouts: the ids of the table. */
export type DatasetFormat = (typeof DATASET_FORMAT_TABLE)[number]['id'];

/** A row of the table, with its id narrowed to DatasetFormat. */
export type DatasetFormatRow = (typeof DATASET_FORMAT_TABLE)[number];

/** All dataset layouts, for settings and pickers. */
export const DATASET_FORMATS: readonly DatasetFormat[] = DATASET_FORMAT_TABLE.map((row) => row.id);

/** The values of the rnnLens.data.format setting (and of ParseOptions.format): auto, then every format. */
export const DATASET_FORMAT_SETTING_VALUES: readonly ['auto', ...DatasetFormat[]] = ['auto', ...DATASET_FORMATS];

/** The table row of a format. */
export function datasetFormatRow(id: DatasetFormat): DatasetFormatRow {
  const row = DATASET_FORMAT_TABLE.find((candidate) => candidate.id === id);
  if (!row) {
    throw new Error(`No dataset format "${id}" in the format table.`);
  }
  return row;
}
