// Single-precision matrix multiply for the recurrent kernels, compiled by AssemblyScript to
// WebAssembly SIMD (see asconfig.json; built by esbuild.js, with elementwise.ts, into
// dist/kernels/kernels-*.wasm).
//
// C = op(A)·op(B) + beta·C, row-major f32, every pointer a byte offset into the imported memory.
// Goto-style blocking: a KC-deep slice of op(B) is packed into 8-column panels, an MC-row block of
// op(A) into 4-row panels (both zero-padded), and a 4×8 register tile (4 rows × two f32x4) runs over
// them. Packing makes all four transpose combinations the same inner loop. The packing scratch
// belongs to this instance (setWorkspace), so instances on other threads can share one memory.
import { madd } from './simdMath';

/** Rows of the register tile. */
const MR: i32 = 4;
/** Columns of the register tile (two f32x4). */
const NR: i32 = 8;
/** Depth of one packed slice (k block). */
const KC: i32 = 256;
/** Rows of op(A) packed at a time (multiple of MR). */
const MC: i32 = 128;
/** Bytes of the edge tile at the start of the workspace (one MR×NR tile, rounded to 64). */
const TILE_BYTES: i32 = 128;

let workPtr: usize = 0;
let workBytes: i32 = 0;

/** Smallest workspace sgemm accepts: the edge tile, one A block and one 8-column B panel. */
export function minWorkspaceBytes(): i32 {
  return TILE_BYTES + MC * KC * 4 + KC * NR * 4;
}

/** Sets this instance's packing scratch (64-byte aligned, at least minWorkspaceBytes()). */
export function setWorkspace(ptr: usize, bytes: i32): void {
  workPtr = ptr;
  workBytes = bytes;
}

/**
 * The register tile: C[4×8] (+)= Apanel[kb×4]ᵀ·Bpanel[kb×8]. `ap` holds 4 floats per k, `bp` 8 per
 * k; `ldc` is in bytes. With loadC false the old C is never read (beta 0 ignores NaN).
 */
function tile4x8(kb: i32, ap: usize, bp: usize, c: usize, ldc: usize, loadC: bool): void {
  const c0 = c;
  const c1 = c0 + ldc;
  const c2 = c1 + ldc;
  const c3 = c2 + ldc;
  let x00: v128, x01: v128, x10: v128, x11: v128, x20: v128, x21: v128, x30: v128, x31: v128;
  if (loadC) {
    x00 = v128.load(c0); x01 = v128.load(c0, 16);
    x10 = v128.load(c1); x11 = v128.load(c1, 16);
    x20 = v128.load(c2); x21 = v128.load(c2, 16);
    x30 = v128.load(c3); x31 = v128.load(c3, 16);
  } else {
    x00 = f32x4.splat(0); x01 = x00;
    x10 = x00; x11 = x00;
    x20 = x00; x21 = x00;
    x30 = x00; x31 = x00;
  }
  const end = bp + (<usize>kb << 5);
  while (bp < end) {
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    let a = v128.load32_splat(ap);
    x00 = madd(a, b0, x00);
    x01 = madd(a, b1, x01);
    a = v128.load32_splat(ap, 4);
    x10 = madd(a, b0, x10);
    x11 = madd(a, b1, x11);
    a = v128.load32_splat(ap, 8);
    x20 = madd(a, b0, x20);
    x21 = madd(a, b1, x21);
    a = v128.load32_splat(ap, 12);
    x30 = madd(a, b0, x30);
    x31 = madd(a, b1, x31);
    ap += 16;
    bp += 32;
  }
  v128.store(c0, x00); v128.store(c0, x01, 16);
  v128.store(c1, x10); v128.store(c1, x11, 16);
  v128.store(c2, x20); v128.store(c2, x21, 16);
  v128.store(c3, x30); v128.store(c3, x31, 16);
}

/**
 * One row of C[1×8] (+)= a[kb]·Bpanel[kb×8], `ap` stepping 16 bytes per k (a row of a packed 4-row A
 * panel). A single row has no other rows' products to hide the FMA latency behind, so k is split
 * into four interleaved sums (eight accumulators), added at the end: for the batch-of-one reads of
 * the views (and any last rows of a batch) about twice as fast as the 4×8 tile on a padded panel.
 */
