/** What a trained model's metrics say to the user: the notification's headline and the report written to the log. */
import * as vscode from 'vscode';
import { describeConfig } from '../shared/config';
import type { ModelMetadata } from '../shared/protocol';

/** A fraction as a percentage with one decimal, or "–" when there is none. */
export function percent(x: number | undefined): string {
  return x === undefined || !Number.isFinite(x) ? '–' : `${(100 * x).toFixed(1)} %`;
}

/** The first sentence(s) of the "trained" notification: the headline figure, epochs, time, and the data's warnings. */
export function trainedHeadline(metadata: ModelMetadata): string {
  const name = metadata.name;
  const val = metadata.metrics.validation;
  const n = metadata.metrics.epochsCompleted;
  const epochs = n === 1 ? vscode.l10n.t('1 epoch') : vscode.l10n.t('{0} epochs', n);
  const headline = val
    ? vscode.l10n.t('Trained {0}: validation accuracy {1} on {2} examples ({3}, {4} s).', name, percent(val.accuracy), val.examples, epochs, metadata.metrics.seconds.toFixed(1))
    : vscode.l10n.t('Trained {0} ({1}, {2} s; no validation split).', name, epochs, metadata.metrics.seconds.toFixed(1));
  const cancelled = metadata.metrics.cancelled ? vscode.l10n.t(' Cancelled early: the best model so far was kept.') : '';
  const warned = metadata.warnings?.length ? ` ${metadata.warnings.join(' ')}` : '';
  return `${headline}${cancelled}${warned}`;
}

/** The training report (metrics, per-class precision/recall, confusion matrix), one log line each. */
export function reportLines(meta: ModelMetadata): string[] {
  const m = meta.metrics;
  const lines = [
    `Model "${meta.name}" saved (${meta.backend} backend): ${describeConfig(meta.config)}, vocabulary ${meta.vocabSize}, classes ${meta.classes.join(', ')}`,
    `  data: ${meta.formatDescription}; ${meta.examples.train} training / ${meta.examples.validation} validation examples; ${meta.examples.skippedLines} skipped; ${meta.examples.duplicates ?? 0} duplicate texts, each kept on one side of the split; ${meta.dataHash}`,
    `  ${m.epochsCompleted} epoch(s) in ${m.seconds.toFixed(1)} s (${Math.round(m.tokensPerSecond)} tokens/s); best epoch ${m.bestEpoch}${m.cancelled ? '; cancelled early' : ''}`,
    `  training loss ${m.train.loss.toFixed(4)}, training accuracy ${percent(m.train.accuracy)}`,
    ...(meta.warnings ?? []).map((w) => `  data warning: ${w}`),
  ];
  const v = m.validation;
  if (v) {
    lines.push(`  validation: accuracy ${percent(v.accuracy)}, loss ${v.loss.toFixed(4)} on ${v.examples} examples`);
    const width = Math.max(8, ...meta.classes.map((c) => c.length));
    lines.push(`  ${'class'.padEnd(width)}  precision  recall     f1  support`);
    for (const c of v.perClass) {
      lines.push(`  ${c.label.padEnd(width)}  ${percent(c.precision).padStart(9)}  ${percent(c.recall).padStart(7)}  ${c.f1.toFixed(3)}  ${String(c.support).padStart(7)}`);
    }
    lines.push(`  confusion matrix (rows: true class, columns: predicted):`);
    lines.push(`  ${''.padEnd(width)}  ${meta.classes.map((c) => c.slice(0, 8).padStart(8)).join(' ')}`);
    v.confusion.forEach((row, i) => lines.push(`  ${meta.classes[i].padEnd(width)}  ${row.map((n) => String(n).padStart(8)).join(' ')}`));
  }
  return lines;
}
