/// <reference types="@webgpu/types" />
// The recurrent classifier on the GPU: the same network as src/core/network.ts (embedding → stacked,
// optionally bidirectional LSTM / GRU / SimpleRNN with padding masks → dense softmax; BPTT; Adam with
// the embedding's lazy row update), laid out in GPU buffers and run as WGSL dispatches (shaders.ts, the
// GEMM of gemm.ts). A batch's forward pass, backward pass and Adam step are one submit; only the loss
// (and on request the probabilities, a capture or the weights) comes back. Equal to the CPU network within
// 1e-4 (test/unit/gpuNet.test.ts).
import { weightShapes, shapeSize } from '../../core/weightShapes';
import { ADAM, type DirectionCapture, type NetConfig } from '../../core/network';
import { CELL_SPECS } from '../../core/cells';
import type { GpuContext } from './device';
import { GpuGemm, type GpuMatrix } from './gemm';
import { f32bits, GpuKernel, ParamRing, type Access } from './kernel';
import * as S from './shaders';

/** Buffers of one direction of one layer. */
interface GpuDirection {
  input: number;
  /** Float offsets of W, U and b in the parameter (and gradient) buffer. */
  wOff: number;
  uOff: number;
  bOff: number;
  gates: GPUBuffer;
  dZ: GPUBuffer;
  /** c (LSTM) or r ⊙ h_{t−1} (GRU); a 4-byte stand-in for SimpleRNN. */
  state: GPUBuffer;
}

const STORAGE = 0x80; // GPUBufferUsage.STORAGE
const COPY_SRC = 0x04;
const COPY_DST = 0x08;
const MAP_READ = 0x01;

/** The kernels of the network, compiled once per device. */
class Pipelines {
  readonly gemm: GpuGemm;
  readonly lstmForward: GpuKernel;
  readonly gruForwardGates: GpuKernel;
  readonly gruForwardOutput: GpuKernel;
  readonly simpleForward: GpuKernel;
  readonly lstmBackward: GpuKernel;
  readonly gruBackwardGates: GpuKernel;
  readonly gruBackwardReset: GpuKernel;
  readonly simpleBackward: GpuKernel;
  readonly dzTimesUT: GpuKernel;
  readonly gather: GpuKernel;
  readonly head: GpuKernel;
  readonly headGradients: GpuKernel;
  readonly seedTop: GpuKernel;
  readonly sumRows: GpuKernel;
  readonly fillZero: GpuKernel;
  readonly adam: GpuKernel;
  readonly embeddingAdam: GpuKernel;

  constructor(device: GPUDevice, params: ParamRing, software: boolean) {
    const k = (label: string, code: string, access: Access[]) => new GpuKernel(device, params, label, code, access);
    const r = 'read' as const;
    const w = 'read_write' as const;
    // A software adapter pays for every workgroup and barrier: the largest tiles suit it best.
    this.gemm = new GpuGemm(device, params, software ? { threadTile: 4 } : {});
    this.lstmForward = k('lstm forward', S.LSTM_FORWARD, [r, r, w, w, w, w]);
    this.gruForwardGates = k('gru forward gates', S.GRU_FORWARD_GATES, [r, r, w, w, w]);
    this.gruForwardOutput = k('gru forward output', S.GRU_FORWARD_OUTPUT, [r, r, r, w, w, w]);
    this.simpleForward = k('simplernn forward', S.SIMPLE_FORWARD, [r, r, w, w, w]);
    this.lstmBackward = k('lstm backward', S.LSTM_BACKWARD, [r, r, r, r, r, w, w, w]);
    this.gruBackwardGates = k('gru backward gates', S.GRU_BACKWARD_GATES, [r, r, r, r, r, w, w]);
    this.gruBackwardReset = k('gru backward reset', S.GRU_BACKWARD_RESET, [r, r, r, r, w, w]);
    this.simpleBackward = k('simplernn backward', S.SIMPLE_BACKWARD, [r, r, r, r, w, w]);
    this.dzTimesUT = k('dz·Uᵀ', S.DZ_TIMES_UT, [r, r, w]);
    this.gather = k('gather', S.GATHER, [r, r, w]);
    this.head = k('head', S.HEAD, [r, r, r, w, w, w, w]);
    this.headGradients = k('head gradients', S.HEAD_GRADIENTS, [r, r, w]);
    this.seedTop = k('seed top', S.SEED_TOP, [r, r, w]);
    this.sumRows = k('sum rows', S.SUM_ROWS, [r, w]);
    this.fillZero = k('fill zero', S.FILL_ZERO, [w]);
    this.adam = k('adam', S.ADAM, [r, w, w, w]);
    this.embeddingAdam = k('embedding adam', S.EMBEDDING_ADAM, [r, r, w, w, w]);
  }
}

