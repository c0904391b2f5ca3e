/**
 * The side panel's tokens × units heatmap of h for one layer and direction: tokens down, units across,
 * one colour per value on the fixed −1…1 state scale. Keyboard: arrows move a cursor over tokens and
 * units; the readout below says the token, the unit and the value.
 */
import * as l10n from '@vscode/l10n';
import type { Inspection } from '../../src/core/inspect';
import type { Scales } from '../shared/colorScale';
import { el, setText } from '../shared/dom';
import { fmt, showToken } from '../shared/format';
import { findDirection } from '../shared/inspection';
import { css, type ThemePalette } from '../shared/theme';

const LABEL_W = 64;
const HEADER_H = 16;
const ROW_H = 14;

/** The heatmap component. */
export class Heatmap {
  /** The scrolling wrapper to place in the page. */
  readonly element: HTMLElement;
  /** The focusable canvas. */
  readonly canvas: HTMLCanvasElement;
  /** The one-line readout of the value under the cursor. */
  readonly readout: HTMLElement;
  private readonly image = document.createElement('canvas');
  private inspection: Inspection | null = null;
  private layer = 0;
  private direction: 'forward' | 'backward' = 'forward';
  private palette: ThemePalette | undefined;
  private scales: Scales | undefined;
  private cursor: { t: number; j: number } | null = null;
  private focused = false;
  private unitW = 4;

  constructor() {
    this.canvas = el('canvas', { class: 'heatmap', tabindex: 0, role: 'img', 'aria-label': l10n.t('Hidden state heatmap') });
    this.readout = el('div', { class: 'heatmap-readout', 'aria-live': 'polite', id: 'heatmap-readout' });
    this.element = el('div', { class: 'heatmap-wrap' }, this.canvas);
    this.canvas.addEventListener('keydown', (e) => this.onKey(e));
    this.canvas.addEventListener('focus', () => {
      this.focused = true;
      if (!this.cursor && this.inspection?.tokens.length) this.cursor = { t: 0, j: 0 };
      this.draw();
    });
    this.canvas.addEventListener('blur', () => {
      this.focused = false;
      this.draw();
    });
    this.canvas.addEventListener('mousemove', (e) => {
      const hit = this.hit(e);
      setText(this.readout, hit ? this.describe(hit.t, hit.j) : this.cursor ? this.describe(this.cursor.t, this.cursor.j) : '');
    });
    this.canvas.addEventListener('click', (e) => {
      const hit = this.hit(e);
      if (hit) this.moveTo(hit.t, hit.j);
    });
    new ResizeObserver(() => this.draw()).observe(this.element);
  }

  /** Sets the theme colours; redraws. */
  setTheme(palette: ThemePalette, scales: Scales): void {
    this.palette = palette;
    this.scales = scales;
    this.draw();
  }

  /** Shows h of a layer and direction of an inspection. */
  show(inspection: Inspection | null, layer: number, direction: 'forward' | 'backward'): void {
    this.inspection = inspection;
    this.layer = layer;
    this.direction = direction;
    const T = inspection?.tokens.length ?? 0;
    const H = inspection?.model.hiddenSize ?? 0;
    if (this.cursor && (this.cursor.t >= T || this.cursor.j >= H)) this.cursor = T && H ? { t: Math.min(this.cursor.t, T - 1), j: Math.min(this.cursor.j, H - 1) } : null;
    this.canvas.setAttribute(
      'aria-label',
      inspection
        ? l10n.t(
            'Hidden state h of layer {0} {1}: {2} tokens down, {3} units across, coloured from −1 to 1. Arrow keys move between tokens and units.',
            layer + 1,
            direction === 'forward' ? l10n.t('forward') : l10n.t('backward'),
            T,
            H,
          )
        : l10n.t('Hidden state heatmap (empty)'),
    );
    setText(this.readout, this.cursor ? this.describe(this.cursor.t, this.cursor.j) : inspection && T ? l10n.t('Hover, or focus and use the arrow keys.') : '');
    this.draw();
  }

  private values(): Float32Array | undefined {
    return this.inspection ? findDirection(this.inspection, this.layer, this.direction)?.h : undefined;
  }

  private describe(t: number, j: number): string {
    const h = this.values();
    const inspection = this.inspection;
    if (!h || !inspection) return '';
    const H = inspection.model.hiddenSize;
    const token = inspection.tokens[t];
    const value = fmt(h[t * H + j]);
    return token.known
      ? l10n.t('token {0} “{1}”, unit {2}: h = {3}', t + 1, showToken(token.text), j, value)
      : l10n.t('token {0} “{1}” (unknown), unit {2}: h = {3}', t + 1, showToken(token.text), j, value);
  }

  private moveTo(t: number, j: number): void {
    this.cursor = { t, j };
    setText(this.readout, this.describe(t, j));
    this.draw();
    const y = HEADER_H + t * ROW_H;
    if (y < this.element.scrollTop + HEADER_H) this.element.scrollTop = y - HEADER_H;
    else if (y + ROW_H > this.element.scrollTop + this.element.clientHeight) this.element.scrollTop = y + ROW_H - this.element.clientHeight;
  }

