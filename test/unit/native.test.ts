import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import type { Kernels } from '../../src/core/kernels/contract';
import { createJsKernels } from '../../src/core/kernels/jsKernels';
import { regionBytes } from '../../src/core/kernels/arena';
import { RecurrentNet, type NetConfig } from '../../src/core/network';
import { createNet, nativeSkipReason } from '../../src/engine/kernels/createNet';
import { createNativeKernels, nativeAddonPath, nativeKernelsOn, nativeStatus, resetNativeStatus, selfTest, type NativeAddon } from '../../src/engine/kernels/nativeKernels';
import { ParallelNet } from '../../src/engine/kernels/parallel';
import { seededRandom } from '../../src/engine/random';
import { caseConfig, caseName, NET_CASES, NET_SIZES, paddedBatch, seededWeights } from './netCases';

const required = process.env.RNN_LENS_REQUIRE_NATIVE === '1';
const built = fs.existsSync(nativeAddonPath());

/** Skips the suite only when the native build is absent and not required (CI sets RNN_LENS_REQUIRE_NATIVE=1). */
function needNative(ctx: Mocha.Context): void {
  if (!built && !required) {
    console.log(`      skipped: the native build ${nativeAddonPath()} is absent (node scripts/buildNative.js builds it; RNN_LENS_REQUIRE_NATIVE=1 fails instead)`);
    ctx.skip();
  }
}

/** A seeded uniform generator on [-1, 1). */
function random(seed: number): () => number {
  const next = seededRandom(seed);
  return () => next() * 2 - 1;
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Relative to the larger magnitude above 1; NaN where either is NaN and the other is not. */
function worstRelative(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    if (Number.isNaN(a[i]) !== Number.isNaN(b[i])) return NaN;
    if (Number.isNaN(a[i])) continue;
    m = Math.max(m, Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i])));
  }
  return m;
}

const capacity = 1 << 20;
/** Floats after each array's end, filled with random values: a kernel must leave them alone. */
const GUARD = 5;

type Spec = Record<string, { floats: number; scale?: number; values?: number[]; abs?: boolean }>;

/** The same arrays (same random contents, guards after each) in each set of kernels. */
function twins(spec: Spec, kernels: Kernels[], seed: number): Record<string, Float32Array>[] {
  const sets = kernels.map(() => ({}) as Record<string, Float32Array>);
  const next = random(seed);
  for (const [name, { floats, scale = 1, values, abs }] of Object.entries(spec)) {
    const data = Float32Array.from({ length: floats + GUARD }, (_, i) => {
      if (values && i < floats) return values[i];
      const v = next() * scale;
      return abs ? Math.abs(v) : v;
    });
    kernels.forEach((k, i) => {
      const a = k.alloc(floats + GUARD);
      a.set(data);
      sets[i][name] = a.subarray(0, floats);
      Object.defineProperty(sets[i], `${name}:guard`, { value: a.subarray(floats), enumerable: false });
    });
  }
  return sets;
}

/** Runs `call` on both sets and checks every array (guards included) within 1e-5 of the oracle's. */
function agree(native: Kernels, js: Kernels, spec: Spec, seed: number, call: (k: Kernels, a: Record<string, Float32Array>) => void, tolerance = 1e-5): void {
  const markN = native.mark();
  const markJ = js.mark();
  try {
    const [a, b] = twins(spec, [native, js], seed);
    call(native, a);
    call(js, b);
    for (const name of Object.keys(spec)) {
      const error = worstRelative(a[name], b[name]);
      assert.ok(error <= tolerance, `${name}: native differs from the JS oracle by ${error}`);
      const guardN = (a as Record<string, Float32Array>)[`${name}:guard`];
      const guardJ = (b as Record<string, Float32Array>)[`${name}:guard`];
      assert.deepEqual(Array.from(guardN), Array.from(guardJ), `${name}: the floats after the array are untouched`);
    }
  } finally {
    native.release(markN);
    js.release(markJ);
  }
}

const B = 6;
const MASK = [1, 0, 1, 1, 0, 1];
const Hs = [1, 3, 5, 8, 16, 17, 33, 67];
const rows = (H: number, ld: number) => (B - 1) * ld + H;
const mask = { floats: B, values: MASK };

interface CellCase {
  name: string;
  spec(H: number, ld: number): Spec;
  run(k: Kernels, a: Record<string, Float32Array>, H: number, ld: number): void;
}

