// The server's side of "play live": from a run directory, the packet the
// play-live page needs (live-policy.ts): the run's env (id, kwargs, wrappers)
// and its newest intact checkpoint's acting path with the weights, read from
// the files the agent saved (agent.json, arena.mlp/1 and arena.cnn/1 nets,
// tabular tables), the same files and the same per-algorithm reading as the
// ONNX export (agents/export/onnx.ts). A run that cannot play live gets an
// HttpError (4xx) saying why: an env the browser cannot run, a multi-agent
// game, an algorithm with no acting path here, no checkpoint yet.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AgentManifest } from '../agents/agent.js';
import type { RunningMeanStdState } from '../core/running-stats.js';
import { describeSpace, spaceFromJSON } from '../core/spaces.js';
import { findIntactCheckpoint } from '../experiments/checkpoint.js';
import type { RunRecord } from '../experiments/types.js';
import { HttpError } from './catalog.js';
import type { LiveCnn, LiveHead, LiveMlp, LivePolicySpec, LiveSpec } from './live-policy.js';
import { LIVE_FORMAT, cnnSize, encodeLivePacket, mlpSize } from './live-policy.js';

/** The envs the browser bundle registers (viewer/client/live/envs.ts): pure TypeScript, no Node APIs. */
export const LIVE_ENV_IDS = [
  'CartPole-v1',
  'MountainCar-v0',
  'MountainCarContinuous-v0',
  'Pendulum-v1',
  'Acrobot-v1',
  'FrozenLake-v1',
  'FrozenLake8x8-v1',
  'CliffWalking-v1',
  'CliffWalkingSlippery-v1',
  'CarRacing-v3',
  'CarRacingFeatures-v3',
] as const;

const MUJOCO = /^(Ant|HalfCheetah|Hopper|Humanoid|HumanoidStandup|InvertedDoublePendulum|InvertedPendulum|Pusher|Reacher|Swimmer|Walker2d)-v\d+$/;

/** Why `id` cannot run in the browser, or null when it can. */
export function liveEnvProblem(id: string): string | null {
  if ((LIVE_ENV_IDS as readonly string[]).includes(id)) return null;
  if (MUJOCO.test(id)) return `${id} runs on MuJoCo, whose WebAssembly physics the viewer does not load in the browser; play live covers ${LIVE_ENV_IDS.join(', ')}`;
  return `${id} is not among the envs the viewer runs in the browser (${LIVE_ENV_IDS.join(', ')})`;
}

/** The algorithms play live reads (the tabular agents are recognised by their saved tables). */
const PLAYABLE = 'reinforce, ppo, a2c, dqn, ddpg, td3, sac, value-iteration, policy-iteration and the tabular TD agents';

/** The float32 weights of the nets read so far, laid end to end. */
class Weights {
  private readonly parts: Float32Array[] = [];
  length = 0;

  add(data: Float32Array): number {
    const offset = this.length;
    this.parts.push(data);
    this.length += data.length;
    return offset;
  }

