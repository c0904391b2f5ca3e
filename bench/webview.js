#!/usr/bin/env node
'use strict';
/**
 * Keystroke → redrawn diagram in the unrolled-RNN panel, in headless Debian Chromium: a 40-token
 * sentence read by a 2-layer bidirectional LSTM with H = 64 (real engine output from
 * test/webview/makeFixtures.ts --bench), a fake host that answers `inspect` at once (the next task),
 * a cell and a unit selected. Each keystroke types or deletes one letter of the last word; the time
 * runs from the `input` event to the end of the frame that shows the new inspection (a task posted
 * from that frame's requestAnimationFrame runs after its style, layout, paint and commit). Prints
 * median and p95 against the 16 ms target, split into: the wait for the answer (the fake host posts it
 * at once, but Chromium renders the text field's own frame first), the panel's script (answer →
 * diagram drawn), the wait for the next frame, and that frame's work.
 * Usage: node bench/webview.js [--rounds N]   (build first: node esbuild.js)
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const harness = require('../test/webview/harness');
const { afterFrame, argValue, frameInterval, summary } = require('./stats');

const TARGET_MS = 16;
const WORD = 'wonderful';

/** Runs before the page's scripts: its 'message' listener comes first, so it sees answers arrive. */
function firstListener() {
  window.addEventListener('message', () => window.__bench?.onAnswer?.());
}

/**
 * Installed in the page: times each keystroke from its input event to the end of the frame that shows
 * the answer, with the points between: the answer's arrival, the diagram drawn, that frame's start.
 */
function instrument() {
  const samples = [];
  let pending = null;
  window.__bench = { samples, busy: () => pending !== null, onAnswer: null };
  document.addEventListener('input', (e) => (pending = { input: e.timeStamp }), true);
  // The first 'message' listener of the page (installed before its scripts) marks the answer's arrival.
  window.__bench.onAnswer = () => {
    if (pending && pending.answer === undefined) pending.answer = performance.now();
  };
  new MutationObserver(() => {
    const sample = pending;
    if (!sample || sample.drawn !== undefined) return;
    sample.drawn = performance.now();
    window.__afterFrame((frameStart, end) => {
      sample.frame = frameStart;
      samples.push({
        total: end - sample.input,
        toAnswer: sample.answer - sample.input,
        render: sample.drawn - sample.answer,
        wait: sample.frame - sample.drawn,
        frame: end - sample.frame,
      });
      pending = null;
    });
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
    const { page, context, errors } = await harness.openView({ active: 'bench-lstm64', readyText: base, viewport: { width: 1280, height: 900 }, beforeLoad: firstListener });
    await page.waitForFunction((t) => document.querySelector('.diagram')?.dataset.text === t, base);
    // Select a cell of the first layer near the end and a unit, as a user exploring would.
    const g = JSON.parse(await page.getAttribute('.diagram', 'data-geometry'));
    const box = await page.locator('.diagram-rows').boundingBox();
    await page.$eval('.diagram', (e) => (e.scrollLeft = e.scrollWidth));
    const t = tokens - 2;
    const cellRow = g.rows - 1;
    const scrolled = await page.$eval('.diagram', (e) => e.scrollLeft);
    await page.mouse.click(box.x - scrolled + g.gutter + g.gapX + t * g.colW + g.pad + 10 * g.ppu + 1, box.y + g.top + cellRow * (g.rowH + g.rowGap) + g.band + g.pad + 4);
    await page.evaluate(afterFrame);
    await page.evaluate(instrument);
    await page.click('.sentence');
    await page.keyboard.press('End');
    const keys = [...WORD.slice(1).split(''), ...Array(WORD.length - 1).fill('Backspace')];
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
    const interval = await frameInterval(page);
    await context.close();
    if (errors.length) throw new Error(`the page reported errors:\n${errors.join('\n')}`);
    const row = (label, key) => {
      const s = summary(samples.map((x) => (typeof key === 'function' ? key(x) : x[key])));
      const f = (v) => v.toFixed(1).padStart(7);
      console.log(`${label.padEnd(52)}${f(s.median)} ${f(s.p95)} ${f(s.max)}`);
      return s;
    };
    console.log(`\nUnrolled panel: keystroke → redrawn diagram (${tokens} tokens, LSTM 2 layers bidirectional H = 64, a cell and a unit selected, ${samples.length} keystrokes)`);
    console.log(`Chromium ${harness.fixture.browser.version()} headless, --disable-gpu (software raster), 1280×900, frame interval ${interval.toFixed(1)} ms; ${os.cpus().length} × ${os.cpus()[0].model}`);
    console.log(`${''.padEnd(52)} median     p95     max  (ms)`);
    const total = row('input event → end of the frame that shows it', 'total');
    row('  input → answer arrives (text field drawn first)', 'toAnswer');
    row('  answer → diagram drawn (validate, draw, DOM)', 'render');
    row('  drawn → start of the next frame (frame clock)', 'wait');
    row('  that frame: style, layout, paint, commit', 'frame');
    const ours = row('the panel\'s own work: answer → drawn + its frame', (x) => x.render + x.frame);
    console.log(`target ≤ ${TARGET_MS} ms, input → frame shown: median ${total.median <= TARGET_MS ? 'met' : 'missed'}, p95 ${total.p95 <= TARGET_MS ? 'met' : 'missed'}; the panel's own work: median ${ours.median <= TARGET_MS ? 'met' : 'missed'}, p95 ${ours.p95 <= TARGET_MS ? 'met' : 'missed'}`);
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
