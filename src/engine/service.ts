/**
 * The engine's work, independent of how it is called: the child process (main.ts) serves it over
 * RPC, the command line (cli.ts) calls it directly — one code path for both.
 */
import { checkTrainable, classCounts, DatasetError, parseDataset, type ParsedDataset, type ParseOptions } from '../shared/dataset';
import { chooseTokenization, resolveConfig, type ModelConfig } from '../shared/config';
import type { InspectFocus, Inspection, UnrolledInspection } from '../core/inspect';
import type { DatasetSummary, ModelMetadata, ModelSource, Prediction, TrainProgress, TrainResult } from '../shared/protocol';
import { RpcError } from '../shared/rpc';
import { tokenize, Vocab, type TokenizerOptions } from '../core/tokenizer';
import type { TfRuntime } from './backend';
import { argmax, bucketedBatches, hashExamples, splitTargets, stratifiedSplit, testSplitWarnings, type EncodedExample, type SplitFractions } from './data';
import { Inspector } from '../core/inspector';
import { seededRandom } from './random';
import type { ReaderModel } from '../shared/readerModel';
import { nativeSkipReason, nodeKernels } from './kernels/createNet';
import { defaultThreads } from './kernels/parallel';
import { buildClassifier } from './model';
import { loadModel, saveModel } from './modelIo';
import { evaluate, fusedBackend, tfjsBackend, tfjsPredictor, trainClassifier, type StepBackend } from './trainer';
import { openGpu, type GpuContext } from './gpu/device';
import { MAX_MISCLASSIFIED, type Misclassified } from '../shared/trainingView';
import { FailoverBackend, gpuBackend } from './gpu/gpuBackend';

/** The validation examples the chosen weights get wrong, in split order (at most MAX_MISCLASSIFIED), with their lines and the model's probability. */
function misclassifiedOf(examples: { text: string; label: string; line: number }[], probabilities: Float32Array[], classIndex: Map<string, number>): Misclassified[] {
  const out: Misclassified[] = [];
  examples.forEach((e, i) => {
    const p = probabilities[i];
    const predicted = argmax(p);
    const label = classIndex.get(e.label)!;
    if (predicted === label || out.length >= MAX_MISCLASSIFIED) return;
    out.push({ line: e.line, text: e.text.length > 500 ? `${e.text.slice(0, 500)}…` : e.text, label, predicted, probability: p[predicted] });
  });
  return out;
}

/** Where training runs: 'auto' (the GPU when a timed probe on the run's shapes shows it faster), or forced. */
export type DevicePreference = 'auto' | 'gpu' | 'cpu';

/** The preference RNN_LENS_DEVICE names (the host passes rnnLens.engine.device), 'auto' otherwise. */
export function devicePreference(value = process.env.RNN_LENS_DEVICE): DevicePreference {
  return value === 'gpu' || value === 'cpu' ? value : 'auto';
}

/** Params of a training run. */
export interface TrainRequest {
  text: string;
  options: ParseOptions;
  skipInvalid: boolean;
  config: ModelConfig;
  modelDir: string;
  name: string;
  /** Where the text came from, kept in the metadata. */
  source?: ModelSource;
}

function datasetError(err: unknown): never {
  if (err instanceof DatasetError) {
    throw new RpcError(err.message, `dataset.${err.code}`, err.line === undefined ? undefined : { line: err.line });
  }
  throw err;
}

/** The parse options that read the same text the same way again (format and columns fixed). */
function resolvedOptions(ds: ParsedDataset, options: ParseOptions): ParseOptions {
  const resolved: ParseOptions = { ...options, format: ds.format };
  if (ds.csv) {
    resolved.csvTextColumn = ds.csv.textColumn;
    resolved.csvLabelColumn = ds.csv.labelColumn;
    resolved.csvHeader = ds.csv.header !== null;
  }
  delete resolved.firstLine;
  delete resolved.maxErrors;
  return resolved;
}

