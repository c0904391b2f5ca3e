'use strict';
/**
 * The report of a bench run: the JSON written to bench/results (its fields and notes, and the file
 * names), the printed table with its footnotes, ratio lines, capture figure and machine, and the
 * progress lines and number formats they share.
 */
const fs = require('node:fs');
const path = require('node:path');
const { formatEngineRss } = require('./engineRss');
const { loadAverage } = require('./machine');
const { PEERS } = require('./peers');
const { CONFIGS, CONFIG_NAMES, PHASES, CAPTURE, TIMING } = require('./workload');
const { flopsPerToken } = require('./peak');

const ROOT = path.join(__dirname, '..');
const RESULTS_DIR = path.join(__dirname, 'results');
/** Cores that other processes may keep busy during a peer's run before its figures are flagged as noisy. */
const OTHER_CPU_LIMIT = 0.25;

/** Writes one progress line to stderr. */
function progress(text) {
  process.stderr.write(`${text}\n`);
}

/** A tokens/s figure: grouped integer from 100 up, one decimal below. */
function formatRate(value) {
  if (value >= 100) return Math.round(value).toLocaleString('en-US');
  return value.toFixed(1);
}


/** A ratio as ×N with 2, 1 or 0 decimals by size, or n/a for null. */
function formatRatio(value) {
  if (value === null) return 'n/a';
  if (value >= 100) return `×${value.toFixed(0)}`;
  if (value >= 10) return `×${value.toFixed(1)}`;
  return `×${value.toFixed(2)}`;
}


/** The JSON report of a run, its fields in the order written; finishedAt and the load average are taken now. */
function buildReport({ options, startedAt, machine, torch, peers, comparison, engineRss, sgemmPeak }) {
  const finishedAt = new Date();
  return {
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
    torchBest: comparison.torchBest,
    ratios: comparison.ratios,
    ratioDefinition: 'ours tokens/s ÷ peer tokens/s (null where either has no figure)',
    ratiosMedianOfRounds: comparison.ratiosMedianOfRounds,
    ratiosMedianOfRoundsDefinition: 'the same from the median of each cell\'s rounds (torch-best: per cell, the higher of the PyTorch medians)',
    engineRss,
    sgemmPeak,
    flopsPerToken: Object.fromEntries(CONFIG_NAMES.map((c) => [c, Object.fromEntries(PHASES.map((ph) => [ph, flopsPerToken(CONFIGS[c], ph)]))])),
    loadAverageAtEnd: loadAverage(),
    busyWarning: busyWarning(peers),
  };
}

/** Writes the report to bench/results/<start><suffix>.json and latest<suffix>.json, and sets `report.files` to them. */
function writeReport(report, options) {
  const stamp = report.startedAt.replace(/\.\d+Z$/, 'Z').replace(/:/g, '-');
  // Only a full run of every peer becomes latest.json; --quick and --peers subsets get their own names.
  const suffix = options.quick ? '-quick' : options.peers.length < PEERS.length ? '-partial' : '';
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  const files = { stamped: path.join(RESULTS_DIR, `${stamp}${suffix}.json`), latest: path.join(RESULTS_DIR, `latest${suffix}.json`) };
  report.files = files;
  writeJson(files.stamped, { ...report, files: undefined });
  writeJson(files.latest, { ...report, files: undefined });
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
  out.push(...formatGflops(report));
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

/** GFLOP/s of ours and PyTorch's best per cell (tokens/s × FLOP per token) and their share of the sgemm peak measured in this run. */
function formatGflops(report) {
  const out = [];
  const peak = report.sgemmPeak?.best;
  out.push(`GFLOP/s (tokens/s × FLOP per token: ${CONFIG_NAMES.flatMap((c) => PHASES.map((ph) => `${c} ${ph} ${(report.flopsPerToken[c][ph] / 1e6).toFixed(2)} M`)).join(', ')})${peak ? `; % of the sgemm peak ${peak.gflops.toFixed(0)} GFLOP/s (${peak.library}, ${report.sgemmPeak.settings})` : `; sgemm peak not measured (${report.sgemmPeak?.errors?.join('; ') ?? 'not run'})`}`);
  const rows = [['ours', report.peers.find((p) => p.id === 'ours')?.cells], ['PyTorch best', report.torchBest?.cells]];
  for (const [label, cells] of rows) {
    if (!cells) continue;
    const parts = CONFIG_NAMES.flatMap((c) =>
      PHASES.map((ph) => {
        const rate = cells[c][ph].tokensPerSecond;
        if (!Number.isFinite(rate)) return `${c} ${ph} –`;
        const gflops = (rate * report.flopsPerToken[c][ph]) / 1e9;
        return `${c} ${ph} ${gflops.toFixed(1)}${peak ? ` (${((100 * gflops) / peak.gflops).toFixed(0)} %)` : ''}`;
      }),
    );
    out.push(`  ${label}: ${parts.join(', ')}`);
  }
  for (const r of report.sgemmPeak?.results ?? []) out.push(`  sgemm ${r.n}³ on ${r.threads} threads: ${r.library} ${r.gflops.toFixed(0)} GFLOP/s`);
  return out;
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

/** The timing rules of time-based cells, for the table's header. */
function describeTiming(quick) {
  const t = quick ? TIMING.quick : TIMING.full;
  return `warm-up for ≥ ${t.warmupSteps} step${t.warmupSteps === 1 ? '' : 's'} and ≥ ${t.warmupSeconds} s, then steps until ≥ ${t.minSeconds} s and ≥ ${t.minSteps} step${t.minSteps === 1 ? '' : 's'}, except cells marked as fixed`;
}

/** Writes `value` as indented JSON through a temporary file, so a reader never sees half a file. */
function writeJson(file, value) {
  const temp = `${file}.tmp`;
  fs.writeFileSync(temp, `${JSON.stringify(value, null, 2)}\n`);
  fs.renameSync(temp, file);
}

module.exports = { progress, formatRate, buildReport, writeReport, printReport };
