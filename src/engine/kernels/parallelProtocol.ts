/** Messages between the engine's training thread and its kernel worker, and the shared-memory layout they use. */
import type { NetConfig } from './network';

/** Shared buffers: the embedding table, the other weights (main → worker) and the worker's gradients (worker → main). */
export interface SharedBuffers {
  embedding: SharedArrayBuffer;
  /** Every weight array but the embedding, concatenated in getWeights() order. */
  weights: SharedArrayBuffer;
  /** The worker's dense gradients, same layout as `weights`. */
  gradients: SharedArrayBuffer;
  /** The worker's embedding gradient: ids (Int32, maxRows) then rows (Float32, maxRows × E). */
  embeddingIds: SharedArrayBuffer;
  embeddingRows: SharedArrayBuffer;
}

/** Methods the worker serves. */
export type WorkerMethods = {
  /** Build the worker's network on the shared buffers. */
  init: { params: { config: NetConfig; maxBatch: number; maxTime: number; buffers: SharedBuffers }; result: { kernels: string } };
  /** Loss and gradients of the worker's part of a batch (weights read from the shared buffer first when their version changed). */
  gradients: { params: { ids: Int32Array; labels: Int32Array; batch: number; time: number; meanOver: number; weightsVersion: number }; result: { loss: number; correct: number; rows: number } };
  /** Probabilities of the worker's part of a batch. */
  predict: { params: { ids: Int32Array; batch: number; time: number; weightsVersion: number }; result: { probs: Float32Array } };
};
