/** Builds a RecurrentNet in Node on the best kernels that load here: WebAssembly SIMD, else plain JS. */
import type { Kernels } from '../../core/kernels/contract';
import { RecurrentNet, type NetConfig, type NetOptions } from '../../core/network';
import { createJsKernels } from '../../core/kernels/jsKernels';
import { createWasmKernels } from './wasmKernels';

/**
 * A kernel factory for RecurrentNet.withKernels: 'auto' loads WebAssembly where it can, else JS; 'wasm'
 * and 'js' insist. Attached to another instance's memory, the kernels are that instance's kind (`name`).
 */
export function nodeKernels(choice: NetOptions['kernels'] = 'auto', memory: NetOptions['kernelMemory'] = {}): (capacityFloats: number) => Promise<Kernels> {
  return async (capacityFloats) => {
    const { attach, spareBytes } = memory;
    if (attach) {
      if (attach.name === 'js') return createJsKernels(capacityFloats, { attach });
      const variant = attach.name === 'wasm-relaxed-simd' ? 'relaxed' : attach.name === 'wasm-simd' ? 'simd' : undefined;
      if (!variant) throw new Error(`Cannot attach to the memory of unknown kernels "${attach.name}"`);
      return createWasmKernels({ capacityFloats, variant, memory: { attach } });
    }
    if (choice === 'js') return createJsKernels(capacityFloats, { spareBytes });
    try {
      return await createWasmKernels({ capacityFloats, memory: { spareBytes } });
    } catch (err) {
      if (choice === 'wasm') throw err;
      return createJsKernels(capacityFloats, { spareBytes });
    }
  };
}

/** A network with zero weights on the kernels options.kernels asks for (see nodeKernels). */
export function createNet(config: NetConfig, options: NetOptions): Promise<RecurrentNet> {
  return RecurrentNet.withKernels(config, options, nodeKernels(options.kernels, options.kernelMemory));
}
