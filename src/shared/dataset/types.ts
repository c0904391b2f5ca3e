/** The public shapes of dataset parsing: options, examples, results, and the error for text that is no dataset. */
import type { DatasetFormat } from './formats';

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

/**
 * One labelled text, the document line where its record starts and, for a record that spans several
 * lines (a CSV field with newlines), the line where it ends; lastLine is absent when it is `line`.
 */
export interface Example { text: string; label: string; line: number; lastLine?: number }

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

/** ParseOptions checked and completed with their defaults. */
export interface ResolvedOptions {
  format: DatasetFormat | 'auto';
  jsonTextKey?: string;
  jsonLabelKey?: string;
  csvTextColumn?: number | string;
  csvLabelColumn?: number | string;
  csvHeader: boolean | 'auto';
  firstLine: number;
  maxErrors: number;
}