  concat(): Float32Array {
    const out = new Float32Array(this.length);
    let o = 0;
    for (const p of this.parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  }
}

interface Reader {
  readonly dir: string;
  readonly manifest: AgentManifest;
  readonly weights: Weights;
}

async function mlp(r: Reader, name: string): Promise<LiveMlp> {
  const { readMlp } = await import('../agents/lib/nets.js');
  let net;
  try {
    net = await readMlp(r.dir, name);
  } catch (e) {
    throw new HttpError(422, `cannot read the ${r.manifest.algorithm} agent's ${name} net in ${r.dir}: ${(e as Error).message}`);
  }
  if (net.data.length !== mlpSize(net.sizes)) throw new HttpError(422, `${join(r.dir, name)}: ${net.data.length} weights for layer sizes [${net.sizes.join(', ')}]`);
  return { sizes: [...net.sizes], activation: net.activation, offset: r.weights.add(net.data) };
}

/** The conv trunk saved as `name` (PPO's 'cnn', DQN's 'online-cnn', 'actor-cnn' and the like). */
async function cnnTrunk(r: Reader, name: string): Promise<LiveCnn> {
  const { readCnn } = await import('../agents/lib/cnn.js');
  let read;
  try {
    read = await readCnn(r.dir, name, 'play live');
  } catch (e) {
    throw new HttpError(422, (e as Error).message);
  }
  const { json, data } = read;
  const shape = json.inputShape;
  const file = join(r.dir, `${name}.json`);
  if (shape.length !== 3) throw new HttpError(422, `${file}: inputShape [${shape.join(', ')}] is not [height, width, channels]`);
  const spec = { inputShape: [shape[0]!, shape[1]!, shape[2]!] as const, filters: [...json.filters], kernels: [...json.kernels], strides: [...json.strides], dense: json.dense };
  if (data.length !== cnnSize(spec)) throw new HttpError(422, `${file}: ${data.length} weights where this architecture has ${cnnSize(spec)}`);
  return { ...spec, offset: r.weights.add(data) };
}

async function floats64(r: Reader, file: string, count: number, what: string): Promise<number[]> {
  const { readBinary } = await import('../agents/agent.js');
  const values = Array.from(new Float64Array(await readBinary(r.dir, file)));
  if (values.length !== count) throw new HttpError(422, `${join(r.dir, file)} holds ${values.length} values, not ${count} (${what})`);
  return values;
}

/** The acting path of the agent saved in `r.dir`, as export's builderFor reads it. */
async function policySpec(r: Reader): Promise<Omit<LivePolicySpec, 'observationSpace' | 'actionSpace'>> {
  const { manifest } = r;
  const where = join(r.dir, 'agent.json');
  const obs = spaceFromJSON(manifest.context.observationSpace, `${where}: context.observationSpace`);
  const act = spaceFromJSON(manifest.context.actionSpace, `${where}: context.actionSpace`);
  if ((obs.type !== 'box' && obs.type !== 'discrete') || (act.type !== 'box' && act.type !== 'discrete')) {
    throw new HttpError(422, `the ${manifest.algorithm} agent acts on ${describeSpace(obs)} -> ${describeSpace(act)}; play live reads Box or Discrete spaces`);
  }
  const head = async (net: string): Promise<LiveHead> => (act.type === 'discrete' ? { kind: 'logits', net: await mlp(r, net) } : { kind: 'mean', net: await mlp(r, net) });
  const state = manifest.state ?? {};
  switch (manifest.algorithm) {
    case 'reinforce':
      return { algorithm: 'reinforce', head: await head('policy'), ...(manifest.hyperparameters['baseline'] === true ? { value: await mlp(r, 'value') } : {}) };
    case 'ppo':
    case 'a2c': {
      const policy = (state['policy'] ?? {}) as { obsRms?: RunningMeanStdState | null; cnn?: boolean };
      let normalize: LivePolicySpec['normalize'];
      if (policy.obsRms) {
        const clip = manifest.hyperparameters['clipObs'];
        if (typeof clip !== 'number') throw new HttpError(422, `${where} has observation statistics but no clipObs hyperparameter`);
        normalize = { mean: [...policy.obsRms.mean], std: policy.obsRms.var.map((v) => Math.sqrt(v + 1e-8)), clip };
      }
      const cnn = policy.cnn ? await cnnTrunk(r, 'cnn') : undefined;
      return { algorithm: manifest.algorithm, ...(normalize ? { normalize } : {}), ...(cnn ? { cnn } : {}), head: await head('actor'), value: await mlp(r, 'critic') };
    }
    case 'dqn': {
      if (act.type !== 'discrete') throw new HttpError(422, `dqn needs a Discrete action space, ${where} has ${describeSpace(act)}`);
      // The cnn policy: the Q-network's layers read the online trunk's features.
      const cnn = (state as { cnn?: boolean }).cnn === true ? { cnn: await cnnTrunk(r, 'online-cnn') } : {};
      if (manifest.hyperparameters['dueling'] === true) {
        return { algorithm: 'dqn', ...cnn, head: { kind: 'dueling', trunk: await mlp(r, 'online-trunk'), value: await mlp(r, 'online-value'), advantage: await mlp(r, 'online-advantage') } };
      }
      return { algorithm: 'dqn', ...cnn, head: { kind: 'q', net: await mlp(r, 'online-q') } };
    }
    case 'ddpg':
    case 'td3':
    case 'sac': {
      const algorithm = manifest.algorithm;
      if (act.type !== 'box') throw new HttpError(422, `${algorithm} needs a Box action space, ${where} has ${describeSpace(act)}`);
      // The cnn policy (decided as the agent decides it): the actor's trunk and the (first) critic's own.
      const { wantsCnn } = await import('../agents/lib/cnn.js');
      let trunks = {};
      try {
        if (wantsCnn(algorithm, obs, (manifest.hyperparameters['policy'] ?? 'auto') as 'auto' | 'mlp' | 'cnn')) trunks = { cnn: await cnnTrunk(r, 'actor-cnn'), valueCnn: await cnnTrunk(r, 'critic-cnn') };
      } catch (e) {
        throw new HttpError(422, `${where}: ${(e as Error).message}`);
      }
      // SAC's actor gives the mean and the log-std (or, with gSDE, the mean alone, clipped as its actor clips it).
      const sde = algorithm === 'sac' && manifest.hyperparameters['useSde'] === true;
      const { SDE_MEAN_CLIP } = await import('../agents/lib/compute/gsde.js');
      const shape = algorithm !== 'sac' ? {} : sde ? { meanClip: SDE_MEAN_CLIP } : { split: true };
      return { algorithm, ...trunks, head: { kind: 'tanh-box', net: await mlp(r, 'actor'), ...shape }, value: await mlp(r, 'critic') };
    }
  }
  const tables = state as { qTable?: unknown; visitCounts?: unknown; planned?: unknown; policy?: unknown; values?: unknown };
  if ((typeof tables.qTable === 'string' && typeof tables.visitCounts === 'string') || typeof tables.planned === 'boolean') {
    if (obs.type !== 'discrete' || act.type !== 'discrete') throw new HttpError(422, `a tabular agent needs Discrete spaces, ${where} has ${describeSpace(obs)} and ${describeSpace(act)}`);
    if (tables.planned === false) throw new HttpError(409, `the ${manifest.algorithm} agent in ${r.dir} has not planned yet: it has no policy to play`);
    const q = await floats64(r, tables.qTable as string, obs.n * act.n, `${obs.n} states x ${act.n} actions`);
    let greedy: number[];
    if (typeof tables.policy === 'string') {
      const { readBinary } = await import('../agents/agent.js');
      greedy = Array.from(new Int32Array(await readBinary(r.dir, tables.policy)));
      if (greedy.length !== obs.n) throw new HttpError(422, `${join(r.dir, tables.policy)} holds ${greedy.length} actions, not one per each of ${obs.n} states`);
    } else {
      greedy = Array.from({ length: obs.n }, (_s, s) => {
        let best = 0;
        for (let i = 1; i < act.n; i++) if (q[s * act.n + i]! > q[s * act.n + best]!) best = i;
        return best;
      });
    }
    const values = typeof tables.values === 'string' ? await floats64(r, tables.values, obs.n, `one per each of ${obs.n} states`) : undefined;
    return { algorithm: manifest.algorithm, head: { kind: 'table', greedy, q, ...(values ? { values } : {}) } };
  }
  throw new HttpError(422, `${manifest.algorithm} agents cannot play live: their saved files have no acting path the viewer reads (playable: ${PLAYABLE})`);
}

/** The play-live packet of the agent saved in `agentDir` (agent.json's directory) for the env `env`. */
export async function livePacketOf(agentDir: string, env: LiveSpec['env']): Promise<Uint8Array> {
  const path = join(agentDir, 'agent.json');
  let manifest: AgentManifest;
  try {
    manifest = JSON.parse(await readFile(path, 'utf8')) as AgentManifest;
  } catch (e) {
    throw new HttpError(422, `cannot read ${path}: ${(e as Error).message}`);
  }
  const { AGENT_FORMAT } = await import('../agents/agent.js');
  if (manifest?.format !== AGENT_FORMAT) throw new HttpError(422, `${path} has format ${JSON.stringify(manifest?.format)}, expected ${AGENT_FORMAT}`);
  const weights = new Weights();
  const policy: LivePolicySpec = { ...(await policySpec({ dir: agentDir, manifest, weights })), observationSpace: manifest.context.observationSpace, actionSpace: manifest.context.actionSpace };
  const spec: LiveSpec = { format: LIVE_FORMAT, env, trainingStep: manifest.stepCount, policy, weights: weights.length };
  return encodeLivePacket(spec, weights.concat());
}

/** The play-live packet of the run in `runDir` (its run.json read as `record`), from its newest intact checkpoint. */
export async function livePacket(runDir: string, record: RunRecord): Promise<Uint8Array> {
  const spec = record.spec;
  if (spec.game) throw new HttpError(422, `${spec.experiment}/${spec.variant} plays the multi-agent game ${spec.env.id}; play live runs single-agent envs`);
  const problem = liveEnvProblem(spec.env.id);
  if (problem) throw new HttpError(422, problem);
  const found = await findIntactCheckpoint(runDir).catch((e: unknown) => {
    throw new HttpError(422, `no checkpoint of this run can be read: ${(e as Error).message}`);
  });
  if (!found) throw new HttpError(409, `this run has no checkpoint yet (status ${record.status}, step ${record.step}); play live loads the policy from one`);
  if (existsSync(join(found.dir, 'learner.json'))) throw new HttpError(422, `this run's checkpoint holds a multi-agent learner (learner.json); play live runs single agents`);
  return livePacketOf(found.dir, { id: spec.env.id, kwargs: { ...spec.env.kwargs }, wrappers: spec.env.wrappers.map((w) => ({ name: w.name, args: { ...w.args } })) });
}
