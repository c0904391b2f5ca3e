/**
 * The confusion matrix as a coloured grid (rows: true class, columns: predicted; each cell's colour is
 * its share of the row, blue on the diagonal, red off it, in the theme's chart colours), navigable with
 * the arrow keys, and the list of misclassified validation lines of the selected cell, each with an
 * "Open" action that shows the line in its document.
 */
import * as l10n from '@vscode/l10n';
import type { Misclassified, TrainingReport } from '../../src/shared/trainingView';
import { el, setText } from '../shared/dom';
import { pct } from '../shared/format';
import { css, mix, type Rgb, type ThemePalette } from '../shared/theme';
import { integer } from './format';

/** The relative luminance of a colour (WCAG). */
function luminance(c: Rgb): number {
  const f = (v: number) => {
    const x = v / 255;
    return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b);
}

/** The WCAG contrast ratio of two colours. */
function contrast(a: Rgb, b: Rgb): number {
  const [x, y] = [luminance(a), luminance(b)];
  return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05);
}

/** The least mix of a non-empty cell (so 1 of 1,000 still shows) and the most (a row of one cell). */
const MIX_MIN = 0.12;
const MIX_MAX = 0.9;

/**
 * How far towards `hue` the cells may go and keep their text legible: the largest mix (at most MIX_MAX)
 * up to which the theme's foreground or background reads on every fill at 4.5:1 (a mid-tone chart colour
 * allows less: between a light and a dark fill both text colours may fall short).
 */
export function mixCap(p: ThemePalette, hue: Rgb): number {
  let cap = MIX_MIN;
  for (let t = MIX_MIN; t <= MIX_MAX + 1e-9; t += 0.01) {
    const fill = mix(p.background, hue, t);
    if (Math.max(contrast(fill, p.foreground), contrast(fill, p.background)) < 4.5) break;
    cap = t;
  }
  return Math.max(cap, 0.3);
}

/** The fill of a cell: the background for an empty cell, else mixed towards the hue (blue correct, red wrong) by the square root of its share of the row. */
export function cellColor(p: ThemePalette, diagonal: boolean, count: number, share: number, caps: { correct: number; error: number }): Rgb {
  if (count === 0) return p.background;
  const hue = diagonal ? p.classes[0] : p.classes[4];
  const cap = diagonal ? caps.correct : caps.error;
  // The square root spreads the small shares (the errors of a good model are a few percent of a row each).
  return mix(p.background, hue, MIX_MIN + (cap - MIX_MIN) * Math.sqrt(Math.max(0, Math.min(1, share))));
}

/** The confusion grid of one split. */
export class ConfusionGrid {
  readonly element: HTMLElement;
  private readonly table: HTMLTableElement;
  private readonly caption: HTMLElement;
  private cells: HTMLTableCellElement[][] = [];
  private matrix: number[][] = [];
  private classes: string[] = [];
  private focus = { i: 0, j: 0 };
  private selected: { i: number; j: number } | null = null;
  private palette: ThemePalette | undefined;

  constructor(private readonly onSelect: (i: number, j: number) => void) {
    this.caption = el('caption', { class: 'visually-hidden' });
    this.table = el('table', { class: 'confusion', role: 'grid' });
    this.table.addEventListener('keydown', (e) => this.onKey(e));
    this.element = el(
      'div',
      { class: 'confusion-wrap' },
      this.table,
      el('p', { class: 'confusion-legend muted' }, el('span', { class: 'swatch swatch-correct', 'aria-hidden': 'true' }), l10n.t('correct'), el('span', { class: 'swatch swatch-error', 'aria-hidden': 'true' }), l10n.t('misclassified'), ' · ', l10n.t('Rows: true class; columns: predicted class. The colour is the share of the row; arrow keys move, Enter lists the lines of a cell.')),
    );
  }

