/**
 * A model as the unrolled view's page reads it itself: its metadata, its vocabulary and its weights in
 * tfjs-layers getWeights() order. With it, the page runs the engine's own Inspector on the same
 * WebAssembly kernels, so a keystroke is answered inside the page, in the frame it was typed in,
 * instead of after two round trips through the extension host. The engine sends it (`readerModel`),
 * the host checks and forwards it; `checkReaderModel` validates it on both sides.
 */
import { CELL_KINDS, isCellKind } from '../core/cells';
import type { ModelMetadata } from './protocol';
import { shapeSize, weightShapes } from '../core/weightShapes';

/** What the page needs to read sentences with a model. */
export interface ReaderModel {
  /** The model's metadata.json (its config, classes, tokenizer options, name and creation time). */
  metadata: ModelMetadata;
  /** The vocabulary's tokens by id (vocab.json's `tokens`). */
  vocab: string[];
  /** The weights in tfjs-layers getWeights() order and layout. */
  weights: Float32Array[];
}

/** The most weight values a page reads with itself (32 MB of floats); bigger models are read by the engine. */
export const MAX_READER_FLOATS = 8 * 1024 * 1024;

/** The shapes of a model's weights, in getWeights() order, from its metadata and vocabulary size. */
export function readerWeightShapes(metadata: ModelMetadata, vocabSize: number): number[][] {
  return weightShapes({ ...metadata.config, vocabSize, classes: metadata.classes.length });
}

/** Why `value` is not a usable ReaderModel, or undefined when it is (shapes match the config, every weight finite). */
export function checkReaderModel(value: unknown): string | undefined {
  const v = value as ReaderModel;
  if (!v || typeof v !== 'object') return 'not an object';
  const m = v.metadata;
  if (!m || m.version !== 1 || typeof m.name !== 'string' || typeof m.created !== 'string') return 'metadata is missing or not version 1';
  if (!Array.isArray(m.classes) || m.classes.length < 1 || !m.classes.every((c) => typeof c === 'string')) return 'metadata.classes is not a list of names';
  const c = m.config;
  if (!c || !isCellKind(c.cell)) return `metadata.config.cell is not ${CELL_KINDS.join(', ')}`;
  for (const key of ['embeddingSize', 'hiddenSize', 'layers', 'maxLength'] as const) {
    if (!Number.isInteger(c[key]) || c[key] < 1) return `metadata.config.${key} is not a positive integer`;
  }
  if (typeof c.bidirectional !== 'boolean') return 'metadata.config.bidirectional is not a boolean';
  const t = m.tokenizer;
  if (!t || (t.kind !== 'word' && t.kind !== 'char') || typeof t.lowercase !== 'boolean') return 'metadata.tokenizer is malformed';
  if (!Array.isArray(v.vocab) || v.vocab.length < 2 || !v.vocab.every((token) => typeof token === 'string')) return 'vocab is not a list of at least two tokens';
  const shapes = readerWeightShapes(m, v.vocab.length);
  if (!Array.isArray(v.weights) || v.weights.length !== shapes.length) return `expected ${shapes.length} weight arrays`;
  let total = 0;
  for (let i = 0; i < shapes.length; i++) {
    const w = v.weights[i];
    const size = shapeSize(shapes[i]);
    if (!(w instanceof Float32Array)) return `weight ${i} is not a Float32Array`;
    if (w.length !== size) return `weight ${i} has ${w.length} values; its shape [${shapes[i].join(', ')}] holds ${size}`;
    for (let j = 0; j < w.length; j++) if (!Number.isFinite(w[j])) return `weight ${i}[${j}] is not finite`;
    total += size;
  }
  if (total > MAX_READER_FLOATS) return `the weights hold ${total} values, more than the ${MAX_READER_FLOATS} a page reads with`;
  return undefined;
}
