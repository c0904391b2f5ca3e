import { strict as assert } from 'node:assert';
import type { Kernels } from '../../src/core/kernels/contract';
import { createJsKernels } from '../../src/core/kernels/jsKernels';
import { simdSupported } from '../../src/core/kernels/wasmBinding';
import { createWasmKernels, relaxedSimdSupported } from '../../src/engine/kernels/wasmKernels';
import { seededRandom } from '../../src/engine/random';

/** A seeded uniform generator on [-1, 1). */
function random(seed: number): () => number {
  const next = seededRandom(seed);
  return () => next() * 2 - 1;
}

const combos: [boolean, boolean][] = [[false, false], [false, true], [true, false], [true, true]];
const Ms = [1, 3, 8, 9, 33, 130];
const Ns = [1, 7, 8, 9, 65, 130];
const Ks = [1, 3, 9, 65, 300];
const capacity = 1 << 22;
const padValue = 12345;

/**
 * Runs one sgemm with padded leading dimensions and checks every element against a double-precision
 * reference within the float32 summation bound (K + 2)·2⁻²³·(Σ|a·b| + |c₀|), and that C's padding
 * is untouched. With beta 0, C starts as NaN. Returns a failure description or null.
 */
function check(kernels: Kernels, tA: boolean, tB: boolean, M: number, N: number, K: number, beta: 0 | 1, pad: number, rnd: () => number): string | null {
  const mark = kernels.mark();
  try {
    const [aRows, aCols] = tA ? [K, M] : [M, K];
    const [bRows, bCols] = tB ? [N, K] : [K, N];
    const lda = aCols + pad;
    const ldb = bCols + 2 * pad;
    const ldc = N + pad;
    const A = kernels.alloc(aRows * lda);
    const B = kernels.alloc(bRows * ldb);
    const C = kernels.alloc(M * ldc);
    for (let i = 0; i < A.length; i++) A[i] = rnd();
    for (let i = 0; i < B.length; i++) B[i] = rnd();
    for (let i = 0; i < M; i++) {
      for (let j = 0; j < ldc; j++) C[i * ldc + j] = j >= N ? padValue : beta === 0 ? NaN : rnd();
    }
    const C0 = Float64Array.from(C);
    kernels.sgemm(tA, tB, M, N, K, A, lda, B, ldb, C, ldc, beta);
    for (let i = 0; i < M; i++) {
      for (let j = 0; j < ldc; j++) {
        const got = C[i * ldc + j];
        if (j >= N) {
          if (got !== padValue) return `padding C[${i}][${j}] changed to ${got}`;
          continue;
        }
        let sum = beta === 1 ? C0[i * ldc + j] : 0;
        let abs = Math.abs(sum);
        for (let k = 0; k < K; k++) {
          const a = tA ? A[k * lda + i] : A[i * lda + k];
          const b = tB ? B[j * ldb + k] : B[k * ldb + j];
          sum += a * b;
          abs += Math.abs(a * b);
        }
        const bound = (K + 2) * 2 ** -23 * abs;
        if (!(Math.abs(got - sum) <= bound)) return `C[${i}][${j}] = ${got}, expected ${sum} ± ${bound}`;
      }
    }
    return null;
  } finally {
    kernels.release(mark);
  }
}

type Factory = () => Promise<Kernels>;

const variants: [string, Factory, () => boolean][] = [
  ['js', async () => createJsKernels(capacity), () => true],
  ['wasm-simd', () => createWasmKernels({ capacityFloats: capacity, variant: 'simd' }), simdSupported],
  ['wasm-relaxed-simd', () => createWasmKernels({ capacityFloats: capacity, variant: 'relaxed' }), relaxedSimdSupported],
];

