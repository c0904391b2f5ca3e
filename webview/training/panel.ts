/**
 * The training panel: a run as it trains (header with progress, pace, ETA and Cancel; live curves) and
 * the report of a finished or saved model (the same curves, the headline, the confusion grid and the
 * misclassified lines of a cell, scores per class, data and model), or why there is nothing to show.
 * The host sends a full `live` snapshot a few times a second: the latest one is drawn once per animation
 * frame, however many arrive in it. Evaluated once the host answered `ready` (see ./main), so its strings
 * are created translated.
 */
import * as l10n from '@vscode/l10n';
import type { ResultOf } from '../../src/shared/channel';
import type { TrainingLive, TrainingReport } from '../../src/shared/trainingView';
import { TRAINING_HOST_SIDE } from '../../src/shared/webviewProtocol';
import { el, setAttr, setText } from '../shared/dom';
import '../shared/elements';
import { readPalette, watchTheme } from '../shared/theme';
import { connectToHost } from '../shared/vscodeApi';
import { Curves } from './curves';
import { duration, speed } from './format';
import { ReportView } from './report';

type Shown = { kind: 'live'; live: TrainingLive } | { kind: 'report'; report: TrainingReport } | { kind: 'empty'; reason: string };

const { host } = connectToHost(TRAINING_HOST_SIDE);

const app = document.getElementById('app')!;
app.dataset.draws = '0';
// A report reads as a document (tables, lists, headings) that screen readers browse: not an application.
app.setAttribute('role', 'main');

// Live header.
const liveName = el('h1', { class: 'run-name', id: 'live-name' });
const cancelButton = el('vscode-button', { class: 'cancel-button', id: 'cancel', icon: 'debug-stop', secondary: true, text: l10n.t('Cancel'), title: l10n.t('Stop after the current batch; the best model so far is kept') });
const liveModel = el('p', { class: 'model-line', id: 'live-model' });
const livePhase = el('span', { class: 'live-phase', id: 'live-phase' });
const liveProgress = el('span', { class: 'live-progress', id: 'live-progress' });
const liveSpeed = el('span', { class: 'live-speed', id: 'live-speed' });
const liveEta = el('span', { class: 'live-eta', id: 'live-eta' });
const progressFill = el('div', { class: 'progress-fill' });
const progressBar = el('div', { class: 'progress-bar', role: 'progressbar', 'aria-valuemin': 0, 'aria-valuemax': 100, 'aria-label': l10n.t('Training progress') }, progressFill);
const liveMessage = el('p', { class: 'live-message muted', id: 'live-message' });
const liveStatus = el('p', { class: 'live-status', id: 'live-status', role: 'status' });
const liveHeader = el(
  'header',
  { class: 'run-header live-header', id: 'live-header' },
  el('div', { class: 'title-row' }, liveName, cancelButton),
  liveModel,
  el('p', { class: 'live-figures' }, livePhase, liveProgress, liveSpeed, liveEta),
  progressBar,
  liveMessage,
  liveStatus,
);

const curves = new Curves('curves');
const noHistory = el('p', { class: 'empty-state no-history', id: 'no-history', text: l10n.t('No training history was recorded for this model.') });
const curvesSection = el('section', { class: 'section curves-section', 'aria-labelledby': 'curves-title' }, el('h2', { id: 'curves-title', text: l10n.t('Training curves') }), curves.element, noHistory);

const reportView = new ReportView(async (line) => host.request('openLine', { line }));
const empty = el('div', { class: 'empty-state training-empty', id: 'empty', role: 'status' });
const status = el('div', { class: 'status-line', id: 'status', role: 'status' });
const announcer = el('div', { class: 'visually-hidden', id: 'announce', 'aria-live': 'polite' });

app.replaceChildren(liveHeader, reportView.header, empty, curvesSection, reportView.sections, status, announcer);

let shown: Shown | undefined;
/** The latest state not drawn yet (many `live` events in one frame: only the last is drawn). */
let pending: Shown | undefined;
let frame = 0;
/** The user pressed Cancel on this run (until another run starts). */
let cancelRequested = false;

cancelButton.addEventListener('click', () => {
  if (cancelButton.hasAttribute('disabled')) return;
  cancelButton.setAttribute('disabled', '');
  host.request('cancel', {}).then(
    (result) => {
      if (result.cancelling) {
        cancelRequested = true;
        showCancelling();
      } else {
        cancelButton.removeAttribute('disabled');
        setText(liveStatus, l10n.t('Nothing is training now.'));
      }
    },
    (err: unknown) => {
      cancelButton.removeAttribute('disabled');
      showError(err);
    },
  );
});

function showCancelling(): void {
  cancelButton.setAttribute('disabled', '');
  setText(liveStatus, l10n.t('Stopping after this batch…'));
}

