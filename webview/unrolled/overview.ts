/**
 * The overview strip above the unrolled diagram: every token at a glance (a bar per token in the colour
 * of its running prediction's class, as tall as that prediction; unknown tokens marked, the selected
 * token underlined) and a window over the part the diagram shows. Dragging the window, or pressing
 * anywhere on the strip, scrolls the diagram; it is a focusable scrollbar: ←/→ one token, Page Up/Down
 * one view, Home/End the ends.
 */
import * as l10n from '@vscode/l10n';
import type { UnrolledInspection } from '../../src/core/inspect';
import { el, setAttr } from '../shared/dom';
import { argmax } from '../shared/inspection';
import { css, type ThemePalette } from '../shared/theme';
import { CLASSIFIER_W, GUTTER, type Geometry } from './geometry';

/** Height of the strip's drawing in CSS pixels. */
const STRIP_H = 22;
/** The window is never narrower than this, so that it can be grabbed. */
const MIN_WINDOW_W = 12;

/** What the strip shows. */
export interface OverviewView {
  geometry: Geometry | undefined;
  inspection: UnrolledInspection | null;
  selected: { t: number } | null;
}

/** The overview strip of a scrolling diagram. */
export class Overview {
  /** The strip (the element to place in the page). */
  readonly element: HTMLElement;
  private readonly canvas: HTMLCanvasElement;
  private readonly window: HTMLElement;
  private view: OverviewView = { geometry: undefined, inspection: null, selected: null };
  private palette: ThemePalette | undefined;
  /** The strip's width in CSS pixels (from a ResizeObserver). */
  private width = 0;
  /** The window's drag: where the pointer went down and the scroll position then. */
  private drag: { pointer: number; x: number; left: number } | undefined;

  /** `scroller` is the diagram's scrolling element (it needs an id: the strip controls it). */
  constructor(private readonly scroller: HTMLElement) {
    this.canvas = el('canvas', { class: 'overview-canvas', 'aria-hidden': 'true' });
    this.window = el('div', { class: 'overview-window', 'aria-hidden': 'true' });
    this.element = el(
      'div',
      {
        class: 'overview',
        tabindex: 0,
        role: 'scrollbar',
        'aria-controls': scroller.id,
        'aria-orientation': 'horizontal',
        'aria-valuemin': 0,
        'aria-valuemax': 100,
        'aria-label': l10n.t('Overview of all tokens: the window is the part the diagram shows. Left and Right arrows move it one token, Page Up and Page Down one view, Home and End to the ends.'),
      },
      this.canvas,
      this.window,
    );
    scroller.addEventListener('scroll', () => this.placeWindow(), { passive: true });
    new ResizeObserver(() => this.placeWindow()).observe(scroller);
    new ResizeObserver((entries) => {
      const width = Math.floor(entries[entries.length - 1].contentRect.width);
      if (width === this.width) return;
      this.width = width;
      this.draw();
    }).observe(this.element);
    this.element.addEventListener('pointerdown', (e) => this.onPointerDown(e));
    this.element.addEventListener('pointermove', (e) => this.onPointerMove(e));
    const endDrag = (e: PointerEvent) => {
      if (this.drag?.pointer !== e.pointerId) return;
      this.drag = undefined;
      this.window.classList.remove('dragging');
    };
    this.element.addEventListener('pointerup', endDrag);
    this.element.addEventListener('pointercancel', endDrag);
    this.element.addEventListener('keydown', (e) => this.onKey(e));
  }

  /** Sets the theme colours; redraws. */
  setTheme(palette: ThemePalette): void {
    this.palette = palette;
    this.draw();
  }

  /** Shows a view: redraws the tokens and places the window. */
  update(view: OverviewView): void {
    this.view = view;
    // Laid out whenever a model is shown, so that the diagram below never moves; empty without tokens.
    const tokens = view.inspection && view.geometry ? view.geometry.tokens : 0;
    this.element.style.visibility = tokens > 0 ? '' : 'hidden';
    setAttr(this.element, 'tabindex', tokens > 0 ? '0' : '-1');
    this.draw();
  }

  /** Content pixels per strip pixel of the diagram's whole scrolled width. */
  private scale(): number {
    const total = Math.max(this.view.geometry?.contentW ?? 0, this.scroller.clientWidth, 1);
    return this.width > 0 ? this.width / total : 0;
  }

  private maxLeft(): number {
    return Math.max(0, this.scroller.scrollWidth - this.scroller.clientWidth);
  }

  private scrollTo(left: number): void {
    this.scroller.scrollLeft = Math.max(0, Math.min(this.maxLeft(), left));
    this.placeWindow();
  }