const CELLS: CellCase[] = [
  {
    name: 'lstmForward',
    spec: (H, ld) => ({ z: { floats: B * 4 * H, scale: 6 }, bias: { floats: 4 * H }, pre: { floats: B * 4 * H }, cPrev: { floats: B * H, scale: 2 }, c: { floats: B * H }, hPrev: { floats: rows(H, ld) }, h: { floats: rows(H, ld) }, mask }),
    run: (k, a, H, ld) => k.lstmForward(B, H, a.z, a.bias, a.pre, a.cPrev, a.c, a.hPrev, ld, a.h, ld, a.mask),
  },
  {
    name: 'lstmForward (pre null)',
    spec: (H, ld) => ({ z: { floats: B * 4 * H, scale: 6 }, bias: { floats: 4 * H }, cPrev: { floats: B * H }, c: { floats: B * H }, hPrev: { floats: rows(H, ld) }, h: { floats: rows(H, ld) }, mask }),
    run: (k, a, H, ld) => k.lstmForward(B, H, a.z, a.bias, null, a.cPrev, a.c, a.hPrev, ld, a.h, ld, a.mask),
  },
  {
    name: 'lstmBackward',
    spec: (H, ld) => ({ gates: { floats: B * 4 * H, abs: true }, c: { floats: B * H, scale: 2 }, cPrev: { floats: B * H }, dh: { floats: rows(H, ld) }, dhCarry: { floats: B * H }, dcCarry: { floats: B * H }, dz: { floats: B * 4 * H }, dhNew: { floats: B * H }, mask }),
    run: (k, a, H, ld) => k.lstmBackward(B, H, a.gates, a.c, a.cPrev, a.dh, ld, a.dhCarry, a.dcCarry, a.dz, a.dhNew, a.mask),
  },
  {
    name: 'gruForwardGates',
    spec: (H, ld) => ({ z: { floats: B * 3 * H, scale: 6 }, bias: { floats: 3 * H }, pre: { floats: B * 3 * H }, hPrev: { floats: rows(H, ld) }, rh: { floats: B * H } }),
    run: (k, a, H, ld) => k.gruForwardGates(B, H, a.z, a.bias, a.pre, a.hPrev, ld, a.rh),
  },
  {
    name: 'gruForwardGates (pre null)',
    spec: (H, ld) => ({ z: { floats: B * 3 * H, scale: 6 }, bias: { floats: 3 * H }, hPrev: { floats: rows(H, ld) }, rh: { floats: B * H } }),
    run: (k, a, H, ld) => k.gruForwardGates(B, H, a.z, a.bias, null, a.hPrev, ld, a.rh),
  },
  {
    name: 'gruForwardOutput',
    spec: (H, ld) => ({ z: { floats: B * 3 * H, scale: 6 }, bias: { floats: 3 * H }, pre: { floats: B * 3 * H }, hPrev: { floats: rows(H, ld) }, h: { floats: rows(H, ld) }, mask }),
    run: (k, a, H, ld) => k.gruForwardOutput(B, H, a.z, a.bias, a.pre, a.hPrev, ld, a.h, ld, a.mask),
  },
  {
    name: 'gruForwardOutput (pre null)',
    spec: (H, ld) => ({ z: { floats: B * 3 * H, scale: 6 }, bias: { floats: 3 * H }, hPrev: { floats: rows(H, ld) }, h: { floats: rows(H, ld) }, mask }),
    run: (k, a, H, ld) => k.gruForwardOutput(B, H, a.z, a.bias, null, a.hPrev, ld, a.h, ld, a.mask),
  },
  {
    name: 'gruBackwardGates',
    spec: (H, ld) => ({ gates: { floats: B * 3 * H, abs: true }, hPrev: { floats: rows(H, ld) }, dh: { floats: rows(H, ld) }, dhCarry: { floats: B * H }, dz: { floats: B * 3 * H }, dhNew: { floats: B * H }, mask }),
    run: (k, a, H, ld) => k.gruBackwardGates(B, H, a.gates, a.hPrev, ld, a.dh, ld, a.dhCarry, a.dz, a.dhNew, a.mask),
  },
  {
    name: 'gruBackwardReset',
    spec: (H, ld) => ({ gates: { floats: B * 3 * H, abs: true }, hPrev: { floats: rows(H, ld) }, dRh: { floats: B * H }, dz: { floats: B * 3 * H }, dhNew: { floats: B * H }, mask }),
    run: (k, a, H, ld) => k.gruBackwardReset(B, H, a.gates, a.hPrev, ld, a.dRh, a.dz, a.dhNew, a.mask),
  },
  {
    name: 'simpleRnnForward',
    spec: (H, ld) => ({ z: { floats: B * H, scale: 6 }, bias: { floats: H }, pre: { floats: B * H }, hPrev: { floats: rows(H, ld) }, h: { floats: rows(H, ld) }, mask }),
    run: (k, a, H, ld) => k.simpleRnnForward(B, H, a.z, a.bias, a.pre, a.hPrev, ld, a.h, ld, a.mask),
  },
  {
    name: 'simpleRnnForward (pre null)',
    spec: (H, ld) => ({ z: { floats: B * H, scale: 6 }, bias: { floats: H }, hPrev: { floats: rows(H, ld) }, h: { floats: rows(H, ld) }, mask }),
    run: (k, a, H, ld) => k.simpleRnnForward(B, H, a.z, a.bias, null, a.hPrev, ld, a.h, ld, a.mask),
  },
  {
    name: 'simpleRnnBackward',
    spec: (H, ld) => ({ gates: { floats: B * H }, dh: { floats: rows(H, ld) }, dhCarry: { floats: B * H }, dz: { floats: B * H }, dhNew: { floats: B * H }, mask }),
    run: (k, a, H, ld) => k.simpleRnnBackward(B, H, a.gates, a.dh, ld, a.dhCarry, a.dz, a.dhNew, a.mask),
  },
];

