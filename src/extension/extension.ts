/** Entry point of the extension: wires the engine, the model store, the commands, the hover and the status bar. */
import * as vscode from 'vscode';
import { describeConfig } from '../shared/config';
import type { InspectFocus, UnrolledInspection } from '../core/inspect';
import type { EngineInfo, Prediction } from '../shared/protocol';
import type { ReaderModel } from '../shared/readerModel';
import { EngineClient } from './engineClient';
import { HOVER_SELECTOR, PredictionHoverProvider } from './hover';
import { ModelStore, type ModelEntry } from './modelStore';
import { readEngineLaunch } from './settings';
import { STATES_VIEW_ID, StatesViewProvider } from './statesView';
import { StatusBar } from './statusBar';
import { TrainFlow, type TrainCommandArgs } from './trainFlow';
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
  const flow = new TrainFlow(engine, store, log);
  context.subscriptions.push(log, engine, store);

  try {
    await store.refresh();
  } catch (err) {
    log.error(`Could not read the models folder ${store.root}: ${(err as Error).message}`);
  }
  context.subscriptions.push(new StatusBar(store, engine));
  const unrolled = new UnrolledPanelController(context.extensionUri, engine, store, log);
  const states = new StatesViewProvider(context.extensionUri, engine, store, log, {
    openUnrolled: (text) => unrolled.open(text),
    deleteModel: (name) => deleteModel(store, engine, name),
  });
  context.subscriptions.push(unrolled, states, vscode.window.registerWebviewViewProvider(STATES_VIEW_ID, states));
  context.subscriptions.push(vscode.languages.registerHoverProvider(HOVER_SELECTOR, new PredictionHoverProvider(engine, store, log)));

  context.subscriptions.push(
    vscode.commands.registerCommand('rnnLens.trainOnSelection', (args?: TrainCommandArgs) => flow.run(isArgs(args) ? args : {})),
    vscode.commands.registerCommand('rnnLens.selectModel', () => selectModel(store, engine, log)),
    vscode.commands.registerCommand('rnnLens.deleteModel', () => deleteModel(store, engine)),
    vscode.commands.registerCommand('rnnLens.openUnrolledView', (args?: { text?: unknown }) => {
      const text = typeof args?.text === 'string' ? args.text : undefined;
      unrolled.open(text ?? selectedText());
    }),
    vscode.commands.registerCommand('rnnLens.showLog', () => log.show()),
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
    statesSnapshot: () => states.snapshot,
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

async function selectModel(store: ModelStore, engine: EngineClient, log: vscode.LogOutputChannel): Promise<void> {
  await store.refresh();
  type Item = vscode.QuickPickItem & { run(): Promise<void> | void };
  const items: Item[] = store.models.map((m) => ({
    label: `${m.name === store.active?.name ? '$(check) ' : ''}${m.name}`,
    description: describeConfig(m.metadata.config),
    detail: `${m.metadata.classes.length} classes · ${m.metadata.metrics.validation ? `${(100 * m.metadata.metrics.validation.accuracy).toFixed(1)} % validation accuracy · ` : ''}${new Date(m.metadata.created).toLocaleString()}`,
    run: () => store.setActive(m.name),
  }));
  items.push(
    { label: '', kind: vscode.QuickPickItemKind.Separator, run: () => undefined },
    { label: `$(add) ${vscode.l10n.t('Train a new model on the selection…')}`, run: () => void vscode.commands.executeCommand('rnnLens.trainOnSelection') },
  );
  if (store.models.length > 0) items.push({ label: `$(trash) ${vscode.l10n.t('Delete a model…')}`, run: async () => void (await deleteModel(store, engine)) });
  if (store.active) items.push({ label: `$(circle-slash) ${vscode.l10n.t('No active model (turn the hover off)')}`, run: () => store.setActive(undefined) });
  items.push({ label: `$(output) ${vscode.l10n.t('Show the RNN Lens log')}`, run: () => log.show() });
  const picked = await vscode.window.showQuickPick(items, {
    title: vscode.l10n.t('RNN Lens models'),
    placeHolder: store.models.length > 0 ? vscode.l10n.t('Pick the active model') : vscode.l10n.t('No models yet'),
  });
  await picked?.run();
}

/** The selected text of the active editor, if any (to open the unrolled view on it). */
function selectedText(): string | undefined {
  const editor = vscode.window.activeTextEditor;
  return editor && !editor.selection.isEmpty ? editor.document.getText(editor.selection).slice(0, 10_000) : undefined;
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
