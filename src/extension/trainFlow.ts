/**
 * "RNN: Train RNN on selection": read the selection (or the whole document), show what was detected,
 * let the user adjust the model in one quick pick (Enter = the settings' defaults), train in the
 * engine with a cancellable progress notification, save, activate, and report the metrics.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { CELL_KINDS, CELL_SPECS } from '../core/cells';
import { modelConfigSchema, describeConfig, type ModelConfig } from '../shared/config';
import { DATASET_FORMAT_TABLE, type DatasetFormat, type ParseOptions } from '../shared/dataset';
import type { DatasetSummary, TrainProgress } from '../shared/protocol';
import { RpcError } from '../shared/rpc';
import type { EngineClient } from './engineClient';
import type { ModelEntry, ModelStore } from './modelStore';
import { readModelConfig, readParseOptions } from './settings';
import { percent, reportLines, trainedHeadline } from './trainingReport';

/** Arguments for running the command without prompts (tests, keybindings, other extensions). */
export interface TrainCommandArgs {
  /** Skip the quick pick and the confirmation dialogs. */
  noPrompt?: boolean;
  /** Overrides of the settings' model config. */
  config?: Partial<ModelConfig>;
  /** Overrides of how the data is read. */
  parse?: ParseOptions;
  /** Model name (made unique). */
  name?: string;
  /** With noPrompt: skip lines that do not parse instead of failing. */
  skipInvalid?: boolean;
  /** Train on this document instead of the active editor's; with `range`, on that range. */
  uri?: vscode.Uri;
  range?: vscode.Range;
}

/** The text to train on and where it starts in the document. */
interface Source {
  document: vscode.TextDocument;
  text: string;
  firstLine: number;
  what: string;
}

/** A user-facing failure: shown as an error message, never as a stack trace. */
class FlowError extends Error {
  constructor(
    message: string,
    readonly actions: { title: string; run(): void }[] = [],
  ) {
    super(message);
  }
}

async function pickSource(args: TrainCommandArgs): Promise<Source> {
  let document: vscode.TextDocument;
  let range: vscode.Range | undefined = args.range;
  if (args.uri) {
    document = await vscode.workspace.openTextDocument(args.uri);
  } else {
    const editor = vscode.window.activeTextEditor;
    if (!editor) throw new FlowError(vscode.l10n.t('Open a file of labelled examples (e.g. label⇥text lines) and select the lines to train on.'));
    document = editor.document;
    if (!range && !editor.selection.isEmpty) range = editor.selection;
  }
  if (range && !range.isEmpty) {
    const text = document.getText(range);
    if (text.trim() === '') throw new FlowError(vscode.l10n.t('The selection holds only whitespace. Select lines of labelled examples, or select nothing to use the whole document.'));
    // A selection ending at the start of a line (whole lines selected) does not include that line.
    const lines = Math.max(1, range.end.line - range.start.line + (range.end.character > 0 ? 1 : 0));
    return { document, text, firstLine: range.start.line + 1, what: vscode.l10n.t('{0} selected lines', lines) };
  }
  const text = document.getText();
  if (text.trim() === '') throw new FlowError(vscode.l10n.t('The document is empty. Add labelled examples (e.g. "positive⇥great film" per line), then run the command again.'));
  return { document, text, firstLine: 1, what: vscode.l10n.t('the whole document ({0} lines)', document.lineCount) };
}

function describeError(err: unknown): string {
  if (err instanceof RpcError) {
    // An error's details arrive as anything: take the line only when it is a number.
    const details: unknown = err.details;
    const line = details && typeof details === 'object' && 'line' in details && typeof details.line === 'number' ? details.line : undefined;
    return line !== undefined && !err.message.includes(`line ${line}`) ? `${err.message} (line ${line})` : err.message;
  }
  return (err as Error)?.message ?? String(err);
}

