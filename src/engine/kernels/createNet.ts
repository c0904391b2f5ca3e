/** Builds a RecurrentNet in Node on the best kernels that load here: WebAssembly SIMD, else plain JS. */
import type { Kernels } from './kernelCore';
import { RecurrentNet, type NetConfig, type NetOptions } from './network';
import { createJsKernels, createWasmKernels } from './wasmKernels';

/** A kernel factory for RecurrentNet.withKernels: 'auto' loads WebAssembly where it can, else JS; 'wasm' and 'js' insist. */
export function nodeKernels(choice: NetOptions['kernels'] = 'auto'): (capacityFloats: number) => Promise<Kernels> {
  return async (capacityFloats) => {
    if (choice === 'js') return createJsKernels(capacityFloats);
    try {
      return await createWasmKernels({ capacityFloats });
    } catch (err) {
      if (choice === 'wasm') throw err;
      return createJsKernels(capacityFloats);
    }
  };
}

/** A network with zero weights on the kernels options.kernels asks for (see nodeKernels). */
export function createNet(config: NetConfig, options: NetOptions): Promise<RecurrentNet> {
  return RecurrentNet.withKernels(config, options, nodeKernels(options.kernels));
}
