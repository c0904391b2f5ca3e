import { strict as assert } from 'node:assert';
import { loadTf, type TfRuntime } from '../../src/engine/backend';
import { buildClassifier } from '../../src/engine/model';
import { fastOrthogonal, orthogonalMatrix } from '../../src/engine/orthogonal';
import { seededRandom } from '../../src/engine/random';
import { DEFAULT_CONFIG } from '../../src/shared/config';

/** The largest |(A·Aᵀ − I)| over the rows of a rows×cols matrix (or of Aᵀ·A over its columns). */
function orthogonalityError(a: Float32Array, rows: number, cols: number, byRows: boolean): number {
  const n = byRows ? rows : cols;
  const len = byRows ? cols : rows;
  const at = (vec: number, i: number) => (byRows ? a[vec * cols + i] : a[i * cols + vec]);
  let worst = 0;
  for (let p = 0; p < n; p++) {
    for (let q = p; q < n; q++) {
      let dot = 0;
      for (let i = 0; i < len; i++) dot += at(p, i) * at(q, i);
      worst = Math.max(worst, Math.abs(dot - (p === q ? 1 : 0)));
    }
  }
  return worst;
}

describe('orthogonal initializer', () => {
  for (const [rows, cols] of [
    [64, 256],
    [256, 64],
    [48, 48],
    [1, 7],
  ] as const) {
    it(`gives orthonormal ${rows <= cols ? 'rows' : 'columns'} for ${rows}×${cols}`, () => {
      const a = orthogonalMatrix(rows, cols, 1, seededRandom(3));
      assert.equal(a.length, rows * cols);
      assert.ok(orthogonalityError(a, rows, cols, rows <= cols) < 1e-5);
    });
  }

  it('repeats for a seed, differs between seeds, and scales by the gain', () => {
    const a = orthogonalMatrix(16, 64, 1, seededRandom(9));
    assert.deepEqual(orthogonalMatrix(16, 64, 1, seededRandom(9)), a);
    assert.notDeepEqual(orthogonalMatrix(16, 64, 1, seededRandom(10)), a);
    const doubled = orthogonalMatrix(16, 64, 2, seededRandom(9));
    doubled.forEach((v, i) => assert.ok(Math.abs(v - 2 * a[i]) < 1e-6));
  });

  it('draws from the Haar distribution: no column sign or position is favoured', () => {
    // For a Haar-random orthogonal 8×8 matrix every entry has mean 0 and variance 1/8; a QR without the
    // sign correction would make the diagonal of Q positive on average.
    const n = 8;
    const draws = 4000;
    const random = seededRandom(1);
    let diagSum = 0;
    let sq = 0;
    for (let k = 0; k < draws; k++) {
      const q = orthogonalMatrix(n, n, 1, random);
      for (let i = 0; i < n; i++) diagSum += q[i * n + i];
      sq += q[0] * q[0];
    }
    const diagMean = diagSum / (draws * n);
    assert.ok(Math.abs(diagMean) < 0.02, `diagonal mean ${diagMean}`);
    assert.ok(Math.abs(sq / draws - 1 / n) < 0.01, `variance of an entry ${sq / draws}`);
  });

  it('refuses shapes it cannot fill', () => {
    assert.throws(() => orthogonalMatrix(0, 4, 1, Math.random), /bad shape/);
  });

  describe('in a tfjs-layers model', () => {
    let runtime: TfRuntime;
    before(async () => {
      runtime = await loadTf('cpu', []);
    });

    it('serialises as Keras\' Orthogonal with its seed and gain, fills the recurrent kernel with it, and loads back in plain tf.loadLayersModel', async () => {
      const { tf } = runtime;
      const init = fastOrthogonal(tf, { seed: 5, gain: 1 });
      assert.equal(init.getClassName(), 'Orthogonal');
      assert.deepEqual(init.getConfig(), { gain: 1, seed: 5 });
      const model = buildClassifier(tf, { ...DEFAULT_CONFIG, hiddenSize: 32, embeddingSize: 8 }, 50, 3);
      const lstm = model.getLayer('lstm_1');
      const config = lstm.getConfig() as { recurrentInitializer: { className: string; config: Record<string, unknown> } };
      assert.equal(config.recurrentInitializer.className, 'Orthogonal');
      assert.equal(config.recurrentInitializer.config.gain, 1);
      const recurrent = lstm.getWeights()[1];
      assert.deepEqual(recurrent.shape, [32, 128]);
      assert.ok(orthogonalityError(recurrent.dataSync() as Float32Array, 32, 128, true) < 1e-5);
      let saved: import('@tensorflow/tfjs').io.ModelArtifacts | undefined;
      await model.save(tf.io.withSaveHandler(async (artifacts) => ((saved = artifacts), { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } })));
      assert.match(JSON.stringify(saved!.modelTopology), /"recurrent_initializer":\{"class_name":"Orthogonal","config":\{"gain":1,"seed":\d+\}\}/);
      const loaded = await tf.loadLayersModel(tf.io.fromMemory(saved!));
      assert.deepEqual(Array.from(loaded.getLayer('lstm_1').getWeights()[1].dataSync()), Array.from(recurrent.dataSync()));
      model.dispose();
      loaded.dispose();
    });
  });
});
