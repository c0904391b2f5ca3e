/**
 * Likely label errors in the Problems view (rnnLens.training.markMisclassified, off by default): for the active
 * model, information-level diagnostics on the records of the lines it was trained on whose label it disagrees
 * with ("model: male 97 %, label: female"). The records are read as the hover reads them (the document's own
 * format, once per version) and predicted by the engine in batches; nothing is ever written to the document.
 * They go when the setting is turned off, the active model changes or the document is edited.
 */
import * as vscode from 'vscode';
import { recordsOf } from './documentRecords';
import type { EngineClient } from './engineClient';
import type { ModelEntry, ModelStore } from './modelStore';

/** Texts per predict request. */
const BATCH = 256;
/** Records predicted at most per document (a larger training selection marks its first ones). */
const MAX_RECORDS = 50_000;

function enabled(): boolean {
  return vscode.workspace.getConfiguration('rnnLens.training').get<boolean>('markMisclassified', false);
}

/** Owns the diagnostics. */
export class LabelDiagnostics implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection('rnnLens.labels');
  private readonly subscriptions: vscode.Disposable[] = [];
  /** Bumped by every refresh: a refresh that was overtaken drops its results. */
  private generation = 0;
  private running: Promise<void> = Promise.resolve();

  constructor(
    private readonly engine: EngineClient,
    private readonly store: ModelStore,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.subscriptions.push(
      this.collection,
      store.onDidChange(() => this.refresh()),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('rnnLens.training.markMisclassified')) this.refresh();
      }),
      vscode.workspace.onDidOpenTextDocument(() => this.refresh()),
      // An edit moves lines and texts: the marks would point at the wrong records.
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.contentChanges.length > 0 && this.collection.has(e.document.uri)) this.collection.delete(e.document.uri);
      }),
    );
    this.refresh();
  }

  /** Resolves when the latest refresh is done (for tests). */
  settled(): Promise<void> {
    return this.running;
  }

  /** The diagnostics of a document, for tests. */
  of(uri: vscode.Uri): readonly vscode.Diagnostic[] {
    return this.collection.get(uri) ?? [];
  }

  /** Marks the active model's training lines anew (or clears them). */
  refresh(): void {
    const generation = ++this.generation;
    this.running = this.running.then(() => this.mark(generation)).catch((err: unknown) => this.log.error(`Marking misclassified lines failed: ${(err as Error)?.message ?? err}`));
  }

  private async mark(generation: number): Promise<void> {
    const model = this.store.active;
    const uri = model?.metadata.source?.uri;
    const doc = uri ? vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri) : undefined;
    if (!enabled() || !model || !doc) {
      this.collection.clear();
      return;
    }
    if (this.collection.has(doc.uri) && this.markedFor === `${model.dir}@${doc.version}`) return;
    const diagnostics = await this.disagreements(model, doc, generation);
    if (!diagnostics || generation !== this.generation) return;
    this.collection.clear();
    this.collection.set(doc.uri, diagnostics);
    this.markedFor = `${model.dir}@${doc.version}`;
    this.log.info(`Marked ${diagnostics.length} line(s) of ${vscode.workspace.asRelativePath(doc.uri)} whose label "${model.name}" disagrees with.`);
  }

  private markedFor = '';

  /** The records of the model's training lines in `doc` whose label the model does not predict, as diagnostics. */
  private async disagreements(model: ModelEntry, doc: vscode.TextDocument, generation: number): Promise<vscode.Diagnostic[] | undefined> {
    const version = doc.version;
    const records = recordsOf(doc, model);
    if (records.kind !== 'records') return [];
    const lines = model.metadata.source?.lines;
    const known = new Set(model.metadata.classes);
    const examples = records.examples.filter((e) => (!lines || (e.line >= lines.first && (e.lastLine ?? e.line) <= lines.last)) && known.has(e.label)).slice(0, MAX_RECORDS);
    const out: vscode.Diagnostic[] = [];
    for (let i = 0; i < examples.length; i += BATCH) {
      const batch = examples.slice(i, i + BATCH);
      const { classes, predictions } = await this.engine.request('predict', { modelDir: model.dir, texts: batch.map((e) => e.text) });
      // A newer refresh, or an edit, overtook this one.
      if (generation !== this.generation || doc.version !== version) return undefined;
      batch.forEach((e, k) => {
        const p = predictions[k];
        if (p.label === e.label) return;
        const probability = p.probabilities[classes.indexOf(p.label)] ?? 0;
        const last = (e.lastLine ?? e.line) - 1;
        const range = new vscode.Range(e.line - 1, 0, last, doc.lineAt(last).range.end.character);
        const d = new vscode.Diagnostic(range, vscode.l10n.t('model: {0} {1} %, label: {2}', p.label, (100 * probability).toFixed(0), e.label), vscode.DiagnosticSeverity.Information);
        d.source = vscode.l10n.t('RNN Lens ({0})', model.name);
        d.code = 'label-disagreement';
        out.push(d);
      });
    }
    return out;
  }

  dispose(): void {
    this.generation++;
    this.subscriptions.forEach((s) => s.dispose());
  }
}
