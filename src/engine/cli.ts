/**
 * The command line: the engine's exact code path without VS Code. Train on a server, open the model
 * in VS Code. Results are JSON on stdout; progress goes to stderr.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { checkModelConfig, DEFAULT_CONFIG, type ModelConfig } from '../shared/config';
import type { ParseOptions } from '../shared/dataset';
import { RpcError } from '../shared/rpc';
import { loadTf, type BackendPreference } from './backend';
import { devicePreference, EngineService } from './service';

const USAGE = `Usage:
  rnn-lens train FILE [options]        train a classifier on a labelled file, print metrics as JSON
  rnn-lens predict --model DIR TEXT…   class probabilities for each TEXT (or --file F: one text per line)
  rnn-lens parse FILE [parse options]  how FILE is read: format, classes, lines that do not parse, the tokenisation auto picks
  rnn-lens info                        the tfjs backend this machine gets

Model options (defaults in brackets):
  --cell lstm|gru|simplernn [${DEFAULT_CONFIG.cell}]   --hidden N [${DEFAULT_CONFIG.hiddenSize}]   --layers 1-4 [${DEFAULT_CONFIG.layers}]
  --bidirectional   --embedding N [${DEFAULT_CONFIG.embeddingSize}]   --tokenization auto|word|char [${DEFAULT_CONFIG.tokenization}]
  --no-lowercase   --max-length N [${DEFAULT_CONFIG.maxLength}]   --max-vocabulary N [${DEFAULT_CONFIG.maxVocabulary}]
  --epochs N [${DEFAULT_CONFIG.epochs}]   --lr X [${DEFAULT_CONFIG.learningRate}]   --batch N [${DEFAULT_CONFIG.batchSize}]
  --validation X [${DEFAULT_CONFIG.validationSplit}] (chooses the best epoch)   --test X [${DEFAULT_CONFIG.testSplit}] (scored once, the headline)   --seed N [${DEFAULT_CONFIG.seed}]
  (auto tokenisation: characters when the median example is one word, e.g. names; else words)
Parse options:
  --format auto|tsv-label-text|tsv-text-label|csv|jsonl|fasttext   --text-key K   --label-key K
  --text-column C   --label-column C (index from 0 or header name)   --skip-invalid
Other:
  --out DIR (train; default ./FILE-NAME-model)   --name NAME   --backend auto|cpu|tfjs-node|tfjs-node-gpu
  --device auto|gpu|cpu (train: the GPU when faster, always, or never)   --quiet`;

/** A problem with the command line itself: printed with the usage, exit code 2. */
class UsageError extends Error {}

const FLAG_OF: Record<keyof ModelConfig, string> = {
  cell: '--cell',
  hiddenSize: '--hidden',
  layers: '--layers',
  bidirectional: '--bidirectional',
  embeddingSize: '--embedding',
  tokenization: '--tokenization',
  lowercase: '--no-lowercase',
  maxLength: '--max-length',
  maxVocabulary: '--max-vocabulary',
  epochs: '--epochs',
  learningRate: '--lr',
  batchSize: '--batch',
  validationSplit: '--validation',
  testSplit: '--test',
  seed: '--seed',
};

