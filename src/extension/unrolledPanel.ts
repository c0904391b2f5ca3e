/**
 * "RNN: Open Unrolled View": the webview panel that draws the unrolled network for a sentence the user
 * types. The host only routes: the panel asks, the engine inspects, the host checks and forwards. To
 * answer keystrokes within a frame, the panel also gets the active model's weights and the WebAssembly
 * kernels (`readerModel`, `readerKernels`) and reads with the engine's own Inspector in the page; until
 * then, and whenever that is not possible, it asks `inspect`. The panel is restored after a reload by
 * its serializer (the webview keeps its own text in getState).
 */
import * as vscode from 'vscode';
import type { InspectFocus, InspectedModel } from '../core/inspect';
import { shapeSize } from '../core/weightShapes';
import type { ChannelEndpoint } from '../shared/channel';
import { MAX_INSPECT_CHARS } from '../shared/inspectLimits';
import { MAX_READER_FLOATS, readerWeightShapes } from '../shared/readerModel';
import { RpcError } from '../shared/rpc';
import { UNROLLED_HOST_SIDE, type UNROLLED_COMMANDS, type UnrolledHostSide, type ViewSide } from '../shared/webviewProtocol';
import type { EngineClient } from './engineClient';
import type { ModelEntry, ModelStore } from './modelStore';
import { webviewHtml, webviewOptions } from './webviewHtml';
import { webviewEndpoint } from './webviewRpc';

/** The panel's view type (also the serializer's). */
export const UNROLLED_VIEW_TYPE = 'rnnLens.unrolled';

/** The command each of the empty state's buttons runs. */
const COMMAND_IDS: Record<(typeof UNROLLED_COMMANDS)[number], string> = {
  trainOnSelection: 'rnnLens.trainOnSelection',
  selectModel: 'rnnLens.selectModel',
};

/** A line of the model's training data (what the panel starts with when it has no text), if it has one within the panel's limit. */
export function sampleOf(entry: ModelEntry | undefined): string | undefined {
  const sample = entry?.metadata.samples?.[0];
  return sample !== undefined && sample.length <= MAX_INSPECT_CHARS ? sample : undefined;
}

/** The model as the views describe it. */
export function describeModel(entry: ModelEntry | undefined): InspectedModel | null {
  if (!entry) return null;
  const c = entry.metadata.config;
  return {
    name: entry.name,
    cell: c.cell,
    layers: c.layers,
    bidirectional: c.bidirectional,
    hiddenSize: c.hiddenSize,
    embeddingSize: c.embeddingSize,
    tokenization: c.tokenization,
    classes: entry.metadata.classes,
  };
}

/**
 * The answer with each typed array in a buffer of its own. Typed arrays that come through the engine's
 * IPC (advanced serialization) are views into the whole received message, and VS Code posts a view's
 * entire underlying buffer to the webview: without this, every answer would carry the IPC message
 * again (measured: about 40 % more bytes through code-server's compressed web socket).
 */
export function compactBuffers<T>(value: T): T {
  if (ArrayBuffer.isView(value)) {
    const a = value as unknown as Uint8Array;
    return (a.byteOffset === 0 && a.byteLength === a.buffer.byteLength ? a : a.slice()) as unknown as T;
  }
  if (Array.isArray(value)) return value.map((v) => compactBuffers(v)) as unknown as T;
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = compactBuffers(v);
    return out as T;
  }
  return value;
}

function activeModel(store: ModelStore) {
  const model = store.active;
  if (!model) throw new RpcError(vscode.l10n.t('No active model: train one with "RNN: Train RNN on selection" first.'), 'noModel');
  return model;
}

/** Reads a text with the active model through the engine (every value at full precision; the engine channel checked the answer). */
export async function inspectWithActive(engine: EngineClient, store: ModelStore, text: string, signal?: AbortSignal) {
  return compactBuffers(await engine.request('inspect', { modelDir: activeModel(store).dir, text }, { timeoutMs: 15_000, signal }));
}

/** The unrolled panel's reading of a text with the active model (strips as bytes, exact numbers for the focus; checked by the engine channel). */
export async function inspectUnrolledWithActive(engine: EngineClient, store: ModelStore, text: string, focus: InspectFocus, signal?: AbortSignal) {
  return compactBuffers(await engine.request('inspectUnrolled', { modelDir: activeModel(store).dir, text, focus }, { timeoutMs: 15_000, signal }));
}

/** Whether the unrolled view reads keystrokes itself (rnnLens.unrolled.readInView). */
export function readInViewEnabled(): boolean {
  return vscode.workspace.getConfiguration('rnnLens.unrolled').get<boolean>('readInView', true);
}

/**
 * The active model for the unrolled view's page to read with (see readerModel.ts), checked; null with
 * the reason when there is no active model or its weights are too many to send to a page.
 */
