// Talking to the viewer's server: typed GETs on the JSON API (errors carry the
// server's message, e.g. the file and line of a damaged JSONL line) and one
// shared EventSource for live updates.
import type { EpisodeRecord } from '../../core/episode.js';
import type { RunRecord } from '../../experiments/types.js';
import type {
  ApiError,
  CurvesResponse,
  EpisodeRef,
  EpisodesResponse,
  EvalsResponse,
  ExperimentDetail,
  ExperimentListEntry,
  MetricsResponse,
  RootInfo,
  RunRef,
  ViewerEvent,
} from '../api-types.js';

export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly body: ApiError,
  ) {
    super(body.error);
  }
}

/** What a failed fetch (no answer at all) means here: the server has gone. */
export const SERVER_GONE = "cannot reach the viewer's server: has `arena view` stopped? Start it again and reload this page.";

async function get<T>(path: string): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, { headers: { Accept: 'application/json' } });
  } catch {
    throw new ApiFailure(0, { error: SERVER_GONE });
  }
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new ApiFailure(res.status, { error: `${path}: ${res.status} ${res.statusText}` });
  }
  if (!res.ok) throw new ApiFailure(res.status, body as ApiError);
  return body as T;
}

const enc = encodeURIComponent;
const runPath = (r: RunRef) => `/api/experiments/${enc(r.experiment)}/runs/${enc(r.variant)}/${enc(r.seed)}`;
const episodePath = (e: EpisodeRef) => `${runPath(e)}/episodes/${enc(e.file)}`;

/** Episodes asked for ahead of need (while the player's code loads), by path; each is handed out once. */
const early = new Map<string, Promise<EpisodeRecord>>();

export const api = {
  root: () => get<RootInfo>('/api/root'),
  experiments: () => get<ExperimentListEntry[]>('/api/experiments'),
  experiment: (name: string) => get<ExperimentDetail>(`/api/experiments/${enc(name)}`),
  curves: (name: string, o: { x: 'steps' | 'time'; smoothing: number; points?: number }) =>
    get<CurvesResponse>(`/api/experiments/${enc(name)}/curves?x=${o.x}&smoothing=${o.smoothing}&points=${o.points ?? 200}`),
  run: (r: RunRef) => get<RunRecord>(runPath(r)),
  metrics: (r: RunRef, maxPoints = 600) => get<MetricsResponse>(`${runPath(r)}/metrics?maxPoints=${maxPoints}`),
  evals: (r: RunRef) => get<EvalsResponse>(`${runPath(r)}/evals`),
  episodes: (r: RunRef) => get<EpisodesResponse>(`${runPath(r)}/episodes`),
  episode: (e: EpisodeRef): Promise<EpisodeRecord> => {
    const path = episodePath(e);
    const asked = early.get(path);
    early.delete(path);
    return asked ?? get<EpisodeRecord>(path);
  },
  /** Starts loading an episode that api.episode will be asked for soon. */
  prefetchEpisode: (e: EpisodeRef): void => {
    const path = episodePath(e);
    if (early.has(path)) return;
    const loading = get<EpisodeRecord>(path);
    loading.catch(() => undefined);
    early.set(path, loading);
    // Not asked for after all (the user went elsewhere): forget it, so a later visit loads afresh.
    setTimeout(() => {
      if (early.get(path) === loading) early.delete(path);
    }, 30_000);
  },
};

type Listener = (event: ViewerEvent) => void;
const listeners = new Set<Listener>();
let source: EventSource | null = null;

/** Calls `fn` for every live event until the returned function is called. */
export function onLive(fn: Listener): () => void {
  listeners.add(fn);
  if (!source) {
    source = new EventSource('/api/events');
    const live = document.getElementById('live');
    source.onopen = () => {
      live?.classList.add('on');
      live?.setAttribute('title', 'live: pages update while runs write');
    };
    source.onerror = () => {
      live?.classList.remove('on');
      live?.setAttribute('title', SERVER_GONE);
    };
    for (const type of ['run', 'catalog'] as const) {
      source.addEventListener(type, (e) => {
        const event = JSON.parse((e as MessageEvent<string>).data) as ViewerEvent;
        for (const l of listeners) l(event);
      });
    }
  }
  return () => listeners.delete(fn);
}

/** Whether a live event concerns `run`. */
export function isRun(event: ViewerEvent, run: RunRef): boolean {
  return event.type === 'run' && event.run.experiment === run.experiment && event.run.variant === run.variant && event.run.seed === run.seed;
}

/**
 * Throttles `fn` for live refreshes: a call runs it `ms` later, and calls in
 * the meantime join that run, so a burst causes one refresh and a steady
 * stream of events (a running run announces its files every second) one
 * every `ms`. (A debounce that restarts on every call would wait for the
 * stream to stop: for a live run, until it ends.)
 */
export function throttle(fn: () => void, ms: number): { (): void; cancel(): void } {
  let timer: number | undefined;
  const call = () => {
    if (timer !== undefined) return;
    timer = window.setTimeout(() => {
      timer = undefined;
      fn();
    }, ms);
  };
  call.cancel = () => {
    window.clearTimeout(timer);
    timer = undefined;
  };
  return call;
}
