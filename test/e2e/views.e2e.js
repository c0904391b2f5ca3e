// End to end: with the model trained by train.e2e.js active, open the unrolled view from the
// palette, type a sentence into the text field inside the webview, and read back the tokens, a gate
// value and the predicted class from its DOM; then the Hidden States side panel follows the cursor.
'use strict';

const assert = require('assert');
const e2e = require('./lib');

/** The webview frame (of any depth) whose document has `selector`. */
async function frameWith(selector, timeout = 30000) {
  const page = e2e.page();
  const deadline = Date.now() + timeout;
  while (Date.now() < deadline) {
    for (const frame of page.frames()) {
      const found = await frame.evaluate((s) => !!document.querySelector(s), selector).catch(() => false);
      if (found) return frame;
    }
    await e2e.settle(250);
  }
  throw new Error(`no webview frame has ${selector} within ${timeout} ms`);
}

describe('the unrolled view and the Hidden States panel', function () {
  this.timeout(4 * 60 * 1000);
  this.bail(true);
  let unrolled;

  it('opens the unrolled view from the palette, prefilled with a line of the training data', async () => {
    await e2e.runCommand('RNN: Open Unrolled View');
    unrolled = await frameWith('vscode-textfield.sentence');
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

  it('shows the hidden states of the line under the cursor in the side panel', async () => {
    const page = e2e.page();
    await e2e.runCommand('View: Show RNN Lens');
    const states = await frameWith('#predicted');
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