  private onKey(e: KeyboardEvent): void {
    const inspection = this.inspection;
    if (!inspection || inspection.tokens.length === 0) return;
    const T = inspection.tokens.length;
    const H = inspection.model.hiddenSize;
    const c = this.cursor ?? { t: 0, j: 0 };
    const moves: Record<string, [number, number]> = {
      ArrowUp: [Math.max(0, c.t - 1), c.j],
      ArrowDown: [Math.min(T - 1, c.t + 1), c.j],
      ArrowLeft: [c.t, Math.max(0, c.j - 1)],
      ArrowRight: [c.t, Math.min(H - 1, c.j + 1)],
      Home: [c.t, 0],
      End: [c.t, H - 1],
    };
    const next = moves[e.key];
    if (!next) return;
    e.preventDefault();
    this.moveTo(next[0], next[1]);
  }

  private hit(e: MouseEvent): { t: number; j: number } | undefined {
    const inspection = this.inspection;
    if (!inspection) return undefined;
    const rect = this.canvas.getBoundingClientRect();
    const x = e.clientX - rect.left - LABEL_W;
    const y = e.clientY - rect.top - HEADER_H;
    const t = Math.floor(y / ROW_H);
    const j = Math.floor(x / this.unitW);
    return t >= 0 && t < inspection.tokens.length && j >= 0 && j < inspection.model.hiddenSize ? { t, j } : undefined;
  }

  /** Draws the heatmap at the width the panel has. */
  draw(): void {
    const p = this.palette;
    const scales = this.scales;
    const inspection = this.inspection;
    const h = this.values();
    if (!p || !scales || !inspection || !h) {
      this.canvas.width = 0;
      this.canvas.height = 0;
      return;
    }
    const T = inspection.tokens.length;
    const H = inspection.model.hiddenSize;
    const available = Math.max(80, this.element.clientWidth - 2);
    this.unitW = Math.max(1, Math.min(24, Math.floor((available - LABEL_W) / H)));
    const w = LABEL_W + H * this.unitW + 1;
    const height = HEADER_H + T * ROW_H + 1;
    const dpr = window.devicePixelRatio || 1;
    this.canvas.width = Math.round(w * dpr);
    this.canvas.height = Math.round(height * dpr);
    this.canvas.style.width = `${w}px`;
    this.canvas.style.height = `${height}px`;
    this.canvas.dataset.geometry = JSON.stringify({ labelW: LABEL_W, headerH: HEADER_H, rowH: ROW_H, unitW: this.unitW, tokens: T, units: H });
    const ctx = this.canvas.getContext('2d')!;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, w, height);

    // Values: one pixel per (token, unit) through the lookup table, then scaled up unsmoothed.
    if (T > 0) {
      this.image.width = H;
      this.image.height = T;
      const ictx = this.image.getContext('2d')!;
      const img = ictx.createImageData(H, T);
      const px = new Uint32Array(img.data.buffer);
      const lut = scales.state.pixels;
      for (let i = 0; i < T * H; i++) {
        const k = Math.round(((h[i] + 1) / 2) * 255);
        px[i] = lut[k < 0 ? 0 : k > 255 ? 255 : k];
      }
      ictx.putImageData(img, 0, 0);
      ctx.imageSmoothingEnabled = false;
      ctx.drawImage(this.image, 0, 0, H, T, LABEL_W, HEADER_H, H * this.unitW, T * ROW_H);
    }

    // Unit indices across the top, tokens down the left.
    ctx.font = p.font;
    ctx.fillStyle = css(p.muted);
    ctx.textBaseline = 'middle';
    ctx.textAlign = 'center';
    const every = Math.max(1, Math.ceil(24 / this.unitW));
    for (let j = 0; j < H; j += every) ctx.fillText(String(j), LABEL_W + (j + 0.5) * this.unitW, HEADER_H / 2);
    ctx.textAlign = 'right';
    ctx.font = p.monoFont;
    for (let t = 0; t < T; t++) {
      const token = inspection.tokens[t];
      ctx.fillStyle = css(token.known ? p.foreground : p.warning);
      ctx.fillText(fitText(ctx, showToken(token.text), LABEL_W - 10), LABEL_W - 6, HEADER_H + t * ROW_H + ROW_H / 2);
    }
    ctx.strokeStyle = css(p.border);
    ctx.lineWidth = 1;
    ctx.strokeRect(LABEL_W - 0.5, HEADER_H - 0.5, H * this.unitW + 1, T * ROW_H + 1);

    if (this.cursor) {
      ctx.strokeStyle = css(p.focus);
      ctx.lineWidth = this.focused ? 2 : 1;
      ctx.strokeRect(LABEL_W + this.cursor.j * this.unitW - 1, HEADER_H + this.cursor.t * ROW_H - 1, this.unitW + 2, ROW_H + 2);
    }
  }
}

/** The text, cut with an ellipsis to fit `width` pixels in the context's font. */
function fitText(ctx: CanvasRenderingContext2D, text: string, width: number): string {
  if (ctx.measureText(text).width <= width) return text;
  let n = text.length;
  while (n > 1 && ctx.measureText(`${text.slice(0, n - 1)}…`).width > width) n--;
  return `${text.slice(0, n - 1)}…`;
}
