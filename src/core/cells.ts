/**
 * One spec per recurrent cell kind: its gates in Keras order, its weight blocks, what the views call
 * and draw for it, and the per-step forward and backward work the network runs on the kernels. Config,
 * validators, the network, the inspector, the tfjs model builder and both views read these; a new
 * cell is one spec here plus its kernels (contract.ts) in every backend.
 */
import type { Kernels } from './kernels/contract';

/** The recurrent cell kinds, in the order the UI lists them. */
export const CELL_KINDS = ['lstm', 'gru', 'simplernn'] as const;
/** A recurrent cell kind. */
export type CellKind = (typeof CELL_KINDS)[number];

/** The scales the views colour values on. */
export type ScaleKind = 'state' | 'gate' | 'pre';

/** One heatmap strip of a cell: where its values live and which scale colours it. */
export interface StripLayout {
  key: string;
  field: 'h' | 'c' | 'gates' | 'pre';
  /** Which gate block of `gates` / `pre` (0 for h and c). */
  gate: number;
  scale: ScaleKind;
}

/**
 * The buffers of one time step of one direction, as the network hands them to a cell's hooks (one
 * object per network, refilled every step, so the hot loop allocates nothing but subarray views).
 * Rows are the batch's B sequences; h rows are `ldh` apart, h_{t-1} rows `ldPrev` apart.
 */
export interface StepBuffers {
  B: number;
  H: number;
  /** Gates × H: the width of z, the gate activations and their gradients. */
  GH: number;
  /** This step's z = x·W rows [B, GH]; the forward hook adds h·U and the bias and leaves the gate activations. */
  z: Float32Array;
  bias: Float32Array;
  /** Where the pre-activations go ([B, GH]), or null when not kept. */
  pre: Float32Array | null;
  hPrev: Float32Array;
  ldPrev: number;
  h: Float32Array;
  ldh: number;
  /** 1 for a real token, 0 for padding (the row carries its state). */
  mask: Float32Array;
  /** U's column blocks (recurrentBlocks), packed for the forward product and transposed for the backward one. */
  packedU: Float32Array[];
  packedUT: Float32Array[];
  /** The direction's cell-state rows [T·B, H] (cells with one) and r ⊙ h_{t-1} rows (cells that gate the candidate's input). */
  cellState: Float32Array;
  gatedInput: Float32Array;
  /** This step's first row (t·B) and the previous step's time index in processing order (−1 at the first step). */
  row: number;
  prevT: number;
  /** Zeros [B, H]: h_{−1} and c_{−1}. */
  zeros: Float32Array;
  /** Backward: this step's gate activations, dh rows (ldh apart), the carried and the new dh, dc carried, dz, d(r ⊙ h_{t-1}). */
  gates: Float32Array;
  dh: Float32Array;
  dhCarry: Float32Array;
  dhNew: Float32Array;
  dcCarry: Float32Array;
  dz: Float32Array;
  dGatedInput: Float32Array;
}

/** Everything the code knows about one cell kind. */
export interface CellSpec {
  readonly kind: CellKind;
  /** The name the UI shows ("LSTM"). */
  readonly label: string;
  /** Keras-style layer names in model.json start with this ("lstm_1"). */
  readonly layerPrefix: string;
  /** The gate rows of the kernel, recurrent kernel and bias, in Keras order (SimpleRNN: the new state). */
  readonly gates: readonly string[];
  /** Whether the cell carries a cell state c_t beside h_t (LSTM). */
  readonly hasCellState: boolean;
  /** Whether the candidate's recurrent product takes r ⊙ h_{t-1} instead of h_{t-1} (GRU, reset_after = false). */
  readonly gatesCandidateInput: boolean;
  /** The state's symbol in the lesson's notation: S for the simple RNN, h for the gated cells. */
  readonly stateSymbol: 'h' | 'S';
  /** The heatmap strips the views draw per cell, top to bottom. */
  readonly strips: readonly StripLayout[];
  /** The column blocks [first column, width] of U that each step multiplies by (see StepBuffers.packedU). */
  recurrentBlocks(H: number): [number, number][];
  /** One forward step: z += h_{t-1}·U, then the cell's kernel (gates in place, h and the state written). */
  forwardStep(k: Kernels, s: StepBuffers): void;
  /** One backward step: dz from dh (+ dhCarry) and the cell's state, and dhNew = dz·Uᵀ for the previous step. */
  backwardStep(k: Kernels, s: StepBuffers): void;
}

const allOfU = (gates: number) => (H: number): [number, number][] => [[0, gates * H]];

const STATE = { key: 'h', field: 'h', gate: 0, scale: 'state' } as const;

/** The strips of the gate blocks, in block order: [strip key, scale] per gate. */
function gateStrips(gates: [key: string, scale: ScaleKind][]): StripLayout[] {
  return gates.map(([key, scale], gate) => ({ key, field: 'gates', gate, scale }));
}

