// Loads the WebAssembly kernels in Node (the engine, its worker threads, the CLI, tests and benchmarks):
// reads dist/kernels/kernels-{relaxed,simd}.wasm from disk and turns on Node 20's flag for relaxed
// SIMD. The kernels themselves, and everything that runs outside Node, are in src/core/kernels.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as v8 from 'node:v8';
import type { KernelMemoryOptions, WasmKernels } from '../../core/kernels/contract';
import { instantiateWasmKernels, relaxedSimdValidates, simdSupported } from '../../core/kernels/wasmBinding';

/** Options of createWasmKernels. */
export interface WasmKernelOptions {
  /** Floats the arena holds (alloc() throws beyond). */
  capacityFloats: number;
  /** 'auto' (default): relaxed SIMD where it validates, else plain SIMD, else throws. */
  variant?: 'auto' | 'relaxed' | 'simd';
  /** Folder with kernels-relaxed.wasm and kernels-simd.wasm; default: kernels/ beside the bundle, else <repo>/dist/kernels. */
  wasmDir?: string;
  /** A spare region in the new memory, or another instance's memory to attach to. */
  memory?: KernelMemoryOptions;
}

let relaxedFlagTried = false;

/** Whether this runtime runs WebAssembly relaxed SIMD (turns on V8's flag for it on Node 20). */
export function relaxedSimdSupported(): boolean {
  if (relaxedSimdValidates()) return true;
  if (!relaxedFlagTried) {
    relaxedFlagTried = true;
    try {
      v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
    } catch {
      return false;
    }
  }
  return relaxedSimdValidates();
}

/** The folder holding the built .wasm kernels: kernels/ beside this bundle, else <repo>/dist/kernels. */
function defaultWasmDir(): string {
  const beside = path.join(__dirname, 'kernels');
  if (fs.existsSync(path.join(beside, 'kernels-simd.wasm'))) return beside;
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return path.join(dir, 'dist', 'kernels');
    if (path.dirname(dir) === dir) return beside;
  }
}

/** Loads the WebAssembly kernels (relaxed SIMD where possible) on a new shared memory holding an arena of capacityFloats (or on options.memory.attach's). */
export async function createWasmKernels(options: WasmKernelOptions): Promise<WasmKernels> {
  const { capacityFloats, variant = 'auto' } = options;
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
  const file = path.join(options.wasmDir ?? defaultWasmDir(), relaxed ? 'kernels-relaxed.wasm' : 'kernels-simd.wasm');
  let bytes: Uint8Array<ArrayBuffer>;
  try {
    bytes = new Uint8Array(await fs.promises.readFile(file));
  } catch (err) {
    throw new Error(`cannot read the WebAssembly kernel ${file} (build it with \`node esbuild.js\`): ${(err as Error).message}`);
  }
  return instantiateWasmKernels(bytes, { capacityFloats, relaxed, shared: true, source: file, memory: options.memory });
}
