/**
 * Our own recurrent classifier: Embedding → (Bi)LSTM / GRU / SimpleRNN layers → Dense softmax, with
 * Keras / tfjs-layers semantics (LSTM gates i,f,c,o with one bias; GRU z,r,h with reset_after = false;
 * masking carries h and c through padded steps), forward and backward-through-time on time-major
 * buffers, GEMMs through `Kernels` (WebAssembly SIMD or plain JS), Adam with tf.train.adam's math and
 * a sparse (lazy) Adam for the embedding rows a batch touches. tfjs remains the model-definition and
 * file-format layer: weights move in and out in tfjs-layers' getWeights() order and layout.
 */
import { createJsKernels, createWasmKernels, type Kernels } from './wasmKernels';

/** The shape of the network. */
export interface NetConfig {
  cell: 'lstm' | 'gru' | 'simplernn';
  vocabSize: number;
  embeddingSize: number;
  hiddenSize: number;
  layers: number;
  bidirectional: boolean;
  classes: number;
  learningRate: number;
  seed: number;
}

/** Buffer sizes and the kernel choice. */
export interface NetOptions {
  maxBatch: number;
  maxTime: number;
  kernels?: 'auto' | 'wasm' | 'js';
  /** Use this array (e.g. on a SharedArrayBuffer, shared with a worker) as the embedding table. */
  embedding?: Float32Array;
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

const GATES = { lstm: 4, gru: 3, simplernn: 1 } as const;
const PROB_EPSILON = 1e-7;
const ADAM = { beta1: 0.9, beta2: 0.999, epsilon: 1e-7 };

/** A logistic sigmoid whose exp() input is clamped, so no subnormals reach the buffers. */
function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(x < -80 ? 80 : x > 80 ? -80 : -x));
}

/** Weights and gradient buffers of one direction of one layer. */
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
  /** Pre-activations kept for capture only when asked. */
  pre: Float32Array;
  dZ: Float32Array;
  /** LSTM: c_t; [T*B, H]. */
  c: Float32Array;
  /** GRU: r ⊙ h_{t-1}; [T*B, H]. */
  rh: Float32Array;
}

/** Dense Adam state of one parameter array (tf.train.adam's update). */
class AdamSlot {
  readonly m: Float32Array;
  readonly v: Float32Array;
  constructor(
    readonly param: Float32Array,
    readonly grad: Float32Array,
  ) {
    this.m = new Float32Array(param.length);
    this.v = new Float32Array(param.length);
  }

  step(lr: number, oneMinusAccBeta1: number, oneMinusAccBeta2: number): void {
    const { m, v, param, grad } = this;
    const { beta1, beta2, epsilon } = ADAM;
    for (let i = 0; i < param.length; i++) {
      const g = grad[i];
      const mi = beta1 * m[i] + (1 - beta1) * g;
      const vi = beta2 * v[i] + (1 - beta2) * g * g;
      m[i] = Math.abs(mi) < 1e-30 ? 0 : mi;
      v[i] = vi < 1e-30 ? 0 : vi;
      param[i] -= (lr * (m[i] / oneMinusAccBeta1)) / (Math.sqrt(v[i] / oneMinusAccBeta2) + epsilon);
    }
  }
}

/** The network. Create with `RecurrentNet.create`; buffers are allocated once. */
export class RecurrentNet {
  readonly directions: Direction[][];
  readonly embedding: Float32Array;
  readonly denseW: Float32Array;
  readonly denseB: Float32Array;
  private readonly dDenseW: Float32Array;
  private readonly dDenseB: Float32Array;
  /** Layer inputs/outputs: x0 [T*B, E], then each layer's output [T*B, D*H]. */
  private readonly acts: Float32Array[];
  /** Gradients w.r.t. acts. */
  private readonly dActs: Float32Array[];
  private readonly finalH: Float32Array;
  private readonly dFinal: Float32Array;
  private readonly probs: Float32Array;
  private readonly dLogits: Float32Array;
  private readonly carryH: Float32Array;
  private readonly carryC: Float32Array;
  private readonly tmpH: Float32Array;
  private readonly tmpR: Float32Array;
  private readonly zeroH: Float32Array;
  private readonly mask: Uint8Array;
  private readonly slots: AdamSlot[];
  private readonly embM: Float32Array;
  private readonly embV: Float32Array;
  private step = 0;
  private accBeta1 = 1;
  private accBeta2 = 1;
  readonly gatesPerUnit: number;
  readonly dirCount: number;

