/**
 * The side panel's models section: every saved model with its metrics, and buttons to make it
 * active, reveal its files and delete it (the host asks for confirmation); the buttons carry the
 * codicons VS Code uses for these actions.
 */
import * as l10n from '@vscode/l10n';
import type { ModelListItem } from '../../src/shared/webviewProtocol';
import { el } from '../shared/dom';
import { pct } from '../shared/format';

/** What a button asks the host to do. */
export type ModelAction = 'setActive' | 'revealModel' | 'deleteModel';

/** A creation time as YYYY-MM-DD HH:MM in local time (the raw text when it does not parse). */
export function formatCreated(created: string): string {
  const d = new Date(created);
  if (Number.isNaN(d.getTime())) return created;
  const two = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}`;
}

/** The models list component. */
export class ModelsList {
  readonly element: HTMLElement;
  private readonly list: HTMLElement;
  private readonly empty: HTMLElement;

  constructor(private readonly act: (action: ModelAction, name: string, button: HTMLElement) => void) {
    this.list = el('div', { class: 'models', role: 'list', 'aria-label': l10n.t('Saved models') });
    this.empty = el('p', { class: 'empty-state', text: l10n.t('No saved models yet. Select labelled lines in an editor and run “RNN: Train RNN on selection”.') });
    this.element = el('div', { class: 'models-body' }, this.list, this.empty);
  }

  /** Shows the models. */
  show(models: ModelListItem[]): void {
    this.empty.hidden = models.length > 0;
    this.list.replaceChildren(...models.map((m) => this.item(m)));
  }

  private item(m: ModelListItem): HTMLElement {
    const metrics = [
      // The test split's accuracy (read once with the chosen weights); older models have none.
      m.accuracy === undefined ? l10n.t('no test split') : l10n.t('test accuracy {0}', pct(m.accuracy)),
      l10n.t('classes: {0}', m.classes.join(', ')),
      l10n.t('created {0}', formatCreated(m.created)),
    ];
    const button = (action: ModelAction, icon: string, text: string, label: string, disabled = false) => {
      const b = el('vscode-button', { secondary: true, icon, 'data-action': action, 'aria-label': label, title: label, text, disabled });
      b.addEventListener('click', () => {
        if (!b.hasAttribute('disabled')) this.act(action, m.name, b);
      });
      return b;
    };
    const head = el('div', { class: 'model-head' }, el('span', { class: 'model-name', text: m.name }));
    if (m.active) head.append(el('vscode-badge', { class: 'active-badge', text: l10n.t('active') }));
    return el(
      'div',
      {
        class: m.active ? 'model-item active' : 'model-item',
        role: 'listitem',
        'data-name': m.name,
        'aria-label': m.active ? l10n.t('{0} (active): {1}; {2}', m.name, m.description, metrics.join('; ')) : l10n.t('{0}: {1}; {2}', m.name, m.description, metrics.join('; ')),
      },
      head,
      el('div', { class: 'model-desc', text: m.description }),
      el('div', { class: 'model-metrics', text: metrics.join(' · ') }),
      el(
        'div',
        { class: 'model-actions' },
        button('setActive', m.active ? 'pass-filled' : 'pass', m.active ? l10n.t('Active') : l10n.t('Set active'), m.active ? l10n.t('{0} is the active model', m.name) : l10n.t('Make {0} the active model', m.name), m.active),
        button('revealModel', 'folder-opened', l10n.t('Reveal files'), l10n.t('Reveal the files of {0}', m.name)),
        button('deleteModel', 'trash', l10n.t('Delete…'), l10n.t('Delete {0}', m.name)),
      ),
    );
  }
}
