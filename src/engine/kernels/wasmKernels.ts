// Matrix-multiply kernels for our recurrent training: WebAssembly SIMD builds of
// src/engine/kernels/asm/gemm.ts (dist/kernels/gemm-{relaxed,simd}.wasm), or plain TypeScript.
// Every array the kernels touch lives in one arena (a WebAssembly.Memory for wasm) handed out by a
// bump allocator, so a matrix is a pointer there and calls need no copying. The memory is shared
// and never grows, so worker threads can later instantiate the same module on it.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as v8 from 'node:v8';

/** A set of matrix kernels with the arena their arrays must come from. */
export interface Kernels {
  /** Which implementation: "wasm-relaxed-simd", "wasm-simd" or "js". */
  readonly name: string;
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
}

/** WebAssembly kernels: also expose their shared memory, for worker threads to instantiate on. */
export interface WasmKernels extends Kernels {
  /** The shared, fixed-size memory holding the arena and this instance's packing workspace. */
  readonly memory: WebAssembly.Memory;
}

/** Options of createWasmKernels. */
export interface WasmKernelOptions {
  /** Floats the arena holds (alloc() throws beyond). */
  capacityFloats: number;
  /** 'auto' (default): relaxed SIMD where it validates, else plain SIMD, else throws. */
  variant?: 'auto' | 'relaxed' | 'simd';
  /** Folder with gemm-relaxed.wasm and gemm-simd.wasm; default: kernels/ beside the bundle, else <repo>/dist/kernels. */
  wasmDir?: string;
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

let relaxedFlagTried = false;

/** Whether this runtime runs WebAssembly relaxed SIMD (turns on V8's flag for it on Node 20). */
export function relaxedSimdSupported(): boolean {
  if (WebAssembly.validate(RELAXED_PROBE)) return true;
  if (!relaxedFlagTried) {
    relaxedFlagTried = true;
    try {
      v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
    } catch {
      return false;
    }
  }
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

/** The operations shared by every implementation: the bump arena and sgemm's argument checks. */
abstract class ArenaKernels implements Kernels {
  private top: number;

  protected constructor(
    readonly name: string,
    protected readonly buffer: ArrayBufferLike,
    private readonly start: number,
    private readonly end: number,
  ) {
    this.top = start;
  }

  alloc(n: number): Float32Array {
    checkCount('alloc size', n);
    const bytes = roundUp(n * 4, ALIGN);
    if (this.top + bytes > this.end) {
      const free = Math.floor((this.end - this.top) / 4);
      throw new RangeError(`${this.name}: alloc(${n}) exceeds the arena (${free} floats free)`);
    }
    const view = new Float32Array(this.buffer, this.top, n);
    view.fill(0);
    this.top += bytes;
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

  /** Runs the multiply on checked arguments. */
  protected abstract gemm(
    transA: boolean, transB: boolean, M: number, N: number, K: number,
    A: Float32Array, lda: number, B: Float32Array, ldb: number, C: Float32Array, ldc: number, beta: 0 | 1,
  ): void;

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

/** The exports of gemm.wasm. */
interface GemmExports {
  minWorkspaceBytes(): number;
  setWorkspace(ptr: number, bytes: number): void;
  sgemm(
    transA: number, transB: number, M: number, N: number, K: number,
    A: number, lda: number, B: number, ldb: number, C: number, ldc: number, beta: number,
  ): void;
}

class WasmGemmKernels extends ArenaKernels implements WasmKernels {
  constructor(name: string, readonly memory: WebAssembly.Memory, private readonly exports: GemmExports, start: number, end: number) {
    super(name, memory.buffer, start, end);
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
}

class JsKernels extends ArenaKernels {
  private acc = new Float64Array(0);

  constructor(capacityFloats: number) {
    const bytes = roundUp(capacityFloats * 4, ALIGN);
    super('js', new ArrayBuffer(bytes), 0, bytes);
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
export function createJsKernels(capacityFloats: number): Kernels {
  checkCount('capacityFloats', capacityFloats);
  return new JsKernels(capacityFloats);
}

/** The folder holding the built .wasm kernels: kernels/ beside this bundle, else <repo>/dist/kernels. */
function defaultWasmDir(): string {
  const beside = path.join(__dirname, 'kernels');
  if (fs.existsSync(path.join(beside, 'gemm-simd.wasm'))) return beside;
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return path.join(dir, 'dist', 'kernels');
    if (path.dirname(dir) === dir) return beside;
  }
}

/** Loads the WebAssembly GEMM (relaxed SIMD where possible) on a new shared memory holding an arena of capacityFloats. */
export async function createWasmKernels(options: WasmKernelOptions): Promise<WasmKernels> {
  const { capacityFloats, variant = 'auto' } = options;
  checkCount('capacityFloats', capacityFloats);
  let relaxed: boolean;
  if (variant === 'relaxed' || (variant === 'auto' && relaxedSimdSupported())) {
    if (!relaxedSimdSupported()) throw new Error('WebAssembly relaxed SIMD is not supported by this runtime');
    relaxed = true;
  } else if (variant === 'simd' || variant === 'auto') {
    if (!simdSupported()) throw new Error('WebAssembly SIMD is not supported by this runtime');
    relaxed = false;
  } else {
    throw new RangeError(`unknown kernel variant ${String(variant)}`);
  }
  const file = path.join(options.wasmDir ?? defaultWasmDir(), relaxed ? 'gemm-relaxed.wasm' : 'gemm-simd.wasm');
  let bytes: Uint8Array<ArrayBuffer>;
  try {
    bytes = new Uint8Array(await fs.promises.readFile(file));
  } catch (err) {
    throw new Error(`cannot read the WebAssembly kernel ${file} (build it with \`node esbuild.js\`): ${(err as Error).message}`);
  }
  const heapStart = RESERVED_BYTES + WORKSPACE_BYTES;
  const heapEnd = heapStart + roundUp(capacityFloats * 4, ALIGN);
  const pages = Math.ceil(heapEnd / PAGE);
  if (pages > MAX_PAGES) throw new RangeError(`capacityFloats ${capacityFloats} exceeds the 4 GiB of a WebAssembly memory`);
  const memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
  const module = await WebAssembly.compile(bytes);
  const instance = await WebAssembly.instantiate(module, { env: { memory } });
  const exports = instance.exports as unknown as GemmExports;
  if (exports.minWorkspaceBytes() > WORKSPACE_BYTES) {
    throw new Error(`${file} needs ${exports.minWorkspaceBytes()} bytes of workspace, ${WORKSPACE_BYTES} reserved`);
  }
  exports.setWorkspace(RESERVED_BYTES, WORKSPACE_BYTES);
  return new WasmGemmKernels(relaxed ? 'wasm-relaxed-simd' : 'wasm-simd', memory, exports, heapStart, heapEnd);
}
