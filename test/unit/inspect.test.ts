import { strict as assert } from 'node:assert';
import { CELL_SPECS, gateCount, type ScaleKind } from '../../src/core/cells';
import {
  SCALE_RANGES,
  checkUnrolledInspection,
  compactInspection,
  dequantize,
  quantize,
  type InspectedDirection,
  type InspectedModel,
  type Inspection,
} from '../../src/core/inspect';
import { seededRandom } from '../../src/engine/random';

/** A synthetic inspection with values spread past every scale's range (so clamping is exercised). */
function synthetic(cell: InspectedModel['cell'], T: number, H: number, bidirectional: boolean): Inspection {
  const random = seededRandom(11);
  const G = gateCount(cell);
  const fill = (n: number) => Float32Array.from({ length: n }, () => (random() - 0.5) * 8);
  const directions: InspectedDirection[] = [];
  for (let layer = 0; layer < 2; layer++) {
    for (const direction of bidirectional ? (['forward', 'backward'] as const) : (['forward'] as const)) {
      directions.push({ layer, direction, h: fill(T * H), c: cell === 'lstm' ? fill(T * H) : undefined, gates: fill(T * G * H), pre: fill(T * G * H) });
    }
  }
  const model: InspectedModel = { name: 'm', cell, layers: 2, bidirectional, hiddenSize: H, embeddingSize: 4, tokenization: 'char', classes: ['a', 'b'] };
  const tokens = Array.from({ length: T }, (_, t) => ({ text: 'x', id: 2, known: true, start: t, end: t + 1 }));
  return { model, text: 'x'.repeat(T), tokens, directions, probabilities: [0.25, 0.75], running: fill(T * 2), engineMs: 1, truncated: false };
}

