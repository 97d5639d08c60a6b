// ONNX export of a saved agent's acting path: read from the files `save(dir)`
// writes (agent.json, arena.mlp/1 and arena.cnn/1 nets, tabular tables), not
// from the agents' classes, and built with the compute path's graph builder
// (agents/lib/compute) into one model with a dynamic batch dimension:
//
//   input  obs      float32 [B, ...Box shape], or int64 [B] for a Discrete space
//   output action   int64 [B] (Discrete: start + index) or float32 [B, d] (Box)
//   extra  probs    float32 [B, n]  policy-gradient agents with Discrete actions
//          q_values float32 [B, n]  DQN (float64 for the tabular agents' tables)
//          value    float32 [B]     the critic's V(s) (REINFORCE's baseline), DDPG's Q(s, mu(s)),
//                                   TD3's and SAC's first critic Q_1(s, a) at their
//                                   deterministic action a (what their own `value`
//                                   gives the viewer), a planner's V(s) (float64)
//
// The action is what the agent's deterministic `act` returns: the argmax
// (first index on ties, as argmaxRow) or the Gaussian mean clipped to the
// action Box; DDPG's and TD3's tanh actor output, or SAC's squashed Gaussian
// mean tanh(mean) (gSDE's mean clipped to +-2 first, as its actor does),
// mapped onto the Box and clipped; the agent's own observation normalization
// (PPO/A2C normalizeObs, computed in float64 as the agent does), a Discrete
// observation's one-hot and the cnn policy's conv trunks (each net's own, read
// by the file name the agent saves it under) are inside the graph.
// Env wrappers of a run's config (normalizeObservation, rescaleAction, ...)
// stay outside: the model takes and returns what the agent itself takes and
// returns. Metadata (metadata_props) names the algorithm, the env, the spaces
// (as spaceToJSON writes them), the outputs and Arena's version.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import onnx from 'onnx-proto';
import type { RunningMeanStdState } from '../../core/running-stats.js';
import type { BoxSpace, DiscreteSpace, Space } from '../../core/spaces.js';
import { describeSpace, spaceFromJSON, spaceToJSON } from '../../core/spaces.js';
import type { AgentManifest } from '../agent.js';
import { AGENT_FORMAT, readBinary } from '../agent.js';
import { readCnn, wantsCnn } from '../lib/cnn.js';
import { SDE_MEAN_CLIP } from '../lib/compute/gsde.js';
import type { Sym } from '../lib/compute/graph.js';
import { Graph } from '../lib/compute/graph.js';
import { mlpForward } from '../lib/compute/layers.js';
import { toOnnx } from '../lib/compute/serialize.js';
import type { MlpData } from '../lib/nets.js';
import { mlpShapes, readMlp } from '../lib/nets.js';

const { onnx: O } = onnx;

/** Metadata keys of an exported model. */
export const META = {
  format: 'arena.format',
  version: 'arena.version',
  algorithm: 'arena.algorithm',
  env: 'arena.env',
  observationSpace: 'arena.observation_space',
  actionSpace: 'arena.action_space',
  outputs: 'arena.outputs',
} as const;
export const EXPORT_FORMAT = 'arena.policy-onnx/1';

/** The algorithms with an export path (the tabular ones are recognised by their saved tables). */
export const EXPORTABLE = ['reinforce', 'ppo', 'a2c', 'dqn', 'ddpg', 'td3', 'sac', 'value-iteration', 'policy-iteration', 'the tabular TD agents (q-learning, sarsa, expected-sarsa, n-step-sarsa, q-lambda, sarsa-lambda, monte-carlo)'];

export class ExportError extends Error {
  override name = 'ExportError';
}

export interface ExportedPolicy {
  readonly model: Uint8Array;
  readonly algorithm: string;
  readonly observationSpace: Space;
  readonly actionSpace: Space;
  /** Output names, the action first. */
  readonly outputs: readonly string[];
}

