/**
 * Data-parallel training on two cores: the training thread runs one half of each batch, a worker
 * thread the other half, on the same weights. Both networks live in one shared memory: the worker's
 * kernels attach to a spare region of the training thread's. The worker gathers from the training
 * thread's embedding table and copies its other weights when they changed; the training thread adds
 * the worker's gradients in place (SIMD kernels, no copies). Each half computes its share of the
 * whole batch's mean gradient, so merging is a plain sum; then one Adam step runs on the training
 * thread: the same update as a single-thread step, up to the order of float additions. Commands reach
 * the worker through shared memory (parallelProtocol.ts), not messages: a message and its event-loop
 * turn cost 0.05–0.15 ms each way, a few percent of a small model's step.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { ChannelEndpoint } from '../../shared/channel';
import { RpcError } from '../../shared/rpc';
import { createNet } from './createNet';
import { regionBytes } from '../../core/kernels/arena';
import { RecurrentNet, type NetConfig, type NetOptions } from '../../core/network';
import { channelViews, Command, CONTROL_BYTES, rebase, spinWhile, Word, type Channel, type SharedBuffers, threadTransport, TRAINER_SIDE, WORKER_SIDE } from './parallelProtocol';

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

/** Rows [from, to) of a batch, cut to `used` columns, into `out` (a new array when not given). */
function slice(ids: Int32Array, time: number, from: number, to: number, used: number, out: Int32Array<ArrayBufferLike> = new Int32Array((to - from) * used)): Int32Array<ArrayBufferLike> {
  for (let b = from; b < to; b++) out.set(ids.subarray(b * time, b * time + used), (b - from) * used);
  return out;
}

/** The worker network's options say "the embedding table is someone else's" (the arena sizing only asks whether there is one). */
const EXTERNAL_TABLE = new Float32Array(0);

/** How long the training thread blocks in Atomics.wait for the worker before it waits in event-loop turns instead (where a worker's exit is heard). */
const BLOCKING_WAIT_MS = 100;

/** A RecurrentNet that trains on one or two threads. */
export class ParallelNet {
  private readonly channel: Channel | undefined;
  /** The number of the last command sent. */
  private seq = 0;
  /** Commands go one at a time: a call waits for the one before it. */
  private lock: Promise<void> = Promise.resolve();
  /** The worker's dense gradients and embedding-gradient rows, in place in the shared memory. */
  private readonly peer: { gradients: Float32Array[]; embeddingRows: Float32Array } | undefined;

