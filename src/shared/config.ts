/** Model and training configuration: the one schema used by settings, the quick pick, the CLI and the engine. */
import { z } from 'zod';
import { CELL_KINDS, CELL_SPECS, type CellKind } from '../core/cells';

/** A recurrent cell type (one spec each in src/core/cells.ts). */
export type CellType = CellKind;

/** How a model cuts text into tokens: words and punctuation marks, or characters (grapheme clusters). */
export type Tokenization = 'word' | 'char';

/** The tokenisation setting: a choice, or 'auto' (decided from the examples by chooseTokenization). */
export type TokenizationSetting = Tokenization | 'auto';

/**
 * Everything that defines a model and how it is trained, as settings, the quick pick and the CLI give
 * it: the tokenisation may still be 'auto'. A trained model records a ResolvedModelConfig.
 */
export interface ModelConfig {
  cell: CellType;
  hiddenSize: number;
  layers: number;
  bidirectional: boolean;
  embeddingSize: number;
  tokenization: TokenizationSetting;
  lowercase: boolean;
  maxLength: number;
  maxVocabulary: number;
  epochs: number;
  learningRate: number;
  batchSize: number;
  /** Share of the examples that chooses the best epoch. */
  validationSplit: number;
  /** Share of the examples held out from everything, scored once with the chosen weights. */
  testSplit: number;
  seed: number;
}

/** A config as a trained model records it (metadata.config): the tokenisation decided, never 'auto'. */
export type ResolvedModelConfig = Omit<ModelConfig, 'tokenization'> & { tokenization: Tokenization };

/** The defaults (also the defaults of the rnnLens.* settings in package.json). */
export const DEFAULT_CONFIG: ModelConfig = {
  cell: 'lstm',
  hiddenSize: 64,
  layers: 1,
  bidirectional: false,
  embeddingSize: 32,
  tokenization: 'auto',
  lowercase: true,
  maxLength: 100,
  maxVocabulary: 20000,
  epochs: 10,
  learningRate: 0.005,
  batchSize: 64,
  validationSplit: 0.1,
  testSplit: 0.1,
  seed: 42,
};

/** A number field with one rule; a non-number gets "must be a number", a NaN or out-of-range number gets the rule. */
const numberField = (valid: (v: number) => boolean, rule: string) =>
  z.custom<number>().superRefine((v, ctx) => {
    if (typeof v !== 'number') ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'must be a number' });
    else if (!valid(v)) ctx.addIssue({ code: z.ZodIssueCode.custom, message: rule });
  });

const int = (min: number, max: number) =>
  numberField((v) => Number.isInteger(v) && v >= min && v <= max, `must be a whole number from ${min} to ${max}`);

/** The validation and test splits each, and both together, stay below this share of the examples. */
const MAX_SPLIT = 0.9;
const split = numberField((v) => Number.isFinite(v) && v >= 0 && v < MAX_SPLIT, `must be a number from 0 up to (not including) ${MAX_SPLIT}`);

/** Bounds of each field (the rule across fields is trainingConfigSchema's). */
export const modelConfigSchema = z.object({
  cell: z.enum(CELL_KINDS, { errorMap: () => ({ message: `must be one of ${CELL_KINDS.join(', ')}` }) }),
  hiddenSize: int(1, 1024),
  layers: int(1, 4),
  bidirectional: z.boolean({ invalid_type_error: 'must be true or false' }),
  embeddingSize: int(1, 1024),
  tokenization: z.enum(['auto', 'word', 'char'], { errorMap: () => ({ message: 'must be "auto", "word" or "char"' }) }),
  lowercase: z.boolean({ invalid_type_error: 'must be true or false' }),
  maxLength: int(1, 2000),
  maxVocabulary: int(3, 200000),
  epochs: int(1, 1000),
  learningRate: numberField((v) => Number.isFinite(v) && v > 0 && v <= 1, 'must be a number greater than 0 and at most 1'),
  batchSize: int(1, 4096),
  validationSplit: split,
  testSplit: split,
  seed: int(0, 2 ** 31 - 1),
});

