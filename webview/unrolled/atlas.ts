/**
 * The heatmap atlas: every strip of every cell as one pixel row of an off-screen canvas, one pixel per
 * unit, coloured through the scale's lookup table. Built once per inspection (and per theme); drawing
 * a cell is then one scaled, unsmoothed drawImage per strip.
 */
import type { Inspection } from '../../src/shared/inspect';
import { gateCount } from '../../src/shared/inspect';
import type { Scales } from '../shared/colorScale';
import { findDirection, rowOrder, type StripSpec } from '../shared/inspection';

/** The atlas canvas and how to find a strip in it. */
export class Atlas {
  readonly canvas = document.createElement('canvas');
  private image: ImageData | undefined;
  private tokens = 0;
  private strips = 0;

  /** Source row of strip s of token t in row r. */
  rowOf(r: number, t: number, s: number): number {
    return (r * this.tokens + t) * this.strips + s;
  }

  /** Fills the atlas from an inspection. */
  build(inspection: Inspection, specs: StripSpec[], scales: Scales): void {
    const { model } = inspection;
    const H = model.hiddenSize;
    const T = inspection.tokens.length;
    const S = specs.length;
    const rows = rowOrder(model);
    this.tokens = T;
    this.strips = S;
    const height = Math.max(1, rows.length * T * S);
    if (this.canvas.width !== H || this.canvas.height !== height) {
      this.canvas.width = H;
      this.canvas.height = height;
      this.image = undefined;
    }
    const ctx = this.canvas.getContext('2d');
    if (!ctx || T === 0) return;
    if (!this.image) this.image = ctx.createImageData(H, height);
    const px = new Uint32Array(this.image.data.buffer);
    const GH = gateCount(model.cell) * H;
    rows.forEach(({ layer, direction }, r) => {
      const d = findDirection(inspection, layer, direction);
      if (!d) return;
      specs.forEach((spec, s) => {
        const scale = scales[spec.scale];
        const lut = scale.pixels;
        const lo = scale.min;
        const span = scale.max - scale.min;
        let source: Float32Array;
        let stride: number;
        let offset: number;
        if (spec.field === 'h' || spec.field === 'c') {
          source = (spec.field === 'h' ? d.h : d.c) ?? d.h;
          stride = H;
          offset = 0;
        } else {
          source = d[spec.field];
          stride = GH;
          offset = spec.gate * H;
        }
        for (let t = 0; t < T; t++) {
          const dst = this.rowOf(r, t, s) * H;
          const src = t * stride + offset;
          for (let j = 0; j < H; j++) {
            let i = Math.round(((source[src + j] - lo) / span) * 255);
            i = i < 0 ? 0 : i > 255 ? 255 : i;
            px[dst + j] = lut[i];
          }
        }
      });
    });
    ctx.putImageData(this.image, 0, 0);
  }
}

