/**
 * Our own recurrent classifier: Embedding → (Bi)LSTM / GRU / SimpleRNN layers → Dense softmax, with
 * Keras / tfjs-layers semantics (LSTM gates i,f,c,o with one bias; GRU z,r,h with reset_after = false;
 * masking carries h and c through padded steps), forward and backward-through-time on time-major
 * buffers, GEMMs through `Kernels` (WebAssembly SIMD or plain JS), Adam with tf.train.adam's math and
 * a sparse (lazy) Adam for the embedding rows a batch touches (embeddingGradient.ts). tfjs remains the
 * model-definition and file-format layer: weights move in and out in tfjs-layers' getWeights() order.
 * Why it is one file of ~700 lines: the arena layout and the passes through time over every layer and
 * direction share the network's buffers; what differs per cell is in cells.ts, per kernel in kernels/.
 */
import { weightShapes, type ClassifierShape } from './weightShapes';
import { CELL_SPECS, type CellSpec, type StepBuffers } from './cells';
import { EmbeddingGradient } from './embeddingGradient';
import type { KernelMemory, KernelSharing, Kernels, Recurrence } from './kernels/contract';

/** The shape of the network (the sizes that fix its weights) and its training scalars. */
export interface NetConfig extends ClassifierShape {
  learningRate: number;
  seed: number;
}

/** Buffer sizes and the kernel choice. */
export interface NetOptions {
  /** The most sequences in one call. */
  maxBatch: number;
  /** Time steps the buffers hold at maxBatch: a call takes batch ≤ maxBatch sequences of time steps with batch·time ≤ maxBatch·maxTime. */
  maxTime: number;
  /** For createNet (createNet.ts): WebAssembly where it loads, else JS ('auto', the default), or insist on one. */
  kernels?: 'auto' | 'wasm' | 'js';
  /** Use this array (e.g. on a SharedArrayBuffer, shared with a worker) as the embedding table. */
  embedding?: Float32Array;
  /**
   * Where the kernels' memory comes from (createNet): a new one with `spareBytes` reserved for another
   * thread's kernels, or another network's (attach: its memory, the byte offset of its spare region and
   * its kernels' name).
   */
  kernelMemory?: { spareBytes?: number; attach?: { memory: KernelMemory; at: number; name: string } };
}

/** Per-token values of one layer and direction, for the views (time-major rows t*B+b). */
export interface DirectionCapture {
  layer: number;
  direction: 'forward' | 'backward';
  /** h_t [T*B, H] (carried through padding). */
  h: Float32Array;
  /** c_t [T*B, H] (LSTM only). */
  c?: Float32Array;
  /** Gate activations [T*B, G*H] in Keras order (LSTM i,f,c̃,o; GRU z,r,h̃; SimpleRNN h). */
  gates: Float32Array;
  /** Pre-activations [T*B, G*H]. */
  preactivations: Float32Array;
}

const PROB_EPSILON = 1e-7;
/** Adam's constants: tf.train.adam's defaults with Keras' epsilon (every optimizer here uses these). */
export const ADAM = { beta1: 0.9, beta2: 0.999, epsilon: 1e-7 };
/** Floats per arena slot granule: alloc() hands out 64-byte aligned arrays. */
const ARENA_GRANULE = 16;
/** Ids travel to the row kernels as floats: exact up to 2²⁴. */
const MAX_VOCABULARY = 2 ** 24;

/** Weights and gradient buffers of one direction of one layer (all in the kernels' arena). */
interface Direction {
  input: number;
  W: Float32Array;
  U: Float32Array;
  b: Float32Array;
  dW: Float32Array;
  dU: Float32Array;
  db: Float32Array;
  /** Pre-activations, then (in place) activations: [T*B, G*H]. */
  gates: Float32Array;
  /** Gradients w.r.t. the pre-activations [T*B, G*H]; after a forward pass with capture, the pre-activations. */
  dZ: Float32Array;
  /** LSTM: c_t; [T*B, H]. */
  c: Float32Array;
  /** GRU: r ⊙ h_{t-1}; [T*B, H]. */
  rh: Float32Array;
  /**
   * U's column blocks (recurrentBlocks) packed for the per-step products h·U (forward) and dz·Uᵀ
   * (backward): packed once per change of the weights instead of once per time step.
   */
  packedU: Float32Array[];
  packedUT: Float32Array[];
  /** The forward pass's per-step views for the last batch shape (see stepViews). */
  views?: StepViews;
}

/**
 * The views one direction's forward pass hands the kernels at each step (z, pre, h, mask, h_{t-1}) for
 * B rows and T steps: the same arrays at every call of that shape, so they are made once (a capture
 * reads a sentence in ~200 steps, where making five views a step was a tenth of the time).
 */
