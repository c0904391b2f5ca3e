/**
 * Entry of the training panel: asks the host for its start (which brings the l10n bundle), loads the
 * translations, then loads the panel (./panel), whose elements are created with translated strings.
 */
import { TRAINING_HOST_SIDE } from '../../src/shared/webviewProtocol';
import { showWaiting, useBundle } from '../shared/localize';
import { connectToHost } from '../shared/vscodeApi';

const { host } = connectToHost(TRAINING_HOST_SIDE);
showWaiting();
// The panel module builds its elements when it is evaluated: import it only once the bundle is loaded.
host.request('ready', {}).then(
  async (result) => {
    useBundle(result.l10n);
    (await import('./panel')).start({ result });
  },
  async (error: unknown) => (await import('./panel')).start({ error }),
);
