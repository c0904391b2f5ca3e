/**
 * The curves of a run, live or in a report: (a) the training loss of every batch (raw points faint, an
 * exponential moving average over them, and each epoch's mean), (b) training and validation loss per
 * epoch, (c) training and validation accuracy per epoch with the best epoch marked, (d) tokens per second
 * per epoch. Every chart spans the same epochs on x, so they line up, and has a table of its numbers.
 */
import * as l10n from '@vscode/l10n';
import type { TrainingHistory } from '../../src/shared/trainingView';
import { el, setText } from '../shared/dom';
import { fmt, pct } from '../shared/format';
import { type ChartMarker, type ChartTable, LineChart, niceMax } from './chart';
import { compact, integer, rate } from './format';

/** What the curves are drawn from. */
export interface CurvesInput {
  history: TrainingHistory;
  /** The epochs the x axes span: the run's planned epochs while it trains, those trained in a report. */
  epochs: number;
  /** The epoch whose weights are (so far) the best; absent or 0 before there is one. */
  bestEpoch?: number;
}

/** Rows a chart's table lists at most (long runs list evenly spaced points; the drawing has all). */
const MAX_TABLE_ROWS = 200;

/** The exponential moving average of a series (debiased at the start; non-finite values are gaps and do not move it). */
export function smooth(values: ArrayLike<number>, pointsPerEpoch: number): Float64Array {
  const span = Math.max(2, Math.min(40, Math.round(pointsPerEpoch / 3)));
  const w = 1 - 2 / (span + 1);
  const out = new Float64Array(values.length);
  let ema = 0;
  let count = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) {
      out[i] = NaN;
      continue;
    }
    ema = w * ema + (1 - w) * v;
    count++;
    out[i] = ema / (1 - w ** count);
  }
  return out;
}

/** The largest finite value of some series (0 when none). */
function finiteMax(...series: ArrayLike<number>[]): number {
  let max = 0;
  for (const s of series) for (let i = 0; i < s.length; i++) if (Number.isFinite(s[i]) && s[i] > max) max = s[i];
  return max;
}

/** The indices a table lists: all of them, or evenly spaced ones (always the last). */
function tableIndices(n: number): number[] {
  if (n <= MAX_TABLE_ROWS) return Array.from({ length: n }, (_, i) => i);
  const step = Math.ceil(n / MAX_TABLE_ROWS);
  const out: number[] = [];
  for (let i = step - 1; i < n; i += step) out.push(i);
  if (out[out.length - 1] !== n - 1) out.push(n - 1);
  return out;
}

const num = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? '–' : fmt(v));
const per = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? '–' : pct(v));
const epochTick = (v: number) => String(v);

/** The four charts and the learning-rate note. */
export class Curves {
  readonly element: HTMLElement;
  readonly batch: LineChart;
  readonly loss: LineChart;
  readonly accuracy: LineChart;
  readonly speed: LineChart;
  private readonly note: HTMLElement;
  private input: CurvesInput | undefined;
  /** The batch chart's points: x (epochs), raw and smoothed loss. */
  private points: { x: Float64Array; raw: number[]; smoothed: Float64Array } = { x: new Float64Array(0), raw: [], smoothed: new Float64Array(0) };

