/**
 * The unrolled panel's reading pipeline: which text is read, by whom, and which answers reach the screen.
 * Once the active model's weights have arrived (`readerModel`), keystrokes are read in the page by the
 * engine's own Inspector (./localReader); until then, or if that fails, it asks the host for one
 * inspection per keystroke, shows only the newest answer and cancels the requests it supersedes. The
 * panel (./panel) owns the DOM and hears of answers through ReadingEvents.
 */
import type { InspectFocus, InspectedModel, UnrolledInspection } from '../../src/core/inspect';
import { RpcError } from '../../src/shared/rpc';
import type { UNROLLED_HOST_SIDE } from '../../src/shared/webviewProtocol';
import type { HostConnection } from '../shared/vscodeApi';
import { LocalReader, localReadingSupported } from './localReader';

/** The channel to the extension host, as the unrolled panel opens it (connectToHost). */
export type UnrolledHost = HostConnection<typeof UNROLLED_HOST_SIDE, unknown>['host'];

/** What the reading pipeline asks of the panel. */
export interface ReadingEvents {
  /** The model the panel shows (null: none, and nothing is read). */
  currentModel(): InspectedModel | null;
  /** The text in the sentence field (read again once the page's reader is ready). */
  currentText(): string;
  /** The cell and unit whose exact values each reading asks for. */
  focus(): InspectFocus;
  /** Puts an answer newer than the one on screen on screen. */
  show(answer: UnrolledInspection): void;
  /** Speaks the selected cell: an answer brought the exact values that readForFocus asked for. */
  announce(): void;
  /** A request to the host failed with this message (and no newer answer is on screen). */
  failed(message: string): void;
  /** The page's reader changed: the name of its kernels, or undefined when the host reads again. */
  readerChanged(kernelName: string | undefined): void;
}

/**
 * Readings that took longer than a frame wait for the next animation frame, so that keys typed within
 * one frame are read once; quicker ones run right after the key, so the diagram goes out in the same
 * frame as the text field's own change (measured in code-server with a threshold of 8 ms, which sent
 * every reading to the animation frame, against 16 ms: input → drawn 13.1 → 10.4 ms median, input →
 * end of the frame that shows it 29.2 → 26.1 ms).
 */
const LOCAL_DEFER_MS = 16;

/** Whether an answer carries the exact values for the wanted cell and unit. */
export function focusMatches(answer: UnrolledInspection, want: InspectFocus): boolean {
  const cell = answer.cell;
  const cellOk = want.cell === null ? cell === null : !!cell && cell.t === want.cell.t && cell.layer === want.cell.layer && cell.direction === want.cell.direction;
  return cellOk && (answer.unit?.unit ?? null) === want.unit;
}

/** Reads texts for the unrolled panel, in the page or through the host, and hands it the newest answer. */
export class Reading {
  // Requests: each keystroke sends one; an answer older than the one on screen is dropped.
  private lastSent = 0;
  private lastShown = 0;
  private readonly inFlight = new Map<number, AbortController>();
  /** The reader of the active model once loaded. */
  private reader: LocalReader | null = null;
  /** Counts reader loads: a load that finishes after a newer one started (the model changed) is dropped. */
  private readerGeneration = 0;
  /** The text waiting to be read in the page. */
  private localText: string | null = null;
  /** When the active model was saved (the last modelChanged event's, or the loaded reader's). */
  private modelCreated: unknown;
  /** How long the last reading in the page took, read and drawn (ms). */
  private lastLocalMs = 0;
  /** Set when a selection or unit change asked for new exact values: the answer is then announced. */
  private announceOnAnswer = false;

  constructor(
    private readonly host: UnrolledHost,
    private readonly events: ReadingEvents,
  ) {}

  /** Whether the page's reader is loaded (keystrokes are read in the page). */
  get hasReader(): boolean {
    return this.reader !== null;
  }

  /** Records when the active model was saved (a modelChanged event's `created`); whether that is the save recorded before. */
  noteCreated(created: unknown): boolean {
    const same = created !== undefined && created === this.modelCreated;
    this.modelCreated = created;
    return same;
  }

  /** Reads `text` in the page when it has the model's reader (right after the key, or in the next animation frame when readings are slow), else asks the host. */
  read(text: string): void {
    if (!this.events.currentModel()) return;
    if (this.reader) {
      if (this.localText === null) {
        if (this.lastLocalMs > LOCAL_DEFER_MS) requestAnimationFrame(() => this.readLocally(true));
        else queueMicrotask(() => this.readLocally(false));
      }
      this.localText = text;
      return;
    }
    this.requestInspection(text);
  }

