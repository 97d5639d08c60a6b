// Hash routes shared by the pages (main.ts dispatches them), the Page
// contract every page follows, and a page's state kept in its address
// (`#/<route>?x=time&smoothing=5`), so a link shows what its sender saw.
import type { EpisodeRef, RunRef } from '../api-types.js';

/** What a page leaves behind: its breadcrumbs, and how to stop its timers, listeners and WebGL contexts. */
export interface Page {
  readonly title: readonly (readonly [label: string, href: string | null])[];
  dispose(): void;
}

export function episodeParam(e: EpisodeRef): string {
  return [e.experiment, e.variant, e.seed, e.file].map(encodeURIComponent).join('/');
}

export function parseEpisode(param: string | null): EpisodeRef | null {
  if (!param) return null;
  const parts = param.split('/').map(decodeURIComponent);
  if (parts.length !== 4) return null;
  const [experiment, variant, seed, file] = parts as [string, string, string, string];
  return { experiment, variant, seed, file };
}

export function playHref(a: EpisodeRef, b?: EpisodeRef | null): string {
  return `#/play?a=${encodeURIComponent(episodeParam(a))}${b ? `&b=${encodeURIComponent(episodeParam(b))}` : ''}`;
}

export function experimentHref(name: string): string {
  return `#/experiment/${encodeURIComponent(name)}`;
}

/** The overlay of the variants of several experiments on one chart. */
export function overlayHref(experiments: readonly string[]): string {
  return `#/overlay?experiments=${experiments.map(encodeURIComponent).join(',')}`;
}

export function runHref(r: RunRef): string {
  return `#/run/${[r.experiment, r.variant, r.seed].map(encodeURIComponent).join('/')}`;
}

/** Play live: the run's env and policy in the browser (pages/live.ts). */
export function liveHref(r: RunRef): string {
  return `#/live/${[r.experiment, r.variant, r.seed].map(encodeURIComponent).join('/')}`;
}

/** The query of the current hash route (`#/experiment/x?smoothing=5` gives smoothing=5). */
export function stateOf(): URLSearchParams {
  const hash = location.hash;
  const q = hash.indexOf('?');
  return new URLSearchParams(q < 0 ? '' : hash.slice(q + 1));
}

/**
 * Writes a page's state into the address's hash query without reloading the
 * page or adding a history entry; entries that are null or equal to their
 * default (undefined in `defaults`: always written) are left out.
 */
export function keepState(state: Record<string, string | null>, defaults: Record<string, string> = {}): void {
  const hash = location.hash;
  const q = hash.indexOf('?');
  const path = q < 0 ? hash : hash.slice(0, q);
  const params = new URLSearchParams(q < 0 ? '' : hash.slice(q + 1));
  for (const [k, v] of Object.entries(state)) {
    if (v === null || v === defaults[k]) params.delete(k);
    else params.set(k, v);
  }
  const query = params.toString();
  history.replaceState(history.state, '', `${location.pathname}${location.search}${path}${query ? `?${query}` : ''}`);
}
