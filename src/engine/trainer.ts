/**
 * The training loop: epochs, length-bucketed batches, validation, best-model keeping and cancellation,
 * over a `StepBackend` that does the numeric work. Two backends: our fused recurrent kernels
 * (src/core/network.ts, two threads; the default) and tfjs itself (used when a native tfjs backend is loaded), where
 * the recurrent layers and the classifier train through tfjs (Adam) and the embedding is looked up
 * outside the gradient tape and updated as sparse rows, because tfjs's dense embedding gradient
 * (UnsortedSegmentSum over the whole vocabulary, then Adam over every row) costs more than the rest.
 */
import type { ModelConfig } from '../shared/config';
import type { EvalMetrics, TrainProgress } from '../shared/protocol';
import { BatchLossRecorder, type TrainingHistory } from '../shared/trainingView';
import type { Tf } from './backend';
import { argmax, bucketedBatches, evaluationBatches, type Batch, type EncodedExample } from './data';
import { createJsKernels } from '../core/kernels/jsKernels';
import type { Kernels } from '../core/kernels/contract';
import { EmbeddingGradient } from '../core/embeddingGradient';
import { ADAM, type NetConfig } from '../core/network';
import { ParallelNet } from './kernels/parallel';
import { seededRandom } from './random';

type LayersModel = import('@tensorflow/tfjs').LayersModel;
type Layer = import('@tensorflow/tfjs').layers.Layer;
type Tensor = import('@tensorflow/tfjs').Tensor;
type Variable = import('@tensorflow/tfjs').Variable;

/** What the loop reports back. */
export interface TrainOutcome {
  epochsCompleted: number;
  /** The epoch whose weights were kept: epochsCompleted + 1 when a cancel cut that epoch short and its weights scored best. */
  bestEpoch: number;
  cancelled: boolean;
  /** Training loss and accuracy over the chosen epoch (the running means of its batches). */
  train: { loss: number; accuracy: number };
  /** The validation split at the chosen epoch (the split that chose it). */
  validation?: EvalMetrics;
  /** The test split, scored once after training with the chosen weights (nothing selects on it). */
  test?: EvalMetrics;
  seconds: number;
  tokensPerSecond: number;
  /** True when at least one optimizer step ran (a model worth saving exists). */
  trained: boolean;
  /** The curves: each epoch's figures and the batches' training loss. */
  history: TrainingHistory;
  /** Class probabilities of each validation example (in data.validation's order) with the chosen weights. */
  validationProbabilities?: Float32Array[];
}

/** Options of one training run. */
export interface TrainOptions {
  signal: AbortSignal;
  onProgress(p: TrainProgress): void;
  /** Minimum milliseconds between batch-level progress reports. */
  progressIntervalMs?: number;
}

const PROB_CLIP = 1e-7;

/**
 * Lazy Adam for the embedding table: only rows present in a batch are read and written, by the core's
 * EmbeddingGradient on the JS kernels (the same row grouping and Adam step our own network runs).
 */
class SparseEmbeddingAdam {
  private readonly kernels: Kernels;
  /** The table and its moments, in the kernels' arena. */
  readonly table: Float32Array;
  private readonly m: Float32Array;
  private readonly v: Float32Array;
  /** One batch's gradient of the looked-up rows, copied into the arena. */
  private readonly dX: Float32Array;
  private readonly gradient: EmbeddingGradient;
  private step = 0;

  constructor(
    table: Float32Array,
    private readonly dim: number,
    private readonly learningRate: number,
    /** The most looked-up rows in one batch (batch size × longest sequence). */
    private readonly maxRows: number,
  ) {
    const vocab = table.length / dim;
    const distinct = Math.min(vocab, maxRows);
    this.kernels = createJsKernels(3 * table.length + maxRows * (dim + 1) + distinct * (dim + 1) + 5 * 64);
    this.table = this.kernels.alloc(table.length);
    this.table.set(table);
    this.m = this.kernels.alloc(table.length);
    this.v = this.kernels.alloc(table.length);
    this.dX = this.kernels.alloc(maxRows * dim);
    const buffers = { rowSlots: this.kernels.alloc(maxRows), rows: this.kernels.alloc(distinct * dim), staging: this.kernels.alloc(0), adamIds: this.kernels.alloc(distinct) };
    this.gradient = new EmbeddingGradient(this.kernels, dim, vocab, distinct, buffers);
  }