function rowTile(kb: i32, ap: usize, bp: usize, c: usize, loadC: bool): void {
  let a0 = f32x4.splat(0), b0 = a0, a1 = a0, b1 = a0, a2 = a0, b2 = a0, a3 = a0, b3 = a0;
  let k = 0;
  for (; k + 4 <= kb; k += 4) {
    let a = v128.load32_splat(ap);
    a0 = madd(a, v128.load(bp), a0);
    b0 = madd(a, v128.load(bp, 16), b0);
    a = v128.load32_splat(ap, 16);
    a1 = madd(a, v128.load(bp, 32), a1);
    b1 = madd(a, v128.load(bp, 48), b1);
    a = v128.load32_splat(ap, 32);
    a2 = madd(a, v128.load(bp, 64), a2);
    b2 = madd(a, v128.load(bp, 80), b2);
    a = v128.load32_splat(ap, 48);
    a3 = madd(a, v128.load(bp, 96), a3);
    b3 = madd(a, v128.load(bp, 112), b3);
    ap += 64;
    bp += 128;
  }
  for (; k < kb; k++) {
    const a = v128.load32_splat(ap);
    a0 = madd(a, v128.load(bp), a0);
    b0 = madd(a, v128.load(bp, 16), b0);
    ap += 16;
    bp += 32;
  }
  let x0 = f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3));
  let x1 = f32x4.add(f32x4.add(b0, b1), f32x4.add(b2, b3));
  if (loadC) {
    x0 = f32x4.add(v128.load(c), x0);
    x1 = f32x4.add(v128.load(c, 16), x1);
  }
  v128.store(c, x0);
  v128.store(c, x1, 16);
}

/** A partial tile (rows < 4 or cols < 8): runs the full tile on the scratch tile, copies back. */
function edgeTile(kb: i32, ap: usize, bp: usize, c: usize, ldc: usize, loadC: bool, rows: i32, cols: i32): void {
  const t = workPtr;
  if (loadC) {
    memory.fill(t, 0, MR * NR * 4);
    for (let i = 0; i < rows; i++) {
      memory.copy(t + <usize>(i * NR * 4), c + <usize>i * ldc, <usize>cols << 2);
    }
  }
  tile4x8(kb, ap, bp, t, NR * 4, loadC);
  for (let i = 0; i < rows; i++) {
    memory.copy(c + <usize>i * ldc, t + <usize>(i * NR * 4), <usize>cols << 2);
  }
}

/**
 * Packs a panel stored across: dst[k·W + r] = src[r·ld + k] for r < rows (zero up to W), k < kb.
 * `ld` in bytes; W is 4 or 8.
 */
function packAcross(src: usize, ld: usize, rows: i32, kb: i32, W: i32, dst: usize): void {
  const wb = <usize>W << 2;
  if (rows == W) {
    const k4 = kb & ~3;
    for (let r = 0; r < W; r += 4) {
      const s0 = src + <usize>r * ld;
      const s1 = s0 + ld;
      const s2 = s1 + ld;
      const s3 = s2 + ld;
      let d = dst + (<usize>r << 2);
      for (let k = 0; k < k4; k += 4) {
        const o = <usize>k << 2;
        const r0 = v128.load(s0 + o);
        const r1 = v128.load(s1 + o);
        const r2 = v128.load(s2 + o);
        const r3 = v128.load(s3 + o);
        const t0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5);
        const t1 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7);
        const t2 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5);
        const t3 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
        v128.store(d, v128.shuffle<f32>(t0, t2, 0, 1, 4, 5));
        v128.store(d + wb, v128.shuffle<f32>(t0, t2, 2, 3, 6, 7));
        v128.store(d + 2 * wb, v128.shuffle<f32>(t1, t3, 0, 1, 4, 5));
        v128.store(d + 3 * wb, v128.shuffle<f32>(t1, t3, 2, 3, 6, 7));
        d += wb << 2;
      }
      for (let k = k4; k < kb; k++) {
        const o = <usize>k << 2;
        const dk = dst + <usize>k * wb + (<usize>r << 2);
        store<f32>(dk, load<f32>(s0 + o));
        store<f32>(dk, load<f32>(s1 + o), 4);
        store<f32>(dk, load<f32>(s2 + o), 8);
        store<f32>(dk, load<f32>(s3 + o), 12);
      }
    }
    return;
  }
  for (let k = 0; k < kb; k++) {
    const dk = dst + <usize>k * wb;
    const sk = src + (<usize>k << 2);
    let r = 0;
    for (; r < rows; r++) store<f32>(dk + (<usize>r << 2), load<f32>(sk + <usize>r * ld));
    for (; r < W; r++) store<f32>(dk + (<usize>r << 2), 0);
  }
}

