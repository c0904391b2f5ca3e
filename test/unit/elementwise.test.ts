import { strict as assert } from 'node:assert';
import type { Activation, AdamStep, Kernels } from '../../src/core/kernels/contract';
import { createJsKernels } from '../../src/core/kernels/jsKernels';
import { simdSupported } from '../../src/core/kernels/wasmBinding';
import { createWasmKernels, relaxedSimdSupported } from '../../src/engine/kernels/wasmKernels';
import { seededRandom } from '../../src/engine/random';

/** A seeded uniform generator on [-1, 1). */
function random(seed: number): () => number {
  const next = seededRandom(seed);
  return () => next() * 2 - 1;
}

const capacity = 1 << 21;
/** Floats after each array's end, filled with random values: a kernel must leave them alone. */
const GUARD = 5;
/** Rows of every cell case; rows 1 and 3 are padding (mask 0). */
const B = 5;
const MASK = [1, 0, 1, 0, 1];
const Hs = [1, 3, 5, 64, 67];

/** The arrays of one kernel call: name → floats, and the scale of their random contents. */
type Shapes = Record<string, { floats: number; scale?: number; values?: number[] }>;

/** One kernel of the cell family, its arrays for H units, and how to call it. */
interface CellCase {
  name: string;
  shapes(H: number, ld: number): Shapes;
  run(k: Kernels, a: Record<string, Float32Array>, H: number, ld: number): void;
}

const rows = (H: number, ld: number) => (B - 1) * ld + H;
const maskShape = { floats: B, values: MASK };

const CELL_CASES: CellCase[] = [
  {
    name: 'lstmForward',
    shapes: (H, ld) => ({ z: { floats: B * 4 * H, scale: 4 }, bias: { floats: 4 * H }, pre: { floats: B * 4 * H }, cPrev: { floats: B * H, scale: 2 }, c: { floats: B * H }, hPrev: { floats: rows(H, ld) }, h: { floats: rows(H, ld) }, mask: maskShape }),
    run: (k, a, H, ld) => k.lstmForward(B, H, a.z, a.bias, a.pre, a.cPrev, a.c, a.hPrev, ld, a.h, ld, a.mask),
  },
  {
    name: 'lstmForward without pre-activations',
    shapes: (H, ld) => ({ z: { floats: B * 4 * H, scale: 4 }, bias: { floats: 4 * H }, pre: { floats: B * 4 * H }, cPrev: { floats: B * H }, c: { floats: B * H }, hPrev: { floats: rows(H, ld) }, h: { floats: rows(H, ld) }, mask: maskShape }),
    run: (k, a, H, ld) => k.lstmForward(B, H, a.z, a.bias, null, a.cPrev, a.c, a.hPrev, ld, a.h, ld, a.mask),
  },
  {
    name: 'lstmBackward',
    shapes: (H, ld) => ({ gates: { floats: B * 4 * H }, c: { floats: B * H, scale: 2 }, cPrev: { floats: B * H }, dh: { floats: rows(H, ld) }, dhCarry: { floats: B * H }, dcCarry: { floats: B * H }, dz: { floats: B * 4 * H }, dhNew: { floats: B * H }, mask: maskShape }),
    run: (k, a, H, ld) => k.lstmBackward(B, H, a.gates, a.c, a.cPrev, a.dh, ld, a.dhCarry, a.dcCarry, a.dz, a.dhNew, a.mask),
  },
  {
    name: 'gruForwardGates',
    shapes: (H, ld) => ({ z: { floats: B * 3 * H, scale: 4 }, bias: { floats: 3 * H }, pre: { floats: B * 3 * H }, hPrev: { floats: rows(H, ld) }, rh: { floats: B * H } }),
    run: (k, a, H, ld) => k.gruForwardGates(B, H, a.z, a.bias, a.pre, a.hPrev, ld, a.rh),
  },
  {
    name: 'gruForwardOutput',
    shapes: (H, ld) => ({ z: { floats: B * 3 * H, scale: 4 }, bias: { floats: 3 * H }, pre: { floats: B * 3 * H }, hPrev: { floats: rows(H, ld) }, h: { floats: rows(H, ld) }, mask: maskShape }),
    run: (k, a, H, ld) => k.gruForwardOutput(B, H, a.z, a.bias, a.pre, a.hPrev, ld, a.h, ld, a.mask),
  },
  {
    name: 'gruBackwardGates',
    shapes: (H, ld) => ({ gates: { floats: B * 3 * H }, hPrev: { floats: rows(H, ld) }, dh: { floats: rows(H, ld) }, dhCarry: { floats: B * H }, dz: { floats: B * 3 * H }, dhNew: { floats: B * H }, mask: maskShape }),
    run: (k, a, H, ld) => k.gruBackwardGates(B, H, a.gates, a.hPrev, ld, a.dh, ld, a.dhCarry, a.dz, a.dhNew, a.mask),
  },
  {
    name: 'gruBackwardReset',
    shapes: (H, ld) => ({ gates: { floats: B * 3 * H }, hPrev: { floats: rows(H, ld) }, dRh: { floats: B * H }, dz: { floats: B * 3 * H }, dhNew: { floats: B * H }, mask: maskShape }),
    run: (k, a, H, ld) => k.gruBackwardReset(B, H, a.gates, a.hPrev, ld, a.dRh, a.dz, a.dhNew, a.mask),
  },
  {
    name: 'simpleRnnForward',
    shapes: (H, ld) => ({ z: { floats: B * H, scale: 4 }, bias: { floats: H }, pre: { floats: B * H }, hPrev: { floats: rows(H, ld) }, h: { floats: rows(H, ld) }, mask: maskShape }),
    run: (k, a, H, ld) => k.simpleRnnForward(B, H, a.z, a.bias, a.pre, a.hPrev, ld, a.h, ld, a.mask),
  },
  {
    name: 'simpleRnnBackward',
    shapes: (H, ld) => ({ gates: { floats: B * H }, dh: { floats: rows(H, ld) }, dhCarry: { floats: B * H }, dz: { floats: B * H }, dhNew: { floats: B * H }, mask: maskShape }),
    run: (k, a, H, ld) => k.simpleRnnBackward(B, H, a.gates, a.dh, ld, a.dhCarry, a.dz, a.dhNew, a.mask),
  },
];

