#!/usr/bin/env node
// Runs the webview component tests (test/webview/*.test.js) with mocha in plain Node: writes fresh
// fixtures with the engine (makeFixtures.ts, into a temp folder), serves dist/webview/*.js and
// media/*.css on 127.0.0.1, and drives the views in headless Debian Chromium. Build first
// (`node esbuild.js`). Screenshots go to test-results/webview/.
//   node test/webview/run.js [--grep PATTERN]   (WEBVIEW_TESTS=training runs only the files whose name matches)
'use strict';

const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const harness = require('./harness');

const resultsDir = path.join(harness.repoRoot, 'test-results', 'webview');

function argValue(name) {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** Trains the fixture models and writes their inspections into `dir`. */
function makeFixtures(dir, extra = []) {
  const tsx = require.resolve('tsx/cli');
  const result = spawnSync(process.execPath, [tsx, path.join(__dirname, 'makeFixtures.ts'), dir, ...extra], { cwd: harness.repoRoot, stdio: ['ignore', 'inherit', 'inherit'] });
  if (result.status !== 0) throw new Error(`makeFixtures.ts failed (exit ${result.status})`);
}

async function main() {
  const t0 = Date.now();
  for (const name of ['unrolled', 'states', 'training']) {
    if (!fs.existsSync(path.join(harness.repoRoot, 'dist', 'webview', `${name}.js`))) throw new Error(`dist/webview/${name}.js is missing: build first (node esbuild.js)`);
  }
  fs.rmSync(resultsDir, { recursive: true, force: true });
  fs.mkdirSync(resultsDir, { recursive: true });
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rnn-lens-webview-'));
  let failures = 1;
  try {
    makeFixtures(tmp);
    harness.fixture.fixtures = harness.loadFixtures(tmp);
    harness.fixture.resultsDir = resultsDir;
    harness.fixture.server = await harness.startServer();
    harness.fixture.browser = await harness.launchBrowser();
    const Mocha = require('mocha');
    const mocha = new Mocha({ ui: 'bdd', timeout: 30000, reporter: 'spec', color: false });
    const grep = argValue('--grep');
    if (grep) mocha.grep(grep);
    const only = process.env.WEBVIEW_TESTS ? new RegExp(process.env.WEBVIEW_TESTS) : null;
    fs.readdirSync(__dirname)
      .filter((f) => f.endsWith('.test.js') && (!only || only.test(f)))
      .sort()
      .forEach((f) => mocha.addFile(path.join(__dirname, f)));
    failures = await new Promise((resolve) => mocha.run(resolve));
  } finally {
    if (harness.fixture.browser) await harness.fixture.browser.close().catch(() => undefined);
    if (harness.fixture.server) await harness.fixture.server.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  console.log(`[webview] ${failures === 0 ? 'passed' : `FAILED (${failures} failing)`} in ${((Date.now() - t0) / 1000).toFixed(1)} s; screenshots in ${path.relative(harness.repoRoot, resultsDir)}/`);
  return failures === 0 ? 0 : 1;
}

for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    const browser = harness.fixture.browser;
    (browser ? browser.close().catch(() => undefined) : Promise.resolve()).finally(() => process.exit(130));
  });
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`[webview] ERROR: ${err && err.stack ? err.stack : err}`);
    console.log('0 passing\n1 failing');
    process.exit(1);
  },
);

module.exports = { makeFixtures };
