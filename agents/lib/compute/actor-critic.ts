// DDPG's and TD3's networks on ONNX Runtime: a deterministic actor
// mu(s) = tanh(MLP(s)) and one or two critics Q_i(s, a) = MLP([s, a]), with
// target copies. Each gradient step is one critic graph run (targets from the
// target actor, with TD3's clipped smoothing noise fed in, and the smaller of
// the target critics; the sum over critics of the mean squared error; the
// generated backward pass and Adam) and, when due, one actor graph run
// (-mean Q_1(s, mu(s)) with the critics' weights fed as inputs that the
// backward pass leaves alone). Targets move by Polyak averaging in a JS loop
// over the flat vectors (polyakUpdate). Parameters are flat in the order the
// tfjs nets save them, so checkpoints are the same files on both backends.
import type { Rng } from '../../../core/rng.js';
import type { ContinuousModel } from '../continuous-model.js';
import { mlpShapes, readMlp, saveMlpData } from '../nets.js';
import type { ReplayBatch } from '../replay.js';
import { writeBinary } from '../../agent.js';
import { Graph } from './graph.js';
import type { Sym } from './graph.js';
import { mlpForward } from './layers.js';
import { toOnnx } from './serialize.js';
import { Session, Tensor } from './session.js';
import { concatFloat32, ParamLayout, polyakUpdate, Trainer } from './trainer.js';

export interface DeterministicSpec {
  /** Names the agent in errors. */
  algorithm: string;
  obsDim: number;
  actionDim: number;
  hidden: readonly number[];
  batchSize: number;
  gamma: number;
  tau: number;
  learningRate: number;
  /** Critic steps per actor and target update. */
  policyDelay: number;
  /** 1 (DDPG) or 2 (TD3's twin critics). */
  critics: 1 | 2;
  /** TD3's target policy smoothing: N(0, noise^2) clipped to +-noiseClip, added to mu'(s') (0: none). */
  targetNoise: number;
  targetNoiseClip: number;
}

/** The initial weights, each flat in nets.ts's order (critics one after the other). */
export interface DeterministicWeights {
  actor: Float32Array;
  critic: Float32Array;
  actorTarget: Float32Array;
  criticTarget: Float32Array;
}

/** The checkpoint's file names of critic i's net (DDPG's 'critic', TD3's second 'critic2'). */
export const criticName = (i: number): string => (i === 0 ? 'critic' : `critic${i + 1}`);

/** Q(s, a) as [rows] of the critic whose parameters are `params`. */
export function criticQ(g: Graph, params: readonly Sym[], obs: Sym, actions: Sym): Sym {
  const q = mlpForward(g, params, g.concat([obs, actions], 1), 'relu');
  return g.reshape(q, [q.shape[0]!]);
}

/** Splits the symbols of several critics laid out one after the other. */
export function splitCritics(params: readonly Sym[], critics: number): Sym[][] {
  const per = params.length / critics;
  return Array.from({ length: critics }, (_, i) => params.slice(i * per, (i + 1) * per));
}

/** The batch inputs every critic graph declares, and host buffers they read. */
export class BatchFeeds {
  readonly feeds: Record<string, Tensor>;
  private readonly arrays: Record<'obs' | 'actions' | 'nextObs' | 'rewards' | 'terminated', Float32Array>;

  constructor(
    readonly rows: number,
    readonly obsDim: number,
    readonly actionDim: number,
  ) {
    this.arrays = {
      obs: new Float32Array(rows * obsDim),
      actions: new Float32Array(rows * actionDim),
      nextObs: new Float32Array(rows * obsDim),
      rewards: new Float32Array(rows),
      terminated: new Float32Array(rows),
    };
    const a = this.arrays;
    this.feeds = {
      obs: new Tensor('float32', a.obs, [rows, obsDim]),
      actions: new Tensor('float32', a.actions, [rows, actionDim]),
      nextObs: new Tensor('float32', a.nextObs, [rows, obsDim]),
      rewards: new Tensor('float32', a.rewards, [rows]),
      terminated: new Tensor('float32', a.terminated, [rows]),
    };
  }