/** The acting path of the agent saved in `dir` (an agent directory: agent.json's) as ONNX model bytes. */
export async function exportOnnx(dir: string, meta: { env?: string; version: string }): Promise<ExportedPolicy> {
  const manifest = await readManifest(dir);
  const where = join(dir, 'agent.json');
  const observationSpace = spaceFromJSON(manifest.context.observationSpace, `${where}: context.observationSpace`);
  const actionSpace = spaceFromJSON(manifest.context.actionSpace, `${where}: context.actionSpace`);
  const g = new Graph('float32');
  const ctx: BuildContext = { g, dir, manifest, obsSpace: observationSpace, actSpace: actionSpace };
  const build = builderFor(manifest);
  await build(ctx);
  const outputs = g.outputs.map((o) => o.name);
  const model = withMetadata(toOnnx(g, `arena-${manifest.algorithm}`), {
    [META.format]: EXPORT_FORMAT,
    [META.version]: meta.version,
    [META.algorithm]: manifest.algorithm,
    [META.env]: meta.env ?? 'unknown',
    [META.observationSpace]: JSON.stringify(spaceToJSON(observationSpace)),
    [META.actionSpace]: JSON.stringify(spaceToJSON(actionSpace)),
    [META.outputs]: outputs.join(','),
  });
  return { model, algorithm: manifest.algorithm, observationSpace, actionSpace, outputs };
}

async function readManifest(dir: string): Promise<AgentManifest> {
  const path = join(dir, 'agent.json');
  if (!existsSync(path) && existsSync(join(dir, 'learner.json'))) throw new ExportError(`export: ${dir} holds a multi-agent learner (learner.json); learners have no ONNX export path yet`);
  let manifest: AgentManifest;
  try {
    manifest = JSON.parse(await readFile(path, 'utf8')) as AgentManifest;
  } catch (e) {
    throw new ExportError(`export: cannot read ${path}: ${(e as Error).message}`);
  }
  if (manifest?.format !== AGENT_FORMAT) throw new ExportError(`export: ${path} has format ${JSON.stringify(manifest?.format)}, expected ${AGENT_FORMAT}`);
  return manifest;
}

/** Sets the model's metadata_props (toOnnx writes the graph; the properties go on the decoded model). */
function withMetadata(bytes: Uint8Array, props: Record<string, string>): Uint8Array {
  const model = O.ModelProto.decode(bytes);
  model.metadataProps = Object.entries(props).map(([key, value]) => O.StringStringEntryProto.create({ key, value }));
  return O.ModelProto.encode(model).finish();
}

/** The metadata of exported model bytes, for readers (arena serve). */
export function readMetadata(bytes: Uint8Array): Record<string, string> {
  const model = O.ModelProto.decode(bytes);
  return Object.fromEntries((model.metadataProps ?? []).map((p) => [p.key ?? '', p.value ?? '']));
}

interface BuildContext {
  readonly g: Graph;
  readonly dir: string;
  readonly manifest: AgentManifest;
  readonly obsSpace: Space;
  readonly actSpace: Space;
}

type Builder = (ctx: BuildContext) => Promise<void>;

function builderFor(manifest: AgentManifest): Builder {
  const state = manifest.state ?? {};
  switch (manifest.algorithm) {
    case 'reinforce':
      return buildReinforce;
    case 'ppo':
    case 'a2c':
      return buildActorCritic;
    case 'dqn':
      return buildDqn;
    case 'ddpg':
    case 'td3':
    case 'sac':
      return buildTanhActor;
  }
  // Tabular TD agents save a Q-table with visit counts; the planners (value and policy iteration) a plan.
  if (typeof state['qTable'] === 'string' && typeof state['visitCounts'] === 'string') return buildTabular;
  if (typeof state['planned'] === 'boolean') return buildTabular;
  throw new ExportError(`export: ${manifest.algorithm} agents have no ONNX export path; exportable: ${EXPORTABLE.join(', ')}`);
}

// ---------------------------------------------------------------- pieces

function boxOrDiscrete(space: Space, what: string, algorithm: string): BoxSpace | DiscreteSpace {
  if (space.type !== 'box' && space.type !== 'discrete') throw new ExportError(`export: ${algorithm}'s ${what} space ${describeSpace(space)} is neither Box nor Discrete`);
  return space;
}

