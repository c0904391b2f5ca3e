/**
 * Reading an Inspection in the views (the channel checked it on arrival, see webviewProtocol.ts): the
 * heatmap strips each cell type shows, and value lookups by token and unit.
 */
import * as l10n from '@vscode/l10n';
import { CELL_SPECS, type ScaleKind, type StripLayout } from '../../src/core/cells';
import {
  type CellValues,
  type InspectedModel,
  type Inspection,
  type UnrolledInspection,
} from '../../src/core/inspect';

/** Which colour scale a strip uses. */
export type { ScaleKind };

/** One heatmap strip of a cell: its layout (shared with the engine, which quantises it) and its label. */
export interface StripSpec extends StripLayout {
  label: string;
  /** What it is, for tooltips and aria labels. */
  title: string;
}

/** The strips a cell type shows, top to bottom, in its spec's order: h_t, and LSTM c_t, i, f, c̃, o; GRU z, r, h̃; SimpleRNN the pre-activation. */
export function stripsFor(cell: InspectedModel['cell']): StripSpec[] {
  const spec = CELL_SPECS[cell];
  // Localised titles by strip key (literal l10n.t calls, so the strings are extracted).
  const titles: Record<string, string> = {
    h: spec.stateSymbol === 'S' ? l10n.t('state S_t') : l10n.t('hidden state h_t'),
    c: l10n.t('cell state c_t'),
    i: l10n.t('input gate i'),
    f: l10n.t('forget gate f'),
    cc: l10n.t('candidate c̃'),
    o: l10n.t('output gate o'),
    z: l10n.t('update gate z'),
    r: l10n.t('reset gate r'),
    hh: l10n.t('candidate h̃'),
    pre: l10n.t('pre-activation W·X + H·S + b'),
  };
  return spec.strips.map((layout) => ({
    ...layout,
    label: layout.field === 'h' ? spec.stateSymbol : layout.field === 'gates' ? spec.gates[layout.gate] : layout.key,
    title: titles[layout.key],
  }));
}

/** The exact value of strip s of the focused cell for unit j. */
export function cellValue(cell: CellValues, spec: StripLayout, model: InspectedModel, j: number): number {
  const H = model.hiddenSize;
  if (spec.field === 'h') return cell.h[j];
  if (spec.field === 'c') return cell.c ? cell.c[j] : 0;
  return cell[spec.field][spec.gate * H + j];
}

/** The focused unit's series in a layer and direction ([strips × tokens]), when the answer carries it. */
export function findSeries(inspection: UnrolledInspection, layer: number, direction: 'forward' | 'backward'): Float32Array | undefined {
  return inspection.unit?.series.find((s) => s.layer === layer && s.direction === direction)?.values;
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
export function findDirection<D extends { layer: number; direction: 'forward' | 'backward' }>(inspection: { directions: D[] }, layer: number, direction: 'forward' | 'backward'): D | undefined {
  return inspection.directions.find((d) => d.layer === layer && d.direction === direction);
}

/** The index of the top class of a probability row. */
export function argmax(values: ArrayLike<number>, from = 0, count = values.length): number {
  let best = 0;
  for (let c = 1; c < count; c++) if (values[from + c] > values[from + best]) best = c;
  return best;
}
