/**
 * RobotSoccer-v0: two teams of two disc robots and a ball on a 4 x 2.6 field
 * seen from above, with goals in the middle of the short sides. Rigid discs
 * with velocity damping and elastic collisions (restitution 0.8), walls all
 * round except the goal mouths. Parallel API (core/multi-agent.ts).
 *
 *            y = 1.3 +--------------------------------------+
 *                    |                  :                   |
 *   blue's goal  ==> |   blue_1   blue_0 :  red_0   red_1    | <== red's goal
 *   (x = -2, |y| < 0.4)                 :            (x = 2, |y| < 0.4)
 *           y = -1.3 +--------------------------------------+
 *
 * Agents: blue_0, blue_1 (team blue, defend x = -2, attack x = +2), red_0,
 *   red_1 (team red, the other way round). Robots: radius 0.1, mass 1, at most
 *   1.5 m/s; ball: radius 0.06, mass 0.25, at most 4 m/s.
 *
 * Frames: every agent observes and acts in its own team's frame, where its own
 *   goal is at x = -2 and it attacks toward +x. Red's frame is the field turned
 *   by 180 degrees (x -> -x, y -> -y, for positions, velocities and actions),
 *   so one policy plays either side.
 *
 * Observation: Box(22,) float32, in the agent's frame
 *   | index  | meaning                                  | bound      |
 *   |--------|------------------------------------------|------------|
 *   | 0-3    | own x, y, vx, vy                         | 2, 1.3, 1.5 |
 *   | 4-7    | teammate x, y, vx, vy                    | 2, 1.3, 1.5 |
 *   | 8-11   | first opponent (red_0 / blue_0) x, y, vx, vy | 2, 1.3, 1.5 |
 *   | 12-15  | second opponent x, y, vx, vy             | 2, 1.3, 1.5 |
 *   | 16-19  | ball x, y, vx, vy                        | 2, 1.3, 4  |
 *   | 20-21  | ball position minus own position         | 4, 2.6     |
 *
 * Action (continuousActions: true, the default): Box(-1, 1, (3,)):
 *   acceleration x, y (the vector is clipped to length 1; 4 m/s^2 at length 1)
 *   and kick (> 0 kicks). Discrete (continuousActions: false): Discrete(10):
 *   0 coast, 1-8 full acceleration toward 0, 45, ..., 315 degrees (1 = +x, 3 =
 *   +y), 9 kick. A kick adds 2.5 m/s to the ball, directed from the robot to
 *   the ball, when the gap between them is at most 0.06.
 *
 * Dynamics: dt = 0.1 s in 5 substeps. Kicks first, then per substep: v += a dt,
 *   v *= 1 - c dt (c = 2 /s robots, 0.8 /s ball), x += v dt, disc-disc contacts
 *   (overlap split by inverse mass, impulse with restitution 0.8), walls
 *   (restitution 0.6; robots are kept on the field, the ball passes through a
 *   goal mouth), speed limits.
 *
 * Rewards: a goal gives +1 to each robot of the scoring team and -1 to each of
 *   the other (a shared team reward); 0 otherwise.
 *
 * Start and kickoff: robots at their formation spots (blue_0 at (-0.35, 0.25),
 *   blue_1 at (-1.1, -0.25), red turned by 180 degrees) jittered by up to 0.05,
 *   still; the ball still at the center. The same kickoff follows every goal
 *   that does not end the game. Reset options: `{ ball: [x, y, vx, vy],
 *   players: { blue_0: [x, y, vx, vy], ... } }` (field frame) place things exactly.
 *
 * End: terminated when a team reaches `goalsToWin`; truncated at 600 steps
 *   (60 s) by the registered time limit.
 *
 * Infos: `{ goal: 'blue' | 'red', score: { blue, red } }` on a goal step, else {}.
 *
 * State: Box(20,): x, y, vx, vy of blue_0, blue_1, red_0, red_1 and the ball, field frame.
 *
 * kwargs:
 *   continuousActions  default true
 *   goalsToWin         default 3
 *
 * Also here: `scriptedSoccerPolicy(obs)`, a hand-written player to train against.
 */
