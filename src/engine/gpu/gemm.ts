/// <reference types="@webgpu/types" />
// Single-precision GEMM on the GPU: C = op(A)·op(B) + beta·C for row-major matrices anywhere in f32
// storage buffers (any float offset, any leading dimension), all four transposes, any M, N, K.
//
// The kernel: a workgroup of 16×16 threads computes a (16·TM)×(16·TM) tile of C, each thread a TM×TM
// block (TM = 4: a 64×64 tile; 2 and 1 for products too small to fill a GPU with 64×64 tiles). K is
// walked in chunks of 16: every thread fetches one TM-vector of op(A) and one of op(B) per chunk into
// registers, zero where the chunk runs past M, N or K (so edges need no special tiles), and stores them
// into workgroup memory, double-buffered so a chunk costs a single barrier; the next chunk's global
// loads are issued before the current chunk's arithmetic. Which threads fetch what depends on the
// transposes so that neighbouring threads always read neighbouring floats (coalesced), whatever the
// layout; the shared tiles are k-major, XOR-swizzled so that neither the transposing stores nor the
// vector reads of the inner loop meet bank conflicts. The inner loop is unrolled: per k, two vector
// reads of workgroup memory and TM fused multiply-adds of TM lanes each.
//
// Buffers: one storage binding per distinct GPUBuffer. A and B are bound read-only, C read_write; when C
// lives in the buffer of A (or B, or both), that buffer is bound once, read_write, and A (B) is read from
// that binding (WebGPU forbids one buffer bound both read-only and writable in one dispatch).
import { GpuKernel, ParamRing, type Access } from './kernel';

/** A matrix in a GPU buffer of f32: its first element at `offset` floats, rows `ld` floats apart (row-major). */
export interface GpuMatrix {
  buffer: GPUBuffer;
  offset: number;
  ld: number;
}

/** Outputs per thread along each dimension: the tile is 16·TM square. */
export type GemmThreadTile = 1 | 2 | 4;

export interface GpuGemmOptions {
  /**
   * Always use this thread tile (tests, benchmarks; 4 suits a software adapter, where every workgroup and
   * barrier is expensive); by default it is chosen from the size of C.
   */
  threadTile?: GemmThreadTile;
  /** Split grids at this many workgroups per dimension (tests); by default the device's limit. */
  maxWorkgroupsPerDimension?: number;
}

/** Which of A, B, C share a buffer; decides the bindings. */
type Aliasing = 'none' | 'ac' | 'bc' | 'abc';

const THREADS = 16; // per dimension: 256 threads a workgroup
const KC = 16; // K per chunk
const COMP = ['x', 'y', 'z', 'w'];

/**
 * Thread tiles are chosen by how many workgroups they give: 64×64 while there are at least this many of
 * them (enough to fill a large GPU a few times over), else 32×32 while there are at least half as many,
 * else 16×16. Smaller tiles give more workgroups but fewer multiply-adds per barrier and per loaded float.
 */
const ENOUGH_TILES = 64;

