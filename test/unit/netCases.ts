// What the network tests of every backend (native, GPU) share: the cases (cell × {uni, bi} × {1, 2 layers}),
// their sizes, a right-padded batch and seeded weights.
import type { NetConfig } from '../../src/core/network';
import { seededRandom } from '../../src/engine/random';

export const NET_CASES = (['lstm', 'gru', 'simplernn'] as const).flatMap((cell) => [false, true].flatMap((bidirectional) => [1, 2].map((layers) => ({ cell, bidirectional, layers }))));

export const NET_SIZES = { vocab: 30, E: 7, H: 13, classes: 3, B: 5, T: 9 };

/** A case's name, e.g. "bidirectional 2-layer gru". */
export function caseName(c: (typeof NET_CASES)[number]): string {
  return `${c.bidirectional ? 'bidirectional ' : ''}${c.layers}-layer ${c.cell}`;
}

/** The NetConfig of a case at NET_SIZES. */
export function caseConfig(c: (typeof NET_CASES)[number]): NetConfig {
  const s = NET_SIZES;
  return { cell: c.cell, vocabSize: s.vocab, embeddingSize: s.E, hiddenSize: s.H, layers: c.layers, bidirectional: c.bidirectional, classes: s.classes, learningRate: 0.01, seed: 1 };
}

/** A right-padded batch at NET_SIZES: the first row full, the last one token, the others random lengths; labels b mod 3. */
export function paddedBatch(seed: number): { ids: Int32Array; labels: Int32Array } {
  const { B, T, vocab } = NET_SIZES;
  const next = seededRandom(seed);
  const ids = new Int32Array(B * T);
  const lengths = Array.from({ length: B }, (_, b) => (b === 0 ? T : b === B - 1 ? 1 : 1 + Math.floor(next() * T)));
  lengths.forEach((len, b) => {
    for (let t = 0; t < len; t++) ids[b * T + t] = 1 + Math.floor(next() * (vocab - 1));
  });
  return { ids, labels: Int32Array.from({ length: B }, (_, b) => b % 3) };
}

/** Weights of these shapes, uniform in ±scale/2, from a seed. */
export function seededWeights(shapes: number[][], seed: number, scale: number): Float32Array[] {
  const next = seededRandom(seed);
  return shapes.map((s) => Float32Array.from({ length: s.reduce((x, y) => x * y, 1) }, () => (next() - 0.5) * scale));
}
