// The native CPU kernels (native/src: elementwise kernels per ISA, the GEMM, a Node-API addon) on a
// SharedArrayBuffer laid out as the JS kernels' (sharedArenaLayout), so worker threads attach to it
// the same way. The addon is dist/native/rnn-lens-native-<platform>-<arch>.node (scripts/buildNative.js);
// it is used only after a start-up self-test against the JS oracle passed in this process. Why it did
// not load, or failed, is kept for the engine's log and notes (nativeStatus).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ALIGN, ArenaKernels, checkCount, type ElementwiseExports } from '../../core/kernels/arena';
import type { AdamStep, BackwardRecurrence, Kernels, KernelMemoryOptions, KernelSharing, Recurrence } from '../../core/kernels/contract';
import { createJsKernels, sharedArenaLayout } from '../../core/kernels/jsKernels';
import { RecurrentNet, type NetConfig } from '../../core/network';

/** The kernels the addon binds to one memory (native/src/addon.c): byte offsets, counts, floats. */
export interface NativeBinding extends ElementwiseExports {
  sgemm(transA: number, transB: number, M: number, N: number, K: number, A: number, lda: number, B: number, ldb: number, C: number, ldc: number, beta: number): void;
  packedSize(K: number, N: number): number;
  packB(transB: number, K: number, N: number, B: number, ldb: number, packed: number): void;
  sgemmPacked(transA: number, M: number, N: number, K: number, A: number, lda: number, packed: number, C: number, ldc: number, beta: number): void;
  /** Recurrence (contract.ts) as (cell 0 LSTM / 1 GRU / 2 SimpleRNN, B, H, T, reversed, z, bias, pre, packedU0, packedU1, h, ldh, mask, zeros, state); absent arrays 0. */
  forwardRecurrence(...args: number[]): void;
  /** The forward arguments, then packedUT0, packedUT1, dh, dz, carryH, tmpH, carryC, tmpR. */
  backwardRecurrence(...args: number[]): void;
  /** The code path the kernels run: "avx512", "avx2" or "generic". */
  isa(): string;
  /** The memory's address modulo 4096. */
  readonly addressMod4096: number;
}

/** The addon's exports. */
export interface NativeAddon {
  /** Kernels on the memory a typed array over a whole SharedArrayBuffer (or ArrayBuffer) views. */
  bind(view: Uint8Array): NativeBinding;
  gemmIsa(): string;
}

/** The addon's file name here. */
export function nativeAddonName(): string {
  return `rnn-lens-native-${process.platform}-${process.arch}.node`;
}

/** Where the addon should be: native/ beside this bundle, else <repo>/dist/native (tests run from src); RNN_LENS_NATIVE_PATH overrides. */
export function nativeAddonPath(): string {
  if (process.env.RNN_LENS_NATIVE_PATH) return process.env.RNN_LENS_NATIVE_PATH;
  const beside = path.join(__dirname, 'native', nativeAddonName());
  if (fs.existsSync(beside)) return beside;
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return path.join(dir, 'dist', 'native', nativeAddonName());
    if (path.dirname(dir) === dir) return beside;
  }
}

/**
 * Whether sgemmPacked multiplies by the GEMM's own pre-packed panels (rl_pack_b: K × N rounded up to
 * 16/32-wide panels; src/core/network.ts gives its packed arrays that room). RNN_LENS_NATIVE_PREPACK=0
 * stores op(B) as it is instead and multiplies with the plain sgemm (the same numbers, bit for bit).
 */
const PREPACKED = process.env.RNN_LENS_NATIVE_PREPACK !== '0';

/**
 * Whether the network hands each direction's whole recurrence to the addon in one call (forwardRecurrence /
 * backwardRecurrence: the same kernels in the same order, so the same bits, without a call per step);
 * RNN_LENS_NATIVE_RECURRENCE=0 steps in JS instead. It multiplies by pre-packed panels, so needs PREPACKED.
 */
const WHOLE_RECURRENCES = PREPACKED && process.env.RNN_LENS_NATIVE_RECURRENCE !== '0';

/** The addon's cell numbers (native/src/recurrence.h). */
const RECURRENCE_CELLS: readonly Recurrence['cell'][] = ['lstm', 'gru', 'simplernn'];

class NativeKernels extends ArenaKernels {
  constructor(name: string, buffer: ArrayBufferLike, start: number, end: number, private readonly k: NativeBinding, sharing: KernelSharing | undefined) {
    super(name, buffer, start, end, k, sharing);
  }

  /** packedSize's answers by shape: the argument checks of every sgemmPacked ask for it, and a call into the addon costs more than a lookup. */
  private readonly packedSizes = new Map<number, number>();

