/**
 * The Hidden States side panel: the line under the cursor read by the active model as a tokens ×
 * units heatmap of h (layer and direction selectable), the predicted class, a button to open the
 * text in the unrolled view, and the saved models with their metrics and actions. Evaluated once the
 * host answered `ready` (see ./main), so its strings are created translated.
 */
import * as l10n from '@vscode/l10n';
import type { Inspection } from '../../src/core/inspect';
import { STATES_HOST_SIDE, type StatesSnapshot } from '../../src/shared/webviewProtocol';
import { buildScales, drawLegend } from '../shared/colorScale';
import { el, setText } from '../shared/dom';
import '../shared/elements';
import { pct } from '../shared/format';
import { CELL_SPECS } from '../../src/core/cells';
import { argmax } from '../shared/inspection';
import { css, readPalette, watchTheme, type ThemePalette } from '../shared/theme';
import { connectToHost } from '../shared/vscodeApi';
import { Heatmap } from './heatmap';
import { ModelsList, type ModelAction } from './models';

/** What the panel keeps across reloads. */
interface StatesState {
  /** The chosen layer; -1 until one is chosen (then the top layer is shown). */
  layer: number;
  direction: 'forward' | 'backward';
}

/** A vscode-single-select as the panel uses it. */
type Select = HTMLElement & { value: string; disabled: boolean; label: string };

const { host, api } = connectToHost<typeof STATES_HOST_SIDE, StatesState>(STATES_HOST_SIDE);
const state: StatesState = { layer: -1, direction: 'forward', ...api.getState() };
let inspection: Inspection | null = null;
let palette: ThemePalette;

const heatmap = new Heatmap();
const source = el('div', { class: 'source', id: 'source' });
const layerSelect = el('vscode-single-select', { class: 'layer-select', 'aria-label': l10n.t('Layer') }) as Select;
const directionSelect = el('vscode-single-select', { class: 'direction-select', 'aria-label': l10n.t('Direction') }) as Select;
const predicted = el('div', { class: 'predicted', id: 'predicted', 'aria-live': 'polite' });
const classBars = el('div', { class: 'class-bars' });
const legend = el('canvas', { class: 'legend-canvas', 'aria-hidden': 'true' });
const openButton = el('vscode-button', { class: 'open-unrolled', icon: 'type-hierarchy', text: l10n.t('Open in Unrolled View'), 'aria-label': l10n.t('Open this text in the unrolled view') });
const empty = el('div', { class: 'empty-state', id: 'empty', role: 'status' });
const status = el('div', { class: 'status-line', role: 'status' });
const content = el(
  'div',
  { class: 'states-content' },
  source,
  el('div', { class: 'controls' }, el('label', { class: 'control' }, el('span', { text: l10n.t('Layer') }), layerSelect), el('label', { class: 'control direction-control' }, el('span', { text: l10n.t('Direction') }), directionSelect)),
  predicted,
  classBars,
  heatmap.element,
  heatmap.readout,
  el('div', { class: 'legend' }, el('span', { class: 'legend-item', 'aria-label': l10n.t('h is coloured on a fixed scale from −1 to 1') }, el('span', { text: 'h −1' }), legend, el('span', { text: '1' }))),
  openButton,
);
const models = new ModelsList((action, name, button) => void act(action, name, button));

document.getElementById('app')!.replaceChildren(
  el('section', { class: 'states-section', 'aria-labelledby': 'states-title' }, el('h2', { id: 'states-title', text: l10n.t('Line under the cursor') }), empty, content),
  el('section', { class: 'models-section', 'aria-labelledby': 'models-title' }, el('h2', { id: 'models-title', text: l10n.t('Models') }), models.element, status),
);

layerSelect.addEventListener('change', () => {
  state.layer = Number(layerSelect.value) || 0;
  api.setState(state);
  draw();
});
directionSelect.addEventListener('change', () => {
  state.direction = directionSelect.value === 'backward' ? 'backward' : 'forward';
  api.setState(state);
  draw();
});
openButton.addEventListener('click', () => {
  if (inspection) void host.request('openUnrolled', { text: inspection.text }).catch(showError);
});