describe('native kernels', function () {
  this.timeout(120_000);
  let native: Kernels;
  let js: Kernels;

  before(function () {
    needNative(this);
    const status = nativeStatus();
    assert.ok(status.addon, `the native kernels load and pass their self-test (${status.reason})`);
    native = createNativeKernels(capacity);
    js = createJsKernels(capacity);
  });

  it('are named after the ISA they run, and the arena starts on a 64-byte boundary of the real address', function () {
    assert.match(native.name, /^cpu-native-(avx512|avx2|generic)$/);
    const addon = nativeStatus().addon!;
    const view = native.alloc(1);
    const binding = addon.bind(new Uint8Array(view.buffer as SharedArrayBuffer));
    assert.equal((binding.addressMod4096 + view.byteOffset) % 64, 0);
    assert.equal(`cpu-native-${binding.isa()}`, native.name);
  });

  describe('elementwise, against the JS oracle within 1e-5', function () {
    for (const c of CELLS) {
      it(`${c.name} for H = ${Hs.join(', ')} (row tails, padding rows, strided h)`, function () {
        for (const H of Hs) for (const ld of [H, H + 3]) agree(native, js, c.spec(H, ld), 100 + H + ld, (k, a) => c.run(k, a, H, ld));
      });
    }

    it('sumRows: strided rows, widths around the vector widths', function () {
      for (const n of [1, 3, 4, 7, 15, 16, 17, 63, 64, 65, 130]) {
        for (const r of [0, 1, 5]) agree(native, js, { x: { floats: r ? (r - 1) * (n + 2) + n : 0 }, out: { floats: n } }, n * 7 + r, (k, a) => k.sumRows(r, n, a.x, n + 2, a.out));
      }
    });

    it('adam and adamRows: awkward lengths, moments flushed below 1e-30', function () {
      const step = { lr: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, c1: 1 - 0.9 ** 5, c2: 1 - 0.999 ** 5 };
      for (const n of [1, 3, 15, 16, 17, 67, 1000]) {
        const tiny = Array.from({ length: n }, (_, i) => (i % 4 === 0 ? 1e-31 : 0.05));
        agree(native, js, { param: { floats: n }, grad: { floats: n, values: tiny.map((t, i) => (i % 4 === 0 ? 0 : t)) }, m: { floats: n, values: tiny }, v: { floats: n, values: tiny } }, n, (k, a) => k.adam(a.param, a.grad, a.m, a.v, step));
        agree(native, js, { param: { floats: n }, grad: { floats: n }, m: { floats: n, scale: 0.1 }, v: { floats: n, abs: true, scale: 0.01 } }, n + 1, (k, a) => k.adam(a.param, a.grad, a.m, a.v, step));
      }
      for (const E of [1, 3, 5, 16, 17, 67]) {
        const ids = [4, 0, 2, 6];
        agree(native, js, { ids: { floats: 4, values: ids }, grad: { floats: 4 * E }, m: { floats: 7 * E, scale: 0.1 }, v: { floats: 7 * E, abs: true, scale: 0.01 } }, E, (k, a) => k.adamRows(4, E, a.ids, a.grad, a.m, a.v, step));
      }
    });

    it('gatherRows and scatterAddRows (rows skipped at -1, repeated rows added in order)', function () {
      for (const E of [1, 3, 5, 16, 17, 67]) {
        agree(native, js, { table: { floats: 8 * E }, ids: { floats: 5, values: [7, 0, 3, 3, 1] }, out: { floats: 5 * E } }, E, (k, a) => k.gatherRows(5, E, a.table, a.ids, a.out));
        agree(native, js, { x: { floats: 5 * E }, index: { floats: 5, values: [2, -1, 2, 7, 0] }, out: { floats: 8 * E } }, E + 9, (k, a) => k.scatterAddRows(5, E, a.x, a.index, a.out));
      }
    });

    it('activate: exp, sigmoid and tanh over [-100, 100] (clamps), in place and not', function () {
      for (const f of ['exp', 'sigmoid', 'tanh'] as const) {
        for (const n of [1, 3, 16, 17, 301]) {
          agree(native, js, { x: { floats: n, scale: f === 'exp' ? 90 : 30 }, y: { floats: n } }, n, (k, a) => k.activate(f, a.x, a.y));
          agree(native, js, { x: { floats: n, scale: 100 } }, n + 1, (k, a) => k.activate(f, a.x, a.x));
        }
      }
      // The clamps: exp's input to [-87, 88], the sigmoid's to ±80, tanh saturating.
      const x = native.alloc(6);
      x.set([-200, 200, -85, 85, 0, -0]);
      const y = native.alloc(6);
      native.activate('exp', x, y);
      assert.ok(Math.abs(y[0] - Math.exp(-87)) / Math.exp(-87) < 1e-6 && Math.abs(y[1] - Math.exp(88)) / Math.exp(88) < 1e-6, `exp clamps (${y[0]}, ${y[1]})`);
      native.activate('sigmoid', x, y);
      assert.ok(y[0] > 0 && y[0] < 1e-34 && y[1] === 1, `sigmoid clamps (${y[0]}, ${y[1]})`);
      native.activate('tanh', x, y);
      // As the WebAssembly kernels: 1 − 2e/(1 + e) with e = e^−18 rounds to 1 − 2⁻²⁴.
      assert.deepEqual(Array.from(y.subarray(0, 4)), [-1, 1, -1, 1].map((s) => s * Math.fround(1 - 2 ** -24)));
      assert.ok(y[4] === 0 && y[5] === 0, 'tanh(±0) = 0');
    });
  });

  describe('sgemm', function () {
    const sizes: [number, number, number][] = [[1, 1, 1], [3, 5, 7], [7, 37, 13], [16, 16, 16], [17, 33, 65], [40, 70, 400], [65, 129, 31]];

    it('every transpose, strided, beta 0 over NaN and beta 1, within 1e-5 of the JS oracle', function () {
      for (const [M, N, K] of sizes) {
        for (const transA of [false, true]) {
          for (const transB of [false, true]) {
            const lda = (transA ? M : K) + 1;
            const ldb = (transB ? K : N) + 2;
            const ldc = N + 3;
            const a = { floats: ((transA ? K : M) - 1) * lda + (transA ? M : K) };
            const b = { floats: ((transB ? N : K) - 1) * ldb + (transB ? K : N) };
            const nan = { floats: (M - 1) * ldc + N, values: new Array<number>((M - 1) * ldc + N).fill(NaN) };
            const tol = 1e-5 * Math.sqrt(K);
            agree(native, js, { A: a, B: b, C: nan }, M + N + K, (k, x) => k.sgemm(transA, transB, M, N, K, x.A, lda, x.B, ldb, x.C, ldc, 0), tol);
            agree(native, js, { A: a, B: b, C: { floats: (M - 1) * ldc + N } }, M * N * K, (k, x) => k.sgemm(transA, transB, M, N, K, x.A, lda, x.B, ldb, x.C, ldc, 1), tol);
          }
        }
      }
    });

    it('packed equals unpacked, bit for bit, for each transpose', function () {
      const next = random(5);
      for (const [M, N, K] of sizes) {
        for (const transA of [false, true]) {
          for (const transB of [false, true]) {
            const mark = native.mark();
            const A = native.alloc(M * K).map(() => next());
            const Bm = native.alloc(K * N).map(() => next());
            const a = native.alloc(M * K);
            a.set(A);
            const b = native.alloc(K * N);
            b.set(Bm);
            const C = native.alloc(M * N).fill(NaN);
            native.sgemm(transA, transB, M, N, K, a, transA ? M : K, b, transB ? K : N, C, N, 0);
            const packed = native.alloc(native.packedSize(K, N));
            native.packB(transB, K, N, b, transB ? K : N, packed);
            const Cp = native.alloc(M * N).fill(NaN);
            native.sgemmPacked(transA, M, N, K, a, transA ? M : K, packed, Cp, N, 0);
            assert.deepEqual(Array.from(Cp), Array.from(C), `${M}×${N}×${K} ${transA ? 'T' : 'N'}${transB ? 'T' : 'N'}`);
            native.release(mark);
          }
        }
      }
    });
  });

  describe('bounds', function () {
    it('the addon throws a RangeError for every byte range outside the memory, and touches nothing', function () {
      const addon = nativeStatus().addon as NativeAddon;
      const sab = new SharedArrayBuffer(4096);
      const f = new Float32Array(sab).fill(7);
      const k = addon.bind(new Uint8Array(sab));
      const end = 4096;
      const calls: [string, () => void][] = [
        ['activate past the end', () => k.activate(2, 10, end - 8, 64)],
        ['activate at a negative offset', () => k.activate(2, 1, -4, 64)],
        ['activate at an unaligned offset', () => k.activate(2, 1, 66, 64)],
        ['activate at offset 0', () => k.activate(2, 1, 0, 64)],
        ['lstmForward with h beyond', () => k.lstmForward(2, 4, 64, 256, 0, 320, 384, 448, 4, end - 16, 4, 512)],
        ['lstmForward with a huge H', () => k.lstmForward(1, 1 << 28, 64, 256, 0, 320, 384, 448, 1 << 28, 512, 1 << 28, 600)],
        ['lstmForward with a short leading dimension', () => k.lstmForward(2, 4, 64, 256, 0, 320, 384, 448, 2, 512, 4, 600)],
        ['simpleRnnBackward with a negative count', () => k.simpleRnnBackward(-1, 4, 64, 128, 4, 192, 256, 320, 384)],
        ['sumRows with rows beyond', () => k.sumRows(1000, 4, 64, 4, 128)],
        ['adam with grad beyond', () => k.adam(16, 64, end - 32, 192, 256, 0.1, 0.9, 0.999, 1e-7, 0.1, 0.001)],
        ['gatherRows with an id beyond the memory', () => { f[16] = 5000; k.gatherRows(1, 4, 128, 64, 256); }],
        ['gatherRows with a NaN id', () => { f[16] = NaN; k.gatherRows(1, 4, 128, 64, 256); }],
        ['scatterAddRows with an index beyond the memory', () => { f[16] = 1e6; k.scatterAddRows(1, 4, 256, 64, 128); }],
        ['adamRows with an id beyond the memory', () => { f[16] = 1e6; k.adamRows(1, 4, 64, 128, 256, 320, 0.1, 0.9, 0.999, 1e-7, 0.1, 0.001); }],
        ['sgemm with C beyond', () => k.sgemm(0, 0, 8, 8, 8, 64, 8, 512, 8, end - 64, 8, 0)],
        ['sgemm with a short lda', () => k.sgemm(0, 0, 2, 2, 8, 64, 4, 512, 2, 1024, 2, 0)],
        ['sgemm with beta 2', () => k.sgemm(0, 0, 2, 2, 2, 64, 2, 512, 2, 1024, 2, 2)],
        ['packB past the end', () => k.packB(0, 16, 64, 64, 64, 128)],
        ['sgemmPacked with the packed B beyond', () => k.sgemmPacked(0, 2, 64, 16, 64, 16, end - 64, 256, 64, 0)],
        // (cell, B, H, T, reversed, z, bias, pre, packedU0, packedU1, h, ldh, mask, zeros, state): LSTM B 1, H 2, T 3.
        ['forwardRecurrence with h beyond', () => k.forwardRecurrence(0, 1, 2, 3, 0, 64, 256, 0, 320, 0, end - 8, 2, 1024, 1088, 1152)],
        ['forwardRecurrence with z beyond', () => k.forwardRecurrence(0, 1, 2, 3, 0, end - 64, 256, 0, 320, 0, 1200, 2, 1024, 1088, 1152)],
        ['forwardRecurrence for cell 3', () => k.forwardRecurrence(3, 1, 2, 3, 0, 64, 256, 0, 320, 0, 1200, 2, 1024, 1088, 1152)],
        ['forwardRecurrence with ldh below H', () => k.forwardRecurrence(0, 1, 2, 3, 0, 64, 256, 0, 320, 0, 1200, 1, 1024, 1088, 1152)],
        ['forwardRecurrence for GRU without packedU[1]', () => k.forwardRecurrence(1, 1, 2, 3, 0, 64, 256, 0, 320, 0, 1200, 2, 1024, 1088, 1152)],
        ['backwardRecurrence with tmpR beyond', () => k.backwardRecurrence(0, 1, 2, 3, 0, 64, 256, 0, 320, 0, 1200, 2, 1024, 1088, 1152, 1300, 0, 1600, 1700, 1800, 1856, 1904, end - 4)],
      ];
      const before = f.slice();
      for (const [what, call] of calls) {
        f.set(before);
        assert.throws(call, RangeError, what);
        f[16] = before[16];
        assert.deepEqual(Array.from(f), Array.from(before), `${what}: nothing written`);
      }
      assert.throws(() => k.activate(2, 1, 'x' as unknown as number, 64), TypeError);
      assert.throws(() => (k.activate as unknown as (...a: number[]) => void)(2, 1), TypeError);
      assert.throws(() => addon.bind({} as Uint8Array), TypeError);
    });

    it('the kernels reject foreign and short arrays before the addon runs', function () {
      const other = createNativeKernels(1024);
      const a = native.alloc(8);
      assert.throws(() => native.activate('tanh', other.alloc(8), a), TypeError);
      assert.throws(() => native.sumRows(4, 8, a, 8, a), RangeError);
      const ids = native.alloc(1);
      ids[0] = 3;
      assert.throws(() => native.gatherRows(1, 4, native.alloc(8), ids, native.alloc(4)), /not a row number/);
    });
  });

  describe('the network', function () {
    for (const c of NET_CASES) {
      const name = caseName(c);
      it(`${name}: probabilities, capture, loss, every gradient and an Adam step on native equal the JS kernels' (with padding)`, async function () {
        const config = caseConfig(c);
        const options = { maxBatch: NET_SIZES.B, maxTime: NET_SIZES.T };
        const a = await createNet(config, { ...options, kernels: 'native' });
        const b = await createNet(config, { ...options, kernels: 'js' });
        assert.match(a.kernelName, /^cpu-native-/);
        const weights = seededWeights(a.weightShapes(), 99, 1.6);
        a.setWeights(weights);
        b.setWeights(weights);
        const { ids, labels } = paddedBatch(7);
        assert.ok(maxDiff(a.predict(ids, NET_SIZES.B, NET_SIZES.T), b.predict(ids, NET_SIZES.B, NET_SIZES.T)) < 1e-5, 'probabilities');
        const ca = a.inspect(ids, NET_SIZES.B, NET_SIZES.T);
        const cb = b.inspect(ids, NET_SIZES.B, NET_SIZES.T);
        ca.directions.forEach((d, i) => {
          for (const field of ['h', 'c', 'gates', 'preactivations'] as const) {
            if (d[field]) assert.ok(maxDiff(d[field]!, cb.directions[i][field]!) < 1e-5, `capture: layer ${d.layer} ${d.direction} ${field}`);
          }
        });
        const ga = a.computeGradients(ids, labels, NET_SIZES.B, NET_SIZES.T);
        const gb = b.computeGradients(ids, labels, NET_SIZES.B, NET_SIZES.T);
        assert.ok(Math.abs(ga.loss - gb.loss) < 1e-5, `loss ${ga.loss} vs ${gb.loss}`);
        a.denseGradients().forEach((g, i) => assert.ok(maxDiff(g, b.denseGradients()[i]) < 1e-5, `gradient ${i} differs by ${maxDiff(g, b.denseGradients()[i])}`));
        const ea = a.embeddingGradient();
        const eb = b.embeddingGradient();
        assert.deepEqual(Array.from(ea.ids), Array.from(eb.ids));
        assert.ok(maxDiff(ea.rows.subarray(0, ea.ids.length * NET_SIZES.E), eb.rows.subarray(0, eb.ids.length * NET_SIZES.E)) < 1e-5, 'embedding gradient');
        a.applyAdam();
        b.applyAdam();
        a.getWeights().forEach((w, i) => assert.ok(maxDiff(w, b.getWeights()[i]) < 1e-5, `weight ${i} after Adam`));
        a.dispose();
        b.dispose();
      });
    }

    for (const c of NET_CASES) {
      const name = caseName(c);
      it(`${name}: whole recurrences in one call equal the network's own steps on the same kernels, bit for bit (capture, gradients)`, async function () {
        const config = caseConfig(c);
        const options = { maxBatch: NET_SIZES.B, maxTime: NET_SIZES.T };
        const whole = await createNet(config, { ...options, kernels: 'native' });
        // The same native kernels without the whole-recurrence calls: the network steps them itself.
        const stepped = await RecurrentNet.withKernels(config, options, (n) => {
          const k = createNativeKernels(n);
          assert.equal(typeof k.forwardRecurrence, 'function');
          return Object.create(k, { forwardRecurrence: { value: undefined }, backwardRecurrence: { value: undefined } }) as Kernels;
        });
        const weights = seededWeights(whole.weightShapes(), 31, 1.6);
        whole.setWeights(weights);
        stepped.setWeights(weights);
        const { ids, labels } = paddedBatch(8);
        const a = whole.inspect(ids, NET_SIZES.B, NET_SIZES.T);
        const b = stepped.inspect(ids, NET_SIZES.B, NET_SIZES.T);
        assert.deepEqual(Array.from(a.probs), Array.from(b.probs), 'probabilities');
        a.directions.forEach((d, i) => {
          const e = b.directions[i];
          for (const field of ['h', 'c', 'gates', 'preactivations'] as const) {
            if (d[field] || e[field]) assert.deepEqual(Array.from(d[field]!), Array.from(e[field]!), `layer ${d.layer} ${d.direction} ${field}`);
          }
        });
        const ga = whole.computeGradients(ids, labels, NET_SIZES.B, NET_SIZES.T);
        const gb = stepped.computeGradients(ids, labels, NET_SIZES.B, NET_SIZES.T);
        assert.equal(ga.loss, gb.loss);
        whole.denseGradients().forEach((g, i) => assert.deepEqual(Array.from(g), Array.from(stepped.denseGradients()[i]), `gradient ${i}`));
        const ea = whole.embeddingGradient();
        const eb = stepped.embeddingGradient();
        assert.deepEqual(Array.from(ea.rows.subarray(0, ea.ids.length * NET_SIZES.E)), Array.from(eb.rows.subarray(0, eb.ids.length * NET_SIZES.E)), 'embedding gradient');
      });
    }

    it('two threads (ParallelNet) on native make the same steps as one thread', async function () {
      const config: NetConfig = { cell: 'lstm', vocabSize: 40, embeddingSize: 6, hiddenSize: 10, layers: 2, bidirectional: true, classes: 3, learningRate: 0.01, seed: 3 };
      const make = async (threads: number) => {
        const net = await ParallelNet.create(config, { maxBatch: 9, maxTime: 8, threads });
        net.net.setWeights(seededWeights(net.net.weightShapes(), 5, 0.6));
        return net;
      };
      const one = await make(1);
      const two = await make(2);
      try {
        assert.match(one.kernelName, /^cpu-native-[a-z0-9]+$/);
        assert.equal(two.kernelName, `${one.kernelName}×2`, 'the worker attached native kernels');
        for (let step = 0; step < 3; step++) {
          const next = seededRandom(10 + step);
          const ids = new Int32Array(9 * 8);
          for (let b = 0; b < 9; b++) for (let t = 0; t < 1 + Math.floor(((b + 1) / 9) * 7); t++) ids[b * 8 + t] = 1 + Math.floor(next() * 39);
          const labels = Int32Array.from({ length: 9 }, (_, b) => b % 3);
          const x = await one.trainStep(ids, labels, 9, 8);
          const y = await two.trainStep(ids, labels, 9, 8);
          assert.ok(Math.abs(x.loss - y.loss) < 1e-5, `step ${step}: loss ${x.loss} vs ${y.loss}`);
          assert.equal(x.correct, y.correct);
        }
        one.net.getWeights().forEach((w, i) => assert.ok(maxDiff(w, two.net.getWeights()[i]) < 1e-5, `weight ${i}`));
        assert.ok(maxDiff(await one.predict(new Int32Array(9 * 8).fill(3), 9, 8), await two.predict(new Int32Array(9 * 8).fill(3), 9, 8)) < 1e-6, 'predictions');
      } finally {
        one.dispose();
        two.dispose();
      }
    });

    it('a second network attaches to the first one\'s memory by name', async function () {
      const config: NetConfig = { cell: 'gru', vocabSize: 20, embeddingSize: 4, hiddenSize: 6, layers: 1, bidirectional: false, classes: 2, learningRate: 0.01, seed: 1 };
      const options = { maxBatch: 4, maxTime: 5 };
      const spareBytes = regionBytes(RecurrentNet.arenaFloats(config, { ...options, embedding: new Float32Array(0) }));
      const first = await createNet(config, { ...options, kernels: 'native', kernelMemory: { spareBytes } });
      const sharing = first.kernelSharing!;
      const second = await createNet(config, { ...options, embedding: first.embedding, kernelMemory: { attach: { memory: sharing.memory, at: sharing.spareAt, name: first.kernelName } } });
      assert.equal(second.kernelName, first.kernelName);
      await assert.rejects(createNet(config, { ...options, embedding: first.embedding, kernelMemory: { attach: { memory: sharing.memory, at: sharing.spareAt, name: 'cpu-native-nonesuch' } } }), /Cannot attach/);
    });
  });

  describe('the start-up self-test', function () {
    afterEach(function () {
      delete process.env.RNN_LENS_NATIVE_FAULT;
      delete process.env.RNN_LENS_NATIVE_PATH;
      resetNativeStatus();
    });

    it('passes on the native kernels and on the oracle itself', function () {
      assert.equal(selfTest(createNativeKernels(1 << 16)), undefined);
      assert.equal(selfTest(createJsKernels(1 << 16)), undefined);
    });

    it('rejects a kernel that computes a wrong result', function () {
      const addon = nativeStatus().addon!;
      const kernels = nativeKernelsOn(addon, 1 << 16);
      const broken = Object.create(kernels) as Kernels;
      broken.gruBackwardReset = (...args: Parameters<Kernels['gruBackwardReset']>) => {
        kernels.gruBackwardReset(...args);
        args[6][args[6].length - 1] += 1e-3;
      };
      assert.match(selfTest(broken) ?? '', /^gru dz\[\d+\] is .*, the JS oracle says/);
    });

    it('rejects a whole recurrence that computes a wrong result', function () {
      const addon = nativeStatus().addon!;
      const kernels = nativeKernelsOn(addon, 1 << 16);
      const broken = Object.create(kernels) as Kernels;
      broken.forwardRecurrence = (r) => {
        kernels.forwardRecurrence!(r);
        if (r.cell === 'gru') r.z[r.B * r.T * 3 * r.H - 1] += 1e-3;
      };
      assert.match(selfTest(broken) ?? '', /^gru net .*\[\d+\] is .*, the JS oracle says/);
    });

    for (const fault of ['lstmBackward', 'sgemmPacked', 'adam', 'activate', 'forwardRecurrence', 'backwardRecurrence']) {
      it(`with a broken ${fault}, createNet 'auto' falls back to WebAssembly and says why; 'native' refuses`, async function () {
        process.env.RNN_LENS_NATIVE_FAULT = fault;
        resetNativeStatus();
        const config: NetConfig = { cell: 'lstm', vocabSize: 10, embeddingSize: 4, hiddenSize: 5, layers: 1, bidirectional: false, classes: 2, learningRate: 0.01, seed: 1 };
        const errors: string[] = [];
        const original = console.error;
        console.error = (...args: unknown[]) => errors.push(args.join(' '));
        let net: RecurrentNet;
        try {
          net = await createNet(config, { maxBatch: 2, maxTime: 3 });
        } finally {
          console.error = original;
        }
        assert.match(net.kernelName, /^wasm-/);
        assert.match(nativeSkipReason() ?? '', /self-test against the JS oracle failed: .* the JS oracle says/);
        await assert.rejects(createNet(config, { maxBatch: 2, maxTime: 3, kernels: 'native' }), /self-test/);
        // Logged once per thread (an earlier fallback may have logged already).
        assert.ok(errors.every((e) => /^Native kernels skipped: .*; using WebAssembly$/.test(e)), errors.join('\n'));
      });
    }

    it('a missing build is reported, and auto falls back', async function () {
      process.env.RNN_LENS_NATIVE_PATH = '/nonexistent/rnn-lens-native.node';
      resetNativeStatus();
      assert.match(nativeSkipReason() ?? '', /not built \(\/nonexistent\/rnn-lens-native\.node is missing/);
      const net = await createNet({ cell: 'gru', vocabSize: 10, embeddingSize: 4, hiddenSize: 5, layers: 1, bidirectional: false, classes: 2, learningRate: 0.01, seed: 1 }, { maxBatch: 2, maxTime: 3 });
      assert.doesNotMatch(net.kernelName, /native/);
    });
  });
});

describe('native kernels: availability', function () {
  it('are built here, or the suite says why it skips', function () {
    needNative(this);
    assert.ok(built, `the native build ${nativeAddonPath()} exists (RNN_LENS_REQUIRE_NATIVE=1)`);
  });
});
