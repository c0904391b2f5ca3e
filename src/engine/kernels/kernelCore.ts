// Numeric kernels for our recurrent training: matrix multiply and the per-step elementwise work of
// the cells, as WebAssembly SIMD builds of src/engine/kernels/asm/{gemm,elementwise}.ts or plain
// TypeScript (the fallback and the tests' oracle). Every array the kernels touch lives in one arena (a
// WebAssembly.Memory for wasm) handed out by a bump allocator, so a matrix is a pointer there and calls
// need no copying. The memory never grows; the engine's is shared, so worker threads can instantiate
// the same module on it. This file runs anywhere (Node, a webview): loading the .wasm file from disk is
// wasmKernels.ts's job.
/** A set of matrix kernels with the arena their arrays must come from. */
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

const ACTIVATIONS: readonly Activation[] = ['exp', 'sigmoid', 'tanh'];

/** WebAssembly kernels: also expose their shared memory, for worker threads to instantiate on. */
export interface WasmKernels extends Kernels {
  /** The shared, fixed-size memory holding the arena and this instance's packing workspace. */
  readonly memory: WebAssembly.Memory;
}

const ALIGN = 64;
const PAGE = 65536;
const MAX_PAGES = 65536;
/** Bytes at the start of the memory left to the module (it has no static data; keeps 0 a non-pointer). */
const RESERVED_BYTES = 1024;
/** Packing workspace of the wasm sgemm: its edge tile, one 128×256 A block and a 256×1912 B slice. */
const WORKSPACE_BYTES = 2 * 1024 * 1024;

/** (func (param v128 v128 v128) (result v128) local.get 0 local.get 1 local.get 2 f32x4.relaxed_madd) */
const RELAXED_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  0x01, 0x08, 0x01, 0x60, 0x03, 0x7b, 0x7b, 0x7b, 0x01, 0x7b,
  0x03, 0x02, 0x01, 0x00,
  0x0a, 0x0d, 0x01, 0x0b, 0x00, 0x20, 0x00, 0x20, 0x01, 0x20, 0x02, 0xfd, 0x85, 0x02, 0x0b,
]);

/** (func (result v128) v128.const i32x4 0 0 0 0) */
const SIMD_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b,
  0x03, 0x02, 0x01, 0x00,
  0x0a, 0x16, 0x01, 0x14, 0x00, 0xfd, 0x0c, ...new Array<number>(16).fill(0), 0x0b,
]);

/** Whether this runtime validates WebAssembly relaxed SIMD as it is (no flags turned on). */
export function relaxedSimdValidates(): boolean {
  return WebAssembly.validate(RELAXED_PROBE);
}

/** Whether this runtime runs WebAssembly fixed-width SIMD. */
export function simdSupported(): boolean {
  return WebAssembly.validate(SIMD_PROBE);
}

function roundUp(n: number, to: number): number {
  return Math.ceil(n / to) * to;
}

function checkCount(what: string, n: number): void {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`${what} must be a non-negative integer, got ${n}`);
}

/**
 * The elementwise kernels as the WebAssembly module exports them (asm/elementwise.ts): arrays as
 * byte offsets into the arena (0: none, for `pre`), counts and leading dimensions in floats.
 */
interface ElementwiseExports {
  lstmForward(B: number, H: number, z: number, bias: number, pre: number, cPrev: number, c: number, hPrev: number, ldPrev: number, h: number, ldh: number, mask: number): void;
  lstmBackward(B: number, H: number, gates: number, c: number, cPrev: number, dh: number, ldDh: number, dhCarry: number, dcCarry: number, dz: number, dhNew: number, mask: number): void;
  gruForwardGates(B: number, H: number, z: number, bias: number, pre: number, hPrev: number, ldPrev: number, rh: number): void;
  gruForwardOutput(B: number, H: number, z: number, bias: number, pre: number, hPrev: number, ldPrev: number, h: number, ldh: number, mask: number): void;
  gruBackwardGates(B: number, H: number, gates: number, hPrev: number, ldPrev: number, dh: number, ldDh: number, dhCarry: number, dz: number, dhNew: number, mask: number): void;
  gruBackwardReset(B: number, H: number, gates: number, hPrev: number, ldPrev: number, dRh: number, dz: number, dhNew: number, mask: number): void;
  simpleRnnForward(B: number, H: number, z: number, bias: number, pre: number, hPrev: number, ldPrev: number, h: number, ldh: number, mask: number): void;
  simpleRnnBackward(B: number, H: number, gates: number, dh: number, ldDh: number, dhCarry: number, dz: number, dhNew: number, mask: number): void;
  sumRows(rows: number, n: number, x: number, ld: number, out: number): void;
  adam(n: number, param: number, grad: number, m: number, v: number, lr: number, beta1: number, beta2: number, epsilon: number, c1: number, c2: number): void;
  adamRows(n: number, E: number, ids: number, grad: number, m: number, v: number, lr: number, beta1: number, beta2: number, epsilon: number, c1: number, c2: number): void;
  gatherRows(n: number, E: number, table: number, ids: number, out: number): void;
  scatterAddRows(n: number, E: number, x: number, index: number, out: number): void;
  /** f: 0 exp, 1 sigmoid, 2 tanh. */
  activate(f: number, n: number, x: number, y: number): void;
}

/** The operations shared by every implementation: the bump arena, and argument checks before the raw kernels run. */
abstract class ArenaKernels implements Kernels {
  private top: number;
  /** The end of everything ever handed out: above it the memory is still the zeros it was created with, never touched (so not resident). */
  private touched: number;

  protected constructor(
    readonly name: string,
    protected readonly buffer: ArrayBufferLike,
    private readonly start: number,
    private readonly end: number,
    private readonly raw: ElementwiseExports,
    readonly sharing: KernelSharing | undefined,
  ) {
    this.top = start;
    this.touched = start;
  }

