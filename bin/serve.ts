// `arena serve <run dir | --save dir | policy.onnx>`: serves a policy over
// HTTP (viewer/policy-server.ts). A run or save directory is exported on the
// fly (agents/export/onnx.ts); an .onnx file must be one `arena export` wrote
// (its metadata carries the spaces). Loopback only unless --public.
import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { exportOnnx, META, readMetadata } from '../agents/export/onnx.js';
import type { Space } from '../core/spaces.js';
import { spaceFromJSON } from '../core/spaces.js';
import type { PolicyServer } from '../viewer/policy-server.js';
import { startPolicyServer } from '../viewer/policy-server.js';
import { importModules } from './session.js';
import { agentSource } from './saved-env.js';

export interface ServeCommandOptions {
  host: string;
  port: number;
  /** Allows a --host other than a loopback address. */
  public?: boolean;
  allowHost: string[];
  maxBatch: number;
  import: string[];
}

/** Whether `host` names this machine only. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

interface LoadedPolicy {
  model: Uint8Array;
  observationSpace: Space;
  actionSpace: Space;
  metadata: Record<string, string>;
}

/** The model to serve: an exported .onnx file, or the export of a run or save directory. */
async function loadPolicy(path: string, version: string, out: (line: string) => void): Promise<LoadedPolicy> {
  if (existsSync(path) && statSync(path).isFile()) {
    const model = new Uint8Array(await readFile(path));
    let metadata: Record<string, string>;
    try {
      metadata = readMetadata(model);
    } catch (e) {
      throw new Error(`serve: ${path} is not an ONNX model: ${(e as Error).message}`);
    }
    const obs = metadata[META.observationSpace];
    const act = metadata[META.actionSpace];
    if (obs === undefined || act === undefined) throw new Error(`serve: ${path} has no ${META.observationSpace} / ${META.actionSpace} metadata; serve a model written by \`arena export\`, or the run or save directory itself`);
    return { model, metadata, observationSpace: spaceFromJSON(JSON.parse(obs), `${path}: ${META.observationSpace}`), actionSpace: spaceFromJSON(JSON.parse(act), `${path}: ${META.actionSpace}`) };
  }
  const source = await agentSource(path);
  if (source.kind === 'run') for (const w of source.warnings) out(`warning: ${w}`);
  const env = source.kind === 'run' ? source.record.spec.env.id : source.env?.id;
  const exported = await exportOnnx(source.agentDir, { version, ...(env !== undefined ? { env } : {}) });
  return { model: exported.model, metadata: readMetadata(exported.model), observationSpace: exported.observationSpace, actionSpace: exported.actionSpace };
}

/** Starts the server and returns it; the process serves until SIGINT/SIGTERM, which close it (and log the last counts). */
export async function serveCommand(path: string, options: ServeCommandOptions, version: string, out: (line: string) => void): Promise<PolicyServer> {
  if (!isLoopback(options.host) && !options.public) {
    throw new Error(`serve: --host ${options.host} is not a loopback address, so other machines could query the policy; add --public if that is meant`);
  }
  await importModules(options.import);
  const policy = await loadPolicy(path, version, out);
  const server = await startPolicyServer({ ...policy, host: options.host, port: options.port, allowHosts: options.allowHost, maxBatch: options.maxBatch, log: out });
  out(`arena serve: ${policy.metadata[META.algorithm] ?? 'policy'} (${policy.metadata[META.env] ?? 'env unknown'}) at ${server.url}act (POST {"obs": ...}); GET ${server.url}health, ${server.url}spaces  (Ctrl-C to stop)`);
  const stop = (): void => {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    void server.close().finally(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  return server;
}
