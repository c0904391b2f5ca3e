// Per-step elementwise work of the recurrent cells (forward and backward of LSTM, GRU and SimpleRNN),
// row sums, dense and row-wise Adam, embedding row gather and scatter-add, and the activation
// functions over arrays, compiled with gemm.ts into one WebAssembly module (kernels-*.wasm). The
// reference semantics, argument by argument, are the JS kernels in src/engine/kernels/wasmKernels.ts.
//
// Pointers are byte offsets into the imported memory; counts and leading dimensions are in floats.
// A cell kernel handles the B rows of one time step: units j < H are vectorised four at a time (the
// last 1–3 units with partial loads and stores), rows run in the outer loop with their mask (f32, 0 =
// padding: the state is carried). Gate blocks of a row are H floats apart: LSTM i,f,c̃,o; GRU z,r,h̃.
// `pre` (0 = none) receives the pre-activations (z + bias), for capture.
import { expV, loadN, madd, nmadd, sigmoidV, storeN, tanhV } from './simdMath';

// @ts-ignore: decorator
@inline function one(): v128 {
  return f32x4.splat(1.0);
}

// @ts-ignore: decorator
@inline function zero(): v128 {
  return f32x4.splat(0.0);
}

/** Four units (n lanes) of an LSTM forward step; pointers at unit j of gate i, `hb` bytes between gates. */
// @ts-ignore: decorator
@inline function lstmForwardLanes(z: usize, bias: usize, pre: usize, cPrev: usize, c: usize, hPrev: usize, h: usize, keep: bool, hb: usize, n: i32): void {
  const zi = f32x4.add(loadN(z, n), loadN(bias, n));
  const zf = f32x4.add(loadN(z + hb, n), loadN(bias + hb, n));
  const zc = f32x4.add(loadN(z + 2 * hb, n), loadN(bias + 2 * hb, n));
  const zo = f32x4.add(loadN(z + 3 * hb, n), loadN(bias + 3 * hb, n));
  if (pre) {
    storeN(pre, zi, n);
    storeN(pre + hb, zf, n);
    storeN(pre + 2 * hb, zc, n);
    storeN(pre + 3 * hb, zo, n);
  }
  const i = sigmoidV(zi);
  const f = sigmoidV(zf);
  const g = tanhV(zc);
  const o = sigmoidV(zo);
  storeN(z, i, n);
  storeN(z + hb, f, n);
  storeN(z + 2 * hb, g, n);
  storeN(z + 3 * hb, o, n);
  const cp = loadN(cPrev, n);
  if (keep) {
    const cn = madd(f, cp, f32x4.mul(i, g));
    storeN(c, cn, n);
    storeN(h, f32x4.mul(o, tanhV(cn)), n);
  } else {
    storeN(c, cp, n);
    storeN(h, loadN(hPrev, n), n);
  }
}

/**
 * LSTM forward step: z [B, 4H] holds x·W + h·U; adds the bias, writes i, f, c̃, o in place,
 * c = f⊙c_prev + i⊙c̃ [B, H], h = o⊙tanh(c) (rows ldh apart); masked rows carry c_prev, h_prev.
 */
export function lstmForward(
  B: i32, H: i32, z: usize, bias: usize, pre: usize, cPrev: usize, c: usize,
  hPrev: usize, ldPrev: i32, h: usize, ldh: i32, mask: usize,
): void {
  const hb = <usize>H << 2;
  const full = <usize>(H & ~3) << 2;
  const tail = H & 3;
  for (let b = 0; b < B; b++) {
    const keep = load<f32>(mask) != 0;
    let o: usize = 0;
    for (; o < full; o += 16) lstmForwardLanes(z + o, bias + o, pre ? pre + o : 0, cPrev + o, c + o, hPrev + o, h + o, keep, hb, 4);
    if (tail) lstmForwardLanes(z + o, bias + o, pre ? pre + o : 0, cPrev + o, c + o, hPrev + o, h + o, keep, hb, tail);
    z += hb << 2;
    if (pre) pre += hb << 2;
    cPrev += hb;
    c += hb;
    hPrev += <usize>ldPrev << 2;
    h += <usize>ldh << 2;
    mask += 4;
  }
}