/** Parses a selection; DatasetErrors become RpcErrors with code "dataset.<code>". */
function parseOrThrow(text: string, options: ParseOptions): ParsedDataset {
  try {
    return parseDataset(text, options);
  } catch (err) {
    datasetError(err);
  }
}

/**
 * Whether the Inspector (hover, predict, the views' readings the engine makes) may run on the native
 * kernels. Not yet: the unrolled view reads in its page on WebAssembly and the tests ask the engine's
 * answers to equal the page's bit for bit; native agrees within 1e-5, not to the bit (its GEMM sums in
 * another order). Training runs on native either way.
 */
const INSPECTOR_ON_NATIVE = false;

/** A saved model as the engine serves it: its metadata and vocabulary, and its weights in the Inspector's network. */
export interface ServedModel {
  metadata: ModelMetadata;
  vocab: Vocab;
  inspector: Inspector;
}

/** What the engine can do. */
export class EngineService {
  private readonly models = new Map<string, Promise<ServedModel>>();
  private kernelProbe: Promise<string> | undefined;
  private gpuProbe: Promise<GpuContext | { reason: string }> | undefined;

  constructor(
    readonly runtime: TfRuntime,
    /** Where training runs (the hover and the views read on the CPU kernels either way). */
    readonly device: DevicePreference = devicePreference(),
  ) {}

  /**
   * The GPU training may use, opened once: a real GPU; a software adapter (Mesa's llvmpipe) only when the GPU
   * is insisted on ('gpu': tests, or a user who wants it whatever its speed). Logs what it found.
   */
  gpu(): Promise<GpuContext | { reason: string }> {
    if (!this.gpuProbe) {
      this.gpuProbe =
        this.device === 'cpu'
          ? Promise.resolve({ reason: 'not used (rnnLens.engine.device is "cpu")' })
          : openGpu({ allowSoftware: this.device === 'gpu' }).then((found) => {
              if ('reason' in found) return found;
              const probe = this.gpuProbe;
              // A lost device is opened again by the next run that wants it.
              void found.device.lost.then((info) => {
                console.error(`GPU lost: ${info.reason}${info.message ? ` (${info.message})` : ''}`);
                if (this.gpuProbe === probe) this.gpuProbe = undefined;
              });
              const a = found.adapter;
              console.error(
                `GPU: ${found.name}; vendor "${a.vendor}", architecture "${a.architecture}", device "${a.device}", ${a.featureLevel} feature level; limits ${Object.entries(a.limits)
                  .map(([k, v]) => `${k} ${v}`)
                  .join(', ')}`,
              );
              return found;
            });
    }
    return this.gpuProbe;
  }

  /** Which kernels train here: tfjs on a native backend, else ours as 'auto' picks them (native, WebAssembly or JS). */
  kernels(): Promise<string> {
    if (!this.kernelProbe) {
      this.kernelProbe = this.useTfjsTrainer()
        ? Promise.resolve('tfjs')
        : nodeKernels('auto')(1024).then(
            (k) => k.name,
            () => 'js',
          );
    }
    return this.kernelProbe;
  }

  /** The short backend name shown to the user, e.g. "cpu-native-avx512×2" or "cpu-fused" (WebAssembly or JS kernels). */
  async backendLabel(): Promise<string> {
    if (this.runtime.backend !== 'cpu') return this.runtime.backend;
    const kernels = await this.kernels();
    if (kernels === 'tfjs') return 'cpu';
    if (kernels.startsWith('cpu-native-')) return defaultThreads() >= 2 ? `${kernels}×2` : kernels;
    return 'cpu-fused';
  }

  /** The backend ladder's notes, why the native kernels are not used when they are not, and the GPU's line. */
  async notes(): Promise<string[]> {
    const kernels = await this.kernels();
    const skipped = kernels === 'tfjs' || kernels.startsWith('cpu-native-') ? undefined : nativeSkipReason();
    const notes = skipped ? [...this.runtime.notes, `native kernels: ${skipped}; using ${kernels}`] : [...this.runtime.notes];
    notes.push(await this.gpuNote());
    return notes;
  }

