/**
 * The host ↔ engine channel: the descriptor table of every request the engine serves (params, result
 * and progress schemas) and every event it emits, with the types they carry and the limits they check.
 * One line per message says what it is for; ChannelEndpoint (channel.ts) applies the checks.
 */
import { z } from 'zod';
import { checkInspection, checkUnrolledInspection, type Inspection, type UnrolledInspection } from '../core/inspect';
import type { TokenizerOptions } from '../core/tokenizer';
import { checked, empty, event, NOTHING, request, type ChannelSide, type Schema } from './channel';
import { trainingConfigSchema, type ResolvedModelConfig, type Tokenization } from './config';
import { DATASET_FORMAT_SETTING_VALUES, type DatasetFormat, type ParseIssue, type ParseOptions } from './dataset';
import { inspectFocusSchema, MAX_INSPECT_CHARS } from './inspectLimits';
import { checkReaderModel, type ReaderModel } from './readerModel';
import { epochRecordSchema, type EpochRecord, type Misclassified, type TrainingHistory } from './trainingView';

/** Environment variables the host sets for the engine: backend preference and extra module folders. */
export const ENGINE_ENV = { backend: 'RNN_LENS_BACKEND', modulePaths: 'RNN_LENS_MODULE_PATHS', device: 'RNN_LENS_DEVICE' } as const;

/**
 * Node/V8 flags the engine process starts with. Small young-generation semi-spaces: the engine's
 * numbers live in WebAssembly memory and allocate little JavaScript while training, and the default
 * 16 MB semi-spaces cost ~25 MB of RSS for nothing (measured by bench/engineRss.js).
 */
export const ENGINE_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=2'];

/** The largest text the engine accepts for parsing or training (characters). */
export const MAX_TEXT_CHARS = 64 * 1024 * 1024;
/** The most texts in one predict request. */
export const MAX_PREDICT_TEXTS = 1024;
/** The longest single text to predict (characters); longer ones are cut by the tokeniser's maxLength anyway. */
export const MAX_PREDICT_CHARS = 1024 * 1024;


/** Which runtime and tfjs backend the engine chose, and why the faster ones were not used. */
export interface EngineInfo {
  pid: number;
  runtime: string;
  tfjsVersion: string;
  /** Short backend name for the status bar, e.g. "cpu-fused", "tfjs-node", "tfjs-node-gpu". */
  backend: string;
  /** Which recurrent kernels train on this engine, e.g. "wasm-relaxed-simd", "js", or "tfjs" (native backends). */
  kernels: string;
  /** The GPU that trains (always, or when a timed probe shows it faster: rnnLens.engine.device), e.g. "gpu-webgpu · NVIDIA H200 (vulkan)"; '' for none. */
  gpu: string;
  /** One line per backend that was tried and not used, and the GPU's line. */
  notes: string[];
}

/** The result of parsing a dataset, without the examples themselves. */
export interface DatasetSummary {
  format: DatasetFormat;
  description: string;
  exampleCount: number;
  classes: { label: string; count: number }[];
  errors: ParseIssue[];
  errorCount: number;
  blankLines: number;
  /** Things that make training impossible (one class only, no examples). */
  problems: string[];
  /** Things the user should know (a class with one example). */
  warnings: string[];
  /** The parse options that reproduce this reading (format fixed, columns resolved). */
  resolved: ParseOptions;
  /** What tokenisation 'auto' picks for these examples and why, e.g. { kind: 'char', reason: 'the examples are single words (median 1 word per example)' }. */
  autoTokenization: { kind: Tokenization; reason: string };
}

/** Training progress, reported at most a few times a second. */
export interface TrainProgress {
  phase: 'preparing' | 'training' | 'evaluating' | 'saving';
  epoch: number;
  epochs: number;
  batch: number;
  batches: number;
  loss: number;
  valAccuracy?: number;
  tokensPerSecond: number;
  message?: string;
  /** Training loss of each batch since the last progress event, in order (the curves' raw points). */
  batchLosses?: number[];
  /** The epoch that just ended (with phase 'evaluating'). */
  epochRecord?: EpochRecord;
  /** The best epoch so far by validation. */
  bestEpoch?: number;
  /** Seconds left at the pace so far. */
  etaSeconds?: number;
}

