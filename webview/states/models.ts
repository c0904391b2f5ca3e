/**
 * The side panel's models section: every saved model with its metrics, and buttons to make it
 * active, reveal its files and delete it (the host asks for confirmation).
 */
import type { ModelListItem } from '../../src/shared/webviewProtocol';
import { el } from '../shared/dom';
import { pct } from '../shared/format';

/** What a button asks the host to do. */
export type ModelAction = 'setActive' | 'revealModel' | 'deleteModel';

/** Checks a model list from the host; returns the valid items. */
export function acceptModels(value: unknown): ModelListItem[] {
  if (!Array.isArray(value)) return [];
  return value.filter(
    (m): m is ModelListItem =>
      !!m &&
      typeof m === 'object' &&
      typeof m.name === 'string' &&
      m.name.length > 0 &&
      typeof m.description === 'string' &&
      Array.isArray(m.classes) &&
      m.classes.every((c: unknown) => typeof c === 'string') &&
      (m.accuracy === undefined || (typeof m.accuracy === 'number' && Number.isFinite(m.accuracy))) &&
      typeof m.created === 'string' &&
      typeof m.active === 'boolean',
  );
}

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
    this.list = el('div', { class: 'models', role: 'list', 'aria-label': 'Saved models' });
    this.empty = el('p', { class: 'empty-state', text: 'No saved models yet. Select labelled lines in an editor and run “RNN: Train RNN on selection”.' });
    this.element = el('div', { class: 'models-body' }, this.list, this.empty);
  }

  /** Shows the models. */
  show(models: ModelListItem[]): void {
    this.empty.hidden = models.length > 0;
    this.list.replaceChildren(...models.map((m) => this.item(m)));
  }

  private item(m: ModelListItem): HTMLElement {
    const metrics = [m.accuracy === undefined ? 'no validation split' : `accuracy ${pct(m.accuracy)}`, `classes: ${m.classes.join(', ')}`, `created ${formatCreated(m.created)}`];
    const button = (action: ModelAction, text: string, label: string, disabled = false) => {
      const b = el('vscode-button', { secondary: true, 'data-action': action, 'aria-label': label, text, disabled });
      b.addEventListener('click', () => {
        if (!b.hasAttribute('disabled')) this.act(action, m.name, b);
      });
      return b;
    };
    const head = el('div', { class: 'model-head' }, el('span', { class: 'model-name', text: m.name }));
    if (m.active) head.append(el('vscode-badge', { class: 'active-badge', text: 'active' }));
    return el(
      'div',
      {
        class: m.active ? 'model-item active' : 'model-item',
        role: 'listitem',
        'data-name': m.name,
        'aria-label': `${m.name}${m.active ? ' (active)' : ''}: ${m.description}; ${metrics.join('; ')}`,
      },
      head,
      el('div', { class: 'model-desc', text: m.description }),
      el('div', { class: 'model-metrics', text: metrics.join(' · ') }),
      el(
        'div',
        { class: 'model-actions' },
        button('setActive', m.active ? 'Active' : 'Set active', m.active ? `${m.name} is the active model` : `Make ${m.name} the active model`, m.active),
        button('revealModel', 'Reveal files', `Reveal the files of ${m.name}`),
        button('deleteModel', 'Delete…', `Delete ${m.name}`),
      ),
    );
  }
}