  /** Shows a matrix (confusion[true][predicted]). */
  show(classes: string[], matrix: number[][], caption: string): void {
    this.classes = classes;
    this.matrix = matrix;
    this.selected = null;
    this.focus = { i: 0, j: Math.min(1, classes.length - 1) };
    setText(this.caption, caption);
    const K = classes.length;
    const head = el(
      'tr',
      {},
      el('th', { class: 'corner', scope: 'col' }, el('span', { class: 'corner-true', text: l10n.t('true ↓') }), el('span', { class: 'corner-pred', text: l10n.t('predicted →') })),
      ...classes.map((c) => el('th', { scope: 'col', class: 'col-head', title: c, text: c })),
    );
    this.cells = [];
    const rows = classes.map((c, i) => {
      const total = matrix[i]?.reduce((a, b) => a + b, 0) ?? 0;
      const cells = classes.map((p, j) => {
        const count = matrix[i]?.[j] ?? 0;
        const share = total > 0 ? count / total : 0;
        const label =
          i === j
            ? l10n.t('true {0}, predicted {1}: {2} of {3} ({4}), correct', c, p, count, total, pct(share))
            : l10n.t('true {0}, predicted {1}: {2} of {3} ({4}), misclassified', c, p, count, total, pct(share));
        const td = el(
          'td',
          {
            class: i === j ? 'cell diagonal' : 'cell',
            tabindex: -1,
            'aria-label': label,
            'aria-selected': 'false',
            'data-true': i,
            'data-pred': j,
            'data-count': count,
            'data-share': share.toFixed(4),
          },
          el('span', { class: 'cell-count', text: integer(count) }),
          el('span', { class: 'cell-share', text: total > 0 ? pct(share) : '–' }),
        );
        td.addEventListener('click', () => {
          this.moveFocus(i, j);
          this.select(i, j);
        });
        return td;
      });
      this.cells.push(cells);
      return el('tr', {}, el('th', { scope: 'row', class: 'row-head', title: c, text: c }), ...cells);
    });
    this.table.replaceChildren(this.caption, el('thead', {}, head), el('tbody', {}, ...rows));
    this.table.dataset.classes = String(K);
    if (K > 0) this.cells[this.focus.i][this.focus.j].tabIndex = 0;
    this.paint();
  }

  /** Sets the theme and recolours. */
  setTheme(palette: ThemePalette): void {
    this.palette = palette;
    this.paint();
  }

  /** Selects a cell (and tells the owner). */
  select(i: number, j: number): void {
    const previous = this.selected ? this.cells[this.selected.i]?.[this.selected.j] : undefined;
    previous?.setAttribute('aria-selected', 'false');
    previous?.classList.remove('selected');
    this.selected = { i, j };
    const td = this.cells[i]?.[j];
    if (!td) return;
    td.setAttribute('aria-selected', 'true');
    td.classList.add('selected');
    this.onSelect(i, j);
  }

  private paint(): void {
    const p = this.palette;
    if (!p) return;
    const caps = { correct: mixCap(p, p.classes[0]), error: mixCap(p, p.classes[4]) };
    this.table.dataset.mix = `${MIX_MIN} ${caps.correct.toFixed(2)} ${caps.error.toFixed(2)}`;
    this.cells.forEach((row, i) => {
      const total = this.matrix[i]?.reduce((a, b) => a + b, 0) ?? 0;
      row.forEach((td, j) => {
        const count = this.matrix[i]?.[j] ?? 0;
        const fill = cellColor(p, i === j, count, total > 0 ? count / total : 0, caps);
        td.style.backgroundColor = css(fill);
        // Text in whichever of the theme's two colours reads better on the fill.
        td.style.color = css(contrast(fill, p.foreground) >= contrast(fill, p.background) ? p.foreground : p.background);
      });
    });
  }

  private moveFocus(i: number, j: number): void {
    const K = this.classes.length;
    if (K === 0) return;
    i = Math.max(0, Math.min(K - 1, i));
    j = Math.max(0, Math.min(K - 1, j));
    this.cells[this.focus.i][this.focus.j].tabIndex = -1;
    this.focus = { i, j };
    const td = this.cells[i][j];
    td.tabIndex = 0;
    td.focus();
  }