  constructor(idPrefix: string) {
    this.batch = new LineChart({
      id: `${idPrefix}-batch-loss`,
      title: l10n.t('Training loss per batch'),
      height: 220,
      xTitle: l10n.t('epoch'),
      xFormat: epochTick,
      integerX: true,
      yFormat: (v) => fmt(v, 2),
      describe: (i) => this.describeBatch(i),
      hint: l10n.t('Point at a batch, or focus and press ←/→.'),
    });
    this.loss = new LineChart({
      id: `${idPrefix}-epoch-loss`,
      title: l10n.t('Loss per epoch'),
      height: 180,
      xTitle: l10n.t('epoch'),
      xFormat: epochTick,
      integerX: true,
      yFormat: (v) => fmt(v, 2),
      describe: (i) => this.describeEpoch(i, 'loss'),
      hint: l10n.t('Point at an epoch, or focus and press ←/→.'),
    });
    this.accuracy = new LineChart({
      id: `${idPrefix}-accuracy`,
      title: l10n.t('Accuracy per epoch'),
      height: 180,
      xTitle: l10n.t('epoch'),
      xFormat: epochTick,
      integerX: true,
      yFormat: (v) => `${Math.round(v * 100)} %`,
      describe: (i) => this.describeEpoch(i, 'accuracy'),
      hint: l10n.t('Point at an epoch, or focus and press ←/→.'),
    });
    this.speed = new LineChart({
      id: `${idPrefix}-speed`,
      title: l10n.t('Tokens per second'),
      height: 180,
      xTitle: l10n.t('epoch'),
      xFormat: epochTick,
      integerX: true,
      yFormat: compact,
      describe: (i) => this.describeEpoch(i, 'speed'),
      hint: l10n.t('Point at an epoch, or focus and press ←/→.'),
    });
    this.note = el('p', { class: 'curves-note muted' });
    this.batch.element.classList.add('chart-wide');
    this.speed.element.classList.add('chart-small');
    this.element = el('div', { class: 'curves' }, el('div', { class: 'charts' }, this.batch.element, this.loss.element, this.accuracy.element, this.speed.element), this.note);
  }

