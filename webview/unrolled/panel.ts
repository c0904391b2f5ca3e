/**
 * The unrolled-RNN panel: a text field, the active model, the unrolled diagram of the sentence with
 * every state and gate per token, the running prediction, and the detail pane of the selected cell.
 * Builds the page and wires its events; the text is read by ./reading (in the page once the model's
 * reader is loaded, else by the host), and each answer it accepts is drawn here. Evaluated once the
 * host answered `ready` (see ./main), so its strings are created translated.
 */
import * as l10n from '@vscode/l10n';
import type { InspectFocus, InspectedModel, UnrolledInspection } from '../../src/core/inspect';
import { UNROLLED_HOST_SIDE, type UNROLLED_COMMANDS } from '../../src/shared/webviewProtocol';
import type { ResultOf } from '../../src/shared/channel';
import { buildScales, drawLegend, type Scales } from '../shared/colorScale';
import { el, setText } from '../shared/dom';
import '../shared/elements';
import { fmt, pct, showToken } from '../shared/format';
import { CELL_SPECS } from '../../src/core/cells';
import { argmax, cellValue, findSeries, rowOrder, stripsFor } from '../shared/inspection';
import { readPalette, watchTheme, type ThemePalette } from '../shared/theme';
import { connectToHost } from '../shared/vscodeApi';
import { DetailPane } from './detail';
import { Diagram } from './diagram';
import { Overview } from './overview';
import { focusMatches, Reading } from './reading';

/** What the panel keeps across reloads (VS Code getState / setState). */
interface UnrolledState {
  text: string;
  selected: { t: number; row: number } | null;
  unit: number | null;
}

/** A vscode-textfield as the panel uses it. */
type TextField = HTMLElement & { value: string; label: string; placeholder: string; type: string; min: number; max: number; disabled: boolean };

const { host, api } = connectToHost<typeof UNROLLED_HOST_SIDE, UnrolledState>(UNROLLED_HOST_SIDE);
const saved = api.getState();
const state: UnrolledState = { text: saved?.text ?? '', selected: saved?.selected ?? null, unit: saved?.unit ?? null };
let model: InspectedModel | null = null;
let inspection: UnrolledInspection | null = null;
let palette: ThemePalette;
let scales: Scales;

const field = el('vscode-textfield', { class: 'sentence', placeholder: l10n.t('Type a sentence…') }) as TextField;
field.label = l10n.t('Sentence to read with the model');
const modelLine = el('div', { class: 'model-line', id: 'model' });
const prediction = el('div', { class: 'prediction', id: 'prediction', 'aria-live': 'polite' });
const status = el('div', { class: 'status-line', id: 'status', role: 'status' });
const readout = el('div', { class: 'readout', id: 'readout' });
const unitField = el('vscode-textfield', { class: 'unit-field', type: 'number', placeholder: '–' }) as TextField;
unitField.label = l10n.t('Unit to highlight in every cell');
const clearUnit = el('vscode-button', { secondary: true, icon: 'clear-all', class: 'clear-unit', 'aria-label': l10n.t('Clear the unit highlight'), text: l10n.t('Clear') });
const legendStates = el('canvas', { class: 'legend-canvas', 'aria-hidden': 'true' });
const legendGates = el('canvas', { class: 'legend-canvas', 'aria-hidden': 'true' });
const legendPre = el('canvas', { class: 'legend-canvas', 'aria-hidden': 'true' });
const legendGatesItem = el('span', { class: 'legend-item', 'aria-label': l10n.t('Gates are coloured on a fixed scale from 0 to 1') }, el('span', { text: l10n.t('gates 0') }), legendGates, el('span', { text: '1' }));
const legendPreItem = el('span', { class: 'legend-item', 'aria-label': l10n.t('Pre-activations are coloured on a fixed scale from −3 to 3, clamped') }, el('span', { text: l10n.t('pre −3') }), legendPre, el('span', { text: '3' }));
const announcer = el('div', { class: 'visually-hidden', 'aria-live': 'polite', id: 'announce' });
const modelRow = el('div', { class: 'model-row' }, modelLine, prediction);
const toolbar = el(
  'div',
  { class: 'toolbar' },
  el(
    'div',
    { class: 'legend', role: 'group', 'aria-label': l10n.t('Colour scales') },
    el('span', { class: 'legend-item', 'aria-label': l10n.t('States (h, c, candidates) are coloured on a fixed scale from −1 to 1') }, el('span', { text: l10n.t('states −1') }), legendStates, el('span', { text: '1' })),
    legendGatesItem,
    legendPreItem,
    el('span', { class: 'legend-item legend-unknown', text: l10n.t('unknown token') }),
  ),
  el('div', { class: 'unit-control' }, el('span', { class: 'unit-caption', text: l10n.t('Unit') }), unitField, clearUnit),
);
const notes = el(
  'div',
  { class: 'diagram-notes' },
  readout,
  el('div', {
    class: 'help',
    text: l10n.t(
      'Under each token: the running prediction, i.e. what the classifier says if the sentence ended after that token. Keys in the diagram: ←/→ tokens · ↑/↓ rows · Shift+←/→ units · Home/End · Esc clears the unit.',
    ),
  }),
);

