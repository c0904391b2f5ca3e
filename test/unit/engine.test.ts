import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DEFAULT_CONFIG, type ModelConfig } from '../../src/shared/config';
import type { TrainProgress } from '../../src/shared/protocol';
import { checkInspection, checkUnrolledInspection } from '../../src/core/inspect';
import { MAX_READER_FLOATS, checkReaderModel, type ReaderModel } from '../../src/shared/readerModel';
import { Vocab } from '../../src/core/tokenizer';
import { Inspector } from '../../src/core/inspector';
import { instantiateWasmKernels } from '../../src/core/kernels/wasmBinding';
import { relaxedSimdSupported } from '../../src/engine/kernels/wasmKernels';
import { RpcError } from '../../src/shared/rpc';
import { loadTf, type TfRuntime } from '../../src/engine/backend';
import { EngineService } from '../../src/engine/service';
import { loadModel } from '../../src/engine/modelIo';
import { splitTargets, stratifiedSplit, testSplitWarnings } from '../../src/engine/data';
import { reportLines } from '../../src/shared/metricsReport';
import { toyTsv } from './toyData';


const small: ModelConfig = { ...DEFAULT_CONFIG, hiddenSize: 12, embeddingSize: 8, epochs: 4, batchSize: 32, learningRate: 0.02, validationSplit: 0.2 };

