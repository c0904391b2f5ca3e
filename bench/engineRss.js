#!/usr/bin/env node
'use strict';
/**
 * The engine's memory while it trains the large config, end to end: `dist/cli.js train` (the same
 * EngineService the extension's engine process runs: tfjs model, our kernels on two threads, saving)
 * on a generated file of 6,000 lines × 64 words drawn from 20,000 words (so the vocabulary is 20,000),
 * E = 128, H = 256, batch 64, 2 epochs. Samples the process's VmRSS every 50 ms and splits the samples
 * by the phase the CLI's progress lines announce; VmHWM gives the peak of the whole run. Node runs with
 * the flags the extension gives its engine process (ENGINE_NODE_FLAGS).
 * Usage: node bench/engineRss.js [--json]   (build first: node esbuild.js)
 */
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.join(__dirname, '..');
const LINES = 6000;
const TOKENS = 64;
const VOCAB = 20000;

/** Deterministic words (mulberry32) so every run trains on the same file. */
function writeDataset(file) {
  let a = 12345;
  const random = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const lines = [];
  for (let i = 0; i < LINES; i++) {
    const label = i % 2 ? 'pos' : 'neg';
    // Every word appears (the first VOCAB draws walk the list); the label shifts which half is likelier.
    const words = [];
    for (let t = 0; t < TOKENS; t++) {
      const k = i * TOKENS + t;
      const id = k < VOCAB ? k : Math.floor(random() * VOCAB);
      words.push(`w${(id + (label === 'pos' && random() < 0.2 ? 1 : 0)) % VOCAB}`);
    }
    lines.push(`${label}\t${words.join(' ')}`);
  }
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
}

/** The flags the extension starts its engine process with (src/shared/protocol.ts), so the CLI runs as the engine does. */
function engineNodeFlags() {
  require('tsx/cjs/api').register();
  return require(path.join(ROOT, 'src', 'shared', 'protocol.ts')).ENGINE_NODE_FLAGS;
}

function readStatusMb(pid, field) {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Runs the training and returns { phases: { name: { samples, maxMb, medianMb } }, peakMb, tokensPerSecond, vocabulary, backend, seconds }. */
async function measureEngineRss() {
  const cli = path.join(ROOT, 'dist', 'cli.js');
  if (!fs.existsSync(cli)) throw new Error('dist/cli.js is missing: build first (node esbuild.js)');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rnn-lens-bench-rss-'));
  try {
    const data = path.join(tmp, 'large.tsv');
    writeDataset(data);
    const args = [cli, 'train', data, '--hidden', '256', '--embedding', '128', '--max-length', String(TOKENS), '--batch', '64', '--epochs', '2', '--max-vocabulary', String(VOCAB), '--out', path.join(tmp, 'model')];
    const started = Date.now();
    const flags = engineNodeFlags();
    const child = spawn(process.execPath, [...flags, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let phase = 'starting';
    const phases = {};
    let stdout = '';
    let stderrTail = '';
    let peakMb;
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => {
      const text = String(d);
      stderrTail = (stderrTail + text).slice(-2000);
      // Progress lines: "Building…", "Training on …", "training epoch …", "evaluating epoch …", "Saving the model…".
      for (const line of text.split(/[\r\n]+/)) {
        if (/^training epoch/.test(line)) phase = 'training';
        else if (/^evaluating epoch/.test(line)) phase = 'evaluating';
        else if (/Saving the model/.test(line)) phase = 'saving';
        else if (/Building a /.test(line)) phase = 'building';
      }
    });
    const timer = setInterval(() => {
      const rss = readStatusMb(child.pid, 'VmRSS');
      const hwm = readStatusMb(child.pid, 'VmHWM');
      if (hwm !== undefined) peakMb = Math.max(peakMb ?? 0, hwm);
      if (rss !== undefined) (phases[phase] ??= []).push(rss);
    }, 50);
    const code = await new Promise((resolve) => child.on('close', resolve));
    clearInterval(timer);
    if (code !== 0) throw new Error(`dist/cli.js train exited with ${code}: ${stderrTail.trim().split('\n').slice(-3).join(' | ')}`);
    const result = JSON.parse(stdout);
    const summary = {};
    for (const [name, samples] of Object.entries(phases)) {
      const sorted = [...samples].sort((x, y) => x - y);
      summary[name] = { samples: samples.length, maxMb: sorted[sorted.length - 1], medianMb: sorted[Math.floor(sorted.length / 2)] };
    }
    return {
      command: `node ${flags.join(' ')} dist/cli.js ${args.slice(1).map((a) => (a.startsWith(tmp) ? path.basename(a) : a)).join(' ')}`,
      data: { lines: LINES, tokensPerLine: TOKENS, words: VOCAB },
      phases: summary,
      peakMb,
      tokensPerSecond: result.tokensPerSecond,
      backend: result.backend,
      trainSeconds: result.seconds,
      wallSeconds: (Date.now() - started) / 1000,
    };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** One line per phase for the report. */
function formatEngineRss(r) {
  const order = ['starting', 'building', 'training', 'evaluating', 'saving'];
  const parts = order.filter((p) => r.phases[p]).map((p) => `${p} ≤ ${Math.round(r.phases[p].maxMb)} MB`);
  return [
    `engine RSS training the large config end to end (${r.command}; ${r.backend}, ${Math.round(r.tokensPerSecond)} tokens/s):`,
    `  while training: max ${Math.round(r.phases.training?.maxMb ?? NaN)} MB (median ${Math.round(r.phases.training?.medianMb ?? NaN)} MB); whole run peak (VmHWM) ${Math.round(r.peakMb)} MB; by phase: ${parts.join(', ')}`,
  ];
}

module.exports = { measureEngineRss, formatEngineRss };

if (require.main === module) {
  measureEngineRss()
    .then((r) => {
      if (process.argv.includes('--json')) console.log(JSON.stringify(r, null, 2));
      else console.log(formatEngineRss(r).join('\n'));
    })
    .catch((err) => {
      console.error(err && err.stack ? err.stack : err);
      process.exit(1);
    });
}
