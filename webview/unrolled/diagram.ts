/**
 * The unrolled network: a horizontally scrolling diagram with one column per token and one row per
 * layer and direction. Cells, strips, state arrows, the selected unit's line and the classifier are
 * drawn on canvas tiles (only the tiles in view are drawn, so 400 tokens stay cheap); the row labels
 * (sticky left) and the token axis with the running prediction (sticky bottom) are DOM.
 */
import * as l10n from '@vscode/l10n';
import { CELL_SPECS } from '../../src/core/cells';
import type { InspectedModel, UnrolledInspection } from '../../src/core/inspect';
import type { Scales } from '../shared/colorScale';
import { el, setAttr, setText } from '../shared/dom';
import { pct, showToken, sub } from '../shared/format';
import { argmax, findSeries, rowOrder, stripsFor, type StripSpec } from '../shared/inspection';
import { css, type ThemePalette } from '../shared/theme';
import { Atlas } from './atlas';
import { BAND, CLASSIFIER_W, GAP_X, GUTTER, Geometry, PAD, STRIP_GAP, STRIP_H } from './geometry';

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
  /** The pointer is over a cell's unit (or left): for the readout line. */
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
        this.drawTile(tile.canvas, i);
        tile.version = this.version;
      }
    }
  }

  private drawTile(canvas: HTMLCanvasElement, index: number): void {
    const g = this.geometry!;
    const p = this.palette!;
    const dpr = window.devicePixelRatio || 1;
    const x0 = index * TILE_W;
    const w = Math.min(TILE_W, g.contentW - x0);
    const bw = Math.round(w * dpr);
    const bh = Math.round(g.rowsH * dpr);
    if (canvas.width !== bw || canvas.height !== bh) {
      canvas.width = bw;
      canvas.height = bh;
    }
    canvas.style.left = `${x0}px`;
    canvas.style.width = `${w}px`;
    canvas.style.height = `${g.rowsH}px`;
    const ctx = canvas.getContext('2d')!;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, bw, bh);
    ctx.setTransform(dpr, 0, 0, dpr, -x0 * dpr, 0);
    ctx.imageSmoothingEnabled = false;
    const inspection = this.view.inspection;
    const T = g.tokens;
    const tFrom = Math.max(0, Math.floor((x0 - GUTTER - GAP_X) / g.colW) - 1);
    const tTo = Math.min(T - 1, Math.ceil((x0 + w - GUTTER) / g.colW));
    const model = inspection?.model;
    const rows = model ? rowOrder(model) : [];
    const stripsSpan = g.strips * STRIP_H + (g.strips - 1) * STRIP_GAP;

    // Cell frames and their strips: one drawImage per cell stretches the cell's S atlas rows over the
    // whole strips area (each row covers its strip: row s spans [s, s + 1) · span / S ⊇ the strip's
    // [s · (STRIP_H + STRIP_GAP), + STRIP_H)); the gaps between strips are then filled with the
    // background in one path, and the frames stroked in one path.
    ctx.lineWidth = 1;
    ctx.fillStyle = css(p.background);
    ctx.beginPath();
    for (let r = 0; r < g.rows; r++) for (let t = tFrom; t <= tTo; t++) ctx.rect(g.colX(t), g.cellY(r), g.cellW, g.cellH);
    ctx.fill();
    if (inspection && g.strips > 0) {
      for (let r = 0; r < g.rows; r++) {
        for (let t = tFrom; t <= tTo; t++) ctx.drawImage(this.atlas.canvas, 0, this.atlas.rowOf(r, t, 0), g.hiddenSize, g.strips, g.colX(t) + PAD, g.stripY(r, 0), g.stripsW, stripsSpan);
      }
      ctx.beginPath();
      for (let r = 0; r < g.rows; r++) {
        for (let t = tFrom; t <= tTo; t++) for (let s = 1; s < g.strips; s++) ctx.rect(g.colX(t) + PAD, g.stripY(r, s) - STRIP_GAP, g.stripsW, STRIP_GAP);
      }
      ctx.fill();
    }
    ctx.strokeStyle = css(p.border);
    ctx.beginPath();
    for (let r = 0; r < g.rows; r++) for (let t = tFrom; t <= tTo; t++) ctx.rect(g.colX(t) + 0.5, g.cellY(r) + 0.5, g.cellW - 1, g.cellH - 1);
    ctx.stroke();

    // Inputs going up: from the token into the first layer, from each layer into the next.
    ctx.strokeStyle = css(p.muted);
    ctx.fillStyle = css(p.muted);
    const arrows = new Arrows();
    for (let t = tFrom; t <= tTo; t++) {
      const cx = g.colX(t) + g.cellW / 2;
      for (let r = 0; r < g.rows; r++) {
        const lowest = r === g.rows - 1;
        const layerBottom = lowest || rows[r].direction === 'forward';
        if (!layerBottom) continue;
        const fromY = lowest ? g.rowsH : g.cellY(r + 1);
        arrows.add(cx, fromY, cx, g.cellY(r) + g.cellH + 1);
      }
    }

    // State arrows between cells, labelled with the state they carry.
    ctx.font = p.font;
    ctx.textBaseline = 'middle';
    ctx.textAlign = 'center';
    const spec = model ? CELL_SPECS[model.cell] : undefined;
    const stateName = spec?.stateSymbol ?? 'h';
    const carried = spec?.hasCellState ? [0, 1] : [0];
    const top = model ? (model.bidirectional ? 1 : 0) : -1;
    for (let r = 0; r < g.rows; r++) {
      const backward = rows[r]?.direction === 'backward';
      for (let t = tFrom - 1; t <= tTo; t++) {
        // The gap to the right of column t (t = -1: the gap before the first column).
        if (t < -1 || t >= T) continue;
        const gx0 = t < 0 ? g.colX(0) - GAP_X : g.colX(t) + g.cellW;
        const gx1 = gx0 + GAP_X;
        const initial = backward ? t === T - 1 : t === -1;
        const leaving = backward ? t === -1 : t === T - 1;
        if (leaving) {
          if (!backward && r === top && T > 0) {
            for (const s of carried.slice(0, 1)) arrows.add(gx0 + 1, g.stripY(r, s) + STRIP_H / 2, g.classifierX - 1, g.stripY(r, s) + STRIP_H / 2);
          }
          continue;
        }
        for (const s of carried) {
          const y = g.stripY(r, s) + STRIP_H / 2;
          if (backward) arrows.add(gx1 - (initial ? 12 : 1), y, gx0 + 1, y);
          else arrows.add(gx0 + (initial ? 12 : 1), y, gx1 - 1, y);
        }
        // Label: the state after the column it leaves (1-based positions; the initial state is 0).
        const k = backward ? t + 2 : t + 1;
        const labelY = g.stripY(r, carried.length) + STRIP_H / 2 + 3;
        carried.forEach((s, n) => {
          const name = s === 0 ? stateName : 'c';
          const text = initial ? `${name}${sub(k)}=0` : `${name}${sub(k)}`;
          ctx.fillText(text, (gx0 + gx1) / 2, labelY + n * 11, GAP_X - 4);
        });
      }
    }

    arrows.draw(ctx);

    // The backward direction's final state (at the first token) travels over the top to the classifier.
    if (model?.bidirectional && T > 0 && x0 <= g.classifierX + CLASSIFIER_W) {
      const laneY = 8;
      const sx = g.colX(0) + g.cellW / 2;
      ctx.save();
      ctx.setLineDash([4, 3]);
      ctx.beginPath();
      ctx.moveTo(sx, g.cellY(0));
      ctx.lineTo(sx, laneY);
      ctx.lineTo(g.classifierX + CLASSIFIER_W / 2, laneY);
      ctx.lineTo(g.classifierX + CLASSIFIER_W / 2, g.cellY(0) - 6);
      ctx.stroke();
      ctx.restore();
      arrow(ctx, g.classifierX + CLASSIFIER_W / 2, g.cellY(0) - 8, g.classifierX + CLASSIFIER_W / 2, g.cellY(0) - 1);
      ctx.textAlign = 'left';
      const label = `${stateName}${sub(1)}: ${l10n.t("the backward direction's final state")}`;
      ctx.fillStyle = css(p.background);
      ctx.fillRect(sx + 4, laneY - 6, ctx.measureText(label).width + 6, 12);
      ctx.fillStyle = css(p.muted);
      ctx.fillText(label, sx + 7, laneY + 1);
    }

    // The selected unit: framed in every cell and drawn as a line across the tokens in each row's band.
    const unit = this.view.unit;
    if (inspection && unit !== null && unit < g.hiddenSize) {
      ctx.strokeStyle = css(p.foreground);
      ctx.lineWidth = 1;
      for (let r = 0; r < g.rows; r++) {
        const y = g.stripY(r, 0) - 2;
        for (let t = tFrom; t <= tTo; t++) {
          const ux = g.unitX(t, unit);
          ctx.strokeRect(ux - 1.5, y + 0.5, g.ppu + 3, stripsSpan + 3);
        }
      }
      ctx.lineWidth = 1.5;
      for (let r = 0; r < g.rows; r++) {
        // The line needs the unit's exact series, which comes with the answer that asked for this unit.
        const series = inspection.unit?.unit === unit ? findSeries(inspection, rows[r].layer, rows[r].direction) : undefined;
        if (!series) continue;
        const y0 = g.rowY(r) + 4;
        const bandH = BAND - 10;
        const yOf = (v: number) => y0 + ((1 - Math.max(-1, Math.min(1, v))) / 2) * bandH;
        ctx.save();
        ctx.strokeStyle = css(p.muted, 0.6);
        ctx.setLineDash([2, 3]);
        ctx.beginPath();
        ctx.moveTo(Math.max(g.colX(0), x0), yOf(0));
        ctx.lineTo(Math.min(g.colX(T - 1) + g.cellW, x0 + w), yOf(0));
        ctx.stroke();
        ctx.restore();
        ctx.fillStyle = css(p.accent);
        ctx.textAlign = 'right';
        ctx.fillText(`${stateName}[${unit}]`, g.colX(0) - 4, yOf(0));
        const lineFrom = Math.max(0, tFrom - 1);
        const lineTo = Math.min(T - 1, tTo + 1);
        ctx.strokeStyle = css(p.accent);
        ctx.fillStyle = css(p.accent);
        ctx.beginPath();
        for (let t = lineFrom; t <= lineTo; t++) {
          const x = g.colX(t) + g.cellW / 2;
          const y = yOf(series[t]);
          if (t === lineFrom) ctx.moveTo(x, y);
          else ctx.lineTo(x, y);
        }
        ctx.stroke();
        for (let t = tFrom; t <= tTo; t++) {
          ctx.beginPath();
          ctx.arc(g.colX(t) + g.cellW / 2, yOf(series[t]), 2.5, 0, Math.PI * 2);
          ctx.fill();
        }
      }
    }

    // The selected cell (and the keyboard focus ring around it).
    const sel = this.view.selected;
    if (sel && sel.t >= tFrom && sel.t <= tTo && sel.row < g.rows) {
      const x = g.colX(sel.t);
      const y = g.cellY(sel.row);
      ctx.strokeStyle = css(p.focus);
      ctx.lineWidth = 2;
      ctx.strokeRect(x - 1, y - 1, g.cellW + 2, g.cellH + 2);
      if (this.focused) {
        ctx.lineWidth = 1;
        ctx.setLineDash([3, 2]);
        ctx.strokeRect(x - 4.5, y - 4.5, g.cellW + 9, g.cellH + 9);
        ctx.setLineDash([]);
      }
    }

    // The classifier box after the last column.
    if (inspection && g.classifierX < x0 + w && g.classifierX + CLASSIFIER_W > x0) this.drawClassifier(ctx, inspection);
  }

  private drawClassifier(ctx: CanvasRenderingContext2D, inspection: UnrolledInspection): void {
    const g = this.geometry!;
    const p = this.palette!;
    const x = g.classifierX;
    const y = g.cellY(0);
    const arrowY = g.stripY(g.classifierRows() - 1, 0) + STRIP_H / 2;
    const boxH = Math.max(arrowY - y + 14, g.classifierH);
    ctx.fillStyle = css(p.background);
    ctx.fillRect(x, y, CLASSIFIER_W, boxH);
    ctx.strokeStyle = css(p.foreground);
    ctx.lineWidth = 1;
    ctx.strokeRect(x + 0.5, y + 0.5, CLASSIFIER_W - 1, boxH - 1);
    ctx.textAlign = 'left';
    ctx.textBaseline = 'middle';
    ctx.fillStyle = css(p.muted);
    ctx.font = p.font;
    ctx.fillText(`${l10n.t('classifier')}: softmax(W·h + b)`, x + 6, y + 10, CLASSIFIER_W - 12);
    const T = inspection.tokens.length;
    const name = CELL_SPECS[inspection.model.cell].stateSymbol;
    ctx.fillText(inspection.model.bidirectional ? `h = [${name}→${sub(T)} ; ${name}←${sub(1)}]` : `h = ${l10n.t('{0} of the top layer', `${name}${sub(T)}`)}`, x + 6, y + 26, CLASSIFIER_W - 12);
    const top = argmax(inspection.probabilities);
    inspection.model.classes.forEach((name, c) => {
      const cy = y + 44 + c * 16;
      const prob = inspection.probabilities[c];
      ctx.fillStyle = css(p.foreground);
      ctx.font = c === top ? `bold ${p.font}` : p.font;
      ctx.fillText(name, x + 6, cy, 58);
      ctx.fillStyle = css(p.classes[c % p.classes.length]);
      ctx.fillRect(x + 66, cy - 4, Math.max(1, prob * 54), 8);
      ctx.fillStyle = css(p.foreground);
      ctx.fillText(pct(prob), x + 124, cy, CLASSIFIER_W - 128);
    });
    ctx.font = p.font;
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

/** A line with a small filled arrow head at its end. */
/** Arrows in the current colours, collected into one path of shafts (stroked) and one of heads (filled): two canvas calls for any number. */
class Arrows {
  private readonly shafts = new Path2D();
  private readonly heads = new Path2D();

  /** Adds an arrow from (x0, y0) with its head at (x1, y1). */
  add(x0: number, y0: number, x1: number, y1: number): void {
    const angle = Math.atan2(y1 - y0, x1 - x0);
    const head = 5;
    this.shafts.moveTo(x0, y0);
    this.shafts.lineTo(x1 - Math.cos(angle) * head * 0.8, y1 - Math.sin(angle) * head * 0.8);
    this.heads.moveTo(x1, y1);
    this.heads.lineTo(x1 - head * Math.cos(angle - 0.45), y1 - head * Math.sin(angle - 0.45));
    this.heads.lineTo(x1 - head * Math.cos(angle + 0.45), y1 - head * Math.sin(angle + 0.45));
    this.heads.closePath();
  }

  /** Draws the arrows added so far. */
  draw(ctx: CanvasRenderingContext2D): void {
    ctx.lineWidth = 1;
    ctx.stroke(this.shafts);
    ctx.fill(this.heads);
  }
}

/** Draws one arrow from (x0, y0) with its head at (x1, y1). */
function arrow(ctx: CanvasRenderingContext2D, x0: number, y0: number, x1: number, y1: number): void {
  const one = new Arrows();
  one.add(x0, y0, x1, y1);
  one.draw(ctx);
}
