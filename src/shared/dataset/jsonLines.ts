/**
 * The JSON Lines format: one object per line; text and label keys default to "text" and "label", and when
 * the objects lack them (and no key was given) well-known names ("sentence", "review", "sentiment", …) or
 * the shape of the values pick them.
 */
import { columnStats, isBlank, LABEL_NAMES, nameRank, pickLabelColumn, pickTextColumn, TEXT_NAMES, UNLABELLED_HELP, type FormatInput } from './common';
import { DatasetError, type ParsedDataset, type ResolvedOptions } from './types';

/** The JSON object on a line, or undefined when the line is not one. */
export function parseObject(line: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? value as Record<string, unknown> : undefined;
  } catch {
    return undefined;
  }
}

/** Reads one JSON object a line. */
export function parseJsonLines({ lines, sample, options, collector }: FormatInput): ParsedDataset {
  const objects = sample.map(parseObject).filter((value): value is Record<string, unknown> => value !== undefined);
  const { textKey, labelKey } = jsonKeys(objects, options);
  for (let i = 0; i < lines.length; i++) {
    const lineNo = collector.firstLine + i;
    const line = lines[i];
    if (isBlank(line)) {
      collector.blankLines++;
      continue;
    }
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      collector.issue(lineNo, `invalid JSON: ${clip(error instanceof Error ? error.message : String(error))}`);
      continue;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      collector.issue(lineNo, `expected a JSON object, found ${value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`}`);
      continue;
    }
    const record = value as Record<string, unknown>;
    const missing = [textKey, labelKey].filter((key) => !Object.prototype.hasOwnProperty.call(record, key));
    if (missing.length > 0) {
      collector.issue(lineNo, `missing key${missing.length > 1 ? 's' : ''} ${missing.map((key) => JSON.stringify(key)).join(' and ')}`);
      continue;
    }
    const text = record[textKey];
    const label = record[labelKey];
    if (typeof text !== 'string') {
      collector.issue(lineNo, `${JSON.stringify(textKey)} must be a string, found ${describeJson(text)}`);
      continue;
    }
    if (typeof label !== 'string' && typeof label !== 'number' && typeof label !== 'boolean') {
      collector.issue(lineNo, `${JSON.stringify(labelKey)} must be a string, number or boolean, found ${describeJson(label)}`);
      continue;
    }
    collector.add(lineNo, String(label), text);
  }
  return collector.result('jsonl', `JSON Lines (text: ${JSON.stringify(textKey)}, label: ${JSON.stringify(labelKey)})`);
}

function clip(message: string): string {
  return message.length > 200 ? `${message.slice(0, 199)}…` : message;
}

function describeJson(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/** The text and label keys: given, the defaults when present, else guessed from names and values. */
function jsonKeys(objects: Record<string, unknown>[], options: ResolvedOptions): { textKey: string; labelKey: string } {
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
  const textKey = options.jsonTextKey ?? (has('text') ? 'text' : guess('text', options.jsonLabelKey ?? (has('label') ? 'label' : undefined)));
  if (textKey === undefined) {
    throw new DatasetError(`JSON Lines objects have no text key "text" (keys seen: ${seenList}); name the text key.`, 'unrecognised');
  }
  const labelKey = options.jsonLabelKey ?? (has('label') ? 'label' : guess('label', textKey));
  if (labelKey === undefined) {
    throw new DatasetError(`JSON Lines objects have no label key "label" (keys seen: ${seenList}). ${UNLABELLED_HELP}`, 'unlabelled');
  }
  for (const [option, key] of [['jsonTextKey', options.jsonTextKey], ['jsonLabelKey', options.jsonLabelKey]] as const) {
    if (key !== undefined && objects.length > 0 && !has(key)) {
      throw new DatasetError(`${option} is "${key}", but no object has that key (keys seen: ${seenList}).`, 'badOption');
    }
  }
  return { textKey, labelKey };
}

function isScalar(value: unknown, kind: 'text' | 'label'): boolean {
  return typeof value === 'string' || (kind === 'label' && (typeof value === 'number' || typeof value === 'boolean'));
}