/** The empty state (no active model): what to do, with buttons that do it. */
const emptyState = el(
  'section',
  { class: 'empty-state unrolled-empty', id: 'empty', 'aria-labelledby': 'empty-title', hidden: true },
  el('h2', { id: 'empty-title', text: l10n.t('No active model yet') }),
  el('p', {
    text: l10n.t(
      'This view shows a trained model reading a sentence, token by token. Train one first: open a file of labelled examples (for example label⇥text lines), select the lines to learn from (or none for the whole file) and run "RNN: Train RNN on selection". Or pick a model you trained before.',
    ),
  }),
  el(
    'div',
    { class: 'empty-actions' },
    el('vscode-button', { icon: 'play', class: 'train-button', text: l10n.t('Train RNN on selection'), onclick: () => runCommand('trainOnSelection') }),
    el('vscode-button', { secondary: true, icon: 'list-selection', class: 'select-button', text: l10n.t('Select Active Model'), onclick: () => runCommand('selectModel') }),
  ),
  el('p', { class: 'empty-note', text: l10n.t('This panel reads its sentence as soon as a model is active.') }),
);

const diagram = new Diagram({
  select: (t, row, unit) => {
    state.selected = { t, row };
    if (unit !== undefined) state.unit = unit;
    changed(true);
    announce();
  },
  unit: (unit) => {
    state.unit = unit;
    changed(false);
    announce();
  },
  hover: (t, row, unit) => setText(readout, describe(t, row, unit ?? null, true)),
});
diagram.element.id = 'diagram';
const overview = new Overview(diagram.element);
const detail = new DetailPane((unit) => {
  state.unit = unit;
  changed(false);
});
const reading = new Reading(host, {
  currentModel,
  currentText: () => field.value,
  focus,
  show,
  announce,
  failed: (message) => showStatus(message, true),
  readerChanged: (kernelName) => {
    if (kernelName === undefined) delete diagram.element.dataset.reader;
    else diagram.element.dataset.reader = kernelName;
  },
});

document.getElementById('app')!.replaceChildren(
  el(
    'header',
    { class: 'panel-header' },
    el('div', { class: 'input-row' }, field),
    modelRow,
    status,
  ),
  emptyState,
  toolbar,
  overview.element,
  diagram.element,
  notes,
  detail.element,
  announcer,
);

field.addEventListener('input', () => {
  state.text = field.value;
  api.setState(state);
  reading.read(field.value);
});
unitField.addEventListener('input', () => {
  const H = currentModel()?.hiddenSize ?? 0;
  const n = Number(unitField.value);
  if (unitField.value === '' || !Number.isInteger(n) || n < 0 || n >= H) return;
  if (n !== state.unit) {
    state.unit = n;
    changed(false, true);
  }
});
clearUnit.addEventListener('click', () => {
  state.unit = null;
  changed(false);
});

function currentModel(): InspectedModel | null {
  return inspection?.model ?? model;
}

/** Re-renders after a selection or unit change, and saves the state; asks for the exact values of a newly focused cell or unit. */
function changed(selectionMoved: boolean, fromUnitField = false): void {
  api.setState(state);
  render(fromUnitField);
  if (selectionMoved) diagram.reveal(state.selected?.t ?? 0);
  if (inspection && !focusMatches(inspection, focus())) reading.readForFocus(field.value);
}

/** The cell and unit whose exact values the panel prints (the engine sends those at full precision). */
function focus(): InspectFocus {
  const m = currentModel();
  const row = m && state.selected ? rowOrder(m)[state.selected.row] : undefined;
  return { cell: row && state.selected ? { t: state.selected.t, layer: row.layer, direction: row.direction } : null, unit: state.unit };
}