  alloc(n: number): Float32Array {
    checkCount('alloc size', n);
    const bytes = roundUp(n * 4, ALIGN);
    if (this.top + bytes > this.end) {
      const free = Math.floor((this.end - this.top) / 4);
      throw new RangeError(`${this.name}: alloc(${n}) exceeds the arena (${free} floats free)`);
    }
    const view = new Float32Array(this.buffer, this.top, n);
    // Only memory handed out before (and released) needs zeroing: fresh memory is zero, and leaving it
    // untouched keeps buffers a run never uses (a worker's optimizer state, rows beyond its batch) out of RSS.
    if (this.touched > this.top) view.fill(0, 0, Math.min(n, (this.touched - this.top) / 4));
    this.top += bytes;
    this.touched = Math.max(this.touched, this.top);
    return view;
  }

  mark(): number {
    return this.top;
  }

  release(mark: number): void {
    if (!Number.isSafeInteger(mark) || mark < this.start || mark > this.top || mark % ALIGN !== 0) {
      throw new RangeError(`${this.name}: release(${mark}) is not a mark of this arena at or below the current one`);
    }
    this.top = mark;
  }

  sgemm(
    transA: boolean, transB: boolean, M: number, N: number, K: number,
    A: Float32Array, lda: number, B: Float32Array, ldb: number, C: Float32Array, ldc: number, beta: 0 | 1,
  ): void {
    checkCount('M', M);
    checkCount('N', N);
    checkCount('K', K);
    if (beta !== 0 && beta !== 1) throw new RangeError(`sgemm: beta must be 0 or 1, got ${beta}`);
    const a = this.operand('A', A, transA ? K : M, transA ? M : K, lda);
    const b = this.operand('B', B, transB ? N : K, transB ? K : N, ldb);
    const c = this.operand('C', C, M, N, ldc);
    if (overlaps(c, a) || overlaps(c, b)) throw new RangeError('sgemm: C must not overlap A or B');
    if (M === 0 || N === 0) return;
    this.gemm(transA, transB, M, N, K, A, lda, B, ldb, C, ldc, beta);
  }

  abstract packedSize(K: number, N: number): number;

  packB(transB: boolean, K: number, N: number, B: Float32Array, ldb: number, packed: Float32Array): void {
    checkCount('K', K);
    checkCount('N', N);
    const b = this.operand('B', B, transB ? N : K, transB ? K : N, ldb);
    const p = this.operand('packed', packed, 1, this.packedSize(K, N), this.packedSize(K, N));
    if (overlaps(p, b)) throw new RangeError('packB: the packed copy must not overlap B');
    if (K === 0 || N === 0) return;
    this.pack(transB, K, N, B, ldb, packed);
  }

  sgemmPacked(transA: boolean, M: number, N: number, K: number, A: Float32Array, lda: number, packed: Float32Array, C: Float32Array, ldc: number, beta: 0 | 1): void {
    checkCount('M', M);
    checkCount('N', N);
    checkCount('K', K);
    if (beta !== 0 && beta !== 1) throw new RangeError(`sgemmPacked: beta must be 0 or 1, got ${beta}`);
    const a = this.operand('A', A, transA ? K : M, transA ? M : K, lda);
    const p = this.operand('packed', packed, 1, this.packedSize(K, N), this.packedSize(K, N));
    const c = this.operand('C', C, M, N, ldc);
    if (overlaps(c, a) || overlaps(c, p)) throw new RangeError('sgemmPacked: C must not overlap A or the packed B');
    if (M === 0 || N === 0) return;
    this.gemmPacked(transA, M, N, K, A, lda, packed, C, ldc, beta);
  }

  lstmForward(
    B: number, H: number, z: Float32Array, bias: Float32Array, pre: Float32Array | null, cPrev: Float32Array, c: Float32Array,
    hPrev: Float32Array, ldPrev: number, h: Float32Array, ldh: number, mask: Float32Array,
  ): void {
    const k = 'lstmForward';
    this.cellShape(k, B, H);
    this.raw.lstmForward(
      B, H, this.rows(k, 'z', z, B, 4 * H), this.rows(k, 'bias', bias, 1, 4 * H), pre ? this.rows(k, 'pre', pre, B, 4 * H) : 0,
      this.rows(k, 'cPrev', cPrev, B, H), this.rows(k, 'c', c, B, H), this.rows(k, 'hPrev', hPrev, B, H, ldPrev), ldPrev,
      this.rows(k, 'h', h, B, H, ldh), ldh, this.rows(k, 'mask', mask, 1, B),
    );
  }

  lstmBackward(
    B: number, H: number, gates: Float32Array, c: Float32Array, cPrev: Float32Array, dh: Float32Array, ldDh: number,
    dhCarry: Float32Array, dcCarry: Float32Array, dz: Float32Array, dhNew: Float32Array, mask: Float32Array,
  ): void {
    const k = 'lstmBackward';
    this.cellShape(k, B, H);
    this.raw.lstmBackward(
      B, H, this.rows(k, 'gates', gates, B, 4 * H), this.rows(k, 'c', c, B, H), this.rows(k, 'cPrev', cPrev, B, H),
      this.rows(k, 'dh', dh, B, H, ldDh), ldDh, this.rows(k, 'dhCarry', dhCarry, B, H), this.rows(k, 'dcCarry', dcCarry, B, H),
      this.rows(k, 'dz', dz, B, 4 * H), this.rows(k, 'dhNew', dhNew, B, H), this.rows(k, 'mask', mask, 1, B),
    );
  }

