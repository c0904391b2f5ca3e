// Starts and stops the offline VS Code (code-server 4.99.4 installed by scripts/setup.sh) for the
// integration runner, the e2e runner and `npm start`; also the demo workspace and the browser.
// Recipe: /work/shared/reference/offline-vscode.md (code-server from npm + Debian Chromium).
'use strict';

const { spawn } = require('child_process');
const fs = require('fs');
const http = require('http');
const net = require('net');
const os = require('os');
const path = require('path');

/** Repository root (the extension under test). */
const repoRoot = path.resolve(__dirname, '..', '..');

/** Where scripts/setup.sh installs code-server. */
const codeServerDir = process.env.RNN_LENS_CODE_SERVER_DIR || '/opt/code-server-4.99.4';

/** Debian's Chromium, driven by playwright-core (never `playwright install`). */
const chromiumPath = process.env.RNN_LENS_CHROMIUM || '/usr/bin/chromium';

/** Chromium flags that work headless as root on these machines. */
const chromiumArgs = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** User settings for a fresh profile: nothing that pops up or phones home. */
const defaultUserSettings = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'security.workspace.trust.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'chat.commandCenter.enabled': false,
  'git.enabled': false,
  'window.restoreWindows': 'none',
  'files.hotExit': 'off',
};

/** The extension loaded into the workbench: the repo, unless a harness check points elsewhere. */
function extensionPath() {
  return path.resolve(process.env.RNN_LENS_EXTENSION_PATH || repoRoot);
}

/** Path of code-server's entry point; throws with a hint when setup has not run. */
function codeServerEntry() {
  const entry = path.join(codeServerDir, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
  if (!fs.existsSync(path.join(codeServerDir, '.rnn-lens-install-ok')) || !fs.existsSync(entry)) {
    throw new Error(`code-server is not installed in ${codeServerDir}; run scripts/setup.sh first`);
  }
  return entry;
}

// ---------------------------------------------------------------------------------------------
// Cleanup on exit, Ctrl+C and failure

const cleanups = new Set();
let signalHandlersInstalled = false;
let interruptedBy = null;

/** The signal (SIGINT, ...) that is stopping this process, else null; its handler exits (130). */
function interrupted() {
  return interruptedBy;
}

/** Registers an async cleanup to run on SIGINT/SIGTERM/SIGHUP; returns a function removing it. */
function onCleanup(fn) {
  installSignalHandlers();
  cleanups.add(fn);
  return () => cleanups.delete(fn);
}

/** Runs (once) every registered cleanup, newest first. */
async function runCleanups() {
  const fns = [...cleanups].reverse();
  cleanups.clear();
  for (const fn of fns) {
    try {
      await fn();
    } catch (err) {
      console.error(`cleanup failed: ${err && err.message}`);
    }
  }
}

/** Process groups still alive, killed synchronously if the process exits without cleaning up. */
const liveGroups = new Set();

function installSignalHandlers() {
  if (signalHandlersInstalled) return;
  signalHandlersInstalled = true;
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.once(sig, () => {
      interruptedBy = sig;
      console.error(`\n${sig}: stopping code-server and the browser...`);
      const hardStop = setTimeout(() => process.exit(130), 10000);
      hardStop.unref();
      runCleanups().finally(() => process.exit(130));
    });
  }
  process.on('exit', () => {
    for (const pgid of liveGroups) killGroup(pgid, 'SIGKILL');
  });
}

