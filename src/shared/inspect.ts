/**
 * What the engine captures when it reads one sentence with a model: every token, and per layer and
 * direction the hidden state, the cell state and each gate's activation and pre-activation per token,
 * the final class probabilities and the running prediction after each token. Shared by the engine
 * (producer), the host (router) and the webviews (drawing); `checkInspection` validates it on arrival.
 */

/** The names of the gate rows a cell has, in Keras order. */
export const GATE_NAMES = {
  lstm: ['i', 'f', 'c̃', 'o'],
  gru: ['z', 'r', 'h̃'],
  simplernn: ['s'],
} as const;

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
  /** Gate activations [T × G·H], gates in GATE_NAMES order (SimpleRNN: the new state). */
  gates: Float32Array;
  /** Pre-activations [T × G·H] (before σ / tanh; for LSTM and SimpleRNN including the recurrent term and bias). */
  pre: Float32Array;
}

/** The model, as the views describe it. */
export interface InspectedModel {
  name: string;
  cell: 'lstm' | 'gru' | 'simplernn';
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

/** Gates per unit for a cell. */
export function gateCount(cell: InspectedModel['cell']): number {
  return GATE_NAMES[cell].length;
}

function finiteArray(a: unknown, length: number, what: string): string | undefined {
  if (!(a instanceof Float32Array)) return `${what} is not a Float32Array`;
  if (a.length !== length) return `${what} has ${a.length} values; expected ${length}`;
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) return `${what}[${i}] is not finite`;
  return undefined;
}

/** Checks an Inspection's shape, sizes and numbers; returns the first problem, or undefined when it is sound. */
export function checkInspection(value: unknown): string | undefined {
  const v = value as Inspection;
  if (!v || typeof v !== 'object') return 'not an object';
  const m = v.model;
  if (!m || !['lstm', 'gru', 'simplernn'].includes(m.cell)) return 'model.cell is missing or unknown';
  if (!Number.isInteger(m.hiddenSize) || m.hiddenSize < 1 || m.hiddenSize > 4096) return 'model.hiddenSize is out of range';
  if (!Number.isInteger(m.layers) || m.layers < 1 || m.layers > 4) return 'model.layers is out of range';
  if (!Array.isArray(m.classes) || m.classes.length < 1 || m.classes.some((c) => typeof c !== 'string')) return 'model.classes is not a list of names';
  if (typeof v.text !== 'string' || !Array.isArray(v.tokens)) return 'text or tokens missing';
  const T = v.tokens.length;
  if (T > 5000) return 'too many tokens';
  for (const t of v.tokens) {
    if (typeof t?.text !== 'string' || !Number.isInteger(t.id) || !Number.isInteger(t.start) || !Number.isInteger(t.end)) return 'a token is malformed';
  }
  const D = m.bidirectional ? 2 : 1;
  if (!Array.isArray(v.directions) || v.directions.length !== m.layers * D) return `expected ${m.layers * D} layer directions`;
  const H = m.hiddenSize;
  const G = gateCount(m.cell);
  for (const d of v.directions) {
    const where = `layer ${d?.layer} ${d?.direction}`;
    const problem =
      finiteArray(d.h, T * H, `${where} h`) ??
      (m.cell === 'lstm' ? finiteArray(d.c, T * H, `${where} c`) : undefined) ??
      finiteArray(d.gates, T * G * H, `${where} gates`) ??
      finiteArray(d.pre, T * G * H, `${where} pre`);
    if (problem) return problem;
  }
  if (!Array.isArray(v.probabilities) || v.probabilities.length !== m.classes.length || v.probabilities.some((p) => !Number.isFinite(p))) return 'probabilities malformed';
  const running = finiteArray(v.running, T * m.classes.length, 'running');
  if (running) return running;
  if (!Number.isFinite(v.engineMs)) return 'engineMs is not finite';
  return undefined;
}
