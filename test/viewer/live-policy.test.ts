// Play live's policy (viewer/live-policy.ts, live-source.ts): for every
// algorithm the page can run, a briefly trained agent is saved, read into the
// play-live packet as the viewer's server sends it, and the plain-JS forward
// pass acts on a few thousand observations as the agent's deterministic `act`
// does (identical discrete actions, continuous within 1e-5), and the overlay's
// probabilities, Q-values and value equal the agent's diagnostics. Then the checked-in
// CartPole policy (test/fixtures/live-cartpole) balances for 500 steps through
// the packet, and the endpoint's refusals say why.
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import '../../agents/index.js';
import type { Agent, LearnOptions } from '../../agents/agent.js';
import type { Env } from '../../core/env.js';
import { createAgent, loadAgent } from '../../agents/agent.js';
import { listEnvs, make, unregister } from '../../core/registry.js';
import { Rng } from '../../core/rng.js';
import type { Space } from '../../core/spaces.js';
import { makeVec } from '../../core/vector.js';
import '../../envs/index.js';
import { makeRunEnv } from '../../experiments/execute-run.js';
import { decodeLivePacket, encodeLivePacket, livePolicy } from '../../viewer/live-policy.js';
import type { LiveSpec } from '../../viewer/live-policy.js';
import { LIVE_ENV_IDS, livePacketOf } from '../../viewer/live-source.js';
import type { Viewer } from '../../viewer/server.js';
import { startViewer } from '../../viewer/server.js';
import { shiftActorBias } from '../helpers/continuous.js';
import { PointerEnv, SideEnv } from '../helpers/fake-envs.js';
import { tempDirs } from '../helpers/temp-dirs.js';

const tempDir = tempDirs('live');
const FIXTURE = join(import.meta.dirname, '..', 'fixtures', 'live-cartpole');

/** `count` observations of `space`: uniform within finite bounds, N(0, 2) on an unbounded side, integers for images and Discrete spaces. */
function observations(space: Space, count: number, seed: number): (number | Float32Array)[] {
  const rng = new Rng(seed);
  if (space.type === 'discrete') return Array.from({ length: count }, () => space.start + rng.integers(0, space.n));
  if (space.type !== 'box') throw new Error(`no observations for ${space.type}`);
  return Array.from({ length: count }, () =>
    Float32Array.from(space.low, (lo, i) => {
      const hi = space.high[i]!;
      if (space.dtype === 'uint8') return rng.integers(lo, hi + 1);
      return Number.isFinite(lo) && Number.isFinite(hi) ? rng.uniform(lo, hi) : (Number.isFinite(lo) ? lo : Number.isFinite(hi) ? hi : 0) + 2 * rng.normal();
    }),
  );
}

interface Case {
  readonly name: string;
  readonly algorithm: string;
  readonly env: string;
  /** Makes the env when `env` is not a registered id (the pixel fakes); `env` then only names it in the packet. */
  readonly makeEnv?: () => Env;
  readonly hp: Record<string, unknown>;
  readonly steps: number;
  readonly envs?: number;
  readonly count?: number;
  /** 'wasm' unless given (TD3 and SAC run on onnx only). */
  readonly backend?: string;
  /** Edits the saved files; the agent compared with the page's policy is then the one loaded from them. */
  readonly edit?: (dir: string) => Promise<void>;
}

/** A trunk for the small pixel fakes (SideEnv's 12x12, PointerEnv's 8x8 images). */
const TINY_CNN = { policy: 'cnn', cnnFilters: [4, 8], cnnKernels: [4, 3], cnnStrides: [2, 1], cnnDense: 16, hidden: [16] };
const OFF_POLICY = { hidden: [32, 32], learningStarts: 200, bufferSize: 2000 };
const OFF_POLICY_CNN = { ...TINY_CNN, learningStarts: 32, batchSize: 16, bufferSize: 500 };
const POINTER = { env: 'Pointer-v0', makeEnv: () => new PointerEnv(), steps: 96, count: 1000, backend: 'onnx' };

