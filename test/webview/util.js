// Helpers for the webview component tests: opening views (and checking, after each test, that the
// page logged no errors and broke no CSP rule), fixture inspections with Float32Arrays, the diagram's
// geometry, canvas pixels and theme colours read in the page.
'use strict';

const assert = require('assert').strict;
const { fixture, openView } = require('./harness');

const opened = [];

/** Opens a view (see harness.openView); closed and checked by `closeViews` after each test. */
async function open(options) {
  const view = await openView(options);
  opened.push(view);
  return view;
}

/** Closes the views of a test; throws when any logged an error or a CSP violation. */
async function closeViews() {
  const problems = [];
  for (const { page, context, errors } of opened.splice(0)) {
    const csp = await page.evaluate(() => (window.__host ? window.__host.cspViolations : [])).catch(() => []);
    problems.push(...errors, ...csp.map((c) => `CSP violation: ${c}`));
    await context.close();
  }
  if (problems.length) throw new Error(`the page reported problems:\n${problems.join('\n')}`);
}

/** A fixture inspection with its arrays as Float32Arrays. */
function inspection(name, text) {
  const f = fixture.fixtures[name];
  if (!f) throw new Error(`no fixture ${name}`);
  const raw = f.inspections[text];
  if (!raw) throw new Error(`fixture ${name} has no inspection of ${JSON.stringify(text)}`);
  const revive = (v) => (Array.isArray(v) ? v.map(revive) : v && typeof v === 'object' ? (Array.isArray(v.$f32) ? Float32Array.from(v.$f32) : Object.fromEntries(Object.entries(v).map(([k, x]) => [k, revive(x)]))) : v);
  return revive(raw);
}

/** The rows of the diagram top to bottom (as the view orders them). */
function rowOrder(model) {
  const rows = [];
  for (let layer = model.layers - 1; layer >= 0; layer--) {
    if (model.bidirectional) rows.push({ layer, direction: 'backward' });
    rows.push({ layer, direction: 'forward' });
  }
  return rows;
}

/** The captured direction of a row. */
function direction(insp, row) {
  const r = rowOrder(insp.model)[row];
  return insp.directions.find((d) => d.layer === r.layer && d.direction === r.direction);
}

/** Four decimals with a typographic minus, as the views print numbers. */
function fmt(v) {
  const t = v.toFixed(4);
  return t.startsWith('-') ? `−${t.slice(1)}` : t;
}

/** The diagram geometry the view publishes (data-geometry), with helpers for content coordinates. */
async function geometry(page) {
  const g = JSON.parse(await page.getAttribute('.diagram', 'data-geometry'));
  g.colX = (t) => g.gutter + g.gapX + t * g.colW;
  g.rowY = (r) => g.top + r * (g.rowH + g.rowGap);
  g.cellY = (r) => g.rowY(r) + g.band;
  g.stripY = (r, s) => g.cellY(r) + g.pad + s * (g.stripH + g.stripGap);
  g.unitX = (t, j) => g.colX(t) + g.pad + j * g.ppu;
  return g;
}

/** Clicks a content point of the diagram (coordinates of the scrolled content). */
async function clickDiagram(page, x, y) {
  const box = await page.locator('.diagram-rows').boundingBox();
  await page.mouse.click(box.x + x, box.y + y);
}

/** The RGB of one pixel of the diagram tiles at a content point. */
async function diagramPixel(page, x, y) {
  return page.evaluate(
    ([x, y]) => {
      for (const c of document.querySelectorAll('.diagram-tile')) {
        const left = parseFloat(c.style.left);
        const width = parseFloat(c.style.width);
        if (x >= left && x < left + width) {
          const dpr = c.width / width;
          const d = c.getContext('2d').getImageData(Math.floor((x - left) * dpr), Math.floor(y * dpr), 1, 1).data;
          return { r: d[0], g: d[1], b: d[2], a: d[3] };
        }
      }
      return null;
    },
    [x, y],
  );
}

/** The RGB of one pixel of a canvas (CSS coordinates). */
async function canvasPixel(page, selector, x, y) {
  return page.evaluate(
    ([selector, x, y]) => {
      const c = document.querySelector(selector);
      const dpr = c.width / parseFloat(c.style.width);
      const d = c.getContext('2d').getImageData(Math.floor(x * dpr), Math.floor(y * dpr), 1, 1).data;
      return { r: d[0], g: d[1], b: d[2], a: d[3] };
    },
    [selector, x, y],
  );
}

/** Resolves a --vscode-* variable of the current theme to RGB (composited over the editor background). */
async function themeColor(page, name) {
  return page.evaluate((name) => {
    const parse = (text) => {
      const c = document.createElement('canvas');
      c.width = c.height = 1;
      const ctx = c.getContext('2d');
      ctx.fillStyle = getComputedStyle(document.body).getPropertyValue('--vscode-editor-background').trim() || '#000';
      ctx.fillRect(0, 0, 1, 1);
      ctx.fillStyle = text;
      ctx.fillRect(0, 0, 1, 1);
      const d = ctx.getImageData(0, 0, 1, 1).data;
      return { r: d[0], g: d[1], b: d[2] };
    };
    const value = getComputedStyle(document.body).getPropertyValue(name).trim();
    if (!value) throw new Error(`${name} is not defined in this theme`);
    return parse(value);
  }, name);
}