/** Workgroups for n threads of a 1-D kernel: [x, y] within the 65535-per-dimension limit (the kernels fold y back in). */
function flatGroups(n: number): [number, number] {
  const groups = Math.ceil(n / S.FLAT_GROUP);
  if (groups <= 65535) return [Math.max(groups, 1), 1];
  const x = 65535;
  return [x, Math.ceil(groups / x)];
}

/** The per-batch host data: ids time-major (out-of-vocabulary ids read as <unk>), mask, and the embedding's gradient rows by id. */
function batchRows(ids: Int32Array, B: number, T: number, V: number) {
  const rows = B * T;
  const rowIds = new Uint32Array(rows);
  const mask = new Float32Array(rows);
  for (let t = 0; t < T; t++) {
    for (let b = 0; b < B; b++) {
      let id = ids[b * T + t];
      if (id < 0 || id >= V) id = 1;
      rowIds[t * B + b] = id;
      mask[t * B + b] = id === 0 ? 0 : 1;
    }
  }
  return { rowIds, mask };
}

/**
 * The embedding gradient's bookkeeping, as the CPU's (src/core/embeddingGradient.ts): the distinct ids of the
 * batch in order of first use (time-major; padding and ids outside the vocabulary have no row) and, per id, the
 * rows that looked it up, in row order. Laid out as [ids (n), starts (n + 1), positions].
 */
export function embeddingIndex(ids: Int32Array, B: number, T: number, V: number): { n: number; index: Uint32Array<ArrayBuffer> } {
  const slotOf = new Map<number, number>();
  const order: number[] = [];
  const rowsOf: number[][] = [];
  for (let t = 0; t < T; t++) {
    for (let b = 0; b < B; b++) {
      const id = ids[b * T + t];
      if (!(id > 0 && id < V)) continue;
      let k = slotOf.get(id);
      if (k === undefined) {
        slotOf.set(id, (k = order.length));
        order.push(id);
        rowsOf.push([]);
      }
      rowsOf[k].push(t * B + b);
    }
  }
  const n = order.length;
  const total = rowsOf.reduce((a, r) => a + r.length, 0);
  const index = new Uint32Array(2 * n + 1 + Math.max(total, 1));
  index.set(order, 0);
  let at = 0;
  rowsOf.forEach((rows, k) => {
    index[n + k] = at;
    index.set(rows, 2 * n + 1 + at);
    at += rows.length;
  });
  index[2 * n] = at;
  return { n, index };
}

export interface GpuNetOptions {
  maxBatch: number;
  maxTime: number;
}

/** The network on one GPU device. Every method queues behind the one before it (the device works in order). */
export class GpuNet {
  readonly kernelName: string;
  private readonly device: GPUDevice;
  private readonly params: ParamRing;
  private readonly k: Pipelines;
  private readonly buffers: GPUBuffer[] = [];
  private readonly directions: GpuDirection[][] = [];
  /** Layer activations acts[0] (embeddings, [rows, E]) … acts[L] ([rows, D·H]) and their gradients. */
  private readonly acts: GPUBuffer[] = [];
  private readonly dActs: GPUBuffer[] = [];
  private readonly weights: GPUBuffer;
  private readonly grads: GPUBuffer;
  private readonly m: GPUBuffer;
  private readonly v: GPUBuffer;
  private readonly table: GPUBuffer;
  private readonly embM: GPUBuffer;
  private readonly embV: GPUBuffer;
  private readonly rowIds: GPUBuffer;
  private readonly mask: GPUBuffer;
  private readonly labels: GPUBuffer;
  private readonly embIndex: GPUBuffer;
  private readonly finalH: GPUBuffer;
  private readonly probs: GPUBuffer;
  private readonly dLogits: GPUBuffer;
  private readonly stats: GPUBuffer;
  /** dh carried between backward steps (two, swapped), dc carried, d(r ⊙ h_{t−1}). */
  private readonly carry: [GPUBuffer, GPUBuffer];
  private readonly dc: GPUBuffer;
  private readonly dRh: GPUBuffer;
  private readonly staging = new Map<number, GPUBuffer>();
  /** Float offsets of the head's weights in the parameter buffer, and how many dense parameters there are. */
  private readonly denseWOff: number;
  private readonly denseBOff: number;
  private readonly denseCount: number;
  private readonly shapes: number[][];
  private accBeta1 = 1;
  private accBeta2 = 1;
  private queue: Promise<unknown> = Promise.resolve();
  private lostReason: string | undefined;
  private disposed = false;

