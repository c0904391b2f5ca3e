/**
 * The report of a trained model, below the curves: its header (the headline figure, labelled with its
 * split and epoch, the model, notes on the kept epoch and a cancel), the validation split's confusion
 * grid with the misclassified lines of a selected cell, each split's scores per class, and what the
 * model was trained on and how.
 */
import * as l10n from '@vscode/l10n';
import type { SplitMetrics, TrainingReport } from '../../src/shared/trainingView';
import { el, setText } from '../shared/dom';
import { fmt, pct } from '../shared/format';
import type { ThemePalette } from '../shared/theme';
import { ConfusionGrid, MisclassifiedList, type OpenLine } from './confusion';
import { duration, epochName, integer, rate, share, speed, when } from './format';

/** The headline: the test split when there is one (scored once with the kept weights), else validation. */
export function headline(report: TrainingReport): { primary: string; secondary?: string } {
  const epoch = epochName(report.bestEpoch, report.epochsCompleted);
  const val = report.validation ? l10n.t('validation accuracy {0} ({1})', pct(report.validation.accuracy), epoch) : undefined;
  if (report.test) return { primary: l10n.t('test accuracy {0} ({1})', pct(report.test.accuracy), epoch), secondary: val };
  if (val) return { primary: val, secondary: l10n.t('no test split: the validation split chose the epoch, so this figure is optimistic') };
  const record = report.history?.epochs.find((e) => e.epoch === report.bestEpoch);
  return {
    primary: l10n.t('No validation or test split: no held-out accuracy'),
    secondary: record ? l10n.t('training accuracy {0} ({1})', pct(record.trainAccuracy), epoch) : undefined,
  };
}

/** A definition list of facts. */
function facts(id: string, rows: [string, string | HTMLElement][]): HTMLElement {
  return el('dl', { class: 'facts', id }, ...rows.flatMap(([k, v]) => [el('dt', { text: k }), typeof v === 'string' ? el('dd', { text: v }) : el('dd', {}, v)]));
}

/** One split's scores per class, with its accuracy and loss in the caption. */
function scoresTable(id: string, caption: string, m: SplitMetrics): HTMLElement {
  const macro = (key: 'precision' | 'recall' | 'f1') => (m.perClass.length ? m.perClass.reduce((a, c) => a + c[key], 0) / m.perClass.length : NaN);
  const support = m.perClass.reduce((a, c) => a + c.support, 0);
  const n = (v: number) => (Number.isFinite(v) ? v.toFixed(3) : '–');
  const p = (v: number) => (Number.isFinite(v) ? pct(v) : '–');
  return el(
    'table',
    { class: 'data-table scores', id },
    el('caption', { text: caption }),
    el(
      'thead',
      {},
      el(
        'tr',
        {},
        el('th', { scope: 'col', text: l10n.t('Class') }),
        el('th', { scope: 'col', class: 'num', text: l10n.t('Precision') }),
        el('th', { scope: 'col', class: 'num', text: l10n.t('Recall') }),
        el('th', { scope: 'col', class: 'num', text: l10n.t('F1') }),
        el('th', { scope: 'col', class: 'num', text: l10n.t('Support') }),
      ),
    ),
    el(
      'tbody',
      {},
      ...m.perClass.map((c) =>
        el('tr', {}, el('th', { scope: 'row', text: c.label }), el('td', { class: 'num', text: p(c.precision) }), el('td', { class: 'num', text: p(c.recall) }), el('td', { class: 'num', text: n(c.f1) }), el('td', { class: 'num', text: integer(c.support) })),
      ),
    ),
    el('tfoot', {}, el('tr', {}, el('th', { scope: 'row', text: l10n.t('macro average') }), el('td', { class: 'num', text: p(macro('precision')) }), el('td', { class: 'num', text: p(macro('recall')) }), el('td', { class: 'num', text: n(macro('f1')) }), el('td', { class: 'num', text: integer(support) }))),
  );
}

