// The start page: every experiment under the root, with its env, variants and
// how its runs stand; ticking two or more overlays their curves.
import { api, onLive, throttle } from '../api.js';
import { h, notice, replace, statusBadge } from '../dom.js';
import type { Page } from '../routes.js';
import { experimentHref, overlayHref } from '../routes.js';

export function homePage(root: HTMLElement): Page {
  const body = h('section', { class: 'card' }, notice('loading…'));
  replace(root, h('h1', {}, 'Experiments'), body);
  let alive = true;
  const overlayButton = h('a', { class: 'button disabled', 'data-testid': 'overlay-picked' }, 'overlay the curves of the experiments ticked');
  /** The overlay link follows the ticked experiments (two or more). */
  function pickChanged(): void {
    const picked = [...body.querySelectorAll<HTMLInputElement>('input[type=checkbox]:checked')].map((i) => i.value);
    overlayButton.classList.toggle('disabled', picked.length < 2);
    if (picked.length >= 2) overlayButton.setAttribute('href', overlayHref(picked));
    else overlayButton.removeAttribute('href');
  }

  const load = async (): Promise<void> => {
    try {
      const list = await api.experiments();
      if (!alive) return;
      if (list.length === 0) {
        replace(body, notice('No experiments here yet. Start one with `arena run <config>`; this page updates when it appears.'));
        return;
      }
      replace(
        body,
        h(
          'table',
          { class: 'table' },
          h('thead', {}, h('tr', {}, h('th', {}, ''), h('th', {}, 'experiment'), h('th', {}, 'env'), h('th', {}, 'variants'), h('th', { class: 'num' }, 'runs'), h('th', {}, 'status'))),
          h(
            'tbody',
            {},
            ...list.map((e) =>
              h(
                'tr',
                {},
                h('td', {}, h('input', { type: 'checkbox', value: e.name, title: 'overlay this experiment’s curves with others', onchange: pickChanged })),
                h('td', {}, h('a', { href: experimentHref(e.name) }, e.name), e.description ? h('div', { class: 'muted' }, e.description) : null),
                h('td', {}, e.env ?? '–'),
                h('td', {}, e.variants.join(', ')),
                h('td', { class: 'num' }, e.runs),
                h('td', {}, ...Object.entries(e.status).flatMap(([s, n]) => [statusBadge(s, `${n} ${s}`), ' '])),
              ),
            ),
          ),
        ),
        h('div', { class: 'toolbar' }, overlayButton),
      );
      pickChanged();
    } catch (e) {
      if (alive) replace(body, notice((e as Error).message, 'error'));
    }
  };
  const refresh = throttle(() => void load(), 500);
  const off = onLive(() => refresh());
  void load();
  return {
    title: [],
    dispose: () => {
      alive = false;
      off();
      refresh.cancel();
    },
  };
}
