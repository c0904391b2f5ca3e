'use strict';
/**
 * `npm run bench`: training and inference throughput (tokens/s) of an Embedding → LSTM → Dense softmax
 * classifier on two configs, for each peer in its own child process (tfjs-layers on the cpu and wasm
 * backends, PyTorch CPU at 1 and 2 threads, our fused engine), with ratios against ours, each peer's
 * peak RSS, and our inference-with-capture latency. Ours and PyTorch run in interleaved rounds (best of
 * the rounds is reported, with the median too) so that host speed drifting over minutes does not decide
 * the ratio. Prints a table and writes bench/results/*.json.
 * Usage: node bench/run.js [--quick] [--peers tfjs,torch,ours] [--rounds N] [--help]
 */
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { parseArgs } = require('node:util');
const { RESULT_PREFIX } = require('./peerSupport');
const { measureEngineRss, formatEngineRss } = require('./engineRss');

const ROOT = path.join(__dirname, '..');
const RESULTS_DIR = path.join(__dirname, 'results');

/** The two configs of the brief; tokens counted per step = batch · time (no padding). */
const CONFIGS = {
  small: { batch: 32, time: 40, embedding: 32, hidden: 64, vocab: 2000, classes: 2 },
  large: { batch: 64, time: 64, embedding: 128, hidden: 256, vocab: 20000, classes: 2 },
};
const CONFIG_NAMES = ['small', 'large'];
const PHASES = ['train', 'infer'];
const LEARNING_RATE = 0.005;
const SEED = 42;
/** Cores that other processes may keep busy during a peer's run before its figures are flagged as noisy. */
const OTHER_CPU_LIMIT = 0.25;

/** Inference with full capture: one 50-token sentence, H = 64, 2 layers, bidirectional (small config's E and vocabulary). */
const CAPTURE = { time: 50, hidden: 64, layers: 2, bidirectional: true };

/** Time-based timing (full run / --quick). Fixed-step cells use `fixed` timed steps after one warm-up step. */
/**
 * Time-based cells warm up for at least `warmupSteps` and `warmupSeconds`: steady-state throughput, as a
 * training run of thousands of steps sees it. V8 needs ~0.3 s here to bring ours' JavaScript and
 * WebAssembly to their optimised code (its first 10 steps run at a quarter of the speed).
 */
const TIMING = {
  full: { warmupSteps: 3, warmupSeconds: 1, minSeconds: 3, minSteps: 3, maxSteps: 100000 },
  quick: { warmupSteps: 1, warmupSeconds: 0.1, minSeconds: 0.3, minSteps: 1, maxSteps: 100000 },
};

/** Why tfjs cpu with an Embedding does not train the large config: its cost, and how to estimate it from the small step. */
const UNSORTED_SEGMENT_SUM_SKIP = {
  skip: 'too slow to run: tfjs cpu computes the Embedding gradient with UnsortedSegmentSum, which loops over every vocabulary row (cost ∝ V·B·T·E, 128× the small config)',
  estimateFrom: { config: 'small', phase: 'train', factor: 128 },
};

/**
 * The peers. `cells[config][phase]`: 'auto' (time-based), { fixed: n } (n timed steps after one warm-up;
 * for peers too slow for time-based runs) or { skip: why }. `quick` overrides cells under --quick.
 */
/** The order peers run in (the table keeps PEERS' order). */
const RUN_RANK = { ours: 0, torch: 1, tfjs: 2 };
/** Peer kinds compared head to head: they run in interleaved rounds; the others (slow tfjs) run once, after them. */
const HEAD_TO_HEAD = new Set(['ours', 'torch']);
/** Rounds of the head-to-head peers by default (full run / --quick). */
const DEFAULT_ROUNDS = { full: 3, quick: 1 };

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
  {
    id: 'torch-1',
    group: 'torch',
    label: 'PyTorch CPU, 1 thread',
    kind: 'torch',
    plan: { threads: 1 },
    timeoutSeconds: 120,
    cells: { small: { train: 'auto', infer: 'auto' }, large: { train: 'auto', infer: 'auto' } },
  },
  {
    id: 'torch-2',
    group: 'torch',
    label: 'PyTorch CPU, 2 threads',
    kind: 'torch',
    plan: { threads: 2 },
    timeoutSeconds: 120,
    cells: { small: { train: 'auto', infer: 'auto' }, large: { train: 'auto', infer: 'auto' } },
  },
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

