/**
 * Data-parallel training on two cores: the training thread runs one half of each batch, a worker
 * thread the other half, on the same weights (the embedding table is shared memory; the other
 * weights are published to shared memory once per step). The gradients are combined in proportion to
 * each half's rows, then one Adam step runs on the training thread: the same update as a single-thread
 * step, up to the order of float additions.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { RpcEndpoint, RpcError } from '../../shared/rpc';
import { createNet } from './createNet';
import type { NetConfig, NetOptions, RecurrentNet } from './network';
import type { SharedBuffers, WorkerMethods } from './parallelProtocol';

/** Where the bundled worker script is: beside this bundle, or in the repository's dist/ (tests run from src). */
function workerScript(): string | undefined {
  const beside = path.join(__dirname, 'kernelWorker.js');
  if (fs.existsSync(beside)) return beside;
  for (let dir = __dirname; path.dirname(dir) !== dir; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) {
      const built = path.join(dir, 'dist', 'kernelWorker.js');
      return fs.existsSync(built) ? built : undefined;
    }
  }
  return undefined;
}

/** Threads to use: RNN_LENS_THREADS, else 2 when the machine has two or more cores. */
export function defaultThreads(): number {
  const forced = Number(process.env.RNN_LENS_THREADS);
  if (Number.isInteger(forced) && forced >= 1) return Math.min(forced, 2);
  return (os.availableParallelism?.() ?? os.cpus().length) >= 2 ? 2 : 1;
}

/** The last non-padding column of rows [from, to) of a right-padded batch, plus one. */
function usedTime(ids: Int32Array, time: number, from: number, to: number): number {
  let used = 1;
  for (let b = from; b < to; b++) {
    for (let t = time - 1; t >= used; t--) {
      if (ids[b * time + t] !== 0) {
        used = t + 1;
        break;
      }
    }
  }
  return used;
}

/** Rows [from, to) of a batch, cut to `used` columns. */
function slice(ids: Int32Array, time: number, from: number, to: number, used: number): Int32Array {
  const out = new Int32Array((to - from) * used);
  for (let b = from; b < to; b++) out.set(ids.subarray(b * time, b * time + used), (b - from) * used);
  return out;
}

/** A RecurrentNet that trains on one or two threads. */
export class ParallelNet {
  private weightViews: Float32Array[] = [];
  private gradientViews: Float32Array[] = [];
  private embeddingIds: Int32Array | undefined;
  private embeddingRows: Float32Array | undefined;
  /** The revision of the weights in the shared buffer (−1: none yet); the worker compares it to skip copying unchanged weights. */
  private publishedRevision = -1;

  private constructor(
    readonly net: RecurrentNet,
    private worker: Worker | undefined,
    private rpc: RpcEndpoint<Record<string, never>, WorkerMethods> | undefined,
    buffers: SharedBuffers | undefined,
    readonly kernelName: string,
  ) {
    worker?.on('exit', (code) => this.workerStopped(`it exited with code ${code}`));
    worker?.on('error', (err) => this.workerStopped(err.message));
    if (buffers) {
      const dense = net.weightArrays().slice(1);
      let offset = 0;
      for (const a of dense) {
        this.weightViews.push(new Float32Array(buffers.weights, offset * 4, a.length));
        this.gradientViews.push(new Float32Array(buffers.gradients, offset * 4, a.length));
        offset += a.length;
      }
      this.embeddingIds = new Int32Array(buffers.embeddingIds);
      this.embeddingRows = new Float32Array(buffers.embeddingRows);
    }
  }

  /** Builds the network; with threads = 2 also the worker (falling back to one thread if it cannot start). */
  static async create(config: NetConfig, options: NetOptions & { threads?: number }): Promise<ParallelNet> {
    const threads = options.threads ?? defaultThreads();
    const script = threads >= 2 && options.maxBatch >= 2 ? workerScript() : undefined;
    if (!script) {
      const net = await createNet(config, options);
      return new ParallelNet(net, undefined, undefined, undefined, net.kernelName);
    }
    const E = config.embeddingSize;
    const embedding = new SharedArrayBuffer(config.vocabSize * E * 4);
    const net = await createNet(config, { ...options, embedding: new Float32Array(embedding) });
    const denseFloats = net.weightArrays().slice(1).reduce((n, a) => n + a.length, 0);
    const maxRows = Math.ceil(options.maxBatch / 2) * options.maxTime;
    const buffers: SharedBuffers = {
      embedding,
      weights: new SharedArrayBuffer(denseFloats * 4),
      gradients: new SharedArrayBuffer(denseFloats * 4),
      embeddingIds: new SharedArrayBuffer(maxRows * 4),
      embeddingRows: new SharedArrayBuffer(maxRows * E * 4),
    };
    // Its heap sizes follow the process's V8 flags (the engine starts with ENGINE_NODE_FLAGS).
    const worker = new Worker(script);
    const rpc = new RpcEndpoint<Record<string, never>, WorkerMethods>({
      send: (m) => worker.postMessage(m),
      listen: (l) => {
        worker.on('message', l);
        return () => worker.off('message', l);
      },
    });
    const failed = new Promise<never>((_, reject) => {
      worker.once('error', (err) => reject(err));
      worker.once('exit', (code) => reject(new Error(`the kernel worker exited (${code})`)));
    });
    try {
      const { kernels } = await Promise.race([rpc.request('init', { config, maxBatch: Math.ceil(options.maxBatch / 2), maxTime: options.maxTime, buffers }), failed]);
      return new ParallelNet(net, worker, rpc, buffers, `${kernels}×2`);
    } catch (err) {
      rpc.close();
      void worker.terminate();
      console.error(`Training on one thread: the kernel worker did not start (${(err as Error).message})`);
      return new ParallelNet(net, undefined, undefined, undefined, net.kernelName);
    }
  }

