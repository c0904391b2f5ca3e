'use strict';
/** Small helpers the browser benchmarks share: command-line values and median / p95 / max of samples. */

/** The value after `name` on the command line, or `fallback`. */
function argValue(name, fallback) {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

/** The q-quantile (nearest rank) of an ascending array; NaN when it is empty. */
function quantile(sorted, q) {
  if (!sorted.length) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i];
}

/** Median, p95 and max of the finite values. */
function summary(values) {
  const s = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  return { median: quantile(s, 0.5), p95: quantile(s, 0.95), max: s[s.length - 1] };
}

module.exports = { argValue, quantile, summary };
