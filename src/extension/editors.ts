/**
 * The text editor the user works in. A focused webview (the unrolled view, the Hidden States panel)
 * leaves VS Code with no active text editor, so the views and the commands they run follow the last
 * active one while it is still visible.
 */
import * as vscode from 'vscode';

/** Tracks the last active text editor. */
export class EditorTracker implements vscode.Disposable {
  private last: vscode.TextEditor | undefined = vscode.window.activeTextEditor;
  private readonly subscription = vscode.window.onDidChangeActiveTextEditor((editor) => {
    if (editor) this.last = editor;
  });

  /** The active text editor, else the last active one still visible (focus is in a view), else a visible one. */
  followed(): vscode.TextEditor | undefined {
    const visible = vscode.window.visibleTextEditors.filter((e) => e.document.uri.scheme !== 'output');
    const last = this.last;
    return vscode.window.activeTextEditor ?? (last && (visible.find((e) => e === last) ?? visible.find((e) => e.document === last.document))) ?? visible[0];
  }

  dispose(): void {
    this.subscription.dispose();
  }
}
