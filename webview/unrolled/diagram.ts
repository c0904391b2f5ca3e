/**
 * The unrolled network: a horizontally scrolling diagram with one column per token and one row per
 * layer and direction. Cells, strips, state arrows, the selected unit's line and the classifier are
 * drawn on canvas tiles by ./tileDrawing (only the tiles in view are drawn, so 400 tokens stay cheap);
 * the row labels (sticky left) and the token axis with the running prediction (sticky bottom) are DOM.
 */
import * as l10n from '@vscode/l10n';
import type { InspectedModel, UnrolledInspection } from '../../src/core/inspect';
import type { Scales } from '../shared/colorScale';
import { el, setAttr, setText } from '../shared/dom';
import { pct, showToken } from '../shared/format';
import { argmax, rowOrder, stripsFor, type StripSpec } from '../shared/inspection';
import { css, type ThemePalette } from '../shared/theme';
import { Atlas } from './atlas';
import { GAP_X, GUTTER, Geometry, STRIP_H } from './geometry';
import { drawTile, type TileSource } from './tileDrawing';

/** Width of one canvas tile in CSS pixels. */
const TILE_W = 1024;
/** Extra width drawn either side of the view, so that small scrolls show finished tiles. */
const TILE_MARGIN = 128;

/** What the diagram shows. */
export interface DiagramView {
  model: InspectedModel | null;
  inspection: UnrolledInspection | null;
  selected: { t: number; row: number } | null;
  unit: number | null;
  /** A message drawn over an empty diagram (no model, no text). */
  message?: string;
}

/** What the diagram asks of its owner. */
export interface DiagramEvents {
  /** A cell was clicked or reached by keyboard; `unit` when the click was on a unit of the strips. */
  select(t: number, row: number, unit?: number): void;
  /** The unit changed by keyboard (Shift+arrows) or was cleared (Escape: null). */
  unit(unit: number | null): void;
  /** The pointer is over a cell's unit, or (t = −1) over none or gone: for the readout line. */
  hover(t: number, row: number, unit: number | undefined): void;
}

interface Tile {
  canvas: HTMLCanvasElement;
  version: number;
}

interface AxisColumn {
  root: HTMLElement;
  index: HTMLElement;
  token: HTMLElement;
  bar: HTMLElement;
  segments: HTMLElement[];
  label: HTMLElement;
  labelClass: HTMLElement;
  labelValue: HTMLElement;
  /** The left and width last written to its style. */
  place: string;
  /** What the column shows (token, selection, running prediction, classes, palette): unchanged, nothing is rewritten. */
  shown: string;
}

/** The diagram component. */
export class Diagram {
  /** The focusable scroller (the element to place in the page). */
  readonly element: HTMLElement;
  private readonly content: HTMLElement;
  private readonly rowsLayer: HTMLElement;
  private readonly tileLayer: HTMLElement;
  private readonly gutter: HTMLElement;
  private readonly message: HTMLElement;
  private readonly axis: HTMLElement;
  private readonly axisColumns: HTMLElement;
  private readonly columns: AxisColumn[] = [];
  /** Counts theme changes (the running bars' colours come from the palette). */
  private paletteVersion = 0;
  private readonly tiles = new Map<number, Tile>();
  private readonly atlas = new Atlas();
  private geometry: Geometry | undefined;
  private specs: StripSpec[] = [];
  private view: DiagramView = { model: null, inspection: null, selected: null, unit: null };
  private palette: ThemePalette | undefined;
  private scales: Scales | undefined;
  private version = 0;
  private focused = false;
  private gutterKey = '';
  private builtFor: UnrolledInspection | null = null;
  /** The scroller's scrollLeft and width, cached (from scroll events and a ResizeObserver) so drawing forces no layout. */
  private viewLeft = 0;
  private viewWidth = 1200;

