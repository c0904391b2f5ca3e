/**
 * The training panel's line charts: a small SVG chart of the project's own rather than a charting
 * library. Why: no new dependency (package.json stays as it is, nothing more to bundle or keep up to
 * date); SVG strokes and text take their colours from CSS classes over the --vscode-* variables
 * (media/training.css), so light, dark and high-contrast themes, dash patterns and thicker high-contrast
 * lines apply without a redraw; the text is real text; the chart is focusable, with a keyboard cursor
 * and a readout line, and carries a table of its numbers for screen readers ("Show as table" shows it).
 * It is cheap enough for 4,000 batch points: each series is one <path> whose `d` is built in one pass
 * (dots are zero-length round-capped segments, so thousands of dots are still one element), and a
 * redraw replaces a few dozen elements; the panel coalesces redraws to one per animation frame.
 */
import * as l10n from '@vscode/l10n';
import { el, setAttr, setText } from '../shared/dom';

const SVG_NS = 'http://www.w3.org/2000/svg';

/** Creates an SVG element with attributes (presentation attributes and classes only: no style attribute, which the CSP forbids). */
function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number> = {}, text?: string): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

/** One series: points (x ascending) drawn as a line (gaps at non-finite y), dots, or both. */
export interface ChartSeries {
  /** Names the series in the page (data-series). */
  key: string;
  label: string;
  /** The CSS class that colours it (media/training.css: c-train, c-val, …). */
  className: string;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  draw: 'line' | 'dots' | 'both';
  /** False: not in the legend (e.g. the raw points under their smoothed line). */
  legend?: boolean;
}

/** A vertical marker with a label (the best epoch). */
export interface ChartMarker {
  key: string;
  x: number;
  label: string;
  className: string;
}

/** The chart's numbers as a table (its text alternative). */
export interface ChartTable {
  columns: string[];
  rows: string[][];
  note?: string;
}

/** What a chart shows. */
export interface ChartData {
  x: [number, number];
  y: [number, number];
  series: ChartSeries[];
  markers?: ChartMarker[];
  /** The series the cursor walks (its index in `series`; default 0). */
  cursor?: number;
  /** Said in place of the drawing while there is nothing to draw. */
  empty?: string;
  /** What the chart says now, for its aria-label after the title. */
  summary: string;
  table: ChartTable;
}

/** How a chart is labelled and read. */
export interface ChartOptions {
  id: string;
  title: string;
  /** Height of the drawing in CSS pixels. */
  height: number;
  xTitle: string;
  xFormat: (x: number) => string;
  yFormat: (y: number) => string;
  /** Only whole-number x ticks (epochs). */
  integerX?: boolean;
  /** The readout of point `index` of the cursor series. */
  describe: (index: number) => string;
  /** The readout while no point is under the cursor. */
  hint: string;
}

const MARGIN = { left: 50, right: 14, top: 16, bottom: 26 };

/** Round tick values covering [min, max], about `count` of them (1, 2, 5 × 10ⁿ steps). */
export function niceTicks(min: number, max: number, count: number, integer = false): number[] {
  const span = max - min;
  if (!(span > 0) || !Number.isFinite(span)) return [min];
  const raw = span / Math.max(1, count);
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / magnitude;
  let step = (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * magnitude;
  if (integer) step = Math.max(1, Math.round(step));
  const out: number[] = [];
  for (let v = Math.ceil(min / step - 1e-9) * step; v <= max + step * 1e-9; v += step) out.push(Number(v.toFixed(10)));
  return out;
}

/** A round upper bound of a domain above `max` (for losses and speeds, which start at 0). */
export function niceMax(max: number): number {
  if (!(max > 0) || !Number.isFinite(max)) return 1;
  const ticks = niceTicks(0, max * 1.04, 4);
  const step = ticks.length > 1 ? ticks[1] - ticks[0] : max;
  return Math.ceil((max * 1.04) / step - 1e-9) * step;
}

/** The index of the point of `xs` (ascending) nearest to `x`. */
function nearest(xs: ArrayLike<number>, x: number): number {
  let lo = 0;
  let hi = xs.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (xs[mid] < x) lo = mid;
    else hi = mid;
  }
  return Math.abs(xs[hi] - x) < Math.abs(xs[lo] - x) ? hi : lo;
}