/**
 * Packs a panel stored along: dst[k·W + j] = src[k·ld + j] for j < cols (zero up to W), k < kb.
 * `ld` in bytes; W is 4 or 8.
 */
function packAlong(src: usize, ld: usize, cols: i32, kb: i32, W: i32, dst: usize): void {
  const wb = <usize>W << 2;
  if (cols == W) {
    if (W == 8) {
      for (let k = 0; k < kb; k++) {
        v128.store(dst, v128.load(src));
        v128.store(dst, v128.load(src, 16), 16);
        src += ld;
        dst += 32;
      }
    } else {
      for (let k = 0; k < kb; k++) {
        v128.store(dst, v128.load(src));
        src += ld;
        dst += 16;
      }
    }
    return;
  }
  for (let k = 0; k < kb; k++) {
    memory.fill(dst, 0, wb);
    memory.copy(dst, src, <usize>cols << 2);
    src += ld;
    dst += wb;
  }
}

/** C = beta·C for a general beta (0 writes zeros without reading C). */
function scaleC(M: i32, N: i32, C: usize, ldc: usize, beta: f32): void {
  for (let i = 0; i < M; i++) {
    const row = C + <usize>i * ldc;
    if (beta == 0) {
      memory.fill(row, 0, <usize>N << 2);
    } else {
      for (let j = 0; j < N; j++) {
        const p = row + (<usize>j << 2);
        store<f32>(p, load<f32>(p) * beta);
      }
    }
  }
}

// op(X) is X for trans 0 and Xᵀ for trans 1; op(A) is M×K, op(B) K×N, C M×N, all row-major f32 at
// byte offsets A, B, C with leading dimensions lda, ldb, ldc in floats. C must not overlap A or B.

/**
 * Applies a general beta before the multiply; returns the beta the multiply then uses (0 or 1), or −1
 * when nothing is left to do (an empty C, or K = 0).
 */
function prepareC(M: i32, N: i32, K: i32, C: usize, ldcb: usize, beta: f32): f32 {
  if (M <= 0 || N <= 0) return -1;
  if (K <= 0 || (beta != 0 && beta != 1)) {
    scaleC(M, N, C, ldcb, beta);
    return K <= 0 ? -1 : 1;
  }
  return beta;
}

/** Packs the kb-deep slice at row pc of op(B), columns j0 … j0+nb, into 8-column panels at dst. */
function packBSlice(transB: i32, B: usize, ldbb: usize, pc: i32, kb: i32, j0: i32, nb: i32, dst: usize): void {
  const panelB = <usize>(kb * NR * 4);
  for (let jr = 0; jr < nb; jr += NR) {
    const cols = min(NR, nb - jr);
    const j = j0 + jr;
    if (transB) {
      packAcross(B + <usize>j * ldbb + (<usize>pc << 2), ldbb, cols, kb, NR, dst);
    } else {
      packAlong(B + <usize>pc * ldbb + (<usize>j << 2), ldbb, cols, kb, NR, dst);
    }
    dst += panelB;
  }
}

/**
 * C[M×nb] (+)= op(A)[:, pc … pc+kb] · (the packed B panels at bp): packs op(A) in MC-row blocks and
 * runs the register tile over them. C points at the block's first column.
 */
