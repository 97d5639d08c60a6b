// The viewer's browser app: hash routes to pages, one page at a time.
//
//   #/                                   experiments (or, for a single experiment, run or episode, that page)
//   #/experiment/<experiment>            learning curves, final returns, hyperparameters, runs
//   #/run/<experiment>/<variant>/<seed>  one run: its curves, training metrics and recorded episodes
//   #/play?a=<episode>[&b=<episode>]     the replay player, one or two panes in sync
//   #/overlay?experiments=<a>,<b>        variants of several experiments on one chart
//   #/live/<experiment>/<variant>/<seed> play live: the run's env and policy running in the browser
//
// Pages keep their state in the hash's query (routes.ts, keepState): axis,
// smoothing, seeds, metrics, the replay frame.
//
// An <episode> is `<experiment>/<variant>/<seed>/<file>`, each part URI-encoded.
import './style.css';
import { api, onLive } from './api.js';
import { h, notice, replace } from './dom.js';
import { experimentPage } from './pages/experiment.js';
import { homePage } from './pages/home.js';
import { overlayPage } from './pages/overlay.js';
import { runPage } from './pages/run.js';
import type { Page } from './routes.js';
import { episodeParam, experimentHref, parseEpisode } from './routes.js';

const app = document.getElementById('app')!;
const crumbs = document.getElementById('crumbs')!;
let current: Page | null = null;

async function show(): Promise<void> {
  current?.dispose();
  current = null;
  const hash = location.hash.replace(/^#\/?/, '');
  const [path, query] = hash.split('?') as [string, string | undefined];
  const parts = path.split('/').filter((p) => p !== '').map(decodeURIComponent);
  const root = h('div', { class: 'page' });
  replace(app, root);
  try {
    if (parts[0] === 'experiment' && parts.length === 2) current = experimentPage(root, parts[1]!);
    else if (parts[0] === 'overlay' && parts.length === 1) current = overlayPage(root);
    else if (parts[0] === 'run' && parts.length === 4) current = runPage(root, { experiment: parts[1]!, variant: parts[2]!, seed: parts[3]! });
    else if (parts[0] === 'live' && parts.length === 4) {
      // The envs, the policy and Three.js load on first use.
      const { livePage } = await import('./pages/live.js');
      if (location.hash.replace(/^#\/?/, '') !== hash) return;
      current = livePage(root, { experiment: parts[1]!, variant: parts[2]!, seed: parts[3]! });
    } else if (parts[0] === 'play') {
      const params = new URLSearchParams(query ?? '');
      const a = parseEpisode(params.get('a'));
      if (!a) throw new Error('the player needs ?a=<experiment>/<variant>/<seed>/<file>');
      const b = parseEpisode(params.get('b'));
      // The player and Three.js load on first use (the other pages do without them), the episodes meanwhile.
      for (const ref of b ? [a, b] : [a]) api.prefetchEpisode(ref);
      const { playerPage } = await import('./pages/player.js');
      if (location.hash.replace(/^#\/?/, '') !== hash) return;
      current = playerPage(root, a, b);
    } else if (parts.length === 0) {
      // A root that is one experiment, run or episode opens on that page.
      const info = await api.root();
      document.title = `Arena viewer: ${info.name}`;
      if (info.kind === 'episode' && info.episode) {
        location.replace(`#/play?a=${encodeURIComponent(episodeParam(info.episode))}`);
        return;
      }
      if (info.kind === 'experiment' || info.kind === 'run') {
        const [only] = await api.experiments();
        if (only) {
          location.replace(experimentHref(only.name));
          return;
        }
      }
      current = homePage(root);
    } else {
      replace(root, notice(`no page at #/${path}`, 'error'));
    }
  } catch (e) {
    replace(root, notice((e as Error).message, 'error'));
  }
  replace(
    crumbs,
    ...(current?.title ?? []).flatMap(([label, href]) => [h('span', { class: 'sep' }, '›'), href ? h('a', { href }, label) : h('span', {}, label)]),
  );
}

window.addEventListener('hashchange', () => void show());
// Every page listens, the player too, so the "live" dot says whether the server is there.
onLive(() => undefined);
void show();