  /** Draws the curves of a history. */
  update(input: CurvesInput): void {
    this.input = input;
    const h = input.history;
    const k = h.batchStride;
    const bpe = h.batchesPerEpoch;
    const n = h.batchLosses.length;
    const epochs = h.epochs;
    const lastX = bpe > 0 ? (n * k) / bpe : 0;
    const span = Math.max(1, input.epochs, Math.ceil(lastX - 1e-9), epochs.length ? epochs[epochs.length - 1].epoch : 0, input.bestEpoch ?? 0);
    const xDomain: [number, number] = [0, span];

    // (a) Batch losses: batch point i covers batches i·k + 1 … (i + 1)·k, drawn where they end.
    const x = new Float64Array(n);
    for (let i = 0; i < n; i++) x[i] = bpe > 0 ? ((i + 1) * k) / bpe : i;
    const smoothed = smooth(h.batchLosses, bpe > 0 ? bpe / k : n);
    this.points = { x, raw: h.batchLosses, smoothed };
    const epochX = epochs.map((e) => e.epoch);
    const meanX = epochs.map((e) => e.epoch - 0.5);
    const trainLoss = epochs.map((e) => e.trainLoss);
    const batchRows = tableIndices(n).map((i) => [this.batchName(i), String(this.epochOf(i)), num(h.batchLosses[i]), num(smoothed[i])]);
    const last = n - 1;
    this.batch.setData({
      x: xDomain,
      y: [0, niceMax(finiteMax(h.batchLosses, trainLoss))],
      series: [
        { key: 'raw', label: l10n.t('batch loss'), className: 'c-raw', x, y: h.batchLosses, draw: 'dots' },
        { key: 'smoothed', label: l10n.t('smoothed (moving average)'), className: 'c-train', x, y: smoothed, draw: 'line' },
        { key: 'epoch-mean', label: l10n.t('epoch mean'), className: 'c-mean', x: meanX, y: trainLoss, draw: 'dots' },
      ],
      cursor: 0,
      empty: n === 0 || bpe === 0 ? l10n.t('Waiting for the first batch…') : undefined,
      summary:
        n === 0
          ? l10n.t('no batches yet')
          : l10n.t('{0} points over {1} batches; last loss {2}, smoothed {3}', n, n * k, num(h.batchLosses[last]), num(smoothed[last])),
      table: {
        columns: [k > 1 ? l10n.t('Batches') : l10n.t('Batch'), l10n.t('Epoch'), l10n.t('Loss'), l10n.t('Smoothed')],
        rows: batchRows,
        note: batchRows.length < n ? l10n.t('{0} of the {1} points, evenly spaced; the chart draws them all.', integer(batchRows.length), integer(n)) : undefined,
      },
    });

    // (b) Loss per epoch.
    const valLoss = epochs.map((e) => e.valLoss ?? NaN);
    const hasVal = epochs.some((e) => e.valLoss !== undefined || e.valAccuracy !== undefined);
    const waiting = epochs.length === 0 ? l10n.t('Waiting for the first epoch to end…') : undefined;
    const lastEpoch = epochs[epochs.length - 1];
    this.loss.setData({
      x: xDomain,
      y: [0, niceMax(finiteMax(trainLoss, valLoss))],
      series: [
        { key: 'train-loss', label: l10n.t('training'), className: 'c-train', x: epochX, y: trainLoss, draw: 'both' },
        ...(hasVal ? [{ key: 'val-loss', label: l10n.t('validation'), className: 'c-val', x: epochX, y: valLoss, draw: 'both' as const }] : []),
      ],
      empty: waiting,
      summary: lastEpoch
        ? hasVal
          ? l10n.t('{0} epochs; at epoch {1} training loss {2}, validation loss {3}', epochs.length, lastEpoch.epoch, num(lastEpoch.trainLoss), num(lastEpoch.valLoss))
          : l10n.t('{0} epochs; at epoch {1} training loss {2}', epochs.length, lastEpoch.epoch, num(lastEpoch.trainLoss))
        : l10n.t('no finished epoch yet'),
      table: this.epochTable(hasVal ? [l10n.t('Training loss'), l10n.t('Validation loss')] : [l10n.t('Training loss')], (e) => (hasVal ? [num(e.trainLoss), num(e.valLoss)] : [num(e.trainLoss)])),
    });

    // (c) Accuracy per epoch, the best epoch marked.
    const trainAcc = epochs.map((e) => e.trainAccuracy);
    const valAcc = epochs.map((e) => e.valAccuracy ?? NaN);
    let lo = 1;
    for (const v of [...trainAcc, ...valAcc]) if (Number.isFinite(v)) lo = Math.min(lo, v);
    lo = Math.max(0, Math.floor(lo * 10 - 1e-9) / 10);
    if (lo >= 1) lo = 0.9;
    const best = input.bestEpoch && input.bestEpoch > 0 ? input.bestEpoch : undefined;
    const markers: ChartMarker[] = best ? [{ key: 'best', x: best, label: hasVal ? l10n.t('best: epoch {0}', best) : l10n.t('kept: epoch {0}', best), className: 'c-best' }] : [];
    const bestRecord = best ? epochs.find((e) => e.epoch === best) : undefined;
    this.accuracy.setData({
      x: xDomain,
      y: [lo, 1],
      series: [
        { key: 'train-accuracy', label: l10n.t('training'), className: 'c-train', x: epochX, y: trainAcc, draw: 'both' },
        ...(hasVal ? [{ key: 'val-accuracy', label: l10n.t('validation'), className: 'c-val', x: epochX, y: valAcc, draw: 'both' as const }] : []),
      ],
      markers,
      empty: waiting,
      summary: [
        lastEpoch
          ? hasVal
            ? l10n.t('{0} epochs; at epoch {1} training accuracy {2}, validation accuracy {3}', epochs.length, lastEpoch.epoch, per(lastEpoch.trainAccuracy), per(lastEpoch.valAccuracy))
            : l10n.t('{0} epochs; at epoch {1} training accuracy {2}', epochs.length, lastEpoch.epoch, per(lastEpoch.trainAccuracy))
          : l10n.t('no finished epoch yet'),
        best ? (bestRecord?.valAccuracy !== undefined ? l10n.t('best epoch {0} (validation accuracy {1})', best, per(bestRecord.valAccuracy)) : l10n.t('best epoch {0}', best)) : '',
      ]
        .filter(Boolean)
        .join('; '),
      table: this.epochTable(
        hasVal ? [l10n.t('Training accuracy'), l10n.t('Validation accuracy'), l10n.t('Best')] : [l10n.t('Training accuracy'), l10n.t('Kept')],
        (e) => (hasVal ? [per(e.trainAccuracy), per(e.valAccuracy), e.epoch === best ? l10n.t('best') : ''] : [per(e.trainAccuracy), e.epoch === best ? l10n.t('kept') : '']),
      ),
    });

    // (d) Tokens per second per epoch (the pace since the start, at each epoch's end).
    const tps = epochs.map((e) => e.tokensPerSecond);
    this.speed.setData({
      x: xDomain,
      y: [0, niceMax(finiteMax(tps))],
      series: [{ key: 'tokens-per-second', label: l10n.t('tokens/s'), className: 'c-speed', x: epochX, y: tps, draw: 'both' }],
      empty: waiting,
      summary: lastEpoch ? l10n.t('{0} tokens/s at epoch {1}', integer(lastEpoch.tokensPerSecond), lastEpoch.epoch) : l10n.t('no finished epoch yet'),
      table: this.epochTable([l10n.t('Tokens/s'), l10n.t('Seconds')], (e) => [integer(e.tokensPerSecond), e.seconds.toFixed(1)]),
    });

    const notes = [l10n.t('Learning rate {0} (constant).', rate(h.learningRate))];
    if (bpe > 0) notes.push(l10n.t('{0} batches per epoch.', bpe));
    if (k > 1) notes.push(l10n.t('Each batch point is the mean of {0} batches.', k));
    setText(this.note, notes.join(' '));
  }

