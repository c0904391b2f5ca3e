/**
 * The detail pane of the selected cell: every vector of the cell as bars (a slider over units: click a
 * bar or use the arrow keys), and the cell's arithmetic written out for the chosen unit with the real
 * numbers from the capture (SimpleRNN, LSTM and GRU each in their own notation).
 */
import * as l10n from '@vscode/l10n';
import { CELL_SPECS } from '../../src/core/cells';
import type { CellValues, InspectedModel, UnrolledInspection } from '../../src/core/inspect';
import { scaleColor, type Scales } from '../shared/colorScale';
import { el, setAttr, setText } from '../shared/dom';
import { fmt, showToken, sub } from '../shared/format';
import { cellValue, rowOrder, stripsFor, type StripSpec } from '../shared/inspection';
import { css, type ThemePalette } from '../shared/theme';

/** What the pane shows. */
export interface DetailView {
  inspection: UnrolledInspection | null;
  selected: { t: number; row: number } | null;
  unit: number | null;
}

/** A piece of a formula: text, or a number with a key (data-key) so tests and e2e can read it back. */
type Part = string | { key: string; value: number; paren?: boolean };

const BAR_H = 34;

/** The detail pane component. */
export class DetailPane {
  readonly element: HTMLElement;
  private readonly title: HTMLElement;
  private readonly hint: HTMLElement;
  private readonly bars: HTMLElement;
  private readonly math: HTMLElement;
  private view: DetailView = { inspection: null, selected: null, unit: null };
  private palette: ThemePalette | undefined;
  private scales: Scales | undefined;
  private barRows: { spec: StripSpec; canvas: HTMLCanvasElement; value: HTMLElement }[] = [];
  private barKey = '';
  private barW = 4;

  constructor(private readonly onUnit: (unit: number) => void) {
    this.title = el('h2', { class: 'detail-title', id: 'detail-title' });
    this.hint = el('p', {
      class: 'detail-hint',
      text: l10n.t('Click a cell in the diagram (or focus it and use the arrow keys) to see its vectors and its arithmetic with the real numbers.'),
    });
    this.bars = el('div', {
      class: 'detail-bars',
      tabindex: 0,
      role: 'slider',
      'aria-label': l10n.t('Unit of the selected cell'),
      'aria-valuemin': 0,
    });
    this.bars.addEventListener('keydown', (e) => this.onKey(e));
    this.bars.addEventListener('click', (e) => {
      const canvas = (e.target as HTMLElement).closest('canvas');
      if (!canvas || !this.view.inspection) return;
      const rect = canvas.getBoundingClientRect();
      const unit = Math.floor((e.clientX - rect.left) / this.barW);
      if (unit >= 0 && unit < this.view.inspection.model.hiddenSize) this.onUnit(unit);
    });
    this.math = el('div', { class: 'detail-math', 'aria-live': 'polite' });
    this.element = el('section', { class: 'detail', 'aria-labelledby': 'detail-title' }, this.title, this.hint, this.bars, this.math);
  }

  /** Sets the theme colours; redraws. */
  setTheme(palette: ThemePalette, scales: Scales): void {
    this.palette = palette;
    this.scales = scales;
    this.update(this.view);
  }