/** Puts a new inspection on screen. */
function show(next: UnrolledInspection): void {
  const shapeChanged = !inspection || inspection.model.hiddenSize !== next.model.hiddenSize || rowOrder(inspection.model).length !== rowOrder(next.model).length;
  inspection = next;
  if (!model || model.name !== next.model.name) setModel(next.model);
  const T = next.tokens.length;
  if (state.selected) {
    const rows = rowOrder(next.model).length;
    state.selected = T === 0 ? state.selected : { t: Math.min(state.selected.t, T - 1), row: Math.min(state.selected.row, rows - 1) };
  }
  if (state.unit !== null && state.unit >= next.model.hiddenSize) state.unit = null;
  if (shapeChanged) api.setState(state);
  showStatus(next.truncated ? l10n.t("Only the first {0} tokens are read (the model's maximum length).", T) : '', false);
  render(false);
  followCaret();
}

/** Keeps the token under the text cursor in view while typing. */
function followCaret(): void {
  if (!inspection || document.activeElement !== field) return;
  const input = field.shadowRoot?.querySelector('input');
  const caret = input?.selectionStart ?? field.value.length;
  const tokens = inspection.tokens;
  let t = tokens.length - 1;
  while (t > 0 && tokens[t].start > caret) t--;
  if (t >= 0) diagram.reveal(t);
}

/** Draws everything from the current state. */
function render(keepUnitField: boolean): void {
  const m = currentModel();
  const view = {
    model: m,
    inspection,
    selected: inspection && state.selected && state.selected.t < inspection.tokens.length ? state.selected : null,
    unit: state.unit,
    message: !m
      ? l10n.t('No active model. Train one on a selection (RNN: Train RNN on selection) or pick one (RNN: Select Active Model).')
      : inspection && inspection.tokens.length === 0
        ? l10n.t('Type a sentence above to see the network read it, token by token.')
        : undefined,
  };
  diagram.element.dataset.text = inspection?.text ?? '';
  diagram.update(view);
  overview.update({ geometry: diagram.layout, inspection, selected: view.selected });
  detail.update(view);
  if (!keepUnitField) {
    const text = state.unit === null ? '' : String(state.unit);
    if (unitField.value !== text) unitField.value = text;
  }
  clearUnit.toggleAttribute('disabled', state.unit === null);
  if (inspection) {
    const top = argmax(inspection.probabilities);
    const name = inspection.model.classes[top];
    setText(prediction, l10n.t('Prediction: {0} {1}', name, pct(inspection.probabilities[top])));
    prediction.dataset.class = name;
    prediction.title = inspection.model.classes.map((c, i) => `${c} ${pct(inspection!.probabilities[i])}`).join(' · ');
  } else {
    setText(prediction, '');
    delete prediction.dataset.class;
  }
}

function setModel(next: InspectedModel | null): void {
  model = next;
  if (next) {
    const layers = next.layers > 1 ? l10n.t('{0} layers', next.layers) : l10n.t('1 layer');
    const reads = next.tokenization === 'char' ? l10n.t('characters') : l10n.t('words');
    const shape = [CELL_SPECS[next.cell].label, layers, ...(next.bidirectional ? [l10n.t('bidirectional')] : []), `H = ${next.hiddenSize}`, reads, l10n.t('classes: {0}', next.classes.join(', '))];
    // Each part stays whole; the line wraps between them (and inside the name only when it is wider than the view).
    const parts = shape.map((part) => el('span', { class: 'model-part', text: part }));
    modelLine.replaceChildren(el('strong', { class: 'model-name', text: next.name }), ' ', ...parts.flatMap((part, i) => (i === 0 ? [part] : [' · ', part])));
    unitField.max = next.hiddenSize - 1;
    unitField.min = 0;
  } else {
    modelLine.replaceChildren(el('span', { class: 'muted', text: l10n.t('No active model') }));
    inspection = null;
  }
  showEmptyState(!next);
  // Cells that draw a pre-activation strip instead of gates (SimpleRNN) get the pre-activation legend.
  const showsPre = !!next && CELL_SPECS[next.cell].strips.some((s) => s.field === 'pre');
  legendGatesItem.hidden = showsPre;
  legendPreItem.hidden = !showsPre;
}

/** Shows the empty state (no active model) instead of the diagram and its controls, or the other way round. */
function showEmptyState(empty: boolean): void {
  emptyState.hidden = !empty;
  for (const part of [modelRow, toolbar, overview.element, diagram.element, notes, detail.element]) part.hidden = empty;
}

