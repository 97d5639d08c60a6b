/**
 * CooperativeNavigation-v0: N agents must cover N landmarks between them
 * without bumping into each other, with the rules and constants of MPE's
 * simple_spread (Lowe et al. 2017, "Multi-Agent Actor-Critic for Mixed
 * Cooperative-Competitive Environments"; PettingZoo's simple_spread_v3).
 * Parallel API (core/multi-agent.ts).
 *
 * Agents: agent_0 ... agent_{N-1}, discs of radius 0.15 and mass 1.
 * Landmarks: N points (drawn with radius 0.05) that nothing collides with.
 *
 * Observation: Box(4 + 2N + 2(N - 1),) float32, unbounded (14 values for N = 3)
 *   | index            | meaning                                                   |
 *   |------------------|-----------------------------------------------------------|
 *   | 0, 1             | own velocity                                              |
 *   | 2, 3             | own position                                              |
 *   | 4 .. 3 + 2N      | each landmark's position relative to this agent           |
 *   | then 2(N - 1)    | each other agent's position relative to this one, in agent order |
 *   MPE also appends the other agents' communication channels, which are
 *   always zero in simple_spread (silent agents); they are left out here.
 *
 * Action: Discrete(5) as MPE: 0 no-op, 1 left (-x), 2 right (+x), 3 down (-y),
 *   4 up (+y), each a force of 5 (MPE's sensitivity). With
 *   `continuousActions: true`, Box(-1, 1, (2,)): the force direction and size
 *   (times 5). MPE's continuous form is Box(0, 1, (5,)) with
 *   u = (a1 - a2, a3 - a4); this one is the same force with two numbers.
 *
 * Dynamics (MPE's World.step, dt = 0.1): forces are the action force plus a
 *   soft contact force between overlapping agents (100 * k * log(1 + exp(-(d -
 *   0.3) / k)) along the line between them, k = 0.001, all from the positions
 *   at the start of the step); then v <- v * (1 - 0.25) + F * dt (damping 0.25,
 *   mass 1) and p <- p + v * dt. Two agents at exactly the same point push each
 *   other with no force (MPE would divide by zero).
 *
 * Reward (after the move): let D = - sum over landmarks of the distance to the
 *   nearest agent, and a pair of agents collide when closer than 0.3.
 *   localRatio null (default): every agent gets the team reward D minus 1 per
 *     colliding pair.
 *   localRatio r in [0, 1]: MPE's mix, agent i gets (1 - r) * D + r * L_i with
 *     L_i = -(number of agents colliding with i); simple_spread's default is 0.5.
 *
 * Start: agents and landmarks uniform in [-1, 1]^2, velocities 0. Reset
 *   options: `{ agents: [[x, y] or [x, y, vx, vy], ...], landmarks: [[x, y], ...] }`.
 *
 * End: never terminated; truncated after 25 steps (MPE's max_cycles) by the
 *   registered time limit.
 *
 * Infos per agent: `{ collisions }` (agents colliding with it), `landmarkDistance`
 *   (-D), `occupiedLandmarks` (landmarks with an agent within 0.1), as MPE's
 *   benchmark data.
 *
 * State: Box(N * obs size,): every agent's observation, in agent order (MPE's state()).
 *
 * kwargs:
 *   n                  number of agents and of landmarks (MPE's N), default 3
 *   localRatio         null (default, shared team reward) or a number in [0, 1]
 *   continuousActions  default false
 */
import type { RenderState, ResetArgs } from '../../core/env.js';
import { EnvUsageError } from '../../core/env.js';
import type { AgentId, GameSpec, ParallelEnv, ParallelResetResult, ParallelStepResult, PerAgent } from '../../core/multi-agent.js';
import { AgentTally, assertParallelActions, assertResetOptions } from '../../core/multi-agent.js';
import type { Rng } from '../../core/rng.js';
import { reseed } from '../../core/rng.js';
import type { BoxSpace, DiscreteSpace } from '../../core/spaces.js';
import { box, contains, describeSpace, describeValue, discrete } from '../../core/spaces.js';
import { pointList } from './util.js';
import { SymmetricParallelGame } from './parallel-game.js';

const DT = 0.1;
const DAMPING = 0.25;
const SENSITIVITY = 5.0; // action force scale
const MASS = 1.0;
const AGENT_SIZE = 0.15;
const LANDMARK_SIZE = 0.05;
const CONTACT_FORCE = 1e2;
const CONTACT_MARGIN = 1e-3;
const SPAWN_RANGE = 1.0; // starts uniform in [-1, 1]^2
const OCCUPIED_DISTANCE = 0.1;

/** MPE's discrete moves: no-op, left, right, down, up. */
const MOVES: readonly (readonly [number, number])[] = [
  [0, 0],
  [-1, 0],
  [1, 0],
  [0, -1],
  [0, 1],
];

export interface CooperativeNavigationKwargs {
  n?: number;
  localRatio?: number | null;
  continuousActions?: boolean;
}