interface StepViews {
  key: string;
  z: Float32Array[];
  pre: (Float32Array | null)[];
  h: Float32Array[];
  mask: Float32Array[];
  hPrev: Float32Array[];
  ldPrev: number[];
}

/** A parameter array, its gradient and its Adam moments (tf.train.adam's update). */
interface AdamSlot {
  param: Float32Array;
  grad: Float32Array;
  m: Float32Array;
  v: Float32Array;
}

/** Every array the network keeps in the kernels' arena. */
interface Arena {
  directions: Direction[][];
  /** Layer inputs/outputs: x0 [T*B, E], then each layer's output [T*B, D*H]. */
  acts: Float32Array[];
  /** Gradients w.r.t. acts. */
  dActs: Float32Array[];
  denseW: Float32Array;
  denseB: Float32Array;
  dDenseW: Float32Array;
  dDenseB: Float32Array;
  finalH: Float32Array;
  dFinal: Float32Array;
  probs: Float32Array;
  dLogits: Float32Array;
  /** Backward carries and scratch, [B, H] each. */
  carryH: Float32Array;
  carryC: Float32Array;
  tmpH: Float32Array;
  tmpR: Float32Array;
  /** Zeros [B, H]: the state before the first step (never written). */
  zeroH: Float32Array;
  /** Per row t*B+b: 1 for a token, 0 for padding. */
  mask: Float32Array;
  slots: AdamSlot[];
  /** The embedding table [vocab, E], unless the caller shares one of its own (then empty). */
  table: Float32Array;
  /** The embedding's Adam moments [vocab, E]. */
  embM: Float32Array;
  embV: Float32Array;
  /** Per row t*B+b: the id looked up (as a float), for the gather. */
  rowIds: Float32Array;
  /** Per row t*B+b: the embedding-gradient row it adds to, or −1 (padding). */
  rowSlots: Float32Array;
  /** The embedding-gradient rows of one batch [rows, E] (returned as views: valid until the next batch). */
  embRows: Float32Array;
  /** The ids and gradient rows handed to the embedding's Adam step, [rows] and [rows, E]. */
  adamIds: Float32Array;
  adamRows: Float32Array;
}

/**
 * The column blocks [first column, width] of U that the steps multiply by: all of U, except for GRU
 * whose z and r columns multiply h_{t-1} and whose candidate columns multiply r ⊙ h_{t-1}.
 */
function recurrentBlocks(cell: NetConfig['cell'], H: number): [number, number][] {
  return CELL_SPECS[cell].recurrentBlocks(H);
}

/** Room for a packed K×N operand under any kernels: columns padded to panels of up to 32 (the native GEMM's; the WebAssembly one pads to 8). */
function packedRoom(K: number, N: number): number {
  return K * Math.ceil(N / 32) * 32;
}

/** Lays the network's arena arrays out with `alloc` (a counting stub sizes the arena before it exists). */
function layoutArena(config: NetConfig, options: NetOptions, alloc: (n: number) => Float32Array): Arena {
  const { hiddenSize: H, embeddingSize: E, layers, classes, cell, vocabSize } = config;
  const spec = CELL_SPECS[cell];
  const G = spec.gates.length;
  const D = config.bidirectional ? 2 : 1;
  const rows = options.maxBatch * options.maxTime;
  const B = options.maxBatch;
  const empty = new Float32Array(0);
  const acts = [alloc(rows * E)];
  const dActs = [alloc(rows * E)];
  const directions: Direction[][] = [];
  for (let l = 0; l < layers; l++) {
    const input = l === 0 ? E : D * H;
    const dirs: Direction[] = [];
    for (let d = 0; d < D; d++) {
      dirs.push({
        input,
        W: alloc(input * G * H),
        U: alloc(H * G * H),
        b: alloc(G * H),
        dW: alloc(input * G * H),
        dU: alloc(H * G * H),
        db: alloc(G * H),
        gates: alloc(rows * G * H),
        dZ: alloc(rows * G * H),
        c: spec.hasCellState ? alloc(rows * H) : empty,
        rh: spec.gatesCandidateInput ? alloc(rows * H) : empty,
        // Room for every kernel's packing (checked against kernels.packedSize when packing).
        packedU: recurrentBlocks(cell, H).map(([, width]) => alloc(packedRoom(H, width))),
        packedUT: recurrentBlocks(cell, H).map(([, width]) => alloc(packedRoom(width, H))),
      });
    }
    directions.push(dirs);
    acts.push(alloc(rows * D * H));
    dActs.push(alloc(rows * D * H));
  }
  const denseW = alloc(D * H * classes);
  const denseB = alloc(classes);
  const dDenseW = alloc(D * H * classes);
  const dDenseB = alloc(classes);
  // Sizes come from the shapes, not from the arrays: the counting stub hands out empty ones.
  const slot = (param: Float32Array, grad: Float32Array, n: number): AdamSlot => ({ param, grad, m: alloc(n), v: alloc(n) });
  const slots = directions.flat().flatMap((d) => [slot(d.W, d.dW, d.input * G * H), slot(d.U, d.dU, H * G * H), slot(d.b, d.db, G * H)]);
  slots.push(slot(denseW, dDenseW, D * H * classes), slot(denseB, dDenseB, classes));
  return {
    directions,
    acts,
    dActs,
    denseW,
    denseB,
    dDenseW,
    dDenseB,
    finalH: alloc(B * D * H),
    dFinal: alloc(B * D * H),
    probs: alloc(B * classes),
    dLogits: alloc(B * classes),
    carryH: alloc(B * H),
    carryC: alloc(B * H),
    tmpH: alloc(B * H),
    tmpR: alloc(B * H),
    zeroH: alloc(B * H),
    mask: alloc(rows),
    slots,
    table: options.embedding ? empty : alloc(vocabSize * E),
    embM: alloc(vocabSize * E),
    embV: alloc(vocabSize * E),
    rowIds: alloc(rows),
    rowSlots: alloc(rows),
    embRows: alloc(rows * E),
    adamIds: alloc(rows),
    adamRows: alloc(rows * E),
  };
}

