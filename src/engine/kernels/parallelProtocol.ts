/**
 * How the engine's training thread and its kernel worker talk: an `init` request (WORKER_SIDE), then a command
 * channel in shared memory (one word to start a command, one to say it is done, Atomics.wait and
 * notify in between) that carries every training step and prediction without a message.
 */
import { z } from 'zod';
import { CELL_KINDS } from '../../core/cells';
import type { KernelMemory } from '../../core/kernels/contract';
import type { NetConfig } from '../../core/network';
import { checked, empty, NOTHING, request, type ChannelSide, type Schema } from '../../shared/channel';
import type { RpcTransport } from '../../shared/rpc';

/**
 * What the two threads share besides the kernels' memory. Both networks live in one shared memory
 * (the worker's kernels attach to the spare region of the training thread's): the worker gathers from
 * the training thread's embedding table and copies its other weights when they changed; the training
 * thread reads the worker's gradients in place.
 */
export interface SharedBuffers {
  /** The training thread's embedding table (a view of the kernels' memory). */
  embedding: Float32Array;
  /** Its other weights, in getWeights() order (views of the kernels' memory). */
  weights: Float32Array[];
  /** The ids of the worker's embedding-gradient rows [maxRows] (Int32; the rows stay in the worker's arena). */
  embeddingIds: SharedArrayBuffer;
  /** The command channel: CONTROL_WORDS Int32 words, the loss (Float64 at LOSS_BYTE), an error message (bytes from MESSAGE_BYTE). */
  control: SharedArrayBuffer;
  /** The worker's part of a batch: ids [maxRows] (Int32). */
  ids: SharedArrayBuffer;
  /** Its labels [maxBatch] (Int32). */
  labels: SharedArrayBuffer;
  /** Its probabilities [maxBatch × classes] (Float32). */
  probs: SharedArrayBuffer;
}

/** A view of the same floats on another object for the same shared memory (one posted to a thread arrives as a new object, which the kernels would not take as theirs). */
export function rebase(view: Float32Array, buffer: ArrayBufferLike): Float32Array {
  return new Float32Array(buffer, view.byteOffset, view.length);
}

/** Typed views of the shared buffers, as both threads use them. */
export interface Channel {
  control: Int32Array;
  loss: Float64Array;
  message: Uint8Array;
  ids: Int32Array;
  labels: Int32Array;
  probs: Float32Array;
  embeddingIds: Int32Array;
}

/** The views of `buffers`. */
export function channelViews(buffers: SharedBuffers): Channel {
  return {
    control: new Int32Array(buffers.control, 0, LOSS_BYTE / 4),
    loss: new Float64Array(buffers.control, LOSS_BYTE, 1),
    message: new Uint8Array(buffers.control, MESSAGE_BYTE, MESSAGE_BYTES),
    ids: new Int32Array(buffers.ids),
    labels: new Int32Array(buffers.labels),
    probs: new Float32Array(buffers.probs),
    embeddingIds: new Int32Array(buffers.embeddingIds),
  };
}

/** Word indices of the control buffer's Int32 view. */
export const Word = {
  /** The number of the latest command (the training thread increments it and notifies). */
  seq: 0,
  /** The number of the latest command the worker finished (it stores it and notifies). */
  done: 1,
  /** What the latest command asks (Command). */
  kind: 2,
  /** Its batch rows, time steps, the row count the gradient is averaged over, and the weights' revision (RecurrentNet.revision). */
  batch: 3,
  time: 4,
  meanOver: 5,
  weightsVersion: 6,
  /** Results: correct predictions, embedding-gradient rows. */
  correct: 7,
  rows: 8,
  /** 1 when the command failed (the message is in the message bytes), else 0. */
  failed: 9,
  messageLength: 10,
} as const;

/** The commands. */
export const Command = {
  /** Loss and gradients of the worker's part of a batch: ids and labels in their buffers; the dense gradients, embedding rows, loss, correct count and row count come back. */
  gradients: 1,
  /** Probabilities of the worker's part of a batch into `probs`. */
  predict: 2,
  /** Leave the command loop. */
  stop: 3,
} as const;

