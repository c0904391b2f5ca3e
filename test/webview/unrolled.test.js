// Component tests of the unrolled-RNN panel (webview/unrolled) in headless Chromium with a fake host
// answering from real engine captures (see makeFixtures.ts).
// One file of ~600 lines because every test shares one browser, one page set-up and the fixtures' models;
// the groups (drawing, keyboard, following the host, reading in the page) are its describe blocks.
'use strict';

const assert = require('assert').strict;
const { fixture, launchBrowser, screenshot } = require('./harness');
const u = require('./util');

const THEMES = [
  ['light', 'vscode-light'],
  ['dark', 'vscode-dark'],
  ['high-contrast', 'vscode-high-contrast'],
  // VS Code gives High Contrast Light both classes.
  ['high-contrast-light', 'vscode-high-contrast vscode-high-contrast-light'],
];

/** The colour the fixed state scale (−1…1) gives a value in the current theme. */
async function stateColor(page, v) {
  const bg = await u.themeColor(page, '--vscode-editor-background');
  const fg = await u.themeColor(page, '--vscode-editor-foreground');
  const hc = await page.evaluate(() => document.body.className.includes('high-contrast'));
  const zero = u.mix(bg, fg, hc ? 0.18 : 0.1);
  const c = Math.max(-1, Math.min(1, v));
  return c >= 0 ? u.mix(zero, await u.themeColor(page, '--vscode-charts-orange'), c) : u.mix(zero, await u.themeColor(page, '--vscode-charts-blue'), -c);
}

/** The colour the fixed gate scale (0…1) gives a value. */
async function gateColor(page, v) {
  const bg = await u.themeColor(page, '--vscode-editor-background');
  const fg = await u.themeColor(page, '--vscode-editor-foreground');
  const hc = await page.evaluate(() => document.body.className.includes('high-contrast'));
  return u.mix(u.mix(bg, fg, hc ? 0.18 : 0.1), await u.themeColor(page, '--vscode-charts-purple'), Math.max(0, Math.min(1, v)));
}

/** Clicks unit j of the cell (t, row) on its first strip. */
async function clickUnit(page, t, row, j) {
  const g = await u.geometry(page);
  await u.clickDiagram(page, g.unitX(t, j) + g.ppu / 2, g.stripY(row, 0) + g.stripH / 2);
  // A newly selected cell's exact values come with the next answer; the pane is marked pending until then.
  await page.waitForFunction(() => !document.querySelector('.detail.pending'), null, { timeout: 5000 });
}

/** data-value of every number in the detail pane's arithmetic, by data-key (first occurrence). */
async function mathNumbers(page) {
  return page.$$eval('.detail-math .num', (nodes) => {
    const out = {};
    for (const n of nodes) if (!(n.dataset.key in out)) out[n.dataset.key] = { value: Number(n.dataset.value), text: n.textContent };
    return out;
  });
}

function assertNumber(numbers, key, expected) {
  assert.ok(numbers[key], `the arithmetic shows ${key}`);
  assert.equal(numbers[key].value, expected, `${key} equals the capture`);
  assert.equal(numbers[key].text.replace(/[()]/g, ''), u.fmt(expected), `${key} is printed with four decimals`);
}