  gruForwardGates(B: number, H: number, z: Float32Array, bias: Float32Array, pre: Float32Array | null, hPrev: Float32Array, ldPrev: number, rh: Float32Array): void {
    const k = 'gruForwardGates';
    this.cellShape(k, B, H);
    this.raw.gruForwardGates(
      B, H, this.rows(k, 'z', z, B, 3 * H), this.rows(k, 'bias', bias, 1, 3 * H), pre ? this.rows(k, 'pre', pre, B, 3 * H) : 0,
      this.rows(k, 'hPrev', hPrev, B, H, ldPrev), ldPrev, this.rows(k, 'rh', rh, B, H),
    );
  }

  gruForwardOutput(
    B: number, H: number, z: Float32Array, bias: Float32Array, pre: Float32Array | null, hPrev: Float32Array, ldPrev: number,
    h: Float32Array, ldh: number, mask: Float32Array,
  ): void {
    const k = 'gruForwardOutput';
    this.cellShape(k, B, H);
    this.raw.gruForwardOutput(
      B, H, this.rows(k, 'z', z, B, 3 * H), this.rows(k, 'bias', bias, 1, 3 * H), pre ? this.rows(k, 'pre', pre, B, 3 * H) : 0,
      this.rows(k, 'hPrev', hPrev, B, H, ldPrev), ldPrev, this.rows(k, 'h', h, B, H, ldh), ldh, this.rows(k, 'mask', mask, 1, B),
    );
  }

  gruBackwardGates(
    B: number, H: number, gates: Float32Array, hPrev: Float32Array, ldPrev: number, dh: Float32Array, ldDh: number,
    dhCarry: Float32Array, dz: Float32Array, dhNew: Float32Array, mask: Float32Array,
  ): void {
    const k = 'gruBackwardGates';
    this.cellShape(k, B, H);
    this.raw.gruBackwardGates(
      B, H, this.rows(k, 'gates', gates, B, 3 * H), this.rows(k, 'hPrev', hPrev, B, H, ldPrev), ldPrev, this.rows(k, 'dh', dh, B, H, ldDh), ldDh,
      this.rows(k, 'dhCarry', dhCarry, B, H), this.rows(k, 'dz', dz, B, 3 * H), this.rows(k, 'dhNew', dhNew, B, H), this.rows(k, 'mask', mask, 1, B),
    );
  }

  gruBackwardReset(
    B: number, H: number, gates: Float32Array, hPrev: Float32Array, ldPrev: number, dRh: Float32Array, dz: Float32Array,
    dhNew: Float32Array, mask: Float32Array,
  ): void {
    const k = 'gruBackwardReset';
    this.cellShape(k, B, H);
    this.raw.gruBackwardReset(
      B, H, this.rows(k, 'gates', gates, B, 3 * H), this.rows(k, 'hPrev', hPrev, B, H, ldPrev), ldPrev, this.rows(k, 'dRh', dRh, B, H),
      this.rows(k, 'dz', dz, B, 3 * H), this.rows(k, 'dhNew', dhNew, B, H), this.rows(k, 'mask', mask, 1, B),
    );
  }

  simpleRnnForward(
    B: number, H: number, z: Float32Array, bias: Float32Array, pre: Float32Array | null, hPrev: Float32Array, ldPrev: number,
    h: Float32Array, ldh: number, mask: Float32Array,
  ): void {
    const k = 'simpleRnnForward';
    this.cellShape(k, B, H);
    this.raw.simpleRnnForward(
      B, H, this.rows(k, 'z', z, B, H), this.rows(k, 'bias', bias, 1, H), pre ? this.rows(k, 'pre', pre, B, H) : 0,
      this.rows(k, 'hPrev', hPrev, B, H, ldPrev), ldPrev, this.rows(k, 'h', h, B, H, ldh), ldh, this.rows(k, 'mask', mask, 1, B),
    );
  }

  simpleRnnBackward(
    B: number, H: number, gates: Float32Array, dh: Float32Array, ldDh: number, dhCarry: Float32Array, dz: Float32Array,
    dhNew: Float32Array, mask: Float32Array,
  ): void {
    const k = 'simpleRnnBackward';
    this.cellShape(k, B, H);
    this.raw.simpleRnnBackward(
      B, H, this.rows(k, 'gates', gates, B, H), this.rows(k, 'dh', dh, B, H, ldDh), ldDh, this.rows(k, 'dhCarry', dhCarry, B, H),
      this.rows(k, 'dz', dz, B, H), this.rows(k, 'dhNew', dhNew, B, H), this.rows(k, 'mask', mask, 1, B),
    );
  }

  sumRows(rows: number, n: number, x: Float32Array, ld: number, out: Float32Array): void {
    const k = 'sumRows';
    checkCount(`${k}: rows`, rows);
    checkCount(`${k}: n`, n);
    this.raw.sumRows(rows, n, this.rows(k, 'x', x, rows, n, ld), ld, this.rows(k, 'out', out, 1, n));
  }

  adam(param: Float32Array, grad: Float32Array, m: Float32Array, v: Float32Array, step: AdamStep): void {
    const k = 'adam';
    const n = param.length;
    const { lr, beta1, beta2, epsilon, c1, c2 } = step;
    this.raw.adam(
      n, this.rows(k, 'param', param, 1, n), this.rows(k, 'grad', grad, 1, n), this.rows(k, 'm', m, 1, n), this.rows(k, 'v', v, 1, n),
      lr, beta1, beta2, epsilon, c1, c2,
    );
  }