/** The `obs` input: float32 [B, ...shape] for a Box, int64 [B] for a Discrete space. */
function obsInput(ctx: BuildContext): Sym {
  const o = boxOrDiscrete(ctx.obsSpace, 'observation', ctx.manifest.algorithm);
  return o.type === 'box' ? ctx.g.input('obs', [-1, ...o.shape], 'float32') : ctx.g.input('obs', [-1], 'int64');
}

/** The network input of `obs`: a Box flattened to [B, d], a Discrete observation one-hot [B, n] (a row of the identity). */
function encodeObs(ctx: BuildContext, obs: Sym): Sym {
  const { g } = ctx;
  const o = ctx.obsSpace as BoxSpace | DiscreteSpace;
  if (o.type === 'box') return g.reshape(obs, [-1, o.low.length]);
  const eye = new Float32Array(o.n * o.n);
  for (let i = 0; i < o.n; i++) eye[i * o.n + i] = 1;
  return g.node('Gather', [g.constant(eye, [o.n, o.n]), index(ctx, obs)], [-1, o.n], 'float32', { axis: { int: 0 } });
}

/** A Discrete observation as a 0-based row index. */
function index(ctx: BuildContext, obs: Sym): Sym {
  const start = (ctx.obsSpace as DiscreteSpace).start;
  return start === 0 ? obs : ctx.g.sub(obs, ctx.g.scalar(start, 'int64'));
}

/** The running-statistics normalization the actor-critics apply, in float64 as they do: clip((x - mean) / sqrt(var + 1e-8), +-c). */
function normalize(g: Graph, x: Sym, rms: RunningMeanStdState, clip: number): Sym {
  const d = x.shape[1]!;
  const mean = g.constant(rms.mean, [d], 'float64');
  const std = g.constant(
    rms.var.map((v) => Math.sqrt(v + 1e-8)),
    [d],
    'float64',
  );
  const z = g.div(g.sub(g.cast(x, 'float64'), mean), std);
  return g.cast(g.clip(z, g.scalar(-clip, 'float64'), g.scalar(clip, 'float64')), 'float32');
}

/** An MLP's weights as graph constants, in the [W0, b0, W1, b1, ...] layout. */
function mlpParams(g: Graph, net: MlpData): Sym[] {
  let o = 0;
  return mlpShapes(net.sizes).map((shape) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const s = g.constant(net.data.subarray(o, o + n), shape);
    o += n;
    return s;
  });
}

function forward(g: Graph, net: MlpData, x: Sym, activateLast = false): Sym {
  if (net.sizes[0] !== x.shape[1]) throw new ExportError(`export: a net of input size ${net.sizes[0]} gets inputs of size ${x.shape[1]}`);
  return mlpForward(g, mlpParams(g, net), x, net.activation, activateLast);
}

async function net(ctx: BuildContext, name: string): Promise<MlpData> {
  try {
    return await readMlp(ctx.dir, name);
  } catch (e) {
    throw new ExportError(`export: cannot read the ${ctx.manifest.algorithm} agent's ${name} net in ${ctx.dir}: ${(e as Error).message}`);
  }
}

/** Discrete: `action` = start + argmax(logits) (int64), with `probs` when asked; Box: `action` = means clipped to the bounds. */
function policyOutputs(ctx: BuildContext, head: Sym, withProbs: boolean): void {
  const { g } = ctx;
  const a = boxOrDiscrete(ctx.actSpace, 'action', ctx.manifest.algorithm);
  if (a.type === 'discrete') {
    g.output('action', discreteAction(g, head, a.start));
    if (withProbs) g.output('probs', g.softmax(head, 1));
    return;
  }
  g.output('action', g.reshape(clipToBox(g, head, a), [-1, ...a.shape]));
}

function discreteAction(g: Graph, scores: Sym, start: number): Sym {
  const i = g.argmax(scores, 1);
  return start === 0 ? i : g.add(i, g.scalar(start, 'int64'));
}

