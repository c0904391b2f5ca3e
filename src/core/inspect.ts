/**
 * What the engine captures when it reads one sentence with a model: every token, and per layer and
 * direction the hidden state, the cell state and each gate's activation and pre-activation per token,
 * the final class probabilities and the running prediction after each token. Shared by the engine
 * (producer), the host (router) and the webviews (drawing); `checkInspection` validates it on arrival.
 */

import { CELL_SPECS, gateCount, isCellKind, type CellKind, type ScaleKind, type StripLayout } from './cells';


/** One token of the sentence, with its place in the text. */
export interface InspectedToken {
  text: string;
  id: number;
  /** False when the token is not in the vocabulary (it reads as <unk>). */
  known: boolean;
  start: number;
  end: number;
}

/** Per-token values of one direction of one layer; every array is [tokens × width], row-major. */
export interface InspectedDirection {
  layer: number;
  direction: 'forward' | 'backward';
  /** h_t, [T × H]. */
  h: Float32Array;
  /** c_t, [T × H] (LSTM only). */
  c?: Float32Array;
  /** Gate activations [T × G·H], gates in the cell spec's order (SimpleRNN: the new state). */
  gates: Float32Array;
  /** Pre-activations [T × G·H] (before σ / tanh; for LSTM and SimpleRNN including the recurrent term and bias). */
  pre: Float32Array;
}

/** The model, as the views describe it. */
export interface InspectedModel {
  name: string;
  cell: CellKind;
  layers: number;
  bidirectional: boolean;
  hiddenSize: number;
  embeddingSize: number;
  tokenization: 'word' | 'char';
  classes: string[];
}

/** Everything the views draw for one sentence. */
export interface Inspection {
  model: InspectedModel;
  text: string;
  tokens: InspectedToken[];
  directions: InspectedDirection[];
  /** Class probabilities for the whole sentence. */
  probabilities: number[];
  /** running[t] = the probabilities if the sentence ended after token t ([T × classes]). */
  running: Float32Array;
  /** Milliseconds the engine spent (tokenise + capture + running prediction). */
  engineMs: number;
  /** True when the text had more tokens than the model reads (maxLength): the rest is not shown. */
  truncated: boolean;
}


function finiteArray(a: unknown, length: number, what: string): string | undefined {
  if (!(a instanceof Float32Array)) return `${what} is not a Float32Array`;
  if (a.length !== length) return `${what} has ${a.length} values; expected ${length}`;
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) return `${what}[${i}] is not finite`;
  return undefined;
}

/** Checks what both kinds of inspection share up to the directions: model, text, tokens, how many directions. */
/** Checks a model description (what inspections, and the host's messages to the views, carry); returns the first problem, or undefined. */
export function checkInspectedModel(value: unknown): string | undefined {
  const m = value as InspectedModel;
  if (!m || typeof m !== 'object' || typeof m.name !== 'string') return 'model is missing or has no name';
  if (!isCellKind(m.cell)) return 'model.cell is missing or unknown';
  if (!Number.isInteger(m.hiddenSize) || m.hiddenSize < 1 || m.hiddenSize > 4096) return 'model.hiddenSize is out of range';
  if (!Number.isInteger(m.layers) || m.layers < 1 || m.layers > 4) return 'model.layers is out of range';
  if (!Array.isArray(m.classes) || m.classes.length < 1 || m.classes.some((c) => typeof c !== 'string')) return 'model.classes is not a list of names';
  return undefined;
}

function checkHead(v: { model: InspectedModel; text: string; tokens: InspectedToken[]; directions: unknown[] }): string | undefined {
  if (!v || typeof v !== 'object') return 'not an object';
  const m = v.model;
  const modelProblem = checkInspectedModel(m);
  if (modelProblem) return modelProblem;
  if (typeof v.text !== 'string' || !Array.isArray(v.tokens)) return 'text or tokens missing';
  if (v.tokens.length > 5000) return 'too many tokens';
  for (const t of v.tokens) {
    if (typeof t?.text !== 'string' || !Number.isInteger(t.id) || !Number.isInteger(t.start) || !Number.isInteger(t.end)) return 'a token is malformed';
  }
  const D = m.bidirectional ? 2 : 1;
  if (!Array.isArray(v.directions) || v.directions.length !== m.layers * D) return `expected ${m.layers * D} layer directions`;
  return undefined;
}

/** Checks that a layer and direction exist in the model. */
function checkPlace(d: { layer: number; direction: string } | undefined, m: InspectedModel): string | undefined {
  if (!d || typeof d !== 'object' || !Number.isInteger(d.layer) || d.layer < 0 || d.layer >= m.layers) return 'a layer index is out of range';
  if (d.direction !== 'forward' && !(d.direction === 'backward' && m.bidirectional)) return `layer ${d.layer} has no ${String(d.direction)} direction`;
  return undefined;
}

