/**
 * The one status bar item: the active model and the engine backend; a click lists models. While a run
 * trains it shows the run's progress instead, and a click cancels it (the notification's Cancel is gone
 * once Escape hides the notification).
 */
import * as vscode from 'vscode';
import { describeConfig } from '../shared/config';
import type { EngineClient } from './engineClient';
import type { ModelStore } from './modelStore';
import type { TrainingRuns } from './trainingRun';
import { accuracyPhrase } from './trainingReport';

/** Keeps the status bar item in step with the model store and the engine. */
export class StatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('rnnLens.status', vscode.StatusBarAlignment.Right, 100);
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(
    private readonly store: ModelStore,
    private readonly engine: EngineClient,
    private readonly runs: TrainingRuns,
  ) {
    this.item.name = vscode.l10n.t('RNN Lens');
    this.subscriptions.push(store.onDidChange(() => this.update()), engine.onDidChangeInfo(() => this.update()), runs.onDidChange(() => this.update()));
    this.update();
    this.item.show();
  }

  /** What the item shows now (for tests). */
  get shown(): { text: string; command: string | undefined; tooltip: string } {
    const tooltip = this.item.tooltip;
    return { text: this.item.text, command: typeof this.item.command === 'string' ? this.item.command : this.item.command?.command, tooltip: typeof tooltip === 'string' ? tooltip : (tooltip?.value ?? '') };
  }

  private update(): void {
    const run = this.runs.active;
    if (run) {
      const done = run.percent === undefined ? '' : ` · ${Math.floor(run.percent)} %`;
      this.item.text = run.cancelling ? `$(loading~spin) RNN: ${vscode.l10n.t('cancelling {0}…', run.name)}` : `$(loading~spin) RNN: ${vscode.l10n.t('training {0}', run.name)}${done}`;
      this.item.command = 'rnnLens.cancelTraining';
      const tip = new vscode.MarkdownString(undefined, true);
      tip.appendMarkdown(`**${vscode.l10n.t('Training {0}', run.name)}** — ${run.what}

`);
      if (run.message) tip.appendMarkdown(`${run.message}

`);
      tip.appendMarkdown(`_${run.cancelling ? vscode.l10n.t('Stopping after this batch; the best model so far is kept.') : vscode.l10n.t('Click to cancel training (the best model so far is kept)')}_`);
      this.item.tooltip = tip;
      return;
    }
    this.item.command = 'rnnLens.selectModel';
    const model = this.store.active;
    // What serves the hover and the views, and the GPU when it trains here.
    const backend = this.engine.info ? `${this.engine.info.backend}${this.engine.info.gpu ? ' + gpu' : ''}` : vscode.l10n.t('idle');
    this.item.text = `$(pulse) RNN: ${model ? model.name : vscode.l10n.t('no model')} · ${backend}`;
    const tip = new vscode.MarkdownString(undefined, true);
    if (model) {
      tip.appendMarkdown(`**${model.name}** — ${describeConfig(model.metadata.config)}\n\n`);
      tip.appendMarkdown(`${vscode.l10n.t('classes')}: ${model.metadata.classes.join(', ')}\n\n`);
      tip.appendMarkdown(`${accuracyPhrase(model.metadata)}${model.metadata.source ? ` · ${vscode.l10n.t('from {0}', model.metadata.source.what)}` : ''}\n\n`);
    } else {
      tip.appendMarkdown(`${vscode.l10n.t('No active model: select labelled lines and run "RNN: Train RNN on selection".')}\n\n`);
    }
    const info = this.engine.info;
    tip.appendMarkdown(info ? `${vscode.l10n.t('engine')}: ${info.backend} backend (${info.kernels} kernels), tfjs ${info.tfjsVersion}, ${info.runtime}` : vscode.l10n.t('engine: not running (starts on first use)'));
    if (info?.gpu) tip.appendMarkdown(`\n\n${vscode.l10n.t('training GPU: {0} (when faster than the CPU, or always with rnnLens.engine.device "gpu")', info.gpu)}`);
    if (model) tip.appendMarkdown(`\n\n${vscode.l10n.t('{0} was trained on {1}', model.name, model.metadata.backend)}`);
    tip.appendMarkdown(`\n\n_${vscode.l10n.t('Click to switch or delete models')}_`);
    this.item.tooltip = tip;
  }

  dispose(): void {
    this.subscriptions.forEach((s) => s.dispose());
    this.item.dispose();
  }
}
