/**
 * Pong-v0: two paddles and a ball on a 2 x 1.5 table seen from above. Each
 * paddle guards its goal line; a ball past a goal line is a point for the other
 * side. Parallel API (core/multi-agent.ts): both paddles move at once.
 *
 *        y = 0.75  ------------------------------------------
 *                  |  |                                  |  |
 *   paddle_0 goal  |  |  <- paddle_0 (x = -0.9)    ball  |  |  paddle_1 goal
 *        x = -1    |  |                  paddle_1 (x = 0.9) |  x = 1
 *        y = -0.75 ------------------------------------------
 *
 * Agents: paddle_0 (left), paddle_1 (right).
 *
 * Observation: Box(6,) float32, in the agent's own frame: mirrored in x for
 *   paddle_1, so that every agent defends the left side and one policy plays
 *   both paddles.
 *   | index | meaning                                 | min   | max  |
 *   |-------|-----------------------------------------|-------|------|
 *   | 0     | own paddle y                            | -0.6  | 0.6  |
 *   | 1     | opponent paddle y                       | -0.6  | 0.6  |
 *   | 2     | ball x (own goal line at -1)            | -1    | 1    |
 *   | 3     | ball y                                  | -0.75 | 0.75 |
 *   | 4     | ball x velocity (negative: toward own goal) | -2.5 | 2.5 |
 *   | 5     | ball y velocity                         | -2.5  | 2.5  |
 *
 * Action: Discrete(3): 0 stay, 1 up (+y), 2 down (-y), at 1.5 units/s.
 *
 * Dynamics (dt = 0.05 s): the ball moves in a straight line, bounces off the
 *   top and bottom walls, and off a paddle when it crosses the paddle's face
 *   within its half length (0.15) plus the ball radius (0.02). A paddle hit
 *   sends the ball back at an angle set by where it hit (up to 60 degrees off
 *   straight, at the paddle's ends) and 5% faster, up to 2.5 units/s.
 *
 * Rewards:
 *   mode 'competitive' (default): +1 to the scorer and -1 to the other for each
 *     point.
 *   mode 'cooperative': +1 to both paddles for every paddle hit, so the return
 *     is the rally length; nothing for the miss that ends the episode.
 *
 * Start: paddles at y = 0; the ball at the center, served at 1 unit/s toward a
 *   random side, up to 30 degrees off straight. After a point the ball is
 *   served from the center toward the player who lost it. Reset options:
 *   `{ ball: [x, y, vx, vy], paddles: [y0, y1] }` place things exactly.
 *
 * End: competitive: terminated when a paddle reaches `pointsToWin`;
 *   cooperative: terminated at the first miss. Truncated by the registered
 *   time limit (2000 steps).
 *
 * State: Box(6,): both paddle ys and the ball's x, y, vx, vy in the table frame.
 *
 * kwargs:
 *   mode         'competitive' (default) | 'cooperative'
 *   pointsToWin  points that end a competitive game (default 5)
 */
import type { RenderState, ResetArgs } from '../../core/env.js';
import { EnvUsageError } from '../../core/env.js';
import type { AgentId, GameSpec, ParallelEnv, ParallelResetResult, ParallelStepResult, PerAgent } from '../../core/multi-agent.js';
import { AgentTally, assertParallelActions, assertResetOptions } from '../../core/multi-agent.js';
import type { Rng } from '../../core/rng.js';
import { reseed } from '../../core/rng.js';
import type { BoxSpace, DiscreteSpace } from '../../core/spaces.js';
import { box, discrete } from '../../core/spaces.js';
import { finiteNumbers } from './util.js';
import { SymmetricParallelGame } from './parallel-game.js';

const HALF_WIDTH = 1.0; // goal lines at x = +-1
const HALF_HEIGHT = 0.75; // walls at y = +-0.75
const PADDLE_X = 0.9; // paddle faces at x = +-0.9
const PADDLE_HALF_LENGTH = 0.15;
const PADDLE_SPEED = 1.5; // units per second
const PADDLE_LIMIT = HALF_HEIGHT - PADDLE_HALF_LENGTH;
const BALL_RADIUS = 0.02;
const SERVE_SPEED = 1.0;
const MAX_SERVE_ANGLE = Math.PI / 6;
const MAX_BOUNCE_ANGLE = Math.PI / 3; // off straight, for a hit at a paddle's end
const SPEEDUP = 1.05; // per paddle hit
const MAX_BALL_SPEED = 2.5;
const DT = 0.05; // seconds per step

export const PONG_AGENTS: readonly AgentId[] = ['paddle_0', 'paddle_1'];