/**
 * The WCAG contrast ratio of the text colour of every element matching `selector` against the
 * editor background (text colours with alpha are composited over it); resolves to [{ text, ratio }].
 */
async function textContrast(page, selector) {
  return page.evaluate((selector) => {
    const canvas = document.createElement('canvas');
    canvas.width = canvas.height = 1;
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    const background = getComputedStyle(document.body).getPropertyValue('--vscode-editor-background').trim() || '#000';
    const rgb = (colour) => {
      ctx.fillStyle = background;
      ctx.fillRect(0, 0, 1, 1);
      ctx.fillStyle = colour;
      ctx.fillRect(0, 0, 1, 1);
      return [...ctx.getImageData(0, 0, 1, 1).data.slice(0, 3)];
    };
    const luminance = (c) => {
      const [r, g, b] = c.map((v) => {
        const x = v / 255;
        return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4;
      });
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    const bg = luminance(rgb(background));
    return [...document.querySelectorAll(selector)].map((e) => {
      const fg = luminance(rgb(getComputedStyle(e).color));
      return { text: e.textContent.trim().slice(0, 40), ratio: (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05) };
    });
  }, selector);
}

/** Asserts that the text of every element matching `selector` (at least one) has a contrast ratio of at least `min` against the background. */
async function assertLegible(page, selector, min = 4.5) {
  const found = await textContrast(page, selector);
  assert.ok(found.length > 0, `no element matches ${selector}`);
  for (const { text, ratio } of found) assert.ok(ratio >= min, `${selector} “${text}”: contrast ${ratio.toFixed(2)}:1 against the background, below ${min}:1`);
}

/** Linear mix of two colours (t = 0 → a). */
function mix(a, b, t) {
  return { r: Math.round(a.r + (b.r - a.r) * t), g: Math.round(a.g + (b.g - a.g) * t), b: Math.round(a.b + (b.b - a.b) * t) };
}

/** Largest channel difference. */
function distance(a, b) {
  return Math.max(Math.abs(a.r - b.r), Math.abs(a.g - b.g), Math.abs(a.b - b.b));
}

/** Asserts two colours are within `tolerance` per channel. */
function assertColor(actual, expected, tolerance, what) {
  assert.ok(actual, `${what}: no pixel`);
  assert.ok(distance(actual, expected) <= tolerance, `${what}: got rgb(${actual.r}, ${actual.g}, ${actual.b}), expected about rgb(${expected.r}, ${expected.g}, ${expected.b})`);
}

/** Waits until the diagram shows the inspection of `text`. */
async function waitForDiagramText(page, text) {
  await page.waitForFunction((text) => document.querySelector('.diagram')?.dataset.text === text, text, { timeout: 5000 });
  // One frame for the draw that follows.
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r())));
}

/** Sets the body theme class like VS Code does and waits for the redraw. */
async function setTheme(page, theme) {
  await page.evaluate((theme) => {
    document.body.classList.remove('vscode-light', 'vscode-dark', 'vscode-high-contrast', 'vscode-high-contrast-light');
    document.body.classList.add(...theme.split(' '));
  }, theme);
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r()))));
}

/**
 * What is cut in the unrolled view's header and toolbar: every shown element (of `.panel-header`,
 * `.toolbar`, the overview strip) whose content is wider than its box (scrollWidth > clientWidth: text cut
 * or ellipsised) or whose box leaves the page, and a page that scrolls sideways. Resolves to one line per
 * problem ([] when all is whole). Works on a Playwright Page or Frame (the e2e tests read a webview's frame).
 */
async function clippedHeader(pageOrFrame) {
  return pageOrFrame.evaluate(() => {
    const viewW = document.documentElement.clientWidth;
    const problems = [];
    const name = (e) => `${e.tagName.toLowerCase()}${e.id ? `#${e.id}` : ''}${e.classList.length ? `.${[...e.classList].join('.')}` : ''} “${(e.textContent || '').trim().slice(0, 40)}”`;
    for (const e of document.querySelectorAll('.panel-header, .panel-header *, .toolbar, .toolbar *, .overview')) {
      if (e.closest('[hidden]') || e.getClientRects().length === 0 || getComputedStyle(e).visibility === 'hidden') continue;
      const r = e.getBoundingClientRect();
      if (r.width === 0 && r.height === 0) continue;
      if (r.left < -0.5 || r.right > viewW + 0.5) problems.push(`${name(e)} spans ${Math.round(r.left)}…${Math.round(r.right)} px of a ${viewW} px view`);
      if (getComputedStyle(e).display !== 'inline' && e.scrollWidth > e.clientWidth) problems.push(`${name(e)} is cut: ${e.scrollWidth} px of content in ${e.clientWidth} px`);
    }
    if (document.documentElement.scrollWidth > viewW) problems.push(`the page scrolls sideways (${document.documentElement.scrollWidth} px in ${viewW} px)`);
    return problems;
  });
}

module.exports = {
  clippedHeader,
  open,
  closeViews,
  inspection,
  rowOrder,
  direction,
  fmt,
  geometry,
  clickDiagram,
  diagramPixel,
  canvasPixel,
  themeColor,
  mix,
  distance,
  assertColor,
  waitForDiagramText,
  setTheme,
  textContrast,
  assertLegible,
};
