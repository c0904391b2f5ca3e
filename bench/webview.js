#!/usr/bin/env node
'use strict';
/**
 * Keystroke → redrawn diagram in the unrolled-RNN panel, in headless Debian Chromium: a 40-token
 * sentence read by a 2-layer bidirectional LSTM with H = 64 (a real model and real engine output from
 * test/webview/makeFixtures.ts --bench), a cell and a unit selected. Each keystroke types or deletes
 * one letter of the last word; the time runs from the `input` event to the end of the frame that shows
 * the new reading. Both ways the panel is answered, one after the other in one run:
 *   - read in the view: the fake host sends the model's weights and the page kernels, and the panel
 *     reads each keystroke itself (the engine's Inspector on WebAssembly) right after it, so the next
 *     frame shows it (a slow reading waits for the animation frame instead, and that frame shows it);
 *   - a host that answers at once: the fake host answers `inspect` in the next task with the engine's
 *     own compactInspection of the fixture (no engine, no IPC: the panel's part of the host path), and
 *     the next frame shows it.
 * Prints median and p95 against the 16 ms target, split into the parts between.
 * Usage: node bench/webview.js [--rounds N]   (build first: node esbuild.js)
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const harness = require('../test/webview/harness');
const { argValue, firstFrameShare, frameHelpers, frameInterval, sideBySide, verdict } = require('./stats');

const TARGET_MS = 16;
const WORD = 'wonderful';

/** Runs before the page's scripts: its 'message' listener comes first, so it sees answers arrive. */
function firstListener() {
  window.addEventListener('message', () => window.__bench?.onAnswer?.());
}

/**
 * Installed in the page: times each keystroke from its input event to the end of the frame that shows
 * the answer, with the points between: the answer in hand (read in the view: the end of the panel's
 * rnnLens.localRead; from the host: its arrival), the diagram drawn, that frame's start.
 */
function instrument() {
  const samples = [];
  let pending = null;
  window.__bench = { samples, busy: () => pending !== null, onAnswer: null };
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
  // The first 'message' listener of the page (installed before its scripts) marks an answer's arrival.
  window.__bench.onAnswer = () => {
    if (pending && pending.answer === undefined) pending.answer = performance.now();
  };
  new MutationObserver(() => {
    const sample = pending;
    if (!sample || sample.drawn !== undefined) return;
    sample.drawn = performance.now();
    const read = performance.getEntriesByName('rnnLens.localRead', 'measure').at(-1);
    const inView = !!read && read.startTime >= sample.input;
    const inFrameRead = inView && !!read.detail?.inFrame;
    const done = (frameStart, end) => {
      sample.done = true;
      // 1: the first frame after the key shows it.
      const frameNumber = window.__frameNumber(sample, inFrameRead, frameStart);
      const answer = inView ? read.startTime + read.duration : sample.answer;
      samples.push({
        inView,
        total: end - sample.input,
        drawnAt: sample.drawn - sample.input,
        toAnswer: answer - sample.input,
        reading: inView ? read.duration : NaN,
        render: sample.drawn - answer,
        wait: Math.max(0, frameStart - sample.drawn),
        frameNumber,
        frame: end - Math.max(frameStart, sample.drawn),
      });
      pending = null;
    };
    if (inFrameRead) {
      // Read and drawn in this frame's animation callbacks: the frame ends when a task posted now runs.
      const channel = new MessageChannel();
      channel.port1.onmessage = () => done(read.startTime, performance.now());
      channel.port2.postMessage(null);
    } else {
      window.__afterFrame(done);
    }
  }).observe(document.querySelector('.diagram'), { attributes: true, attributeFilter: ['data-text'] });
}