describe('the unrolled panel\'s compact inspection', () => {
  it('quantises each scale to a byte: round trip within 1/255 of the range, clamped outside it', () => {
    for (const scale of Object.keys(SCALE_RANGES) as ScaleKind[]) {
      const { min, max } = SCALE_RANGES[scale];
      const step = (max - min) / 255;
      for (let i = 0; i <= 1000; i++) {
        const v = min + ((max - min) * i) / 1000;
        const q = quantize(v, scale);
        assert.ok(Number.isInteger(q) && q >= 0 && q <= 255);
        assert.ok(Math.abs(dequantize(q, scale) - v) <= step / 2 + 1e-12, `${scale} ${v}`);
      }
      assert.equal(quantize(min, scale), 0);
      assert.equal(quantize(max, scale), 255);
      assert.equal(quantize(min - 5, scale), 0);
      assert.equal(quantize(max + 5, scale), 255);
      assert.equal(quantize(-Infinity, scale), 0);
      assert.equal(quantize(Infinity, scale), 255);
    }
  });

  for (const cell of ['lstm', 'gru', 'simplernn'] as const) {
    it(`packs the ${cell} strips as [tokens × strips × H] bytes on their scales, equal to quantize of each value`, () => {
      const T = 7;
      const H = 5;
      const full = synthetic(cell, T, H, true);
      const u = compactInspection(full, { cell: null, unit: null });
      assert.equal(checkUnrolledInspection(u), undefined);
      const layout = CELL_SPECS[cell].strips;
      const G = gateCount(cell);
      u.directions.forEach((d, k) => {
        const f = full.directions[k];
        assert.equal(d.strips.length, T * layout.length * H);
        layout.forEach((strip, s) => {
          for (let t = 0; t < T; t++) {
            for (let j = 0; j < H; j++) {
              const v = strip.field === 'h' ? f.h[t * H + j] : strip.field === 'c' ? f.c![t * H + j] : f[strip.field][t * G * H + strip.gate * H + j];
              assert.equal(d.strips[(t * layout.length + s) * H + j], quantize(v, strip.scale));
            }
          }
        });
      });
      assert.equal(u.cell, null);
      assert.equal(u.unit, null);
    });
  }

  it('carries the focused cell (with the state it read) and the focused unit exactly, and clamps a cell past the end to the last token', () => {
    const T = 6;
    const H = 4;
    const full = synthetic('lstm', T, H, true);
    const back = full.directions.find((d) => d.layer === 1 && d.direction === 'backward')!;
    const u = compactInspection(full, { cell: { t: 2, layer: 1, direction: 'backward' }, unit: 3 });
    assert.equal(checkUnrolledInspection(u), undefined);
    assert.deepEqual(Array.from(u.cell!.h), Array.from(back.h.subarray(2 * H, 3 * H)));
    assert.deepEqual(Array.from(u.cell!.gates), Array.from(back.gates.subarray(2 * 4 * H, 3 * 4 * H)));
    assert.deepEqual(Array.from(u.cell!.pre), Array.from(back.pre.subarray(2 * 4 * H, 3 * 4 * H)));
    assert.deepEqual(Array.from(u.cell!.hPrev), Array.from(back.h.subarray(3 * H, 4 * H)), 'backward reads t + 1 first');
    assert.deepEqual(Array.from(u.cell!.cPrev!), Array.from(back.c!.subarray(3 * H, 4 * H)));
    const k = full.directions.indexOf(back);
    for (let t = 0; t < T; t++) assert.equal(u.unit!.series[k].values[t], back.h[t * H + 3]);
    const first = compactInspection(full, { cell: { t: 0, layer: 0, direction: 'forward' }, unit: null });
    assert.deepEqual(Array.from(first.cell!.hPrev), [0, 0, 0, 0], 'the forward pass starts from zeros');
    const past = compactInspection(full, { cell: { t: 99, layer: 0, direction: 'forward' }, unit: 99 });
    assert.equal(past.cell!.t, T - 1);
    assert.equal(past.unit, null, 'a unit past H is no unit');
    assert.equal(checkUnrolledInspection(past), undefined);
  });

  it('is several times smaller than the full inspection of the reference model (40 tokens, 2 bidirectional layers, H = 64)', () => {
    const full = synthetic('lstm', 40, 64, true);
    const u = compactInspection(full, { cell: { t: 39, layer: 1, direction: 'forward' }, unit: 5 });
    const bytes = (v: unknown): number =>
      ArrayBuffer.isView(v) ? v.byteLength : Array.isArray(v) ? v.reduce((n: number, x) => n + bytes(x), 0) : v && typeof v === 'object' ? Object.values(v).reduce((n: number, x) => n + bytes(x), 0) : 0;
    assert.equal(bytes(full.directions), 4 * 40 * (64 + 64 + 256 + 256) * 4);
    assert.ok(bytes(u) * 5 < bytes(full), `${bytes(u)} vs ${bytes(full)} bytes`);
  });

  it('rejects answers with wrong sizes, types, places or numbers', () => {
    const good = () => compactInspection(synthetic('gru', 3, 2, false), { cell: { t: 1, layer: 0, direction: 'forward' }, unit: 1 });
    assert.equal(checkUnrolledInspection(good()), undefined);
    const cases: [string, (u: ReturnType<typeof good>) => void, RegExp][] = [
      ['short strips', (u) => (u.directions[0].strips = new Uint8Array(3)), /strips has 3 values/],
      ['float strips', (u) => ((u.directions[0] as { strips: unknown }).strips = new Float32Array(3 * 4 * 2)), /not a Uint8Array/],
      ['NaN in the cell', (u) => (u.cell!.gates[0] = NaN), /cell gates\[0\] is not finite/],
      ['short hPrev', (u) => (u.cell!.hPrev = new Float32Array(1)), /cell hPrev has 1 values/],
      ['cell past the tokens', (u) => (u.cell!.t = 3), /cell.t is out of range/],
      ['backward cell in a forward-only model', (u) => (u.cell!.direction = 'backward'), /no backward direction/],
      ['unit past H', (u) => (u.unit!.unit = 2), /unit is out of range/],
      ['infinite series', (u) => (u.unit!.series[0].values[0] = Infinity), /not finite/],
      ['missing cell', (u) => delete (u as Partial<typeof u>).cell, /cell is not an object/],
    ];
    for (const [what, spoil, problem] of cases) {
      const u = good();
      spoil(u);
      assert.match(checkUnrolledInspection(u) ?? '', problem, what);
    }
  });
});