export const CONTROL_WORDS = 16;
export const LOSS_BYTE = CONTROL_WORDS * 4;
export const MESSAGE_BYTE = LOSS_BYTE + 8;
export const MESSAGE_BYTES = 1024;
export const CONTROL_BYTES = MESSAGE_BYTE + MESSAGE_BYTES;

/**
 * How long a thread that waits for the other spins before it sleeps in Atomics.wait. Waking a
 * sleeping thread costs 0.05–0.1 ms here (more on a virtual machine, where the idle core halts), a
 * few percent of a small model's step; the waits between the threads are usually shorter than this.
 */
export const SPIN_MS = 1;

/** Spins while words[index] === value, for at most spinMs; returns the value it last read. */
export function spinWhile(words: Int32Array, index: number, value: number, spinMs = SPIN_MS): number {
  let now = Atomics.load(words, index);
  if (now !== value) return now;
  const until = performance.now() + spinMs;
  for (let n = 1; ; n++) {
    now = Atomics.load(words, index);
    if (now !== value || ((n & 1023) === 0 && performance.now() > until)) return now;
  }
}

const isFloats = (v: unknown) => (v instanceof Float32Array ? undefined : 'is not a Float32Array');
const isShared = (v: unknown) => (v instanceof SharedArrayBuffer ? undefined : 'is not a SharedArrayBuffer');
const floats = checked<Float32Array>(isFloats);
const shared = checked<SharedArrayBuffer>(isShared);
const count = z.number().int().min(0);

/** The shared buffers as they arrive in the worker (each view a Float32Array, each buffer shared). */
const sharedBuffersSchema: Schema<SharedBuffers> = z.object({
  embedding: floats,
  weights: z.array(floats),
  embeddingIds: shared,
  control: shared,
  ids: shared,
  labels: shared,
  probs: shared,
});

const netConfigSchema: Schema<NetConfig> = z.object({
  cell: z.enum(CELL_KINDS),
  vocabSize: z.number().int().min(2),
  embeddingSize: z.number().int().min(1),
  hiddenSize: z.number().int().min(1),
  layers: z.number().int().min(1),
  bidirectional: z.boolean(),
  classes: z.number().int().min(1),
  learningRate: z.number().positive(),
  seed: z.number().int(),
});

/** The kernel worker's side of the training thread ↔ worker channel (the worker's replies are checked by the training thread). */
export const WORKER_SIDE = {
  requests: {
    /** Build the worker's network on the shared buffers, its kernels attached to the spare region of the training thread's memory at `at`. */
    init: request({
      params: z.object({
        config: netConfigSchema,
        maxBatch: z.number().int().min(1),
        maxTime: z.number().int().min(1),
        memory: checked<KernelMemory>((v) => (v instanceof SharedArrayBuffer || v instanceof WebAssembly.Memory ? undefined : 'is not a shared memory')),
        at: count,
        kernels: z.string(),
        buffers: sharedBuffersSchema,
      }),
      /** The worker's kernels, its dense gradient arrays (denseGradients()) and its embedding-gradient rows (embeddingRowBuffer()), in the shared memory. */
      result: z.object({ kernels: z.string(), gradients: z.array(floats), embeddingRows: floats }),
    }),
    /** Run the command loop until a stop command (answers then). */
    serve: request({ params: empty, result: empty }),
  },
  events: {},
} satisfies ChannelSide;

/** The training thread serves nothing to the worker. */
export const TRAINER_SIDE = NOTHING;

/** A worker_threads port: the Worker on the training thread's side, parentPort on the worker's. */
export interface ThreadPort {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  off(event: 'message', listener: (message: unknown) => void): unknown;
}

/** The channel's transport over a thread port (both ends use it). */
export function threadTransport(port: ThreadPort): RpcTransport {
  return {
    send: (message) => port.postMessage(message),
    listen: (listener) => {
      port.on('message', listener);
      return () => port.off('message', listener);
    },
  };
}
