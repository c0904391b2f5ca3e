/**
 * Reads one sentence with a saved model on our own forward pass with capture: tokens with their
 * offsets, h / c / gates / pre-activations per token for every layer and direction, the final class
 * probabilities, and the running prediction (what the classifier says if the sentence ended after each
 * token). Numbers equal tfjs-layers' on the same weights (see test/unit/network.test.ts).
 */
import { CELL_SPECS } from './cells';
import { compactInspection, type InspectedDirection, type InspectFocus, type Inspection, type UnrolledInspection } from './inspect';
import { OOV_ID, tokenize, tokenizeWithOffsets, type TokenizerOptions, type Vocab } from './tokenizer';
import type { Kernels } from './kernels/contract';
import { RecurrentNet, type NetConfig } from './network';

/** What the Inspector reads of a saved model's metadata (the engine's ModelMetadata has all of it). */
export interface InspectorMetadata {
  name: string;
  classes: string[];
  tokenizer: TokenizerOptions;
  config: Pick<NetConfig, 'cell' | 'embeddingSize' | 'hiddenSize' | 'layers' | 'bidirectional'> & {
    tokenization: 'word' | 'char';
    maxLength: number;
    learningRate: number;
    seed: number;
  };
}

/** What an Inspector reads with: the model's metadata, its vocabulary and its weights in tfjs-layers getWeights() order. */
export interface InspectorModel {
  metadata: InspectorMetadata;
  vocab: Vocab;
  weights: ArrayLike<number>[];
}

/** The longest sentence the views inspect (tokens); longer text is cut and flagged. */
export const MAX_INSPECT_TOKENS = 400;
/** Prefixes per batch when the running prediction needs whole re-reads (bidirectional models). */
const PREFIX_BATCH = 16;

/**
 * A saved model ready for inspection: its tfjs weights copied into our network. The running prediction
 * after token t depends only on tokens 0..t, so the rows of the last sentence's running prediction are
 * kept and reused for the prefix a new sentence shares with it: typing at the end re-reads nothing.
 */
export class Inspector {
  /** The ids of the last inspected sentence and its running prediction ([T, classes]), for prefix reuse. */
  private lastIds = new Int32Array(0);
  private lastRunning = new Float32Array(0);
  /** Prefixes re-read by the last inspect (for tests and the benchmark). */
  lastRereads = 0;

  private constructor(
    private readonly loaded: InspectorModel,
    private readonly net: RecurrentNet,
    private readonly maxTokens: number,
  ) {}

  /**
   * Builds the network for a model on kernels from `makeKernels` (nodeKernels() in the engine; the
   * unrolled view's page loads its own). Runs anywhere: nothing here needs Node.
   */
  static async create(loaded: InspectorModel, makeKernels: (capacityFloats: number) => Kernels | Promise<Kernels>): Promise<Inspector> {
    const { config, classes } = loaded.metadata;
    const maxTokens = Math.min(config.maxLength, MAX_INSPECT_TOKENS);
    const net = await RecurrentNet.withKernels(
      {
        cell: config.cell,
        vocabSize: loaded.vocab.size,
        embeddingSize: config.embeddingSize,
        hiddenSize: config.hiddenSize,
        layers: config.layers,
        bidirectional: config.bidirectional,
        classes: classes.length,
        learningRate: config.learningRate,
        seed: config.seed,
      },
      // Room for PREFIX_BATCH prefixes of the views' longest sentence, and for predict's one text of maxLength tokens.
      { maxBatch: PREFIX_BATCH, maxTime: Math.max(maxTokens, Math.ceil(config.maxLength / PREFIX_BATCH)) },
      makeKernels,
    );
    net.setWeights(loaded.weights);
    return new Inspector(loaded, net, maxTokens);
  }

  /**
   * The class probabilities of each text, read alone on the same network and kernels as inspect()
   * (hover and the CLI's predict): up to the model's maxLength tokens; a text with no token reads as one
   * unknown token. For a text within the views' token limit the numbers are inspect()'s, bit for bit.
   */
  predict(texts: readonly string[]): { probabilities: Float32Array; tokenCount: number }[] {
    const { metadata, vocab } = this.loaded;
    return texts.map((text) => {
      const ids = vocab.encode(tokenize(text, metadata.tokenizer));
      const read = ids.length > 0 ? ids : Int32Array.of(OOV_ID);
      return { probabilities: this.net.predict(read, 1, read.length), tokenCount: ids.length };
    });
  }

  /** Captures everything for `text` (an empty text gives no tokens and the model's prior for an unknown token). */
  inspect(text: string): Inspection {
    return this.read(text, false);
  }