  /**
   * A worker that stops while training (killed, out of memory) leaves this thread to go on alone: its
   * buffers hold a whole batch, and a step or prediction in flight is redone here.
   */
  private workerStopped(reason: string): void {
    const rpc = this.rpc;
    if (!rpc) return;
    this.rpc = undefined;
    this.worker = undefined;
    rpc.close(new RpcError(`the kernel worker stopped: ${reason}`, 'closed'));
    console.error(`Training goes on on one thread: the kernel worker stopped (${reason})`);
  }

  /** Publishes the dense weights to the worker when they changed since the last time (an Adam step changes them). */
  private publishWeights(): void {
    if (this.publishedRevision === this.net.revision) return;
    const dense = this.net.weightArrays();
    this.weightViews.forEach((v, i) => v.set(dense[i + 1]));
    this.publishedRevision = this.net.revision;
  }

  /** One Adam step on a right-padded batch split between the threads: mean loss and correct count. */
  async trainStep(ids: Int32Array, labels: Int32Array, batch: number, time: number): Promise<{ loss: number; correct: number }> {
    if (!this.rpc || batch < 2) return this.net.trainStepWithAccuracy(ids, labels, batch, time);
    const b1 = Math.ceil(batch / 2);
    const b2 = batch - b1;
    const t1 = usedTime(ids, time, 0, b1);
    const t2 = usedTime(ids, time, b1, batch);
    this.publishWeights();
    // Each half computes its share of the whole batch's mean gradient: merging is a plain sum.
    const remote = this.rpc.request('gradients', { ids: slice(ids, time, b1, batch, t2), labels: labels.slice(b1), batch: b2, time: t2, meanOver: batch, weightsVersion: this.publishedRevision });
    const local = this.net.computeGradients(slice(ids, time, 0, b1, t1), labels.slice(0, b1), b1, t1, batch);
    let other: Awaited<typeof remote>;
    try {
      other = await remote;
    } catch (err) {
      if (this.rpc) throw err;
      return this.net.trainStepWithAccuracy(ids, labels, batch, time);
    }
    const w1 = b1 / batch;
    const w2 = b2 / batch;
    this.net.denseGradients().forEach((g, i) => {
      const o = this.gradientViews[i];
      for (let k = 0; k < g.length; k++) g[k] += o[k];
    });
    this.net.addEmbeddingGradient(this.embeddingIds!, this.embeddingRows!, other.rows);
    this.net.applyAdam();
    return { loss: w1 * local.loss + w2 * other.loss, correct: local.correct + other.correct };
  }

  /**
   * Probabilities [batch*classes]: with a worker, the threads read half the batch each (each row's
   * numbers do not depend on the rows beside it, so the result is the same as one thread's).
   */
  async predict(ids: Int32Array, batch: number, time: number): Promise<Float32Array> {
    if (!this.rpc || batch < 2) return this.predictHere(ids, batch, time);
    const b1 = Math.ceil(batch / 2);
    const t1 = usedTime(ids, time, 0, b1);
    const t2 = usedTime(ids, time, b1, batch);
    this.publishWeights();
    const remote = this.rpc.request('predict', { ids: slice(ids, time, b1, batch, t2), batch: batch - b1, time: t2, weightsVersion: this.publishedRevision });
    const local = this.net.predict(slice(ids, time, 0, b1, t1), b1, t1);
    let probs: Float32Array;
    try {
      ({ probs } = await remote);
    } catch (err) {
      if (this.rpc) throw err;
      return this.predictHere(ids, batch, time);
    }
    const C = this.net.config.classes;
    const out = new Float32Array(batch * C);
    out.set(local);
    out.set(probs, b1 * C);
    return out;
  }

  /**
   * Probabilities [batch*classes] on this thread alone. With a worker, in parts of at most half the
   * batch size: training only ever touches that many rows of this thread's buffers.
   */
  predictHere(ids: Int32Array, batch: number, time: number): Float32Array {
    const part = this.rpc ? Math.ceil(this.net.options.maxBatch / 2) : batch;
    if (batch <= part) return this.net.predict(ids, batch, time);
    const C = this.net.config.classes;
    const out = new Float32Array(batch * C);
    for (let from = 0; from < batch; from += part) {
      const rows = Math.min(part, batch - from);
      out.set(this.net.predict(ids.subarray(from * time, (from + rows) * time), rows, time), from * C);
    }
    return out;
  }

  /** Stops the worker. */
  dispose(): void {
    const { rpc, worker } = this;
    this.rpc = undefined;
    this.worker = undefined;
    rpc?.close();
    void worker?.terminate();
    this.net.dispose();
  }
}
