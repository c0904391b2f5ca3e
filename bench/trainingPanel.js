#!/usr/bin/env node
'use strict';
/**
 * Training with the training panel open against training with it closed, in the real VS Code (the offline
 * code-server, the extension from this repository, headless Debian Chromium drawing the panel), in
 * interleaved rounds: each round trains the same model on the same lines through the extension's UI once
 * with rnnLens.training.showPanel on (the panel draws the live curves) and once off, and reads the training
 * loop's tokens/s from the saved model's metadata. The brief's target: open within 5 % of closed.
 *
 * Usage: node bench/trainingPanel.js [--rounds N] [--lines N]   (build first: node esbuild.js)
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { argValue, median } = require('./stats');
const cs = require('../test/support/codeServer');
const e2e = require('../test/e2e/lib');

/** A run long enough for the panel to draw many updates (a few seconds of training), short enough for rounds. */
const MODEL_SETTINGS = {
  'rnnLens.cell': 'lstm',
  'rnnLens.hiddenSize': 64,
  'rnnLens.embeddingSize': 32,
  'rnnLens.tokenization': 'char',
  'rnnLens.epochs': 40,
  'rnnLens.batchSize': 32,
};

/** The metadata.json written last under `dir`. */
function newestMetadata(dir) {
  let best;
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name === 'metadata.json') {
        const t = fs.statSync(p).mtimeMs;
        if (!best || t > best.t) best = { p, t };
      }
    }
  };
  walk(dir);
  return best && JSON.parse(fs.readFileSync(best.p, 'utf8'));
}

async function main() {
  const rounds = Number(argValue('--rounds', 3));
  const lines = Number(argValue('--lines', 6000));
  if (!fs.existsSync(path.join(cs.repoRoot, 'dist', 'webview', 'training.js'))) throw new Error('dist/ is missing the training panel: build first (node esbuild.js)');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rnn-lens-bench-panel-'));
  cs.onCleanup(() => fs.rmSync(tmp, { recursive: true, force: true }));
  const workspace = path.join(tmp, 'workspace');
  const stateDir = path.join(tmp, 'code-server');
  let server;
  let browser;
  try {
    if (!(await cs.makeWorkspace(workspace))) throw new Error('the demo workspace could not be written (scripts/makeDemo.js)');
    const settingsFile = path.join(workspace, '.vscode', 'settings.json');
    fs.mkdirSync(path.dirname(settingsFile), { recursive: true });
    const base = fs.existsSync(settingsFile) ? JSON.parse(fs.readFileSync(settingsFile, 'utf8')) : {};
    const setPanel = (open) => fs.writeFileSync(settingsFile, JSON.stringify({ ...base, ...MODEL_SETTINGS, 'rnnLens.training.showPanel': open }, null, 2));
    setPanel(true);
    server = await cs.startCodeServer({ stateDir, quiet: true, userSettings: { 'editor.minimap.enabled': false } });
    browser = await cs.launchBrowser(path.join(tmp, 'chromium'));
    const { page } = browser;
    await page.goto(server.workbenchUrl(workspace, { extensionDevelopmentPath: cs.extensionPath() }));
    await cs.waitForWorkbench(page);
    await page.waitForFunction(() => document.title.includes('[Extension Development Host]'), null, { timeout: 30000 });
    await cs.sleep(2000);
    Object.assign(e2e.fixture, { page, server, workspace, resultsDir: tmp });

    const train = async (open) => {
      setPanel(open);
      await cs.sleep(1000);
      await e2e.runCommand('View: Close All Editors');
      await e2e.quickOpen('names.tsv');
      await e2e.selectFirstLines(lines);
      await e2e.runCommand('RNN: Train RNN on selection');
      await page.locator('.quick-input-widget .quick-input-title', { hasText: /^\s*Train RNN/ }).waitFor({ state: 'visible', timeout: 30000 });
      await e2e.waitForFirstRow('Train with these settings');
      await page.keyboard.press('Enter');
      await e2e.waitForNotification('Trained', { timeout: 10 * 60 * 1000 });
      await page.keyboard.press('Escape');
      const panelShown = await page.locator('.tab', { hasText: 'RNN Training' }).count();
      if (open !== panelShown > 0) throw new Error(`expected the training panel ${open ? 'open' : 'closed'}, the tabs say otherwise`);
      const meta = newestMetadata(stateDir);
      return { tokensPerSecond: meta.metrics.tokensPerSecond, seconds: meta.metrics.seconds };
    };

    console.log(`[bench] warm-up run (panel open)…`);
    await train(true);
    const results = { open: [], closed: [] };
    for (let r = 0; r < rounds; r++) {
      for (const open of r % 2 === 0 ? [true, false] : [false, true]) {
        const got = await train(open);
        results[open ? 'open' : 'closed'].push(got);
        console.log(`[bench] round ${r + 1}, panel ${open ? 'open  ' : 'closed'}: ${Math.round(got.tokensPerSecond).toLocaleString('en')} tokens/s (${got.seconds.toFixed(1)} s of training)`);
      }
    }
    const med = (xs) => median(xs.map((x) => x.tokensPerSecond));
    const best = (xs) => Math.max(...xs.map((x) => x.tokensPerSecond));
    const ratio = med(results.open) / med(results.closed);
    console.log(`\nTraining with the training panel open vs closed, real VS Code (code-server 4.99.4), ${os.cpus().length} × ${os.cpus()[0].model}`);
    console.log(`LSTM H=64, E=32, chars, 40 epochs, batch 32, the first ${lines} lines of names.tsv; ${rounds} interleaved rounds`);
    console.log(`  panel open:   median ${Math.round(med(results.open)).toLocaleString('en')} tokens/s, best ${Math.round(best(results.open)).toLocaleString('en')}`);
    console.log(`  panel closed: median ${Math.round(med(results.closed)).toLocaleString('en')} tokens/s, best ${Math.round(best(results.closed)).toLocaleString('en')}`);
    console.log(`  open / closed: ×${ratio.toFixed(3)} (median), ×${(best(results.open) / best(results.closed)).toFixed(3)} (best); target ≥ ×0.95: ${ratio >= 0.95 ? 'met' : 'NOT met'}`);
  } finally {
    if (browser) await browser.close();
    if (server) await server.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  async (err) => {
    console.error(err && err.stack ? err.stack : err);
    await cs.runCleanups();
    process.exit(1);
  },
);