  constructor(private readonly events: DiagramEvents) {
    this.tileLayer = el('div', { class: 'diagram-tiles' });
    this.gutter = el('div', { class: 'diagram-gutter', 'aria-hidden': 'true' });
    this.message = el('div', { class: 'diagram-message', role: 'status' });
    this.rowsLayer = el('div', { class: 'diagram-rows' }, this.gutter, this.tileLayer, this.message);
    this.axisColumns = el('div', { class: 'axis-columns' });
    this.axis = el(
      'div',
      { class: 'diagram-axis' },
      el(
        'div',
        { class: 'axis-gutter' },
        el('div', { class: 'axis-caption', text: l10n.t('token') }),
        el('div', { class: 'axis-caption running-caption', title: l10n.t('The class probabilities the classifier would give if the sentence ended after this token'), text: l10n.t('if it ended here') }),
      ),
      this.axisColumns,
    );
    this.content = el('div', { class: 'diagram-content' }, this.rowsLayer, this.axis);
    this.element = el(
      'div',
      {
        class: 'diagram',
        tabindex: 0,
        role: 'group',
        'aria-roledescription': l10n.t('unrolled network diagram'),
        'aria-label': l10n.t(
          'Unrolled network: one column per token, one row per layer and direction. Left and Right arrows move between tokens, Up and Down between rows, Shift with Left or Right between units, Home and End to the first and last token, Escape clears the unit.',
        ),
      },
      this.content,
    );
    this.element.addEventListener(
      'scroll',
      () => {
        this.viewLeft = this.element.scrollLeft;
        this.drawVisible();
      },
      { passive: true },
    );
    this.element.addEventListener('keydown', (e) => this.onKey(e));
    this.element.addEventListener('focus', () => this.setFocused(true));
    this.element.addEventListener('blur', () => this.setFocused(false));
    this.rowsLayer.addEventListener('click', (e) => this.onClick(e));
    this.rowsLayer.addEventListener('mousemove', (e) => this.onHover(e));
    // The caption of the cell under the pointer goes with the pointer: out of the rows, out of the page, or the window losing focus.
    this.rowsLayer.addEventListener('pointerleave', () => this.endHover());
    window.addEventListener('blur', () => this.endHover());
    this.axisColumns.addEventListener('click', (e) => {
      const col = (e.target as HTMLElement).closest<HTMLElement>('.axis-column');
      if (col) this.events.select(Number(col.dataset.t), this.view.selected?.row ?? this.defaultRow(), undefined);
    });
    new ResizeObserver((entries) => {
      this.viewWidth = entries[entries.length - 1].contentRect.width;
      this.drawVisible();
    }).observe(this.element);
  }

  /** Sets the theme colours; redraws everything. */
  setTheme(palette: ThemePalette, scales: Scales): void {
    this.palette = palette;
    this.paletteVersion++;
    this.scales = scales;
    this.builtFor = null;
    this.update(this.view);
  }

  /** The current geometry (undefined before a model is known). */
  get layout(): Geometry | undefined {
    return this.geometry;
  }

  /** Shows a view: rebuilds what changed and redraws the tiles in sight. */
  update(view: DiagramView): void {
    this.view = view;
    const model = view.inspection?.model ?? view.model;
    const T = view.inspection?.tokens.length ?? 0;
    if (model) {
      const rows = rowOrder(model).length;
      const specs = stripsFor(model.cell);
      const g = this.geometry;
      if (!g || g.tokens !== T || g.hiddenSize !== model.hiddenSize || g.rows !== rows || g.strips !== specs.length || g.bidirectional !== model.bidirectional || g.classes !== model.classes.length) {
        this.geometry = new Geometry(T, model.hiddenSize, rows, specs.length, model.bidirectional, model.classes.length);
        this.content.style.width = `${this.geometry.contentW}px`;
        this.rowsLayer.style.height = `${this.geometry.rowsH}px`;
        this.element.dataset.geometry = JSON.stringify(this.geometry.describe());
      }
      this.specs = specs;
      this.updateGutter(model);
    } else {
      this.geometry = undefined;
      this.content.style.width = '';
      this.rowsLayer.style.height = '';
      delete this.element.dataset.geometry;
    }
    if (view.inspection && this.scales && view.inspection !== this.builtFor) {
      this.atlas.build(view.inspection, this.specs, this.scales);
      this.builtFor = view.inspection;
    }
    this.updateAxis();
    setText(this.message, view.message ?? '');
    this.message.hidden = !view.message;
    this.version++;
    this.drawVisible();
  }

  /** Scrolls the least needed to show token t's column (and draws what came into view). */
  reveal(t: number): void {
    const g = this.geometry;
    if (!g || t < 0 || t >= g.tokens) return;
    const left = g.colX(t) - GAP_X;
    const right = g.colX(t) + g.cellW + GAP_X;
    // Reads the cached scroll position and width, so that revealing a visible column forces no layout.
    if (left - GUTTER < this.viewLeft) this.scrollTo(Math.max(0, left - GUTTER));
    else if (right > this.viewLeft + this.viewWidth) this.scrollTo(right - this.viewWidth);
    this.drawVisible();
  }

  private scrollTo(left: number): void {
    this.element.scrollLeft = left;
    this.viewLeft = this.element.scrollLeft;
  }