  /** Shows the selected cell of an inspection. */
  update(view: DetailView): void {
    this.view = view;
    const inspection = view.inspection;
    const sel = view.selected;
    const T = inspection?.tokens.length ?? 0;
    if (!inspection || !sel || sel.t >= T) {
      setText(this.title, l10n.t('Cell details'));
      this.hint.hidden = false;
      this.bars.hidden = true;
      this.math.replaceChildren();
      this.element.classList.remove('pending');
      return;
    }
    const model = inspection.model;
    const rows = rowOrder(model);
    const row = rows[Math.min(sel.row, rows.length - 1)];
    const H = model.hiddenSize;
    const unit = Math.min(view.unit ?? 0, H - 1);
    const token = inspection.tokens[sel.t];
    const layer = l10n.t('Layer {0} {1}', row.layer + 1, row.direction === 'forward' ? l10n.t('→ forward') : l10n.t('← backward'));
    const tokenText = token.known ? l10n.t('token {0} “{1}”', sel.t + 1, showToken(token.text)) : l10n.t('token {0} “{1}” (unknown)', sel.t + 1, showToken(token.text));
    const unitText = view.unit === null ? l10n.t('unit {0} (choose with the bars)', unit) : l10n.t('unit {0}', unit);
    setText(this.title, `${layer} · ${tokenText} · ${unitText}`);
    this.hint.hidden = true;
    this.bars.hidden = false;
    // The exact values come with the answer that asked for this cell: until it arrives, the numbers of
    // the cell shown before stay, dimmed and marked busy (no layout jump).
    const cell = inspection.cell;
    const pending = !cell || cell.t !== sel.t || cell.layer !== row.layer || cell.direction !== row.direction;
    this.element.classList.toggle('pending', pending);
    setAttr(this.bars, 'aria-busy', String(pending));
    setAttr(this.math, 'aria-busy', String(pending));
    if (pending) return;
    this.drawBars(model, cell, unit);
    this.math.replaceChildren(...this.formulas(inspection, cell, unit));
  }

  private onKey(e: KeyboardEvent): void {
    const H = this.view.inspection?.model.hiddenSize;
    if (!H || !this.view.selected) return;
    const u = this.view.unit ?? 0;
    const next =
      e.key === 'ArrowRight' || e.key === 'ArrowUp'
        ? Math.min(H - 1, this.view.unit === null ? 0 : u + 1)
        : e.key === 'ArrowLeft' || e.key === 'ArrowDown'
          ? Math.max(0, u - 1)
          : e.key === 'Home'
            ? 0
            : e.key === 'End'
              ? H - 1
              : e.key === 'PageUp'
                ? Math.min(H - 1, u + 8)
                : e.key === 'PageDown'
                  ? Math.max(0, u - 8)
                  : undefined;
    if (next === undefined) return;
    e.preventDefault();
    this.onUnit(next);
  }

  private drawBars(model: InspectedModel, cell: CellValues, unit: number): void {
    const H = model.hiddenSize;
    const specs = stripsFor(model.cell);
    const key = `${model.cell}/${H}`;
    this.barW = Math.max(2, Math.min(24, Math.floor(640 / H)));
    if (key !== this.barKey) {
      this.barKey = key;
      this.barRows = specs.map((spec) => {
        const canvas = el('canvas', { class: 'detail-bar-canvas', 'aria-hidden': 'true' });
        const value = el('span', { class: 'detail-bar-value' });
        return { spec, canvas, value };
      });
      this.bars.replaceChildren(
        ...this.barRows.map((r) => el('div', { class: 'detail-bar-row' }, el('span', { class: `detail-bar-label scale-${r.spec.scale}`, title: r.spec.title, text: r.spec.label }), r.canvas, r.value)),
      );
    }
    setAttr(this.bars, 'aria-valuemax', String(H - 1));
    setAttr(this.bars, 'aria-valuenow', String(unit));
    const texts: string[] = [];
    for (const r of this.barRows) {
      const v = cellValue(cell, r.spec, model, unit);
      setText(r.value, `[${unit}] = ${fmt(v)}`);
      r.value.dataset.key = r.spec.key;
      r.value.dataset.value = String(v);
      texts.push(`${r.spec.label} ${fmt(v)}`);
      this.drawBar(r.canvas, r.spec, cell, model, unit);
    }
    setAttr(this.bars, 'aria-valuetext', l10n.t('unit {0}: {1}', unit, texts.join(', ')));
  }