function multiplyPanels(transA: i32, M: i32, nb: i32, kb: i32, pc: i32, A: usize, ldab: usize, bPanels: usize, C: usize, ldcb: usize, loadC: bool): void {
  const aPack = workPtr + TILE_BYTES;
  const panelB = <usize>(kb * NR * 4);
  const panelA = <usize>(kb * MR * 4);
  for (let ic = 0; ic < M; ic += MC) {
    const mb = min(MC, M - ic);
    let dst = aPack;
    for (let ir = 0; ir < mb; ir += MR) {
      const rows = min(MR, mb - ir);
      const i = ic + ir;
      if (transA) {
        packAlong(A + <usize>pc * ldab + (<usize>i << 2), ldab, rows, kb, MR, dst);
      } else {
        packAcross(A + <usize>i * ldab + (<usize>pc << 2), ldab, rows, kb, MR, dst);
      }
      dst += panelA;
    }
    let bp = bPanels;
    for (let jr = 0; jr < nb; jr += NR) {
      const cols = min(NR, nb - jr);
      let ap = aPack;
      let c = C + <usize>ic * ldcb + (<usize>jr << 2);
      for (let ir = 0; ir < mb; ir += MR) {
        const rows = min(MR, mb - ir);
        if (rows == MR && cols == NR) {
          tile4x8(kb, ap, bp, c, ldcb, loadC);
        } else if (cols == NR) {
          for (let r = 0; r < rows; r++) rowTile(kb, ap + (<usize>r << 2), bp, c + <usize>r * ldcb, loadC);
        } else {
          edgeTile(kb, ap, bp, c, ldcb, loadC, rows, cols);
        }
        ap += panelA;
        c += ldcb << 2;
      }
      bp += panelB;
    }
  }
}

/** C = op(A)·op(B) + beta·C (beta 0 ignores C's old contents, NaN included); needs setWorkspace first. */
export function sgemm(
  transA: i32, transB: i32, M: i32, N: i32, K: i32,
  A: usize, lda: i32, B: usize, ldb: i32, C: usize, ldc: i32, beta: f32,
): void {
  const ldcb = <usize>ldc << 2;
  beta = prepareC(M, N, K, C, ldcb, beta);
  if (beta < 0) return;
  const ldab = <usize>lda << 2;
  const ldbb = <usize>ldb << 2;
  const bPack = workPtr + TILE_BYTES + <usize>(MC * KC * 4);
  const ncMax = ((workBytes - TILE_BYTES - MC * KC * 4) / (KC * 4)) & ~(NR - 1);
  for (let jc = 0; jc < N; jc += ncMax) {
    const nb = min(ncMax, N - jc);
    for (let pc = 0; pc < K; pc += KC) {
      const kb = min(KC, K - pc);
      packBSlice(transB, B, ldbb, pc, kb, jc, nb, bPack);
      multiplyPanels(transA, M, nb, kb, pc, A, ldab, bPack, C + (<usize>jc << 2), ldcb, pc > 0 || beta != 0);
    }
  }
}

/** Floats packB writes for a K×N op(B): every column padded to a multiple of the panel width. */
export function packedBFloats(K: i32, N: i32): i32 {
  return K * ((N + NR - 1) & ~(NR - 1));
}

/**
 * Packs op(B) (K×N) whole, in the panels sgemm packs on the fly: a matrix multiplied many times (a
 * recurrent kernel, once per time step) is packed once. dst holds packedBFloats(K, N) floats.
 */
export function packB(transB: i32, K: i32, N: i32, B: usize, ldb: i32, dst: usize): void {
  const ldbb = <usize>ldb << 2;
  const padded = <usize>((N + NR - 1) & ~(NR - 1));
  for (let pc = 0; pc < K; pc += KC) {
    packBSlice(transB, B, ldbb, pc, min(KC, K - pc), 0, N, dst + <usize>pc * padded * 4);
  }
}

/** C = op(A)·Bp + beta·C with Bp from packB(…, K, N, …): the same numbers as sgemm on the unpacked B. */
export function sgemmPacked(
  transA: i32, M: i32, N: i32, K: i32, A: usize, lda: i32, Bp: usize, C: usize, ldc: i32, beta: f32,
): void {
  const ldcb = <usize>ldc << 2;
  beta = prepareC(M, N, K, C, ldcb, beta);
  if (beta < 0) return;
  const padded = <usize>((N + NR - 1) & ~(NR - 1));
  for (let pc = 0; pc < K; pc += KC) {
    multiplyPanels(transA, M, N, min(KC, K - pc), pc, A, <usize>lda << 2, Bp + <usize>pc * padded * 4, C, ldcb, pc > 0 || beta != 0);
  }
}
