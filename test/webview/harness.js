// The webview component-test harness (shared by test/webview/run.js and bench/webview.js): a tiny
// HTTP server on 127.0.0.1 that serves the built webview bundles (dist/webview/*.js), media/*.css
// and the page skeleton the extension host serves (same CSP, nonce script), headless Debian Chromium,
// and a fake `acquireVsCodeApi` installed before the page's scripts that records every posted message
// and answers the RPC requests from fixtures (real engine output written by makeFixtures.ts).
'use strict';

const crypto = require('crypto');
const fs = require('fs');
const http = require('http');
const path = require('path');

const repoRoot = path.resolve(__dirname, '..', '..');
// The same Debian Chromium and flags as the VS Code runners.
const { chromiumPath, chromiumArgs } = require('../support/codeServer');

/** Shared by run.js and the tests: { browser, server, fixtures, resultsDir }. */
const fixture = { browser: null, server: null, fixtures: null, resultsDir: null };

const TYPES = { '.js': 'text/javascript', '.css': 'text/css', '.map': 'application/json', '.html': 'text/html', '.ttf': 'font/ttf' };

/** The page skeleton of the extension host, with the test theme's variables linked first. */
function pageHtml(name, theme, origin, nonce) {
  const wasm = name === 'unrolled' ? " 'wasm-unsafe-eval'" : '';
  const csp = `default-src 'none'; img-src ${origin} data:; style-src ${origin} 'nonce-${nonce}'; font-src ${origin}; script-src 'nonce-${nonce}'${wasm};`;
  return `<!DOCTYPE html><html lang="en"><head><meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${origin}/test/webview/theme.css">
<link rel="stylesheet" id="vscode-codicon-stylesheet" href="${origin}/dist/codicons/codicon.css" nonce="${nonce}">
<link rel="stylesheet" href="${origin}/media/webview-common.css"><link rel="stylesheet" href="${origin}/media/${name}.css">
<title>${name}</title></head>
<body class="${theme}"><div id="app" role="application"></div>
<script nonce="${nonce}" src="${origin}/dist/webview/${name}.js"></script></body></html>`;
}

/** Starts the server on a random port; resolves with { origin, close() }. */
function startServer() {
  const allowed = [
    ['/dist/webview/', path.join(repoRoot, 'dist', 'webview')],
    ['/dist/codicons/', path.join(repoRoot, 'dist', 'codicons')],
    ['/media/', path.join(repoRoot, 'media')],
    ['/test/webview/', __dirname],
  ];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    const origin = `http://127.0.0.1:${server.address().port}`;
    if (url.pathname === '/favicon.ico') {
      res.writeHead(204);
      res.end();
      return;
    }
    const page = /^\/page\/(unrolled|states|training)$/.exec(url.pathname);
    if (page) {
      const theme = url.searchParams.get('theme') || 'vscode-dark';
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(pageHtml(page[1], theme, origin, crypto.randomBytes(16).toString('base64')));
      return;
    }
    for (const [prefix, dir] of allowed) {
      if (!url.pathname.startsWith(prefix)) continue;
      const file = path.join(dir, decodeURIComponent(url.pathname.slice(prefix.length)));
      if (!file.startsWith(dir + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) break;
      res.writeHead(200, { 'content-type': TYPES[path.extname(file)] || 'application/octet-stream', 'cache-control': 'no-store' });
      fs.createReadStream(file).pipe(res);
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found');
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const origin = `http://127.0.0.1:${server.address().port}`;
      resolve({ origin, close: () => new Promise((r) => server.close(() => r())) });
    });
  });
}

/**
 * Launches headless Debian Chromium (never a downloaded one). Playwright hides scrollbars in headless
 * mode; `{ scrollbars: true }` draws them as a webview does (for tests of what scrolls and how it shows).
 */
async function launchBrowser({ scrollbars = false } = {}) {
  const { chromium } = require('playwright-core');
  if (!fs.existsSync(chromiumPath)) throw new Error(`${chromiumPath} not found (Debian's chromium package)`);
  return chromium.launch({
    executablePath: chromiumPath,
    args: chromiumArgs,
    headless: true,
    ...(scrollbars ? { ignoreDefaultArgs: ['--hide-scrollbars'] } : {}),
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
  });
}

