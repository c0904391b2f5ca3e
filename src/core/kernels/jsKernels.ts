// The kernels in plain TypeScript, computing in double precision: the fallback without WebAssembly
// SIMD and the oracle every fast kernel is tested against.
import { ALIGN, ArenaKernels, checkCount, roundUp, type ElementwiseExports } from './arena';
import type { Kernels, KernelMemoryOptions, KernelSharing } from './contract';

/** exp's input range (the result stays a normal float), as the WebAssembly kernels clamp it. */
const EXP_LO = -87;
const EXP_HI = 88;
/** The sigmoid's exp input range. */
const SIGMOID_LIMIT = 80;

/** e^x with x clamped to [−87, 88]. */
function exp(x: number): number {
  return Math.exp(x < EXP_LO ? EXP_LO : x > EXP_HI ? EXP_HI : x);
}

/** A logistic sigmoid whose exp() input is clamped to ±80, so no subnormals reach the buffers. */
function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(x < -SIGMOID_LIMIT ? SIGMOID_LIMIT : x > SIGMOID_LIMIT ? -SIGMOID_LIMIT : -x));
}

/**
 * The elementwise kernels in plain TypeScript on the same arguments as the WebAssembly exports (byte
 * offsets into the arena, viewed as one Float32Array), computing in double precision.
 */
class JsElementwise implements ElementwiseExports {
  constructor(private readonly f: Float32Array) {}

  lstmForward(B: number, H: number, z: number, bias: number, pre: number, cPrev: number, c: number, hPrev: number, ldPrev: number, h: number, ldh: number, mask: number): void {
    const f = this.f;
    const [zp, bp, pp, cpp, cp, hpp, hp, mp] = [z, bias, pre, cPrev, c, hPrev, h, mask].map((x) => x >>> 2);
    const G = 4 * H;
    for (let b = 0; b < B; b++) {
      const zr = zp + b * G;
      const keep = f[mp + b] !== 0;
      for (let j = 0; j < H; j++) {
        const zi = f[zr + j] + f[bp + j];
        const zf = f[zr + H + j] + f[bp + H + j];
        const zc = f[zr + 2 * H + j] + f[bp + 2 * H + j];
        const zo = f[zr + 3 * H + j] + f[bp + 3 * H + j];
        if (pre) {
          const pr = pp + b * G;
          f[pr + j] = zi;
          f[pr + H + j] = zf;
          f[pr + 2 * H + j] = zc;
          f[pr + 3 * H + j] = zo;
        }
        const i = sigmoid(zi);
        const fg = sigmoid(zf);
        const g = Math.tanh(zc);
        const o = sigmoid(zo);
        f[zr + j] = i;
        f[zr + H + j] = fg;
        f[zr + 2 * H + j] = g;
        f[zr + 3 * H + j] = o;
        const cPrevV = f[cpp + b * H + j];
        if (keep) {
          const cv = fg * cPrevV + i * g;
          f[cp + b * H + j] = cv;
          f[hp + b * ldh + j] = o * Math.tanh(cv);
        } else {
          f[cp + b * H + j] = cPrevV;
          f[hp + b * ldh + j] = f[hpp + b * ldPrev + j];
        }
      }
    }
  }

  lstmBackward(B: number, H: number, gates: number, c: number, cPrev: number, dh: number, ldDh: number, dhCarry: number, dcCarry: number, dz: number, dhNew: number, mask: number): void {
    const f = this.f;
    const [gp, cp, cpp, dhp, hcp, ccp, dzp, hnp, mp] = [gates, c, cPrev, dh, dhCarry, dcCarry, dz, dhNew, mask].map((x) => x >>> 2);
    const G = 4 * H;
    for (let b = 0; b < B; b++) {
      const keep = f[mp + b] !== 0;
      const gr = gp + b * G;
      const dzr = dzp + b * G;
      for (let j = 0; j < H; j++) {
        const u = b * H + j;
        const d = f[dhp + b * ldDh + j] + f[hcp + u];
        if (!keep) {
          for (let g = 0; g < 4; g++) f[dzr + g * H + j] = 0;
          f[hnp + u] = d;
          continue;
        }
        const i = f[gr + j];
        const fg = f[gr + H + j];
        const g = f[gr + 2 * H + j];
        const o = f[gr + 3 * H + j];
        const tc = Math.tanh(f[cp + u]);
        const dc = f[ccp + u] + d * o * (1 - tc * tc);
        f[dzr + j] = dc * g * i * (1 - i);
        f[dzr + H + j] = dc * f[cpp + u] * fg * (1 - fg);
        f[dzr + 2 * H + j] = dc * i * (1 - g * g);
        f[dzr + 3 * H + j] = d * tc * o * (1 - o);
        f[ccp + u] = dc * fg;
        f[hnp + u] = 0;
      }
    }
  }

