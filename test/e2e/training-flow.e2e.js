// End to end: the training flow's rough edges (issue 11), in a real VS Code, after train.e2e.js has
// trained and activated a model on names.tsv:
//   - Escape hides the progress notification; the status bar item still shows the run and cancels it;
//     the cancelled model does not take the active model's place.
//   - Killing the engine mid-training shows one notification, not two.
//   - Reloading the window mid-training says so after the reload.
//   - The quick pick's title fits on one line.
'use strict';

const assert = require('assert');
const fs = require('fs');
const e2e = require('./lib');

/** The parent pid of a process, or 0 when it is gone. */
function parentOf(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The fields after the command name (which may hold spaces): state ppid …
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return 0;
  }
}

/** Pids of the RNN Lens engines started under this test's code-server (its descendants). */
function enginePids() {
  const root = e2e.fixture.server.proc.pid;
  const pids = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let cmdline;
    try {
      cmdline = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    if (!cmdline.includes('dist/engine.js')) continue;
    for (let p = Number(entry), hops = 0; p > 1 && hops < 20; p = parentOf(p), hops++) {
      if (p === root) {
        pids.push(Number(entry));
        break;
      }
    }
  }
  return pids;
}

const statusItem = () => e2e.page().locator('.statusbar-item', { hasText: /RNN: / }).first();

/** Opens the train quick pick on the first 400 lines of names.tsv, sets the epochs, and trains. */
async function startLongTraining(epochs = 400) {
  const page = e2e.page();
  await e2e.quickOpen('names.tsv');
  await e2e.selectFirstLines(400);
  await e2e.runCommand('RNN: Train RNN on selection');
  await page.locator('.quick-input-widget .quick-input-title', { hasText: /Train RNN/ }).waitFor({ state: 'visible', timeout: 30000 });
  await e2e.waitForFirstRow('Train with these settings');
  // Filter to the Epochs line, change it, then come back and train.
  await page.keyboard.type('Epochs:', { delay: 10 });
  await e2e.waitForFirstRow('Epochs:');
  await page.keyboard.press('Enter');
  await page.locator('.quick-input-widget .quick-input-title', { hasText: 'epochs' }).waitFor({ state: 'visible', timeout: 10000 });
  await page.keyboard.press('Control+A');
  await page.keyboard.type(String(epochs));
  await page.keyboard.press('Enter');
  // Back in the quick pick (on the Epochs line, which now says the new number).
  await page.locator('.quick-input-widget .quick-input-list', { hasText: `Epochs: ${epochs}` }).waitFor({ state: 'visible', timeout: 10000 });
  await page.keyboard.type('Train with these settings', { delay: 10 });
  await e2e.waitForFirstRow('Train with these settings');
  await page.keyboard.press('Enter');
  await statusItem().filter({ hasText: 'training' }).waitFor({ state: 'visible', timeout: 60000 });
}

describe('the training flow: cancel, crash and reload', function () {
  this.timeout(6 * 60 * 1000);
  this.bail(true);

  it('fits the train quick pick title on one line', async () => {
    const page = e2e.page();
    await e2e.quickOpen('names.tsv');
    await e2e.selectFirstLines(400);
    await e2e.runCommand('RNN: Train RNN on selection');
    const title = page.locator('.quick-input-widget .quick-input-title', { hasText: /Train RNN/ });
    await title.waitFor({ state: 'visible', timeout: 30000 });
    await e2e.settle(300);
    await e2e.shot('train quick pick title');
    const fits = await title.evaluate((el) => {
      const lineHeight = parseFloat(getComputedStyle(el).lineHeight) || 22;
      return { height: el.getBoundingClientRect().height, lineHeight, clipped: el.scrollWidth > el.clientWidth + 1, text: el.textContent };
    });
    await page.keyboard.press('Escape');
    assert.ok(fits.height < fits.lineHeight * 1.6 && !fits.clipped, `the title "${fits.text}" wraps or is clipped: ${JSON.stringify(fits)}`);
    assert.match(fits.text, /Train RNN on 400 selected lines of names\.tsv/);
  });

  it('keeps Cancel reachable after Escape hides the progress notification, and the cancelled model does not replace the active one', async () => {
    const page = e2e.page();
    const activeBefore = (await statusItem().innerText()).trim();
    assert.match(activeBefore, /RNN: names-lstm/, `a model is active before: ${activeBefore}`);
    await startLongTraining();
    await e2e.waitForProgressNotification({ timeout: 30000 });
    // Escape, the key that closes a hover, hides the progress toast.
    await page.keyboard.press('Escape');
    await page.locator('.notifications-toasts .notification-toast').filter({ has: page.locator('.monaco-progress-container.active') }).waitFor({ state: 'hidden', timeout: 10000 });
    await e2e.settle(500);
    await e2e.shot('progress hidden, status bar trains');
    const status = (await statusItem().innerText()).trim();
    assert.match(status, /training names-lstm/, `the status bar shows the run: ${status}`);
    await statusItem().click();
    const text = await e2e.waitForNotification(/Training cancelled after/, { timeout: 60000 });
    await e2e.shot('cancelled from the status bar');
    assert.match(text, /not made active/, text);
    await statusItem().filter({ hasNotText: 'training' }).waitFor({ state: 'visible', timeout: 10000 });
    assert.equal((await statusItem().innerText()).trim(), activeBefore, 'the active model is still the one trained before');
  });

  it('shows one notification when the engine is killed mid-training', async () => {
    const page = e2e.page();
    await startLongTraining();
    const pids = enginePids();
    assert.equal(pids.length, 1, `one engine runs under this code-server: ${JSON.stringify(pids)}`);
    process.kill(pids[0], 'SIGKILL');
    await e2e.waitForNotification(/stopped unexpectedly/, { timeout: 30000, failOnError: false });
    // Let any second notification for the same event arrive.
    await e2e.settle(4000);
    await e2e.shot('engine killed mid-training');
    const toasts = (await e2e.notificationTexts()).filter((t) => /stopped unexpectedly/.test(t));
    assert.equal(toasts.length, 1, `one notification for one crash: ${JSON.stringify(await e2e.notificationTexts())}`);
    assert.match(toasts[0], /Training stopped/, toasts[0]);
    assert.match(toasts[0], /Nothing was saved/, toasts[0]);
    await page.keyboard.press('Escape');
    // Close the toasts so the next steps see only their own.
    await e2e.runCommand('Notifications: Clear All Notifications');
  });

  it('says after a reload that the run it interrupted was lost', async () => {
    await startLongTraining();
    await e2e.runCommand('Developer: Reload Window');
    const text = await e2e.waitForNotification(/stopped when the window reloaded/, { timeout: 90000 });
    await e2e.shot('training lost to a reload');
    assert.match(text, /names-lstm/, text);
    assert.match(text, /400 selected lines of names\.tsv/, text);
    await statusItem().filter({ hasText: 'names-lstm' }).waitFor({ state: 'visible', timeout: 30000 });
    assert.doesNotMatch((await statusItem().innerText()).trim(), /training/, 'nothing trains after the reload');
    // Leave no toast over the next tests' views.
    await e2e.runCommand('Notifications: Clear All Notifications');
  });
});
