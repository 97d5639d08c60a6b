// The policy server (viewer/policy-server.ts) over HTTP: actions equal the
// agent's deterministic act, single and batched; every malformed request gets
// a 400 (413 for a body too large) naming the problem and the server keeps
// answering; /health and /spaces; the Host check; counts and latencies logged.
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import '../../agents/index.js';
import type { Agent } from '../../agents/agent.js';
import { createAgent } from '../../agents/agent.js';
import { exportOnnx, readMetadata } from '../../agents/export/onnx.js';
import { make } from '../../core/registry.js';
import { Rng } from '../../core/rng.js';
import { box, spaceToJSON } from '../../core/spaces.js';
import { makeVec } from '../../core/vector.js';
import { Graph } from '../../agents/lib/compute/graph.js';
import { toOnnx } from '../../agents/lib/compute/serialize.js';
import '../../envs/index.js';
import { parseBinaryObservations, parseObservations, startPolicyServer } from '../../viewer/policy-server.js';
import { tempDirs } from '../helpers/temp-dirs.js';

const tempDir = tempDirs('policy-server');
const cli = new URL('../../dist/bin/arena.js', import.meta.url).pathname;

async function trainedPpo(dir: string): Promise<Agent> {
  const env = make('CartPole-v1');
  const agent = await createAgent('ppo', { hidden: [16, 16], nSteps: 32, normalizeObs: true }, { observationSpace: env.observationSpace, actionSpace: env.actionSpace, seed: 2, backend: 'wasm' });
  await agent.learn({ vecEnv: makeVec('CartPole-v1', 4), totalSteps: 512 });
  await agent.save(dir);
  return agent;
}

async function post(url: string, body: string, headers: Record<string, string> = { 'content-type': 'application/json' }): Promise<{ status: number; json: Record<string, unknown> }> {
  const r = await fetch(`${url}act`, { method: 'POST', body, headers });
  return { status: r.status, json: (await r.json()) as Record<string, unknown> };
}