const HELP = `Usage: npm run bench -- [--quick] [--peers LIST] [--rounds N]

  --quick        short timing (smoke run); the slow tfjs large cells are not run
  --peers LIST   comma-separated peers or groups: tfjs, torch, ours, tfjs-cpu, tfjs-wasm, or ids
                 (${PEERS.map((p) => p.id).join(', ')}); default: all
  --rounds N     rounds of the head-to-head peers (ours, torch-1, torch-2), interleaved: ours, torch-1,
                 torch-2, then again, N times; each cell reports the best round (and the ratio of the
                 medians too). The tfjs peers run once, after the rounds. Integer ≥ 1; default
                 ${DEFAULT_ROUNDS.full}, under --quick ${DEFAULT_ROUNDS.quick}
  --help         this text

Writes bench/results/<UTC date-time>.json and bench/results/latest.json; --quick runs write
<UTC date-time>-quick.json and latest-quick.json, runs of some peers <UTC date-time>-partial.json
and latest-partial.json.`;

/** The command-line options: quick, the peers to run (PEERS' order), the names asked for and the rounds; exits 2 on a bad value. */
function parseOptions() {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      peers: { type: 'string' },
      rounds: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    process.exit(0);
  }
  const wanted = values.peers ? values.peers.split(',').map((s) => s.trim()).filter(Boolean) : ['tfjs', 'torch', 'ours'];
  const unknown = wanted.filter((name) => !PEERS.some((p) => matchesPeer(p, name)));
  if (unknown.length) {
    console.error(`Unknown peer(s): ${unknown.join(', ')}\n\n${HELP}`);
    process.exit(2);
  }
  let rounds = values.quick ? DEFAULT_ROUNDS.quick : DEFAULT_ROUNDS.full;
  if (values.rounds !== undefined) {
    rounds = /^\d+$/.test(values.rounds) ? Number(values.rounds) : NaN;
    if (!Number.isSafeInteger(rounds) || rounds < 1) {
      console.error(`--rounds must be an integer ≥ 1, not '${values.rounds}'\n\n${HELP}`);
      process.exit(2);
    }
  }
  return { quick: values.quick, peers: PEERS.filter((p) => wanted.some((name) => matchesPeer(p, name))), requested: wanted, rounds };
}

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

/** Busy CPU jiffies of the whole machine and of this process with its reaped children (for the others' share). */
function cpuJiffies() {
  try {
    const total = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const [user, nice, system, , , irq, softirq, steal] = total;
    const self = fs.readFileSync('/proc/self/stat', 'utf8');
    const fields = self.slice(self.lastIndexOf(')') + 2).split(' ').map(Number);
    // fields[11..14] are utime, stime, cutime, cstime (stat fields 14–17).
    const ours = fields[11] + fields[12] + fields[13] + fields[14];
    return { busy: user + nice + system + irq + softirq + steal, ours };
  } catch {
    return undefined;
  }
}

/** Average number of cores other processes kept busy between two cpuJiffies() readings. */
function otherCores(before, after, seconds) {
  if (!before || !after || seconds <= 0) return undefined;
  const clockTicks = 100;
  return Math.max(0, after.busy - before.busy - (after.ours - before.ours)) / clockTicks / seconds;
}

