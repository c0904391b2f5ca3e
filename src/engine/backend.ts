/**
 * Backend ladder: @tensorflow/tfjs-node-gpu (if installed and CUDA loads) → @tensorflow/tfjs-node
 * (if installed and its binding loads) → the bundled pure-JS tfjs on the cpu backend.
 * Neither native package is a dependency: they are looked up at run time beside the extension,
 * in the user's global modules, and in folders the user names.
 */
import * as tfc from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-cpu';
// What @tensorflow/tfjs's own index registers: gradients (training) and chained ops (tensor.flatten() etc., used by tfjs-layers).
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops';

/** The tfjs API the engine uses: the union namespace that @tensorflow/tfjs (and tfjs-node) exports. */
export type Tf = typeof import('@tensorflow/tfjs');

/** Which backend to use; 'auto' takes the fastest that loads. */
export type BackendPreference = 'auto' | 'tfjs-node-gpu' | 'tfjs-node' | 'cpu';

/** The tfjs instance chosen, its short name, and why faster ones were skipped. */
export interface TfRuntime {
  tf: Tf;
  backend: string;
  notes: string[];
}

type NativeName = '@tensorflow/tfjs-node-gpu' | '@tensorflow/tfjs-node';

function tryNative(name: NativeName, searchPaths: string[], notes: string[]): Tf | undefined {
  let resolved: string;
  try {
    resolved = require.resolve(name, { paths: searchPaths });
  } catch {
    notes.push(`${name}: not installed`);
    return undefined;
  }
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const tf = require(resolved) as Tf;
    if (tf.getBackend() !== 'tensorflow') {
      notes.push(`${name}: loaded but its backend is "${tf.getBackend()}", not "tensorflow"`);
      return undefined;
    }
    if (name === '@tensorflow/tfjs-node-gpu') {
      // The GPU build falls back to CPU silently when CUDA is missing: make sure a GPU answers.
      const probe = tf.tidy(() => tf.matMul(tf.ones([8, 8]), tf.ones([8, 8])).dataSync()[0]);
      if (probe !== 8) {
        notes.push(`${name}: a test matMul gave ${probe}`);
        return undefined;
      }
    }
    return tf;
  } catch (err) {
    notes.push(`${name}: installed at ${resolved} but failed to load: ${(err as Error).message.split('\n')[0]}`);
    return undefined;
  }
}

let bundled: Tf | undefined;

/** The bundled pure-JS tfjs (core + layers + cpu backend). */
export function bundledTf(): Tf {
  if (!bundled) {
    bundled = { ...tfc, ...tfl } as unknown as Tf;
    tfc.enableProdMode();
  }
  return bundled;
}

/** Picks the backend by the ladder. `searchPaths` are folders whose node_modules may hold the native packages. */
export async function loadTf(preference: BackendPreference, searchPaths: string[]): Promise<TfRuntime> {
  const notes: string[] = [];
  const ladder: NativeName[] =
    preference === 'auto'
      ? ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']
      : preference === 'cpu'
        ? []
        : [`@tensorflow/${preference}` as NativeName];
  for (const name of ladder) {
    const tf = tryNative(name, searchPaths, notes);
    if (tf) return { tf, backend: name.replace('@tensorflow/', ''), notes };
  }
  if (preference !== 'auto' && preference !== 'cpu') notes.push(`${preference} was asked for but could not be used; using the bundled cpu backend`);
  const tf = bundledTf();
  await tfc.setBackend('cpu');
  await tfc.ready();
  return { tf, backend: 'cpu', notes };
}
