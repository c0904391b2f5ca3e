// The WGSL of the GPU network (gpuNet.ts), one entry point per kernel, f32 only (what compatibility mode
// offers). Each reads its parameters from `p` (binding 0, a 256-byte slot) and its buffers at bindings 1…n
// in the order gpuNet.ts binds them. The numerics follow the CPU kernels (src/core/kernels/jsKernels.ts):
// the sigmoid's exp input clamped to ±80, tanh from e^(−2|x|) with |x| ≤ 9, Adam's moments below 1e-30
// flushed to zero; rows are time-major (t·B + b); `prev` is the previous step's first row + 1 (0: none,
// h_{−1} = c_{−1} = 0).

/** Threads per workgroup along x for the per-unit kernels (y runs over the batch's rows). */
export const UNIT_GROUP = 64;
/** Threads per workgroup of the 1-D kernels. */
export const FLAT_GROUP = 256;

const MATH = /* wgsl */ `
fn sigm(x: f32) -> f32 { return 1.0 / (1.0 + exp(-clamp(x, -80.0, 80.0))); }
fn tanh9(x: f32) -> f32 { let t = exp(-2.0 * min(abs(x), 9.0)); return sign(x) * (1.0 - t) / (1.0 + t); }
`;

/** Parameters shared by the recurrence kernels: the step and where the direction's h columns are. */
const STEP_PARAMS = /* wgsl */ `
struct P {
  B: u32, H: u32, row: u32, prev: u32,
  width: u32, col: u32, uOff: u32, bOff: u32,
  keepPre: u32, G: u32, c0: u32, n: u32,
  accumulate: u32,
}
@group(0) @binding(0) var<uniform> p: P;
`;

const UNIT_MAIN = `@compute @workgroup_size(${UNIT_GROUP})`;

/**
 * Rows of the batch one thread of the tiled kernels computes (its y index × ROW_TILE …). Rows past the batch
 * read row B − 1 (valid memory, results dropped) so the inner loops need no test.
 */
export const ROWS_PER_THREAD = 4;
const ROW_TILE = /* wgsl */ `
const ROWS = ${ROWS_PER_THREAD}u;
fn rowOf(b0: u32, r: u32) -> u32 { return min(b0 + r, p.B - 1u); }
`;
const FLAT_MAIN = `@compute @workgroup_size(${FLAT_GROUP})`;

/**
 * LSTM forward step: z += h_{t−1}·U, + bias; i, f, c̃, o; c and h (masked rows carry c_{t−1}, h_{t−1}). A thread
 * computes unit j for ROWS rows of the batch, so each U value it reads serves all of them.
 */
