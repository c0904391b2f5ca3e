// Shared fixture and UI helpers for the Playwright e2e tests (test/e2e/*.e2e.js), which drive a
// real VS Code workbench (code-server) in headless Chromium. test/e2e/run.js fills `fixture`
// before mocha loads the tests; the helpers read VS Code's DOM as of VS Code 1.99.
'use strict';

const fs = require('fs');
const path = require('path');

/** Set by run.js: { page, server, workspace, resultsDir }. */
const fixture = { page: null, server: null, workspace: null, resultsDir: null };

/** The workbench page (Playwright Page). */
function page() {
  if (!fixture.page) throw new Error('the e2e fixture is not set up: run the tests with node test/e2e/run.js');
  return fixture.page;
}

let shotCounter = 0;

/** Saves a numbered screenshot test-results/e2e/NN-<name>.png and returns its path. */
async function shot(name) {
  shotCounter++;
  const slug = String(name).toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 80);
  const file = path.join(fixture.resultsDir, `${String(shotCounter).padStart(2, '0')}-${slug}.png`);
  try {
    await page().screenshot({ path: file, timeout: 15000 });
  } catch (err) {
    console.log(`      (screenshot ${file} failed: ${err.message})`);
  }
  return file;
}

/** Milliseconds to wait between UI steps so that the workbench settles. */
const settle = (ms = 300) => new Promise((r) => setTimeout(r, ms));

const quickInput = '.quick-input-widget';
const quickInputRow = (index) => `${quickInput} .quick-input-list .monaco-list-row[data-index="${index}"]`;

/** Waits until the quick input (palette, Quick Open, an extension's QuickPick) is visible. */
async function waitForQuickInput(timeout = 10000) {
  await page().locator(quickInput).waitFor({ state: 'visible', timeout });
}

/** Waits until the quick input is hidden. */
async function waitForQuickInputClosed(timeout = 10000) {
  await page().locator(quickInput).waitFor({ state: 'hidden', timeout });
}

/** Text of the quick input's title bar (an extension QuickPick's `title`), '' when none. */
async function quickInputTitle() {
  const title = page().locator(`${quickInput} .quick-input-title`);
  return ((await title.count()) ? await title.first().innerText() : '').trim();
}

/** Waits until the first row of the quick input list contains `text`; returns that row's text. */
async function waitForFirstRow(text, timeout = 15000) {
  const row = page().locator(quickInputRow(0));
  await row.filter({ hasText: text }).waitFor({ state: 'visible', timeout }).catch(async (err) => {
    const actual = (await row.count()) ? await row.innerText() : '(no rows)';
    throw new Error(`expected the first quick-input row to contain ${JSON.stringify(String(text))}, got ${JSON.stringify(actual)} (${err.message.split('\n')[0]})`);
  });
  return (await row.innerText()).trim();
}

/** Runs a command from the palette: F1, type its title ("Category: Title"), check the first row, Enter. */
async function runCommand(title, { timeout = 15000 } = {}) {
  const p = page();
  await p.keyboard.press('F1');
  await waitForQuickInput(timeout);
  await p.keyboard.type(title, { delay: 10 });
  await waitForFirstRow(title, timeout);
  await p.keyboard.press('Enter');
}

/** Opens a workspace file by name with Quick Open (Ctrl+P, type, Enter) and waits for its tab. */
async function quickOpen(fileName, { timeout = 20000 } = {}) {
  const p = page();
  await p.keyboard.press('Control+P');
  await waitForQuickInput(timeout);
  await p.keyboard.type(fileName, { delay: 10 });
  await waitForFirstRow(fileName, timeout);
  await p.keyboard.press('Enter');
  await p
    .locator('.tabs-container .tab.active', { hasText: fileName })
    .waitFor({ state: 'visible', timeout });
  await p.locator('.editor-instance .monaco-editor .view-lines').first().waitFor({ state: 'visible', timeout });
}

/** Moves the cursor to `line` (1-based) with Go to Line (Ctrl+G). */
async function goToLine(line) {
  const p = page();
  await p.keyboard.press('Control+G');
  await waitForQuickInput();
  await p.keyboard.type(String(line));
  await p.keyboard.press('Enter');
  await waitForQuickInputClosed();
}

/** Selects `count` whole lines from the top of the active editor (Ctrl+Home, then Shift+Down). */
async function selectFirstLines(count) {
  const p = page();
  await p.keyboard.press('Control+Home');
  for (let i = 0; i < count; i++) await p.keyboard.press('Shift+ArrowDown');
}

/** The status bar's text of the active editor's selection, e.g. "Ln 401, Col 1 (4000 selected)". */
async function cursorStatus() {
  const item = page().locator('#status\\.editor\\.selection');
  return (await item.count()) ? (await item.innerText()).trim() : '';
}

const toasts = '.notifications-toasts .notification-toast';