  /** Declares the inputs in `g`. */
  inputs(g: Graph): Record<'obs' | 'actions' | 'nextObs' | 'rewards' | 'terminated', Sym> {
    const b = this.rows;
    return {
      obs: g.input('obs', [b, this.obsDim]),
      actions: g.input('actions', [b, this.actionDim]),
      nextObs: g.input('nextObs', [b, this.obsDim]),
      rewards: g.input('rewards', [b]),
      terminated: g.input('terminated', [b]),
    };
  }

  set(batch: ReplayBatch): void {
    if (batch.size !== this.rows) throw new RangeError(`BatchFeeds.set: a batch of ${batch.size} rows for graphs of ${this.rows}`);
    for (const k of ['obs', 'actions', 'nextObs', 'rewards', 'terminated'] as const) this.arrays[k].set(batch[k]);
  }
}

/** TD3's target policy smoothing noise: clip(N(0, std^2), -clip, clip) into each element of `out`, drawn in order from `rng`. */
export function smoothingNoise(rng: Rng, out: Float32Array, std: number, clip: number): Float32Array {
  for (let i = 0; i < out.length; i++) out[i] = Math.min(clip, Math.max(-clip, rng.normal() * std));
  return out;
}

/** y = r + gamma (1 - terminated) next: no bootstrap from a terminal state. */
export function tdTarget(g: Graph, rewards: Sym, terminated: Sym, next: Sym, gamma: number): Sym {
  return g.add(rewards, g.mul(g.mul(g.sub(1, terminated), gamma), next));
}

/** A forward graph's session: the net's parameters as p0, p1, ... (and others) plus `x` rows of any count. */
async function forwardSession(build: (g: Graph) => void): Promise<Session> {
  const g = new Graph('float32');
  build(g);
  return Session.create(toOnnx(g, 'forward'));
}

export class OnnxDeterministicModel implements ContinuousModel {
  private readonly actorTarget: Float32Array;
  private readonly criticTarget: Float32Array;
  private readonly targetFeeds: Record<string, Tensor>;
  private readonly batch: BatchFeeds;
  private readonly noise: Float32Array;
  private readonly noiseFeed: Record<string, Tensor>;
  private readonly one: Float32Array;

  private constructor(
    readonly spec: DeterministicSpec,
    private readonly actorLayout: ParamLayout,
    private readonly criticLayout: ParamLayout,
    private readonly actor: Trainer,
    private readonly critic: Trainer,
    private readonly actSession: Session,
    private readonly valueSession: Session,
    batch: BatchFeeds,
  ) {
    this.batch = batch;
    this.actorTarget = new Float32Array(actorLayout.size);
    this.criticTarget = new Float32Array(criticLayout.size);
    this.targetFeeds = { ...actorLayout.views(this.actorTarget, 'ta'), ...criticLayout.views(this.criticTarget, 'tc') };
    this.noise = new Float32Array(spec.batchSize * spec.actionDim);
    this.noiseFeed = spec.targetNoise > 0 ? { noise: new Tensor('float32', this.noise, [spec.batchSize, spec.actionDim]) } : {};
    this.one = new Float32Array(spec.obsDim);
  }