export const LSTM_FORWARD = /* wgsl */ `${MATH}${STEP_PARAMS}${ROW_TILE}
@group(0) @binding(1) var<storage, read> w: array<f32>;
@group(0) @binding(2) var<storage, read> mask: array<f32>;
@group(0) @binding(3) var<storage, read_write> z: array<f32>;
@group(0) @binding(4) var<storage, read_write> pre: array<f32>;
@group(0) @binding(5) var<storage, read_write> h: array<f32>;
@group(0) @binding(6) var<storage, read_write> c: array<f32>;
${UNIT_MAIN} fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let j = id.x; let b0 = id.y * ROWS; let H = p.H;
  if (j >= H || b0 >= p.B) { return; }
  let G = 4u * H;
  var acc: array<vec4<f32>, ROWS>;
  for (var r = 0u; r < ROWS; r++) {
    let zr = (p.row + rowOf(b0, r)) * G;
    acc[r] = vec4<f32>(z[zr + j], z[zr + H + j], z[zr + 2u * H + j], z[zr + 3u * H + j]);
  }
  if (p.prev > 0u) {
    for (var k = 0u; k < H; k++) {
      let u = p.uOff + k * G + j;
      let uk = vec4<f32>(w[u], w[u + H], w[u + 2u * H], w[u + 3u * H]);
      for (var r = 0u; r < ROWS; r++) { acc[r] += h[(p.prev - 1u + rowOf(b0, r)) * p.width + p.col + k] * uk; }
    }
  }
  let bias = vec4<f32>(w[p.bOff + j], w[p.bOff + H + j], w[p.bOff + 2u * H + j], w[p.bOff + 3u * H + j]);
  for (var r = 0u; r < ROWS; r++) {
    let b = b0 + r;
    if (b >= p.B) { break; }
    let a = acc[r] + bias;
    let zr = (p.row + b) * G;
    if (p.keepPre != 0u) { pre[zr + j] = a.x; pre[zr + H + j] = a.y; pre[zr + 2u * H + j] = a.z; pre[zr + 3u * H + j] = a.w; }
    let i = sigm(a.x); let f = sigm(a.y); let g = tanh9(a.z); let o = sigm(a.w);
    z[zr + j] = i; z[zr + H + j] = f; z[zr + 2u * H + j] = g; z[zr + 3u * H + j] = o;
    var hPrev = 0.0; var cPrev = 0.0;
    if (p.prev > 0u) { hPrev = h[(p.prev - 1u + b) * p.width + p.col + j]; cPrev = c[(p.prev - 1u + b) * H + j]; }
    let out = (p.row + b) * p.width + p.col + j;
    if (mask[p.row + b] != 0.0) {
      let cv = f * cPrev + i * g;
      c[(p.row + b) * H + j] = cv;
      h[out] = o * tanh9(cv);
    } else {
      c[(p.row + b) * H + j] = cPrev;
      h[out] = hPrev;
    }
  }
}`;

/** GRU forward, first half: z and r (+ h_{t−1}·U's z|r columns, + bias), rh = r ⊙ h_{t−1}. */
export const GRU_FORWARD_GATES = /* wgsl */ `${MATH}${STEP_PARAMS}
@group(0) @binding(1) var<storage, read> w: array<f32>;
@group(0) @binding(2) var<storage, read> h: array<f32>;
@group(0) @binding(3) var<storage, read_write> z: array<f32>;
@group(0) @binding(4) var<storage, read_write> pre: array<f32>;
@group(0) @binding(5) var<storage, read_write> rh: array<f32>;
${UNIT_MAIN} fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let j = id.x; let b = id.y; let H = p.H;
  if (j >= H || b >= p.B) { return; }
  let G = 3u * H;
  let zr = (p.row + b) * G;
  var az = z[zr + j]; var ar = z[zr + H + j];
  var hPrev = 0.0;
  if (p.prev > 0u) {
    let hp = (p.prev - 1u + b) * p.width + p.col;
    for (var k = 0u; k < H; k++) {
      let hk = h[hp + k];
      let u = p.uOff + k * G + j;
      az += hk * w[u]; ar += hk * w[u + H];
    }
    hPrev = h[hp + j];
  }
  az += w[p.bOff + j]; ar += w[p.bOff + H + j];
  if (p.keepPre != 0u) { pre[zr + j] = az; pre[zr + H + j] = ar; }
  let r = sigm(ar);
  z[zr + j] = sigm(az); z[zr + H + j] = r;
  rh[(p.row + b) * H + j] = r * hPrev;
}`;