async function main() {
  const rounds = Number(argValue('--rounds', 6));
  for (const name of ['unrolled']) {
    if (!fs.existsSync(path.join(harness.repoRoot, 'dist', 'webview', `${name}.js`))) throw new Error(`dist/webview/${name}.js is missing: build first (node esbuild.js)`);
  }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rnn-lens-bench-webview-'));
  try {
    console.log('[bench] training the fixture model (LSTM, 2 layers, bidirectional, H = 64) and capturing its inspections…');
    const made = spawnSync(process.execPath, [require.resolve('tsx/cli'), path.join(harness.repoRoot, 'test', 'webview', 'makeFixtures.ts'), tmp, '--bench'], { cwd: harness.repoRoot, stdio: ['ignore', 'inherit', 'inherit'] });
    if (made.status !== 0) throw new Error('makeFixtures.ts --bench failed');
    harness.fixture.fixtures = harness.loadFixtures(tmp);
    harness.fixture.server = await harness.startServer();
    harness.fixture.browser = await harness.launchBrowser();
    const texts = Object.keys(harness.fixture.fixtures['bench-lstm64'].inspections);
    const base = texts.find((t) => t.endsWith(` ${WORD[0]}`));
    const tokens = harness.fixture.fixtures['bench-lstm64'].inspections[base].tokens.length;
    const keys = [...WORD.slice(1).split(''), ...Array(WORD.length - 1).fill('Backspace')];

    const measure = async (localReader) => {
      const { page, context, errors } = await harness.openView({ active: 'bench-lstm64', readyText: base, localReader, viewport: { width: 1280, height: 900 }, beforeLoad: firstListener });
      await page.waitForFunction((t) => document.querySelector('.diagram')?.dataset.text === t, base);
      if (localReader) await page.waitForFunction(() => document.querySelector('.diagram')?.dataset.reader, null, { timeout: 10000 });
      // Select a cell of the first layer near the end and a unit, as a user exploring would.
      const g = JSON.parse(await page.getAttribute('.diagram', 'data-geometry'));
      const box = await page.locator('.diagram-rows').boundingBox();
      await page.$eval('.diagram', (e) => (e.scrollLeft = e.scrollWidth));
      const t = tokens - 2;
      const cellRow = g.rows - 1;
      const scrolled = await page.$eval('.diagram', (e) => e.scrollLeft);
      await page.mouse.click(box.x - scrolled + g.gutter + g.gapX + t * g.colW + g.pad + 10 * g.ppu + 1, box.y + g.top + cellRow * (g.rowH + g.rowGap) + g.band + g.pad + 4);
      await page.evaluate(frameHelpers);
      await page.evaluate(instrument);
      await page.click('.sentence');
      await page.keyboard.press('End');
      // One warm-up round, then the timed rounds.
      for (let r = 0; r <= rounds; r++) {
        if (r === 1) await page.evaluate(() => window.__bench.samples.splice(0));
        for (const key of keys) {
          if (key === 'Backspace') await page.keyboard.press('Backspace');
          else await page.keyboard.type(key);
          await page.waitForFunction(() => !window.__bench.busy(), null, { timeout: 5000 });
          await page.waitForTimeout(30);
        }
      }
      const samples = await page.evaluate(() => window.__bench.samples);
      const reader = await page.getAttribute('.diagram', 'data-reader');
      const interval = await frameInterval(page);
      await context.close();
      if (errors.length) throw new Error(`the page reported errors:\n${errors.join('\n')}`);
      if (samples.some((x) => x.inView !== localReader)) throw new Error(`some keystrokes were not read ${localReader ? 'in the view' : 'by the host'}`);
      return { samples, reader, interval };
    };

    const view = await measure(true);
    const host = await measure(false);
    const { row } = sideBySide(view.samples, host.samples);
    console.log(`\nUnrolled panel: keystroke → redrawn diagram (${tokens} tokens, LSTM 2 layers bidirectional H = 64, a cell and a unit selected, ${view.samples.length} + ${host.samples.length} keystrokes)`);
    console.log(`Chromium ${harness.fixture.browser.version()} headless, --disable-gpu (software raster), 1280×900, frame interval ${view.interval.toFixed(1)} ms; ${os.cpus().length} × ${os.cpus()[0].model}; the view read with ${view.reader}`);
    console.log(`${''.padEnd(52)}${'read in the view'.padStart(15)}  ${'host at once'.padStart(15)}`);
    console.log(`${''.padEnd(52)} median     p95   median     p95  (ms)`);
    const total = row('input event → end of the frame that shows it', 'total');
    const drawn = row('input event → diagram drawn', 'drawnAt');
    row('  input → answer in hand', 'toAnswer');
    row('    reading the sentence in the view (Inspector)', 'reading');
    row('  answer → diagram drawn (validate, draw, DOM)', 'render');
    row('  drawn → start of the frame that shows it', 'wait');
    row('  that frame: style, layout, paint, commit', 'frame');
    row('which frame after the key shows it (1: the first; not ms)', 'frameNumber');
    console.log(`shown in the first frame after the key: read in the view ${firstFrameShare(view.samples)} of keystrokes, host at once ${firstFrameShare(host.samples)}`);
    console.log(`target ≤ ${TARGET_MS} ms input → frame shown: read in the view ${verdict(total.a, TARGET_MS)}; host at once ${verdict(total.b, TARGET_MS)}`);
    console.log(`input → drawn: read in the view ${verdict(drawn.a, TARGET_MS)}; host at once ${verdict(drawn.b, TARGET_MS)}`);
  } finally {
    if (harness.fixture.browser) await harness.fixture.browser.close().catch(() => undefined);
    if (harness.fixture.server) await harness.fixture.server.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err && err.stack ? err.stack : err);
  process.exit(1);
});