/** Four units of an LSTM backward step. */
// @ts-ignore: decorator
@inline function lstmBackwardLanes(
  gates: usize, c: usize, cPrev: usize, dh: usize, dhCarry: usize, dcCarry: usize, dz: usize, dhNew: usize,
  keep: bool, hb: usize, n: i32,
): void {
  const d = f32x4.add(loadN(dh, n), loadN(dhCarry, n));
  if (!keep) {
    storeN(dz, zero(), n);
    storeN(dz + hb, zero(), n);
    storeN(dz + 2 * hb, zero(), n);
    storeN(dz + 3 * hb, zero(), n);
    storeN(dhNew, d, n);
    return;
  }
  const i = loadN(gates, n);
  const f = loadN(gates + hb, n);
  const g = loadN(gates + 2 * hb, n);
  const o = loadN(gates + 3 * hb, n);
  const tc = tanhV(loadN(c, n));
  const dc = madd(f32x4.mul(d, o), nmadd(tc, tc, one()), loadN(dcCarry, n));
  storeN(dz, f32x4.mul(f32x4.mul(dc, g), f32x4.mul(i, f32x4.sub(one(), i))), n);
  storeN(dz + hb, f32x4.mul(f32x4.mul(dc, loadN(cPrev, n)), f32x4.mul(f, f32x4.sub(one(), f))), n);
  storeN(dz + 2 * hb, f32x4.mul(f32x4.mul(dc, i), nmadd(g, g, one())), n);
  storeN(dz + 3 * hb, f32x4.mul(f32x4.mul(d, tc), f32x4.mul(o, f32x4.sub(one(), o))), n);
  storeN(dcCarry, f32x4.mul(dc, f), n);
  storeN(dhNew, zero(), n);
}

/**
 * LSTM backward step: with dh = dh_out (rows ldDh apart) + dhCarry, writes the pre-activation
 * gradients dz [B, 4H], updates dcCarry to dc⊙f and sets dhNew to 0 (masked rows: dz 0, dhNew = dh,
 * dcCarry kept). gates and c are this step's, cPrev the previous step's c (zeros at the start).
 */
export function lstmBackward(
  B: i32, H: i32, gates: usize, c: usize, cPrev: usize, dh: usize, ldDh: i32,
  dhCarry: usize, dcCarry: usize, dz: usize, dhNew: usize, mask: usize,
): void {
  const hb = <usize>H << 2;
  const full = <usize>(H & ~3) << 2;
  const tail = H & 3;
  for (let b = 0; b < B; b++) {
    const keep = load<f32>(mask) != 0;
    let o: usize = 0;
    for (; o < full; o += 16) lstmBackwardLanes(gates + o, c + o, cPrev + o, dh + o, dhCarry + o, dcCarry + o, dz + o, dhNew + o, keep, hb, 4);
    if (tail) lstmBackwardLanes(gates + o, c + o, cPrev + o, dh + o, dhCarry + o, dcCarry + o, dz + o, dhNew + o, keep, hb, tail);
    gates += hb << 2;
    dz += hb << 2;
    c += hb;
    cPrev += hb;
    dh += <usize>ldDh << 2;
    dhCarry += hb;
    dcCarry += hb;
    dhNew += hb;
    mask += 4;
  }
}

/** Four units of the GRU's update and reset gates. */
// @ts-ignore: decorator
@inline function gruGatesLanes(z: usize, bias: usize, pre: usize, hPrev: usize, rh: usize, hb: usize, n: i32): void {
  const zz = f32x4.add(loadN(z, n), loadN(bias, n));
  const zr = f32x4.add(loadN(z + hb, n), loadN(bias + hb, n));
  if (pre) {
    storeN(pre, zz, n);
    storeN(pre + hb, zr, n);
  }
  const r = sigmoidV(zr);
  storeN(z, sigmoidV(zz), n);
  storeN(z + hb, r, n);
  storeN(rh, f32x4.mul(r, loadN(hPrev, n)), n);
}

/** GRU forward, first half: z [B, 3H] gets σ of its z and r blocks (+ bias) in place, rh = r⊙h_prev [B, H]. */
export function gruForwardGates(B: i32, H: i32, z: usize, bias: usize, pre: usize, hPrev: usize, ldPrev: i32, rh: usize): void {
  const hb = <usize>H << 2;
  const full = <usize>(H & ~3) << 2;
  const tail = H & 3;
  for (let b = 0; b < B; b++) {
    let o: usize = 0;
    for (; o < full; o += 16) gruGatesLanes(z + o, bias + o, pre ? pre + o : 0, hPrev + o, rh + o, hb, 4);
    if (tail) gruGatesLanes(z + o, bias + o, pre ? pre + o : 0, hPrev + o, rh + o, hb, tail);
    z += hb * 3;
    if (pre) pre += hb * 3;
    hPrev += <usize>ldPrev << 2;
    rh += hb;
  }
}