  /** Reads `text` again for a newly focused cell or unit; the first answer with its exact values is announced. */
  readForFocus(text: string): void {
    this.announceOnAnswer = true;
    this.read(text);
  }

  /**
   * Asks the host for the active model's weights and builds the page's reader; until it is ready, and if
   * anything fails (no WebAssembly SIMD, a model too large to send), keystrokes go to the host.
   */
  loadReader(): void {
    this.dropReader();
    const wanted = this.events.currentModel();
    if (!wanted || !localReadingSupported()) return;
    const generation = this.readerGeneration;
    this.host
      .request('readerModel', {})
      .then(async (answer) => {
        if (generation !== this.readerGeneration) return;
        if (!answer.model) return; // the host said why (answer.reason): the engine keeps reading
        if (answer.model.metadata.name !== this.events.currentModel()?.name) return;
        const loaded = await LocalReader.load(answer.model, (relaxed) => this.host.request('readerKernels', { relaxed }));
        if (generation !== this.readerGeneration) {
          loaded.dispose();
          return;
        }
        this.reader = loaded;
        this.modelCreated = loaded.created;
        this.events.readerChanged(loaded.kernelName);
        this.read(this.events.currentText());
      })
      .catch((error: unknown) => {
        if (error instanceof RpcError && error.code === 'cancelled') return;
        console.warn(`[rnn-lens] the page reads with the extension's engine: ${error instanceof Error ? error.message : String(error)}`);
      });
  }

  /** Frees the page's reader (if any): keystrokes go to the host; a load under way is dropped when it finishes. */
  dropReader(): void {
    this.readerGeneration++;
    this.reader?.dispose();
    this.reader = null;
    this.events.readerChanged(undefined);
  }

  /** Reads the waiting text with the page's reader and draws it; on failure, goes back to asking the host. */
  private readLocally(inFrame: boolean): void {
    const text = this.localText;
    this.localText = null;
    if (text === null || !this.reader) {
      if (text !== null) this.requestInspection(text);
      return;
    }
    const started = performance.now();
    let answer: UnrolledInspection;
    try {
      answer = this.reader.read(text, this.events.focus());
    } catch (error) {
      console.warn(`[rnn-lens] reading in the page failed, asking the extension instead: ${error instanceof Error ? error.message : String(error)}`);
      this.dropReader();
      this.requestInspection(text);
      return;
    }
    timing('rnnLens.localRead', started, { inFrame });
    // This answer is the newest: older requests to the host can no longer be shown.
    this.lastShown = ++this.lastSent;
    for (const pending of this.inFlight.values()) pending.abort();
    this.present(answer);
    this.lastLocalMs = performance.now() - started;
    this.announceIfAwaited(answer);
  }

  /** Sends one inspection request to the host; answers to older requests that arrive later are dropped. */
  private requestInspection(text: string): void {
    const sequence = ++this.lastSent;
    const controller = new AbortController();
    this.inFlight.set(sequence, controller);
    this.host.request('inspect', { text, focus: this.events.focus() }, { signal: controller.signal }).then(
      (answer) => {
        this.inFlight.delete(sequence);
        if (sequence <= this.lastShown) return; // a newer answer is already on screen
        // The checked answer is in hand (the channel revived and checked it against UNROLLED_HOST_SIDE).
        timing('rnnLens.accept', performance.now());
        this.lastShown = sequence;
        // Older requests can no longer be shown: tell the host to stop on them.
        for (const [older, pending] of this.inFlight) if (older < sequence) pending.abort();
        this.present(answer);
        this.announceIfAwaited(answer);
      },
      (error: unknown) => {
        this.inFlight.delete(sequence);
        const code = error instanceof RpcError ? error.code : 'internal';
        if (code === 'cancelled' || sequence <= this.lastShown) return;
        this.events.failed(error instanceof Error ? error.message : String(error));
      },
    );
  }

  /** Hands an accepted answer to the panel to draw, timing the drawing. */
  private present(answer: UnrolledInspection): void {
    const drawing = performance.now();
    this.events.show(answer);
    timing('rnnLens.draw', drawing);
  }

  /** Announces the selected cell when this answer brings the exact values a focus change asked for. */
  private announceIfAwaited(answer: UnrolledInspection): void {
    if (this.announceOnAnswer && focusMatches(answer, this.events.focus())) {
      this.announceOnAnswer = false;
      this.events.announce();
    }
  }
}

/** Records how long a step took as a performance measure (only the latest of each name is kept), for benchmarks and the profiler. */
function timing(name: string, start: number, detail?: unknown): void {
  performance.clearMeasures(name);
  performance.measure(name, { start, end: performance.now(), detail });
}
