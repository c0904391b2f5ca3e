// Fixtures of the training panel's tests, built here in JS in the shapes of src/shared/trainingView.ts:
// a recorded progress stream (the TrainingLive snapshots the host sends while a 2-class run trains for
// 3 epochs of 10 batches) and the TrainingReport of a 3-class model with validation and test scores
// and 30 misclassified validation lines (some without a line number, and two counted but not kept).
'use strict';

/** A small deterministic generator (the same numbers every run). */
function random(seed) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const LIVE_EPOCHS = 3;
const LIVE_BATCHES = 10;
const LIVE_VAL_ACCURACY = [0.78, 0.86, 0.84];
const LIVE_BEST = 2;

/**
 * The snapshots of a run as the host sends them: preparing, then every batch of every epoch
 * ('training'), an 'evaluating' one after each epoch (its record added, the best epoch so far), and 'saving'.
 */
function liveStream() {
  const rand = random(7);
  const history = { epochs: [], batchLosses: [], batchStride: 1, batchesPerEpoch: 0, learningRate: 0.005 };
  const base = { name: 'names-lstm', model: 'LSTM · 1 layer · 16 units · embedding 8 · char tokens', classes: ['female', 'male'], epochs: LIVE_EPOCHS, cancelling: false };
  const snapshots = [];
  const snap = (extra) => snapshots.push(JSON.parse(JSON.stringify({ ...base, history, ...extra })));
  snap({ batches: 0, epoch: 0, batch: 0, phase: 'preparing', message: 'Tokenising 400 lines…', tokensPerSecond: 0 });
  const total = LIVE_EPOCHS * LIVE_BATCHES;
  let step = 0;
  let best;
  for (let epoch = 1; epoch <= LIVE_EPOCHS; epoch++) {
    history.batchesPerEpoch = LIVE_BATCHES;
    let sum = 0;
    for (let batch = 1; batch <= LIVE_BATCHES; batch++) {
      step++;
      const loss = 0.62 * Math.exp(-step / 11) + 0.12 + (rand() - 0.5) * 0.08;
      history.batchLosses.push(Number(loss.toFixed(6)));
      sum += loss;
      snap({
        batches: LIVE_BATCHES,
        epoch,
        batch,
        phase: 'training',
        tokensPerSecond: 12000 + step * 35,
        etaSeconds: (total - step) * 2.75,
        ...(best ? { bestEpoch: best } : {}),
      });
    }
    const valAccuracy = LIVE_VAL_ACCURACY[epoch - 1];
    history.epochs.push({
      epoch,
      trainLoss: Number((sum / LIVE_BATCHES).toFixed(6)),
      trainAccuracy: 0.7 + epoch * 0.07,
      valLoss: Number((0.55 - epoch * 0.08 + (epoch === 3 ? 0.05 : 0)).toFixed(6)),
      valAccuracy,
      seconds: epoch * 27.5,
      tokensPerSecond: 12000 + epoch * 350,
    });
    if (!best || valAccuracy > LIVE_VAL_ACCURACY[best - 1]) best = epoch;
    snap({ batches: LIVE_BATCHES, epoch, batch: LIVE_BATCHES, phase: 'evaluating', tokensPerSecond: 12000 + step * 35, etaSeconds: (total - step) * 2.75, bestEpoch: best });
  }
  snap({ batches: LIVE_BATCHES, epoch: LIVE_EPOCHS, batch: LIVE_BATCHES, phase: 'saving', tokensPerSecond: 12000 + step * 35, bestEpoch: best });
  return snapshots;
}

const CLASSES = ['negative', 'neutral', 'positive'];
/** Validation confusion (rows true, columns predicted): 32 mistakes, 30 of them kept. */
const VALIDATION_CONFUSION = [
  [40, 6, 3],
  [4, 30, 7],
  [2, 10, 43],
];
const TEST_CONFUSION = [
  [45, 3, 2],
  [5, 33, 4],
  [1, 6, 46],
];
/** Kept mistakes per cell: all but two of true positive → predicted neutral. */
const KEPT = { '2,1': 8 };