export interface PongKwargs {
  mode?: 'competitive' | 'cooperative';
  pointsToWin?: number;
}

export class PongGame extends SymmetricParallelGame<BoxSpace, DiscreteSpace> implements ParallelEnv<Float32Array, number> {
  readonly possibleAgents = PONG_AGENTS;
  readonly stateSpace: BoxSpace = box(
    [-PADDLE_LIMIT, -PADDLE_LIMIT, -HALF_WIDTH, -HALF_HEIGHT, -MAX_BALL_SPEED, -MAX_BALL_SPEED],
    [PADDLE_LIMIT, PADDLE_LIMIT, HALF_WIDTH, HALF_HEIGHT, MAX_BALL_SPEED, MAX_BALL_SPEED],
  );
  protected readonly obsSpace: BoxSpace = this.stateSpace;
  protected readonly actSpace: DiscreteSpace = discrete(3);
  private readonly mode: 'competitive' | 'cooperative';
  private readonly pointsToWin: number;
  private rng: Rng | null = null;
  private readonly paddles = new Float64Array(2);
  /** x, y, vx, vy */
  private readonly ball = new Float64Array(4);
  private readonly score = [0, 0];
  private rally = 0;
  private readonly tally = new AgentTally(PONG_AGENTS);

  constructor(
    kwargs: PongKwargs = {},
    readonly spec: GameSpec = { id: 'Pong-v0', kind: 'parallel', kwargs: { ...kwargs } },
  ) {
    super();
    const mode = kwargs.mode ?? 'competitive';
    if (mode !== 'competitive' && mode !== 'cooperative') throw new TypeError(`${spec.id}: mode must be 'competitive' or 'cooperative', got ${JSON.stringify(mode)}`);
    const pointsToWin = kwargs.pointsToWin ?? 5;
    if (!Number.isInteger(pointsToWin) || pointsToWin < 1) throw new RangeError(`${spec.id}: pointsToWin must be a positive integer, got ${String(pointsToWin)}`);
    this.mode = mode;
    this.pointsToWin = pointsToWin;
  }

  reset(args: ResetArgs = {}): ParallelResetResult<Float32Array> {
    this.rng = reseed(this.rng, args.seed);
    const options = args.options;
    assertResetOptions(this.spec.id, options, ['ball', 'paddles']);
    this.score[0] = 0;
    this.score[1] = 0;
    this.rally = 0;
    this.tally.reset();
    this.paddles.fill(0);
    this.serve(this.rng.random() < 0.5 ? -1 : 1);
    if (options?.paddles !== undefined) {
      const p = finiteNumbers(this.spec.id, 'paddles', options.paddles, 2);
      for (let i = 0; i < 2; i++) {
        if (Math.abs(p[i]!) > PADDLE_LIMIT) throw new EnvUsageError(`${this.spec.id}: reset options.paddles[${i}] = ${p[i]} is outside [-${PADDLE_LIMIT}, ${PADDLE_LIMIT}]`);
        this.paddles[i] = p[i]!;
      }
    }
    if (options?.ball !== undefined) {
      const b = finiteNumbers(this.spec.id, 'ball', options.ball, 4);
      if (Math.abs(b[0]!) > HALF_WIDTH || Math.abs(b[1]!) > HALF_HEIGHT - BALL_RADIUS || Math.hypot(b[2]!, b[3]!) > MAX_BALL_SPEED) {
        throw new EnvUsageError(`${this.spec.id}: reset options.ball [${b.join(', ')}] must be on the table with a speed of at most ${MAX_BALL_SPEED}`);
      }
      this.ball.set(b);
    }
    return this.startEpisode((a) => this.observe(a));
  }

  /** Ball at the center, toward the side `direction` (-1 left, +1 right), at a random angle. */
  private serve(direction: number): void {
    const angle = this.rng!.uniform(-MAX_SERVE_ANGLE, MAX_SERVE_ANGLE);
    this.ball[0] = 0;
    this.ball[1] = 0;
    this.ball[2] = direction * SERVE_SPEED * Math.cos(angle);
    this.ball[3] = SERVE_SPEED * Math.sin(angle);
  }

  private observe(agent: AgentId): Float32Array {
    const i = this.index(agent);
    const sign = i === 0 ? 1 : -1; // paddle_1 sees the table mirrored in x
    const [x, y, vx, vy] = this.ball;
    return new Float32Array([this.paddles[i]!, this.paddles[1 - i]!, sign * x! + 0, y!, sign * vx! + 0, vy!]); // + 0: no -0 from mirroring
  }

