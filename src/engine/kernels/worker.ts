/**
 * The kernel worker: runs forward/backward on its share of each batch with its own WebAssembly
 * instance on the training thread's memory (its spare region), gathering from that thread's embedding
 * table and copying its other weights when they changed; the training thread reads the worker's
 * gradients in place. After `init` it waits in a command loop on shared memory (spinning briefly, then
 * in Atomics.wait): a step costs two shared-memory signals, no message and no event-loop turn.
 */
import { parentPort } from 'node:worker_threads';
import { ChannelEndpoint } from '../../shared/channel';
import { createNet } from './createNet';
import type { RecurrentNet } from '../../core/network';
import { channelViews, Command, MESSAGE_BYTES, rebase, spinWhile, threadTransport, TRAINER_SIDE, Word, WORKER_SIDE, type Channel } from './parallelProtocol';

interface State {
  net: RecurrentNet;
  channel: Channel;
  weights: Float32Array[];
  /** The revision of the training thread's weights this worker's network holds. */
  loadedVersion: number;
}

let state: State | undefined;

/** Copies the training thread's weights in when they changed since the last copy. */
function loadWeights(s: State, version: number): void {
  if (version === s.loadedVersion) return;
  s.net.setWeightsExceptEmbedding(s.weights);
  s.loadedVersion = version;
}

/** Runs one command from the control words. */
function run(s: State, kind: number): void {
  const ch = s.channel;
  const c = ch.control;
  const batch = c[Word.batch];
  const time = c[Word.time];
  if (kind === Command.gradients) {
    loadWeights(s, c[Word.weightsVersion]);
    const { loss, correct, embeddingRows } = s.net.computeGradients(ch.ids.subarray(0, batch * time), ch.labels.subarray(0, batch), batch, time, c[Word.meanOver]);
    // The gradients stay where they are: the training thread reads them in place.
    ch.embeddingIds.set(s.net.embeddingGradient().ids);
    s.net.discardEmbeddingGradient();
    ch.loss[0] = loss;
    c[Word.correct] = correct;
    c[Word.rows] = embeddingRows;
  } else if (kind === Command.predict) {
    loadWeights(s, c[Word.weightsVersion]);
    ch.probs.set(s.net.predict(ch.ids.subarray(0, batch * time), batch, time));
  } else {
    throw new Error(`unknown command ${kind}`);
  }
}

/** Waits for commands and runs them until a stop command. */
function serve(s: State): void {
  const c = s.channel.control;
  let handled = Atomics.load(c, Word.done);
  for (;;) {
    while (spinWhile(c, Word.seq, handled) === handled) Atomics.wait(c, Word.seq, handled);
    const seq = Atomics.load(c, Word.seq);
    const kind = c[Word.kind];
    c[Word.failed] = 0;
    if (kind !== Command.stop) {
      try {
        run(s, kind);
      } catch (err) {
        const bytes = new TextEncoder().encode(String((err as Error)?.message ?? err)).subarray(0, MESSAGE_BYTES);
        s.channel.message.set(bytes);
        c[Word.messageLength] = bytes.length;
        c[Word.failed] = 1;
      }
    }
    handled = seq;
    Atomics.store(c, Word.done, seq);
    Atomics.notify(c, Word.done);
    if (kind === Command.stop) return;
  }
}

if (!parentPort) throw new Error('kernel worker: no parent port');
const port = parentPort;
const rpc = new ChannelEndpoint(threadTransport(port), WORKER_SIDE, TRAINER_SIDE, (message) => console.error(`[kernel worker] ${message}`), 'the training thread');

rpc.handle('init', async (p) => {
  const b = p.buffers;
  // The training thread's table, seen through this thread's object for the memory (so the kernels gather from it).
  const base = p.memory instanceof SharedArrayBuffer ? p.memory : p.memory.buffer;
  const embedding = rebase(b.embedding, base);
  const net = await createNet(p.config, { maxBatch: p.maxBatch, maxTime: p.maxTime, embedding, kernelMemory: { attach: { memory: p.memory, at: p.at, name: p.kernels } } });
  state = { net, channel: channelViews(b), weights: b.weights, loadedVersion: -1 };
  return { kernels: net.kernelName, gradients: net.denseGradients(), embeddingRows: net.embeddingRowBuffer() };
});

rpc.handle('serve', () => {
  if (!state) throw new Error('kernel worker: not initialised');
  serve(state);
  return {};
});