  private constructor(
    readonly config: NetConfig,
    readonly options: NetOptions,
    private readonly kernels: Kernels,
  ) {
    const { hiddenSize: H, embeddingSize: E, layers, classes, vocabSize } = config;
    const G = GATES[config.cell];
    const D = config.bidirectional ? 2 : 1;
    this.gatesPerUnit = G;
    this.dirCount = D;
    const rows = options.maxBatch * options.maxTime;
    const k = kernels;
    if (options.embedding && options.embedding.length !== vocabSize * E) throw new Error(`The shared embedding has ${options.embedding.length} values; expected ${vocabSize * E}`);
    this.embedding = options.embedding ?? new Float32Array(vocabSize * E);
    this.embM = new Float32Array(vocabSize * E);
    this.embV = new Float32Array(vocabSize * E);
    this.acts = [k.alloc(rows * E)];
    this.dActs = [k.alloc(rows * E)];
    this.directions = [];
    for (let l = 0; l < layers; l++) {
      const input = l === 0 ? E : D * H;
      const dirs: Direction[] = [];
      for (let d = 0; d < D; d++) {
        dirs.push({
          input,
          W: k.alloc(input * G * H),
          U: k.alloc(H * G * H),
          b: new Float32Array(G * H),
          dW: k.alloc(input * G * H),
          dU: k.alloc(H * G * H),
          db: new Float32Array(G * H),
          gates: k.alloc(rows * G * H),
          pre: new Float32Array(0),
          dZ: k.alloc(rows * G * H),
          c: config.cell === 'lstm' ? k.alloc(rows * H) : new Float32Array(0),
          rh: config.cell === 'gru' ? k.alloc(rows * H) : new Float32Array(0),
        });
      }
      this.directions.push(dirs);
      this.acts.push(k.alloc(rows * D * H));
      this.dActs.push(k.alloc(rows * D * H));
    }
    this.denseW = k.alloc(D * H * classes);
    this.denseB = new Float32Array(classes);
    this.dDenseW = k.alloc(D * H * classes);
    this.dDenseB = new Float32Array(classes);
    this.finalH = k.alloc(options.maxBatch * D * H);
    this.dFinal = k.alloc(options.maxBatch * D * H);
    this.probs = k.alloc(options.maxBatch * classes);
    this.dLogits = k.alloc(options.maxBatch * classes);
    this.carryH = k.alloc(options.maxBatch * H);
    this.carryC = k.alloc(options.maxBatch * H);
    this.tmpH = k.alloc(options.maxBatch * H);
    this.tmpR = k.alloc(options.maxBatch * H);
    this.zeroH = k.alloc(options.maxBatch * H);
    this.mask = new Uint8Array(rows);
    this.slots = [
      ...this.directions.flat().flatMap((d) => [new AdamSlot(d.W, d.dW), new AdamSlot(d.U, d.dU), new AdamSlot(d.b, d.db)]),
      new AdamSlot(this.denseW, this.dDenseW),
      new AdamSlot(this.denseB, this.dDenseB),
    ];
  }