/** GRU forward, second half: h̃ = tanh(x·W + rh·U's candidate columns + bias), h = z⊙h_{t−1} + (1 − z)⊙h̃. */
export const GRU_FORWARD_OUTPUT = /* wgsl */ `${MATH}${STEP_PARAMS}
@group(0) @binding(1) var<storage, read> w: array<f32>;
@group(0) @binding(2) var<storage, read> mask: array<f32>;
@group(0) @binding(3) var<storage, read> rh: array<f32>;
@group(0) @binding(4) var<storage, read_write> z: array<f32>;
@group(0) @binding(5) var<storage, read_write> pre: array<f32>;
@group(0) @binding(6) var<storage, read_write> h: array<f32>;
${UNIT_MAIN} fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let j = id.x; let b = id.y; let H = p.H;
  if (j >= H || b >= p.B) { return; }
  let G = 3u * H;
  let zr = (p.row + b) * G;
  var a = z[zr + 2u * H + j];
  var hPrev = 0.0;
  if (p.prev > 0u) {
    let rr = (p.row + b) * H;
    for (var k = 0u; k < H; k++) { a += rh[rr + k] * w[p.uOff + k * G + 2u * H + j]; }
    hPrev = h[(p.prev - 1u + b) * p.width + p.col + j];
  }
  a += w[p.bOff + 2u * H + j];
  if (p.keepPre != 0u) { pre[zr + 2u * H + j] = a; }
  let hh = tanh9(a);
  z[zr + 2u * H + j] = hh;
  let zg = z[zr + j];
  let out = (p.row + b) * p.width + p.col + j;
  if (mask[p.row + b] != 0.0) { h[out] = zg * hPrev + (1.0 - zg) * hh; } else { h[out] = hPrev; }
}`;

/** SimpleRNN forward step: h = tanh(x·W + h_{t−1}·U + b). */
export const SIMPLE_FORWARD = /* wgsl */ `${MATH}${STEP_PARAMS}
@group(0) @binding(1) var<storage, read> w: array<f32>;
@group(0) @binding(2) var<storage, read> mask: array<f32>;
@group(0) @binding(3) var<storage, read_write> z: array<f32>;
@group(0) @binding(4) var<storage, read_write> pre: array<f32>;
@group(0) @binding(5) var<storage, read_write> h: array<f32>;
${UNIT_MAIN} fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let j = id.x; let b = id.y; let H = p.H;
  if (j >= H || b >= p.B) { return; }
  let zr = (p.row + b) * H;
  var a = z[zr + j];
  var hPrev = 0.0;
  if (p.prev > 0u) {
    let hp = (p.prev - 1u + b) * p.width + p.col;
    for (var k = 0u; k < H; k++) { a += h[hp + k] * w[p.uOff + k * H + j]; }
    hPrev = h[hp + j];
  }
  a += w[p.bOff + j];
  if (p.keepPre != 0u) { pre[zr + j] = a; }
  let hv = tanh9(a);
  z[zr + j] = hv;
  let out = (p.row + b) * p.width + p.col + j;
  if (mask[p.row + b] != 0.0) { h[out] = hv; } else { h[out] = hPrev; }
}`;

/** Backward steps read dh from the layer above (rows `width` apart, the direction's columns) plus the carried dh. */
const BACKWARD_DH = /* wgsl */ `
fn dhAt(b: u32, j: u32) -> f32 { return dOut[(p.row + b) * p.width + p.col + j] + carry[b * p.H + j]; }
`;

/** LSTM backward step: dz, dc carried, dhNew = 0 (masked rows: dz 0, dhNew = dh, dc kept). */
export const LSTM_BACKWARD = /* wgsl */ `${MATH}${STEP_PARAMS}
@group(0) @binding(1) var<storage, read> gates: array<f32>;
@group(0) @binding(2) var<storage, read> mask: array<f32>;
@group(0) @binding(3) var<storage, read> c: array<f32>;
@group(0) @binding(4) var<storage, read> dOut: array<f32>;
@group(0) @binding(5) var<storage, read> carry: array<f32>;
@group(0) @binding(6) var<storage, read_write> dc: array<f32>;
@group(0) @binding(7) var<storage, read_write> dz: array<f32>;
@group(0) @binding(8) var<storage, read_write> dhNew: array<f32>;
${BACKWARD_DH}
${UNIT_MAIN} fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let j = id.x; let b = id.y; let H = p.H;
  if (j >= H || b >= p.B) { return; }
  let G = 4u * H;
  let zr = (p.row + b) * G;
  let u = b * H + j;
  let d = dhAt(b, j);
  if (mask[p.row + b] == 0.0) {
    dz[zr + j] = 0.0; dz[zr + H + j] = 0.0; dz[zr + 2u * H + j] = 0.0; dz[zr + 3u * H + j] = 0.0;
    dhNew[u] = d;
    return;
  }
  let i = gates[zr + j]; let f = gates[zr + H + j]; let g = gates[zr + 2u * H + j]; let o = gates[zr + 3u * H + j];
  let tc = tanh9(c[(p.row + b) * H + j]);
  var cPrev = 0.0;
  if (p.prev > 0u) { cPrev = c[(p.prev - 1u + b) * H + j]; }
  let dcv = dc[u] + d * o * (1.0 - tc * tc);
  dz[zr + j] = dcv * g * i * (1.0 - i);
  dz[zr + H + j] = dcv * cPrev * f * (1.0 - f);
  dz[zr + 2u * H + j] = dcv * i * (1.0 - g * g);
  dz[zr + 3u * H + j] = d * tc * o * (1.0 - o);
  dc[u] = dcv * f;
  dhNew[u] = 0.0;
}`;