/** The running flow; one instance per command invocation. */
export class TrainFlow {
  constructor(
    private readonly engine: EngineClient,
    private readonly store: ModelStore,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  /** Runs the whole command. Resolves with the new model, or undefined when the user backed out or it failed (the error was shown). */
  async run(args: TrainCommandArgs = {}): Promise<ModelEntry | undefined> {
    try {
      return await this.runOrThrow(args);
    } catch (err) {
      if (err instanceof RpcError && err.code === 'cancelled') {
        void vscode.window.showInformationMessage(err.message);
        return undefined;
      }
      const message = err instanceof FlowError ? err.message : describeError(err);
      this.log.error(`Training failed: ${message}`);
      if (args.noPrompt) throw new Error(message);
      const actions = err instanceof FlowError ? err.actions : [];
      const choice = await vscode.window.showErrorMessage(
        vscode.l10n.t('RNN Lens: {0}', message),
        ...actions.map((a) => a.title),
        vscode.l10n.t('Show Log'),
      );
      if (choice === vscode.l10n.t('Show Log')) this.log.show();
      else actions.find((a) => a.title === choice)?.run();
      return undefined;
    }
  }

  private async runOrThrow(args: TrainCommandArgs): Promise<ModelEntry | undefined> {
    const source = await pickSource(args);
    const check = readModelConfig(source.document.uri);
    if (!check.ok) {
      throw new FlowError(check.problems.join(' '), [
        { title: vscode.l10n.t('Open Settings'), run: () => void vscode.commands.executeCommand('workbench.action.openSettings', 'rnnLens') },
      ]);
    }
    let config: ModelConfig = { ...check.config, ...args.config };
    const overrides = modelConfigSchema.safeParse(config);
    if (!overrides.success) throw new FlowError(`Bad config override: ${overrides.error.issues[0].path.join('.')}: ${overrides.error.issues[0].message}`);

    let parseOptions: ParseOptions = { ...readParseOptions(source.document.uri), ...args.parse, firstLine: source.firstLine };
    let summary = await this.parse(source, parseOptions);
    let skipInvalid = false;
    if (summary.errorCount > 0) {
      const shown = summary.errors.slice(0, 3).map((e) => e.message).join('; ');
      const more = summary.errorCount > 3 ? vscode.l10n.t(' and {0} more', summary.errorCount - 3) : '';
      this.log.warn(`${summary.errorCount} line(s) do not parse as ${summary.description}: ${summary.errors.map((e) => e.message).join('; ')}`);
      if (args.noPrompt) {
        if (!args.skipInvalid) throw new FlowError(vscode.l10n.t('{0} line(s) do not parse as {1}: {2}{3}.', summary.errorCount, summary.description, shown, more));
        skipInvalid = true;
      } else {
        const skip = vscode.l10n.t('Skip Them and Continue');
        const choice = await vscode.window.showWarningMessage(
          vscode.l10n.t('{0} of the lines do not parse as {1}', summary.errorCount, summary.description),
          { modal: true, detail: `${shown}${more}.` },
          skip,
        );
        if (choice !== skip) return undefined;
        skipInvalid = true;
      }
    }
    if (summary.problems.length > 0) throw new FlowError(summary.problems.join(' '));
    for (const w of summary.warnings) this.log.warn(w);

    let name = args.name ?? `${path.basename(source.document.fileName, path.extname(source.document.fileName)) || 'model'}-${config.cell}`;
    if (!args.noPrompt) {
      const picked = await this.pickConfig(source, summary, config, name, parseOptions);
      if (!picked) return undefined;
      ({ config, name, parseOptions, summary } = picked);
    }
    await this.store.refresh();
    const finalName = this.store.uniqueName(name);
    return this.train(source, summary, parseOptions, skipInvalid, config, finalName);
  }

  private async parse(source: Source, options: ParseOptions): Promise<DatasetSummary> {
    return vscode.window.withProgress(
      { location: vscode.ProgressLocation.Window, title: vscode.l10n.t('RNN Lens: reading {0}…', source.what) },
      () => this.engine.request('parse', { text: source.text, options }),
    );
  }

  /** The one quick pick: the first item trains; the others change a value and come back. */
  private async pickConfig(
    source: Source,
    initialSummary: DatasetSummary,
    initialConfig: ModelConfig,
    initialName: string,
    initialOptions: ParseOptions,
  ): Promise<{ config: ModelConfig; name: string; parseOptions: ParseOptions; summary: DatasetSummary } | undefined> {
    let config = initialConfig;
    let name = initialName;
    let parseOptions = initialOptions;
    let summary = initialSummary;
    let activeId = 'train';
    for (;;) {
      type Item = vscode.QuickPickItem & { id: string };
      const classes = summary.classes
        .slice(0, 6)
        .map((c) => `${c.label} ${c.count.toLocaleString()}`)
        .join(' · ');
      const moreClasses = summary.classes.length > 6 ? ` · +${summary.classes.length - 6}` : '';
      const items: Item[] = [
        { id: 'train', label: `$(play) ${vscode.l10n.t('Train with these settings')}`, description: describeConfig(config), detail: vscode.l10n.t('{0} epochs · learning rate {1} · batch {2} · {3} held out for validation', config.epochs, config.learningRate, config.batchSize, percent(config.validationSplit)) },
        { id: 'sep-data', label: vscode.l10n.t('Data'), kind: vscode.QuickPickItemKind.Separator },
        { id: 'format', label: vscode.l10n.t('Format: {0}', summary.description), description: vscode.l10n.t('{0} examples', summary.exampleCount.toLocaleString()), detail: `${classes}${moreClasses}` },
        // What looks wrong with the data, before training (picking one comes back here).
        ...summary.warnings.map((warning, i) => ({ id: `warning-${i}`, label: `$(warning) ${warning}` })),
        { id: 'sep-model', label: vscode.l10n.t('Model'), kind: vscode.QuickPickItemKind.Separator },
        { id: 'name', label: vscode.l10n.t('Name: {0}', name) },
        { id: 'cell', label: vscode.l10n.t('Cell: {0}', CELL_SPECS[config.cell].label) },
        { id: 'hiddenSize', label: vscode.l10n.t('Hidden size: {0}', config.hiddenSize) },
        { id: 'layers', label: vscode.l10n.t('Layers: {0}', config.layers) },
        { id: 'bidirectional', label: vscode.l10n.t('Bidirectional: {0}', config.bidirectional ? vscode.l10n.t('on') : vscode.l10n.t('off')) },
        { id: 'embeddingSize', label: vscode.l10n.t('Embedding size: {0}', config.embeddingSize) },
        { id: 'tokenization', label: vscode.l10n.t('Tokenisation: {0}', config.tokenization === 'word' ? vscode.l10n.t('words') : vscode.l10n.t('characters')) },
        { id: 'sep-training', label: vscode.l10n.t('Training'), kind: vscode.QuickPickItemKind.Separator },
        { id: 'epochs', label: vscode.l10n.t('Epochs: {0}', config.epochs) },
        { id: 'learningRate', label: vscode.l10n.t('Learning rate: {0}', config.learningRate) },
      ];
      const pick = vscode.window.createQuickPick<Item>();
      pick.title = vscode.l10n.t('Train RNN on {0} — {1}, {2} examples, {3} classes', source.what, summary.description, summary.exampleCount.toLocaleString(), summary.classes.length);
      pick.placeholder = vscode.l10n.t('Enter trains with these settings; pick a line to change it');
      pick.items = items;
      pick.activeItems = items.filter((i) => i.id === activeId);
      pick.ignoreFocusOut = true;
      const chosen = await new Promise<Item | undefined>((resolve) => {
        pick.onDidAccept(() => resolve(pick.activeItems[0]));
        pick.onDidHide(() => resolve(undefined));
        pick.show();
      });
      pick.dispose();
      if (!chosen) return undefined;
      activeId = chosen.id;
      switch (chosen.id) {
        case 'train':
          return { config, name, parseOptions, summary };
        case 'format': {
          const format = await this.pickFormat(summary.format);
          if (format) {
            const options = { ...parseOptions, format } as ParseOptions;
            try {
              const next = await this.parse(source, options);
              parseOptions = options;
              summary = next;
            } catch (err) {
              void vscode.window.showErrorMessage(vscode.l10n.t('RNN Lens: {0}', describeError(err)));
            }
          }
          break;
        }
        case 'name': {
          const value = await vscode.window.showInputBox({
            title: vscode.l10n.t('Model name'),
            value: name,
            validateInput: (v) => (v.trim() ? undefined : vscode.l10n.t('Give the model a name')),
          });
          if (value?.trim()) name = value.trim();
          break;
        }
        case 'cell': {
          const cell = await vscode.window.showQuickPick(
            CELL_KINDS.map((c) => ({ label: CELL_SPECS[c].label, id: c, picked: c === config.cell })),
            { title: vscode.l10n.t('Recurrent cell') },
          );
          if (cell) {
            if (name === initialName || name.endsWith(`-${config.cell}`)) name = name.replace(new RegExp(`-${config.cell}$`), `-${cell.id}`);
            config = { ...config, cell: cell.id };
          }
          break;
        }
        case 'bidirectional':
          config = { ...config, bidirectional: !config.bidirectional };
          break;
        case 'tokenization':
          config = { ...config, tokenization: config.tokenization === 'word' ? 'char' : 'word' };
          break;
        default: {
          if (chosen.id.startsWith('warning-')) break;
          const field = chosen.id as 'hiddenSize' | 'layers' | 'embeddingSize' | 'epochs' | 'learningRate';
          const value = await this.askNumber(field, config);
          if (value !== undefined) config = { ...config, [field]: value };
        }
      }
    }
  }

  private async pickFormat(current: DatasetFormat): Promise<DatasetFormat | undefined> {
    const picked = await vscode.window.showQuickPick(
      DATASET_FORMAT_TABLE.map((format) => ({ label: format.label, description: format.id === current ? vscode.l10n.t('detected') : undefined, id: format.id })),
      { title: vscode.l10n.t('Read the selection as') },
    );
    return picked?.id;
  }

  private async askNumber(field: 'hiddenSize' | 'layers' | 'embeddingSize' | 'epochs' | 'learningRate', config: ModelConfig): Promise<number | undefined> {
    const schema = modelConfigSchema.shape[field];
    const value = await vscode.window.showInputBox({
      title: vscode.l10n.t('{0} (setting rnnLens.{1})', field, field),
      value: String(config[field]),
      validateInput: (text) => {
        const result = schema.safeParse(text.trim() === '' ? NaN : Number(text));
        return result.success ? undefined : result.error.issues[0].message;
      },
    });
    return value === undefined ? undefined : Number(value);
  }

  private async train(
    source: Source,
    summary: DatasetSummary,
    parseOptions: ParseOptions,
    skipInvalid: boolean,
    config: ModelConfig,
    name: string,
  ): Promise<ModelEntry | undefined> {
    const modelDir = this.store.dirFor(name);
    this.log.info(`Training "${name}" on ${source.what} of ${source.document.uri.toString()}: ${summary.description}, ${summary.exampleCount} examples; ${describeConfig(config)}, ${JSON.stringify(config)}`);
    const metadata = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Training {0}', name), cancellable: true },
      async (progress, token) => {
        const controller = new AbortController();
        token.onCancellationRequested(() => {
          this.log.info('Cancel requested: stopping after this batch and keeping the best model so far.');
          controller.abort();
        });
        let reported = 0;
        const result = await this.engine.request(
          'train',
          // The options the engine resolved when it parsed (format and columns fixed), so it does not detect them again.
          { text: source.text, options: { ...parseOptions, ...summary.resolved }, skipInvalid, config, modelDir, name },
          {
            signal: controller.signal,
            onProgress: (p) => {
              const done = p.epochs > 0 ? ((p.epoch - 1 + (p.batches > 0 ? p.batch / p.batches : 0)) / p.epochs) * 100 : 0;
              const increment = Math.max(0, done - reported);
              reported += increment;
              progress.report({ message: this.progressMessage(p), increment: p.phase === 'training' ? increment : undefined });
            },
          },
        );
        return result.metadata;
      },
    );
    await this.store.setActive(name);
    const entry = this.store.models.find((m) => m.name === name);
    for (const l of reportLines(metadata)) this.log.info(l);
    void vscode.window.showInformationMessage(`${trainedHeadline(metadata)} ${vscode.l10n.t('Hover a line to see its predicted class.')}`, vscode.l10n.t('Show Report')).then((c) => {
      if (c) this.log.show();
    });
    return entry;
  }

  private progressMessage(p: TrainProgress): string {
    if (p.message) return p.message;
    const parts = [vscode.l10n.t('epoch {0}/{1}', p.epoch, p.epochs)];
    if (p.phase === 'training') parts.push(vscode.l10n.t('batch {0}/{1}', p.batch, p.batches));
    if (Number.isFinite(p.loss)) parts.push(vscode.l10n.t('loss {0}', p.loss.toFixed(3)));
    if (p.valAccuracy !== undefined) parts.push(vscode.l10n.t('val acc {0}', percent(p.valAccuracy)));
    if (p.tokensPerSecond > 0) parts.push(vscode.l10n.t('{0} tokens/s', Math.round(p.tokensPerSecond).toLocaleString()));
    return parts.join(' · ');
  }
}
