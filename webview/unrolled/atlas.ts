/**
 * The heatmap atlas: every strip of every cell as one pixel row of an off-screen canvas, one pixel per
 * unit, coloured through the scale's lookup table from the engine's quantised strips. Built once per
 * inspection (and per theme); drawing a cell is then one scaled, unsmoothed drawImage per strip.
 */
import type { UnrolledInspection } from '../../src/core/inspect';
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

  /** Fills the atlas from the quantised strips of an inspection (each byte is its scale's table index). */
  build(inspection: UnrolledInspection, specs: StripSpec[], scales: Scales): void {
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
    const luts = specs.map((spec) => scales[spec.scale].pixels);
    rows.forEach(({ layer, direction }, r) => {
      const d = findDirection(inspection, layer, direction);
      if (!d) return;
      // The strips are [tokens × strips × H], the atlas rows of this diagram row in the same order.
      const bytes = d.strips;
      const base = this.rowOf(r, 0, 0) * H;
      for (let t = 0; t < T; t++) {
        for (let s = 0; s < S; s++) {
          const lut = luts[s];
          const from = (t * S + s) * H;
          for (let j = 0; j < H; j++) px[base + from + j] = lut[bytes[from + j]];
        }
      }
    });
    ctx.putImageData(this.image, 0, 0);
  }
}
