// Vector math for the WebAssembly kernels: fused multiply-add, exp, the logistic sigmoid and tanh on
// f32x4, and loads/stores of the first n lanes for row tails. Inlined into the kernels that
// use them (gemm.ts, elementwise.ts).
//
// exp(x) = 2ⁿ·e^r with n = round(x/ln 2) and r = x − n·ln 2 (|r| ≤ ln2/2, n·ln 2 split into a 16-bit
// head and a tail so the head product is exact without FMA); e^r − 1 is its Taylor polynomial to r⁷
// (truncation below 1e-8). n is rounded by adding 1.5·2²³, whose low mantissa bits then hold n, so
// 2ⁿ is that float's bits shifted into the exponent field: no float↔int conversion. Inputs are
// clamped so neither overflow nor subnormal results occur (WebAssembly cannot flush subnormals, and
// they are slow). Measured errors: see test/unit/elementwise.test.ts.

/** 1/ln 2. */
const LOG2E: f32 = 1.44269504;
/** 1.5·2²³: adding it rounds a float below 2²² to an integer held in the low mantissa bits. */
const ROUNDER: f32 = 12582912.0;
/** ln 2 rounded to 16 significant bits (45426/65536): n·LN2_HEAD is exact for |n| < 256. */
const LN2_HEAD: f32 = 0.693145751953125;
/** ln 2 − LN2_HEAD. */
const LN2_TAIL: f32 = 1.42860677e-6;
/** The bits of 1.0f (the exponent bias in place). */
const ONE_BITS: i32 = 0x3f800000;
/** exp's input range: e⁸⁸ < 2¹²⁸ and e⁻⁸⁷ > 2⁻¹²⁶ (the smallest normal float). */
const EXP_LO: f32 = -87.0;
const EXP_HI: f32 = 88.0;
/** The sigmoid's exp input range (σ(−80) ≈ 1.8e-35 is still normal; the JS kernels clamp the same). */
const SIGMOID_LIMIT: f32 = 80.0;
/** tanh's |x| limit: tanh(9) rounds to 1 in f32, and e⁻¹⁸ is far from subnormal. */
const TANH_LIMIT: f32 = 9.0;
/** Where tanh switches formula: ln(3)/2, where e^(−2|x|) = 1/3. */
const TANH_SWITCH: f32 = 0.549306144;

/** a·b + c: fused in the relaxed build, multiply then add in the plain one. */
// @ts-ignore: TypeScript rejects decorators on functions; AssemblyScript reads them.
@inline export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) {
    return f32x4.relaxed_madd(a, b, c);
  } else {
    return f32x4.add(f32x4.mul(a, b), c);
  }
}

/** c − a·b: fused in the relaxed build, multiply then subtract in the plain one. */
// @ts-ignore: decorator
@inline export function nmadd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) {
    return f32x4.relaxed_nmadd(a, b, c);
  } else {
    return f32x4.sub(c, f32x4.mul(a, b));
  }
}

/** max(x, lo) then min(·, hi), NaN passing through (pmax/pmin: one instruction each on x86). */
// @ts-ignore: decorator
@inline export function clamp(x: v128, lo: f32, hi: f32): v128 {
  return f32x4.pmin(f32x4.pmax(x, f32x4.splat(lo)), f32x4.splat(hi));
}

/** e^r − 1 for |r| ≤ ln2/2 (Taylor to r⁷; relative error below 1e-8 before rounding). */
// @ts-ignore: decorator
@inline function expm1Reduced(r: v128): v128 {
  let q = madd(f32x4.splat(1.0 / 5040.0), r, f32x4.splat(1.0 / 720.0));
  q = madd(q, r, f32x4.splat(1.0 / 120.0));
  q = madd(q, r, f32x4.splat(1.0 / 24.0));
  q = madd(q, r, f32x4.splat(1.0 / 6.0));
  q = madd(q, r, f32x4.splat(0.5));
  return madd(q, f32x4.mul(r, r), r);
}

// e^x = 2ⁿ·(1 + p) in three steps that share work: rounded(x) holds n, twoPow gives 2ⁿ from it and
// expm1Frac gives p = e^r − 1; then e^x = 2ⁿ + 2ⁿ·p and e^x − 1 = 2ⁿ·p + (2ⁿ − 1).

