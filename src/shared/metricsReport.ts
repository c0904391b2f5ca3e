/**
 * What a trained model's figures say, each labelled with its split and epoch: the headline figure
 * (the test split when there is one) and the training report written to the log, one line each.
 * Pure (no vscode): src/extension/trainingReport.ts words the notification from headlineFigures.
 */
import { describeConfig } from './config';
import type { EvalMetrics, ModelMetadata } from './protocol';

/** A fraction as a percentage with one decimal, or "–" when there is none. */
export function percent(x: number | undefined): string {
  return x === undefined || !Number.isFinite(x) ? '–' : `${(100 * x).toFixed(1)} %`;
}

/** An epoch as the report names it: "epoch 3", or "epoch 4, cut short" when a cancel stopped it part-way. */
export function epochName(epoch: number, meta: ModelMetadata): string {
  return epoch > meta.metrics.epochsCompleted ? `epoch ${epoch}, cut short` : `epoch ${epoch}`;
}

/** The figures to lead with: the test split (read once with the chosen weights), else the validation split that chose them, else none. */
export function headlineFigures(meta: ModelMetadata): { split: 'test' | 'validation'; metrics: EvalMetrics } | undefined {
  const { test, validation } = meta.metrics;
  if (test) return { split: 'test', metrics: test };
  return validation ? { split: 'validation', metrics: validation } : undefined;
}

/** Each split's label in the report, e.g. "test (weights of epoch 3)", "validation, epoch 3", "training, epoch 3". */
export function splitLabels(meta: ModelMetadata): { test: string; validation: string; training: string } {
  const m = meta.metrics;
  const best = epochName(m.bestEpoch, meta);
  return {
    test: `test (weights of ${best})`,
    validation: `validation, ${best}`,
    // Models saved before the test split kept the last epoch's training figures.
    training: m.trainEpoch === undefined ? `training, last epoch (${m.epochsCompleted})` : `training, ${epochName(m.trainEpoch, meta)}`,
  };
}

/** One split's accuracy and loss, e.g. "test (weights of epoch 3): accuracy 91.0 %, loss 0.2310 on 100 examples". */
function summaryLine(label: string, e: EvalMetrics): string {
  return `  ${label}: accuracy ${percent(e.accuracy)}, loss ${e.loss.toFixed(4)} on ${e.examples} examples`;
}

/** Per-class precision/recall/f1/support and the confusion matrix of one split, under its label. */
function detailLines(label: string, e: EvalMetrics, classes: string[]): string[] {
  const width = Math.max(8, ...classes.map((c) => c.length));
  return [
    `  ${label}, per class:`,
    `  ${'class'.padEnd(width)}  precision  recall     f1  support`,
    ...e.perClass.map((c) => `  ${c.label.padEnd(width)}  ${percent(c.precision).padStart(9)}  ${percent(c.recall).padStart(7)}  ${c.f1.toFixed(3)}  ${String(c.support).padStart(7)}`),
    `  ${label}, confusion matrix (rows: true class, columns: predicted):`,
    `  ${''.padEnd(width)}  ${classes.map((c) => c.slice(0, 8).padStart(8)).join(' ')}`,
    ...e.confusion.map((row, i) => `  ${classes[i].padEnd(width)}  ${row.map((n) => String(n).padStart(8)).join(' ')}`),
  ];
}

/**
 * The training report, one log line each: the model, its data and splits, the test figures (the
 * headline; "no test split" when there were none, as in models saved before it), the validation
 * figures of the epoch they chose, the training figures of that same epoch, and the per-class table
 * and confusion matrix of the headline split. Every figure is labelled with its split and epoch.
 */
export function reportLines(meta: ModelMetadata): string[] {
  const m = meta.metrics;
  const x = meta.examples;
  const labels = splitLabels(meta);
  const tokenisation = meta.tokenizationReason ? [`  tokenisation: ${meta.config.tokenization === 'char' ? 'characters' : 'words'} (auto: ${meta.tokenizationReason})`] : [];
  const lines = [
    `Model "${meta.name}" saved (${meta.backend} backend): ${describeConfig(meta.config)}, vocabulary ${meta.vocabSize}, classes ${meta.classes.join(', ')}`,
    `  data: ${meta.formatDescription}; ${x.train} training / ${x.validation} validation / ${x.test ?? 0} test examples; ${x.skippedLines} skipped; ${x.duplicates ?? 0} duplicate texts, each kept in one split; ${meta.dataHash}`,
    ...tokenisation,
    `  ${m.epochsCompleted} epoch(s) in ${m.seconds.toFixed(1)} s (${Math.round(m.tokensPerSecond)} tokens/s); weights of ${epochName(m.bestEpoch, meta)} kept${m.validation ? ', chosen by validation accuracy' : ''}${m.cancelled ? '; cancelled early' : ''}`,
    m.test ? summaryLine(labels.test, m.test) : '  test: no test split',
    m.validation ? summaryLine(labels.validation, m.validation) : '  validation: no validation split',
    `  ${labels.training}: loss ${m.train.loss.toFixed(4)}, accuracy ${percent(m.train.accuracy)}`,
    ...(meta.warnings ?? []).map((w) => `  data warning: ${w}`),
  ];
  const headline = headlineFigures(meta);
  if (headline) lines.push(...detailLines(labels[headline.split], headline.metrics, meta.classes));
  return lines;
}