function clipToBox(g: Graph, x: Sym, a: BoxSpace): Sym {
  const d = a.low.length;
  // An infinite bound is no bound (max(x, -inf) is x): a side with no finite bound needs no node.
  const lo = a.low.some(Number.isFinite) ? g.max(x, g.constant(a.low, [d])) : x;
  return a.high.some(Number.isFinite) ? g.min(lo, g.constant(a.high, [d])) : lo;
}

function valueOutput(g: Graph, v: Sym): void {
  g.output('value', g.reshape(v, [-1]));
}

// ---------------------------------------------------------------- algorithms

async function buildReinforce(ctx: BuildContext): Promise<void> {
  const { g } = ctx;
  const x = encodeObs(ctx, obsInput(ctx));
  policyOutputs(ctx, forward(g, await net(ctx, 'policy'), x), true);
  if (ctx.manifest.hyperparameters['baseline'] === true) valueOutput(g, forward(g, await net(ctx, 'value'), x));
}

interface PolicyState {
  obsRms?: RunningMeanStdState | null;
  cnn?: boolean;
}

async function buildActorCritic(ctx: BuildContext): Promise<void> {
  const { g, manifest } = ctx;
  const policy = (manifest.state['policy'] ?? {}) as PolicyState;
  let x = encodeObs(ctx, obsInput(ctx));
  if (policy.obsRms) {
    const clip = manifest.hyperparameters['clipObs'];
    if (typeof clip !== 'number') throw new ExportError(`export: ${manifest.algorithm} agent.json has observation statistics but no clipObs hyperparameter`);
    x = normalize(g, x, policy.obsRms, clip);
  }
  if (policy.cnn) x = await cnnTrunk(ctx, x, 'cnn');
  policyOutputs(ctx, forward(g, await net(ctx, 'actor'), x), true);
  valueOutput(g, forward(g, await net(ctx, 'critic'), x));
}

/**
 * agents/lib/cnn.ts's trunk saved as `name` (PPO's 'cnn', DQN's 'online-cnn',
 * 'actor-cnn' and the like): pixels / 255, convolutions with relu (NHWC there,
 * NCHW for ONNX's Conv), flattened in NHWC order, a dense relu layer.
 */
async function cnnTrunk(ctx: BuildContext, x: Sym, name: string): Promise<Sym> {
  const { g } = ctx;
  let read: Awaited<ReturnType<typeof readCnn>>;
  try {
    read = await readCnn(ctx.dir, name, 'export');
  } catch (e) {
    throw new ExportError(`export: cannot read the ${ctx.manifest.algorithm} agent's ${name} trunk in ${ctx.dir}: ${(e as Error).message}`);
  }
  const { json, data } = read;
  const [H, W, C] = json.inputShape as [number, number, number];
  let h = g.node('Transpose', [g.reshape(g.mul(x, 1 / 255), [-1, H, W, C])], [-1, C, H, W], 'float32', { perm: { ints: [0, 3, 1, 2] } });
  let [inH, inW, inC] = [H, W, C];
  for (let l = 0; l < json.filters.length; l++) {
    const k = json.kernels[l]!;
    const s = json.strides[l]!;
    const outC = json.filters[l]!;
    const kernel = json.weights[2 * l]!;
    const bias = json.weights[2 * l + 1]!;
    // [k, k, C_in, C_out] (tfjs) to [C_out, C_in, k, k] (ONNX).
    const src = data.subarray(kernel.offset, kernel.offset + kernel.length);
    const w = new Float32Array(kernel.length);
    for (let ky = 0; ky < k; ky++)
      for (let kx = 0; kx < k; kx++)
        for (let c = 0; c < inC; c++) for (let f = 0; f < outC; f++) w[((f * inC + c) * k + ky) * k + kx] = src[((ky * k + kx) * inC + c) * outC + f]!;
    const outH = Math.floor((inH - k) / s) + 1;
    const outW = Math.floor((inW - k) / s) + 1;
    h = g.node('Conv', [h, g.constant(w, [outC, inC, k, k]), g.constant(data.subarray(bias.offset, bias.offset + bias.length), [outC])], [-1, outC, outH, outW], 'float32', {
      kernel_shape: { ints: [k, k] },
      strides: { ints: [s, s] },
    });
    h = g.relu(h);
    [inH, inW, inC] = [outH, outW, outC];
  }
  const flat = g.reshape(g.node('Transpose', [h], [-1, inH, inW, inC], 'float32', { perm: { ints: [0, 2, 3, 1] } }), [-1, inH * inW * inC]);
  const dw = json.weights[2 * json.filters.length]!;
  const db = json.weights[2 * json.filters.length + 1]!;
  const w = g.constant(data.subarray(dw.offset, dw.offset + dw.length), dw.shape);
  const b = g.constant(data.subarray(db.offset, db.offset + db.length), db.shape);
  return g.relu(g.dense(flat, w, b));
}