/** The network. Create with `createNet` (Node) or `RecurrentNet.withKernels`; buffers are allocated once. */
/** A StepBuffers to refill: every array empty, every number 0. */
function emptyStep(): StepBuffers {
  const none = new Float32Array(0);
  return {
    B: 0, H: 0, GH: 0, z: none, bias: none, pre: null, hPrev: none, ldPrev: 0, h: none, ldh: 0, mask: none,
    packedU: [], packedUT: [], cellState: none, gatedInput: none, row: 0, prevT: 0, zeros: none,
    gates: none, dh: none, dhCarry: none, dhNew: none, dcCarry: none, dz: none, dGatedInput: none,
  };
}

export class RecurrentNet {
  readonly directions: Direction[][];
  readonly embedding: Float32Array;
  readonly denseW: Float32Array;
  readonly denseB: Float32Array;
  private readonly arena: Arena;
  /** Whether the embedding table is in the kernels' memory (its arena, or another network's on the same memory), so kernels gather from and update it; else JS does. */
  private readonly embeddingInKernels: boolean;
  /** The embedding's pending sparse gradient. */
  private readonly embeddingGrad: EmbeddingGradient;
  private weightRevision = 0;
  /** The weights' revision that packedU / packedUT hold (−1: none yet). */
  private packedRevision = -1;
  private packedTRevision = -1;
  private accBeta1 = 1;
  private accBeta2 = 1;
  readonly gatesPerUnit: number;
  /** The cell kind's spec: its per-step forward and backward work. */
  private readonly spec: CellSpec;
  /** The buffers of the step being run, handed to the spec's hooks (refilled each step). */
  private readonly step: StepBuffers = emptyStep();
  readonly dirCount: number;

  private constructor(
    readonly config: NetConfig,
    readonly options: NetOptions,
    private readonly kernels: Kernels,
  ) {
    const { embeddingSize: E, vocabSize } = config;
    this.spec = CELL_SPECS[config.cell];
    this.gatesPerUnit = this.spec.gates.length;
    this.dirCount = config.bidirectional ? 2 : 1;
    if (options.embedding && options.embedding.length !== vocabSize * E) throw new Error(`The shared embedding has ${options.embedding.length} values; expected ${vocabSize * E}`);
    if (vocabSize > MAX_VOCABULARY) throw new RangeError(`A vocabulary of ${vocabSize} exceeds the ${MAX_VOCABULARY} ids the kernels pass as floats`);
    this.arena = layoutArena(config, options, (n) => kernels.alloc(n));
    const { rowSlots, embRows, adamRows, adamIds } = this.arena;
    this.embeddingGrad = new EmbeddingGradient(kernels, E, vocabSize, options.maxBatch * options.maxTime, { rowSlots, rows: embRows, staging: adamRows, adamIds });
    this.embeddingInKernels = !options.embedding || options.embedding.buffer === this.arena.mask.buffer;
    this.embedding = options.embedding ?? this.arena.table;
    this.directions = this.arena.directions;
    this.denseW = this.arena.denseW;
    this.denseB = this.arena.denseB;
  }

