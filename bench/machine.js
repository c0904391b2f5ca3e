'use strict';
/** The machine a bench run ran on, for the report: CPU, cores, memory, platform, Node and tfjs versions, OPENBLAS_* variables, git commit and load average. */
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.join(__dirname, '..');

/** The 1, 5 and 15 minute load averages, rounded to hundredths. */
function loadAverage() {
  return os.loadavg().map((x) => Math.round(x * 100) / 100);
}

/** The machine's description, with the load average now as `loadAverageAtStart`. */
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
    loadAverageAtStart: loadAverage(),
  };
}

/** The version of an installed package, or 'not installed'. */
function readVersion(pkg) {
  try {
    return require(`${pkg}/package.json`).version;
  } catch {
    return 'not installed';
  }
}

module.exports = { machineInfo, loadAverage };