/** log(1 + exp(x)) without overflow (numpy's logaddexp(0, x)). */
function softplus(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}

export class CooperativeNavigationGame extends SymmetricParallelGame<BoxSpace, BoxSpace | DiscreteSpace> implements ParallelEnv<Float32Array, number | Float32Array> {
  readonly possibleAgents: readonly AgentId[];
  readonly stateSpace: BoxSpace;
  private readonly n: number;
  private readonly localRatio: number | null;
  private readonly continuous: boolean;
  protected readonly obsSpace: BoxSpace;
  protected readonly actSpace: BoxSpace | DiscreteSpace;
  private readonly obsDim: number;
  private rng: Rng | null = null;
  /** Per agent: x, y, vx, vy. */
  private readonly bodies: Float64Array;
  /** Per landmark: x, y. */
  private readonly landmarks: Float64Array;
  private readonly force: Float64Array;
  private readonly tally: AgentTally;
  private collidingPairs = 0;

  constructor(
    kwargs: CooperativeNavigationKwargs = {},
    readonly spec: GameSpec = { id: 'CooperativeNavigation-v0', kind: 'parallel', kwargs: { ...kwargs } },
  ) {
    super();
    const n = kwargs.n ?? 3;
    if (!Number.isInteger(n) || n < 1 || n > 64) throw new RangeError(`${spec.id}: n must be an integer in [1, 64], got ${String(n)}`);
    const localRatio = kwargs.localRatio ?? null;
    if (localRatio !== null && !(typeof localRatio === 'number' && localRatio >= 0 && localRatio <= 1)) {
      throw new RangeError(`${spec.id}: localRatio must be null or a number in [0, 1], got ${String(localRatio)}`);
    }
    const continuous = kwargs.continuousActions ?? false;
    if (typeof continuous !== 'boolean') throw new TypeError(`${spec.id}: continuousActions must be true or false, got ${JSON.stringify(continuous)}`);
    this.n = n;
    this.localRatio = localRatio;
    this.continuous = continuous;
    this.possibleAgents = Array.from({ length: n }, (_, i) => `agent_${i}`);
    this.obsDim = 4 + 2 * n + 2 * (n - 1);
    this.obsSpace = box(-Infinity, Infinity, [this.obsDim]);
    this.stateSpace = box(-Infinity, Infinity, [n * this.obsDim]);
    this.actSpace = continuous ? box(-1, 1, [2]) : discrete(MOVES.length);
    this.bodies = new Float64Array(4 * n);
    this.landmarks = new Float64Array(2 * n);
    this.force = new Float64Array(2 * n);
    this.tally = new AgentTally(this.possibleAgents);
  }

  reset(args: ResetArgs = {}): ParallelResetResult<Float32Array> {
    this.rng = reseed(this.rng, args.seed);
    const options = args.options;
    assertResetOptions(this.spec.id, options, ['agents', 'landmarks']);
    const n = this.n;
    // MPE's order: every agent's position, then every landmark's.
    for (let i = 0; i < n; i++) {
      this.bodies[4 * i] = this.rng.uniform(-SPAWN_RANGE, SPAWN_RANGE);
      this.bodies[4 * i + 1] = this.rng.uniform(-SPAWN_RANGE, SPAWN_RANGE);
      this.bodies[4 * i + 2] = 0;
      this.bodies[4 * i + 3] = 0;
    }
    for (let k = 0; k < 2 * n; k++) this.landmarks[k] = this.rng.uniform(-SPAWN_RANGE, SPAWN_RANGE);
    if (options?.agents !== undefined) {
      pointList(this.spec.id, 'agents', options.agents, n, [2, 4]).forEach((p, i) => {
        this.bodies.set([p[0]!, p[1]!, p[2] ?? 0, p[3] ?? 0], 4 * i);
      });
    }
    if (options?.landmarks !== undefined) {
      pointList(this.spec.id, 'landmarks', options.landmarks, n, [2]).forEach((p, k) => this.landmarks.set(p, 2 * k));
    }
    this.tally.reset();
    this.collidingPairs = 0;
    return this.startEpisode((a) => this.observe(this.index(a)));
  }

