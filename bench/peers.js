'use strict';
/**
 * The peers bench/run.js compares: each one's id, group, label, child-process command, plan, time limit
 * and how each of its cells is timed (time-based, a fixed step count, or skipped and why), which peers
 * run head to head in rounds, the order they run in, and the python3 that runs PyTorch.
 */
const { spawnSync } = require('node:child_process');
const path = require('node:path');
const { CONFIGS, CONFIG_NAMES, PHASES, LEARNING_RATE, SEED, CAPTURE, TIMING } = require('./workload');

/** Why tfjs cpu with an Embedding does not train the large config: its cost, and how to estimate it from the small step. */
const UNSORTED_SEGMENT_SUM_SKIP = {
  skip: 'too slow to run: tfjs cpu computes the Embedding gradient with UnsortedSegmentSum, which loops over every vocabulary row (cost ∝ V·B·T·E, 128× the small config)',
  estimateFrom: { config: 'small', phase: 'train', factor: 128 },
};

/** The order peers run in (the table keeps PEERS' order). */
const RUN_RANK = { ours: 0, torch: 1, tfjs: 2 };
/** Peer kinds compared head to head: they run in interleaved rounds; the others (slow tfjs) run once, after them. */
const HEAD_TO_HEAD = new Set(['ours', 'torch']);

/** The PyTorch peer on `threads` threads (every cell timed as long as it takes). */
function torchPeer(threads) {
  return {
    id: `torch-${threads}`,
    group: 'torch',
    label: `PyTorch CPU, ${threads} thread${threads > 1 ? 's' : ''}`,
    kind: 'torch',
    plan: { threads },
    timeoutSeconds: 120,
    cells: { small: { train: 'auto', infer: 'auto' }, large: { train: 'auto', infer: 'auto' } },
  };
}

/**
 * The peers. `cells[config][phase]`: 'auto' (time-based), { fixed: n } (n timed steps after one warm-up;
 * for peers too slow for time-based runs) or { skip: why }. `quick` overrides cells under --quick.
 */
const PEERS = [
  {
    id: 'tfjs-cpu-embedding',
    group: 'tfjs',
    label: 'tfjs-layers cpu, Embedding',
    kind: 'tfjs',
    plan: { backend: 'cpu', input: 'embedding' },
    timeoutSeconds: 170,
    cells: {
      small: { train: { fixed: 1 }, infer: 'auto' },
      large: { train: UNSORTED_SEGMENT_SUM_SKIP, infer: { fixed: 1 } },
    },
    quick: { large: { train: UNSORTED_SEGMENT_SUM_SKIP, infer: { skip: 'skipped under --quick (slow)' } } },
  },
  {
    id: 'tfjs-cpu-dense',
    group: 'tfjs',
    label: 'tfjs-layers cpu, dense input (no Embedding)',
    kind: 'tfjs',
    plan: { backend: 'cpu', input: 'dense' },
    timeoutSeconds: 170,
    cells: { small: { train: 'auto', infer: 'auto' }, large: { train: { fixed: 1 }, infer: { fixed: 1 } } },
    quick: { large: { train: { skip: 'skipped under --quick (slow)' }, infer: { skip: 'skipped under --quick (slow)' } } },
  },
  {
    id: 'tfjs-wasm-embedding',
    group: 'tfjs',
    label: 'tfjs-layers wasm, Embedding',
    kind: 'tfjs',
    plan: { backend: 'wasm', input: 'embedding' },
    timeoutSeconds: 90,
    cells: { small: { train: 'auto', infer: 'auto' }, large: { train: 'auto', infer: 'auto' } },
  },
  {
    id: 'tfjs-wasm-dense',
    group: 'tfjs',
    label: 'tfjs-layers wasm, dense input (no Embedding)',
    kind: 'tfjs',
    plan: { backend: 'wasm', input: 'dense' },
    timeoutSeconds: 120,
    cells: { small: { train: 'auto', infer: 'auto' }, large: { train: { fixed: 1 }, infer: 'auto' } },
    quick: { large: { train: { skip: 'skipped under --quick (slow)' } } },
  },
  torchPeer(1),
  torchPeer(2),
  {
    id: 'ours',
    group: 'ours',
    label: 'ours (fused kernels, as training runs them)',
    kind: 'ours',
    plan: {},
    timeoutSeconds: 150,
    cells: { small: { train: 'auto', infer: 'auto' }, large: { train: 'auto', infer: 'auto' } },
  },
];

/** Whether a --peers name (an id, a group or an id prefix such as tfjs-cpu) selects the peer. */
function matchesPeer(peer, name) {
  return peer.id === name || peer.group === name || peer.id.startsWith(`${name}-`);
}

/** How a peer's cell is to be timed: 'auto', { fixed } or { skip }. */
function cellSpec(peer, configName, phase, quick) {
  return (quick && peer.quick?.[configName]?.[phase]) || peer.cells[configName][phase];
}

/** The per-cell timing rules a peer receives. */
function timingFor(peer, quick) {
  const base = quick ? TIMING.quick : TIMING.full;
  const timing = {};
  for (const configName of CONFIG_NAMES) {
    timing[configName] = {};
    for (const phase of PHASES) {
      const cell = cellSpec(peer, configName, phase, quick);
      if (cell === 'auto') timing[configName][phase] = { ...base };
      else if (cell.skip) timing[configName][phase] = { skip: cell.skip };
      else timing[configName][phase] = { warmupSteps: 1, fixedSteps: cell.fixed };
    }
  }
  return timing;
}

/** A python3 that imports torch (PATH first, then Debian's), or the reason there is none. */
function findTorchPython() {
  const candidates = [...new Set([process.env.BENCH_PYTHON, 'python3', '/usr/bin/python3'].filter(Boolean))];
  const failures = [];
  for (const python of candidates) {
    const probe = spawnSync(python, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8', timeout: 60000 });
    if (probe.status === 0) return { python, torchVersion: probe.stdout.trim() };
    const reason = probe.error ? probe.error.message : (probe.stderr.trim().split('\n').pop() ?? `exit ${probe.status}`);
    failures.push(`${python}: ${reason}`);
  }
  return { error: `import torch failed (${failures.join('; ')}); install it with: apt-get install python3-torch` };
}

/** The command and arguments that start a peer's child process (the plan JSON is appended to them). */
function commandFor(peer, torchPython) {
  switch (peer.kind) {
    case 'tfjs':
      return [process.execPath, [path.join(__dirname, 'tfjsPeer.js')]];
    case 'ours':
      return [process.execPath, [path.join(__dirname, 'oursPeer.js')]];
    case 'torch':
      return [torchPython.python, [path.join(__dirname, 'torchPeer.py')]];
  }
  throw new Error(`unknown peer kind ${peer.kind}`);
}

/** The plan a peer receives as its argument; without `capture` it has no capture entry (oursPeer.js then times none). */
function planFor(peer, quick, capture) {
  return {
    ...peer.plan,
    configs: CONFIGS,
    configNames: CONFIG_NAMES,
    quick,
    timing: timingFor(peer, quick),
    learningRate: LEARNING_RATE,
    seed: SEED,
    capture: capture ? { ...CAPTURE, warmupCalls: quick ? 2 : 5, minSeconds: quick ? 0.3 : 2, minCalls: quick ? 5 : 20 } : undefined,
  };
}

module.exports = { PEERS, RUN_RANK, HEAD_TO_HEAD, matchesPeer, cellSpec, findTorchPython, commandFor, planFor };