function showError(err: unknown): void {
  setText(status, err instanceof Error ? err.message : String(err));
  status.classList.add('error');
}

/** Queues a state for the next frame. */
function schedule(next: Shown): void {
  pending = next;
  if (frame) return;
  frame = requestAnimationFrame(() => {
    frame = 0;
    const state = pending;
    pending = undefined;
    if (state) render(state);
  });
}

const PHASES: Record<TrainingLive['phase'], string> = {
  preparing: l10n.t('Preparing…'),
  training: l10n.t('Training'),
  evaluating: l10n.t('Evaluating'),
  saving: l10n.t('Saving the model…'),
};

function renderLive(live: TrainingLive): void {
  setText(liveName, live.name);
  setText(liveModel, live.model);
  setText(livePhase, PHASES[live.phase]);
  setText(liveProgress, live.batches > 0 ? l10n.t('epoch {0}/{1} · batch {2}/{3}', live.epoch, live.epochs, live.batch, live.batches) : l10n.t('epoch {0}/{1}', live.epoch, live.epochs));
  setText(liveSpeed, live.tokensPerSecond > 0 ? speed(live.tokensPerSecond) : '');
  liveSpeed.hidden = !(live.tokensPerSecond > 0);
  setText(liveEta, live.etaSeconds !== undefined ? l10n.t('ETA {0}', duration(live.etaSeconds)) : '');
  liveEta.hidden = live.etaSeconds === undefined;
  setAttr(liveEta, 'title', live.etaSeconds !== undefined ? l10n.t('Estimated from the pace so far (validation passes not counted)') : undefined);
  setText(liveMessage, live.message ?? '');
  liveMessage.hidden = !live.message;
  const total = live.epochs * live.batches;
  const done = live.batches > 0 ? Math.max(0, live.epoch - 1) * live.batches + live.batch : 0;
  const fraction = total > 0 ? Math.min(1, done / total) : 0;
  progressFill.style.width = `${(fraction * 100).toFixed(2)}%`;
  setAttr(progressBar, 'aria-valuenow', String(Math.round(fraction * 100)));
  setAttr(progressBar, 'aria-valuetext', liveProgress.textContent ?? '');
  if (live.cancelling || cancelRequested) showCancelling();
  else {
    cancelButton.removeAttribute('disabled');
    if (liveStatus.textContent === l10n.t('Stopping after this batch…')) setText(liveStatus, '');
  }
  curves.update({ history: live.history, epochs: live.epochs, bestEpoch: live.bestEpoch });
  curves.element.hidden = false;
  noHistory.hidden = true;
}

function renderReport(report: TrainingReport): void {
  reportView.show(report);
  if (report.history) {
    const h = report.history;
    const last = h.epochs.length ? h.epochs[h.epochs.length - 1].epoch : 0;
    curves.update({ history: h, epochs: Math.max(report.epochsCompleted, last), bestEpoch: report.bestEpoch });
  }
  curves.element.hidden = !report.history;
  noHistory.hidden = !!report.history;
}

/** Draws a state (once per frame at most). */
function render(next: Shown): void {
  const started = performance.now();
  const before = shown?.kind;
  if (next.kind === 'live' && before !== 'live') {
    cancelRequested = false;
    setText(liveStatus, '');
  }
  if (next.kind === 'report' && before === 'live') setText(announcer, l10n.t('Training finished: {0}', next.report.name));
  shown = next;
  app.dataset.state = next.kind;
  app.dataset.draws = String(Number(app.dataset.draws) + 1);
  liveHeader.hidden = next.kind !== 'live';
  reportView.header.hidden = next.kind !== 'report';
  reportView.sections.hidden = next.kind !== 'report';
  curvesSection.hidden = next.kind === 'empty';
  empty.hidden = next.kind !== 'empty';
  if (next.kind === 'live') renderLive(next.live);
  else if (next.kind === 'report') renderReport(next.report);
  else setText(empty, next.reason);
  app.dataset.drawMs = (performance.now() - started).toFixed(1);
}

function applyTheme(): void {
  reportView.setTheme(readPalette('editor'));
}

host.onEvent('live', ({ live }) => schedule({ kind: 'live', live }));
host.onEvent('report', ({ report }) => schedule({ kind: 'report', report }));
applyTheme();
watchTheme(applyTheme);

/** Starts the panel with the host's answer to `ready` (or the error it failed with). */
export function start(outcome: { result: ResultOf<typeof TRAINING_HOST_SIDE.requests.ready> } | { error: unknown }): void {
  if ('error' in outcome) {
    render({ kind: 'empty', reason: l10n.t('The training panel could not start.') });
    showError(outcome.error);
  } else if (!pending) render(outcome.result.state);
}