/** GRU backward, first half: dz's z and h̃ blocks, dhNew = dh ⊙ z (masked rows: dz 0, dhNew = dh). */
export const GRU_BACKWARD_GATES = /* wgsl */ `${MATH}${STEP_PARAMS}
@group(0) @binding(1) var<storage, read> gates: array<f32>;
@group(0) @binding(2) var<storage, read> mask: array<f32>;
@group(0) @binding(3) var<storage, read> h: array<f32>;
@group(0) @binding(4) var<storage, read> dOut: array<f32>;
@group(0) @binding(5) var<storage, read> carry: array<f32>;
@group(0) @binding(6) var<storage, read_write> dz: array<f32>;
@group(0) @binding(7) var<storage, read_write> dhNew: array<f32>;
${BACKWARD_DH}
${UNIT_MAIN} fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let j = id.x; let b = id.y; let H = p.H;
  if (j >= H || b >= p.B) { return; }
  let G = 3u * H;
  let zr = (p.row + b) * G;
  let u = b * H + j;
  let d = dhAt(b, j);
  if (mask[p.row + b] == 0.0) {
    dz[zr + j] = 0.0; dz[zr + H + j] = 0.0; dz[zr + 2u * H + j] = 0.0;
    dhNew[u] = d;
    return;
  }
  var hPrev = 0.0;
  if (p.prev > 0u) { hPrev = h[(p.prev - 1u + b) * p.width + p.col + j]; }
  let zg = gates[zr + j]; let hh = gates[zr + 2u * H + j];
  dz[zr + j] = d * (hPrev - hh) * zg * (1.0 - zg);
  dz[zr + 2u * H + j] = d * (1.0 - zg) * (1.0 - hh * hh);
  dhNew[u] = d * zg;
}`;

/** GRU backward, second half: dz's r block from dRh = d(r ⊙ h_{t−1}), dhNew += dRh ⊙ r (masked rows: r block 0). */
export const GRU_BACKWARD_RESET = /* wgsl */ `${STEP_PARAMS}
@group(0) @binding(1) var<storage, read> gates: array<f32>;
@group(0) @binding(2) var<storage, read> mask: array<f32>;
@group(0) @binding(3) var<storage, read> h: array<f32>;
@group(0) @binding(4) var<storage, read> dRh: array<f32>;
@group(0) @binding(5) var<storage, read_write> dz: array<f32>;
@group(0) @binding(6) var<storage, read_write> dhNew: array<f32>;
${UNIT_MAIN} fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let j = id.x; let b = id.y; let H = p.H;
  if (j >= H || b >= p.B) { return; }
  let G = 3u * H;
  let zr = (p.row + b) * G;
  if (mask[p.row + b] == 0.0) { dz[zr + H + j] = 0.0; return; }
  var hPrev = 0.0;
  if (p.prev > 0u) { hPrev = h[(p.prev - 1u + b) * p.width + p.col + j]; }
  let r = gates[zr + H + j];
  let g = dRh[b * H + j];
  dz[zr + H + j] = g * hPrev * r * (1.0 - r);
  dhNew[b * H + j] += g * r;
}`;