  static async create(spec: DeterministicSpec, weights: DeterministicWeights, optimizers?: { actor: { t: number; data: Float32Array }; critic: { t: number; data: Float32Array } }): Promise<OnnxDeterministicModel> {
    const { obsDim, actionDim, hidden, batchSize: b } = spec;
    const actorLayout = new ParamLayout(mlpShapes([obsDim, ...hidden, actionDim]));
    const criticLayout = new ParamLayout(Array.from({ length: spec.critics }, () => mlpShapes([obsDim + actionDim, ...hidden, 1])).flat());
    const batch = new BatchFeeds(b, obsDim, actionDim);
    const mu = (g: Graph, params: readonly Sym[], x: Sym) => g.tanh(mlpForward(g, params, x, 'relu'));
    const critic = await Trainer.create(
      {
        layout: criticLayout,
        build(g, params) {
          const x = batch.inputs(g);
          let nextA = mu(g, actorLayout.inputs(g, 'ta'), x.nextObs);
          // TD3: a' = clip(mu'(s') + clip(noise), -1, 1); the noise comes clipped from the host.
          if (spec.targetNoise > 0) nextA = g.clip(g.add(nextA, g.input('noise', [b, actionDim])), -1, 1);
          const targets = splitCritics(criticLayout.inputs(g, 'tc'), spec.critics).map((p) => criticQ(g, p, x.nextObs, nextA));
          const next = targets.reduce((m, q) => g.min(m, q));
          const y = tdTarget(g, x.rewards, x.terminated, next, spec.gamma);
          const qs = splitCritics(params, spec.critics).map((p) => criticQ(g, p, x.obs, x.actions));
          const loss = qs.map((q) => g.mean(g.square(g.sub(q, y)))).reduce((s, l) => g.add(s, l));
          return { loss, outputs: { meanQ: g.mean(qs[0]!) } };
        },
      },
      weights.critic,
      spec.learningRate,
    );
    const actor = await Trainer.create(
      {
        layout: actorLayout,
        build(g, params) {
          const obs = g.input('obs', [b, obsDim]);
          const q1 = splitCritics(criticLayout.inputs(g, 'c'), spec.critics)[0]!;
          return { loss: g.neg(g.mean(criticQ(g, q1, obs, mu(g, params, obs)))) };
        },
      },
      weights.actor,
      spec.learningRate,
    );
    const actSession = await forwardSession((g) => g.output('mu', mu(g, actorLayout.inputs(g, 'p'), g.input('x', [-1, obsDim]))));
    const valueSession = await forwardSession((g) => {
      const x = g.input('x', [1, obsDim]);
      const q1 = splitCritics(criticLayout.inputs(g, 'c'), spec.critics)[0]!;
      g.output('q', criticQ(g, q1, x, mu(g, actorLayout.inputs(g, 'p'), x)));
    });
    const model = new OnnxDeterministicModel(spec, actorLayout, criticLayout, actor, critic, actSession, valueSession, batch);
    model.actorTarget.set(weights.actorTarget);
    model.criticTarget.set(weights.criticTarget);
    if (optimizers) {
      actor.setState(optimizers.actor);
      critic.setState(optimizers.critic);
    }
    return model;
  }

  /** The initial weights of a `spec` model drawn from saved nets in `dir` (nets.ts's files), checked against its sizes. */
  static async readWeights(spec: DeterministicSpec, dir: string, who: string): Promise<DeterministicWeights> {
    const actorSizes = [spec.obsDim, ...spec.hidden, spec.actionDim];
    const criticSizes = [spec.obsDim + spec.actionDim, ...spec.hidden, 1];
    const names = (suffix: string) => Array.from({ length: spec.critics }, (_, i) => criticName(i) + suffix);
    return {
      actor: await readNets(dir, ['actor'], actorSizes, who),
      actorTarget: await readNets(dir, ['actorTarget'], actorSizes, who),
      critic: await readNets(dir, names(''), criticSizes, who),
      criticTarget: await readNets(dir, names('Target'), criticSizes, who),
    };
  }

  act(s: Float32Array): Float32Array {
    const out = new Float32Array(this.spec.actionDim);
    this.one.set(s);
    this.actSession.run({ ...this.actor.paramFeeds, x: new Tensor('float32', this.one, [1, this.spec.obsDim]) }, { mu: new Tensor('float32', out, [1, this.spec.actionDim]) });
    return out;
  }