  adamRows(n: number, E: number, ids: Float32Array, grad: Float32Array, m: Float32Array, v: Float32Array, step: AdamStep): void {
    const k = 'adamRows';
    this.rowShape(k, n, E);
    const rows = Math.floor(m.length / E);
    const { lr, beta1, beta2, epsilon, c1, c2 } = step;
    this.raw.adamRows(
      n, E, this.rowNumbers(k, 'ids', ids, n, rows, false), this.rows(k, 'grad', grad, n, E),
      this.rows(k, 'm', m, rows, E), this.rows(k, 'v', v, rows, E), lr, beta1, beta2, epsilon, c1, c2,
    );
  }

  gatherRows(n: number, E: number, table: Float32Array, ids: Float32Array, out: Float32Array): void {
    const k = 'gatherRows';
    this.rowShape(k, n, E);
    const rows = Math.floor(table.length / E);
    this.raw.gatherRows(n, E, this.rows(k, 'table', table, rows, E), this.rowNumbers(k, 'ids', ids, n, rows, false), this.rows(k, 'out', out, n, E));
  }

  scatterAddRows(n: number, E: number, x: Float32Array, index: Float32Array, out: Float32Array): void {
    const k = 'scatterAddRows';
    this.rowShape(k, n, E);
    const rows = Math.floor(out.length / E);
    this.raw.scatterAddRows(n, E, this.rows(k, 'x', x, n, E), this.rowNumbers(k, 'index', index, n, rows, true), this.rows(k, 'out', out, rows, E));
  }

  activate(f: Activation, x: Float32Array, y: Float32Array): void {
    const code = ACTIVATIONS.indexOf(f);
    if (code < 0) throw new RangeError(`activate: unknown function ${String(f)}`);
    const n = x.length;
    this.raw.activate(code, n, this.rows('activate', 'x', x, 1, n), this.rows('activate', 'y', y, 1, n));
  }

  private cellShape(kernel: string, B: number, H: number): void {
    checkCount(`${kernel}: B`, B);
    checkCount(`${kernel}: H`, H);
    if (H < 1) throw new RangeError(`${kernel}: H must be at least 1`);
  }

  private rowShape(kernel: string, n: number, E: number): void {
    checkCount(`${kernel}: n`, n);
    checkCount(`${kernel}: E`, E);
    if (E < 1) throw new RangeError(`${kernel}: E must be at least 1`);
  }

  /** Checks the first n of x are row numbers below `rows` (or −1 where `skip` allows); returns its byte offset. */
  private rowNumbers(kernel: string, what: string, x: Float32Array, n: number, rows: number, skip: boolean): number {
    const at = this.rows(kernel, what, x, 1, n);
    for (let i = 0; i < n; i++) {
      const r = x[i];
      if (!(Number.isInteger(r) && r < rows && (r >= 0 || (skip && r === -1)))) {
        throw new RangeError(`${kernel}: ${what}[${i}] = ${r} is not a row number below ${rows}${skip ? ' or -1' : ''}`);
      }
    }
    return at;
  }

  /** Checks x is this arena's and holds `rows` rows of `cols` floats, ld apart; returns its byte offset. */
  private rows(kernel: string, what: string, x: Float32Array, rows: number, cols: number, ld = cols): number {
    if (!(x instanceof Float32Array) || x.buffer !== this.buffer) {
      throw new TypeError(`${kernel}: ${what} is not an array from this ${this.name} kernels' alloc() (it lives in another buffer)`);
    }
    if (!Number.isSafeInteger(ld) || ld < cols) throw new RangeError(`${kernel}: the leading dimension of ${what} (${ld}) is below its ${cols} columns`);
    const needed = rows === 0 || cols === 0 ? 0 : (rows - 1) * ld + cols;
    if (needed > x.length) throw new RangeError(`${kernel}: ${what} needs ${needed} floats, the array has ${x.length}`);
    return x.byteOffset;
  }

  /** Runs the multiply on checked arguments. */
  protected abstract gemm(
    transA: boolean, transB: boolean, M: number, N: number, K: number,
    A: Float32Array, lda: number, B: Float32Array, ldb: number, C: Float32Array, ldc: number, beta: 0 | 1,
  ): void;

  /** Packs op(B) on checked arguments. */
  protected abstract pack(transB: boolean, K: number, N: number, B: Float32Array, ldb: number, packed: Float32Array): void;

  /** Multiplies by a packed B on checked arguments. */
  protected abstract gemmPacked(transA: boolean, M: number, N: number, K: number, A: Float32Array, lda: number, packed: Float32Array, C: Float32Array, ldc: number, beta: 0 | 1): void;

  /** Checks a stored rows×cols matrix (leading dimension ld) fits its array; returns where it lies. */
  private operand(what: string, x: Float32Array, rows: number, cols: number, ld: number): Region {
    if (!(x instanceof Float32Array) || x.buffer !== this.buffer) {
      throw new TypeError(`sgemm: ${what} is not an array from this ${this.name} kernels' alloc() (it lives in another buffer)`);
    }
    checkCount(`ld${what.toLowerCase()}`, ld);
    if (ld < Math.max(1, cols)) throw new RangeError(`sgemm: ld${what.toLowerCase()} ${ld} is below the ${cols} columns of ${what}`);
    const needed = rows === 0 || cols === 0 ? 0 : (rows - 1) * ld + cols;
    if (needed > x.length) {
      throw new RangeError(`sgemm: ${what} (${rows}×${cols}, ld ${ld}) needs ${needed} floats, the array has ${x.length}`);
    }
    const start = x.byteOffset / 4;
    return { start, end: start + needed, cols, ld };
  }
}

/** Where a strided matrix lies in the arena, in floats: its span and the columns it takes of each ld-wide row. */
interface Region {
  start: number;
  end: number;
  cols: number;
  ld: number;
}