import type { Info, RenderState, ResetArgs } from '../../core/env.js';
import { EnvUsageError } from '../../core/env.js';
import type { AgentId, GameSpec, ParallelEnv, ParallelResetResult, ParallelStepResult, PerAgent } from '../../core/multi-agent.js';
import { AgentTally, assertParallelActions, assertResetOptions } from '../../core/multi-agent.js';
import type { Rng } from '../../core/rng.js';
import { reseed } from '../../core/rng.js';
import type { BoxSpace, DiscreteSpace } from '../../core/spaces.js';
import { box, contains, describeSpace, describeValue, discrete } from '../../core/spaces.js';
import { finiteNumbers } from './util.js';
import { SymmetricParallelGame } from './parallel-game.js';

const HALF_LENGTH = 2.0; // goal lines at x = +-2
const HALF_WIDTH = 1.3; // side lines at y = +-1.3
const GOAL_HALF_WIDTH = 0.4; // goal mouths: |y| < 0.4 on the goal lines
const GOAL_DEPTH = 0.25; // drawn only
const PLAYER_RADIUS = 0.1;
const PLAYER_MASS = 1.0;
const PLAYER_ACCEL = 4.0; // m/s^2 at full throttle
const PLAYER_DAMPING = 2.0; // 1/s
const PLAYER_MAX_SPEED = 1.5;
const BALL_RADIUS = 0.06;
const BALL_MASS = 0.25;
const BALL_DAMPING = 0.8; // 1/s, rolling friction
const BALL_MAX_SPEED = 4.0;
const RESTITUTION = 0.8; // disc on disc
const WALL_RESTITUTION = 0.6;
const KICK_RANGE = 0.06; // largest robot-ball gap for a kick
const KICK_SPEED = 2.5; // added to the ball
const DT = 0.1;
const SUBSTEPS = 5;
const KICKOFF_JITTER = 0.05;
/** Formation spots in a team's own frame: the forward, then the back. */
const FORMATION: readonly (readonly [number, number])[] = [
  [-0.35, 0.25],
  [-1.1, -0.25],
];

export const SOCCER_AGENTS: readonly AgentId[] = ['blue_0', 'blue_1', 'red_0', 'red_1'];
export const SOCCER_TEAMS = ['blue', 'red'] as const;
export const SOCCER_FIELD = {
  halfLength: HALF_LENGTH,
  halfWidth: HALF_WIDTH,
  goalHalfWidth: GOAL_HALF_WIDTH,
  playerRadius: PLAYER_RADIUS,
  ballRadius: BALL_RADIUS,
  kickRange: KICK_RANGE,
} as const;

const N_BODIES = 5; // four robots, then the ball
const BALL = 4;
const RADIUS = [PLAYER_RADIUS, PLAYER_RADIUS, PLAYER_RADIUS, PLAYER_RADIUS, BALL_RADIUS];
const INV_MASS = [1 / PLAYER_MASS, 1 / PLAYER_MASS, 1 / PLAYER_MASS, 1 / PLAYER_MASS, 1 / BALL_MASS];
const MAX_SPEED = [PLAYER_MAX_SPEED, PLAYER_MAX_SPEED, PLAYER_MAX_SPEED, PLAYER_MAX_SPEED, BALL_MAX_SPEED];
const DAMPING = [PLAYER_DAMPING, PLAYER_DAMPING, PLAYER_DAMPING, PLAYER_DAMPING, BALL_DAMPING];

/** Unit vectors of the discrete actions 1-8 (0, 45, ..., 315 degrees). */
const DIRECTIONS: readonly (readonly [number, number])[] = Array.from({ length: 8 }, (_, k) => [Math.cos((k * Math.PI) / 4), Math.sin((k * Math.PI) / 4)]);
const KICK_ACTION = 9;

export interface RobotSoccerKwargs {
  continuousActions?: boolean;
  goalsToWin?: number;
}

const team = (i: number): number => (i < 2 ? 0 : 1);
/** +1 for blue's frame (the field's), -1 for red's (the field turned by 180 degrees). */
const frameSign = (i: number): number => (team(i) === 0 ? 1 : -1);