/** A line chart with a legend, a readout line and a table of its numbers. */
export class LineChart {
  readonly element: HTMLElement;
  /** The SVG (focusable: arrows move the cursor). */
  readonly svg: SVGSVGElement;
  readonly readout: HTMLElement;
  private readonly plot: HTMLElement;
  private readonly legend: HTMLElement;
  private readonly tableWrap: HTMLElement;
  private readonly toggle: HTMLButtonElement;
  private readonly layer: SVGGElement;
  private readonly cursorLayer: SVGGElement;
  private readonly emptyText: HTMLElement;
  private data: ChartData | undefined;
  private tableKey = '';
  private legendKey = '';
  private cursor: number | null = null;
  private pointer = false;
  private focused = false;
  private scale: { sx: (x: number) => number; sy: (y: number) => number; inverse: (px: number) => number } | undefined;
  private draws = 0;

  constructor(private readonly options: ChartOptions) {
    const { id, title } = options;
    this.svg = svg('svg', { class: 'chart-svg', role: 'img', tabindex: 0, 'aria-label': title, 'aria-describedby': `${id}-readout`, height: options.height });
    this.layer = svg('g', { class: 'chart-layer' });
    this.cursorLayer = svg('g', { class: 'chart-cursor', 'aria-hidden': 'true' });
    this.svg.append(svg('title', {}, title), this.layer, this.cursorLayer);
    this.emptyText = el('div', { class: 'chart-empty', hidden: true });
    this.plot = el('div', { class: 'chart-plot' }, this.svg, this.emptyText);
    this.legend = el('ul', { class: 'chart-legend', 'aria-label': l10n.t('Legend of {0}', title) });
    this.readout = el('div', { class: 'chart-readout', id: `${id}-readout`, 'aria-live': 'polite', text: options.hint });
    this.tableWrap = el('div', { class: 'chart-table visually-hidden', id: `${id}-table` });
    this.toggle = el('button', { type: 'button', class: 'link-button chart-table-toggle', 'aria-expanded': 'false', 'aria-controls': `${id}-table`, text: l10n.t('Show as table') });
    this.toggle.addEventListener('click', () => this.showTable(this.toggle.getAttribute('aria-expanded') !== 'true'));
    this.element = el(
      'figure',
      { class: 'chart', id, 'data-draws': 0 },
      el('div', { class: 'chart-head' }, el('figcaption', { class: 'chart-title', text: title }), this.legend),
      this.plot,
      el('div', { class: 'chart-foot' }, this.readout, this.toggle),
      this.tableWrap,
    );
    this.svg.addEventListener('pointermove', (e) => this.onPointer(e));
    this.svg.addEventListener('pointerleave', () => {
      this.pointer = false;
      if (!this.focused) this.setCursor(null);
    });
    this.svg.addEventListener('focus', () => {
      this.focused = true;
      const n = this.cursorLength();
      if (n > 0) this.setCursor(this.cursor ?? n - 1);
    });
    this.svg.addEventListener('blur', () => {
      this.focused = false;
      if (!this.pointer) this.setCursor(null);
    });
    this.svg.addEventListener('keydown', (e) => this.onKey(e));
    new ResizeObserver(() => this.draw()).observe(this.plot);
  }

  /** Shows or hides the table of numbers (it is always there for screen readers). */
  showTable(shown: boolean): void {
    this.toggle.setAttribute('aria-expanded', String(shown));
    setText(this.toggle, shown ? l10n.t('Hide table') : l10n.t('Show as table'));
    this.tableWrap.classList.toggle('visually-hidden', !shown);
  }

  /** Sets what the chart shows and draws it. */
  setData(data: ChartData): void {
    this.data = data;
    setAttr(this.svg, 'aria-label', `${this.options.title}: ${data.summary}`);
    this.updateLegend(data);
    this.updateTable(data);
    const n = this.cursorLength();
    if (this.cursor !== null) this.cursor = n > 0 ? Math.min(this.cursor, n - 1) : null;
    this.draw();
  }

  /** How many times the drawing was made (for tests: a redraw per data change or resize). */
  get drawCount(): number {
    return this.draws;
  }

  private cursorSeries(): ChartSeries | undefined {
    return this.data?.series[this.data.cursor ?? 0];
  }

  private cursorLength(): number {
    return this.cursorSeries()?.x.length ?? 0;
  }

  private updateLegend(data: ChartData): void {
    const shown = data.series.filter((s) => s.legend !== false);
    const key = shown.map((s) => `${s.className}:${s.label}:${s.draw}`).join('|') + (data.markers ?? []).map((m) => m.className).join('|');
    if (key === this.legendKey) return;
    this.legendKey = key;
    const item = (className: string, label: string, draw: ChartSeries['draw'] | 'marker') => {
      const swatch = svg('svg', { class: 'chart-swatch', width: 18, height: 10, 'aria-hidden': 'true' });
      if (draw === 'marker') swatch.append(svg('line', { class: `marker-line ${className}`, x1: 9, x2: 9, y1: 0, y2: 10 }));
      if (draw === 'line' || draw === 'both') swatch.append(svg('line', { class: `series-line ${className}`, x1: 1, x2: 17, y1: 5, y2: 5 }));
      if (draw === 'dots' || draw === 'both') swatch.append(svg('path', { class: `series-dots ${className}`, d: 'M9 5h0' }));
      return el('li', { class: 'chart-legend-item' }, swatch, el('span', { text: label }));
    };
    this.legend.replaceChildren(...shown.map((s) => item(s.className, s.label, s.draw)));
  }

