// Small DOM and formatting helpers shared by the pages: building elements
// without a framework, and printing numbers the way `arena compare` does.
import { formatNumber, groupThousands } from '../../experiments/format.js';

export { groupThousands };

type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | null | undefined | ((e: Event) => void)>;

/**
 * Creates an element: `h('a', { href: '#/', class: 'x', onclick: fn }, 'text', child)`.
 * `on*` attributes become listeners; false, null and undefined attributes are left out.
 */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (key === 'value' && 'value' in el) (el as HTMLInputElement).value = String(value);
    else if (key === 'checked' && 'checked' in el) (el as HTMLInputElement).checked = Boolean(value);
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) el.append(c instanceof Node ? c : String(c));
  return el;
}

/** Replaces an element's children. */
export function replace(el: Element, ...children: Child[]): void {
  el.replaceChildren(...children.filter((c): c is Node | string | number => c !== null && c !== undefined && c !== false).map((c) => (c instanceof Node ? c : String(c))));
}

/** Numbers as `arena compare` prints them, with typographic dashes and infinity. */
export function fmt(v: number | null | undefined): string {
  return formatNumber(v, { missing: '\u2013', infinity: '\u221e', minus: '\u2212' });
}


/** Steps as 12,345 or 1.2M. */
export function fmtSteps(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  if (Math.abs(v) >= 10_000_000) return `${(v / 1_000_000).toFixed(1)}M`;
  return groupThousands(v);
}

export function fmtSeconds(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  if (v >= 7200) return `${(v / 3600).toFixed(1)} h`;
  if (v >= 120) return `${(v / 60).toFixed(1)} min`;
  return `${v.toFixed(1)} s`;
}

/** A status badge (finished, running, failed, interrupted, pending), coloured by status. */
export function statusBadge(status: string, text: string = status): HTMLElement {
  return h('span', { class: `badge status-${status}` }, text);
}

/** A message box for errors and empty states. */
export function notice(text: string, kind: 'error' | 'info' = 'info'): HTMLElement {
  return h('div', { class: `notice ${kind}` }, text);
}