describe('unrolled panel', function () {
  afterEach(() => u.closeViews());

  it('asks the host for its start with the restored text, then inspects that text once', async () => {
    const { page } = await u.open({ active: 'lstm', readyText: 'Jonathan', initialState: { text: 'Maria', selected: null, unit: null } });
    await u.waitForDiagramText(page, 'Maria');
    const posted = await page.evaluate(() => window.__host.posted);
    assert.deepEqual(posted[0], { t: 'req', id: posted[0].id, method: 'ready', params: { restoredText: 'Maria' } });
    const inspects = posted.filter((m) => m.method === 'inspect');
    assert.deepEqual(
      inspects.map((m) => m.params),
      [{ text: 'Maria', focus: { cell: null, unit: null } }],
    );
  });

  it('renders a fixture capture: a column per token, a row per layer and direction, six strips per LSTM cell, the prediction', async () => {
    const insp = u.inspection('lstm', 'Maria');
    const { page } = await u.open({ active: 'lstm', readyText: 'Maria' });
    await u.waitForDiagramText(page, 'Maria');
    const g = await u.geometry(page);
    assert.equal(g.tokens, insp.tokens.length);
    assert.equal(g.rows, 4, 'two layers × two directions');
    assert.equal(g.strips, 6, 'h, c, i, f, c̃, o');
    assert.deepEqual(await page.$$eval('.axis-token', (n) => n.map((x) => x.textContent)), insp.tokens.map((t) => t.text));
    assert.deepEqual(await page.$$eval('.gutter-row-title', (n) => n.map((x) => x.textContent)), ['Layer 2 ←', 'Layer 2 →', 'Layer 1 ←', 'Layer 1 →']);
    assert.deepEqual(await page.$$eval('.gutter-strip', (n) => n.slice(0, 6).map((x) => x.textContent)), ['h', 'c', 'i', 'f', 'c̃', 'o']);
    const top = insp.probabilities.indexOf(Math.max(...insp.probabilities));
    const prediction = await page.textContent('#prediction');
    assert.equal(prediction, `Prediction: ${insp.model.classes[top]} ${(insp.probabilities[top] * 100).toFixed(1)} %`);
    assert.match(await page.textContent('#model'), /lstm LSTM · 2 layers · bidirectional · H = 8 · characters · classes: female, male/);
    // The classifier box after the last column has a frame in the foreground colour.
    const fg = await u.themeColor(page, '--vscode-editor-foreground');
    u.assertColor(await u.diagramPixel(page, g.classifierX, g.cellY(0) + 30), fg, 2, 'classifier frame');
  });

  it('colours every strip from the capture on the fixed scales: states −1…1, gates 0…1', async () => {
    const insp = u.inspection('lstm', 'Maria');
    const { page } = await u.open({ active: 'lstm', readyText: 'Maria' });
    await u.waitForDiagramText(page, 'Maria');
    const g = await u.geometry(page);
    const H = insp.model.hiddenSize;
    for (const [t, row] of [
      [0, 0],
      [2, 1],
      [4, 3],
    ]) {
      const d = u.direction(insp, row);
      for (const j of [0, 3, 7]) {
        const x = g.unitX(t, j) + g.ppu / 2;
        const h = d.h[t * H + j];
        u.assertColor(await u.diagramPixel(page, x, g.stripY(row, 0) + 4), await stateColor(page, h), 4, `h of token ${t}, row ${row}, unit ${j} (${h})`);
        const c = d.c[t * H + j];
        u.assertColor(await u.diagramPixel(page, x, g.stripY(row, 1) + 4), await stateColor(page, c), 4, `c (${c})`);
        const f = d.gates[t * 4 * H + H + j];
        u.assertColor(await u.diagramPixel(page, x, g.stripY(row, 3) + 4), await gateColor(page, f), 4, `f (${f})`);
      }
    }
  });

  it('marks unknown tokens in the token axis', async () => {
    const insp = u.inspection('lstm', 'Zoë 7');
    const { page } = await u.open({ active: 'lstm', readyText: 'Zoë 7' });
    await u.waitForDiagramText(page, 'Zoë 7');
    const unknown = await page.$$eval('.axis-column', (n) => n.map((x) => x.classList.contains('unknown')));
    assert.deepEqual(unknown, insp.tokens.map((t) => !t.known));
    assert.ok(unknown.some(Boolean), 'the fixture has an unknown token');
    const title = await page.getAttribute(`.axis-column:nth-child(${unknown.indexOf(true) + 1})`, 'title');
    assert.match(title, /unknown: read as <unk>/);
  });

  it('shows the running prediction under each token and says what it is', async () => {
    const insp = u.inspection('gru', 'the film was not good');
    const { page } = await u.open({ active: 'gru', readyText: 'the film was not good' });
    await u.waitForDiagramText(page, 'the film was not good');
    const C = insp.model.classes.length;
    const labels = await page.$$eval('.running-label', (n) => n.map((x) => ({ cls: x.dataset.class, p: Number(x.dataset.p), text: x.textContent })));
    labels.forEach((l, t) => {
      const row = Array.from(insp.running.slice(t * C, t * C + C));
      const top = row.indexOf(Math.max(...row));
      assert.equal(l.cls, insp.model.classes[top], `token ${t}`);
      assert.equal(l.p, row[top]);
      assert.equal(l.text, `${insp.model.classes[top]} ${Math.round(row[top] * 100)}%`);
    });
    assert.equal(labels[labels.length - 1].cls, (await page.getAttribute('#prediction', 'data-class')), 'the last running prediction is the prediction');
    assert.match(await page.textContent('.running-caption'), /if it ended here/);
    assert.match(await page.getAttribute('.running-caption', 'title'), /if the sentence ended after this token/);
  });

  it('highlights a clicked unit in every cell and draws its activation as a line across the tokens', async () => {
    const insp = u.inspection('lstm', 'Maria');
    const { page } = await u.open({ active: 'lstm', readyText: 'Maria' });
    await u.waitForDiagramText(page, 'Maria');
    await clickUnit(page, 2, 3, 5);
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r())));
    assert.equal(await page.$eval('.unit-field', (e) => e.value), '5');
    const g = await u.geometry(page);
    const fg = await u.themeColor(page, '--vscode-editor-foreground');
    const accent = await u.themeColor(page, '--vscode-charts-green');
    const H = insp.model.hiddenSize;
    for (let row = 0; row < g.rows; row++) {
      const d = u.direction(insp, row);
      for (let t = 0; t < g.tokens; t++) {
        // The frame's left edge runs beside the unit through all strips.
        u.assertColor(await u.diagramPixel(page, g.unitX(t, 5) - 2, g.stripY(row, 2) + 3), fg, 2, `unit frame in token ${t}, row ${row}`);
        // The line's dot sits at the unit's h on a −1…1 band above the row.
        const v = d.h[t * H + 5];
        const y = g.rowY(row) + 4 + ((1 - v) / 2) * (g.band - 10);
        u.assertColor(await u.diagramPixel(page, g.colX(t) + g.cellW / 2, y), accent, 12, `line point of token ${t}, row ${row} (h = ${v})`);
      }
    }
    // Clearing removes the frame.
    await page.click('.clear-unit');
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r())));
    const after = await u.diagramPixel(page, g.unitX(0, 5) - 2, g.stripY(0, 2) + 3);
    assert.ok(u.distance(after, fg) > 20, 'no frame once the unit is cleared');
  });

  it('writes the LSTM arithmetic of the selected cell with the numbers of the capture (forward and backward)', async () => {
    const insp = u.inspection('lstm', 'Maria');
    const { page } = await u.open({ active: 'lstm', readyText: 'Maria' });
    await u.waitForDiagramText(page, 'Maria');
    const H = insp.model.hiddenSize;
    for (const [t, row, j] of [
      [2, 3, 3],
      [1, 2, 6],
      [0, 1, 0],
      [4, 0, 2],
    ]) {
      await clickUnit(page, t, row, j);
      const d = u.direction(insp, row);
      const prev = d.direction === 'forward' ? t - 1 : t + 1;
      const hasPrev = prev >= 0 && prev < insp.tokens.length;
      const n = await mathNumbers(page);
      const G = 4 * H;
      ['i', 'f', 'cc', 'o'].forEach((key, g) => {
        assertNumber(n, `pre-${key}`, d.pre[t * G + g * H + j]);
        assertNumber(n, key, d.gates[t * G + g * H + j]);
      });
      assertNumber(n, 'c-prev', hasPrev ? d.c[prev * H + j] : 0);
      assertNumber(n, 'h-prev', hasPrev ? d.h[prev * H + j] : 0);
      assertNumber(n, 'c', d.c[t * H + j]);
      assertNumber(n, 'h', d.h[t * H + j]);
      // The written-out products add up to the captured c_t.
      assert.ok(Math.abs(n['f*c-prev'].value + n['i*cc'].value - d.c[t * H + j]) < 1e-5);
      assert.ok(Math.abs(n.o.value * Math.tanh(n.c.value) - d.h[t * H + j]) < 1e-5);
      const title = await page.textContent('#detail-title');
      assert.match(title, new RegExp(`token ${t + 1} .*unit ${j}`));
      const k = t + 1;
      const sub = (x) => String(x).replace(/\d/g, (c) => '₀₁₂₃₄₅₆₇₈₉'[c]);
      const kp = d.direction === 'forward' ? t : t + 2;
      assert.match(await page.textContent('[data-line="gate-i"]'), new RegExp(`^i${sub(k)} = σ\\(W_i·x${sub(k)} \\+ U_i·h${sub(kp)} \\+ b_i\\) = σ\\(`));
      assert.match(await page.textContent('[data-line="cell"]'), new RegExp(`^c${sub(k)} = f⊙c${sub(kp)} \\+ i⊙c̃ = `));
      assert.match(await page.textContent('[data-line="hidden"]'), new RegExp(`^h${sub(k)} = o⊙tanh\\(c${sub(k)}\\) = `));
      // The bars show the full vectors with the unit's values beside them.
      const bars = await page.$$eval('.detail-bar-value', (n) => n.map((x) => ({ key: x.dataset.key, value: Number(x.dataset.value) })));
      assert.deepEqual(bars.map((b) => b.key), ['h', 'c', 'i', 'f', 'cc', 'o']);
      assert.equal(bars[0].value, d.h[t * H + j]);
    }
  });

  it('writes the GRU arithmetic: z, r, h̃ = tanh(…) and h = z⊙h_{t−1} + (1 − z)⊙h̃', async () => {
    const insp = u.inspection('gru', 'the film was not good');
    const { page } = await u.open({ active: 'gru', readyText: 'the film was not good' });
    await u.waitForDiagramText(page, 'the film was not good');
    const H = insp.model.hiddenSize;
    const t = 3;
    const j = 4;
    await clickUnit(page, t, 0, j);
    const d = u.direction(insp, 0);
    const n = await mathNumbers(page);
    const G = 3 * H;
    ['z', 'r', 'hh'].forEach((key, g) => {
      assertNumber(n, `pre-${key}`, d.pre[t * G + g * H + j]);
      assertNumber(n, key, d.gates[t * G + g * H + j]);
    });
    assertNumber(n, 'h-prev', d.h[(t - 1) * H + j]);
    assertNumber(n, 'h', d.h[t * H + j]);
    const z = d.gates[t * G + j];
    assert.ok(Math.abs(z * d.h[(t - 1) * H + j] + (1 - z) * d.gates[t * G + 2 * H + j] - d.h[t * H + j]) < 1e-5, 'the capture obeys the GRU update');
    assert.match(await page.textContent('[data-line="gate-hh"]'), /^h̃₄ = tanh\(W_h·x₄ \+ U_h·\(r₄⊙h₃\) \+ b_h\) = tanh\(/);
    assert.match(await page.textContent('[data-line="hidden"]'), /^h₄ = z⊙h₃ \+ \(1 − z\)⊙h̃ = /);
    assert.deepEqual(await page.$$eval('.gutter-strip', (n) => n.map((x) => x.textContent)), ['h', 'z', 'r', 'h̃']);
  });

  it('writes the SimpleRNN arithmetic S_i = tanh(W·X_i + H·S_{i−1} + b) with the pre-activation and the result', async () => {
    const insp = u.inspection('simplernn', 'it was not bad');
    const { page } = await u.open({ active: 'simplernn', readyText: 'it was not bad' });
    await u.waitForDiagramText(page, 'it was not bad');
    const H = insp.model.hiddenSize;
    await clickUnit(page, 1, 0, 2);
    const d = u.direction(insp, 0);
    const n = await mathNumbers(page);
    assertNumber(n, 'pre', d.pre[1 * H + 2]);
    assertNumber(n, 'h', d.h[1 * H + 2]);
    assertNumber(n, 'h-prev', d.h[0 * H + 2]);
    assert.ok(Math.abs(Math.tanh(n.pre.value) - n.h.value) < 1e-6);
    assert.match(await page.textContent('[data-line="hidden"]'), /^S₂ = tanh\(W·X₂ \+ H·S₁ \+ b\) = tanh\(/);
    assert.deepEqual(await page.$$eval('.gutter-strip', (n) => n.map((x) => x.textContent)), ['S', 'pre']);
  });

  it('moves across tokens, rows and units with the keyboard, with a visible focus and spoken positions', async () => {
    const insp = u.inspection('lstm', 'Maria');
    const { page } = await u.open({ active: 'lstm', readyText: 'Maria' });
    await u.waitForDiagramText(page, 'Maria');
    // Tab from the text field reaches the diagram (past the unit field and the disabled Clear button).
    await page.click('.sentence');
    for (let i = 0; i < 5 && !(await page.evaluate(() => document.activeElement?.classList.contains('diagram'))); i++) await page.keyboard.press('Tab');
    assert.ok(await page.evaluate(() => document.activeElement.classList.contains('diagram')), 'Tab reaches the diagram');
    assert.ok(await page.$eval('.diagram', (e) => e.matches(':focus-visible') && getComputedStyle(e).outlineStyle !== 'none'), 'keyboard focus is visible');
    const title = () => page.textContent('#detail-title');
    await page.keyboard.press('ArrowRight');
    assert.match(await title(), /^Layer 1 → forward · token 1 “m”/);
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    assert.match(await title(), /token 3 “r”/);
    await page.keyboard.press('ArrowUp');
    assert.match(await title(), /^Layer 1 ← backward · token 3/);
    await page.keyboard.press('Shift+ArrowRight');
    await page.keyboard.press('Shift+ArrowRight');
    assert.match(await title(), /unit 1$/);
    assert.equal(await page.$eval('.unit-field', (e) => e.value), '1');
    assert.match(await page.textContent('#announce'), /^Token 3 of 5 “r”, layer 1 backward, unit 1: h /);
    await page.keyboard.press('End');
    assert.match(await title(), /token 5 “a”/);
    assert.equal(await page.$eval('.axis-column.selected', (e) => e.dataset.t), '4');
    await page.keyboard.press('Home');
    assert.match(await title(), /token 1 “m”/);
    await page.keyboard.press('Escape');
    assert.equal(await page.$eval('.unit-field', (e) => e.value), '');
    // The focused cell has a dashed ring in the focus colour around its frame.
    const g = await u.geometry(page);
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r())));
    const focus = await u.themeColor(page, '--vscode-focusBorder');
    u.assertColor(await u.diagramPixel(page, g.colX(0) + 3, g.cellY(2) - 5), focus, 40, 'focus ring');
    // The unit slider of the detail pane moves with the arrow keys too.
    await page.focus('.detail-bars');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    assert.equal(await page.getAttribute('.detail-bars', 'aria-valuenow'), '1');
    assert.equal(await page.getAttribute('.detail-bars', 'aria-valuemax'), String(insp.model.hiddenSize - 1));
    assert.match(await page.getAttribute('.detail-bars', 'aria-valuetext'), /^unit 1: h /);
  });

  it('inspects per keystroke while typing, follows the text, and keeps the layout still', async () => {
    const base = 'the film was ';
    const { page } = await u.open({ active: 'gru', readyText: base });
    await u.waitForDiagramText(page, base);
    const boxes = () =>
      page.$$eval(['.panel-header', '.toolbar', '.diagram', '.detail'].join(','), (n) =>
        n.map((e) => {
          const r = e.getBoundingClientRect();
          return [e.className, Math.round(r.top), Math.round(r.height)];
        }),
      );
    await clickUnit(page, 0, 0, 1);
    // Choosing a cell and a unit asks once more, for their exact values.
    const afterClick = await page.evaluate(() => window.__host.requests('inspect').map((m) => m.params));
    assert.deepEqual(afterClick.at(-1), { text: base, focus: { cell: { t: 0, layer: 0, direction: 'forward' }, unit: 1 } });
    const before = await boxes();
    await page.click('.sentence');
    await page.keyboard.press('End');
    let text = base;
    for (const ch of 'not good') {
      await page.keyboard.type(ch);
      text += ch;
      await u.waitForDiagramText(page, text);
      assert.deepEqual(await boxes(), before, `nothing moved after typing ${JSON.stringify(text)}`);
    }
    const inspects = await page.evaluate(() => window.__host.requests('inspect').map((m) => m.params.text));
    assert.equal(inspects.length, afterClick.length + 'not good'.length, 'one request per keystroke');
    assert.equal(inspects[inspects.length - 1], 'the film was not good');
    const saved = await page.evaluate(() => window.__host.states.at(-1));
    assert.equal(saved.text, 'the film was not good');
    assert.deepEqual(await page.$$eval('.axis-token', (n) => n.map((x) => x.textContent)), ['the', 'film', 'was', 'not', 'good']);
  });

  it('drops an answer that arrives after a newer one, and cancels the superseded request', async () => {
    const { page } = await u.open({ active: 'gru', readyText: 'the film was ', mode: 'manual' });
    await page.waitForFunction(() => window.__host.held.length === 1);
    await page.evaluate(() => window.__host.release(window.__host.held[0].id));
    await u.waitForDiagramText(page, 'the film was ');
    await page.click('.sentence');
    await page.keyboard.press('End');
    await page.keyboard.type('n');
    await page.keyboard.type('o');
    await page.waitForFunction(() => window.__host.held.length === 2);
    const [older, newer] = await page.evaluate(() => window.__host.held.map((h) => h.id));
    await page.evaluate((id) => window.__host.release(id), newer);
    await u.waitForDiagramText(page, 'the film was no');
    await page.waitForFunction((id) => window.__host.posted.some((m) => m.t === 'cancel' && m.id === id), older);
    await page.evaluate((id) => window.__host.release(id), older);
    await page.waitForTimeout(100);
    assert.equal(await page.getAttribute('.diagram', 'data-text'), 'the film was no', 'the stale answer is not shown');
    assert.deepEqual(await page.$$eval('.axis-token', (n) => n.map((x) => x.textContent)), ['the', 'film', 'was', 'no']);
    assert.equal(await page.textContent('#status'), '');
  });

  it('asks again for the exact values of a newly selected cell and unit, keeping the numbers before dimmed until they arrive', async () => {
    const insp = u.inspection('lstm', 'Maria');
    const { page } = await u.open({ active: 'lstm', readyText: 'Maria', mode: 'manual' });
    const releaseAll = () => page.evaluate(() => window.__host.held.map((h) => h.id).forEach((id) => window.__host.release(id)));
    await page.waitForFunction(() => window.__host.held.length === 1);
    await releaseAll();
    await u.waitForDiagramText(page, 'Maria');
    const g = await u.geometry(page);
    await u.clickDiagram(page, g.unitX(2, 5) + g.ppu / 2, g.stripY(1, 0) + g.stripH / 2);
    await page.waitForFunction(() => window.__host.held.length === 1);
    const d = u.direction(insp, 1);
    const asked = await page.evaluate(() => window.__host.requests('inspect').at(-1).params);
    assert.deepEqual(asked, { text: 'Maria', focus: { cell: { t: 2, layer: d.layer, direction: d.direction }, unit: 5 } });
    assert.ok(await page.$('.detail.pending'), 'the pane waits for the exact values');
    assert.equal(await page.getAttribute('.detail-math', 'aria-busy'), 'true');
    assert.doesNotMatch(await page.textContent('#announce'), /: h /, 'no number is spoken before the exact one arrives');
    await releaseAll();
    await page.waitForFunction(() => !document.querySelector('.detail.pending'));
    const H = insp.model.hiddenSize;
    const n = await mathNumbers(page);
    assertNumber(n, 'h', d.h[2 * H + 5]);
    assertNumber(n, 'f', d.gates[2 * 4 * H + H + 5]);
    assertNumber(n, 'pre-o', d.pre[2 * 4 * H + 3 * H + 5]);
    assert.equal(await page.getAttribute('.detail-math', 'aria-busy'), 'false');
    // Spoken once the values are there: the exact ones of unit 5 in this cell.
    assert.match(await page.textContent('#announce'), new RegExp(`unit 5: h ${u.fmt(d.h[2 * H + 5])}, c ${u.fmt(d.c[2 * H + 5])}, i `));
  });

  it('restores text, selected cell and unit from the saved state, and saves changes', async () => {
    const { page } = await u.open({ active: 'lstm', readyText: 'Jonathan', initialState: { text: 'Maria', selected: { t: 1, row: 2 }, unit: 4 } });
    await u.waitForDiagramText(page, 'Maria');
    assert.match(await page.textContent('#detail-title'), /^Layer 1 ← backward · token 2 “a” · unit 4$/);
    assert.equal(await page.$eval('.sentence', (e) => e.value), 'Maria');
    await clickUnit(page, 3, 1, 2);
    const saved = await page.evaluate(() => window.__host.states.at(-1));
    assert.deepEqual(saved, { text: 'Maria', selected: { t: 3, row: 1 }, unit: 2 });
  });

  it('follows the host: setText shows a new sentence, modelChanged switches the model and reads the text again', async () => {
    const { page } = await u.open({ active: 'lstm', readyText: 'Maria', fixtures: ['lstm', 'gru'] });
    await u.waitForDiagramText(page, 'Maria');
    await page.evaluate(() => window.__host.emit('setText', { text: 'Jonathan' }));
    await u.waitForDiagramText(page, 'Jonathan');
    assert.equal(await page.$eval('.sentence', (e) => e.value), 'Jonathan');
    await page.evaluate(() => {
      window.__host.active = 'gru';
      window.__host.emit('setText', { text: 'the film was good' });
      window.__host.emit('modelChanged', { model: window.__host.model('gru') });
    });
    await u.waitForDiagramText(page, 'the film was good');
    assert.match(await page.textContent('#model'), /^gru GRU · 1 layer · H = 8/);
    assert.equal((await u.geometry(page)).rows, 1);
    await page.evaluate(() => window.__host.emit('modelChanged', { model: null }));
    await page.locator('#empty').waitFor({ state: 'visible', timeout: 5000 });
    assert.ok(await page.locator('.diagram').isHidden(), 'the empty state takes the diagram’s place');
  });

  it('renders 200 tokens: scrolls sideways drawing only the tiles in view, with the token axis sticky', async () => {
    const text = Object.keys(fixture.fixtures.lstm.inspections).find((k) => k.length === 200);
    const { page } = await u.open({ active: 'lstm', readyText: text, viewport: { width: 1000, height: 520 } });
    await u.waitForDiagramText(page, text);
    const g = await u.geometry(page);
    assert.equal(g.tokens, 200);
    assert.equal(await page.$$eval('.axis-column', (n) => n.length), 200);
    const sizes = await page.$eval('.diagram', (e) => ({ sw: e.scrollWidth, cw: e.clientWidth, sh: e.scrollHeight, ch: e.clientHeight }));
    assert.ok(sizes.sw > 10 * sizes.cw, 'scrolls horizontally');
    assert.ok((await page.$$eval('.diagram-tile', (n) => n.length)) <= 3, 'only the tiles near the view exist');
    // The token axis stays at the bottom of the diagram while its rows scroll vertically.
    assert.ok(sizes.sh > sizes.ch, 'the rows are taller than the view');
    const axisBottom = () => page.$eval('.diagram-axis', (a) => Math.round(a.getBoundingClientRect().bottom));
    const first = await axisBottom();
    await page.$eval('.diagram', (e) => (e.scrollTop = 40));
    assert.equal(await axisBottom(), first, 'the axis does not move with the rows');
    await page.$eval('.diagram', (e) => (e.scrollLeft = 9000));
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r()))));
    await screenshot(page, 'unrolled-200-tokens', { fullPage: false });
    // Scrolling to the end draws the classifier there.
    await page.$eval('.diagram', (e) => (e.scrollLeft = e.scrollWidth));
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r()))));
    const fg = await u.themeColor(page, '--vscode-editor-foreground');
    u.assertColor(await u.diagramPixel(page, g.classifierX, g.cellY(0) + 30), fg, 2, 'classifier frame at the end');
    assert.ok((await page.$$eval('.diagram-tile', (n) => n.length)) <= 6);
  });


  for (const [name, theme] of THEMES) {
    it(`draws with the ${name} theme's colours, keeps every text legible, and switches when the theme class changes (screenshot unrolled-${name})`, async () => {
      const { page } = await u.open({ active: 'lstm', readyText: 'Maria', theme: 'vscode-dark' });
      await u.waitForDiagramText(page, 'Maria');
      await clickUnit(page, 2, 3, 3);
      await u.setTheme(page, theme);
      const g = await u.geometry(page);
      u.assertColor(await u.diagramPixel(page, g.colX(1) + 2, g.cellY(0) + 2), await u.themeColor(page, '--vscode-editor-background'), 1, 'cell background');
      const frame = name.startsWith('high-contrast') ? '--vscode-contrastBorder' : '--vscode-panel-border';
      u.assertColor(await u.diagramPixel(page, g.colX(1), g.cellY(0) + 10), await u.themeColor(page, frame), 1, 'cell frame');
      u.assertColor(await u.diagramPixel(page, g.colX(2) - 1, g.cellY(3) + 10), await u.themeColor(page, '--vscode-focusBorder'), 2, 'selected cell');
      const legendEnd = await u.canvasPixel(page, '.legend-canvas', 94, 5);
      u.assertColor(legendEnd, await u.themeColor(page, '--vscode-charts-orange'), 8, 'legend: +1 is the positive colour (two pixels from its end)');
      // Every piece of text stays legible: the arithmetic's numbers, tokens, the running prediction, notes.
      for (const selector of ['.detail-math .num', '.detail-math .math-line', '.axis-token', '.running-label', '.model-line', '#prediction', '.help', '#readout', '.legend-item > span']) await u.assertLegible(page, selector);
      await page.mouse.move(0, 0);
      await screenshot(page, `unrolled-${name}`);
    });
  }

  it('draws the GRU panel in every theme (screenshots unrolled-gru-*)', async () => {
    const { page } = await u.open({ active: 'gru', readyText: 'the film was not good', viewport: { width: 1100, height: 700 } });
    await u.waitForDiagramText(page, 'the film was not good');
    await clickUnit(page, 3, 0, 2);
    for (const [name, theme] of THEMES) {
      await u.setTheme(page, theme);
      await screenshot(page, `unrolled-gru-${name}`);
    }
  });
});

