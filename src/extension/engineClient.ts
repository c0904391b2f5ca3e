/**
 * Starts and supervises the engine child process and talks to it over the typed RPC. If the engine
 * dies, pending requests fail with a clear error, the user is told once, and the next request starts
 * a fresh engine.
 */
import { fork, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { ChannelEndpoint, type ParamsOf, type ProgressOfRequest, type ResultOf } from '../shared/channel';
import { ENGINE_ENV, ENGINE_NODE_FLAGS, ENGINE_SIDE, HOST_SIDE, type EngineInfo, type EngineSide, type HostSide } from '../shared/protocol';
import { RpcError, type RequestOptions } from '../shared/rpc';

type EngineRequests = EngineSide['requests'];
/** The host's end of the engine channel. */
type EngineChannel = ChannelEndpoint<HostSide, EngineSide>;

/** How the engine is started; read from settings each time it starts. */
export interface EngineLaunch {
  /** A Node.js binary chosen by the user (for native tfjs-node builds), or undefined for VS Code's own runtime. */
  nodePath?: string;
  backend: string;
  modulePaths: string[];
  /** Where training runs: 'auto' (the GPU when faster), 'gpu' or 'cpu' (rnnLens.engine.device). */
  device: string;
}

const READY_TIMEOUT_MS = 60_000;

/** The supervisor of the engine process. */
export class EngineClient implements vscode.Disposable {
  private proc: ChildProcess | undefined;
  private rpc: EngineChannel | undefined;
  private starting: Promise<EngineChannel> | undefined;
  private currentInfo: EngineInfo | undefined;
  private disposed = false;
  /** In-flight requests whose callers report an engine crash themselves. */
  private reporting = 0;
  private readonly infoEmitter = new vscode.EventEmitter<EngineInfo | undefined>();

  /** Fires when the engine starts (with its info) or stops (undefined). */
  readonly onDidChangeInfo = this.infoEmitter.event;

  constructor(
    private readonly extensionPath: string,
    private readonly log: vscode.LogOutputChannel,
    private readonly launch: () => EngineLaunch,
  ) {}

  /** The running engine's backend and runtime, if it is running. */
  get info(): EngineInfo | undefined {
    return this.currentInfo;
  }

  /** The engine's process id while it runs. */
  get pid(): number | undefined {
    return this.proc?.pid;
  }

  /**
   * Calls an engine method, starting the engine first if needed. With `reportsCrash`, the caller tells
   * the user itself when the engine dies under this request, so the engine's own warning is not shown
   * beside it (one notification for one event).
   */
  async request<M extends keyof EngineRequests & string>(
    method: M,
    params: ParamsOf<EngineRequests[M]>,
    options?: RequestOptions<ProgressOfRequest<EngineRequests[M]>> & { reportsCrash?: boolean },
  ): Promise<ResultOf<EngineRequests[M]>> {
    const rpc = await this.ensureStarted();
    if (!options?.reportsCrash) return rpc.request(method, params, options);
    this.reporting++;
    try {
      return await rpc.request(method, params, options);
    } finally {
      this.reporting--;
    }
  }

  /** Starts the engine if it is not running; resolves with its info. */
  async start(): Promise<EngineInfo> {
    await this.ensureStarted();
    return this.currentInfo!;
  }

  /** Stops the engine (the next request starts a new one). */
  stop(): void {
    const proc = this.proc;
    this.rpc?.close(new RpcError(vscode.l10n.t('The RNN Lens engine was stopped.'), 'engineStopped'));
    this.rpc = undefined;
    this.proc = undefined;
    this.starting = undefined;
    if (proc && proc.exitCode === null) proc.kill();
    if (this.currentInfo) {
      this.currentInfo = undefined;
      this.infoEmitter.fire(undefined);
    }
  }

  dispose(): void {
    this.disposed = true;
    this.stop();
    this.infoEmitter.dispose();
  }

  private ensureStarted(): Promise<EngineChannel> {
    if (this.disposed) return Promise.reject(new RpcError('RNN Lens is shutting down.', 'closed'));
    if (this.rpc && this.currentInfo) return Promise.resolve(this.rpc);
    if (!this.starting) {
      this.starting = this.spawn().catch((err) => {
        this.starting = undefined;
        throw err;
      });
    }
    return this.starting;
  }

  private resolveNode(nodePath: string | undefined): { execPath: string; env: NodeJS.ProcessEnv; runtime: string } {
    if (nodePath) {
      try {
        fs.accessSync(nodePath, fs.constants.X_OK);
        if (fs.statSync(nodePath).isFile()) return { execPath: nodePath, env: {}, runtime: nodePath };
        this.log.warn(`rnnLens.engine.nodePath "${nodePath}" is not a file; using VS Code's runtime instead.`);
      } catch {
        this.log.warn(`rnnLens.engine.nodePath "${nodePath}" is not an executable file; using VS Code's runtime instead.`);
      }
    }
    return { execPath: process.execPath, env: { ELECTRON_RUN_AS_NODE: '1' }, runtime: `${process.execPath} (VS Code's runtime)` };
  }

  private async spawn(): Promise<EngineChannel> {
    const launch = this.launch();
    const node = this.resolveNode(launch.nodePath);
    const script = path.join(this.extensionPath, 'dist', 'engine.js');
    this.log.info(`Starting the engine: ${node.runtime} ${script} (backend preference: ${launch.backend}, training device: ${launch.device})`);
    const proc = fork(script, [], {
      execPath: node.execPath,
      execArgv: [...process.execArgv, ...ENGINE_NODE_FLAGS],
      env: {
        ...process.env,
        ...node.env,
        [ENGINE_ENV.backend]: launch.backend,
        [ENGINE_ENV.modulePaths]: launch.modulePaths.join(path.delimiter),
        [ENGINE_ENV.device]: launch.device,
      },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      // Structured clone: typed arrays (captured states) cross as typed arrays.
      serialization: 'advanced',
    });
    this.proc = proc;
    const pipe = (stream: NodeJS.ReadableStream | null, level: 'info' | 'warn') => {
      let buffered = '';
      stream?.setEncoding('utf8');
      stream?.on('data', (chunk: string) => {
        buffered += chunk;
        const lines = buffered.split('\n');
        buffered = lines.pop() ?? '';
        for (const line of lines) if (line.trim()) this.log[level](`[engine] ${line}`);
      });
    };
    pipe(proc.stdout, 'info');
    pipe(proc.stderr, 'warn');

    const rpc: EngineChannel = new ChannelEndpoint(
      {
        send: (message) => {
          if (!proc.connected) throw new Error('the engine is not connected');
          proc.send(message);
        },
        listen: (listener) => {
          proc.on('message', listener);
          return () => proc.off('message', listener);
        },
      },
      HOST_SIDE,
      ENGINE_SIDE,
      (message) => this.log.warn(`[rpc] ${message}`),
      'the engine',
    );

    const ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new RpcError(vscode.l10n.t('The RNN Lens engine did not start within {0} seconds.', READY_TIMEOUT_MS / 1000), 'engineStart')), READY_TIMEOUT_MS);
      const stopListening = rpc.onEvent('ready', () => {
        clearTimeout(timer);
        stopListening();
        resolve();
      });
      proc.once('exit', () => clearTimeout(timer));
    });

    proc.once('error', (err) => this.log.error(`Engine process error: ${err.message}`));
    proc.once('exit', (code, signal) => this.onExit(proc, rpc, code, signal));

    await Promise.race([
      ready,
      new Promise<never>((_, reject) =>
        proc.once('exit', (code, signal) =>
          reject(new RpcError(vscode.l10n.t('The RNN Lens engine exited while starting ({0}). See the "RNN Lens" log.', signal ?? `exit code ${code}`), 'engineStart')),
        ),
      ),
    ]);
    const info = await rpc.request('hello', {}, { timeoutMs: 30_000 });
    this.rpc = rpc;
    this.currentInfo = info;
    this.starting = undefined;
    this.log.info(`Engine ready: pid ${info.pid}, ${info.runtime}, tfjs ${info.tfjsVersion}, backend ${info.backend}, recurrent kernels ${info.kernels}${info.gpu ? `, training GPU ${info.gpu}` : ''}`);
    for (const note of info.notes) this.log.info(`  backend ladder: ${note}`);
    this.infoEmitter.fire(info);
    return rpc;
  }

  private onExit(proc: ChildProcess, rpc: EngineChannel, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.proc !== proc) return; // an engine we already stopped on purpose
    const how = signal ? `signal ${signal}` : `exit code ${code}`;
    this.log.error(`The engine (pid ${proc.pid}) stopped unexpectedly (${how}).`);
    rpc.close(new RpcError(vscode.l10n.t('The RNN Lens engine stopped unexpectedly ({0}); it restarts on the next request.', how), 'engineCrashed'));
    this.proc = undefined;
    this.rpc = undefined;
    this.starting = undefined;
    this.currentInfo = undefined;
    this.infoEmitter.fire(undefined);
    // A request whose caller reports the crash itself is rejected just above: its message is the one shown.
    if (!this.disposed && this.reporting === 0) {
      void vscode.window.showWarningMessage(
        vscode.l10n.t('The RNN Lens engine stopped unexpectedly ({0}). It restarts by itself on the next request; your models are safe.', how),
      );
    }
  }
}
