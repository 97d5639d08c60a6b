// The policy server of `arena serve`: an exported ONNX policy (agents/export)
// behind HTTP, with express as the viewer.
//
//   POST /act     {"obs": <one observation> | [<observation>, ...]}
//                 -> {"action": ..., <extra outputs>} (one value per observation for a batch)
//   GET  /health  {"status": "ok", requests, errors, uptime, latency percentiles}
//   GET  /spaces  the observation and action spaces (as spaceToJSON), outputs, model metadata
//
// A Box model also takes a binary batch (content type application/octet-stream:
// the values back to back in the Box's dtype, float32 little-endian or uint8;
// the reply is per observation), which spares image batches the JSON text
// (a CarRacing frame is 27,648 bytes instead of about 75,000 characters).
// One observation has the shape of the observation space (a Box [4]: [x, x,
// x, x]; a Box [96, 96, 3]: nested arrays; a Discrete space: an integer); a
// batch is an array of them, at most `maxBatch`; at most `maxInFlight`
// requests are taken at once (more get a 503). Every value is checked
// before the model runs (finite numbers, integers of a uint8 Box within its
// bounds, Discrete observations within the space), and a bad request gets a
// 400 whose message names the problem and where it is (`obs[3][1]`); a body
// above `maxBodyBytes` gets a 413 without being read whole. Requests run one
// at a time on a single-threaded ONNX Runtime session (the model is small and
// the machine's cores are shared). Counts and latencies go to `log` every
// `logEveryMs` when there was traffic, and to /health.
import { createServer } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import express from 'express';
import ort from 'onnxruntime-node';
import type { Space } from '../core/spaces.js';
import { describeSpace, spaceToJSON } from '../core/spaces.js';
import { allowedHostNames, guardHost, listen } from './http-guard.js';

export interface PolicyServerOptions {
  /** ONNX model bytes with one input `obs` and `action` as its first output (what `arena export` writes). */
  readonly model: Uint8Array;
  readonly observationSpace: Space;
  readonly actionSpace: Space;
  /** The model's metadata, shown by /spaces. */
  readonly metadata?: Readonly<Record<string, string>>;
  readonly host?: string;
  /** 0 picks a free port. */
  readonly port?: number;
  /** Further names the Host header may carry ('*': any). */
  readonly allowHosts?: readonly string[];
  /** Observations per request, at most (default 1024). */
  readonly maxBatch?: number;
  /** Request body size, at most (default 16 MiB: a batch of 64 CarRacing frames is about 7 MB of JSON). */
  readonly maxBodyBytes?: number;
  /** /act requests being read, checked or run at once, at most (default 32); more get a 503 (memory stays bounded by this times maxBodyBytes). */
  readonly maxInFlight?: number;
  readonly log?: (line: string) => void;
  /** How often the request counts and latencies are logged (default 10 s; 0: only at close). */
  readonly logEveryMs?: number;
}

export interface PolicyServer {
  readonly url: string;
  readonly port: number;
  /** Requests answered so far, and how many of them with an error status. */
  stats(): { requests: number; errors: number };
  close(): Promise<void>;
}

/** A request error: its status and a message naming the problem. */
class BadRequest extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

// ---------------------------------------------------------------- observations

/** One observation or a batch of them as the model's input tensor, with the number of rows and whether the request was a batch. */
interface Parsed {
  readonly rows: number;
  readonly batched: boolean;
  readonly tensor: ort.Tensor;
}

const describeValue = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? `an array of ${v.length}` : typeof v === 'string' ? JSON.stringify(v.length > 20 ? `${v.slice(0, 20)}...` : v) : typeof v === 'object' ? 'an object' : String(v));

