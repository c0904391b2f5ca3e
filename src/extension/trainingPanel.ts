/**
 * The training panel (webview/training): opened when a run starts (rnnLens.training.showPanel), it shows
 * the run's curves live — the engine's compact progress folded into a TrainingLive here, sent to the page
 * about once a second — with Cancel, then the report; "RNN: Show Training Report" shows the report
 * of any saved model. A misclassified line opens at its place in the source document when that document is
 * open and still holds the line's text; otherwise the panel keeps showing the text it has.
 */
import * as vscode from 'vscode';
import type { ChannelEndpoint } from '../shared/channel';
import { describeConfig } from '../shared/config';
import type { ModelMetadata, TrainProgress } from '../shared/protocol';
import { BatchLossRecorder, type TrainingLive, type TrainingReport } from '../shared/trainingView';
import { TRAINING_HOST_SIDE, type TrainingHostSide, type ViewSide } from '../shared/webviewProtocol';
import type { ModelEntry } from './modelStore';
import type { TrainingRuns } from './trainingRun';
import { webviewHtml, webviewOptions } from './webviewHtml';
import { webviewEndpoint } from './webviewRpc';

export const TRAINING_VIEW_TYPE = 'rnnLens.training';

/** Milliseconds between live updates sent to the page (it redraws once per frame whatever arrives). */
const LIVE_INTERVAL_MS = 1000;

type PanelState = { kind: 'live'; live: TrainingLive } | { kind: 'report'; report: TrainingReport; entry: ModelEntry } | { kind: 'empty'; reason: string };

/** Whether the panel opens when training starts. */
function showPanelSetting(): boolean {
  return vscode.workspace.getConfiguration('rnnLens.training').get<boolean>('showPanel', true);
}

/** The document a model was trained from, when it is open. */
function openSourceDocument(metadata: ModelMetadata): vscode.TextDocument | undefined {
  const uri = metadata.source?.uri;
  return uri ? vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri) : undefined;
}

/** A saved model's report, as the panel draws it. */
export function reportOf(entry: ModelEntry): TrainingReport {
  const m = entry.metadata;
  // `what` names the part and the file, e.g. "600 selected lines of names.tsv".
  const source = m.source?.what;
  return {
    name: entry.name,
    created: m.created,
    model: describeConfig(m.config),
    backend: m.backend,
    seconds: m.metrics.seconds,
    tokensPerSecond: m.metrics.tokensPerSecond,
    classes: m.classes,
    data: {
      format: m.formatDescription,
      ...(source ? { source } : {}),
      train: m.examples.train,
      validation: m.examples.validation,
      test: m.examples.test ?? 0,
      skippedLines: m.examples.skippedLines,
      duplicates: m.examples.duplicates ?? 0,
      validationSplit: m.config.validationSplit,
      testSplit: m.config.testSplit ?? 0,
      seed: m.config.seed,
    },
    epochsCompleted: m.metrics.epochsCompleted,
    bestEpoch: m.metrics.bestEpoch,
    cancelled: m.metrics.cancelled,
    ...(m.history ? { history: m.history } : {}),
    ...(m.metrics.validation ? { validation: m.metrics.validation } : {}),
    ...(m.metrics.test ? { test: m.metrics.test } : {}),
    ...(m.misclassified ? { misclassified: m.misclassified } : {}),
    linesOpenable: openSourceDocument(m) !== undefined,
    warnings: m.warnings ?? [],
  };
}

/** What a run that starts shows before its first progress. */
export interface RunStart {
  name: string;
  /** The model's one-line summary (describeConfig). */
  model: string;
  epochs: number;
  learningRate: number;
}

