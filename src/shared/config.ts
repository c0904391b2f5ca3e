/** Model and training configuration: the one schema used by settings, the quick pick, the CLI and the engine. */
import { z } from 'zod';
import { CELL_KINDS, CELL_SPECS, type CellKind } from '../core/cells';

/** A recurrent cell type (one spec each in src/core/cells.ts). */
export type CellType = CellKind;

/** Everything that defines a model and how it is trained. */
export interface ModelConfig {
  cell: CellType;
  hiddenSize: number;
  layers: number;
  bidirectional: boolean;
  embeddingSize: number;
  tokenization: 'word' | 'char';
  lowercase: boolean;
  maxLength: number;
  maxVocabulary: number;
  epochs: number;
  learningRate: number;
  batchSize: number;
  validationSplit: number;
  seed: number;
}

/** The defaults (also the defaults of the rnnLens.* settings in package.json). */
export const DEFAULT_CONFIG: ModelConfig = {
  cell: 'lstm',
  hiddenSize: 64,
  layers: 1,
  bidirectional: false,
  embeddingSize: 32,
  tokenization: 'word',
  lowercase: true,
  maxLength: 100,
  maxVocabulary: 20000,
  epochs: 10,
  learningRate: 0.005,
  batchSize: 64,
  validationSplit: 0.1,
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

/** Bounds of each field, checked wherever a config enters (settings, CLI, RPC). */
export const modelConfigSchema = z.object({
  cell: z.enum(CELL_KINDS, { errorMap: () => ({ message: `must be one of ${CELL_KINDS.join(', ')}` }) }),
  hiddenSize: int(1, 1024),
  layers: int(1, 4),
  bidirectional: z.boolean({ invalid_type_error: 'must be true or false' }),
  embeddingSize: int(1, 1024),
  tokenization: z.enum(['word', 'char'], { errorMap: () => ({ message: 'must be "word" or "char"' }) }),
  lowercase: z.boolean({ invalid_type_error: 'must be true or false' }),
  maxLength: int(1, 2000),
  maxVocabulary: int(3, 200000),
  epochs: int(1, 1000),
  learningRate: numberField((v) => Number.isFinite(v) && v > 0 && v <= 1, 'must be a number greater than 0 and at most 1'),
  batchSize: int(1, 4096),
  validationSplit: numberField((v) => Number.isFinite(v) && v >= 0 && v < 0.9, 'must be a number from 0 up to (not including) 0.9'),
  seed: int(0, 2 ** 31 - 1),
});

/** The result of checking a config: the config, or one message per bad field. */
export type ConfigCheck = { ok: true; config: ModelConfig } | { ok: false; problems: string[] };

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
  const parsed = modelConfigSchema.safeParse(raw);
  if (parsed.success) return { ok: true, config: parsed.data };
  const problems = parsed.error.issues.map((issue) => {
    const field = String(issue.path[0] ?? 'config');
    const value = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>)[field] : raw;
    const got = value === undefined ? 'missing' : `got ${show(value)}`;
    return `${describeField(field)} ${issue.message} (${got}).`;
  });
  return { ok: false, problems };
}

/** A short human description, e.g. "BiLSTM 2×64, emb 32, char". */
export function describeConfig(c: ModelConfig): string {
  const cell = `${c.bidirectional ? 'Bi' : ''}${CELL_SPECS[c.cell].label}`;
  const layers = c.layers > 1 ? `${c.layers}×${c.hiddenSize}` : `${c.hiddenSize}`;
  return `${cell} ${layers}, emb ${c.embeddingSize}, ${c.tokenization}`;
}