/** Whether two matrices share an element; side-by-side column blocks of one ld-wide buffer do not. */
function overlaps(x: Region, y: Region): boolean {
  if (x.start >= y.end || y.start >= x.end) return false;
  if (x.ld !== y.ld) return true;
  const shift = (((y.start - x.start) % x.ld) + x.ld) % x.ld;
  return shift < x.cols || shift + y.cols > x.ld;
}

/** The exports of kernels-*.wasm. */
interface ModuleExports extends ElementwiseExports {
  minWorkspaceBytes(): number;
  setWorkspace(ptr: number, bytes: number): void;
  sgemm(
    transA: number, transB: number, M: number, N: number, K: number,
    A: number, lda: number, B: number, ldb: number, C: number, ldc: number, beta: number,
  ): void;
  packedBFloats(K: number, N: number): number;
  packB(transB: number, K: number, N: number, B: number, ldb: number, dst: number): void;
  sgemmPacked(transA: number, M: number, N: number, K: number, A: number, lda: number, Bp: number, C: number, ldc: number, beta: number): void;
}

class WasmModuleKernels extends ArenaKernels implements WasmKernels {
  constructor(name: string, readonly memory: WebAssembly.Memory, private readonly exports: ModuleExports, start: number, end: number, sharing: KernelSharing | undefined) {
    super(name, memory.buffer, start, end, exports, sharing);
  }

  protected gemm(
    transA: boolean, transB: boolean, M: number, N: number, K: number,
    A: Float32Array, lda: number, B: Float32Array, ldb: number, C: Float32Array, ldc: number, beta: 0 | 1,
  ): void {
    this.exports.sgemm(
      transA ? 1 : 0, transB ? 1 : 0, M, N, K,
      A.byteOffset, lda, B.byteOffset, ldb, C.byteOffset, ldc, beta,
    );
  }

  packedSize(K: number, N: number): number {
    return this.exports.packedBFloats(K, N);
  }

  protected pack(transB: boolean, K: number, N: number, B: Float32Array, ldb: number, packed: Float32Array): void {
    this.exports.packB(transB ? 1 : 0, K, N, B.byteOffset, ldb, packed.byteOffset);
  }

  protected gemmPacked(transA: boolean, M: number, N: number, K: number, A: Float32Array, lda: number, packed: Float32Array, C: Float32Array, ldc: number, beta: 0 | 1): void {
    this.exports.sgemmPacked(transA ? 1 : 0, M, N, K, A.byteOffset, lda, packed.byteOffset, C.byteOffset, ldc, beta);
  }
}

/** exp's input range (the result stays a normal float), as the WebAssembly kernels clamp it. */
const EXP_LO = -87;
const EXP_HI = 88;
/** The sigmoid's exp input range. */
const SIGMOID_LIMIT = 80;

/** e^x with x clamped to [−87, 88]. */
function exp(x: number): number {
  return Math.exp(x < EXP_LO ? EXP_LO : x > EXP_HI ? EXP_HI : x);
}

/** A logistic sigmoid whose exp() input is clamped to ±80, so no subnormals reach the buffers. */
function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(x < -SIGMOID_LIMIT ? SIGMOID_LIMIT : x > SIGMOID_LIMIT ? -SIGMOID_LIMIT : -x));
}

/**
 * The elementwise kernels in plain TypeScript on the same arguments as the WebAssembly exports (byte
 * offsets into the arena, viewed as one Float32Array), computing in double precision.
 */
class JsElementwise implements ElementwiseExports {
  constructor(private readonly f: Float32Array) {}

  lstmForward(B: number, H: number, z: number, bias: number, pre: number, cPrev: number, c: number, hPrev: number, ldPrev: number, h: number, ldh: number, mask: number): void {
    const f = this.f;
    const [zp, bp, pp, cpp, cp, hpp, hp, mp] = [z, bias, pre, cPrev, c, hPrev, h, mask].map((x) => x >>> 2);
    const G = 4 * H;
    for (let b = 0; b < B; b++) {
      const zr = zp + b * G;
      const keep = f[mp + b] !== 0;
      for (let j = 0; j < H; j++) {
        const zi = f[zr + j] + f[bp + j];
        const zf = f[zr + H + j] + f[bp + H + j];
        const zc = f[zr + 2 * H + j] + f[bp + 2 * H + j];
        const zo = f[zr + 3 * H + j] + f[bp + 3 * H + j];
        if (pre) {
          const pr = pp + b * G;
          f[pr + j] = zi;
          f[pr + H + j] = zf;
          f[pr + 2 * H + j] = zc;
          f[pr + 3 * H + j] = zo;
        }
        const i = sigmoid(zi);
        const fg = sigmoid(zf);
        const g = Math.tanh(zc);
        const o = sigmoid(zo);
        f[zr + j] = i;
        f[zr + H + j] = fg;
        f[zr + 2 * H + j] = g;
        f[zr + 3 * H + j] = o;
        const cPrevV = f[cpp + b * H + j];
        if (keep) {
          const cv = fg * cPrevV + i * g;
          f[cp + b * H + j] = cv;
          f[hp + b * ldh + j] = o * Math.tanh(cv);
        } else {
          f[cp + b * H + j] = cPrevV;
          f[hp + b * ldh + j] = f[hpp + b * ldPrev + j];
        }
      }
    }
  }

