/** What a trained model's metrics say to the user: the notification's headline, its accuracy in one phrase, and the report written to the log. */
import * as vscode from 'vscode';
import { epochName, headlineFigures, percent } from '../shared/metricsReport';
import type { ModelConfig, Tokenization, TokenizationSetting } from '../shared/config';
import type { DatasetSummary, ModelMetadata } from '../shared/protocol';

export { percent, reportLines } from '../shared/metricsReport';

/** The first sentence(s) of the "trained" notification: the headline figure (test, else validation) with its epoch, time, and the data's warnings. */
export function trainedHeadline(metadata: ModelMetadata): string {
  const name = metadata.name;
  const m = metadata.metrics;
  const seconds = m.seconds.toFixed(1);
  const kept = epochName(m.bestEpoch, metadata);
  const figures = headlineFigures(metadata);
  let headline: string;
  if (figures?.split === 'test') {
    headline = m.validation
      ? vscode.l10n.t('Trained {0}: test accuracy {1} on {2} held-out examples (weights of {3} of {4}, chosen by validation accuracy {5}; {6} s).', name, percent(figures.metrics.accuracy), figures.metrics.examples, kept, m.epochsCompleted, percent(m.validation.accuracy), seconds)
      : vscode.l10n.t('Trained {0}: test accuracy {1} on {2} held-out examples (weights of {3} of {4}; no validation split; {5} s).', name, percent(figures.metrics.accuracy), figures.metrics.examples, kept, m.epochsCompleted, seconds);
  } else if (figures) {
    headline = vscode.l10n.t('Trained {0}: validation accuracy {1} on {2} examples at {3} of {4} (no test split: this split chose the epoch, so the figure is optimistic; {5} s).', name, percent(figures.metrics.accuracy), figures.metrics.examples, kept, m.epochsCompleted, seconds);
  } else {
    const epochs = m.epochsCompleted === 1 ? vscode.l10n.t('1 epoch') : vscode.l10n.t('{0} epochs', m.epochsCompleted);
    headline = vscode.l10n.t('Trained {0} ({1}, {2} s; no validation or test split).', name, epochs, seconds);
  }
  const cancelled = m.cancelled ? vscode.l10n.t(' Cancelled early: the best model so far was kept.') : '';
  const warned = metadata.warnings?.length ? ` ${metadata.warnings.join(' ')}` : '';
  return `${headline}${cancelled}${warned}`;
}

/** A model's accuracy in one phrase for pickers and tooltips: "test accuracy 91.0 %", else "no test split" (older models, or too few examples). */
export function accuracyPhrase(metadata: ModelMetadata): string {
  const test = metadata.metrics.test;
  return test ? vscode.l10n.t('test accuracy {0}', percent(test.accuracy)) : vscode.l10n.t('no test split');
}

/** A saved model in one line, for the model picker and the quick pick's replace item: what it trained on, when, its classes, how well, on which backend. */
export function modelSummary(meta: ModelMetadata): string {
  return [
    meta.source ? vscode.l10n.t('from {0}', meta.source.what) : vscode.l10n.t('source not recorded'),
    new Date(meta.created).toLocaleString(),
    `${meta.classes.length} classes`,
    accuracyPhrase(meta),
    meta.backend,
  ].join(' · ');
}

/**
 * The tokenisation line of the quick pick: the setting, and for 'auto' what it picks for these examples
 * ("Tokenisation: characters (auto)") with the reason below it ("the examples are single words (median 1 word per example)").
 */
export function tokenizationItem(setting: TokenizationSetting, auto: DatasetSummary['autoTokenization']): { label: string; detail?: string } {
  const name = (kind: Tokenization) => (kind === 'word' ? vscode.l10n.t('words') : vscode.l10n.t('characters'));
  return setting === 'auto'
    ? { label: vscode.l10n.t('Tokenisation: {0} (auto)', name(auto.kind)), detail: vscode.l10n.t('auto: {0}', auto.reason) }
    : { label: vscode.l10n.t('Tokenisation: {0}', name(setting)) };
}

/** The three split shares in whole percent, e.g. "80/10/10" (training/validation/test). */
export function splitShares(config: Pick<ModelConfig, 'validationSplit' | 'testSplit'>): string {
  const whole = (x: number) => String(Math.round(100 * x));
  return `${whole(1 - config.validationSplit - config.testSplit)}/${whole(config.validationSplit)}/${whole(config.testSplit)}`;
}
