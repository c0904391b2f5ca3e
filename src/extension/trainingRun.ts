/**
 * The training run in progress, if any: what trains, how far it is, and how to cancel it — read by the
 * status bar (which cancels on click while a run trains, so Cancel stays reachable after Escape hides
 * the progress notification) and by the `rnnLens.cancelTraining` command. A journal entry in
 * workspaceState lives as long as the run, so a run lost to a window reload is reported after it.
 */
import * as vscode from 'vscode';

/** What the status bar shows of the run. */
export interface RunState {
  name: string;
  /** The source, e.g. "400 selected lines of names.tsv". */
  what: string;
  /** 0–100, or undefined before the first batch. */
  percent?: number;
  /** The progress line (epoch, batch, loss…). */
  message?: string;
  /** True once cancel was asked for (the run stops after its batch). */
  cancelling: boolean;
}

/** What the journal keeps of a run while it trains. */
export interface JournalEntry {
  name: string;
  what: string;
  uri: string;
  /** The selection trained on: start line, start character, end line, end character. */
  range?: [number, number, number, number];
  started: string;
}

const JOURNAL_KEY = 'rnnLens.trainingInProgress';

/** The current run and its journal. One run at a time. */
export class TrainingRuns implements vscode.Disposable {
  private current: (RunState & { cancel(): void }) | undefined;
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires when a run starts, progresses, is being cancelled or ends. */
  readonly onDidChange = this.changed.event;

  constructor(private readonly state: vscode.Memento) {}

  /** The run in progress, if any. */
  get active(): Readonly<RunState> | undefined {
    return this.current;
  }

  /** Records a run that starts now; `cancel` stops it. Resolves once the journal holds it. */
  async begin(entry: Omit<JournalEntry, 'started'>, cancel: () => void): Promise<void> {
    this.current = { name: entry.name, what: entry.what, cancelling: false, cancel };
    await this.state.update(JOURNAL_KEY, { ...entry, started: new Date().toISOString() } satisfies JournalEntry);
    await vscode.commands.executeCommand('setContext', 'rnnLens.training', true);
    this.changed.fire();
  }

  /** The run's progress. */
  progress(percent: number | undefined, message: string): void {
    if (!this.current) return;
    this.current.percent = percent;
    this.current.message = message;
    this.changed.fire();
  }

  /** Asks the run to stop after its batch; false when nothing trains. */
  cancel(): boolean {
    if (!this.current) return false;
    if (!this.current.cancelling) {
      this.current.cancelling = true;
      this.current.cancel();
      this.changed.fire();
    }
    return true;
  }

  /** The run ended (trained, cancelled or failed): the journal forgets it. */
  async end(): Promise<void> {
    this.current = undefined;
    await this.state.update(JOURNAL_KEY, undefined);
    await vscode.commands.executeCommand('setContext', 'rnnLens.training', false);
    this.changed.fire();
  }

  /**
   * A run the journal holds although none runs in this window: it was lost when the window reloaded or
   * closed mid-training. Reading it clears it (it is reported once).
   */
  async takeInterrupted(): Promise<JournalEntry | undefined> {
    if (this.current) return undefined;
    const entry = this.state.get<JournalEntry>(JOURNAL_KEY);
    if (!entry || typeof entry.name !== 'string' || typeof entry.what !== 'string') return undefined;
    await this.state.update(JOURNAL_KEY, undefined);
    return entry;
  }

  dispose(): void {
    // A run still training when the window goes is reported by the next window (the journal keeps it).
    this.changed.dispose();
  }
}