  /** Builds a network with zero weights (load real ones with setWeights). */
  static async create(config: NetConfig, options: NetOptions): Promise<RecurrentNet> {
    const { hiddenSize: H, embeddingSize: E, layers, classes } = config;
    const G = GATES[config.cell];
    const D = config.bidirectional ? 2 : 1;
    const rows = options.maxBatch * options.maxTime;
    let perDirection = 0;
    for (let l = 0; l < layers; l++) {
      const input = l === 0 ? E : D * H;
      perDirection += D * (2 * input * G * H + 2 * H * G * H + 2 * rows * G * H + 2 * rows * H);
    }
    const capacity =
      2 * rows * E + layers * 2 * rows * D * H + perDirection + 2 * D * H * classes + 2 * options.maxBatch * (D * H + classes) + 5 * options.maxBatch * H + 4096;
    const choice = options.kernels ?? 'auto';
    let kernels: Kernels;
    if (choice === 'js') kernels = createJsKernels(capacity);
    else {
      try {
        kernels = await createWasmKernels({ capacityFloats: capacity });
      } catch (err) {
        if (choice === 'wasm') throw err;
        kernels = createJsKernels(capacity);
      }
    }
    return new RecurrentNet(config, options, kernels);
  }

  /** The kernels in use, e.g. "wasm-relaxed-simd". */
  get kernelName(): string {
    return this.kernels.name;
  }

  /** Shapes of the weights in tfjs-layers getWeights() order. */
  weightShapes(): number[][] {
    const { hiddenSize: H, embeddingSize: E, classes, vocabSize } = this.config;
    const G = this.gatesPerUnit;
    const shapes: number[][] = [[vocabSize, E]];
    for (const dirs of this.directions) for (const d of dirs) shapes.push([d.input, G * H], [H, G * H], [G * H]);
    shapes.push([this.dirCount * H, classes], [classes]);
    return shapes;
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
  }

  /** Copies weights in for every array but the embedding (which a worker shares instead). */
  setWeightsExceptEmbedding(values: ArrayLike<number>[]): void {
    const targets = this.weightArrays();
    for (let i = 1; i < targets.length; i++) targets[i].set(values[i - 1]);
  }

  /** Copies of the weights (tfjs-layers getWeights() order and layout). */
  getWeights(): Float32Array[] {
    return this.weightArrays().map((w) => w.slice());
  }

  private checkBatch(ids: Int32Array, batch: number, time: number): void {
    if (batch < 1 || time < 1 || batch > this.options.maxBatch || time > this.options.maxTime) {
      throw new Error(`Batch ${batch}×${time} is outside the network's buffers (${this.options.maxBatch}×${this.options.maxTime})`);
    }
    if (ids.length !== batch * time) throw new Error(`Expected ${batch * time} ids, got ${ids.length}`);
  }

  /** Forward pass; fills probs [B, classes] and all per-step buffers. */
  private forward(ids: Int32Array, batch: number, time: number, keepPre: boolean): void {
    const { embeddingSize: E, hiddenSize: H, classes, vocabSize } = this.config;
    const B = batch;
    const T = time;
    const D = this.dirCount;
    const x0 = this.acts[0];
    const mask = this.mask;
    for (let t = 0; t < T; t++) {
      for (let b = 0; b < B; b++) {
        let id = ids[b * T + t];
        if (id < 0 || id >= vocabSize) id = 1;
        mask[t * B + b] = id === 0 ? 0 : 1;
        x0.set(this.embedding.subarray(id * E, id * E + E), (t * B + b) * E);
      }
    }
    for (let l = 0; l < this.directions.length; l++) {
      const input = this.acts[l];
      const output = this.acts[l + 1];
      this.directions[l].forEach((dir, d) => this.forwardDirection(dir, d, input, output, B, T, keepPre));
    }
    // Final state: forward direction at the last step, backward direction at the first step.
    const last = this.acts[this.acts.length - 1];
    const width = D * H;
    for (let b = 0; b < B; b++) {
      this.finalH.set(last.subarray(((T - 1) * B + b) * width, ((T - 1) * B + b) * width + H), b * width);
      if (D === 2) this.finalH.set(last.subarray(b * width + H, b * width + 2 * H), b * width + H);
    }
    // Dense + softmax.
    const probs = this.probs;
    this.kernels.sgemm(false, false, B, classes, width, this.finalH, width, this.denseW, classes, probs, classes, 0);
    for (let b = 0; b < B; b++) {
      let max = -Infinity;
      for (let c = 0; c < classes; c++) {
        const v = probs[b * classes + c] + this.denseB[c];
        probs[b * classes + c] = v;
        if (v > max) max = v;
      }
      let sum = 0;
      for (let c = 0; c < classes; c++) {
        const e = Math.exp(probs[b * classes + c] - max);
        probs[b * classes + c] = e;
        sum += e;
      }
      for (let c = 0; c < classes; c++) probs[b * classes + c] /= sum;
    }
  }