  private drawBar(canvas: HTMLCanvasElement, spec: StripSpec, cell: CellValues, model: InspectedModel, unit: number): void {
    const H = model.hiddenSize;
    const p = this.palette;
    const scales = this.scales;
    if (!p || !scales) return;
    const scale = scales[spec.scale];
    const dpr = window.devicePixelRatio || 1;
    const w = H * this.barW;
    if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(BAR_H * dpr)) {
      canvas.width = Math.round(w * dpr);
      canvas.height = Math.round(BAR_H * dpr);
      canvas.style.width = `${w}px`;
      canvas.style.height = `${BAR_H}px`;
    }
    const ctx = canvas.getContext('2d')!;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, w, BAR_H);
    const base = scale.min < 0 ? BAR_H / 2 : BAR_H - 1;
    const perUnit = scale.min < 0 ? (BAR_H / 2 - 1) / scale.max : BAR_H - 2;
    ctx.fillStyle = css(p.foreground, 0.12);
    ctx.fillRect(unit * this.barW, 0, this.barW, BAR_H);
    const gap = this.barW >= 4 ? 1 : 0;
    for (let j = 0; j < H; j++) {
      const v = cellValue(cell, spec, model, j);
      const clamped = Math.max(scale.min, Math.min(scale.max, v));
      const len = clamped * perUnit;
      ctx.fillStyle = scaleColor(scale, v);
      const y = len >= 0 ? base - len : base;
      ctx.fillRect(j * this.barW, y, this.barW - gap, Math.max(1, Math.abs(len)));
    }
    ctx.strokeStyle = css(p.border);
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.moveTo(0, Math.floor(base) + 0.5);
    ctx.lineTo(w, Math.floor(base) + 0.5);
    ctx.stroke();
    ctx.strokeStyle = css(p.foreground);
    ctx.strokeRect(unit * this.barW + 0.5, 0.5, this.barW - 1, BAR_H - 1);
  }

  /** The arithmetic of the cell for one unit, as lines of text with numbered spans. */
  private formulas(inspection: UnrolledInspection, d: CellValues, j: number): HTMLElement[] {
    const model = inspection.model;
    const H = model.hiddenSize;
    const T = inspection.tokens.length;
    const t = d.t;
    const forward = d.direction === 'forward';
    const prevT = forward ? t - 1 : t + 1;
    const hasPrev = prevT >= 0 && prevT < T;
    const k = t + 1;
    const kp = forward ? t : t + 2;
    const gate = (g: number) => d.gates[g * H + j];
    const pre = (g: number) => d.pre[g * H + j];
    const hPrev = d.hPrev[j];
    const h = d.h[j];
    const lines: HTMLElement[] = [];
    const S = CELL_SPECS[model.cell].stateSymbol;
    const x = S === 'S' ? 'X' : 'x';
    const token = inspection.tokens[t];
    const input =
      d.layer === 0
        ? `${x}${sub(k)} = ${token.known ? l10n.t('the embedding of “{0}”', showToken(token.text)) : l10n.t('the embedding of “{0}” (unknown: <unk>)', showToken(token.text))}`
        : `${x}${sub(k)} = ${l10n.t('{0} of layer {1}', model.bidirectional ? `[h→${sub(k)}; h←${sub(k)}]` : `h${sub(k)}`, d.layer)}`;
    lines.push(line('input', [input]));
    const prevParts: Part[] = hasPrev
      ? [`${S}${sub(kp)} = `, { key: 'h-prev', value: hPrev }]
      : [`${S}${sub(kp)} = `, { key: 'h-prev', value: 0 }, ` ${forward ? l10n.t('(the forward pass starts from zeros)') : l10n.t('(the backward pass starts from zeros)')}`];
    if (model.cell === 'lstm') {
      const cPrev = d.cPrev ? d.cPrev[j] : 0;
      prevParts.push(', ', `c${sub(kp)} = `, { key: 'c-prev', value: cPrev });
      lines.push(line('prev', prevParts));
      const names = [
        ['i', 'i', 'σ'],
        ['f', 'f', 'σ'],
        ['cc', 'c̃', 'tanh'],
        ['o', 'o', 'σ'],
      ] as const;
      names.forEach(([key, name, fn], g) => {
        const sym = name === 'c̃' ? 'c' : name;
        lines.push(
          line(`gate-${key}`, [`${name}${sub(k)} = ${fn}(W_${sym}·x${sub(k)} + U_${sym}·h${sub(kp)} + b_${sym}) = ${fn}(`, { key: `pre-${key}`, value: pre(g) }, ') = ', { key, value: gate(g) }]),
        );
      });
      const i = gate(0);
      const f = gate(1);
      const cc = gate(2);
      const o = gate(3);
      const c = d.c ? d.c[j] : 0;
      lines.push(
        line('cell', [
          `c${sub(k)} = f⊙c${sub(kp)} + i⊙c̃ = `,
          { key: 'f', value: f },
          ' × ',
          { key: 'c-prev', value: cPrev, paren: true },
          ' + ',
          { key: 'i', value: i },
          ' × ',
          { key: 'cc', value: cc, paren: true },
          ' = ',
          { key: 'f*c-prev', value: f * cPrev },
          ' + ',
          { key: 'i*cc', value: i * cc, paren: true },
          ' = ',
          { key: 'c', value: c },
        ]),
      );
      lines.push(
        line('hidden', [
          `h${sub(k)} = o⊙tanh(c${sub(k)}) = `,
          { key: 'o', value: o },
          ' × tanh(',
          { key: 'c', value: c },
          ') = ',
          { key: 'o', value: o },
          ' × ',
          { key: 'tanh-c', value: Math.tanh(c), paren: true },
          ' = ',
          { key: 'h', value: h },
        ]),
      );
    } else if (model.cell === 'gru') {
      lines.push(line('prev', prevParts));
      const z = gate(0);
      const r = gate(1);
      const hh = gate(2);
      lines.push(line('gate-z', [`z${sub(k)} = σ(W_z·x${sub(k)} + U_z·h${sub(kp)} + b_z) = σ(`, { key: 'pre-z', value: pre(0) }, ') = ', { key: 'z', value: z }]));
      lines.push(line('gate-r', [`r${sub(k)} = σ(W_r·x${sub(k)} + U_r·h${sub(kp)} + b_r) = σ(`, { key: 'pre-r', value: pre(1) }, ') = ', { key: 'r', value: r }]));
      lines.push(
        line('gate-hh', [`h̃${sub(k)} = tanh(W_h·x${sub(k)} + U_h·(r${sub(k)}⊙h${sub(kp)}) + b_h) = tanh(`, { key: 'pre-hh', value: pre(2) }, ') = ', { key: 'hh', value: hh }]),
      );
      lines.push(
        line('hidden', [
          `h${sub(k)} = z⊙h${sub(kp)} + (1 − z)⊙h̃ = `,
          { key: 'z', value: z },
          ' × ',
          { key: 'h-prev', value: hPrev, paren: true },
          ' + ',
          { key: '1-z', value: 1 - z },
          ' × ',
          { key: 'hh', value: hh, paren: true },
          ' = ',
          { key: 'z*h-prev', value: z * hPrev },
          ' + ',
          { key: '(1-z)*hh', value: (1 - z) * hh, paren: true },
          ' = ',
          { key: 'h', value: h },
        ]),
      );
    } else {
      lines.push(line('prev', prevParts));
      lines.push(line('hidden', [`S${sub(k)} = tanh(W·X${sub(k)} + H·S${sub(kp)} + b) = tanh(`, { key: 'pre', value: pre(0) }, ') = ', { key: 'h', value: h }]));
    }
    return lines;
  }
}

function line(name: string, parts: Part[]): HTMLElement {
  const node = el('div', { class: 'math-line', 'data-line': name });
  for (const part of parts) {
    if (typeof part === 'string') node.append(part);
    else {
      const text = fmt(part.value);
      node.append(el('span', { class: 'num', 'data-key': part.key, 'data-value': String(part.value), text: part.paren && part.value < 0 ? `(${text})` : text }));
    }
  }
  return node;
}