export class RobotSoccerGame extends SymmetricParallelGame<BoxSpace, BoxSpace | DiscreteSpace> implements ParallelEnv<Float32Array, Float32Array | number> {
  readonly possibleAgents = SOCCER_AGENTS;
  readonly stateSpace: BoxSpace;
  protected readonly obsSpace: BoxSpace;
  protected readonly actSpace: BoxSpace | DiscreteSpace;
  private readonly continuous: boolean;
  private readonly goalsToWin: number;
  private rng: Rng | null = null;
  /** Per body (blue_0, blue_1, red_0, red_1, ball): x, y, vx, vy in the field frame. */
  private readonly bodies = new Float64Array(4 * N_BODIES);
  private readonly accel = new Float64Array(8);
  private readonly score = [0, 0];
  private readonly tally = new AgentTally(SOCCER_AGENTS);

  constructor(
    kwargs: RobotSoccerKwargs = {},
    readonly spec: GameSpec = { id: 'RobotSoccer-v0', kind: 'parallel', kwargs: { ...kwargs } },
  ) {
    super();
    const continuous = kwargs.continuousActions ?? true;
    if (typeof continuous !== 'boolean') throw new TypeError(`${spec.id}: continuousActions must be true or false, got ${JSON.stringify(continuous)}`);
    const goalsToWin = kwargs.goalsToWin ?? 3;
    if (!Number.isInteger(goalsToWin) || goalsToWin < 1) throw new RangeError(`${spec.id}: goalsToWin must be a positive integer, got ${String(goalsToWin)}`);
    this.continuous = continuous;
    this.goalsToWin = goalsToWin;
    this.actSpace = continuous ? box(-1, 1, [3]) : discrete(10);
    const body = (maxSpeed: number) => [HALF_LENGTH, HALF_WIDTH, maxSpeed, maxSpeed];
    const high = [
      ...body(PLAYER_MAX_SPEED),
      ...body(PLAYER_MAX_SPEED),
      ...body(PLAYER_MAX_SPEED),
      ...body(PLAYER_MAX_SPEED),
      ...body(BALL_MAX_SPEED),
    ];
    this.stateSpace = box(
      high.map((v) => -v),
      high,
    );
    const obsHigh = [...high, 2 * HALF_LENGTH, 2 * HALF_WIDTH];
    this.obsSpace = box(
      obsHigh.map((v) => -v),
      obsHigh,
    );
  }

  reset(args: ResetArgs = {}): ParallelResetResult<Float32Array> {
    this.rng = reseed(this.rng, args.seed);
    const options = args.options;
    assertResetOptions(this.spec.id, options, ['ball', 'players']);
    this.score[0] = 0;
    this.score[1] = 0;
    this.tally.reset();
    this.kickoff();
    if (options?.players !== undefined) {
      const players = options.players;
      if (typeof players !== 'object' || players === null || Array.isArray(players)) {
        throw new EnvUsageError(`${this.spec.id}: reset options.players must be an object keyed by agent id, got ${JSON.stringify(players)}`);
      }
      for (const [agent, value] of Object.entries(players)) {
        const i = this.index(agent);
        const p = finiteNumbers(this.spec.id, `players.${agent}`, value, 4);
        this.place(i, p, `players.${agent}`);
      }
    }
    if (options?.ball !== undefined) this.place(BALL, finiteNumbers(this.spec.id, 'ball', options.ball, 4), 'ball');
    return this.startEpisode((a) => this.observe(this.index(a)));
  }

  /** Sets body i from a reset option, which must be on the field and within the speed limit. */
  private place(i: number, p: number[], name: string): void {
    const r = RADIUS[i]!;
    const [x, y, vx, vy] = p as [number, number, number, number];
    const inMouth = i === BALL && Math.abs(y) < GOAL_HALF_WIDTH;
    if (Math.abs(x) > (inMouth ? HALF_LENGTH : HALF_LENGTH - r) || Math.abs(y) > HALF_WIDTH - r || Math.hypot(vx, vy) > MAX_SPEED[i]!) {
      throw new EnvUsageError(`${this.spec.id}: reset options.${name} [${p.join(', ')}] must be on the field with a speed of at most ${MAX_SPEED[i]}`);
    }
    this.bodies.set(p, 4 * i);
  }

