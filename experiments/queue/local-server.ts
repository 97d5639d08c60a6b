// Starts a private redis-server (Debian's package) on a free loopback port with
// its files in a given directory, for the run-queue tests and benchmarks (never
// a system service). A missing binary is an error that says how to install it.
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';

export interface RedisServer {
  readonly port: number;
  readonly password: string;
  /** redis://:<password>@127.0.0.1:<port>/<db> */
  url(db?: number, password?: string): string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Starts redis-server with a password, no persistence unless `extra` turns it on, and waits until it accepts connections. */
export async function startRedis(dir: string, password: string, extra: readonly string[] = [], port?: number): Promise<RedisServer> {
  port ??= await freePort();
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--requirepass', password, '--save', '', '--appendonly', 'no', ...extra];
  const child: ChildProcess = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  await new Promise<void>((resolve, reject) => {
    const fail = (e: Error): void => {
      clearInterval(poll);
      clearTimeout(timer);
      reject(e);
    };
    const timer = setTimeout(() => fail(new Error(`redis-server did not start within 10 s:\n${output}`)), 10_000);
    child.once('error', (e: NodeJS.ErrnoException) => {
      fail(
        e.code === 'ENOENT'
          ? new Error("redis-server is not installed; the run queue needs it (Debian: apt-get install redis-server; .ci/run installs it for the tests)")
          : e,
      );
    });
    child.once('exit', (code) => fail(new Error(`redis-server exited with code ${code}:\n${output}`)));
    const poll = setInterval(() => {
      if (/Ready to accept connections/.test(output)) {
        clearInterval(poll);
        clearTimeout(timer);
        child.removeAllListeners('exit');
        resolve();
      }
    }, 20);
  });
  return {
    port,
    password,
    url: (db = 0, pw = password) => `redis://:${pw}@127.0.0.1:${port}/${db}`,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