/** Allocates the arrays (plus guards) in both arenas with the same seeded contents. */
function twins(shapes: Shapes, kernels: Kernels[], seed: number): Record<string, Float32Array>[] {
  const rnd = random(seed);
  const contents = Object.entries(shapes).map(([name, s]) => {
    const values = Float32Array.from({ length: s.floats + GUARD }, (_, i) => (s.values && i < s.floats ? s.values[i] : rnd() * (s.scale ?? 1)));
    return [name, values, s.floats] as const;
  });
  return kernels.map((k) =>
    Object.fromEntries(
      contents.map(([name, values, floats]) => {
        const x = k.alloc(floats + GUARD);
        x.set(values);
        return [name, x.subarray(0, floats)];
      }),
    ),
  );
}

/** The largest |a − b| / (1 + |b|) over every array and its guard, naming where it is. */
function worst(ours: Record<string, Float32Array>, oracle: Record<string, Float32Array>): { error: number; where: string } {
  let error = 0;
  let where = '';
  for (const name of Object.keys(oracle)) {
    const a = new Float32Array(ours[name].buffer, ours[name].byteOffset, ours[name].length + GUARD);
    const b = new Float32Array(oracle[name].buffer, oracle[name].byteOffset, oracle[name].length + GUARD);
    for (let i = 0; i < b.length; i++) {
      const e = Number.isNaN(a[i]) !== Number.isNaN(b[i]) ? Infinity : Math.abs(a[i] - b[i]) / (1 + Math.abs(b[i]));
      if (e > error || Number.isNaN(e)) {
        error = Number.isNaN(e) ? Infinity : e;
        where = `${name}[${i}] = ${a[i]}, oracle ${b[i]}${i >= oracle[name].length ? ' (guard)' : ''}`;
      }
    }
  }
  return { error, where };
}

/** The guards (floats past each array's end) still hold their initial values. */
function guardsIntact(arrays: Record<string, Float32Array>, shapes: Shapes, seed: number): boolean {
  const fresh = twins(shapes, [createJsKernels(capacity)], seed)[0];
  return Object.keys(arrays).every((name) => {
    const n = arrays[name].length;
    const a = new Float32Array(arrays[name].buffer, arrays[name].byteOffset + 4 * n, GUARD);
    const b = new Float32Array(fresh[name].buffer, fresh[name].byteOffset + 4 * n, GUARD);
    return a.every((v, i) => Object.is(v, b[i]));
  });
}