  /** Robots to their formation spots (jittered), all still; the ball still at the center. */
  private kickoff(): void {
    const b = this.bodies;
    for (let i = 0; i < 4; i++) {
      const [fx, fy] = FORMATION[i % 2]!;
      const s = frameSign(i);
      b[4 * i] = s * fx + this.rng!.uniform(-KICKOFF_JITTER, KICKOFF_JITTER);
      b[4 * i + 1] = s * fy + this.rng!.uniform(-KICKOFF_JITTER, KICKOFF_JITTER);
      b[4 * i + 2] = 0;
      b[4 * i + 3] = 0;
    }
    b.fill(0, 4 * BALL, 4 * BALL + 4);
  }

  private observe(i: number): Float32Array {
    const b = this.bodies;
    const s = frameSign(i);
    const mate = i ^ 1;
    const opponents = team(i) === 0 ? [2, 3] : [0, 1];
    const out = new Float32Array(22);
    let o = 0;
    // (+ 0 turns the -0 of a mirrored 0 into 0, so mirror-image scenes give identical observations)
    for (const j of [i, mate, ...opponents, BALL]) {
      for (let k = 0; k < 4; k++) out[o++] = s * b[4 * j + k]! + 0;
    }
    out[20] = s * (b[4 * BALL]! - b[4 * i]!) + 0;
    out[21] = s * (b[4 * BALL + 1]! - b[4 * i + 1]!) + 0;
    return out;
  }

  step(actions: Readonly<PerAgent<Float32Array | number>>): ParallelStepResult<Float32Array> {
    assertParallelActions(this.spec.id, SOCCER_AGENTS, this.live, actions);
    for (const agent of SOCCER_AGENTS) {
      if (!contains(this.actSpace, actions[agent])) {
        throw new EnvUsageError(`${this.spec.id}: action ${describeValue(actions[agent])} for ${agent} is not in its action space ${describeSpace(this.actSpace)}`);
      }
    }
    const b = this.bodies;
    const kicks: number[] = [];
    for (let i = 0; i < 4; i++) {
      const agent = SOCCER_AGENTS[i]!;
      const a = actions[agent]!;
      this.tally.act(agent, a);
      let ax = 0;
      let ay = 0;
      let kick = false;
      if (this.continuous) {
        const v = a as Float32Array;
        [ax, ay] = [v[0]!, v[1]!];
        const norm = Math.hypot(ax, ay);
        if (norm > 1) [ax, ay] = [ax / norm, ay / norm];
        kick = v[2]! > 0;
      } else if (a === KICK_ACTION) {
        kick = true;
      } else if ((a as number) > 0) {
        [ax, ay] = DIRECTIONS[(a as number) - 1]!;
      }
      const s = frameSign(i);
      this.accel[2 * i] = s * ax * PLAYER_ACCEL;
      this.accel[2 * i + 1] = s * ay * PLAYER_ACCEL;
      if (kick) kicks.push(i);
    }
    for (const i of kicks) {
      const dx = b[4 * BALL]! - b[4 * i]!;
      const dy = b[4 * BALL + 1]! - b[4 * i + 1]!;
      const d = Math.hypot(dx, dy);
      if (d > 0 && d - PLAYER_RADIUS - BALL_RADIUS <= KICK_RANGE) {
        b[4 * BALL + 2] += (KICK_SPEED * dx) / d;
        b[4 * BALL + 3] += (KICK_SPEED * dy) / d;
        this.limitSpeed(BALL);
      }
    }

    let scorer = -1;
    const h = DT / SUBSTEPS;
    for (let sub = 0; sub < SUBSTEPS && scorer < 0; sub++) {
      for (let i = 0; i < N_BODIES; i++) {
        const o = 4 * i;
        if (i < 4) {
          b[o + 2] += this.accel[2 * i]! * h;
          b[o + 3] += this.accel[2 * i + 1]! * h;
        }
        const keep = 1 - DAMPING[i]! * h;
        b[o + 2] *= keep;
        b[o + 3] *= keep;
        b[o] += b[o + 2]! * h;
        b[o + 1] += b[o + 3]! * h;
      }
      for (let i = 0; i < N_BODIES; i++) for (let j = i + 1; j < N_BODIES; j++) this.collide(i, j);
      for (let i = 0; i < N_BODIES; i++) {
        this.walls(i);
        this.limitSpeed(i);
      }
      const bx = b[4 * BALL]!;
      if (Math.abs(bx) > HALF_LENGTH && Math.abs(b[4 * BALL + 1]!) < GOAL_HALF_WIDTH) scorer = bx > 0 ? 0 : 1;
    }

    const rewards = [0, 0, 0, 0];
    let terminated = false;
    let info: Info = {};
    if (scorer >= 0) {
      this.score[scorer] += 1;
      for (let i = 0; i < 4; i++) rewards[i] = team(i) === scorer ? 1 : -1;
      terminated = this.score[scorer]! >= this.goalsToWin;
      info = { goal: SOCCER_TEAMS[scorer], score: { blue: this.score[0], red: this.score[1] } };
      this.kickoff();
    }
    const r = this.stepResult((i) => this.observe(i), (i) => rewards[i]!, terminated, () => ({ ...info }));
    this.tally.reward(r.rewards);
    if (terminated) this.live = [];
    return r;
  }

