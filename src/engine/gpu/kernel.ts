/// <reference types="@webgpu/types" />
// The pieces every GPU kernel is dispatched with: a ring of per-dispatch parameters (one uniform
// buffer, 256-byte slots bound with a dynamic offset, written once before the batch's submit) and a
// compute kernel with its bind-group layout (binding 0: the parameters; 1…n: storage buffers) that
// caches a bind group per set of buffers.

/** Bytes per parameter slot: WebGPU's minimum uniform-offset alignment on every adapter. */
export const PARAM_SLOT_BYTES = 256;

/** A float's bits as the u32 a parameter word holds (WGSL reads it back with bitcast<f32>). */
export function f32bits(x: number): number {
  F32[0] = x;
  return U32[0];
}
const F32 = new Float32Array(1);
const U32 = new Uint32Array(F32.buffer);

/** The parameters of the dispatches of one submit: slot() stages, flush() writes them all at once. */
export class ParamRing {
  readonly buffer: GPUBuffer;
  private readonly staged: Uint32Array;
  private used = 0;

  constructor(private readonly device: GPUDevice, readonly slots = 4096) {
    this.buffer = device.createBuffer({ label: 'rnn-lens params', size: slots * PARAM_SLOT_BYTES, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    this.staged = new Uint32Array((slots * PARAM_SLOT_BYTES) / 4);
  }

  /** Stages up to 64 u32 words for one dispatch; returns their byte offset (the dynamic offset). */
  slot(words: ArrayLike<number>): number {
    if (words.length > PARAM_SLOT_BYTES / 4) throw new RangeError(`A dispatch's parameters are ${words.length} words; at most ${PARAM_SLOT_BYTES / 4}`);
    if (this.used >= this.slots) throw new RangeError(`More than ${this.slots} dispatches in one submit`);
    const at = this.used++ * PARAM_SLOT_BYTES;
    const base = at / 4;
    for (let i = 0; i < words.length; i++) this.staged[base + i] = words[i] >>> 0;
    return at;
  }

  /** Writes what was staged since the last flush (call before submitting the commands that read it), and starts over. */
  flush(): void {
    if (this.used === 0) return;
    this.device.queue.writeBuffer(this.buffer, 0, this.staged.buffer, 0, this.used * PARAM_SLOT_BYTES);
    this.used = 0;
  }

  /** Slots staged and not yet flushed. */
  get pending(): number {
    return this.used;
  }
}

let nextBufferId = 1;
const bufferIds = new WeakMap<GPUBuffer, number>();
function idOf(buffer: GPUBuffer): number {
  let id = bufferIds.get(buffer);
  if (id === undefined) bufferIds.set(buffer, (id = nextBufferId++));
  return id;
}

/** Access of each storage binding. */
export type Access = 'read' | 'read_write';

/**
 * One WGSL compute entry point. Its source declares `@group(0) @binding(0) var<uniform> p: <struct>` and the
 * storage buffers at bindings 1…n in the order of `access`; dispatch() binds them with this dispatch's parameters.
 */
export class GpuKernel {
  private readonly pipeline: GPUComputePipeline;
  private readonly layout: GPUBindGroupLayout;
  private readonly groups = new Map<string, GPUBindGroup>();

  constructor(
    private readonly device: GPUDevice,
    private readonly params: ParamRing,
    readonly label: string,
    code: string,
    private readonly access: readonly Access[],
    entryPoint = 'main',
  ) {
    this.layout = device.createBindGroupLayout({
      label,
      entries: [
        { binding: 0, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'uniform', hasDynamicOffset: true, minBindingSize: PARAM_SLOT_BYTES } },
        ...access.map((a, i) => ({ binding: i + 1, visibility: GPUShaderStage.COMPUTE, buffer: { type: a === 'read' ? ('read-only-storage' as const) : ('storage' as const) } })),
      ],
    });
    const module = device.createShaderModule({ label, code });
    this.pipeline = device.createComputePipeline({ label, layout: device.createPipelineLayout({ bindGroupLayouts: [this.layout] }), compute: { module, entryPoint } });
  }

  /** Records one dispatch of `groups` workgroups on `buffers` (one per storage binding) with `words` as its parameters. */
  dispatch(pass: GPUComputePassEncoder, words: ArrayLike<number>, buffers: readonly GPUBuffer[], x: number, y = 1, z = 1): void {
    if (buffers.length !== this.access.length) throw new Error(`${this.label}: ${buffers.length} buffers for ${this.access.length} bindings`);
    if (x === 0 || y === 0 || z === 0) return;
    const key = buffers.map(idOf).join(',');
    let group = this.groups.get(key);
    if (!group) {
      group = this.device.createBindGroup({
        label: this.label,
        layout: this.layout,
        entries: [{ binding: 0, resource: { buffer: this.params.buffer, size: PARAM_SLOT_BYTES } }, ...buffers.map((buffer, i) => ({ binding: i + 1, resource: { buffer } }))],
      });
      this.groups.set(key, group);
    }
    pass.setPipeline(this.pipeline);
    pass.setBindGroup(0, group, [this.params.slot(words)]);
    pass.dispatchWorkgroups(x, y, z);
  }

  /** Forgets the bind groups (their buffers were destroyed). */
  forget(): void {
    this.groups.clear();
  }
}