/** Checks what both kinds of inspection share after the directions: probabilities, running prediction, engineMs. */
function checkTail(v: { model: InspectedModel; tokens: unknown[]; probabilities: number[]; running: Float32Array; engineMs: number }): string | undefined {
  const C = v.model.classes.length;
  if (!Array.isArray(v.probabilities) || v.probabilities.length !== C || v.probabilities.some((p) => !Number.isFinite(p))) return 'probabilities malformed';
  const running = finiteArray(v.running, v.tokens.length * C, 'running');
  if (running) return running;
  if (!Number.isFinite(v.engineMs)) return 'engineMs is not finite';
  return undefined;
}

/** Checks what both kinds of inspection share (head and tail) around `arrays`, the check of each kind's own arrays. */
function checkAround<V extends Inspection | UnrolledInspection>(value: unknown, arrays: (v: V, m: InspectedModel, T: number, H: number) => string | undefined): string | undefined {
  const v = value as V;
  return checkHead(v) ?? arrays(v, v.model, v.tokens.length, v.model.hiddenSize) ?? checkTail(v);
}

/** Checks an Inspection's shape, sizes and numbers; returns the first problem, or undefined when it is sound. */
export function checkInspection(value: unknown): string | undefined {
  return checkAround<Inspection>(value, (v, m, T, H) => {
    const G = gateCount(m.cell);
    for (const d of v.directions) {
      const where = `layer ${d?.layer} ${d?.direction}`;
      const problem =
        checkPlace(d, m) ??
        finiteArray(d.h, T * H, `${where} h`) ??
        (CELL_SPECS[m.cell].hasCellState ? finiteArray(d.c, T * H, `${where} c`) : undefined) ??
        finiteArray(d.gates, T * G * H, `${where} gates`) ??
        finiteArray(d.pre, T * G * H, `${where} pre`);
      if (problem) return problem;
    }
    return undefined;
  });
}

/** Each scale's range; values outside are clamped when drawn (and when quantised). */
export const SCALE_RANGES: Record<ScaleKind, { min: number; max: number }> = {
  state: { min: -1, max: 1 },
  gate: { min: 0, max: 1 },
  pre: { min: -3, max: 3 },
};

/** The exact value of a strip for token t and unit j of a captured direction. */
export function stripValue(d: InspectedDirection, strip: StripLayout, cell: InspectedModel['cell'], H: number, t: number, j: number): number {
  if (strip.field === 'h') return d.h[t * H + j];
  if (strip.field === 'c') return d.c ? d.c[t * H + j] : 0;
  const GH = gateCount(cell) * H;
  return d[strip.field][t * GH + strip.gate * H + j];
}

/** A value as a byte on its strip's scale: min → 0, max → 255, clamped, rounded (error ≤ half a step, (max − min) / 510). */
export function quantize(value: number, scale: ScaleKind): number {
  const { min, max } = SCALE_RANGES[scale];
  const q = Math.round(((value - min) / (max - min)) * 255);
  return q <= 0 ? 0 : q >= 255 ? 255 : q;
}

/** The value a byte stands for on a scale (the inverse of quantize inside the range). */
export function dequantize(byte: number, scale: ScaleKind): number {
  const { min, max } = SCALE_RANGES[scale];
  return min + (byte / 255) * (max - min);
}

/** What the unrolled panel prints numbers for besides the probabilities: the selected cell and the selected unit. */
export interface InspectFocus {
  cell: { t: number; layer: number; direction: 'forward' | 'backward' } | null;
  unit: number | null;
}

/** The heatmap strips of one direction of one layer, quantised: [tokens × strips × H] bytes, strips in the cell spec's order. */
export interface StripDirection {
  layer: number;
  direction: 'forward' | 'backward';
  strips: Uint8Array;
}

/**
 * The exact values of one cell, for the detail pane: InspectedDirection's arrays for token t alone
 * (h and c [H], gates and pre [G·H]), and the state the cell read (zeros where the direction starts).
 */
export interface CellValues extends InspectedDirection {
  t: number;
  /** The previous state in this direction's reading order, [H] (zeros for the first token read). */
  hPrev: Float32Array;
  /** The previous cell state, [H] (LSTM only). */
  cPrev?: Float32Array;
}

/** The exact values of one unit in every cell of one direction: [strips × tokens], strips in the cell spec's order. */
export interface UnitSeries {
  layer: number;
  direction: 'forward' | 'backward';
  values: Float32Array;
}

/**
 * What the unrolled panel gets per keystroke: the strips as bytes (they only need colour), and exact
 * float32 values only where numbers are printed: the focused cell, the focused unit across tokens,
 * the probabilities and the running prediction.
 */
export interface UnrolledInspection {
  model: InspectedModel;
  text: string;
  tokens: InspectedToken[];
  directions: StripDirection[];
  /** The focused cell's exact values (a cell past the last token: the last one); null when none is focused or there are no tokens. */
  cell: CellValues | null;
  /** The focused unit and its exact series per direction (in `directions` order); null when none is focused. */
  unit: { unit: number; series: UnitSeries[] } | null;
  probabilities: number[];
  running: Float32Array;
  engineMs: number;
  truncated: boolean;
}