/** Owns the single training panel. */
export class TrainingPanelController implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private rpc: ChannelEndpoint<TrainingHostSide, ViewSide> | undefined;
  private state: PanelState = { kind: 'empty', reason: vscode.l10n.t('No model is training. Train one with "RNN: Train RNN on selection", or open a saved model\'s report with "RNN: Show Training Report".') };
  private recorder: BatchLossRecorder | undefined;
  private liveTimer: ReturnType<typeof setTimeout> | undefined;
  private lastLive = 0;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly runs: TrainingRuns,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  /** The panel, for tests. */
  get current(): vscode.WebviewPanel | undefined {
    return this.panel;
  }

  /** What the panel shows, for tests. */
  get shown(): PanelState['kind'] {
    return this.state.kind;
  }

  /** A run started: the panel (opened unless rnnLens.training.showPanel is off, beside the editor, keeping focus there) shows it live. */
  begin(run: RunStart): void {
    const history = { epochs: [], batchLosses: [], batchStride: 1, batchesPerEpoch: 0, learningRate: run.learningRate };
    this.recorder = new BatchLossRecorder(history);
    this.state = {
      kind: 'live',
      live: { name: run.name, model: run.model, classes: [], epochs: run.epochs, batches: 0, epoch: 0, batch: 0, phase: 'preparing', tokensPerSecond: 0, history, cancelling: false },
    };
    if (this.panel || showPanelSetting()) this.open(true);
    this.sendLive(true);
  }

  /** Folds one progress event of the running run in. */
  progress(p: TrainProgress): void {
    if (this.state.kind !== 'live' || !this.recorder) return;
    const live = this.state.live;
    for (const loss of p.batchLosses ?? []) this.recorder.add(loss);
    if (p.epochRecord && !live.history.epochs.some((e) => e.epoch === p.epochRecord!.epoch)) live.history.epochs.push(p.epochRecord);
    live.phase = p.phase;
    live.epoch = p.epoch;
    live.epochs = p.epochs;
    live.batch = p.batch;
    live.batches = p.batches;
    if (p.batches > 0) live.history.batchesPerEpoch = p.batches;
    live.tokensPerSecond = p.tokensPerSecond;
    live.message = p.message;
    live.cancelling = this.runs.active?.cancelling ?? false;
    if (p.etaSeconds !== undefined) live.etaSeconds = p.etaSeconds;
    if (p.bestEpoch !== undefined && p.bestEpoch > 0) live.bestEpoch = p.bestEpoch;
    this.sendLive(p.phase !== 'training');
  }

  /** The run ended with a saved model: its report. */
  finish(entry: ModelEntry): void {
    this.stopLive();
    this.state = { kind: 'report', report: reportOf(entry), entry };
    this.rpc?.emit('report', { report: this.state.report });
  }

  /** The run failed or saved nothing: the panel says so. */
  fail(reason: string): void {
    this.stopLive();
    this.state = { kind: 'empty', reason };
    // The page shows states through `ready`; a reload of its content gets the new one.
    if (this.panel) this.reload();
  }

  /** Opens the report of a saved model. */
  showReport(entry: ModelEntry): void {
    if (this.state.kind === 'live') {
      void vscode.window.showInformationMessage(vscode.l10n.t('The training panel shows the run in progress; the report of "{0}" opens when it ends.', entry.name));
      this.open(false);
      return;
    }
    this.state = { kind: 'report', report: reportOf(entry), entry };
    if (this.panel) {
      this.panel.reveal(vscode.ViewColumn.Active);
      this.rpc?.emit('report', { report: this.state.report });
    } else {
      this.open(false);
    }
  }

  private open(preserveFocus: boolean): void {
    if (this.panel) {
      this.panel.reveal(undefined, preserveFocus);
      return;
    }
    const panel = vscode.window.createWebviewPanel(TRAINING_VIEW_TYPE, vscode.l10n.t('RNN Training'), { viewColumn: vscode.ViewColumn.Beside, preserveFocus }, { ...webviewOptions(this.extensionUri), retainContextWhenHidden: true });
    this.panel = panel;
    panel.iconPath = vscode.Uri.joinPath(this.extensionUri, 'media', 'icon.png');
    const rpc = webviewEndpoint(panel.webview, TRAINING_HOST_SIDE, this.log);
    this.rpc = rpc;
    rpc.handle('ready', () => ({ state: this.pageState(), l10n: vscode.l10n.bundle }));
    rpc.handle('cancel', () => {
      const cancelling = this.runs.cancel();
      if (cancelling && this.state.kind === 'live') {
        this.state.live.cancelling = true;
        this.sendLive(true);
      }
      return { cancelling };
    });
    rpc.handle('openLine', ({ line }) => this.openLine(line));
    panel.webview.html = webviewHtml(panel.webview, this.extensionUri, 'training', vscode.l10n.t('RNN Training'));
    panel.onDidDispose(() => {
      rpc.close();
      if (this.panel === panel) {
        this.panel = undefined;
        this.rpc = undefined;
      }
    });
  }

  private reload(): void {
    if (this.panel) this.panel.webview.html = webviewHtml(this.panel.webview, this.extensionUri, 'training', vscode.l10n.t('RNN Training'));
  }

  private pageState(): { kind: 'live'; live: TrainingLive } | { kind: 'report'; report: TrainingReport } | { kind: 'empty'; reason: string } {
    if (this.state.kind === 'report') {
      // Whether lines open may have changed since (the document opened or closed).
      this.state.report = reportOf(this.state.entry);
      return { kind: 'report', report: this.state.report };
    }
    return this.state;
  }

  /** Sends the live state now, or within LIVE_INTERVAL_MS when one was sent just before (the last state wins). */
  private sendLive(now: boolean): void {
    if (this.state.kind !== 'live' || !this.rpc) return;
    const wait = LIVE_INTERVAL_MS - (Date.now() - this.lastLive);
    if (now || wait <= 0) {
      this.stopLive();
      this.lastLive = Date.now();
      this.rpc.emit('live', { live: this.state.live });
      return;
    }
    this.liveTimer ??= setTimeout(() => {
      this.liveTimer = undefined;
      this.sendLive(true);
    }, wait);
  }

  private stopLive(): void {
    if (this.liveTimer) clearTimeout(this.liveTimer);
    this.liveTimer = undefined;
  }

  /** Shows line `line` (1-based) of the report's source document, selected, when it is open and still holds that line's text. */
  private async openLine(line: number): Promise<{ opened: boolean; reason?: string }> {
    if (this.state.kind !== 'report') return { opened: false, reason: vscode.l10n.t('No report is shown.') };
    const { metadata } = this.state.entry;
    const wanted = metadata.misclassified?.find((m) => m.line === line);
    const doc = openSourceDocument(metadata);
    if (!doc) return { opened: false, reason: vscode.l10n.t('The document this model was trained on is not open.') };
    if (!wanted || line > doc.lineCount) return { opened: false, reason: vscode.l10n.t('Line {0} is not in the document any more.', line) };
    // The text as the model read it starts on that line (a CSV record may go on over the next ones).
    const start = wanted.text.replace(/…$/, '').split('\n')[0];
    if (!doc.lineAt(line - 1).text.includes(start)) return { opened: false, reason: vscode.l10n.t('Line {0} changed since training: it no longer holds this text.', line) };
    const range = doc.lineAt(line - 1).range;
    await vscode.window.showTextDocument(doc, { selection: range, viewColumn: vscode.ViewColumn.One, preserveFocus: false });
    return { opened: true };
  }

  dispose(): void {
    this.stopLive();
    this.panel?.dispose();
  }
}