  private onKey(e: KeyboardEvent): void {
    const { i, j } = this.focus;
    const K = this.classes.length;
    const ctrl = e.ctrlKey || e.metaKey;
    const moves: Record<string, [number, number]> = {
      ArrowUp: [i - 1, j],
      ArrowDown: [i + 1, j],
      ArrowLeft: [i, j - 1],
      ArrowRight: [i, j + 1],
      Home: ctrl ? [0, 0] : [i, 0],
      End: ctrl ? [K - 1, K - 1] : [i, K - 1],
    };
    if (e.key in moves) {
      e.preventDefault();
      this.moveFocus(...moves[e.key]);
    } else if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      this.select(i, j);
    }
  }
}

/** What "Open" on a line answers. */
export type OpenLine = (line: number) => Promise<{ opened: boolean; reason?: string }>;

/** Rows listed before "Show all". */
const FIRST_ROWS = 100;

/** The misclassified validation lines of a confusion cell. */
export class MisclassifiedList {
  readonly element: HTMLElement;
  private readonly title: HTMLElement;
  private readonly body: HTMLElement;
  /** Says what a selection lists (the list itself is not a live region: it may hold a hundred rows). */
  private readonly status: HTMLElement;

  constructor(private readonly open: OpenLine) {
    this.title = el('h3', { class: 'mis-title', id: 'mis-title', text: l10n.t('Misclassified lines') });
    this.body = el('div', { class: 'mis-body' });
    this.status = el('p', { class: 'visually-hidden', role: 'status', id: 'mis-status' });
    this.element = el('section', { class: 'misclassified', id: 'misclassified', 'aria-labelledby': 'mis-title' }, this.title, this.body, this.status);
    this.hint();
    let queued = false;
    new ResizeObserver(() => {
      if (queued) return;
      queued = true;
      requestAnimationFrame(() => {
        queued = false;
        this.markCut();
      });
    }).observe(this.body);
  }

  /** Shows the "more" toggle of the texts cut at the panel's width (and of those expanded). */
  private markCut(): void {
    this.body.querySelectorAll<HTMLElement>('.mis-text').forEach((text) => {
      const toggle = text.parentElement?.querySelector<HTMLElement>('.mis-expand');
      if (toggle) toggle.hidden = !text.classList.contains('expanded') && text.scrollWidth <= text.clientWidth + 1;
    });
  }

  /** Before any cell is selected. */
  hint(text = l10n.t('Select a cell off the diagonal of the confusion matrix (click it, or move to it with the arrow keys and press Enter) to list its validation lines.')): void {
    setText(this.title, l10n.t('Misclassified lines'));
    this.body.replaceChildren(el('p', { class: 'muted mis-hint', text }));
    setText(this.status, '');
  }