describe('engine', function () {
  this.timeout(120_000);
  let runtime: TfRuntime;
  let tmp: string;

  before(async () => {
    runtime = await loadTf('cpu', []);
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'rnn-lens-engine-'));
  });
  after(async () => {
    await fs.rm(tmp, { recursive: true, force: true });
  });

  const noSignal = () => new AbortController().signal;

  it('reports the backend it chose and why the native ones were skipped', () => {
    assert.equal(runtime.backend, 'cpu');
    assert.equal(runtime.tf.getBackend(), 'cpu');
  });

  it('keeps the curves (every epoch, every batch loss, as progress sent them) and the misclassified validation lines in the metadata', async () => {
    const service = new EngineService(runtime);
    const progress: TrainProgress[] = [];
    // A noisy set: some labels are flipped, so the chosen weights get some validation lines wrong.
    const text = toyTsv(300, 5)
      .split('\n')
      .map((l, i) => (i % 7 === 3 ? l.replace(/^alpha/, 'X').replace(/^beta/, 'alpha').replace(/^X/, 'beta') : l))
      .join('\n');
    const result = await service.train({ text, options: {}, skipInvalid: false, config: { ...small, epochs: 3 }, modelDir: path.join(tmp, 'history'), name: 'history' }, noSignal(), (p) => progress.push(p));
    const { history, misclassified, metrics } = result.metadata;
    assert.ok(history);
    assert.equal(history.epochs.length, metrics.epochsCompleted);
    assert.deepEqual(history.epochs.map((e) => e.epoch), [1, 2, 3]);
    assert.equal(history.batchStride, 1);
    assert.equal(history.batchLosses.length, 3 * history.batchesPerEpoch);
    assert.deepEqual(progress.flatMap((p) => p.batchLosses ?? []), history.batchLosses, 'the progress events carried every batch loss, in order');
    assert.deepEqual(progress.filter((p) => p.epochRecord).map((p) => p.epochRecord), history.epochs);
    assert.equal(history.learningRate, small.learningRate);
    for (const e of history.epochs) assert.ok(e.valAccuracy !== undefined && Number.isFinite(e.valLoss) && e.seconds > 0);
    assert.ok(progress.some((p) => p.phase === 'training' && p.etaSeconds !== undefined && p.etaSeconds >= 0));
    // The misclassified lines are the validation confusion's off-diagonal counts, each at its line of the text.
    const confusion = metrics.validation!.confusion;
    const wrong = confusion.flatMap((row, i) => row.filter((_, j) => j !== i)).reduce((a, b) => a + b, 0);
    assert.ok(misclassified && misclassified.length === wrong && wrong > 0, `${misclassified?.length} listed, ${wrong} in the confusion matrix`);
    const lines = text.split('\n');
    for (const m of misclassified) {
      assert.notEqual(m.predicted, m.label);
      assert.equal(lines[m.line! - 1], `${result.metadata.classes[m.label]}\t${m.text}`);
      assert.ok(m.probability >= 0.5 && m.probability <= 1);
    }
  });

  it('trains an LSTM that reaches at least 95 % validation accuracy on a separable set, and saves it in the tfjs layers format', async () => {
    const service = new EngineService(runtime);
    const progress: TrainProgress[] = [];
    const dir = path.join(tmp, 'toy-lstm');
    const result = await service.train(
      { text: toyTsv(600), options: {}, skipInvalid: false, config: small, modelDir: dir, name: 'toy-lstm' },
      noSignal(),
      (p) => progress.push(p),
    );
    const val = result.metadata.metrics.validation!;
    assert.ok(val.accuracy >= 0.95, `validation accuracy ${val.accuracy}`);
    assert.equal(val.examples, 120);
    // 600 examples: 20 % validation, 10 % test (the default), the rest training; test is the headline.
    assert.deepEqual(result.metadata.examples, { train: 420, validation: 120, test: 60, skippedLines: 0, duplicates: result.metadata.examples.duplicates });
    const test = result.metadata.metrics.test!;
    assert.equal(test.examples, 60);
    assert.equal(test.confusion.flat().reduce((a, b) => a + b, 0), 60);
    assert.deepEqual(test.perClass.map((c) => c.support), [30, 30]);
    assert.ok(test.accuracy >= 0.9, `test accuracy ${test.accuracy}`);
    assert.equal(result.metadata.metrics.trainEpoch, result.metadata.metrics.bestEpoch);
    // Sentences of several words: 'auto' (the default) reads words, and the model records 'word'.
    assert.equal(small.tokenization, 'auto');
    assert.equal(result.metadata.config.tokenization, 'word');
    assert.equal(result.metadata.tokenizer.kind, 'word');
    assert.match(result.metadata.tokenizationReason ?? '', /^the examples are phrases or sentences \(median \d(\.5)? words per example\)$/);
    assert.deepEqual(result.metadata.classes, ['alpha', 'beta']);
    assert.equal(result.metadata.format, 'tsv-label-text');
    assert.match(result.metadata.dataHash, /^sha256:[0-9a-f]{64}$/);
    assert.equal(val.confusion.flat().reduce((a, b) => a + b, 0), 120);
    assert.ok(progress.some((p) => p.phase === 'training' && p.batch > 0 && Number.isFinite(p.loss)));
    assert.ok(progress.some((p) => p.phase === 'evaluating' && p.valAccuracy !== undefined));
    const files = (await fs.readdir(dir)).sort();
    assert.deepEqual(files, ['metadata.json', 'model.json', 'vocab.json', 'weights.bin']);
    const modelJson = JSON.parse(await fs.readFile(path.join(dir, 'model.json'), 'utf8'));
    assert.equal(modelJson.format, 'layers-model');
    assert.equal(modelJson.weightsManifest[0].paths[0], './weights.bin');
    const layerClasses = modelJson.modelTopology.config.layers.map((l: { class_name: string }) => l.class_name);
    assert.deepEqual(layerClasses, ['InputLayer', 'Embedding', 'LSTM', 'Dense']);
  });

  it('gives identical probabilities after save and load in a fresh engine', async () => {
    const dir = path.join(tmp, 'toy-gru');
    const trainer = new EngineService(runtime);
    await trainer.train({ text: toyTsv(200, 3), options: {}, skipInvalid: false, config: { ...small, cell: 'gru', epochs: 1 }, modelDir: dir, name: 'g' }, noSignal(), () => undefined);
    const texts = ['a1 a2 the0', 'b3 b4', 'zzz unknown words', ''];
    const first = await trainer.predict(dir, texts);
    const second = await new EngineService(runtime).predict(dir, texts);
    assert.deepEqual(second, first);
    assert.equal(first.predictions[3].tokenCount, 0);
    for (const p of first.predictions) assert.ok(Math.abs(p.probabilities.reduce((a, b) => a + b, 0) - 1) < 1e-5);
  });

  for (const cell of ['lstm', 'gru'] as const) {
    it(`hover and the views show the same numbers (${cell}, 2 layers, bidirectional): predict equals inspect's prediction bit for bit, its running prediction within 1e-6 (prefixes are re-read in batches), and tfjs-layers within 1e-5`, async () => {
      const dir = path.join(tmp, `one-path-${cell}`);
      const service = new EngineService(runtime);
      await service.train(
        { text: toyTsv(200, 5), options: {}, skipInvalid: false, config: { ...small, cell, bidirectional: true, layers: 2, epochs: 1 }, modelDir: dir, name: 'b' },
        noSignal(),
        () => undefined,
      );
      const texts = ['a1 b2 a3 a4 a5 a6 a7 a8 a9 the1 the2', 'a1 b2', 'zzz unknown', ''];
      const hover = await service.predict(dir, texts);
      // tfjs-layers on the saved files: the oracle.
      const loaded = await loadModel(runtime.tf, dir);
      const { tf } = runtime;
      for (const [i, text] of texts.entries()) {
        const view = await service.inspect(dir, text);
        const p = hover.predictions[i];
        assert.deepEqual(p.probabilities, view.probabilities, `"${text}": hover and the views' final prediction`);
        assert.equal(p.tokenCount, view.tokens.length);
        const C = view.model.classes.length;
        // The running prediction after each prefix is what hover says for that prefix.
        for (let t = 0; t < view.tokens.length; t++) {
          const prefix = text.slice(0, view.tokens[t].end);
          const [alone] = (await service.predict(dir, [prefix])).predictions;
          alone.probabilities.forEach((q, c) => assert.ok(Math.abs(q - view.running[t * C + c]) < 1e-6, `running prediction after "${prefix}", class ${c}: ${view.running[t * C + c]}, hover ${q}`));
        }
        // tfjs-layers on the same weights: the format layer and the oracle.
        const ids = loaded.vocab.encode(text.split(/\s+/).filter(Boolean));
        const input = tf.tensor2d(ids.length ? ids : Int32Array.of(1), [1, Math.max(1, ids.length)], 'int32');
        const oracle = Array.from((loaded.model.predict(input) as import('@tensorflow/tfjs').Tensor).dataSync());
        oracle.forEach((q, c) => assert.ok(Math.abs(q - p.probabilities[c]) < 1e-5, `"${text}" class ${c}: ours ${p.probabilities[c]}, tfjs ${q}`));
      }
      loaded.model.dispose();
    });
  }

  for (const bidirectional of [false, true]) {
    it(`inspects a sentence with a ${bidirectional ? 'bidirectional ' : ''}model: tokens with offsets, states per token, running prediction ending in the final one`, async () => {
      const dir = path.join(tmp, `inspect-${bidirectional}`);
      const service = new EngineService(runtime);
      await service.train(
        { text: toyTsv(200, 31), options: {}, skipInvalid: false, config: { ...small, bidirectional, layers: 2, epochs: 1 }, modelDir: dir, name: 'i' },
        noSignal(),
        () => undefined,
      );
      const text = 'a1 b2  the0 zzz a3';
      const r = await service.inspect(dir, text);
      assert.equal(checkInspection(r), undefined);
      assert.deepEqual(r.tokens.map((t) => text.slice(t.start, t.end)), ['a1', 'b2', 'the0', 'zzz', 'a3']);
      assert.deepEqual(r.tokens.map((t) => t.known), [true, true, true, false, true]);
      assert.equal(r.directions.length, bidirectional ? 4 : 2);
      const C = r.model.classes.length;
      const last = Array.from(r.running.slice((r.tokens.length - 1) * C));
      last.forEach((p, i) => assert.ok(Math.abs(p - r.probabilities[i]) < 1e-5, `running[T-1] equals the final prediction (${p} vs ${r.probabilities[i]})`));
      const { predictions } = await service.predict(dir, [text, 'a1 b2']);
      predictions[0].probabilities.forEach((p, i) => assert.ok(Math.abs(p - r.probabilities[i]) < 1e-5, 'equals the tfjs prediction'));
      Array.from(r.running.slice(C, 2 * C)).forEach((p, i) => assert.ok(Math.abs(p - predictions[1].probabilities[i]) < 1e-5, 'the prediction after token 2 equals predicting "a1 b2"'));
      const empty = await service.inspect(dir, '   ');
      assert.equal(empty.tokens.length, 0);
      assert.equal(checkInspection(empty), undefined);

      // The unrolled panel's answer: the focused cell and unit exactly as captured, the strips as bytes.
      const direction = bidirectional ? 'backward' : 'forward';
      const u = await service.inspectUnrolled(dir, text, { cell: { t: 2, layer: 1, direction }, unit: 3 });
      assert.equal(checkUnrolledInspection(u), undefined);
      const full = r.directions.find((d) => d.layer === 1 && d.direction === direction)!;
      const H = r.model.hiddenSize;
      const GH = 4 * H;
      const prev = bidirectional ? 3 : 1;
      assert.deepEqual(Array.from(u.cell!.h), Array.from(full.h.subarray(2 * H, 3 * H)));
      assert.deepEqual(Array.from(u.cell!.c!), Array.from(full.c!.subarray(2 * H, 3 * H)));
      assert.deepEqual(Array.from(u.cell!.gates), Array.from(full.gates.subarray(2 * GH, 3 * GH)));
      assert.deepEqual(Array.from(u.cell!.pre), Array.from(full.pre.subarray(2 * GH, 3 * GH)));
      assert.deepEqual(Array.from(u.cell!.hPrev), Array.from(full.h.subarray(prev * H, (prev + 1) * H)), 'the previous state in reading order');
      assert.deepEqual(Array.from(u.cell!.cPrev!), Array.from(full.c!.subarray(prev * H, (prev + 1) * H)));
      const T = r.tokens.length;
      r.directions.forEach((d, k) => {
        const series = u.unit!.series[k].values;
        for (let t = 0; t < T; t++) {
          assert.equal(series[t], d.h[t * H + 3], 'the unit line is h exactly');
          assert.equal(series[T + t], d.c![t * H + 3]);
          for (let g = 0; g < 4; g++) assert.equal(series[(2 + g) * T + t], d.gates[t * GH + g * H + 3]);
        }
        assert.equal(u.directions[k].strips.length, T * 6 * H);
      });
      assert.deepEqual(Array.from(u.running), Array.from(r.running));
      assert.deepEqual(u.probabilities, r.probabilities);
    });
  }

  it('reuses the running prediction of the prefix a new sentence shares with the last one (bidirectional), with the same numbers as a fresh read', async () => {
    const dir = path.join(tmp, 'inspect-true');
    const warm = new EngineService(runtime);
    const texts = ['a1 b2 the0 a3 b4 a5', 'a1 b2 the0 a3 b4 a', 'a1 b2 the0 a3 b4 a5 b', 'a1 b9 the0 a3 b4 a5', 'zzz'];
    const inspectorOf = async (service: EngineService) => (await service.load(dir)).inspector;
    const rereads: number[] = [];
    for (const text of texts) {
      const reused = await warm.inspect(dir, text);
      rereads.push((await inspectorOf(warm)).lastRereads);
      const fresh = await new EngineService(runtime).inspect(dir, text);
      assert.equal(reused.running.length, fresh.running.length);
      reused.running.forEach((p, i) => assert.ok(Math.abs(p - fresh.running[i]) < 1e-6, `${text}: running[${i}] ${p} vs a fresh read's ${fresh.running[i]}`));
    }
    // Typing into the last token re-reads no prefix, a new token re-reads the one before it, changing the
    // second token re-reads every prefix from it.
    assert.deepEqual(rereads, [5, 0, 1, 4, 0]);
  });

  it('sends the model for the unrolled view to read with in its page: the page build of the kernels on a plain memory gives the engine answers bit for bit', async () => {
    const dir = path.join(tmp, 'inspect-true');
    const service = new EngineService(runtime);
    const sent = await service.readerModel(dir);
    assert.equal(checkReaderModel(sent), undefined);
    // What the page does (webview/unrolled/localReader.ts): the *-unshared build, instantiated from its bytes.
    const relaxed = relaxedSimdSupported();
    const bytes = await fs.readFile(path.join(__dirname, '..', '..', 'dist', 'kernels', `kernels-${relaxed ? 'relaxed' : 'simd'}-unshared.wasm`));
    let memory: WebAssembly.Memory | undefined;
    const page = await Inspector.create({ metadata: sent.metadata, vocab: Vocab.fromJSON({ version: 1, tokens: sent.vocab }), weights: sent.weights }, async (capacityFloats) => {
      const kernels = await instantiateWasmKernels(new Uint8Array(bytes), { capacityFloats, relaxed, shared: false });
      memory = kernels.memory;
      return kernels;
    });
    assert.ok(memory && !(memory.buffer instanceof SharedArrayBuffer), 'a plain memory, as a page without cross-origin isolation has');
    const focus = { cell: { t: 1, layer: 0, direction: 'backward' as const }, unit: 2 };
    for (const text of ['a1 b2 the0 a3 b4 a5', 'a1 b2 the0 a3 b4 a', 'zzz a1', '']) {
      const engine = await service.inspectUnrolled(dir, text, focus);
      const local = page.inspectUnrolled(text, focus);
      assert.deepEqual({ ...local, engineMs: 0 }, { ...engine, engineMs: 0 }, text);
    }
    page.dispose();
  });

  it('rejects a model for the page with the wrong shapes, numbers or size, saying what is wrong', async () => {
    const sent = await new EngineService(runtime).readerModel(path.join(tmp, 'inspect-true'));
    const variant = (change: (m: ReaderModel) => void) => {
      const copy: ReaderModel = { metadata: structuredClone(sent.metadata), vocab: [...sent.vocab], weights: sent.weights.map((w) => w.slice()) };
      change(copy);
      return checkReaderModel(copy);
    };
    assert.match(variant((m) => m.weights.pop()) ?? '', /expected \d+ weight arrays/);
    assert.match(variant((m) => (m.weights[2] = m.weights[2].subarray(1))) ?? '', /^weight 2 has \d+ values; its shape \[\d+, \d+\] holds/);
    assert.match(variant((m) => (m.weights[1][5] = Number.NaN)) ?? '', /^weight 1\[5\] is not finite/);
    assert.match(variant((m) => (m.metadata.config.cell = 'gru')) ?? '', /^weight 1 has/);
    assert.match(variant((m) => m.vocab.push('extra')) ?? '', /^weight 0 has/, 'the embedding rows follow the vocabulary');
    assert.match(variant((m) => ((m as { weights: unknown }).weights = m.weights.map((w) => Array.from(w)))) ?? '', /not a Float32Array/);
    assert.match(checkReaderModel(null) ?? '', /not an object/);
    assert.ok(MAX_READER_FLOATS >= 20_000 * 128 + 4 * 256 * (128 + 256), 'the large benchmark model (vocabulary 20,000, E = 128, H = 256) is read in the page');
  });

  for (const cell of ['simplernn', 'gru'] as const) {
    it(`builds, trains and reloads a stacked ${cell}`, async () => {
      const dir = path.join(tmp, `stack-${cell}`);
      const service = new EngineService(runtime);
      const r = await service.train({ text: toyTsv(120, 9), options: {}, skipInvalid: false, config: { ...small, cell, layers: 2, epochs: 1 }, modelDir: dir, name: cell }, noSignal(), () => undefined);
      assert.equal(r.metadata.config.cell, cell);
      const p = await new EngineService(runtime).predict(dir, ['a1 a2']);
      assert.equal(p.predictions.length, 1);
    });
  }

  it('stops within one batch when cancelled and keeps the best model so far', async () => {
    const dir = path.join(tmp, 'cancelled');
    const controller = new AbortController();
    let batchesAfterCancel = 0;
    const result = await new EngineService(runtime).train(
      { text: toyTsv(2000, 11), options: {}, skipInvalid: false, config: { ...small, epochs: 50, batchSize: 16 }, modelDir: dir, name: 'c' },
      controller.signal,
      (p) => {
        if (controller.signal.aborted && p.phase === 'training') batchesAfterCancel++;
        if (p.phase === 'training' && p.epoch === 1 && p.batch >= 3) controller.abort();
      },
    );
    assert.equal(result.metadata.metrics.cancelled, true);
    assert.ok(result.metadata.metrics.epochsCompleted < 50);
    assert.ok(batchesAfterCancel <= 1, `${batchesAfterCancel} batches ran after the cancel`);
    await fs.access(path.join(dir, 'model.json'));
  });

  it('measures both trainers when asked and picks the faster (the fused kernels on the cpu backend)', async () => {
    const messages: string[] = [];
    process.env.RNN_LENS_TRAINER = 'measure';
    try {
      const r = await new EngineService(runtime).train(
        { text: toyTsv(300, 21), options: {}, skipInvalid: false, config: { ...small, epochs: 1 }, modelDir: path.join(tmp, 'measured'), name: 'm' },
        noSignal(),
        (p) => p.message && messages.push(p.message),
      );
      assert.ok(messages.some((m) => /^Measured a training step: fused kernels [\d.]+ ms, tfjs \(cpu\) [\d.]+ ms → fused kernels$/.test(m)), messages.join('\n'));
      assert.match(r.metadata.backend, /fused/);
    } finally {
      delete process.env.RNN_LENS_TRAINER;
    }
  });

  it('trains through tfjs itself when told to, with the same data path', async () => {
    process.env.RNN_LENS_TRAINER = 'tfjs';
    try {
      const r = await new EngineService(runtime).train(
        { text: toyTsv(300, 23), options: {}, skipInvalid: false, config: { ...small, epochs: 3 }, modelDir: path.join(tmp, 'tfjs-trained'), name: 't' },
        noSignal(),
        () => undefined,
      );
      assert.match(r.metadata.backend, /tfjs-cpu/);
      assert.ok(r.metadata.metrics.validation!.accuracy >= 0.9, `accuracy ${r.metadata.metrics.validation!.accuracy}`);
    } finally {
      delete process.env.RNN_LENS_TRAINER;
    }
  });

  it('reaches the same validation accuracy as tfjs-layers training on real names, from the same start', async () => {
    const names = (require('../../scripts/makeDemo.js') as { loadNames(): { name: string; label: string }[] }).loadNames();
    const text = names
      .filter((_, i) => i % 6 === 0)
      .map((n) => `${n.label}\t${n.name}`)
      .join('\n');
    const config = { ...DEFAULT_CONFIG, tokenization: 'char' as const, hiddenSize: 24, embeddingSize: 12, epochs: 4, learningRate: 0.01, batchSize: 32, validationSplit: 0.2 };
    const run = async (trainer: string) => {
      process.env.RNN_LENS_TRAINER = trainer;
      try {
        const r = await new EngineService(runtime).train({ text, options: {}, skipInvalid: false, config, modelDir: path.join(tmp, `names-${trainer}`), name: trainer }, noSignal(), () => undefined);
        return r.metadata.metrics.validation!.accuracy;
      } finally {
        delete process.env.RNN_LENS_TRAINER;
      }
    };
    const fused = await run('fused');
    const tfjs = await run('tfjs');
    assert.ok(fused > 0.65 && tfjs > 0.65, `both learn (fused ${fused}, tfjs ${tfjs})`);
    assert.ok(Math.abs(fused - tfjs) <= 0.05, `fused ${fused} vs tfjs ${tfjs}`);
  });

  it('reads one-word examples (names) as characters under auto tokenisation, in parse and in train alike, and records the choice', async () => {
    const names = (require('../../scripts/makeDemo.js') as { loadNames(): { name: string; label: string }[] }).loadNames();
    const text = names
      .filter((_, i) => i % 40 === 0)
      .map((n) => `${n.label}\t${n.name}`)
      .join('\n');
    const service = new EngineService(runtime);
    const summary = service.parse(text, {});
    assert.deepEqual(summary.autoTokenization, { kind: 'char', reason: 'the examples are single words (median 1 word per example)' });
    const r = await service.train({ text, options: {}, skipInvalid: false, config: { ...small, epochs: 1 }, modelDir: path.join(tmp, 'auto-names'), name: 'auto' }, noSignal(), () => undefined);
    assert.equal(r.metadata.config.tokenization, 'char');
    assert.equal(r.metadata.tokenizer.kind, 'char');
    assert.equal(r.metadata.tokenizationReason, summary.autoTokenization.reason);
    const saved = JSON.parse(await fs.readFile(path.join(tmp, 'auto-names', 'metadata.json'), 'utf8'));
    assert.equal(saved.config.tokenization, 'char', 'a saved model is never "auto"');
    // A chosen tokenisation is kept as it is, with no reason.
    const words = await service.train({ text, options: {}, skipInvalid: false, config: { ...small, epochs: 1, tokenization: 'word' }, modelDir: path.join(tmp, 'word-names'), name: 'w' }, noSignal(), () => undefined);
    assert.equal(words.metadata.config.tokenization, 'word');
    assert.equal(words.metadata.tokenizationReason, undefined);
  });

  it('trains without a test split when the examples are too few for one, and says so before and after training', async () => {
    const text = 'a\tx1 y1\na\tx2 y2\nb\tz1 w1\nb\tz2 w2';
    const service = new EngineService(runtime);
    const before = service.parse(text, {}, { validation: 0.1, test: 0.1 });
    assert.ok(before.warnings.some((w) => w.startsWith('No test split: 4 examples are too few')), before.warnings.join('\n'));
    assert.ok(!service.parse(text, {}).warnings.some((w) => w.startsWith('No test split')), 'without the shares, parse does not guess');
    const r = await service.train({ text, options: {}, skipInvalid: false, config: { ...small, epochs: 1, validationSplit: 0.1 }, modelDir: path.join(tmp, 'tiny'), name: 'tiny' }, noSignal(), () => undefined);
    assert.equal(r.metadata.metrics.test, undefined);
    assert.deepEqual([r.metadata.examples.train, r.metadata.examples.validation, r.metadata.examples.test], [2, 2, 0]);
    assert.ok(r.metadata.warnings?.some((w) => w.startsWith('No test split: 4 examples are too few')), r.metadata.warnings?.join('\n'));
    assert.ok(reportLines(r.metadata).includes('  test: no test split'));
  });

  it('reports every figure with its split and epoch: test with the chosen weights, validation and training of the same epoch', async () => {
    const r = await new EngineService(runtime).train({ text: toyTsv(300, 41), options: {}, skipInvalid: false, config: { ...small, epochs: 3 }, modelDir: path.join(tmp, 'reported'), name: 'rep' }, noSignal(), () => undefined);
    const m = r.metadata.metrics;
    const lines = reportLines(r.metadata);
    const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
    const best = m.bestEpoch;
    assert.ok(lines.includes(`  test (weights of epoch ${best}): accuracy ${pct(m.test!.accuracy)}, loss ${m.test!.loss.toFixed(4)} on ${m.test!.examples} examples`), lines.join('\n'));
    assert.ok(lines.includes(`  validation, epoch ${best}: accuracy ${pct(m.validation!.accuracy)}, loss ${m.validation!.loss.toFixed(4)} on ${m.validation!.examples} examples`), lines.join('\n'));
    assert.ok(lines.includes(`  training, epoch ${best}: loss ${m.train.loss.toFixed(4)}, accuracy ${pct(m.train.accuracy)}`), lines.join('\n'));
    assert.ok(lines.includes(`  test (weights of epoch ${best}), per class:`), 'the per-class table is the test split\'s');
    assert.ok(lines.some((l) => l.includes(`${r.metadata.examples.train} training / ${r.metadata.examples.validation} validation / ${r.metadata.examples.test} test examples`)));
  });

  it('refuses to save anything when cancelled before the first batch', async () => {
    const controller = new AbortController();
    controller.abort();
    const dir = path.join(tmp, 'never');
    await assert.rejects(
      new EngineService(runtime).train({ text: toyTsv(100), options: {}, skipInvalid: false, config: small, modelDir: dir, name: 'n' }, controller.signal, () => undefined),
      (err: RpcError) => err.code === 'cancelled',
    );
    await assert.rejects(fs.access(dir));
  });

  it('refuses lines that do not parse unless told to skip them, naming the lines', async () => {
    const text = `${toyTsv(60)}\nthis line has no tab\n${toyTsv(4, 2)}`;
    const service = new EngineService(runtime);
    await assert.rejects(
      service.train({ text, options: { firstLine: 10 }, skipInvalid: false, config: { ...small, epochs: 1 }, modelDir: path.join(tmp, 'bad'), name: 'bad' }, noSignal(), () => undefined),
      (err: RpcError) => err.code === 'dataset.invalidLines' && /line 70/.test(err.message),
    );
    const ok = await service.train({ text, options: {}, skipInvalid: true, config: { ...small, epochs: 1 }, modelDir: path.join(tmp, 'skipped'), name: 's' }, noSignal(), () => undefined);
    assert.equal(ok.metadata.examples.skippedLines, 1);
  });

  it('refuses a data set with only one class', async () => {
    const text = 'spam\tbuy now\nspam\tcheap pills\nspam\twin money';
    await assert.rejects(
      new EngineService(runtime).train({ text, options: {}, skipInvalid: false, config: small, modelDir: path.join(tmp, 'one'), name: 'one' }, noSignal(), () => undefined),
      (err: RpcError) => err.code === 'dataset.untrainable' && /two classes/.test(err.message),
    );
  });

  it('turns dataset errors into RPC errors with their code', () => {
    const service = new EngineService(runtime);
    assert.throws(() => service.parse('   \n  ', {}), (err: RpcError) => err.code === 'dataset.empty');
    assert.throws(() => service.parse('\u0000\u0001\u0002binary\u0000\u0000', {}), (err: RpcError) => err.code === 'dataset.binary');
  });

  it('summarises a parse with classes sorted by count and the options that reproduce it', () => {
    const s = new EngineService(runtime).parse('b\tx\na\ty\na\tz', {});
    assert.deepEqual(s.classes, [{ label: 'a', count: 2 }, { label: 'b', count: 1 }]);
    assert.equal(s.resolved.format, 'tsv-label-text');
    assert.ok(s.warnings.some((w) => w.includes('"b"')));
  });

  it('reports a model folder that cannot be loaded with its path', async () => {
    const dir = path.join(tmp, 'broken');
    await fs.mkdir(dir);
    await fs.writeFile(path.join(dir, 'metadata.json'), '{not json');
    await assert.rejects(new EngineService(runtime).predict(dir, ['x']), (err: RpcError) => err.code === 'modelLoad' && err.message.includes(dir));
  });
});