/** A GET with a Host header of our choosing (fetch does not let one set it). */
function getWithHost(port: number, path: string, host: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET', headers: { host } }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('policy server', () => {
  it('answers single and batched requests as the agent acts, rejects bad ones with a 400 naming the problem, and keeps serving', async () => {
    const dir = tempDir();
    const agent = await trainedPpo(dir);
    const exported = await exportOnnx(dir, { env: 'CartPole-v1', version: 'test' });
    const lines: string[] = [];
    const server = await startPolicyServer({ ...exported, metadata: readMetadata(exported.model), port: 0, maxBatch: 50, maxBodyBytes: 20_000, log: (l) => lines.push(l), logEveryMs: 0 });
    try {
      const rng = new Rng(4);
      const batch = Array.from({ length: 40 }, () => [rng.uniform(-2, 2), rng.normal(), rng.uniform(-0.2, 0.2), rng.normal()]);
      const one = await post(server.url, JSON.stringify({ obs: batch[0] }));
      expect(one.status).toBe(200);
      expect(one.json['action']).toBe(agent.act(batch[0], { deterministic: true }));
      const diag = agent.diagnostics!(batch[0]);
      expect((one.json['probs'] as number[]).length).toBe(2);
      (one.json['probs'] as number[]).forEach((p, i) => expect(Math.abs(p - diag.probs![i]!)).toBeLessThanOrEqual(1e-5));
      expect(Math.abs((one.json['value'] as number) - diag.value!)).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(diag.value!)));
      const many = await post(server.url, JSON.stringify({ obs: batch }));
      expect(many.status).toBe(200);
      expect(many.json['action']).toEqual(batch.map((o) => agent.act(o, { deterministic: true })));
      expect((many.json['value'] as number[]).length).toBe(40);

      const bad: [string, number, RegExp][] = [
        ['{"obs": [1, 2, 3]}', 400, /obs is an array of 3; expected an array of 4 \(observations of Box\(.*\) have shape \[4\]\)/],
        ['{"obs": [[1, 2, 3, 4], [1, 2, "x", 4]]}', 400, /obs\[1\]\[2\] is "x"; observations hold finite numbers/],
        ['{"obs": [1, 2, null, 4]}', 400, /obs\[2\] is null; observations hold finite numbers/],
        ['{"obs": [1, 2, 1e999, 4]}', 400, /obs\[2\] is Infinity; observations hold finite numbers/],
        ['{"obs": [[[1, 2, 3, 4]]]}', 400, /obs is an array of 1 nested 3 deep; an observation of Box.* is 1 level\(s\) of arrays \[4\], a batch one level more/],
        ['{"obs": 3}', 400, /nested 0 deep/],
        ['{"obs": []}', 400, /obs is an array of 0; expected an array of 4/],
        ['{"ob": [1, 2, 3, 4]}', 400, /unknown field "ob" in the body; it takes "obs"/],
        ['{}', 400, /the body needs an "obs" field/],
        ['[1, 2, 3, 4]', 400, /the body is an array of 4; send a JSON object \{"obs": \.\.\.\}/],
        ['{"obs": [1, 2, 3, 4]', 400, /the body is not valid JSON/],
        ['', 400, /the body needs an "obs" field/],
        [JSON.stringify({ obs: Array.from({ length: 51 }, () => [0, 0, 0, 0]) }), 400, /obs is a batch of 51 observations; this server takes at most 50 per request/],
        [`{"obs": [0, 0, 0, 0]${' '.repeat(20_000)}}`, 413, /the body is larger than 20000 bytes; send smaller batches/],
      ];
      for (const [body, status, message] of bad) {
        const r = await post(server.url, body);
        expect(r.status, body.slice(0, 60)).toBe(status);
        expect(r.json['error'], body.slice(0, 60)).toMatch(message);
        // ... and the next good request is answered as before.
        expect((await post(server.url, JSON.stringify({ obs: batch[1] }))).json['action']).toBe(agent.act(batch[1], { deterministic: true }));
      }
      // The same batch as binary float32 values gets the same actions; a wrong size or a NaN a 400.
      const raw = Buffer.from(Float32Array.from(batch.flat()).buffer);
      const postRaw = async (bytes: Buffer) => {
        const r = await fetch(`${server.url}act`, { method: 'POST', body: bytes, headers: { 'content-type': 'application/octet-stream' } });
        return { status: r.status, json: (await r.json()) as Record<string, unknown> };
      };
      const viaBinary = await postRaw(raw);
      expect(viaBinary.status).toBe(200);
      expect(viaBinary.json['action']).toEqual(many.json['action']);
      expect(viaBinary.json['value']).toEqual(many.json['value']);
      const short = await postRaw(raw.subarray(0, 30));
      expect(short.status).toBe(400);
      expect(short.json['error']).toMatch(/the binary body has 30 bytes; a batch of Box.* observations is a multiple of 16 \(4 float32 little-endian values each\)/);
      const nan = Buffer.from(Float32Array.of(0, 0, Number.NaN, 0).buffer);
      expect((await postRaw(nan)).json['error']).toMatch(/value 2 of observation 0 is NaN; observations hold finite numbers/);

      const wrongHost = await getWithHost(server.port, '/health', 'evil.example:80');
      expect(wrongHost.status).toBe(403);
      expect((JSON.parse(wrongHost.text) as { error: string }).error).toMatch(/the Host header "evil.example:80" is not one this policy server serves/);
      const missing = await fetch(`${server.url}nothing`);
      expect(missing.status).toBe(404);

      const health = (await (await fetch(`${server.url}health`)).json()) as { status: string; requests: number; errors: number };
      expect(health.status).toBe('ok');
      expect(health.requests).toBe(2 + 2 * bad.length + 3 + 2); // the binary ones, the 403 and the 404 count too
      expect(health.errors).toBe(bad.length + 2 + 2);
      const spaces = (await (await fetch(`${server.url}spaces`)).json()) as Record<string, unknown>;
      expect(spaces['observationSpace']).toEqual(spaceToJSON(agent.context.observationSpace));
      expect(spaces['actionSpace']).toEqual(spaceToJSON(agent.context.actionSpace));
      expect(spaces['outputs']).toEqual(['action', 'probs', 'value']);
      expect((spaces['metadata'] as Record<string, string>)['arena.env']).toBe('CartPole-v1');
    } finally {
      await server.close();
    }
    expect(lines.some((l) => /serve: \d+ requests \(\d+ in all, 18 errors\), latency p50 [\d.]+ ms, p99 [\d.]+ ms/.test(l))).toBe(true);
    agent.dispose();
  }, 60_000);

  it('takes at most maxInFlight requests at once: one more gets a 503 before its body is read, and the slot frees when the first ends', async () => {
    const dir = tempDir();
    const agent = await trainedPpo(dir);
    const exported = await exportOnnx(dir, { version: 'test' });
    const server = await startPolicyServer({ ...exported, port: 0, maxInFlight: 1 });
    try {
      // A request whose body never finishes holds the one slot.
      const stalled = request({ host: '127.0.0.1', port: server.port, path: '/act', method: 'POST', headers: { 'content-type': 'application/json', 'content-length': '100' } });
      stalled.on('error', () => undefined);
      stalled.write('{"obs": [0, ');
      await new Promise((resolve) => setTimeout(resolve, 200));
      const busy = await post(server.url, JSON.stringify({ obs: [0, 0, 0, 0] }));
      expect(busy.status).toBe(503);
      expect(busy.json['error']).toMatch(/1 requests are in progress, the most this server takes at once; retry shortly/);
      stalled.destroy();
      await new Promise((resolve) => setTimeout(resolve, 200));
      const after = await post(server.url, JSON.stringify({ obs: [0, 0, 0, 0] }));
      expect(after.status).toBe(200);
      expect(after.json['action']).toBe(agent.act([0, 0, 0, 0], { deterministic: true }));
    } finally {
      await server.close();
      agent.dispose();
    }
  }, 30_000);

  it('checks image and Discrete observations', () => {
    const image = box(0, 255, [2, 2, 1], 'uint8');
    const ok = parseObservations([[[0], [255]], [[7], [9]]], image, 4);
    expect(ok.batched).toBe(false);
    expect(Array.from(ok.tensor.data as Float32Array)).toEqual([0, 255, 7, 9]);
    expect(ok.tensor.dims).toEqual([1, 2, 2, 1]);
    expect(parseObservations([[[[0], [1]], [[2], [3]]]], image, 4).batched).toBe(true);
    expect(() => parseObservations([[[0], [256]], [[7], [9]]], image, 4)).toThrow(/obs\[0\]\[1\]\[0\] is 256; Box\(.*uint8.*\) holds integers in \[0, 255\]/);
    expect(() => parseObservations([[[0], [1.5]], [[7], [9]]], image, 4)).toThrow(/obs\[0\]\[1\]\[0\] is 1.5; .* holds integers/);
    const bytes = parseBinaryObservations(Buffer.from([0, 255, 7, 9, 1, 2, 3, 4]), image, 4);
    expect(bytes.rows).toBe(2);
    expect(bytes.tensor.dims).toEqual([2, 2, 2, 1]);
    expect(Array.from(bytes.tensor.data as Float32Array)).toEqual([0, 255, 7, 9, 1, 2, 3, 4]);
    expect(() => parseBinaryObservations(Buffer.alloc(20), image, 4)).toThrow(/a batch of 5 observations; this server takes at most 4/);
    const lake = { type: 'discrete', n: 16, start: 0 } as const;
    expect(() => parseBinaryObservations(Buffer.alloc(8), lake, 4)).toThrow(/binary bodies are for Box observations; this model's are Discrete\(16\): send JSON/);
    expect(Array.from(parseObservations([3, 15], lake, 4).tensor.data as BigInt64Array, Number)).toEqual([3, 15]);
    expect(() => parseObservations(16, lake, 4)).toThrow(/obs is 16; an observation of Discrete\(16\) is an integer in \[0, 15\]/);
    expect(() => parseObservations([1, 2.5], lake, 4)).toThrow(/obs\[1\] is 2.5/);
    expect(() => parseObservations([1, 2, 3, 4, 5], lake, 4)).toThrow(/a batch of 5 observations; this server takes at most 4/);
  });

  it('arena serve: a saved agent and its exported model file serve the same action; a non-loopback --host needs --public, a model needs its metadata', async () => {
    const dir = tempDir();
    (await trainedPpo(dir)).dispose();
    const refused = spawn(process.execPath, [cli, 'serve', dir, '--host', '0.0.0.0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let refusal = '';
    refused.stderr.on('data', (d: Buffer) => (refusal += d.toString()));
    const refusedCode = await new Promise<number | null>((resolve) => refused.on('exit', resolve));
    expect(refusedCode).toBe(1);
    expect(refusal).toMatch(/serve: --host 0.0.0.0 is not a loopback address, so other machines could query the policy; add --public if that is meant/);

    // A model file without arena's metadata cannot say its spaces.
    const g = new Graph('float32');
    g.output('action', g.identity(g.input('obs', [-1, 4])));
    const bare = join(dir, 'bare.onnx');
    writeFileSync(bare, toOnnx(g));
    const bareRun = spawnSync(process.execPath, [cli, 'serve', bare], { encoding: 'utf8', timeout: 30_000 });
    expect(bareRun.status).toBe(1);
    expect(bareRun.stderr).toMatch(/serve: .*bare.onnx has no arena.observation_space \/ arena.action_space metadata; serve a model written by `arena export`/);

    // A saved agent, and the model `arena export` writes of it, serve the same actions.
    const file = join(dir, 'policy.onnx');
    expect(spawnSync(process.execPath, [cli, 'export', '--save', dir, '--out', file], { encoding: 'utf8', timeout: 30_000 }).status).toBe(0);
    const obs = [0.1, -0.5, 0.05, 1.2];
    const actions: unknown[] = [];
    for (const args of [['--save', dir], [file]]) actions.push((await served(args, obs, 'ppo'))['action']);
    expect(actions[0]).toBe(actions[1]);
    expect([0, 1]).toContain(actions[0]);
  }, 60_000);

  it('arena serve: a saved SAC agent answers with its deterministic action and its first critic\'s Q', async () => {
    const dir = tempDir();
    const env = make('Pendulum-v1');
    const agent = await createAgent('sac', { hidden: [16, 16], learningStarts: 50, bufferSize: 500 }, { observationSpace: env.observationSpace, actionSpace: env.actionSpace, seed: 3, backend: 'onnx' });
    await agent.learn({ env, totalSteps: 150 });
    await agent.save(dir);
    const obs = [0.6, -0.8, 3.5];
    const answer = await served(['--save', dir], obs, 'sac');
    const want = agent.act(obs, { deterministic: true }) as Float32Array;
    const action = answer['action'] as number[];
    expect(action).toHaveLength(1);
    expect(Math.abs(action[0]! - want[0]!)).toBeLessThanOrEqual(1e-5);
    expect(Math.abs((answer['value'] as number) - agent.diagnostics!(obs).value!)).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(agent.diagnostics!(obs).value!)));
    agent.dispose();
  }, 60_000);
});

/** Starts `arena serve <args> --port 0` (which must name `algorithm`), asks it about `obs`, stops it; its answer. */
async function served(args: string[], obs: number[], algorithm: string): Promise<Record<string, unknown>> {
  const child = spawn(process.execPath, [cli, 'serve', ...args, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    let output = '';
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        output += d.toString();
        const m = /at (http:\/\/127\.0\.0\.1:\d+\/)act/.exec(output);
        if (m) resolve(m[1]!);
      });
      child.on('exit', () => reject(new Error(`arena serve exited: ${output}`)));
    });
    expect(output).toMatch(new RegExp(`arena serve: ${algorithm} \\(unknown\\) at`));
    const r = await post(url, JSON.stringify({ obs }));
    expect(r.status).toBe(200);
    return r.json;
  } finally {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.on('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
  }
}
