/// <reference types="@webgpu/types" />
import { strict as assert } from 'node:assert';
import { openGpu, type GpuContext } from '../../src/engine/gpu/device';
import { GpuGemm, type GemmThreadTile, type GpuMatrix } from '../../src/engine/gpu/gemm';
import { ParamRing } from '../../src/engine/gpu/kernel';
import { seededRandom } from '../../src/engine/random';

// The GPU sgemm against a double-precision reference. Every product of one test is recorded into one
// compute pass and submitted once; only the buffers holding a C are read back (through a MAP_READ
// staging buffer), and all of them is checked: each C element within the float32 summation bound
// (K + 2)·2⁻²³·(Σₖ|a·b| + |c₀|) of the reference (any summation order, fused or not, meets it), and
// every other float (row padding, gaps between matrices, A and B where they share C's buffer)
// bit-for-bit unchanged. With beta 0, C starts as NaN.

/** A seeded uniform generator on [-1, 1). */
function random(seed: number): () => number {
  const next = seededRandom(seed);
  return () => next() * 2 - 1;
}

const SENTINEL = 12345.5;
const combos: [boolean, boolean][] = [[false, false], [false, true], [true, false], [true, true]];
const shapes: [number, number, number][] = [[1, 1, 1], [3, 5, 7], [17, 33, 9], [64, 64, 64], [70, 130, 65], [1, 512, 256]];
const opName = (tA: boolean, tB: boolean) => `${tA ? 'T' : 'N'}${tB ? 'T' : 'N'}`;

/** Where a matrix lives: a pool (one GPU buffer each) and its place in it. */
interface Place {
  pool: number;
  offset: number;
  ld: number;
}

interface Case {
  tA: boolean;
  tB: boolean;
  M: number;
  N: number;
  K: number;
  beta: 0 | 1;
  A: Place;
  B: Place;
  C: Place;
}

/** Lays matrices out one after another in pools, with odd gaps and leading dimensions past the columns. */
class Layout {
  readonly sizes: number[] = [];
  constructor(private readonly rnd: () => number) {}

  place(pool: number, rows: number, cols: number): Place {
    while (this.sizes.length <= pool) this.sizes.push(0);
    const gap = 1 + Math.floor((this.rnd() + 1) * 3); // 1…6 floats
    const offset = this.sizes[pool] + gap;
    const ld = cols + Math.floor((this.rnd() + 1) * 2.5); // cols … cols + 4
    this.sizes[pool] = offset + Math.max(0, rows - 1) * ld + cols;
    return { pool, offset, ld };
  }

  /** A case with A in pool a, B in pool b, C in pool c. */
  gemm(tA: boolean, tB: boolean, M: number, N: number, K: number, beta: 0 | 1, a = 0, b = 1, c = 2): Case {
    const A = tA ? this.place(a, K, M) : this.place(a, M, K);
    const B = tB ? this.place(b, N, K) : this.place(b, K, N);
    const C = this.place(c, M, N);
    return { tA, tB, M, N, K, beta, A, B, C };
  }
}

/** Each element (row, col) of a placed matrix. */
function* elements(place: Place, rows: number, cols: number): Generator<number> {
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) yield place.offset + i * place.ld + j;
}

let gpu: GpuContext | undefined; // holds the instance while the device lives
let params: ParamRing;

async function withValidation<T>(work: () => Promise<T> | T): Promise<T> {
  const device = gpu!.device;
  device.pushErrorScope('validation');
  device.pushErrorScope('internal');
  device.pushErrorScope('out-of-memory');
  let result: T;
  try {
    result = await work();
  } finally {
    const errors = [await device.popErrorScope(), await device.popErrorScope(), await device.popErrorScope()].filter((e) => e);
    assert.deepEqual(
      errors.map((e) => e!.message),
      [],
      'WebGPU reported errors',
    );
  }
  return result;
}

