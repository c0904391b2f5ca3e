// The kernel contract: what every numeric backend (WebAssembly SIMD, plain JS, native, GPU) implements
// for our recurrent network: matrix multiply and the per-step elementwise work of the cells, on arrays
// that live in one arena handed out by a bump allocator (a matrix is a pointer there, calls need no copying).
export interface Kernels {
  /** Which implementation: "wasm-relaxed-simd", "wasm-simd" or "js". */
  readonly name: string;
  /**
   * With shared memory, what another thread needs to run kernels of its own on the same memory:
   * the memory (to attach to) and the spare region reserved for it (KernelMemoryOptions.spareBytes).
   */
  readonly sharing: KernelSharing | undefined;
  /** A zero-filled Float32Array of n floats in the arena, 64-byte aligned; views stay valid (the arena never grows). */
  alloc(n: number): Float32Array;
  /** The allocator's position, to give to release(). */
  mark(): number;
  /** Frees everything allocated after `mark` (from mark()). */
  release(mark: number): void;
  /** C = op(A)·op(B) + beta·C on arrays from alloc() (row-major, leading dimensions in floats; beta 0 ignores C's old contents). */
  sgemm(
    transA: boolean, transB: boolean, M: number, N: number, K: number,
    A: Float32Array, lda: number, B: Float32Array, ldb: number, C: Float32Array, ldc: number, beta: 0 | 1,
  ): void;
  /** Floats `packB` writes for a K×N op(B). */
  packedSize(K: number, N: number): number;
  /** Packs op(B) (K×N) once into `packed` (packedSize(K, N) floats), for sgemmPacked to multiply by many times. */
  packB(transB: boolean, K: number, N: number, B: Float32Array, ldb: number, packed: Float32Array): void;
  /** C = op(A)·Bp + beta·C with Bp from packB(…, K, N, …): the same numbers as sgemm on the unpacked B. */
  sgemmPacked(transA: boolean, M: number, N: number, K: number, A: Float32Array, lda: number, packed: Float32Array, C: Float32Array, ldc: number, beta: 0 | 1): void;
  /**
   * LSTM forward step on B rows of H units: z [B, 4H] holds x·W + h·U; adds bias [4H], writes the
   * gates i, f, c̃, o in place, c = f⊙cPrev + i⊙c̃ [B, H] and h = o⊙tanh(c) (rows ldh apart); rows
   * whose mask is 0 carry cPrev and hPrev. `pre` (optional, [B, 4H]) receives z + bias.
   */
  lstmForward(
    B: number, H: number, z: Float32Array, bias: Float32Array, pre: Float32Array | null, cPrev: Float32Array, c: Float32Array,
    hPrev: Float32Array, ldPrev: number, h: Float32Array, ldh: number, mask: Float32Array,
  ): void;
  /**
   * LSTM backward step: with dh = dh (rows ldDh apart) + dhCarry, writes the pre-activation gradients
   * dz [B, 4H], dcCarry = dc⊙f and dhNew = 0; masked rows: dz 0, dhNew = dh, dcCarry kept.
   */
  lstmBackward(
    B: number, H: number, gates: Float32Array, c: Float32Array, cPrev: Float32Array, dh: Float32Array, ldDh: number,
    dhCarry: Float32Array, dcCarry: Float32Array, dz: Float32Array, dhNew: Float32Array, mask: Float32Array,
  ): void;
  /** GRU forward, first half: σ of z's z and r blocks ([B, 3H], + bias) in place, rh = r⊙hPrev [B, H]. */
  gruForwardGates(B: number, H: number, z: Float32Array, bias: Float32Array, pre: Float32Array | null, hPrev: Float32Array, ldPrev: number, rh: Float32Array): void;
  /** GRU forward, second half: h̃ = tanh(z's h̃ block + bias) in place, h = z⊙hPrev + (1 − z)⊙h̃; masked rows carry hPrev. */
  gruForwardOutput(
    B: number, H: number, z: Float32Array, bias: Float32Array, pre: Float32Array | null, hPrev: Float32Array, ldPrev: number,
    h: Float32Array, ldh: number, mask: Float32Array,
  ): void;
  /** GRU backward, first half: dz's z and h̃ blocks and dhNew = dh⊙z, dh = dh + dhCarry; masked rows: dz 0, dhNew = dh. */
  gruBackwardGates(
    B: number, H: number, gates: Float32Array, hPrev: Float32Array, ldPrev: number, dh: Float32Array, ldDh: number,
    dhCarry: Float32Array, dz: Float32Array, dhNew: Float32Array, mask: Float32Array,
  ): void;
  /** GRU backward, second half: dz's r block from dRh = d(r⊙hPrev) [B, H], dhNew += dRh⊙r; masked rows: r block 0. */
  gruBackwardReset(
    B: number, H: number, gates: Float32Array, hPrev: Float32Array, ldPrev: number, dRh: Float32Array, dz: Float32Array,
    dhNew: Float32Array, mask: Float32Array,
  ): void;
  /** SimpleRNN forward step: z [B, H] becomes tanh(z + bias) in place and h; masked rows carry hPrev. */
  simpleRnnForward(
    B: number, H: number, z: Float32Array, bias: Float32Array, pre: Float32Array | null, hPrev: Float32Array, ldPrev: number,
    h: Float32Array, ldh: number, mask: Float32Array,
  ): void;
  /** SimpleRNN backward step: dz = dh⊙(1 − h²) with dh = dh + dhCarry, dhNew = 0; masked rows: dz 0, dhNew = dh. */
  simpleRnnBackward(
    B: number, H: number, gates: Float32Array, dh: Float32Array, ldDh: number, dhCarry: Float32Array, dz: Float32Array,
    dhNew: Float32Array, mask: Float32Array,
  ): void;
  /** out[j] = Σ_r x[r·ld + j] over `rows` rows, for j < n (rows added in order). */
  sumRows(rows: number, n: number, x: Float32Array, ld: number, out: Float32Array): void;
  /** One Adam step (tf.train.adam's update) on param (m, v its moments; c1 = 1 − β₁ᵗ, c2 = 1 − β₂ᵗ). */
  adam(param: Float32Array, grad: Float32Array, m: Float32Array, v: Float32Array, step: AdamStep): void;
  /**
   * Adam (as `adam`) for the parameter rows ids[i], i < n: updates those rows of the moments m, v
   * ([rows, E]) from gradient row i of grad [n, E], and turns that row into the parameter's change
   * (−lr·m̂/(√v̂ + ε)), to be added to the parameter row: scatterAddRows, or by the table's owner.
   */
  adamRows(n: number, E: number, ids: Float32Array, grad: Float32Array, m: Float32Array, v: Float32Array, step: AdamStep): void;
  /** out row r = table row ids[r], r < n (rows of E floats; ids hold row numbers as floats). */
  gatherRows(n: number, E: number, table: Float32Array, ids: Float32Array, out: Float32Array): void;
  /** out row index[r] += x row r for r < n (in order), skipping rows whose index is −1 (rows of E floats). */
  scatterAddRows(n: number, E: number, x: Float32Array, index: Float32Array, out: Float32Array): void;
  /** y = f(x) elementwise, as the cell kernels compute it (exp's input clamped to [−87, 88], the sigmoid's to ±80); y may be x. */
  activate(f: Activation, x: Float32Array, y: Float32Array): void;
  /**
   * Optional: one direction's whole forward recurrence in one call — the cell's forward step (CellSpec.forwardStep)
   * for processing steps s = 0 … T − 1, with the same numbers bit for bit. Kernels whose calls cost more than a
   * small step's work (native code behind a binding, a GPU) implement it; without it the network steps itself.
   */
  forwardRecurrence?(r: Recurrence): void;
  /** Optional: one direction's whole backward recurrence (CellSpec.backwardStep for s = T − 1 … 0), as forwardRecurrence. */
  backwardRecurrence?(r: BackwardRecurrence): void;
}

