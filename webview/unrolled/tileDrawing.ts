/**
 * Paints one canvas tile of the unrolled diagram (./diagram): the cells with their strips from the
 * atlas, the input and state arrows with their labels, the backward direction's lane to the classifier,
 * the selected unit's frames and line, the selected cell with its focus ring, and the classifier box.
 */
import * as l10n from '@vscode/l10n';
import { CELL_SPECS } from '../../src/core/cells';
import type { InspectedModel, UnrolledInspection } from '../../src/core/inspect';
import { pct, sub } from '../shared/format';
import { argmax, findSeries, rowOrder } from '../shared/inspection';
import { css, type ThemePalette } from '../shared/theme';
import type { Atlas } from './atlas';
import { BAND, CLASSIFIER_W, GAP_X, GUTTER, PAD, STRIP_GAP, STRIP_H, type Geometry } from './geometry';

/** What one tile is drawn from: the diagram's geometry, colours, strips and view, and where the tile lies. */
export interface TileSource {
  geometry: Geometry;
  palette: ThemePalette;
  /** The strips' colours, one atlas row per strip of each cell. */
  atlas: Atlas;
  inspection: UnrolledInspection | null;
  selected: { t: number; row: number } | null;
  unit: number | null;
  /** Whether the diagram has the keyboard focus (the selected cell gets a focus ring). */
  focused: boolean;
  /** The tile's left edge in content pixels. */
  left: number;
  /** The tile's width in content pixels. */
  width: number;
}

/** Draws one tile: the cells and their strips, the arrows, the backward lane, the selected unit and cell, the classifier. */
export function drawTile(canvas: HTMLCanvasElement, source: TileSource): void {
  const frame = frameOf(source);
  const ctx = prepareTile(canvas, frame);
  drawCells(ctx, frame);
  drawArrows(ctx, frame);
  drawBackwardLane(ctx, frame);
  drawSelectedUnit(ctx, frame);
  drawSelectedCell(ctx, frame);
  const g = frame.geometry;
  // The classifier box after the last column.
  if (frame.inspection && g.classifierX < frame.left + frame.width && g.classifierX + CLASSIFIER_W > frame.left) drawClassifier(ctx, frame, frame.inspection);
}

/** A tile's source with what the drawing derives from it once: the model, the rows, the columns in the tile. */
interface TileFrame extends TileSource {
  /** The inspection's model (undefined without an inspection). */
  model: InspectedModel | undefined;
  /** The layer and direction of each row, top to bottom (none without an inspection). */
  rows: { layer: number; direction: 'forward' | 'backward' }[];
  /** How many tokens (columns) the diagram has. */
  tokens: number;
  /** The first column drawn in the tile (one column early, for what reaches over the tile's left edge). */
  firstToken: number;
  /** The last column drawn in the tile. */
  lastToken: number;
  /** The height of a cell's strips and the gaps between them. */
  stripsSpan: number;
  /** The symbol of the cell's hidden state, in the arrows' labels. */
  stateName: string;
  /** The strips of the states carried from one token to the next: h, and c for an LSTM. */
  carried: number[];
}

/** The frame of a tile: its source and the values every part of the drawing reads. */
function frameOf(source: TileSource): TileFrame {
  const g = source.geometry;
  const x0 = source.left;
  const w = source.width;
  const T = g.tokens;
  const model = source.inspection?.model;
  const spec = model ? CELL_SPECS[model.cell] : undefined;
  return {
    ...source,
    model,
    rows: model ? rowOrder(model) : [],
    tokens: T,
    firstToken: Math.max(0, Math.floor((x0 - GUTTER - GAP_X) / g.colW) - 1),
    lastToken: Math.min(T - 1, Math.ceil((x0 + w - GUTTER) / g.colW)),
    stripsSpan: g.strips * STRIP_H + (g.strips - 1) * STRIP_GAP,
    stateName: spec?.stateSymbol ?? 'h',
    carried: spec?.hasCellState ? [0, 1] : [0],
  };
}

/** Sizes the tile's canvas and places it over the tile, clears it, and sets the transform from content pixels. */
function prepareTile(canvas: HTMLCanvasElement, frame: TileFrame): CanvasRenderingContext2D {
  const g = frame.geometry;
  const dpr = window.devicePixelRatio || 1;
  const x0 = frame.left;
  const w = frame.width;
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
  return ctx;
}

/**
 * Cell frames and their strips: one drawImage per cell stretches the cell's S atlas rows over the
 * whole strips area (each row covers its strip: row s spans [s, s + 1) · span / S ⊇ the strip's
 * [s · (STRIP_H + STRIP_GAP), + STRIP_H)); the gaps between strips are then filled with the
 * background in one path, and the frames stroked in one path.
 */