type Factory = () => Promise<Kernels>;

const wasmVariants: [string, Factory, () => boolean][] = [
  ['wasm-simd', () => createWasmKernels({ capacityFloats: capacity, variant: 'simd' }), simdSupported],
  ['wasm-relaxed-simd', () => createWasmKernels({ capacityFloats: capacity, variant: 'relaxed' }), relaxedSimdSupported],
];

/** Runs `call` on both kernels over twin arrays and checks they agree within `tolerance` and leave the guards. */
function agree(wasm: Kernels, js: Kernels, shapes: Shapes, seed: number, call: (k: Kernels, a: Record<string, Float32Array>) => void, tolerance = 1e-6): void {
  const wm = wasm.mark();
  const jm = js.mark();
  try {
    const [w, j] = twins(shapes, [wasm, js], seed);
    call(wasm, w);
    call(js, j);
    const { error, where } = worst(w, j);
    assert.ok(error <= tolerance, `differs by ${error}: ${where}`);
    assert.ok(guardsIntact(w, shapes, seed), 'a guard float past an array changed');
  } finally {
    wasm.release(wm);
    js.release(jm);
  }
}

for (const [name, create, supported] of wasmVariants) {
  describe(`elementwise kernels: ${name} against the JS kernels`, function () {
    let wasm: Kernels;
    const js = createJsKernels(capacity);

    before(async function () {
      if (!supported()) this.skip();
      wasm = await create();
    });

    for (const c of CELL_CASES) {
      it(`${c.name} agrees for H = ${Hs.join(', ')} (row tails, padding rows, strided h)`, function () {
        Hs.forEach((H, i) => {
          const ld = H + 3;
          agree(wasm, js, c.shapes(H, ld), 100 + i, (k, a) => c.run(k, a, H, ld));
        });
      });
    }

    it('sumRows agrees, including strided rows and widths that are not a multiple of 4 or 16', function () {
      for (const [r, n] of [[1, 1], [7, 3], [40, 17], [33, 64], [9, 67]]) {
        const ld = n + 2;
        agree(wasm, js, { x: { floats: (r - 1) * ld + n }, out: { floats: n } }, r * 1000 + n, (k, a) => k.sumRows(r, n, a.x, ld, a.out), 1e-5);
      }
    });

    it('adam agrees on arrays of awkward lengths, small moments flushed to zero', function () {
      const step: AdamStep = { lr: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, c1: 1 - 0.9 ** 3, c2: 1 - 0.999 ** 3 };
      for (const n of [1, 3, 5, 64, 67]) {
        const shapes: Shapes = { param: { floats: n }, grad: { floats: n, values: Array.from({ length: n }, (_, i) => (i % 4 === 1 ? 1e-35 : ((i * 7) % 11) / 11 - 0.5)) }, m: { floats: n, scale: 0.1 }, v: { floats: n, scale: 0 } };
        agree(wasm, js, shapes, n, (k, a) => {
          a.v.forEach((_, i) => (a.v[i] = i % 4 === 1 ? 0 : 0.01 * ((i % 5) + 1)));
          a.m.forEach((_, i) => (a.m[i] = i % 4 === 1 ? 0 : a.m[i]));
          k.adam(a.param, a.grad, a.m, a.v, step);
        });
      }
    });

    it('adamRows, gatherRows and scatterAddRows agree on rows of 1, 3, 5, 64 and 67 floats', function () {
      const step: AdamStep = { lr: 0.005, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, c1: 0.1, c2: 0.001 };
      for (const E of [1, 3, 5, 64, 67]) {
        const tableRows = 11;
        const ids = [3, 0, 10, 7, 3, 5];
        const index = [2, -1, 0, 1, 2, -1];
        const n = ids.length;
        const table = { floats: tableRows * E };
        agree(wasm, js, { ids: { floats: n, values: ids }, table, out: { floats: n * E } }, E, (k, a) => k.gatherRows(n, E, a.table, a.ids, a.out), 0);
        agree(wasm, js, { index: { floats: n, values: index }, x: { floats: n * E }, out: { floats: 3 * E } }, E + 1, (k, a) => k.scatterAddRows(n, E, a.x, a.index, a.out));
        const unique = [3, 0, 10, 7];
        agree(wasm, js, { ids: { floats: 4, values: unique }, grad: { floats: 4 * E }, m: table, v: { floats: tableRows * E, scale: 0 } }, E + 2, (k, a) => {
          a.v.fill(0.02);
          k.adamRows(4, E, a.ids, a.grad, a.m, a.v, step);
        });
      }
    });
  });
}

