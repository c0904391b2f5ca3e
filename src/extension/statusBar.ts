/** The one status bar item: the active model and the engine backend; a click lists models. */
import * as vscode from 'vscode';
import { describeConfig } from '../shared/config';
import type { EngineClient } from './engineClient';
import type { ModelStore } from './modelStore';

/** Keeps the status bar item in step with the model store and the engine. */
export class StatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('rnnLens.status', vscode.StatusBarAlignment.Right, 100);
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(
    private readonly store: ModelStore,
    private readonly engine: EngineClient,
  ) {
    this.item.name = vscode.l10n.t('RNN Lens');
    this.item.command = 'rnnLens.selectModel';
    this.subscriptions.push(store.onDidChange(() => this.update()), engine.onDidChangeInfo(() => this.update()));
    this.update();
    this.item.show();
  }

  private update(): void {
    const model = this.store.active;
    const backend = this.engine.info?.backend ?? vscode.l10n.t('idle');
    this.item.text = `$(pulse) RNN: ${model ? model.name : vscode.l10n.t('no model')} · ${backend}`;
    const tip = new vscode.MarkdownString(undefined, true);
    if (model) {
      const acc = model.metadata.metrics.validation?.accuracy;
      tip.appendMarkdown(`**${model.name}** — ${describeConfig(model.metadata.config)}\n\n`);
      tip.appendMarkdown(`${vscode.l10n.t('classes')}: ${model.metadata.classes.join(', ')}\n\n`);
      if (acc !== undefined) tip.appendMarkdown(`${vscode.l10n.t('validation accuracy')}: ${(100 * acc).toFixed(1)} %\n\n`);
    } else {
      tip.appendMarkdown(`${vscode.l10n.t('No active model: select labelled lines and run "RNN: Train RNN on selection".')}\n\n`);
    }
    const info = this.engine.info;
    tip.appendMarkdown(info ? `${vscode.l10n.t('engine')}: ${info.backend} backend (${info.kernels} kernels), tfjs ${info.tfjsVersion}, ${info.runtime}` : vscode.l10n.t('engine: not running (starts on first use)'));
    tip.appendMarkdown(`\n\n_${vscode.l10n.t('Click to switch or delete models')}_`);
    this.item.tooltip = tip;
  }

  dispose(): void {
    this.subscriptions.forEach((s) => s.dispose());
    this.item.dispose();
  }
}