export async function readerModelOfActive(engine: EngineClient, store: ModelStore, signal?: AbortSignal) {
  const entry = store.active;
  if (!entry) return { model: null, reason: 'no active model' };
  if (!readInViewEnabled()) return { model: null, reason: 'rnnLens.unrolled.readInView is off' };
  const floats = readerWeightShapes(entry.metadata, entry.metadata.vocabSize).reduce((sum, shape) => sum + shapeSize(shape), 0);
  if (floats > MAX_READER_FLOATS) return { model: null, reason: `${floats} weights, more than the ${MAX_READER_FLOATS} a page reads with` };
  return { model: compactBuffers(await engine.request('readerModel', { modelDir: entry.dir }, { timeoutMs: 30_000, signal })) };
}

/** Owns the single unrolled panel. */
export class UnrolledPanelController implements vscode.Disposable, vscode.WebviewPanelSerializer {
  private panel: vscode.WebviewPanel | undefined;
  private rpc: ChannelEndpoint<UnrolledHostSide, ViewSide> | undefined;
  private pendingText: string | undefined;
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly engine: EngineClient,
    private readonly store: ModelStore,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.subscriptions.push(
      vscode.window.registerWebviewPanelSerializer(UNROLLED_VIEW_TYPE, this),
      store.onDidChange(() => this.announceModel()),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('rnnLens.unrolled.readInView')) this.announceModel();
      }),
    );
  }

  /** Tells the panel which model is active, when it was saved, whether to read keystrokes itself, and a line to read when it has none. */
  private announceModel(): void {
    const active = this.store.active;
    this.rpc?.emit('modelChanged', { model: describeModel(active), created: active?.metadata.created, readInView: readInViewEnabled(), sample: sampleOf(active) });
  }

  /**
   * Opens (or reveals) the panel; with `text`, shows that sentence. Without an active model the panel
   * opens in its empty state, which says to train first (with a button that does) and reads the text as
   * soon as a model becomes active.
   */
  open(text?: string): void {
    if (this.panel) {
      this.panel.reveal(vscode.ViewColumn.Beside);
      if (text !== undefined) this.rpc?.emit('setText', { text });
      return;
    }
    this.pendingText = text;
    const panel = vscode.window.createWebviewPanel(UNROLLED_VIEW_TYPE, vscode.l10n.t('Unrolled RNN'), vscode.ViewColumn.Beside, webviewOptions(this.extensionUri));
    this.attach(panel);
  }

  /** Restores the panel after a reload (its text comes back through the webview's own state). */
  async deserializeWebviewPanel(panel: vscode.WebviewPanel): Promise<void> {
    panel.webview.options = webviewOptions(this.extensionUri);
    this.attach(panel);
  }

  /** The panel, for tests. */
  get current(): vscode.WebviewPanel | undefined {
    return this.panel;
  }

  private attach(panel: vscode.WebviewPanel): void {
    this.panel?.dispose();
    this.panel = panel;
    panel.iconPath = vscode.Uri.joinPath(this.extensionUri, 'media', 'icon.png');
    const rpc = webviewEndpoint(panel.webview, UNROLLED_HOST_SIDE, this.log);
    this.rpc = rpc;
    rpc.handle('ready', (params) => {
      const text = this.pendingText ?? params.restoredText ?? sampleOf(this.store.active) ?? '';
      this.pendingText = undefined;
      return { model: describeModel(this.store.active), text, l10n: vscode.l10n.bundle };
    });
    rpc.handle('inspect', (params, ctx) => inspectUnrolledWithActive(this.engine, this.store, params.text, params.focus, ctx.signal));
    rpc.handle('readerModel', (_params, ctx) => readerModelOfActive(this.engine, this.store, ctx.signal));
    rpc.handle('runCommand', ({ command }) => {
      // Not awaited: training runs for minutes and reports in its own notification. It trains on the
      // editor the user works in (the train flow follows it while focus is in this panel).
      void vscode.commands.executeCommand(COMMAND_IDS[command]).then(undefined, (err: unknown) => this.log.error(`${COMMAND_IDS[command]} failed: ${(err as Error)?.message ?? err}`));
      return {};
    });
    rpc.handle('readerKernels', async ({ relaxed }) => {
      const file = vscode.Uri.joinPath(this.extensionUri, 'dist', 'kernels', relaxed ? 'kernels-relaxed-unshared.wasm' : 'kernels-simd-unshared.wasm');
      // A plain Uint8Array of its own: a Node Buffer (what readFile may give) reaches a webview as JSON.
      return new Uint8Array(await vscode.workspace.fs.readFile(file));
    });
    panel.webview.html = webviewHtml(panel.webview, this.extensionUri, 'unrolled', vscode.l10n.t('Unrolled RNN'));
    panel.onDidDispose(() => {
      rpc.close();
      if (this.panel === panel) {
        this.panel = undefined;
        this.rpc = undefined;
      }
    });
  }

  dispose(): void {
    this.panel?.dispose();
    this.subscriptions.forEach((s) => s.dispose());
  }
}