  private updateTable(data: ChartData): void {
    const { columns, rows, note } = data.table;
    const key = `${columns.join('\u0001')}\u0002${rows.map((r) => r.join('\u0001')).join('\u0002')}\u0003${note ?? ''}`;
    if (key === this.tableKey) return;
    this.tableKey = key;
    const table = el(
      'table',
      { class: 'data-table' },
      el('caption', { text: this.options.title }),
      el('thead', {}, el('tr', {}, ...columns.map((c) => el('th', { scope: 'col', text: c })))),
      el('tbody', {}, ...rows.map((r) => el('tr', {}, ...r.map((v, i) => (i === 0 ? el('th', { scope: 'row', text: v }) : el('td', { text: v })))))),
    );
    this.tableWrap.replaceChildren(table, ...(note ? [el('p', { class: 'muted table-note', text: note })] : []));
  }

  /** Draws the whole chart at the plot's current width. */
  draw(): void {
    const data = this.data;
    const width = Math.floor(this.plot.clientWidth);
    if (!data || width < 60) return;
    this.draws++;
    this.element.dataset.draws = String(this.draws);
    const { height, integerX, xFormat, yFormat } = this.options;
    const empty = data.empty !== undefined;
    this.emptyText.hidden = !empty;
    setText(this.emptyText, data.empty ?? '');
    this.svg.setAttribute('width', String(width));
    this.svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
    const [x0, x1raw] = data.x;
    const x1 = x1raw > x0 ? x1raw : x0 + 1;
    const [y0, y1raw] = data.y;
    const y1 = y1raw > y0 ? y1raw : y0 + 1;
    const left = MARGIN.left;
    const top = MARGIN.top;
    const pw = Math.max(10, width - MARGIN.left - MARGIN.right);
    const ph = Math.max(10, height - MARGIN.top - MARGIN.bottom);
    const sx = (x: number) => left + ((x - x0) / (x1 - x0)) * pw;
    const sy = (y: number) => top + (1 - (y - y0) / (y1 - y0)) * ph;
    this.scale = { sx, sy, inverse: (px) => x0 + ((px - left) / pw) * (x1 - x0) };

    const parts: SVGElement[] = [];
    // Grid and axes: horizontal lines at the y ticks, labels left; x ticks below.
    const grid = svg('g', { class: 'chart-grid' });
    const labels = svg('g', { class: 'chart-labels' });
    // No y scale while there is nothing to read on it.
    for (const v of empty ? [] : niceTicks(y0, y1, Math.max(2, Math.floor(ph / 34)))) {
      const y = sy(v).toFixed(1);
      grid.append(svg('line', { x1: left, x2: left + pw, y1: y, y2: y }));
      labels.append(svg('text', { x: left - 6, y, 'text-anchor': 'end', 'dominant-baseline': 'middle' }, yFormat(v)));
    }
    for (const v of niceTicks(x0, x1, Math.max(2, Math.floor(pw / 64)), integerX)) {
      const x = sx(v).toFixed(1);
      if (v > x0) grid.append(svg('line', { class: 'chart-vgrid', x1: x, x2: x, y1: top, y2: top + ph }));
      grid.append(svg('line', { class: 'chart-xtick', x1: x, x2: x, y1: top + ph, y2: top + ph + 4 }));
      labels.append(svg('text', { x, y: top + ph + 16, 'text-anchor': 'middle' }, xFormat(v)));
    }
    // The x axis's name where the y labels end, on the row of the x labels.
    labels.append(svg('text', { class: 'chart-axis-title', x: left - 10, y: top + ph + 16, 'text-anchor': 'end' }, this.options.xTitle));
    parts.push(grid, svg('line', { class: 'chart-axis', x1: left, x2: left + pw, y1: top + ph, y2: top + ph }), labels);

    if (!empty) {
      const clipId = `${this.options.id}-clip`;
      const clip = svg('clipPath', { id: clipId });
      clip.append(svg('rect', { x: left - 4, y: top - 4, width: pw + 8, height: ph + 8 }));
      parts.push(clip);
      const series = svg('g', { class: 'chart-series', 'clip-path': `url(#${clipId})` });
      for (const s of data.series) {
        if (s.draw !== 'dots') {
          const { d, n } = linePath(s.x, s.y, sx, sy, false);
          series.append(svg('path', { class: `series-line ${s.className}`, d, 'data-series': s.key, 'data-points': n }));
        }
        if (s.draw !== 'line') {
          const { d, n } = linePath(s.x, s.y, sx, sy, true);
          series.append(svg('path', { class: `series-dots ${s.className}`, d, 'data-series': s.key, 'data-points': n }));
        }
      }
      parts.push(series);
      for (const m of data.markers ?? []) {
        if (!(m.x >= x0 && m.x <= x1)) continue;
        const x = sx(m.x);
        const g = svg('g', { class: 'chart-marker', 'data-marker': m.key, 'data-x': m.x });
        g.append(svg('line', { class: `marker-line ${m.className}`, x1: x.toFixed(1), x2: x.toFixed(1), y1: top - 2, y2: top + ph }));
        const right = x + 6 + m.label.length * 6.5 < left + pw;
        g.append(svg('text', { class: 'marker-label', x: (right ? x + 4 : x - 4).toFixed(1), y: top - 5, 'text-anchor': right ? 'start' : 'end' }, m.label));
        parts.push(g);
      }
    }
    this.layer.replaceChildren(...parts);
    this.drawCursor();
  }

