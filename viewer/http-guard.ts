// What the HTTP servers (the viewer, the policy server of `arena serve`) share
// about where they listen: binding a port, and refusing requests whose Host
// header names another host (DNS rebinding onto a loopback server).
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname, networkInterfaces } from 'node:os';
import type { NextFunction, Request, Response } from 'express';

/** A host name as a Host header writes it: lower case, an IPv6 address in brackets. */
export function hostName(host: string): string {
  const h = host.toLowerCase();
  return h.includes(':') && !h.startsWith('[') ? `[${h}]` : h;
}

/** Names the Host header may carry for a server bound to `host`; null accepts any. */
export function allowedHostNames(host: string, extra: readonly string[]): Set<string> | null {
  if (extra.includes('*')) return null;
  // Bound to every interface: the machine's own name and addresses name it too.
  const machine = host === '0.0.0.0' || host === '::' ? [hostname(), ...Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((a) => a.address))] : [];
  return new Set(['localhost', '127.0.0.1', '[::1]', host, ...machine, ...extra].map(hostName));
}

/**
 * Refuses a request whose Host header names another host than the server's
 * (or another port): a web page on another site can make a browser's name
 * for that site resolve to 127.0.0.1 (DNS rebinding) and then read this
 * loopback server as its own origin; the Host header still names that site.
 */
export function guardHost(allowed: Set<string> | null, port: () => number, server: string) {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (allowed === null) return next();
    const header = req.headers.host ?? '';
    const m = /^(\[[^\]]*\]|[^:]*)(?::(\d+))?$/.exec(header);
    const name = m ? hostName(m[1]!) : '';
    const givenPort = m?.[2] === undefined ? 80 : Number(m[2]);
    if (allowed.has(name) && givenPort === port()) return next();
    res.status(403).json({
      error: `the Host header ${JSON.stringify(header)} is not one ${server} serves (it answers ${[...allowed].join(', ')} on port ${port()}); to serve another name, start it with --allow-host <name>`,
    });
  };
}

/** Listens on host:port; resolves with the port bound (the one asked, or a free one for 0). */
export function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (e: Error) => {
      server.off('listening', onListening);
      reject(e);
    };
    const onListening = () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}
