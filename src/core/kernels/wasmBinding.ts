// Instantiates a kernels-*.wasm build (src/core/kernels/asm) from its bytes on a fixed-size memory, in
// any runtime with WebAssembly SIMD: the engine loads the bytes from disk (engine/wasmKernels.ts), the
// unrolled view's page receives them from the host.
import { ALIGN, ArenaKernels, checkCount, MAX_PAGES, PAGE, RESERVED_BYTES, roundUp, WORKSPACE_BYTES, type ElementwiseExports } from './arena';
import type { KernelMemoryOptions, KernelSharing, WasmKernels } from './contract';

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