const CASES: Case[] = [
  { name: 'reinforce, discrete, with baseline', algorithm: 'reinforce', env: 'CartPole-v1', hp: { hidden: [32, 32] }, steps: 2000 },
  { name: 'reinforce, continuous, no baseline', algorithm: 'reinforce', env: 'Pendulum-v1', hp: { hidden: [32], baseline: false }, steps: 1000 },
  { name: 'ppo, discrete, normalizeObs', algorithm: 'ppo', env: 'CartPole-v1', hp: { hidden: [32, 32], normalizeObs: true, nSteps: 64 }, steps: 2048, envs: 4 },
  { name: 'ppo, continuous, normalizeObs', algorithm: 'ppo', env: 'Pendulum-v1', hp: { hidden: [32, 32], normalizeObs: true, nSteps: 64 }, steps: 1024, envs: 4 },
  {
    name: 'ppo, cnn on CarRacing pixels',
    algorithm: 'ppo',
    env: 'CarRacing-v3',
    hp: { policy: 'cnn', cnnFilters: [4, 8], cnnKernels: [8, 4], cnnStrides: [4, 2], cnnDense: 16, nSteps: 16, batchSize: 16, nEpochs: 1 },
    steps: 32,
    envs: 2,
    count: 500,
  },
  { name: 'a2c, Discrete observations (one-hot)', algorithm: 'a2c', env: 'FrozenLake-v1', hp: { hidden: [16] }, steps: 1000, envs: 4 },
  { name: 'dqn', algorithm: 'dqn', env: 'CartPole-v1', hp: { hidden: [32, 32], learningStarts: 200, bufferSize: 2000 }, steps: 1500 },
  { name: 'dqn, dueling', algorithm: 'dqn', env: 'Acrobot-v1', hp: { hidden: [32, 32], dueling: true, learningStarts: 200, bufferSize: 2000 }, steps: 1500 },
  { name: 'dqn, cnn policy on pixels', algorithm: 'dqn', env: 'Side-v0', makeEnv: () => new SideEnv(), hp: { ...TINY_CNN, learningStarts: 40, batchSize: 16, bufferSize: 400, learningRate: 1e-3 }, steps: 200, count: 1000 },
  { name: 'ddpg', algorithm: 'ddpg', env: 'Pendulum-v1', hp: OFF_POLICY, steps: 600 },
  { name: 'ddpg, cnn policy on pixels', algorithm: 'ddpg', ...POINTER, hp: OFF_POLICY_CNN },
  { name: 'td3', algorithm: 'td3', env: 'Pendulum-v1', hp: OFF_POLICY, steps: 600, backend: 'onnx' },
  { name: 'td3, cnn policy on pixels', algorithm: 'td3', ...POINTER, hp: OFF_POLICY_CNN },
  { name: 'sac', algorithm: 'sac', env: 'Pendulum-v1', hp: OFF_POLICY, steps: 600, backend: 'onnx' },
  { name: 'sac with gSDE', algorithm: 'sac', env: 'Pendulum-v1', hp: { ...OFF_POLICY, useSde: true }, steps: 600, backend: 'onnx' },
  // An output bias of +3 puts the mean past gSDE's clip at 2 on most rows (a briefly trained actor's stay near 0).
  { name: 'sac with gSDE, means past the clip', algorithm: 'sac', env: 'Pendulum-v1', hp: { ...OFF_POLICY, useSde: true }, steps: 300, backend: 'onnx', edit: (dir) => shiftActorBias(dir, 3) },
  { name: 'sac, cnn policy on pixels', algorithm: 'sac', ...POINTER, hp: OFF_POLICY_CNN },
  { name: 'q-learning (a table)', algorithm: 'q-learning', env: 'FrozenLake-v1', hp: {}, steps: 5000 },
  { name: 'value-iteration (a planned policy)', algorithm: 'value-iteration', env: 'CliffWalking-v1', hp: {}, steps: 1 },
];

async function trained(c: Case, dir: string): Promise<Agent> {
  const probe = c.makeEnv ? c.makeEnv() : make(c.env);
  const agent = await createAgent(c.algorithm, c.hp, { observationSpace: probe.observationSpace, actionSpace: probe.actionSpace, seed: 7, backend: c.backend ?? 'wasm' });
  const where: Pick<LearnOptions, 'env' | 'vecEnv'> = c.envs ? { vecEnv: makeVec(c.env, c.envs) } : { env: probe };
  await agent.learn({ ...where, totalSteps: c.steps });
  await agent.save(dir);
  if (!c.edit) return agent;
  agent.dispose();
  await c.edit(dir);
  return loadAgent(dir, { backend: c.backend ?? 'wasm' });
}