  lstmBackward(B: number, H: number, gates: number, c: number, cPrev: number, dh: number, ldDh: number, dhCarry: number, dcCarry: number, dz: number, dhNew: number, mask: number): void {
    const f = this.f;
    const [gp, cp, cpp, dhp, hcp, ccp, dzp, hnp, mp] = [gates, c, cPrev, dh, dhCarry, dcCarry, dz, dhNew, mask].map((x) => x >>> 2);
    const G = 4 * H;
    for (let b = 0; b < B; b++) {
      const keep = f[mp + b] !== 0;
      const gr = gp + b * G;
      const dzr = dzp + b * G;
      for (let j = 0; j < H; j++) {
        const u = b * H + j;
        const d = f[dhp + b * ldDh + j] + f[hcp + u];
        if (!keep) {
          for (let g = 0; g < 4; g++) f[dzr + g * H + j] = 0;
          f[hnp + u] = d;
          continue;
        }
        const i = f[gr + j];
        const fg = f[gr + H + j];
        const g = f[gr + 2 * H + j];
        const o = f[gr + 3 * H + j];
        const tc = Math.tanh(f[cp + u]);
        const dc = f[ccp + u] + d * o * (1 - tc * tc);
        f[dzr + j] = dc * g * i * (1 - i);
        f[dzr + H + j] = dc * f[cpp + u] * fg * (1 - fg);
        f[dzr + 2 * H + j] = dc * i * (1 - g * g);
        f[dzr + 3 * H + j] = d * tc * o * (1 - o);
        f[ccp + u] = dc * fg;
        f[hnp + u] = 0;
      }
    }
  }

  gruForwardGates(B: number, H: number, z: number, bias: number, pre: number, hPrev: number, ldPrev: number, rh: number): void {
    const f = this.f;
    const [zp, bp, pp, hpp, rhp] = [z, bias, pre, hPrev, rh].map((x) => x >>> 2);
    const G = 3 * H;
    for (let b = 0; b < B; b++) {
      const zr = zp + b * G;
      for (let j = 0; j < H; j++) {
        const zz = f[zr + j] + f[bp + j];
        const zrv = f[zr + H + j] + f[bp + H + j];
        if (pre) {
          f[pp + b * G + j] = zz;
          f[pp + b * G + H + j] = zrv;
        }
        const r = sigmoid(zrv);
        f[zr + j] = sigmoid(zz);
        f[zr + H + j] = r;
        f[rhp + b * H + j] = r * f[hpp + b * ldPrev + j];
      }
    }
  }

  gruForwardOutput(B: number, H: number, z: number, bias: number, pre: number, hPrev: number, ldPrev: number, h: number, ldh: number, mask: number): void {
    const f = this.f;
    const [zp, bp, pp, hpp, hp, mp] = [z, bias, pre, hPrev, h, mask].map((x) => x >>> 2);
    const G = 3 * H;
    for (let b = 0; b < B; b++) {
      const zr = zp + b * G;
      const keep = f[mp + b] !== 0;
      for (let j = 0; j < H; j++) {
        const zh = f[zr + 2 * H + j] + f[bp + 2 * H + j];
        if (pre) f[pp + b * G + 2 * H + j] = zh;
        const hh = Math.tanh(zh);
        f[zr + 2 * H + j] = hh;
        const hPrevV = f[hpp + b * ldPrev + j];
        const zg = f[zr + j];
        f[hp + b * ldh + j] = keep ? zg * hPrevV + (1 - zg) * hh : hPrevV;
      }
    }
  }

  gruBackwardGates(B: number, H: number, gates: number, hPrev: number, ldPrev: number, dh: number, ldDh: number, dhCarry: number, dz: number, dhNew: number, mask: number): void {
    const f = this.f;
    const [gp, hpp, dhp, hcp, dzp, hnp, mp] = [gates, hPrev, dh, dhCarry, dz, dhNew, mask].map((x) => x >>> 2);
    const G = 3 * H;
    for (let b = 0; b < B; b++) {
      const keep = f[mp + b] !== 0;
      const gr = gp + b * G;
      const dzr = dzp + b * G;
      for (let j = 0; j < H; j++) {
        const u = b * H + j;
        const d = f[dhp + b * ldDh + j] + f[hcp + u];
        if (!keep) {
          f[dzr + j] = 0;
          f[dzr + H + j] = 0;
          f[dzr + 2 * H + j] = 0;
          f[hnp + u] = d;
          continue;
        }
        const zg = f[gr + j];
        const hh = f[gr + 2 * H + j];
        f[dzr + j] = d * (f[hpp + b * ldPrev + j] - hh) * zg * (1 - zg);
        f[dzr + 2 * H + j] = d * (1 - zg) * (1 - hh * hh);
        f[hnp + u] = d * zg;
      }
    }
  }

  gruBackwardReset(B: number, H: number, gates: number, hPrev: number, ldPrev: number, dRh: number, dz: number, dhNew: number, mask: number): void {
    const f = this.f;
    const [gp, hpp, drp, dzp, hnp, mp] = [gates, hPrev, dRh, dz, dhNew, mask].map((x) => x >>> 2);
    const G = 3 * H;
    for (let b = 0; b < B; b++) {
      const keep = f[mp + b] !== 0;
      for (let j = 0; j < H; j++) {
        const dzr = dzp + b * G + H + j;
        if (!keep) {
          f[dzr] = 0;
          continue;
        }
        const r = f[gp + b * G + H + j];
        const g = f[drp + b * H + j];
        f[dzr] = g * f[hpp + b * ldPrev + j] * r * (1 - r);
        f[hnp + b * H + j] += g * r;
      }
    }
  }

  simpleRnnForward(B: number, H: number, z: number, bias: number, pre: number, hPrev: number, ldPrev: number, h: number, ldh: number, mask: number): void {
    const f = this.f;
    const [zp, bp, pp, hpp, hp, mp] = [z, bias, pre, hPrev, h, mask].map((x) => x >>> 2);
    for (let b = 0; b < B; b++) {
      const keep = f[mp + b] !== 0;
      for (let j = 0; j < H; j++) {
        const zz = f[zp + b * H + j] + f[bp + j];
        if (pre) f[pp + b * H + j] = zz;
        const hv = Math.tanh(zz);
        f[zp + b * H + j] = hv;
        f[hp + b * ldh + j] = keep ? hv : f[hpp + b * ldPrev + j];
      }
    }
  }