async function buildDqn(ctx: BuildContext): Promise<void> {
  const { g, manifest } = ctx;
  const a = boxOrDiscrete(ctx.actSpace, 'action', manifest.algorithm);
  if (a.type !== 'discrete') throw new ExportError(`export: dqn needs a Discrete action space, agent.json has ${describeSpace(a)}`);
  let x = encodeObs(ctx, obsInput(ctx));
  // The cnn policy: the Q-network's layers read the online trunk's features (agent.json's state.cnn, as the agent's load reads it).
  if ((manifest.state as { cnn?: boolean }).cnn === true) x = await cnnTrunk(ctx, x, 'online-cnn');
  let q: Sym;
  if (manifest.hyperparameters['dueling'] === true) {
    // Q = V + A - mean(A) on the trunk's (activated) features (Wang et al. 2016, eq. 9), as agents/dqn.ts.
    const h = forward(g, await net(ctx, 'online-trunk'), x, true);
    const adv = forward(g, await net(ctx, 'online-advantage'), h);
    q = g.add(forward(g, await net(ctx, 'online-value'), h), g.sub(adv, g.mean(adv, [1], true)));
  } else {
    q = forward(g, await net(ctx, 'online-q'), x);
  }
  g.output('action', discreteAction(g, q, a.start));
  g.output('q_values', q);
}

/**
 * DDPG, TD3 and SAC (agents/lib/continuous-agent.ts's agents): a = tanh of the
 * actor's mean, mapped onto the Box, and Q_1(s, a) of the critic saved as
 * 'critic'. The actor's output is the mean itself (DDPG, TD3), SAC's [mean,
 * log-std] pair (the log-std is not needed to act deterministically), or
 * gSDE's mean, clipped as gsde.ts's gsdeHead clips it. Under the cnn policy
 * each net reads the observation through the trunk saved beside it as
 * `<net>-cnn` (SAC's twin critics share 'critic-cnn', TD3's first critic has
 * it to itself): the agent decides that from its policy hyperparameter and
 * the observation space, and so does this.
 */