  packedSize(K: number, N: number): number {
    if (!PREPACKED) return K * N;
    const key = K * 2 ** 31 + N; // exact for N < 2³¹ and K < 2²² (any arena this engine makes)
    let size = this.packedSizes.get(key);
    if (size === undefined) this.packedSizes.set(key, (size = this.k.packedSize(K, N)));
    return size;
  }

  protected gemm(
    transA: boolean, transB: boolean, M: number, N: number, K: number,
    A: Float32Array, lda: number, B: Float32Array, ldb: number, C: Float32Array, ldc: number, beta: 0 | 1,
  ): void {
    this.k.sgemm(transA ? 1 : 0, transB ? 1 : 0, M, N, K, A.byteOffset, lda, B.byteOffset, ldb, C.byteOffset, ldc, beta);
  }

  protected pack(transB: boolean, K: number, N: number, B: Float32Array, ldb: number, packed: Float32Array): void {
    if (PREPACKED) this.k.packB(transB ? 1 : 0, K, N, B.byteOffset, ldb, packed.byteOffset);
    else if (!transB) for (let k = 0; k < K; k++) packed.set(B.subarray(k * ldb, k * ldb + N), k * N);
    else for (let k = 0; k < K; k++) for (let j = 0; j < N; j++) packed[k * N + j] = B[j * ldb + k];
  }

  /** The byte offset of an array of this memory (0 for none): the addon checks the ranges; this, that it is this memory's. */
  private at(what: string, a: Float32Array | null | undefined): number {
    if (!a || a.length === 0) return 0;
    if (a.buffer !== this.buffer) throw new RangeError(`${this.name}: ${what} is not in this kernels' memory`);
    return a.byteOffset;
  }

  private recurrenceArgs(r: Recurrence): number[] {
    const cell = RECURRENCE_CELLS.indexOf(r.cell);
    if (cell < 0) throw new RangeError(`${this.name}: no recurrence for cell "${r.cell}"`);
    return [
      cell, r.B, r.H, r.T, r.reversed ? 1 : 0, this.at('z', r.z), this.at('bias', r.bias), this.at('pre', r.pre),
      this.at('packedU[0]', r.packedU[0]), this.at('packedU[1]', r.packedU[1]), this.at('h', r.h), r.ldh,
      this.at('mask', r.mask), this.at('zeros', r.zeros), this.at('state', r.state),
    ];
  }

  readonly forwardRecurrence = WHOLE_RECURRENCES
    ? (r: Recurrence): void => this.k.forwardRecurrence(...this.recurrenceArgs(r))
    : undefined;

  readonly backwardRecurrence = WHOLE_RECURRENCES
    ? (r: BackwardRecurrence): void =>
        this.k.backwardRecurrence(
          ...this.recurrenceArgs(r),
          this.at('packedUT[0]', r.packedUT[0]), this.at('packedUT[1]', r.packedUT[1]), this.at('dh', r.dh), this.at('dz', r.dz),
          this.at('carryH', r.carryH), this.at('tmpH', r.tmpH), this.at('carryC', r.carryC), this.at('tmpR', r.tmpR),
        )
    : undefined;

  protected gemmPacked(transA: boolean, M: number, N: number, K: number, A: Float32Array, lda: number, packed: Float32Array, C: Float32Array, ldc: number, beta: 0 | 1): void {
    if (PREPACKED) this.k.sgemmPacked(transA ? 1 : 0, M, N, K, A.byteOffset, lda, packed.byteOffset, C.byteOffset, ldc, beta);
    else this.k.sgemm(transA ? 1 : 0, 0, M, N, K, A.byteOffset, lda, packed.byteOffset, N, C.byteOffset, ldc, beta);
  }
}

/** Native kernels on an addon already loaded (no self-test): for the self-test itself and the tests. */
export function nativeKernelsOn(addon: NativeAddon, capacityFloats: number, memory: KernelMemoryOptions = {}): Kernels {
  checkCount('capacityFloats', capacityFloats);
  let binding: NativeBinding | undefined;
  // The arena starts on a 64-byte boundary of the memory's real address (V8 hands out buffers 16 bytes past one).
  const layout = sharedArenaLayout(capacityFloats, memory, 'The native kernels', (buffer, start) => {
    if (!(buffer instanceof SharedArrayBuffer)) throw new TypeError('The native kernels need SharedArrayBuffer');
    binding = addon.bind(new Uint8Array(buffer));
    return (ALIGN - ((binding.addressMod4096 + start) % ALIGN)) % ALIGN;
  });
  const k = binding!;
  return new NativeKernels(`cpu-native-${k.isa()}`, layout.buffer, layout.start, layout.end, k, layout.sharing);
}