/** Precision/recall of one class on a labelled split. */
export interface ClassMetrics {
  label: string;
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

/** Metrics of a model on a labelled set. */
export interface EvalMetrics {
  examples: number;
  accuracy: number;
  loss: number;
  perClass: ClassMetrics[];
  /** confusion[trueClass][predictedClass] = count, classes in metadata order. */
  confusion: number[][];
}

/** metadata.json written beside model.json. */
export interface ModelMetadata {
  version: 1;
  name: string;
  created: string;
  format: DatasetFormat;
  formatDescription: string;
  parseOptions: ParseOptions;
  classes: string[];
  tokenizer: TokenizerOptions;
  /** The config it trained with, its tokenisation decided (never 'auto'; models saved before the test split have no testSplit). */
  config: ResolvedModelConfig;
  /** Why 'auto' picked config.tokenization (absent when the setting chose it). */
  tokenizationReason?: string;
  vocabSize: number;
  dataHash: string;
  /**
   * Examples per split (`test` absent in models saved before the test split); `duplicates`: examples
   * whose text (after tokenisation) another example already has (kept in the same split).
   */
  examples: { train: number; validation: number; test?: number; skippedLines: number; duplicates?: number };
  metrics: {
    /** The test split, scored once with the chosen weights (those of bestEpoch): the headline. Absent with no test split and in older models. */
    test?: EvalMetrics;
    /** The validation split at bestEpoch (it chose that epoch, so it is optimistic). */
    validation?: EvalMetrics;
    /** Training loss and accuracy over epoch `trainEpoch` (absent in older models, whose figures are of the last epoch). */
    train: { loss: number; accuracy: number };
    /** The epoch the training figures are of: bestEpoch. */
    trainEpoch?: number;
    epochsCompleted: number;
    /** The epoch whose weights were kept (chosen on validation): epochsCompleted + 1 when a cancel cut that epoch short and its weights scored best. */
    bestEpoch: number;
    cancelled: boolean;
    seconds: number;
    tokensPerSecond: number;
  };
  backend: string;
  /** A few training texts, to start the views with (at most 5, each at most 200 characters). */
  samples?: string[];
  /** What looked wrong with the data when it trained (a class with one example, imbalance, skipped lines). */
  warnings?: string[];
  /** Where the examples came from: the document's URI and which part of it (e.g. "400 selected lines"). */
  source?: ModelSource;
  /** The curves: every epoch's figures and the batches' training loss (absent in older models). */
  history?: TrainingHistory;
  /** The validation examples the chosen weights get wrong (at most MAX_MISCLASSIFIED; absent in older models). */
  misclassified?: Misclassified[];
}

/** The document (and the part of it) a model was trained on. */
export interface ModelSource {
  uri: string;
  what: string;
  /** The document lines the text was (1-based, inclusive; absent in older models). */
  lines?: { first: number; last: number };
}

/** True when `value` looks like a metadata.json this version wrote (the fields every reader relies on). */
export function isModelMetadata(value: unknown): value is ModelMetadata {
  const m = value as ModelMetadata;
  return (
    !!m &&
    m.version === 1 &&
    typeof m.name === 'string' &&
    Array.isArray(m.classes) &&
    !!m.tokenizer &&
    !!m.config &&
    !!m.metrics &&
    (m.metrics.test === undefined || isEvalMetrics(m.metrics.test, m.classes.length)) &&
    (m.metrics.validation === undefined || isEvalMetrics(m.metrics.validation, m.classes.length))
  );
}

/** True when `value` has the fields of EvalMetrics over `classes` classes (the figures every reader prints). */
function isEvalMetrics(value: unknown, classes: number): boolean {
  const m = value as EvalMetrics;
  return (
    !!m &&
    typeof m.examples === 'number' &&
    typeof m.accuracy === 'number' &&
    typeof m.loss === 'number' &&
    Array.isArray(m.perClass) &&
    m.perClass.length === classes &&
    Array.isArray(m.confusion) &&
    m.confusion.length === classes
  );
}

/** What training returns. */
export interface TrainResult {
  modelDir: string;
  metadata: ModelMetadata;
}

/** The prediction for one text. */
export interface Prediction {
  label: string;
  probabilities: number[];
  tokenCount: number;
}

const parseOptionsSchema = z
  .object({
    format: z.enum(DATASET_FORMAT_SETTING_VALUES).optional(),
    jsonTextKey: z.string().min(1).max(200).optional(),
    jsonLabelKey: z.string().min(1).max(200).optional(),
    csvTextColumn: z.union([z.number().int().min(0).max(10000), z.string().max(200)]).optional(),
    csvLabelColumn: z.union([z.number().int().min(0).max(10000), z.string().max(200)]).optional(),
    csvHeader: z.union([z.boolean(), z.literal('auto')]).optional(),
    firstLine: z.number().int().min(1).max(1e9).optional(),
    maxErrors: z.number().int().min(0).max(10000).optional(),
  })
  .strict();


const textSchema = z.string().max(MAX_TEXT_CHARS, `the text is larger than ${MAX_TEXT_CHARS / (1024 * 1024)} MB`);
const dirSchema = z.string().min(1).max(4096);
const finite = z.number().refine(Number.isFinite, 'must be finite');
const count = z.number().int().min(0);

const engineInfoSchema: Schema<EngineInfo> = z.object({
  pid: count,
  runtime: z.string(),
  tfjsVersion: z.string(),
  backend: z.string().min(1).max(100),
  kernels: z.string().max(100),
  gpu: z.string().max(200),
  notes: z.array(z.string()),
});

const datasetSummarySchema: Schema<DatasetSummary> = z.object({
  format: z.enum(DATASET_FORMAT_SETTING_VALUES).exclude(['auto']),
  description: z.string(),
  exampleCount: count,
  classes: z.array(z.object({ label: z.string(), count })),
  errors: z.array(z.object({ line: count, message: z.string() })),
  errorCount: count,
  blankLines: count,
  problems: z.array(z.string()),
  warnings: z.array(z.string()),
  resolved: parseOptionsSchema,
  autoTokenization: z.object({ kind: z.enum(['word', 'char']), reason: z.string().max(500) }),
});

const trainProgressSchema: Schema<TrainProgress> = z.object({
  phase: z.enum(['preparing', 'training', 'evaluating', 'saving']),
  epoch: count,
  epochs: count,
  batch: count,
  batches: count,
  loss: z.number(),
  valAccuracy: finite.optional(),
  tokensPerSecond: z.number().min(0),
  message: z.string().max(1000).optional(),
  batchLosses: z.array(z.number()).max(100_000).optional(),
  epochRecord: epochRecordSchema.optional(),
  bestEpoch: count.optional(),
  etaSeconds: finite.optional(),
});

const metadataSchema = checked<ModelMetadata>((v) => (isModelMetadata(v) ? undefined : 'is not the metadata of a model this version saved'));

/** The host ↔ engine channel: what the engine serves (checked on arrival by the engine, results checked by the host) and emits. */
export const ENGINE_SIDE = {
  requests: {
    /** Which backend runs, which runtime; the first request after start. */
    hello: request({ params: empty, result: engineInfoSchema }),
    /** Parse a selection and describe it (format, classes, bad lines) before training. */
    parse: request({
      params: z
        .object({
          text: textSchema,
          options: parseOptionsSchema,
          /** The shares the training would hold out, to warn before training when there are too few examples for a test split. */
          split: z.object({ validation: finite, test: finite }).strict().optional(),
        })
        .strict(),
      result: datasetSummarySchema,
    }),
    /** Train a model on a selection and save it to modelDir; cancellable, keeps the best model so far. */
    train: request({
      params: z
        .object({
          text: textSchema,
          options: parseOptionsSchema,
          skipInvalid: z.boolean(),
          config: trainingConfigSchema,
          modelDir: dirSchema,
          name: z.string().min(1).max(200),
          source: z
            .object({ uri: z.string().max(4096), what: z.string().max(500), lines: z.object({ first: count.min(1), last: count.min(1) }).strict().optional() })
            .strict()
            .optional(),
        })
        .strict(),
      result: z.object({ modelDir: dirSchema, metadata: metadataSchema }),
      progress: trainProgressSchema,
    }),
    /** Class probabilities for texts with the model saved in modelDir (loaded once, then cached). */
    predict: request({
      params: z.object({ modelDir: dirSchema, texts: z.array(z.string().max(MAX_PREDICT_CHARS)).max(MAX_PREDICT_TEXTS) }).strict(),
      result: z.object({
        classes: z.array(z.string()).min(1).max(10000),
        predictions: z.array(z.object({ label: z.string(), probabilities: z.array(finite), tokenCount: count })).max(MAX_PREDICT_TEXTS),
      }),
    }),
    /** Read one sentence with a model, capturing h, c and every gate per token, and the running prediction. */
    inspect: request({
      params: z.object({ modelDir: dirSchema, text: z.string().max(MAX_INSPECT_CHARS) }).strict(),
      result: checked<Inspection>(checkInspection),
    }),
    /** The unrolled panel's reading of one sentence: heatmap strips as bytes, exact numbers for the focused cell and unit. */
    inspectUnrolled: request({
      params: z.object({ modelDir: dirSchema, text: z.string().max(MAX_INSPECT_CHARS), focus: inspectFocusSchema }).strict(),
      result: checked<UnrolledInspection>(checkUnrolledInspection),
    }),
    /** A model's metadata, vocabulary and weights, for the unrolled view's page to read sentences with itself (see readerModel.ts). */
    readerModel: request({ params: z.object({ modelDir: dirSchema }).strict(), result: checked<ReaderModel>(checkReaderModel) }),
    /** Forget a cached model (before it is deleted). */
    unload: request({ params: z.object({ modelDir: dirSchema }).strict(), result: empty }),
  },
  events: {
    /** The engine has started and serves requests. */
    ready: event(z.object({ pid: count, backend: z.string() })),
  },
} satisfies ChannelSide;

/** The engine's side of the channel. */
export type EngineSide = typeof ENGINE_SIDE;
/** The host serves nothing to the engine and emits nothing; it only calls and listens. */
export const HOST_SIDE = NOTHING;
/** The host's side of the engine channel. */
export type HostSide = typeof HOST_SIDE;