async function buildTanhActor(ctx: BuildContext): Promise<void> {
  const { g, manifest } = ctx;
  const algorithm = manifest.algorithm;
  const a = boxOrDiscrete(ctx.actSpace, 'action', algorithm);
  if (a.type !== 'box') throw new ExportError(`export: ${algorithm} needs a Box action space, agent.json has ${describeSpace(a)}`);
  const x = encodeObs(ctx, obsInput(ctx));
  const d = a.low.length;
  const policy = manifest.hyperparameters['policy'] ?? 'auto';
  let cnn: boolean;
  try {
    cnn = wantsCnn(algorithm, ctx.obsSpace, policy as 'auto' | 'mlp' | 'cnn');
  } catch (e) {
    throw new ExportError(`export: ${join(ctx.dir, 'agent.json')}: ${(e as Error).message}`);
  }
  const features = async (netName: string): Promise<Sym> => (cnn ? cnnTrunk(ctx, x, `${netName}-cnn`) : x);
  const actor = await net(ctx, 'actor');
  const sde = algorithm === 'sac' && manifest.hyperparameters['useSde'] === true;
  const withLogStd = algorithm === 'sac' && !sde;
  const outputs = withLogStd ? 2 * d : d;
  if (actor.sizes[actor.sizes.length - 1] !== outputs) {
    throw new ExportError(`export: the ${algorithm} agent's actor in ${ctx.dir} has ${actor.sizes[actor.sizes.length - 1]} outputs, expected ${outputs} for ${d} action dimension(s)${algorithm === 'sac' ? ` (useSde ${sde})` : ''}`);
  }
  let mean = forward(g, actor, await features('actor'));
  if (withLogStd) mean = g.split(mean, 1, [d, d])[0]!;
  if (sde) mean = g.clip(mean, -SDE_MEAN_CLIP, SDE_MEAN_CLIP);
  // mu(s) = tanh(mean) in [-1, 1]^d, mapped onto the Box (center + half * mu, in float64 as the agent) and clipped.
  const mu = g.tanh(mean);
  const center = Array.from({ length: d }, (_, i) => (a.low[i]! + a.high[i]!) / 2);
  const half = Array.from({ length: d }, (_, i) => (a.high[i]! - a.low[i]!) / 2);
  const mapped = g.cast(g.add(g.constant(center, [d], 'float64'), g.mul(g.constant(half, [d], 'float64'), g.cast(mu, 'float64'))), 'float32');
  g.output('action', g.reshape(clipToBox(g, mapped, a), [-1, ...a.shape]));
  valueOutput(g, forward(g, await net(ctx, 'critic'), g.concat([await features('critic'), mu], 1)));
}

/** A lookup: the greedy action of each state (first best on ties; a planner's saved policy) and the Q-table row, gathered by the observation. */
async function buildTabular(ctx: BuildContext): Promise<void> {
  const { g, manifest } = ctx;
  const o = boxOrDiscrete(ctx.obsSpace, 'observation', manifest.algorithm);
  const a = boxOrDiscrete(ctx.actSpace, 'action', manifest.algorithm);
  if (o.type !== 'discrete' || a.type !== 'discrete') throw new ExportError(`export: a tabular agent needs Discrete spaces, agent.json has ${describeSpace(o)} and ${describeSpace(a)}`);
  const state = manifest.state as { qTable?: string; policy?: string; values?: string; planned?: boolean };
  if (state.planned === false) throw new ExportError(`export: the ${manifest.algorithm} agent in ${ctx.dir} has not planned yet (no policy to export)`);
  const [nS, nA] = [o.n, a.n];
  const q = new Float64Array(await readBinary(ctx.dir, state.qTable!));
  if (q.length !== nS * nA) throw new ExportError(`export: ${join(ctx.dir, state.qTable!)} holds ${q.length} values, not ${nS} states x ${nA} actions`);
  let greedy: Int32Array;
  if (state.policy) {
    greedy = new Int32Array(await readBinary(ctx.dir, state.policy));
    if (greedy.length !== nS) throw new ExportError(`export: ${join(ctx.dir, state.policy)} holds ${greedy.length} actions, not one per each of ${nS} states`);
  } else {
    greedy = new Int32Array(nS);
    for (let s = 0; s < nS; s++) {
      let best = 0;
      for (let i = 1; i < nA; i++) if (q[s * nA + i]! > q[s * nA + best]!) best = i;
      greedy[s] = best;
    }
  }
  const obs = obsInput(ctx);
  const row = index(ctx, obs);
  const actions = g.constant(Array.from(greedy, (i) => i + a.start), [nS], 'int64');
  g.output('action', g.node('Gather', [actions, row], [-1], 'int64', { axis: { int: 0 } }));
  g.output('q_values', g.node('Gather', [g.constant(q, [nS, nA], 'float64'), row], [-1, nA], 'float64', { axis: { int: 0 } }));
  if (state.values) {
    const v = new Float64Array(await readBinary(ctx.dir, state.values));
    if (v.length !== nS) throw new ExportError(`export: ${join(ctx.dir, state.values)} holds ${v.length} values, not one per each of ${nS} states`);
    g.output('value', g.node('Gather', [g.constant(v, [nS], 'float64'), row], [-1], 'float64', { axis: { int: 0 } }));
  }
}