const NO_WRAPPERS = { kwargs: {}, wrappers: [] };

describe('play live: the browser-side forward pass', () => {
  for (const c of CASES) {
    it(`${c.name}: acts as the agent's deterministic act, overlays as its diagnostics`, async () => {
      const dir = tempDir();
      const agent = await trained(c, dir);
      const { spec, weights } = decodeLivePacket(await livePacketOf(dir, { id: c.env, ...NO_WRAPPERS }));
      expect(spec.env.id).toBe(c.env);
      expect(spec.trainingStep).toBe(agent.stepCount);
      const policy = livePolicy(spec.policy, weights);
      expect(policy.weightsNeeded).toBe(weights.length);
      const discrete = agent.context.actionSpace.type === 'discrete';
      let mismatches = 0;
      let worst = 0;
      let worstOverlay = 0;
      const rows = observations(agent.context.observationSpace, c.count ?? 3000, 11);
      for (const [r, obs] of rows.entries()) {
        const expected = agent.act(obs, { deterministic: true });
        const { action: got, overlays } = policy.actWithOverlays(obs);
        // The overlay's numbers against the agent's diagnostics, on a tenth of the rows; relative beyond 1 (float32 sums in another order).
        // A tabular agent's probabilities are its exploration policy's, not the greedy act's: the page shows its Q-values only.
        if (r % 10 === 0 && agent.diagnostics) {
          const want = agent.diagnostics(obs);
          for (const key of ['qValues', 'probs', 'value'] as const) {
            if (want[key] === undefined || (key === 'probs' && spec.policy.head.kind === 'table')) continue;
            const w = ([] as number[]).concat(want[key]);
            const g = ([] as number[]).concat(overlays[key] ?? []);
            expect(g.length, `overlay ${key}`).toBe(w.length);
            g.forEach((v, i) => (worstOverlay = Math.max(worstOverlay, Math.abs(v - w[i]!) / Math.max(1, Math.abs(w[i]!)))));
          }
        }
        if (discrete) {
          if (got !== expected) mismatches += 1;
        } else {
          const e = expected as Float32Array;
          const a = got as Float32Array;
          expect(a.length).toBe(e.length);
          for (let d = 0; d < e.length; d++) worst = Math.max(worst, Math.abs(a[d]! - e[d]!));
        }
      }
      expect(mismatches, 'discrete actions that differ').toBe(0);
      expect(worst, 'largest continuous action difference').toBeLessThanOrEqual(1e-5);
      expect(worstOverlay, 'largest overlay difference (relative beyond 1)').toBeLessThanOrEqual(1e-5);
      agent.dispose();
    }, 120_000);
  }

  it('the checked-in CartPole policy balances for 500 steps through the packet, on the run env the page makes', async () => {
    const run = join(FIXTURE, 'ppo', 'seed-0');
    const { spec, weights } = decodeLivePacket(await livePacketOf(join(run, 'checkpoint'), { id: 'CartPole-v1', kwargs: {}, wrappers: [] }));
    const policy = livePolicy(spec.policy, weights);
    // Reset seed 0 is the one the browser test plays.
    const env = makeRunEnv({ env: spec.env });
    let { obs } = env.reset({ seed: 0 });
    let steps = 0;
    for (;;) {
      const r = env.step(policy.act(obs));
      steps += 1;
      obs = r.obs;
      if (r.terminated || r.truncated) {
        expect(r.terminated).toBe(false);
        break;
      }
    }
    expect(steps).toBe(500);
  });

  it('a packet that is cut short, or whose counts disagree, is refused with the reason', () => {
    const spec = { format: 'arena.live/1', env: { id: 'CartPole-v1', ...NO_WRAPPERS }, trainingStep: 0, policy: {}, weights: 3 } as unknown as LiveSpec;
    const bytes = encodeLivePacket(spec, new Float32Array([1, 2, 3]));
    expect(Array.from(decodeLivePacket(bytes).weights)).toEqual([1, 2, 3]);
    expect(() => decodeLivePacket(bytes.subarray(0, bytes.length - 4))).toThrow(/8 bytes of weights, the spec counts 3 float32 values/);
    expect(() => decodeLivePacket(bytes.subarray(0, 10))).toThrow(/the header announces \d+ bytes of JSON, the packet holds 6/);
    expect(() => encodeLivePacket(spec, new Float32Array(2))).toThrow(/counts 3 weights, 2 given/);
  });

  it('an agent with no acting path, and a directory without an agent, are refused with the reason', async () => {
    const dir = tempDir();
    const env = make('Bandit-v0');
    const bandit = await createAgent('bandit-ucb', {}, { observationSpace: env.observationSpace, actionSpace: env.actionSpace, seed: 1 });
    await bandit.save(dir);
    await expect(livePacketOf(dir, { id: 'Bandit-v0', ...NO_WRAPPERS })).rejects.toThrow(/bandit-ucb agents cannot play live: their saved files have no acting path the viewer reads \(playable: reinforce, ppo/);
    await expect(livePacketOf(tempDir(), { id: 'CartPole-v1', ...NO_WRAPPERS })).rejects.toThrow(/cannot read .*agent.json/);
  });

  it('every env the server offers can be made with the registration the browser bundle runs', async () => {
    const { registerLiveEnvs } = await import('../../viewer/client/live/envs.js');
    // As in the browser, where nothing else registers them: the families the bundle registers hold exactly the ids offered.
    for (const id of LIVE_ENV_IDS) expect(unregister(id)).toBe(true);
    const before = new Set(listEnvs().map((r) => r.id));
    registerLiveEnvs();
    const added = listEnvs().map((r) => r.id).filter((id) => !before.has(id));
    expect(added.sort()).toEqual([...LIVE_ENV_IDS].sort());
    for (const id of LIVE_ENV_IDS) make(id).close();
  });
});

describe('play live: the endpoint', () => {
  let viewer: Viewer;
  let root: string;

  beforeAll(async () => {
    root = tempDir();
    cpSync(FIXTURE, join(root, 'live-cartpole'), { recursive: true });
    // A MuJoCo run and a run without a checkpoint, each a copy of the fixture's run.json with its spec changed.
    const record = JSON.parse(readFileSync(join(FIXTURE, 'ppo', 'seed-0', 'run.json'), 'utf8')) as { spec: Record<string, unknown> };
    const variant = (name: string, spec: Record<string, unknown>): string => {
      const dir = join(root, 'live-cartpole', name, 'seed-0');
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'run.json'), JSON.stringify({ ...record, spec: { ...record.spec, variant: name, ...spec } }));
      return dir;
    };
    variant('pending', {});
    variant('hopper', { env: { id: 'Hopper-v5', kwargs: {}, wrappers: [] } });
    viewer = await startViewer({ root, port: 0, indexMs: 0 });
  });
  afterAll(() => viewer?.close());

  const get = (variant: string) => fetch(`${viewer.url}api/experiments/live-cartpole/runs/${variant}/seed-0/live`);

  it('serves the packet of a trained run', async () => {
    const res = await get('ppo');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/application\/octet-stream/);
    const { spec, weights } = decodeLivePacket(await res.arrayBuffer());
    expect(spec.env).toEqual({ id: 'CartPole-v1', kwargs: {}, wrappers: [] });
    expect(spec.policy.algorithm).toBe('ppo');
    expect(spec.policy.head.kind).toBe('logits');
    expect(weights.length).toBe(livePolicy(spec.policy, weights).weightsNeeded);
  });

  it('refuses runs that cannot play live with a 4xx saying why', async () => {
    const pending = await get('pending');
    expect(pending.status).toBe(409);
    expect(((await pending.json()) as { error: string }).error).toMatch(/this run has no checkpoint yet .*play live loads the policy from one/);
    const hopper = await get('hopper');
    expect(hopper.status).toBe(422);
    expect(((await hopper.json()) as { error: string }).error).toMatch(/Hopper-v5 runs on MuJoCo, whose WebAssembly physics the viewer does not load in the browser/);
    const missing = await get('nothing');
    expect(missing.status).toBe(404);
  });
});
