/**
 * Fixed, labelled colour scales built from theme colours: states and pre-activations diverge around
 * zero (negative ← mid → positive), gates run from 0 to 1. Each scale is a 256-entry lookup table of
 * packed RGBA pixels, so a heatmap is filled with one table read per value (and a quantised strip byte
 * is the table index itself).
 */
import * as l10n from '@vscode/l10n';
import { SCALE_RANGES } from '../../src/core/inspect';
import { type Rgb, type ThemePalette, css, mix } from './theme';

/** One colour scale: a fixed domain, a lookup table of packed pixels and CSS colours for drawing. */
export interface ColorScale {
  /** What the legend calls it. */
  label: string;
  min: number;
  max: number;
  /** 256 pixels (ABGR in little-endian Uint32, as ImageData wants). */
  pixels: Uint32Array;
  /** 256 CSS colours (for fillStyle). */
  colors: string[];
}

const STEPS = 256;
const littleEndian = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** Packs an opaque colour into one ImageData pixel. */
export function packPixel(c: Rgb): number {
  return littleEndian ? ((255 << 24) | (c.b << 16) | (c.g << 8) | c.r) >>> 0 : ((c.r << 24) | (c.g << 16) | (c.b << 8) | 255) >>> 0;
}

function build(label: string, min: number, max: number, at: (u: number) => Rgb): ColorScale {
  const pixels = new Uint32Array(STEPS);
  const colors: string[] = [];
  for (let i = 0; i < STEPS; i++) {
    const c = at(i / (STEPS - 1));
    pixels[i] = packPixel(c);
    colors.push(css(c));
  }
  return { label, min, max, pixels, colors };
}

/** The table index of a value (clamped to the domain). */
export function scaleIndex(scale: ColorScale, value: number): number {
  const u = (value - scale.min) / (scale.max - scale.min);
  const i = Math.round(u * (STEPS - 1));
  return i < 0 ? 0 : i > STEPS - 1 ? STEPS - 1 : i;
}

/** The CSS colour of a value. */
export function scaleColor(scale: ColorScale, value: number): string {
  return scale.colors[scaleIndex(scale, value)];
}

/** The colour zero maps to: the background tinted towards the foreground, so an all-zero strip is still visible. */
export function zeroColor(p: ThemePalette): Rgb {
  return mix(p.background, p.foreground, p.highContrast ? 0.18 : 0.1);
}

/** A diverging scale around zero: min → negative colour, 0 → zero colour, max → positive colour. */
export function divergingScale(p: ThemePalette, label: string, limit: number): ColorScale {
  const zero = zeroColor(p);
  return build(label, -limit, limit, (u) => (u < 0.5 ? mix(p.negative, zero, u / 0.5) : mix(zero, p.positive, (u - 0.5) / 0.5)));
}

/** A sequential scale for gates: 0 → zero colour, 1 → the gate colour. */
export function gateScale(p: ThemePalette): ColorScale {
  const zero = zeroColor(p);
  return build(l10n.t('gates 0 … 1'), SCALE_RANGES.gate.min, SCALE_RANGES.gate.max, (u) => mix(zero, p.gate, u));
}

/** The scales of the views. */
export interface Scales {
  state: ColorScale;
  gate: ColorScale;
  pre: ColorScale;
}

/** Builds every scale for the palette, on the ranges the engine quantises the strips to (SCALE_RANGES). */
export function buildScales(p: ThemePalette): Scales {
  return {
    state: divergingScale(p, l10n.t('states −1 … 1'), SCALE_RANGES.state.max),
    gate: gateScale(p),
    pre: divergingScale(p, l10n.t('pre-activation −3 … 3 (clamped)'), SCALE_RANGES.pre.max),
  };
}

/** Draws a horizontal legend bar for a scale into a canvas sized in CSS pixels (ticks at min, middle, max). */
export function drawLegend(canvas: HTMLCanvasElement, scale: ColorScale, p: ThemePalette, width = 120, height = 10): void {
  const dpr = window.devicePixelRatio || 1;
  canvas.width = Math.round(width * dpr);
  canvas.height = Math.round(height * dpr);
  canvas.style.width = `${width}px`;
  canvas.style.height = `${height}px`;
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  const img = ctx.createImageData(canvas.width, canvas.height);
  const px = new Uint32Array(img.data.buffer);
  for (let x = 0; x < canvas.width; x++) {
    const color = scale.pixels[Math.round((x / Math.max(1, canvas.width - 1)) * (STEPS - 1))];
    for (let y = 0; y < canvas.height; y++) px[y * canvas.width + x] = color;
  }
  ctx.putImageData(img, 0, 0);
  ctx.strokeStyle = css(p.border);
  ctx.lineWidth = 1;
  ctx.strokeRect(0.5, 0.5, canvas.width - 1, canvas.height - 1);
}
