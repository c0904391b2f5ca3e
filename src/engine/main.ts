/**
 * The engine child process: picks the tfjs backend, then serves ENGINE_SIDE's requests over the IPC
 * channel of child_process.fork (checked on arrival by the channel); errors go back as values.
 */
import * as path from 'node:path';
import { ChannelEndpoint } from '../shared/channel';
import { ENGINE_ENV, ENGINE_SIDE, HOST_SIDE, type EngineInfo } from '../shared/protocol';
import type { RpcTransport } from '../shared/rpc';
import { loadTf, type BackendPreference } from './backend';
import { EngineService } from './service';

function processTransport(): RpcTransport {
  return {
    send: (message) => {
      process.send!(message);
    },
    listen: (listener) => {
      process.on('message', listener);
      return () => process.off('message', listener);
    },
  };
}

async function main(): Promise<void> {
  if (!process.send) {
    console.error('dist/engine.js is the RNN Lens engine; it is started by the extension. Use bin/rnn-lens.js on the command line.');
    process.exit(2);
  }
  const preference = (process.env[ENGINE_ENV.backend] ?? 'auto') as BackendPreference;
  const extra = (process.env[ENGINE_ENV.modulePaths] ?? '').split(path.delimiter).filter(Boolean);
  const runtime = await loadTf(preference, [...extra, path.resolve(__dirname, '..')]);
  const service = new EngineService(runtime);
  const rpc = new ChannelEndpoint(processTransport(), ENGINE_SIDE, HOST_SIDE, (message) => console.error(`[rpc] ${message}`), 'the host');

  rpc.handle('hello', async (): Promise<EngineInfo> => ({
    pid: process.pid,
    runtime: `${process.versions.electron ? `Electron ${process.versions.electron} ` : ''}Node.js ${process.version}`,
    tfjsVersion: runtime.tf.version_core,
    backend: await service.backendLabel(),
    kernels: await service.kernels(),
    gpu: await service.gpuLabel(),
    notes: await service.notes(),
  }));
  rpc.handle('parse', (p) => service.parse(p.text, p.options, p.split));
  rpc.handle('train', (p, ctx) => service.train(p, ctx.signal, ctx.progress));
  rpc.handle('predict', (p) => service.predict(p.modelDir, p.texts));
  rpc.handle('inspect', (p) => service.inspect(p.modelDir, p.text));
  rpc.handle('inspectUnrolled', (p) => service.inspectUnrolled(p.modelDir, p.text, p.focus));
  rpc.handle('readerModel', (p) => service.readerModel(p.modelDir));
  rpc.handle('unload', (p) => {
    service.forget(p.modelDir);
    return {};
  });

  // The host went away: nothing is left to serve.
  process.on('disconnect', () => process.exit(0));
  rpc.emit('ready', { pid: process.pid, backend: runtime.backend });
}

main().catch((err) => {
  console.error(`RNN Lens engine failed to start: ${(err as Error)?.stack ?? err}`);
  process.exit(1);
});
