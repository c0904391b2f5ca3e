/**
 * The kernel worker: runs forward/backward on its share of each batch with its own WebAssembly
 * instance, reading the weights the training thread publishes in shared memory and writing its
 * gradients back there. Two messages per training step, none per time step.
 */
import { parentPort } from 'node:worker_threads';
import { RpcEndpoint } from '../../shared/rpc';
import { createNet } from './createNet';
import type { RecurrentNet } from './network';
import type { SharedBuffers, WorkerMethods } from './parallelProtocol';

let net: RecurrentNet | undefined;
/** Views of the shared buffers the worker hands its embedding-gradient rows back in. */
let sharedIds: Int32Array | undefined;
let sharedRows: Float32Array | undefined;
let weightViews: Float32Array[] = [];
let gradientViews: Float32Array[] = [];
/** The version of the published weights this worker's network holds. */
let loadedVersion = -1;

/** Copies the published weights in when they are newer than the ones held. */
function loadWeights(version: number): void {
  if (!net || version === loadedVersion) return;
  net.setWeightsExceptEmbedding(weightViews);
  loadedVersion = version;
}

function views(buffer: SharedArrayBuffer, arrays: Float32Array[]): Float32Array[] {
  let offset = 0;
  return arrays.map((a) => {
    const v = new Float32Array(buffer, offset * 4, a.length);
    offset += a.length;
    return v;
  });
}

if (!parentPort) throw new Error('kernel worker: no parent port');
const port = parentPort;
const rpc = new RpcEndpoint<WorkerMethods, Record<string, never>>(
  {
    send: (m) => port.postMessage(m),
    listen: (l) => {
      port.on('message', l);
      return () => port.off('message', l);
    },
  },
  (message) => console.error(`[kernel worker] ${message}`),
);

rpc.handle('init', async (params) => {
  const p = params as WorkerMethods['init']['params'];
  sharedIds = new Int32Array(p.buffers.embeddingIds);
  sharedRows = new Float32Array(p.buffers.embeddingRows);
  net = await createNet(p.config, { maxBatch: p.maxBatch, maxTime: p.maxTime, embedding: new Float32Array(p.buffers.embedding) });
  const dense = net.weightArrays().slice(1);
  weightViews = views(p.buffers.weights, dense);
  gradientViews = views(p.buffers.gradients, dense);
  return { kernels: net.kernelName };
});

rpc.handle('gradients', (params) => {
  if (!net || !sharedIds || !sharedRows) throw new Error('kernel worker: not initialised');
  const p = params as WorkerMethods['gradients']['params'];
  loadWeights(p.weightsVersion);
  const { loss, correct, embeddingRows } = net.computeGradients(p.ids, p.labels, p.batch, p.time, p.meanOver);
  net.denseGradients().forEach((g, i) => gradientViews[i].set(g));
  const { ids, rows } = net.embeddingGradient();
  sharedIds.set(ids);
  sharedRows.set(rows);
  net.discardEmbeddingGradient();
  return { loss, correct, rows: embeddingRows };
});

rpc.handle('predict', (params) => {
  if (!net) throw new Error('kernel worker: not initialised');
  const p = params as WorkerMethods['predict']['params'];
  loadWeights(p.weightsVersion);
  return { probs: net.predict(p.ids, p.batch, p.time) };
});
