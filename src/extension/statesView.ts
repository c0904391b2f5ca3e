/**
 * The "Hidden States" side panel: follows the cursor of the last active text editor (focus may be in a
 * view) and shows the hidden states of the record under it (or of the selected text within one record;
 * of the record under the cursor when the selection covers several, saying which), read by the active
 * model; plus the list of saved models.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { describeConfig } from '../shared/config';
import type { ChannelEndpoint } from '../shared/channel';
import { issueAt } from '../shared/dataset';
import { STATES_HOST_SIDE, type ModelListItem, type StatesHostSide, type StatesSnapshot, type ViewSide } from '../shared/webviewProtocol';
import type { EditorTracker } from './editors';
import type { EngineClient } from './engineClient';
import { readUnderCursor, recordsOf, whichRecord } from './documentRecords';
import type { ModelStore } from './modelStore';
import { inspectWithActive } from './unrolledPanel';
import { webviewHtml, webviewOptions } from './webviewHtml';
import { webviewEndpoint } from './webviewRpc';

/** The view's id (package.json contributes it to the "RNN Lens" activity-bar container). */
export const STATES_VIEW_ID = 'rnnLens.states';

const DEBOUNCE_MS = 120;

/** Provides the side panel. */
export class StatesViewProvider implements vscode.WebviewViewProvider, vscode.Disposable {
  private view: vscode.WebviewView | undefined;
  private rpc: ChannelEndpoint<StatesHostSide, ViewSide> | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private inFlight: AbortController | undefined;
  private last: StatesSnapshot | undefined;
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly engine: EngineClient,
    private readonly store: ModelStore,
    private readonly log: vscode.LogOutputChannel,
    private readonly commands: { openUnrolled(text: string): void; deleteModel(name: string): Promise<boolean> },
    private readonly editors: EditorTracker,
  ) {
    this.subscriptions.push(
      vscode.window.onDidChangeTextEditorSelection(() => this.schedule()),
      vscode.window.onDidChangeActiveTextEditor(() => this.schedule()),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.document === this.editors.followed()?.document) this.schedule();
      }),
      store.onDidChange(() => this.schedule(0)),
    );
  }

  /** The latest snapshot sent (for tests). */
  get snapshot(): StatesSnapshot | undefined {
    return this.last;
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    view.webview.options = webviewOptions(this.extensionUri);
    const rpc = webviewEndpoint(view.webview, STATES_HOST_SIDE, this.log);
    this.rpc = rpc;
    rpc.handle('ready', async () => ({ ...(await this.compute()), l10n: vscode.l10n.bundle }));
    rpc.handle('openUnrolled', ({ text }) => {
      this.commands.openUnrolled(text);
      return {};
    });
    rpc.handle('setActive', async ({ name }) => {
      if (this.store.models.some((m) => m.name === name)) await this.store.setActive(name);
      return {};
    });
    rpc.handle('deleteModel', async ({ name }) => ({ deleted: await this.commands.deleteModel(name) }));
    rpc.handle('revealModel', async ({ name }) => {
      const entry = this.store.models.find((m) => m.name === name);
      if (entry) await vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(path.join(entry.dir, 'model.json')));
      return {};
    });
    view.webview.html = webviewHtml(view.webview, this.extensionUri, 'states', vscode.l10n.t('Hidden States'));
    view.onDidChangeVisibility(() => view.visible && this.schedule(0));
    view.onDidDispose(() => {
      rpc.close();
      if (this.view === view) {
        this.view = undefined;
        this.rpc = undefined;
      }
    });
  }

  private schedule(delay = DEBOUNCE_MS): void {
    if (!this.view?.visible) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.push();
    }, delay);
  }

  private async push(): Promise<void> {
    try {
      const snapshot = await this.compute();
      this.rpc?.emit('snapshot', snapshot);
    } catch (err) {
      if ((err as { code?: string }).code !== 'cancelled') this.log.warn(`Hidden States: ${(err as Error).message}`);
    }
  }

  private models(): ModelListItem[] {
    return this.store.models.map((m) => ({
      name: m.name,
      description: describeConfig(m.metadata.config),
      classes: m.metadata.classes,
      accuracy: m.metadata.metrics.test?.accuracy,
      created: m.metadata.created,
      active: m.name === this.store.active?.name,
    }));
  }

  /** What the panel should show now. */
  private async compute(): Promise<StatesSnapshot> {
    const models = this.models();
    const model = this.store.active;
    const editor = this.editors.followed();
    const base = { models };
    if (!model) return (this.last = { ...base, inspection: null, emptyReason: vscode.l10n.t('No active model. Select labelled lines and run "RNN: Train RNN on selection", or pick a model below.') });
    if (!editor) return (this.last = { ...base, inspection: null, emptyReason: vscode.l10n.t('Open a text file: the line under the cursor is shown here.') });
    const { document, selection } = editor;
    const line = selection.active.line;
    if (selection.isEmpty && document.lineAt(line).isEmptyOrWhitespace) {
      return (this.last = { ...base, inspection: null, emptyReason: vscode.l10n.t('The line under the cursor is empty. Move the cursor to a line of text.') });
    }
    const records = recordsOf(document, model);
    const reading = readUnderCursor(document, records, line, selection);
    if (!reading) {
      const issue = issueAt(records, line + 1);
      const emptyReason = issue
        ? vscode.l10n.t('Line {0} is not a record: {1}. Move the cursor to a record.', line + 1, issue.message.replace(/^line \d+: /, ''))
        : vscode.l10n.t('Line {0} holds no record of this document ({1}): a header row, or nothing to read. Move the cursor to a record.', line + 1, records.description);
      return (this.last = { ...base, inspection: null, emptyReason });
    }
    const text = reading.text;
    this.inFlight?.abort();
    const controller = new AbortController();
    this.inFlight = controller;
    const inspection = await inspectWithActive(this.engine, this.store, text.slice(0, 100_000), controller.signal);
    const which = reading.selected ? whichRecord(reading) : undefined;
    const at = reading.record && reading.record.lastLine > reading.record.firstLine
      ? `${reading.record.firstLine}–${reading.record.lastLine}`
      : `${reading.record?.firstLine ?? line + 1}`;
    const source = `${path.basename(document.fileName)}:${at}${which ? ` · ${which}` : ''}`;
    return (this.last = { ...base, inspection, source });
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.subscriptions.forEach((s) => s.dispose());
  }
}
