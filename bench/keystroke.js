#!/usr/bin/env node
'use strict';
/**
 * Keystroke → redrawn diagram in the real VS Code (the offline code-server, the extension loaded from
 * this repository, headless Debian Chromium): the whole path webview → extension host → engine child
 * process (`inspect`) → host → webview, with nothing faked.
 *
 * It trains the reference model through the extension's own UI (LSTM, 2 layers, bidirectional, H = 64,
 * characters, 1 epoch on the first 400 lines of the demo's names.tsv), opens "RNN: Open Unrolled View"
 * from the palette, types a 40-character (= 40-token) text into the panel's text field, selects a cell
 * and a unit, then types its last word letter by letter and deletes it again, several rounds. In the
 * webview's own frame it times each keystroke from the `input` event's timeStamp to
 *   (a) the diagram drawn (the panel sets .diagram's data-text), and
 *   (b) the end of the frame that shows it (a task posted from that frame's requestAnimationFrame runs
 *       after its style, layout, paint and commit),
 * split into: input → the answer reaches the panel (host + engine + the postMessage hops; where the
 * panel's rnnLens.accept measure starts), answer → drawn (the panel's validation, rnnLens.accept, and
 * drawing, rnnLens.draw), the wait for the next frame and that frame; and the engine's own `engineMs`
 * from each inspection, and the size of each answer (typed arrays by their bytes, the rest as JSON).
 *
 * Usage: node bench/keystroke.js [--rounds N] [--json FILE]   (build first: node esbuild.js)
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { afterFrame, argValue, frameInterval, summary } = require('./stats');
const cs = require('../test/support/codeServer');
const e2e = require('../test/e2e/lib');

const TARGET_MS = 16;
/** 31 characters, then the 9-letter word typed letter by letter: 40 character tokens when complete. */
const BASE = 'maria anna john mary rose anne ';
const WORD = 'elizabeth';
/** The reference model of the issue, trained quickly (the latency does not depend on how well it learned). */
const MODEL_SETTINGS = {
  'rnnLens.cell': 'lstm',
  'rnnLens.layers': 2,
  'rnnLens.bidirectional': true,
  'rnnLens.hiddenSize': 64,
  'rnnLens.embeddingSize': 32,
  'rnnLens.tokenization': 'char',
  'rnnLens.epochs': 1,
};

/** The webview frame (at any depth) whose document has `selector`. */
async function frameWith(page, selector, timeout = 30000) {
  const deadline = Date.now() + timeout;
  while (Date.now() < deadline) {
    for (const frame of page.frames()) {
      if (await frame.evaluate((s) => !!document.querySelector(s), selector).catch(() => false)) return frame;
    }
    await cs.sleep(250);
  }
  throw new Error(`no webview frame has ${selector} within ${timeout} ms`);
}

/**
 * Installed in the webview's frame: times each keystroke from its input event to the end of the frame
 * that shows the answer. The answer's arrival is where the panel's rnnLens.accept measure starts (in
 * a VS Code webview a listener added now would run after the panel's own); rnnLens.accept and
 * rnnLens.draw give the panel's split; a 'message' listener reads the inspection's engineMs.
 */
function instrument() {
  const samples = [];
  let pending = null;
  let engineMs = NaN;
  let answerBytes = NaN;
  // The answer's size as it is posted: typed arrays by their bytes, everything else as JSON text.
  const sizeOf = (v) =>
    ArrayBuffer.isView(v)
      ? v.byteLength
      : Array.isArray(v)
        ? v.reduce((n, x) => n + sizeOf(x), 2)
        : v && typeof v === 'object'
          ? Object.entries(v).reduce((n, [k, x]) => n + k.length + 3 + sizeOf(x), 2)
          : JSON.stringify(v ?? null).length;
  window.__bench = { samples, busy: () => pending !== null, pending: () => pending };
  document.addEventListener('input', (e) => (pending = { input: e.timeStamp }), true);
  // In a VS Code webview the page's own 'message' listener runs first, so this one only reads the
  // engine's time from the answer; the answer's arrival is where the panel's rnnLens.accept begins.
  window.addEventListener('message', (e) => {
    const m = e.data;
    if (m && m.t === 'res' && m.ok && m.result && typeof m.result.engineMs === 'number') {
      engineMs = m.result.engineMs;
      answerBytes = sizeOf(m.result);
    }
  });
  const latest = (name) => {
    const entries = performance.getEntriesByName(name, 'measure');
    return entries[entries.length - 1];
  };
  new MutationObserver(() => {
    const sample = pending;
    const accept = latest('rnnLens.accept');
    const draw = latest('rnnLens.draw');
    if (!sample || sample.drawn !== undefined || !accept || !draw || accept.startTime < sample.input) return;
    sample.drawn = performance.now();
    sample.answer = accept.startTime;
    sample.accept = accept.duration;
    sample.draw = draw.duration;
    window.__afterFrame((frameStart, end) => {
      sample.frame = frameStart;
      samples.push({
        total: end - sample.input,
        drawnAt: sample.drawn - sample.input,
        toAnswer: sample.answer - sample.input,
        engineMs,
        kB: answerBytes / 1000,
        render: sample.drawn - sample.answer,
        accept: sample.accept,
        draw: sample.draw,
        wait: sample.frame - sample.drawn,
        frame: end - sample.frame,
      });
      pending = null;
    });
  }).observe(document.querySelector('.diagram'), { attributes: true, attributeFilter: ['data-text'] });
}