  gruForwardGates(B: number, H: number, z: number, bias: number, pre: number, hPrev: number, ldPrev: number, rh: number): void {
    const f = this.f;
    const [zp, bp, pp, hpp, rhp] = [z, bias, pre, hPrev, rh].map((x) => x >>> 2);
    const G = 3 * H;
    for (let b = 0; b < B; b++) {
      const zr = zp + b * G;
      for (let j = 0; j < H; j++) {
        const zz = f[zr + j] + f[bp + j];
        const zrv = f[zr + H + j] + f[bp + H + j];
        if (pre) {
          f[pp + b * G + j] = zz;
          f[pp + b * G + H + j] = zrv;
        }
        const r = sigmoid(zrv);
        f[zr + j] = sigmoid(zz);
        f[zr + H + j] = r;
        f[rhp + b * H + j] = r * f[hpp + b * ldPrev + j];
      }
    }
  }

  gruForwardOutput(B: number, H: number, z: number, bias: number, pre: number, hPrev: number, ldPrev: number, h: number, ldh: number, mask: number): void {
    const f = this.f;
    const [zp, bp, pp, hpp, hp, mp] = [z, bias, pre, hPrev, h, mask].map((x) => x >>> 2);
    const G = 3 * H;
    for (let b = 0; b < B; b++) {
      const zr = zp + b * G;
      const keep = f[mp + b] !== 0;
      for (let j = 0; j < H; j++) {
        const zh = f[zr + 2 * H + j] + f[bp + 2 * H + j];
        if (pre) f[pp + b * G + 2 * H + j] = zh;
        const hh = Math.tanh(zh);
        f[zr + 2 * H + j] = hh;
        const hPrevV = f[hpp + b * ldPrev + j];
        const zg = f[zr + j];
        f[hp + b * ldh + j] = keep ? zg * hPrevV + (1 - zg) * hh : hPrevV;
      }
    }
  }

  gruBackwardGates(B: number, H: number, gates: number, hPrev: number, ldPrev: number, dh: number, ldDh: number, dhCarry: number, dz: number, dhNew: number, mask: number): void {
    const f = this.f;
    const [gp, hpp, dhp, hcp, dzp, hnp, mp] = [gates, hPrev, dh, dhCarry, dz, dhNew, mask].map((x) => x >>> 2);
    const G = 3 * H;
    for (let b = 0; b < B; b++) {
      const keep = f[mp + b] !== 0;
      const gr = gp + b * G;
      const dzr = dzp + b * G;
      for (let j = 0; j < H; j++) {
        const u = b * H + j;
        const d = f[dhp + b * ldDh + j] + f[hcp + u];
        if (!keep) {
          f[dzr + j] = 0;
          f[dzr + H + j] = 0;
          f[dzr + 2 * H + j] = 0;
          f[hnp + u] = d;
          continue;
        }
        const zg = f[gr + j];
        const hh = f[gr + 2 * H + j];
        f[dzr + j] = d * (f[hpp + b * ldPrev + j] - hh) * zg * (1 - zg);
        f[dzr + 2 * H + j] = d * (1 - zg) * (1 - hh * hh);
        f[hnp + u] = d * zg;
      }
    }
  }

  gruBackwardReset(B: number, H: number, gates: number, hPrev: number, ldPrev: number, dRh: number, dz: number, dhNew: number, mask: number): void {
    const f = this.f;
    const [gp, hpp, drp, dzp, hnp, mp] = [gates, hPrev, dRh, dz, dhNew, mask].map((x) => x >>> 2);
    const G = 3 * H;
    for (let b = 0; b < B; b++) {
      const keep = f[mp + b] !== 0;
      for (let j = 0; j < H; j++) {
        const dzr = dzp + b * G + H + j;
        if (!keep) {
          f[dzr] = 0;
          continue;
        }
        const r = f[gp + b * G + H + j];
        const g = f[drp + b * H + j];
        f[dzr] = g * f[hpp + b * ldPrev + j] * r * (1 - r);
        f[hnp + b * H + j] += g * r;
      }
    }
  }

  simpleRnnForward(B: number, H: number, z: number, bias: number, pre: number, hPrev: number, ldPrev: number, h: number, ldh: number, mask: number): void {
    const f = this.f;
    const [zp, bp, pp, hpp, hp, mp] = [z, bias, pre, hPrev, h, mask].map((x) => x >>> 2);
    for (let b = 0; b < B; b++) {
      const keep = f[mp + b] !== 0;
      for (let j = 0; j < H; j++) {
        const zz = f[zp + b * H + j] + f[bp + j];
        if (pre) f[pp + b * H + j] = zz;
        const hv = Math.tanh(zz);
        f[zp + b * H + j] = hv;
        f[hp + b * ldh + j] = keep ? hv : f[hpp + b * ldPrev + j];
      }
    }
  }