/** Checks and reads the request's `obs` for `space` (a Box or a Discrete space), single or batched. */
export function parseObservations(obs: unknown, space: Space, maxBatch: number): Parsed {
  if (obs === undefined) throw new BadRequest(400, 'the body needs an "obs" field: one observation or an array of them');
  if (space.type === 'discrete') {
    const batched = Array.isArray(obs);
    const list = batched ? (obs as unknown[]) : [obs];
    checkBatch(list.length, batched, maxBatch);
    const data = new BigInt64Array(list.length);
    list.forEach((v, i) => {
      const where = batched ? `obs[${i}]` : 'obs';
      if (typeof v !== 'number' || !Number.isInteger(v) || v < space.start || v >= space.start + space.n) {
        throw new BadRequest(400, `${where} is ${describeValue(v)}; an observation of ${describeSpace(space)} is an integer in [${space.start}, ${space.start + space.n - 1}]`);
      }
      data[i] = BigInt(v);
    });
    return { rows: list.length, batched, tensor: new ort.Tensor('int64', data, [list.length]) };
  }
  if (space.type !== 'box') throw new BadRequest(500, `the model's observation space ${describeSpace(space)} is neither Box nor Discrete`);
  const shape = space.shape;
  // A batch has one more level of arrays than an observation.
  let depth = 0;
  for (let v: unknown = obs; Array.isArray(v); v = v[0]) depth += 1;
  if (depth !== shape.length && depth !== shape.length + 1) {
    throw new BadRequest(400, `obs is ${describeValue(obs)} nested ${depth} deep; an observation of ${describeSpace(space)} is ${shape.length === 0 ? 'a number' : `${shape.length} level(s) of arrays [${shape.join(', ')}]`}, a batch one level more`);
  }
  const batched = depth === shape.length + 1;
  const list = batched ? (obs as unknown[]) : [obs];
  checkBatch(list.length, batched, maxBatch);
  const d = space.low.length;
  const data = new Float32Array(list.length * d);
  const image = space.dtype === 'uint8';
  let o = 0;
  // The indices down to the value being checked; the path is spelled out only for an error.
  const path: number[] = [];
  const where = (): string => `obs${path.map((i) => `[${i}]`).join('')}`;
  const number = (v: unknown): void => {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new BadRequest(400, `${where()} is ${describeValue(v)}; observations hold finite numbers`);
    const k = o % d;
    if (image && (!Number.isInteger(v) || v < space.low[k]! || v > space.high[k]!)) {
      throw new BadRequest(400, `${where()} is ${v}; ${describeSpace(space)} holds integers in [${space.low[k]}, ${space.high[k]}]`);
    }
    data[o++] = v;
  };
  const visit = (v: unknown, level: number): void => {
    if (level === shape.length) return number(v);
    if (!Array.isArray(v) || v.length !== shape[level]) {
      throw new BadRequest(400, `${where()} is ${describeValue(v)}; expected an array of ${shape[level]} (observations of ${describeSpace(space)} have shape [${shape.join(', ')}])`);
    }
    path.push(0);
    for (let i = 0; i < v.length; i++) {
      path[path.length - 1] = i;
      visit(v[i], level + 1);
    }
    path.pop();
  };
  list.forEach((v, i) => {
    if (batched) path.push(i);
    visit(v, 0);
    if (batched) path.pop();
  });
  return { rows: list.length, batched, tensor: new ort.Tensor('float32', data, [list.length, ...shape]) };
}

/** The content type of a binary batch: the observations' values back to back in the Box's dtype (float32 little-endian, or uint8). */
export const BINARY_TYPE = 'application/octet-stream';

/** Checks and reads a binary batch (BINARY_TYPE) for a Box `space`: as many observations as the bytes hold. */
export function parseBinaryObservations(body: Buffer, space: Space, maxBatch: number): Parsed {
  if (space.type !== 'box') throw new BadRequest(415, `binary bodies are for Box observations; this model's are ${describeSpace(space)}: send JSON {"obs": ...}`);
  const d = space.low.length;
  const image = space.dtype === 'uint8';
  const size = d * (image ? 1 : 4);
  if (body.byteLength === 0 || body.byteLength % size !== 0) {
    throw new BadRequest(400, `the binary body has ${body.byteLength} bytes; a batch of ${describeSpace(space)} observations is a multiple of ${size} (${d} ${image ? 'uint8' : 'float32 little-endian'} values each)`);
  }
  const rows = body.byteLength / size;
  checkBatch(rows, true, maxBatch);
  const data = new Float32Array(rows * d);
  if (image) {
    for (let i = 0; i < data.length; i++) {
      const v = body[i]!;
      const k = i % d;
      if (v < space.low[k]! || v > space.high[k]!) throw new BadRequest(400, `value ${i % d} of observation ${Math.floor(i / d)} is ${v}; ${describeSpace(space)} holds [${space.low[k]}, ${space.high[k]}] there`);
      data[i] = v;
    }
  } else {
    for (let i = 0; i < data.length; i++) {
      const v = body.readFloatLE(4 * i);
      if (!Number.isFinite(v)) throw new BadRequest(400, `value ${i % d} of observation ${Math.floor(i / d)} is ${v}; observations hold finite numbers`);
      data[i] = v;
    }
  }
  return { rows, batched: true, tensor: new ort.Tensor('float32', data, [rows, ...space.shape]) };
}