  private observe(i: number): Float32Array {
    const b = this.bodies;
    const n = this.n;
    const out = new Float32Array(this.obsDim);
    const px = b[4 * i]!;
    const py = b[4 * i + 1]!;
    out[0] = b[4 * i + 2]!;
    out[1] = b[4 * i + 3]!;
    out[2] = px;
    out[3] = py;
    let o = 4;
    for (let k = 0; k < n; k++) {
      out[o++] = this.landmarks[2 * k]! - px;
      out[o++] = this.landmarks[2 * k + 1]! - py;
    }
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      out[o++] = b[4 * j]! - px;
      out[o++] = b[4 * j + 1]! - py;
    }
    return out;
  }

  step(actions: Readonly<PerAgent<number | Float32Array>>): ParallelStepResult<Float32Array> {
    assertParallelActions(this.spec.id, this.possibleAgents, this.live, actions);
    const n = this.n;
    const b = this.bodies;
    const f = this.force;
    for (let i = 0; i < n; i++) {
      const agent = this.possibleAgents[i]!;
      const a = actions[agent]!;
      if (!contains(this.actSpace, a)) {
        throw new EnvUsageError(`${this.spec.id}: action ${describeValue(a)} for ${agent} is not in its action space ${describeSpace(this.actSpace)}`);
      }
    }
    for (let i = 0; i < n; i++) {
      const agent = this.possibleAgents[i]!;
      const a = actions[agent]!;
      const [ux, uy] = this.continuous ? [(a as Float32Array)[0]!, (a as Float32Array)[1]!] : MOVES[a as number]!;
      f[2 * i] = ux * SENSITIVITY;
      f[2 * i + 1] = uy * SENSITIVITY;
      this.tally.act(agent, a);
    }
    // Soft contact between every pair of agents (landmarks do not collide).
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) {
        const dx = b[4 * i]! - b[4 * j]!;
        const dy = b[4 * i + 1]! - b[4 * j + 1]!;
        const dist = Math.sqrt(dx * dx + dy * dy);
        if (dist === 0) continue;
        const penetration = softplus(-(dist - 2 * AGENT_SIZE) / CONTACT_MARGIN) * CONTACT_MARGIN;
        const fx = (CONTACT_FORCE * dx * penetration) / dist;
        const fy = (CONTACT_FORCE * dy * penetration) / dist;
        f[2 * i] += fx;
        f[2 * i + 1] += fy;
        f[2 * j] -= fx;
        f[2 * j + 1] -= fy;
      }
    }
    for (let i = 0; i < n; i++) {
      b[4 * i + 2] = b[4 * i + 2]! * (1 - DAMPING) + (f[2 * i]! / MASS) * DT;
      b[4 * i + 3] = b[4 * i + 3]! * (1 - DAMPING) + (f[2 * i + 1]! / MASS) * DT;
      b[4 * i] += b[4 * i + 2]! * DT;
      b[4 * i + 1] += b[4 * i + 3]! * DT;
    }

    // Rewards from the new positions.
    const { distance, occupied } = this.landmarkCoverage();
    const collisions = new Array<number>(n).fill(0);
    let pairs = 0;
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) {
        if (Math.hypot(b[4 * i]! - b[4 * j]!, b[4 * i + 1]! - b[4 * j + 1]!) < 2 * AGENT_SIZE) {
          pairs += 1;
          collisions[i] += 1;
          collisions[j] += 1;
        }
      }
    }
    this.collidingPairs = pairs;
    const reward = (i: number) => (this.localRatio === null ? -distance - pairs : (1 - this.localRatio) * -distance + this.localRatio * -collisions[i]!);
    const r = this.stepResult((i) => this.observe(i), reward, false, (i) => ({ collisions: collisions[i]!, landmarkDistance: distance, occupiedLandmarks: occupied }));
    this.tally.reward(r.rewards);
    return r;
  }

  /** Sum over landmarks of the distance to the nearest agent, and how many landmarks have an agent within 0.1. */
  private landmarkCoverage(): { distance: number; occupied: number; nearest: number[] } {
    let distance = 0;
    let occupied = 0;
    const nearest: number[] = [];
    for (let k = 0; k < this.n; k++) {
      let best = Infinity;
      for (let i = 0; i < this.n; i++) {
        best = Math.min(best, Math.hypot(this.bodies[4 * i]! - this.landmarks[2 * k]!, this.bodies[4 * i + 1]! - this.landmarks[2 * k + 1]!));
      }
      distance += best;
      nearest.push(best);
      if (best < OCCUPIED_DISTANCE) occupied += 1;
    }
    return { distance, occupied, nearest };
  }

  state(): Float32Array {
    const out = new Float32Array(this.n * this.obsDim);
    for (let i = 0; i < this.n; i++) out.set(this.observe(i), i * this.obsDim);
    return out;
  }

  renderHeader(): Record<string, unknown> {
    return { n: this.n, agentRadius: AGENT_SIZE, landmarkRadius: LANDMARK_SIZE, spawnRange: SPAWN_RANGE };
  }

  renderState(): RenderState {
    const { distance, nearest } = this.landmarkCoverage();
    return {
      landmarks: Array.from({ length: this.n }, (_, k) => ({ x: this.landmarks[2 * k]!, y: this.landmarks[2 * k + 1]!, nearestDistance: nearest[k]! })),
      landmarkDistance: distance,
      collidingPairs: this.collidingPairs,
      agents: this.tally.toJSON((a) => {
        const i = this.index(a);
        return { x: this.bodies[4 * i]!, y: this.bodies[4 * i + 1]! };
      }),
    };
  }

  close(): void {}
}