/** The WGSL of one variant. */
function gemmShader(transA: boolean, transB: boolean, tm: GemmThreadTile, aliasing: Aliasing): string {
  const T = THREADS * tm;
  const V = tm === 1 ? 'f32' : `vec${tm}<f32>`;
  const slots = THREADS * KC; // vectors per shared tile per buffer
  // Bindings: one per distinct buffer, C's read_write.
  let decl: string;
  let nameA = 'bufA';
  let nameB = 'bufB';
  let nameC = 'bufC';
  switch (aliasing) {
    case 'none':
      decl = `@group(0) @binding(1) var<storage, read> bufA: array<f32>;
@group(0) @binding(2) var<storage, read> bufB: array<f32>;
@group(0) @binding(3) var<storage, read_write> bufC: array<f32>;`;
      break;
    case 'ac':
      decl = `@group(0) @binding(1) var<storage, read_write> bufC: array<f32>;
@group(0) @binding(2) var<storage, read> bufB: array<f32>;`;
      nameA = 'bufC';
      break;
    case 'bc':
      decl = `@group(0) @binding(1) var<storage, read> bufA: array<f32>;
@group(0) @binding(2) var<storage, read_write> bufC: array<f32>;`;
      nameB = 'bufC';
      break;
    case 'abc':
      decl = `@group(0) @binding(1) var<storage, read_write> bufC: array<f32>;`;
      nameA = nameB = nameC = 'bufC';
      break;
  }

  // Fetch of one TM-vector of op(X) for the chunk at k0: `contiguousK` when X is stored with k along its rows.
  const fetch = (X: string, contiguousK: boolean): string => {
    const lines: string[] = [];
    lines.push(`  // op(${X}): this thread's vector holds the ${tm} consecutive rows/columns v${X}·${tm}… at k = k${X} of each chunk`);
    lines.push(`  let k${X} = ${contiguousK ? 't % 16u' : 't / 16u'};`);
    lines.push(`  let v${X} = ${contiguousK ? 't / 16u' : 't % 16u'};`);
    const dim = X === 'A' ? 'M' : 'N';
    const first = X === 'A' ? 'm0' : 'n0';
    lines.push(`  let e${X} = ${first} + ${tm}u * v${X};`);
    lines.push(`  let valid${X} = select(0u, min(p.${dim} - e${X}, ${tm}u), e${X} < p.${dim});`);
    const ld = X === 'A' ? 'p.lda' : 'p.ldb';
    const off = X === 'A' ? 'p.offA' : 'p.offB';
    if (contiguousK) {
      lines.push(`  var at${X} = ${off} + e${X} * ${ld} + k${X};`);
      lines.push(`  let step${X} = ${KC}u;`);
      lines.push(`  let comp${X} = ${ld};`);
    } else {
      lines.push(`  var at${X} = ${off} + k${X} * ${ld} + e${X};`);
      lines.push(`  let step${X} = ${KC}u * ${ld};`);
      lines.push(`  let comp${X} = 1u;`);
    }
    lines.push(`  let store${X} = k${X} * 16u + (v${X} ^ k${X});`);
    return lines.join('\n');
  };
  const load = (X: string, name: string): string => {
    const lines: string[] = [];
    lines.push(`    r${X} = ${V}(0.0);`);
    lines.push(`    if (k0 + k${X} < p.K) {`);
    if (tm === 1) {
      lines.push(`      if (valid${X} > 0u) { r${X} = ${name}[at${X}]; }`);
    } else {
      for (let c = 0; c < tm; c++) {
        const index = c === 0 ? `at${X}` : c === 1 ? `at${X} + comp${X}` : `at${X} + ${c}u * comp${X}`;
        lines.push(`      if (valid${X} > ${c}u) { r${X}.${COMP[c]} = ${name}[${index}]; }`);
      }
    }
    lines.push(`    }`);
    lines.push(`    at${X} += step${X};`);
    return lines.join('\n');
  };

  const inner: string[] = [];
  for (let kk = 0; kk < KC; kk++) {
    inner.push(`    {`);
    inner.push(`      let a = sA[cur + ${kk * 16}u + (ty ^ ${kk}u)];`);
    inner.push(`      let b = sB[cur + ${kk * 16}u + (tx ^ ${kk}u)];`);
    for (let i = 0; i < tm; i++) inner.push(tm === 1 ? `      acc0 = fma(a, b, acc0);` : `      acc${i} = fma(${V}(a.${COMP[i]}), b, acc${i});`);
    inner.push(`    }`);
  }

  const stores: string[] = [];
  for (let i = 0; i < tm; i++) {
    stores.push(`  if (row0 + ${i}u < p.M) {`);
    stores.push(`    let at = p.offC + (row0 + ${i}u) * p.ldc + col0;`);
    for (let j = 0; j < tm; j++) {
      const value = tm === 1 ? `acc${i}` : `acc${i}.${COMP[j]}`;
      stores.push(`    if (col0 + ${j}u < p.N) {`);
      stores.push(`      var v = ${value};`);
      stores.push(`      if (p.beta != 0u) { v += ${nameC}[at + ${j}u]; }`);
      stores.push(`      ${nameC}[at + ${j}u] = v;`);
      stores.push(`    }`);
    }
    stores.push(`  }`);
  }

  const accs = Array.from({ length: tm }, (_, i) => `  var acc${i} = ${V}(0.0);`).join('\n');

  return `// rnn-lens sgemm ${transA ? 'T' : 'N'}${transB ? 'T' : 'N'}, ${T}x${T} tile, ${tm}x${tm} per thread, bindings: ${aliasing}
struct Params {
  M: u32, N: u32, K: u32, beta: u32,
  offA: u32, lda: u32, offB: u32, ldb: u32,
  offC: u32, ldc: u32, tileRow: u32, tileCol: u32,
}
@group(0) @binding(0) var<uniform> p: Params;
${decl}

// k-major tiles of op(A) and op(B), two chunks each (double buffering): slot k·16 + (v ^ k) holds vector v at k.
var<workgroup> sA: array<${V}, ${2 * slots}>;
var<workgroup> sB: array<${V}, ${2 * slots}>;

@compute @workgroup_size(${THREADS}, ${THREADS})
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let tx = lid.x;
  let ty = lid.y;
  let t = ty * 16u + tx;
  let m0 = (p.tileRow + wg.y) * ${T}u;
  let n0 = (p.tileCol + wg.x) * ${T}u;
${fetch('A', !transA)}
${fetch('B', transB)}
  var rA: ${V};
  var rB: ${V};
  var k0 = 0u;
${load('A', nameA)}
${load('B', nameB)}
  sA[storeA] = rA;
  sB[storeB] = rB;
  workgroupBarrier();
${accs}
  let chunks = (p.K + ${KC - 1}u) / ${KC}u;
  for (var c = 0u; c < chunks; c++) {
    let cur = (c & 1u) * ${slots}u;
    let more = c + 1u < chunks;
    if (more) {
      k0 += ${KC}u;
${load('A', nameA)
  .split('\n')
  .map((l) => '  ' + l)
  .join('\n')}
${load('B', nameB)
  .split('\n')
  .map((l) => '  ' + l)
  .join('\n')}
    }
${inner.join('\n')}
    if (more) {
      sA[${slots}u - cur + storeA] = rA;
      sB[${slots}u - cur + storeB] = rB;
    }
    workgroupBarrier();
  }
  let row0 = m0 + ${tm}u * ty;
  let col0 = n0 + ${tm}u * tx;
${stores.join('\n')}
}
`;
}

