// What every arena-backed implementation shares: the bump allocator over a fixed memory, and the
// argument checks (shapes, strides, overlaps) that run before any raw kernel touches the arena.
import type { Activation, AdamStep, Kernels, KernelSharing } from './contract';

/** Activation codes as the wasm `activate` export numbers them. */
export const ACTIVATIONS: readonly Activation[] = ['exp', 'sigmoid', 'tanh'];

/** Every array's alignment in the arena, in bytes. */
export const ALIGN = 64;
/** A WebAssembly page, in bytes. */
export const PAGE = 65536;
/** Pages in the largest (4 GiB) WebAssembly memory. */
export const MAX_PAGES = 65536;
/** Bytes at the start of the memory left to the module (it has no static data; keeps 0 a non-pointer). */
export const RESERVED_BYTES = 1024;
/** Packing workspace of the wasm sgemm: its edge tile, one 128×256 A block and a 256×1912 B slice. */
export const WORKSPACE_BYTES = 2 * 1024 * 1024;

/** n rounded up to a multiple of `to`. */
export function roundUp(n: number, to: number): number {
  return Math.ceil(n / to) * to;
}

/** Throws unless n is a non-negative safe integer. */
export function checkCount(what: string, n: number): void {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`${what} must be a non-negative integer, got ${n}`);
}

/**
 * The elementwise kernels as the WebAssembly module exports them (asm/elementwise.ts): arrays as
 * byte offsets into the arena (0: none, for `pre`), counts and leading dimensions in floats.
 */
export interface ElementwiseExports {
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
export abstract class ArenaKernels implements Kernels {
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
    if (!Number.isSafeInteger(mark) || mark < this.start || mark > this.top || (mark - this.start) % ALIGN !== 0) {
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


/** Bytes an instance attached to a shared memory takes (its workspace and an arena of capacityFloats): the spareBytes to reserve for it. */
export function regionBytes(capacityFloats: number): number {
  return WORKSPACE_BYTES + roundUp(capacityFloats * 4, ALIGN);
}
