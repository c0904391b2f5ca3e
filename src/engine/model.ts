/** Builds the classifier: Embedding (mask zero) → recurrent layers (stacked, optionally bidirectional) → Dense softmax. */
import { CELL_SPECS } from '../core/cells';
import type { ModelConfig } from '../shared/config';
import type { Tf } from './backend';
import { fastOrthogonal } from './orthogonal';

type LayersModel = import('@tensorflow/tfjs').LayersModel;


/** Creates an untrained model. Seeds make initial weights repeatable. */
export function buildClassifier(tf: Tf, config: ModelConfig, vocabSize: number, classCount: number): LayersModel {
  let seed = config.seed;
  const nextSeed = () => seed++;
  const input = tf.input({ shape: [null], dtype: 'int32', name: 'token_ids' });
  let x = tf.layers
    .embedding({
      inputDim: vocabSize,
      outputDim: config.embeddingSize,
      maskZero: true,
      embeddingsInitializer: tf.initializers.randomUniform({ minval: -0.05, maxval: 0.05, seed: nextSeed() }),
      name: 'embedding',
    })
    .apply(input) as import('@tensorflow/tfjs').SymbolicTensor;
  for (let layer = 0; layer < config.layers; layer++) {
    const last = layer === config.layers - 1;
    const make = (suffix: string) => {
      const common = {
        units: config.hiddenSize,
        returnSequences: !last,
        kernelInitializer: tf.initializers.glorotUniform({ seed: nextSeed() }),
        recurrentInitializer: fastOrthogonal(tf, { seed: nextSeed(), gain: 1 }),
        biasInitializer: 'zeros' as const,
        // Keras-style layer names, so saved models read naturally in model.json.
        name: `${CELL_SPECS[config.cell].layerPrefix}_${layer + 1}${suffix}`,
      };
      switch (config.cell) {
        case 'lstm':
          return tf.layers.lstm({ ...common, activation: 'tanh', recurrentActivation: 'sigmoid', unitForgetBias: true });
        case 'gru':
          return tf.layers.gru({ ...common, activation: 'tanh', recurrentActivation: 'sigmoid', resetAfter: false } as never);
        case 'simplernn':
          return tf.layers.simpleRNN({ ...common, activation: 'tanh' });
      }
    };
    const rnn = config.bidirectional
      ? tf.layers.bidirectional({ layer: make('') as never, mergeMode: 'concat', name: `bidirectional_${layer + 1}` })
      : make('');
    x = rnn.apply(x) as import('@tensorflow/tfjs').SymbolicTensor;
  }
  const output = tf.layers
    .dense({
      units: classCount,
      activation: 'softmax',
      kernelInitializer: tf.initializers.glorotUniform({ seed: nextSeed() }),
      name: 'classifier',
    })
    .apply(x) as import('@tensorflow/tfjs').SymbolicTensor;
  return tf.model({ inputs: input, outputs: output, name: 'rnn_lens_classifier' });
}