/** Copies floats [from, to) of `buffer` out through a MAP_READ staging buffer. */
async function readBack(buffer: GPUBuffer, from: number, to: number): Promise<Float32Array> {
  const device = gpu!.device;
  const bytes = (to - from) * 4;
  const staging = device.createBuffer({ size: bytes, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  try {
    const encoder = device.createCommandEncoder();
    encoder.copyBufferToBuffer(buffer, from * 4, staging, 0, bytes);
    device.queue.submit([encoder.finish()]);
    await staging.mapAsync(GPUMapMode.READ);
    return new Float32Array(staging.getMappedRange().slice(0));
  } finally {
    staging.destroy();
  }
}

/**
 * Fills the pools (A and B random, C NaN for beta 0 and random for beta 1, the rest SENTINEL), runs
 * every case in one pass and one submit, reads back the pools that hold a C and checks them. Returns
 * the failures (at most a few per case).
 */
async function run(gemm: GpuGemm, cases: Case[], poolSizes: number[], seed: number): Promise<string[]> {
  const device = gpu!.device;
  const rnd = random(seed);
  const host = poolSizes.map((n) => new Float32Array(Math.max(n, 1)).fill(SENTINEL));
  for (const c of cases) {
    const [aRows, aCols] = c.tA ? [c.K, c.M] : [c.M, c.K];
    const [bRows, bCols] = c.tB ? [c.N, c.K] : [c.K, c.N];
    for (const at of elements(c.A, aRows, aCols)) host[c.A.pool][at] = rnd();
    for (const at of elements(c.B, bRows, bCols)) host[c.B.pool][at] = rnd();
    for (const at of elements(c.C, c.M, c.N)) host[c.C.pool][at] = c.beta === 0 ? NaN : rnd();
  }
  const buffers = host.map((data) => {
    const buffer = device.createBuffer({ size: data.byteLength, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
    device.queue.writeBuffer(buffer, 0, data);
    return buffer;
  });
  try {
    const matrix = (p: Place): GpuMatrix => ({ buffer: buffers[p.pool], offset: p.offset, ld: p.ld });
    await withValidation(async () => {
      const encoder = device.createCommandEncoder();
      const pass = encoder.beginComputePass();
      for (const c of cases) gemm.encode(pass, c.tA, c.tB, c.M, c.N, c.K, matrix(c.A), matrix(c.B), matrix(c.C), c.beta);
      pass.end();
      params.flush();
      device.queue.submit([encoder.finish()]);
      await device.queue.onSubmittedWorkDone();
    });
    // What each pool should hold afterwards, and the tolerance of each C element.
    const expected = host.map((data) => Float64Array.from(data));
    const tolerance = host.map(() => new Map<number, number>());
    for (const c of cases) {
      const a = host[c.A.pool];
      const b = host[c.B.pool];
      const c0 = host[c.C.pool];
      for (let i = 0; i < c.M; i++) {
        for (let j = 0; j < c.N; j++) {
          const at = c.C.offset + i * c.C.ld + j;
          let sum = c.beta === 1 ? c0[at] : 0;
          let abs = Math.abs(sum);
          for (let k = 0; k < c.K; k++) {
            const x = a[c.A.offset + (c.tA ? k * c.A.ld + i : i * c.A.ld + k)];
            const y = b[c.B.offset + (c.tB ? j * c.B.ld + k : k * c.B.ld + j)];
            sum += x * y;
            abs += Math.abs(x * y);
          }
          expected[c.C.pool][at] = sum;
          tolerance[c.C.pool].set(at, (c.K + 2) * 2 ** -23 * abs + 1e-30);
        }
      }
    }
    const failures: string[] = [];
    const owner = (pool: number, at: number): string => {
      for (const c of cases) {
        if (c.C.pool !== pool) continue;
        const rel = at - c.C.offset;
        const i = Math.floor(rel / c.C.ld);
        const j = rel - i * c.C.ld;
        if (rel >= 0 && i < c.M && j < c.N) return `${opName(c.tA, c.tB)} M=${c.M} N=${c.N} K=${c.K} beta=${c.beta} C[${i}][${j}]`;
      }
      return `float ${at} (not in any C)`;
    };
    for (const pool of new Set(cases.map((c) => c.C.pool))) {
      const got = await readBack(buffers[pool], 0, host[pool].length);
      for (let at = 0; at < got.length && failures.length < 20; at++) {
        const tol = tolerance[pool].get(at);
        const want = expected[pool][at];
        if (tol === undefined) {
          if (!Object.is(got[at], host[pool][at])) failures.push(`pool ${pool} ${owner(pool, at)} changed from ${host[pool][at]} to ${got[at]}`);
        } else if (!(Math.abs(got[at] - want) <= tol)) {
          failures.push(`${owner(pool, at)} = ${got[at]}, expected ${want} ± ${tol.toPrecision(3)}`);
        }
      }
    }
    return failures;
  } finally {
    for (const buffer of buffers) buffer.destroy();
  }
}

describe('GPU sgemm (WebGPU)', function () {
  this.timeout(120_000);
  const gemms = new Map<string, GpuGemm>();
  const gemmWith = (threadTile?: GemmThreadTile, maxWorkgroupsPerDimension?: number): GpuGemm => {
    const key = `${threadTile}/${maxWorkgroupsPerDimension}`;
    let gemm = gemms.get(key);
    if (!gemm) gemms.set(key, (gemm = new GpuGemm(gpu!.device, params, { threadTile, maxWorkgroupsPerDimension })));
    return gemm;
  };

  before(async function () {
    const opened = await openGpu({ allowSoftware: true });
    if ('reason' in opened) {
      if (process.env.RNN_LENS_REQUIRE_GPU === '1') throw new Error(`RNN_LENS_REQUIRE_GPU=1 and no GPU: ${opened.reason}`);
      console.warn(`    skipping the GPU sgemm tests: ${opened.reason}`);
      this.skip();
    }
    gpu = opened as GpuContext;
    params = new ParamRing(gpu.device, 1024);
  });

  after(function () {
    gpu?.device.destroy();
    gpu = undefined;
  });

  it('picks 64×64 tiles for big products and smaller ones where 64×64 would leave the GPU idle', function () {
    assert.equal(GpuGemm.threadTile(6400, 2048), 4);
    assert.equal(GpuGemm.threadTile(512, 512), 4);
    assert.equal(GpuGemm.threadTile(64, 1024), 2);
    assert.equal(GpuGemm.threadTile(1, 512), 1);
    assert.equal(GpuGemm.threadTile(1, 1), 1);
  });

  for (const tile of [4, 2, 1] as const) {
    for (const [tA, tB] of combos) {
      it(`${opName(tA, tB)} on ${16 * tile}×${16 * tile} tiles matches a double-precision reference (beta 0 and 1, offsets, padded rows)`, async function () {
        const seed = 1 + tile * 8 + Number(tA) * 2 + Number(tB);
        const layout = new Layout(random(seed));
        const cases: Case[] = [];
        for (const [M, N, K] of shapes) for (const beta of [0, 1] as const) cases.push(layout.gemm(tA, tB, M, N, K, beta));
        const failures = await run(gemmWith(tile), cases, layout.sizes, seed * 31);
        assert.deepEqual(failures, []);
      });
    }
  }

  it('sets C to 0 (beta 0, from NaN) or leaves it (beta 1) when K is 0', async function () {
    const layout = new Layout(random(5));
    const cases: Case[] = [];
    for (const [tA, tB] of combos) for (const beta of [0, 1] as const) cases.push(layout.gemm(tA, tB, 7, 66, 0, beta));
    assert.deepEqual(await run(gemmWith(), cases, layout.sizes, 55), []);
  });

  it('chooses the tile itself and splits grids past the workgroups a dimension may have', async function () {
    const layout = new Layout(random(6));
    const cases: Case[] = [];
    for (const [tA, tB] of combos) cases.push(layout.gemm(tA, tB, 70, 130, 20, 1), layout.gemm(tA, tB, 33, 200, 17, 0));
    assert.deepEqual(await run(gemmWith(1, 2), cases, layout.sizes, 66), []);
    assert.deepEqual(await run(gemmWith(undefined, 1), cases, layout.sizes, 67), []);
    assert.deepEqual(await run(gemmWith(), cases, layout.sizes, 68), []);
  });

  it('multiplies matrices that share one buffer: A, B and C all in one, C with A, C with B, A with B', async function () {
    const layout = new Layout(random(7));
    const cases: Case[] = [];
    for (const [tA, tB] of combos) {
      cases.push(layout.gemm(tA, tB, 19, 70, 33, 1, 0, 0, 0)); // all in pool 0
      cases.push(layout.gemm(tA, tB, 5, 9, 40, 0, 1, 2, 1)); // A and C in pool 1
      cases.push(layout.gemm(tA, tB, 66, 3, 18, 1, 3, 4, 4)); // B and C in pool 4
      cases.push(layout.gemm(tA, tB, 8, 65, 12, 0, 5, 5, 6)); // A and B in pool 5
    }
    assert.deepEqual(await run(gemmWith(), cases, layout.sizes, 77), []);
  });

  it('writes C into the columns beside A in the same rows (one buffer, one leading dimension)', async function () {
    // A is columns 0…K-1 and C columns K+1…K+N of one 45-row matrix (A stored K×M further on when transposed); B lies after them. One pool per case.
    const cases: Case[] = [];
    const [M, N, K] = [45, 20, 30];
    const ld = K + 1 + N + 2;
    const below = 3 + M * ld + 100;
    combos.forEach(([tA, tB], pool) => {
      const A: Place = tA ? { pool, offset: below, ld: M + 5 } : { pool, offset: 3, ld };
      const C: Place = { pool, offset: 3 + K + 1, ld };
      const B: Place = { pool, offset: below + K * (M + 5) + 7, ld: tB ? K : N };
      cases.push({ tA, tB, M, N, K, beta: tA ? 1 : 0, A, B, C });
    });
    const size = below + K * (M + 5) + 7 + N * K;
    assert.deepEqual(await run(gemmWith(), cases, [size, size, size, size], 88), []);
  });

  it('refuses a matrix that runs past its buffer', function () {
    const device = gpu!.device;
    const buffer = device.createBuffer({ size: 64 * 4, usage: GPUBufferUsage.STORAGE });
    const encoder = device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    const gemm = gemmWith();
    try {
      assert.throws(() => gemm.encode(pass, false, false, 4, 4, 4, { buffer, offset: 0, ld: 4 }, { buffer, offset: 16, ld: 4 }, { buffer, offset: 50, ld: 4 }, 0), RangeError);
      assert.throws(() => gemm.encode(pass, false, true, 4, 4, 4, { buffer, offset: 0, ld: 3 }, { buffer, offset: 16, ld: 4 }, { buffer, offset: 32, ld: 4 }, 0), RangeError);
    } finally {
      pass.end();
      encoder.finish();
      buffer.destroy();
    }
  });

  it('times itself when RNN_LENS_GPU_GEMM_TIMING=1 (prints GFLOP/s)', async function () {
    if (process.env.RNN_LENS_GPU_GEMM_TIMING !== '1') this.skip();
    this.timeout(600_000);
    const device = gpu!.device;
    const software = gpu!.adapter.software;
    const sizes: [number, number, number][] = [[64, 1024, 320]];
    if (!software) sizes.push([6400, 2048, 576]);
    else console.log(`      (software adapter: skipping M=6400 K=576 N=2048)`);
    console.log(`      ${gpu!.name}`);
    for (const [M, N, K] of sizes) {
      const make = (floats: number) => device.createBuffer({ size: floats * 4, usage: GPUBufferUsage.STORAGE });
      const A = { buffer: make(M * K), offset: 0, ld: K };
      const B = { buffer: make(K * N), offset: 0, ld: N };
      const C = { buffer: make(M * N), offset: 0, ld: N };
      const flops = 2 * M * N * K;
      const rows: string[] = [];
      for (const tile of [undefined, 4, 2, 1] as const) {
        const gemm = gemmWith(tile);
        const batch = async (reps: number) => {
          const encoder = device.createCommandEncoder();
          const pass = encoder.beginComputePass();
          for (let r = 0; r < reps; r++) gemm.encode(pass, false, false, M, N, K, A, B, C, 0);
          pass.end();
          params.flush();
          const start = performance.now();
          device.queue.submit([encoder.finish()]);
          await device.queue.onSubmittedWorkDone();
          return (performance.now() - start) / 1000;
        };
        await withValidation(() => batch(1)); // compile, warm up
        let reps = 1;
        let seconds = await batch(reps);
        while (seconds < 0.3 && reps < 512) {
          reps = Math.min(512, reps * Math.max(2, Math.ceil(0.4 / Math.max(seconds, 1e-4))));
          seconds = await batch(reps);
        }
        const label = tile === undefined ? `auto (${16 * GpuGemm.threadTile(M, N)})` : `${16 * tile}×${16 * tile}`;
        rows.push(`${label}: ${((flops * reps) / seconds / 1e9).toFixed(2)} GFLOP/s (${((seconds / reps) * 1e3).toFixed(3)} ms each, ${reps} in one submit)`);
      }
      console.log(`      M=${M} K=${K} N=${N}: ${rows.join('; ')}`);
      for (const m of [A, B, C]) m.buffer.destroy();
    }
  });
});