/** Messages of the visible notification toasts. */
async function notificationTexts() {
  return page()
    .locator(`${toasts} .notification-list-item-message`)
    .allInnerTexts()
    .catch(() => []);
}

/** Waits for a visible toast whose text matches `text` (string or RegExp); returns its text. */
async function waitForNotification(text, { timeout = 30000, failOnError = true } = {}) {
  const p = page();
  const wanted = p.locator(toasts).filter({ hasText: text });
  const errors = p.locator(toasts).filter({ has: p.locator('.codicon-error') });
  const deadline = Date.now() + timeout;
  while (Date.now() < deadline) {
    if (await wanted.count()) return (await wanted.first().innerText()).trim();
    if (failOnError && (await errors.count())) {
      throw new Error(`error notification while waiting for ${text}: ${(await errors.first().innerText()).trim()}`);
    }
    await settle(250);
  }
  // A toast may have timed out already: look in the notification center too.
  const fromCenter = await findInNotificationCenter(text);
  if (fromCenter) return fromCenter;
  throw new Error(`no notification matching ${text} within ${timeout} ms; visible: ${JSON.stringify(await notificationTexts())}`);
}

/** Waits for a toast showing a progress bar (e.g. withProgress in the Notification location). */
async function waitForProgressNotification({ timeout = 30000 } = {}) {
  const p = page();
  const progress = p.locator(toasts).filter({ has: p.locator('.monaco-progress-container.active') });
  await progress.first().waitFor({ state: 'visible', timeout });
  return (await progress.first().innerText()).trim();
}

/** Opens the notification center, returns the text of an entry matching `text` (or null), closes it. */
async function findInNotificationCenter(text) {
  const p = page();
  try {
    await runCommand('Notifications: Show Notifications');
    const entry = p.locator('.notifications-center .notification-list-item').filter({ hasText: text });
    await entry.first().waitFor({ state: 'visible', timeout: 3000 });
    return (await entry.first().innerText()).trim();
  } catch {
    return null;
  } finally {
    await p.keyboard.press('Escape').catch(() => {});
  }
}

// The editor's content hover (not the workbench's tooltip hovers); its overflow widgets may live
// outside the editor's DOM node, so this is not scoped to .monaco-editor.
const visibleHover = '.monaco-hover:not(.workbench-hover):not(.hidden)';

/**
 * Shows the editor hover on `line` and returns its text once it contains `text`: first by moving
 * the mouse over the line's text, then (if no hover came) with "Show or Focus Hover" at the cursor.
 */
async function hoverLine(line, { text = /\S/, timeout = 30000 } = {}) {
  const p = page();
  await goToLine(line);
  await settle(300);
  const cursor = p.locator('.monaco-editor.focused .cursors-layer .cursor').first();
  const box = await cursor.boundingBox();
  const hover = p.locator(visibleHover).filter({ hasText: text });
  if (box) {
    await p.mouse.move(box.x + 200, box.y + box.height / 2);
    await p.mouse.move(box.x + 12, box.y + box.height / 2, { steps: 5 });
    if (await hover.first().waitFor({ state: 'visible', timeout: Math.min(timeout, 8000) }).then(() => true, () => false)) {
      return (await hover.first().innerText()).trim();
    }
  }
  await runCommand('Show or Focus Hover');
  await hover.first().waitFor({ state: 'visible', timeout }).catch(async () => {
    const any = await p.locator(visibleHover).allInnerTexts().catch(() => []);
    throw new Error(`no editor hover matching ${text} on line ${line} within ${timeout} ms; hovers: ${JSON.stringify(any)}`);
  });
  return (await hover.first().innerText()).trim();
}

/** Path of a file in the test workspace. */
function workspaceFile(name) {
  return path.join(fixture.workspace, name);
}

/** True when the test workspace has `name`. */
function workspaceHas(name) {
  return fs.existsSync(workspaceFile(name));
}

/** The webview frame (of any depth) whose document has `selector`. */
async function frameWith(selector, timeout = 30000) {
  const deadline = Date.now() + timeout;
  while (Date.now() < deadline) {
    for (const frame of page().frames()) {
      const found = await frame.evaluate((s) => !!document.querySelector(s), selector).catch(() => false);
      if (found) return frame;
    }
    await settle(250);
  }
  throw new Error(`no webview frame has ${selector} within ${timeout} ms`);
}

module.exports = {
  fixture,
  frameWith,
  page,
  shot,
  settle,
  waitForQuickInput,
  waitForQuickInputClosed,
  quickInputTitle,
  waitForFirstRow,
  runCommand,
  quickOpen,
  goToLine,
  selectFirstLines,
  cursorStatus,
  notificationTexts,
  waitForNotification,
  waitForProgressNotification,
  findInNotificationCenter,
  hoverLine,
  workspaceFile,
  workspaceHas,
};
