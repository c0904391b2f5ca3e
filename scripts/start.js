#!/usr/bin/env node
// `npm start`: sets up, builds, writes the demo workspace to demo/workspace and serves VS Code
// (code-server, offline) on http://127.0.0.1:8080 (env PORT; the next free port if busy) with
// RNN Lens loaded as the development extension. Runs until Ctrl+C.
//   node scripts/start.js --check   start, load the workbench in headless Chromium, check that the
//                                   extension is loaded, screenshot to test-results/start/, exit.
//   RNN_LENS_SKIP_SETUP=1           skip scripts/setup.sh
// Settings and models of the served VS Code persist in .vscode-test/start/ between starts.
'use strict';

const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const repoRoot = path.resolve(__dirname, '..');
const check = process.argv.includes('--check');

function run(cmd, args, what) {
  console.log(`[start] ${what}`);
  const r = spawnSync(cmd, args, { cwd: repoRoot, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`[start] ${what} failed (exit ${r.status === null ? r.signal : r.status})`);
    process.exit(1);
  }
}

async function main() {
  if (process.env.RNN_LENS_SKIP_SETUP !== '1') run('bash', ['scripts/setup.sh'], 'setup: scripts/setup.sh');
  run(process.execPath, ['esbuild.js'], 'build: node esbuild.js');

  // Required only now: setup may just have installed node_modules.
  const cs = require('../test/support/codeServer');
  const workspace = path.join(repoRoot, 'demo', 'workspace');
  const demo = await cs.makeWorkspace(workspace);
  console.log(`[start] workspace ${path.relative(repoRoot, workspace)}${demo ? ' (demo written)' : ' (empty)'}`);

  const port = Number(process.env.PORT) || 8080;
  const stateDir = check
    ? fs.mkdtempSync(path.join(os.tmpdir(), 'rnn-lens-start-check-'))
    : path.join(repoRoot, '.vscode-test', 'start');
  const server = await cs.startCodeServer({
    port,
    stateDir,
    keepUserSettings: !check,
    logFile: path.join(stateDir, 'code-server.log'),
    quiet: true,
  });
  if (server.port !== port) console.log(`[start] port ${port} is busy; using ${server.port}`);
  const url = server.workbenchUrl(workspace, { extensionDevelopmentPath: cs.extensionPath() });

  if (check) {
    const code = await runCheck(cs, server, url);
    await server.stop();
    fs.rmSync(stateDir, { recursive: true, force: true });
    process.exit(code);
  }

  console.log('');
  console.log('RNN Lens is running in VS Code (code-server) with the demo workspace. Open:');
  console.log('');
  console.log(`  ${url}`);
  console.log('');
  console.log(`(listening on 127.0.0.1:${server.port} only; from another machine forward the port, e.g.`);
  console.log(` ssh -L ${server.port}:127.0.0.1:${server.port} host. Log: ${path.relative(repoRoot, server.logFile)}.`);
  console.log(' Press Ctrl+C to stop.)');
  server.proc.on('exit', async (code, signal) => {
    if (server.stopping) return;
    console.error(`[start] code-server exited (${signal || code}); see ${server.logFile}`);
    await server.stop();
    process.exit(1);
  });
}

/** Loads the workbench headless, checks that RNN Lens is loaded, saves a screenshot. */
async function runCheck(cs, server, url) {
  const outDir = path.join(repoRoot, 'test-results', 'start');
  fs.mkdirSync(outDir, { recursive: true });
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'rnn-lens-start-chromium-'));
  const browser = await cs.launchBrowser(profile);
  const { page } = browser;
  let ok = false;
  try {
    const health = await cs.httpGet(`${server.baseUrl}/healthz`);
    console.log(`[start --check] /healthz: ${health.status} ${health.body.trim()}`);
    await page.goto(url);
    await cs.waitForWorkbench(page);
    await page.waitForFunction(() => document.title.includes('[Extension Development Host]'), null, { timeout: 30000 });
    console.log(`[start --check] title: ${await page.title()}`);
    const rnnItem = page.locator('.part.statusbar .statusbar-item', { hasText: /RNN/ });
    const hasItem = await rnnItem
      .first()
      .waitFor({ state: 'visible', timeout: 30000 })
      .then(() => true, () => false);
    console.log(`[start --check] RNN Lens status bar item: ${hasItem ? JSON.stringify((await rnnItem.first().innerText()).trim()) : 'not found'}`);
    ok = true;
  } catch (err) {
    console.error(`[start --check] FAILED: ${err.message}`);
  } finally {
    await page.waitForTimeout(1000);
    const shot = path.join(outDir, 'workbench.png');
    await page.screenshot({ path: shot }).catch(() => {});
    console.log(`[start --check] screenshot ${path.relative(repoRoot, shot)}`);
    await browser.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
  console.log(`[start --check] ${ok ? 'OK' : 'FAILED'}: ${url}`);
  return ok ? 0 : 1;
}

main().catch((err) => {
  console.error(`[start] ERROR: ${err && err.stack ? err.stack : err}`);
  process.exit(1);
});