  /** Floats the network's arena needs: what the kernels handed to `withKernels` must hold. */
  static arenaFloats(config: NetConfig, options: NetOptions): number {
    let capacity = 0;
    layoutArena(config, options, (n) => {
      capacity += Math.ceil(n / ARENA_GRANULE) * ARENA_GRANULE;
      return new Float32Array(0);
    });
    return capacity;
  }

  /**
   * Builds a network with zero weights (load real ones with setWeights) on kernels from `makeKernels`,
   * called with arenaFloats(config, options). In Node, createNet (createNet.ts) picks and loads them.
   */
  static async withKernels(config: NetConfig, options: NetOptions, makeKernels: (capacityFloats: number) => Kernels | Promise<Kernels>): Promise<RecurrentNet> {
    return RecurrentNet.onKernels(config, options, await makeKernels(RecurrentNet.arenaFloats(config, options)));
  }

  /** Builds a network with zero weights on kernels made already, with arenaFloats(config, options) floats free (it allocates from them). */
  static onKernels(config: NetConfig, options: NetOptions, kernels: Kernels): RecurrentNet {
    return new RecurrentNet(config, options, kernels);
  }

  /** Counts changes of the weights (optimizer steps, weights copied in): equal counts, equal weights. */
  get revision(): number {
    return this.weightRevision;
  }

  /** The kernels in use, e.g. "wasm-relaxed-simd". */
  get kernelName(): string {
    return this.kernels.name;
  }

  /** Shapes of the weights in tfjs-layers getWeights() order. */
  weightShapes(): number[][] {
    return weightShapes(this.config);
  }

  /** The weight arrays themselves (no copies), in getWeights() order. */
  weightArrays(): Float32Array[] {
    return [this.embedding, ...this.directions.flat().flatMap((d) => [d.W, d.U, d.b]), this.denseW, this.denseB];
  }

  /** Copies weights in (tfjs-layers getWeights() order and layout). */
  setWeights(values: ArrayLike<number>[]): void {
    const targets = this.weightArrays();
    if (values.length !== targets.length) throw new Error(`Expected ${targets.length} weight arrays, got ${values.length}`);
    values.forEach((v, i) => {
      if (v.length !== targets[i].length) throw new Error(`Weight ${i} has ${v.length} values; expected ${targets[i].length}`);
      targets[i].set(v);
    });
    this.weightRevision++;
  }

  /** Copies weights in for every array but the embedding (which a worker shares instead). */
  setWeightsExceptEmbedding(values: ArrayLike<number>[]): void {
    const targets = this.weightArrays();
    for (let i = 1; i < targets.length; i++) targets[i].set(values[i - 1]);
    this.weightRevision++;
  }

  /** Copies of the weights (tfjs-layers getWeights() order and layout). */
  getWeights(): Float32Array[] {
    return this.weightArrays().map((w) => w.slice());
  }

  private checkBatch(ids: Int32Array, batch: number, time: number): void {
    const { maxBatch, maxTime } = this.options;
    if (batch < 1 || time < 1 || batch > maxBatch || batch * time > maxBatch * maxTime) {
      throw new Error(`Batch ${batch}×${time} is outside the network's buffers (${maxBatch}×${maxTime})`);
    }
    if (ids.length !== batch * time) throw new Error(`Expected ${batch * time} ids, got ${ids.length}`);
  }

  /** Forward pass; fills probs [B, classes] and all per-step buffers (with keepPre, the pre-activations in each dZ). */
  private forward(ids: Int32Array, batch: number, time: number, keepPre: boolean): void {
    const { embeddingSize: E, hiddenSize: H, classes, vocabSize } = this.config;
    const B = batch;
    const T = time;
    const D = this.dirCount;
    const { acts, mask, finalH, probs, denseB, rowIds } = this.arena;
    const x0 = acts[0];
    const embedding = this.embedding;
    for (let t = 0; t < T; t++) {
      for (let b = 0; b < B; b++) {
        let id = ids[b * T + t];
        if (id < 0 || id >= vocabSize) id = 1;
        const row = t * B + b;
        mask[row] = id === 0 ? 0 : 1;
        rowIds[row] = id;
      }
    }
    if (this.embeddingInKernels) {
      this.kernels.gatherRows(T * B, E, embedding, rowIds, x0);
    } else {
      for (let row = 0; row < T * B; row++) {
        const src = rowIds[row] * E;
        const dst = row * E;
        for (let e = 0; e < E; e++) x0[dst + e] = embedding[src + e];
      }
    }
    this.packRecurrent(false);
    for (let l = 0; l < this.directions.length; l++) {
      const input = acts[l];
      const output = acts[l + 1];
      this.directions[l].forEach((dir, d) => this.forwardDirection(dir, d, input, output, B, T, keepPre));
    }
    // Final state: forward direction at the last step, backward direction at the first step.
    const last = acts[acts.length - 1];
    const width = D * H;
    for (let b = 0; b < B; b++) {
      finalH.set(last.subarray(((T - 1) * B + b) * width, ((T - 1) * B + b) * width + H), b * width);
      if (D === 2) finalH.set(last.subarray(b * width + H, b * width + 2 * H), b * width + H);
    }
    // Dense + softmax.
    this.kernels.sgemm(false, false, B, classes, width, finalH, width, this.denseW, classes, probs, classes, 0);
    for (let b = 0; b < B; b++) {
      const p = b * classes;
      let max = -Infinity;
      for (let c = 0; c < classes; c++) {
        const v = probs[p + c] + denseB[c];
        probs[p + c] = v;
        if (v > max) max = v;
      }
      let sum = 0;
      for (let c = 0; c < classes; c++) {
        const e = Math.exp(probs[p + c] - max);
        probs[p + c] = e;
        sum += e;
      }
      for (let c = 0; c < classes; c++) probs[p + c] /= sum;
    }
  }