  simpleRnnBackward(B: number, H: number, gates: number, dh: number, ldDh: number, dhCarry: number, dz: number, dhNew: number, mask: number): void {
    const f = this.f;
    const [gp, dhp, hcp, dzp, hnp, mp] = [gates, dh, dhCarry, dz, dhNew, mask].map((x) => x >>> 2);
    for (let b = 0; b < B; b++) {
      const keep = f[mp + b] !== 0;
      for (let j = 0; j < H; j++) {
        const u = b * H + j;
        const d = f[dhp + b * ldDh + j] + f[hcp + u];
        if (keep) {
          const hv = f[gp + u];
          f[dzp + u] = d * (1 - hv * hv);
          f[hnp + u] = 0;
        } else {
          f[dzp + u] = 0;
          f[hnp + u] = d;
        }
      }
    }
  }

  sumRows(rows: number, n: number, x: number, ld: number, out: number): void {
    const f = this.f;
    const xp = x >>> 2;
    const op = out >>> 2;
    f.fill(0, op, op + n);
    for (let r = 0; r < rows; r++) for (let j = 0; j < n; j++) f[op + j] += f[xp + r * ld + j];
  }

  adam(n: number, param: number, grad: number, m: number, v: number, lr: number, beta1: number, beta2: number, epsilon: number, c1: number, c2: number): void {
    const f = this.f;
    const [pp, gp, mp, vp] = [param, grad, m, v].map((x) => x >>> 2);
    for (let i = 0; i < n; i++) {
      const g = f[gp + i];
      const mi = beta1 * f[mp + i] + (1 - beta1) * g;
      const vi = beta2 * f[vp + i] + (1 - beta2) * g * g;
      f[mp + i] = Math.abs(mi) < 1e-30 ? 0 : mi;
      f[vp + i] = vi < 1e-30 ? 0 : vi;
      f[pp + i] -= (lr * (f[mp + i] / c1)) / (Math.sqrt(f[vp + i] / c2) + epsilon);
    }
  }

  adamRows(n: number, E: number, ids: number, grad: number, m: number, v: number, lr: number, beta1: number, beta2: number, epsilon: number, c1: number, c2: number): void {
    const f = this.f;
    const [ip, gp, mp, vp] = [ids, grad, m, v].map((x) => x >>> 2);
    for (let i = 0; i < n; i++) {
      const row = f[ip + i] * E;
      for (let e = 0; e < E; e++) {
        const gi = gp + i * E + e;
        const g = f[gi];
        const mi = beta1 * f[mp + row + e] + (1 - beta1) * g;
        const vi = beta2 * f[vp + row + e] + (1 - beta2) * g * g;
        f[mp + row + e] = Math.abs(mi) < 1e-30 ? 0 : mi;
        f[vp + row + e] = vi < 1e-30 ? 0 : vi;
        f[gi] = -(lr * (f[mp + row + e] / c1)) / (Math.sqrt(f[vp + row + e] / c2) + epsilon);
      }
    }
  }

  gatherRows(n: number, E: number, table: number, ids: number, out: number): void {
    const f = this.f;
    const [tp, ip, op] = [table, ids, out].map((x) => x >>> 2);
    for (let r = 0; r < n; r++) {
      const src = tp + f[ip + r] * E;
      for (let e = 0; e < E; e++) f[op + r * E + e] = f[src + e];
    }
  }

  scatterAddRows(n: number, E: number, x: number, index: number, out: number): void {
    const f = this.f;
    const [xp, ip, op] = [x, index, out].map((v) => v >>> 2);
    for (let r = 0; r < n; r++) {
      const k = f[ip + r];
      if (k < 0) continue;
      const dst = op + k * E;
      for (let e = 0; e < E; e++) f[dst + e] += f[xp + r * E + e];
    }
  }

  activate(code: number, n: number, x: number, y: number): void {
    const f = this.f;
    const fn = code === 0 ? exp : code === 1 ? sigmoid : Math.tanh;
    const xp = x >>> 2;
    const yp = y >>> 2;
    for (let i = 0; i < n; i++) f[yp + i] = fn(f[xp + i]);
  }
}

class JsKernels extends ArenaKernels {
  private acc = new Float64Array(0);

  /** The JavaScript multiply's packed B is op(B) itself, stored K×N. */
  packedSize(K: number, N: number): number {
    return K * N;
  }

  protected pack(transB: boolean, K: number, N: number, B: Float32Array, ldb: number, packed: Float32Array): void {
    for (let k = 0; k < K; k++) for (let j = 0; j < N; j++) packed[k * N + j] = transB ? B[j * ldb + k] : B[k * ldb + j];
  }

  protected gemmPacked(transA: boolean, M: number, N: number, K: number, A: Float32Array, lda: number, packed: Float32Array, C: Float32Array, ldc: number, beta: 0 | 1): void {
    this.gemm(transA, false, M, N, K, A, lda, packed, N, C, ldc, beta);
  }