  /** Separates overlapping discs i and j (by inverse mass) and exchanges the normal impulse. */
  private collide(i: number, j: number): void {
    const b = this.bodies;
    const oi = 4 * i;
    const oj = 4 * j;
    const dx = b[oj]! - b[oi]!;
    const dy = b[oj + 1]! - b[oi + 1]!;
    const minDist = RADIUS[i]! + RADIUS[j]!;
    const d2 = dx * dx + dy * dy;
    if (d2 >= minDist * minDist) return;
    const d = Math.sqrt(d2);
    const [nx, ny] = d > 0 ? [dx / d, dy / d] : [1, 0];
    const wi = INV_MASS[i]!;
    const wj = INV_MASS[j]!;
    const overlap = minDist - d;
    b[oi] -= (nx * overlap * wi) / (wi + wj);
    b[oi + 1] -= (ny * overlap * wi) / (wi + wj);
    b[oj] += (nx * overlap * wj) / (wi + wj);
    b[oj + 1] += (ny * overlap * wj) / (wi + wj);
    const vn = (b[oj + 2]! - b[oi + 2]!) * nx + (b[oj + 3]! - b[oi + 3]!) * ny;
    if (vn >= 0) return; // already separating
    const impulse = (-(1 + RESTITUTION) * vn) / (wi + wj);
    b[oi + 2] -= impulse * wi * nx;
    b[oi + 3] -= impulse * wi * ny;
    b[oj + 2] += impulse * wj * nx;
    b[oj + 3] += impulse * wj * ny;
  }

  /** Keeps body i on the field; the ball may cross a goal line through the goal mouth. */
  private walls(i: number): void {
    const b = this.bodies;
    const o = 4 * i;
    const r = RADIUS[i]!;
    const yMax = HALF_WIDTH - r;
    if (Math.abs(b[o + 1]!) > yMax) {
      const side = Math.sign(b[o + 1]!);
      b[o + 1] = side * yMax;
      if (side * b[o + 3]! > 0) b[o + 3] = -WALL_RESTITUTION * b[o + 3]!;
    }
    const xMax = HALF_LENGTH - r;
    const mouth = i === BALL && Math.abs(b[o + 1]!) < GOAL_HALF_WIDTH;
    if (!mouth && Math.abs(b[o]!) > xMax) {
      const side = Math.sign(b[o]!);
      b[o] = side * xMax;
      if (side * b[o + 2]! > 0) b[o + 2] = -WALL_RESTITUTION * b[o + 2]!;
    }
  }

  private limitSpeed(i: number): void {
    const b = this.bodies;
    const o = 4 * i;
    const speed = Math.hypot(b[o + 2]!, b[o + 3]!);
    const max = MAX_SPEED[i]!;
    if (speed > max) {
      b[o + 2] = (b[o + 2]! * max) / speed;
      b[o + 3] = (b[o + 3]! * max) / speed;
    }
  }

  state(): Float32Array {
    return Float32Array.from(this.bodies);
  }

  renderHeader(): Record<string, unknown> {
    return {
      halfLength: HALF_LENGTH,
      halfWidth: HALF_WIDTH,
      goalHalfWidth: GOAL_HALF_WIDTH,
      goalDepth: GOAL_DEPTH,
      playerRadius: PLAYER_RADIUS,
      ballRadius: BALL_RADIUS,
      teams: { blue: ['blue_0', 'blue_1'], red: ['red_0', 'red_1'] },
    };
  }