  /** Packs each direction's U blocks (forward) or their transposes (backward) when the weights changed since the last packing. */
  private packRecurrent(transposed: boolean): void {
    if ((transposed ? this.packedTRevision : this.packedRevision) === this.weightRevision) return;
    const H = this.config.hiddenSize;
    const GH = this.gatesPerUnit * H;
    const blocks = recurrentBlocks(this.config.cell, H);
    for (const dir of this.directions.flat()) {
      blocks.forEach(([first, width], i) => {
        const U = dir.U.subarray(first);
        if (transposed) this.kernels.packB(true, width, H, U, GH, dir.packedUT[i]);
        else this.kernels.packB(false, H, width, U, GH, dir.packedU[i]);
      });
    }
    if (transposed) this.packedTRevision = this.weightRevision;
    else this.packedRevision = this.weightRevision;
  }

  /** The step buffers that stay the same for every step of one direction's pass. */
  private fillStep(dir: Direction, B: number, H: number, GH: number, width: number, zeros: Float32Array): void {
    const step = this.step;
    step.B = B;
    step.H = H;
    step.GH = GH;
    step.ldh = width;
    step.packedU = dir.packedU;
    step.packedUT = dir.packedUT;
    step.cellState = dir.c;
    step.gatedInput = dir.rh;
    step.zeros = zeros;
  }

  /**
   * Sets the step's place for processing step s of T: its first row (t·B, with t = s forward, T − 1 − s
   * backward) and the time of h_{t-1} in processing order (−1 at the first step: zeros).
   */
  private placeStep(s: number, T: number, B: number, backward: boolean): void {
    const t = backward ? T - 1 - s : s;
    this.step.row = t * B;
    this.step.prevT = s === 0 ? -1 : backward ? t + 1 : t - 1;
  }

  private forwardDirection(dir: Direction, d: number, input: Float32Array, output: Float32Array, B: number, T: number, keepPre: boolean): void {
    const H = this.config.hiddenSize;
    const G = this.gatesPerUnit;
    const GH = G * H;
    const width = this.dirCount * H;
    const k = this.kernels;
    const { gates, W, b: bias } = dir;
    const { spec, step } = this;
    const backward = d === 1;
    this.fillStep(dir, B, H, GH, width, this.arena.zeroH);
    step.bias = bias;
    // All input projections at once: Z = X·W (the kernels add b).
    k.sgemm(false, false, T * B, GH, dir.input, input, dir.input, W, GH, gates, GH, 0);
    if (k.forwardRecurrence) {
      k.forwardRecurrence(this.recurrence(dir, d, output, B, T, keepPre ? dir.dZ : null));
      return;
    }
    const views = this.stepViews(dir, d, output, B, T, keepPre);
    for (let s = 0; s < T; s++) {
      this.placeStep(s, T, B, backward);
      step.z = views.z[s];
      step.pre = views.pre[s];
      step.h = views.h[s];
      step.mask = views.mask[s];
      step.hPrev = views.hPrev[s];
      step.ldPrev = views.ldPrev[s];
      spec.forwardStep(k, step);
    }
  }

  /** A direction's Recurrence (for kernels that run it whole) over `output` for B rows and T steps. */
  private recurrence(dir: Direction, d: number, output: Float32Array, B: number, T: number, pre: Float32Array | null): Recurrence {
    const H = this.config.hiddenSize;
    return {
      cell: this.config.cell,
      B,
      H,
      T,
      reversed: d === 1,
      z: dir.gates,
      bias: dir.b,
      pre,
      packedU: dir.packedU,
      h: output.subarray(d * H),
      ldh: this.dirCount * H,
      mask: this.arena.mask,
      zeros: this.arena.zeroH,
      state: this.spec.hasCellState ? dir.c : dir.rh,
    };
  }

