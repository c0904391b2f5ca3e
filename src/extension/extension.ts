/** Entry point of the extension: wires the engine, the model store, the commands, the hover and the status bar. */
import * as vscode from 'vscode';
import { describeConfig } from '../shared/config';
import type { InspectFocus, UnrolledInspection } from '../core/inspect';
import type { EngineInfo, Prediction } from '../shared/protocol';
import type { ReaderModel } from '../shared/readerModel';
import { EditorTracker } from './editors';
import { EngineClient } from './engineClient';
import { readUnderCursor, recordsOf, UNROLLED_TEXT_CHARS } from './documentRecords';
import { HOVER_SELECTOR, PredictionHoverProvider } from './hover';
import { ModelStore, type ModelEntry } from './modelStore';
import { readEngineLaunch } from './settings';
import { STATES_VIEW_ID, StatesViewProvider } from './statesView';
import { StatusBar } from './statusBar';
import { TrainFlow, type TrainCommandArgs } from './trainFlow';
import { TrainingRuns } from './trainingRun';
import { TrainingPanelController } from './trainingPanel';
import { LabelDiagnostics } from './labelDiagnostics';
import { modelSummary } from './trainingReport';
import { UnrolledPanelController, inspectUnrolledWithActive, readerModelOfActive } from './unrolledPanel';
import type { StatesSnapshot } from '../shared/webviewProtocol';

/** What the extension exports to tests and other extensions. */
export interface RnnLensApi {
  /** The engine's process id while it runs. */
  enginePid(): number | undefined;
  /** The engine's backend and runtime, once started. */
  engineInfo(): EngineInfo | undefined;
  /** The active model. */
  activeModel(): ModelEntry | undefined;
  /** All saved models. */
  models(): readonly ModelEntry[];
  /** The active model's prediction for a text (the hover's code path). */
  predict(text: string): Promise<Prediction>;
  /** The folder models are saved in. */
  modelsRoot(): string;
  /** The unrolled panel, when open. */
  unrolledPanel(): vscode.WebviewPanel | undefined;
  /** What the status bar item shows now: its text, the command a click runs, its tooltip. */
  statusBar(): { text: string; command: string | undefined; tooltip: string };
  /** The training run in progress: its name, source, progress; undefined when none trains. */
  training(): { name: string; what: string; percent?: number; cancelling: boolean } | undefined;
  /** The likely label errors marked in a document (rnnLens.training.markMisclassified), once the marking in progress is done. */
  labelDiagnostics(uri: vscode.Uri): Promise<readonly vscode.Diagnostic[]>;
  /** The training panel and what it shows, when it is open. */
  trainingPanel(): { panel: vscode.WebviewPanel; shows: 'live' | 'report' | 'empty' } | undefined;
  /** The Hidden States panel's latest snapshot. */
  statesSnapshot(): StatesSnapshot | undefined;
  /** What the unrolled panel gets for a text and a focus (its code path: engine, checks, own buffers). */
  inspectUnrolled(text: string, focus: InspectFocus): Promise<UnrolledInspection>;
  /** What the unrolled panel gets to read keystrokes itself: the active model's weights (its code path: engine, checks, own buffers). */
  readerModel(): Promise<{ model: ReaderModel | null; reason?: string }>;
}