  private constructor(
    private readonly gpu: GpuContext,
    readonly config: NetConfig,
    readonly options: GpuNetOptions,
  ) {
    const device = (this.device = gpu.device);
    const { hiddenSize: H, embeddingSize: E, layers: L, classes: C, vocabSize: V, cell } = config;
    const G = CELL_SPECS[cell].gates.length;
    const D = config.bidirectional ? 2 : 1;
    const rows = options.maxBatch * options.maxTime;
    const B = options.maxBatch;
    // Per submit: forward ≤ 2 dispatches a step, backward ≤ 4, a handful more per direction, and the GEMM's.
    const perDirection = options.maxTime * 6 + 24;
    this.params = new ParamRing(device, L * D * perDirection + 64);
    this.k = new Pipelines(device, this.params, gpu.adapter.software);
    this.kernelName = `gpu-webgpu`;
    const buffer = (label: string, floats: number) => {
      const b = device.createBuffer({ label, size: Math.max(4, Math.ceil(floats) * 4), usage: STORAGE | COPY_SRC | COPY_DST });
      this.buffers.push(b);
      return b;
    };
    this.shapes = weightShapes(config);
    let off = 0;
    for (let l = 0; l < L; l++) {
      const input = l === 0 ? E : D * H;
      const dirs: GpuDirection[] = [];
      for (let d = 0; d < D; d++) {
        const wOff = off;
        const uOff = (off += input * G * H);
        const bOff = (off += H * G * H);
        off += G * H;
        dirs.push({
          input,
          wOff,
          uOff,
          bOff,
          gates: buffer(`gates ${l}.${d}`, rows * G * H),
          dZ: buffer(`dZ ${l}.${d}`, rows * G * H),
          state: buffer(`state ${l}.${d}`, cell === 'simplernn' ? 1 : rows * H),
        });
      }
      this.directions.push(dirs);
    }
    this.denseWOff = off;
    this.denseBOff = off += D * H * C;
    this.denseCount = off += C;
    this.weights = buffer('weights', this.denseCount);
    this.grads = buffer('gradients', this.denseCount);
    this.m = buffer('adam m', this.denseCount);
    this.v = buffer('adam v', this.denseCount);
    this.table = buffer('embedding', V * E);
    this.embM = buffer('embedding m', V * E);
    this.embV = buffer('embedding v', V * E);
    for (let l = 0; l <= L; l++) {
      const width = l === 0 ? E : D * H;
      this.acts.push(buffer(`acts ${l}`, rows * width));
      this.dActs.push(buffer(`dActs ${l}`, rows * width));
    }
    this.rowIds = buffer('row ids', rows);
    this.mask = buffer('mask', rows);
    this.labels = buffer('labels', B);
    this.embIndex = buffer('embedding index', 3 * rows + 1);
    this.finalH = buffer('final h', B * D * H);
    this.probs = buffer('probabilities', B * C);
    this.dLogits = buffer('dlogits', B * C);
    this.stats = buffer('loss and hits', 2 * B);
    this.carry = [buffer('dh carry a', B * H), buffer('dh carry b', B * H)];
    this.dc = buffer('dc carry', B * H);
    this.dRh = buffer('d(r⊙h)', B * H);
    device.lost.then((info) => {
      if (!this.disposed) this.lostReason = `the GPU device was lost (${info.reason}${info.message ? `: ${info.message}` : ''})`;
    });
  }

