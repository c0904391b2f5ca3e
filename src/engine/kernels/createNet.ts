/** Builds a RecurrentNet in Node on the best kernels that load here: native, else WebAssembly SIMD, else plain JS. */
import type { Kernels } from '../../core/kernels/contract';
import { RecurrentNet, type NetConfig, type NetOptions } from '../../core/network';
import { createJsKernels } from '../../core/kernels/jsKernels';
import { createNativeKernels, nativeStatus } from './nativeKernels';
import { createWasmKernels } from './wasmKernels';

/** Which kernels: 'auto' (the fastest that loads), or one insisted on. */
export type KernelChoice = NonNullable<NetOptions['kernels']> | 'native';

/** Whether this thread has logged why 'auto' did not take the native kernels (once). */
let nativeSkipLogged = false;

/** Why the native kernels are not used here ('auto' falls back to WebAssembly), or undefined when they are. */
export function nativeSkipReason(): string | undefined {
  return nativeStatus().reason;
}

/**
 * A kernel factory for RecurrentNet.withKernels: 'auto' loads the native kernels where they are built
 * and pass their start-up self-test, else WebAssembly, else JS (logging once why native was skipped);
 * 'native', 'wasm' and 'js' insist; allowNative false leaves native out of 'auto'. Attached to another instance's memory, the kernels are that
 * instance's kind (`name`).
 */
export function nodeKernels(choice: KernelChoice = 'auto', memory: NetOptions['kernelMemory'] = {}, allowNative = true): (capacityFloats: number) => Promise<Kernels> {
  return async (capacityFloats) => {
    const { attach, spareBytes } = memory;
    if (attach) {
      if (attach.name === 'js') return createJsKernels(capacityFloats, { attach });
      if (attach.name.startsWith('cpu-native-')) {
        const kernels = createNativeKernels(capacityFloats, { attach });
        if (kernels.name !== attach.name) throw new Error(`Cannot attach ${kernels.name} kernels to the memory of ${attach.name} kernels`);
        return kernels;
      }
      const variant = attach.name === 'wasm-relaxed-simd' ? 'relaxed' : attach.name === 'wasm-simd' ? 'simd' : undefined;
      if (!variant) throw new Error(`Cannot attach to the memory of unknown kernels "${attach.name}"`);
      return createWasmKernels({ capacityFloats, variant, memory: { attach } });
    }
    if (choice === 'js') return createJsKernels(capacityFloats, { spareBytes });
    if (choice === 'native' || (choice === 'auto' && allowNative)) {
      const status = nativeStatus();
      if (status.addon) return createNativeKernels(capacityFloats, { spareBytes });
      if (choice === 'native') throw new Error(`native kernels: ${status.reason}`);
      if (!nativeSkipLogged) {
        nativeSkipLogged = true;
        console.error(`Native kernels skipped: ${status.reason}; using WebAssembly`);
      }
    }
    try {
      return await createWasmKernels({ capacityFloats, memory: { spareBytes } });
    } catch (err) {
      if (choice === 'wasm') throw err;
      return createJsKernels(capacityFloats, { spareBytes });
    }
  };
}

/** A network with zero weights on the kernels options.kernels asks for (see nodeKernels; 'native' too). */
export function createNet(config: NetConfig, options: Omit<NetOptions, 'kernels'> & { kernels?: KernelChoice }): Promise<RecurrentNet> {
  const { kernels, ...rest } = options;
  return RecurrentNet.withKernels(config, kernels === 'native' ? rest : { ...rest, kernels }, nodeKernels(kernels, options.kernelMemory));
}