describe('unrolled panel reading in the page', function () {
  afterEach(() => u.closeViews());

  /** Opens the panel with the model's weights and kernels on offer and waits until the page reads with them. */
  async function openReading(options) {
    const opened = await u.open({ localReader: true, ...options });
    await opened.page.waitForFunction(() => document.querySelector('.diagram')?.dataset.reader, null, { timeout: 10000 });
    return opened;
  }

  it('loads the active model into the page and then reads keystrokes without asking the host, one request fewer per key', async () => {
    const { page, errors } = await openReading({ active: 'lstm', readyText: 'Maria' });
    assert.match(await page.$eval('.diagram', (e) => e.dataset.reader), /^wasm-(relaxed-)?simd$/, 'the WebAssembly kernels run in the page');
    const asked = await page.evaluate(() => window.__host.posted.filter((m) => m.t === 'req').map((m) => m.method));
    assert.deepEqual(asked.slice(0, 4), ['ready', 'inspect', 'readerModel', 'readerKernels'], 'the first reading comes from the host while the weights load');
    const before = await page.evaluate(() => window.__host.requests('inspect').length);
    await page.click('.sentence');
    await page.keyboard.press('Control+A');
    let text = '';
    for (const ch of 'Alexander') {
      await page.keyboard.type(ch);
      text += ch;
      await u.waitForDiagramText(page, text);
      // Each prefix reads exactly what the engine read for it: the running prediction under every token.
      const insp = u.inspection('lstm', text);
      const C = insp.model.classes.length;
      const shown = await page.$$eval('.running-label', (n) => n.map((x) => ({ cls: x.dataset.class, p: Number(x.dataset.p) })));
      assert.equal(shown.length, insp.tokens.length, text);
      shown.forEach((l, t) => {
        const row = Array.from(insp.running.slice(t * C, t * C + C));
        const top = row.indexOf(Math.max(...row));
        assert.equal(l.cls, insp.model.classes[top], `${text}, token ${t}`);
        assert.equal(l.p, row[top], `${text}, token ${t}: the engine's probability`);
      });
    }
    assert.equal(await page.evaluate(() => window.__host.requests('inspect').length), before, 'no inspect request while typing');
    assert.deepEqual(errors, []);
  });

  it('prints exactly the engine numbers in the arithmetic of a cell read in the page (forward and backward)', async () => {
    const insp = u.inspection('lstm', 'Jonathan');
    const { page } = await openReading({ active: 'lstm', readyText: 'Jonathan' });
    await u.waitForDiagramText(page, 'Jonathan');
    const inspectsBefore = await page.evaluate(() => window.__host.requests('inspect').length);
    const H = insp.model.hiddenSize;
    for (const [t, row, j] of [
      [3, 3, 2],
      [0, 0, 7],
      [7, 1, 4],
    ]) {
      await clickUnit(page, t, row, j);
      const d = u.direction(insp, row);
      const n = await mathNumbers(page);
      const G = 4 * H;
      ['i', 'f', 'cc', 'o'].forEach((key, g) => {
        assertNumber(n, `pre-${key}`, d.pre[t * G + g * H + j]);
        assertNumber(n, key, d.gates[t * G + g * H + j]);
      });
      assertNumber(n, 'c', d.c[t * H + j]);
      assertNumber(n, 'h', d.h[t * H + j]);
    }
    assert.equal(await page.evaluate(() => window.__host.requests('inspect').length), inspectsBefore, 'selecting cells and units asks the host nothing');
  });

  it('follows rnnLens.unrolled.readInView: off, keystrokes go to the host; on again, the page reads; other model changes keep the diagram', async () => {
    const created = fixture.fixtures.lstm.reader.metadata.created;
    const { page } = await openReading({ active: 'lstm', readyText: 'Maria' });
    await u.waitForDiagramText(page, 'Maria');
    const inspects = () => page.evaluate(() => window.__host.requests('inspect').length);
    const loads = () => page.evaluate(() => window.__host.requests('readerModel').length);
    // A model added elsewhere: the same active model, nothing reloads or asks again.
    const before = [await inspects(), await loads()];
    await page.evaluate((created) => window.__host.emit('modelChanged', { model: window.__host.model('lstm'), created, readInView: true }), created);
    await page.waitForTimeout(200);
    assert.deepEqual([await inspects(), await loads()], before);
    // The setting turned off: the page stops reading, and the next key goes to the host.
    await page.evaluate((created) => window.__host.emit('modelChanged', { model: window.__host.model('lstm'), created, readInView: false }), created);
    await page.waitForFunction(() => !document.querySelector('.diagram').dataset.reader);
    await page.click('.sentence');
    await page.keyboard.press('Control+A');
    await page.keyboard.type('A');
    await page.waitForFunction((n) => window.__host.requests('inspect').length === n + 1, before[0]);
    await u.waitForDiagramText(page, 'A');
    // And on again: the weights are loaded again and the page reads.
    await page.evaluate((created) => window.__host.emit('modelChanged', { model: window.__host.model('lstm'), created, readInView: true }), created);
    await page.waitForFunction(() => document.querySelector('.diagram').dataset.reader, null, { timeout: 10000 });
    await page.keyboard.type('l');
    await u.waitForDiagramText(page, 'Al');
    assert.equal(await inspects(), before[0] + 1, 'no request for the key read in the page');
  });

  it('loads the next model when the active one changes, and keeps asking the host when the page cannot read', async () => {
    const { page } = await openReading({ active: 'lstm', readyText: 'Maria', fixtures: ['lstm', 'gru'] });
    await u.waitForDiagramText(page, 'Maria');
    await page.evaluate(() => {
      window.__host.active = 'gru';
      window.__host.emit('setText', { text: 'the film was not good' });
      window.__host.emit('modelChanged', { model: window.__host.model('gru'), created: 'later' });
    });
    await page.waitForFunction(() => window.__host.requests('readerModel').length === 2, null, { timeout: 5000 });
    await page.waitForFunction(() => document.querySelector('.diagram')?.dataset.reader, null, { timeout: 10000 });
    await u.waitForDiagramText(page, 'the film was not good');
    const insp = u.inspection('gru', 'the film was not good');
    const C = insp.model.classes.length;
    const last = await page.$$eval('.running-label', (n) => Number(n.at(-1).dataset.p));
    const row = Array.from(insp.running.slice((insp.tokens.length - 1) * C, insp.tokens.length * C));
    assert.equal(last, Math.max(...row), 'the GRU read in the page gives the engine’s prediction');

    // Kernels that do not compile: the page stays with the host's answers, and says nothing alarming.
    const broken = await u.open({ active: 'gru', readyText: 'the film was ', localReader: true, beforeLoad: () => {
      WebAssembly.compile = () => Promise.reject(new Error('no compiling in this test'));
    } });
    await u.waitForDiagramText(broken.page, 'the film was ');
    await broken.page.waitForFunction(() => window.__host.requests('readerKernels').length === 1, null, { timeout: 5000 });
    await broken.page.click('.sentence');
    await broken.page.keyboard.press('End');
    await broken.page.keyboard.type('n');
    await u.waitForDiagramText(broken.page, 'the film was n');
    assert.equal(await broken.page.$eval('.diagram', (e) => e.dataset.reader ?? null), null);
    assert.deepEqual(await broken.page.evaluate(() => window.__host.requests('inspect').map((m) => m.params.text)), ['the film was ', 'the film was n']);
    assert.deepEqual(broken.errors, []);
  });
});