  /** A network with zero weights on `gpu` (set real ones with setWeights). */
  static async create(gpu: GpuContext, config: NetConfig, options: GpuNetOptions): Promise<GpuNet> {
    const device = gpu.device;
    device.pushErrorScope('validation');
    device.pushErrorScope('out-of-memory');
    let net: GpuNet | undefined;
    let thrown: unknown;
    try {
      net = new GpuNet(gpu, config, options);
    } catch (err) {
      thrown = err;
    }
    const oom = await device.popErrorScope();
    const invalid = await device.popErrorScope();
    const error = oom ?? invalid;
    if (thrown || error) {
      net?.dispose();
      throw new Error(`The GPU network could not be made: ${error ? error.message : (thrown as Error).message}`);
    }
    return net!;
  }

  /** Why the device cannot be used any more, or undefined. */
  get lost(): string | undefined {
    return this.lostReason;
  }

  /** Shapes of the weights in tfjs-layers getWeights() order. */
  weightShapes(): number[][] {
    return this.shapes.map((s) => s.slice());
  }

  /** Copies weights in (tfjs-layers getWeights() order and layout); the optimizer starts over. */
  setWeights(values: ArrayLike<number>[]): void {
    if (values.length !== this.shapes.length) throw new Error(`Expected ${this.shapes.length} weight arrays, got ${values.length}`);
    values.forEach((v, i) => {
      if (v.length !== shapeSize(this.shapes[i])) throw new Error(`Weight ${i} has ${v.length} values; expected ${shapeSize(this.shapes[i])}`);
    });
    const q = this.device.queue;
    q.writeBuffer(this.table, 0, Float32Array.from(values[0]));
    const dense = new Float32Array(this.denseCount);
    let off = 0;
    for (let i = 1; i < values.length; i++) {
      dense.set(values[i], off);
      off += values[i].length;
    }
    q.writeBuffer(this.weights, 0, dense);
  }

  /** Copies of the weights (tfjs-layers getWeights() order and layout). */
  getWeights(): Promise<Float32Array[]> {
    return this.serial(async () => {
      const [table, dense] = await this.read([
        [this.table, 0, this.config.vocabSize * this.config.embeddingSize],
        [this.weights, 0, this.denseCount],
      ]);
      const out = [table];
      let off = 0;
      for (let i = 1; i < this.shapes.length; i++) {
        const n = shapeSize(this.shapes[i]);
        out.push(dense.slice(off, off + n));
        off += n;
      }
      return out;
    });
  }

  /** One Adam step on a batch (ids row-major [B, T], 0 = padding): its mean loss and how many rows the model got right. */
  trainStep(ids: Int32Array, labels: Int32Array, batch: number, time: number): Promise<{ loss: number; correct: number }> {
    return this.serial(async () => {
      const prepared = this.prepare(ids, batch, time, labels);
      const encoder = this.device.createCommandEncoder({ label: 'train step' });
      const pass = encoder.beginComputePass();
      this.encodeForward(pass, batch, time, false, true);
      this.encodeBackward(pass, batch, time);
      this.encodeAdam(pass, prepared.embeddingRows);
      pass.end();
      const [stats] = await this.submitAndRead(encoder, [[this.stats, 0, 2 * batch]]);
      return this.summarise(stats, batch);
    });
  }

  /** Loss and gradients of a batch without updating anything (for tests: read them with readGradients). */
  computeGradients(ids: Int32Array, labels: Int32Array, batch: number, time: number): Promise<{ loss: number; correct: number }> {
    return this.serial(async () => {
      this.prepare(ids, batch, time, labels);
      const encoder = this.device.createCommandEncoder({ label: 'gradients' });
      const pass = encoder.beginComputePass();
      this.encodeForward(pass, batch, time, false, true);
      this.encodeBackward(pass, batch, time);
      pass.end();
      const [stats] = await this.submitAndRead(encoder, [[this.stats, 0, 2 * batch]]);
      return this.summarise(stats, batch);
    });
  }

