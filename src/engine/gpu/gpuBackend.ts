// Training on the GPU for the trainer (trainer.ts's StepBackend): GpuNet with the tfjs model's weights,
// and a failover that, when the GPU fails mid-run (device lost, out of memory, an invalid command), carries
// on on the CPU from the last weights read back from the GPU, saying so, instead of losing the run.
import type { ModelConfig } from '../../shared/config';
import type { Tf } from '../backend';
import { netConfigOf, setModelWeights, type StepBackend } from '../trainer';
import type { GpuContext } from './device';
import { GpuNet } from './gpuNet';

type LayersModel = import('@tensorflow/tfjs').LayersModel;

/** Steps between the weights the GPU backend reads back (what a failover resumes from), and at most this many seconds. */
const SNAPSHOT_STEPS = 50;
const SNAPSHOT_SECONDS = 10;

/** A StepBackend on the GPU that also keeps a recent copy of its weights on the host. */
export interface GpuStepBackend extends StepBackend {
  /** The weights after step `step` (the last copy read back), or the starting weights (step 0). */
  snapshot(): { weights: Float32Array[]; step: number };
}

/** Training on GpuNet; the tfjs model supplies the initial weights and keeps the best ones (as fusedBackend). */
export async function gpuBackend(tf: Tf, model: LayersModel, config: ModelConfig, vocabSize: number, classes: number, maxTime: number, gpu: GpuContext): Promise<GpuStepBackend> {
  const net = await GpuNet.create(
    gpu,
    netConfigOf(config, vocabSize, classes),
    { maxBatch: config.batchSize, maxTime },
  );
  const modelWeights = () => model.getWeights().map((w) => w.dataSync().slice() as Float32Array);
  let snapshot = { weights: modelWeights(), step: 0 };
  net.setWeights(snapshot.weights);
  let steps = 0;
  let lastCopy = performance.now();
  return {
    name: `gpu-webgpu · ${gpu.name}`,
    predictBatch: config.batchSize,
    step: async (b) => {
      const result = await net.trainStep(b.ids, b.labels, b.batch, b.time);
      steps++;
      if (steps % SNAPSHOT_STEPS === 0 || performance.now() - lastCopy > SNAPSHOT_SECONDS * 1000) {
        snapshot = { weights: await net.getWeights(), step: steps };
        lastCopy = performance.now();
      }
      return result;
    },
    predict: (b) => net.predict(b.ids, b.batch, b.time),
    keepBest: async () => {
      const weights = await net.getWeights();
      snapshot = { weights, step: steps };
      setModelWeights(tf, model, weights);
    },
    commitBest: () => net.setWeights(modelWeights()),
    snapshot: () => snapshot,
    dispose: () => net.dispose(),
  };
}

/**
 * Runs on `primary` (the GPU) until one of its calls fails, then builds the CPU backend with `makeFallback`
 * from the primary's last snapshot (the tfjs model's best weights are kept aside meanwhile and put back), logs
 * why and from which step, and carries on there; its name then says both. The optimizer's moments start over.
 */
export class FailoverBackend implements StepBackend {
  private current: StepBackend;
  private failed: string | undefined;
  private switching: Promise<void> | undefined;

  constructor(
    private readonly primary: GpuStepBackend,
    private readonly tf: Tf,
    private readonly model: LayersModel,
    private readonly makeFallback: () => Promise<StepBackend>,
    private readonly log: (message: string) => void,
  ) {
    this.current = primary;
  }

  get name(): string {
    return this.failed ? `${this.primary.name}, then ${this.current.name} (${this.failed})` : this.current.name;
  }

  get predictBatch(): number {
    return this.current.predictBatch;
  }

  step = (batch: Parameters<StepBackend['step']>[0]) => this.guard(() => this.current.step(batch));
  predict: StepBackend['predict'] = (batch) => this.guard(() => this.current.predict(batch));
  keepBest = () => this.guard(async () => this.current.keepBest());
  commitBest = () => this.guard(async () => this.current.commitBest());

  dispose(): void {
    if (this.current !== this.primary) this.current.dispose();
    this.primary.dispose();
  }

  /** Runs `call` on the current backend; a failure on the primary switches to the fallback and runs it again there. */
  private async guard<T>(call: () => T | Promise<T>): Promise<T> {
    if (this.switching) await this.switching;
    try {
      return await call();
    } catch (err) {
      if (this.current !== this.primary) throw err;
      await (this.switching ??= this.switchOver(err as Error));
      return call();
    }
  }

  private async switchOver(err: Error): Promise<void> {
    const { weights, step } = this.primary.snapshot();
    const reason = err.message || String(err);
    const best = this.model.getWeights().map((w) => w.dataSync().slice() as Float32Array);
    setModelWeights(this.tf, this.model, weights);
    const fallback = await this.makeFallback();
    setModelWeights(this.tf, this.model, best);
    this.current = fallback;
    this.failed = `the GPU failed: ${reason}`;
    this.log(`The GPU failed (${reason}); training continues on ${fallback.name} from the weights after step ${step} (the optimizer's moments start over).`);
    try {
      this.primary.dispose();
    } catch {
      // The device may be gone already.
    }
  }
}