  simpleRnnBackward(B: number, H: number, gates: number, dh: number, ldDh: number, dhCarry: number, dz: number, dhNew: number, mask: number): void {
    const f = this.f;
    const [gp, dhp, hcp, dzp, hnp, mp] = [gates, dh, dhCarry, dz, dhNew, mask].map((x) => x >>> 2);
    for (let b = 0; b < B; b++) {
      const keep = f[mp + b] !== 0;
      for (let j = 0; j < H; j++) {
        const u = b * H + j;
        const d = f[dhp + b * ldDh + j] + f[hcp + u];
        if (keep) {
          const hv = f[gp + u];
          f[dzp + u] = d * (1 - hv * hv);
          f[hnp + u] = 0;
        } else {
          f[dzp + u] = 0;
          f[hnp + u] = d;
        }
      }
    }
  }

  sumRows(rows: number, n: number, x: number, ld: number, out: number): void {
    const f = this.f;
    const xp = x >>> 2;
    const op = out >>> 2;
    f.fill(0, op, op + n);
    for (let r = 0; r < rows; r++) for (let j = 0; j < n; j++) f[op + j] += f[xp + r * ld + j];
  }

  adam(n: number, param: number, grad: number, m: number, v: number, lr: number, beta1: number, beta2: number, epsilon: number, c1: number, c2: number): void {
    const f = this.f;
    const [pp, gp, mp, vp] = [param, grad, m, v].map((x) => x >>> 2);
    for (let i = 0; i < n; i++) {
      const g = f[gp + i];
      const mi = beta1 * f[mp + i] + (1 - beta1) * g;
      const vi = beta2 * f[vp + i] + (1 - beta2) * g * g;
      f[mp + i] = Math.abs(mi) < 1e-30 ? 0 : mi;
      f[vp + i] = vi < 1e-30 ? 0 : vi;
      f[pp + i] -= (lr * (f[mp + i] / c1)) / (Math.sqrt(f[vp + i] / c2) + epsilon);
    }
  }

  adamRows(n: number, E: number, ids: number, grad: number, m: number, v: number, lr: number, beta1: number, beta2: number, epsilon: number, c1: number, c2: number): void {
    const f = this.f;
    const [ip, gp, mp, vp] = [ids, grad, m, v].map((x) => x >>> 2);
    for (let i = 0; i < n; i++) {
      const row = f[ip + i] * E;
      for (let e = 0; e < E; e++) {
        const gi = gp + i * E + e;
        const g = f[gi];
        const mi = beta1 * f[mp + row + e] + (1 - beta1) * g;
        const vi = beta2 * f[vp + row + e] + (1 - beta2) * g * g;
        f[mp + row + e] = Math.abs(mi) < 1e-30 ? 0 : mi;
        f[vp + row + e] = vi < 1e-30 ? 0 : vi;
        f[gi] = -(lr * (f[mp + row + e] / c1)) / (Math.sqrt(f[vp + row + e] / c2) + epsilon);
      }
    }
  }

  gatherRows(n: number, E: number, table: number, ids: number, out: number): void {
    const f = this.f;
    const [tp, ip, op] = [table, ids, out].map((x) => x >>> 2);
    for (let r = 0; r < n; r++) {
      const src = tp + f[ip + r] * E;
      for (let e = 0; e < E; e++) f[op + r * E + e] = f[src + e];
    }
  }

  scatterAddRows(n: number, E: number, x: number, index: number, out: number): void {
    const f = this.f;
    const [xp, ip, op] = [x, index, out].map((v) => v >>> 2);
    for (let r = 0; r < n; r++) {
      const k = f[ip + r];
      if (k < 0) continue;
      const dst = op + k * E;
      for (let e = 0; e < E; e++) f[dst + e] += f[xp + r * E + e];
    }
  }

  activate(code: number, n: number, x: number, y: number): void {
    const f = this.f;
    const fn = code === 0 ? exp : code === 1 ? sigmoid : Math.tanh;
    const xp = x >>> 2;
    const yp = y >>> 2;
    for (let i = 0; i < n; i++) f[yp + i] = fn(f[xp + i]);
  }
}

/** Where an arena over a (Shared)ArrayBuffer lies: see sharedArenaLayout. */
export interface ArenaLayout {
  buffer: ArrayBufferLike;
  /** The arena's first and end byte offsets. */
  start: number;
  end: number;
  sharing: KernelSharing | undefined;
}