  private defaultRow(): number {
    return this.geometry ? this.geometry.rows - 1 : 0;
  }

  private setFocused(focused: boolean): void {
    this.focused = focused;
    this.version++;
    this.drawVisible();
  }

  private updateGutter(model: InspectedModel): void {
    const key = `${model.cell}/${model.layers}/${model.bidirectional}/${this.geometry?.rowsH}`;
    if (key === this.gutterKey || !this.geometry) return;
    this.gutterKey = key;
    const g = this.geometry;
    const nodes: HTMLElement[] = [];
    rowOrder(model).forEach(({ layer, direction }, r) => {
      const arrow = direction === 'forward' ? '→' : '←';
      const title = el('div', { class: 'gutter-row-title' }, l10n.t('Layer {0} {1}', layer + 1, arrow));
      title.style.top = `${g.cellY(r) - 15}px`;
      nodes.push(title);
      this.specs.forEach((spec, s) => {
        const label = el('div', { class: `gutter-strip scale-${spec.scale}`, title: spec.title, text: spec.label });
        label.style.top = `${g.stripY(r, s) + STRIP_H / 2}px`;
        nodes.push(label);
      });
    });
    this.gutter.replaceChildren(...nodes);
  }

  private updateAxis(): void {
    const inspection = this.view.inspection;
    const g = this.geometry;
    const T = inspection && g ? inspection.tokens.length : 0;
    const C = inspection?.model.classes.length ?? 0;
    while (this.columns.length < T) {
      const index = el('span', { class: 'axis-index' });
      const token = el('span', { class: 'axis-token' });
      const bar = el('span', { class: 'running-bar' });
      const labelClass = el('span', { class: 'running-class' });
      const labelValue = el('span', { class: 'running-value' });
      const label = el('span', { class: 'running-label' }, labelClass, labelValue);
      const root = el('div', { class: 'axis-column' }, index, token, bar, label);
      this.columns.push({ root, index, token, bar, segments: [], label, labelClass, labelValue, place: '', shown: '' });
    }
    for (let t = 0; t < this.columns.length; t++) {
      const col = this.columns[t];
      if (t >= T) {
        if (col.root.isConnected) col.root.remove();
        continue;
      }
      if (!col.root.isConnected) this.axisColumns.append(col.root);
      const tok = inspection!.tokens[t];
      const place = `${g!.colX(t)}/${g!.cellW}`;
      if (col.place !== place) {
        col.place = place;
        col.root.style.left = `${g!.colX(t)}px`;
        col.root.style.width = `${g!.cellW}px`;
      }
      // Typing at the end leaves the columns before it as they were (their running prediction reads only
      // the prefix up to them): skip those.
      const running = inspection!.running;
      const shown = `${t}\u0000${tok.text}\u0000${tok.known}\u0000${this.view.selected?.t === t}\u0000${inspection!.model.classes.join('\u0001')}\u0000${this.paletteVersion}\u0000${running.subarray(t * C, t * C + C).join(',')}`;
      if (col.shown === shown) continue;
      col.shown = shown;
      col.root.dataset.t = String(t);
      setText(col.index, String(t + 1));
      setText(col.token, showToken(tok.text));
      col.root.classList.toggle('unknown', !tok.known);
      col.root.classList.toggle('selected', this.view.selected?.t === t);
      while (col.segments.length < C) {
        const seg = el('span', { class: 'running-segment' });
        col.segments.push(seg);
        col.bar.append(seg);
      }
      const top = argmax(running, t * C, C);
      const parts: string[] = [];
      for (let c = 0; c < col.segments.length; c++) {
        const seg = col.segments[c];
        if (c >= C) {
          seg.hidden = true;
          continue;
        }
        const p = running[t * C + c];
        seg.hidden = false;
        seg.style.width = `${(p * 100).toFixed(2)}%`;
        if (this.palette) seg.style.backgroundColor = css(this.palette.classes[c % this.palette.classes.length]);
        parts.push(`${inspection!.model.classes[c]} ${pct(p)}`);
      }
      const name = inspection!.model.classes[top];
      setText(col.labelClass, name);
      setText(col.labelValue, ` ${Math.round(running[t * C + top] * 100)}%`);
      col.label.dataset.class = name;
      col.label.dataset.p = String(running[t * C + top]);
      const tokenTitle = tok.known
        ? l10n.t('Token {0} “{1}”. If the sentence ended here: {2}', t + 1, tok.text, parts.join(', '))
        : l10n.t('Token {0} “{1}” (unknown: read as <unk>). If the sentence ended here: {2}', t + 1, tok.text, parts.join(', '));
      setAttr(col.root, 'title', tokenTitle);
    }
  }