  private forwardDirection(dir: Direction, d: number, input: Float32Array, output: Float32Array, B: number, T: number, keepPre: boolean): void {
    const H = this.config.hiddenSize;
    const G = this.gatesPerUnit;
    const GH = G * H;
    const width = this.dirCount * H;
    const k = this.kernels;
    const { gates, W, U, b: bias } = dir;
    const cell = this.config.cell;
    const backward = d === 1;
    // All input projections at once: Z = X·W (+ b below).
    k.sgemm(false, false, T * B, GH, dir.input, input, dir.input, W, GH, gates, GH, 0);
    if (keepPre && dir.pre.length !== T * B * GH) dir.pre = new Float32Array(T * B * GH);
    const out = output.subarray(d * H);
    for (let s = 0; s < T; s++) {
      const t = backward ? T - 1 - s : s;
      const row = t * B;
      const z = gates.subarray(row * GH, (row + B) * GH);
      // h_{t-1} in processing order: a view into the output rows of the previous step, or zeros.
      const prevT = s === 0 ? -1 : backward ? t + 1 : t - 1;
      let hPrev: Float32Array;
      let ldPrev: number;
      if (prevT < 0) {
        hPrev = this.zeroH;
        ldPrev = H;
      } else {
        hPrev = out.subarray(prevT * B * width);
        ldPrev = width;
      }
      if (cell === 'gru') {
        k.sgemm(false, false, B, 2 * H, H, hPrev, ldPrev, U, GH, z, GH, 1);
      } else {
        k.sgemm(false, false, B, GH, H, hPrev, ldPrev, U, GH, z, GH, 1);
      }
      for (let bb = 0; bb < B; bb++) {
        const zr = bb * GH;
        const masked = this.mask[row + bb] === 0;
        const hp = prevT < 0 ? -1 : (prevT * B + bb) * width;
        const ho = (row + bb) * width;
        if (cell === 'lstm') {
          const cRow = (row + bb) * H;
          const cPrevRow = prevT < 0 ? -1 : (prevT * B + bb) * H;
          for (let j = 0; j < H; j++) {
            const zi = z[zr + j] + bias[j];
            const zf = z[zr + H + j] + bias[H + j];
            const zc = z[zr + 2 * H + j] + bias[2 * H + j];
            const zo = z[zr + 3 * H + j] + bias[3 * H + j];
            if (keepPre) {
              const p = (row + bb) * GH;
              dir.pre[p + j] = zi;
              dir.pre[p + H + j] = zf;
              dir.pre[p + 2 * H + j] = zc;
              dir.pre[p + 3 * H + j] = zo;
            }
            const i = sigmoid(zi);
            const f = sigmoid(zf);
            const cc = Math.tanh(zc);
            const o = sigmoid(zo);
            z[zr + j] = i;
            z[zr + H + j] = f;
            z[zr + 2 * H + j] = cc;
            z[zr + 3 * H + j] = o;
            const cPrev = cPrevRow < 0 ? 0 : dir.c[cPrevRow + j];
            const hPrevV = hp < 0 ? 0 : out[hp + j];
            if (masked) {
              dir.c[cRow + j] = cPrev;
              out[ho + j] = hPrevV;
            } else {
              const c = f * cPrev + i * cc;
              dir.c[cRow + j] = c;
              out[ho + j] = o * Math.tanh(c);
            }
          }
        } else if (cell === 'simplernn') {
          for (let j = 0; j < H; j++) {
            const zz = z[zr + j] + bias[j];
            if (keepPre) dir.pre[(row + bb) * GH + j] = zz;
            const h = Math.tanh(zz);
            z[zr + j] = h;
            out[ho + j] = masked ? (hp < 0 ? 0 : out[hp + j]) : h;
          }
        } else {
          // GRU: z and r first; then r ⊙ h_{t-1} feeds the candidate's recurrent product.
          const rhRow = (row + bb) * H;
          for (let j = 0; j < H; j++) {
            const zz = z[zr + j] + bias[j];
            const zr2 = z[zr + H + j] + bias[H + j];
            if (keepPre) {
              dir.pre[(row + bb) * GH + j] = zz;
              dir.pre[(row + bb) * GH + H + j] = zr2;
            }
            const zg = sigmoid(zz);
            const rg = sigmoid(zr2);
            z[zr + j] = zg;
            z[zr + H + j] = rg;
            dir.rh[rhRow + j] = rg * (hp < 0 ? 0 : out[hp + j]);
          }
        }
      }
      if (cell === 'gru') {
        const rh = dir.rh.subarray(row * H, (row + B) * H);
        k.sgemm(false, false, B, H, H, rh, H, U.subarray(2 * H), GH, z.subarray(2 * H), GH, 1);
        for (let bb = 0; bb < B; bb++) {
          const zr = bb * GH;
          const masked = this.mask[row + bb] === 0;
          const hp = prevT < 0 ? -1 : (prevT * B + bb) * width;
          const ho = (row + bb) * width;
          for (let j = 0; j < H; j++) {
            const zh = z[zr + 2 * H + j] + bias[2 * H + j];
            if (keepPre) dir.pre[(row + bb) * GH + 2 * H + j] = zh;
            const hh = Math.tanh(zh);
            z[zr + 2 * H + j] = hh;
            const hPrevV = hp < 0 ? 0 : out[hp + j];
            const zg = z[zr + j];
            out[ho + j] = masked ? hPrevV : zg * hPrevV + (1 - zg) * hh;
          }
        }
      }
    }
  }