/** One split's scores from its confusion matrix. */
function splitMetrics(confusion, loss) {
  const K = confusion.length;
  const examples = confusion.flat().reduce((a, b) => a + b, 0);
  const correct = confusion.reduce((a, row, i) => a + row[i], 0);
  const perClass = CLASSES.map((label, c) => {
    const tp = confusion[c][c];
    const predicted = confusion.reduce((a, row) => a + row[c], 0);
    const support = confusion[c].reduce((a, b) => a + b, 0);
    const precision = predicted ? tp / predicted : 0;
    const recall = support ? tp / support : 0;
    return { label, precision, recall, f1: precision + recall ? (2 * precision * recall) / (precision + recall) : 0, support };
  });
  return { examples, accuracy: correct / examples, loss, perClass, confusion: confusion.map((r) => r.slice(0, K)) };
}

const WORDS = ['the', 'film', 'was', 'plot', 'slow', 'great', 'acting', 'not', 'bad', 'fine', 'ending', 'music', 'dull', 'loved', 'okay'];

/** The misclassified validation lines: every off-diagonal cell's (KEPT says when fewer are kept); every 5th without a line. */
function misclassified() {
  const rand = random(11);
  const out = [];
  let n = 0;
  VALIDATION_CONFUSION.forEach((row, i) =>
    row.forEach((count, j) => {
      if (i === j) return;
      const kept = KEPT[`${i},${j}`] ?? count;
      for (let k = 0; k < kept; k++) {
        n++;
        const words = Array.from({ length: 5 + Math.floor(rand() * 6) }, () => WORDS[Math.floor(rand() * WORDS.length)]);
        let text = `${words.join(' ')} (#${n})`;
        if (n === 3) text = `${'a very long review that goes on and on about the film, its actors, its music and its ending '.repeat(2)}(#${n})`;
        const entry = { text, label: i, predicted: j, probability: Number((0.5 + rand() * 0.45).toFixed(4)) };
        if (n % 5 !== 0) entry.line = 100 + n * 7;
        out.push(entry);
      }
    }),
  );
  return out;
}

/** A 5-epoch history of 12 batches each (best epoch 4). */
function reportHistory() {
  const rand = random(3);
  const batchLosses = [];
  for (let b = 1; b <= 60; b++) batchLosses.push(Number((1.05 * Math.exp(-b / 18) + 0.28 + (rand() - 0.5) * 0.1).toFixed(6)));
  const val = [0.61, 0.7, 0.75, 0.779, 0.772];
  const epochs = val.map((valAccuracy, e) => ({
    epoch: e + 1,
    trainLoss: Number((batchLosses.slice(e * 12, e * 12 + 12).reduce((a, b) => a + b, 0) / 12).toFixed(6)),
    trainAccuracy: 0.55 + e * 0.08,
    valLoss: Number((0.95 - e * 0.1 + (e === 4 ? 0.06 : 0)).toFixed(6)),
    valAccuracy,
    seconds: (e + 1) * 16.7,
    tokensPerSecond: 14800 + e * 110,
  }));
  return { epochs, batchLosses, batchStride: 1, batchesPerEpoch: 12, learningRate: 0.005 };
}

/** The report of a 3-class model (overrides replace top-level fields). */
function report(overrides = {}) {
  return {
    name: 'reviews-gru',
    created: '2025-03-14T09:26:53.000Z',
    model: 'GRU · 1 layer · 32 units · embedding 16 · word tokens',
    backend: 'cpu (fused-cpu-native-avx512×2)',
    seconds: 83.4,
    tokensPerSecond: 15234,
    classes: CLASSES,
    data: { format: 'TSV (label⇥text)', source: 'reviews.tsv, 1,450 selected lines', train: 1160, validation: 145, test: 145, skippedLines: 3, duplicates: 2, validationSplit: 0.1, testSplit: 0.1, seed: 42 },
    epochsCompleted: 5,
    bestEpoch: 4,
    cancelled: false,
    history: reportHistory(),
    validation: splitMetrics(VALIDATION_CONFUSION, 0.6123),
    test: splitMetrics(TEST_CONFUSION, 0.4987),
    misclassified: misclassified(),
    linesOpenable: true,
    warnings: ['3 lines were skipped: no tab between label and text (lines 17, 230, 981).'],
    ...overrides,
  };
}

module.exports = { liveStream, report, CLASSES, VALIDATION_CONFUSION, TEST_CONFUSION, LIVE_BEST, LIVE_EPOCHS, LIVE_BATCHES };