/** SimpleRNN backward step: dz = dh ⊙ (1 − h²), dhNew = 0 (masked rows: dz 0, dhNew = dh). */
export const SIMPLE_BACKWARD = /* wgsl */ `${STEP_PARAMS}
@group(0) @binding(1) var<storage, read> gates: array<f32>;
@group(0) @binding(2) var<storage, read> mask: array<f32>;
@group(0) @binding(3) var<storage, read> dOut: array<f32>;
@group(0) @binding(4) var<storage, read> carry: array<f32>;
@group(0) @binding(5) var<storage, read_write> dz: array<f32>;
@group(0) @binding(6) var<storage, read_write> dhNew: array<f32>;
${BACKWARD_DH}
${UNIT_MAIN} fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let j = id.x; let b = id.y; let H = p.H;
  if (j >= H || b >= p.B) { return; }
  let zr = (p.row + b) * H;
  let u = b * H + j;
  let d = dhAt(b, j);
  if (mask[p.row + b] == 0.0) { dz[zr + j] = 0.0; dhNew[u] = d; return; }
  let hv = gates[zr + j];
  dz[zr + j] = d * (1.0 - hv * hv);
  dhNew[u] = 0.0;
}`;

/** out[b, i] (+)= Σ_{c < n} dz[(row + b)·G + c0 + c] · U[i, c0 + c]: the step's dz·Uᵀ over a block of U's columns, ROWS rows a thread. */
export const DZ_TIMES_UT = /* wgsl */ `${STEP_PARAMS}${ROW_TILE}
@group(0) @binding(1) var<storage, read> w: array<f32>;
@group(0) @binding(2) var<storage, read> dz: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
${UNIT_MAIN} fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let i = id.x; let b0 = id.y * ROWS;
  if (i >= p.H || b0 >= p.B) { return; }
  let ur = p.uOff + i * p.G + p.c0;
  var s: array<f32, ROWS>;
  for (var c = 0u; c < p.n; c++) {
    let u = w[ur + c];
    for (var r = 0u; r < ROWS; r++) { s[r] += dz[(p.row + rowOf(b0, r)) * p.G + p.c0 + c] * u; }
  }
  for (var r = 0u; r < ROWS; r++) {
    let b = b0 + r;
    if (b >= p.B) { break; }
    if (p.accumulate != 0u) { out[b * p.H + i] += s[r]; } else { out[b * p.H + i] = s[r]; }
  }
}`;

/** The embedding rows of the batch: x[r, e] = table[ids[r], e]. */
export const GATHER = /* wgsl */ `
struct P { n: u32, E: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> table: array<f32>;
@group(0) @binding(2) var<storage, read> ids: array<u32>;
@group(0) @binding(3) var<storage, read_write> x: array<f32>;
${FLAT_MAIN} fn main(@builtin(global_invocation_id) id: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = id.x + id.y * groups.x * ${FLAT_GROUP}u;
  if (i >= p.n * p.E) { return; }
  let r = i / p.E;
  x[i] = table[ids[r] * p.E + i % p.E];
}`;

/**
 * The classifier head, one thread per row: the final state (forward direction at the last step, backward at
 * the first), logits = finalH·Wd + bd, softmax; when training, the row's loss (probabilities clipped to
 * [1e-7, 1 − 1e-7]), whether it is right, and dL/dlogits over `meanOver` rows (0 where clipped, as tfjs).
 */
