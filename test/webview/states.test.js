// Component tests of the Hidden States side panel (webview/states) in headless Chromium with a fake
// host sending snapshots built from real engine captures.
'use strict';

const assert = require('assert').strict;
const { fixture, screenshot } = require('./harness');
const u = require('./util');

const SIDEBAR = { width: 340, height: 900 };

/** A snapshot: the three fixture models (lstm active) and the LSTM reading "Jonathan". */
function snapshot(overrides = {}) {
  const f = fixture.fixtures;
  return {
    models: [{ ...f.lstm.modelItem, active: true }, f.gru.modelItem, f.simplernn.modelItem],
    inspection: f.lstm.inspections.Jonathan,
    source: 'names.tsv:12',
    ...overrides,
  };
}

/** The colour the state scale gives a value on the side bar's background. */
async function stateColor(page, v) {
  const bg = await u.themeColor(page, '--vscode-sideBar-background');
  const fg = await u.themeColor(page, '--vscode-editor-foreground');
  const hc = await page.evaluate(() => document.body.className.includes('high-contrast'));
  const zero = u.mix(bg, fg, hc ? 0.18 : 0.1);
  const c = Math.max(-1, Math.min(1, v));
  return c >= 0 ? u.mix(zero, await u.themeColor(page, '--vscode-charts-orange'), c) : u.mix(zero, await u.themeColor(page, '--vscode-charts-blue'), -c);
}

/** Checks the heatmap pixels of a few (token, unit) cells against h of a layer and direction. */
async function assertHeatmap(page, insp, layer, direction) {
  const d = insp.directions.find((x) => x.layer === layer && x.direction === direction);
  const g = JSON.parse(await page.getAttribute('canvas.heatmap', 'data-geometry'));
  const H = insp.model.hiddenSize;
  for (const [t, j] of [
    [0, 0],
    [3, 5],
    [7, 7],
  ]) {
    const px = await u.canvasPixel(page, 'canvas.heatmap', g.labelW + (j + 0.5) * g.unitW, g.headerH + (t + 0.5) * g.rowH);
    u.assertColor(px, await stateColor(page, d.h[t * H + j]), 4, `layer ${layer} ${direction} token ${t} unit ${j}`);
  }
}

/** Picks an option of a vscode-single-select with the keyboard. */
async function choose(page, selector, label) {
  await page.click(selector);
  await page.getByRole('option', { name: label }).click();
  await page.waitForFunction(([s, l]) => document.querySelector(s).shadowRoot.textContent.includes(l), [selector, label]);
}

