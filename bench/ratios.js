'use strict';
/**
 * The comparison: ours' tokens/s over each peer's per cell, over the best PyTorch thread count per cell
 * (torch-best), and the same from each peer's median round.
 */
const { CONFIG_NAMES, PHASES } = require('./workload');
const { medianOfRounds } = require('./rounds');

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

/** torchBest, ours' ratios to each peer and torch-best, and the same from the median rounds (empty without ours). */
function compare(peers) {
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
  return { torchBest: best, ratios, ratiosMedianOfRounds };
}

module.exports = { compare };
