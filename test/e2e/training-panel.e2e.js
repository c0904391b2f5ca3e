// End to end: training from the palette opens the training panel beside the editor with its live curves,
// which turn into the report; a cell of the confusion grid lists its misclassified validation lines, and
// "Open" on one shows that line of names.tsv in the editor.
'use strict';

const assert = require('assert');
const e2e = require('./lib');

describe('the training panel', function () {
  this.timeout(6 * 60 * 1000);
  this.bail(true);
  let panel;

  it('opens beside the editor when training starts, drawing the live curves', async () => {
    const page = e2e.page();
    await e2e.runCommand('View: Close All Editors');
    await e2e.quickOpen('names.tsv');
    await e2e.selectFirstLines(600);
    await e2e.runCommand('RNN: Train RNN on selection');
    await page.locator('.quick-input-widget .quick-input-title', { hasText: /^\s*Train RNN/ }).waitFor({ state: 'visible', timeout: 30000 });
    await e2e.waitForFirstRow('Train with these settings');
    await page.keyboard.press('Enter');
    panel = await e2e.frameWith('#app[data-state="live"], #app[data-state="report"]', 60000).catch(async (err) => {
      await e2e.shot('no training panel');
      throw err;
    });
    const state = await panel.getAttribute('#app', 'data-state');
    if (state === 'live') {
      // Some batches in: the batch-loss curve has points.
      await panel.waitForFunction(() => document.querySelector('#app')?.dataset.state !== 'live' || /batch [1-9]/.test(document.body.textContent), null, { timeout: 60000 });
      await e2e.settle(800);
      await e2e.shot('training panel live');
    } else {
      console.log('      (training finished before the live curves were seen)');
    }
    assert.ok(await page.locator('.tab', { hasText: 'RNN Training' }).count(), 'the panel has its tab');
  });

  it('shows the report when training ends', async () => {
    await e2e.waitForNotification('Trained', { timeout: 4 * 60 * 1000 });
    await e2e.page().keyboard.press('Escape');
    panel = await e2e.frameWith('#app[data-state="report"]', 30000);
    await e2e.settle(800);
    await e2e.shot('training panel report');
    const text = await panel.evaluate(() => document.body.textContent);
    assert.match(text, /test accuracy \d+(\.\d)? % \(epoch \d+\)/);
    assert.match(text, /Confusion matrix: validation/);
  });

  it('lists the misclassified lines of a confusion cell, and opens one in the editor', async () => {
    const page = e2e.page();
    const cells = await panel.$$eval('td[data-true][data-pred]', (tds) => tds.map((td) => ({ t: td.dataset.true, p: td.dataset.pred, n: Number(td.dataset.count) })));
    const wrong = cells.find((c) => c.t !== c.p && c.n > 0);
    assert.ok(wrong, `the model gets some validation names wrong: ${JSON.stringify(cells)}`);
    await panel.click(`td[data-true="${wrong.t}"][data-pred="${wrong.p}"]`);
    const open = panel.locator('vscode-button.open-line').first();
    await open.waitFor({ state: 'visible', timeout: 15000 });
    const line = Number(await open.getAttribute('data-line'));
    await e2e.settle(400);
    await e2e.shot('training panel misclassified lines');
    await open.click();
    await page.waitForFunction((n) => [...document.querySelectorAll('.statusbar-item')].some((e) => new RegExp(`Ln ${n}\\b`).test(e.textContent)), line, { timeout: 15000 }).catch(async (err) => {
      await e2e.shot('the line did not open');
      throw new Error(`line ${line} did not open: ${err.message.split('\n')[0]}; status: ${await e2e.cursorStatus()}`);
    });
    await e2e.settle(400);
    await e2e.shot('misclassified line opened');
    assert.match(await e2e.cursorStatus(), new RegExp(`Ln ${line}\\b`));
    // The next tests start with names.tsv open, as before this file, and without the panel.
    await e2e.runCommand('View: Close All Editors');
    await e2e.quickOpen('names.tsv');
    await e2e.selectFirstLines(400);
  });
});