/** The outcome of loading the addon in this thread: the addon, or why not. */
type LoadState = { addon: NativeAddon; reason?: undefined } | { addon?: undefined; reason: string };

let loaded: LoadState | undefined;
let tested: LoadState | undefined;

/** Requires the addon (once per thread). */
function loadAddon(): LoadState {
  if (!loaded) {
    const file = nativeAddonPath();
    if (process.env.RNN_LENS_NATIVE === '0') loaded = { reason: 'turned off (RNN_LENS_NATIVE=0)' };
    else if (!fs.existsSync(file)) loaded = { reason: `not built (${file} is missing; \`node scripts/buildNative.js\` builds it)` };
    else {
      try {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        loaded = { addon: require(file) as NativeAddon };
      } catch (err) {
        loaded = { reason: `${file} did not load: ${(err as Error).message.split('\n')[0]}` };
      }
    }
  }
  return loaded;
}

/** A seeded uniform generator on [-scale, scale). */
function uniform(seed: number, scale = 1): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return ((s / 4294967296) * 2 - 1) * scale;
  };
}

/**
 * The self-test's work, on any kernels: one LSTM, GRU and SimpleRNN forward + backward step (B = 3 with
 * a padding row, H = 19: full vectors and a tail), a multiply of each transpose (unpacked, packed,
 * beta 0 over NaN and beta 1), sumRows, Adam, adamRows, gather and scatter-add and the activations, on
 * seeded random data. Returns every output, by name.
 */