  /** Puts the window over the part of the diagram in view, and says which tokens those are. */
  private placeWindow(): void {
    const g = this.view.geometry;
    const s = this.scale();
    const left = this.scroller.scrollLeft;
    const viewW = this.scroller.clientWidth;
    const w = Math.min(this.width, Math.max(MIN_WINDOW_W, viewW * s));
    const x = Math.min(this.width - w, left * s);
    this.window.style.left = `${Math.max(0, x)}px`;
    this.window.style.width = `${w}px`;
    const max = this.maxLeft();
    setAttr(this.element, 'aria-valuenow', String(max > 0 ? Math.round((left / max) * 100) : 0));
    if (g && g.tokens > 0) {
      const { first, last } = g.visibleTokens(left + GUTTER, viewW - GUTTER);
      setAttr(this.element, 'aria-valuetext', l10n.t('tokens {0} to {1} of {2} in view', first + 1, last + 1, g.tokens));
      this.element.dataset.visible = `${first}-${last}`;
    } else {
      setAttr(this.element, 'aria-valuetext', undefined);
      delete this.element.dataset.visible;
    }
  }

  /** Draws a bar per token in its running prediction's class colour. */
  private draw(): void {
    const dpr = window.devicePixelRatio || 1;
    const width = Math.max(1, this.width);
    if (this.canvas.width !== Math.round(width * dpr) || this.canvas.height !== Math.round(STRIP_H * dpr)) {
      this.canvas.width = Math.round(width * dpr);
      this.canvas.height = Math.round(STRIP_H * dpr);
      this.canvas.style.width = `${width}px`;
      this.canvas.style.height = `${STRIP_H}px`;
    }
    const ctx = this.canvas.getContext('2d');
    const { geometry: g, inspection, selected } = this.view;
    const p = this.palette;
    if (!ctx) return;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, width, STRIP_H);
    if (g && inspection && p && inspection.tokens.length === g.tokens) {
      const s = this.scale();
      const C = inspection.model.classes.length;
      const barW = Math.max(1, g.cellW * s);
      for (let t = 0; t < g.tokens; t++) {
        const x = g.colX(t) * s;
        const top = argmax(inspection.running, t * C, C);
        const prob = inspection.running[t * C + top];
        const h = Math.max(3, Math.round(prob * (STRIP_H - 8)));
        ctx.fillStyle = css(p.classes[top % p.classes.length]);
        ctx.fillRect(x, STRIP_H - 4 - h, barW, h);
        if (!inspection.tokens[t].known) {
          ctx.fillStyle = css(p.warning);
          ctx.fillRect(x, 1, barW, 2);
        }
        if (selected?.t === t) {
          ctx.fillStyle = css(p.focus);
          ctx.fillRect(x, STRIP_H - 3, barW, 3);
        }
      }
      // The classifier box after the last token.
      ctx.strokeStyle = css(p.foreground);
      ctx.lineWidth = 1;
      ctx.strokeRect(Math.round(g.classifierX * s) + 0.5, 4.5, Math.max(2, Math.round(CLASSIFIER_W * s)), STRIP_H - 9);
    }
    this.placeWindow();
  }

  private onPointerDown(e: PointerEvent): void {
    if (e.button !== 0 || !this.view.geometry || this.view.geometry.tokens === 0) return;
    const s = this.scale();
    if (s <= 0) return;
    e.preventDefault();
    const x = e.clientX - this.element.getBoundingClientRect().left;
    // Outside the window: centre the view there first; either way the window follows the pointer.
    if (e.target !== this.window) this.scrollTo(x / s - this.scroller.clientWidth / 2);
    this.drag = { pointer: e.pointerId, x, left: this.scroller.scrollLeft };
    this.window.classList.add('dragging');
    this.element.setPointerCapture(e.pointerId);
  }

  private onPointerMove(e: PointerEvent): void {
    if (this.drag?.pointer !== e.pointerId) return;
    const x = e.clientX - this.element.getBoundingClientRect().left;
    this.scrollTo(this.drag.left + (x - this.drag.x) / this.scale());
  }

  private onKey(e: KeyboardEvent): void {
    const g = this.view.geometry;
    if (!g || g.tokens === 0) return;
    const left = this.scroller.scrollLeft;
    const page = Math.max(g.colW, this.scroller.clientWidth - GUTTER);
    const to: Record<string, number> = { ArrowLeft: left - g.colW, ArrowRight: left + g.colW, PageUp: left - page, PageDown: left + page, Home: 0, End: this.maxLeft() };
    if (!(e.key in to)) return;
    e.preventDefault();
    this.scrollTo(to[e.key]);
  }
}