  private drawCursor(): void {
    const s = this.cursorSeries();
    const i = this.cursor;
    if (!this.scale || !s || i === null || i >= s.x.length || this.data?.empty !== undefined) {
      this.cursorLayer.replaceChildren();
      if (!this.pointer && !this.focused) setText(this.readout, this.options.hint);
      return;
    }
    const { sx, sy } = this.scale;
    const x = sx(s.x[i]).toFixed(1);
    const [ya, yb] = [sy(this.data!.y[1]), sy(this.data!.y[0])];
    const nodes: SVGElement[] = [svg('line', { class: 'cursor-line', x1: x, x2: x, y1: ya.toFixed(1), y2: yb.toFixed(1) })];
    for (const series of this.data!.series) {
      // A dot on every series that has a point at the cursor's x.
      if (series.legend === false) continue;
      const j = series === s ? i : series.x.length ? nearest(series.x, s.x[i]) : -1;
      if (j < 0 || Math.abs(series.x[j] - s.x[i]) > 1e-9 || !Number.isFinite(series.y[j])) continue;
      nodes.push(svg('circle', { class: `cursor-dot ${series.className}`, cx: x, cy: sy(series.y[j]).toFixed(1), r: 3.5 }));
    }
    this.cursorLayer.replaceChildren(...nodes);
    this.cursorLayer.dataset.index = String(i);
    setText(this.readout, this.options.describe(i));
  }

  private setCursor(index: number | null): void {
    this.cursor = index;
    this.drawCursor();
  }

  private onPointer(e: PointerEvent): void {
    const s = this.cursorSeries();
    if (!this.scale || !s || s.x.length === 0) return;
    this.pointer = true;
    const rect = this.svg.getBoundingClientRect();
    this.setCursor(nearest(s.x, this.scale.inverse(e.clientX - rect.left)));
  }

  private onKey(e: KeyboardEvent): void {
    const n = this.cursorLength();
    if (n === 0) return;
    const page = Math.max(1, Math.round(n / 10));
    const at = this.cursor ?? n - 1;
    const moves: Record<string, number> = { ArrowLeft: at - 1, ArrowRight: at + 1, PageUp: at - page, PageDown: at + page, Home: 0, End: n - 1 };
    if (!(e.key in moves)) return;
    e.preventDefault();
    this.setCursor(Math.max(0, Math.min(n - 1, moves[e.key])));
  }
}

/** The `d` of a series: a polyline broken at non-finite values, or one zero-length segment per point (drawn as round dots). */
function linePath(xs: ArrayLike<number>, ys: ArrayLike<number>, sx: (x: number) => number, sy: (y: number) => number, dots: boolean): { d: string; n: number } {
  let d = '';
  let n = 0;
  let pen = false;
  for (let i = 0; i < ys.length; i++) {
    const y = ys[i];
    if (!Number.isFinite(y) || !Number.isFinite(xs[i])) {
      pen = false;
      continue;
    }
    const px = sx(xs[i]).toFixed(1);
    const py = sy(y).toFixed(1);
    if (dots) d += `M${px} ${py}h0`;
    else {
      d += `${pen ? 'L' : 'M'}${px} ${py}`;
      pen = true;
    }
    n++;
  }
  return { d: d || 'M0 0', n };
}