  /** Class probabilities [B*classes] for a right-padded batch (ids row-major [B, T], 0 = padding). */
  predict(ids: Int32Array, batch: number, time: number): Float32Array {
    this.checkBatch(ids, batch, time);
    this.forward(ids, batch, time, false);
    return this.probs.slice(0, batch * this.config.classes);
  }

  /** Forward with every per-token value captured (for the views). */
  inspect(ids: Int32Array, batch: number, time: number): { probs: Float32Array; directions: DirectionCapture[] } {
    this.checkBatch(ids, batch, time);
    this.forward(ids, batch, time, true);
    const H = this.config.hiddenSize;
    const width = this.dirCount * H;
    const rows = batch * time;
    const captures: DirectionCapture[] = [];
    this.directions.forEach((dirs, l) =>
      dirs.forEach((dir, d) => {
        const out = this.acts[l + 1];
        const h = new Float32Array(rows * H);
        for (let r = 0; r < rows; r++) h.set(out.subarray(r * width + d * H, r * width + d * H + H), r * H);
        captures.push({
          layer: l,
          direction: d === 0 ? 'forward' : 'backward',
          h,
          c: this.config.cell === 'lstm' ? dir.c.slice(0, rows * H) : undefined,
          gates: dir.gates.slice(0, rows * this.gatesPerUnit * H),
          preactivations: dir.pre.slice(0, rows * this.gatesPerUnit * H),
        });
      }),
    );
    return { probs: this.probs.slice(0, batch * this.config.classes), directions: captures };
  }

