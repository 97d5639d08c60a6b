// Redis connection settings for the run queue: parses `--queue` URLs
// (redis://[user:password@]host[:port][/db], rediss:// for TLS), keeps the
// password out of everything printed (the URL is shown with `***` in its
// place), and turns connection failures into errors that say what to check.
import { Redis } from 'ioredis';
import type { RedisOptions } from 'bullmq';

export interface QueueConnection {
  /** Options for ioredis and BullMQ (which opens its own connections from them). */
  readonly options: RedisOptions;
  /** The URL with its password replaced by ***: the only form that is ever printed or stored. */
  readonly display: string;
  /** The password, so that error texts from the network can be scrubbed of it (never printed). */
  readonly secret: string | null;
}

export class QueueConnectionError extends Error {
  override name = 'QueueConnectionError';
}

/**
 * `url` with any password replaced by ***; works on malformed URLs too. As URL
 * parsers do, the user part ends at the last `@` before the path, so a password
 * holding an unencoded `@` is hidden whole.
 */
export function redactUrl(url: string): string {
  // Without a scheme (`user:pass@host`), everything up to the first / is the authority.
  const m = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*)(.*)$/is.exec(url) ?? /^()([^/?#]*)(.*)$/s.exec(url);
  if (!m) return url;
  const [, scheme, authority, rest] = m as unknown as [string, string, string, string];
  const at = authority.lastIndexOf('@');
  const colon = authority.slice(0, Math.max(0, at)).indexOf(':');
  if (at < 0 || colon < 0) return url;
  return `${scheme}${authority.slice(0, colon)}:***${authority.slice(at)}${rest}`;
}

/** Removes `secret` from a text (an error message from Redis or the network), in plain and URL-encoded form. */
export function scrub(text: string, secret: string | null): string {
  if (!secret) return text;
  let out = text.split(secret).join('***');
  const encoded = encodeURIComponent(secret);
  if (encoded !== secret) out = out.split(encoded).join('***');
  return out;
}

/** Parses a `--queue` URL; errors show the URL redacted. */
export function parseQueueUrl(url: string): QueueConnection {
  const display = redactUrl(url);
  const usage = 'expected redis://[user:password@]host[:port][/db] or rediss://... (TLS)';
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new QueueConnectionError(`--queue ${display}: not a URL; ${usage}`);
  }
  const tls = parsed.protocol === 'rediss:';
  if (!tls && parsed.protocol !== 'redis:') throw new QueueConnectionError(`--queue ${display}: unsupported scheme ${parsed.protocol}; ${usage}`);
  if (!parsed.hostname) throw new QueueConnectionError(`--queue ${display}: no host; ${usage}`);
  const port = parsed.port ? Number(parsed.port) : 6379;
  const dbText = parsed.pathname.replace(/^\//, '');
  if (dbText !== '' && !/^\d+$/.test(dbText)) throw new QueueConnectionError(`--queue ${display}: the path must be a database number, got /${dbText}`);
  const password = parsed.password ? decodeURIComponent(parsed.password) : null;
  const username = parsed.username ? decodeURIComponent(parsed.username) : null;
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  const options: RedisOptions = {
    host,
    port,
    ...(dbText !== '' ? { db: Number(dbText) } : {}),
    ...(username ? { username } : {}),
    ...(password ? { password } : {}),
    ...(tls ? { tls: { servername: host } } : {}),
    // BullMQ's workers and blocking reads must wait out a Redis restart rather than fail a command.
    maxRetriesPerRequest: null,
  };
  return { options, display, secret: password };
}

/** A readable cause for a failed connection, with the password scrubbed. */
export function explainConnectionError(error: Error, connection: QueueConnection): string {
  const message = scrub(error.message, connection.secret);
  if (/WRONGPASS|NOAUTH|invalid password|invalid username-password/i.test(message)) {
    return `Redis at ${connection.display} refused the credentials (wrong password or user): ${message}`;
  }
  if (/ECONNREFUSED/.test(message)) return `nothing accepts connections at ${connection.display} (is redis-server running and reachable?): ${message}`;
  if (/ENOTFOUND|EAI_AGAIN/.test(message)) return `cannot resolve the host of ${connection.display}: ${message}`;
  return `cannot use Redis at ${connection.display}: ${message}`;
}

/**
 * Opens a plain ioredis connection and checks it with PING before anything
 * else uses it: a wrong password or an unreachable host fails here, at once,
 * with a clear message, instead of as endless reconnect attempts.
 */
export async function connect(connection: QueueConnection, name: string): Promise<Redis> {
  const client = new Redis({ ...connection.options, lazyConnect: true, connectionName: name, retryStrategy: () => null });
  // Failures are reported below; keep ioredis from printing them (with its own text). The error event
  // carries the cause (WRONGPASS, ECONNREFUSED) where the rejected promise may only say the connection closed.
  let cause: Error | null = null;
  client.on('error', (e: Error) => {
    cause ??= e;
  });
  try {
    await client.connect();
    await client.ping();
  } catch (e) {
    client.disconnect();
    throw new QueueConnectionError(explainConnectionError(cause ?? (e as Error), connection));
  }
  // From here on, reconnect after a Redis restart (the default strategy, bounded delays).
  client.options.retryStrategy = (times: number) => Math.min(times * 200, 2000);
  return client;
}
