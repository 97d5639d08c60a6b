// Hash routes shared by the pages (main.ts dispatches them) and the Page
// contract every page follows.
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

export function runHref(r: RunRef): string {
  return `#/run/${[r.experiment, r.variant, r.seed].map(encodeURIComponent).join('/')}`;
}
