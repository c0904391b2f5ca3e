// End to end: train a model on a selection of names.tsv from the palette, then read the prediction
// in the editor hover. Contract with the extension's UI:
//   palette "RNN: Train RNN on selection" -> QuickPick titled "Train RNN..." whose first item is
//   "Train with these settings" -> a progress notification -> an information notification
//   containing "Trained" -> hover on a line shows "Predicted" and "female" or "male".
'use strict';

const assert = require('assert');
const e2e = require('./lib');

describe('train on a selection and read the hover', function () {
  this.timeout(6 * 60 * 1000);
  this.bail(true); // the steps build on each other

  it('opens names.tsv from the demo workspace with Quick Open', async () => {
    assert.ok(e2e.workspaceHas('names.tsv'), `names.tsv is not in the test workspace (${e2e.fixture.workspace}); scripts/makeDemo.js writes it`);
    await e2e.quickOpen('names.tsv');
    await e2e.shot('names.tsv opened');
  });

  it('selects the first 400 lines', async () => {
    await e2e.selectFirstLines(400);
    await e2e.settle();
    const status = await e2e.cursorStatus();
    await e2e.shot('400 lines selected');
    assert.match(status, /Ln 401\b/, `the cursor should be on line 401 after selecting 400 lines; status bar: ${status}`);
    assert.match(status, /selected/, `the status bar should report a selection; got: ${status}`);
  });

  it('starts training from the palette and accepts the default settings', async () => {
    await e2e.runCommand('RNN: Train RNN on selection');
    const page = e2e.page();
    await page
      .locator('.quick-input-widget .quick-input-title', { hasText: /^\s*Train RNN/ })
      .waitFor({ state: 'visible', timeout: 30000 })
      .catch(async () => {
        await e2e.shot('no train quickpick');
        throw new Error(`no QuickPick titled "Train RNN..." appeared; title: ${JSON.stringify(await e2e.quickInputTitle())}, notifications: ${JSON.stringify(await e2e.notificationTexts())}`);
      });
    await e2e.waitForFirstRow('Train with these settings');
    await e2e.shot('train quickpick');
    await page.keyboard.press('Enter');
  });

  it('shows training progress, then a "Trained" notification', async () => {
    const page = e2e.page();
    const trained = page.locator('.notifications-toasts .notification-toast').filter({ hasText: 'Trained' });
    const first = await Promise.race([
      e2e.waitForProgressNotification({ timeout: 30000 }).then((text) => ({ progress: text })),
      trained.first().waitFor({ state: 'visible', timeout: 30000 }).then(() => ({ trained: true })),
    ]).catch(async (err) => {
      await e2e.shot('no progress notification');
      throw new Error(`neither a progress notification nor "Trained" appeared: ${err.message.split('\n')[0]}; notifications: ${JSON.stringify(await e2e.notificationTexts())}`);
    });
    if (first.progress) {
      console.log(`      progress: ${first.progress.replace(/\s+/g, ' ')}`);
      await e2e.settle(600); // the toast fades in
      await e2e.shot('training progress');
    } else {
      console.log('      (training finished before its progress notification was seen)');
    }
    const text = await e2e.waitForNotification('Trained', { timeout: 3 * 60 * 1000 }).catch(async (err) => {
      await e2e.shot('not trained');
      throw err;
    });
    console.log(`      notification: ${text.replace(/\s+/g, ' ')}`);
    await e2e.settle(600);
    await e2e.shot('trained notification');
  });

  it('shows the prediction in the hover on line 10', async () => {
    const page = e2e.page();
    await page.keyboard.press('Escape');
    const text = await e2e.hoverLine(10, { text: 'Predicted', timeout: 60000 }).catch(async (err) => {
      await e2e.shot('no prediction hover');
      throw err;
    });
    console.log(`      hover: ${text.replace(/\s+/g, ' ')}`);
    await e2e.settle(600); // the hover fades in
    await e2e.shot('prediction hover');
    assert.match(text, /Predicted/);
    assert.match(text, /\b(female|male)\b/i, `the hover should name a class (female/male): ${text}`);
  });

  it('keeps the model active across a window reload: the status bar names it and the hover still predicts', async () => {
    const page = e2e.page();
    await e2e.runCommand('Developer: Reload Window');
    const status = page.locator('.statusbar-item', { hasText: 'RNN: names-lstm' });
    await status.first().waitFor({ state: 'visible', timeout: 60000 }).catch(async (err) => {
      await e2e.shot('no status bar item after reload');
      throw err;
    });
    // Focus the restored editor before navigating in it.
    await page.locator('.editor-instance .monaco-editor .view-lines').first().waitFor({ state: 'visible', timeout: 30000 });
    await page.locator('.editor-instance .monaco-editor .view-line').nth(2).click();
    await e2e.settle(300);
    const text = await e2e.hoverLine(20, { text: 'Predicted', timeout: 60000 }).catch(async (err) => {
      await e2e.shot('no hover after reload');
      throw err;
    });
    await e2e.settle(600);
    await e2e.shot('hover after reload');
    assert.match(text, /names-lstm/);
    assert.match(await e2e.cursorStatus(), /Ln 20\b/, 'the hover was asked for on line 20');
    assert.match(text, /\b(female|male)\b/i);
  });
});
