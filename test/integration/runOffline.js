#!/usr/bin/env node
// Runs the integration suite (out/integration/index.js, built by `node esbuild.js`) inside the
// extension host of an offline VS Code: code-server + headless Debian Chromium via playwright-core.
// Prints the suite's report and exits with the suite's exit code.
//   RNN_LENS_IT_TIMEOUT_MS   overall limit (default 10 min)
//   RNN_LENS_VERBOSE=1       echo the browser console (the extension host's console) to stdout
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');
const cs = require('../support/codeServer');

const resultsDir = path.join(cs.repoRoot, 'test-results', 'integration');
const suitePath = path.join(cs.repoRoot, 'out', 'integration', 'index.js');
const overallTimeoutMs = Number(process.env.RNN_LENS_IT_TIMEOUT_MS) || 10 * 60 * 1000;
const verbose = process.env.RNN_LENS_VERBOSE === '1';

async function main() {
  const t0 = Date.now();
  if (!fs.existsSync(suitePath)) {
    throw new Error(`${path.relative(cs.repoRoot, suitePath)} is missing: build first (node esbuild.js)`);
  }
  const extPath = cs.extensionPath();
  if (!fs.existsSync(path.join(extPath, 'package.json'))) throw new Error(`no extension at ${extPath}`);
  fs.rmSync(resultsDir, { recursive: true, force: true });
  fs.mkdirSync(resultsDir, { recursive: true });

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rnn-lens-it-'));
  // On Ctrl+C the cleanups run newest first: browser, code-server, then this folder.
  cs.onCleanup(() => fs.rmSync(tmp, { recursive: true, force: true }));
  const workspace = path.join(tmp, 'workspace');
  const reportFile = path.join(tmp, 'report.txt');
  const consoleLog = path.join(resultsDir, 'browser-console.log');
  let server;
  let browser;
  let exitCode = 1;
  let timer;
  try {
    const demo = await cs.makeWorkspace(workspace);
    console.log(`[integration] workspace ${workspace}${demo ? ' (demo)' : ' (empty)'}`);
    server = await cs.startCodeServer({
      stateDir: path.join(tmp, 'code-server'),
      logFile: path.join(resultsDir, 'code-server.log'),
      env: { RNN_LENS_TEST_REPORT: reportFile, RNN_LENS_TEST_WORKSPACE: workspace },
    });
    browser = await cs.launchBrowser(path.join(tmp, 'chromium'));
    const { page } = browser;

    const consoleStream = fs.createWriteStream(consoleLog);
    page.on('console', (msg) => {
      const line = `[${msg.type()}] ${msg.text()}`;
      consoleStream.write(line + '\n');
      if (verbose) console.log(`[browser] ${line}`);
    });
    page.on('pageerror', (err) => consoleStream.write(`[pageerror] ${err.message}\n`));

    let screenshotTaken = false;
    const screenshot = async (name) => {
      try {
        await page.screenshot({ path: path.join(resultsDir, name), timeout: 10000 });
        screenshotTaken = true;
      } catch (err) {
        console.log(`[integration] screenshot failed: ${err.message}`);
      }
    };

    const exited = new Promise((resolve) => {
      page.exposeFunction('codeAutomationExit', async (code) => {
        await screenshot('workbench.png');
        resolve(typeof code === 'number' ? code : Number(code) || 0);
      });
    });
    const timedOut = new Promise((resolve) => {
      timer = setTimeout(() => resolve('timeout'), Math.max(0, overallTimeoutMs - (Date.now() - t0)));
    });
    const serverDied = new Promise((resolve) => server.proc.once('exit', () => resolve('server-exit')));

    const url = server.workbenchUrl(workspace, {
      extensionDevelopmentPath: extPath,
      extensionTestsPath: suitePath,
    });
    console.log(`[integration] opening ${url}`);
    await page.goto(url);

    const result = await Promise.race([exited, timedOut, serverDied]);
    if (cs.interrupted()) return 130;
    if (result === 'timeout') {
      await screenshot('workbench-timeout.png');
      console.error(
        `[integration] TIMEOUT: the suite did not finish within ${overallTimeoutMs / 1000} s ` +
          `(RNN_LENS_IT_TIMEOUT_MS); see ${path.relative(cs.repoRoot, resultsDir)}/`,
      );
      exitCode = 1;
    } else if (result === 'server-exit') {
      console.error(`[integration] code-server exited unexpectedly: ${JSON.stringify(server.exitInfo())}`);
      exitCode = 1;
    } else {
      exitCode = result;
      if (!screenshotTaken) await screenshot('workbench.png');
    }
    consoleStream.end();

    if (fs.existsSync(reportFile)) {
      const report = fs.readFileSync(reportFile, 'utf8');
      fs.writeFileSync(path.join(resultsDir, 'report.txt'), report);
      console.log('\n' + report.trimEnd());
      if (exitCode === 0 && /^\d+ passed, [1-9]\d* failed$/m.test(report)) exitCode = 1;
    } else {
      console.error('[integration] the suite wrote no report (did it start? see browser-console.log and logs/)');
      console.log('0 passed, 1 failed');
      if (exitCode === 0) exitCode = 1;
    }
  } finally {
    clearTimeout(timer);
    if (browser) await browser.close();
    if (server) {
      await server.stop({ keepState: true });
      copyLogs(path.join(server.userDataDir, 'logs'), path.join(resultsDir, 'logs'));
    }
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  console.log(
    `[integration] ${exitCode === 0 ? 'passed' : `FAILED (exit ${exitCode})`} in ${((Date.now() - t0) / 1000).toFixed(1)} s; ` +
      `screenshot and logs in ${path.relative(cs.repoRoot, resultsDir)}/`,
  );
  return exitCode;
}

function copyLogs(from, to) {
  try {
    if (fs.existsSync(from)) fs.cpSync(from, to, { recursive: true });
  } catch {
    /* logs are a diagnostic aid only */
  }
}

main().then(
  (code) => {
    if (!cs.interrupted()) process.exit(code); // else the signal handler exits once cleaned up
  },
  async (err) => {
    if (cs.interrupted()) return;
    console.error(`[integration] ERROR: ${err && err.stack ? err.stack : err}`);
    console.log('0 passed, 1 failed');
    await cs.runCleanups();
    process.exit(1);
  },
);
