#!/usr/bin/env node
// Runs the Playwright e2e tests (test/e2e/*.e2e.js) with mocha against a real VS Code workbench:
// code-server with the extension loaded from the repo (dist/ built by `node esbuild.js`), a fresh
// demo workspace, headless Debian Chromium. Screenshots of each step go to test-results/e2e/.
//   node test/e2e/run.js [--grep PATTERN]
//   RNN_LENS_E2E_TIMEOUT_MS   overall limit (default 15 min)
//   RNN_LENS_VERBOSE=1        echo the browser console to stdout
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');
const cs = require('../support/codeServer');
const e2e = require('./lib');

const resultsDir = path.join(cs.repoRoot, 'test-results', 'e2e');
const overallTimeoutMs = Number(process.env.RNN_LENS_E2E_TIMEOUT_MS) || 15 * 60 * 1000;
const verbose = process.env.RNN_LENS_VERBOSE === '1';

function argValue(name) {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main() {
  const t0 = Date.now();
  const extPath = cs.extensionPath();
  const pkg = JSON.parse(fs.readFileSync(path.join(extPath, 'package.json'), 'utf8'));
  if (pkg.main && !fs.existsSync(path.resolve(extPath, pkg.main))) {
    throw new Error(`${pkg.main} is missing: build first (node esbuild.js)`);
  }
  fs.rmSync(resultsDir, { recursive: true, force: true });
  fs.mkdirSync(resultsDir, { recursive: true });

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rnn-lens-e2e-'));
  // On Ctrl+C the cleanups run newest first: browser, code-server, then this folder.
  cs.onCleanup(() => fs.rmSync(tmp, { recursive: true, force: true }));
  const workspace = path.join(tmp, 'workspace');
  let server;
  let browser;
  let watchdog;
  let failures = 1;
  try {
    const demo = await cs.makeWorkspace(workspace);
    console.log(`[e2e] workspace ${workspace}${demo ? ' (demo)' : ' (empty)'}`);
    server = await cs.startCodeServer({
      stateDir: path.join(tmp, 'code-server'),
      logFile: path.join(resultsDir, 'code-server.log'),
      // Quick hovers; no minimap so screenshots show the text.
      userSettings: { 'editor.hover.delay': 200, 'editor.minimap.enabled': false },
    });
    browser = await cs.launchBrowser(path.join(tmp, 'chromium'));
    const { page } = browser;
    const consoleStream = fs.createWriteStream(path.join(resultsDir, 'browser-console.log'));
    page.on('console', (msg) => {
      const line = `[${msg.type()}] ${msg.text()}`;
      consoleStream.write(line + '\n');
      if (verbose) console.log(`[browser] ${line}`);
    });
    page.on('pageerror', (err) => consoleStream.write(`[pageerror] ${err.message}\n`));

    const url = server.workbenchUrl(workspace, { extensionDevelopmentPath: extPath });
    console.log(`[e2e] opening ${url}`);
    await page.goto(url);
    await cs.waitForWorkbench(page);
    await page.waitForFunction(() => document.title.includes('[Extension Development Host]'), null, { timeout: 30000 });
    // Let start-up notifications and onStartupFinished activation settle.
    await e2e.settle(2000);
    Object.assign(e2e.fixture, { page, server, workspace, resultsDir });
    await e2e.shot('workbench ready');

    watchdog = setTimeout(() => {
      console.error(`[e2e] TIMEOUT: the e2e tests did not finish within ${overallTimeoutMs / 1000} s (RNN_LENS_E2E_TIMEOUT_MS)`);
      console.log('0 passing\n1 failing');
      e2e.shot('timeout').finally(() => cs.runCleanups().finally(() => process.exit(1)));
    }, Math.max(1000, overallTimeoutMs - (Date.now() - t0)));

    const Mocha = require('mocha');
    const mocha = new Mocha({ ui: 'bdd', timeout: 5 * 60 * 1000, reporter: 'spec', color: false });
    const grep = argValue('--grep');
    if (grep) mocha.grep(grep);
    const files = fs
      .readdirSync(__dirname)
      .filter((f) => f.endsWith('.e2e.js'))
      .sort()
      .map((f) => path.join(__dirname, f));
    if (!files.length) throw new Error('no test/e2e/*.e2e.js files');
    files.forEach((f) => mocha.addFile(f));
    mocha.suite.afterEach(async function () {
      if (this.currentTest && this.currentTest.state === 'failed') {
        await e2e.shot(`FAILED ${this.currentTest.title}`);
      }
    });
    failures = await new Promise((resolve) => mocha.run(resolve));
    consoleStream.end();
  } finally {
    clearTimeout(watchdog);
    if (browser) await browser.close();
    if (server) {
      await server.stop({ keepState: true });
      try {
        fs.cpSync(path.join(server.userDataDir, 'logs'), path.join(resultsDir, 'logs'), { recursive: true });
      } catch {
        /* diagnostic aid only */
      }
    }
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  console.log(
    `[e2e] ${failures === 0 ? 'passed' : `FAILED (${failures} failing)`} in ${((Date.now() - t0) / 1000).toFixed(1)} s; ` +
      `screenshots and logs in ${path.relative(cs.repoRoot, resultsDir)}/`,
  );
  return failures === 0 ? 0 : 1;
}

main().then(
  (code) => {
    if (!cs.interrupted()) process.exit(code); // else the signal handler exits once cleaned up
  },
  async (err) => {
    if (cs.interrupted()) return;
    console.error(`[e2e] ERROR: ${err && err.stack ? err.stack : err}`);
    console.log('0 passing\n1 failing');
    await cs.runCleanups();
    process.exit(1);
  },
);
