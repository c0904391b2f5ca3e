// The engine training on the GPU: what it chooses and names, and a GPU lost mid-run. Runs on the adapter
// openGpu finds (Mesa's software one on a machine without a GPU); RNN_LENS_REQUIRE_GPU=1 (CI) forbids skipping.
import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DEFAULT_CONFIG, type ModelConfig } from '../../src/shared/config';
import type { TrainProgress } from '../../src/shared/protocol';
import { loadTf, type TfRuntime } from '../../src/engine/backend';
import { EngineService } from '../../src/engine/service';
import { openGpu } from '../../src/engine/gpu/device';
import { toyTsv } from './toyData';

const small: ModelConfig = { ...DEFAULT_CONFIG, hiddenSize: 12, embeddingSize: 8, epochs: 4, batchSize: 32, learningRate: 0.02, validationSplit: 0.2 };

describe('engine on the GPU', function () {
  this.timeout(180_000);
  let runtime: TfRuntime;
  let tmp: string;

  before(async function () {
    const gpu = await openGpu({ allowSoftware: true });
    if ('reason' in gpu) {
      if (process.env.RNN_LENS_REQUIRE_GPU === '1') throw new Error(`RNN_LENS_REQUIRE_GPU=1 but ${gpu.reason}`);
      console.log(`      (skipped: ${gpu.reason})`);
      this.skip();
    }
    gpu.device.destroy();
    runtime = await loadTf('cpu', []);
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'rnn-lens-gpu-engine-'));
  });
  after(async () => {
    if (tmp) await fs.rm(tmp, { recursive: true, force: true });
  });

  const train = (service: EngineService, name: string, progress: TrainProgress[], config = small) =>
    service.train({ text: toyTsv(400), options: {}, skipInvalid: false, config, modelDir: path.join(tmp, name), name }, new AbortController().signal, (p) => progress.push(p));

  it('with the GPU insisted on, trains there, names it in the metadata and info, and the model reads the same on the CPU', async function () {
    const service = new EngineService(runtime, 'gpu');
    const label = await service.gpuLabel();
    assert.match(label, /^gpu-webgpu · .+ \((vulkan|metal|d3d12|opengles)(, software)?\)$/);
    assert.ok((await service.notes()).some((n) => n.startsWith(`GPU: ${label} trains`)));
    const progress: TrainProgress[] = [];
    const result = await train(service, 'gpu-lstm', progress);
    assert.equal(result.metadata.backend, `cpu (${label})`);
    assert.ok(progress.some((p) => p.message === `Training on ${label}…`), progress.map((p) => p.message).join('\n'));
    assert.ok(result.metadata.metrics.validation!.accuracy >= 0.9, `validation accuracy ${result.metadata.metrics.validation!.accuracy}`);
    // The saved weights are read by the engine's own inspector on the CPU kernels: its test figure is the GPU's.
    const { predictions } = await service.predict(result.modelDir, ['a1 a2 a3', 'b4 b5 b6']);
    assert.deepEqual(predictions.map((p) => p.label), ['alpha', 'beta']);
  });

  it("on 'auto' with only a software adapter, trains on the CPU and says why", async function () {
    const gpu = await openGpu({});
    if (!('reason' in gpu)) {
      gpu.device.destroy();
      this.skip(); // a real GPU: 'auto' measures instead (covered by bench:gpu)
    }
    const service = new EngineService(runtime, 'auto');
    assert.equal(await service.gpuLabel(), '');
    const progress: TrainProgress[] = [];
    const result = await train(service, 'auto-lstm', progress, { ...small, epochs: 1 });
    assert.match(result.metadata.backend, /^cpu \(fused-/);
    assert.ok(progress.some((p) => /^Training on the CPU: no GPU \(.*(only a software adapter|only a software renderer would answer)/.test(p.message ?? '')), progress.map((p) => p.message).join('\n'));
  });

  it('when the GPU is lost mid-run, training carries on on the CPU from its last weights, and the model says so', async function () {
    const service = new EngineService(runtime, 'gpu');
    const gpu = await service.gpu();
    assert.ok(!('reason' in gpu));
    const progress: TrainProgress[] = [];
    let destroyed = false;
    const result = await service.train(
      { text: toyTsv(400), options: {}, skipInvalid: false, config: { ...small, epochs: 6 }, modelDir: path.join(tmp, 'lost'), name: 'lost' },
      new AbortController().signal,
      (p) => {
        progress.push(p);
        // After the first epoch has been kept: the device goes, as a driver reset would take it.
        if (!destroyed && p.phase === 'evaluating' && p.epoch === 1) {
          destroyed = true;
          gpu.device.destroy();
        }
      },
    );
    assert.ok(destroyed);
    assert.match(result.metadata.backend, /^cpu \(gpu-webgpu · .*, then fused-cpu-.* \(the GPU failed: .+\)\)$/);
    assert.ok(progress.some((p) => /^The GPU failed \(.+\); training continues on fused-cpu-.+ from the weights after step \d+/.test(p.message ?? '')), progress.map((p) => p.message).join('\n'));
    assert.equal(result.metadata.metrics.epochsCompleted, 6);
    assert.ok(result.metadata.metrics.validation!.accuracy >= 0.9, `validation accuracy ${result.metadata.metrics.validation!.accuracy}`);
    // The next run opens the GPU again.
    const again = await train(service, 'after-loss', [], { ...small, epochs: 1 });
    assert.match(again.metadata.backend, /^cpu \(gpu-webgpu · /);
  });
});
