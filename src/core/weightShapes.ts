/**
 * The weights of our classifier (Embedding → recurrent layers → Dense) in tfjs-layers getWeights()
 * order and layout: the engine's network lays its buffers out by them, the host and the unrolled view
 * check the weights they are sent against them.
 */
import { gateCount, type CellKind } from './cells';

/** The sizes that fix the weights' shapes. */
export interface ClassifierShape {
  cell: CellKind;
  vocabSize: number;
  embeddingSize: number;
  hiddenSize: number;
  layers: number;
  bidirectional: boolean;
  classes: number;
}

/** The embedding [V, E]; per layer and direction kernel [in, G·H], recurrent kernel [H, G·H], bias [G·H]; the dense kernel and bias. */
export function weightShapes(s: ClassifierShape): number[][] {
  const H = s.hiddenSize;
  const G = gateCount(s.cell);
  const dirs = s.bidirectional ? 2 : 1;
  const shapes: number[][] = [[s.vocabSize, s.embeddingSize]];
  for (let layer = 0; layer < s.layers; layer++) {
    const input = layer === 0 ? s.embeddingSize : dirs * H;
    for (let d = 0; d < dirs; d++) shapes.push([input, G * H], [H, G * H], [G * H]);
  }
  shapes.push([dirs * H, s.classes], [s.classes]);
  return shapes;
}

/** How many values a shape holds. */
export function shapeSize(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}