  /** The per-step views of a direction's forward pass over `output` for B rows and T steps (made on the first call of that shape). */
  private stepViews(dir: Direction, d: number, output: Float32Array, B: number, T: number, keepPre: boolean): StepViews {
    const key = `${B},${T},${keepPre ? 1 : 0},${output.byteOffset}`;
    if (dir.views?.key === key) return dir.views;
    const H = this.config.hiddenSize;
    const GH = this.gatesPerUnit * H;
    const width = this.dirCount * H;
    const { mask, zeroH } = this.arena;
    const out = output.subarray(d * H);
    const views: StepViews = { key, z: [], pre: [], h: [], mask: [], hPrev: [], ldPrev: [] };
    for (let s = 0; s < T; s++) {
      this.placeStep(s, T, B, d === 1);
      const { row, prevT } = this.step;
      views.z.push(dir.gates.subarray(row * GH, (row + B) * GH));
      views.pre.push(keepPre ? dir.dZ.subarray(row * GH, (row + B) * GH) : null);
      views.h.push(out.subarray(row * width));
      views.mask.push(mask.subarray(row, row + B));
      views.hPrev.push(prevT < 0 ? zeroH : out.subarray(prevT * B * width));
      views.ldPrev.push(prevT < 0 ? H : width);
    }
    return (dir.views = views);
  }

  /** Class probabilities [B*classes] for a right-padded batch (ids row-major [B, T], 0 = padding). */
  predict(ids: Int32Array, batch: number, time: number): Float32Array {
    this.checkBatch(ids, batch, time);
    this.forward(ids, batch, time, false);
    return this.arena.probs.slice(0, batch * this.config.classes);
  }

  /** Forward with every per-token value captured (for the views). */
  inspect(ids: Int32Array, batch: number, time: number, views = false): { probs: Float32Array; directions: DirectionCapture[] } {
    this.checkBatch(ids, batch, time);
    this.forward(ids, batch, time, true);
    const H = this.config.hiddenSize;
    const width = this.dirCount * H;
    const rows = batch * time;
    const captures: DirectionCapture[] = [];
    const take = (a: Float32Array, n: number) => (views ? a.subarray(0, n) : a.slice(0, n));
    this.directions.forEach((dirs, l) =>
      dirs.forEach((dir, d) => {
        const out = this.arena.acts[l + 1];
        const h = new Float32Array(rows * H);
        for (let r = 0; r < rows; r++) h.set(out.subarray(r * width + d * H, r * width + d * H + H), r * H);
        captures.push({
          layer: l,
          direction: d === 0 ? 'forward' : 'backward',
          h,
          c: this.spec.hasCellState ? take(dir.c, rows * H) : undefined,
          gates: take(dir.gates, rows * this.gatesPerUnit * H),
          preactivations: take(dir.dZ, rows * this.gatesPerUnit * H),
        });
      }),
    );
    return { probs: this.arena.probs.slice(0, batch * this.config.classes), directions: captures };
  }