describe('Hidden States side panel', function () {
  afterEach(() => u.closeViews());

  it('shows the line under the cursor as a tokens × units heatmap of h for the chosen layer and direction, with the predicted class', async () => {
    const insp = u.inspection('lstm', 'Jonathan');
    const { page } = await u.open({ view: 'states', snapshot: snapshot(), viewport: SIDEBAR });
    await page.waitForSelector('canvas.heatmap[data-geometry]');
    const top = insp.probabilities.indexOf(Math.max(...insp.probabilities));
    assert.equal(await page.textContent('#predicted'), `Predicted: ${insp.model.classes[top]} (${(insp.probabilities[top] * 100).toFixed(1)} %)`);
    assert.equal(await page.textContent('#source'), 'names.tsv:12 · lstm (LSTM)');
    const g = JSON.parse(await page.getAttribute('canvas.heatmap', 'data-geometry'));
    assert.deepEqual([g.tokens, g.units], [insp.tokens.length, insp.model.hiddenSize]);
    // The top layer (the classifier's input) first, forward.
    await assertHeatmap(page, insp, 1, 'forward');
    await choose(page, '.direction-select', '← backward');
    await assertHeatmap(page, insp, 1, 'backward');
    await choose(page, '.layer-select', 'Layer 1');
    await assertHeatmap(page, insp, 0, 'backward');
    const saved = await page.evaluate(() => window.__host.states.at(-1));
    assert.deepEqual(saved, { layer: 0, direction: 'backward' });
  });

  it('reads values under a keyboard cursor over tokens and units', async () => {
    const insp = u.inspection('lstm', 'Jonathan');
    const { page } = await u.open({ view: 'states', snapshot: snapshot(), viewport: SIDEBAR });
    await page.waitForSelector('canvas.heatmap[data-geometry]');
    await page.focus('canvas.heatmap');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowRight');
    const d = insp.directions.find((x) => x.layer === 1 && x.direction === 'forward');
    assert.equal(await page.textContent('#heatmap-readout'), `token 3 “n”, unit 1: h = ${u.fmt(d.h[2 * 8 + 1])}`);
    assert.match(await page.getAttribute('canvas.heatmap', 'aria-label'), /^Hidden state h of layer 2 forward: 8 tokens down, 8 units across/);
  });

  it('follows snapshot events and explains the empty state', async () => {
    const { page } = await u.open({ view: 'states', snapshot: snapshot(), viewport: SIDEBAR });
    await page.waitForSelector('canvas.heatmap[data-geometry]');
    await page.evaluate(() => window.__host.emit('snapshot', { models: [], inspection: null, emptyReason: 'No active model: train one first.' }));
    await page.waitForFunction(() => !document.getElementById('empty').hidden);
    assert.match(await page.textContent('#empty'), /^No active model: train one first\./);
    assert.ok(await page.$eval('.states-content', (e) => e.hidden));
    assert.match(await page.textContent('.models-body'), /No saved models yet/);
    const gru = fixture.fixtures.gru;
    await page.evaluate((s) => window.__host.emit('snapshot', s), { models: [{ ...gru.modelItem, active: true }], inspection: gru.inspections['the film was good'] });
    await page.waitForFunction(() => document.getElementById('empty').hidden);
    assert.match(await page.textContent('#predicted'), /^Predicted: (positive|negative)/);
    assert.ok(await page.$eval('.direction-select', (e) => e.disabled), 'a one-direction model offers no direction choice');
  });

  it('lists the models with their metrics and asks the host to set one active, reveal and delete it', async () => {
    const { page } = await u.open({ view: 'states', snapshot: snapshot(), viewport: SIDEBAR });
    await page.waitForSelector('.model-item');
    const items = await page.$$eval('.model-item', (n) => n.map((e) => ({ name: e.dataset.name, active: e.classList.contains('active'), text: e.textContent })));
    assert.deepEqual(items.map((i) => [i.name, i.active]), [['lstm', true], ['gru', false], ['simplernn', false]]);
    const gru = fixture.fixtures.gru.modelItem;
    assert.match(items[1].text, new RegExp(`accuracy ${(gru.accuracy * 100).toFixed(1)} % · classes: negative, positive · created \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d`));
    assert.ok(await page.$eval('.model-item[data-name="lstm"] [data-action="setActive"]', (e) => e.hasAttribute('disabled')), 'the active model cannot be made active');
    await page.click('.model-item[data-name="gru"] [data-action="setActive"]');
    await page.click('.model-item[data-name="gru"] [data-action="revealModel"]');
    await page.click('.model-item[data-name="simplernn"] [data-action="deleteModel"]');
    await page.waitForFunction(() => window.__host.requests().length >= 4);
    const requests = await page.evaluate(() => window.__host.requests().slice(1).map((m) => [m.method, m.params]));
    assert.deepEqual(requests, [
      ['setActive', { name: 'gru' }],
      ['revealModel', { name: 'gru' }],
      ['deleteModel', { name: 'simplernn' }],
    ]);
    await page.waitForFunction(() => document.querySelector('.models-section .status-line').textContent === 'Deleted simplernn.');
    // Buttons are reachable with the keyboard and say what they do.
    await page.focus('.model-item[data-name="gru"] [data-action="deleteModel"]');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => window.__host.requests('deleteModel').length === 2);
    assert.equal(await page.getAttribute('.model-item[data-name="gru"] [data-action="revealModel"]', 'aria-label'), 'Reveal the files of gru');
  });

  it('shows the codicons VS Code uses on its buttons, with the font loaded under the CSP', async () => {
    const { page } = await u.open({ view: 'states', snapshot: snapshot(), viewport: SIDEBAR });
    await page.waitForSelector('.model-item');
    const icons = await page.$$eval('.open-unrolled, .model-item[data-name="gru"] vscode-button', (buttons) =>
      buttons.map((b) => [b.dataset.action ?? 'openUnrolled', b.shadowRoot.querySelector('vscode-icon')?.shadowRoot.querySelector('.codicon')?.className.replace(/\s+/g, ' ').trim(), b.getAttribute('aria-label')]),
    );
    assert.deepEqual(icons, [
      ['openUnrolled', 'codicon codicon-type-hierarchy', 'Open this text in the unrolled view'],
      ['setActive', 'codicon codicon-pass', 'Make gru the active model'],
      ['revealModel', 'codicon codicon-folder-opened', 'Reveal the files of gru'],
      ['deleteModel', 'codicon codicon-trash', 'Delete gru'],
    ]);
    // The glyph is drawn by the codicon font (served from dist/codicons like the extension does), not a fallback.
    await page.waitForFunction(() => [...document.fonts].some((f) => f.family.replace(/"/g, '') === 'codicon' && f.status === 'loaded'), null, { timeout: 5000 });
    const glyph = await page.$eval('.model-item[data-name="gru"] [data-action="deleteModel"]', (b) => {
      const span = b.shadowRoot.querySelector('vscode-icon').shadowRoot.querySelector('.codicon');
      const style = getComputedStyle(span, '::before');
      return { family: style.fontFamily, content: style.content, width: span.getBoundingClientRect().width };
    });
    assert.match(glyph.family, /codicon/);
    assert.notEqual(glyph.content, 'none', 'the icon has a glyph');
    assert.equal(glyph.width, 16);
  });

  it('opens the line in the unrolled view', async () => {
    const { page } = await u.open({ view: 'states', snapshot: snapshot(), viewport: SIDEBAR });
    await page.click('.open-unrolled');
    await page.waitForFunction(() => window.__host.requests('openUnrolled').length === 1);
    assert.deepEqual(await page.evaluate(() => window.__host.requests('openUnrolled')[0].params), { text: 'Jonathan' });
  });

  for (const [name, theme] of [
    ['light', 'vscode-light'],
    ['dark', 'vscode-dark'],
    ['high-contrast', 'vscode-high-contrast'],
    ['high-contrast-light', 'vscode-high-contrast vscode-high-contrast-light'],
  ]) {
    it(`draws with the ${name} theme's colours and keeps every text legible (screenshot states-${name})`, async () => {
      const insp = u.inspection('lstm', 'Jonathan');
      const { page } = await u.open({ view: 'states', snapshot: snapshot(), viewport: SIDEBAR, theme: 'vscode-dark' });
      await page.waitForSelector('canvas.heatmap[data-geometry]');
      await u.setTheme(page, theme);
      await assertHeatmap(page, insp, 1, 'forward');
      await page.focus('canvas.heatmap');
      await page.keyboard.press('ArrowRight');
      for (const selector of ['#source', '#predicted', '.class-bar-name', '.class-bar-value', '.heatmap-readout', '.model-name', '.model-desc', '.model-metrics']) await u.assertLegible(page, selector);
      await screenshot(page, `states-${name}`);
    });
  }
});