/** Four units of the GRU's candidate and output. */
// @ts-ignore: decorator
@inline function gruOutputLanes(z: usize, bias: usize, pre: usize, hPrev: usize, h: usize, keep: bool, hb: usize, n: i32): void {
  const zh = f32x4.add(loadN(z + 2 * hb, n), loadN(bias + 2 * hb, n));
  if (pre) storeN(pre + 2 * hb, zh, n);
  const hh = tanhV(zh);
  storeN(z + 2 * hb, hh, n);
  const hp = loadN(hPrev, n);
  storeN(h, keep ? madd(loadN(z, n), f32x4.sub(hp, hh), hh) : hp, n);
}

/**
 * GRU forward, second half (after z's h̃ block got (r⊙h_prev)·U_h): h̃ = tanh(· + bias) in place,
 * h = z⊙h_prev + (1 − z)⊙h̃ (rows ldh apart); masked rows carry h_prev.
 */
export function gruForwardOutput(B: i32, H: i32, z: usize, bias: usize, pre: usize, hPrev: usize, ldPrev: i32, h: usize, ldh: i32, mask: usize): void {
  const hb = <usize>H << 2;
  const full = <usize>(H & ~3) << 2;
  const tail = H & 3;
  for (let b = 0; b < B; b++) {
    const keep = load<f32>(mask) != 0;
    let o: usize = 0;
    for (; o < full; o += 16) gruOutputLanes(z + o, bias + o, pre ? pre + o : 0, hPrev + o, h + o, keep, hb, 4);
    if (tail) gruOutputLanes(z + o, bias + o, pre ? pre + o : 0, hPrev + o, h + o, keep, hb, tail);
    z += hb * 3;
    if (pre) pre += hb * 3;
    hPrev += <usize>ldPrev << 2;
    h += <usize>ldh << 2;
    mask += 4;
  }
}

/** Four units of the GRU backward step's z and h̃ gradients. */
// @ts-ignore: decorator
@inline function gruBackwardGatesLanes(gates: usize, hPrev: usize, dh: usize, dhCarry: usize, dz: usize, dhNew: usize, keep: bool, hb: usize, n: i32): void {
  const d = f32x4.add(loadN(dh, n), loadN(dhCarry, n));
  if (!keep) {
    storeN(dz, zero(), n);
    storeN(dz + hb, zero(), n);
    storeN(dz + 2 * hb, zero(), n);
    storeN(dhNew, d, n);
    return;
  }
  const zg = loadN(gates, n);
  const hh = loadN(gates + 2 * hb, n);
  const oneMinusZ = f32x4.sub(one(), zg);
  storeN(dz, f32x4.mul(f32x4.mul(d, f32x4.sub(loadN(hPrev, n), hh)), f32x4.mul(zg, oneMinusZ)), n);
  storeN(dz + 2 * hb, f32x4.mul(f32x4.mul(d, oneMinusZ), nmadd(hh, hh, one())), n);
  storeN(dhNew, f32x4.mul(d, zg), n);
}

/**
 * GRU backward, first half: with dh = dh_out (rows ldDh apart) + dhCarry, writes dz's z and h̃ blocks
 * [B, 3H] and dhNew = dh⊙z (masked rows: all three blocks 0, dhNew = dh).
 */
export function gruBackwardGates(
  B: i32, H: i32, gates: usize, hPrev: usize, ldPrev: i32, dh: usize, ldDh: i32, dhCarry: usize, dz: usize, dhNew: usize, mask: usize,
): void {
  const hb = <usize>H << 2;
  const full = <usize>(H & ~3) << 2;
  const tail = H & 3;
  for (let b = 0; b < B; b++) {
    const keep = load<f32>(mask) != 0;
    let o: usize = 0;
    for (; o < full; o += 16) gruBackwardGatesLanes(gates + o, hPrev + o, dh + o, dhCarry + o, dz + o, dhNew + o, keep, hb, 4);
    if (tail) gruBackwardGatesLanes(gates + o, hPrev + o, dh + o, dhCarry + o, dz + o, dhNew + o, keep, hb, tail);
    gates += hb * 3;
    dz += hb * 3;
    hPrev += <usize>ldPrev << 2;
    dh += <usize>ldDh << 2;
    dhCarry += hb;
    dhNew += hb;
    mask += 4;
  }
}

