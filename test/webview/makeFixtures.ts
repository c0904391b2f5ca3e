/**
 * Writes the webview test fixtures: real engine output. Trains tiny models with the engine (cpu
 * backend, fused kernels) and saves their inspections of a few sentences as JSON, Float32Arrays
 * written as `{ "$f32": [numbers] }` (revived into Float32Arrays by the fake host in the page).
 *
 *   npx tsx test/webview/makeFixtures.ts <outDir>           the component-test fixtures
 *   npx tsx test/webview/makeFixtures.ts <outDir> --bench   the benchmark fixture (LSTM, 2 layers, bidirectional, H=64)
 *
 * Each fixture file <outDir>/<name>.json is { model, modelItem, inspections: { [text]: Inspection }, reader },
 * `reader` being the model as the engine sends it to the unrolled view's page (ReaderModel).
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { CELL_SPECS } from '../../src/core/cells';
import { DEFAULT_CONFIG, type ModelConfig } from '../../src/shared/config';
import { checkInspection, type Inspection } from '../../src/core/inspect';
import type { ModelListItem } from '../../src/shared/webviewProtocol';
import { loadTf } from '../../src/engine/backend';
import { EngineService } from '../../src/engine/service';
import { seededRandom } from '../../src/engine/random';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { loadNames } = require('../../scripts/makeDemo.js') as { loadNames(): { name: string; label: string }[] };

/** One model to train and the sentences to read with it. */
interface FixtureSpec {
  name: string;
  data: () => string;
  config: Partial<ModelConfig>;
  texts: string[];
}

/** The demo names as label<TAB>name lines, a seeded sample of `count`. */
function namesTsv(count: number): string {
  const random = seededRandom(7);
  const names = loadNames();
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    const n = names[Math.floor(random() * names.length)];
    lines.push(`${n.label}\t${n.name}`);
  }
  return lines.join('\n');
}

/**
 * A word-level toy sentiment set with negation: "the film was not good" is negative, so a trained
 * model's running prediction flips at "not … good".
 */
function sentimentTsv(count: number, seed = 3): string {
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  const good = ['good', 'great', 'fine', 'lovely', 'fun', 'wonderful'];
  const bad = ['bad', 'awful', 'boring', 'dull', 'terrible'];
  const subjects = ['the film', 'the movie', 'this plot', 'the acting', 'it'];
  const verbs = ['was', 'is', 'seemed'];
  const adverbs = ['', 'really ', 'quite ', 'very '];
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    const positiveWord = random() < 0.5;
    const negated = random() < 0.4;
    const word = positiveWord ? pick(good) : pick(bad);
    const positive = positiveWord !== negated;
    lines.push(`${positive ? 'positive' : 'negative'}\t${pick(subjects)} ${pick(verbs)} ${negated ? 'not ' : ''}${pick(adverbs)}${word}`);
  }
  return lines.join('\n');
}

/** Every prefix of `word` appended to `base` (what typing the word produces, keystroke by keystroke). */
function typed(base: string, word: string): string[] {
  return Array.from({ length: word.length }, (_, i) => base + word.slice(0, i + 1));
}

/** A text of exactly `tokens` words, cycling through `words`. */
function words(tokens: number, list: string[]): string {
  return Array.from({ length: tokens }, (_, i) => list[i % list.length]).join(' ');
}

/** 200 characters, so 200 tokens for the character-level model (whitespace at the ends would be dropped). */
const LONG_NAMES = `${'maria jonathan elisabeth christopher anna michael '.repeat(4).slice(0, 199)}x`;
/** A 69-character name (69 tokens for the character-level model): longer than any usual editor shows. */
const NAME_69 = `${LONG_NAMES.slice(0, 68)}a`;