/** Bindings of each aliasing: their access, and which of A, B, C each is. */
const BINDINGS: Record<Aliasing, { access: Access[]; of: ('A' | 'B' | 'C')[] }> = {
  none: { access: ['read', 'read', 'read_write'], of: ['A', 'B', 'C'] },
  ac: { access: ['read_write', 'read'], of: ['C', 'B'] },
  bc: { access: ['read', 'read_write'], of: ['A', 'C'] },
  abc: { access: ['read_write'], of: ['C'] },
};

const U32_LIMIT = 2 ** 32;

function checkMatrix(device: GPUDevice, what: string, m: GpuMatrix, rows: number, cols: number): void {
  if (!Number.isInteger(m.offset) || m.offset < 0) throw new RangeError(`sgemm: ${what}.offset ${m.offset} is not a non-negative integer`);
  if (!Number.isInteger(m.ld) || m.ld < 0) throw new RangeError(`sgemm: ${what}.ld ${m.ld} is not a non-negative integer`);
  if (rows > 1 && m.ld < cols) throw new RangeError(`sgemm: ${what}.ld ${m.ld} is less than its ${cols} columns`);
  const end = m.offset + (rows - 1) * m.ld + cols; // floats up to its last element
  if (end * 4 > m.buffer.size) throw new RangeError(`sgemm: ${what} (${rows}×${cols} at ${m.offset}, ld ${m.ld}) runs past its buffer of ${m.buffer.size / 4} floats`);
  if (end > U32_LIMIT) throw new RangeError(`sgemm: ${what} reaches past float 2³²`);
  const binding = device.limits.maxStorageBufferBindingSize;
  if (m.buffer.size > binding) throw new RangeError(`sgemm: ${what}'s buffer (${m.buffer.size} bytes) is larger than a storage binding may be (${binding})`);
}