/** Reads the fixture files makeFixtures.ts wrote: { [name]: { model, modelItem, inspections } }. */
function loadFixtures(dir) {
  const out = {};
  for (const f of fs.readdirSync(dir).filter((n) => n.endsWith('.json'))) out[path.basename(f, '.json')] = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'));
  return out;
}

/**
 * Runs in the page before its scripts: the fake VS Code API and host. `config`:
 * { fixtures: { [name]: fixture }, active: name | null, readyText, initialState, snapshot, mode: 'auto' | 'manual',
 *   kernels: { relaxed, simd } (base64 of the page builds of the kernels) | null: with them, `readerModel`
 *   answers the active fixture's model and the page reads keystrokes itself; without, it asks `inspect`;
 *   answers: { [method]: result } (the result of any request, `ready` included, for a view with no
 *   answer above; window.__host.answers, which a test may change) }.
 * window.__host exposes what was posted and lets a test answer, hold, release and emit.
 */
function installFakeHost(config) {
  const revive = (value) => {
    if (Array.isArray(value)) return value.map(revive);
    if (value && typeof value === 'object') {
      if (Array.isArray(value.$f32)) return Float32Array.from(value.$f32);
      const out = {};
      for (const k of Object.keys(value)) out[k] = revive(value[k]);
      return out;
    }
    return value;
  };
  const fixtures = revive(config.fixtures || {});
  const cspViolations = [];
  document.addEventListener('securitypolicyviolation', (e) => cspViolations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sample || ''}`));
  let state = config.initialState;
  let acquired = false;
  const deliver = (message) => window.postMessage(message, '*');
  const host = {
    posted: [],
    states: [],
    held: [],
    cspViolations,
    mode: config.mode || 'auto',
    active: config.active || null,
    readyText: config.readyText || '',
    snapshot: revive(config.snapshot || null),
    readyAnswered: false,
    answers: revive(config.answers || {}),
    /** The fixture inspection for a text with the active model. */
    inspection(text) {
      const f = host.active && fixtures[host.active];
      return f ? f.inspections[text] : undefined;
    },
    model(name) {
      return fixtures[name] ? fixtures[name].model : null;
    },
    respond(id, result) {
      deliver({ t: 'res', id, ok: true, result });
    },
    fail(id, message, code) {
      deliver({ t: 'res', id, ok: false, error: { message, code } });
    },
    emit(name, data) {
      deliver({ t: 'event', name, data: revive(data) });
    },
    /** Answers a held request (manual mode). */
    release(id) {
      const i = host.held.findIndex((h) => h.id === id);
      if (i < 0) throw new Error(`no held request ${id}`);
      const [h] = host.held.splice(i, 1);
      if (h.ok) host.respond(h.id, h.result);
      else host.fail(h.id, h.message, h.code);
    },
    requests(method) {
      return host.posted.filter((m) => m.t === 'req' && (!method || m.method === method));
    },
    answer(message) {
      const { id, method, params } = message;
      let reply;
      if (Object.prototype.hasOwnProperty.call(host.answers, method)) {
        if (method === 'ready') host.readyAnswered = true;
        reply = { ok: true, result: host.answers[method] };
      } else if (method === 'ready') {
        host.readyAnswered = true;
        reply = config.view === 'states' ? { ok: true, result: host.snapshot } : { ok: true, result: { model: host.active ? host.model(host.active) : null, text: params.restoredText ?? host.readyText } };
      } else if (method === 'inspect') {
        // The unrolled panel's answer, made from the fixture's full inspection as the engine makes it.
        const inspection = host.inspection(params.text);
        reply = inspection
          ? { ok: true, result: window.__rnnInspect.compactInspection(inspection, params.focus || { cell: null, unit: null }) }
          : { ok: false, message: `no fixture inspection for ${JSON.stringify(params.text)}`, code: 'noFixture' };
      } else if (method === 'readerModel') {
        const f = host.active && fixtures[host.active];
        reply = { ok: true, result: config.kernels && f && f.reader ? { model: f.reader } : { model: null, reason: 'the fake host reads every sentence itself' } };
      } else if (method === 'readerKernels') {
        const base64 = config.kernels && config.kernels[params.relaxed ? 'relaxed' : 'simd'];
        reply = base64 ? { ok: true, result: Uint8Array.from(atob(base64), (ch) => ch.charCodeAt(0)) } : { ok: false, message: 'no kernels', code: 'noKernels' };
      } else if (method === 'deleteModel') {
        reply = { ok: true, result: { deleted: true } };
      } else {
        reply = { ok: true, result: {} };
      }
      // Manual mode holds the requests a test orders itself; the start and the model for the page pass.
      if (host.mode === 'manual' && !['ready', 'readerModel', 'readerKernels'].includes(method)) {
        host.held.push({ id, ...reply });
        return;
      }
      if (reply.ok) host.respond(id, reply.result);
      else host.fail(id, reply.message, reply.code);
    },
  };
  window.__host = host;
  window.acquireVsCodeApi = () => {
    if (acquired) throw new Error('An instance of the VS Code API has already been acquired');
    acquired = true;
    return Object.freeze({
      postMessage(message) {
        host.posted.push(structuredClone(message));
        if (message && message.t === 'req') host.answer(message);
      },
      getState: () => state,
      setState(next) {
        state = next;
        host.states.push(structuredClone(next));
      },
    });
  };
}

let sharedInspect = null;
/** src/core/inspect.ts for the page (window.__rnnInspect): the fake host answers `inspect` with the engine's own compactInspection. */
function sharedInspectScript() {
  if (!sharedInspect) {
    const built = require('esbuild').buildSync({ entryPoints: [path.join(repoRoot, 'src', 'core', 'inspect.ts')], bundle: true, format: 'iife', globalName: '__rnnInspect', target: 'es2022', write: false });
    sharedInspect = `${built.outputFiles[0].text}\nwindow.__rnnInspect = __rnnInspect;\n`;
  }
  return sharedInspect;
}

/** The page builds of the WebAssembly kernels (dist/kernels/*-unshared.wasm) as base64, for the fake host's `readerKernels`. */
function pageKernels() {
  const read = (variant) => fs.readFileSync(path.join(repoRoot, 'dist', 'kernels', `kernels-${variant}-unshared.wasm`)).toString('base64');
  return { relaxed: read('relaxed'), simd: read('simd') };
}

/**
 * Opens a view in a fresh browser context: { page, context, errors }. Options: view ('unrolled' |
 * 'states' | 'training'), theme (body class), active (fixture name), readyText, initialState, snapshot, mode, viewport,
 * answers ({ [method]: result }: what the fake host answers, e.g. the training panel's `ready`),
 * localReader (true: the fake host sends the model and kernels, so the page reads keystrokes itself),
 * beforeLoad (a function run in the page before its scripts), browser (another one than the shared one,
 * e.g. launchBrowser({ scrollbars: true })).
 */
async function openView(options) {
  const { server, fixtures } = fixture;
  const browser = options.browser || fixture.browser;
  const view = options.view || 'unrolled';
  const context = await browser.newContext({ viewport: options.viewport || { width: 1280, height: 900 }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(`console: ${msg.text()}`);
  });
  const wanted = options.fixtures || (options.active ? [options.active] : []);
  const config = {
    view,
    fixtures: Object.fromEntries(wanted.map((n) => [n, fixtures[n]])),
    active: options.active || null,
    readyText: options.readyText || '',
    initialState: options.initialState,
    snapshot: options.snapshot || null,
    mode: options.mode || 'auto',
    kernels: options.localReader ? pageKernels() : null,
    answers: options.answers || {},
  };
  await page.addInitScript({ content: sharedInspectScript() });
  await page.addInitScript(installFakeHost, config);
  if (options.beforeLoad) await page.addInitScript(options.beforeLoad);
  await page.goto(`${server.origin}/page/${view}?theme=${encodeURIComponent(options.theme || 'vscode-dark')}`);
  await page.waitForFunction(() => window.__host && window.__host.readyAnswered, null, { timeout: 10000 });
  return { page, context, errors };
}

/** Saves a screenshot under the results folder; returns its path. */
async function screenshot(page, name, options = {}) {
  const file = path.join(fixture.resultsDir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true, ...options });
  return file;
}

module.exports = { fixture, repoRoot, startServer, launchBrowser, loadFixtures, openView, screenshot, installFakeHost, pageHtml };