  /** Every chart (for the theme and tests). */
  charts(): LineChart[] {
    return [this.batch, this.loss, this.accuracy, this.speed];
  }

  private epochTable(columns: string[], cells: (e: TrainingHistory['epochs'][number]) => string[]): ChartTable {
    const epochs = this.input?.history.epochs ?? [];
    return { columns: [l10n.t('Epoch'), ...columns], rows: epochs.map((e) => [String(e.epoch), ...cells(e)]) };
  }

  /** The epoch and in-epoch batch of a 1-based global batch number. */
  private batchAt(b: number): { epoch: number; batch: number } {
    const bpe = this.input?.history.batchesPerEpoch || 1;
    const epoch = Math.ceil(b / bpe);
    return { epoch, batch: b - (epoch - 1) * bpe };
  }

  private epochOf(i: number): number {
    return this.batchAt((i + 1) * (this.input?.history.batchStride ?? 1)).epoch;
  }

  /** "12" or "9–12": the batches of epoch-local numbers a point covers. */
  private batchName(i: number): string {
    const k = this.input?.history.batchStride ?? 1;
    const last = this.batchAt((i + 1) * k);
    if (k === 1) return String(last.batch);
    const first = this.batchAt(i * k + 1);
    return first.epoch === last.epoch ? `${first.batch}–${last.batch}` : `${first.epoch}:${first.batch}–${last.epoch}:${last.batch}`;
  }

  private describeBatch(i: number): string {
    const k = this.input?.history.batchStride ?? 1;
    const { raw, smoothed } = this.points;
    const last = this.batchAt((i + 1) * k);
    if (k === 1) return l10n.t('Epoch {0}, batch {1}: loss {2} (smoothed {3})', last.epoch, last.batch, num(raw[i]), num(smoothed[i]));
    const first = this.batchAt(i * k + 1);
    if (first.epoch === last.epoch) return l10n.t('Epoch {0}, batches {1}–{2}: mean loss {3} (smoothed {4})', last.epoch, first.batch, last.batch, num(raw[i]), num(smoothed[i]));
    return l10n.t('Epoch {0} batch {1} to epoch {2} batch {3}: mean loss {4} (smoothed {5})', first.epoch, first.batch, last.epoch, last.batch, num(raw[i]), num(smoothed[i]));
  }

  private describeEpoch(i: number, what: 'loss' | 'accuracy' | 'speed'): string {
    const e = this.input?.history.epochs[i];
    if (!e) return '';
    const best = this.input?.bestEpoch === e.epoch ? ` · ${l10n.t('best epoch')}` : '';
    if (what === 'speed') return l10n.t('Epoch {0}: {1} tokens/s ({2} s since the start)', e.epoch, integer(e.tokensPerSecond), e.seconds.toFixed(1));
    if (what === 'loss')
      return e.valLoss !== undefined ? l10n.t('Epoch {0}: training loss {1}, validation loss {2}', e.epoch, num(e.trainLoss), num(e.valLoss)) : l10n.t('Epoch {0}: training loss {1}', e.epoch, num(e.trainLoss));
    return (e.valAccuracy !== undefined ? l10n.t('Epoch {0}: training accuracy {1}, validation accuracy {2}', e.epoch, per(e.trainAccuracy), per(e.valAccuracy)) : l10n.t('Epoch {0}: training accuracy {1}', e.epoch, per(e.trainAccuracy))) + best;
  }
}