/** Activates RNN Lens. */
export async function activate(context: vscode.ExtensionContext): Promise<RnnLensApi> {
  const log = vscode.window.createOutputChannel('RNN Lens', { log: true });
  const engine = new EngineClient(context.extensionPath, log, readEngineLaunch);
  const store = new ModelStore(context, log);
  const runs = new TrainingRuns(context.workspaceState);
  const editors = new EditorTracker();
  const trainingPanel = new TrainingPanelController(context.extensionUri, runs, log);
  const labels = new LabelDiagnostics(engine, store, log);
  context.subscriptions.push(labels);
  const flow = new TrainFlow(engine, store, log, runs, editors, trainingPanel);
  context.subscriptions.push(log, engine, store, runs, editors, trainingPanel);

  try {
    await store.refresh();
  } catch (err) {
    log.error(`Could not read the models folder ${store.root}: ${(err as Error).message}`);
  }
  const statusBar = new StatusBar(store, engine, runs);
  context.subscriptions.push(statusBar);
  void reportInterruptedRun(runs, store, log, flow);
  const unrolled = new UnrolledPanelController(context.extensionUri, engine, store, log);
  const states = new StatesViewProvider(context.extensionUri, engine, store, log, {
    openUnrolled: (text) => unrolled.open(text),
    deleteModel: (name) => deleteModel(store, engine, name),
  }, editors);
  context.subscriptions.push(unrolled, states, vscode.window.registerWebviewViewProvider(STATES_VIEW_ID, states));
  context.subscriptions.push(vscode.languages.registerHoverProvider(HOVER_SELECTOR, new PredictionHoverProvider(engine, store, log)));

  context.subscriptions.push(
    vscode.commands.registerCommand('rnnLens.trainOnSelection', (args?: TrainCommandArgs) => flow.run(isArgs(args) ? args : {})),
    vscode.commands.registerCommand('rnnLens.selectModel', () => selectModel(store, engine, log, trainingPanel)),
    vscode.commands.registerCommand('rnnLens.deleteModel', () => deleteModel(store, engine)),
    vscode.commands.registerCommand('rnnLens.openUnrolledView', (args?: { text?: unknown }) => {
      const text = (typeof args?.text === 'string' ? args.text : undefined) ?? textUnderCursor(store.active, editors.followed());
      unrolled.open(text);
      return text;
    }),
    vscode.commands.registerCommand('rnnLens.showLog', () => log.show()),
    vscode.commands.registerCommand('rnnLens.showTrainingReport', (args?: { name?: unknown }) => showTrainingReport(store, trainingPanel, typeof args?.name === 'string' ? args.name : undefined)),
    vscode.commands.registerCommand('rnnLens.cancelTraining', () => {
      if (!runs.cancel()) void vscode.window.showInformationMessage(vscode.l10n.t('No model is training.'));
    }),
    vscode.commands.registerCommand('rnnLens.restartEngine', async () => {
      engine.stop();
      const info = await engine.start();
      void vscode.window.showInformationMessage(vscode.l10n.t('RNN Lens engine restarted ({0} backend).', info.backend));
    }),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('rnnLens.engine')) {
        log.info('Engine settings changed: the engine restarts on the next request.');
        engine.stop();
      }
    }),
  );

  // With a model already active (e.g. after a reload), start the engine now so the first hover is quick.
  if (store.active) engine.start().catch((err) => log.error(`The engine did not start: ${(err as Error).message}`));
  log.info(`RNN Lens activated; models in ${store.root}; active model: ${store.active?.name ?? 'none'}`);

  return {
    enginePid: () => engine.pid,
    engineInfo: () => engine.info,
    activeModel: () => store.active,
    models: () => store.models,
    modelsRoot: () => store.root,
    unrolledPanel: () => unrolled.current,
    trainingPanel: () => (trainingPanel.current ? { panel: trainingPanel.current, shows: trainingPanel.shown } : undefined),
    labelDiagnostics: async (uri) => {
      await labels.settled();
      return labels.of(uri);
    },
    statesSnapshot: () => states.snapshot,
    statusBar: () => statusBar.shown,
    training: () => (runs.active ? { ...runs.active } : undefined),
    inspectUnrolled: (text, focus) => inspectUnrolledWithActive(engine, store, text, focus),
    readerModel: () => readerModelOfActive(engine, store),
    predict: async (text) => {
      const model = store.active;
      if (!model) throw new Error('No active model');
      const { predictions } = await engine.request('predict', { modelDir: model.dir, texts: [text] });
      return predictions[0];
    },
  };
}

/** Deactivation: everything is in context.subscriptions. */
export function deactivate(): void {
  // Nothing beyond the disposables.
}

function isArgs(value: unknown): value is TrainCommandArgs {
  // The editor context menu passes the document's Uri; only a plain object is our argument object.
  return typeof value === 'object' && value !== null && !(value instanceof vscode.Uri) && !Array.isArray(value);
}

/** Opens the report of the named model, else of the model picked (the active one first). */
async function showTrainingReport(store: ModelStore, panel: TrainingPanelController, name?: string): Promise<void> {
  await store.refresh();
  let entry = name !== undefined ? store.models.find((m) => m.name === name) : undefined;
  if (name !== undefined && !entry) throw new Error(vscode.l10n.t('There is no model named "{0}".', name));
  if (!entry) {
    if (store.models.length === 0) {
      void vscode.window.showInformationMessage(vscode.l10n.t('No models yet: select labelled lines and run "RNN: Train RNN on selection".'));
      return;
    }
    const models = [...store.models].sort((a, b) => (a.name === store.active?.name ? -1 : b.name === store.active?.name ? 1 : 0));
    const picked = await vscode.window.showQuickPick(
      models.map((m) => ({ label: `${m.name === store.active?.name ? '$(check) ' : ''}${m.name}`, description: describeConfig(m.metadata.config), detail: modelSummary(m.metadata), entry: m })),
      { title: vscode.l10n.t('Show Training Report'), placeHolder: vscode.l10n.t('Pick a model') },
    );
    entry = picked?.entry;
  }
  if (entry) panel.showReport(entry);
}

