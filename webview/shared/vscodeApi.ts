/**
 * The webview side of the host channel: VS Code's webview API (postMessage, getState / setState)
 * wrapped in the project's RPC helper, so a view calls `host.request('inspect', …)` like any other peer.
 */
import { RpcEndpoint, type MethodTable, type RpcMessage } from '../../src/shared/rpc';

/** What `acquireVsCodeApi()` returns inside a VS Code webview. */
export interface VsCodeApi<State> {
  postMessage(message: unknown): void;
  getState(): State | undefined;
  setState(state: State): void;
}

declare function acquireVsCodeApi<State>(): VsCodeApi<State>;

/** The view's channel to the extension host and its persisted state. */
export interface HostConnection<Remote extends MethodTable, State> {
  host: RpcEndpoint<Record<string, never>, Remote>;
  api: VsCodeApi<State>;
}

let connection: HostConnection<MethodTable, unknown> | undefined;

/** Acquires the VS Code API once and opens the RPC endpoint over postMessage / window 'message' events; later calls get the same connection. */
export function connectToHost<Remote extends MethodTable, State>(): HostConnection<Remote, State> {
  if (connection) return connection as unknown as HostConnection<Remote, State>;
  const api = acquireVsCodeApi<State>();
  const host = new RpcEndpoint<Record<string, never>, Remote>(
    {
      send: (message: RpcMessage) => api.postMessage(message),
      listen: (listener) => {
        const onMessage = (event: MessageEvent) => listener(event.data);
        window.addEventListener('message', onMessage);
        return () => window.removeEventListener('message', onMessage);
      },
    },
    (problem) => console.warn(`[rnn-lens] ${problem}`),
  );
  connection = { host, api } as unknown as HostConnection<MethodTable, unknown>;
  return { host, api };
}
