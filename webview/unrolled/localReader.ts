/**
 * Reads sentences inside the unrolled view's page: the engine's own Inspector (src/core/inspector.ts)
 * on the same WebAssembly kernels, built for a plain memory (a webview is not cross-origin isolated, so
 * it has no shared memory), with the weights the engine sent. The answer is what the engine's
 * `inspectUnrolled` would send, computed in the frame the key was typed in, with no round trip through
 * the extension host.
 */
import { Inspector } from '../../src/core/inspector';
import { instantiateWasmKernels, relaxedSimdValidates, simdSupported } from '../../src/core/kernels/wasmBinding';
import type { InspectFocus, UnrolledInspection } from '../../src/core/inspect';
import type { ReaderModel } from '../../src/shared/readerModel';
import { Vocab } from '../../src/core/tokenizer';

/** Whether this page can run the kernels (WebAssembly SIMD); without it, the engine reads. */
export function localReadingSupported(): boolean {
  return typeof WebAssembly === 'object' && simdSupported();
}

/** One model, ready to read sentences in the page. */
export class LocalReader {
  private constructor(
    private readonly inspector: Inspector,
    /** When the model was saved, to tell it from a model saved later under the same name. */
    readonly created: string,
    /** Which kernels run, e.g. "wasm-relaxed-simd". */
    readonly kernelName: string,
  ) {}

  /**
   * Builds the reader for a checked ReaderModel (checkReaderModel); `kernelBytes` fetches the page build
   * of the kernels (relaxed SIMD where this browser validates it, else plain SIMD).
   */
  static async load(model: ReaderModel, kernelBytes: (relaxed: boolean) => Promise<Uint8Array>): Promise<LocalReader> {
    if (!localReadingSupported()) throw new Error('this page has no WebAssembly SIMD');
    const relaxed = relaxedSimdValidates();
    const bytes = await kernelBytes(relaxed);
    if (!(bytes instanceof Uint8Array) || bytes.length < 8) throw new Error('the kernels sent are not WebAssembly bytes');
    let kernelName = '';
    const inspector = await Inspector.create({ metadata: model.metadata, vocab: Vocab.fromJSON({ version: 1, tokens: model.vocab }), weights: model.weights }, async (capacityFloats) => {
      const kernels = await instantiateWasmKernels(bytes as Uint8Array<ArrayBuffer>, { capacityFloats, relaxed, shared: false, source: 'the page kernels' });
      kernelName = kernels.name;
      return kernels;
    });
    return new LocalReader(inspector, model.metadata.created, kernelName);
  }

  /** The unrolled view's answer for `text`, as the engine's inspectUnrolled makes it. */
  read(text: string, focus: InspectFocus): UnrolledInspection {
    return this.inspector.inspectUnrolled(text, focus);
  }

  /** Frees the kernels' memory. */
  dispose(): void {
    this.inspector.dispose();
  }
}