/** Runs one of the empty state's commands in the host; says so when the host could not. */
function runCommand(command: (typeof UNROLLED_COMMANDS)[number]): void {
  host.request('runCommand', { command }).then(
    () => showStatus('', false),
    (err: unknown) => showStatus(l10n.t('The extension did not answer: {0}', err instanceof Error ? err.message : String(err)), true),
  );
}

function showStatus(text: string, error: boolean): void {
  setText(status, text);
  status.classList.toggle('error', error);
}

/** A sentence about a cell (and a unit) for the readout and screen readers. */
function describe(t: number, row: number, unit: number | null, short: boolean): string {
  if (!inspection || t < 0 || t >= inspection.tokens.length) return '';
  const m = inspection.model;
  const r = rowOrder(m)[row];
  if (!r) return '';
  const token = inspection.tokens[t];
  const direction = r.direction === 'forward' ? l10n.t('forward') : l10n.t('backward');
  const where = token.known
    ? l10n.t('Token {0} of {1} “{2}”, layer {3} {4}', t + 1, inspection.tokens.length, showToken(token.text), r.layer + 1, direction)
    : l10n.t('Token {0} of {1} “{2}” (unknown), layer {3} {4}', t + 1, inspection.tokens.length, showToken(token.text), r.layer + 1, direction);
  if (unit === null) return short ? where : l10n.t('{0}. Press Shift with the arrow keys to choose a unit.', where);
  // Exact values only: the focused unit's series, or the focused cell's vectors; the strips' colours are rounded.
  const series = inspection.unit?.unit === unit ? findSeries(inspection, r.layer, r.direction) : undefined;
  const cell = inspection.cell;
  const inCell = cell && cell.t === t && cell.layer === r.layer && cell.direction === r.direction ? cell : undefined;
  if (!series && !inCell) return short || unit === state.unit ? l10n.t('{0}, unit {1}', where, unit) : l10n.t('{0}, unit {1}. Select the unit for its values.', where, unit);
  const T = inspection.tokens.length;
  const values = stripsFor(m.cell).map((s, i) => `${s.label} ${fmt(series ? series[i * T + t] : cellValue(inCell!, s, m, unit))}`);
  return l10n.t('{0}, unit {1}: {2}', where, unit, values.join(', '));
}

function announce(): void {
  if (state.selected) setText(announcer, describe(state.selected.t, state.selected.row, state.unit, false));
}

function applyTheme(): void {
  palette = readPalette();
  scales = buildScales(palette);
  overview.setTheme(palette);
  drawLegend(legendStates, scales.state, palette, 96);
  drawLegend(legendGates, scales.gate, palette, 96);
  drawLegend(legendPre, scales.pre, palette, 96);
  document.documentElement.style.setProperty('--rnn-unknown', `rgb(${palette.warning.r}, ${palette.warning.g}, ${palette.warning.b})`);
  diagram.setTheme(palette, scales);
  detail.setTheme(palette, scales);
}

host.onEvent('modelChanged', (event) => {
  const next = event.model;
  const readInView = event.readInView;
  const sameSave = reading.noteCreated(event.created);
  const sameModel = next !== null && model?.name === next.name && sameSave;
  if (sameModel) {
    // Another model was added or removed, or only the setting changed: the diagram stays.
    if (readInView && !reading.hasReader) reading.loadReader();
    else if (!readInView && reading.hasReader) reading.dropReader();
    return;
  }
  inspection = null;
  setModel(next);
  // A panel that had nothing to read (opened before any model) starts with a line of the model's data.
  if (next && field.value === '' && event.sample) {
    field.value = event.sample;
    state.text = event.sample;
    api.setState(state);
  }
  if (readInView) reading.loadReader();
  else reading.dropReader();
  reading.read(field.value);
  render(false);
});
host.onEvent('setText', ({ text }) => {
  field.value = text;
  state.text = text;
  api.setState(state);
  reading.read(text);
});

applyTheme();
watchTheme(applyTheme);
field.value = state.text;

/** Starts the panel with the host's answer to `ready` (or the error it failed with). */
export function start(outcome: { result: ResultOf<typeof UNROLLED_HOST_SIDE.requests.ready> } | { error: unknown }): void {
  if ('error' in outcome) {
    const err = outcome.error;
    showStatus(l10n.t('The extension did not answer: {0}', err instanceof Error ? err.message : String(err)), true);
    render(false);
    return;
  }
  const result = outcome.result;
  setModel(result.model);
  const text = result.text;
  field.value = text;
  state.text = text;
  api.setState(state);
  render(false);
  reading.read(text);
  reading.loadReader();
}
