import { seededRandom } from '../../src/engine/random';

/**
 * A separable toy set: "alpha" texts are made of tokens a0..a9, "beta" texts of b0..b9, with a few
 * shared filler tokens, so a working recurrent classifier must reach near-perfect accuracy.
 */
export function toyTsv(count: number, seed = 1): string {
  const random = seededRandom(seed);
  const pick = (n: number) => Math.floor(random() * n);
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    const label = i % 2 === 0 ? 'alpha' : 'beta';
    const prefix = label === 'alpha' ? 'a' : 'b';
    const len = 3 + pick(6);
    const tokens = Array.from({ length: len }, () => (random() < 0.3 ? `the${pick(3)}` : `${prefix}${pick(10)}`));
    tokens[pick(len)] = `${prefix}${pick(10)}`;
    lines.push(`${label}\t${tokens.join(' ')}`);
  }
  return lines.join('\n');
}
