// Component tests of the training panel (webview/training) in headless Chromium with a fake host that
// answers `ready` and sends `live` snapshots and `report`s built in trainingFixtures.js (the shapes of
// src/shared/trainingView.ts, checked by the page's channel on arrival).
'use strict';

const assert = require('assert').strict;
const { screenshot } = require('./harness');
const u = require('./util');
const tf = require('./trainingFixtures');

const WIDE = { width: 1200, height: 900 };
const NARROW = { width: 500, height: 900 };

/** Opens the panel with `ready` answering `state`; `answers` adds the answers of other requests. */
async function openPanel(state, { theme, viewport = WIDE, answers = {} } = {}) {
  const view = await u.open({ view: 'training', theme, viewport, answers: { ready: { state }, cancel: { cancelling: true }, openLine: { opened: true }, ...answers } });
  await view.page.waitForFunction(() => Number(document.getElementById('app').dataset.draws) >= 1);
  return view;
}

/** Sends events in one task (so they arrive within one frame) and waits until the frame after them drew. */
async function emitAll(page, events) {
  await page.evaluate(async (events) => {
    // Posted from a frame's callback, the messages are delivered in the quiet after that frame, before the next.
    await new Promise((r) => requestAnimationFrame(() => r(events.forEach(([name, data]) => window.__host.emit(name, data)))));
    await new Promise((r) => setTimeout(r, 0));
    await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r())));
  }, events);
}

const draws = (page) => page.evaluate(() => Number(document.getElementById('app').dataset.draws));
const fmt = u.fmt;
const pct = (p) => `${(p * 100).toFixed(1)} %`;

