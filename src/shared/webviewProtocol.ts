/**
 * The channels between the extension host and the two webviews (the unrolled-RNN panel and the
 * Hidden States side panel): one descriptor table per side (channel.ts), carried over postMessage. The webviews draw; every number comes from the engine through the host, or, for
 * the unrolled view's keystrokes, from the engine's own Inspector and kernels run inside the page on the
 * weights the engine sent (`readerModel`).
 */
import { z } from 'zod';
import { checkInspectedModel, checkInspection, checkUnrolledInspection, type Inspection, type InspectedModel, type UnrolledInspection } from '../core/inspect';
import { checked, empty, event, NOTHING, request, type ChannelSide, type Schema } from './channel';
import { inspectFocusSchema, MAX_INSPECT_CHARS } from './inspectLimits';
import { checkReaderModel, type ReaderModel } from './readerModel';
import { reviveInspection, reviveUnrolledInspection } from './wire';
import { trainingLiveSchema, trainingReportSchema } from './trainingView';

/** A saved model as the side panel lists it. */
export interface ModelListItem {
  name: string;
  description: string;
  classes: string[];
  /** Test accuracy in [0, 1], when there was a test split (the headline figure). */
  accuracy?: number;
  created: string;
  active: boolean;
}

const modelSchema = checked<InspectedModel>(checkInspectedModel);
const textSchema = z.string().max(MAX_INSPECT_CHARS, `the sentence is longer than ${MAX_INSPECT_CHARS.toLocaleString('en')} characters`);
const nameSchema = z.string().min(1).max(200);
const l10nSchema = z.record(z.string()).optional();
/** An Inspection as a view receives it: arrays revived (a channel may deliver plain arrays), then checked. */
const inspectionSchema: Schema<Inspection> = z.preprocess(reviveInspection, checked<Inspection>(checkInspection));
const unrolledInspectionSchema: Schema<UnrolledInspection> = z.preprocess(reviveUnrolledInspection, checked<UnrolledInspection>(checkUnrolledInspection));
const modelListSchema: Schema<ModelListItem[]> = z.array(
  z.object({
    name: nameSchema,
    description: z.string(),
    classes: z.array(z.string()),
    accuracy: z.number().refine(Number.isFinite, 'must be finite').optional(),
    created: z.string(),
    active: z.boolean(),
  }),
);

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

const snapshotSchema: Schema<StatesSnapshot> = z.object({
  models: modelListSchema,
  inspection: inspectionSchema.nullable(),
  emptyReason: z.string().optional(),
  source: z.string().optional(),
});

/** The commands the unrolled panel's empty state runs (UNROLLED_HOST_SIDE.requests.runCommand). */
export const UNROLLED_COMMANDS = ['trainOnSelection', 'selectModel'] as const;

/** What the host serves to the unrolled panel and emits to it. */
export const UNROLLED_HOST_SIDE = {
  requests: {
    /** The panel is ready: the active model, the sentence to start with (restored or from the training data) and VS Code's l10n bundle (absent in English). */
    ready: request({
      params: z.object({ restoredText: textSchema.optional() }).strict(),
      result: z.object({ model: modelSchema.nullable(), text: z.string(), l10n: l10nSchema }),
    }),
    /**
     * Read this sentence with the active model (one per keystroke; the panel drops answers to stale
     * requests): the strips as bytes, exact numbers for the focused cell and unit (asked again when they change).
     */
    inspect: request({ params: z.object({ text: textSchema, focus: inspectFocusSchema }).strict(), result: unrolledInspectionSchema }),
    /**
     * The active model's metadata, vocabulary and weights, for the page to read keystrokes itself (the
     * answers equal `inspect`'s: same Inspector, same kernels). `model` is null, with the reason, when
     * there is no active model or it is too large to send; the page then keeps asking `inspect`.
     */
    readerModel: request({
      params: empty,
      result: z.object({ model: checked<ReaderModel>(checkReaderModel).nullable(), reason: z.string().optional() }),
    }),
    /** The bytes of the WebAssembly kernels built for a page (plain memory): relaxed SIMD or plain SIMD. */
    readerKernels: request({
      params: z.object({ relaxed: z.boolean() }).strict(),
      result: checked<Uint8Array>((v) => (v instanceof Uint8Array && v.length >= 8 ? undefined : 'is not the bytes of a WebAssembly module')),
    }),
    /**
     * The empty state's buttons (no active model): start "RNN: Train RNN on selection" on the text editor
     * the user last worked in, or "RNN: Select Active Model". Answers once the command started, not when it ends.
     */
    runCommand: request({ params: z.object({ command: z.enum(UNROLLED_COMMANDS) }).strict(), result: empty }),
  },
  events: {
    /**
     * The models or the settings changed: the active model, when it was saved, whether the panel reads
     * keystrokes itself (default true), and a line of its training data for a panel that has no text yet.
     */
    modelChanged: event(z.object({ model: modelSchema.nullable(), created: z.string().optional(), readInView: z.boolean().default(true), sample: textSchema.optional() })),
    /** Show this text, e.g. from the side panel's button. */
    setText: event(z.object({ text: textSchema })),
  },
} satisfies ChannelSide;