function checkBatch(rows: number, batched: boolean, maxBatch: number): void {
  if (batched && rows === 0) throw new BadRequest(400, 'obs is an empty batch; send at least one observation');
  if (rows > maxBatch) throw new BadRequest(400, `obs is a batch of ${rows} observations; this server takes at most ${maxBatch} per request`);
}

/** An output tensor as JSON: per observation (a number or an array of the row's values), or the batch's list of them. */
function outputJson(t: ort.Tensor, rows: number, batched: boolean): unknown {
  const values = Array.from(t.data as ArrayLike<number | bigint>, Number);
  const per = values.length / rows;
  const rowShape = t.dims.slice(1);
  const row = (r: number): unknown => (rowShape.length === 0 ? values[r] : nest(values.slice(r * per, (r + 1) * per), rowShape));
  return batched ? Array.from({ length: rows }, (_, r) => row(r)) : row(0);
}

function nest(values: number[], shape: readonly number[]): unknown {
  if (shape.length <= 1) return values;
  const step = values.length / shape[0]!;
  return Array.from({ length: shape[0]! }, (_, i) => nest(values.slice(i * step, (i + 1) * step), shape.slice(1)));
}

// ---------------------------------------------------------------- latencies

/** Request latencies over a logging window and since the start, in ms (a bounded reservoir: the last 10,000). */
class Latencies {
  private readonly recent: number[] = [];
  private window: number[] = [];
  requests = 0;
  errors = 0;

  add(ms: number, error: boolean): void {
    this.requests += 1;
    if (error) this.errors += 1;
    this.window.push(ms);
    this.recent.push(ms);
    if (this.recent.length > 10_000) this.recent.shift();
  }

  /** The window's count and percentiles, and a fresh window. */
  takeWindow(): { count: number; p50: number; p99: number } {
    const w = this.window;
    this.window = [];
    return { count: w.length, ...percentiles(w) };
  }

  overall(): { p50: number; p99: number } {
    return percentiles(this.recent);
  }
}

function percentiles(values: readonly number[]): { p50: number; p99: number } {
  if (values.length === 0) return { p50: 0, p99: 0 };
  const s = [...values].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]!;
  return { p50: at(0.5), p99: at(0.99) };
}

// ---------------------------------------------------------------- server

