#!/usr/bin/env node
'use strict';
/**
 * Keystroke → redrawn diagram in the real VS Code (the offline code-server, the extension loaded from
 * this repository, headless Debian Chromium), with nothing faked, both ways the panel can be answered,
 * in one run: read in the view (the engine's Inspector on the WebAssembly kernels inside the webview,
 * with the weights the engine sent once) and read by the engine (webview → extension host → engine
 * child process → host → webview, rnnLens.unrolled.readInView off).
 *
 * It trains the reference model through the extension's own UI (LSTM, 2 layers, bidirectional, H = 64,
 * characters, 1 epoch on the first 400 lines of the demo's names.tsv), opens "RNN: Open Unrolled View"
 * from the palette, types a 40-character (= 40-token) text into the panel's text field, selects a cell
 * and a unit, then types its last word letter by letter and deletes it again, several rounds. In the
 * webview's own frame it times each keystroke from the `input` event's timeStamp to
 *   (a) the diagram drawn (the panel sets .diagram's data-text), and
 *   (b) the end of the frame that shows it,
 * split into: input → the answer in hand (reading the sentence, and the rest: the wait for the
 * animation frame in the view, the host and the hops for the engine), answer → drawn (validation of an
 * engine answer, rnnLens.accept, and drawing, rnnLens.draw), the wait for the frame and that frame; and
 * the size of each engine answer (typed arrays by their bytes, the rest as JSON).
 *
 * Usage: node bench/keystroke.js [--rounds N] [--json FILE]   (build first: node esbuild.js)
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { argValue, firstFrameShare, frameHelpers, frameInterval, sideBySide, verdict } = require('./stats');
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
 * that shows the answer. Two ways an answer comes:
 *   - read in the view (rnnLens.localRead, right after the key): the next frame shows it; a slow
 *     reading waits for the animation frame (its measure's detail says inFrame), and then the frame
 *     that shows it is the one it ran in, which ends when a task posted now runs (after that frame's
 *     style, layout, paint and commit);
 *   - from the engine through the host (rnnLens.accept starts at its arrival; in a VS Code webview a
 *     listener added now would run after the panel's own): the next frame shows it.
 * A 'message' listener reads the engine's time and the answer's size.
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
  // From each key on, when each frame starts (this listener runs before the panel's): which frame after the key shows the answer.
  document.addEventListener(
    'input',
    (e) => {
      if (pending) pending.done = true;
      pending = { input: e.timeStamp };
      window.__countFrames(pending);
    },
    true,
  );
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
    const local = latest('rnnLens.localRead');
    const accept = latest('rnnLens.accept');
    const draw = latest('rnnLens.draw');
    if (!sample || sample.drawn !== undefined || !draw || draw.startTime < sample.input) return;
    const inView = !!local && local.startTime >= sample.input;
    const inFrameRead = inView && !!local.detail?.inFrame;
    if (!inView && !(accept && accept.startTime >= sample.input)) return;
    sample.drawn = performance.now();
    const answer = inView ? local.startTime + local.duration : accept.startTime;
    const done = (frameStart, end) => {
      sample.done = true;
      // 1: the first frame after the key shows it.
      const frameNumber = window.__frameNumber(sample, inFrameRead, frameStart);
      samples.push({
        inView,
        total: end - sample.input,
        drawnAt: sample.drawn - sample.input,
        toAnswer: answer - sample.input,
        reading: inView ? local.duration : engineMs,
        kB: inView ? 0 : answerBytes / 1000,
        render: sample.drawn - answer,
        accept: inView ? 0 : accept.duration,
        draw: draw.duration,
        wait: Math.max(0, frameStart - sample.drawn),
        frameNumber,
        frame: end - Math.max(frameStart, sample.drawn),
      });
      pending = null;
    };
    if (inFrameRead) {
      // Read and drawn inside this frame's animation callbacks: it ends when a task posted now runs.
      const frameStart = local.startTime;
      const channel = new MessageChannel();
      channel.port1.onmessage = () => done(frameStart, performance.now());
      channel.port2.postMessage(null);
    } else {
      window.__afterFrame(done);
    }
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
    // The panel's own warnings (e.g. why it could not read in the view) and CSP violations.
    page.on('console', (msg) => {
      if (/\[rnn-lens\]|Content Security Policy/.test(msg.text())) console.log(`[bench] webview ${msg.type()}: ${msg.text().slice(0, 400)}`);
    });
    await page.goto(server.workbenchUrl(workspace, { extensionDevelopmentPath: cs.extensionPath() }));
    await cs.waitForWorkbench(page);
    await page.waitForFunction(() => document.title.includes('[Extension Development Host]'), null, { timeout: 30000 });
    await cs.sleep(2000);
    Object.assign(e2e.fixture, { page, server, workspace, resultsDir: tmp });

    console.log('[bench] training the reference model through the extension (LSTM, 2 layers, bidirectional, H = 64, chars, 1 epoch, 400 names)…');
    await trainReferenceModel(page);
    const keys = [...WORD.split(''), ...Array(WORD.length).fill('Backspace')];

    /** Opens the panel, prepares the sentence and selection, and types `rounds` timed rounds (after one warm-up). */
    const measure = async (inView) => {
      await e2e.runCommand('RNN: Open Unrolled View');
      const frame = await frameWith(page, 'vscode-textfield.sentence');
      await frame.locator('#prediction[data-class]').waitFor({ state: 'attached', timeout: 30000 });
      if (inView) await frame.locator('.diagram[data-reader]').waitFor({ state: 'attached', timeout: 30000 });
      else await cs.sleep(2000);
      const reader = await frame.getAttribute('.diagram', 'data-reader');
      if (!!reader !== inView) throw new Error(`expected the panel to read ${inView ? 'in the view' : 'through the engine'}, it reads with ${reader ?? 'the engine'}`);
      const field = frame.locator('vscode-textfield.sentence input');
      await field.fill(BASE + WORD);
      await frame.locator(`.diagram[data-text="${BASE + WORD}"]`).waitFor({ state: 'attached', timeout: 30000 });
      const g = JSON.parse(await frame.getAttribute('.diagram', 'data-geometry'));
      if (g.tokens !== BASE.length + WORD.length) throw new Error(`expected ${BASE.length + WORD.length} tokens, the diagram has ${g.tokens}`);
      // Select a cell of the first layer near the end and a unit, as a user exploring would.
      await frame.$eval('.diagram', (e) => (e.scrollLeft = e.scrollWidth));
      await cs.sleep(200);
      const box = await frame.locator('.diagram-rows').boundingBox();
      const t = g.tokens - 2;
      await page.mouse.click(box.x + g.gutter + g.gapX + t * g.colW + g.pad + 10 * g.ppu + 1, box.y + g.top + (g.rows - 1) * (g.rowH + g.rowGap) + g.band + g.pad + 4);
      await frame.locator('.detail-math').first().waitFor({ state: 'attached', timeout: 15000 }).catch(() => undefined);
      // Back to the base text, the caret at its end.
      await field.fill(BASE);
      await frame.locator(`.diagram[data-text="${BASE}"]`).waitFor({ state: 'attached', timeout: 30000 });
      await field.press('End');
      await frame.evaluate(frameHelpers);
      await frame.evaluate(instrument);
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
      if (samples.some((x) => x.inView !== inView)) throw new Error(`some keystrokes were not read ${inView ? 'in the view' : 'by the engine'}`);
      if (samples.length < rounds * keys.length) throw new Error(`only ${samples.length} of ${rounds * keys.length} keystrokes were timed`);
      return { samples, reader, g, selected: await frame.evaluate(() => !!document.querySelector('.detail-math')), interval: await frameInterval(frame) };
    };

    console.log('[bench] typing in the unrolled view, read in the view…');
    const view = await measure(true);
    // The same keystrokes with every one read by the engine (rnnLens.unrolled.readInView off), in a fresh panel.
    fs.writeFileSync(settingsFile, JSON.stringify({ ...settings, ...MODEL_SETTINGS, 'rnnLens.unrolled.readInView': false }, null, 2));
    await e2e.runCommand('View: Close All Editors');
    await cs.sleep(1500);
    console.log('[bench] …and read by the engine through the host (rnnLens.unrolled.readInView off)…');
    const engine = await measure(false);
    const version = await page.evaluate(() => navigator.userAgent.match(/Chrome\/([\d.]+)/)?.[1] ?? '?');
    if (pageErrors.length) console.log(`[bench] the workbench reported errors:\n  ${pageErrors.join('\n  ')}`);

    const { row, rows } = sideBySide(view.samples, engine.samples, { ratio: true });
    const g = view.g;
    console.log(`\nUnrolled panel in VS Code ${'1.99.3'} (code-server 4.99.4): keystroke → redrawn diagram, real host and engine`);
    console.log(`${g.tokens} tokens when the word is complete (${BASE.length}–${g.tokens} while typing), LSTM 2 layers bidirectional H = 64, ${view.selected ? 'a cell and a unit selected' : 'a unit selected'}, ${view.samples.length} + ${engine.samples.length} keystrokes`);
    console.log(`Chromium ${version} headless, --disable-gpu, 1440×900 workbench, frame interval ${view.interval.toFixed(1)} ms; ${os.cpus().length} × ${os.cpus()[0].model}; the view read with ${view.reader}`);
    console.log(`${''.padEnd(52)}${'read in the view'.padStart(15)}  ${'by the engine'.padStart(15)}  engine/view`);
    console.log(`${''.padEnd(52)} median     p95   median     p95   (ms, medians)`);
    const total = row('input event → end of the frame that shows it', 'total');
    const drawn = row('input event → diagram drawn', 'drawnAt');
    row('  input → answer in hand', 'toAnswer');
    row('    reading the sentence (view: Inspector; engine)', 'reading');
    row('    the rest (view: before the read; engine: hops)', (x) => x.toAnswer - x.reading);
    row('  answer → diagram drawn (the panel)', 'render');
    row('    validation on arrival (engine answers)', 'accept');
    row('    drawing (rnnLens.draw)', 'draw');
    row('  drawn → start of the frame that shows it', 'wait');
    row('  that frame: style, layout, paint, commit', 'frame');
    row('the answer posted to the webview (kB, not ms)', 'kB');
    row('which frame after the key shows it (1: the first; not ms)', 'frameNumber');
    console.log(`shown in the first frame after the key: read in the view ${firstFrameShare(view.samples)} of keystrokes, by the engine ${firstFrameShare(engine.samples)}`);
    console.log(`target ≤ ${TARGET_MS} ms input → frame shown: read in the view ${verdict(total.a, TARGET_MS)}; by the engine ${verdict(total.b, TARGET_MS)}`);
    console.log(`input → drawn: read in the view ${verdict(drawn.a, TARGET_MS)}; by the engine ${verdict(drawn.b, TARGET_MS)}`);
    if (jsonOut) {
      const out = {
        date: new Date().toISOString(),
        tokens: g.tokens,
        reader: view.reader,
        frameInterval: view.interval,
        rows: rows.map((r) => ({ label: r.label, inView: r.a, engine: r.b })),
        samples: { inView: view.samples, engine: engine.samples },
      };
      fs.writeFileSync(jsonOut, JSON.stringify(out, null, 2));
    }
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