describe('stratified split', () => {
  const count = (list: { label: string }[], l: string) => list.filter((e) => e.label === l).length;
  const noTest = { validation: 0.2, test: 0 };

  it('keeps each class share, never empties a class from training, and repeats for the same seed (no test split)', () => {
    const examples = [
      ...Array.from({ length: 50 }, (_, i) => ({ label: 'a', i })),
      ...Array.from({ length: 10 }, (_, i) => ({ label: 'b', i })),
      { label: 'c', i: 0 },
    ];
    const s1 = stratifiedSplit(examples, noTest, 7);
    const s2 = stratifiedSplit(examples, noTest, 7);
    assert.deepEqual(s1, s2);
    assert.equal(count(s1.validation, 'a'), 10);
    assert.equal(count(s1.validation, 'b'), 2);
    assert.equal(count(s1.validation, 'c'), 0);
    assert.equal(count(s1.train, 'c'), 1);
    assert.deepEqual(s1.test, []);
  });

  it('splits into training, validation and test per class (80/10/10), seeded, each example in exactly one split', () => {
    const examples = [...Array.from({ length: 200 }, (_, i) => ({ label: 'a', i })), ...Array.from({ length: 60 }, (_, i) => ({ label: 'b', i: 200 + i }))];
    const fractions = { validation: 0.1, test: 0.1 };
    const s = stratifiedSplit(examples, fractions, 11);
    assert.deepEqual(stratifiedSplit(examples, fractions, 11), s, 'the same seed gives the same split');
    assert.deepEqual([count(s.train, 'a'), count(s.validation, 'a'), count(s.test, 'a')], [160, 20, 20]);
    assert.deepEqual([count(s.train, 'b'), count(s.validation, 'b'), count(s.test, 'b')], [48, 6, 6]);
    const ids = [...s.train, ...s.validation, ...s.test].map((e) => e.i).sort((x, y) => x - y);
    assert.deepEqual(ids, examples.map((e) => e.i), 'every example once');
    const other = stratifiedSplit(examples, fractions, 12);
    assert.notDeepEqual(other.test.map((e) => e.i), s.test.map((e) => e.i), 'another seed, another test split');
  });

  it('keeps identical texts in one split (training, validation or test) and counts the duplicates', () => {
    // 40 names, each repeated 5 times: a split of single examples would put most names in two or three splits.
    const examples = Array.from({ length: 200 }, (_, i) => ({ label: i % 2 ? 'male' : 'female', text: `name${i % 40}` }));
    const { train, validation, test, duplicates } = stratifiedSplit(examples, { validation: 0.2, test: 0.1 }, 3, (e) => e.text);
    assert.equal(duplicates, 160);
    const texts = [train, validation, test].map((part) => new Set(part.map((e) => e.text)));
    for (const [a, b] of [[0, 1], [0, 2], [1, 2]]) {
      assert.deepEqual([...texts[a]].filter((t) => texts[b].has(t)), [], `no text in both split ${a} and split ${b}`);
    }
    assert.equal(train.length + validation.length + test.length, 200);
    assert.equal(count(validation, 'female'), 20);
    assert.equal(count(validation, 'male'), 20);
    assert.equal(count(test, 'female'), 10);
    assert.equal(count(test, 'male'), 10);
  });

  it('keeps a class too small for all three splits in training first, then validation', () => {
    const examples = ['one', 'two', 'two', 'three', 'three', 'three'].map((label, i) => ({ label, i }));
    const { train, validation, test } = stratifiedSplit(examples, { validation: 0.1, test: 0.1 }, 5);
    const where = (l: string) => [count(train, l), count(validation, l), count(test, l)];
    assert.deepEqual(where('one'), [1, 0, 0]);
    assert.deepEqual(where('two'), [1, 1, 0]);
    assert.deepEqual(where('three'), [1, 1, 1]);
    assert.deepEqual(splitTargets(1, { validation: 0.1, test: 0.1 }), { validation: 0, test: 0 });
    assert.deepEqual(splitTargets(2, { validation: 0.1, test: 0.1 }), { validation: 1, test: 0 });
    assert.deepEqual(splitTargets(10, { validation: 0.45, test: 0.44 }), { validation: 5, test: 4 }, 'training keeps one');
    assert.deepEqual(splitTargets(1000, { validation: 0.1, test: 0.1 }), { validation: 100, test: 100 });
    assert.deepEqual(splitTargets(1000, { validation: 0, test: 0.1 }), { validation: 0, test: 100 });
  });

  it('says when there are too few examples for a test split, and which classes the test split misses', () => {
    const none = testSplitWarnings([{ label: 'a', count: 2, test: 0 }, { label: 'b', count: 2, test: 0 }], 0.1);
    assert.equal(none.length, 1);
    assert.match(none[0], /^No test split: 4 examples are too few to hold out 10 % for testing, so the figures shown are validation figures, which chose the best epoch/);
    assert.deepEqual(testSplitWarnings([{ label: 'a', count: 50, test: 5 }, { label: 'b', count: 2, test: 0 }, { label: 'c', count: 1, test: 0 }], 0.1), [
      'Class "b" has too few examples for the test split: the test figures hold no example of it.',
    ]);
    assert.deepEqual(testSplitWarnings([{ label: 'a', count: 50, test: 5 }], 0.1), []);
    assert.deepEqual(testSplitWarnings([{ label: 'a', count: 2, test: 0 }], 0), [], 'no test split asked for');
  });
});