/**
 * The config schema with the rule across fields: the validation and test splits together leave
 * training more than 10 % of the examples. Checked wherever a whole config enters (settings, CLI, RPC).
 */
export const trainingConfigSchema = modelConfigSchema.superRefine((c, ctx) => {
  // Only when each is valid on its own (the field's rule says what is wrong otherwise).
  const valid = [c.validationSplit, c.testSplit].every((v) => split.safeParse(v).success);
  if (valid && c.validationSplit + c.testSplit >= MAX_SPLIT) {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      path: ['testSplit'],
      message: `plus the validation split (${c.validationSplit}) must be below ${MAX_SPLIT}, so that training keeps more than ${Math.round(100 * (1 - MAX_SPLIT))} % of the examples`,
    });
  }
});

/** The result of checking a config: the config, or one message per bad field (and the fields, in the same order). */
export type ConfigCheck = { ok: true; config: ModelConfig } | { ok: false; problems: string[]; fields: string[] };

/** Formats a value for an error message (NaN and -1 stay visible). */
function show(value: unknown): string {
  if (typeof value === 'number') return String(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/**
 * Checks a whole config. `describeField` names a field the way the user knows it
 * (e.g. "Setting rnnLens.hiddenSize" or "--hidden").
 */
export function checkModelConfig(raw: unknown, describeField: (field: string) => string = (f) => f): ConfigCheck {
  const parsed = trainingConfigSchema.safeParse(raw);
  if (parsed.success) return { ok: true, config: parsed.data };
  const fields = parsed.error.issues.map((issue) => String(issue.path[0] ?? 'config'));
  const problems = parsed.error.issues.map((issue, i) => {
    const field = fields[i];
    const value = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>)[field] : raw;
    const got = value === undefined ? 'missing' : `got ${show(value)}`;
    return `${describeField(field)} ${issue.message} (${got}).`;
  });
  return { ok: false, problems, fields };
}

/** A short human description, e.g. "BiLSTM 2×64, emb 32, char". */
export function describeConfig(c: ModelConfig | ResolvedModelConfig): string {
  const cell = `${c.bidirectional ? 'Bi' : ''}${CELL_SPECS[c.cell].label}`;
  const layers = c.layers > 1 ? `${c.layers}×${c.hiddenSize}` : `${c.hiddenSize}`;
  return `${cell} ${layers}, emb ${c.embeddingSize}, ${c.tokenization}`;
}

/** The most median words per example at which 'auto' tokenisation reads characters. */
export const AUTO_CHAR_MAX_MEDIAN_WORDS = 1.5;

/**
 * What 'auto' tokenisation picks for these example texts, and why in words: characters when the median
 * example is a single word (names, codes, words in scripts written without spaces), else words. Words
 * are counted between whitespace.
 */
export function chooseTokenization(texts: readonly string[]): { kind: Tokenization; reason: string } {
  if (texts.length === 0) return { kind: 'word', reason: 'there are no examples to decide from' };
  const counts = texts.map((t) => t.split(/\s+/).filter(Boolean).length).sort((a, b) => a - b);
  const mid = counts.length >> 1;
  const median = counts.length % 2 === 1 ? counts[mid] : (counts[mid - 1] + counts[mid]) / 2;
  const words = `median ${median} word${median === 1 ? '' : 's'} per example`;
  return median <= AUTO_CHAR_MAX_MEDIAN_WORDS
    ? { kind: 'char', reason: `the examples are single words (${words})` }
    : { kind: 'word', reason: `the examples are phrases or sentences (${words})` };
}

/** The config a model trains with: 'auto' tokenisation decided on the example texts (chooseTokenization); its reason when it was 'auto'. */
export function resolveConfig(config: ModelConfig, texts: readonly string[]): { config: ResolvedModelConfig; reason?: string } {
  if (config.tokenization !== 'auto') return { config: { ...config, tokenization: config.tokenization } };
  const { kind, reason } = chooseTokenization(texts);
  return { config: { ...config, tokenization: kind }, reason };
}
