// End to end: without an active model the unrolled view is in the palette and says to train first
// (its button starts training); with the model trained by train.e2e.js active again, it reads a line,
// then a sentence typed into the text field inside the webview: the tokens, a gate value and the
// predicted class read back from its DOM; its header is whole in a narrow and a wide editor layout;
// then the Hidden States side panel follows the cursor.
'use strict';

const assert = require('assert');
const e2e = require('./lib');
const { clippedHeader } = require('../webview/util');

describe('the unrolled view and the Hidden States panel', function () {
  this.timeout(4 * 60 * 1000);
  this.bail(true);
  let unrolled;

  /** Picks the row of "RNN: Select Active Model" that matches `text`. */
  async function selectModel(text) {
    const page = e2e.page();
    await e2e.runCommand('RNN: Select Active Model');
    // Seen once in CI after a quick pick closed with focus in the panel: the model picker did not open.
    // Say so with a screenshot and run the command once more (the step under test is the panel's).
    const opened = await page.locator('.quick-input-widget').waitFor({ state: 'visible', timeout: 10000 }).then(() => true, () => false);
    if (!opened) {
      await e2e.shot('model picker did not open, running the command again');
      console.log('      (the model picker did not open within 10 s; running "RNN: Select Active Model" again)');
      await e2e.runCommand('RNN: Select Active Model');
      await e2e.waitForQuickInput();
    }
    await page.keyboard.type(text, { delay: 10 });
    await e2e.waitForFirstRow(text);
    await page.keyboard.press('Enter');
    await e2e.waitForQuickInputClosed();
  }

  it('without an active model, offers the unrolled view in the palette, which says to train first and starts training from its button', async () => {
    const page = e2e.page();
    await selectModel('No active model');
    // runCommand checks that the palette lists the command.
    await e2e.runCommand('RNN: Open Unrolled View');
    unrolled = await e2e.frameWith('#empty.unrolled-empty');
    await unrolled.locator('#empty').waitFor({ state: 'visible', timeout: 30000 });
    assert.match(await unrolled.textContent('#empty'), /Train one first/);
    assert.ok(await unrolled.locator('.diagram').isHidden(), 'the empty state instead of the diagram');
    assert.deepEqual(await clippedHeader(unrolled), []);
    await e2e.settle(500);
    await e2e.shot('unrolled view without a model');
    // The button starts "Train RNN on selection" on the file last worked in (names.tsv), though the focus is in the panel.
    await unrolled.locator('.train-button').click();
    await page
      .locator('.quick-input-widget .quick-input-title', { hasText: /^\s*Train RNN/ })
      .waitFor({ state: 'visible', timeout: 30000 })
      .catch(async () => {
        await e2e.shot('no train quickpick from the empty state');
        throw new Error(`no QuickPick titled "Train RNN..." appeared; title: ${JSON.stringify(await e2e.quickInputTitle())}, notifications: ${JSON.stringify(await e2e.notificationTexts())}`);
      });
    console.log(`      the empty state's button opened: ${await e2e.quickInputTitle()}`);
    await e2e.shot('training started from the empty state');
    await page.keyboard.press('Escape');
    await e2e.waitForQuickInputClosed();
    // The model active again: the panel leaves its empty state and reads a line of the model's data.
    await selectModel('names-lstm');
    await unrolled.locator('#prediction[data-class]').waitFor({ state: 'attached', timeout: 30000 });
    assert.ok(await unrolled.locator('#empty').isHidden(), 'the empty state is gone');
    const text = await unrolled.getAttribute('.diagram', 'data-text');
    assert.ok(text && text.length > 0, 'the panel reads a line of the training data');
  });

  it('opens the unrolled view from the palette, prefilled with a line of the training data', async () => {
    await e2e.runCommand('RNN: Open Unrolled View');
    unrolled = await e2e.frameWith('vscode-textfield.sentence');
    await unrolled.locator('#prediction[data-class]').waitFor({ state: 'attached', timeout: 30000 });
    const text = await unrolled.getAttribute('.diagram', 'data-text');
    assert.ok(text && text.length > 0, 'a sample sentence is shown');
    await e2e.settle(500);
    await e2e.shot('unrolled view opened');
  });

  it('types a sentence and reads back its tokens, a gate value and the predicted class', async () => {
    const page = e2e.page();
    // The model's weights reach the page, which then reads keystrokes itself on the WebAssembly kernels.
    await unrolled.locator('.diagram[data-reader]').waitFor({ state: 'attached', timeout: 30000 });
    const reader = await unrolled.getAttribute('.diagram', 'data-reader');
    assert.match(reader, /^wasm-(relaxed-)?simd$/, `the page reads with ${reader}`);
    const field = unrolled.locator('vscode-textfield.sentence input');
    await field.fill('Maria');
    await unrolled.locator('.diagram[data-text="Maria"]').waitFor({ state: 'attached', timeout: 30000 });
    // Then keystroke by keystroke, as a person types: every key updates the diagram.
    await field.press('End');
    await page.keyboard.type(' anna', { delay: 60 });
    await unrolled.locator('.diagram[data-text="Maria anna"]').waitFor({ state: 'attached', timeout: 30000 });
    const tokens = (await unrolled.locator('.axis-token').allInnerTexts()).map((t) => t.trim());
    assert.deepEqual(tokens, ['m', 'a', 'r', 'i', 'a', '␣', 'a', 'n', 'n', 'a'], `tokens read back: ${JSON.stringify(tokens)}`);
    const predicted = await unrolled.getAttribute('#prediction', 'data-class');
    assert.ok(['female', 'male'].includes(predicted), `predicted class ${predicted}`);
    // Into the diagram with the keyboard, then a token to the right: the detail pane shows that cell.
    for (let i = 0; i < 8; i++) {
      if (await unrolled.evaluate(() => document.activeElement?.classList.contains('diagram'))) break;
      await page.keyboard.press('Tab');
    }
    assert.ok(await unrolled.evaluate(() => document.activeElement?.classList.contains('diagram')), 'the diagram takes the keyboard focus');
    await page.keyboard.press('ArrowRight');
    const gate = unrolled.locator('.detail-math .num[data-key="f"]').first();
    await gate.waitFor({ state: 'attached', timeout: 15000 });
    const f = Number(await gate.getAttribute('data-value'));
    assert.ok(f > 0 && f < 1, `the forget gate value ${f} is a sigmoid output`);
    const title = await unrolled.textContent('#detail-title');
    assert.match(title, /token \d+ “[a-z]”/);
    console.log(`      read in the page with ${reader} · tokens ${tokens.join(' ')} · predicted ${predicted} · ${title.trim()} · f = ${f}`);
    await e2e.settle(500);
    await e2e.shot('unrolled view after typing');
  });

  it('shows the header of the unrolled view whole in a narrow and a wide editor layout (screenshots)', async () => {
    const page = e2e.page();
    const original = page.viewportSize();
    const layouts = [
      ['narrow', { width: 1000, height: 800 }, false],
      ['wide', { width: 1920, height: 1000 }, true],
    ];
    try {
      for (const [name, size, maximize] of layouts) {
        await page.setViewportSize(size);
        // The wide layout gives the panel's editor group the whole editor area.
        if (maximize) await e2e.runCommand('View: Toggle Maximize Editor Group');
        await e2e.settle(1000);
        const width = await unrolled.evaluate(() => document.documentElement.clientWidth);
        const problems = await clippedHeader(unrolled);
        await e2e.shot(`unrolled view header ${name} layout ${width} px`);
        console.log(`      ${name} layout: the view is ${width} px wide; ${problems.length ? problems.join('; ') : 'the header is whole'}`);
        assert.deepEqual(problems, [], `${name} layout (${width} px)`);
        if (maximize) await e2e.runCommand('View: Toggle Maximize Editor Group');
      }
    } finally {
      await page.setViewportSize(original);
      await e2e.settle(500);
    }
  });

  it('shows the hidden states of the line under the cursor in the side panel', async () => {
    const page = e2e.page();
    await e2e.runCommand('View: Show RNN Lens');
    const states = await e2e.frameWith('#predicted');
    await e2e.runCommand('View: Focus First Editor Group');
    await e2e.goToLine(12);
    // The panel names the line it shows once the cursor's line has been read.
    await states.locator('body', { hasText: 'names.tsv:12' }).waitFor({ state: 'attached', timeout: 30000 });
    await states.locator('#predicted', { hasText: /(female|male)/ }).waitFor({ state: 'attached', timeout: 30000 });
    assert.ok(await states.locator('canvas.heatmap').count(), 'a heatmap is drawn');
    await page.keyboard.press('Escape');
    await e2e.settle(800);
    await e2e.shot('hidden states side panel');
  });
});
