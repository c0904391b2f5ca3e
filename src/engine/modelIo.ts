/**
 * Saving and loading models in the standard tfjs layers format (model.json + weights.bin, readable by
 * tf.loadLayersModel and tfjs-node's file:// handler) with vocab.json and metadata.json beside them.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { isModelMetadata, type ModelMetadata } from '../shared/protocol';
import { Vocab } from '../core/tokenizer';
import type { Tf } from './backend';

type LayersModel = import('@tensorflow/tfjs').LayersModel;
type ModelArtifacts = import('@tensorflow/tfjs').io.ModelArtifacts;

/** File names inside a model folder. */
export const MODEL_FILES = { model: 'model.json', weights: 'weights.bin', vocab: 'vocab.json', metadata: 'metadata.json' } as const;

/** A model ready to predict, with what it needs to read text the way training did. */
export interface LoadedModel {
  model: LayersModel;
  vocab: Vocab;
  metadata: ModelMetadata;
}

function joinBuffers(data: ArrayBuffer | ArrayBuffer[]): Uint8Array {
  if (!Array.isArray(data)) return new Uint8Array(data);
  const total = data.reduce((n, b) => n + b.byteLength, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const b of data) {
    out.set(new Uint8Array(b), offset);
    offset += b.byteLength;
  }
  return out;
}

/**
 * Writes the model folder atomically: everything goes to a sibling temporary folder that is renamed
 * into place, so a failure never leaves a half-written model where a good one was expected.
 */
export async function saveModel(tf: Tf, model: LayersModel, dir: string, vocab: Vocab, metadata: ModelMetadata): Promise<void> {
  let artifacts: ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  if (!artifacts?.weightData || !artifacts.weightSpecs) throw new Error('tfjs produced no weights to save');
  const modelJson = {
    format: 'layers-model',
    generatedBy: `TensorFlow.js tfjs-layers v${tf.version_layers}`,
    convertedBy: null,
    modelTopology: artifacts.modelTopology,
    weightsManifest: [{ paths: [`./${MODEL_FILES.weights}`], weights: artifacts.weightSpecs }],
  };
  const tmp = `${dir}.partial-${process.pid}-${Date.now()}`;
  await fs.mkdir(tmp, { recursive: true });
  try {
    await fs.writeFile(path.join(tmp, MODEL_FILES.model), JSON.stringify(modelJson));
    await fs.writeFile(path.join(tmp, MODEL_FILES.weights), joinBuffers(artifacts.weightData as ArrayBuffer | ArrayBuffer[]));
    await fs.writeFile(path.join(tmp, MODEL_FILES.vocab), JSON.stringify(vocab.toJSON()));
    await fs.writeFile(path.join(tmp, MODEL_FILES.metadata), JSON.stringify(metadata, null, 2));
    await fs.rm(dir, { recursive: true, force: true });
    await fs.rename(tmp, dir);
  } catch (err) {
    await fs.rm(tmp, { recursive: true, force: true });
    throw err;
  }
}

async function readJson(file: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    throw new Error(`The model folder has no readable ${what} (${file}): ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error(`${what} is not valid JSON (${file}): ${(err as Error).message}`);
  }
}

/** Reads metadata.json alone (for listing models without loading them). */
export async function readMetadata(dir: string): Promise<ModelMetadata> {
  const meta = await readJson(path.join(dir, MODEL_FILES.metadata), 'metadata.json');
  if (!isModelMetadata(meta)) throw new Error(`metadata.json in ${dir} is not RNN Lens model metadata (version 1)`);
  return meta;
}

/** Loads a model folder written by saveModel (or any tfjs layers model with our vocab and metadata beside it). */
export async function loadModel(tf: Tf, dir: string): Promise<LoadedModel> {
  const metadata = await readMetadata(dir);
  const vocab = Vocab.fromJSON(await readJson(path.join(dir, MODEL_FILES.vocab), 'vocab.json'));
  const modelJson = (await readJson(path.join(dir, MODEL_FILES.model), 'model.json')) as {
    modelTopology?: unknown;
    weightsManifest?: { paths: string[]; weights: import('@tensorflow/tfjs').io.WeightsManifestEntry[] }[];
  };
  if (!modelJson.modelTopology || !Array.isArray(modelJson.weightsManifest)) throw new Error(`model.json in ${dir} is not a tfjs layers model`);
  const weightSpecs = modelJson.weightsManifest.flatMap((g) => g.weights);
  const buffers = await Promise.all(modelJson.weightsManifest.flatMap((g) => g.paths).map((p) => fs.readFile(path.join(dir, p))));
  const bytes = Buffer.concat(buffers);
  const weightData = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const model = await tf.loadLayersModel(
    tf.io.fromMemory({ modelTopology: modelJson.modelTopology as object, weightSpecs, weightData }),
  );
  const outputs = model.outputs[0].shape[1];
  if (outputs !== metadata.classes.length) {
    model.dispose();
    throw new Error(`The model in ${dir} has ${outputs} outputs but metadata.json lists ${metadata.classes.length} classes`);
  }
  return { model, vocab, metadata };
}
