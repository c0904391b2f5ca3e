/**
 * Keras' Orthogonal initializer, fast: tfjs-layers computes it with tensor ops (a Gram–Schmidt QR that
 * takes minutes for a 256×1024 recurrent kernel on the cpu backend); this is a Householder QR on
 * Float64Arrays (a fraction of a second) with the same construction: a standard normal matrix of shape
 * [max(r, c), min(r, c)], Q of its QR with each column times the sign of R's diagonal, transposed when
 * r < c, times the gain. It subclasses tfjs's own Orthogonal, so layers serialise it as "Orthogonal"
 * with its gain and seed.
 */
import type { Tf } from './backend';
import { seededRandom } from './random';

type Tensor = import('@tensorflow/tfjs').Tensor;
type Shape = number[];

/** A standard normal sampler (Box–Muller) on a uniform generator. */
function normalSampler(uniform: () => number): () => number {
  let spare: number | undefined;
  return () => {
    if (spare !== undefined) {
      const s = spare;
      spare = undefined;
      return s;
    }
    let u = 0;
    while (u === 0) u = uniform();
    const radius = Math.sqrt(-2 * Math.log(u));
    const angle = 2 * Math.PI * uniform();
    spare = radius * Math.sin(angle);
    return radius * Math.cos(angle);
  };
}

/**
 * A rows×cols matrix (row-major) with orthonormal rows (rows ≤ cols) or columns (rows ≥ cols), times
 * `gain`, drawn uniformly (Haar) from the uniform generator `uniform`.
 */
export function orthogonalMatrix(rows: number, cols: number, gain: number, uniform: () => number): Float32Array {
  if (!(Number.isInteger(rows) && Number.isInteger(cols) && rows > 0 && cols > 0)) throw new RangeError(`orthogonalMatrix: bad shape ${rows}×${cols}`);
  const m = Math.max(rows, cols);
  const n = Math.min(rows, cols);
  const normal = normalSampler(uniform);
  // A is m×n, stored column by column so each Householder reflection walks contiguous memory.
  const a = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) a[j * m + i] = normal();
  const vs = new Float64Array(m * n);
  const diagSign = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const col = k * m;
    let norm = 0;
    for (let i = k; i < m; i++) norm += a[col + i] * a[col + i];
    norm = Math.sqrt(norm);
    // R[k][k] = alpha; reflect x onto alpha·e_k with v = x − alpha·e_k, alpha of the opposite sign to x_k.
    const alpha = a[col + k] > 0 ? -norm : norm;
    const v = vs.subarray(k * m, k * m + m);
    for (let i = k; i < m; i++) v[i] = a[col + i];
    v[k] -= alpha;
    let vNorm = 0;
    for (let i = k; i < m; i++) vNorm += v[i] * v[i];
    vNorm = Math.sqrt(vNorm);
    if (vNorm > 0) for (let i = k; i < m; i++) v[i] /= vNorm;
    diagSign[k] = alpha < 0 ? -1 : 1;
    for (let j = k + 1; j < n; j++) {
      const cj = j * m;
      let dot = 0;
      for (let i = k; i < m; i++) dot += v[i] * a[cj + i];
      dot *= 2;
      for (let i = k; i < m; i++) a[cj + i] -= dot * v[i];
    }
  }
  // Q (m×n, by columns) = H_0 · … · H_{n−1} applied to the first n columns of the identity.
  const q = new Float64Array(m * n);
  for (let j = 0; j < n; j++) q[j * m + j] = 1;
  for (let k = n - 1; k >= 0; k--) {
    const v = vs.subarray(k * m, k * m + m);
    for (let j = k; j < n; j++) {
      const cj = j * m;
      let dot = 0;
      for (let i = k; i < m; i++) dot += v[i] * q[cj + i];
      dot *= 2;
      if (dot !== 0) for (let i = k; i < m; i++) q[cj + i] -= dot * v[i];
    }
  }
  const out = new Float32Array(rows * cols);
  for (let j = 0; j < n; j++) {
    const scale = gain * diagSign[j];
    for (let i = 0; i < m; i++) {
      const value = q[j * m + i] * scale;
      // Q is m×n; the result is Q (rows ≥ cols) or Qᵀ (rows < cols).
      if (rows >= cols) out[i * cols + j] = value;
      else out[j * cols + i] = value;
    }
  }
  return out;
}

/** tf.initializers.orthogonal({ seed, gain }) with a fast apply; serialises as tfjs's Orthogonal. */
export function fastOrthogonal(tf: Tf, args: { seed?: number; gain?: number }): ReturnType<Tf['initializers']['orthogonal']> {
  const base = tf.initializers.orthogonal(args);
  const Orthogonal = base.constructor as new (a: { seed?: number; gain?: number }) => typeof base & { gain: number; seed?: number };
  class FastOrthogonal extends Orthogonal {
    apply(shape: Shape, dtype?: string): Tensor {
      if (shape.length < 2) throw new Error(`Orthogonal initializer: shape must be at least 2D, got [${shape.join(', ')}]`);
      if (dtype !== undefined && dtype !== 'float32') throw new TypeError(`Orthogonal initializer: unsupported data type ${dtype}`);
      const rows = shape.slice(0, -1).reduce((p, d) => p * d, 1);
      const cols = shape[shape.length - 1];
      const uniform = this.seed === undefined ? Math.random : seededRandom(this.seed);
      return tf.tensor(orthogonalMatrix(rows, cols, this.gain, uniform), shape, 'float32');
    }
  }
  return new FastOrthogonal(args);
}
