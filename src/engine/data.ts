/** From parsed examples to training data: tokens → ids, the stratified split, and length-bucketed batches. */
import { createHash } from 'node:crypto';
import type { Example } from '../shared/dataset';
import { PAD_ID } from '../core/tokenizer';
import { seededRandom, shuffleInPlace } from './random';

/** One example as the model sees it. */
export interface EncodedExample {
  ids: Int32Array;
  label: number;
}

/** A padded batch: ids [batch, time] row-major, right-padded with PAD_ID. */
export interface Batch {
  ids: Int32Array;
  labels: Int32Array;
  batch: number;
  time: number;
  tokens: number;
}

/** Index of the largest value (the first on ties): the predicted class of a probability row. */
export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

/**
 * Splits examples per class (each class keeps its share of the validation set), seeded. Examples with
 * the same `key` (the same normalised text) always land on the same side, so a repeated text cannot be
 * learnt in training and scored in validation. A class never loses its last training example; a class
 * with one example (or one distinct text) stays in training.
 */
export function stratifiedSplit<T extends { label: string }>(
  examples: T[],
  fraction: number,
  seed: number,
  key?: (e: T) => string,
): { train: T[]; validation: T[]; duplicates: number } {
  const groups = new Map<string, T[]>();
  const perClass = new Map<string, number>();
  for (const [i, e] of examples.entries()) {
    // Without a key every example is its own group.
    const k = key ? key(e) : `#${i}`;
    let group = groups.get(k);
    if (!group) groups.set(k, (group = []));
    group.push(e);
    perClass.set(e.label, (perClass.get(e.label) ?? 0) + 1);
  }
  // How many of each class validation takes: its share, at least one when it has two, never all.
  const target = new Map<string, number>();
  for (const [label, n] of perClass) {
    const take = fraction > 0 && n >= 2 ? Math.max(1, Math.round(n * fraction)) : 0;
    target.set(label, Math.min(take, n - 1));
  }
  const random = seededRandom(seed);
  const taken = new Map<string, number>();
  const train: T[] = [];
  const validation: T[] = [];
  // Whole groups, in a seeded order: one goes to validation when every class in it still has room there.
  for (const group of shuffleInPlace([...groups.values()], random)) {
    const counts = new Map<string, number>();
    for (const e of group) counts.set(e.label, (counts.get(e.label) ?? 0) + 1);
    const fits = [...counts].every(([label, n]) => (taken.get(label) ?? 0) + n <= target.get(label)!);
    if (fits) {
      for (const [label, n] of counts) taken.set(label, (taken.get(label) ?? 0) + n);
      validation.push(...group);
    } else {
      train.push(...group);
    }
  }
  return { train: shuffleInPlace(train, random), validation, duplicates: examples.length - groups.size };
}

/** A stable hash of the examples (text and label, in order), recorded in metadata.json. */
export function hashExamples(examples: Example[]): string {
  const hash = createHash('sha256');
  for (const e of examples) {
    hash.update(e.label);
    hash.update('\u0000');
    hash.update(e.text);
    hash.update('\u0001');
  }
  return `sha256:${hash.digest('hex')}`;
}

/** Pads a group of examples into one batch. */
export function padBatch(group: EncodedExample[]): Batch {
  let time = 1;
  let tokens = 0;
  for (const e of group) {
    time = Math.max(time, e.ids.length);
    tokens += e.ids.length;
  }
  const ids = new Int32Array(group.length * time).fill(PAD_ID);
  const labels = new Int32Array(group.length);
  group.forEach((e, row) => {
    ids.set(e.ids, row * time);
    labels[row] = e.label;
  });
  return { ids, labels, batch: group.length, time, tokens };
}

/**
 * Batches of similar length (less padding, far fewer wasted recurrent steps): examples are shuffled,
 * sorted by length in chunks, cut into batches, and the batch order is shuffled. Seeded per epoch.
 */
export function bucketedBatches(examples: EncodedExample[], batchSize: number, random: () => number): Batch[] {
  const order = shuffleInPlace(examples.map((_, i) => i), random);
  const chunk = batchSize * 50;
  const batches: Batch[] = [];
  for (let start = 0; start < order.length; start += chunk) {
    const part = order.slice(start, start + chunk).sort((a, b) => examples[a].ids.length - examples[b].ids.length);
    for (let i = 0; i < part.length; i += batchSize) {
      batches.push(padBatch(part.slice(i, i + batchSize).map((k) => examples[k])));
    }
  }
  return shuffleInPlace(batches, random);
}

/** Batches in the given order (for evaluation), grouped by length to save padding; `order` maps back to inputs. */
export function evaluationBatches(examples: EncodedExample[], batchSize: number): { batches: Batch[]; order: number[] } {
  const order = examples.map((_, i) => i).sort((a, b) => examples[a].ids.length - examples[b].ids.length);
  const batches: Batch[] = [];
  for (let i = 0; i < order.length; i += batchSize) {
    batches.push(padBatch(order.slice(i, i + batchSize).map((k) => examples[k])));
  }
  return { batches, order };
}
