/**
 * The embedding's sparse gradient for one batch: one row per distinct looked-up id (padding excluded),
 * summed on the kernels, merged with another thread's rows, and turned into a lazy Adam step that reads
 * and writes only those rows of the table and its moments.
 */
import type { AdamStep, Kernels } from './kernels/contract';

/** The arena arrays the bookkeeping works in (laid out by the network). */
export interface EmbeddingGradientBuffers {
  /** Per row t·B+b of the batch: the gradient row it adds to, or −1 (padding); also the row slots of a merge. */
  rowSlots: Float32Array;
  /** The gradient rows [rows, E] (views of it are handed out: valid until the next batch). */
  rows: Float32Array;
  /** Where another thread's rows are copied before they are added, and the ids handed to Adam, [rows, E] and [rows]. */
  staging: Float32Array;
  adamIds: Float32Array;
}

/** The pending embedding gradient of one network. */
export class EmbeddingGradient {
  /** The row of each vocabulary id in this batch (−1: none). */
  private readonly slot: Int32Array;
  /** The ids with a row, in order of first use. */
  private readonly ids: Int32Array;
  private count = 0;

  constructor(
    private readonly kernels: Kernels,
    private readonly E: number,
    private readonly vocabSize: number,
    maxRows: number,
    private readonly buffers: EmbeddingGradientBuffers,
  ) {
    this.slot = new Int32Array(vocabSize).fill(-1);
    this.ids = new Int32Array(maxRows);
  }

  /**
   * Sums dX (the gradient of the looked-up rows, [T·B, E], time-major) into one row per id of `ids`
   * ([B, T], row-major), ids in order of first use; returns the row count. Drops what was pending.
   */
  gather(ids: Int32Array, B: number, T: number, dX: Float32Array): number {
    this.discard();
    const { E, slot, vocabSize } = this;
    const { rowSlots, rows } = this.buffers;
    let count = 0;
    for (let t = 0; t < T; t++) {
      for (let b = 0; b < B; b++) {
        const id = ids[b * T + t];
        let k = -1;
        if (id > 0 && id < vocabSize) {
          k = slot[id];
          if (k < 0) {
            k = slot[id] = count;
            this.ids[count++] = id;
          }
        }
        rowSlots[t * B + b] = k;
      }
    }
    rows.fill(0, 0, count * E);
    this.kernels.scatterAddRows(T * B, E, dX, rowSlots, rows);
    this.count = count;
    return count;
  }

  /** The pending rows: ids [rows] and their gradient rows [rows, E] (views, valid until the next batch). */
  pending(): { ids: Int32Array; rows: Float32Array } {
    return { ids: this.ids.subarray(0, this.count), rows: this.buffers.rows.subarray(0, this.count * this.E) };
  }

  /** Adds another thread's rows (ids[i] → rows[i·E …]) to the pending ones; rows in this memory are added in place. */
  add(ids: Int32Array, rows: Float32Array, n: number): void {
    const { E, slot } = this;
    const { rowSlots, staging, rows: own } = this.buffers;
    if (n > rowSlots.length || n * E > staging.length) throw new RangeError(`${n} embedding rows exceed the network's buffers`);
    let count = this.count;
    for (let i = 0; i < n; i++) {
      const id = ids[i];
      let k = slot[id];
      if (k < 0) {
        if (count === this.ids.length) throw new RangeError('more distinct embedding ids than the buffers hold');
        k = slot[id] = count;
        this.ids[count++] = id;
        own.fill(0, k * E, k * E + E);
      }
      rowSlots[i] = k;
    }
    this.count = count;
    let source = rows;
    if (rows.buffer !== own.buffer) {
      staging.set(rows.subarray(0, n * E));
      source = staging;
    }
    this.kernels.scatterAddRows(n, E, source, rowSlots, own);
  }

  /** Drops the pending rows. */
  discard(): void {
    for (let i = 0; i < this.count; i++) this.slot[this.ids[i]] = -1;
    this.count = 0;
  }

  /**
   * One lazy Adam step on the pending rows of `table` (moments m, v [vocab, E]): the rows become their
   * changes in place, added by the kernels when the table is in their memory, else here. Then drops them.
   */
  applyAdam(step: AdamStep, table: Float32Array, m: Float32Array, v: Float32Array, tableInKernels: boolean): void {
    const { E, count: n } = this;
    const { adamIds, rows } = this.buffers;
    for (let i = 0; i < n; i++) adamIds[i] = this.ids[i];
    this.kernels.adamRows(n, E, adamIds, rows, m, v, step);
    if (tableInKernels) {
      this.kernels.scatterAddRows(n, E, rows, adamIds, table);
    } else {
      for (let i = 0; i < n; i++) {
        const dst = this.ids[i] * E;
        const src = i * E;
        for (let e = 0; e < E; e++) table[dst + e] += rows[src + e];
      }
    }
    this.discard();
  }
}