  /** Applies the gradient of the looked-up rows: grad[b*T+t, :] belongs to row ids[b*T+t]. Padding (id 0) is skipped. */
  apply(ids: Int32Array, grad: Float32Array): void {
    if (ids.length > this.maxRows) throw new RangeError(`A batch of ${ids.length} tokens exceeds the ${this.maxRows} the embedding's Adam holds`);
    this.dX.set(grad.subarray(0, ids.length * this.dim));
    // The batch read as one sequence: row k of dX belongs to ids[k].
    this.gradient.gather(ids, 1, ids.length, this.dX);
    this.step++;
    const c1 = 1 - ADAM.beta1 ** this.step;
    const c2 = 1 - ADAM.beta2 ** this.step;
    this.gradient.applyAdam({ lr: this.learningRate, ...ADAM, c1, c2 }, this.table, this.m, this.v, true);
  }
}

/** The parts of the classifier the loop drives by hand. */
interface ModelParts {
  embedding: Variable;
  embeddingDim: number;
  recurrent: Layer[];
  classifier: Layer;
  variables: Variable[];
}

function modelParts(model: LayersModel): ModelParts {
  const layers = model.layers.filter((l) => l.getClassName() !== 'InputLayer');
  const [embeddingLayer, ...rest] = layers;
  const classifier = rest.pop();
  if (!embeddingLayer || embeddingLayer.getClassName() !== 'Embedding' || !classifier) {
    throw new Error('The model is not an Embedding → RNN → Dense classifier');
  }
  const embedding = embeddingLayer.trainableWeights[0].read() as Variable;
  return {
    embedding,
    embeddingDim: embedding.shape[1] as number,
    recurrent: rest,
    classifier,
    variables: [...rest, classifier].flatMap((l) => l.trainableWeights.map((w) => w.read() as Variable)),
  };
}

function crossEntropy(tf: Tf, probs: Tensor, labels: Tensor, classes: number): Tensor {
  const oneHot = tf.oneHot(labels, classes).toFloat();
  const logp = tf.log(tf.clipByValue(probs, PROB_CLIP, 1 - PROB_CLIP));
  return tf.neg(tf.mean(tf.sum(tf.mul(oneHot, logp), -1)));
}

let tempCounter = 0;

/** One optimizer step on one batch; returns the batch's mean loss and correct count. */
function trainStep(
  tf: Tf,
  parts: ModelParts,
  optimizer: import('@tensorflow/tfjs').Optimizer,
  embeddingAdam: SparseEmbeddingAdam,
  batch: Batch,
  classes: number,
): { loss: number; correct: number } {
  const ids = tf.tensor2d(batch.ids, [batch.batch, batch.time], 'int32');
  const labels = tf.tensor1d(batch.labels, 'int32');
  const mask = tf.notEqual(ids, 0);
  const embedded = tf.gather(parts.embedding, ids);
  const x = tf.variable(embedded, true, `rnnlens_embedded_${++tempCounter}`);
  let correct = 0;
  try {
    const { value, grads } = tf.variableGrads(() => {
      let h: Tensor = x;
      for (const layer of parts.recurrent) h = layer.apply(h, { mask }) as Tensor;
      const probs = parts.classifier.apply(h) as Tensor;
      correct = tf.tidy(() => tf.sum(tf.equal(tf.argMax(probs, -1).toInt(), labels).toInt()).dataSync()[0]);
      return crossEntropy(tf, probs, labels, classes) as import('@tensorflow/tfjs').Scalar;
    }, [x, ...parts.variables]);
    const { [x.name]: embeddedGrad, ...weightGrads } = grads;
    optimizer.applyGradients(weightGrads);
    embeddingAdam.apply(batch.ids, embeddedGrad.dataSync() as Float32Array);
    parts.embedding.assign(tf.tensor2d(embeddingAdam.table, parts.embedding.shape as [number, number]));
    const loss = value.dataSync()[0];
    tf.dispose([value, ...Object.values(grads)]);
    return { loss, correct };
  } finally {
    tf.dispose([ids, labels, mask, embedded, x]);
  }
}