  /** The GPU that trains here (always or when faster), e.g. "gpu-webgpu · NVIDIA H200 (vulkan)", or '' for none. */
  async gpuLabel(): Promise<string> {
    const gpu = await this.gpu();
    return 'reason' in gpu ? '' : `gpu-webgpu · ${gpu.name}`;
  }

  /** What the GPU does here, in one line. */
  async gpuNote(): Promise<string> {
    const gpu = await this.gpu();
    if ('reason' in gpu) return `GPU: none for training (${gpu.reason})`;
    return this.device === 'gpu'
      ? `GPU: gpu-webgpu · ${gpu.name} trains (rnnLens.engine.device is "gpu"); inference runs on the CPU kernels`
      : `GPU: gpu-webgpu · ${gpu.name} trains a run when a timed probe on its shapes shows it faster than the CPU; inference runs on the CPU kernels`;
  }

  private useTfjsTrainer(): boolean {
    return process.env.RNN_LENS_TRAINER === 'tfjs';
  }

  /**
   * Describes a selection before training: format, classes, bad lines, blocking problems, what 'auto'
   * tokenisation picks; with the shares `split` would hold out, whether there are enough examples for a test split.
   */
  parse(text: string, options: ParseOptions, split?: SplitFractions): DatasetSummary {
    const ds = parseOrThrow(text, options);
    const check = checkTrainable(ds);
    const classes = [...classCounts(ds.examples)].map(([label, count]) => ({ label, count })).sort((a, b) => b.count - a.count || (a.label < b.label ? -1 : 1));
    const splitWarnings = split ? testSplitWarnings(classes.map((c) => ({ ...c, test: splitTargets(c.count, split).test })), split.test) : [];
    return {
      format: ds.format,
      description: ds.description,
      exampleCount: ds.examples.length,
      classes,
      errors: ds.errors,
      errorCount: ds.errorCount,
      blankLines: ds.blankLines,
      problems: check.errors,
      warnings: [...check.warnings, ...splitWarnings],
      resolved: resolvedOptions(ds, options),
      autoTokenization: chooseTokenization(ds.examples.map((e) => e.text)),
    };
  }