  /** Lists the lines of true class i predicted as j. */
  show(report: TrainingReport, confusion: number[][], i: number, j: number): void {
    const classes = report.classes;
    const count = confusion[i]?.[j] ?? 0;
    setText(this.title, l10n.t('True {0}, predicted {1}', classes[i], classes[j]));
    if (i === j) {
      this.finish([el('p', { class: 'mis-note mis-correct', text: l10n.t('These {0} lines of {1} are correct predictions: nothing to list.', integer(count), classes[i]) })]);
      return;
    }
    if (count === 0) {
      this.finish([el('p', { class: 'mis-note', text: l10n.t('No validation line of {0} was predicted as {1}.', classes[i], classes[j]) })]);
      return;
    }
    if (!report.misclassified) {
      this.finish([el('p', { class: 'mis-note', text: l10n.t('{0} validation lines, but this model was saved before misclassified lines were kept.', integer(count)) })]);
      return;
    }
    const entries = report.misclassified.filter((m) => m.label === i && m.predicted === j).sort((a, b) => b.probability - a.probability);
    const parts: HTMLElement[] = [
      el('p', { class: 'mis-summary muted', text: count === 1 ? l10n.t('1 validation line; the model’s probability of {0}.', classes[j]) : l10n.t('{0} validation lines, most confident first; the model’s probability of {1}.', integer(count), classes[j]) }),
    ];
    if (!report.linesOpenable && entries.some((m) => m.line !== undefined)) parts.push(el('p', { class: 'mis-note', text: l10n.t('Lines cannot be opened: the source document is not open, or it changed since training.') }));
    const tbody = el('tbody');
    const table = el(
      'table',
      { class: 'data-table mis-table' },
      el('caption', { class: 'visually-hidden', text: l10n.t('Validation lines of {0} predicted as {1}', classes[i], classes[j]) }),
      el('thead', {}, el('tr', {}, el('th', { scope: 'col', class: 'mis-line num', text: l10n.t('Line') }), el('th', { scope: 'col', text: l10n.t('Text') }), el('th', { scope: 'col', class: 'num mis-prob', text: l10n.t('Probability') }), el('th', { scope: 'col', class: 'mis-action', text: l10n.t('Action') }))),
      tbody,
    );
    const addRows = (from: number, to: number) => tbody.append(...entries.slice(from, to).map((m) => this.row(m, report.linesOpenable)));
    addRows(0, FIRST_ROWS);
    parts.push(table);
    if (entries.length > FIRST_ROWS) {
      const more = el('vscode-button', { secondary: true, class: 'mis-more', text: l10n.t('Show all {0}', integer(entries.length)) });
      more.addEventListener('click', () => {
        addRows(FIRST_ROWS, entries.length);
        more.remove();
      });
      parts.push(more);
    }
    if (count > entries.length) parts.push(el('p', { class: 'mis-not-kept muted', text: l10n.t('{0} more not kept', integer(count - entries.length)) }));
    this.finish(parts);
    this.markCut();
  }

  private finish(parts: HTMLElement[]): void {
    this.body.replaceChildren(...parts);
    setText(this.status, `${this.title.textContent}. ${parts[0]?.textContent ?? ''}`);
  }

  private row(m: Misclassified, openable: boolean): HTMLElement {
    const text = el('span', { class: 'mis-text', title: m.text, text: m.text });
    const textCell = el('td', { class: 'mis-text-cell' }, text);
    // The whole text is in the page (screen readers read it, the tooltip shows it); "more" shows a cut one whole.
    const toggle = el('button', { type: 'button', class: 'link-button mis-expand', 'aria-expanded': 'false', hidden: true, text: l10n.t('more') });
    toggle.addEventListener('click', () => {
      const expanded = !text.classList.contains('expanded');
      text.classList.toggle('expanded', expanded);
      toggle.setAttribute('aria-expanded', String(expanded));
      setText(toggle, expanded ? l10n.t('less') : l10n.t('more'));
    });
    textCell.append(toggle);
    const action = el('td', { class: 'mis-action' });
    if (m.line !== undefined && openable) {
      const line = m.line;
      const button = el('vscode-button', { secondary: true, class: 'open-line', icon: 'go-to-file', 'data-line': line, text: l10n.t('Open'), 'aria-label': l10n.t('Open line {0} in its document', line), title: l10n.t('Open line {0} in its document', line) });
      button.addEventListener('click', () => {
        if (button.hasAttribute('disabled')) return;
        button.setAttribute('disabled', '');
        textCell.querySelector('.mis-reason')?.remove();
        this.open(line).then(
          (result) => {
            if (!result.opened) textCell.append(el('div', { class: 'mis-reason', role: 'status', text: result.reason || l10n.t('Line {0} could not be opened.', line) }));
          },
          (err: unknown) => textCell.append(el('div', { class: 'mis-reason', role: 'status', text: err instanceof Error ? err.message : String(err) })),
        ).finally(() => button.removeAttribute('disabled'));
      });
      action.append(button);
    }
    return el(
      'tr',
      { class: 'mis-row', 'data-line': m.line ?? '' },
      el('td', { class: 'mis-line num', text: m.line !== undefined ? String(m.line) : '–', title: m.line === undefined ? l10n.t('line not known') : undefined }),
      textCell,
      el('td', { class: 'num mis-prob', text: pct(m.probability) }),
      action,
    );
  }
}