  step(actions: Readonly<PerAgent<number>>): ParallelStepResult<Float32Array> {
    assertParallelActions(this.spec.id, PONG_AGENTS, this.live, actions);
    for (let i = 0; i < 2; i++) {
      const a = actions[PONG_AGENTS[i]!]!;
      if (a !== 0 && a !== 1 && a !== 2) throw new EnvUsageError(`${this.spec.id}: action ${String(a)} for ${PONG_AGENTS[i]} is not in Discrete(3)`);
    }
    const rewards = [0, 0];
    let terminated = false;
    for (let i = 0; i < 2; i++) {
      const a = actions[PONG_AGENTS[i]!]!;
      const move = a === 1 ? 1 : a === 2 ? -1 : 0;
      this.paddles[i] = Math.min(PADDLE_LIMIT, Math.max(-PADDLE_LIMIT, this.paddles[i]! + move * PADDLE_SPEED * DT));
      this.tally.act(PONG_AGENTS[i]!, a);
    }

    const b = this.ball;
    const [x, y] = [b[0]!, b[1]!];
    let nx = x + b[2]! * DT;
    let ny = y + b[3]! * DT;
    const top = HALF_HEIGHT - BALL_RADIUS;
    if (ny > top) {
      ny = 2 * top - ny;
      b[3] = -b[3]!;
    } else if (ny < -top) {
      ny = -2 * top - ny;
      b[3] = -b[3]!;
    }
    // A paddle hit: the ball's leading edge crosses the paddle's face within its length.
    for (let i = 0; i < 2; i++) {
      const side = i === 0 ? -1 : 1;
      const plane = side * (PADDLE_X - BALL_RADIUS);
      const crossing = side * b[2]! > 0 && side * x <= side * plane && side * nx > side * plane;
      if (!crossing) continue;
      const yAt = y + ((ny - y) * (plane - x)) / (nx - x);
      const offset = (yAt - this.paddles[i]!) / PADDLE_HALF_LENGTH;
      if (Math.abs(yAt - this.paddles[i]!) > PADDLE_HALF_LENGTH + BALL_RADIUS) continue;
      const speed = Math.min(MAX_BALL_SPEED, Math.hypot(b[2]!, b[3]!) * SPEEDUP);
      const angle = Math.max(-1, Math.min(1, offset)) * MAX_BOUNCE_ANGLE;
      b[2] = -side * speed * Math.cos(angle);
      b[3] = speed * Math.sin(angle);
      nx = 2 * plane - nx;
      this.rally += 1;
      if (this.mode === 'cooperative') {
        rewards[0] += 1;
        rewards[1] += 1;
      }
    }
    b[0] = nx;
    b[1] = ny;

    let scorer = -1;
    if (nx < -HALF_WIDTH) scorer = 1;
    else if (nx > HALF_WIDTH) scorer = 0;
    if (scorer >= 0) {
      this.score[scorer] += 1;
      this.rally = 0;
      if (this.mode === 'cooperative') {
        terminated = true;
      } else {
        rewards[scorer] += 1;
        rewards[1 - scorer] -= 1;
        terminated = this.score[scorer]! >= this.pointsToWin;
      }
      this.serve(scorer === 0 ? 1 : -1); // toward the player who lost the point
    }

    const r = this.stepResult((_, a) => this.observe(a), (i) => rewards[i]!, terminated, () => (scorer >= 0 ? { point: PONG_AGENTS[scorer] } : {}));
    this.tally.reward(r.rewards);
    if (terminated) this.live = [];
    return r;
  }

  state(): Float32Array {
    const [x, y, vx, vy] = this.ball;
    return new Float32Array([this.paddles[0]!, this.paddles[1]!, x!, y!, vx!, vy!]);
  }

  renderHeader(): Record<string, unknown> {
    return {
      halfWidth: HALF_WIDTH,
      halfHeight: HALF_HEIGHT,
      paddleX: PADDLE_X,
      paddleHalfLength: PADDLE_HALF_LENGTH,
      ballRadius: BALL_RADIUS,
      mode: this.mode,
    };
  }

  renderState(): RenderState {
    return {
      ball: { x: this.ball[0]!, y: this.ball[1]! },
      score: { paddle_0: this.score[0]!, paddle_1: this.score[1]! },
      rally: this.rally,
      agents: this.tally.toJSON((a) => ({ x: a === 'paddle_0' ? -PADDLE_X : PADDLE_X, y: this.paddles[this.index(a)]! })),
    };
  }

  close(): void {}
}