  /** The dense gradients of the last computeGradients (CPU network's denseGradients() order) and the embedding's rows by id. */
  readGradients(ids: Int32Array, batch: number, time: number): Promise<{ dense: Float32Array[]; embedding: { ids: Int32Array; rows: Float32Array } }> {
    return this.serial(async () => {
      const E = this.config.embeddingSize;
      const [dense, dX] = await this.read([
        [this.grads, 0, this.denseCount],
        [this.dActs[0], 0, batch * time * E],
      ]);
      const out: Float32Array[] = [];
      let off = 0;
      for (let i = 1; i < this.shapes.length; i++) {
        const n = shapeSize(this.shapes[i]);
        out.push(dense.slice(off, off + n));
        off += n;
      }
      const { n, index } = embeddingIndex(ids, batch, time, this.config.vocabSize);
      const rows = new Float32Array(n * E);
      for (let u = 0; u < n; u++) {
        for (let k = index[n + u]; k < index[n + u + 1]; k++) {
          const r = index[2 * n + 1 + k];
          for (let e = 0; e < E; e++) rows[u * E + e] += dX[r * E + e];
        }
      }
      return { dense: out, embedding: { ids: Int32Array.from(index.subarray(0, n)), rows } };
    });
  }

  /** The Adam step on the gradients of the last computeGradients (for tests). */
  applyAdam(ids: Int32Array, batch: number, time: number): Promise<void> {
    return this.serial(async () => {
      const { n, index } = embeddingIndex(ids, batch, time, this.config.vocabSize);
      this.device.queue.writeBuffer(this.embIndex, 0, index);
      const encoder = this.device.createCommandEncoder({ label: 'adam' });
      const pass = encoder.beginComputePass();
      this.encodeAdam(pass, n);
      pass.end();
      await this.submitAndRead(encoder, []);
    });
  }

  /** Class probabilities [B·classes] for a right-padded batch. */
  predict(ids: Int32Array, batch: number, time: number): Promise<Float32Array> {
    return this.serial(async () => {
      this.prepare(ids, batch, time);
      const encoder = this.device.createCommandEncoder({ label: 'predict' });
      const pass = encoder.beginComputePass();
      this.encodeForward(pass, batch, time, false, false);
      pass.end();
      const [probs] = await this.submitAndRead(encoder, [[this.probs, 0, batch * this.config.classes]]);
      return probs;
    });
  }

  /** Forward with every per-token value captured, as RecurrentNet.inspect. */
  inspect(ids: Int32Array, batch: number, time: number): Promise<{ probs: Float32Array; directions: DirectionCapture[] }> {
    return this.serial(async () => {
      this.prepare(ids, batch, time);
      const encoder = this.device.createCommandEncoder({ label: 'inspect' });
      const pass = encoder.beginComputePass();
      this.encodeForward(pass, batch, time, true, false);
      pass.end();
      const { hiddenSize: H, classes } = this.config;
      const rows = batch * time;
      const G = CELL_SPECS[this.config.cell].gates.length;
      const hasState = CELL_SPECS[this.config.cell].hasCellState;
      const reads: [GPUBuffer, number, number][] = [[this.probs, 0, batch * classes]];
      this.directions.forEach((dirs, l) => {
        reads.push([this.acts[l + 1], 0, rows * dirs.length * H]);
        for (const dir of dirs) reads.push([dir.gates, 0, rows * G * H], [dir.dZ, 0, rows * G * H], [dir.state, 0, hasState ? rows * H : 1]);
      });
      const got = await this.submitAndRead(encoder, reads);
      const probs = got[0];
      const directions: DirectionCapture[] = [];
      let at = 1;
      this.directions.forEach((dirs, l) => {
        const out = got[at++];
        const width = dirs.length * H;
        dirs.forEach((_, d) => {
          const [gates, pre, state] = [got[at++], got[at++], got[at++]];
          const h = new Float32Array(rows * H);
          for (let r = 0; r < rows; r++) h.set(out.subarray(r * width + d * H, r * width + d * H + H), r * H);
          directions.push({ layer: l, direction: d === 0 ? 'forward' : 'backward', h, c: hasState ? state : undefined, gates, preactivations: pre });
        });
      });
      return { probs, directions };
    });
  }