  /** Trains and saves a model; on cancel it saves the best model so far (if any step ran). */
  async train(req: TrainRequest, signal: AbortSignal, onProgress: (p: TrainProgress) => void): Promise<TrainResult> {
    const { tf } = this.runtime;
    const progress = (message: string, phase: TrainProgress['phase'] = 'preparing') =>
      onProgress({ phase, epoch: 0, epochs: req.config.epochs, batch: 0, batches: 0, loss: NaN, tokensPerSecond: 0, message });

    progress('Reading the selection…');
    const ds = parseOrThrow(req.text, req.options);
    if (ds.errorCount > 0 && !req.skipInvalid) {
      const lines = ds.errors.slice(0, 5).map((e) => e.line);
      throw new RpcError(
        `${ds.errorCount} line(s) could not be read as ${ds.description} (line${lines.length > 1 ? 's' : ''} ${lines.join(', ')}${ds.errorCount > lines.length ? ', …' : ''}). First: ${ds.errors[0].message}`,
        'dataset.invalidLines',
        { errors: ds.errors.slice(0, 20), errorCount: ds.errorCount },
      );
    }
    const check = checkTrainable(ds);
    if (check.errors.length > 0) throw new RpcError(check.errors.join(' '), 'dataset.untrainable');

    // 'auto' tokenisation is decided here, as parse decided it; the model records the decision.
    const { config, reason: tokenizationReason } = resolveConfig(req.config, ds.examples.map((e) => e.text));
    const tokenizer: TokenizerOptions = { kind: config.tokenization, lowercase: config.lowercase, maxLength: config.maxLength };
    const classes = [...classCounts(ds.examples).keys()].sort();
    const classIndex = new Map(classes.map((c, i) => [c, i]));
    const tokenized = ds.examples.map((e) => ({ ...e, tokens: tokenize(e.text, tokenizer) }));
    const usable = tokenized.filter((e) => e.tokens.length > 0);
    // Identical texts (after tokenisation) stay in one split: no leakage into validation or test.
    const { train, validation, test, duplicates } = stratifiedSplit(usable, { validation: config.validationSplit, test: config.testSplit }, config.seed, (e) => e.tokens.join('\u0000'));
    const inTest = classCounts(test);
    const warnings = [...check.warnings, ...testSplitWarnings([...classCounts(usable)].map(([label, count]) => ({ label, count, test: inTest.get(label) ?? 0 })), config.testSplit)];
    // The vocabulary comes from the training part only: words the model never saw stay unknown.
    const vocab = Vocab.build(
      train.map((e) => e.tokens),
      { maxSize: config.maxVocabulary, minCount: 1 },
    );
    const encode = (e: { tokens: string[]; label: string }): EncodedExample => ({ ids: vocab.encode(e.tokens), label: classIndex.get(e.label)! });
    const data = { train: train.map(encode), validation: validation.map(encode), test: test.map(encode) };
    if (data.train.length === 0) throw new RpcError('No example has any token to learn from.', 'dataset.untrainable');

    progress(`Building a ${config.cell.toUpperCase()} model (vocabulary ${vocab.size}, ${classes.length} classes)…`);
    const model = buildClassifier(tf, config, vocab.size, classes.length);
    let backend: StepBackend | undefined;
    try {
      backend = await this.trainingBackend(model, config, vocab.size, classes.length, data, (message) => progress(message));
      onProgress({ phase: 'preparing', epoch: 0, epochs: config.epochs, batch: 0, batches: 0, loss: NaN, tokensPerSecond: 0, message: `Training on ${backend.name}…` });
      const outcome = await trainClassifier(backend, data, classes, config, { signal, onProgress });
      // The model now holds the chosen weights: free the kernels' buffers and worker before saving.
      const trainer = backend.name;
      backend.dispose();
      backend = undefined;
      if (!outcome.trained) throw new RpcError('Training was cancelled before the first batch; no model was saved.', 'cancelled');
      onProgress({
        phase: 'saving',
        epoch: outcome.epochsCompleted,
        epochs: config.epochs,
        batch: 0,
        batches: 0,
        loss: outcome.train.loss,
        valAccuracy: outcome.validation?.accuracy,
        tokensPerSecond: outcome.tokensPerSecond,
        message: 'Saving the model…',
      });
      const metadata: ModelMetadata = {
        version: 1,
        name: req.name,
        created: new Date().toISOString(),
        format: ds.format,
        formatDescription: ds.description,
        parseOptions: resolvedOptions(ds, req.options),
        classes,
        tokenizer,
        config,
        ...(tokenizationReason ? { tokenizationReason } : {}),
        vocabSize: vocab.size,
        dataHash: hashExamples(ds.examples),
        examples: { train: data.train.length, validation: data.validation.length, test: data.test.length, skippedLines: ds.errorCount + (tokenized.length - usable.length), duplicates },
        metrics: {
          test: outcome.test,
          validation: outcome.validation ?? (data.validation.length > 0 ? await evaluate(tfjsPredictor(tf, model), data.validation, classes) : undefined),
          train: outcome.train,
          trainEpoch: outcome.bestEpoch,
          epochsCompleted: outcome.epochsCompleted,
          bestEpoch: outcome.bestEpoch,
          cancelled: outcome.cancelled,
          seconds: outcome.seconds,
          tokensPerSecond: outcome.tokensPerSecond,
        },
        backend: `${this.runtime.backend} (${trainer})`,
        samples: ds.examples.slice(0, 5).map((e) => e.text.slice(0, 200)),
        warnings,
        ...(req.source ? { source: req.source } : {}),
        history: outcome.history,
        ...(outcome.validationProbabilities ? { misclassified: misclassifiedOf(validation, outcome.validationProbabilities, classIndex) } : {}),
      };
      await saveModel(tf, model, req.modelDir, vocab, metadata);
      this.forget(req.modelDir);
      return { modelDir: req.modelDir, metadata };
    } finally {
      backend?.dispose();
      model.dispose();
    }
  }