function drawCells(ctx: CanvasRenderingContext2D, frame: TileFrame): void {
  const { geometry: g, palette: p, firstToken: tFrom, lastToken: tTo, stripsSpan } = frame;
  ctx.lineWidth = 1;
  ctx.fillStyle = css(p.background);
  ctx.beginPath();
  for (let r = 0; r < g.rows; r++) for (let t = tFrom; t <= tTo; t++) ctx.rect(g.colX(t), g.cellY(r), g.cellW, g.cellH);
  ctx.fill();
  if (frame.inspection && g.strips > 0) {
    for (let r = 0; r < g.rows; r++) {
      for (let t = tFrom; t <= tTo; t++) ctx.drawImage(frame.atlas.canvas, 0, frame.atlas.rowOf(r, t, 0), g.hiddenSize, g.strips, g.colX(t) + PAD, g.stripY(r, 0), g.stripsW, stripsSpan);
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
}

/** The input arrows and the state arrows with their labels, the arrows in one stroke and one fill. */
function drawArrows(ctx: CanvasRenderingContext2D, frame: TileFrame): void {
  const p = frame.palette;
  ctx.strokeStyle = css(p.muted);
  ctx.fillStyle = css(p.muted);
  const arrows = new Arrows();
  addInputArrows(arrows, frame);
  addStateArrows(ctx, frame, arrows);
  arrows.draw(ctx);
}

/** Inputs going up: from the token into the first layer, from each layer into the next. */
function addInputArrows(arrows: Arrows, frame: TileFrame): void {
  const { geometry: g, rows, firstToken: tFrom, lastToken: tTo } = frame;
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
}

/** State arrows between cells (and from the top forward row's last cell to the classifier), labelled with the state they carry. */
function addStateArrows(ctx: CanvasRenderingContext2D, frame: TileFrame, arrows: Arrows): void {
  const { geometry: g, palette: p, model, rows, tokens: T, firstToken: tFrom, lastToken: tTo, stateName, carried } = frame;
  ctx.font = p.font;
  ctx.textBaseline = 'middle';
  ctx.textAlign = 'center';
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
}

/** The backward direction's final state (at the first token) travels over the top to the classifier. */
function drawBackwardLane(ctx: CanvasRenderingContext2D, frame: TileFrame): void {
  const { geometry: g, palette: p, model, tokens: T, left: x0, stateName } = frame;
  if (!(model?.bidirectional && T > 0 && x0 <= g.classifierX + CLASSIFIER_W)) return;
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

/** The selected unit: framed in every cell and drawn as a line across the tokens in each row's band. */
function drawSelectedUnit(ctx: CanvasRenderingContext2D, frame: TileFrame): void {
  const { geometry: g, palette: p, inspection, rows, firstToken: tFrom, lastToken: tTo, stripsSpan } = frame;
  const unit = frame.unit;
  if (!(inspection && unit !== null && unit < g.hiddenSize)) return;
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
    if (series) drawUnitLine(ctx, frame, r, unit, series);
  }
}

/** Row r's band: the unit's zero line and name, and its value at each token as a line with a dot per column. */
function drawUnitLine(ctx: CanvasRenderingContext2D, frame: TileFrame, r: number, unit: number, series: Float32Array): void {
  const { geometry: g, palette: p, tokens: T, left: x0, width: w, firstToken: tFrom, lastToken: tTo, stateName } = frame;
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

/** The selected cell (and the keyboard focus ring around it). */
function drawSelectedCell(ctx: CanvasRenderingContext2D, frame: TileFrame): void {
  const { geometry: g, palette: p, firstToken: tFrom, lastToken: tTo } = frame;
  const sel = frame.selected;
  if (!(sel && sel.t >= tFrom && sel.t <= tTo && sel.row < g.rows)) return;
  const x = g.colX(sel.t);
  const y = g.cellY(sel.row);
  ctx.strokeStyle = css(p.focus);
  ctx.lineWidth = 2;
  ctx.strokeRect(x - 1, y - 1, g.cellW + 2, g.cellH + 2);
  if (frame.focused) {
    ctx.lineWidth = 1;
    ctx.setLineDash([3, 2]);
    ctx.strokeRect(x - 4.5, y - 4.5, g.cellW + 9, g.cellH + 9);
    ctx.setLineDash([]);
  }
}

/** The classifier box after the last column: its formula, and each class's probability with a bar. */
function drawClassifier(ctx: CanvasRenderingContext2D, frame: TileFrame, inspection: UnrolledInspection): void {
  const g = frame.geometry;
  const p = frame.palette;
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