describe('Training panel', function () {
  afterEach(() => u.closeViews());

  it('draws the live curves from the progress stream (every batch point, the best epoch marked), the header figures and ETA, one redraw per frame', async () => {
    const stream = tf.liveStream();
    const { page } = await openPanel({ kind: 'live', live: stream[0] });
    assert.equal(await page.textContent('#live-phase'), 'Preparing…');
    assert.equal(await page.textContent('#live-message'), 'Tokenising 400 lines…');
    assert.match(await page.textContent('#curves-batch-loss .chart-empty'), /Waiting for the first batch/);

    // Sixteen snapshots in one frame: one redraw, of the last.
    const before = await draws(page);
    await emitAll(page, stream.slice(1, 17).map((live) => ['live', { live }]));
    assert.equal((await draws(page)) - before, 1, 'many live events in one frame are drawn once');
    const mid = stream[16];
    assert.deepEqual([mid.epoch, mid.batch], [2, 5]);
    assert.equal(await page.textContent('#live-name'), 'names-lstm');
    assert.equal(await page.textContent('#live-model'), 'LSTM · 1 layer · 16 units · embedding 8 · char tokens');
    assert.equal(await page.textContent('#live-phase'), 'Training');
    assert.equal(await page.textContent('#live-progress'), 'epoch 2/3 · batch 5/10');
    assert.equal(await page.textContent('#live-speed'), '12,525 tokens/s');
    assert.equal(await page.textContent('#live-eta'), 'ETA 41 s');
    assert.equal(await page.getAttribute('.progress-bar', 'aria-valuenow'), '50');
    assert.equal(await page.getAttribute('#curves-batch-loss path.series-dots[data-series="raw"]', 'data-points'), '15');

    // The rest of the stream, one snapshot per frame up to the end of epoch 3.
    const end = stream.findIndex((s) => s.phase === 'evaluating' && s.epoch === 3);
    for (let i = 17; i <= end; i++) await emitAll(page, [['live', { live: stream[i] }]]);
    const last = stream[end];
    const n = last.history.batchLosses.length;
    assert.equal(n, tf.LIVE_EPOCHS * tf.LIVE_BATCHES);
    for (const series of ['raw', 'smoothed']) assert.equal(await page.getAttribute(`#curves-batch-loss path[data-series="${series}"]`, 'data-points'), String(n), `${series}: one point per batch loss`);
    assert.equal(await page.getAttribute('#curves-batch-loss path[data-series="epoch-mean"]', 'data-points'), '3');
    assert.equal(await page.getAttribute('#curves-epoch-loss path.series-line[data-series="val-loss"]', 'data-points'), '3');
    // The best epoch (validation accuracy 86 % at epoch 2) is marked at epoch 2, on the accuracy point of that epoch.
    assert.equal(last.bestEpoch, tf.LIVE_BEST);
    const marker = await page.$eval('#curves-accuracy [data-marker="best"]', (g) => ({ x: g.dataset.x, line: Number(g.querySelector('line').getAttribute('x1')), label: g.textContent }));
    assert.equal(marker.x, String(tf.LIVE_BEST));
    assert.equal(marker.label, 'best: epoch 2');
    const dotX = await page.$eval('#curves-accuracy path.series-dots[data-series="val-accuracy"]', (p) => p.getAttribute('d').split('M').filter(Boolean).map((s) => Number(s.split(' ')[0])));
    assert.ok(Math.abs(dotX[tf.LIVE_BEST - 1] - marker.line) < 0.2, `the marker (x ${marker.line}) is at epoch 2's point (x ${dotX[1]})`);
    assert.equal(await page.textContent('#live-phase'), 'Evaluating');
    assert.match(await page.textContent('.curves-note'), /^Learning rate 0\.005 \(constant\)\. 10 batches per epoch\./);

    // The raw value at a batch: the keyboard cursor and the pointer read it.
    await page.focus('#curves-batch-loss .chart-svg');
    assert.match(await page.textContent('#curves-batch-loss-readout'), new RegExp(`^Epoch 3, batch 10: loss ${fmt(last.history.batchLosses[n - 1])} \\(smoothed \\d\\.\\d{4}\\)$`));
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('ArrowLeft');
    assert.match(await page.textContent('#curves-batch-loss-readout'), new RegExp(`^Epoch 3, batch 8: loss ${fmt(last.history.batchLosses[n - 3])} `));
    await page.keyboard.press('Home');
    assert.match(await page.textContent('#curves-batch-loss-readout'), new RegExp(`^Epoch 1, batch 1: loss ${fmt(last.history.batchLosses[0])} \\(smoothed ${fmt(last.history.batchLosses[0])}\\)$`));
    const box = await page.locator('#curves-batch-loss .chart-svg').boundingBox();
    // Batch 15 (epoch 2, batch 5) ends half-way along the x axis (epochs 0…3 over the plot, margins 50 and 14 px).
    await page.mouse.move(box.x + 50 + (box.width - 64) * (15 / 30), box.y + 100);
    assert.match(await page.textContent('#curves-batch-loss-readout'), new RegExp(`^Epoch 2, batch 5: loss ${fmt(last.history.batchLosses[14])} `));

    // The end: saving (no ETA), then the report replaces the header and keeps the curves.
    await emitAll(page, [['live', { live: stream[stream.length - 1] }]]);
    assert.equal(await page.textContent('#live-phase'), 'Saving the model…');
    assert.ok(await page.$eval('#live-eta', (e) => e.hidden), 'no ETA once training is done');
    await emitAll(page, [['report', { report: tf.report() }]]);
    assert.equal(await page.getAttribute('#app', 'data-state'), 'report');
    assert.ok(await page.$eval('#live-header', (e) => e.hidden));
    assert.equal(await page.textContent('#announce'), 'Training finished: reviews-gru');
  });

  it('draws 4,000 batch points in one path per series, once per update, and tables 200 of them', async () => {
    const stream = tf.liveStream();
    const live = JSON.parse(JSON.stringify(stream[stream.length - 2]));
    live.history.batchLosses = Array.from({ length: 4000 }, (_, i) => 0.7 * Math.exp(-i / 900) + 0.1 + 0.05 * Math.sin(i));
    live.history.batchesPerEpoch = 1334;
    live.history.batchStride = 1;
    const { page } = await openPanel({ kind: 'live', live });
    // How long a redraw takes is printed, not asserted (timing belongs in benchmarks, not tests).
    const times = [];
    const before = Number(await page.getAttribute('#app', 'data-draws'));
    for (let i = 0; i < 5; i++) {
      live.history.batchLosses[3999 - i] = 0.2;
      await emitAll(page, [['live', { live }]]);
      times.push(Number(await page.getAttribute('#app', 'data-draw-ms')));
    }
    assert.equal(Number(await page.getAttribute('#app', 'data-draws')), before + 5, 'one redraw per update');
    assert.equal(await page.getAttribute('#curves-batch-loss path[data-series="raw"]', 'data-points'), '4000');
    assert.equal(await page.$$eval('#curves-batch-loss path[data-series="raw"]', (p) => p.length), 1, 'one path for the raw points');
    console.log(`      redraw with 4,000 points: ${times.sort((a, b) => a - b)[2]} ms median (${times.join(', ')})`);
    // The table lists evenly spaced points and says so.
    assert.equal(await page.$$eval('#curves-batch-loss-table tbody tr', (r) => r.length), 200);
    assert.match(await page.textContent('#curves-batch-loss-table .table-note'), /^200 of the 4,000 points, evenly spaced/);
  });

  it('Cancel asks the host to stop and says it stops after this batch; a snapshot that is cancelling says so too', async () => {
    const stream = tf.liveStream();
    const { page } = await openPanel({ kind: 'live', live: stream[5] });
    assert.equal(await page.textContent('#live-status'), '');
    await page.click('#cancel');
    await page.waitForFunction(() => document.getElementById('live-status').textContent !== '');
    assert.deepEqual(await page.evaluate(() => window.__host.requests('cancel').map((m) => m.params)), [{}]);
    assert.equal(await page.textContent('#live-status'), 'Stopping after this batch…');
    assert.ok(await page.$eval('#cancel', (b) => b.hasAttribute('disabled')), 'Cancel is pressed once');
    // Later snapshots keep saying it.
    await emitAll(page, [['live', { live: stream[6] }]]);
    assert.equal(await page.textContent('#live-status'), 'Stopping after this batch…');

    // Cancelled elsewhere (the status bar): the snapshot's `cancelling` drives the same line.
    const other = await openPanel({ kind: 'live', live: stream[5] });
    await emitAll(other.page, [['live', { live: { ...stream[6], cancelling: true } }]]);
    assert.equal(await other.page.textContent('#live-status'), 'Stopping after this batch…');
    // Nothing training: the host answers false.
    const idle = await openPanel({ kind: 'live', live: stream[5] }, { answers: { cancel: { cancelling: false } } });
    await idle.page.keyboard.press('Tab');
    await idle.page.focus('#cancel');
    await idle.page.keyboard.press('Enter');
    await idle.page.waitForFunction(() => document.getElementById('live-status').textContent !== '');
    assert.equal(await idle.page.textContent('#live-status'), 'Nothing is training now.');
  });

  it('shows the report: headline, confusion grid coloured by row share, arrow keys, Enter lists exactly the matching lines, Open sends openLine and shows a refusal', async () => {
    const report = tf.report();
    const { page } = await openPanel({ kind: 'report', report }, { answers: { openLine: { opened: false, reason: 'reviews.tsv changed since training.' } } });
    assert.equal(await page.textContent('#report-name'), 'reviews-gru');
    assert.equal(await page.textContent('#headline'), `test accuracy ${pct(report.test.accuracy)} (epoch 4)`);
    assert.equal(await page.textContent('#headline-secondary'), `validation accuracy ${pct(report.validation.accuracy)} (epoch 4)`);
    assert.equal(await page.textContent('#confusion-title'), 'Confusion matrix: validation (epoch 4)');

    // Values: every cell's count and row share, rows true, columns predicted.
    const cells = await page.$$eval('table.confusion td.cell', (tds) => tds.map((td) => ({ i: Number(td.dataset.true), j: Number(td.dataset.pred), count: Number(td.dataset.count), share: Number(td.dataset.share), text: td.querySelector('.cell-count').textContent, bg: getComputedStyle(td).backgroundColor })));
    assert.equal(cells.length, 9);
    for (const c of cells) {
      const row = tf.VALIDATION_CONFUSION[c.i];
      assert.equal(c.count, row[c.j]);
      assert.equal(c.text, String(row[c.j]));
      assert.ok(Math.abs(c.share - row[c.j] / row.reduce((a, b) => a + b, 0)) < 1e-4);
    }
    assert.deepEqual(
      await page.$$eval('table.confusion thead th.col-head', (t) => t.map((e) => e.textContent)),
      tf.CLASSES,
    );
    assert.deepEqual(
      await page.$$eval('table.confusion tbody th.row-head', (t) => t.map((e) => e.textContent)),
      tf.CLASSES,
    );
    // Colours: blue on the diagonal, red off it, farther from the background for a larger share.
    const bg = await u.themeColor(page, '--vscode-editor-background');
    const blue = await u.themeColor(page, '--vscode-charts-blue');
    const red = await u.themeColor(page, '--vscode-charts-red');
    const rgb = (s) => {
      const [r, g, b] = s.match(/\d+/g).map(Number);
      return { r, g, b };
    };
    const [lo, capCorrect, capError] = (await page.getAttribute('table.confusion', 'data-mix')).split(' ').map(Number);
    for (const c of cells) {
      const diagonal = c.i === c.j;
      u.assertColor(rgb(c.bg), u.mix(bg, diagonal ? blue : red, lo + ((diagonal ? capCorrect : capError) - lo) * Math.sqrt(c.share)), 2, `cell ${c.i},${c.j}`);
    }
    const off = cells.filter((c) => c.i !== c.j).sort((a, b) => a.share - b.share);
    for (let k = 1; k < off.length; k++) {
      if (off[k].share > off[k - 1].share) assert.ok(u.distance(rgb(off[k].bg), bg) > u.distance(rgb(off[k - 1].bg), bg), `share ${off[k].share} is more intense than ${off[k - 1].share}`);
    }
    // Every cell's text reads on its fill.
    const ratios = await page.$$eval('table.confusion td.cell', (tds) => {
      const lum = (s) => {
        const [r, g, b] = s.match(/\d+/g).map((v) => Number(v) / 255).map((x) => (x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4));
        return 0.2126 * r + 0.7152 * g + 0.0722 * b;
      };
      return tds.map((td) => {
        const [a, b] = [lum(getComputedStyle(td).backgroundColor), lum(getComputedStyle(td).color)];
        return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
      });
    });
    for (const r of ratios) assert.ok(r >= 4.5, `cell text contrast ${r.toFixed(2)}:1`);

    // Keyboard: one tab stop on the grid (true negative, predicted neutral), arrows move, Enter selects.
    await page.focus('table.confusion td[tabindex="0"]');
    const focused = () => page.evaluate(() => [Number(document.activeElement.dataset.true), Number(document.activeElement.dataset.pred)]);
    assert.deepEqual(await focused(), [0, 1]);
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown'); // stays on the last row
    assert.deepEqual(await focused(), [2, 1]);
    assert.equal(await page.$$eval('table.confusion td[tabindex="0"]', (t) => t.length), 1, 'a roving tab stop');
    await page.keyboard.press('Enter');
    await page.waitForSelector('.mis-row');
    assert.equal(await page.getAttribute('td.cell[data-true="2"][data-pred="1"]', 'aria-selected'), 'true');
    assert.equal(await page.textContent('#mis-title'), 'True positive, predicted neutral');
    const expected = report.misclassified.filter((m) => m.label === 2 && m.predicted === 1).sort((a, b) => b.probability - a.probability);
    assert.equal(expected.length, 8);
    const rows = await page.$$eval('.mis-row', (r) => r.map((tr) => ({ line: tr.querySelector('.mis-line').textContent, text: tr.querySelector('.mis-text').textContent, title: tr.querySelector('.mis-text').title, prob: tr.querySelector('.mis-prob').textContent, open: !!tr.querySelector('.open-line') })));
    assert.deepEqual(
      rows,
      expected.map((m) => ({ line: m.line === undefined ? '–' : String(m.line), text: m.text, title: m.text, prob: pct(m.probability), open: m.line !== undefined })),
    );
    assert.ok(expected.some((m) => m.line === undefined), 'the fixture has a line without a number in this cell');
    assert.equal(await page.textContent('.mis-not-kept'), '2 more not kept');
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.getElementById('mis-title').textContent === 'True positive, predicted negative');
    assert.equal(await page.$$eval('.mis-row', (r) => r.length), 2);
    assert.equal(await page.$('.mis-not-kept'), null, 'every line of this cell was kept');

    // Open: the row's line goes to the host; its refusal shows in the row, the text stays.
    await page.click('td.cell[data-true="0"][data-pred="2"]');
    await page.waitForFunction(() => document.getElementById('mis-title').textContent === 'True negative, predicted positive');
    const first = report.misclassified.filter((m) => m.label === 0 && m.predicted === 2 && m.line !== undefined).sort((a, b) => b.probability - a.probability)[0];
    await page.click(`.mis-row[data-line="${first.line}"] .open-line`);
    await page.waitForSelector('.mis-reason');
    assert.deepEqual(await page.evaluate(() => window.__host.requests('openLine').map((m) => m.params)), [{ line: first.line }]);
    assert.equal(await page.textContent(`.mis-row[data-line="${first.line}"] .mis-reason`), 'reviews.tsv changed since training.');
    assert.equal(await page.textContent(`.mis-row[data-line="${first.line}"] .mis-text`), first.text);
    // An answer that it opened shows nothing.
    await page.evaluate(() => (window.__host.answers.openLine = { opened: true }));
    const second = await page.$$eval('.mis-row .open-line', (b) => b.map((x) => Number(x.dataset.line)));
    await page.click(`.mis-row[data-line="${second[1]}"] .open-line`);
    await page.waitForFunction(() => window.__host.requests('openLine').length === 2);
    await page.evaluate(() => new Promise((r) => setTimeout(r, 50)));
    assert.equal(await page.$$eval('.mis-reason', (r) => r.length), 1);

    // The scores per class of both splits, and the data and training facts.
    const val = await page.$$eval('#scores-validation tbody tr', (r) => r.map((tr) => [...tr.children].map((c) => c.textContent)));
    assert.deepEqual(
      val,
      report.validation.perClass.map((c) => [c.label, pct(c.precision), pct(c.recall), c.f1.toFixed(3), String(c.support)]),
    );
    assert.match(await page.textContent('#scores-test caption'), new RegExp(`^Test \\(weights of epoch 4\\): accuracy ${pct(report.test.accuracy).replace('.', '\\.')}, loss 0\\.4987 on 145 examples$`));
    const data = await page.textContent('#data-facts');
    for (const text of ['TSV (label⇥text)', 'reviews.tsv, 1,450 selected lines', '3: negative, neutral, positive', '1,160 training · 145 validation (10 %) · 145 test (10 %)', 'Seed42', 'Skipped lines3', '2, each kept in one split', '3 lines were skipped'])
      assert.ok(data.includes(text), `data facts include “${text}”: ${data}`);
    const training = await page.textContent('#training-facts');
    for (const text of ['GRU · 1 layer', 'cpu (fused-cpu-native-avx512×2)', 'Training time1 min 23 s', '15,234 tokens/s', '5 completed; weights of epoch 4 kept', 'Learning rate0.005'])
      assert.ok(training.includes(text), `training facts include “${text}”: ${training}`);
    assert.match(await page.textContent('#report-notes'), /5 epochs; the weights of epoch 4 were kept, chosen by validation accuracy\./);

    // A text cut at the panel's width has "more"; the whole text is in the page either way.
    await page.click('td.cell[data-true="0"][data-pred="1"]');
    await page.waitForFunction(() => document.getElementById('mis-title').textContent === 'True negative, predicted neutral');
    assert.equal(await page.textContent('#mis-status'), 'True negative, predicted neutral. 6 validation lines, most confident first; the model’s probability of neutral.');
    const long = report.misclassified.find((m) => m.text.length > 150);
    const row = page.locator('.mis-row', { hasText: long.text.slice(0, 40) });
    assert.equal(await row.locator('.mis-text').getAttribute('title'), long.text);
    assert.equal(await row.locator('.mis-text').textContent(), long.text);
    await row.locator('.mis-expand').click();
    assert.equal(await row.locator('.mis-expand').getAttribute('aria-expanded'), 'true');
    assert.ok((await row.locator('.mis-text').boundingBox()).height > 30, 'the expanded text wraps');
    assert.ok(await page.$$eval('.mis-row:not(:has(.mis-text.expanded)) .mis-expand', (b) => b.some((x) => x.hidden)), 'a short text has no “more”');

    // The theme changes: the grid takes the new theme's colours.
    await u.setTheme(page, 'vscode-light');
    const light = { bg: await u.themeColor(page, '--vscode-editor-background'), blue: await u.themeColor(page, '--vscode-charts-blue') };
    const [lo2, capLight] = (await page.getAttribute('table.confusion', 'data-mix')).split(' ').map(Number);
    const c00 = cells.find((c) => c.i === 0 && c.j === 0);
    u.assertColor(rgb(await page.$eval('td.cell[data-true="0"][data-pred="0"]', (td) => getComputedStyle(td).backgroundColor)), u.mix(light.bg, light.blue, lo2 + (capLight - lo2) * Math.sqrt(c00.share)), 2, 'cell 0,0 in the light theme');
  });

  it('says a diagonal cell holds correct predictions, and a cancelled model says which weights it kept', async () => {
    const report = tf.report({ cancelled: true, epochsCompleted: 3, bestEpoch: 4 });
    const { page } = await openPanel({ kind: 'report', report });
    await page.click('td.cell[data-true="1"][data-pred="1"]');
    await page.waitForSelector('.mis-correct');
    assert.equal(await page.textContent('.mis-correct'), 'These 30 lines of neutral are correct predictions: nothing to list.');
    assert.equal(await page.$('.mis-row'), null);
    assert.equal(await page.textContent('#headline'), `test accuracy ${pct(report.test.accuracy)} (epoch 4, cut short)`);
    assert.match(await page.textContent('#report-notes'), /Training was cancelled after 3 completed epochs; the weights of epoch 4, cut short were kept\./);
    assert.equal(await page.textContent('#report-badge'), 'cancelled');
  });

  it('says when a model has no training history, no kept lines or no test split, and shows the empty state', async () => {
    const report = tf.report({ history: undefined, misclassified: undefined, test: undefined, linesOpenable: false });
    const { page } = await openPanel({ kind: 'report', report });
    assert.ok(await page.isVisible('#no-history'));
    assert.equal(await page.textContent('#no-history'), 'No training history was recorded for this model.');
    assert.ok(await page.$eval('.curves', (e) => e.hidden));
    assert.equal(await page.textContent('#headline'), `validation accuracy ${pct(report.validation.accuracy)} (epoch 4)`);
    assert.match(await page.textContent('#headline-secondary'), /^no test split/);
    assert.equal(await page.$('#scores-test'), null);
    await page.click('td.cell[data-true="0"][data-pred="1"]');
    await page.waitForSelector('.mis-note');
    assert.equal(await page.textContent('.mis-note'), '6 validation lines, but this model was saved before misclassified lines were kept.');

    // Lines that cannot be opened: no Open buttons, and the reason once.
    const closed = await openPanel({ kind: 'report', report: tf.report({ linesOpenable: false }) });
    await closed.page.click('td.cell[data-true="2"][data-pred="1"]');
    await closed.page.waitForSelector('.mis-row');
    assert.equal(await closed.page.$('.open-line'), null);
    assert.match(await closed.page.textContent('.misclassified'), /Lines cannot be opened: the source document is not open, or it changed since training\./);

    const none = await openPanel({ kind: 'empty', reason: 'No training run yet: run “RNN: Train RNN on selection”.' });
    assert.equal(await none.page.textContent('#empty'), 'No training run yet: run “RNN: Train RNN on selection”.');
    assert.ok(await none.page.$eval('.curves-section', (e) => e.hidden));
  });

  it('gives every chart an aria-label and a table of its numbers (Show as table shows it)', async () => {
    const report = tf.report();
    const h = report.history;
    const { page } = await openPanel({ kind: 'report', report });
    const table = (id) => page.$$eval(`#${id}-table tbody tr`, (r) => r.map((tr) => [...tr.children].map((c) => c.textContent)));
    // The batch losses: every point with its epoch.
    const batch = await table('curves-batch-loss');
    assert.equal(batch.length, h.batchLosses.length);
    assert.deepEqual(batch[13].slice(0, 3), ['2', '2', fmt(h.batchLosses[13])]);
    assert.deepEqual(
      await table('curves-epoch-loss'),
      h.epochs.map((e) => [String(e.epoch), fmt(e.trainLoss), fmt(e.valLoss)]),
    );
    assert.deepEqual(
      await table('curves-accuracy'),
      h.epochs.map((e) => [String(e.epoch), pct(e.trainAccuracy), pct(e.valAccuracy), e.epoch === 4 ? 'best' : '']),
    );
    assert.deepEqual(
      (await table('curves-speed')).map((r) => r[1]),
      h.epochs.map((e) => Math.round(e.tokensPerSecond).toLocaleString('en')),
    );
    // Screen readers reach them while they are visually hidden; the toggle shows one.
    assert.ok(await page.$eval('#curves-accuracy-table', (e) => e.classList.contains('visually-hidden')));
    await page.click('#curves-accuracy .chart-table-toggle');
    assert.equal(await page.getAttribute('#curves-accuracy .chart-table-toggle', 'aria-expanded'), 'true');
    assert.equal(await page.textContent('#curves-accuracy .chart-table-toggle'), 'Hide table');
    assert.ok(await page.isVisible('#curves-accuracy-table table'));
    const labels = await page.$$eval('.chart-svg', (s) => s.map((e) => e.getAttribute('aria-label')));
    assert.deepEqual(labels, [
      `Training loss per batch: 60 points over 60 batches; last loss ${fmt(h.batchLosses[59])}, smoothed ${labels[0].match(/smoothed (\d\.\d{4})$/)?.[1]}`,
      `Loss per epoch: 5 epochs; at epoch 5 training loss ${fmt(h.epochs[4].trainLoss)}, validation loss ${fmt(h.epochs[4].valLoss)}`,
      `Accuracy per epoch: 5 epochs; at epoch 5 training accuracy ${pct(h.epochs[4].trainAccuracy)}, validation accuracy ${pct(h.epochs[4].valAccuracy)}; best epoch 4 (validation accuracy ${pct(h.epochs[3].valAccuracy)})`,
      `Tokens per second: ${Math.round(h.epochs[4].tokensPerSecond).toLocaleString('en')} tokens/s at epoch 5`,
    ]);
    assert.equal(await page.$$eval('.chart-svg[tabindex="0"]', (s) => s.length), 4, 'every chart is focusable');
  });

  for (const [name, theme] of [
    ['dark', 'vscode-dark'],
    ['light', 'vscode-light'],
    ['high-contrast', 'vscode-high-contrast'],
  ]) {
    it(`reads in the ${name} theme, wide and narrow (screenshots training-live-${name}, training-report-${name}, …-narrow)`, async () => {
      const stream = tf.liveStream();
      const live = stream[stream.length - 10];
      const views = [
        ['live', await openPanel({ kind: 'live', live }, { theme })],
        ['report', await openPanel({ kind: 'report', report: tf.report() }, { theme })],
      ];
      for (const [kind, { page }] of views) {
        if (kind === 'report') {
          await page.click('td.cell[data-true="2"][data-pred="1"]');
          await page.waitForSelector('.mis-row');
        } else {
          await page.focus('#curves-batch-loss .chart-svg');
          await page.keyboard.press('ArrowLeft');
        }
        for (const selector of ['.run-name', '.model-line', '.chart-title', '.chart-readout', '.chart-legend-item', kind === 'live' ? '#live-progress' : '.headline-primary', ...(kind === 'report' ? ['.facts dt', '.facts dd', '.data-table caption', '.mis-text', '.confusion th'] : [])])
          await u.assertLegible(page, selector);
        await screenshot(page, `training-${kind}-${name}`);
        await page.setViewportSize(NARROW);
        await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r()))));
        const sideways = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        assert.ok(sideways <= 0, `the ${kind} page scrolls sideways by ${sideways} px at 500 px`);
        await screenshot(page, `training-${kind}-${name}-narrow`);
      }
    });
  }
});