/** Four units of the GRU backward step's reset-gate gradient. */
// @ts-ignore: decorator
@inline function gruBackwardResetLanes(gates: usize, hPrev: usize, dRh: usize, dz: usize, dhNew: usize, hb: usize, n: i32): void {
  const r = loadN(gates + hb, n);
  const g = loadN(dRh, n);
  storeN(dz + hb, f32x4.mul(f32x4.mul(g, loadN(hPrev, n)), f32x4.mul(r, f32x4.sub(one(), r))), n);
  storeN(dhNew, madd(g, r, loadN(dhNew, n)), n);
}

/**
 * GRU backward, second half: with dRh = d(r⊙h_prev) [B, H], writes dz's r block and adds dRh⊙r to
 * dhNew (masked rows: r block 0, dhNew kept).
 */
export function gruBackwardReset(B: i32, H: i32, gates: usize, hPrev: usize, ldPrev: i32, dRh: usize, dz: usize, dhNew: usize, mask: usize): void {
  const hb = <usize>H << 2;
  const full = <usize>(H & ~3) << 2;
  const tail = H & 3;
  for (let b = 0; b < B; b++) {
    if (load<f32>(mask) != 0) {
      let o: usize = 0;
      for (; o < full; o += 16) gruBackwardResetLanes(gates + o, hPrev + o, dRh + o, dz + o, dhNew + o, hb, 4);
      if (tail) gruBackwardResetLanes(gates + o, hPrev + o, dRh + o, dz + o, dhNew + o, hb, tail);
    } else {
      memory.fill(dz + hb, 0, hb);
    }
    gates += hb * 3;
    dz += hb * 3;
    hPrev += <usize>ldPrev << 2;
    dRh += hb;
    dhNew += hb;
    mask += 4;
  }
}

/** Four units of a SimpleRNN forward step. */
// @ts-ignore: decorator
@inline function simpleRnnForwardLanes(z: usize, bias: usize, pre: usize, hPrev: usize, h: usize, keep: bool, n: i32): void {
  const zz = f32x4.add(loadN(z, n), loadN(bias, n));
  if (pre) storeN(pre, zz, n);
  const hv = tanhV(zz);
  storeN(z, hv, n);
  storeN(h, keep ? hv : loadN(hPrev, n), n);
}

/** SimpleRNN forward step: z [B, H] becomes tanh(z + bias) in place and h (rows ldh apart); masked rows carry h_prev. */
export function simpleRnnForward(B: i32, H: i32, z: usize, bias: usize, pre: usize, hPrev: usize, ldPrev: i32, h: usize, ldh: i32, mask: usize): void {
  const hb = <usize>H << 2;
  const full = <usize>(H & ~3) << 2;
  const tail = H & 3;
  for (let b = 0; b < B; b++) {
    const keep = load<f32>(mask) != 0;
    let o: usize = 0;
    for (; o < full; o += 16) simpleRnnForwardLanes(z + o, bias + o, pre ? pre + o : 0, hPrev + o, h + o, keep, 4);
    if (tail) simpleRnnForwardLanes(z + o, bias + o, pre ? pre + o : 0, hPrev + o, h + o, keep, tail);
    z += hb;
    if (pre) pre += hb;
    hPrev += <usize>ldPrev << 2;
    h += <usize>ldh << 2;
    mask += 4;
  }
}

/** Four units of a SimpleRNN backward step. */
// @ts-ignore: decorator
@inline function simpleRnnBackwardLanes(gates: usize, dh: usize, dhCarry: usize, dz: usize, dhNew: usize, keep: bool, n: i32): void {
  const d = f32x4.add(loadN(dh, n), loadN(dhCarry, n));
  if (keep) {
    const hv = loadN(gates, n);
    storeN(dz, f32x4.mul(d, nmadd(hv, hv, one())), n);
    storeN(dhNew, zero(), n);
  } else {
    storeN(dz, zero(), n);
    storeN(dhNew, d, n);
  }
}