  /**
   * Loss and gradients of a batch without updating anything: fills the gradient buffers and returns
   * the mean loss (tfjs's sparse categorical crossentropy, probabilities clipped to [1e-7, 1 - 1e-7])
   * and the embedding gradient as rows (views of a buffer the next call reuses: copy them to keep them).
   */
  computeGradients(
    ids: Int32Array,
    labels: Int32Array,
    batch: number,
    time: number,
    /** The gradient is of the loss averaged over this many rows (a thread's share of a larger batch passes the whole batch's size). */
    meanOver = batch,
  ): { loss: number; correct: number; embeddingRows: number } {
    this.checkBatch(ids, batch, time);
    if (labels.length < batch) throw new Error(`Expected ${batch} labels, got ${labels.length}`);
    for (let b = 0; b < batch; b++) {
      if (!(labels[b] >= 0 && labels[b] < this.config.classes)) throw new Error(`Label ${labels[b]} of row ${b} is not a class index below ${this.config.classes}`);
    }
    const { hiddenSize: H, classes } = this.config;
    const B = batch;
    const T = time;
    const D = this.dirCount;
    const width = D * H;
    const k = this.kernels;
    const { acts, dActs, probs, dLogits, finalH, dFinal, dDenseW, dDenseB } = this.arena;
    this.forward(ids, B, T, false);
    // Loss and dL/dlogits.
    let loss = 0;
    let correct = 0;
    for (let b = 0; b < B; b++) {
      const y = labels[b];
      const p = b * classes;
      const py = probs[p + y];
      const clipped = Math.min(1 - PROB_EPSILON, Math.max(PROB_EPSILON, py));
      loss -= Math.log(clipped);
      let best = 0;
      for (let c = 1; c < classes; c++) if (probs[p + c] > probs[p + best]) best = c;
      if (best === y) correct++;
      const inside = py > PROB_EPSILON && py < 1 - PROB_EPSILON;
      for (let c = 0; c < classes; c++) dLogits[p + c] = inside ? (probs[p + c] - (c === y ? 1 : 0)) / meanOver : 0;
    }
    loss /= B;
    // Dense layer.
    k.sgemm(true, false, width, classes, B, finalH, width, dLogits, classes, dDenseW, classes, 0);
    k.sumRows(B, classes, dLogits, classes, dDenseB);
    k.sgemm(false, true, B, width, classes, dLogits, classes, this.denseW, classes, dFinal, width, 0);
    // Seed the top layer's output gradient with the final state's gradient.
    const L = this.directions.length;
    const dTop = dActs[L];
    dTop.fill(0, 0, T * B * width);
    for (let b = 0; b < B; b++) {
      dTop.set(dFinal.subarray(b * width, b * width + H), ((T - 1) * B + b) * width);
      if (D === 2) dTop.set(dFinal.subarray(b * width + H, b * width + 2 * H), b * width + H);
    }
    this.packRecurrent(true);
    for (let l = L - 1; l >= 0; l--) {
      const dirs = this.directions[l];
      const dInput = dActs[l];
      dirs.forEach((dir, d) => this.backwardDirection(dir, d, acts[l], acts[l + 1], dActs[l + 1], dInput, B, T, d === 0 ? 0 : 1));
    }
    return { loss, correct, embeddingRows: this.embeddingGrad.gather(ids, B, T, this.arena.dActs[0]) };
  }

  /** The pending embedding gradient: ids [rows] and their gradient rows [rows, E] (views, valid until the next batch). */
  embeddingGradient(): { ids: Int32Array; rows: Float32Array } {
    return this.embeddingGrad.pending();
  }

  /** Adds another thread's embedding-gradient rows (ids[i] → rows[i·E …]) to the pending ones. */
  addEmbeddingGradient(ids: Int32Array, rows: Float32Array, n: number): void {
    this.embeddingGrad.add(ids, rows, n);
  }

  /** Drops the pending embedding gradient (a worker hands its rows over instead of stepping). */
  discardEmbeddingGradient(): void {
    this.embeddingGrad.discard();
  }

  private backwardDirection(
    dir: Direction,
    d: number,
    input: Float32Array,
    output: Float32Array,
    dOutput: Float32Array,
    dInput: Float32Array,
    B: number,
    T: number,
    beta: 0 | 1,
  ): void {
    const H = this.config.hiddenSize;
    const GH = this.gatesPerUnit * H;
    const width = this.dirCount * H;
    const k = this.kernels;
    const backward = d === 1;
    const out = output.subarray(d * H);
    const dOut = dOutput.subarray(d * H);
    const { dZ } = dir;
    if (k.backwardRecurrence) {
      const { carryH, tmpH, carryC, tmpR } = this.arena;
      k.backwardRecurrence({ ...this.recurrence(dir, d, output, B, T, null), packedUT: dir.packedUT, dh: dOut, dz: dZ, carryH, tmpH, carryC, tmpR });
    } else {
      this.backwardSteps(dir, backward, out, dOut, B, T);
    }
    // Weight gradients over all steps at once.
    const rows = T * B;
    k.sgemm(true, false, dir.input, GH, rows, input, dir.input, dZ, GH, dir.dW, GH, 0);
    k.sumRows(rows, GH, dZ, GH, dir.db);
    // dU = Σ_t h_{prev(t)}ᵀ · dZ_t; the first processed step has h_prev = 0.
    const cols = this.spec.recurrentBlocks(H)[0][1];
    if (T > 1) {
      const hPrevRows = backward ? out.subarray(B * width) : out;
      const dzRows = backward ? dZ : dZ.subarray(B * GH);
      k.sgemm(true, false, H, cols, (T - 1) * B, hPrevRows, width, dzRows, GH, dir.dU, GH, 0);
    } else {
      for (let r = 0; r < H; r++) dir.dU.fill(0, r * GH, r * GH + cols);
    }
    // The candidate's block of U multiplied r ⊙ h_{t-1} (cells that gate its input).
    if (this.spec.gatesCandidateInput) k.sgemm(true, false, H, H, rows, dir.rh, H, dZ.subarray(2 * H), GH, dir.dU.subarray(2 * H), GH, 0);
    // Gradient w.r.t. the layer input.
    k.sgemm(false, true, rows, dir.input, GH, dZ, GH, dir.W, GH, dInput, dir.input, beta);
  }

