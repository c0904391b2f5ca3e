/**
 * The webview side of the host channel: VS Code's webview API (postMessage, getState / setState)
 * wrapped in the project's typed channel, so a view calls `host.request('inspect', …)` like any other peer,
 * and every answer and event is checked against the host side's descriptor table before the view sees it.
 */
import { ChannelEndpoint, type ChannelSide } from '../../src/shared/channel';
import type { RpcMessage } from '../../src/shared/rpc';
import { VIEW_SIDE, type ViewSide } from '../../src/shared/webviewProtocol';

/** What `acquireVsCodeApi()` returns inside a VS Code webview. */
export interface VsCodeApi<State> {
  postMessage(message: unknown): void;
  getState(): State | undefined;
  setState(state: State): void;
}

declare function acquireVsCodeApi<State>(): VsCodeApi<State>;

/** The view's channel to the extension host and its persisted state. */
export interface HostConnection<Remote extends ChannelSide, State> {
  host: ChannelEndpoint<ViewSide, Remote>;
  api: VsCodeApi<State>;
}

let connection: HostConnection<ChannelSide, unknown> | undefined;

/**
 * Acquires the VS Code API once and opens the channel to `hostSide` (UNROLLED_HOST_SIDE or
 * STATES_HOST_SIDE) over postMessage / window 'message' events; later calls get the same connection.
 */
export function connectToHost<Remote extends ChannelSide, State>(hostSide: Remote): HostConnection<Remote, State> {
  if (connection) return connection as unknown as HostConnection<Remote, State>;
  const api = acquireVsCodeApi<State>();
  const host = new ChannelEndpoint(
    {
      send: (message: RpcMessage) => api.postMessage(message),
      listen: (listener) => {
        const onMessage = (event: MessageEvent) => listener(event.data);
        window.addEventListener('message', onMessage);
        return () => window.removeEventListener('message', onMessage);
      },
    },
    VIEW_SIDE,
    hostSide,
    (problem) => console.warn(`[rnn-lens] ${problem}`),
    'the extension host',
  );
  connection = { host, api } as unknown as HostConnection<ChannelSide, unknown>;
  return { host, api };
}