/** SimpleRNN backward step: dz = dh⊙(1 − h²) with dh = dh_out + dhCarry, dhNew = 0 (masked rows: dz 0, dhNew = dh). */
export function simpleRnnBackward(B: i32, H: i32, gates: usize, dh: usize, ldDh: i32, dhCarry: usize, dz: usize, dhNew: usize, mask: usize): void {
  const hb = <usize>H << 2;
  const full = <usize>(H & ~3) << 2;
  const tail = H & 3;
  for (let b = 0; b < B; b++) {
    const keep = load<f32>(mask) != 0;
    let o: usize = 0;
    for (; o < full; o += 16) simpleRnnBackwardLanes(gates + o, dh + o, dhCarry + o, dz + o, dhNew + o, keep, 4);
    if (tail) simpleRnnBackwardLanes(gates + o, dh + o, dhCarry + o, dz + o, dhNew + o, keep, tail);
    gates += hb;
    dz += hb;
    dh += <usize>ldDh << 2;
    dhCarry += hb;
    dhNew += hb;
    mask += 4;
  }
}

/** out[j] = Σ_r x[r·ld + j] for j < n, rows summed in order (sixteen columns per pass over the rows). */
export function sumRows(rows: i32, n: i32, x: usize, ld: i32, out: usize): void {
  const ldb = <usize>ld << 2;
  let j = 0;
  for (; j + 16 <= n; j += 16) {
    let p = x + (<usize>j << 2);
    let a0 = zero();
    let a1 = zero();
    let a2 = zero();
    let a3 = zero();
    for (let r = 0; r < rows; r++) {
      a0 = f32x4.add(a0, v128.load(p));
      a1 = f32x4.add(a1, v128.load(p, 16));
      a2 = f32x4.add(a2, v128.load(p, 32));
      a3 = f32x4.add(a3, v128.load(p, 48));
      p += ldb;
    }
    const q = out + (<usize>j << 2);
    v128.store(q, a0);
    v128.store(q, a1, 16);
    v128.store(q, a2, 32);
    v128.store(q, a3, 48);
  }
  for (; j < n; j += 4) {
    const lanes = min(4, n - j);
    let p = x + (<usize>j << 2);
    let a = zero();
    if (lanes == 4) {
      for (let r = 0; r < rows; r++) {
        a = f32x4.add(a, v128.load(p));
        p += ldb;
      }
    } else {
      for (let r = 0; r < rows; r++) {
        a = f32x4.add(a, loadN(p, lanes));
        p += ldb;
      }
    }
    storeN(out + (<usize>j << 2), a, lanes);
  }
}

/** Four parameters of an Adam step: param −= step, or with `delta` the gradient becomes −step (param unused). */
// @ts-ignore: decorator
@inline function adamLanes(
  param: usize, grad: usize, m: usize, v: usize, lr: v128, b1: v128, b2: v128, eps: v128, c1: v128, c2: v128, delta: bool, n: i32,
): void {
  const g = loadN(grad, n);
  const tiny = f32x4.splat(1e-30);
  let mi = madd(b1, loadN(m, n), f32x4.mul(f32x4.sub(one(), b1), g));
  let vi = madd(b2, loadN(v, n), f32x4.mul(f32x4.mul(f32x4.sub(one(), b2), g), g));
  mi = v128.andnot(mi, f32x4.lt(f32x4.abs(mi), tiny));
  vi = v128.andnot(vi, f32x4.lt(vi, tiny));
  storeN(m, mi, n);
  storeN(v, vi, n);
  const step = f32x4.div(f32x4.mul(lr, f32x4.div(mi, c1)), f32x4.add(f32x4.sqrt(f32x4.div(vi, c2)), eps));
  if (delta) {
    storeN(grad, f32x4.neg(step), n);
  } else {
    storeN(param, f32x4.sub(loadN(param, n), step), n);
  }
}

/**
 * One Adam step (tf.train.adam's update) on n parameters: m = β₁m + (1−β₁)g, v = β₂v + (1−β₂)g²
 * (|m|, v below 1e-30 flushed to 0), param −= lr·(m/c1)/(√(v/c2) + ε) with c1 = 1−β₁ᵗ, c2 = 1−β₂ᵗ.
 */
