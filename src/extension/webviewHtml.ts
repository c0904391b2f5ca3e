/** The HTML of a webview: strict CSP (nonce scripts, resources only from the extension), the built script and styles. */
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';

/** Resource roots of every webview: the built scripts and the media folder, nothing else. */
export function webviewRoots(extensionUri: vscode.Uri): vscode.Uri[] {
  return [vscode.Uri.joinPath(extensionUri, 'dist'), vscode.Uri.joinPath(extensionUri, 'media')];
}

/** Webview options shared by the panel and the side view. */
export function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions {
  return { enableScripts: true, localResourceRoots: webviewRoots(extensionUri) };
}

/** The page for webview `name` (dist/webview/<name>.js, media/<name>.css). */
export function webviewHtml(webview: vscode.Webview, extensionUri: vscode.Uri, name: 'unrolled' | 'states' | 'training', title: string): string {
  const nonce = randomBytes(16).toString('base64');
  const media = (file: string) => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'media', file)).toString();
  const script = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview', `${name}.js`)).toString();
  // @vscode-elements finds the codicon font by this id (dist/codicons is copied from @vscode/codicons at build time).
  const codicons = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'codicons', 'codicon.css')).toString();
  const csp = [
    "default-src 'none'",
    `img-src ${webview.cspSource} data:`,
    `style-src ${webview.cspSource} 'nonce-${nonce}'`,
    `font-src ${webview.cspSource}`,
    // The unrolled view compiles the WebAssembly kernels it reads keystrokes with (no eval of scripts).
    `script-src 'nonce-${nonce}'${name === 'unrolled' ? " 'wasm-unsafe-eval'" : ''}`,
  ].join('; ');
  return `<!DOCTYPE html><html lang="${vscode.env.language || 'en'}"><head><meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp};">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" id="vscode-codicon-stylesheet" href="${codicons}" nonce="${nonce}">
<link rel="stylesheet" href="${media('webview-common.css')}"><link rel="stylesheet" href="${media(`${name}.css`)}">
<title>${title.replace(/[<>&"]/g, '')}</title></head>
<body><div id="app" role="application"></div>
<script nonce="${nonce}" src="${script}"></script></body></html>`;
}
