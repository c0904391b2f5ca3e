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

/** The shares of the examples each held-out split takes. */
export interface SplitFractions {
  validation: number;
  test: number;
}

/**
 * How many examples of a class of `n` each held-out split takes: its share (at least one when the
 * class is large enough), never all of them. A class too small for every split keeps its examples in
 * training first, then in validation: 1 example → training; 2 → training, validation; 3 → one each.
 */
export function splitTargets(n: number, fractions: SplitFractions): SplitFractions {
  const take = (fraction: number, left: number) => (fraction > 0 && left >= 2 ? Math.min(Math.max(1, Math.round(n * fraction)), left - 1) : 0);
  const validation = take(fractions.validation, n);
  return { validation, test: take(fractions.test, n - validation) };
}

/**
 * Splits examples into training, validation and test, per class (each class keeps its share of each
 * held-out split, see splitTargets), seeded. Examples with the same `key` (the same normalised text)
 * always land in the same split, so a repeated text cannot be learnt in training and scored in
 * validation or test; `duplicates` counts the examples whose key an earlier one already has.
 */
export function stratifiedSplit<T extends { label: string }>(
  examples: T[],
  fractions: SplitFractions,
  seed: number,
  key?: (e: T) => string,
): { train: T[]; validation: T[]; test: T[]; duplicates: number } {
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
  // The held-out splits in the order they fill: a group goes to the first one every class in it still has room in.
  const parts = (['validation', 'test'] as const).map((name) => ({
    name,
    examples: [] as T[],
    room: new Map([...perClass].map(([label, n]) => [label, splitTargets(n, fractions)[name]])),
  }));
  const random = seededRandom(seed);
  const train: T[] = [];
  // Whole groups, in a seeded order.
  for (const group of shuffleInPlace([...groups.values()], random)) {
    const counts = new Map<string, number>();
    for (const e of group) counts.set(e.label, (counts.get(e.label) ?? 0) + 1);
    const part = parts.find((p) => [...counts].every(([label, n]) => n <= p.room.get(label)!));
    if (part) {
      for (const [label, n] of counts) part.room.set(label, part.room.get(label)! - n);
      part.examples.push(...group);
    } else {
      train.push(...group);
    }
  }
  const [validation, test] = parts.map((p) => p.examples);
  return { train: shuffleInPlace(train, random), validation, test, duplicates: examples.length - groups.size };
}

/**
 * What the user should know about the test split, from how many examples of each class it holds (every
 * class listed, 0 for none): none at all (too few examples: the figures shown are validation figures,
 * which chose the epoch), or classes with no test example (a class with a single example is said
 * elsewhere already: it stays in training).
 */
export function testSplitWarnings(classes: { label: string; count: number; test: number }[], testFraction: number): string[] {
  if (testFraction <= 0) return [];
  const total = classes.reduce((a, c) => a + c.count, 0);
  if (classes.every((c) => c.test === 0)) {
    return [`No test split: ${total} examples are too few to hold out ${Math.round(100 * testFraction)} % for testing, so the figures shown are validation figures, which chose the best epoch (optimistic).`];
  }
  const missing = classes.filter((c) => c.test === 0 && c.count > 1).map((c) => JSON.stringify(c.label));
  if (missing.length === 0) return [];
  const shown = missing.length > 10 ? `${missing.slice(0, 10).join(', ')} and ${missing.length - 10} more` : missing.join(', ');
  return [`${missing.length === 1 ? `Class ${shown} has` : `Classes ${shown} have`} too few examples for the test split: the test figures hold no example of ${missing.length === 1 ? 'it' : 'them'}.`];
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