/**
 * One direction of one layer over T steps of B rows, as the network lays it out (rows time-major, t·B + b).
 * Processing step s reads time t = s (forward) or T − 1 − s (`reversed`); the state before the first step is `zeros`.
 */
export interface Recurrence {
  cell: 'lstm' | 'gru' | 'simplernn';
  B: number;
  H: number;
  T: number;
  /** The backward direction of a bidirectional layer: steps run from t = T − 1 down to 0. */
  reversed: boolean;
  /** [T·B, G·H]: x·W on entry; the gate activations on return. */
  z: Float32Array;
  /** [G·H]. */
  bias: Float32Array;
  /** [T·B, G·H] receiving z + h·U + bias, or null. */
  pre: Float32Array | null;
  /** U's column blocks packed (packB) for the forward product, as CellSpec.recurrentBlocks lists them. */
  packedU: Float32Array[];
  /** h rows: row r of the direction's output at h[r·ldh] (its layer output offset by the direction's H columns). */
  h: Float32Array;
  ldh: number;
  /** [T·B]: 1 for a token, 0 for padding. */
  mask: Float32Array;
  /** Zeros [B, H]. */
  zeros: Float32Array;
  /** [T·B, H]: the cell state (LSTM) or r ⊙ h_{t−1} (GRU); unused (empty) for SimpleRNN. */
  state: Float32Array;
}

/** The backward pass of a Recurrence whose forward pass ran (z holds the gate activations, h and state its outputs). */
export interface BackwardRecurrence extends Recurrence {
  /** U's column blocks transposed and packed (packB(true, …)) for dz·Uᵀ. */
  packedUT: Float32Array[];
  /** dL/dh rows from above, ldh apart like h. */
  dh: Float32Array;
  /** [T·B, G·H] receiving the pre-activation gradients. */
  dz: Float32Array;
  /** [B, H] each: dh carried between steps (two, swapped), dc carried (LSTM), d(r ⊙ h_{t−1}) (GRU). Zeroed first. */
  carryH: Float32Array;
  tmpH: Float32Array;
  carryC: Float32Array;
  tmpR: Float32Array;
}

/** The scalars of one Adam step. */
export interface AdamStep {
  lr: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  /** 1 − β₁ᵗ. */
  c1: number;
  /** 1 − β₂ᵗ. */
  c2: number;
}

/** A memory that kernel instances on several threads share: a shared WebAssembly.Memory, or a SharedArrayBuffer for the JS kernels. */
export type KernelMemory = WebAssembly.Memory | SharedArrayBuffer;

/** See Kernels.sharing. */
export interface KernelSharing {
  memory: KernelMemory;
  /** Byte offset of the spare region, for `attach`. */
  spareAt: number;
  spareBytes: number;
}

/** Where an instance's memory comes from. */
export interface KernelMemoryOptions {
  /** A new memory: reserve this many bytes after the arena for another instance (see regionBytes). */
  spareBytes?: number;
  /** Instantiate on this memory (another instance's), at this byte offset: its spare region. */
  attach?: { memory: KernelMemory; at: number };
}

/** The functions `activate` applies. */
export type Activation = 'exp' | 'sigmoid' | 'tanh';

/** WebAssembly kernels: also expose their shared memory, for worker threads to instantiate on. */
export interface WasmKernels extends Kernels {
  /** The shared, fixed-size memory holding the arena and this instance's packing workspace. */
  readonly memory: WebAssembly.Memory;
}
