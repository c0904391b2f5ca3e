'use strict';
/**
 * What bench/run.js measures: the two classifier configs, the phases timed in each, the training
 * hyper-parameters and seed, the inference-with-capture case and the timing rules of time-based cells.
 */

/** The two configs of the brief; tokens counted per step = batch · time (no padding). */
const CONFIGS = {
  small: { batch: 32, time: 40, embedding: 32, hidden: 64, vocab: 2000, classes: 2 },
  large: { batch: 64, time: 64, embedding: 128, hidden: 256, vocab: 20000, classes: 2 },
};
const CONFIG_NAMES = ['small', 'large'];
const PHASES = ['train', 'infer'];
const LEARNING_RATE = 0.005;
const SEED = 42;

/** Inference with full capture: one 50-token sentence, H = 64, 2 layers, bidirectional (small config's E and vocabulary). */
const CAPTURE = { time: 50, hidden: 64, layers: 2, bidirectional: true };

/**
 * Time-based timing (full run / --quick); fixed-step cells instead time `fixed` steps after one warm-up
 * step. Time-based cells warm up for at least `warmupSteps` and `warmupSeconds`: steady-state
 * throughput, as a training run of thousands of steps sees it. V8 needs ~0.3 s here to bring ours'
 * JavaScript and WebAssembly to their optimised code (its first 10 steps run at a quarter of the speed).
 */
const TIMING = {
  full: { warmupSteps: 3, warmupSeconds: 1, minSeconds: 3, minSteps: 3, maxSteps: 100000 },
  quick: { warmupSteps: 1, warmupSeconds: 0.1, minSeconds: 0.3, minSteps: 1, maxSteps: 100000 },
};

module.exports = { CONFIGS, CONFIG_NAMES, PHASES, LEARNING_RATE, SEED, CAPTURE, TIMING };
