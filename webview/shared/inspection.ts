/**
 * Reading an Inspection in the views: validation on arrival (typed arrays revived when a host sent
 * plain arrays), the heatmap strips each cell type shows, and value lookups by token and unit.
 */
import * as l10n from '@vscode/l10n';
import { GATE_NAMES, checkInspection, gateCount, type InspectedDirection, type InspectedModel, type Inspection } from '../../src/shared/inspect';

/** Float fields of a direction. */
const FLOAT_FIELDS = ['h', 'c', 'gates', 'pre'] as const;

function toFloat32(value: unknown): unknown {
  if (value instanceof Float32Array) return value;
  if (Array.isArray(value)) return Float32Array.from(value as number[]);
  // A typed array that went through JSON arrives as { "0": …, "1": … }.
  if (value && typeof value === 'object' && !ArrayBuffer.isView(value)) {
    const entries = Object.keys(value);
    if (entries.every((k, i) => k === String(i))) return Float32Array.from(entries.map((k) => (value as Record<string, number>)[k]));
  }
  return value;
}

/** Validates an inspection from the host (after turning number arrays into Float32Arrays); returns it or the problem. */
export function acceptInspection(raw: unknown): { inspection: Inspection } | { problem: string } {
  if (raw && typeof raw === 'object') {
    const v = raw as Partial<Inspection> & { directions?: unknown[] };
    if (Array.isArray(v.directions)) {
      for (const d of v.directions as Record<string, unknown>[]) {
        if (!d || typeof d !== 'object') continue;
        for (const f of FLOAT_FIELDS) if (d[f] !== undefined) d[f] = toFloat32(d[f]);
      }
    }
    if (v.running !== undefined) (v as Record<string, unknown>).running = toFloat32(v.running);
  }
  const problem = checkInspection(raw);
  return problem ? { problem } : { inspection: raw as Inspection };
}

/** Checks the model description the host sends with `ready` and `modelChanged`. */
export function checkModel(value: unknown): value is InspectedModel {
  const m = value as InspectedModel;
  return (
    !!m &&
    typeof m === 'object' &&
    typeof m.name === 'string' &&
    ['lstm', 'gru', 'simplernn'].includes(m.cell) &&
    Number.isInteger(m.layers) &&
    m.layers >= 1 &&
    m.layers <= 4 &&
    Number.isInteger(m.hiddenSize) &&
    m.hiddenSize >= 1 &&
    m.hiddenSize <= 4096 &&
    Array.isArray(m.classes) &&
    m.classes.every((c) => typeof c === 'string')
  );
}

/** Display names of the cells. */
export const CELL_NAMES: Record<InspectedModel['cell'], string> = { lstm: 'LSTM', gru: 'GRU', simplernn: 'SimpleRNN' };

/** Which colour scale a strip uses. */
export type ScaleKind = 'state' | 'gate' | 'pre';

/** One heatmap strip of a cell: a label and where its values live. */
export interface StripSpec {
  key: string;
  label: string;
  /** What it is, for tooltips and aria labels. */
  title: string;
  scale: ScaleKind;
  field: 'h' | 'c' | 'gates' | 'pre';
  /** Which gate block of `gates` / `pre` (0 for h and c). */
  gate: number;
}

/** The strips a cell type shows, top to bottom: h_t, and LSTM c_t, i, f, c̃, o; GRU z, r, h̃; SimpleRNN the pre-activation. */
export function stripsFor(cell: InspectedModel['cell']): StripSpec[] {
  const h: StripSpec = { key: 'h', label: cell === 'simplernn' ? 'S' : 'h', title: cell === 'simplernn' ? l10n.t('state S_t') : l10n.t('hidden state h_t'), scale: 'state', field: 'h', gate: 0 };
  if (cell === 'lstm') {
    const [i, f, cc, o] = GATE_NAMES.lstm;
    return [
      h,
      { key: 'c', label: 'c', title: l10n.t('cell state c_t'), scale: 'state', field: 'c', gate: 0 },
      { key: 'i', label: i, title: l10n.t('input gate i'), scale: 'gate', field: 'gates', gate: 0 },
      { key: 'f', label: f, title: l10n.t('forget gate f'), scale: 'gate', field: 'gates', gate: 1 },
      { key: 'cc', label: cc, title: l10n.t('candidate c̃'), scale: 'state', field: 'gates', gate: 2 },
      { key: 'o', label: o, title: l10n.t('output gate o'), scale: 'gate', field: 'gates', gate: 3 },
    ];
  }
  if (cell === 'gru') {
    const [z, r, hh] = GATE_NAMES.gru;
    return [
      h,
      { key: 'z', label: z, title: l10n.t('update gate z'), scale: 'gate', field: 'gates', gate: 0 },
      { key: 'r', label: r, title: l10n.t('reset gate r'), scale: 'gate', field: 'gates', gate: 1 },
      { key: 'hh', label: hh, title: l10n.t('candidate h̃'), scale: 'state', field: 'gates', gate: 2 },
    ];
  }
  return [h, { key: 'pre', label: 'pre', title: l10n.t('pre-activation W·X + H·S + b'), scale: 'pre', field: 'pre', gate: 0 }];
}

/** The value of a strip for token t and unit j. */
export function stripValue(d: InspectedDirection, spec: StripSpec, cell: InspectedModel['cell'], H: number, t: number, j: number): number {
  if (spec.field === 'h') return d.h[t * H + j];
  if (spec.field === 'c') return d.c ? d.c[t * H + j] : 0;
  const GH = gateCount(cell) * H;
  return d[spec.field][t * GH + spec.gate * H + j];
}

/** The rows of the unrolled diagram, top to bottom: the top layer first; in a bidirectional layer the backward row above the forward one. */
export function rowOrder(inspectionOrModel: { layers: number; bidirectional: boolean }): { layer: number; direction: 'forward' | 'backward' }[] {
  const rows: { layer: number; direction: 'forward' | 'backward' }[] = [];
  for (let layer = inspectionOrModel.layers - 1; layer >= 0; layer--) {
    if (inspectionOrModel.bidirectional) rows.push({ layer, direction: 'backward' });
    rows.push({ layer, direction: 'forward' });
  }
  return rows;
}

/** The captured direction for a layer and direction. */
export function findDirection(inspection: Inspection, layer: number, direction: 'forward' | 'backward'): InspectedDirection | undefined {
  return inspection.directions.find((d) => d.layer === layer && d.direction === direction);
}

/** The index of the top class of a probability row. */
export function argmax(values: ArrayLike<number>, from = 0, count = values.length): number {
  let best = 0;
  for (let c = 1; c < count; c++) if (values[from + c] > values[from + best]) best = c;
  return best;
}