function readVmHwmMb(pid) {
  try {
    const match = /^VmHWM:\s+(\d+)\s+kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Runs one peer to completion (or its timeout) and collects its messages, its log tail and its peak RSS. */
function runPeer(peer, plan, torchPython, onMessage) {
  const [command, args] = commandFor(peer, torchPython);
  return new Promise((resolve) => {
    const started = Date.now();
    const cpuBefore = cpuJiffies();
    const child = spawn(command, [...args, JSON.stringify(plan)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const messages = [];
    const logTail = [];
    let sampledPeakMb;
    let timedOut = false;
    let spawnError;
    const remember = (line) => {
      if (!line.trim()) return;
      logTail.push(line);
      if (logTail.length > 12) logTail.shift();
    };
    let pending = '';
    child.stdout.on('data', (chunk) => {
      pending += chunk;
      let newline;
      while ((newline = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, newline);
        pending = pending.slice(newline + 1);
        if (line.startsWith(RESULT_PREFIX)) {
          try {
            const message = JSON.parse(line.slice(RESULT_PREFIX.length));
            messages.push(message);
            onMessage(message);
          } catch {
            remember(line);
          }
        } else remember(line);
      }
    });
    let errText = '';
    child.stderr.on('data', (chunk) => {
      errText += chunk;
      const lines = errText.split('\n');
      errText = lines.pop();
      lines.forEach(remember);
    });
    const sampler = setInterval(() => {
      const mb = child.pid ? readVmHwmMb(child.pid) : undefined;
      if (mb !== undefined) sampledPeakMb = Math.max(sampledPeakMb ?? 0, mb);
    }, 250);
    const killer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, peer.timeoutSeconds * 1000);
    child.on('error', (error) => {
      spawnError = error.message;
    });
    child.on('close', (code, signal) => {
      clearInterval(sampler);
      clearTimeout(killer);
      remember(errText);
      const seconds = (Date.now() - started) / 1000;
      const otherCpuCores = otherCores(cpuBefore, cpuJiffies(), seconds);
      resolve({ messages, logTail, sampledPeakMb, timedOut, spawnError, exitCode: code, signal, seconds, otherCpuCores });
    });
  });
}

/** Turns a peer's messages into per-cell figures, info, peak RSS and status. */
function summarizePeer(peer, run, plan) {
  const cells = {};
  for (const configName of CONFIG_NAMES) cells[configName] = {};
  let info = {};
  let fatal;
  let crash;
  let reportedPeakMb;
  let capture;
  for (const m of run.messages) {
    if (m.type === 'info') info = { ...info, ...m, type: undefined };
    else if (m.type === 'fatal') fatal = m.message;
    else if (m.type === 'crash') crash = m.message;
    else if (m.type === 'memory') reportedPeakMb = Math.max(reportedPeakMb ?? 0, m.peakRssMb);
    else if (m.type === 'capture') capture = m;
    else if (m.type === 'result') cells[m.config][m.phase] = { status: 'ok', ...pick(m, ['tokensPerSecond', 'steps', 'seconds', 'warmupSteps', 'fixedSteps', 'tokensPerStep']) };
    else if (m.type === 'error') cells[m.config][m.phase] = { status: 'error', message: m.message };
    else if (m.type === 'skipped') cells[m.config][m.phase] = { status: 'skipped', message: m.message };
  }
  const ended = howItEnded(peer, run, crash);
  for (const configName of CONFIG_NAMES) {
    for (const phase of PHASES) {
      if (!cells[configName][phase]) cells[configName][phase] = { status: 'error', message: fatal ?? ended ?? 'no result (see logTail)' };
    }
  }
  for (const configName of CONFIG_NAMES) {
    for (const phase of PHASES) {
      const estimate = cellSpec(peer, configName, phase, plan.quick).estimateFrom;
      const source = estimate && cells[estimate.config][estimate.phase];
      if (cells[configName][phase].status !== 'skipped' || source?.status !== 'ok') continue;
      const seconds = (source.seconds / source.steps) * estimate.factor;
      cells[configName][phase].estimatedSecondsPerStep = seconds;
      cells[configName][phase].message += `; estimate (not measured) from this run's ${estimate.config} ${estimate.phase} step × ${estimate.factor}: ~${Math.round(seconds / 60)} min per step`;
    }
  }
  const status = fatal ? 'not available' : run.timedOut ? 'timed out' : run.exitCode === 0 ? 'ok' : 'failed';
  return {
    id: peer.id,
    label: peer.label,
    status,
    message: fatal ?? ended,
    info,
    cells,
    peakRssMb: reportedPeakMb ?? run.sampledPeakMb,
    peakRssSource: reportedPeakMb !== undefined ? 'VmHWM read by the peer at the end' : run.sampledPeakMb !== undefined ? 'VmHWM sampled every 250 ms by bench/run.js' : 'none',
    wallSeconds: run.seconds,
    otherCpuCores: run.otherCpuCores,
    exitCode: run.exitCode,
    timedOut: run.timedOut,
    logTail: status === 'ok' ? undefined : run.logTail,
    capture,
  };
}

/** Why a peer stopped early, or undefined when it exited normally. */
function howItEnded(peer, run, crash) {
  if (run.spawnError) return `could not start: ${run.spawnError}`;
  if (crash) return `crashed: ${crash}`;
  if (run.timedOut) return `killed after the ${peer.timeoutSeconds} s peer time limit`;
  if (run.exitCode !== 0) return `exited with ${run.signal ?? `code ${run.exitCode}`}: ${run.logTail.slice(-3).join(' | ')}`;
  return undefined;
}

/**
 * Merges a peer's rounds (summarizePeer's summaries, in round order) into one summary of the same shape:
 * per cell the best ok round (highest tokens/s) with `rounds` (each round's tokens/s, null where it had no
 * figure); ok if any round was; peak RSS and other processes' cores the max, wall time the sum; info and
 * capture from the first round that has them; message and log tail from a failed round when none was ok.
 */
function mergeRounds(summaries) {
  const okRounds = summaries.filter((s) => s.status === 'ok');
  const base = okRounds[0] ?? summaries.find((s) => s.status !== 'ok') ?? summaries[0];
  const cells = {};
  for (const configName of CONFIG_NAMES) {
    cells[configName] = {};
    for (const phase of PHASES) {
      const perRound = summaries.map((s) => s.cells[configName][phase]);
      let best;
      for (const cell of perRound) if (cell.status === 'ok' && (!best || cell.tokensPerSecond > best.tokensPerSecond)) best = cell;
      cells[configName][phase] = { ...(best ?? base.cells[configName][phase]), rounds: perRound.map((c) => (c.status === 'ok' ? c.tokensPerSecond : null)) };
    }
  }
  const maxOf = (values) => (values.some((v) => v !== undefined) ? Math.max(...values.filter((v) => v !== undefined)) : undefined);
  const peakRssMb = maxOf(summaries.map((s) => s.peakRssMb));
  const failedRounds = summaries
    .map((s, i) => ({ round: i + 1, status: s.status, message: s.message }))
    .filter((r) => r.status !== 'ok');
  return {
    ...base,
    info: summaries.find((s) => Object.keys(s.info).some((k) => s.info[k] !== undefined))?.info ?? base.info,
    cells,
    peakRssMb,
    peakRssSource: summaries.find((s) => s.peakRssMb === peakRssMb)?.peakRssSource ?? base.peakRssSource,
    wallSeconds: summaries.reduce((sum, s) => sum + (s.wallSeconds ?? 0), 0),
    otherCpuCores: maxOf(summaries.map((s) => s.otherCpuCores)),
    capture: summaries.find((s) => s.capture)?.capture,
    failedRounds: okRounds.length && failedRounds.length ? failedRounds : undefined,
  };
}

/** Median of the finite values (mean of the middle two for an even count); undefined when there is none. */
function median(values) {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (!sorted.length) return undefined;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** A peer whose cells carry the median of their rounds instead of the best (cells without rounds are kept). */
function medianOfRounds(peer) {
  const cells = {};
  for (const configName of CONFIG_NAMES) {
    cells[configName] = {};
    for (const phase of PHASES) {
      const cell = peer.cells[configName][phase];
      const value = cell.rounds ? median(cell.rounds) : undefined;
      cells[configName][phase] = !cell.rounds ? cell : value === undefined ? { status: 'error', message: 'no round had a figure' } : { status: 'ok', tokensPerSecond: value };
    }
  }
  return { ...peer, cells };
}

function pick(object, keys) {
  return Object.fromEntries(keys.filter((k) => object[k] !== undefined).map((k) => [k, object[k]]));
}

/** Per-cell best of the PyTorch rows, as a pseudo peer for the ratio line. */
function torchBest(peers) {
  const torchRows = peers.filter((p) => p.id.startsWith('torch-') && p.status === 'ok');
  if (!torchRows.length) return undefined;
  const cells = {};
  for (const configName of CONFIG_NAMES) {
    cells[configName] = {};
    for (const phase of PHASES) {
      let best;
      for (const row of torchRows) {
        const cell = row.cells[configName][phase];
        if (cell.status === 'ok' && (!best || cell.tokensPerSecond > best.tokensPerSecond)) best = { ...cell, from: row.id };
      }
      cells[configName][phase] = best ?? { status: 'error', message: 'no PyTorch figure' };
    }
  }
  return { id: 'torch-best', label: 'PyTorch best (per cell, of 1 and 2 threads)', cells };
}

/** ours / peer for every cell where both have a figure. */
function ratiosAgainst(ours, peer) {
  const ratios = {};
  for (const configName of CONFIG_NAMES) {
    for (const phase of PHASES) {
      const a = ours.cells[configName][phase];
      const b = peer.cells[configName][phase];
      ratios[`${configName}.${phase}`] = a.status === 'ok' && b.status === 'ok' ? a.tokensPerSecond / b.tokensPerSecond : null;
    }
  }
  return ratios;
}

function machineInfo() {
  let cpuModel = os.cpus()[0]?.model ?? 'unknown';
  try {
    const match = /^model name\s*:\s*(.+)$/m.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'));
    if (match) cpuModel = match[1].trim();
  } catch {
    // keep os.cpus()'s model
  }
  const git = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' });
  const dirty = spawnSync('git', ['status', '--porcelain'], { cwd: ROOT, encoding: 'utf8' });
  return {
    cpuModel,
    cores: os.cpus().length,
    memoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    platform: `${os.platform()} ${os.release()}`,
    node: process.version,
    tfjs: readVersion('@tensorflow/tfjs'),
    tfjsBackendWasm: readVersion('@tensorflow/tfjs-backend-wasm'),
    openblasEnv: Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('OPENBLAS_'))),
    gitCommit: git.status === 0 ? git.stdout.trim() : undefined,
    gitDirty: dirty.status === 0 ? dirty.stdout.trim().length > 0 : undefined,
    loadAverageAtStart: os.loadavg().map((x) => Math.round(x * 100) / 100),
  };
}

function readVersion(pkg) {
  try {
    return require(`${pkg}/package.json`).version;
  } catch {
    return 'not installed';
  }
}

function formatRate(value) {
  if (value >= 100) return Math.round(value).toLocaleString('en-US');
  return value.toFixed(1);
}

function formatRatio(value) {
  if (value === null) return 'n/a';
  if (value >= 100) return `×${value.toFixed(0)}`;
  if (value >= 10) return `×${value.toFixed(1)}`;
  return `×${value.toFixed(2)}`;
}

/** Prints the table, the footnotes, the ratio lines, the capture figure and the machine. */
function printReport(report) {
  const notes = [];
  const noteFor = (text) => {
    let index = notes.indexOf(text);
    if (index < 0) index = notes.push(text) - 1;
    return `[${index + 1}]`;
  };
  const columns = ['small train', 'small infer', 'large train', 'large infer', 'peak RSS'];
  const rows = report.peers.map((peer) => {
    const cells = [];
    for (const configName of CONFIG_NAMES) {
      for (const phase of PHASES) {
        const cell = peer.cells[configName][phase];
        if (cell.status === 'ok') {
          let text = formatRate(cell.tokensPerSecond);
          if (cell.fixedSteps) text += ` ${noteFor(`fixed step count: ${cell.steps} timed step${cell.steps === 1 ? '' : 's'} after ${cell.warmupSteps} warm-up step${cell.warmupSteps === 1 ? '' : 's'} (too slow for a ≥ 3 s timed run)`)}`;
          const best = report.torchBest?.cells[configName][phase];
          if (peer.id.startsWith('torch-') && best?.from === peer.id && report.peers.filter((p) => p.id.startsWith('torch-')).length > 1) text += ' *';
          cells.push(text);
        } else {
          const word = cell.status === 'skipped' ? 'not run' : peer.status === 'not available' ? 'n/a' : 'failed';
          cells.push(`${word} ${noteFor(cell.message)}`);
        }
      }
    }
    cells.push(peer.peakRssMb !== undefined ? `${Math.round(peer.peakRssMb)} MB` : '–');
    return [peer.label, ...cells];
  });
  const header = ['peer (tokens/s)', ...columns];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  const out = [];
  const small = CONFIGS.small;
  const large = CONFIGS.large;
  out.push('');
  out.push(`RNN Lens benchmark${report.quick ? ' (--quick: short timing, not for comparison)' : ''}: Embedding → LSTM → Dense softmax, Adam, sparse categorical crossentropy`);
  out.push(`  small: B=${small.batch} T=${small.time} E=${small.embedding} H=${small.hidden} vocab=${small.vocab} classes=${small.classes}`);
  out.push(`  large: B=${large.batch} T=${large.time} E=${large.embedding} H=${large.hidden} vocab=${large.vocab} classes=${large.classes}`);
  out.push(`  tokens/s = timed steps · B·T / seconds (seeded random ids, no padding); ${report.quick ? 'quick' : 'full'} timing: ${describeTiming(report.quick)}`);
  if (report.rounds > 1) out.push(`  ours and PyTorch: best of ${report.rounds} interleaved rounds (ours, torch-1, torch-2, then again; the host's speed drifts over minutes); tfjs: one run, after them`);
  out.push('');
  out.push(line(header));
  out.push(widths.map((w) => '-'.repeat(w)).join('  '));
  rows.forEach((r) => out.push(line(r)));
  if (report.torchBest) out.push('  * best PyTorch thread count for that cell');
  notes.forEach((text, i) => out.push(`  [${i + 1}] ${text}`));
  out.push(`  peak RSS: the peer process's VmHWM (/proc/<pid>/status), both configs, runtime included${report.rounds > 1 ? '; max over the rounds' : ''}`);
  if (report.rounds > 1) {
    const multiRound = report.peers.filter((p) => CONFIG_NAMES.some((c) => PHASES.some((ph) => p.cells[c][ph].rounds?.some((v) => v !== null))));
    if (multiRound.length) out.push('  tokens/s of each round (the table shows the best):');
    for (const peer of multiRound) {
      const parts = CONFIG_NAMES.flatMap((c) => PHASES.map((ph) => `${c} ${ph} ${peer.cells[c][ph].rounds.map((v) => (v === null ? '–' : formatRate(v))).join(' / ')}`));
      out.push(`    ${peer.id}: ${parts.join('; ')}`);
    }
  }
  out.push('');
  const ours = report.peers.find((p) => p.id === 'ours');
  if (!ours) out.push('ratios: ours was not requested (--peers)');
  else if (ours.status !== 'ok' && !CONFIG_NAMES.some((c) => PHASES.some((ph) => ours.cells[c][ph].status === 'ok'))) {
    out.push(`ours: not available (${ours.message})`);
  } else if (!Object.keys(report.ratios).length) {
    out.push('ratios: no other peer was requested');
  } else {
    out.push(`ratios (ours / peer; > 1 means ours is faster)${' '.repeat(4)}small train, small infer, large train, large infer`);
    for (const [id, ratios] of Object.entries(report.ratios)) {
      const label = id === 'torch-best' ? report.torchBest.label : report.peers.find((p) => p.id === id).label;
      out.push(`  ours / ${label}: ${CONFIG_NAMES.flatMap((c) => PHASES.map((ph) => formatRatio(ratios[`${c}.${ph}`]))).join(', ')}`);
    }
    const medianRatios = report.ratiosMedianOfRounds['torch-best'];
    if (report.rounds > 1 && medianRatios) {
      out.push(`  ours / PyTorch best, median of rounds: ${CONFIG_NAMES.flatMap((c) => PHASES.map((ph) => formatRatio(medianRatios[`${c}.${ph}`]))).join(', ')}`);
    }
    if (ours.info.kernelName) out.push(`  ours used kernels: ${ours.info.kernelName}${ours.info.randomWeights === false ? ' (weights left as created: no setWeights)' : ''}`);
  }
  out.push('');
  const captureTitle = `inference with full capture, one ${CAPTURE.time}-token sentence (E=${CONFIGS.small.embedding}, H=${CAPTURE.hidden}, ${CAPTURE.layers} layers, bidirectional, vocab ${CONFIGS.small.vocab})`;
  const capture = ours?.capture;
  if (!ours) out.push(`${captureTitle}: ours not requested`);
  else if (capture?.available) {
    const spread = capture.processMediansMs ? `; medians of ${capture.processMediansMs.length} fresh processes ${capture.processMediansMs.map((m) => m.toFixed(2)).join(', ')} ms` : '';
    out.push(`${captureTitle}: ${capture.medianMs.toFixed(2)} ms median, ${capture.meanMs.toFixed(2)} ms mean over ${capture.calls} calls of ${capture.signature}${spread}`);
  } else out.push(`${captureTitle}: not available (${capture?.message ?? ours.message ?? 'no result'})`);
  if (report.engineRss?.error) out.push(`engine RSS: not measured (${report.engineRss.error})`);
  else if (report.engineRss) out.push(...formatEngineRss(report.engineRss));
  out.push('');
  const m = report.machine;
  const torchInfo = report.peers.find((p) => p.id.startsWith('torch-') && p.info.torchVersion)?.info;
  out.push(`machine: ${m.cpuModel}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.platform}; node ${m.node}; tfjs ${m.tfjs}, tfjs-backend-wasm ${m.tfjsBackendWasm}`);
  out.push(`  torch: ${torchInfo ? `${torchInfo.torchVersion} (python ${torchInfo.python}; libraries loaded: ${torchInfo.blas.map((b) => path.basename(b)).join(', ')}; ${torchInfo.openblas ? 'OpenBLAS threads set to the torch thread count' : torchInfo.torchMath?.mklThreads != null ? `MKL threads set by torch.set_num_threads (${torchInfo.torchMath.mklThreads})` : 'no OpenBLAS loaded: BLAS threads not set'})` : (report.torch.error ?? 'not requested')}`);
  out.push(`  OPENBLAS_* env: ${Object.entries(m.openblasEnv).map(([k, v]) => `${k}=${v}`).join(' ') || '(none)'}`);
  out.push(`  load average at start ${m.loadAverageAtStart.join(' ')}; other processes' CPU during each peer (cores${report.rounds > 1 ? ', max over the rounds' : ''}): ${report.peers.map((p) => `${p.id} ${p.otherCpuCores?.toFixed(2) ?? '?'}`).join(', ')}`);
  if (report.busyWarning) out.push(`  WARNING: ${report.busyWarning}`);
  out.push(`  git ${m.gitCommit ?? '?'}${m.gitDirty ? ' (uncommitted changes)' : ''}; run took ${report.durationSeconds.toFixed(0)} s`);
  out.push(`results: ${path.relative(ROOT, report.files.stamped)} and ${path.relative(ROOT, report.files.latest)}`);
  console.log(out.join('\n'));
}

/** A warning naming the peers during whose run other processes kept more than a quarter of a core busy. */
function busyWarning(peers) {
  const busy = peers.filter((p) => (p.otherCpuCores ?? 0) > OTHER_CPU_LIMIT);
  if (!busy.length) return undefined;
  return `other processes were using the CPU during ${busy.map((p) => `${p.id} (${p.otherCpuCores.toFixed(2)} cores)`).join(', ')}: those figures are noisy`;
}

/** What the head-to-head figures are, for the JSON report. */
function describeRounds(rounds) {
  return `ours, torch-1 and torch-2 ran ${rounds} interleaved round${rounds === 1 ? '' : 's'} (ours, torch-1, torch-2, then again), each in a fresh process; each cell's figure is the best (highest tokens/s) of the rounds and its \`rounds\` lists every round's tokens/s (null: no figure that round); peak RSS and otherCpuCores are the max over the rounds, wallSeconds the sum; ours' capture is timed in round 1 only; the tfjs peers ran once, after the rounds`;
}

function describeTiming(quick) {
  const t = quick ? TIMING.quick : TIMING.full;
  return `warm-up for ≥ ${t.warmupSteps} step${t.warmupSteps === 1 ? '' : 's'} and ≥ ${t.warmupSeconds} s, then steps until ≥ ${t.minSeconds} s and ≥ ${t.minSteps} step${t.minSteps === 1 ? '' : 's'}, except cells marked as fixed`;
}

function writeJson(file, value) {
  const temp = `${file}.tmp`;
  fs.writeFileSync(temp, `${JSON.stringify(value, null, 2)}\n`);
  fs.renameSync(temp, file);
}

function progress(text) {
  process.stderr.write(`${text}\n`);
}

/**
 * Runs one peer once (one round) with its plan and returns summarizePeer's summary, printing progress
 * lines headed by `prefix`. Without `capture`, the plan has no capture entry (oursPeer.js then times none).
 */
async function runAndSummarize(peer, options, torch, { prefix, capture }) {
  const plan = {
    ...peer.plan,
    configs: CONFIGS,
    configNames: CONFIG_NAMES,
    quick: options.quick,
    timing: timingFor(peer, options.quick),
    learningRate: LEARNING_RATE,
    seed: SEED,
    capture: capture ? { ...CAPTURE, warmupCalls: options.quick ? 2 : 5, minSeconds: options.quick ? 0.3 : 2, minCalls: options.quick ? 5 : 20 } : undefined,
  };
  if (peer.kind === 'torch' && torch.error) {
    progress(`${prefix}${peer.label}: not available (${torch.error})`);
    return summarizePeer(peer, { messages: [{ type: 'fatal', message: torch.error }], logTail: [], exitCode: 0, seconds: 0 }, plan);
  }
  progress(`${prefix}${peer.label}: running (limit ${peer.timeoutSeconds} s)…`);
  const run = await runPeer(peer, plan, torch, (m) => {
    if (m.type === 'result') progress(`  ${m.config} ${m.phase}: ${formatRate(m.tokensPerSecond)} tokens/s (${m.steps} step${m.steps === 1 ? '' : 's'} in ${m.seconds.toFixed(2)} s${m.fixedSteps ? ', fixed count' : ''})`);
    else if (m.type === 'error' || m.type === 'skipped') progress(`  ${m.config} ${m.phase}: ${m.type === 'error' ? 'failed' : 'not run'}: ${m.message}`);
    else if (m.type === 'fatal') progress(`  not available: ${m.message}`);
    else if (m.type === 'capture') progress(`  capture: ${m.available ? `${m.medianMs.toFixed(2)} ms median` : `not available (${m.message})`}`);
  });
  const summary = summarizePeer(peer, run, plan);
  if (summary.status !== 'ok' && summary.message) progress(`  ${summary.status}: ${summary.message}`);
  progress(`  done in ${run.seconds.toFixed(1)} s, peak RSS ${summary.peakRssMb !== undefined ? `${Math.round(summary.peakRssMb)} MB` : 'unknown'}${run.otherCpuCores !== undefined ? `, other processes busy ${run.otherCpuCores.toFixed(2)} cores` : ''}`);
  return summary;
}

async function main() {
  const options = parseOptions();
  const startedAt = new Date();
  const machine = machineInfo();
  const torch = options.peers.some((p) => p.kind === 'torch') ? findTorchPython() : { error: 'not requested' };
  if (machine.loadAverageAtStart[0] > 0.5) progress(`warning: load average ${machine.loadAverageAtStart[0]} before starting — other processes share the CPU; figures will be noisy`);
  // The peers compared head to head run first, one after the other, before the slow tfjs peers: a
  // PyTorch run after them measured 90k small-train tokens/s where it measured 149k alone. They run in
  // interleaved rounds (ours, torch-1, torch-2, then again): this host's speed drifts by 30–40 % over
  // minutes, and one run each would let the phase each peer happened to hit decide the ratio.
  const runOrder = [...options.peers].sort((a, b) => RUN_RANK[a.kind] - RUN_RANK[b.kind]);
  const headToHead = runOrder.filter((p) => HEAD_TO_HEAD.has(p.kind) && !(p.kind === 'torch' && torch.error));
  const summaries = new Map();
  const roundSummaries = new Map(headToHead.map((p) => [p.id, []]));
  for (let round = 1; round <= options.rounds; round++) {
    for (const peer of headToHead) {
      const prefix = options.rounds > 1 ? `round ${round}/${options.rounds}: ` : '';
      // The capture (3 extra processes in oursPeer.js) is timed in round 1 only.
      roundSummaries.get(peer.id).push(await runAndSummarize(peer, options, torch, { prefix, capture: round === 1 }));
    }
  }
  for (const peer of headToHead) summaries.set(peer.id, mergeRounds(roundSummaries.get(peer.id)));
  for (const peer of runOrder) {
    if (summaries.has(peer.id)) continue;
    summaries.set(peer.id, await runAndSummarize(peer, options, torch, { prefix: '', capture: true }));
  }
  const peers = options.peers.map((p) => summaries.get(p.id));
  let engineRss;
  if (options.peers.some((p) => p.id === 'ours')) {
    progress('engine RSS: training the large config with dist/cli.js…');
    try {
      engineRss = await measureEngineRss();
    } catch (error) {
      engineRss = { error: error.message };
    }
  }
  const best = torchBest(peers);
  const ours = peers.find((p) => p.id === 'ours');
  const ratios = {};
  // The same ratios from each peer's median round (PyTorch best: per cell, the better of the two medians).
  const ratiosMedianOfRounds = {};
  if (ours) {
    for (const peer of peers) if (peer.id !== 'ours') ratios[peer.id] = ratiosAgainst(ours, peer);
    if (best) ratios['torch-best'] = ratiosAgainst(ours, best);
    const medians = peers.map(medianOfRounds);
    const oursMedian = medians.find((p) => p.id === 'ours');
    for (const peer of medians) if (peer.id.startsWith('torch-')) ratiosMedianOfRounds[peer.id] = ratiosAgainst(oursMedian, peer);
    const bestMedian = torchBest(medians);
    if (bestMedian) ratiosMedianOfRounds['torch-best'] = ratiosAgainst(oursMedian, bestMedian);
  }
  const finishedAt = new Date();
  const loadAverageAtEnd = os.loadavg().map((x) => Math.round(x * 100) / 100);
  const stamp = startedAt.toISOString().replace(/\.\d+Z$/, 'Z').replace(/:/g, '-');
  // Only a full run of every peer becomes latest.json; --quick and --peers subsets get their own names.
  const suffix = options.quick ? '-quick' : options.peers.length < PEERS.length ? '-partial' : '';
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  const files = { stamped: path.join(RESULTS_DIR, `${stamp}${suffix}.json`), latest: path.join(RESULTS_DIR, `latest${suffix}.json`) };
  const report = {
    schema: 1,
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    durationSeconds: (finishedAt - startedAt) / 1000,
    quick: options.quick,
    rounds: options.rounds,
    roundsNote: describeRounds(options.rounds),
    peersRequested: options.requested,
    machine,
    torch: torch.error ? { error: torch.error } : torch,
    configs: CONFIGS,
    capture: CAPTURE,
    timing: { ...(options.quick ? TIMING.quick : TIMING.full), note: `fixed cells: 1 warm-up step, then \`steps\` timed steps; head-to-head figures (ours, torch-1, torch-2) are the best of ${options.rounds} interleaved round${options.rounds === 1 ? '' : 's'} (see roundsNote)` },
    tokensCounted: 'batch · time per step (no padding)',
    peers,
    torchBest: best,
    ratios,
    ratioDefinition: 'ours tokens/s ÷ peer tokens/s (null where either has no figure)',
    ratiosMedianOfRounds,
    ratiosMedianOfRoundsDefinition: 'the same from the median of each cell\'s rounds (torch-best: per cell, the higher of the PyTorch medians)',
    engineRss,
    loadAverageAtEnd,
    busyWarning: busyWarning(peers),
  };
  report.files = files;
  writeJson(files.stamped, { ...report, files: undefined });
  writeJson(files.latest, { ...report, files: undefined });
  printReport(report);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