  /**
   * Loss and gradients of a batch without updating anything: fills the gradient buffers and returns
   * the mean loss (tfjs's sparse categorical crossentropy, probabilities clipped to [1e-7, 1 - 1e-7])
   * and the embedding gradient as rows.
   */
  computeGradients(ids: Int32Array, labels: Int32Array, batch: number, time: number): { loss: number; correct: number; embeddingGrad: Map<number, Float32Array> } {
    this.checkBatch(ids, batch, time);
    const { hiddenSize: H, classes, embeddingSize: E } = this.config;
    const B = batch;
    const T = time;
    const D = this.dirCount;
    const width = D * H;
    const k = this.kernels;
    this.forward(ids, B, T, false);
    // Loss and dL/dlogits.
    let loss = 0;
    let correct = 0;
    const probs = this.probs;
    const dLogits = this.dLogits;
    for (let b = 0; b < B; b++) {
      const y = labels[b];
      const py = probs[b * classes + y];
      const clipped = Math.min(1 - PROB_EPSILON, Math.max(PROB_EPSILON, py));
      loss -= Math.log(clipped);
      let best = 0;
      for (let c = 1; c < classes; c++) if (probs[b * classes + c] > probs[b * classes + best]) best = c;
      if (best === y) correct++;
      const inside = py > PROB_EPSILON && py < 1 - PROB_EPSILON;
      for (let c = 0; c < classes; c++) dLogits[b * classes + c] = inside ? (probs[b * classes + c] - (c === y ? 1 : 0)) / B : 0;
    }
    loss /= B;
    // Dense layer.
    k.sgemm(true, false, width, classes, B, this.finalH, width, dLogits, classes, this.dDenseW, classes, 0);
    this.dDenseB.fill(0);
    for (let b = 0; b < B; b++) for (let c = 0; c < classes; c++) this.dDenseB[c] += dLogits[b * classes + c];
    k.sgemm(false, true, B, width, classes, dLogits, classes, this.denseW, classes, this.dFinal, width, 0);
    // Seed the top layer's output gradient with the final state's gradient.
    const L = this.directions.length;
    const dTop = this.dActs[L];
    dTop.fill(0, 0, T * B * width);
    for (let b = 0; b < B; b++) {
      for (let j = 0; j < H; j++) dTop[((T - 1) * B + b) * width + j] = this.dFinal[b * width + j];
      if (D === 2) for (let j = 0; j < H; j++) dTop[b * width + H + j] = this.dFinal[b * width + H + j];
    }
    for (let l = L - 1; l >= 0; l--) {
      const dirs = this.directions[l];
      const dInput = this.dActs[l];
      dirs.forEach((dir, d) => this.backwardDirection(dir, d, this.acts[l], this.acts[l + 1], this.dActs[l + 1], dInput, B, T, d === 0 ? 0 : 1));
    }
    // Embedding rows: sum the gradient of each looked-up row (padding excluded).
    const dx0 = this.dActs[0];
    const embeddingGrad = new Map<number, Float32Array>();
    for (let t = 0; t < T; t++) {
      for (let b = 0; b < B; b++) {
        const id = ids[b * T + t];
        if (id <= 0 || id >= this.config.vocabSize) continue;
        let row = embeddingGrad.get(id);
        if (!row) embeddingGrad.set(id, (row = new Float32Array(E)));
        const base = (t * B + b) * E;
        for (let e = 0; e < E; e++) row[e] += dx0[base + e];
      }
    }
    return { loss, correct, embeddingGrad };
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
    const G = this.gatesPerUnit;
    const GH = G * H;
    const width = this.dirCount * H;
    const k = this.kernels;
    const cell = this.config.cell;
    const backward = d === 1;
    const out = output.subarray(d * H);
    const dOut = dOutput.subarray(d * H);
    const { gates, dZ, U } = dir;
    const dhCarry = this.carryH;
    const dcCarry = this.carryC;
    const dhNew = this.tmpH;
    dhCarry.fill(0, 0, B * H);
    dcCarry.fill(0, 0, B * H);
    for (let s = T - 1; s >= 0; s--) {
      const t = backward ? T - 1 - s : s;
      const row = t * B;
      const prevT = s === 0 ? -1 : backward ? t + 1 : t - 1;
      const dz = dZ.subarray(row * GH, (row + B) * GH);
      for (let bb = 0; bb < B; bb++) {
        const masked = this.mask[row + bb] === 0;
        const zr = (row + bb) * GH;
        const dzr = bb * GH;
        const ho = (row + bb) * width;
        const hp = prevT < 0 ? -1 : (prevT * B + bb) * width;
        for (let j = 0; j < H; j++) {
          const dh = dOut[ho + j] + dhCarry[bb * H + j];
          if (masked) {
            // h_t = h_{t-1} and c_t = c_{t-1}: the gradient passes through unchanged.
            for (let g = 0; g < G; g++) dz[dzr + g * H + j] = 0;
            dhNew[bb * H + j] = dh;
            continue;
          }
          if (cell === 'lstm') {
            const i = gates[zr + j];
            const f = gates[zr + H + j];
            const cc = gates[zr + 2 * H + j];
            const o = gates[zr + 3 * H + j];
            const c = dir.c[(row + bb) * H + j];
            const cPrev = prevT < 0 ? 0 : dir.c[(prevT * B + bb) * H + j];
            const tc = Math.tanh(c);
            const dc = dcCarry[bb * H + j] + dh * o * (1 - tc * tc);
            dz[dzr + j] = dc * cc * i * (1 - i);
            dz[dzr + H + j] = dc * cPrev * f * (1 - f);
            dz[dzr + 2 * H + j] = dc * i * (1 - cc * cc);
            dz[dzr + 3 * H + j] = dh * tc * o * (1 - o);
            dcCarry[bb * H + j] = dc * f;
            dhNew[bb * H + j] = 0;
          } else if (cell === 'simplernn') {
            const h = gates[zr + j];
            dz[dzr + j] = dh * (1 - h * h);
            dhNew[bb * H + j] = 0;
          } else {
            const zg = gates[zr + j];
            const hh = gates[zr + 2 * H + j];
            const hPrevV = hp < 0 ? 0 : out[hp + j];
            dz[dzr + j] = dh * (hPrevV - hh) * zg * (1 - zg);
            dz[dzr + 2 * H + j] = dh * (1 - zg) * (1 - hh * hh);
            dhNew[bb * H + j] = dh * zg;
          }
        }
      }
      if (cell === 'gru') {
        // d(r ⊙ h_{t-1}) = dZ_h · U_hᵀ, then r's gate gradient and the direct path to h_{t-1}.
        const dRh = this.tmpR;
        k.sgemm(false, true, B, H, H, dz.subarray(2 * H), GH, U.subarray(2 * H), GH, dRh, H, 0);
        for (let bb = 0; bb < B; bb++) {
          const masked = this.mask[row + bb] === 0;
          const zr = (row + bb) * GH;
          const hp = prevT < 0 ? -1 : (prevT * B + bb) * width;
          for (let j = 0; j < H; j++) {
            if (masked) {
              dz[bb * GH + H + j] = 0;
              continue;
            }
            const r = gates[zr + H + j];
            const hPrevV = hp < 0 ? 0 : out[hp + j];
            const g = dRh[bb * H + j];
            dz[bb * GH + H + j] = g * hPrevV * r * (1 - r);
            dhNew[bb * H + j] += g * r;
          }
        }
        if (prevT >= 0) k.sgemm(false, true, B, H, 2 * H, dz, GH, U, GH, dhNew, H, 1);
      } else if (prevT >= 0) {
        k.sgemm(false, true, B, H, GH, dz, GH, U, GH, dhNew, H, 1);
      }
      dhCarry.set(dhNew.subarray(0, B * H));
    }
    // Weight gradients over all steps at once.
    const rows = T * B;
    k.sgemm(true, false, dir.input, GH, rows, input, dir.input, dZ, GH, dir.dW, GH, 0);
    dir.db.fill(0);
    for (let r = 0; r < rows; r++) for (let g = 0; g < GH; g++) dir.db[g] += dZ[r * GH + g];
    // dU = Σ_t h_{prev(t)}ᵀ · dZ_t; the first processed step has h_prev = 0.
    const cols = cell === 'gru' ? 2 * H : GH;
    if (T > 1) {
      const hPrevRows = backward ? out.subarray(B * width) : out;
      const dzRows = backward ? dZ : dZ.subarray(B * GH);
      k.sgemm(true, false, H, cols, (T - 1) * B, hPrevRows, width, dzRows, GH, dir.dU, GH, 0);
    } else {
      for (let r = 0; r < H; r++) dir.dU.fill(0, r * GH, r * GH + cols);
    }
    if (cell === 'gru') k.sgemm(true, false, H, H, rows, dir.rh, H, dZ.subarray(2 * H), GH, dir.dU.subarray(2 * H), GH, 0);
    // Gradient w.r.t. the layer input.
    k.sgemm(false, true, rows, dir.input, GH, dZ, GH, dir.W, GH, dInput, dir.input, beta);
  }