  /**
   * Reads `text`. With `views`, the per-token arrays of the result are views into the network's
   * buffers, valid until its next call: for callers that copy what they keep at once (inspectUnrolled).
   */
  private read(text: string, views: boolean): Inspection {
    const started = performance.now();
    const { metadata, vocab } = this.loaded;
    const { config, classes } = metadata;
    const all = tokenizeWithOffsets(text, { ...metadata.tokenizer, maxLength: Number.MAX_SAFE_INTEGER });
    const spans = all.slice(0, this.maxTokens);
    const T = spans.length;
    const ids = Int32Array.from(spans, (s) => Math.max(1, vocab.id(s.token)));
    const tokens = spans.map((s, i) => ({ text: s.token, id: ids[i], known: ids[i] > 1, start: s.start, end: s.end }));
    const C = classes.length;
    const H = config.hiddenSize;
    let directions: InspectedDirection[] = [];
    let probabilities: number[];
    const running = new Float32Array(T * C);
    if (T === 0) {
      probabilities = Array.from(this.net.predict(Int32Array.of(1), 1, 1));
      for (let layer = 0; layer < config.layers; layer++) {
        for (const direction of config.bidirectional ? (['forward', 'backward'] as const) : (['forward'] as const)) {
          directions.push({ layer, direction, h: new Float32Array(0), c: CELL_SPECS[config.cell].hasCellState ? new Float32Array(0) : undefined, gates: new Float32Array(0), pre: new Float32Array(0) });
        }
      }
    } else {
      if (config.bidirectional) {
        // The backward direction reads each prefix from its own end: re-read, in batches, the prefixes
        // this sentence does not share with the last one (before the capture, which the re-reads'
        // buffers would overwrite); the whole sentence's is the final prediction.
        let shared = 0;
        const limit = Math.min(T, this.lastIds.length);
        while (shared < limit && this.lastIds[shared] === ids[shared]) shared++;
        shared = Math.min(shared, T - 1);
        running.set(this.lastRunning.subarray(0, shared * C));
        this.lastRereads = T - 1 - shared;
        for (let from = shared; from < T - 1; from += PREFIX_BATCH) {
          const rows = Math.min(PREFIX_BATCH, T - 1 - from);
          const time = from + rows;
          const batch = new Int32Array(rows * time);
          for (let r = 0; r < rows; r++) batch.set(ids.subarray(0, from + r + 1), r * time);
          running.set(this.net.predict(batch, rows, time), from * C);
        }
      }
      const captured = this.net.inspect(ids, 1, T, views);
      probabilities = Array.from(captured.probs);
      directions = captured.directions.map((d) => ({ layer: d.layer, direction: d.direction, h: d.h, c: d.c, gates: d.gates, pre: d.preactivations }));
      if (config.bidirectional) {
        running.set(captured.probs.subarray(0, C), (T - 1) * C);
      } else {
        // With one direction, the prediction after token t is the classifier applied to the top layer's h_t.
        const top = directions[directions.length - 1].h;
        const w = this.net.denseW;
        const b = this.net.denseB;
        for (let t = 0; t < T; t++) {
          let max = -Infinity;
          for (let c = 0; c < C; c++) {
            let z = b[c];
            for (let j = 0; j < H; j++) z += top[t * H + j] * w[j * C + c];
            running[t * C + c] = z;
            max = Math.max(max, z);
          }
          let sum = 0;
          for (let c = 0; c < C; c++) sum += running[t * C + c] = Math.exp(running[t * C + c] - max);
          for (let c = 0; c < C; c++) running[t * C + c] /= sum;
        }
      }
      this.lastIds = ids;
      this.lastRunning = running.slice();
    }
    return {
      model: {
        name: metadata.name,
        cell: config.cell,
        layers: config.layers,
        bidirectional: config.bidirectional,
        hiddenSize: H,
        embeddingSize: config.embeddingSize,
        tokenization: config.tokenization,
        classes,
      },
      text,
      tokens,
      directions,
      probabilities,
      running,
      engineMs: performance.now() - started,
      truncated: all.length > spans.length,
    };
  }

  /** The unrolled view's reading of `text`: the strips quantised, exact values for the focused cell and unit (see compactInspection). */
  inspectUnrolled(text: string, focus: InspectFocus): UnrolledInspection {
    // compactInspection copies everything it keeps, so the capture can stay in the network's buffers.
    const full = this.read(text, true);
    const started = performance.now();
    const answer = compactInspection(full, focus);
    answer.engineMs = full.engineMs + (performance.now() - started);
    return answer;
  }

  /** Copies of the weights, in tfjs-layers getWeights() order. */
  weights(): Float32Array[] {
    return this.net.getWeights();
  }

  /** Frees the network. */
  dispose(): void {
    this.net.dispose();
  }
}
