/**
 * "RNN: Train RNN on selection": read the selection (or the whole document), show what was detected,
 * let the user adjust the model in one quick pick (Enter = the settings' defaults), train in the
 * engine with a cancellable progress notification, save, activate, and report the metrics.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { CELL_KINDS, CELL_SPECS } from '../core/cells';
import { modelConfigSchema, describeConfig, trainingConfigSchema, type ModelConfig } from '../shared/config';
import { DATASET_FORMAT_TABLE, type DatasetFormat, type ParseOptions } from '../shared/dataset';
import type { DatasetSummary, ModelSource, TrainProgress } from '../shared/protocol';
import { RpcError } from '../shared/rpc';
import type { EditorTracker } from './editors';
import type { EngineClient } from './engineClient';
import { defaultModelName, type ModelEntry, type ModelStore } from './modelStore';
import { badModelSettings, readModelConfig, readParseOptions, settingsEditorFor } from './settings';
import type { TrainingRuns } from './trainingRun';
import type { TrainingPanelController } from './trainingPanel';
import { modelSummary, percent, reportLines, splitShares, tokenizationItem, trainedHeadline } from './trainingReport';

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
  /** With noPrompt: replace the newest model trained from the same document (once the new one is saved). */
  replace?: boolean;
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
  /** Which part of the document, e.g. "400 selected lines". */
  what: string;
  /** The same with the file, e.g. "400 selected lines of names.tsv". */
  label: string;
  range?: vscode.Range;
}

/** Lines of a document as a reader counts them: a final newline does not start another line. */
function lineCount(document: vscode.TextDocument): number {
  const last = document.lineAt(document.lineCount - 1);
  return document.lineCount > 1 && last.text === '' ? document.lineCount - 1 : document.lineCount;
}