for (const [name, create, supported] of variants) {
  describe(`sgemm kernels: ${name}`, function () {
    let kernels: Kernels;

    before(async function () {
      if (!supported()) this.skip();
      kernels = await create();
    });

    it('reports its name', function () {
      assert.equal(kernels.name, name);
    });

    for (const [tA, tB] of combos) {
      for (const beta of [0, 1] as const) {
        const op = `${tA ? 'T' : 'N'}${tB ? 'T' : 'N'}`;
        it(`${op} with beta ${beta} matches a double-precision reference for awkward sizes`, function () {
          const rnd = random(7 + 2 * Number(tA) + 4 * Number(tB) + 8 * beta);
          let shape = 0;
          for (const M of Ms) {
            for (const N of Ns) {
              for (const K of Ks) {
                const failure = check(kernels, tA, tB, M, N, K, beta, shape++ % 3 === 0 ? 0 : 3, rnd);
                assert.equal(failure, null, `${op} M=${M} N=${N} K=${K} beta=${beta}: ${failure}`);
              }
            }
          }
        });
      }
    }

    it('blocks wide and deep products correctly (N beyond one packed slice, K beyond one block)', function () {
      const rnd = random(99);
      for (const [tA, tB] of combos) {
        const failure = check(kernels, tA, tB, 6, 2050, 520, 1, 1, rnd);
        assert.equal(failure, null, `${tA ? 'T' : 'N'}${tB ? 'T' : 'N'}: ${failure}`);
      }
    });

    it('multiplies by a packed B with exactly the numbers of the unpacked multiply, for every transpose and awkward sizes', function () {
      const rnd = random(123);
      for (const [tA, tB] of combos) {
        for (const beta of [0, 1] as const) {
          for (const [M, N, K] of [[1, 1, 1], [9, 7, 3], [16, 256, 64], [16, 64, 256], [5, 130, 300], [33, 9, 520], [6, 2050, 17]]) {
            const mark = kernels.mark();
            const [aRows, aCols] = tA ? [K, M] : [M, K];
            const [bRows, bCols] = tB ? [N, K] : [K, N];
            const lda = aCols + 1;
            const ldb = bCols + 2;
            const ldc = N + 3;
            const filled = (n: number) => {
              const x = kernels.alloc(n);
              for (let i = 0; i < n; i++) x[i] = rnd();
              return x;
            };
            const A = filled(aRows * lda);
            const B = filled(bRows * ldb);
            const start = filled(M * ldc);
            const plain = kernels.alloc(M * ldc);
            const packedOut = kernels.alloc(M * ldc);
            plain.set(start);
            packedOut.set(start);
            const packed = kernels.alloc(kernels.packedSize(K, N));
            assert.ok(packed.length >= K * N);
            kernels.sgemm(tA, tB, M, N, K, A, lda, B, ldb, plain, ldc, beta);
            kernels.packB(tB, K, N, B, ldb, packed);
            // The packed copy is reused: multiply twice, as a recurrent step does.
            kernels.sgemmPacked(tA, M, N, K, A, lda, packed, packedOut, ldc, beta);
            if (beta === 1) {
              kernels.sgemm(tA, tB, M, N, K, A, lda, B, ldb, plain, ldc, 1);
              kernels.sgemmPacked(tA, M, N, K, A, lda, packed, packedOut, ldc, 1);
            }
            for (let i = 0; i < plain.length; i++) {
              if (!Object.is(plain[i], packedOut[i])) assert.fail(`${tA ? 'T' : 'N'}${tB ? 'T' : 'N'} M=${M} N=${N} K=${K} beta=${beta}: C[${i}] ${packedOut[i]} vs ${plain[i]}`);
            }
            kernels.release(mark);
          }
        }
      }
    });

    it('refuses a packed B too small for its shape, and C overlapping it', function () {
      const mark = kernels.mark();
      const A = kernels.alloc(4 * 8);
      const small = kernels.alloc(kernels.packedSize(8, 8) - 1);
      const C = kernels.alloc(4 * 8);
      assert.throws(() => kernels.sgemmPacked(false, 4, 8, 8, A, 8, small, C, 8, 0), /packed.*needs/);
      const packed = kernels.alloc(kernels.packedSize(8, 8));
      assert.throws(() => kernels.sgemmPacked(false, 1, 8, 8, A, 8, packed, packed, 8, 0), /overlap/);
      kernels.release(mark);
    });

    it('with K = 0 writes zeros for beta 0 and leaves C for beta 1', function () {
      const mark = kernels.mark();
      const A = kernels.alloc(4);
      const B = kernels.alloc(4);
      const C = kernels.alloc(6).fill(NaN);
      kernels.sgemm(false, false, 2, 3, 0, A, 1, B, 3, C, 3, 0);
      assert.deepEqual(Array.from(C), [0, 0, 0, 0, 0, 0]);
      C.fill(2);
      kernels.sgemm(false, false, 2, 3, 0, A, 1, B, 3, C, 3, 1);
      assert.deepEqual(Array.from(C), [2, 2, 2, 2, 2, 2]);
      kernels.release(mark);
    });

    it('hands out zero-filled, 64-byte aligned arrays', function () {
      const mark = kernels.mark();
      for (const n of [1, 3, 17, 64, 1000]) {
        const x = kernels.alloc(n);
        assert.equal(x.length, n);
        assert.equal(x.byteOffset % 64, 0);
        assert.ok(x.every((v) => v === 0));
        x.fill(1);
      }
      kernels.release(mark);
      assert.ok(kernels.alloc(1000).every((v) => v === 0));
      kernels.release(mark);
    });

    it('release frees everything allocated after the mark', function () {
      const first = kernels.mark();
      const a = kernels.alloc(10);
      const second = kernels.mark();
      const b = kernels.alloc(100);
      kernels.release(second);
      assert.equal(kernels.alloc(100).byteOffset, b.byteOffset);
      kernels.release(first);
      assert.equal(kernels.alloc(10).byteOffset, a.byteOffset);
      kernels.release(first);
      assert.equal(kernels.mark(), first);
    });

    it('rejects marks it did not hand out and allocations beyond its capacity', function () {
      const mark = kernels.mark();
      assert.throws(() => kernels.release(mark + 64), RangeError);
      assert.throws(() => kernels.release(mark + 1), RangeError);
      assert.throws(() => kernels.alloc(capacity + 1), /exceeds the arena/);
      assert.throws(() => kernels.alloc(-1), RangeError);
      assert.equal(kernels.mark(), mark);
    });

    it('rejects arrays from another buffer with a clear error', function () {
      const mark = kernels.mark();
      const A = kernels.alloc(4);
      const C = kernels.alloc(4);
      const foreign = new Float32Array(4);
      assert.throws(
        () => kernels.sgemm(false, false, 2, 2, 2, A, 2, foreign, 2, C, 2, 0),
        /B is not an array from this .* alloc\(\)/,
      );
      const other = createJsKernels(16);
      assert.throws(
        () => kernels.sgemm(false, false, 2, 2, 2, other.alloc(4), 2, A, 2, C, 2, 0),
        /A is not an array from this/,
      );
      kernels.release(mark);
    });

    it('rejects arrays too short for their shape, small leading dimensions and C overlapping an input', function () {
      const mark = kernels.mark();
      const A = kernels.alloc(6);
      const B = kernels.alloc(6);
      const C = kernels.alloc(4);
      assert.throws(() => kernels.sgemm(false, false, 2, 2, 4, A, 4, B, 2, C, 2, 0), /A \(2×4, ld 4\) needs 8 floats/);
      assert.throws(() => kernels.sgemm(false, false, 2, 2, 3, A, 2, B, 2, C, 2, 0), /lda 2 is below the 3 columns/);
      assert.throws(() => kernels.sgemm(false, false, 2, 2, 2, A, 2, B, 2, A, 2, 0), /must not overlap/);
      kernels.release(mark);
    });

    it('writes into columns of the buffer it reads, side by side (C = [A | C], same leading dimension)', function () {
      const mark = kernels.mark();
      const M = 5;
      const K = 3;
      const N = 4;
      const ld = K + N;
      const both = kernels.alloc(M * ld);
      const B = kernels.alloc(K * N);
      const rnd = random(3);
      for (let i = 0; i < both.length; i++) both[i] = rnd();
      for (let i = 0; i < B.length; i++) B[i] = rnd();
      const A = both.subarray(0, (M - 1) * ld + K);
      const C = both.subarray(K);
      kernels.sgemm(false, false, M, N, K, A, ld, B, N, C, ld, 0);
      for (let i = 0; i < M; i++) {
        for (let j = 0; j < N; j++) {
          let sum = 0;
          for (let k = 0; k < K; k++) sum += both[i * ld + k] * B[k * N + j];
          assert.ok(Math.abs(C[i * ld + j] - sum) <= 1e-6, `C[${i}][${j}]`);
        }
      }
      assert.throws(() => kernels.sgemm(false, false, M, N, K + 1, both, ld, kernels.alloc(16), N, C, ld, 0), /must not overlap/);
      kernels.release(mark);
    });
  });
}

describe('wasm kernel loading', function () {
  it("'auto' picks relaxed SIMD where it validates, else plain SIMD", async function () {
    if (!simdSupported()) this.skip();
    const kernels = await createWasmKernels({ capacityFloats: 16 });
    assert.equal(kernels.name, relaxedSimdSupported() ? 'wasm-relaxed-simd' : 'wasm-simd');
  });

  it('names the missing file and the build command when the kernels are not built', async function () {
    await assert.rejects(
      createWasmKernels({ capacityFloats: 16, variant: 'simd', wasmDir: '/nonexistent/kernels' }),
      /kernels-simd\.wasm \(build it with `node esbuild\.js`\)/,
    );
  });
});