export const HEAD = /* wgsl */ `
struct P { B: u32, C: u32, DH: u32, H: u32, T: u32, D: u32, wOff: u32, bOff: u32, training: u32, meanOver: f32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> w: array<f32>;
@group(0) @binding(2) var<storage, read> top: array<f32>;
@group(0) @binding(3) var<storage, read> labels: array<u32>;
@group(0) @binding(4) var<storage, read_write> finalH: array<f32>;
@group(0) @binding(5) var<storage, read_write> probs: array<f32>;
@group(0) @binding(6) var<storage, read_write> dLogits: array<f32>;
@group(0) @binding(7) var<storage, read_write> stats: array<f32>;
${FLAT_MAIN} fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let b = id.x;
  if (b >= p.B) { return; }
  for (var j = 0u; j < p.DH; j++) {
    var v: f32;
    if (j < p.H) { v = top[((p.T - 1u) * p.B + b) * p.DH + j]; } else { v = top[b * p.DH + j]; }
    finalH[b * p.DH + j] = v;
  }
  var mx = -3.4e38;
  for (var c = 0u; c < p.C; c++) {
    var s = 0.0;
    for (var j = 0u; j < p.DH; j++) { s += finalH[b * p.DH + j] * w[p.wOff + j * p.C + c]; }
    s += w[p.bOff + c];
    probs[b * p.C + c] = s;
    mx = max(mx, s);
  }
  var sum = 0.0;
  for (var c = 0u; c < p.C; c++) { let e = exp(probs[b * p.C + c] - mx); probs[b * p.C + c] = e; sum += e; }
  var best = 0u;
  for (var c = 0u; c < p.C; c++) {
    probs[b * p.C + c] = probs[b * p.C + c] / sum;
    if (probs[b * p.C + c] > probs[b * p.C + best]) { best = c; }
  }
  if (p.training == 0u) { return; }
  let y = labels[b];
  let py = probs[b * p.C + y];
  let eps = 1e-7;
  stats[b] = -log(clamp(py, eps, 1.0 - eps));
  stats[p.B + b] = select(0.0, 1.0, best == y);
  let inside = py > eps && py < 1.0 - eps;
  for (var c = 0u; c < p.C; c++) {
    var g = 0.0;
    if (inside) { g = (probs[b * p.C + c] - select(0.0, 1.0, c == y)) / p.meanOver; }
    dLogits[b * p.C + c] = g;
  }
}`;

/** The head's weight gradients: dWd = finalHᵀ·dLogits, dbd = Σ_b dLogits (one thread per weight). */
export const HEAD_GRADIENTS = /* wgsl */ `
struct P { B: u32, C: u32, DH: u32, wOff: u32, bOff: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> finalH: array<f32>;
@group(0) @binding(2) var<storage, read> dLogits: array<f32>;
@group(0) @binding(3) var<storage, read_write> grads: array<f32>;
${FLAT_MAIN} fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let i = id.x;
  let n = p.DH * p.C;
  if (i < n) {
    let j = i / p.C; let c = i % p.C;
    var s = 0.0;
    for (var b = 0u; b < p.B; b++) { s += finalH[b * p.DH + j] * dLogits[b * p.C + c]; }
    grads[p.wOff + i] = s;
  } else if (i < n + p.C) {
    let c = i - n;
    var s = 0.0;
    for (var b = 0u; b < p.B; b++) { s += dLogits[b * p.C + c]; }
    grads[p.bOff + c] = s;
  }
}`;

/**
 * The top layer's output gradient, every row: dL/dfinalH = dLogits·Wdᵀ at the rows the final state came from
 * (forward columns at the last step, backward columns at the first), zero elsewhere.
 */
export const SEED_TOP = /* wgsl */ `
struct P { B: u32, C: u32, DH: u32, H: u32, T: u32, D: u32, wOff: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> w: array<f32>;
@group(0) @binding(2) var<storage, read> dLogits: array<f32>;
@group(0) @binding(3) var<storage, read_write> dTop: array<f32>;
${FLAT_MAIN} fn main(@builtin(global_invocation_id) id: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = id.x + id.y * groups.x * ${FLAT_GROUP}u;
  if (i >= p.T * p.B * p.DH) { return; }
  let r = i / p.DH; let col = i % p.DH;
  let t = r / p.B; let b = r % p.B;
  var v = 0.0;
  if ((col < p.H && t == p.T - 1u) || (p.D == 2u && col >= p.H && t == 0u)) {
    for (var c = 0u; c < p.C; c++) { v += dLogits[b * p.C + c] * w[p.wOff + col * p.C + c]; }
  }
  dTop[i] = v;
}`;

