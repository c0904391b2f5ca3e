/**
 * The views' translations: the host sends VS Code's l10n bundle (vscode.l10n.bundle) with `ready`, and
 * the view loads it before building any element, so every `l10n.t` call finds it.
 */
import * as l10n from '@vscode/l10n';

/** Loads the host's bundle when it is a table of strings; nothing to do for English (no bundle). */
export function useBundle(bundle: unknown): void {
  if (!bundle || typeof bundle !== 'object' || Array.isArray(bundle)) return;
  const contents: Record<string, string> = {};
  for (const [key, value] of Object.entries(bundle)) if (typeof value === 'string') contents[key] = value;
  l10n.config({ contents });
}

/** Shows a line while the view waits for `ready` (the bundle is not there yet, so it is in English). */
export function showWaiting(): void {
  document.getElementById('app')?.replaceChildren(Object.assign(document.createElement('div'), { className: 'status-line', textContent: l10n.t('Waiting for the extension…') }));
}