const lstm: CellSpec = {
  kind: 'lstm',
  label: 'LSTM',
  layerPrefix: 'lstm',
  gates: ['i', 'f', 'c̃', 'o'],
  hasCellState: true,
  gatesCandidateInput: false,
  stateSymbol: 'h',
  strips: [STATE, { key: 'c', field: 'c', gate: 0, scale: 'state' }, ...gateStrips([['i', 'gate'], ['f', 'gate'], ['cc', 'state'], ['o', 'gate']])],
  recurrentBlocks: allOfU(4),
  forwardStep(k, s) {
    k.sgemmPacked(false, s.B, s.GH, s.H, s.hPrev, s.ldPrev, s.packedU[0], s.z, s.GH, 1);
    const cPrev = s.prevT < 0 ? s.zeros : s.cellState.subarray(s.prevT * s.B * s.H);
    k.lstmForward(s.B, s.H, s.z, s.bias, s.pre, cPrev, s.cellState.subarray(s.row * s.H), s.hPrev, s.ldPrev, s.h, s.ldh, s.mask);
  },
  backwardStep(k, s) {
    const cPrev = s.prevT < 0 ? s.zeros : s.cellState.subarray(s.prevT * s.B * s.H);
    k.lstmBackward(s.B, s.H, s.gates, s.cellState.subarray(s.row * s.H), cPrev, s.dh, s.ldh, s.dhCarry, s.dcCarry, s.dz, s.dhNew, s.mask);
    if (s.prevT >= 0) k.sgemmPacked(false, s.B, s.H, s.GH, s.dz, s.GH, s.packedUT[0], s.dhNew, s.H, 1);
  },
};

const gru: CellSpec = {
  kind: 'gru',
  label: 'GRU',
  layerPrefix: 'gru',
  gates: ['z', 'r', 'h̃'],
  hasCellState: false,
  gatesCandidateInput: true,
  stateSymbol: 'h',
  strips: [STATE, ...gateStrips([['z', 'gate'], ['r', 'gate'], ['hh', 'state']])],
  // z and r multiply h_{t-1}; the candidate multiplies r ⊙ h_{t-1}.
  recurrentBlocks: (H) => [[0, 2 * H], [2 * H, H]],
  forwardStep(k, s) {
    k.sgemmPacked(false, s.B, 2 * s.H, s.H, s.hPrev, s.ldPrev, s.packedU[0], s.z, s.GH, 1);
    const rh = s.gatedInput.subarray(s.row * s.H, (s.row + s.B) * s.H);
    k.gruForwardGates(s.B, s.H, s.z, s.bias, s.pre, s.hPrev, s.ldPrev, rh);
    k.sgemmPacked(false, s.B, s.H, s.H, rh, s.H, s.packedU[1], s.z.subarray(2 * s.H), s.GH, 1);
    k.gruForwardOutput(s.B, s.H, s.z, s.bias, s.pre, s.hPrev, s.ldPrev, s.h, s.ldh, s.mask);
  },
  backwardStep(k, s) {
    k.gruBackwardGates(s.B, s.H, s.gates, s.hPrev, s.ldPrev, s.dh, s.ldh, s.dhCarry, s.dz, s.dhNew, s.mask);
    // d(r ⊙ h_{t-1}) = dZ_h · U_hᵀ, then r's gate gradient and the direct path to h_{t-1}.
    k.sgemmPacked(false, s.B, s.H, s.H, s.dz.subarray(2 * s.H), s.GH, s.packedUT[1], s.dGatedInput, s.H, 0);
    k.gruBackwardReset(s.B, s.H, s.gates, s.hPrev, s.ldPrev, s.dGatedInput, s.dz, s.dhNew, s.mask);
    if (s.prevT >= 0) k.sgemmPacked(false, s.B, s.H, 2 * s.H, s.dz, s.GH, s.packedUT[0], s.dhNew, s.H, 1);
  },
};

const simplernn: CellSpec = {
  kind: 'simplernn',
  label: 'SimpleRNN',
  layerPrefix: 'simpleRNN',
  gates: ['s'],
  hasCellState: false,
  gatesCandidateInput: false,
  stateSymbol: 'S',
  strips: [STATE, { key: 'pre', field: 'pre', gate: 0, scale: 'pre' }],
  recurrentBlocks: allOfU(1),
  forwardStep(k, s) {
    k.sgemmPacked(false, s.B, s.GH, s.H, s.hPrev, s.ldPrev, s.packedU[0], s.z, s.GH, 1);
    k.simpleRnnForward(s.B, s.H, s.z, s.bias, s.pre, s.hPrev, s.ldPrev, s.h, s.ldh, s.mask);
  },
  backwardStep(k, s) {
    k.simpleRnnBackward(s.B, s.H, s.gates, s.dh, s.ldh, s.dhCarry, s.dz, s.dhNew, s.mask);
    if (s.prevT >= 0) k.sgemmPacked(false, s.B, s.H, s.GH, s.dz, s.GH, s.packedUT[0], s.dhNew, s.H, 1);
  },
};

/** The spec of every cell kind. */
export const CELL_SPECS: Readonly<Record<CellKind, CellSpec>> = { lstm, gru, simplernn };

/** Whether `value` names a cell kind. */
export function isCellKind(value: unknown): value is CellKind {
  return typeof value === 'string' && (CELL_KINDS as readonly string[]).includes(value);
}

/** Gates per unit of a cell kind (G: the kernels' widths are G·H). */
export function gateCount(kind: CellKind): number {
  return CELL_SPECS[kind].gates.length;
}