/** out[off + j] = Σ_r x[r·ld + j] for j < n, rows in order. */
export const SUM_ROWS = /* wgsl */ `
struct P { rows: u32, n: u32, ld: u32, off: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
${FLAT_MAIN} fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let j = id.x;
  if (j >= p.n) { return; }
  var s = 0.0;
  for (var r = 0u; r < p.rows; r++) { s += x[r * p.ld + j]; }
  out[p.off + j] = s;
}`;

/** Zeros rows × cols of a matrix (rows ld apart from off). */
export const FILL_ZERO = /* wgsl */ `
struct P { rows: u32, cols: u32, ld: u32, off: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
${FLAT_MAIN} fn main(@builtin(global_invocation_id) id: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = id.x + id.y * groups.x * ${FLAT_GROUP}u;
  if (i >= p.rows * p.cols) { return; }
  out[p.off + (i / p.cols) * p.ld + i % p.cols] = 0.0;
}`;

const ADAM_MATH = /* wgsl */ `
struct P { n: u32, E: u32, lr: f32, beta1: f32, beta2: f32, epsilon: f32, c1: f32, c2: f32 }
@group(0) @binding(0) var<uniform> p: P;
fn moments(g: f32, m0: f32, v0: f32) -> vec2<f32> {
  var m = p.beta1 * m0 + (1.0 - p.beta1) * g;
  var v = p.beta2 * v0 + (1.0 - p.beta2) * g * g;
  if (abs(m) < 1e-30) { m = 0.0; }
  if (v < 1e-30) { v = 0.0; }
  return vec2<f32>(m, v);
}
fn change(mv: vec2<f32>) -> f32 { return -(p.lr * (mv.x / p.c1)) / (sqrt(mv.y / p.c2) + p.epsilon); }
`;

/** One Adam step (tf.train.adam's) on every dense parameter at once. */
export const ADAM = /* wgsl */ `${ADAM_MATH}
@group(0) @binding(1) var<storage, read> grad: array<f32>;
@group(0) @binding(2) var<storage, read_write> param: array<f32>;
@group(0) @binding(3) var<storage, read_write> m: array<f32>;
@group(0) @binding(4) var<storage, read_write> v: array<f32>;
${FLAT_MAIN} fn main(@builtin(global_invocation_id) id: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = id.x + id.y * groups.x * ${FLAT_GROUP}u;
  if (i >= p.n) { return; }
  let mv = moments(grad[i], m[i], v[i]);
  m[i] = mv.x; v[i] = mv.y;
  param[i] += change(mv);
}`;

/**
 * The embedding's lazy Adam step. `index` is [ids (n), starts (n + 1), positions]: for each distinct id of the
 * batch, ids[u], its gradient row is the sum of dX's rows positions[starts[u]] … positions[starts[u + 1] − 1]
 * (the rows that looked it up, in row order), and only that row of the table and its moments changes.
 */
export const EMBEDDING_ADAM = /* wgsl */ `${ADAM_MATH}
@group(0) @binding(1) var<storage, read> dX: array<f32>;
@group(0) @binding(2) var<storage, read> index: array<u32>;
@group(0) @binding(3) var<storage, read_write> table: array<f32>;
@group(0) @binding(4) var<storage, read_write> m: array<f32>;
@group(0) @binding(5) var<storage, read_write> v: array<f32>;
${FLAT_MAIN} fn main(@builtin(global_invocation_id) id: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = id.x + id.y * groups.x * ${FLAT_GROUP}u;
  if (i >= p.n * p.E) { return; }
  let u = i / p.E; let e = i % p.E;
  let starts = p.n;
  let positions = 2u * p.n + 1u;
  var g = 0.0;
  for (var k = index[starts + u]; k < index[starts + u + 1u]; k++) { g += dX[index[positions + k] * p.E + e]; }
  let at = index[u] * p.E + e;
  let mv = moments(g, m[at], v[at]);
  m[at] = mv.x; v[at] = mv.y;
  table[at] += change(mv);
}`;