describe('elementwise kernels: semantics (JS oracle and WebAssembly alike)', function () {
  const all: [string, Factory, () => boolean][] = [['js', async () => createJsKernels(capacity), () => true], ...wasmVariants];
  for (const [name, create, supported] of all) {
    it(`${name}: padding rows carry h and c, and the gates are still written`, async function () {
      if (!supported()) this.skip();
      const k = await create();
      const H = 3;
      const z = k.alloc(B * 4 * H).fill(0.5);
      const bias = k.alloc(4 * H);
      const cPrev = k.alloc(B * H).fill(0.25);
      const c = k.alloc(B * H);
      const hPrev = k.alloc(B * H).fill(-0.75);
      const h = k.alloc(B * H);
      const mask = k.alloc(B);
      mask.set(MASK);
      k.lstmForward(B, H, z, bias, null, cPrev, c, hPrev, H, h, H, mask);
      const s = 1 / (1 + Math.exp(-0.5));
      const cNew = s * 0.25 + s * Math.tanh(0.5);
      for (let b = 0; b < B; b++) {
        for (let j = 0; j < H; j++) {
          assert.ok(Math.abs(c[b * H + j] - (MASK[b] ? cNew : 0.25)) < 1e-6, `c[${b}][${j}]`);
          assert.ok(Math.abs(h[b * H + j] - (MASK[b] ? s * Math.tanh(cNew) : -0.75)) < 1e-6, `h[${b}][${j}]`);
          assert.ok(Math.abs(z[b * 4 * H + j] - s) < 1e-6, `gate i[${b}][${j}]`);
        }
      }
    });

    it(`${name}: adamRows then scatterAddRows on a table equal adam on each of its rows`, async function () {
      if (!supported()) this.skip();
      const k = await create();
      const E = 5;
      const rowsOf = 4;
      const step: AdamStep = { lr: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, c1: 0.19, c2: 0.002 };
      const rnd = random(5);
      const fill = (x: Float32Array, scale: number) => x.forEach((_, i) => (x[i] = Math.abs(rnd()) * scale));
      const [table, m, v] = [k.alloc(rowsOf * E), k.alloc(rowsOf * E), k.alloc(rowsOf * E)];
      fill(table, 1);
      fill(m, 0.1);
      fill(v, 0.01);
      const copy = (x: Float32Array) => {
        const y = k.alloc(x.length);
        y.set(x);
        return y;
      };
      const [table2, m2, v2] = [copy(table), copy(m), copy(v)];
      const ids = k.alloc(2);
      ids.set([3, 1]);
      const grad = k.alloc(2 * E);
      fill(grad, 1);
      const grad2 = grad.slice();
      k.adamRows(2, E, ids, grad, m, v, step);
      k.scatterAddRows(2, E, grad, ids, table);
      [3, 1].forEach((id, i) => {
        const g = k.alloc(E);
        g.set(grad2.subarray(i * E, i * E + E));
        const row = (x: Float32Array) => x.subarray(id * E, id * E + E);
        k.adam(row(table2), g, row(m2), row(v2), step);
      });
      for (const [a, b, what] of [[table, table2, 'table'], [m, m2, 'm'], [v, v2, 'v']] as const) {
        a.forEach((x, i) => assert.ok(Math.abs(x - b[i]) <= 1e-6, `${what}[${i}]: ${x} vs ${b[i]}`));
      }
    });

    it(`${name}: rejects foreign arrays, short arrays and bad row numbers`, async function () {
      if (!supported()) this.skip();
      const k = await create();
      const x = k.alloc(8);
      assert.throws(() => k.activate('tanh', new Float32Array(8), x), /x is not an array from this/);
      assert.throws(() => k.simpleRnnForward(2, 4, x, x, null, x, 4, k.alloc(7), 4, k.alloc(2)), /h needs 8 floats, the array has 7/);
      assert.throws(() => k.simpleRnnForward(2, 4, x, x, null, x, 3, x, 4, k.alloc(2)), /leading dimension of hPrev \(3\) is below its 4 columns/);
      assert.throws(() => k.gatherRows(1, 4, x, new Float32Array(1), x), /ids is not an array from this/);
      const ids = k.alloc(1);
      ids[0] = 2;
      assert.throws(() => k.gatherRows(1, 4, x, ids, k.alloc(4)), /ids\[0\] = 2 is not a row number below 2/);
      ids[0] = -1;
      assert.throws(() => k.gatherRows(1, 4, x, ids, k.alloc(4)), /is not a row number below 2$/);
      assert.throws(() => k.lstmForward(1, 0, x, x, null, x, x, x, 1, x, 1, x), /H must be at least 1/);
    });
  }
});