/** The report's header and sections; `show` fills them from a report. */
export class ReportView {
  readonly header: HTMLElement;
  readonly sections: HTMLElement;
  private readonly name = el('h1', { class: 'run-name', id: 'report-name' });
  private readonly badge = el('vscode-badge', { class: 'run-badge', id: 'report-badge' });
  private readonly primary = el('span', { class: 'headline-primary', id: 'headline' });
  private readonly secondary = el('span', { class: 'headline-secondary muted', id: 'headline-secondary' });
  private readonly model = el('p', { class: 'model-line', id: 'report-model' });
  private readonly notes = el('ul', { class: 'notes', id: 'report-notes' });
  private readonly confusionTitle = el('h2', { id: 'confusion-title' });
  private readonly confusionNote = el('p', { class: 'muted', id: 'confusion-note' });
  private readonly grid: ConfusionGrid;
  private readonly list: MisclassifiedList;
  private readonly scores = el('div', { class: 'scores-body', id: 'scores' });
  private readonly data = el('div', { class: 'facts-body' });
  private readonly training = el('div', { class: 'facts-body' });
  private readonly confusionSection: HTMLElement;
  private report: TrainingReport | undefined;

  constructor(open: OpenLine) {
    this.grid = new ConfusionGrid((i, j) => {
      const r = this.report;
      if (r?.validation) this.list.show(r, r.validation.confusion, i, j);
    });
    this.list = new MisclassifiedList(open);
    this.header = el(
      'header',
      { class: 'run-header report-header', id: 'report-header' },
      el('div', { class: 'title-row' }, this.name, this.badge),
      el('p', { class: 'headline' }, this.primary, this.secondary),
      this.model,
      this.notes,
    );
    this.confusionSection = el('section', { class: 'section confusion-section', 'aria-labelledby': 'confusion-title' }, this.confusionTitle, this.grid.element, this.confusionNote);
    this.sections = el(
      'div',
      { class: 'report-sections' },
      el(
        'div',
        { class: 'results-grid' },
        this.confusionSection,
        el('section', { class: 'section scores-section', 'aria-labelledby': 'scores-title' }, el('h2', { id: 'scores-title', text: l10n.t('Scores per class') }), this.scores),
      ),
      this.list.element,
      el(
        'div',
        { class: 'facts-grid' },
        el('section', { class: 'section', 'aria-labelledby': 'data-title' }, el('h2', { id: 'data-title', text: l10n.t('Data') }), this.data),
        el('section', { class: 'section', 'aria-labelledby': 'training-title' }, el('h2', { id: 'training-title', text: l10n.t('Model and training') }), this.training),
      ),
    );
  }

  /** Sets the theme (the grid's colours). */
  setTheme(palette: ThemePalette): void {
    this.grid.setTheme(palette);
  }

