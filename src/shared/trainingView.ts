/**
 * What the training panel shows (webview/training): a run as it trains (live curves from compact
 * progress) and the report of a finished or saved model (curves, confusion grid, per-class scores,
 * misclassified validation lines, data, model and backend). The engine records the history
 * (metadata.history); the host turns progress and metadata into these shapes; the panel draws them.
 */
import { z } from 'zod';
import type { Schema } from './channel';

/** One finished epoch. Validation figures are absent without a validation split. */
export interface EpochRecord {
  epoch: number;
  trainLoss: number;
  trainAccuracy: number;
  valLoss?: number;
  valAccuracy?: number;
  /** Seconds since training started, at the end of this epoch. */
  seconds: number;
  tokensPerSecond: number;
}

/**
 * The curves of a run: every epoch, and the training loss of each batch (in order; batch i of epoch e is
 * entry (e − 1)·batchesPerEpoch + i − 1 while every epoch has batchesPerEpoch batches). Long runs keep
 * every k-th batch loss (`batchStride` k), averaging the k batches, so at most MAX_BATCH_POINTS remain.
 */
export interface TrainingHistory {
  epochs: EpochRecord[];
  batchLosses: number[];
  batchStride: number;
  batchesPerEpoch: number;
  learningRate: number;
}

/** Batch losses a history keeps at most (longer runs average neighbours: batchStride). */
export const MAX_BATCH_POINTS = 4000;

/** A validation example the model got wrong: where it is in the source document, and what the model said. */
export interface Misclassified {
  /** 1-based line in the document the model was trained from (absent when not known). */
  line?: number;
  text: string;
  /** Class indices into the report's classes. */
  label: number;
  predicted: number;
  /** The model's probability of `predicted`. */
  probability: number;
}

/** Misclassified examples kept per model at most (the rest are counted in the confusion matrix only). */
export const MAX_MISCLASSIFIED = 2000;

/** One split's scores. */
export interface SplitMetrics {
  examples: number;
  accuracy: number;
  loss: number;
  perClass: { label: string; precision: number; recall: number; f1: number; support: number }[];
  /** confusion[true][predicted] = count. */
  confusion: number[][];
}

/** The report of a trained model. */
export interface TrainingReport {
  name: string;
  /** ISO time the model was saved. */
  created: string;
  /** "LSTM · 2 layers · bidirectional · 64 units · embedding 32 · char tokens". */
  model: string;
  /** What trained it, e.g. "cpu (fused-cpu-native-avx512×2)". */
  backend: string;
  seconds: number;
  tokensPerSecond: number;
  classes: string[];
  data: {
    format: string;
    /** e.g. "names.tsv, 400 selected lines". */
    source?: string;
    train: number;
    validation: number;
    test: number;
    skippedLines: number;
    duplicates: number;
    validationSplit: number;
    testSplit: number;
    seed: number;
  };
  epochsCompleted: number;
  bestEpoch: number;
  cancelled: boolean;
  history?: TrainingHistory;
  validation?: SplitMetrics;
  test?: SplitMetrics;
  /** Misclassified validation examples (at most MAX_MISCLASSIFIED); absent in models saved before they were kept. */
  misclassified?: Misclassified[];
  /** Whether "open" on a misclassified line can show it in its document (the document is open and unchanged since training). */
  linesOpenable: boolean;
  warnings: string[];
}

/** The state of a run while it trains. */
export interface TrainingLive {
  name: string;
  model: string;
  classes: string[];
  epochs: number;
  /** Batches per epoch (0 before the first batch). */
  batches: number;
  epoch: number;
  batch: number;
  phase: 'preparing' | 'training' | 'evaluating' | 'saving';
  message?: string;
  tokensPerSecond: number;
  /** Seconds left, estimated from the pace so far (absent before there is a pace). */
  etaSeconds?: number;
  history: TrainingHistory;
  /** The best epoch so far by validation (absent before the first epoch ends). */
  bestEpoch?: number;
  cancelling: boolean;
}

const finite = z.number().refine(Number.isFinite, 'must be finite');
const count = z.number().int().nonnegative();
const lossValue = z.number(); // NaN and Infinity are real outcomes (a diverged batch): drawn as gaps.

export const epochRecordSchema: Schema<EpochRecord> = z.object({
  epoch: count,
  trainLoss: lossValue,
  trainAccuracy: finite,
  valLoss: lossValue.optional(),
  valAccuracy: finite.optional(),
  seconds: finite,
  tokensPerSecond: finite,
});

export const trainingHistorySchema: Schema<TrainingHistory> = z.object({
  epochs: z.array(epochRecordSchema),
  batchLosses: z.array(lossValue).max(MAX_BATCH_POINTS * 2),
  batchStride: z.number().int().positive(),
  batchesPerEpoch: count,
  learningRate: finite,
});

const splitMetricsSchema: Schema<SplitMetrics> = z.object({
  examples: count,
  accuracy: finite,
  loss: lossValue,
  perClass: z.array(z.object({ label: z.string(), precision: finite, recall: finite, f1: finite, support: count })),
  confusion: z.array(z.array(count)),
});

export const misclassifiedSchema: Schema<Misclassified> = z.object({
  line: z.number().int().positive().optional(),
  text: z.string().max(10_000),
  label: count,
  predicted: count,
  probability: finite,
});

export const trainingReportSchema: Schema<TrainingReport> = z.object({
  name: z.string(),
  created: z.string(),
  model: z.string(),
  backend: z.string(),
  seconds: finite,
  tokensPerSecond: finite,
  classes: z.array(z.string()),
  data: z.object({
    format: z.string(),
    source: z.string().optional(),
    train: count,
    validation: count,
    test: count,
    skippedLines: count,
    duplicates: count,
    validationSplit: finite,
    testSplit: finite,
    seed: z.number().int(),
  }),
  epochsCompleted: count,
  bestEpoch: count,
  cancelled: z.boolean(),
  history: trainingHistorySchema.optional(),
  validation: splitMetricsSchema.optional(),
  test: splitMetricsSchema.optional(),
  misclassified: z.array(misclassifiedSchema).max(MAX_MISCLASSIFIED).optional(),
  linesOpenable: z.boolean(),
  warnings: z.array(z.string()),
});

export const trainingLiveSchema: Schema<TrainingLive> = z.object({
  name: z.string(),
  model: z.string(),
  classes: z.array(z.string()),
  epochs: count,
  batches: count,
  epoch: count,
  batch: count,
  phase: z.enum(['preparing', 'training', 'evaluating', 'saving']),
  message: z.string().optional(),
  tokensPerSecond: finite,
  etaSeconds: finite.optional(),
  history: trainingHistorySchema,
  bestEpoch: count.optional(),
  cancelling: z.boolean(),
});

/**
 * Adds a batch loss to a history, keeping at most MAX_BATCH_POINTS: when full, neighbouring pairs are
 * averaged and the stride doubles (`pending` holds the batches of the point being filled).
 */
export class BatchLossRecorder {
  private pending: number[] = [];

  constructor(readonly history: TrainingHistory) {}

  add(loss: number): void {
    this.pending.push(loss);
    if (this.pending.length < this.history.batchStride) return;
    this.history.batchLosses.push(this.pending.reduce((a, b) => a + b, 0) / this.pending.length);
    this.pending = [];
    if (this.history.batchLosses.length >= MAX_BATCH_POINTS) {
      const halved: number[] = [];
      const l = this.history.batchLosses;
      for (let i = 0; i + 1 < l.length; i += 2) halved.push((l[i] + l[i + 1]) / 2);
      this.history.batchLosses = halved;
      this.history.batchStride *= 2;
    }
  }
}