  /**
   * Which trainer: on the pure-JS cpu backend our fused kernels; on a native tfjs backend (tfjs-node,
   * tfjs-node-gpu) the faster of the two, measured on a few steps of the first batches with a scratch
   * copy of the model. RNN_LENS_TRAINER=fused|tfjs|measure forces a choice (measure: always measure).
   */
  private async trainingBackend(
    model: import('@tensorflow/tfjs').LayersModel,
    config: ModelConfig,
    vocabSize: number,
    classes: number,
    data: { train: EncodedExample[]; validation: EncodedExample[]; test: EncodedExample[] },
    log: (message: string) => void,
  ): Promise<StepBackend> {
    const { tf } = this.runtime;
    let maxTime = 1;
    for (const e of [...data.train, ...data.validation, ...data.test]) maxTime = Math.max(maxTime, e.ids.length);
    const forced = process.env.RNN_LENS_TRAINER;
    if (!forced && this.runtime.backend === 'cpu' && this.device !== 'cpu') {
      const gpu = await this.gpu();
      if ('reason' in gpu) {
        log(`Training on the CPU: ${this.device === 'gpu' ? 'the GPU was asked for, but there is ' : ''}no GPU (${gpu.reason})`);
      } else {
        const cpu = () => fusedBackend(tf, model, config, vocabSize, classes, maxTime);
        const onGpu = async (): Promise<StepBackend> => {
          try {
            return new FailoverBackend(await gpuBackend(tf, model, config, vocabSize, classes, maxTime, gpu), tf, model, cpu, log);
          } catch (err) {
            // Out of GPU memory for this model, or a device that went away since it was opened.
            log(`The model could not be set up on the GPU (${(err as Error).message}); training on the CPU`);
            return cpu();
          }
        };
        if (this.device === 'gpu') return onGpu();
        const gpuMs = await this.timeSteps(config, vocabSize, classes, data, (m) => gpuBackend(tf, m, config, vocabSize, classes, maxTime, gpu)).catch((err: Error) => {
          log(`The GPU probe failed (${err.message}); training on the CPU`);
          return Infinity;
        });
        const cpuMs = await this.timeSteps(config, vocabSize, classes, data, (m) => fusedBackend(tf, m, config, vocabSize, classes, maxTime));
        const useGpu = gpuMs < cpuMs;
        log(`Measured a training step on this run's shapes: GPU (${gpu.name}) ${gpuMs.toFixed(1)} ms, CPU ${cpuMs.toFixed(1)} ms → ${useGpu ? 'the GPU' : 'the CPU'}`);
        return useGpu ? onGpu() : cpu();
      }
    }
    const measure = forced === 'measure' || (!forced && this.runtime.backend !== 'cpu');
    if (!measure) {
      return forced === 'tfjs' || (forced !== 'fused' && this.runtime.backend !== 'cpu')
        ? tfjsBackend(tf, model, config, classes)
        : fusedBackend(tf, model, config, vocabSize, classes, maxTime);
    }
    const timeOf = (make: (m: import('@tensorflow/tfjs').LayersModel) => Promise<StepBackend> | StepBackend) => this.timeSteps(config, vocabSize, classes, data, make);
    const fusedMs = await timeOf((m) => fusedBackend(tf, m, config, vocabSize, classes, maxTime));
    const tfjsMs = await timeOf((m) => tfjsBackend(tf, m, config, classes));
    const useFused = fusedMs <= tfjsMs;
    log(`Measured a training step: fused kernels ${fusedMs.toFixed(1)} ms, tfjs (${this.runtime.backend}) ${tfjsMs.toFixed(1)} ms → ${useFused ? 'fused kernels' : 'tfjs'}`);
    return useFused ? fusedBackend(tf, model, config, vocabSize, classes, maxTime) : tfjsBackend(tf, model, config, classes);
  }

