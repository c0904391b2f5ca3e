/**
 * The engine child process: picks the tfjs backend, then serves EngineMethods over the IPC channel
 * of child_process.fork. Every request is checked on arrival; errors go back as values.
 */
import * as path from 'node:path';
import { checkParams, ENGINE_ENV, engineParamSchemas, type EngineInfo, type EngineMethods, type HostMethods } from '../shared/protocol';
import { RpcEndpoint, type RpcTransport } from '../shared/rpc';
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
  const rpc = new RpcEndpoint<EngineMethods, HostMethods>(processTransport(), (message) => console.error(`[rpc] ${message}`));

  rpc.handle('hello', async (params): Promise<EngineInfo> => {
    checkParams(engineParamSchemas.hello, params, 'hello');
    return {
      pid: process.pid,
      runtime: `${process.versions.electron ? `Electron ${process.versions.electron} ` : ''}Node.js ${process.version}`,
      tfjsVersion: runtime.tf.version_core,
      backend: await service.backendLabel(),
      kernels: await service.kernels(),
      notes: runtime.notes,
    };
  });
  rpc.handle('parse', (params) => {
    const p = checkParams(engineParamSchemas.parse, params, 'parse');
    return service.parse(p.text, p.options);
  });
  rpc.handle('train', (params, ctx) => {
    const p = checkParams(engineParamSchemas.train, params, 'train');
    return service.train(p, ctx.signal, ctx.progress);
  });
  rpc.handle('predict', (params) => {
    const p = checkParams(engineParamSchemas.predict, params, 'predict');
    return service.predict(p.modelDir, p.texts);
  });
  rpc.handle('inspect', (params) => {
    const p = checkParams(engineParamSchemas.inspect, params, 'inspect');
    return service.inspect(p.modelDir, p.text);
  });
  rpc.handle('inspectUnrolled', (params) => {
    const p = checkParams(engineParamSchemas.inspectUnrolled, params, 'inspectUnrolled');
    return service.inspectUnrolled(p.modelDir, p.text, p.focus);
  });
  rpc.handle('readerModel', (params) => {
    const p = checkParams(engineParamSchemas.readerModel, params, 'readerModel');
    return service.readerModel(p.modelDir);
  });
  rpc.handle('unload', (params) => {
    const p = checkParams(engineParamSchemas.unload, params, 'unload');
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
