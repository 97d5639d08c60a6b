// The viewer's web server (`arena view`): an express app that serves the
// built browser client and a read-only JSON API over a run store
// (viewer/README.md lists the endpoints). It binds to 127.0.0.1 unless told
// otherwise, serves nothing outside its root, and answers a damaged file with
// a 422 naming the file and line while it goes on serving the rest.
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import express from 'express';
import type { NextFunction, Request, Response } from 'express';
import type { CompareX } from '../experiments/compare.js';
import type { ApiError, RootInfo } from './api-types.js';
import { Catalog, EPISODE_ROOT_SEED, EPISODE_ROOT_VARIANT, HttpError } from './catalog.js';
import { RawJson, experimentDetail, getCurves, getEpisodeIndex, getEpisodeJson, getEvals, getMetrics, getRunRecord, listExperiments } from './data.js';
import { DOWNLOAD_FILES, Download, getDownload } from './downloads.js';
import { EventHub } from './events.js';
import { MetricsIndexer } from './metrics-indexer.js';
import { LIVE_PACKET_TYPE } from './live-policy.js';
import { livePacket } from './live-source.js';
import { allowedHostNames, guardHost, listen } from './http-guard.js';

export interface ViewerOptions {
  /** A runs directory, an experiment directory, a run directory or an episode file. */
  readonly root: string;
  /** Default 127.0.0.1: the viewer is for the machine it runs on unless asked. */
  readonly host?: string;
  /** Default 8080; 0 picks any free port. A busy port is skipped for the next, up to 20 further. */
  readonly port?: number;
  /** How often live updates poll the run files, in ms. Default 1000. */
  readonly pollMs?: number;
  /**
   * How often the background indexer looks for new or grown metrics files to
   * parse ahead of requests (metrics-indexer.ts), in ms. Default 2000; 0 turns
   * it off (every metrics file is then parsed on its first request).
   */
  readonly indexMs?: number;
  /** The built client's folder; default: found next to this file (see clientDir). */
  readonly clientDir?: string;
  /**
   * Further host names the Host header may carry (besides localhost,
   * 127.0.0.1, [::1] and `host`), e.g. the machine's name when serving a
   * network; '*' accepts any (and gives up the DNS-rebinding guard).
   */
  readonly allowHosts?: readonly string[];
}

export interface Viewer {
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** A sentence when the requested port was busy and another was taken, else null. */
  readonly portNote: string | null;
  readonly root: string;
  /** Resolves once the background indexer has been through the metrics files on disk now (at once when it is off). */
  indexed(): Promise<void>;
  /** Resolves once a poll for live updates that starts after this call has finished (polls run while an event stream is open). */
  polled(): Promise<void>;
  close(): Promise<void>;
}

/** Ports tried after a busy one. */
const PORT_ATTEMPTS = 20;

/**
 * Where the built client is: `client/` next to the compiled server
 * (dist/viewer/client when running dist/bin/arena.js), else dist/viewer/client
 * of the repository when running the TypeScript sources (tests). The build
 * (`npm run build:viewer`) writes app.js there.
 */
export function clientDir(): string | null {
  const candidates = [new URL('./client/', import.meta.url), new URL('../dist/viewer/client/', import.meta.url)].map((u) => fileURLToPath(u));
  return candidates.find((dir) => existsSync(`${dir}app.js`) && existsSync(`${dir}index.html`)) ?? null;
}

const wrap =
  (fn: (req: Request, res: Response) => Promise<unknown>) =>
  (req: Request, res: Response, next: NextFunction): void => {
    fn(req, res).then((body) => {
      if (body instanceof RawJson) res.type('json').send(body.text);
      else if (body instanceof Download) res.type(body.type).attachment(body.filename).send(typeof body.body === 'string' ? body.body : Buffer.from(body.body));
      else res.json(body);
    }, next);
  };

function param(req: Request, name: string): string {
  const v = req.params[name];
  return typeof v === 'string' ? v : '';
}