export function adam(n: i32, param: usize, grad: usize, m: usize, v: usize, lr: f32, beta1: f32, beta2: f32, epsilon: f32, c1: f32, c2: f32): void {
  const lrV = f32x4.splat(lr);
  const b1 = f32x4.splat(beta1);
  const b2 = f32x4.splat(beta2);
  const eps = f32x4.splat(epsilon);
  const c1V = f32x4.splat(c1);
  const c2V = f32x4.splat(c2);
  const full = <usize>(n & ~3) << 2;
  let o: usize = 0;
  for (; o < full; o += 16) adamLanes(param + o, grad + o, m + o, v + o, lrV, b1, b2, eps, c1V, c2V, false, 4);
  if (n & 3) adamLanes(param + o, grad + o, m + o, v + o, lrV, b1, b2, eps, c1V, c2V, false, n & 3);
}

/**
 * Adam (as `adam`) for the parameter rows named by ids (f32-coded row numbers), i < n: updates the
 * moment rows m, v at those rows from gradient row i of grad, and turns that gradient row into the
 * parameter's change −lr·(m/c1)/(√(v/c2) + ε), for the caller to add to its table. Rows of E floats.
 */
export function adamRows(
  n: i32, E: i32, ids: usize, grad: usize, m: usize, v: usize,
  lr: f32, beta1: f32, beta2: f32, epsilon: f32, c1: f32, c2: f32,
): void {
  const lrV = f32x4.splat(lr);
  const b1 = f32x4.splat(beta1);
  const b2 = f32x4.splat(beta2);
  const eps = f32x4.splat(epsilon);
  const c1V = f32x4.splat(c1);
  const c2V = f32x4.splat(c2);
  const eb = <usize>E << 2;
  const full = <usize>(E & ~3) << 2;
  for (let i = 0; i < n; i++) {
    const row = <usize>load<f32>(ids + (<usize>i << 2)) * eb;
    const g = grad + <usize>i * eb;
    let o: usize = 0;
    for (; o < full; o += 16) adamLanes(0, g + o, m + row + o, v + row + o, lrV, b1, b2, eps, c1V, c2V, true, 4);
    if (E & 3) adamLanes(0, g + o, m + row + o, v + row + o, lrV, b1, b2, eps, c1V, c2V, true, E & 3);
  }
}

/** out row r = table row ids[r] (f32-coded row numbers), for r < n; rows of E floats. */
export function gatherRows(n: i32, E: i32, table: usize, ids: usize, out: usize): void {
  const eb = <usize>E << 2;
  const full = <usize>(E & ~3) << 2;
  for (let r = 0; r < n; r++) {
    const src = table + <usize>load<f32>(ids + (<usize>r << 2)) * eb;
    let o: usize = 0;
    for (; o < full; o += 16) v128.store(out + o, v128.load(src + o));
    for (; o < eb; o += 4) store<f32>(out + o, load<f32>(src + o));
    out += eb;
  }
}

/** out row index[r] += x row r for r < n whose index (f32-coded) is not negative, r in order; rows of E floats. */
export function scatterAddRows(n: i32, E: i32, x: usize, index: usize, out: usize): void {
  const eb = <usize>E << 2;
  const full = <usize>(E & ~3) << 2;
  for (let r = 0; r < n; r++) {
    const k = load<f32>(index + (<usize>r << 2));
    if (k >= 0) {
      const dst = out + <usize>k * eb;
      let o: usize = 0;
      for (; o < full; o += 16) v128.store(dst + o, f32x4.add(v128.load(dst + o), v128.load(x + o)));
      for (; o < eb; o += 4) store<f32>(dst + o, load<f32>(dst + o) + load<f32>(x + o));
    }
    x += eb;
  }
}

/** y = f(x) on n floats (f: 0 exp, 1 sigmoid, 2 tanh; as the cell kernels compute them); y may be x. */
export function activate(f: i32, n: i32, x: usize, y: usize): void {
  const full = <usize>(n & ~3) << 2;
  const tail = n & 3;
  let o: usize = 0;
  if (f == 0) {
    for (; o < full; o += 16) v128.store(y + o, expV(v128.load(x + o)));
    if (tail) storeN(y + o, expV(loadN(x + o, tail)), tail);
  } else if (f == 1) {
    for (; o < full; o += 16) v128.store(y + o, sigmoidV(v128.load(x + o)));
    if (tail) storeN(y + o, sigmoidV(loadN(x + o, tail)), tail);
  } else {
    for (; o < full; o += 16) v128.store(y + o, tanhV(v128.load(x + o)));
    if (tail) storeN(y + o, tanhV(loadN(x + o, tail)), tail);
  }
}