async function selectModel(store: ModelStore, engine: EngineClient, log: vscode.LogOutputChannel, panel: TrainingPanelController): Promise<void> {
  await store.refresh();
  type Item = vscode.QuickPickItem & { run(): Promise<void> | void; entry?: ModelEntry };
  const reportButton: vscode.QuickInputButton = { iconPath: new vscode.ThemeIcon('graph-line'), tooltip: vscode.l10n.t('Show Training Report') };
  const items: Item[] = store.models.map((m) => ({
    label: `${m.name === store.active?.name ? '$(check) ' : ''}${m.name}`,
    description: describeConfig(m.metadata.config),
    detail: modelSummary(m.metadata),
    buttons: [reportButton],
    entry: m,
    run: () => store.setActive(m.name),
  }));
  items.push(
    { label: '', kind: vscode.QuickPickItemKind.Separator, run: () => undefined },
    { label: `$(add) ${vscode.l10n.t('Train a new model on the selection…')}`, run: () => void vscode.commands.executeCommand('rnnLens.trainOnSelection') },
  );
  if (store.models.length > 0) items.push({ label: `$(trash) ${vscode.l10n.t('Delete a model…')}`, run: async () => void (await deleteModel(store, engine)) });
  if (store.active) items.push({ label: `$(circle-slash) ${vscode.l10n.t('No active model (turn the hover off)')}`, run: () => store.setActive(undefined) });
  items.push({ label: `$(output) ${vscode.l10n.t('Show the RNN Lens log')}`, run: () => log.show() });
  const quickPick = vscode.window.createQuickPick<Item>();
  quickPick.items = items;
  quickPick.title = vscode.l10n.t('RNN Lens models');
  quickPick.placeholder = store.models.length > 0 ? vscode.l10n.t('Pick the active model') : vscode.l10n.t('No models yet');
  const picked = await new Promise<Item | undefined>((resolve) => {
    quickPick.onDidAccept(() => resolve(quickPick.selectedItems[0]));
    quickPick.onDidTriggerItemButton((e) => {
      if (e.item.entry) panel.showReport(e.item.entry);
      resolve(undefined);
    });
    quickPick.onDidHide(() => resolve(undefined));
    quickPick.show();
  });
  quickPick.dispose();
  await picked?.run();
}

/** Says, once, that a run was lost when the window reloaded (or closed) mid-training, and offers to train again. */
async function reportInterruptedRun(runs: TrainingRuns, store: ModelStore, log: vscode.LogOutputChannel, flow: TrainFlow): Promise<void> {
  const lost = await runs.takeInterrupted();
  if (!lost) return;
  const removed = await store.removeLeftovers();
  log.warn(`The training of "${lost.name}" on ${lost.what}, started ${lost.started}, was interrupted by a window reload; ${removed} unfinished folder(s) removed.`);
  const again = vscode.l10n.t('Train Again');
  const choice = await vscode.window.showWarningMessage(
    vscode.l10n.t('The training of "{0}" on {1} (started {2}) stopped when the window reloaded; nothing of it was saved.', lost.name, lost.what, new Date(lost.started).toLocaleTimeString()),
    again,
  );
  if (choice !== again) return;
  let uri: vscode.Uri;
  try {
    uri = vscode.Uri.parse(lost.uri, true);
  } catch {
    return;
  }
  const range = lost.range ? new vscode.Range(...lost.range) : undefined;
  await flow.run({ uri, range });
}

/**
 * What the unrolled view opens on: in the editor (the last active one), the selected text within one
 * record's text, else the text field of the record under the cursor (the hover's reading); undefined without one.
 */
function textUnderCursor(model: ModelEntry | undefined, editor: vscode.TextEditor | undefined): string | undefined {
  if (!editor) return undefined;
  const { document, selection } = editor;
  return readUnderCursor(document, recordsOf(document, model), selection.active.line, selection)?.text.slice(0, UNROLLED_TEXT_CHARS);
}

/** Deletes a model after a modal confirmation; without a name, asks which. Resolves true when deleted. */
async function deleteModel(store: ModelStore, engine: EngineClient, name?: string): Promise<boolean> {
  await store.refresh();
  let model = store.models.find((m) => m.name === name);
  if (!model) {
    const picked = await vscode.window.showQuickPick(
      store.models.map((m) => ({ label: m.name, description: describeConfig(m.metadata.config), model: m })),
      { title: vscode.l10n.t('Delete a model') },
    );
    model = picked?.model;
  }
  if (!model) return false;
  const del = vscode.l10n.t('Delete');
  const sure = await vscode.window.showWarningMessage(vscode.l10n.t('Delete the model "{0}"? Its files are removed.', model.name), { modal: true }, del);
  if (sure !== del) return false;
  if (engine.info) await engine.request('unload', { modelDir: model.dir }).catch(() => undefined);
  await store.delete(model.name);
  return true;
}