/** The 69-token name of the character-level fixture (makeFixtures.ts: NAME_69). */
function name69() {
  const text = Object.keys(fixture.fixtures.lstm.inspections).find((k) => k.length === 69);
  assert.ok(text, 'the lstm fixture has a 69-character name');
  return text;
}

/**
 * The lstm fixture under a long model name, as models are named after their data and settings
 * (registered as the fixture `lstm-long`); resolves to that name.
 */
function longNamedFixture() {
  const name = 'names-tsv-bilstm-2x8-char-from-900-lines-of-names';
  if (!fixture.fixtures['lstm-long']) {
    const copy = JSON.parse(JSON.stringify(fixture.fixtures.lstm));
    copy.model.name = name;
    for (const insp of Object.values(copy.inspections)) insp.model.name = name;
    if (copy.reader) copy.reader.metadata.name = name;
    fixture.fixtures['lstm-long'] = copy;
  }
  return name;
}

describe('unrolled panel header, scrolling and empty state', function () {
  let scrollbarBrowser;
  before(async () => {
    scrollbarBrowser = await launchBrowser({ scrollbars: true });
  });
  after(async () => {
    await scrollbarBrowser?.close();
  });
  afterEach(() => u.closeViews());

  for (const width of [320, 820, 1400]) {
    it(`keeps the header whole at ${width} px: the model line and the prediction wrap instead of being cut (screenshot unrolled-header-${width})`, async () => {
      const text = name69();
      const name = longNamedFixture();
      const { page } = await u.open({ active: 'lstm-long', readyText: text, viewport: { width, height: 800 } });
      await u.waitForDiagramText(page, text);
      assert.deepEqual(await u.clippedHeader(page), [], `at ${width} px`);
      // All of it is there: the name, every setting, the classes and the prediction.
      assert.equal(await page.textContent('#model'), `${name} LSTM · 2 layers · bidirectional · H = 8 · characters · classes: female, male`);
      assert.match(await page.textContent('#prediction'), /^Prediction: (female|male) \d+\.\d %$/);
      // The prediction stays on the right, or under the model line when there is no room beside it.
      const [line, prediction] = await Promise.all([page.locator('#model').boundingBox(), page.locator('#prediction').boundingBox()]);
      assert.ok(prediction.x >= line.x + line.width - 1 || prediction.y >= line.y + line.height - 1, 'the prediction does not overlap the model line');
      await screenshot(page, `unrolled-header-${width}`, { fullPage: false });
    });
  }

  it('shows a scrollbar and an overview strip of all 69 tokens, whose window follows the view and scrolls it when dragged, pressed or moved with the keys', async () => {
    const text = name69();
    const insp = u.inspection('lstm', text);
    const { page } = await u.open({ browser: scrollbarBrowser, active: 'lstm', readyText: text, viewport: { width: 820, height: 800 } });
    await u.waitForDiagramText(page, text);
    const g = await u.geometry(page);
    assert.equal(g.tokens, 69);
    const view = () =>
      page.$eval('.diagram', (e) => {
        const s = getComputedStyle(e);
        return { left: e.scrollLeft, max: e.scrollWidth - e.clientWidth, width: e.clientWidth, bar: e.offsetHeight - e.clientHeight - parseFloat(s.borderTopWidth) - parseFloat(s.borderBottomWidth) };
      });
    const frame = () => page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r()))));
    const start = await view();
    assert.ok(start.max > 5 * start.width, 'the diagram is many views wide');
    assert.ok(start.bar >= 10, `a horizontal scrollbar under the diagram (${start.bar} px)`);

    // The strip spans the diagram; its window covers the part in view, at the start.
    const strip = await page.locator('.overview').boundingBox();
    const diagramBox = await page.locator('.diagram').boundingBox();
    assert.ok(Math.abs(strip.width - diagramBox.width) <= 1 && strip.y + strip.height <= diagramBox.y, 'the strip sits above the diagram, as wide');
    const win = () => page.locator('.overview-window').boundingBox();
    const inner = await page.$eval('.overview', (e) => e.clientWidth);
    const perPixel = (start.max + start.width) / inner; // content pixels per strip pixel
    const w0 = await win();
    assert.ok(Math.abs(w0.width - start.width / perPixel) <= 1, `the window is the view's share of the strip (${w0.width} px)`);
    assert.ok(Math.abs(w0.x - (strip.x + 1)) <= 1, 'at the start');
    assert.equal(await page.getAttribute('.overview', 'aria-valuetext'), `tokens 1 to ${(await page.$eval('.overview', (e) => e.dataset.visible)).split('-').map(Number)[1] + 1} of 69 in view`);

    // It draws every token: a bar in the colour of its running prediction's class.
    const C = insp.model.classes.length;
    const charts = ['--vscode-charts-blue', '--vscode-charts-orange'];
    for (const t of [20, 45, 68]) {
      const row = Array.from(insp.running.slice(t * C, t * C + C));
      const top = row.indexOf(Math.max(...row));
      const x = (g.colX(t) + g.cellW / 2) / perPixel;
      u.assertColor(await u.canvasPixel(page, '.overview-canvas', x, 16), await u.themeColor(page, charts[top]), 2, `token ${t + 1}'s bar (${insp.model.classes[top]})`);
    }

    // Dragging the window scrolls the diagram by as much as the window moved, scaled.
    await page.mouse.move(w0.x + w0.width / 2, w0.y + w0.height / 2);
    await page.mouse.down();
    await page.mouse.move(w0.x + w0.width / 2 + 100, w0.y + w0.height / 2, { steps: 5 });
    await page.mouse.up();
    await frame();
    const dragged = await view();
    assert.ok(Math.abs(dragged.left - 100 * perPixel) <= perPixel + 1, `dragged 100 px: scrollLeft ${dragged.left}, expected about ${100 * perPixel}`);
    assert.ok(Math.abs((await win()).x - (w0.x + 100)) <= 1.5, 'the window moved with the pointer');
    // The tiles of the new view are drawn.
    assert.ok(await u.diagramPixel(page, dragged.left + dragged.width / 2, g.cellY(0) + 10), 'the diagram drew the tiles that came into view');

    // Pressing on the strip's right end brings the end into view.
    await page.mouse.click(strip.x + strip.width - 3, strip.y + strip.height / 2);
    await frame();
    // (Fresh sizes: the diagram's vertical scrollbar may come and go with the horizontal one.)
    const atEnd = await view();
    assert.equal(atEnd.left, atEnd.max);
    assert.ok(Math.abs((await win()).x + (await win()).width - (strip.x + strip.width - 1)) <= 1.5, 'the window at the end');
    // Scrolling the diagram itself moves the window back.
    await page.$eval('.diagram', (e) => (e.scrollLeft = 0));
    await frame();
    assert.ok(Math.abs((await win()).x - (strip.x + 1)) <= 1, 'the window follows the diagram');

    // Keyboard: Tab reaches the strip with a visible focus; the arrows move one token, Page Down a view, End/Home the ends.
    await page.click('.sentence');
    for (let i = 0; i < 5 && !(await page.evaluate(() => document.activeElement?.classList.contains('overview'))); i++) await page.keyboard.press('Tab');
    assert.ok(await page.evaluate(() => document.activeElement.classList.contains('overview')), 'Tab reaches the overview strip');
    assert.ok(await page.$eval('.overview', (e) => e.matches(':focus-visible') && getComputedStyle(e).outlineStyle !== 'none'), 'its focus is visible');
    assert.equal(await page.getAttribute('.overview', 'role'), 'scrollbar');
    assert.equal(await page.getAttribute('.overview', 'aria-controls'), 'diagram');
    await page.keyboard.press('ArrowRight');
    assert.equal((await view()).left, g.colW);
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowLeft');
    assert.equal((await view()).left, g.colW);
    const before = await view();
    await page.keyboard.press('PageDown');
    assert.equal((await view()).left, g.colW + before.width - g.gutter);
    await page.keyboard.press('End');
    const end = await view();
    assert.equal(end.left, end.max);
    assert.equal(await page.getAttribute('.overview', 'aria-valuenow'), '100');
    assert.match(await page.getAttribute('.overview', 'aria-valuetext'), / to 69 of 69 in view$/);
    await page.keyboard.press('Home');
    assert.equal((await view()).left, 0);
    assert.equal(await page.getAttribute('.overview', 'aria-valuenow'), '0');
    await frame();
    await page.keyboard.press('End');
    await frame();
    await screenshot(page, 'unrolled-overview-820', { fullPage: false });
  });

  it('clears the caption of the cell under the pointer when the pointer leaves the diagram or the page loses focus', async () => {
    const text = name69();
    const { page } = await u.open({ active: 'lstm', readyText: text, viewport: { width: 820, height: 800 } });
    await u.waitForDiagramText(page, text);
    await page.$eval('.diagram', (e) => (e.scrollLeft = e.scrollWidth));
    const g = await u.geometry(page);
    const hoverToken68 = async () => {
      const box = await page.locator('.diagram-rows').boundingBox();
      await page.mouse.move(box.x + g.colX(67) + g.cellW / 2, box.y + g.cellY(0) + 4);
      await page.waitForFunction(() => document.querySelector('#readout').textContent.startsWith('Token 68 of 69'), null, { timeout: 5000 });
    };
    await hoverToken68();
    // Out of the diagram, onto the header.
    await page.mouse.move(40, 10);
    assert.equal(await page.textContent('#readout'), '', 'no caption once the pointer is on the header');
    await hoverToken68();
    // The webview losing focus (the pointer and the keyboard went elsewhere in VS Code).
    await page.evaluate(() => window.dispatchEvent(new Event('blur')));
    assert.equal(await page.textContent('#readout'), '', 'no caption once the page lost focus');
  });

  it('opens without a model in an empty state that says to train first, with buttons that run the commands, and reads as soon as a model is active (screenshots unrolled-empty-*)', async () => {
    const { page } = await u.open({ active: null, readyText: '', fixtures: ['lstm'], viewport: { width: 820, height: 600 } });
    await page.locator('#empty').waitFor({ state: 'visible', timeout: 5000 });
    assert.match(await page.textContent('#empty h2'), /^No active model yet$/);
    assert.match(await page.textContent('#empty'), /Train one first: .* run "RNN: Train RNN on selection"/);
    for (const part of ['.toolbar', '.overview', '.diagram', '.diagram-notes', '.detail']) assert.ok(await page.locator(part).isHidden(), `${part} is hidden`);
    assert.deepEqual(await u.clippedHeader(page), []);
    // The button runs the command in the host; so does Enter on it, reached with Tab.
    await page.click('.train-button');
    await page.waitForFunction(() => window.__host.requests('runCommand').length === 1);
    await page.click('.sentence');
    await page.keyboard.press('Tab');
    assert.ok(await page.evaluate(() => document.activeElement?.classList.contains('train-button')), 'Tab reaches the train button');
    assert.ok(await page.$eval('.train-button', (e) => e.matches(':focus-visible')), 'its focus is visible');
    await page.keyboard.press('Enter');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Space');
    await page.waitForFunction(() => window.__host.requests('runCommand').length === 3);
    assert.deepEqual(
      await page.evaluate(() => window.__host.requests('runCommand').map((m) => m.params)),
      [{ command: 'trainOnSelection' }, { command: 'trainOnSelection' }, { command: 'selectModel' }],
    );
    assert.equal(await page.evaluate(() => window.__host.requests('inspect').length), 0, 'nothing is read without a model');
    for (const [name, theme] of THEMES) {
      await u.setTheme(page, theme);
      for (const selector of ['#empty h2', '#empty p']) await u.assertLegible(page, selector);
      await screenshot(page, `unrolled-empty-${name}`, { fullPage: false });
    }
    await u.setTheme(page, 'vscode-dark');
    // A model becomes active: the panel takes a line of its data and reads it.
    await page.evaluate(() => {
      window.__host.active = 'lstm';
      window.__host.emit('modelChanged', { model: window.__host.model('lstm'), created: 'now', sample: 'Maria' });
    });
    await u.waitForDiagramText(page, 'Maria');
    assert.ok(await page.locator('#empty').isHidden(), 'the empty state is gone');
    assert.ok(await page.locator('.diagram').isVisible());
    assert.equal(await page.$eval('.sentence', (e) => e.value), 'Maria');
    assert.deepEqual(await page.evaluate(() => window.__host.requests('inspect').map((m) => m.params.text)), ['Maria']);
    assert.match(await page.textContent('#prediction'), /^Prediction: /);
    // Text the user typed meanwhile is kept: the next model reads it instead of its own sample.
    await page.evaluate(() => window.__host.emit('modelChanged', { model: null }));
    await page.locator('#empty').waitFor({ state: 'visible', timeout: 5000 });
    await page.evaluate(() => {
      window.__host.emit('modelChanged', { model: window.__host.model('lstm'), created: 'later', sample: 'Jonathan' });
    });
    await page.waitForFunction(() => window.__host.requests('inspect').length === 2);
    assert.equal(await page.$eval('.sentence', (e) => e.value), 'Maria');
  });
});