export class GpuGemm {
  private readonly kernels = new Map<string, GpuKernel>();
  private readonly maxGroups: number;

  constructor(
    private readonly device: GPUDevice,
    private readonly params: ParamRing,
    private readonly options: GpuGemmOptions = {},
  ) {
    this.maxGroups = options.maxWorkgroupsPerDimension ?? device.limits.maxComputeWorkgroupsPerDimension;
  }

  /** The thread tile for an M×N product: the largest that still gives the GPU enough workgroups. */
  static threadTile(M: number, N: number): GemmThreadTile {
    const tiles = (t: number) => Math.ceil(M / t) * Math.ceil(N / t);
    if (tiles(64) >= ENOUGH_TILES) return 4;
    if (tiles(32) >= ENOUGH_TILES / 2) return 2;
    return 1;
  }

  /** Records C = op(A)·op(B) + beta·C into `pass` (op(A) is M×K: transA means A is stored K×M; op(B) is K×N: transB means B is stored N×K). beta 0 ignores C's old contents (even NaN). C must not overlap A or B. */
  encode(pass: GPUComputePassEncoder, transA: boolean, transB: boolean, M: number, N: number, K: number, A: GpuMatrix, B: GpuMatrix, C: GpuMatrix, beta: 0 | 1): void {
    for (const [name, value] of [['M', M], ['N', N], ['K', K]] as const) {
      if (!Number.isInteger(value) || value < 0 || value >= U32_LIMIT) throw new RangeError(`sgemm: ${name} = ${value}`);
    }
    if (beta !== 0 && beta !== 1) throw new RangeError(`sgemm: beta ${beta as number} is neither 0 nor 1`);
    if (M === 0 || N === 0) return;
    checkMatrix(this.device, 'C', C, M, N);
    if (K === 0 && beta === 1) return; // C = C
    if (K > 0) {
      checkMatrix(this.device, 'A', A, transA ? K : M, transA ? M : K);
      checkMatrix(this.device, 'B', B, transB ? N : K, transB ? K : N);
    }
    const aliasing: Aliasing = A.buffer === C.buffer ? (B.buffer === C.buffer ? 'abc' : 'ac') : B.buffer === C.buffer ? 'bc' : 'none';
    const tm = this.options.threadTile ?? GpuGemm.threadTile(M, N);
    const kernel = this.kernel(transA, transB, tm, aliasing);
    const buffers = BINDINGS[aliasing].of.map((x) => (x === 'A' ? A.buffer : x === 'B' ? B.buffer : C.buffer));
    const tile = THREADS * tm;
    const rowTiles = Math.ceil(M / tile);
    const colTiles = Math.ceil(N / tile);
    const step = this.maxGroups;
    for (let r = 0; r < rowTiles; r += step) {
      for (let c = 0; c < colTiles; c += step) {
        const words = [M, N, K, beta, A.offset, A.ld, B.offset, B.ld, C.offset, C.ld, r, c];
        kernel.dispatch(pass, words, buffers, Math.min(step, colTiles - c), Math.min(step, rowTiles - r));
      }
    }
  }

  /** Forgets cached bind groups (their buffers were destroyed). */
  forget(): void {
    for (const kernel of this.kernels.values()) kernel.forget();
  }

  private kernel(transA: boolean, transB: boolean, tm: GemmThreadTile, aliasing: Aliasing): GpuKernel {
    const key = `${transA ? 'T' : 'N'}${transB ? 'T' : 'N'}${tm}${aliasing}`;
    let kernel = this.kernels.get(key);
    if (!kernel) {
      kernel = new GpuKernel(this.device, this.params, `sgemm ${key}`, gemmShader(transA, transB, tm, aliasing), BINDINGS[aliasing].access);
      this.kernels.set(key, kernel);
    }
    return kernel;
  }
}

/** The WGSL of a variant (for inspection and tests). */
export const gemmShaderSource = gemmShader;