  renderState(): RenderState {
    const b = this.bodies;
    return {
      ball: { x: b[4 * BALL]!, y: b[4 * BALL + 1]! },
      score: { blue: this.score[0]!, red: this.score[1]! },
      agents: this.tally.toJSON((a) => {
        const i = this.index(a);
        return { team: SOCCER_TEAMS[team(i)], x: b[4 * i]!, y: b[4 * i + 1]!, vx: b[4 * i + 2]!, vy: b[4 * i + 3]! };
      }),
    };
  }

  close(): void {}
}

// ---------------------------------------------------------------- scripted player

export interface ScriptedSoccerOptions {
  /** Return a Discrete(10) action instead of a Box(3) one (for continuousActions: false). */
  discrete?: boolean;
}

/**
 * A hand-written robot for either team (it reads the agent's own-frame
 * observation): the robot of the pair nearer the ball goes to the point behind
 * the ball on the line from the opponents' goal, drives through it and kicks
 * when lined up; the other guards the line between the ball and its own goal.
 */
export function scriptedSoccerPolicy(obs: ArrayLike<number>, options: ScriptedSoccerOptions = {}): Float32Array | number {
  if (obs.length !== 22) throw new TypeError(`scriptedSoccerPolicy: expected a RobotSoccer observation of 22 values, got ${obs.length}`);
  const [mx, my, mvx, mvy] = [obs[0]!, obs[1]!, obs[2]!, obs[3]!];
  const [tx, ty] = [obs[4]!, obs[5]!];
  const [bx, by, bvx, bvy] = [obs[16]!, obs[17]!, obs[18]!, obs[19]!];
  const chaser = Math.hypot(bx - mx, by - my) <= Math.hypot(bx - tx, by - ty);
  let target: [number, number];
  let kick = false;
  if (chaser) {
    // Aim from slightly ahead of where the ball will be, toward the middle of the opponents' goal.
    const px = bx + 0.15 * bvx;
    const py = by + 0.15 * bvy;
    const gx = HALF_LENGTH - px;
    const gy = -py;
    const gl = Math.hypot(gx, gy) || 1;
    const [dx, dy] = [gx / gl, gy / gl];
    const contact = PLAYER_RADIUS + BALL_RADIUS;
    const [rx, ry] = [px - mx, py - my];
    const along = rx * dx + ry * dy; // > 0: the ball is ahead of me toward the goal
    const lateral = rx * -dy + ry * dx; // signed offset of the ball from my shooting line
    if (along > 0 && Math.abs(lateral) < 0.6 * PLAYER_RADIUS) {
      target = [px + 0.4 * dx, py + 0.4 * dy];
      kick = Math.hypot(bx - mx, by - my) - contact <= KICK_RANGE;
    } else if (along > 0) {
      target = [px - (contact + 0.03) * dx, py - (contact + 0.03) * dy];
    } else {
      // The ball is between me and my own goal: go round it on my side.
      const side = lateral >= 0 ? -1 : 1;
      target = [px - (contact + 0.1) * dx + side * (contact + 0.12) * -dy, py - (contact + 0.1) * dy + side * (contact + 0.12) * dx];
    }
  } else {
    target = [-HALF_LENGTH + 0.4 * (bx + HALF_LENGTH), 0.4 * by];
  }
  let ax = 3 * (target[0] - mx) - mvx;
  let ay = 3 * (target[1] - my) - mvy;
  const norm = Math.hypot(ax, ay);
  if (norm > 1) [ax, ay] = [ax / norm, ay / norm];
  if (!options.discrete) return new Float32Array([ax, ay, kick ? 1 : -1]);
  if (kick) return KICK_ACTION;
  if (Math.hypot(ax, ay) < 0.2) return 0;
  let best = 0;
  for (let k = 1; k < 8; k++) {
    if (ax * DIRECTIONS[k]![0] + ay * DIRECTIONS[k]![1] > ax * DIRECTIONS[best]![0] + ay * DIRECTIONS[best]![1]) best = k;
  }
  return best + 1;
}