/** Probabilities [batch*classes] of one padded batch. */
export type BatchPredictor = (batch: Batch) => Float32Array | Promise<Float32Array>;

/** A tfjs model as a batch predictor. */
export function tfjsPredictor(tf: Tf, model: LayersModel): BatchPredictor {
  return (b) => {
    const probs = tf.tidy(() => model.predict(tf.tensor2d(b.ids, [b.batch, b.time], 'int32')) as Tensor);
    const data = probs.dataSync() as Float32Array;
    probs.dispose();
    return data;
  };
}

/** Class probabilities for many id sequences, in input order, in batches. */
export async function predictProbabilities(predict: BatchPredictor, examples: EncodedExample[], classes: number, batchSize = 256): Promise<Float32Array[]> {
  const { batches, order } = evaluationBatches(examples, batchSize);
  const out: Float32Array[] = new Array(examples.length);
  let k = 0;
  for (const b of batches) {
    const data = await predict(b);
    for (let row = 0; row < b.batch; row++) out[order[k++]] = data.slice(row * classes, (row + 1) * classes);
  }
  return out;
}

/** Accuracy, loss, per-class precision/recall and the confusion matrix. */
export async function evaluate(predict: BatchPredictor, examples: EncodedExample[], classNames: string[], batchSize = 256): Promise<EvalMetrics> {
  const n = classNames.length;
  const confusion = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  const probs = await predictProbabilities(predict, examples, n, batchSize);
  let loss = 0;
  let correct = 0;
  examples.forEach((e, i) => {
    const p = probs[i];
    const best = argmax(p);
    confusion[e.label][best]++;
    if (best === e.label) correct++;
    loss -= Math.log(Math.min(1 - PROB_CLIP, Math.max(PROB_CLIP, p[e.label])));
  });
  const perClass = classNames.map((label, c) => {
    const tp = confusion[c][c];
    const support = confusion[c].reduce((a, b) => a + b, 0);
    const predicted = confusion.reduce((a, row) => a + row[c], 0);
    const precision = predicted > 0 ? tp / predicted : 0;
    const recall = support > 0 ? tp / support : 0;
    const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
    return { label, precision, recall, f1, support };
  });
  const count = examples.length;
  return { examples: count, accuracy: count > 0 ? correct / count : 0, loss: count > 0 ? loss / count : 0, perClass, confusion };
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** The numeric side of training: one optimizer step, batch predictions, weight snapshots. */
export interface StepBackend {
  readonly name: string;
  /** Largest batch `predict` takes. */
  readonly predictBatch: number;
  step(batch: Batch): { loss: number; correct: number } | Promise<{ loss: number; correct: number }>;
  predict: BatchPredictor;
  /** Keeps the current weights as the best so far (replacing the last kept ones). */
  keepBest(): void | Promise<void>;
  /** Makes the last kept weights the tfjs model's and the ones `predict` reads with (at the end of training). */
  commitBest(): void | Promise<void>;
  dispose(): void;
}

/** Training through tfjs ops (for native tfjs backends), with the sparse embedding update. */
export function tfjsBackend(tf: Tf, model: LayersModel, config: ModelConfig, classes: number): StepBackend {
  const parts = modelParts(model);
  const optimizer = tf.train.adam(config.learningRate, ADAM.beta1, ADAM.beta2, ADAM.epsilon);
  const embeddingAdam = new SparseEmbeddingAdam(parts.embedding.dataSync() as Float32Array, parts.embeddingDim, config.learningRate, config.batchSize * config.maxLength);
  // The model's own weights are the ones being trained: the best are kept as copies.
  let best: Float32Array[] | undefined;
  return {
    name: `tfjs-${tf.getBackend()}`,
    predictBatch: 256,
    step: (batch) => trainStep(tf, parts, optimizer, embeddingAdam, batch, classes),
    predict: tfjsPredictor(tf, model),
    keepBest: () => {
      best = model.getWeights().map((w) => w.dataSync().slice() as Float32Array);
    },
    commitBest: () => best && setModelWeights(tf, model, best),
    dispose: () => optimizer.dispose(),
  };
}

/** Writes plain arrays into a tfjs model's weights. */
export function setModelWeights(tf: Tf, model: LayersModel, weights: Float32Array[]): void {
  const tensors = model.getWeights().map((w, i) => tf.tensor(weights[i], w.shape));
  model.setWeights(tensors);
  tf.dispose(tensors);
}

/** The network a training run's config describes (for our CPU and GPU networks alike). */
export function netConfigOf(config: ModelConfig, vocabSize: number, classes: number): NetConfig {
  const { cell, embeddingSize, hiddenSize, layers, bidirectional, learningRate, seed } = config;
  return { cell, vocabSize, embeddingSize, hiddenSize, layers, bidirectional, classes, learningRate, seed };
}

/** Training on our fused recurrent kernels; the tfjs model supplies the initial weights and receives the final ones. */
export async function fusedBackend(tf: Tf, model: LayersModel, config: ModelConfig, vocabSize: number, classes: number, maxTime: number): Promise<StepBackend> {
  const parallel = await ParallelNet.create(
    netConfigOf(config, vocabSize, classes),
    { maxBatch: config.batchSize, maxTime },
  );
  parallel.net.setWeights(model.getWeights().map((w) => w.dataSync() as Float32Array));
  return {
    name: `fused-${parallel.kernelName}`,
    predictBatch: config.batchSize,
    step: (b) => parallel.trainStep(b.ids, b.labels, b.batch, b.time),
    predict: (b) => parallel.predict(b.ids, b.batch, b.time),
    // The tfjs model is idle while our kernels train: it holds the best weights itself (copies, as
    // tfjs keeps the arrays it is given), so no second copy of a large embedding is kept.
    keepBest: () => setModelWeights(tf, model, parallel.net.getWeights()),
    // Back into our network too (the worker copies them on its next command), so the test split is read with them.
    commitBest: () => parallel.net.setWeights(model.getWeights().map((w) => w.dataSync() as Float32Array)),
    dispose: () => parallel.dispose(),
  };
}

/**
 * Trains through `backend`. Stops within one batch when `signal` aborts; at the end (or on cancel) the
 * weights of the best epoch by validation accuracy (or the current ones, if better) are committed to
 * the tfjs model. The best epoch is chosen on validation only; the test split is read once, after
 * that, with the chosen weights.
 */
export async function trainClassifier(
  backend: StepBackend,
  data: { train: EncodedExample[]; validation: EncodedExample[]; test: EncodedExample[] },
  classNames: string[],
  config: ModelConfig,
  options: TrainOptions,
): Promise<TrainOutcome> {
  const random = seededRandom(config.seed ^ 0x5eed);
  const interval = options.progressIntervalMs ?? 200;
  const started = performance.now();
  const hasValidation = data.validation.length > 0;
  const validate = async () => (hasValidation ? evaluate(backend.predict, data.validation, classNames, backend.predictBatch) : undefined);

  let tokens = 0;
  let epochsCompleted = 0;
  let bestEpoch = 0;
  let best: { metrics?: EvalMetrics; score: number; train: { loss: number; accuracy: number } } | undefined;
  let lastTrain = { loss: NaN, accuracy: NaN };
  let lastReport = 0;
  let cancelled = false;
  /** True when a cancel stopped an epoch after some of its batches. */
  let cutShort = false;
  let steps = 0;
  let lastValAccuracy: number | undefined;

  const history: TrainingHistory = { epochs: [], batchLosses: [], batchStride: 1, batchesPerEpoch: 0, learningRate: config.learningRate };
  const recorder = new BatchLossRecorder(history);
  /** Batch losses not yet sent with a progress event. */
  let unsent: number[] = [];
  const takeUnsent = () => {
    const out = unsent;
    unsent = [];
    return out;
  };

  const score = (m: EvalMetrics | undefined) => (m ? m.accuracy - 1e-6 * m.loss : 0);
  const keepIfBest = async (epoch: number, metrics: EvalMetrics | undefined) => {
    const s = score(metrics);
    if (!best || !hasValidation || s > best.score) {
      await backend.keepBest();
      best = { metrics, score: s, train: lastTrain };
      bestEpoch = epoch;
    }
  };
  const elapsed = () => (performance.now() - started) / 1000;

  for (let epoch = 1; epoch <= config.epochs && !cancelled; epoch++) {
    const batches = bucketedBatches(data.train, config.batchSize, random);
    history.batchesPerEpoch = batches.length;
    let lossSum = 0;
    let correct = 0;
    let seen = 0;
    for (let b = 0; b < batches.length; b++) {
      if (options.signal.aborted) {
        cancelled = true;
        break;
      }
      const result = await backend.step(batches[b]);
      steps++;
      if (!Number.isFinite(result.loss)) {
        throw new Error(`Training diverged at epoch ${epoch}, batch ${b + 1} (loss is ${result.loss}). Try a smaller learning rate.`);
      }
      recorder.add(result.loss);
      unsent.push(result.loss);
      lossSum += result.loss * batches[b].batch;
      correct += result.correct;
      seen += batches[b].batch;
      tokens += batches[b].tokens;
      const now = performance.now();
      if (now - lastReport >= interval || b === batches.length - 1) {
        lastReport = now;
        // The pace so far, for the steps left (validation passes not counted).
        const left = (config.epochs - epoch) * batches.length + (batches.length - b - 1);
        options.onProgress({
          phase: 'training',
          epoch,
          epochs: config.epochs,
          batch: b + 1,
          batches: batches.length,
          loss: lossSum / seen,
          valAccuracy: lastValAccuracy,
          tokensPerSecond: tokens / elapsed(),
          batchLosses: takeUnsent(),
          etaSeconds: (elapsed() / steps) * left,
          ...(bestEpoch > 0 ? { bestEpoch } : {}),
        });
        await nextTurn();
      } else if (b % 8 === 7) {
        await nextTurn();
      }
    }
    if (seen > 0) lastTrain = { loss: lossSum / seen, accuracy: correct / seen };
    if (cancelled) {
      cutShort = seen > 0;
      break;
    }
    epochsCompleted = epoch;
    const metrics = await validate();
    lastValAccuracy = metrics?.accuracy;
    await keepIfBest(epoch, metrics);
    const epochRecord = {
      epoch,
      trainLoss: lastTrain.loss,
      trainAccuracy: lastTrain.accuracy,
      ...(metrics ? { valLoss: metrics.loss, valAccuracy: metrics.accuracy } : {}),
      seconds: elapsed(),
      tokensPerSecond: tokens / elapsed(),
    };
    history.epochs.push(epochRecord);
    options.onProgress({
      phase: 'evaluating',
      epoch,
      epochs: config.epochs,
      batch: batches.length,
      batches: batches.length,
      loss: lastTrain.loss,
      valAccuracy: lastValAccuracy,
      tokensPerSecond: tokens / elapsed(),
      batchLosses: takeUnsent(),
      epochRecord,
      bestEpoch,
    });
  }
  if (cutShort) {
    // A partly trained epoch may already beat the best full one (its weights are then those of the cut-short epoch).
    await keepIfBest(epochsCompleted + 1, await validate());
  }
  const chosen = best as { metrics?: EvalMetrics; train: { loss: number; accuracy: number } } | undefined;
  if (chosen) await backend.commitBest();
  const test = chosen && data.test.length > 0 ? await evaluate(backend.predict, data.test, classNames, backend.predictBatch) : undefined;
  // With the chosen weights: what the report lists as the validation split's mistakes.
  const validationProbabilities = chosen && hasValidation ? await predictProbabilities(backend.predict, data.validation, classNames.length, backend.predictBatch) : undefined;
  return {
    epochsCompleted,
    bestEpoch,
    cancelled,
    train: chosen?.train ?? lastTrain,
    validation: chosen?.metrics,
    test,
    seconds: elapsed(),
    tokensPerSecond: tokens / Math.max(elapsed(), 1e-9),
    trained: steps > 0,
    history,
    validationProbabilities,
  };
}