function killGroup(pgid, signal) {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

function groupAlive(pgid) {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------
// Ports and HTTP

/** True when nothing listens on 127.0.0.1:port. */
function portFree(port) {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ port, host: '127.0.0.1', exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

/** `preferred` if free, else the next free port above it (or any free port when none given). */
async function findFreePort(preferred) {
  if (preferred) {
    for (let p = preferred; p < preferred + 100 && p < 65536; p++) {
      if (await portFree(p)) return p;
    }
  }
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen({ port: 0, host: '127.0.0.1' }, () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function httpGet(url, timeoutMs = 2000) {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

// ---------------------------------------------------------------------------------------------
// Workspace

/**
 * Fills `dir` with the demo workspace (names.tsv etc.) via scripts/makeDemo.js's
 * writeDemoWorkspace(dir) when that module exists, else leaves an empty folder.
 * Returns true when the demo was written.
 */
async function makeWorkspace(dir) {
  fs.mkdirSync(dir, { recursive: true });
  const modulePath = process.env.RNN_LENS_MAKE_DEMO || path.join(repoRoot, 'scripts', 'makeDemo.js');
  if (!fs.existsSync(modulePath)) {
    console.log(`[code-server] ${path.relative(repoRoot, modulePath)} not found: using an empty workspace`);
    return false;
  }
  const mod = require(path.resolve(modulePath));
  if (typeof mod.writeDemoWorkspace !== 'function') {
    console.log(`[code-server] ${modulePath} has no writeDemoWorkspace(dir): using an empty workspace`);
    return false;
  }
  await mod.writeDemoWorkspace(dir);
  return true;
}

// ---------------------------------------------------------------------------------------------
// code-server

/**
 * Starts code-server on 127.0.0.1 with a fresh HOME / XDG / user-data-dir / extensions-dir under
 * `stateDir` (a new temp folder by default), in its own process group. Resolves once /healthz
 * answers. Options: port (preferred; next free is used if busy), env (extra environment, seen by
 * the extension host), userSettings (merged over the defaults), keepUserSettings (leave an existing
 * settings.json in a reused stateDir alone), logFile, stateDir (kept by stop()), quiet.
 */
async function startCodeServer(options = {}) {
  const entry = codeServerEntry();
  const stateDir = options.stateDir || fs.mkdtempSync(path.join(os.tmpdir(), 'rnn-lens-code-server-'));
  const ownsStateDir = !options.stateDir;
  const home = path.join(stateDir, 'home');
  const userDataDir = path.join(stateDir, 'user-data');
  const extensionsDir = path.join(stateDir, 'extensions');
  for (const d of [home, userDataDir, extensionsDir, path.join(userDataDir, 'User')]) {
    fs.mkdirSync(d, { recursive: true });
  }
  const settingsFile = path.join(userDataDir, 'User', 'settings.json');
  if (!(options.keepUserSettings && fs.existsSync(settingsFile))) {
    fs.writeFileSync(settingsFile, JSON.stringify({ ...defaultUserSettings, ...(options.userSettings || {}) }, null, 2));
  }

  const port = await findFreePort(options.port);
  const logFile = options.logFile || path.join(stateDir, 'code-server.log');
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  const logFd = fs.openSync(logFile, 'w');

  const env = {
    ...process.env,
    HOME: home,
    XDG_CONFIG_HOME: path.join(home, '.config'),
    XDG_DATA_HOME: path.join(home, '.local', 'share'),
    XDG_CACHE_HOME: path.join(home, '.cache'),
    XDG_STATE_HOME: path.join(home, '.local', 'state'),
    XDG_RUNTIME_DIR: path.join(home, '.runtime'),
    ...(options.env || {}),
  };
  // Variables that would make the code-server process think it runs inside VS Code.
  for (const k of Object.keys(env)) {
    if (k.startsWith('VSCODE_') || k === 'ELECTRON_RUN_AS_NODE') delete env[k];
  }
  fs.mkdirSync(env.XDG_RUNTIME_DIR, { recursive: true, mode: 0o700 });

  const args = [
    entry,
    '--bind-addr', `127.0.0.1:${port}`,
    '--auth', 'none',
    '--user-data-dir', userDataDir,
    '--extensions-dir', extensionsDir,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    '--ignore-last-opened',
  ];
  const proc = spawn(process.execPath, args, {
    cwd: home,
    env,
    detached: true,
    stdio: ['ignore', logFd, logFd],
  });
  fs.closeSync(logFd);
  const pgid = proc.pid;
  liveGroups.add(pgid);

  let exited = null;
  proc.on('exit', (code, signal) => {
    exited = { code, signal };
  });

  const baseUrl = `http://127.0.0.1:${port}`;
  let stopped = false;
  const server = {
    port,
    baseUrl,
    proc,
    pgid,
    stateDir,
    userDataDir,
    logFile,
    /** Workbench URL for `folder`, loading `extensionDevelopmentPath` (and a test suite if given). */
    workbenchUrl(folder, { extensionDevelopmentPath, extensionTestsPath } = {}) {
      const payload = [];
      if (extensionDevelopmentPath) {
        payload.push(['extensionDevelopmentPath', `vscode-remote://127.0.0.1:${port}${path.resolve(extensionDevelopmentPath)}`]);
      }
      if (extensionTestsPath) {
        payload.push(['extensionTestsPath', `vscode-remote://127.0.0.1:${port}${path.resolve(extensionTestsPath)}`]);
      }
      let url = `${baseUrl}/?folder=${encodeURIComponent(path.resolve(folder))}`;
      if (payload.length) url += `&payload=${encodeURIComponent(JSON.stringify(payload))}`;
      return url;
    },
    /** Exit info once the code-server process has exited, else null. */
    exitInfo: () => exited,
    /** True once stop() was called. */
    get stopping() {
      return stopped;
    },
    /** Kills the whole process group (server, extension host, watchers), then removes the state. */
    async stop({ keepState = false } = {}) {
      if (stopped) return;
      stopped = true;
      removeCleanup();
      if (killGroup(pgid, 'SIGTERM')) {
        for (let i = 0; i < 50 && groupAlive(pgid); i++) await sleep(100);
        if (groupAlive(pgid)) killGroup(pgid, 'SIGKILL');
        for (let i = 0; i < 20 && groupAlive(pgid); i++) await sleep(100);
      }
      liveGroups.delete(pgid);
      if (ownsStateDir && !keepState) fs.rmSync(stateDir, { recursive: true, force: true });
    },
  };
  const removeCleanup = onCleanup(() => server.stop());

  const deadline = Date.now() + (options.startTimeoutMs || 60000);
  for (;;) {
    if (exited) {
      const log = safeRead(logFile);
      await server.stop({ keepState: true });
      throw new Error(`code-server exited during start-up (${JSON.stringify(exited)}); log ${logFile}:\n${log}`);
    }
    try {
      const res = await httpGet(`${baseUrl}/healthz`);
      if (res.status === 200) break;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) {
      await server.stop({ keepState: true });
      throw new Error(`code-server did not answer ${baseUrl}/healthz within ${options.startTimeoutMs || 60000} ms; log ${logFile}`);
    }
    await sleep(200);
  }
  if (!options.quiet) console.log(`[code-server] listening on ${baseUrl} (pid ${pgid}, log ${logFile})`);
  return server;
}

function safeRead(file) {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

// ---------------------------------------------------------------------------------------------
// Browser

/**
 * Launches headless Debian Chromium with a fresh profile in `profileDir` (persistent context, as
 * Playwright refuses --user-data-dir in args). Returns { context, page, close() }.
 */
async function launchBrowser(profileDir, { viewport = { width: 1440, height: 900 } } = {}) {
  const { chromium } = require('playwright-core');
  if (!fs.existsSync(chromiumPath)) {
    throw new Error(`${chromiumPath} not found; run scripts/setup.sh (installs Debian's chromium)`);
  }
  fs.mkdirSync(profileDir, { recursive: true });
  const context = await chromium.launchPersistentContext(profileDir, {
    executablePath: chromiumPath,
    args: chromiumArgs,
    headless: true,
    viewport,
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
  });
  const page = context.pages()[0] || (await context.newPage());
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    removeCleanup();
    await Promise.race([context.close().catch(() => {}), sleep(10000)]);
  };
  const removeCleanup = onCleanup(close);
  return { context, page, close };
}

/** Waits until the workbench has rendered (status bar and activity bar present). */
async function waitForWorkbench(page, timeoutMs = 60000) {
  await page.waitForSelector('.monaco-workbench .part.statusbar', { timeout: timeoutMs });
  await page.waitForSelector('.monaco-workbench .part.activitybar, .monaco-workbench .part.sidebar', {
    timeout: timeoutMs,
  });
}

module.exports = {
  repoRoot,
  codeServerDir,
  chromiumPath,
  chromiumArgs,
  extensionPath,
  codeServerEntry,
  findFreePort,
  httpGet,
  makeWorkspace,
  startCodeServer,
  launchBrowser,
  waitForWorkbench,
  onCleanup,
  runCleanups,
  interrupted,
  sleep,
};
