/**
 * The saved models of this workspace (folders in the extension's workspace storage) and which one is
 * active. The active model survives a window reload through workspaceState.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { isModelMetadata, type ModelMetadata } from '../shared/protocol';

/** A saved model. */
export interface ModelEntry {
  name: string;
  dir: string;
  metadata: ModelMetadata;
}

const ACTIVE_KEY = 'rnnLens.activeModel';

/** Folder-safe model name from free text. */
export function slugify(text: string): string {
  const slug = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '')
    .slice(0, 60);
  return slug || 'model';
}

/**
 * The default name of a model: its data and settings, e.g. "names-lstm-64-char" or
 * "reviews-bigru-2x128-word" (tokenisation left out while it is still to be chosen).
 */
export function defaultModelName(fileName: string, config: { cell: string; bidirectional: boolean; layers: number; hiddenSize: number; tokenization: string }): string {
  const base = path.basename(fileName, path.extname(fileName)) || 'model';
  const cell = `${config.bidirectional ? 'bi' : ''}${config.cell}`;
  const size = config.layers > 1 ? `${config.layers}x${config.hiddenSize}` : String(config.hiddenSize);
  const tokens = config.tokenization === 'word' || config.tokenization === 'char' ? `-${config.tokenization}` : '';
  return slugify(`${base}-${cell}-${size}${tokens}`);
}

/** Lists, activates and deletes saved models. */
export class ModelStore implements vscode.Disposable {
  private entries: ModelEntry[] = [];
  private activeEntry: ModelEntry | undefined;
  private readonly changed = new vscode.EventEmitter<void>();

  /** Fires when the list or the active model changes. */
  readonly onDidChange = this.changed.event;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  /** The folder holding one sub-folder per model. */
  get root(): string {
    return path.join((this.context.storageUri ?? this.context.globalStorageUri).fsPath, 'models');
  }

  /** The active model, if any. */
  get active(): ModelEntry | undefined {
    return this.activeEntry;
  }

  /** All saved models, newest first. */
  get models(): readonly ModelEntry[] {
    return this.entries;
  }

  /** Re-reads the models folder; unreadable folders are logged and skipped. */
  async refresh(): Promise<void> {
    await fs.mkdir(this.root, { recursive: true });
    const names = await fs.readdir(this.root, { withFileTypes: true });
    const entries: ModelEntry[] = [];
    for (const d of names) {
      if (!d.isDirectory() || d.name.includes('.partial-')) continue;
      const dir = path.join(this.root, d.name);
      try {
        const metadata: unknown = JSON.parse(await fs.readFile(path.join(dir, 'metadata.json'), 'utf8'));
        if (!isModelMetadata(metadata)) throw new Error('not RNN Lens metadata (version 1)');
        entries.push({ name: d.name, dir, metadata });
      } catch (err) {
        this.log.warn(`Skipping ${dir}: ${(err as Error).message}`);
      }
    }
    entries.sort((a, b) => (a.metadata.created < b.metadata.created ? 1 : -1));
    this.entries = entries;
    const activeName = this.context.workspaceState.get<string>(ACTIVE_KEY);
    this.activeEntry = entries.find((e) => e.name === activeName);
    if (activeName && !this.activeEntry) {
      this.log.warn(`The active model "${activeName}" is gone; no model is active.`);
      await this.context.workspaceState.update(ACTIVE_KEY, undefined);
    }
    await vscode.commands.executeCommand('setContext', 'rnnLens.hasModels', entries.length > 0);
    await vscode.commands.executeCommand('setContext', 'rnnLens.hasActiveModel', !!this.activeEntry);
    this.changed.fire();
  }

  /** A model name not yet taken (by any model but `except`), derived from `base`. */
  uniqueName(base: string, except?: string): string {
    const slug = slugify(base);
    const taken = new Set(this.entries.map((e) => e.name).filter((n) => n !== except));
    if (!taken.has(slug)) return slug;
    for (let i = 2; ; i++) if (!taken.has(`${slug}-${i}`)) return `${slug}-${i}`;
  }

  /** The folder a model of this name is (or will be) saved in. */
  dirFor(name: string): string {
    return path.join(this.root, slugify(name));
  }

  /** The newest model trained from this document, if any. */
  trainedFrom(uri: vscode.Uri): ModelEntry | undefined {
    const key = uri.toString();
    return this.entries.find((e) => e.metadata.source?.uri === key);
  }

  /** A folder for a model that must not show in the list until it is adopted (skipped by refresh). */
  stagingDirFor(name: string): string {
    return `${this.dirFor(name)}.partial-staged-${Date.now()}`;
  }

  /**
   * Puts the model saved in `dir` (a staging folder) under `name`: in place of the model of that name
   * when there is one (its files go only once the new ones are in place; on a failure it is restored),
   * else in a new folder. The metadata records the name.
   */
  async adopt(dir: string, name: string): Promise<ModelEntry> {
    const target = this.dirFor(name);
    const file = path.join(dir, 'metadata.json');
    const metadata: unknown = JSON.parse(await fs.readFile(file, 'utf8'));
    if (!isModelMetadata(metadata)) throw new Error(`${dir} holds no model`);
    if (metadata.name !== path.basename(target)) await fs.writeFile(file, JSON.stringify({ ...metadata, name: path.basename(target) }, null, 2));
    const old = `${target}.partial-replaced-${Date.now()}`;
    const replacing = await fs.stat(target).then(() => true, () => false);
    if (replacing) await fs.rename(target, old);
    try {
      await fs.rename(dir, target);
    } catch (err) {
      if (replacing) await fs.rename(old, target);
      throw err;
    }
    if (replacing) await fs.rm(old, { recursive: true, force: true });
    await this.refresh();
    const entry = this.entries.find((e) => e.dir === target);
    if (!entry) throw new Error(`the model saved in ${target} could not be read back`);
    return entry;
  }

  /** Removes folders left by runs that never finished (a reload or crash mid-save). */
  async removeLeftovers(): Promise<number> {
    const names = await fs.readdir(this.root).catch(() => [] as string[]);
    const left = names.filter((n) => n.includes('.partial-'));
    await Promise.all(left.map((n) => fs.rm(path.join(this.root, n), { recursive: true, force: true })));
    return left.length;
  }

  /** Makes `name` the active model. */
  async setActive(name: string | undefined): Promise<void> {
    await this.context.workspaceState.update(ACTIVE_KEY, name);
    await this.refresh();
  }

  /** Deletes a model folder; if it was active, no model is active afterwards. */
  async delete(name: string): Promise<void> {
    const entry = this.entries.find((e) => e.name === name);
    if (!entry) return;
    await fs.rm(entry.dir, { recursive: true, force: true });
    if (this.activeEntry?.name === name) await this.context.workspaceState.update(ACTIVE_KEY, undefined);
    await this.refresh();
  }

  dispose(): void {
    this.changed.dispose();
  }
}
