'use strict';
/** Shared by the Node peers and bench/run.js: the plan they receive, seeded batches, the step timer, the result lines they send and peak RSS (VmHWM). */
const fs = require('node:fs');
const { performance } = require('node:perf_hooks');

/** Prefix of the stdout lines that carry results to bench/run.js; every other line is just log. */
const RESULT_PREFIX = '@@bench ';

/** Reads the plan that bench/run.js passes as the first argument (JSON). */
function readPlan() {
  const text = process.argv[2];
  if (!text) throw new Error('usage: node <peer>.js <plan JSON>');
  return JSON.parse(text);
}

/** Sends one result message to bench/run.js. */
function emit(message) {
  process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(message)}\n`);
}

/** A process's peak resident set size so far, in MiB (VmHWM of /proc/<pid>/status; pid 'self': this one), or undefined where it cannot be read. */
function readVmHwmMb(pid) {
  try {
    const match = /^VmHWM:\s+(\d+)\s+kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Peak resident set size of this process so far, in MiB (VmHWM; RSS now where /proc is missing). */
function peakRssMb() {
  return readVmHwmMb('self') ?? process.memoryUsage().rss / (1024 * 1024);
}

/** The project's small seeded generator of floats in [0, 1) (mulberry32), shared with the demo data. */
const createRng = require('../scripts/makeDemo.js').seededRandom;

/** Seeded batches of token ids in [1, vocab) (no padding) and labels in [0, classes), `count` of them. */
function makeBatches(config, count, seed) {
  const rng = createRng(seed);
  const batches = [];
  for (let k = 0; k < count; k++) {
    const ids = new Int32Array(config.batch * config.time);
    for (let i = 0; i < ids.length; i++) ids[i] = 1 + Math.floor(rng() * (config.vocab - 1));
    const labels = new Int32Array(config.batch);
    for (let i = 0; i < labels.length; i++) labels[i] = Math.floor(rng() * config.classes);
    batches.push({ ids, labels });
  }
  return batches;
}

/** Seeded dense inputs [batch, time, embedding] in [-1, 1), for the peers that skip the embedding. */
function makeDenseInputs(config, count, seed) {
  const rng = createRng(seed);
  const inputs = [];
  for (let k = 0; k < count; k++) {
    const values = new Float32Array(config.batch * config.time * config.embedding);
    for (let i = 0; i < values.length; i++) values[i] = rng() * 2 - 1;
    inputs.push(values);
  }
  return inputs;
}

/**
 * Runs `step(k)` for the warm-up steps (at least `timing.warmupSteps`, and for at least
 * `timing.warmupSeconds` when set), then times steps: a fixed number when `timing.fixedSteps` is set,
 * else until at least `timing.minSeconds` and `timing.minSteps` have passed (at most `timing.maxSteps`).
 * Returns the timed step count and seconds and the warm-up step count; only the timed steps are counted.
 */
async function timeSteps(step, timing) {
  let warmupSteps = 0;
  const warmupStart = performance.now();
  while (warmupSteps < timing.warmupSteps || (performance.now() - warmupStart) / 1000 < (timing.warmupSeconds ?? 0)) await step(warmupSteps++);
  let steps = 0;
  const start = performance.now();
  let seconds = 0;
  for (;;) {
    await step(warmupSteps + steps);
    steps++;
    seconds = (performance.now() - start) / 1000;
    if (timing.fixedSteps) {
      if (steps >= timing.fixedSteps) break;
    } else if ((seconds >= timing.minSeconds && steps >= timing.minSteps) || steps >= timing.maxSteps) {
      break;
    }
  }
  return { steps, seconds, warmupSteps };
}

/** Times training and inference of one config and sends both results; `build` returns { train(k), infer(k), dispose() }. */
async function measureConfig(plan, configName, build) {
  const config = plan.configs[configName];
  const tokensPerStep = config.batch * config.time;
  let runner;
  try {
    runner = await build(config);
  } catch (error) {
    for (const phase of ['train', 'infer']) emit({ type: 'error', config: configName, phase, message: errorMessage(error) });
    return;
  }
  try {
    for (const phase of ['train', 'infer']) {
      const timing = plan.timing[configName][phase];
      if (timing.skip) {
        emit({ type: 'skipped', config: configName, phase, message: timing.skip });
        continue;
      }
      try {
        const { steps, seconds, warmupSteps } = await timeSteps(phase === 'train' ? runner.train : runner.infer, timing);
        emit({
          type: 'result',
          config: configName,
          phase,
          steps,
          seconds,
          warmupSteps,
          fixedSteps: Boolean(timing.fixedSteps),
          tokensPerStep,
          tokensPerSecond: (steps * tokensPerStep) / seconds,
        });
      } catch (error) {
        emit({ type: 'error', config: configName, phase, message: errorMessage(error) });
      }
    }
  } finally {
    runner.dispose();
  }
  emit({ type: 'memory', after: configName, peakRssMb: peakRssMb() });
}

/** The first line of an error's message, for the report. */
function errorMessage(error) {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0].slice(0, 300);
}

module.exports = {
  RESULT_PREFIX,
  readPlan,
  emit,
  peakRssMb,
  readVmHwmMb,
  createRng,
  makeBatches,
  makeDenseInputs,
  timeSteps,
  measureConfig,
  errorMessage,
};
