/** The RPC helper over a webview's postMessage channel (the same helper as the engine channel). */
import * as vscode from 'vscode';
import { RpcEndpoint, type MethodTable } from '../shared/rpc';

/** An endpoint serving `Local` to the webview; disposed with the webview. */
export function webviewEndpoint<Local extends MethodTable>(webview: vscode.Webview, log: vscode.LogOutputChannel): RpcEndpoint<Local, Record<string, never>> {
  return new RpcEndpoint<Local, Record<string, never>>(
    {
      send: (message) => void webview.postMessage(message),
      listen: (listener) => {
        const sub = webview.onDidReceiveMessage(listener);
        return () => sub.dispose();
      },
    },
    (message) => log.warn(`[webview] ${message}`),
  );
}