/** x/ln 2 + 1.5·2²³: n = round(x/ln 2) sits in the low mantissa bits (x within [−87, 88]). */
// @ts-ignore: decorator
@inline function rounded(x: v128): v128 {
  return madd(x, f32x4.splat(LOG2E), f32x4.splat(ROUNDER));
}

/** 2ⁿ from rounded(x): n's bits shifted into the exponent field, plus the bias. */
// @ts-ignore: decorator
@inline function twoPow(t: v128): v128 {
  return i32x4.add(i32x4.shl(t, 23), i32x4.splat(ONE_BITS));
}

/** e^r − 1 for r = x − n·ln 2 (t = rounded(x)). */
// @ts-ignore: decorator
@inline function expm1Frac(x: v128, t: v128): v128 {
  const n = f32x4.sub(t, f32x4.splat(ROUNDER));
  const r = nmadd(n, f32x4.splat(LN2_TAIL), nmadd(n, f32x4.splat(LN2_HEAD), x));
  return expm1Reduced(r);
}

/** e^x for x already within [−87, 88]. */
// @ts-ignore: decorator
@inline function expWithin(x: v128): v128 {
  const t = rounded(x);
  const scale = twoPow(t);
  return madd(scale, expm1Frac(x, t), scale);
}

/** e^x, x clamped to [−87, 88] (so the result is a normal float). */
// @ts-ignore: decorator
@inline export function expV(x: v128): v128 {
  return expWithin(clamp(x, EXP_LO, EXP_HI));
}

/** The logistic sigmoid 1/(1 + e^−x), the exp input clamped to ±80. */
// @ts-ignore: decorator
@inline export function sigmoidV(x: v128): v128 {
  return f32x4.div(f32x4.splat(1.0), f32x4.add(f32x4.splat(1.0), expWithin(clamp(f32x4.neg(x), -SIGMOID_LIMIT, SIGMOID_LIMIT))));
}

/**
 * tanh x with e = e^(−2|x|) (|x| clamped to 9): below |x| = ln(3)/2, (−m)/(2 + m) with m = e − 1
 * from expm1 (accurate near 0); above, 1 − 2e/(1 + e) (only the final subtraction rounds at the
 * scale of 1). The sign of x is put back last.
 */
// @ts-ignore: decorator
@inline export function tanhV(x: v128): v128 {
  const ax = f32x4.abs(x);
  const a = f32x4.pmax(f32x4.mul(ax, f32x4.splat(-2.0)), f32x4.splat(-2.0 * TANH_LIMIT));
  const t = rounded(a);
  const scale = twoPow(t);
  const p = expm1Frac(a, t);
  const e = madd(scale, p, scale);
  const m = madd(scale, p, f32x4.sub(scale, f32x4.splat(1.0)));
  const large = f32x4.ge(ax, f32x4.splat(TANH_SWITCH));
  const num = v128.bitselect(f32x4.add(e, e), f32x4.neg(m), large);
  const den = v128.bitselect(f32x4.add(e, f32x4.splat(1.0)), f32x4.add(m, f32x4.splat(2.0)), large);
  const q = f32x4.div(num, den);
  const y = v128.bitselect(f32x4.sub(f32x4.splat(1.0), q), q, large);
  return v128.or(y, v128.and(x, i32x4.splat(0x80000000)));
}

/** The first n (1..4) floats at p; lanes beyond are 0. */
// @ts-ignore: decorator
@inline export function loadN(p: usize, n: i32): v128 {
  if (n == 4) return v128.load(p);
  let v = v128.load32_lane(p, f32x4.splat(0), 0);
  if (n > 1) v = v128.load32_lane(p, v, 1, 4);
  if (n > 2) v = v128.load32_lane(p, v, 2, 8);
  return v;
}

/** Stores the first n (1..4) lanes of v at p. */
// @ts-ignore: decorator
@inline export function storeN(p: usize, v: v128, n: i32): void {
  if (n == 4) {
    v128.store(p, v);
    return;
  }
  v128.store32_lane(p, v, 0);
  if (n > 1) v128.store32_lane(p, v, 1, 4);
  if (n > 2) v128.store32_lane(p, v, 2, 8);
}
