/**
 * Where everything of the unrolled diagram sits, in CSS pixels of the scrolled content: one column per
 * token, one row per layer and direction, a band above each row for the selected unit's line, the
 * heatmap strips inside each cell, and the classifier box after the last column.
 */

/** Width of the sticky row-label gutter. */
export const GUTTER = 84;
/** Horizontal gap between cells (the state arrows live here). */
export const GAP_X = 38;
/** Padding inside a cell around its strips. */
export const PAD = 6;
/** Height of one heatmap strip and the gap between strips. */
export const STRIP_H = 10;
export const STRIP_GAP = 2;
/** Height of the band above each row where the selected unit's activation is drawn as a line. */
export const BAND = 28;
/** Vertical gap between rows. */
export const ROW_GAP = 12;
/** Width of the classifier box. */
export const CLASSIFIER_W = 168;

/** Pixels per unit: wide enough to see one unit, narrow enough for big layers (H=8 → 6 px, 64 → 2 px, ≥128 → 1 px). */
export function pixelsPerUnit(hiddenSize: number): number {
  return Math.max(1, Math.min(6, Math.floor(128 / hiddenSize)));
}

/** The geometry of one diagram. */
export class Geometry {
  readonly ppu: number;
  readonly stripsW: number;
  readonly cellW: number;
  readonly colW: number;
  readonly cellH: number;
  readonly rowH: number;
  /** Space above the first row (the lane that carries the backward state to the classifier). */
  readonly top: number;
  readonly rowsH: number;
  /** Least height of the classifier box (its title, its input and one line per class). */
  readonly classifierH: number;
  readonly classifierX: number;
  readonly contentW: number;

  constructor(
    readonly tokens: number,
    readonly hiddenSize: number,
    readonly rows: number,
    readonly strips: number,
    readonly bidirectional: boolean,
    readonly classes: number,
  ) {
    this.ppu = pixelsPerUnit(hiddenSize);
    this.stripsW = hiddenSize * this.ppu;
    this.cellW = Math.max(this.stripsW + 2 * PAD, 60);
    this.colW = this.cellW + GAP_X;
    this.cellH = 2 * PAD + strips * STRIP_H + (strips - 1) * STRIP_GAP;
    this.rowH = BAND + this.cellH;
    this.top = bidirectional ? 18 : 4;
    this.classifierH = 48 + classes * 16;
    this.rowsH = Math.max(this.top + rows * this.rowH + (rows - 1) * ROW_GAP + 22, this.top + BAND + this.classifierH + 8);
    this.classifierX = GUTTER + GAP_X + tokens * this.colW + 14;
    this.contentW = this.classifierX + CLASSIFIER_W + 24;
  }

  /** Left edge of token t's cells. */
  colX(t: number): number {
    return GUTTER + GAP_X + t * this.colW;
  }

  /** Top of row r (its line band). */
  rowY(r: number): number {
    return this.top + r * (this.rowH + ROW_GAP);
  }

  /** Top of the cell frame of row r. */
  cellY(r: number): number {
    return this.rowY(r) + BAND;
  }

  /** Top of strip s in row r. */
  stripY(r: number, s: number): number {
    return this.cellY(r) + PAD + s * (STRIP_H + STRIP_GAP);
  }

  /** Left edge of unit j in the cell of token t. */
  unitX(t: number, j: number): number {
    return this.colX(t) + PAD + j * this.ppu;
  }

  /** The first and last token whose cells show in `width` pixels of content from `left` (at least one token, clamped to the sentence). */
  visibleTokens(left: number, width: number): { first: number; last: number } {
    const last = Math.max(0, this.tokens - 1);
    const first = Math.min(last, Math.max(0, Math.floor((left - GUTTER - GAP_X - this.cellW) / this.colW) + 1));
    const end = Math.ceil((left + width - GUTTER - GAP_X) / this.colW) - 1;
    return { first, last: Math.max(first, Math.min(last, end)) };
  }

  /** Height of the classifier box: it spans the top layer's rows. */
  classifierRows(): number {
    return this.bidirectional ? 2 : 1;
  }

  /** What is under a content point: a token column, a row, and a unit when the point is on the strips. */
  hit(x: number, y: number): { t: number; row: number; unit?: number } | undefined {
    const t = Math.floor((x - GUTTER - GAP_X) / this.colW);
    if (t < 0 || t >= this.tokens) return undefined;
    const inCellX = x - this.colX(t);
    if (inCellX < 0 || inCellX > this.cellW) return undefined;
    const row = Math.floor((y - this.top) / (this.rowH + ROW_GAP));
    if (row < 0 || row >= this.rows) return undefined;
    const inRowY = y - this.rowY(row);
    if (inRowY > this.rowH) return undefined;
    const unitPx = inCellX - PAD;
    const onStrips = inRowY >= BAND + PAD - 2 && inRowY <= this.rowH - PAD + 2;
    const unit = Math.floor(unitPx / this.ppu);
    return onStrips && unit >= 0 && unit < this.hiddenSize ? { t, row, unit } : { t, row };
  }

  /** A serialisable summary (set as data-geometry on the diagram, for tests and e2e clicks). */
  describe(): Record<string, number | boolean> {
    return {
      tokens: this.tokens,
      hiddenSize: this.hiddenSize,
      rows: this.rows,
      strips: this.strips,
      ppu: this.ppu,
      gutter: GUTTER,
      gapX: GAP_X,
      pad: PAD,
      colW: this.colW,
      cellW: this.cellW,
      cellH: this.cellH,
      band: BAND,
      rowGap: ROW_GAP,
      rowH: this.rowH,
      top: this.top,
      stripH: STRIP_H,
      stripGap: STRIP_GAP,
      rowsH: this.rowsH,
      classifierX: this.classifierX,
      contentW: this.contentW,
      bidirectional: this.bidirectional,
    };
  }
}
