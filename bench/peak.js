'use strict';
/**
 * The machine's sgemm peak for the report's "fraction of peak": float32 2048³ matmul on two threads
 * with the best BLAS available to Python (numpy's OpenBLAS, PyTorch's MKL), measured in the same run as
 * the peers. OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE are removed from its environment: the environment here
 * sets CORETYPE=Haswell, which caps OpenBLAS at AVX2 on an AVX-512 machine.
 */
const { spawnSync } = require('node:child_process');
const path = require('node:path');

/** FLOP per token of the benchmark's Embedding → LSTM → Dense model: the four gates' x·W and h·U; training ≈ 3× (forward, and the two backward products). */
function flopsPerToken(config, phase) {
  const forward = 2 * (config.embedding + config.hidden) * 4 * config.hidden + 2 * config.hidden * config.classes / config.time;
  return phase === 'train' ? 3 * forward : forward;
}

/** Runs bench/peak.py with `python`; resolves { results: [{ library, threads, n, gflops }], best, errors } (best: the highest). */
function measureSgemmPeak(python = 'python3', { n = 2048, threads = 2, rounds = 3 } = {}) {
  const env = { ...process.env, OPENBLAS_NUM_THREADS: String(threads), MKL_NUM_THREADS: String(threads), OMP_NUM_THREADS: String(threads) };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const run = spawnSync(python, [path.join(__dirname, 'peak.py'), String(n), String(threads), String(rounds)], { env, encoding: 'utf8', timeout: 300000 });
  if (run.status !== 0) return { results: [], best: undefined, errors: [`${python} bench/peak.py: ${run.error?.message ?? run.stderr.trim().split('\n').pop()}`] };
  const parsed = JSON.parse(run.stdout.trim().split('\n').pop());
  const best = parsed.results.reduce((a, b) => (!a || b.gflops > a.gflops ? b : a), undefined);
  return { ...parsed, best, settings: `float32 ${n}³, ${threads} threads, best of ${rounds}; OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset` };
}

module.exports = { flopsPerToken, measureSgemmPeak };
