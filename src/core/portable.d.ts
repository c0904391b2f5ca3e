// The runtime globals the portable core may use beyond ES2022: those Node, browsers and workers all
// have (the WebAssembly JS API and a monotonic clock), declared as far as core uses them. Only the core's
// own type check reads this file; the other targets get the same names from the DOM and Node typings.

/** Bytes that WebAssembly.compile accepts. */
type BufferSource = ArrayBufferView | ArrayBuffer;

declare namespace WebAssembly {
  interface MemoryDescriptor {
    initial: number;
    maximum?: number;
    shared?: boolean;
  }
  /** A linear memory; a shared one's buffer is a SharedArrayBuffer. */
  class Memory {
    constructor(descriptor: MemoryDescriptor);
    readonly buffer: ArrayBuffer | SharedArrayBuffer;
    grow(delta: number): number;
  }
  class Module {
    private constructor();
  }
  type ExportValue = Function | Memory;
  type Exports = Record<string, ExportValue>;
  class Instance {
    private constructor();
    readonly exports: Exports;
  }
  type Imports = Record<string, Record<string, ExportValue | number>>;
  function validate(bytes: BufferSource): boolean;
  function compile(bytes: BufferSource): Promise<Module>;
  function instantiate(module: Module, imports?: Imports): Promise<Instance>;
}

/** The monotonic clock (milliseconds) of Node, pages and workers. */
declare const performance: { now(): number };