  /** Draws (or redraws, when stale) the tiles in and near the view; drops tiles far away. */
  private drawVisible(): void {
    const g = this.geometry;
    if (!g || !this.palette) {
      for (const tile of this.tiles.values()) tile.canvas.remove();
      this.tiles.clear();
      return;
    }
    const from = Math.max(0, Math.floor((this.viewLeft - TILE_MARGIN) / TILE_W));
    const to = Math.min(Math.ceil(g.contentW / TILE_W) - 1, Math.floor((this.viewLeft + this.viewWidth + TILE_MARGIN) / TILE_W));
    for (const [i, tile] of this.tiles) {
      if (i < from - 2 || i > to + 2 || i * TILE_W >= g.contentW) {
        tile.canvas.remove();
        this.tiles.delete(i);
      }
    }
    for (let i = from; i <= to; i++) {
      let tile = this.tiles.get(i);
      if (!tile) {
        const canvas = el('canvas', { class: 'diagram-tile', 'aria-hidden': 'true' });
        tile = { canvas, version: -1 };
        this.tiles.set(i, tile);
        this.tileLayer.append(canvas);
      }
      if (tile.version !== this.version) {
        drawTile(tile.canvas, this.tileSource(i));
        tile.version = this.version;
      }
    }
  }

  /** What tile `index` is drawn from. */
  private tileSource(index: number): TileSource {
    const g = this.geometry!;
    const left = index * TILE_W;
    const { inspection, selected, unit } = this.view;
    return { geometry: g, palette: this.palette!, atlas: this.atlas, inspection, selected, unit, focused: this.focused, left, width: Math.min(TILE_W, g.contentW - left) };
  }

  private toContent(e: MouseEvent): { x: number; y: number } {
    const rect = this.rowsLayer.getBoundingClientRect();
    return { x: e.clientX - rect.left, y: e.clientY - rect.top };
  }

  private onClick(e: MouseEvent): void {
    const g = this.geometry;
    if (!g) return;
    const { x, y } = this.toContent(e);
    const hit = g.hit(x, y);
    if (hit) this.events.select(hit.t, hit.row, hit.unit);
  }

  private onHover(e: MouseEvent): void {
    const g = this.geometry;
    if (!g) return;
    const { x, y } = this.toContent(e);
    const hit = g.hit(x, y);
    this.rowsLayer.classList.toggle('over-cell', !!hit);
    if (hit) this.events.hover(hit.t, hit.row, hit.unit);
    else this.events.hover(-1, -1, undefined);
  }

  private endHover(): void {
    this.rowsLayer.classList.remove('over-cell');
    this.events.hover(-1, -1, undefined);
  }

  private onKey(e: KeyboardEvent): void {
    const g = this.geometry;
    if (!g || g.tokens === 0) return;
    const sel = this.view.selected ?? { t: 0, row: g.rows - 1 };
    const H = g.hiddenSize;
    let handled = true;
    if (e.shiftKey && (e.key === 'ArrowLeft' || e.key === 'ArrowRight')) {
      const u = this.view.unit ?? (e.key === 'ArrowRight' ? -1 : H);
      this.events.unit(Math.max(0, Math.min(H - 1, u + (e.key === 'ArrowRight' ? 1 : -1))));
    } else if (e.key === 'ArrowLeft') this.events.select(Math.max(0, Math.min(g.tokens - 1, this.view.selected ? sel.t - 1 : 0)), sel.row);
    else if (e.key === 'ArrowRight') this.events.select(Math.min(g.tokens - 1, this.view.selected ? sel.t + 1 : 0), sel.row);
    else if (e.key === 'ArrowUp') this.events.select(Math.min(sel.t, g.tokens - 1), Math.max(0, sel.row - 1));
    else if (e.key === 'ArrowDown') this.events.select(Math.min(sel.t, g.tokens - 1), Math.min(g.rows - 1, sel.row + 1));
    else if (e.key === 'Home') this.events.select(0, sel.row);
    else if (e.key === 'End') this.events.select(g.tokens - 1, sel.row);
    else if (e.key === 'Escape' && this.view.unit !== null) this.events.unit(null);
    else if ((e.key === 'Enter' || e.key === ' ') && !this.view.selected) this.events.select(0, sel.row);
    else handled = false;
    if (handled) e.preventDefault();
  }
}