function lines(n: number): string {
  return n === 1 ? vscode.l10n.t('1 line') : vscode.l10n.t('{0} lines', n.toLocaleString());
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

/** The text to train on: the command's document and range, else the selection (or all) of the editor the user works in. */
async function pickSource(args: TrainCommandArgs, editor: vscode.TextEditor | undefined): Promise<Source> {
  let document: vscode.TextDocument;
  let range: vscode.Range | undefined = args.range;
  if (args.uri) {
    document = await vscode.workspace.openTextDocument(args.uri);
  } else {
    if (!editor) throw new FlowError(vscode.l10n.t('Open a file of labelled examples (e.g. label⇥text lines) and select the lines to train on.'));
    document = editor.document;
    if (!range && !editor.selection.isEmpty) range = editor.selection;
  }
  if (range && !range.isEmpty) {
    const text = document.getText(range);
    if (text.trim() === '') throw new FlowError(vscode.l10n.t('The selection holds only whitespace. Select lines of labelled examples, or select nothing to use the whole document.'));
    // A selection ending at the start of a line (whole lines selected) does not include that line.
    const count = Math.max(1, range.end.line - range.start.line + (range.end.character > 0 ? 1 : 0));
    const what = count === 1 ? vscode.l10n.t('1 selected line') : vscode.l10n.t('{0} selected lines', count.toLocaleString());
    return { document, text, firstLine: range.start.line + 1, what, label: vscode.l10n.t('{0} of {1}', what, fileLabel(document)), range };
  }
  const text = document.getText();
  if (text.trim() === '') throw new FlowError(vscode.l10n.t('The document is empty. Add labelled examples (e.g. "positive⇥great film" per line), then run the command again.'));
  const what = vscode.l10n.t('the whole document ({0})', lines(lineCount(document)));
  return { document, text, firstLine: 1, what, label: vscode.l10n.t('all of {0} ({1})', fileLabel(document), lines(lineCount(document))) };
}

/** The config with the tokenisation 'auto' picks for the parsed examples. */
function resolvedFor(config: ModelConfig, summary: DatasetSummary): ModelConfig {
  return config.tokenization === 'auto' ? { ...config, tokenization: summary.autoTokenization.kind } : config;
}

/** The default model name: the file and the settings, with the tokenisation 'auto' would pick. */
function nameFor(source: Source, config: ModelConfig, summary: DatasetSummary): string {
  return defaultModelName(source.document.fileName, resolvedFor(config, summary));
}

/** True when a saved model trained with these settings (the tokenisation as 'auto' picks it now). */
function sameSettings(model: ModelEntry, config: ModelConfig, summary: DatasetSummary): boolean {
  const resolved = resolvedFor(config, summary) as unknown as Record<string, unknown>;
  const saved = model.metadata.config as unknown as Record<string, unknown>;
  return Object.keys(resolved).every((k) => resolved[k] === saved[k]);
}

function rangeJson(range: vscode.Range): [number, number, number, number] {
  return [range.start.line, range.start.character, range.end.line, range.end.character];
}

function fileLabel(document: vscode.TextDocument): string {
  return document.isUntitled ? document.uri.path : path.basename(document.fileName);
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
    private readonly runs: TrainingRuns,
    private readonly editors: EditorTracker,
    private readonly panel?: TrainingPanelController,
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
      if (err instanceof RpcError && err.code === 'engineCrashed') {
        // The one notification of the crash (the engine client leaves it to this flow).
        const message = vscode.l10n.t('Training stopped: {0} Nothing was saved; the active model and your other models are unchanged.', err.message);
        this.log.error(message);
        if (args.noPrompt) throw new Error(message);
        const again = vscode.l10n.t('Train Again');
        const choice = await vscode.window.showErrorMessage(vscode.l10n.t('RNN Lens: {0}', message), again, vscode.l10n.t('Show Log'));
        if (choice === again) return this.run({ ...args, noPrompt: false });
        if (choice) this.log.show();
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
    const running = this.runs.active;
    if (running) {
      throw new FlowError(vscode.l10n.t('"{0}" is still training (on {1}); one model trains at a time. Cancel it, or wait for it to finish.', running.name, running.what), [
        { title: vscode.l10n.t('Cancel Training'), run: () => void this.runs.cancel() },
      ]);
    }
    const source = await pickSource(args, this.editors.followed());
    const check = readModelConfig(source.document.uri);
    if (!check.ok) {
      // Open the scope that holds the wrong value (Workspace or User), on that setting.
      const where = settingsEditorFor(badModelSettings(source.document.uri));
      throw new FlowError(check.problems.join(' '), [
        { title: vscode.l10n.t('Open Settings'), run: () => void vscode.commands.executeCommand(where.command, where.args) },
      ]);
    }
    let config: ModelConfig = { ...check.config, ...args.config };
    const overrides = trainingConfigSchema.safeParse(config);
    if (!overrides.success) throw new FlowError(`Bad config override: ${overrides.error.issues[0].path.join('.')}: ${overrides.error.issues[0].message}`);

    let parseOptions: ParseOptions = { ...readParseOptions(source.document.uri), ...args.parse, firstLine: source.firstLine };
    let summary = await this.parse(source, parseOptions, config);
    let skipInvalid = false;
    if (summary.errorCount > 0) {
      const shown = summary.errors.slice(0, 3).map((e) => e.message);
      const rest = summary.errorCount - shown.length;
      const more = rest <= 0 ? '' : rest === 1 ? vscode.l10n.t('…and 1 more line (all are in the RNN Lens log).') : vscode.l10n.t('…and {0} more lines (all are in the RNN Lens log).', rest.toLocaleString());
      const count = summary.errorCount === 1 ? vscode.l10n.t('1 line does not parse as {0}', summary.description) : vscode.l10n.t('{0} lines do not parse as {1}', summary.errorCount.toLocaleString(), summary.description);
      this.log.warn(`${count}: ${summary.errors.map((e) => e.message).join('; ')}`);
      if (args.noPrompt) {
        if (!args.skipInvalid) throw new FlowError(`${count}: ${shown.join('; ')}.${more ? ` ${more}` : ''}`);
        skipInvalid = true;
      } else {
        const skip = summary.errorCount === 1 ? vscode.l10n.t('Skip It and Continue') : vscode.l10n.t('Skip Them and Continue');
        const choice = await vscode.window.showWarningMessage(count, { modal: true, detail: [...shown, more].filter(Boolean).join('\n') }, skip);
        if (choice !== skip) return undefined;
        skipInvalid = true;
      }
    }
    if (summary.problems.length > 0) throw new FlowError(summary.problems.join(' '));
    for (const w of summary.warnings) this.log.warn(w);

    await this.store.refresh();
    // The model trained from this document before, offered for replacement (by default when the settings are the same).
    const previous = this.store.trainedFrom(source.document.uri);
    let replace = args.noPrompt ? !!args.replace && !!previous : !!previous && sameSettings(previous, config, summary);
    let name = args.name ?? nameFor(source, config, summary);
    if (!args.noPrompt) {
      const picked = await this.pickConfig(source, summary, config, name, parseOptions, args.name !== undefined, previous, replace);
      if (!picked) return undefined;
      ({ config, name, parseOptions, summary, replace } = picked);
    }
    await this.store.refresh();
    const replacing = replace ? previous : undefined;
    const finalName = this.store.uniqueName(name, replacing?.name);
    return this.train(source, summary, parseOptions, skipInvalid, config, finalName, replacing);
  }

  /** Parses the source; with the config's split shares, so the summary warns when there are too few examples for a test split. */
  private async parse(source: Source, options: ParseOptions, config: ModelConfig): Promise<DatasetSummary> {
    return vscode.window.withProgress(
      { location: vscode.ProgressLocation.Window, title: vscode.l10n.t('RNN Lens: reading {0}…', source.what) },
      () => this.engine.request('parse', { text: source.text, options, split: { validation: config.validationSplit, test: config.testSplit } }, { reportsCrash: true }),
    );
  }

  /** The one quick pick: the first item trains; the others change a value and come back. */
  private async pickConfig(
    source: Source,
    initialSummary: DatasetSummary,
    initialConfig: ModelConfig,
    initialName: string,
    initialOptions: ParseOptions,
    initialNamed: boolean,
    previous: ModelEntry | undefined,
    initialReplace: boolean,
  ): Promise<{ config: ModelConfig; name: string; parseOptions: ParseOptions; summary: DatasetSummary; replace: boolean } | undefined> {
    let config = initialConfig;
    let name = initialName;
    // The name follows the settings until the user types one.
    let named = initialNamed;
    let replace = initialReplace;
    let parseOptions = initialOptions;
    let summary = initialSummary;
    let activeId = 'train';
    for (;;) {
      if (!named) name = nameFor(source, config, summary);
      type Item = vscode.QuickPickItem & { id: string };
      const classes = summary.classes
        .slice(0, 6)
        .map((c) => `${c.label} ${c.count.toLocaleString()}`)
        .join(' · ');
      const moreClasses = summary.classes.length > 6 ? ` · +${summary.classes.length - 6}` : '';
      const items: Item[] = [
        { id: 'train', label: `$(play) ${vscode.l10n.t('Train with these settings')}`, description: describeConfig(resolvedFor(config, summary)), detail: vscode.l10n.t('{0} epochs · learning rate {1} · batch {2} · split {3} % training / validation / test', config.epochs, config.learningRate, config.batchSize, splitShares(config)) },
        { id: 'sep-data', label: vscode.l10n.t('Data'), kind: vscode.QuickPickItemKind.Separator },
        { id: 'format', label: vscode.l10n.t('Format: {0}', summary.description), description: vscode.l10n.t('{0} examples', summary.exampleCount.toLocaleString()), detail: `${classes}${moreClasses}` },
        // What looks wrong with the data, before training (picking one comes back here).
        ...summary.warnings.map((warning, i) => ({ id: `warning-${i}`, label: `$(warning) ${warning}` })),
        { id: 'sep-model', label: vscode.l10n.t('Model'), kind: vscode.QuickPickItemKind.Separator },
        { id: 'name', label: vscode.l10n.t('Name: {0}', name) },
        ...(previous
          ? [
              replace
                ? { id: 'replace', label: `$(replace) ${vscode.l10n.t('Replaces "{0}" once trained', previous.name)}`, description: modelSummary(previous.metadata), detail: vscode.l10n.t('Pick to keep it and save a new model') }
                : { id: 'replace', label: `$(add) ${vscode.l10n.t('Keeps "{0}" and saves a new model', previous.name)}`, description: modelSummary(previous.metadata), detail: vscode.l10n.t('Pick to replace it (trained from this file too)') },
            ]
          : []),
        { id: 'cell', label: vscode.l10n.t('Cell: {0}', CELL_SPECS[config.cell].label) },
        { id: 'hiddenSize', label: vscode.l10n.t('Hidden size: {0}', config.hiddenSize) },
        { id: 'layers', label: vscode.l10n.t('Layers: {0}', config.layers) },
        { id: 'bidirectional', label: vscode.l10n.t('Bidirectional: {0}', config.bidirectional ? vscode.l10n.t('on') : vscode.l10n.t('off')) },
        { id: 'embeddingSize', label: vscode.l10n.t('Embedding size: {0}', config.embeddingSize) },
        { id: 'tokenization', ...tokenizationItem(config.tokenization, summary.autoTokenization) },
        { id: 'sep-training', label: vscode.l10n.t('Training'), kind: vscode.QuickPickItemKind.Separator },
        { id: 'epochs', label: vscode.l10n.t('Epochs: {0}', config.epochs) },
        { id: 'learningRate', label: vscode.l10n.t('Learning rate: {0}', config.learningRate) },
      ];
      const pick = vscode.window.createQuickPick<Item>();
      // Short enough for one line; the format, examples and classes are the Data item's.
      pick.title = vscode.l10n.t('Train RNN on {0}', source.label);
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
          return { config, name, parseOptions, summary, replace };
        case 'replace':
          replace = !replace;
          break;
        case 'format': {
          const format = await this.pickFormat(summary.format);
          if (format) {
            const options = { ...parseOptions, format } as ParseOptions;
            try {
              const next = await this.parse(source, options, config);
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
          if (value?.trim()) {
            name = value.trim();
            named = true;
          }
          break;
        }
        case 'cell': {
          const cell = await vscode.window.showQuickPick(
            CELL_KINDS.map((c) => ({ label: CELL_SPECS[c].label, id: c, picked: c === config.cell })),
            { title: vscode.l10n.t('Recurrent cell') },
          );
          if (cell) config = { ...config, cell: cell.id };
          break;
        }
        case 'bidirectional':
          config = { ...config, bidirectional: !config.bidirectional };
          break;
        case 'tokenization':
          // auto → words → characters → auto
          config = { ...config, tokenization: ({ auto: 'word', word: 'char', char: 'auto' } as const)[config.tokenization] };
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
    replacing: ModelEntry | undefined,
  ): Promise<ModelEntry | undefined> {
    // The run saves into a staging folder, adopted under its name only once it is whole (and, when
    // replacing, only then does the old model go).
    const modelDir = this.store.stagingDirFor(name);
    const before = this.store.active;
    const lastLine = source.firstLine - 1 + Math.max(1, source.text.replace(/\n$/, '').split('\n').length);
    const modelSource: ModelSource = { uri: source.document.uri.toString(), what: source.label, lines: { first: source.firstLine, last: lastLine } };
    this.log.info(`Training "${name}" on ${source.label} (${source.document.uri.toString()}): ${summary.description}, ${summary.exampleCount} examples; ${describeConfig(config)}, ${JSON.stringify(config)}${replacing ? `; replaces "${replacing.name}"` : ''}`);
    const controller = new AbortController();
    await this.runs.begin({ name, what: source.label, uri: modelSource.uri, range: source.range && rangeJson(source.range) }, () => {
      this.log.info('Cancel requested: stopping after this batch and keeping the best model so far.');
      controller.abort();
    });
    this.panel?.begin({ name, model: describeConfig(config), epochs: config.epochs, learningRate: config.learningRate });
    let metadata;
    try {
      metadata = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Training {0}', name), cancellable: true },
        async (progress, token) => {
          token.onCancellationRequested(() => this.runs.cancel());
          let reported = 0;
          const result = await this.engine.request(
            'train',
            // The options the engine resolved when it parsed (format and columns fixed), so it does not detect them again.
            { text: source.text, options: { ...parseOptions, ...summary.resolved }, skipInvalid, config, modelDir, name, source: modelSource },
            {
              signal: controller.signal,
              reportsCrash: true,
              onProgress: (p) => {
                const done = p.epochs > 0 ? ((p.epoch - 1 + (p.batches > 0 ? p.batch / p.batches : 0)) / p.epochs) * 100 : 0;
                const increment = Math.max(0, done - reported);
                reported += increment;
                const message = this.progressMessage(p);
                progress.report({ message, increment: p.phase === 'training' ? increment : undefined });
                this.runs.progress(reported, message);
                this.panel?.progress(p);
              },
            },
          );
          return result.metadata;
        },
      );
    } catch (err) {
      this.panel?.fail(vscode.l10n.t('Training "{0}" stopped: {1}', name, (err as Error).message));
      throw err;
    } finally {
      await this.runs.end();
    }
    for (const l of reportLines(metadata)) this.log.info(l);
    // The saved model, once adopted: "Show Report" opens its report.
    let saved: ModelEntry | undefined;
    const show = (message: string, ...actions: { title: string; run(): unknown }[]) =>
      void vscode.window.showInformationMessage(message, ...actions.map((a) => a.title), vscode.l10n.t('Show Report')).then((c) => {
        const action = actions.find((a) => a.title === c);
        if (action) void action.run();
        else if (c && saved) this.panel?.showReport(saved);
        else if (c) this.log.show();
      });

    if (metadata.metrics.cancelled) {
      // A run cancelled early is barely trained: it never replaces a model nor takes the active one's place.
      const entry = await this.store.adopt(modelDir, this.store.uniqueName(name));
      saved = entry;
      this.panel?.finish(entry);
      const remove = { title: vscode.l10n.t('Delete It'), run: () => this.store.delete(entry.name) };
      if (!before) {
        await this.store.setActive(entry.name);
        show(vscode.l10n.t('Training cancelled after {0} of {1} epochs: the best model so far is saved as "{2}" and active.', metadata.metrics.epochsCompleted, config.epochs, entry.name), remove);
        return this.store.models.find((m) => m.name === entry.name);
      }
      const use = vscode.l10n.t('Make It Active');
      show(
        vscode.l10n.t('Training cancelled after {0} of {1} epochs: saved as "{2}" but not made active; "{3}" stays the active model.', metadata.metrics.epochsCompleted, config.epochs, entry.name, before.name),
        { title: use, run: () => this.store.setActive(entry.name) },
        remove,
      );
      return entry;
    }

    const entry = await this.store.adopt(modelDir, name);
    saved = entry;
    this.panel?.finish(entry);
    if (replacing && replacing.name !== entry.name) await this.store.delete(replacing.name);
    // The engine may hold the replaced model's weights under the same folder.
    if (replacing) await this.engine.request('unload', { modelDir: replacing.dir }).catch(() => undefined);
    await this.store.setActive(entry.name);
    const replaced = replacing ? ` ${vscode.l10n.t('It replaces the model "{0}".', replacing.name)}` : '';
    show(`${trainedHeadline(metadata)}${replaced} ${vscode.l10n.t('Hover a line to see its predicted class.')}`);
    return this.store.models.find((m) => m.name === entry.name);
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