  /** Milliseconds per training step of a backend on a scratch copy of the model: the run's first batches, after one to warm up. */
  private async timeSteps(
    config: ModelConfig,
    vocabSize: number,
    classes: number,
    data: { train: EncodedExample[] },
    make: (m: import('@tensorflow/tfjs').LayersModel) => Promise<StepBackend> | StepBackend,
  ): Promise<number> {
    const { tf } = this.runtime;
    const batches = bucketedBatches(data.train, config.batchSize, seededRandom(config.seed)).slice(0, 4);
    const scratch = buildClassifier(tf, config, vocabSize, classes);
    let backend: StepBackend | undefined;
    try {
      backend = await make(scratch);
      await backend.step(batches[0]);
      const started = performance.now();
      for (const b of batches.slice(1)) await backend.step(b);
      return (performance.now() - started) / Math.max(1, batches.length - 1);
    } finally {
      backend?.dispose();
      scratch.dispose();
    }
  }

  /** Class probabilities for each text, with the model's own tokenisation, on the network the views read with (one numeric path). */
  async predict(modelDir: string, texts: string[]): Promise<{ classes: string[]; predictions: Prediction[] }> {
    const { metadata, inspector } = await this.load(modelDir);
    const classes = metadata.classes;
    const predictions = inspector.predict(texts).map(({ probabilities, tokenCount }) => ({ label: classes[argmax(probabilities)], probabilities: Array.from(probabilities), tokenCount }));
    return { classes, predictions };
  }

  /**
   * Loads (once) the model in modelDir: tfjs reads its files (the layers format), the weights are copied
   * into the Inspector's network and the tfjs model is disposed, so the weights live in one place. A
   * failed load is not cached, so a fixed folder loads next time.
   */
  load(modelDir: string): Promise<ServedModel> {
    let pending = this.models.get(modelDir);
    if (!pending) {
      pending = loadModel(this.runtime.tf, modelDir).then(
        async (loaded) => {
          try {
            const weights = loaded.model.getWeights().map((w) => w.dataSync() as Float32Array);
            const inspector = await Inspector.create({ metadata: loaded.metadata, vocab: loaded.vocab, weights }, nodeKernels('auto', {}, INSPECTOR_ON_NATIVE));
            return { metadata: loaded.metadata, vocab: loaded.vocab, inspector };
          } finally {
            loaded.model.dispose();
          }
        },
        (err) => {
          throw new RpcError(`Could not load the model in ${modelDir}: ${(err as Error).message}`, 'modelLoad');
        },
      );
      pending.catch(() => this.models.delete(modelDir));
      this.models.set(modelDir, pending);
    }
    return pending;
  }

  /** Reads one sentence with the model in modelDir, capturing every per-token value (see Inspector). */
  async inspect(modelDir: string, text: string): Promise<Inspection> {
    return (await this.load(modelDir)).inspector.inspect(text);
  }

  /** The unrolled panel's reading of a sentence: the strips quantised, exact values for the focused cell and unit (see compactInspection). */
  async inspectUnrolled(modelDir: string, text: string, focus: InspectFocus): Promise<UnrolledInspection> {
    return (await this.load(modelDir)).inspector.inspectUnrolled(text, focus);
  }

  /** The model in modelDir as the unrolled view's page reads with it: metadata, vocabulary tokens and weights (copies of the network's). */
  async readerModel(modelDir: string): Promise<ReaderModel> {
    const { metadata, vocab, inspector } = await this.load(modelDir);
    return { metadata, vocab: vocab.toJSON().tokens, weights: inspector.weights() };
  }

  /** Drops a cached model. */
  forget(modelDir: string): void {
    const pending = this.models.get(modelDir);
    this.models.delete(modelDir);
    void pending?.then((m) => m.inspector.dispose()).catch(() => undefined);
  }
}