const testFixtures: FixtureSpec[] = [
  {
    name: 'lstm',
    data: () => namesTsv(900),
    config: { cell: 'lstm', layers: 2, bidirectional: true, hiddenSize: 8, embeddingSize: 8, tokenization: 'char', epochs: 2, learningRate: 0.02 },
    texts: ['Maria', 'Jonathan', 'Zoë 7', ...typed('', 'Alexander'), LONG_NAMES, NAME_69],
  },
  {
    name: 'gru',
    data: () => sentimentTsv(1500),
    config: { cell: 'gru', layers: 1, bidirectional: false, hiddenSize: 8, embeddingSize: 8, tokenization: 'word', epochs: 6, learningRate: 0.03 },
    texts: ['the film was ', 'the film was not good', 'the film was good', ...typed('the film was ', 'not good'), words(200, ['the', 'movie', 'was', 'not', 'good', 'really', 'fun'])],
  },
  {
    name: 'simplernn',
    data: () => sentimentTsv(1500, 5),
    config: { cell: 'simplernn', layers: 1, bidirectional: false, hiddenSize: 6, embeddingSize: 8, tokenization: 'word', epochs: 6, learningRate: 0.03 },
    texts: ['it was not bad', 'it was fun'],
  },
];

/** The benchmark's 40-word sentence, typed to its last word letter by letter. */
const BENCH_BASE = `${words(39, ['the', 'film', 'was', 'not', 'really', 'good', 'but', 'the', 'acting', 'is', 'fine', 'and', 'quite', 'lovely'])} `;
const BENCH_WORD = 'wonderful';

const benchFixtures: FixtureSpec[] = [
  {
    name: 'bench-lstm64',
    data: () => sentimentTsv(300),
    config: { cell: 'lstm', layers: 2, bidirectional: true, hiddenSize: 64, embeddingSize: 32, tokenization: 'word', epochs: 1 },
    texts: typed(BENCH_BASE, BENCH_WORD),
  },
];

/** JSON replacer: Float32Array → { $f32: [numbers] } (every float32 round-trips exactly through a JSON double). */
function replacer(_key: string, value: unknown): unknown {
  return value instanceof Float32Array ? { $f32: Array.from(value) } : value;
}

async function main(): Promise<void> {
  const outDir = process.argv[2];
  if (!outDir) throw new Error('usage: makeFixtures.ts <outDir> [--bench]');
  const specs = process.argv.includes('--bench') ? benchFixtures : testFixtures;
  await fs.mkdir(outDir, { recursive: true });
  const runtime = await loadTf('cpu', []);
  const service = new EngineService(runtime);
  for (const spec of specs) {
    const started = Date.now();
    const modelDir = path.join(outDir, 'models', spec.name);
    const config: ModelConfig = { ...DEFAULT_CONFIG, maxLength: 400, batchSize: 32, validationSplit: 0.2, ...spec.config };
    const result = await service.train(
      { text: spec.data(), options: {}, skipInvalid: false, config, modelDir, name: spec.name },
      new AbortController().signal,
      () => undefined,
    );
    const inspections: Record<string, Inspection> = {};
    let model: Inspection['model'] | undefined;
    for (const text of spec.texts) {
      const inspection = await service.inspect(modelDir, text);
      const problem = checkInspection(inspection);
      if (problem) throw new Error(`${spec.name} "${text}": ${problem}`);
      inspections[text] = inspection;
      model = inspection.model;
    }
    const m = result.metadata;
    const modelItem: ModelListItem = {
      name: spec.name,
      description: `${CELL_SPECS[m.config.cell].label} · ${m.config.layers} layer${m.config.layers > 1 ? 's' : ''}${m.config.bidirectional ? ' · bidirectional' : ''} · H=${m.config.hiddenSize} · ${m.config.tokenization}`,
      classes: m.classes,
      accuracy: m.metrics.test?.accuracy,
      created: m.created,
      active: false,
    };
    const reader = await service.readerModel(modelDir);
    await fs.writeFile(path.join(outDir, `${spec.name}.json`), JSON.stringify({ model, modelItem, inspections, reader }, replacer));
    console.log(`[fixtures] ${spec.name}: accuracy ${modelItem.accuracy?.toFixed(3)}, ${spec.texts.length} inspections, ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
}

main().catch((err) => {
  console.error(err && err.stack ? err.stack : err);
  process.exit(1);
});
