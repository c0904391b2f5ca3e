'use strict';
/**
 * Sampling in rounds: runs the head-to-head peers (ours, torch-1, torch-2) in interleaved rounds, each
 * round a fresh process, then the slow tfjs peers once; merges each peer's rounds into its best figure
 * per cell with every round's figure, and gives the median-of-rounds view of a peer.
 */
const { median } = require('./stats');
const { CONFIG_NAMES, PHASES } = require('./workload');
const { RUN_RANK, HEAD_TO_HEAD, planFor } = require('./peers');
const { runPeer, summarizePeer } = require('./peerProcess');
const { formatRate, progress } = require('./report');

/** Rounds of the head-to-head peers by default (full run / --quick). */
const DEFAULT_ROUNDS = { full: 3, quick: 1 };

/**
 * Runs one peer once (one round) with its plan and returns summarizePeer's summary, printing progress
 * lines headed by `prefix`. Without `capture`, the plan has no capture entry (oursPeer.js then times none).
 */
async function runAndSummarize(peer, options, torch, { prefix, capture }) {
  const plan = planFor(peer, options.quick, capture);
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

/** Runs the requested peers (head to head in interleaved rounds, merged; then the others once) and returns their summaries in PEERS' order. */
async function runAllPeers(options, torch) {
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
  return options.peers.map((p) => summaries.get(p.id));
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

module.exports = { DEFAULT_ROUNDS, runAllPeers, medianOfRounds };