export function selfTestOutputs(k: Kernels): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  const random = uniform(2024);
  const mark = k.mark();
  const fill = (n: number, scale = 1) => {
    const a = k.alloc(n);
    const r = uniform(Math.floor((random() + 1) * 1e9), scale);
    for (let i = 0; i < n; i++) a[i] = r();
    return a;
  };
  const fillAbs = (n: number, scale: number) => {
    const a = fill(n, scale);
    for (let i = 0; i < n; i++) a[i] = Math.abs(a[i]);
    return a;
  };
  const keep = (name: string, a: Float32Array) => out.set(name, a.slice());
  try {
    const B = 3;
    const H = 19;
    const mask = k.alloc(B);
    mask.set([1, 0, 1]);
    // LSTM
    {
      const z = fill(B * 4 * H, 4), bias = fill(4 * H), pre = k.alloc(B * 4 * H), cPrev = fill(B * H, 2), c = k.alloc(B * H), hPrev = fill(B * H), h = k.alloc(B * H);
      k.lstmForward(B, H, z, bias, pre, cPrev, c, hPrev, H, h, H, mask);
      [['lstm gates', z], ['lstm pre', pre], ['lstm c', c], ['lstm h', h]].forEach(([n, a]) => keep(n as string, a as Float32Array));
      const dh = fill(B * H), dhCarry = fill(B * H), dcCarry = fill(B * H), dz = k.alloc(B * 4 * H), dhNew = k.alloc(B * H);
      k.lstmBackward(B, H, z, c, cPrev, dh, H, dhCarry, dcCarry, dz, dhNew, mask);
      [['lstm dz', dz], ['lstm dcCarry', dcCarry], ['lstm dhNew', dhNew]].forEach(([n, a]) => keep(n as string, a as Float32Array));
    }
    // GRU
    {
      const z = fill(B * 3 * H, 4), bias = fill(3 * H), pre = k.alloc(B * 3 * H), hPrev = fill(B * H), rh = k.alloc(B * H), h = k.alloc(B * H);
      k.gruForwardGates(B, H, z, bias, pre, hPrev, H, rh);
      k.gruForwardOutput(B, H, z, bias, pre, hPrev, H, h, H, mask);
      [['gru gates', z], ['gru pre', pre], ['gru rh', rh], ['gru h', h]].forEach(([n, a]) => keep(n as string, a as Float32Array));
      const dh = fill(B * H), dhCarry = fill(B * H), dz = k.alloc(B * 3 * H), dhNew = k.alloc(B * H), dRh = fill(B * H);
      k.gruBackwardGates(B, H, z, hPrev, H, dh, H, dhCarry, dz, dhNew, mask);
      k.gruBackwardReset(B, H, z, hPrev, H, dRh, dz, dhNew, mask);
      [['gru dz', dz], ['gru dhNew', dhNew]].forEach(([n, a]) => keep(n as string, a as Float32Array));
    }
    // SimpleRNN
    {
      const z = fill(B * H, 4), bias = fill(H), hPrev = fill(B * H), h = k.alloc(B * H);
      k.simpleRnnForward(B, H, z, bias, null, hPrev, H, h, H, mask);
      keep('simplernn h', h);
      const dh = fill(B * H), dhCarry = fill(B * H), dz = k.alloc(B * H), dhNew = k.alloc(B * H);
      k.simpleRnnBackward(B, H, z, dh, H, dhCarry, dz, dhNew, mask);
      [['simplernn dz', dz], ['simplernn dhNew', dhNew]].forEach(([n, a]) => keep(n as string, a as Float32Array));
    }
    // GEMM: each transpose, beta 0 over NaN and beta 1, unpacked and packed
    {
      const M = 7, N = 37, K = 13;
      for (const transA of [false, true]) {
        for (const transB of [false, true]) {
          const A = fill(M * K), Bm = fill(K * N);
          const lda = transA ? M : K, ldb = transB ? K : N;
          const C = k.alloc(M * N).fill(NaN);
          k.sgemm(transA, transB, M, N, K, A, lda, Bm, ldb, C, N, 0);
          const C1 = fill(M * N);
          k.sgemm(transA, transB, M, N, K, A, lda, Bm, ldb, C1, N, 1);
          const packed = k.alloc(k.packedSize(K, N));
          k.packB(transB, K, N, Bm, ldb, packed);
          const Cp = k.alloc(M * N).fill(NaN);
          k.sgemmPacked(transA, M, N, K, A, lda, packed, Cp, N, 0);
          const tag = `sgemm ${transA ? 'T' : 'N'}${transB ? 'T' : 'N'}`;
          keep(tag, C);
          keep(`${tag} beta 1`, C1);
          keep(`${tag} packed`, Cp);
        }
      }
    }
    // Whole networks (the recurrences in one call where the kernels run them so): a capture and a batch's gradients.
    for (const cell of ['lstm', 'gru', 'simplernn'] as const) selfTestNetwork(k, cell, keep);
    // Rows, Adam, embeddings, activations
    {
      const x = fill(5 * 21), sums = k.alloc(19);
      k.sumRows(5, 19, x, 21, sums);
      keep('sumRows', sums);
      const step: AdamStep = { lr: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, c1: 1 - 0.9 ** 3, c2: 1 - 0.999 ** 3 };
      const param = fill(37), grad = fill(37), m = fill(37, 0.1), v = fillAbs(37, 0.01);
      k.adam(param, grad, m, v, step);
      [['adam param', param], ['adam m', m], ['adam v', v]].forEach(([n, a]) => keep(n as string, a as Float32Array));
      const E = 11, rows = 6;
      const table = fill(rows * E), ids = k.alloc(4), gathered = k.alloc(4 * E);
      ids.set([3, 0, 5, 3]);
      k.gatherRows(4, E, table, ids, gathered);
      keep('gatherRows', gathered);
      const index = k.alloc(4);
      index.set([2, -1, 2, 5]);
      k.scatterAddRows(4, E, gathered, index, table);
      keep('scatterAddRows', table);
      const rowIds = k.alloc(2), rowGrad = fill(2 * E), rm = fill(rows * E, 0.1), rv = fillAbs(rows * E, 0.01);
      rowIds.set([4, 1]);
      k.adamRows(2, E, rowIds, rowGrad, rm, rv, step);
      [['adamRows delta', rowGrad], ['adamRows m', rm], ['adamRows v', rv]].forEach(([n, a]) => keep(n as string, a as Float32Array));
      for (const f of ['exp', 'sigmoid', 'tanh'] as const) {
        const a = fill(23, 30), y = k.alloc(23);
        k.activate(f, a, y);
        keep(`activate ${f}`, y);
      }
    }
  } finally {
    k.release(mark);
  }
  return out;
}

/**
 * The self-test's network: 2 bidirectional layers of `cell` (H = 9, E = 5) over B = 3 rows of T = 4 steps, one
 * of them padded, with seeded weights: every captured value (inspect) and every gradient of a batch, kept by name.
 */