/**
 * The region layout of kernels whose memory is a SharedArrayBuffer (the JS kernels, the native ones):
 * a new buffer holds one alignment step (so no array sits at offset 0, the kernels' "none"), the arena
 * of capacityFloats, then `spareBytes` for another thread's instance; attached to another instance's
 * buffer, the arena starts one alignment step into its spare region. `shift` (given the buffer and the
 * nominal start; a multiple of 4 below ALIGN) moves the arena up, e.g. so that it starts on a 64-byte
 * boundary of the buffer's real address; a new buffer has ALIGN bytes of room for it.
 */
export function sharedArenaLayout(
  capacityFloats: number, memory: KernelMemoryOptions, who: string, shift?: (buffer: ArrayBufferLike, start: number) => number,
): ArenaLayout {
  const arenaBytes = roundUp(capacityFloats * 4, ALIGN);
  let buffer: ArrayBufferLike;
  let start: number;
  let sharing: KernelSharing | undefined;
  if (memory.attach) {
    const { memory: shared, at } = memory.attach;
    if (!(shared instanceof SharedArrayBuffer)) throw new TypeError(`${who} attach to a SharedArrayBuffer`);
    buffer = shared;
    start = at + ALIGN;
    start += shift ? shift(buffer, start) : 0;
    if (start + arenaBytes > buffer.byteLength) throw new RangeError(`The shared memory has no room for an arena of ${capacityFloats} floats at ${at}`);
  } else {
    const spare = roundUp(memory.spareBytes ?? 0, ALIGN);
    const bytes = ALIGN + arenaBytes + spare + (shift ? ALIGN : 0);
    // Shared memory where the runtime has it (Node), so worker threads can read and write the arena as with WebAssembly's.
    const canShare = typeof SharedArrayBuffer === 'function';
    buffer = canShare ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes);
    start = ALIGN + (shift ? shift(buffer, ALIGN) : 0);
    sharing = canShare ? { memory: buffer as SharedArrayBuffer, spareAt: start + arenaBytes, spareBytes: spare } : undefined;
  }
  return { buffer, start, end: start + arenaBytes, sharing };
}

class JsKernels extends ArenaKernels {
  private acc = new Float64Array(0);

  /** The JavaScript multiply's packed B is op(B) itself, stored K×N. */
  packedSize(K: number, N: number): number {
    return K * N;
  }

  protected pack(transB: boolean, K: number, N: number, B: Float32Array, ldb: number, packed: Float32Array): void {
    for (let k = 0; k < K; k++) for (let j = 0; j < N; j++) packed[k * N + j] = transB ? B[j * ldb + k] : B[k * ldb + j];
  }

  protected gemmPacked(transA: boolean, M: number, N: number, K: number, A: Float32Array, lda: number, packed: Float32Array, C: Float32Array, ldc: number, beta: 0 | 1): void {
    this.gemm(transA, false, M, N, K, A, lda, packed, N, C, ldc, beta);
  }

  constructor(capacityFloats: number, memory: KernelMemoryOptions = {}) {
    const { buffer, start, end, sharing } = sharedArenaLayout(capacityFloats, memory, 'The JS kernels');
    super('js', buffer, start, end, new JsElementwise(new Float32Array(buffer)), sharing);
  }

  protected gemm(
    transA: boolean, transB: boolean, M: number, N: number, K: number,
    A: Float32Array, lda: number, B: Float32Array, ldb: number, C: Float32Array, ldc: number, beta: 0 | 1,
  ): void {
    if (this.acc.length < N) this.acc = new Float64Array(N);
    const acc = this.acc;
    for (let i = 0; i < M; i++) {
      if (!transB) {
        acc.fill(0, 0, N);
        for (let k = 0; k < K; k++) {
          const a = transA ? A[k * lda + i] : A[i * lda + k];
          const row = k * ldb;
          for (let j = 0; j < N; j++) acc[j] += a * B[row + j];
        }
      } else {
        for (let j = 0; j < N; j++) {
          const row = j * ldb;
          let s = 0;
          if (transA) {
            for (let k = 0; k < K; k++) s += A[k * lda + i] * B[row + k];
          } else {
            const aRow = i * lda;
            for (let k = 0; k < K; k++) s += A[aRow + k] * B[row + k];
          }
          acc[j] = s;
        }
      }
      const c = i * ldc;
      if (beta === 0) {
        for (let j = 0; j < N; j++) C[c + j] = acc[j];
      } else {
        for (let j = 0; j < N; j++) C[c + j] = acc[j] + C[c + j];
      }
    }
  }
}

/** Plain TypeScript kernels (double accumulation, i-k-j order): the fallback without WebAssembly SIMD, and the tests' oracle. */
export function createJsKernels(capacityFloats: number, memory?: KernelMemoryOptions): Kernels {
  checkCount('capacityFloats', capacityFloats);
  return new JsKernels(capacityFloats, memory);
}