async function act(action: ModelAction, name: string, button: HTMLElement): Promise<void> {
  button.setAttribute('disabled', '');
  try {
    if (action === 'deleteModel') {
      const result = await host.request('deleteModel', { name });
      setText(status, result?.deleted ? l10n.t('Deleted {0}.', name) : '');
    } else if (action === 'setActive') {
      await host.request('setActive', { name });
      setText(status, '');
    } else {
      await host.request('revealModel', { name });
    }
  } catch (err) {
    showError(err);
  } finally {
    if (button.isConnected && !(action === 'setActive' && button.closest('.model-item.active'))) button.removeAttribute('disabled');
  }
}

function showError(err: unknown): void {
  setText(status, err instanceof Error ? err.message : String(err));
}

/** Fills a select with options, keeping the chosen value when it still exists. */
function setOptions(select: Select, options: { value: string; label: string }[], value: string): void {
  const key = options.map((o) => o.value).join('|');
  if (select.dataset.options !== key) {
    select.dataset.options = key;
    select.replaceChildren(...options.map((o) => el('vscode-option', { value: o.value, text: o.label })));
  }
  select.value = value;
  select.disabled = options.length < 2;
}

/** Shows a snapshot (checked by the channel against STATES_HOST_SIDE: models, a sound inspection or none). */
function applySnapshot(snapshot: StatesSnapshot): void {
  models.show(snapshot.models);
  inspection = snapshot.inspection;
  const reason = snapshot.emptyReason || l10n.t('Nothing to show yet.');
  empty.replaceChildren(el('p', { text: reason }), el('p', { class: 'muted', text: l10n.t('Put the cursor on a line of text in an editor (or select some text) and the active model reads it here. Train a model with “RNN: Train RNN on selection”.') }));
  empty.hidden = !!inspection;
  content.hidden = !inspection;
  setText(source, inspection ? `${typeof snapshot.source === 'string' && snapshot.source ? `${snapshot.source} · ` : ''}${inspection.model.name} (${CELL_SPECS[inspection.model.cell].label})` : '');
  draw();
}

function draw(): void {
  if (!inspection) {
    heatmap.show(null, 0, 'forward');
    return;
  }
  const m = inspection.model;
  // -1 (nothing chosen yet) means the top layer, the one the classifier reads.
  const layer = state.layer < 0 ? m.layers - 1 : Math.min(state.layer, m.layers - 1);
  const direction = m.bidirectional ? state.direction : 'forward';
  setOptions(
    layerSelect,
    Array.from({ length: m.layers }, (_, l) => ({ value: String(l), label: l === m.layers - 1 ? l10n.t('Layer {0} (top)', l + 1) : l10n.t('Layer {0}', l + 1) })),
    String(layer),
  );
  setOptions(
    directionSelect,
    m.bidirectional ? [{ value: 'forward', label: l10n.t('→ forward') }, { value: 'backward', label: l10n.t('← backward') }] : [{ value: 'forward', label: l10n.t('→ forward') }],
    direction,
  );
  const top = argmax(inspection.probabilities);
  setText(predicted, l10n.t('Predicted: {0} ({1})', m.classes[top], pct(inspection.probabilities[top])));
  predicted.dataset.class = m.classes[top];
  classBars.replaceChildren(
    ...m.classes.map((name, c) => {
      const fill = el('span', { class: 'class-bar-fill' });
      fill.style.width = `${(inspection!.probabilities[c] * 100).toFixed(1)}%`;
      if (palette) fill.style.backgroundColor = css(palette.classes[c % palette.classes.length]);
      return el('div', { class: 'class-bar', title: `${name} ${pct(inspection!.probabilities[c])}` }, el('span', { class: 'class-bar-name', text: name }), el('span', { class: 'class-bar-track' }, fill), el('span', { class: 'class-bar-value', text: pct(inspection!.probabilities[c]) }));
    }),
  );
  heatmap.show(inspection, layer, direction);
}

function applyTheme(): void {
  palette = readPalette('sideBar');
  const scales = buildScales(palette);
  drawLegend(legend, scales.state, palette, 96);
  heatmap.setTheme(palette, scales);
  draw();
}

host.onEvent('snapshot', applySnapshot);
applyTheme();
watchTheme(applyTheme);

/** Starts the panel with the host's answer to `ready` (or the error it failed with). */
export function start(outcome: { result: StatesSnapshot } | { error: unknown }): void {
  if ('error' in outcome) {
    applySnapshot({ models: [], inspection: null });
    showError(outcome.error);
  } else applySnapshot(outcome.result);
}