function selfTestNetwork(k: Kernels, cell: NetConfig['cell'], keep: (name: string, a: Float32Array) => void): void {
  const config: NetConfig = { cell, vocabSize: 7, embeddingSize: 5, hiddenSize: 9, layers: 2, bidirectional: true, classes: 3, learningRate: 0.01, seed: 1 };
  const B = 3;
  const T = 4;
  const mark = k.mark();
  try {
    const net = RecurrentNet.onKernels(config, { maxBatch: B, maxTime: T }, k);
    const random = uniform(77, 0.8);
    net.setWeights(net.weightShapes().map((shape) => Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, random)));
    const ids = Int32Array.of(1, 2, 3, 4, 5, 6, 0, 0, 6, 5, 4, 3);
    const { probs, directions } = net.inspect(ids.subarray(0, T), 1, T);
    keep(`${cell} net probabilities`, probs);
    for (const d of directions) {
      const tag = `${cell} net layer ${d.layer} ${d.direction}`;
      keep(`${tag} h`, d.h);
      keep(`${tag} gates`, d.gates);
      keep(`${tag} pre`, d.preactivations);
      if (d.c) keep(`${tag} c`, d.c);
    }
    const { loss } = net.computeGradients(ids, Int32Array.of(0, 1, 2), B, T);
    keep(`${cell} net loss`, Float32Array.of(loss));
    net.denseGradients().forEach((g, i) => keep(`${cell} net gradient ${i}`, g));
    const embedding = net.embeddingGradient();
    keep(`${cell} net embedding gradient ids`, Float32Array.from(embedding.ids));
    keep(`${cell} net embedding gradient`, embedding.rows.subarray(0, embedding.ids.length * config.embeddingSize));
  } finally {
    k.release(mark);
  }
}

/** Compares two self-test runs: undefined when every output agrees within 1e-5 (relative above 1), else what differs. */
export function compareSelfTest(ours: Map<string, Float32Array>, oracle: Map<string, Float32Array>, tolerance = 1e-5): string | undefined {
  for (const [name, want] of oracle) {
    const got = ours.get(name);
    if (!got || got.length !== want.length) return `${name}: missing`;
    for (let i = 0; i < want.length; i++) {
      const error = Math.abs(got[i] - want[i]);
      if (!(error <= tolerance * Math.max(1, Math.abs(want[i])))) return `${name}[${i}] is ${got[i]}, the JS oracle says ${want[i]}`;
    }
  }
  return undefined;
}

/** Runs the self-test on `kernels` against the JS oracle: undefined when it passes, else why not. */
export function selfTest(kernels: Kernels): string | undefined {
  try {
    const oracle = selfTestOutputs(createJsKernels(1 << 16));
    return compareSelfTest(selfTestOutputs(kernels), oracle);
  } catch (err) {
    return `it threw: ${(err as Error).message}`;
  }
}

/**
 * RNN_LENS_NATIVE_FAULT=<kernel> (for tests of the fallback): in the self-test, that kernel's arrays (its
 * outputs among them; a recurrence's, its argument's) come out with their first float off by one, as a broken build's would.
 */
function withFault(kernels: Kernels, fault: string | undefined): Kernels {
  if (!fault) return kernels;
  return new Proxy(kernels, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (prop !== fault || typeof value !== 'function') return typeof value === 'function' ? value.bind(target) : value;
      return (...args: unknown[]) => {
        (value as (...a: unknown[]) => void).apply(target, args);
        // A whole recurrence's arrays are the fields of its one argument.
        const arrays = args.flatMap((a) => (a instanceof Float32Array ? [a] : a && typeof a === 'object' ? Object.values(a).filter((v) => v instanceof Float32Array) : []));
        for (const a of arrays) if (a.length) a[0] += 1;
      };
    },
  });
}

/** Loads the addon and self-tests it (once per thread): the addon, or why it is not used. */
export function nativeStatus(): LoadState {
  if (!tested) {
    const load = loadAddon();
    if (!load.addon) tested = load;
    else {
      let reason: string | undefined;
      try {
        reason = selfTest(withFault(nativeKernelsOn(load.addon, 1 << 16), process.env.RNN_LENS_NATIVE_FAULT));
      } catch (err) {
        reason = `it threw: ${(err as Error).message}`;
      }
      tested = reason ? { reason: `the start-up self-test against the JS oracle failed: ${reason}` } : load;
    }
  }
  return tested;
}

/** Forgets what nativeStatus found (tests change the environment between loads). */
export function resetNativeStatus(): void {
  tested = undefined;
  loaded = undefined;
}

/**
 * Native kernels on a new SharedArrayBuffer holding an arena of capacityFloats (and memory.spareBytes
 * for another thread's), or on memory.attach's, when the addon loads and passed its self-test; else
 * throws why not. Attaching skips the self-test: the memory's owner passed it with the same binary.
 */
export function createNativeKernels(capacityFloats: number, memory: KernelMemoryOptions = {}): Kernels {
  const state = memory.attach ? loadAddon() : nativeStatus();
  if (!state.addon) throw new Error(`native kernels: ${state.reason}`);
  return nativeKernelsOn(state.addon, capacityFloats, memory);
}