async function trainReferenceModel(page) {
  await e2e.quickOpen('names.tsv');
  await e2e.selectFirstLines(400);
  await e2e.runCommand('RNN: Train RNN on selection');
  await page.locator('.quick-input-widget .quick-input-title', { hasText: /^\s*Train RNN/ }).waitFor({ state: 'visible', timeout: 30000 });
  await e2e.waitForFirstRow('Train with these settings');
  await page.keyboard.press('Enter');
  const text = await e2e.waitForNotification('Trained', { timeout: 5 * 60 * 1000 });
  console.log(`[bench] ${text.replace(/\s+/g, ' ')}`);
  await page.keyboard.press('Escape');
}

async function main() {
  const rounds = Number(argValue('--rounds', 5));
  const jsonOut = argValue('--json', null);
  if (!fs.existsSync(path.join(cs.repoRoot, 'dist', 'extension.js')) || !fs.existsSync(path.join(cs.repoRoot, 'dist', 'webview', 'unrolled.js'))) {
    throw new Error('dist/ is missing: build first (node esbuild.js)');
  }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rnn-lens-bench-keystroke-'));
  cs.onCleanup(() => fs.rmSync(tmp, { recursive: true, force: true }));
  const workspace = path.join(tmp, 'workspace');
  let server;
  let browser;
  try {
    if (!(await cs.makeWorkspace(workspace))) throw new Error('the demo workspace could not be written (scripts/makeDemo.js)');
    const settingsFile = path.join(workspace, '.vscode', 'settings.json');
    fs.mkdirSync(path.dirname(settingsFile), { recursive: true });
    const settings = fs.existsSync(settingsFile) ? JSON.parse(fs.readFileSync(settingsFile, 'utf8')) : {};
    fs.writeFileSync(settingsFile, JSON.stringify({ ...settings, ...MODEL_SETTINGS }, null, 2));
    server = await cs.startCodeServer({ stateDir: path.join(tmp, 'code-server'), quiet: true, userSettings: { 'editor.minimap.enabled': false } });
    browser = await cs.launchBrowser(path.join(tmp, 'chromium'));
    const { page } = browser;
    const pageErrors = [];
    page.on('pageerror', (err) => pageErrors.push(err.message));
    await page.goto(server.workbenchUrl(workspace, { extensionDevelopmentPath: cs.extensionPath() }));
    await cs.waitForWorkbench(page);
    await page.waitForFunction(() => document.title.includes('[Extension Development Host]'), null, { timeout: 30000 });
    await cs.sleep(2000);
    Object.assign(e2e.fixture, { page, server, workspace, resultsDir: tmp });

    console.log('[bench] training the reference model through the extension (LSTM, 2 layers, bidirectional, H = 64, chars, 1 epoch, 400 names)…');
    await trainReferenceModel(page);
    await e2e.runCommand('RNN: Open Unrolled View');
    const frame = await frameWith(page, 'vscode-textfield.sentence');
    await frame.locator('#prediction[data-class]').waitFor({ state: 'attached', timeout: 30000 });
    const field = frame.locator('vscode-textfield.sentence input');
    await field.fill(BASE + WORD);
    await frame.locator(`.diagram[data-text="${BASE + WORD}"]`).waitFor({ state: 'attached', timeout: 30000 });
    const geometry = JSON.parse(await frame.getAttribute('.diagram', 'data-geometry'));
    if (geometry.tokens !== BASE.length + WORD.length) throw new Error(`expected ${BASE.length + WORD.length} tokens, the diagram has ${geometry.tokens}`);
    // Select a cell of the first layer near the end and a unit, as a user exploring would.
    await frame.$eval('.diagram', (e) => (e.scrollLeft = e.scrollWidth));
    await cs.sleep(200);
    const box = await frame.locator('.diagram-rows').boundingBox();
    const g = geometry;
    const t = g.tokens - 2;
    await page.mouse.click(box.x + g.gutter + g.gapX + t * g.colW + g.pad + 10 * g.ppu + 1, box.y + g.top + (g.rows - 1) * (g.rowH + g.rowGap) + g.band + g.pad + 4);
    await frame.locator('.detail-math').first().waitFor({ state: 'attached', timeout: 15000 }).catch(() => undefined);
    // Back to the base text, the caret at its end.
    await field.fill(BASE);
    await frame.locator(`.diagram[data-text="${BASE}"]`).waitFor({ state: 'attached', timeout: 30000 });
    await field.press('End');
    await frame.evaluate(afterFrame);
    await frame.evaluate(instrument);
    const keys = [...WORD.split(''), ...Array(WORD.length).fill('Backspace')];
    // One warm-up round, then the timed rounds.
    for (let r = 0; r <= rounds; r++) {
      if (r === 1) await frame.evaluate(() => window.__bench.samples.splice(0));
      for (const key of keys) {
        if (key === 'Backspace') await page.keyboard.press('Backspace');
        else await page.keyboard.type(key);
        await frame.waitForFunction(() => !window.__bench.busy(), null, { timeout: 15000 }).catch(async (err) => {
          const seen = await frame.evaluate(() => ({ pending: window.__bench.pending(), text: document.querySelector('.diagram')?.dataset.text, status: document.getElementById('status')?.textContent }));
          throw new Error(`keystroke ${JSON.stringify(key)} was not drawn: ${JSON.stringify(seen)} (${err.message.split('\n')[0]})`);
        });
        await cs.sleep(60);
      }
    }
    const samples = await frame.evaluate(() => window.__bench.samples);
    const selected = await frame.evaluate(() => !!document.querySelector('.detail-math'));
    const interval = await frameInterval(frame);
    const version = await page.evaluate(() => navigator.userAgent.match(/Chrome\/([\d.]+)/)?.[1] ?? '?');
    if (pageErrors.length) console.log(`[bench] the workbench reported errors:\n  ${pageErrors.join('\n  ')}`);

    const rows = [];
    const row = (label, key) => {
      const s = summary(samples.map((x) => (typeof key === 'function' ? key(x) : x[key])));
      const f = (v) => (Number.isFinite(v) ? v.toFixed(1) : '–').padStart(7);
      console.log(`${label.padEnd(56)}${f(s.median)} ${f(s.p95)} ${f(s.max)}`);
      rows.push({ label: label.trim(), ...s });
      return s;
    };
    console.log(`\nUnrolled panel in VS Code ${'1.99.3'} (code-server 4.99.4): keystroke → redrawn diagram, real host and engine`);
    console.log(`${g.tokens} tokens when the word is complete (${BASE.length}–${g.tokens} while typing), LSTM 2 layers bidirectional H = 64, ${selected ? 'a cell and a unit selected' : 'a unit selected'}, ${samples.length} keystrokes`);
    console.log(`Chromium ${version} headless, --disable-gpu, 1440×900 workbench, frame interval ${interval.toFixed(1)} ms; ${os.cpus().length} × ${os.cpus()[0].model}`);
    console.log(`${''.padEnd(56)} median     p95     max  (ms)`);
    const total = row('input event → end of the frame that shows it', 'total');
    const drawn = row('input event → diagram drawn', 'drawnAt');
    row('  input → answer arrives (webview → host → engine → back)', 'toAnswer');
    row('    of which the engine (inspection.engineMs)', 'engineMs');
    row('    the rest: host, IPC, postMessage hops', (x) => x.toAnswer - x.engineMs);
    row('  answer → diagram drawn (the panel)', 'render');
    row('    validation on arrival (rnnLens.accept)', 'accept');
    row('    drawing (rnnLens.draw)', 'draw');
    row('  drawn → start of the next frame (frame clock)', 'wait');
    row('  that frame: style, layout, paint, commit', 'frame');
    row('the answer posted to the webview (kB, not ms)', 'kB');
    console.log(`target ≤ ${TARGET_MS} ms, input → frame shown: median ${total.median <= TARGET_MS ? 'met' : 'missed'}, p95 ${total.p95 <= TARGET_MS ? 'met' : 'missed'}; input → drawn: median ${drawn.median <= TARGET_MS ? 'met' : 'missed'}, p95 ${drawn.p95 <= TARGET_MS ? 'met' : 'missed'}`);
    if (jsonOut) fs.writeFileSync(jsonOut, JSON.stringify({ date: new Date().toISOString(), tokens: g.tokens, keystrokes: samples.length, frameInterval: interval, rows, samples }, null, 2));
    if (samples.length < rounds * keys.length) throw new Error(`only ${samples.length} of ${rounds * keys.length} keystrokes were timed`);
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