function intQuery(req: Request, name: string, fallback: number, min: number, max: number): number {
  const raw = req.query[name];
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (typeof raw !== 'string' || !Number.isInteger(n) || n < min || n > max) throw new HttpError(400, `${name} must be an integer in [${min}, ${max}], got ${JSON.stringify(raw)}`);
  return n;
}

/**
 * Refuses any path with a `.` or `..` segment, or a segment that decodes to
 * one containing a slash, backslash or NUL (`..%2f..%2fetc`, `%2e%2e`),
 * before routing: names in the API are single segments, so such a request is
 * an attempt to walk out of the root.
 */
function guardPath(req: Request, res: Response, next: NextFunction): void {
  const raw = req.originalUrl.split('?')[0]!;
  for (const segment of raw.split('/')) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      res.status(400).json({ error: `malformed URL encoding in ${JSON.stringify(segment)}` } satisfies ApiError);
      return;
    }
    if (decoded === '.' || decoded === '..' || /[/\\\0]/.test(decoded)) {
      res.status(403).json({ error: 'the path leads outside the viewer\'s root' } satisfies ApiError);
      return;
    }
  }
  next();
}

/** The express app over `catalog`; `hub` carries live updates. */
function createApp(catalog: Catalog, hub: EventHub, client: string | null, hostGuard: express.RequestHandler): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('json replacer', (_key: string, value: unknown) => (typeof value === 'number' && !Number.isFinite(value) ? null : value));
  app.use(hostGuard);
  app.use(guardPath);

  const api = express.Router();
  api.get(
    '/root',
    wrap(async () => {
      const snapshot = await catalog.snapshot();
      const info: RootInfo = {
        kind: catalog.kind,
        name: catalog.name,
        experiments: snapshot.experiments.length,
        ...(catalog.kind === 'episode'
          ? { episode: { experiment: snapshot.experiments[0]!.name, variant: EPISODE_ROOT_VARIANT, seed: EPISODE_ROOT_SEED, file: catalog.display(catalog.root) } }
          : {}),
      };
      return info;
    }),
  );
  api.get('/experiments', wrap(() => listExperiments(catalog)));
  api.get(
    '/experiments/:experiment',
    wrap(async (req) => experimentDetail(catalog, await catalog.experiment(param(req, 'experiment')))),
  );
  api.get(
    '/experiments/:experiment/curves',
    wrap(async (req) => {
      const x = req.query.x ?? 'steps';
      if (x !== 'steps' && x !== 'time') throw new HttpError(400, `x must be steps or time, got ${JSON.stringify(x)}`);
      const e = await catalog.experiment(param(req, 'experiment'));
      return getCurves(catalog, e, { x: x as CompareX, smoothing: intQuery(req, 'smoothing', 1, 1, 1000), points: intQuery(req, 'points', 200, 2, 5000) });
    }),
  );
  for (const file of DOWNLOAD_FILES) {
    api.get(
      `/experiments/:experiment/${file}`,
      wrap(async (req) => {
        const x = req.query.x ?? 'steps';
        if (x !== 'steps' && x !== 'time') throw new HttpError(400, `x must be steps or time, got ${JSON.stringify(x)}`);
        return getDownload(catalog, await catalog.experiment(param(req, 'experiment')), file, { x: x as CompareX, smoothing: intQuery(req, 'smoothing', 1, 1, 1000) });
      }),
    );
  }
  const run = (req: Request) => catalog.run(param(req, 'experiment'), param(req, 'variant'), param(req, 'seed'));
  const runPath = '/experiments/:experiment/runs/:variant/:seed';
  api.get(runPath, wrap(async (req) => getRunRecord(catalog, await run(req))));
  api.get(`${runPath}/metrics`, wrap(async (req) => getMetrics(catalog, await run(req), intQuery(req, 'maxPoints', 1000, 1, 1_000_000))));
  api.get(`${runPath}/evals`, wrap(async (req) => getEvals(catalog, await run(req))));
  api.get(`${runPath}/episodes`, wrap(async (req) => getEpisodeIndex(catalog, await run(req))));
  api.get(`${runPath}/episodes/:file`, wrap(async (req) => getEpisodeJson(catalog, await run(req), param(req, 'file'))));
  // Play live: the env and the policy's weights as one binary packet (live-source.ts).
  api.get(`${runPath}/live`, (req, res, next) => {
    (async () => {
      const entry = await run(req);
      if (entry.dir === null) throw new HttpError(404, 'a lone episode file has no agent to play live');
      res.type(LIVE_PACKET_TYPE).send(Buffer.from(await livePacket(entry.dir, await getRunRecord(catalog, entry))));
    })().catch(next);
  });
  api.get('/events', (_req, res) => hub.add(res));
  api.use((req, res) => {
    res.status(404).json({ error: `no API endpoint ${req.method} ${req.path}` } satisfies ApiError);
  });
  app.use('/api', api);

  if (client) {
    app.use(express.static(client, { dotfiles: 'ignore', index: 'index.html', fallthrough: true }));
  } else {
    app.get('/', (_req, res) => {
      res
        .status(503)
        .type('text/plain')
        .send('The viewer client is not built: run `npm run build` (it bundles viewer/client into dist/viewer/client). The JSON API under /api works.\n');
    });
  }
  app.use((_req, res) => {
    res.status(404).json({ error: 'not found' } satisfies ApiError);
  });
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    if (err instanceof HttpError) {
      res.status(err.status).json({ error: err.message, ...err.details } satisfies ApiError);
      return;
    }
    const status = (err as { status?: number }).status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      res.status(status).json({ error: (err as Error).message } satisfies ApiError);
      return;
    }
    res.status(500).json({ error: `internal error: ${(err as Error)?.message ?? String(err)}` } satisfies ApiError);
  });
  return app;
}