/** The reference of each activation as the kernels define it (clamped inputs), in double precision. */
const REFERENCE: Record<Activation, (x: number) => number> = {
  exp: (x) => Math.exp(Math.min(88, Math.max(-87, x))),
  sigmoid: (x) => 1 / (1 + Math.exp(-Math.min(80, Math.max(-80, x)))),
  tanh: Math.tanh,
};

/** Inputs over [−90, 90]: a uniform grid, a fine grid around 0 and the formulas' switch points. */
function activationInputs(k: Kernels): Float32Array {
  const grid = 400_001;
  const fine = 20_001;
  const special = [0, -0, 1e-30, -1e-30, 1e-7, 0.549306144, -0.549306144, 9, -9, 80, -80, 87, -87, 88, -88, 89, -89, 90, -90];
  const x = k.alloc(grid + fine + special.length);
  for (let i = 0; i < grid; i++) x[i] = -90 + (180 * i) / (grid - 1);
  for (let i = 0; i < fine; i++) x[grid + i] = (i - (fine - 1) / 2) * 1e-4;
  x.set(special, grid + fine);
  return x;
}

describe('elementwise kernels: exp, sigmoid and tanh accuracy over [-90, 90]', function () {
  const all: [string, Factory, () => boolean][] = [['js', async () => createJsKernels(1 << 20), () => true], ...wasmVariants];
  for (const [name, create, supported] of all) {
    it(`${name}: sigmoid and tanh within 2e-7 absolute and 2 ulp relative (tanh), exp within 2 ulp, never subnormal`, async function () {
      if (!supported()) this.skip();
      const k = await create();
      const x = activationInputs(k);
      const y = k.alloc(x.length);
      for (const f of ['exp', 'sigmoid', 'tanh'] as const) {
        k.activate(f, x, y);
        for (let i = 0; i < x.length; i++) {
          const ref = REFERENCE[f](x[i]);
          const got = y[i];
          const error = Math.abs(got - ref);
          const within = f === 'exp' ? error <= 2 * 2 ** -23 * ref : error <= 2e-7 && (f === 'sigmoid' || error <= 2 * 2 ** -23 * Math.abs(ref));
          const normal = f === 'tanh' || got === 0 || got >= 2 ** -126;
          if (!(Number.isFinite(got) && within && normal)) assert.fail(`${f}(${x[i]}) = ${got}, expected ${ref} (error ${error})${normal ? '' : ', subnormal'}`);
        }
      }
    });

    it(`${name}: activates in place and for lengths that are not a multiple of 4`, async function () {
      if (!supported()) this.skip();
      const k = await create();
      for (const n of [1, 3, 5, 67]) {
        const x = k.alloc(n + GUARD);
        x.forEach((_, i) => (x[i] = i / 3 - 1));
        const before = x.slice();
        k.activate('tanh', x.subarray(0, n), x.subarray(0, n));
        for (let i = 0; i < n; i++) assert.ok(Math.abs(x[i] - Math.tanh(before[i])) <= 2e-7);
        for (let i = n; i < n + GUARD; i++) assert.equal(x[i], before[i], 'the float past the end is untouched');
      }
    });
  }
});
