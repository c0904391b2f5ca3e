/**
 * The fastText format: `__label__pos some text`. A line may carry several leading labels; the first is the
 * example's label and the others are dropped (multi-label training is not supported).
 */
import { isBlank, type FormatInput } from './common';
import type { ParsedDataset } from './types';

/** Reads `__label__name text` lines. */
export function parseFastText({ lines, collector }: FormatInput): ParsedDataset {
  const prefix = '__label__';
  for (let i = 0; i < lines.length; i++) {
    const lineNo = collector.firstLine + i;
    if (isBlank(lines[i])) {
      collector.blankLines++;
      continue;
    }
    const line = lines[i].trimStart();
    if (!line.startsWith(prefix)) {
      collector.issue(lineNo, 'expected the line to start with __label__');
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
      collector.issue(lineNo, 'empty label after __label__');
      continue;
    }
    collector.add(lineNo, label ?? '', line.slice(pos));
  }
  return collector.result('fasttext', 'fastText (__label__)');
}