  /** Shows a report. */
  show(r: TrainingReport): void {
    this.report = r;
    const epoch = epochName(r.bestEpoch, r.epochsCompleted);
    setText(this.name, r.name);
    setText(this.badge, r.cancelled ? l10n.t('cancelled') : l10n.t('trained'));
    const h = headline(r);
    setText(this.primary, h.primary);
    setText(this.secondary, h.secondary ?? '');
    this.secondary.hidden = !h.secondary;
    setText(this.model, r.model);

    const notes: { text: string; cls?: string }[] = [];
    if (r.cancelled) notes.push({ text: l10n.t('Training was cancelled after {0} completed epochs; the weights of {1} were kept.', r.epochsCompleted, epoch), cls: 'note-cancelled' });
    else if (r.bestEpoch > 0)
      notes.push({ text: r.validation ? l10n.t('{0} epochs; the weights of {1} were kept, chosen by validation accuracy.', r.epochsCompleted, epoch) : l10n.t('{0} epochs; the weights of the last epoch were kept (no validation split to choose by).', r.epochsCompleted) });
    if (r.warnings.length) notes.push({ text: r.warnings.length === 1 ? l10n.t('1 data warning: see Data below.') : l10n.t('{0} data warnings: see Data below.', r.warnings.length), cls: 'note-warning' });
    this.notes.replaceChildren(...notes.map((n) => el('li', { class: n.cls, text: n.text })));
    this.notes.hidden = notes.length === 0;

    // The grid: validation (where the misclassified lines come from); the test split's when there is no validation.
    const gridSplit = r.validation ?? r.test;
    this.confusionSection.hidden = !gridSplit;
    if (gridSplit) {
      const isVal = gridSplit === r.validation;
      setText(this.confusionTitle, isVal ? l10n.t('Confusion matrix: validation ({0})', epoch) : l10n.t('Confusion matrix: test (weights of {0})', epoch));
      this.grid.show(r.classes, gridSplit.confusion, isVal ? l10n.t('Confusion matrix of the validation split: rows are the true classes, columns the predicted ones') : l10n.t('Confusion matrix of the test split: rows are the true classes, columns the predicted ones'));
      setText(this.confusionNote, isVal ? '' : l10n.t('No validation split: misclassified lines are kept for validation lines only.'));
      this.confusionNote.hidden = isVal;
    }
    this.list.element.hidden = !r.validation;
    this.list.hint();

    const tables: HTMLElement[] = [];
    if (r.validation) tables.push(scoresTable('scores-validation', l10n.t('Validation ({0}): accuracy {1}, loss {2} on {3} examples', epoch, pct(r.validation.accuracy), fmt(r.validation.loss), integer(r.validation.examples)), r.validation));
    if (r.test) tables.push(scoresTable('scores-test', l10n.t('Test (weights of {0}): accuracy {1}, loss {2} on {3} examples', epoch, pct(r.test.accuracy), fmt(r.test.loss), integer(r.test.examples)), r.test));
    if (!tables.length) tables.push(el('p', { class: 'muted', text: l10n.t('No validation or test split: nothing was held out to score.') }));
    this.scores.replaceChildren(...tables);

    const d = r.data;
    const warnings = r.warnings.length ? el('ul', { class: 'warnings' }, ...r.warnings.map((w) => el('li', { text: w }))) : l10n.t('none');
    this.data.replaceChildren(
      facts('data-facts', [
        [l10n.t('Format'), d.format],
        [l10n.t('Source'), d.source ?? l10n.t('not recorded')],
        [l10n.t('Classes'), l10n.t('{0}: {1}', r.classes.length, r.classes.join(', '))],
        [l10n.t('Examples'), l10n.t('{0} training · {1} validation ({2}) · {3} test ({4})', integer(d.train), integer(d.validation), share(d.validationSplit), integer(d.test), share(d.testSplit))],
        [l10n.t('Seed'), String(d.seed)],
        [l10n.t('Skipped lines'), integer(d.skippedLines)],
        [l10n.t('Duplicate texts'), d.duplicates > 0 ? l10n.t('{0}, each kept in one split', integer(d.duplicates)) : '0'],
        [l10n.t('Warnings'), warnings],
      ]),
    );
    this.training.replaceChildren(
      facts('training-facts', [
        [l10n.t('Model'), r.model],
        [l10n.t('Backend'), r.backend],
        [l10n.t('Training time'), duration(r.seconds)],
        [l10n.t('Speed'), speed(r.tokensPerSecond)],
        [l10n.t('Epochs'), r.bestEpoch > 0 ? l10n.t('{0} completed; weights of {1} kept', r.epochsCompleted, epoch) : l10n.t('{0} completed', r.epochsCompleted)],
        [l10n.t('Learning rate'), r.history ? rate(r.history.learningRate) : '–'],
        [l10n.t('Saved'), when(r.created)],
      ]),
    );
  }
}