  /** The backward recurrence step by step (kernels without backwardRecurrence): dZ from dOut, the carries in the arena. */
  private backwardSteps(dir: Direction, backward: boolean, out: Float32Array, dOut: Float32Array, B: number, T: number): void {
    const H = this.config.hiddenSize;
    const GH = this.gatesPerUnit * H;
    const width = this.dirCount * H;
    const { spec, step } = this;
    const { gates, dZ } = dir;
    const { mask, zeroH, carryC: dcCarry, tmpR: dRh } = this.arena;
    this.fillStep(dir, B, H, GH, width, zeroH);
    step.dcCarry = dcCarry;
    step.dGatedInput = dRh;
    // dh carried to the previous step, and the one being built: swapped after each step.
    let dhCarry = this.arena.carryH;
    let dhNew = this.arena.tmpH;
    dhCarry.fill(0, 0, B * H);
    dcCarry.fill(0, 0, B * H);
    for (let s = T - 1; s >= 0; s--) {
      this.placeStep(s, T, B, backward);
      const { row, prevT } = step;
      step.dz = dZ.subarray(row * GH, (row + B) * GH);
      step.gates = gates.subarray(row * GH, (row + B) * GH);
      step.dh = dOut.subarray(row * width);
      step.mask = mask.subarray(row, row + B);
      step.hPrev = prevT < 0 ? zeroH : out.subarray(prevT * B * width);
      step.ldPrev = prevT < 0 ? H : width;
      step.dhCarry = dhCarry;
      step.dhNew = dhNew;
      spec.backwardStep(this.kernels, step);
      const done = dhCarry;
      dhCarry = dhNew;
      dhNew = done;
    }
  }

  /** One Adam step on a batch; returns the batch's mean loss (trainStepWithAccuracy also counts the correct predictions). */
  trainStep(ids: Int32Array, labels: Int32Array, batch: number, time: number): number {
    return this.trainStepWithAccuracy(ids, labels, batch, time).loss;
  }

  /** One Adam step on a batch: loss, correct count. */
  trainStepWithAccuracy(ids: Int32Array, labels: Int32Array, batch: number, time: number): { loss: number; correct: number } {
    const { loss, correct } = this.computeGradients(ids, labels, batch, time);
    this.applyAdam();
    return { loss, correct };
  }

  /** One Adam step with the gradients now in the gradient buffers and the pending embedding rows. */
  applyAdam(): void {
    const lr = this.config.learningRate;
    this.weightRevision++;
    this.accBeta1 *= ADAM.beta1;
    this.accBeta2 *= ADAM.beta2;
    const c1 = 1 - this.accBeta1;
    const c2 = 1 - this.accBeta2;
    const step = { lr, ...ADAM, c1, c2 };
    for (const { param, grad, m, v } of this.arena.slots) this.kernels.adam(param, grad, m, v, step);
    this.embeddingGrad.applyAdam(step, this.embedding, this.arena.embM, this.arena.embV, this.embeddingInKernels);
  }

  /** Gradient buffers in getWeights() order (embedding excluded: it is sparse). */
  denseGradients(): Float32Array[] {
    return this.arena.slots.map((s) => s.grad);
  }

  /**
   * Adds another thread's dense gradients (arrays in denseGradients() order, in this network's kernel
   * memory: a network attached to it) into this network's: a sum over the other thread's share of the batch.
   */
  addPeerGradients(peers: Float32Array[]): void {
    const slots = this.arena.slots;
    if (peers.length !== slots.length) throw new Error(`Expected ${slots.length} peer gradient arrays, got ${peers.length}`);
    // Each array is one row, added onto row 0 of the gradient: zeroH supplies the row number 0.
    slots.forEach(({ grad }, i) => this.kernels.scatterAddRows(1, grad.length, peers[i], this.arena.zeroH, grad));
  }

  /** The memory another thread's kernels can attach to, with the spare region reserved for them (kernelMemory.spareBytes); undefined when the memory is not shared. */
  get kernelSharing(): KernelSharing | undefined {
    return this.kernels.sharing;
  }

  /** The whole buffer embeddingGradient()'s rows are views of (for a thread that reads them in place). */
  embeddingRowBuffer(): Float32Array {
    return this.arena.embRows;
  }

  /** Releases nothing (the arena goes with the kernels' memory when nothing holds the network); for callers that own a network's lifetime. */
  dispose(): void {}
}