  /** One Adam step on a batch; returns the batch's mean loss and the number of correct predictions. */
  trainStep(ids: Int32Array, labels: Int32Array, batch: number, time: number): number {
    return this.trainStepWithAccuracy(ids, labels, batch, time).loss;
  }

  /** One Adam step on a batch: loss, correct count. */
  trainStepWithAccuracy(ids: Int32Array, labels: Int32Array, batch: number, time: number): { loss: number; correct: number } {
    const { loss, correct, embeddingGrad } = this.computeGradients(ids, labels, batch, time);
    this.applyAdam(embeddingGrad);
    return { loss, correct };
  }

  /** One Adam step with the gradients now in the gradient buffers and the given embedding rows. */
  applyAdam(embeddingGrad: Map<number, Float32Array>): void {
    const lr = this.config.learningRate;
    this.step++;
    this.accBeta1 *= ADAM.beta1;
    this.accBeta2 *= ADAM.beta2;
    const c1 = 1 - this.accBeta1;
    const c2 = 1 - this.accBeta2;
    for (const slot of this.slots) slot.step(lr, c1, c2);
    const E = this.config.embeddingSize;
    const { beta1, beta2, epsilon } = ADAM;
    for (const [id, g] of embeddingGrad) {
      const base = id * E;
      for (let e = 0; e < E; e++) {
        const i = base + e;
        const mi = beta1 * this.embM[i] + (1 - beta1) * g[e];
        const vi = beta2 * this.embV[i] + (1 - beta2) * g[e] * g[e];
        this.embM[i] = Math.abs(mi) < 1e-30 ? 0 : mi;
        this.embV[i] = vi < 1e-30 ? 0 : vi;
        this.embedding[i] -= (lr * (this.embM[i] / c1)) / (Math.sqrt(this.embV[i] / c2) + epsilon);
      }
    }
  }

  /** Gradient buffers in getWeights() order (embedding excluded: it is sparse), for tests. */
  denseGradients(): Float32Array[] {
    return [...this.directions.flat().flatMap((d) => [d.dW, d.dU, d.db]), this.dDenseW, this.dDenseB];
  }

  /** Releases nothing yet (buffers are garbage-collected with the network); kept for the API. */
  dispose(): void {
    this.step = 0;
  }
}