/** Starts the viewer over `root`; resolves once it listens. */
export async function startViewer(options: ViewerOptions): Promise<Viewer> {
  const host = options.host ?? '127.0.0.1';
  const wanted = options.port ?? 8080;
  if (!Number.isInteger(wanted) || wanted < 0 || wanted > 65535) throw new Error(`view: port must be an integer in [0, 65535], got ${wanted}`);
  const catalog = await Catalog.open(options.root);
  const hub = new EventHub(catalog, options.pollMs ?? 1000);
  let port = -1;
  const hostGuard = guardHost(allowedHostNames(host, options.allowHosts ?? []), () => port, 'this viewer');
  const app = createApp(catalog, hub, options.clientDir ?? clientDir(), hostGuard);
  const server = createServer(app);
  const last = wanted === 0 ? 0 : Math.min(65535, wanted + PORT_ATTEMPTS);
  for (let p = wanted; p <= last; p++) {
    try {
      port = await listen(server, host, p);
      break;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'EADDRINUSE') throw new Error(`view: cannot listen on ${host}:${p}: ${(e as Error).message}`);
    }
  }
  if (port < 0) throw new Error(`view: ports ${wanted}-${last} on ${host} are all in use; choose another with --port`);
  const indexMs = options.indexMs ?? 2000;
  if (!(indexMs >= 0)) throw new Error(`view: indexMs must be a non-negative number, got ${indexMs}`);
  const indexer = indexMs > 0 ? new MetricsIndexer(catalog, { intervalMs: indexMs }) : null;
  indexer?.start();
  const shownHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  return {
    url: `http://${shownHost}:${port}/`,
    host,
    port,
    portNote: wanted !== 0 && port !== wanted ? `port ${wanted} was busy; using ${port}` : null,
    root: catalog.root,
    indexed: async () => {
      // A pass in progress may have listed the runs before the latest appeared: wait for it, then make one more.
      await indexer?.idle();
      await indexer?.index();
    },
    polled: () => hub.polled(),
    close: () =>
      new Promise<void>((resolve, reject) => {
        indexer?.close();
        hub.close();
        server.close((e) => (e ? reject(e) : resolve()));
        server.closeAllConnections();
      }),
  };
}