function parseCommandLine(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      cell: { type: 'string' },
      hidden: { type: 'string' },
      layers: { type: 'string' },
      bidirectional: { type: 'boolean' },
      embedding: { type: 'string' },
      tokenization: { type: 'string' },
      'no-lowercase': { type: 'boolean' },
      'max-length': { type: 'string' },
      'max-vocabulary': { type: 'string' },
      epochs: { type: 'string' },
      lr: { type: 'string' },
      batch: { type: 'string' },
      validation: { type: 'string' },
      test: { type: 'string' },
      seed: { type: 'string' },
      format: { type: 'string' },
      'text-key': { type: 'string' },
      'label-key': { type: 'string' },
      'text-column': { type: 'string' },
      'label-column': { type: 'string' },
      'skip-invalid': { type: 'boolean' },
      out: { type: 'string' },
      name: { type: 'string' },
      model: { type: 'string' },
      file: { type: 'string' },
      backend: { type: 'string' },
      device: { type: 'string' },
      quiet: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

type Values = ReturnType<typeof parseCommandLine>['values'];

/** Numbers from flags: anything that is not a plain number becomes NaN, which the config check reports. */
function num(value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  return value.trim() === '' ? NaN : Number(value);
}

function configFrom(v: Values): ModelConfig {
  const raw = {
    cell: v.cell ?? DEFAULT_CONFIG.cell,
    hiddenSize: num(v.hidden, DEFAULT_CONFIG.hiddenSize),
    layers: num(v.layers, DEFAULT_CONFIG.layers),
    bidirectional: v.bidirectional ?? DEFAULT_CONFIG.bidirectional,
    embeddingSize: num(v.embedding, DEFAULT_CONFIG.embeddingSize),
    tokenization: v.tokenization ?? DEFAULT_CONFIG.tokenization,
    lowercase: !v['no-lowercase'],
    maxLength: num(v['max-length'], DEFAULT_CONFIG.maxLength),
    maxVocabulary: num(v['max-vocabulary'], DEFAULT_CONFIG.maxVocabulary),
    epochs: num(v.epochs, DEFAULT_CONFIG.epochs),
    learningRate: num(v.lr, DEFAULT_CONFIG.learningRate),
    batchSize: num(v.batch, DEFAULT_CONFIG.batchSize),
    validationSplit: num(v.validation, DEFAULT_CONFIG.validationSplit),
    testSplit: num(v.test, DEFAULT_CONFIG.testSplit),
    seed: num(v.seed, DEFAULT_CONFIG.seed),
  };
  const check = checkModelConfig(raw, (field) => FLAG_OF[field as keyof ModelConfig] ?? field);
  if (!check.ok) throw new UsageError(check.problems.join('\n'));
  return check.config;
}

function column(value: string | undefined): number | string | undefined {
  if (value === undefined) return undefined;
  return /^\d+$/.test(value) ? Number(value) : value;
}

function parseOptionsFrom(v: Values): ParseOptions {
  const options: ParseOptions = {};
  if (v.format) options.format = v.format as ParseOptions['format'];
  if (v['text-key']) options.jsonTextKey = v['text-key'];
  if (v['label-key']) options.jsonLabelKey = v['label-key'];
  const textColumn = column(v['text-column']);
  const labelColumn = column(v['label-column']);
  if (textColumn !== undefined) options.csvTextColumn = textColumn;
  if (labelColumn !== undefined) options.csvLabelColumn = labelColumn;
  return options;
}

async function readInput(file: string | undefined): Promise<string> {
  if (!file) throw new UsageError('Give the file to read.');
  try {
    return await fs.readFile(file, 'utf8');
  } catch (err) {
    throw new UsageError(`Cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

async function service(v: Values): Promise<EngineService> {
  const backend = (v.backend ?? 'auto') as BackendPreference;
  if (!['auto', 'cpu', 'tfjs-node', 'tfjs-node-gpu'].includes(backend)) throw new UsageError(`--backend must be auto, cpu, tfjs-node or tfjs-node-gpu (got ${backend})`);
  const device = v.device ?? devicePreference();
  if (device !== 'auto' && device !== 'gpu' && device !== 'cpu') throw new UsageError(`--device must be auto, gpu or cpu (got ${device})`);
  const runtime = await loadTf(backend, [process.cwd(), path.resolve(__dirname, '..')]);
  return new EngineService(runtime, device);
}

function print(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

async function run(argv: string[]): Promise<number> {
  const { values: v, positionals } = parseCommandLine(argv);
  const [command, ...rest] = positionals;
  if (v.help || !command) {
    process.stdout.write(`${USAGE}\n`);
    return command || v.help ? 0 : 2;
  }
  switch (command) {
    case 'info': {
      const s = await service(v);
      print({ backend: await s.backendLabel(), kernels: await s.kernels(), gpu: (await s.gpuLabel()) || 'none', tfjs: s.runtime.tf.version_core, node: process.version, notes: await s.notes() });
      return 0;
    }
    case 'parse': {
      const text = await readInput(rest[0]);
      const s = await service(v);
      const config = configFrom(v);
      print(s.parse(text, parseOptionsFrom(v), { validation: config.validationSplit, test: config.testSplit }));
      return 0;
    }
    case 'train': {
      const file = rest[0];
      const config = configFrom(v);
      const text = await readInput(file);
      const base = path.basename(file, path.extname(file));
      const out = path.resolve(v.out ?? `${base}-${config.cell}-model`);
      const s = await service(v);
      const controller = new AbortController();
      process.once('SIGINT', () => {
        process.stderr.write('\nStopping after this batch; the best model so far is saved…\n');
        controller.abort();
      });
      const result = await s.train(
        { text, options: parseOptionsFrom(v), skipInvalid: !!v['skip-invalid'], config, modelDir: out, name: v.name ?? `${base}-${config.cell}` },
        controller.signal,
        (p) => {
          if (v.quiet) return;
          const parts = [p.message ?? `${p.phase} epoch ${p.epoch}/${p.epochs} batch ${p.batch}/${p.batches}`];
          if (Number.isFinite(p.loss)) parts.push(`loss ${p.loss.toFixed(4)}`);
          if (p.valAccuracy !== undefined) parts.push(`val acc ${(100 * p.valAccuracy).toFixed(1)}%`);
          if (p.tokensPerSecond > 0) parts.push(`${Math.round(p.tokensPerSecond)} tok/s`);
          process.stderr.write(`${parts.join(' · ')}\n`);
        },
      );
      const { config: trained, tokenizationReason } = result.metadata;
      print({
        modelDir: result.modelDir,
        backend: result.metadata.backend,
        tokenization: trained.tokenization,
        ...(tokenizationReason ? { tokenizationReason } : {}),
        ...result.metadata.metrics,
        examples: result.metadata.examples,
        classes: result.metadata.classes,
        warnings: result.metadata.warnings,
      });
      return 0;
    }
    case 'predict': {
      if (!v.model) throw new UsageError('predict needs --model DIR (a folder written by "rnn-lens train").');
      const texts = v.file ? (await readInput(v.file)).split(/\r\n|\r|\n/).filter((l) => l.trim() !== '') : rest;
      if (texts.length === 0) throw new UsageError('Give at least one text to predict (or --file with one text per line).');
      const s = await service(v);
      const { predictions, classes } = await s.predict(path.resolve(v.model), texts);
      print(
        predictions.map((p, i) => ({
          text: texts[i],
          label: p.label,
          probabilities: Object.fromEntries(classes.map((c, k) => [c, Number(p.probabilities[k].toFixed(6))])),
          tokens: p.tokenCount,
        })),
      );
      return 0;
    }
    default:
      throw new UsageError(`Unknown command "${command}".`);
  }
}

run(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof UsageError || String((err as { code?: string }).code).startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`rnn-lens: ${(err as Error).message}\n\n${USAGE}\n`);
      process.exit(2);
    }
    const code = err instanceof RpcError ? ` [${err.code}]` : '';
    process.stderr.write(`rnn-lens: ${(err as Error)?.message ?? err}${code}\n`);
    process.exit(1);
  },
);