  /** Frees the device memory (the device itself is the caller's). */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const b of this.buffers) b.destroy();
    for (const b of this.staging.values()) b.destroy();
    this.buffers.length = 0;
    this.staging.clear();
  }

  // ---- encoding ----

  /** Uploads a batch's ids, mask and labels (and the embedding index when training); returns the embedding's row count. */
  private prepare(ids: Int32Array, batch: number, time: number, labels?: Int32Array): { embeddingRows: number } {
    const { maxBatch, maxTime } = this.options;
    if (batch < 1 || time < 1 || batch > maxBatch || batch * time > maxBatch * maxTime) {
      throw new Error(`Batch ${batch}×${time} is outside the network's buffers (${maxBatch}×${maxTime})`);
    }
    if (ids.length !== batch * time) throw new Error(`Expected ${batch * time} ids, got ${ids.length}`);
    const q = this.device.queue;
    const { rowIds, mask } = batchRows(ids, batch, time, this.config.vocabSize);
    q.writeBuffer(this.rowIds, 0, rowIds);
    q.writeBuffer(this.mask, 0, mask);
    if (!labels) return { embeddingRows: 0 };
    if (labels.length < batch) throw new Error(`Expected ${batch} labels, got ${labels.length}`);
    for (let b = 0; b < batch; b++) {
      if (!(labels[b] >= 0 && labels[b] < this.config.classes)) throw new Error(`Label ${labels[b]} of row ${b} is not a class index below ${this.config.classes}`);
    }
    q.writeBuffer(this.labels, 0, new Uint32Array(labels.subarray(0, batch)));
    const { n, index } = embeddingIndex(ids, batch, time, this.config.vocabSize);
    q.writeBuffer(this.embIndex, 0, index);
    return { embeddingRows: n };
  }

  private encodeForward(pass: GPUComputePassEncoder, B: number, T: number, keepPre: boolean, training: boolean): void {
    const k = this.k;
    const { hiddenSize: H, embeddingSize: E, classes: C, cell } = this.config;
    const D = this.config.bidirectional ? 2 : 1;
    const width = D * H;
    const G = CELL_SPECS[cell].gates.length;
    const GH = G * H;
    const rows = B * T;
    k.gather.dispatch(pass, [rows, E], [this.table, this.rowIds, this.acts[0]], ...flatGroups(rows * E));
    this.directions.forEach((dirs, l) => {
      const input = this.acts[l];
      const output = this.acts[l + 1];
      dirs.forEach((dir, d) => {
        k.gemm.encode(pass, false, false, rows, GH, dir.input, { buffer: input, offset: 0, ld: dir.input }, this.at(dir.wOff, GH), { buffer: dir.gates, offset: 0, ld: GH }, 0);
        const unitGroups = Math.ceil(H / S.UNIT_GROUP);
        const rowGroups = Math.ceil(B / S.ROWS_PER_THREAD);
        for (let s = 0; s < T; s++) {
          const { row, prev } = place(s, T, B, d === 1);
          const words = [B, H, row, prev, width, d * H, dir.uOff, dir.bOff, keepPre ? 1 : 0, GH, 0, 0, 0];
          if (cell === 'lstm') {
            k.lstmForward.dispatch(pass, words, [this.weights, this.mask, dir.gates, dir.dZ, output, dir.state], unitGroups, rowGroups);
          } else if (cell === 'gru') {
            k.gruForwardGates.dispatch(pass, words, [this.weights, output, dir.gates, dir.dZ, dir.state], unitGroups, B);
            k.gruForwardOutput.dispatch(pass, words, [this.weights, this.mask, dir.state, dir.gates, dir.dZ, output], unitGroups, B);
          } else {
            k.simpleForward.dispatch(pass, words, [this.weights, this.mask, dir.gates, dir.dZ, output], unitGroups, B);
          }
        }
      });
    });
    const L = this.directions.length;
    k.head.dispatch(
      pass,
      [B, C, width, H, T, D, this.denseWOff, this.denseBOff, training ? 1 : 0, f32bits(B)],
      [this.weights, this.acts[L], this.labels, this.finalH, this.probs, this.dLogits, this.stats],
      Math.ceil(B / S.FLAT_GROUP),
    );
  }

  private encodeBackward(pass: GPUComputePassEncoder, B: number, T: number): void {
    const k = this.k;
    const { hiddenSize: H, classes: C, cell } = this.config;
    const D = this.config.bidirectional ? 2 : 1;
    const width = D * H;
    const G = CELL_SPECS[cell].gates.length;
    const GH = G * H;
    const rows = B * T;
    const L = this.directions.length;
    k.headGradients.dispatch(pass, [B, C, width, this.denseWOff, this.denseBOff], [this.finalH, this.dLogits, this.grads], Math.ceil((width * C + C) / S.FLAT_GROUP));
    k.seedTop.dispatch(pass, [B, C, width, H, T, D, this.denseWOff], [this.weights, this.dLogits, this.dActs[L]], ...flatGroups(rows * width));
    const unitGroups = Math.ceil(H / S.UNIT_GROUP);
    const rowGroups = Math.ceil(B / S.ROWS_PER_THREAD);
    const firstCols = cell === 'gru' ? 2 * H : GH;
    for (let l = L - 1; l >= 0; l--) {
      const output = this.acts[l + 1];
      const dOutput = this.dActs[l + 1];
      this.directions[l].forEach((dir, d) => {
        k.fillZero.dispatch(pass, [1, B * H, B * H, 0], [this.carry[0]], ...flatGroups(B * H));
        if (cell === 'lstm') k.fillZero.dispatch(pass, [1, B * H, B * H, 0], [this.dc], ...flatGroups(B * H));
        let carry = 0;
        for (let s = T - 1; s >= 0; s--) {
          const { row, prev } = place(s, T, B, d === 1);
          const [dhCarry, dhNew] = [this.carry[carry], this.carry[1 - carry]];
          const words = [B, H, row, prev, width, d * H, dir.uOff, dir.bOff, 0, GH, 0, firstCols, 1];
          if (cell === 'lstm') {
            k.lstmBackward.dispatch(pass, words, [dir.gates, this.mask, dir.state, dOutput, dhCarry, this.dc, dir.dZ, dhNew], unitGroups, B);
          } else if (cell === 'gru') {
            k.gruBackwardGates.dispatch(pass, words, [dir.gates, this.mask, output, dOutput, dhCarry, dir.dZ, dhNew], unitGroups, B);
            // d(r ⊙ h_{t−1}) = dz's candidate block · U's candidate columnsᵀ.
            k.dzTimesUT.dispatch(pass, [B, H, row, prev, width, d * H, dir.uOff, dir.bOff, 0, GH, 2 * H, H, 0], [this.weights, dir.dZ, this.dRh], unitGroups, rowGroups);
            k.gruBackwardReset.dispatch(pass, words, [dir.gates, this.mask, output, this.dRh, dir.dZ, dhNew], unitGroups, B);
          } else {
            k.simpleBackward.dispatch(pass, words, [dir.gates, this.mask, dOutput, dhCarry, dir.dZ, dhNew], unitGroups, B);
          }
          if (prev > 0) k.dzTimesUT.dispatch(pass, words, [this.weights, dir.dZ, dhNew], unitGroups, rowGroups);
          carry = 1 - carry;
        }
        const input = { buffer: this.acts[l], offset: 0, ld: dir.input };
        const dZ = { buffer: dir.dZ, offset: 0, ld: GH };
        k.gemm.encode(pass, true, false, dir.input, GH, rows, input, dZ, { buffer: this.grads, offset: dir.wOff, ld: GH }, 0);
        k.sumRows.dispatch(pass, [rows, GH, GH, dir.bOff], [dir.dZ, this.grads], Math.ceil(GH / S.FLAT_GROUP));
        // dU = Σ_t h_{prev(t)}ᵀ · dZ_t; the first processed step has h_prev = 0.
        if (T > 1) {
          const hPrevRows = { buffer: output, offset: (d === 1 ? B * width : 0) + d * H, ld: width };
          const dzRows = { buffer: dir.dZ, offset: d === 1 ? 0 : B * GH, ld: GH };
          k.gemm.encode(pass, true, false, H, firstCols, (T - 1) * B, hPrevRows, dzRows, { buffer: this.grads, offset: dir.uOff, ld: GH }, 0);
        } else {
          k.fillZero.dispatch(pass, [H, firstCols, GH, dir.uOff], [this.grads], ...flatGroups(H * firstCols));
        }
        if (cell === 'gru') {
          k.gemm.encode(pass, true, false, H, H, rows, { buffer: dir.state, offset: 0, ld: H }, { buffer: dir.dZ, offset: 2 * H, ld: GH }, { buffer: this.grads, offset: dir.uOff + 2 * H, ld: GH }, 0);
        }
        k.gemm.encode(pass, false, true, rows, dir.input, GH, dZ, this.at(dir.wOff, GH), { buffer: this.dActs[l], offset: 0, ld: dir.input }, d === 0 ? 0 : 1);
      });
    }
  }

  private encodeAdam(pass: GPUComputePassEncoder, embeddingRows: number): void {
    const k = this.k;
    this.accBeta1 *= ADAM.beta1;
    this.accBeta2 *= ADAM.beta2;
    const lr = this.config.learningRate;
    const step = (n: number, E: number) => [n, E, f32bits(lr), f32bits(ADAM.beta1), f32bits(ADAM.beta2), f32bits(ADAM.epsilon), f32bits(1 - this.accBeta1), f32bits(1 - this.accBeta2)];
    k.adam.dispatch(pass, step(this.denseCount, 0), [this.grads, this.weights, this.m, this.v], ...flatGroups(this.denseCount));
    const E = this.config.embeddingSize;
    if (embeddingRows > 0) k.embeddingAdam.dispatch(pass, step(embeddingRows, E), [this.dActs[0], this.embIndex, this.table, this.embM, this.embV], ...flatGroups(embeddingRows * E));
  }

  /** The weights' matrix at a float offset of the parameter buffer. */
  private at(offset: number, ld: number): GpuMatrix {
    return { buffer: this.weights, offset, ld };
  }

  // ---- submitting and reading ----

  /** Runs `work` after everything queued before it; refuses once the device is lost or the network disposed. */
  private serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(() => {
      if (this.disposed) throw new Error('The GPU network was disposed');
      if (this.lostReason) throw new Error(this.lostReason);
      return work();
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Submits `encoder` (with the dispatches' parameters written first) and reads back float ranges [buffer, offset, count]. */
  private async submitAndRead(encoder: GPUCommandEncoder, reads: [GPUBuffer, number, number][]): Promise<Float32Array[]> {
    const total = reads.reduce((a, [, , n]) => a + n, 0);
    const staging = total > 0 ? this.stagingFor(total * 4) : undefined;
    let at = 0;
    for (const [buffer, offset, n] of reads) {
      encoder.copyBufferToBuffer(buffer, offset * 4, staging!, at * 4, n * 4);
      at += n;
    }
    this.device.pushErrorScope('validation');
    this.device.pushErrorScope('out-of-memory');
    this.params.flush();
    this.device.queue.submit([encoder.finish()]);
    const oom = await this.device.popErrorScope();
    const invalid = await this.device.popErrorScope();
    if (oom) throw new Error(`The GPU ran out of memory: ${oom.message}`);
    if (invalid) throw new Error(`A GPU command was invalid: ${invalid.message}`);
    if (!staging) {
      await this.device.queue.onSubmittedWorkDone();
      return [];
    }
    await staging.mapAsync(MAP_READ, 0, total * 4);
    const all = new Float32Array(staging.getMappedRange(0, total * 4).slice(0));
    staging.unmap();
    at = 0;
    return reads.map(([, , n]) => all.subarray(at, (at += n)));
  }

  private async read(reads: [GPUBuffer, number, number][]): Promise<Float32Array[]> {
    return this.submitAndRead(this.device.createCommandEncoder({ label: 'read' }), reads);
  }

  private stagingFor(bytes: number): GPUBuffer {
    const size = 2 ** Math.ceil(Math.log2(Math.max(bytes, 256)));
    let b = this.staging.get(size);
    if (!b) this.staging.set(size, (b = this.device.createBuffer({ label: `staging ${size}`, size, usage: MAP_READ | COPY_DST })));
    return b;
  }

  private summarise(stats: Float32Array, batch: number): { loss: number; correct: number } {
    let loss = 0;
    let correct = 0;
    for (let b = 0; b < batch; b++) {
      loss += stats[b];
      correct += stats[batch + b];
    }
    return { loss: loss / batch, correct };
  }
}

/** Processing step s of T: its first row (t·B) and the previous step's first row + 1 (0: the first step). */
function place(s: number, T: number, B: number, reversed: boolean): { row: number; prev: number } {
  const t = reversed ? T - 1 - s : s;
  const prevT = s === 0 ? -1 : reversed ? t + 1 : t - 1;
  return { row: t * B, prev: prevT < 0 ? 0 : prevT * B + 1 };
}

/** For gpuNet's tests and the engine: the device's context stays referenced by each network made on it. */
export type { GpuContext };