export async function startPolicyServer(options: PolicyServerOptions): Promise<PolicyServer> {
  const host = options.host ?? '127.0.0.1';
  const wanted = options.port ?? 8090;
  if (!Number.isInteger(wanted) || wanted < 0 || wanted > 65535) throw new Error(`serve: port must be an integer in [0, 65535], got ${wanted}`);
  const maxBatch = options.maxBatch ?? 1024;
  const maxBodyBytes = options.maxBodyBytes ?? 16 * 1024 * 1024;
  const maxInFlight = options.maxInFlight ?? 32;
  let inFlight = 0;
  const log = options.log ?? (() => undefined);
  const session = await ort.InferenceSession.create(options.model, { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all' });
  if (session.inputNames.length !== 1 || session.inputNames[0] !== 'obs' || session.outputNames[0] !== 'action') {
    await session.release();
    throw new Error(`serve: the model has inputs [${session.inputNames.join(', ')}] and outputs [${session.outputNames.join(', ')}]; it needs one input "obs" and "action" as its first output (as \`arena export\` writes)`);
  }
  const started = performance.now();
  const latencies = new Latencies();
  let port = -1;
  // One request at a time on the session: a queue of runs.
  let queue: Promise<unknown> = Promise.resolve();
  const runModel = (feeds: Record<string, ort.Tensor>): Promise<ort.InferenceSession.OnnxValueMapType> => {
    const next = queue.then(() => session.run(feeds));
    queue = next.catch(() => undefined);
    return next;
  };

  const app = express();
  app.disable('x-powered-by');
  app.use((_req: Request, res: Response, next: NextFunction) => {
    const t0 = performance.now();
    res.on('finish', () => latencies.add(performance.now() - t0, res.statusCode >= 400));
    next();
  });
  app.use(guardHost(allowedHostNames(host, options.allowHosts ?? []), () => port, 'this policy server'));
  app.get('/health', (_req, res) => {
    res.json({ status: 'ok', requests: latencies.requests, errors: latencies.errors, uptimeSeconds: (performance.now() - started) / 1000, latencyMs: latencies.overall() });
  });
  app.get('/spaces', (_req, res) => {
    res.json({
      observationSpace: spaceToJSON(options.observationSpace),
      actionSpace: spaceToJSON(options.actionSpace),
      outputs: session.outputNames,
      maxBatch,
      metadata: options.metadata ?? {},
    });
  });
  // Admission before the body is read: a request beyond maxInFlight costs nothing but its 503.
  const admit = (_req: Request, res: Response, next: NextFunction): void => {
    if (inFlight >= maxInFlight) {
      res.status(503).set('retry-after', '1').json({ error: `${inFlight} requests are in progress, the most this server takes at once; retry shortly` });
      return;
    }
    inFlight += 1;
    let done = false;
    const release = (): void => {
      if (done) return;
      done = true;
      inFlight -= 1;
    };
    res.on('finish', release);
    res.on('close', release);
    next();
  };
  const binary = express.raw({ limit: maxBodyBytes, type: BINARY_TYPE });
  const json = express.json({ limit: maxBodyBytes, strict: false, type: (req) => !req.headers['content-type']?.startsWith(BINARY_TYPE) });
  app.post('/act', admit, binary, json, async (req: Request, res: Response, next: NextFunction) => {
    try {
      if (Buffer.isBuffer(req.body)) {
        const parsed = parseBinaryObservations(req.body, options.observationSpace, maxBatch);
        const out = await runModel({ obs: parsed.tensor });
        const reply: Record<string, unknown> = {};
        for (const name of session.outputNames) reply[name] = outputJson(out[name]!, parsed.rows, true);
        res.json(reply);
        return;
      }
      const body = req.body as unknown;
      if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new BadRequest(400, `the body is ${describeValue(body)}; send a JSON object {"obs": ...}`);
      const unknown = Object.keys(body).filter((k) => k !== 'obs');
      if (unknown.length > 0) throw new BadRequest(400, `unknown field ${JSON.stringify(unknown[0])} in the body; it takes "obs"`);
      const parsed = parseObservations((body as { obs?: unknown }).obs, options.observationSpace, maxBatch);
      const out = await runModel({ obs: parsed.tensor });
      const reply: Record<string, unknown> = {};
      for (const name of session.outputNames) reply[name] = outputJson(out[name]!, parsed.rows, parsed.batched);
      res.json(reply);
    } catch (e) {
      next(e);
    }
  });
  app.use((req: Request, res: Response) => {
    res.status(404).json({ error: `no endpoint ${req.method} ${req.path}; this server answers POST /act, GET /health, GET /spaces` });
  });
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const type = (err as { type?: string }).type;
    if (err instanceof BadRequest) return void res.status(err.status).json({ error: err.message });
    if (type === 'entity.too.large') return void res.status(413).json({ error: `the body is larger than ${maxBodyBytes} bytes; send smaller batches` });
    if (type === 'entity.parse.failed') return void res.status(400).json({ error: `the body is not valid JSON: ${(err as Error).message}` });
    if (type === 'encoding.unsupported' || type === 'charset.unsupported') return void res.status(415).json({ error: (err as Error).message });
    const status = (err as { status?: number }).status;
    if (typeof status === 'number' && status >= 400 && status < 500) return void res.status(status).json({ error: (err as Error).message });
    log(`serve: internal error: ${(err as Error)?.stack ?? String(err)}`);
    res.status(500).json({ error: `internal error: ${(err as Error)?.message ?? String(err)}` });
  });

  const server = createServer(app);
  // A client that sends its body slowly holds an in-flight slot at most this long (Node's default is 5 minutes).
  server.requestTimeout = 30_000;
  port = await listen(server, host, wanted).catch((e: Error) => {
    void session.release();
    throw new Error(`serve: cannot listen on ${host}:${wanted}: ${e.message}`);
  });
  const report = (): void => {
    const w = latencies.takeWindow();
    if (w.count === 0) return;
    log(`serve: ${w.count} requests (${latencies.requests} in all, ${latencies.errors} errors), latency p50 ${w.p50.toFixed(2)} ms, p99 ${w.p99.toFixed(2)} ms`);
  };
  const logEveryMs = options.logEveryMs ?? 10_000;
  const timer = logEveryMs > 0 ? setInterval(report, logEveryMs) : null;
  timer?.unref();
  const shownHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  return {
    url: `http://${shownHost}:${port}/`,
    port,
    stats: () => ({ requests: latencies.requests, errors: latencies.errors }),
    close: () =>
      new Promise<void>((resolve, reject) => {
        if (timer) clearInterval(timer);
        report();
        server.close((e) => {
          void session.release().finally(() => (e ? reject(e) : resolve()));
        });
        server.closeAllConnections();
      }),
  };
}