/** What the host serves to the Hidden States side panel and emits to it. */
export const STATES_HOST_SIDE = {
  requests: {
    /** The panel is ready: the current state of things, and VS Code's l10n bundle (absent in English). */
    ready: request({ params: empty, result: z.intersection(snapshotSchema, z.object({ l10n: l10nSchema })) }),
    /** Open the unrolled view with this text. */
    openUnrolled: request({ params: z.object({ text: textSchema }).strict(), result: empty }),
    /** Make a model active. */
    setActive: request({ params: z.object({ name: nameSchema }).strict(), result: empty }),
    /** Delete a model (the host asks for confirmation). */
    deleteModel: request({ params: z.object({ name: nameSchema }).strict(), result: z.object({ deleted: z.boolean() }) }),
    /** Reveal a model's files in the OS file manager / explorer. */
    revealModel: request({ params: z.object({ name: nameSchema }).strict(), result: empty }),
  },
  events: {
    /** A new snapshot: the models and the line under the cursor, read. */
    snapshot: event(snapshotSchema),
  },
} satisfies ChannelSide;

/** What the training panel shows: a run training, a model's report, or nothing yet. */
const trainingStateSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('live'), live: trainingLiveSchema }),
  z.object({ kind: z.literal('report'), report: trainingReportSchema }),
  z.object({ kind: z.literal('empty'), reason: z.string() }),
]);

/** What the host serves to the training panel (webview/training) and emits to it. */
export const TRAINING_HOST_SIDE = {
  requests: {
    /** The panel is ready: what to show now, and VS Code's l10n bundle (absent in English). */
    ready: request({ params: empty, result: z.object({ state: trainingStateSchema, l10n: l10nSchema }) }),
    /** Stop the run after its current batch (the best model so far is kept); false when nothing trains. */
    cancel: request({ params: empty, result: z.object({ cancelling: z.boolean() }) }),
    /**
     * Show a misclassified line (1-based) of the report's model in its source document, selected; `opened` false,
     * with the reason, when that document is not open or changed since training (the panel then shows the text it has).
     */
    openLine: request({ params: z.object({ line: z.number().int().positive() }).strict(), result: z.object({ opened: z.boolean(), reason: z.string().optional() }) }),
  },
  events: {
    /** The run's state (sent about once a second while it trains). */
    live: event(z.object({ live: trainingLiveSchema })),
    /** The run ended (or a saved model's report was asked for): its report. */
    report: event(z.object({ report: trainingReportSchema })),
  },
} satisfies ChannelSide;

/** A view serves nothing and emits nothing: it asks and listens. */
export const VIEW_SIDE = NOTHING;

/** The host's side of the unrolled panel's channel. */
export type UnrolledHostSide = typeof UNROLLED_HOST_SIDE;
/** The host's side of the Hidden States panel's channel. */
export type StatesHostSide = typeof STATES_HOST_SIDE;
/** The host's side of the training panel's channel. */
export type TrainingHostSide = typeof TRAINING_HOST_SIDE;
/** A view's side of its channel. */
export type ViewSide = typeof VIEW_SIDE;
