/// <reference types="@webgpu/types" />
// The GPU for the engine: WebGPU through Dawn's Node addon (the npm package `webgpu`, prebuilt for
// Linux, macOS and Windows). Opens the platform's own backend (Vulkan, Metal, D3D12) and, where none
// answers, Dawn's OpenGL ES backend in compatibility mode — on a machine without a GPU that is Mesa's
// software renderer (llvmpipe through EGL, surfaceless), which the tests use. Says what it found, or why not.
import * as fs from 'node:fs';
import * as path from 'node:path';

/** What the adapter says about itself, for the log, `rnn-lens info` and the status bar. */
export interface GpuAdapterSummary {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** The backend Dawn was asked for: vulkan, metal, d3d12, opengles. */
  backend: string;
  featureLevel: 'core' | 'compatibility';
  /** A CPU implementation (llvmpipe, SwiftShader, WARP): right for tests, never faster than our CPU kernels. */
  software: boolean;
  /** The limits the device was opened with (those the kernels use). */
  limits: Record<string, number>;
}

/** An open device. `instance` must stay referenced while the device lives (Dawn aborts the process if it is collected first). */
export interface GpuContext {
  readonly instance: GPU;
  readonly device: GPUDevice;
  readonly adapter: GpuAdapterSummary;
  /** e.g. "NVIDIA H200 (vulkan)". */
  readonly name: string;
}

/** Limits the kernels want raised to the adapter's own (compatibility mode's defaults are low: 128 invocations, 8 storage buffers). */
const WANTED_LIMITS = [
  'maxStorageBuffersPerShaderStage',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupSizeY',
  'maxComputeWorkgroupsPerDimension',
  'maxStorageBufferBindingSize',
  'maxBufferSize',
] as const;

interface DawnModule {
  create(flags: string[]): GPU;
  globals: Record<string, unknown>;
}

let dawn: DawnModule | undefined;

/** Loads dawn.node for this platform from the `webgpu` package (directly: its index.js is an ES module). */
function loadDawn(): DawnModule {
  if (!dawn) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const pkg = path.dirname(require.resolve('webgpu/package.json'));
    const folder = `${process.platform}-${process.platform === 'darwin' ? 'universal' : process.arch}`;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    dawn = require(path.join(pkg, 'dist', folder, 'dawn.node')) as DawnModule;
    // GPUBufferUsage, GPUMapMode, GPUShaderStage … as a browser has them.
    for (const [key, value] of Object.entries(dawn.globals)) if (!(key in globalThis)) (globalThis as Record<string, unknown>)[key] = value;
  }
  return dawn;
}

/** The backends to try here, in order: the platform's own, then (Linux) OpenGL ES in compatibility mode (where a machine without a GPU has Mesa's). */
function candidates(): { backend: string; featureLevel: 'core' | 'compatibility' }[] {
  const own = process.platform === 'darwin' ? ['metal'] : process.platform === 'win32' ? ['d3d12', 'vulkan'] : ['vulkan'];
  const list: { backend: string; featureLevel: 'core' | 'compatibility' }[] = own.map((backend) => ({ backend, featureLevel: 'core' }));
  if (process.platform === 'linux') list.push({ backend: 'opengles', featureLevel: 'compatibility' });
  return list;
}

/** Whether Linux shows a GPU device node (a DRM render node, or NVIDIA's). */
function hasGpuDeviceNode(): boolean {
  const entries = (dir: string) => {
    try {
      return fs.readdirSync(dir);
    } catch {
      return [];
    }
  };
  return entries('/dev/dri').some((f) => f.startsWith('renderD')) || entries('/dev').some((f) => /^nvidia\d+$/.test(f));
}

const SOFTWARE = /llvmpipe|softpipe|swiftshader|lavapipe|microsoft basic render|warp/i;

export interface OpenGpuOptions {
  /** Accept a software adapter (tests); otherwise only real GPUs count. */
  allowSoftware?: boolean;
  /** Only this backend (RNN_LENS_GPU_BACKEND). */
  backend?: string;
}

/** Opens the first adapter that answers, or says why none did (every backend tried, with what each said). */
export async function openGpu(options: OpenGpuOptions = {}): Promise<GpuContext | { reason: string }> {
  // Linux shows every GPU (for Vulkan and OpenGL alike) as a device node: without one, only software renderers
  // could answer, so a caller that refuses them does not load Dawn at all.
  if (process.platform === 'linux' && !options.allowSoftware && !hasGpuDeviceNode()) {
    return { reason: 'no GPU device (nothing in /dev/dri or /dev/nvidia*): only a software renderer would answer' };
  }
  let module: DawnModule;
  try {
    module = loadDawn();
  } catch (err) {
    return { reason: `the WebGPU addon (npm package webgpu) did not load: ${(err as Error).message.split('\n')[0]}` };
  }
  // Mesa reads it when EGL starts; only the main thread's environment reaches it.
  if (process.platform === 'linux' && !process.env.EGL_PLATFORM) process.env.EGL_PLATFORM = 'surfaceless';
  const tried: string[] = [];
  const backend = options.backend ?? process.env.RNN_LENS_GPU_BACKEND;
  const list = candidates().filter((c) => !backend || c.backend === backend);
  if (backend && list.length === 0) list.push({ backend, featureLevel: backend.startsWith('opengl') ? 'compatibility' : 'core' });
  for (const c of list) {
    let instance: GPU;
    try {
      instance = module.create([`backend=${c.backend}`]);
    } catch (err) {
      tried.push(`${c.backend}: ${(err as Error).message}`);
      continue;
    }
    const adapter = await instance.requestAdapter({ featureLevel: c.featureLevel, powerPreference: 'high-performance' } as GPURequestAdapterOptions).catch(() => null);
    if (!adapter) {
      tried.push(`${c.backend}: no adapter`);
      continue;
    }
    const info = (adapter as GPUAdapter & { info: GPUAdapterInfo & { isFallbackAdapter?: boolean } }).info;
    const description = info.description || info.device || 'unknown adapter';
    const software = SOFTWARE.test(`${info.description} ${info.device}`) || Boolean(info.isFallbackAdapter);
    if (software && !options.allowSoftware) {
      tried.push(`${c.backend}: only a software adapter (${description})`);
      continue;
    }
    const requiredLimits: Record<string, number> = {};
    for (const key of WANTED_LIMITS) {
      const value = (adapter.limits as unknown as Record<string, number>)[key];
      if (typeof value === 'number') requiredLimits[key] = value;
    }
    let device: GPUDevice;
    try {
      device = await adapter.requestDevice({ requiredLimits });
    } catch (err) {
      tried.push(`${c.backend}: requestDevice failed: ${(err as Error).message}`);
      continue;
    }
    const summary: GpuAdapterSummary = {
      vendor: info.vendor,
      architecture: info.architecture,
      device: info.device,
      description,
      backend: c.backend,
      featureLevel: c.featureLevel,
      software,
      limits: requiredLimits,
    };
    return { instance, device, adapter: summary, name: `${description.replace(/^OpenGL version /, '')} (${c.backend}${software ? ', software' : ''})` };
  }
  return { reason: tried.length ? `no usable GPU adapter (${tried.join('; ')})` : 'no GPU backend to try on this platform' };
}
