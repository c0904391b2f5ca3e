/** A tiny element builder for the views (no framework: the views are small and draw mostly on canvas). */

/** Attributes and properties for `el`: `class`, `text`, aria-* and data-* attributes, event handlers (`on…`). */
export type ElProps = Record<string, string | number | boolean | undefined | ((event: never) => void)>;

/** Creates an element: `el('div', { class: 'row', 'aria-label': 'x', onclick: fn }, child1, 'text')`. */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, props?: ElProps, ...children: (Node | string)[]): HTMLElementTagNameMap[K];
export function el(tag: string, props?: ElProps, ...children: (Node | string)[]): HTMLElement;
export function el(tag: string, props: ElProps = {}, ...children: (Node | string)[]): HTMLElement {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === false) continue;
    if (key === 'class') node.className = String(value);
    else if (key === 'text') node.textContent = String(value);
    else if (key.startsWith('on') && typeof value === 'function') node.addEventListener(key.slice(2), value as EventListener);
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  node.append(...children);
  return node;
}

/** Sets an element's text only when it changed (keeps per-keystroke DOM work small). */
export function setText(node: Node, text: string): void {
  if (node.textContent !== text) node.textContent = text;
}

/** Sets or removes an attribute only when it changed. */
export function setAttr(node: Element, name: string, value: string | undefined): void {
  if (value === undefined) {
    if (node.hasAttribute(name)) node.removeAttribute(name);
  } else if (node.getAttribute(name) !== value) node.setAttribute(name, value);
}