  private constructor(
    readonly net: RecurrentNet,
    private worker: Worker | undefined,
    private rpc: ChannelEndpoint<typeof TRAINER_SIDE, typeof WORKER_SIDE> | undefined,
    shared: { buffers: SharedBuffers; gradients: Float32Array[]; embeddingRows: Float32Array } | undefined,
    readonly kernelName: string,
  ) {
    worker?.on('exit', (code) => this.workerStopped(`it exited with code ${code}`));
    worker?.on('error', (err) => this.workerStopped(err.message));
    if (shared) {
      this.channel = channelViews(shared.buffers);
      // The worker's arrays arrive as views of another object for the memory: see them through this thread's.
      const base = net.embedding.buffer;
      this.peer = { gradients: shared.gradients.map((g) => rebase(g, base)), embeddingRows: rebase(shared.embeddingRows, base) };
      // The worker's command loop; it answers only when stopped.
      rpc?.request('serve', {}).catch(() => undefined);
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
    const workerBatch = Math.ceil(options.maxBatch / 2);
    const workerOptions: NetOptions = { maxBatch: workerBatch, maxTime: options.maxTime, embedding: EXTERNAL_TABLE };
    // One memory for both networks: the worker's kernels attach to a spare region of this one's.
    const net = await createNet(config, { ...options, kernelMemory: { spareBytes: regionBytes(RecurrentNet.arenaFloats(config, workerOptions)) } });
    const sharing = net.kernelSharing;
    if (!sharing) {
      console.error('Training on one thread: the kernels\' memory is not shared memory');
      return new ParallelNet(net, undefined, undefined, undefined, net.kernelName);
    }
    const maxRows = workerBatch * options.maxTime;
    const buffers: SharedBuffers = {
      embedding: net.embedding,
      weights: net.weightArrays().slice(1),
      embeddingIds: new SharedArrayBuffer(maxRows * 4),
      control: new SharedArrayBuffer(CONTROL_BYTES),
      ids: new SharedArrayBuffer(maxRows * 4),
      labels: new SharedArrayBuffer(workerBatch * 4),
      probs: new SharedArrayBuffer(workerBatch * config.classes * 4),
    };
    // Its heap sizes follow the process's V8 flags (the engine starts with ENGINE_NODE_FLAGS).
    const worker = new Worker(script);
    const rpc = new ChannelEndpoint(threadTransport(worker), TRAINER_SIDE, WORKER_SIDE, undefined, 'the kernel worker');
    const failed = new Promise<never>((_, reject) => {
      worker.once('error', (err) => reject(err));
      worker.once('exit', (code) => reject(new Error(`the kernel worker exited (${code})`)));
    });
    try {
      const init = { config, maxBatch: workerBatch, maxTime: options.maxTime, memory: sharing.memory, at: sharing.spareAt, kernels: net.kernelName, buffers };
      const { kernels, gradients, embeddingRows } = await Promise.race([rpc.request('init', init), failed]);
      return new ParallelNet(net, worker, rpc, { buffers, gradients, embeddingRows }, `${kernels}×2`);
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

  /** Runs `f` after the commands before it finished. */
  private async exclusive<T>(f: () => Promise<T>): Promise<T> {
    const before = this.lock;
    let release!: () => void;
    this.lock = new Promise((resolve) => (release = resolve));
    await before;
    try {
      return await f();
    } finally {
      release();
    }
  }

  /** Throws unless a batch fits the buffers (the worker's share included). */
  private checkFits(ids: Int32Array, batch: number, time: number): void {
    const { maxBatch, maxTime } = this.net.options;
    if (batch > maxBatch || time > maxTime || ids.length !== batch * time) {
      throw new Error(`Batch ${batch}×${time} (${ids.length} ids) does not fit the network's buffers (${maxBatch}×${maxTime})`);
    }
  }

  /** Writes the worker's part of a batch (rows [from, batch), `used` columns) and starts `kind` on it; returns the command's number. */
  private send(channel: Channel, kind: number, ids: Int32Array, time: number, from: number, batch: number, used: number, meanOver = 0): number {
    const c = channel.control;
    slice(ids, time, from, batch, used, channel.ids);
    c[Word.kind] = kind;
    c[Word.batch] = batch - from;
    c[Word.time] = used;
    c[Word.meanOver] = meanOver;
    c[Word.weightsVersion] = this.net.revision;
    const seq = ++this.seq;
    Atomics.store(c, Word.seq, seq);
    Atomics.notify(c, Word.seq);
    return seq;
  }

  /**
   * Waits until the worker finished command `seq`: true when it did (throws its error if it failed),
   * false when the worker stopped first.
   */
  private async finished(channel: Channel, seq: number): Promise<boolean> {
    const c = channel.control;
    // Commands run one at a time, so the done word holds seq − 1 until the worker finishes this one.
    if (spinWhile(c, Word.done, seq - 1) !== seq) {
      const started = performance.now();
      for (let now = Atomics.load(c, Word.done); now !== seq; now = Atomics.load(c, Word.done)) {
        if (!this.worker) return false;
        if (performance.now() - started < BLOCKING_WAIT_MS) Atomics.wait(c, Word.done, now, 5);
        else await new Promise((resolve) => setTimeout(resolve, 1));
      }
    }
    if (c[Word.failed]) {
      const message = new TextDecoder().decode(channel.message.slice(0, c[Word.messageLength]));
      throw new Error(`the kernel worker failed: ${message}`);
    }
    return true;
  }

  /** One Adam step on a right-padded batch split between the threads: mean loss and correct count. */
  async trainStep(ids: Int32Array, labels: Int32Array, batch: number, time: number): Promise<{ loss: number; correct: number }> {
    const channel = this.channel;
    if (!channel || !this.worker || batch < 2) return this.net.trainStepWithAccuracy(ids, labels, batch, time);
    this.checkFits(ids, batch, time);
    if (labels.length < batch) throw new Error(`Expected ${batch} labels, got ${labels.length}`);
    return this.exclusive(async () => {
      if (!this.worker) return this.net.trainStepWithAccuracy(ids, labels, batch, time);
      const b1 = Math.ceil(batch / 2);
      const b2 = batch - b1;
      const t1 = usedTime(ids, time, 0, b1);
      const t2 = usedTime(ids, time, b1, batch);
      channel.labels.set(labels.subarray(b1, batch));
      // Each half computes its share of the whole batch's mean gradient: merging is a plain sum.
      const seq = this.send(channel, Command.gradients, ids, time, b1, batch, t2, batch);
      const local = this.net.computeGradients(slice(ids, time, 0, b1, t1), labels.slice(0, b1), b1, t1, batch);
      if (!(await this.finished(channel, seq))) return this.net.trainStepWithAccuracy(ids, labels, batch, time);
      const c = channel.control;
      const peer = this.peer!;
      this.net.addPeerGradients(peer.gradients);
      this.net.addEmbeddingGradient(channel.embeddingIds, peer.embeddingRows, c[Word.rows]);
      this.net.applyAdam();
      return { loss: (b1 / batch) * local.loss + (b2 / batch) * channel.loss[0], correct: local.correct + c[Word.correct] };
    });
  }

  /**
   * Probabilities [batch*classes]: with a worker, the threads read half the batch each (each row's
   * numbers do not depend on the rows beside it, so the result is the same as one thread's).
   */
  async predict(ids: Int32Array, batch: number, time: number): Promise<Float32Array> {
    const channel = this.channel;
    if (!channel || !this.worker || batch < 2) return this.predictHere(ids, batch, time);
    this.checkFits(ids, batch, time);
    return this.exclusive(async () => {
      if (!this.worker) return this.predictHere(ids, batch, time);
      const b1 = Math.ceil(batch / 2);
      const t1 = usedTime(ids, time, 0, b1);
      const t2 = usedTime(ids, time, b1, batch);
      const seq = this.send(channel, Command.predict, ids, time, b1, batch, t2);
      const local = this.net.predict(slice(ids, time, 0, b1, t1), b1, t1);
      if (!(await this.finished(channel, seq))) return this.predictHere(ids, batch, time);
      const C = this.net.config.classes;
      const out = new Float32Array(batch * C);
      out.set(local);
      out.set(channel.probs.subarray(0, (batch - b1) * C), b1 * C);
      return out;
    });
  }

  /**
   * Probabilities [batch*classes] on this thread alone. With a worker, in parts of at most half the
   * batch size: training only ever touches that many rows of this thread's buffers.
   */
  predictHere(ids: Int32Array, batch: number, time: number): Float32Array {
    const part = this.channel ? Math.ceil(this.net.options.maxBatch / 2) : batch;
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
    const { rpc, worker, channel } = this;
    this.rpc = undefined;
    this.worker = undefined;
    if (worker && channel) {
      channel.control[Word.kind] = Command.stop;
      Atomics.store(channel.control, Word.seq, ++this.seq);
      Atomics.notify(channel.control, Word.seq);
    }
    rpc?.close();
    void worker?.terminate();
    this.net.dispose();
  }
}
