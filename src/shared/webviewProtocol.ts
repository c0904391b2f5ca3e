/**
 * The messages between the extension host and the two webviews (the unrolled-RNN panel and the
 * Hidden States side panel), carried by the same RPC helper as the engine channel (src/shared/rpc.ts)
 * over postMessage. The webviews draw; every number comes from the engine through the host, or, for
 * the unrolled view's keystrokes, from the engine's own Inspector and kernels run inside the page on the
 * weights the engine sent (`readerModel`).
 */
import type { InspectFocus, Inspection, InspectedModel, UnrolledInspection } from '../core/inspect';
import type { ReaderModel } from './readerModel';

/** A saved model as the side panel lists it. */
export interface ModelListItem {
  name: string;
  description: string;
  classes: string[];
  /** Validation accuracy in [0, 1], when there was a validation split. */
  accuracy?: number;
  created: string;
  active: boolean;
}

/** Methods the host serves to the unrolled panel. */
export type UnrolledHostMethods = {
  /** The panel is ready: the active model, the sentence to start with (restored or from the training data) and VS Code's l10n bundle (absent in English). */
  ready: { params: { restoredText?: string }; result: { model: InspectedModel | null; text: string; l10n?: Record<string, string> } };
  /**
   * Read this sentence with the active model (one per keystroke; the panel drops answers to stale
   * requests): the strips as bytes, exact numbers for the focused cell and unit (asked again when they change).
   */
  inspect: { params: { text: string; focus: InspectFocus }; result: UnrolledInspection };
  /**
   * The active model's metadata, vocabulary and weights, for the page to read keystrokes itself (the
   * answers equal `inspect`'s: same Inspector, same kernels). `model` is null, with the reason, when
   * there is no active model or it is too large to send; the page then keeps asking `inspect`.
   */
  readerModel: { params: Record<string, never>; result: { model: ReaderModel | null; reason?: string } };
  /** The bytes of the WebAssembly kernels built for a page (plain memory): relaxed SIMD or plain SIMD. */
  readerKernels: { params: { relaxed: boolean }; result: Uint8Array };
};

/** Methods the host serves to the Hidden States side panel. */
export type StatesHostMethods = {
  /** The panel is ready: the current state of things, and VS Code's l10n bundle (absent in English). */
  ready: { params: Record<string, never>; result: StatesSnapshot & { l10n?: Record<string, string> } };
  /** Open the unrolled view with this text. */
  openUnrolled: { params: { text: string }; result: Record<string, never> };
  /** Make a model active. */
  setActive: { params: { name: string }; result: Record<string, never> };
  /** Delete a model (the host asks for confirmation). */
  deleteModel: { params: { name: string }; result: { deleted: boolean } };
  /** Reveal a model's files in the OS file manager / explorer. */
  revealModel: { params: { name: string }; result: Record<string, never> };
};

/** What the side panel shows: the models and the inspection of the line under the cursor. */
export interface StatesSnapshot {
  models: ModelListItem[];
  /** The line (or selection) under the cursor, read by the active model; null when there is nothing to show. */
  inspection: Inspection | null;
  /** Why there is no inspection (no model, no editor, empty line), for the empty state. */
  emptyReason?: string;
  /** Where the text comes from, e.g. "names.tsv:12". */
  source?: string;
}

/** Events the host sends to the webviews (RPC 'event' messages). */
export const WEBVIEW_EVENTS = {
  /** Unrolled panel: the models or the settings changed (payload: { model: InspectedModel | null, created?: string, readInView: boolean }: the active one, when it was saved, whether the panel reads keystrokes itself). */
  modelChanged: 'modelChanged',
  /** Unrolled panel: show this text (payload: { text: string }), e.g. from the side panel's button. */
  setText: 'setText',
  /** Side panel: a new snapshot (payload: StatesSnapshot). */
  snapshot: 'snapshot',
} as const;