/** The unrolled panel's answer from a full inspection: strips quantised, exact values for the focus only. */
export function compactInspection(full: Inspection, focus: InspectFocus): UnrolledInspection {
  const m = full.model;
  const H = m.hiddenSize;
  const T = full.tokens.length;
  const layout = CELL_SPECS[m.cell].strips;
  const S = layout.length;
  const G = gateCount(m.cell);
  const directions = full.directions.map((d) => {
    const strips = new Uint8Array(T * S * H);
    layout.forEach((strip, s) => {
      const { min, max } = SCALE_RANGES[strip.scale];
      const k = 255 / (max - min);
      const source = strip.field === 'c' ? (d.c ?? d.h) : d[strip.field];
      const stride = strip.field === 'h' || strip.field === 'c' ? H : G * H;
      const offset = strip.gate * H;
      for (let t = 0; t < T; t++) {
        const src = t * stride + offset;
        const dst = (t * S + s) * H;
        for (let j = 0; j < H; j++) {
          const q = Math.round((source[src + j] - min) * k);
          strips[dst + j] = q < 0 ? 0 : q > 255 ? 255 : q;
        }
      }
    });
    return { layer: d.layer, direction: d.direction, strips };
  });
  let cell: CellValues | null = null;
  // A cell past the last token means the last one (the panel clamps its selection the same way when text is deleted).
  const at = focus.cell;
  const d = at && T > 0 ? full.directions.find((x) => x.layer === at.layer && x.direction === at.direction) : undefined;
  if (at && d) {
    const t = Math.min(at.t, T - 1);
    const prev = d.direction === 'forward' ? t - 1 : t + 1;
    const hasPrev = prev >= 0 && prev < T;
    const GH = G * H;
    cell = {
      t,
      layer: d.layer,
      direction: d.direction,
      h: d.h.slice(t * H, (t + 1) * H),
      ...(d.c ? { c: d.c.slice(t * H, (t + 1) * H) } : {}),
      gates: d.gates.slice(t * GH, (t + 1) * GH),
      pre: d.pre.slice(t * GH, (t + 1) * GH),
      hPrev: hasPrev ? d.h.slice(prev * H, (prev + 1) * H) : new Float32Array(H),
      ...(d.c ? { cPrev: hasPrev ? d.c.slice(prev * H, (prev + 1) * H) : new Float32Array(H) } : {}),
    };
  }
  const j = focus.unit;
  const unit =
    j === null || j >= H
      ? null
      : {
          unit: j,
          series: full.directions.map((dir) => {
            const values = new Float32Array(S * T);
            layout.forEach((strip, s) => {
              for (let t = 0; t < T; t++) values[s * T + t] = stripValue(dir, strip, m.cell, H, t, j);
            });
            return { layer: dir.layer, direction: dir.direction, values };
          }),
        };
  return { model: m, text: full.text, tokens: full.tokens, directions, cell, unit, probabilities: full.probabilities, running: full.running, engineMs: full.engineMs, truncated: full.truncated };
}

function byteArray(a: unknown, length: number, what: string): string | undefined {
  if (!(a instanceof Uint8Array)) return `${what} is not a Uint8Array`;
  if (a.length !== length) return `${what} has ${a.length} values; expected ${length}`;
  return undefined;
}

/** Checks an UnrolledInspection's shape, sizes and numbers; returns the first problem, or undefined when it is sound. */
export function checkUnrolledInspection(value: unknown): string | undefined {
  return checkAround<UnrolledInspection>(value, (v, m, T, H) => {
    const S = CELL_SPECS[m.cell].strips.length;
    const GH = gateCount(m.cell) * H;
    for (const d of v.directions) {
      const problem = checkPlace(d, m) ?? byteArray(d.strips, T * S * H, `layer ${d.layer} ${d.direction} strips`);
      if (problem) return problem;
    }
    if (v.cell !== null) {
      const c = v.cell;
      const hasC = CELL_SPECS[m.cell].hasCellState;
      const problem =
        (c && typeof c === 'object' ? checkPlace(c, m) : 'cell is not an object') ??
        (!Number.isInteger(c.t) || c.t < 0 || c.t >= T ? 'cell.t is out of range' : undefined) ??
        finiteArray(c.h, H, 'cell h') ??
        (hasC ? finiteArray(c.c, H, 'cell c') : undefined) ??
        finiteArray(c.gates, GH, 'cell gates') ??
        finiteArray(c.pre, GH, 'cell pre') ??
        finiteArray(c.hPrev, H, 'cell hPrev') ??
        (hasC ? finiteArray(c.cPrev, H, 'cell cPrev') : undefined);
      if (problem) return problem;
    }
    if (v.unit !== null) {
      const u = v.unit;
      if (!u || typeof u !== 'object' || !Number.isInteger(u.unit) || u.unit < 0 || u.unit >= H) return 'unit is out of range';
      if (!Array.isArray(u.series) || u.series.length !== v.directions.length) return 'unit series malformed';
      for (const s of u.series) {
        const problem = checkPlace(s, m) ?? finiteArray(s.values, S * T, `unit series ${s.layer} ${s.direction}`);
        if (problem) return problem;
      }
    }
    return undefined;
  });
}
