/** The typed channel over a webview's postMessage (the same helper as the engine channel). */
import * as vscode from 'vscode';
import { ChannelEndpoint, type ChannelSide } from '../shared/channel';
import { VIEW_SIDE, type ViewSide } from '../shared/webviewProtocol';

/** An endpoint serving `side` (UNROLLED_HOST_SIDE or STATES_HOST_SIDE) to the webview; closed with the webview. */
export function webviewEndpoint<Side extends ChannelSide>(webview: vscode.Webview, side: Side, log: vscode.LogOutputChannel): ChannelEndpoint<Side, ViewSide> {
  return new ChannelEndpoint(
    {
      send: (message) => void webview.postMessage(message),
      listen: (listener) => {
        const sub = webview.onDidReceiveMessage(listener);
        return () => sub.dispose();
      },
    },
    side,
    VIEW_SIDE,
    (message) => log.warn(`[webview] ${message}`),
    'the view',
  );
}