  constructor(capacityFloats: number, memory: KernelMemoryOptions = {}) {
    const arenaBytes = roundUp(capacityFloats * 4, ALIGN);
    let buffer: ArrayBufferLike;
    let start: number;
    let sharing: KernelSharing | undefined;
    if (memory.attach) {
      const { memory: shared, at } = memory.attach;
      if (!(shared instanceof SharedArrayBuffer)) throw new TypeError('The JS kernels attach to a SharedArrayBuffer');
      buffer = shared;
      start = at + ALIGN;
      if (start + arenaBytes > buffer.byteLength) throw new RangeError(`The shared memory has no room for an arena of ${capacityFloats} floats at ${at}`);
    } else {
      // The arena starts one alignment step in, so no array sits at offset 0 (the kernels' "none").
      start = ALIGN;
      const spare = roundUp(memory.spareBytes ?? 0, ALIGN);
      const bytes = start + arenaBytes + spare;
      // Shared memory where the runtime has it (Node), so worker threads can read and write the arena as with WebAssembly's.
      const canShare = typeof SharedArrayBuffer === 'function';
      buffer = canShare ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes);
      sharing = canShare ? { memory: buffer as SharedArrayBuffer, spareAt: start + arenaBytes, spareBytes: spare } : undefined;
    }
    super('js', buffer, start, start + arenaBytes, new JsElementwise(new Float32Array(buffer)), sharing);
  }

  protected gemm(
    transA: boolean, transB: boolean, M: number, N: number, K: number,
    A: Float32Array, lda: number, B: Float32Array, ldb: number, C: Float32Array, ldc: number, beta: 0 | 1,
  ): void {
    if (this.acc.length < N) this.acc = new Float64Array(N);
    const acc = this.acc;
    for (let i = 0; i < M; i++) {
      if (!transB) {
        acc.fill(0, 0, N);
        for (let k = 0; k < K; k++) {
          const a = transA ? A[k * lda + i] : A[i * lda + k];
          const row = k * ldb;
          for (let j = 0; j < N; j++) acc[j] += a * B[row + j];
        }
      } else {
        for (let j = 0; j < N; j++) {
          const row = j * ldb;
          let s = 0;
          if (transA) {
            for (let k = 0; k < K; k++) s += A[k * lda + i] * B[row + k];
          } else {
            const aRow = i * lda;
            for (let k = 0; k < K; k++) s += A[aRow + k] * B[row + k];
          }
          acc[j] = s;
        }
      }
      const c = i * ldc;
      if (beta === 0) {
        for (let j = 0; j < N; j++) C[c + j] = acc[j];
      } else {
        for (let j = 0; j < N; j++) C[c + j] = acc[j] + C[c + j];
      }
    }
  }
}

/** Plain TypeScript kernels (double accumulation, i-k-j order): the fallback without WebAssembly SIMD, and the tests' oracle. */
export function createJsKernels(capacityFloats: number, memory?: KernelMemoryOptions): Kernels {
  checkCount('capacityFloats', capacityFloats);
  return new JsKernels(capacityFloats, memory);
}

/** Bytes an instance attached to a shared memory takes (its workspace and an arena of capacityFloats): the spareBytes to reserve for it. */
export function regionBytes(capacityFloats: number): number {
  return WORKSPACE_BYTES + roundUp(capacityFloats * 4, ALIGN);
}

/** Options of instantiateWasmKernels. */
export interface WasmInstanceOptions {
  /** Floats the arena holds (alloc() throws beyond). */
  capacityFloats: number;
  /** Whether `bytes` use relaxed SIMD (kernels-relaxed*.wasm): names the kernels. */
  relaxed: boolean;
  /** A shared memory (kernels-{simd,relaxed}.wasm, for worker threads) or a plain one (the *-unshared.wasm builds, for pages that are not cross-origin isolated). */
  shared: boolean;
  /** Where the bytes came from, for error messages. */
  source?: string;
  /** A new memory with a spare region, or another instance's memory to attach to (shared builds only). */
  memory?: KernelMemoryOptions;
}

/** Instantiates a kernels-*.wasm build (its bytes) on a new fixed-size memory holding an arena of capacityFloats. */
export async function instantiateWasmKernels(bytes: BufferSource, options: WasmInstanceOptions): Promise<WasmKernels> {
  const { capacityFloats, relaxed, shared, source = 'the WebAssembly kernels' } = options;
  checkCount('capacityFloats', capacityFloats);
  const attach = options.memory?.attach;
  const workspace = attach ? attach.at : RESERVED_BYTES;
  const heapStart = workspace + WORKSPACE_BYTES;
  const heapEnd = heapStart + roundUp(capacityFloats * 4, ALIGN);
  const spare = attach ? 0 : roundUp(options.memory?.spareBytes ?? 0, ALIGN);
  const pages = Math.ceil((heapEnd + spare) / PAGE);
  if (pages > MAX_PAGES) throw new RangeError(`capacityFloats ${capacityFloats} exceeds the 4 GiB of a WebAssembly memory`);
  let memory: WebAssembly.Memory;
  if (attach) {
    if (!(attach.memory instanceof WebAssembly.Memory) || !shared) throw new TypeError('The WebAssembly kernels attach to a shared WebAssembly.Memory, with a shared build');
    memory = attach.memory;
    if (heapEnd > memory.buffer.byteLength) throw new RangeError(`The shared memory has no room for an arena of ${capacityFloats} floats at ${attach.at}`);
  } else {
    memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared });
  }
  const module = await WebAssembly.compile(bytes);
  const instance = await WebAssembly.instantiate(module, { env: { memory } });
  const exports = instance.exports as unknown as ModuleExports;
  if (exports.minWorkspaceBytes() > WORKSPACE_BYTES) {
    throw new Error(`${source} needs ${exports.minWorkspaceBytes()} bytes of workspace, ${WORKSPACE_BYTES} reserved`);
  }
  exports.setWorkspace(workspace, WORKSPACE_BYTES);
  const sharing = shared && !attach ? { memory, spareAt: heapEnd, spareBytes: spare } : undefined;
  return new WasmModuleKernels(relaxed ? 'wasm-relaxed-simd' : 'wasm-simd', memory, exports, heapStart, heapEnd, sharing);
}