  value(s: Float32Array): number {
    this.one.set(s);
    const out = this.valueSession.run({ ...this.actor.paramFeeds, ...this.criticLayout.views(this.critic.params, 'c'), x: new Tensor('float32', this.one, [1, this.spec.obsDim]) }, { q: null });
    return (out.q!.data as Float32Array)[0]!;
  }

  update(batch: ReplayBatch, rng: Rng, update: number): Record<string, number> {
    const spec = this.spec;
    this.batch.set(batch);
    if (spec.targetNoise > 0) smoothingNoise(rng, this.noise, spec.targetNoise, spec.targetNoiseClip);
    const r = this.critic.step({ ...this.batch.feeds, ...this.targetFeeds, ...this.noiseFeed });
    const metrics: Record<string, number> = { criticLoss: r.loss, meanQ: (r.outputs.meanQ!.data as Float32Array)[0]!, actorLoss: Number.NaN };
    if (update % spec.policyDelay === 0) {
      metrics.actorLoss = this.actor.step({ obs: this.batch.feeds.obs!, ...this.criticLayout.views(this.critic.params, 'c') }).loss;
      polyakUpdate(this.actorTarget, this.actor.params, spec.tau);
      polyakUpdate(this.criticTarget, this.critic.params, spec.tau);
    }
    return metrics;
  }

  async warmStart(dir: string, who: string): Promise<void> {
    const { obsDim, actionDim, hidden, critics } = this.spec;
    const actor = await readNets(dir, ['actor'], [obsDim, ...hidden, actionDim], who);
    const critic = await readNets(dir, Array.from({ length: critics }, (_, i) => criticName(i)), [obsDim + actionDim, ...hidden, 1], who);
    this.actor.setParams(actor);
    this.critic.setParams(critic);
    this.actorTarget.set(actor);
    this.criticTarget.set(critic);
  }

  async save(dir: string): Promise<Record<string, unknown>> {
    const { obsDim, actionDim, hidden } = this.spec;
    const actorSizes = [obsDim, ...hidden, actionDim];
    const criticSizes = [obsDim + actionDim, ...hidden, 1];
    await saveMlpData({ sizes: actorSizes, activation: 'relu', data: this.actor.params }, dir, 'actor');
    await saveMlpData({ sizes: actorSizes, activation: 'relu', data: this.actorTarget }, dir, 'actorTarget');
    const per = this.criticLayout.size / this.spec.critics;
    for (let i = 0; i < this.spec.critics; i++) {
      await saveMlpData({ sizes: criticSizes, activation: 'relu', data: this.critic.params.subarray(i * per, (i + 1) * per) }, dir, criticName(i));
      await saveMlpData({ sizes: criticSizes, activation: 'relu', data: this.criticTarget.subarray(i * per, (i + 1) * per) }, dir, `${criticName(i)}Target`);
    }
    const actorOpt = this.actor.getState();
    const criticOpt = this.critic.getState();
    await writeBinary(dir, 'actor-optimizer.bin', actorOpt.data);
    await writeBinary(dir, 'critic-optimizer.bin', criticOpt.data);
    return { optimizerSteps: { actor: actorOpt.t, critic: criticOpt.t } };
  }

  dispose(): void {
    this.actor.dispose();
    this.critic.dispose();
    this.actSession.dispose();
    this.valueSession.dispose();
  }
}

/** The nets `names` saved in `dir`, each of layer sizes `sizes`, as one flat vector. */
export async function readNets(dir: string, names: readonly string[], sizes: readonly number[], who: string): Promise<Float32Array> {
  const parts: Float32Array[] = [];
  for (const name of names) {
    const net = await readMlp(dir, name);
    if (net.sizes.join() !== sizes.join()) throw new Error(`${who}: ${dir}/${name} is a net of sizes [${net.sizes.join(', ')}], this agent's ${name} is [${sizes.join(', ')}]`);
    parts.push(net.data);
  }
  return parts.length === 1 ? parts[0]! : concatFloat32(parts);
}
