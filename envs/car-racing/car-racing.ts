/**
 * CarRacing-v3: drive a powerful rear-wheel-drive car around a random closed
 * track, seen from above. Gymnasium 1.x's CarRacing-v3 (Oleg Klimov's
 * environment) rebuilt from its equations and constants: the track recipe in
 * track.ts, the car model in car.ts (planck, a Box2D port, moves the bodies),
 * the 96x96 view in render.ts.
 *
 * Observation, kwarg `observation`:
 *   'pixels' (default): Box(0, 255, [96, 96, 3], uint8), the top-down view
 *     that follows and turns with the car (the car near the bottom, facing
 *     up), with the indicator strip in the bottom 12 rows: true speed (white),
 *     the four wheels' spin (blue: front, violet: rear), steering (green) and
 *     gyroscope (red), and the score at the left.
 *   'features': Box(22,) float32 (speeds in world units per second, angles in
 *     radians, "left" is counter-clockwise from the car's heading):
 *   | index | meaning                                                         | range     |
 *   |-------|-----------------------------------------------------------------|-----------|
 *   | 0     | forward speed of the hull / 100                                 | -inf, inf |
 *   | 1     | sideways speed of the hull, positive to the left / 100          | -inf, inf |
 *   | 2     | angular velocity of the hull (rad/s, positive counter-clockwise)| -inf, inf |
 *   | 3     | front wheels' steering angle / 0.4 (positive left)              | -1, 1     |
 *   | 4-7   | wheel rolling speed omega * r / 100: front left, front right,   | -inf, inf |
 *   |       | rear left, rear right (compare with index 0 for wheel slip)     |           |
 *   | 8-14  | distance to the first road edge / 50 along rays at -90, -60,    | 0, 1      |
 *   |       | -30, 0, 30, 60, 90 degrees from the heading (1: none within 50) |           |
 *   | 15    | track direction at the car's place on the centerline minus the  | -1, 1     |
 *   |       | car's heading, wrapped, / pi (heading error)                    |           |
 *   | 16-18 | the same, 5, 10 and 20 tiles further along the track            | -1, 1     |
 *   | 19    | offset from the centerline / half the road's width (positive    | -inf, inf |
 *   |       | left; beyond +-1 the centre of the car is off the road)         |           |
 *   | 20    | progress: fraction of the tiles visited                         | 0, 1      |
 *   | 21    | fraction of the wheels on grass                                 | 0, 1      |
 *
 * Action, kwarg `continuous`:
 *   true (default): Box([-1, 0, 0], [1, 1, 1]) = [steer (-1 full left, +1 full
 *     right), gas, brake]; brake >= 0.9 locks the wheels.
 *   false: Discrete(5), as Gymnasium's: 0 nothing, 1 steer right, 2 steer left,
 *     3 gas, 4 brake (steering 0.6 of full, gas 0.2, brake 0.8).
 *
 * Reward: -0.1 every step, and +1000/N for every tile of the N touched by a
 *   wheel for the first time; the step that leaves the playfield gets -100
 *   instead. A lap in T steps that visits every tile earns 1000 - 0.1 T. The
 *   tiles under the car at the start (tiles 0 and 1) are counted in the first
 *   step's reward.
 *
 * Start: the car at rest on centerline point 0, facing along the track, after
 *   one physics step without controls (as Gymnasium's reset, which steps once).
 *   The track is drawn from the seed; reset option `track` gives a fixed one
 *   (centerline points [x, y, beta] or [x, y], closed, e.g. renderHeader()'s
 *   `centerline`). With `domainRandomize`, road, background and grass colours
 *   are drawn at every reset unless option `randomize` is false.
 *
 * Episode end: terminated when the lap is complete, i.e. every tile visited,
 *   or a wheel enters tile 0 (the start) with more than `lapCompletePercent`
 *   of the tiles visited (info.lapFinished = true); terminated with reward
 *   -100 when the car leaves the playfield, |x| or |y| > 2000/6
 *   (info.lapFinished = false); truncated by the registry's time limit (1000
 *   steps). info: { lapFinished, tilesVisited } on every step.
 *
 * kwargs: continuous (true), observation ('pixels' | 'features'),
 *   lapCompletePercent (0.95), domainRandomize (false).
 *
 * Render state, per step: { x, y, angle, speed, steering, gas, brake,
 *   wheels: [x, y, angle, phase] for each wheel, skid: 0/1 for each wheel,
 *   tilesVisited, newTiles (first visited in the step that led here) }. Once
 *   per episode record, renderHeader() on the unwrapped env: the track
 *   (centerline [x, y, beta], tile and curb polygons, half-width), colours,
 *   playfield and the car's shape.
 *
 * Differences from Gymnasium, on purpose:
 * - Lap completion: Gymnasium checks lapCompletePercent only when tile 0 is
 *   visited for the first time, but the car starts on tile 0, so the check
 *   never passes and only visiting every tile ends a lap (Gymnasium issue
 *   #1269, fix proposed in PR #1670). Here entering tile 0 again counts.
 * - Wheel-tile contacts are tested directly (a wheel rectangle overlapping a
 *   tile quadrilateral) on the positions after each physics step, instead of
 *   Box2D sensor fixtures, which report them at the start of the next step:
 *   tile rewards and the road/grass friction are one step fresher. Tiles
 *   turn plain road colour when a wheel touches them (Gymnasium: any body).
 * - Pixels are sampled 2x2 per output pixel instead of pygame's
 *   anti-aliased drawing and area filter, and the score uses a 3x5 pixel
 *   font; the image matches Gymnasium's layout, scale and colours, not its
 *   exact bytes. Skid marks are not drawn (Gymnasium leaves them out of the
 *   observation too).
 * - The features observation is Arena's own (Gymnasium has pixels only).
 * - Track differences are listed in track.ts.
 *
 * Over 500 lines: this header is a sixth of them; the rest is one env (spaces,
 * reset, step, reward, render state), with track, car and view in their files.
 */
import * as planck from 'planck';
import type { Env, EnvSpec, Info, RenderState, ResetArgs, ResetResult, StepResult } from '../../core/env.js';
import { EnvUsageError } from '../../core/env.js';
import type { Rng } from '../../core/rng.js';
import { reseed } from '../../core/rng.js';
import type { BoxSpace, BoxValue, DiscreteSpace } from '../../core/spaces.js';
import { box, discrete } from '../../core/spaces.js';
import { Car, HULL_POLYS, SIZE, STEER_LIMIT, WHEEL_POS, WHEEL_R, WHEEL_RADIUS, WHEEL_W } from './car.js';
import type { Colors } from './render.js';
import { DEFAULT_COLORS, Renderer, STATE_H, STATE_W } from './render.js';
import type { CenterlineProjection, Track } from './track.js';
import {
  BORDER,
  buildTrack,
  generateTrack,
  PLAYFIELD,
  projectOnCenterline,
  rayToEdge,
  tilesUnderRect,
  TRACK_DETAIL_STEP,
  TRACK_WIDTH,
  wrapAngle,
} from './track.js';

const FPS = 50;
const DT = 1 / FPS;
const FRAME_REWARD = -0.1;
const LAP_REWARD = 1000; // shared by the N tiles
const OFF_PLAYFIELD_REWARD = -100;
/**
 * Solver iterations per step, Gymnasium's. They matter: when a front wheel's
 * joint sits on its steering limit and the motor turns it back, the limit's
 * accumulated impulse takes many velocity iterations to unwind, and with 120
 * or fewer the wheel stays on the limit for an extra step (measured on noisy
 * driven laps: 180 / 3 follows 180 / 60 to 1e-8, while 120 / 60 and below
 * split off where a wheel leaves its limit). Position iterations stop early
 * once the joints are within tolerance. At 180, the joint solver is most of
 * a features step's cost (joint-solver.ts makes it allocation-free).
 */
const VELOCITY_ITERATIONS = 180;
const POSITION_ITERATIONS = 60;
const DISCRETE_STEER = 0.6;
const DISCRETE_GAS = 0.2;
const DISCRETE_BRAKE = 0.8;
/** Tiles a wheel can touch at once, at most (it is smaller than a tile). */
const MAX_WHEEL_TILES = 8;

// Features observation.
export const FEATURES = 22;
const SPEED_SCALE = 100;
const RAY_DEGREES = [-90, -60, -30, 0, 30, 60, 90];
const RAY_ANGLES = RAY_DEGREES.map((d) => (d * Math.PI) / 180);
export const RAY_RANGE = 50;
const LOOKAHEAD_TILES = [5, 10, 20];
/** Short names of the features, in the table's order (the viewer labels a recording's numbers with them). */
export const FEATURE_NAMES: readonly string[] = [
  'speed fwd',
  'speed left',
  'yaw rate',
  'steer',
  'wheel FL',
  'wheel FR',
  'wheel RL',
  'wheel RR',
  ...RAY_DEGREES.map((d) => `ray ${d}°`),
  'heading err',
  ...LOOKAHEAD_TILES.map((t) => `heading +${t}`),
  'offset',
  'progress',
  'on grass',
];
/** Centerline tracking: search this many tiles around the last answer, unless it is farther than this from the centerline. */
const TRACKING_WINDOW = 6;
const TRACKING_FAR = 2 * TRACK_WIDTH;

export type CarRacingObservation = 'pixels' | 'features';

export interface CarRacingKwargs {
  continuous?: boolean;
  observation?: CarRacingObservation;
  lapCompletePercent?: number;
  domainRandomize?: boolean;
}

function checkKwargs(id: string, kwargs: CarRacingKwargs): Required<CarRacingKwargs> {
  const { continuous = true, observation = 'pixels', lapCompletePercent = 0.95, domainRandomize = false } = kwargs;
  if (typeof continuous !== 'boolean') throw new TypeError(`${id}: continuous must be true or false, got ${JSON.stringify(continuous)}`);
  if (observation !== 'pixels' && observation !== 'features') {
    throw new RangeError(`${id}: observation must be 'pixels' or 'features', got ${JSON.stringify(observation)}`);
  }
  if (typeof lapCompletePercent !== 'number' || !(lapCompletePercent >= 0 && lapCompletePercent <= 1)) {
    throw new RangeError(`${id}: lapCompletePercent must be a fraction in [0, 1], got ${JSON.stringify(lapCompletePercent)}`);
  }
  if (typeof domainRandomize !== 'boolean') throw new TypeError(`${id}: domainRandomize must be true or false, got ${JSON.stringify(domainRandomize)}`);
  return { continuous, observation, lapCompletePercent, domainRandomize };
}

function featuresSpace(): BoxSpace {
  const inf = Infinity;
  const low = [-inf, -inf, -inf, -1, -inf, -inf, -inf, -inf, ...RAY_ANGLES.map(() => 0), -1, -1, -1, -1, -inf, 0, 0];
  const high = [inf, inf, inf, 1, inf, inf, inf, inf, ...RAY_ANGLES.map(() => 1), 1, 1, 1, 1, inf, 1, 1];
  return box(low, high);
}

/** Reads reset option `track`: centerline points [x, y, beta] or [x, y] (beta then follows the points). */
function trackOption(id: string, raw: unknown): Track {
  if (!Array.isArray(raw) || raw.length < 8) {
    throw new EnvUsageError(`${id}: reset options.track must be an array of at least 8 centerline points [x, y, beta] or [x, y]`);
  }
  const n = raw.length;
  const xs = new Float64Array(n);
  const ys = new Float64Array(n);
  const betas = new Float64Array(n);
  let withBeta = 0;
  raw.forEach((p: unknown, i) => {
    const ok = Array.isArray(p) && (p.length === 2 || p.length === 3) && p.every((v) => typeof v === 'number' && Number.isFinite(v));
    if (!ok) throw new EnvUsageError(`${id}: reset options.track[${i}] must be [x, y, beta] or [x, y] with finite numbers, got ${JSON.stringify(p)}`);
    const q = p as number[];
    xs[i] = q[0]!;
    ys[i] = q[1]!;
    if (q.length === 3) {
      betas[i] = q[2]!;
      withBeta++;
    }
  });
  if (withBeta !== 0 && withBeta !== n) throw new EnvUsageError(`${id}: reset options.track must give beta for every point or for none`);
  if (withBeta === 0) {
    // Heading along the chord through the neighbours: the road runs along (-sin beta, cos beta).
    for (let i = 0; i < n; i++) {
      const a = (i + n - 1) % n;
      const b = (i + 1) % n;
      betas[i] = Math.atan2(-(xs[b]! - xs[a]!), ys[b]! - ys[a]!);
    }
  }
  return buildTrack(xs, ys, betas);
}

const round = (v: number, digits: number): number => {
  const k = 10 ** digits;
  return Math.round(v * k) / k;
};

export class CarRacingEnv implements Env<BoxValue, number | ArrayLike<number>> {
  readonly observationSpace: BoxSpace;
  readonly actionSpace: BoxSpace | DiscreteSpace;
  readonly continuous: boolean;
  readonly observation: CarRacingObservation;
  readonly lapCompletePercent: number;
  readonly domainRandomize: boolean;
  /** Names of the features observation's numbers (undefined for pixels). */
  readonly observationNames: readonly string[] | undefined;

  private rng: Rng | null = null;
  private world: planck.World | null = null;
  private carBody: Car | null = null;
  private trackData: Track | null = null;
  private colors: Colors = DEFAULT_COLORS;
  private readonly renderer: Renderer | null;
  /** 1 for the tiles a wheel has touched. */
  private visited = new Uint8Array(0);
  private visitedCount = 0;
  /** Gymnasium's running score: tile rewards minus frame costs so far; a step's reward is its increase. */
  private score = 0;
  private prevScore = 0;
  private time = 0;
  private lapDone = false;
  // Tiles under each wheel now and one step ago (MAX_WHEEL_TILES slots per wheel).
  private wheelTiles = new Int32Array(4 * MAX_WHEEL_TILES);
  private wheelTileCount = new Int32Array(4);
  private prevWheelTiles = new Int32Array(4 * MAX_WHEEL_TILES);
  private prevWheelTileCount = new Int32Array(4);
  private readonly scratchTiles = new Int32Array(MAX_WHEEL_TILES);
  /** Tiles first visited during the last step. */
  private newTiles: number[] = [];
  /** Where the car is along the centerline, updated every step. */
  readonly projection: CenterlineProjection = { tile: 0, t: 0, offset: 0, dist2: 0 };

  constructor(
    kwargs: CarRacingKwargs = {},
    readonly spec: EnvSpec = { id: 'CarRacing-v3', kwargs: { ...kwargs } },
  ) {
    const k = checkKwargs(spec.id, kwargs);
    this.continuous = k.continuous;
    this.observation = k.observation;
    this.lapCompletePercent = k.lapCompletePercent;
    this.domainRandomize = k.domainRandomize;
    this.actionSpace = this.continuous ? box([-1, 0, 0], [1, 1, 1]) : discrete(5);
    this.observationSpace = this.observation === 'pixels' ? box(0, 255, [STATE_H, STATE_W, 3], 'uint8') : featuresSpace();
    this.renderer = this.observation === 'pixels' ? new Renderer() : null;
    this.observationNames = this.observation === 'features' ? FEATURE_NAMES : undefined;
  }

  get unwrapped(): Env {
    return this as Env;
  }

  /** The current track (after the first reset). */
  get track(): Track {
    if (!this.trackData) throw new EnvUsageError(`${this.spec.id}: no track before the first reset()`);
    return this.trackData;
  }

  /** The car's bodies and wheel state (after the first reset). */
  get car(): Car {
    if (!this.carBody) throw new EnvUsageError(`${this.spec.id}: no car before the first reset()`);
    return this.carBody;
  }

  get tilesVisited(): number {
    return this.visitedCount;
  }

  // ---------------------------------------------------------------- reset

  reset(args: ResetArgs = {}): ResetResult<BoxValue> {
    const rng = (this.rng = reseed(this.rng, args.seed));
    const options = args.options ?? {};
    if ('randomize' in options && typeof options.randomize !== 'boolean') {
      throw new EnvUsageError(`${this.spec.id}: reset options.randomize must be true or false, got ${JSON.stringify(options.randomize)}`);
    }
    if (this.domainRandomize && (options.randomize !== false || this.colors === DEFAULT_COLORS)) {
      // Gymnasium's domain randomization: road and background uniform in [0, 210), grass the background with one channel 20 brighter.
      const road = [rng.uniform(0, 210), rng.uniform(0, 210), rng.uniform(0, 210)];
      const background = [rng.uniform(0, 210), rng.uniform(0, 210), rng.uniform(0, 210)];
      const grass = [...background];
      grass[rng.integers(0, 3)]! += 20;
      this.colors = { road, background, grass };
      this.renderer?.setColors(this.colors);
    }
    const track = options.track !== undefined ? trackOption(this.spec.id, options.track) : generateTrack(rng);
    this.trackData = track;

    this.world = new planck.World({ gravity: { x: 0, y: 0 } });
    this.carBody = new Car(this.world, track.beta[0]!, track.x[0]!, track.y[0]!);
    this.visited = new Uint8Array(track.n);
    this.visitedCount = 0;
    this.score = 0;
    this.prevScore = 0;
    this.time = 0;
    this.lapDone = false;
    this.wheelTileCount.fill(0);
    this.projection.tile = -1;
    // Gymnasium's reset takes one physics step without controls before the first observation.
    this.tick();
    return { obs: this.observe(), info: { lapFinished: false, tilesVisited: this.visitedCount } };
  }

  // ---------------------------------------------------------------- step

  step(action: number | ArrayLike<number>): StepResult<BoxValue> {
    const car = this.car;
    if (this.continuous) {
      const a = action as ArrayLike<number>;
      if (typeof a !== 'object' || a === null || a.length !== 3) {
        throw new EnvUsageError(`${this.spec.id}: a continuous action is [steer, gas, brake], got ${JSON.stringify(action)}`);
      }
      car.control(-a[0]!, a[1]!, a[2]!);
    } else {
      if (!Number.isInteger(action) || (action as number) < 0 || (action as number) > 4) {
        throw new EnvUsageError(`${this.spec.id}: a discrete action is an integer 0..4, got ${JSON.stringify(action)}`);
      }
      car.control(action === 1 ? -DISCRETE_STEER : action === 2 ? DISCRETE_STEER : 0, action === 3 ? DISCRETE_GAS : 0, action === 4 ? DISCRETE_BRAKE : 0);
    }
    this.tick();

    this.score += FRAME_REWARD;
    let reward = this.score - this.prevScore;
    this.prevScore = this.score;
    let terminated = false;
    let lapFinished = false;
    if (this.visitedCount === this.track.n || this.lapDone) {
      terminated = true;
      lapFinished = true;
    }
    const p = car.hull.getPosition();
    if (Math.abs(p.x) > PLAYFIELD || Math.abs(p.y) > PLAYFIELD) {
      terminated = true;
      lapFinished = false;
      reward = OFF_PLAYFIELD_REWARD;
    }
    const info: Info = { lapFinished, tilesVisited: this.visitedCount };
    return { obs: this.observe(), reward, terminated, truncated: false, info };
  }

  /** One physics step: tyre forces, the planck step, then the tiles under the wheels and the car's place on the centerline. */
  private tick(): void {
    const car = this.car;
    car.step(DT);
    this.world!.step(DT, VELOCITY_ITERATIONS, POSITION_ITERATIONS);
    this.time += DT;
    this.updateWheelTiles();
    const p = car.hull.getPosition();
    projectOnCenterline(this.track, p.x, p.y, this.projection.tile, TRACKING_WINDOW, TRACKING_FAR, this.projection);
  }

  /**
   * Finds the tiles under each wheel; a tile a wheel starts touching is
   * visited (reward 1000/N the first time), and a wheel that starts touching
   * tile 0 with enough of the lap visited completes it.
   */
  private updateWheelTiles(): void {
    const car = this.car;
    const track = this.track;
    const tiles = this.prevWheelTiles;
    this.prevWheelTiles = this.wheelTiles;
    this.wheelTiles = tiles;
    const counts = this.prevWheelTileCount;
    this.prevWheelTileCount = this.wheelTileCount;
    this.wheelTileCount = counts;
    if (this.newTiles.length > 0) this.newTiles = [];
    let enteredStart = false;
    const hw = WHEEL_W * SIZE;
    const hl = WHEEL_R * SIZE;
    for (let w = 0; w < 4; w++) {
      const wheel = car.wheels[w]!;
      const p = wheel.getPosition();
      const a = wheel.getAngle();
      const count = tilesUnderRect(track, p.x, p.y, -Math.sin(a), Math.cos(a), hw, hl, this.scratchTiles);
      car.onRoad[w] = count > 0 ? 1 : 0;
      const base = w * MAX_WHEEL_TILES;
      const prevCount = this.prevWheelTileCount[w]!;
      for (let k = 0; k < count; k++) {
        const tile = this.scratchTiles[k]!;
        this.wheelTiles[base + k] = tile;
        let before = false;
        for (let m = 0; m < prevCount; m++) if (this.prevWheelTiles[base + m] === tile) before = true;
        if (before) continue;
        if (!this.visited[tile]) {
          this.visited[tile] = 1;
          this.visitedCount++;
          this.score += LAP_REWARD / track.n;
          this.newTiles.push(tile);
        }
        if (tile === 0) enteredStart = true;
      }
      this.wheelTileCount[w] = count;
    }
    if (enteredStart && this.visitedCount / track.n > this.lapCompletePercent) this.lapDone = true;
  }

  // ---------------------------------------------------------------- observations

  private observe(): BoxValue {
    if (this.renderer) {
      const out = new Uint8Array(STATE_H * STATE_W * 3);
      this.renderer.render(this.track, this.car, this.visited, this.time, this.score, out);
      return out;
    }
    const out = new Float32Array(FEATURES);
    this.writeFeatures(out);
    return out;
  }

  /** The features vector (layout in the header). */
  writeFeatures(out: Float32Array): void {
    const car = this.car;
    const track = this.track;
    const hull = car.hull;
    const p = hull.getPosition();
    const theta = hull.getAngle();
    const v = hull.getLinearVelocity();
    const fx = -Math.sin(theta);
    const fy = Math.cos(theta);
    out[0] = (fx * v.x + fy * v.y) / SPEED_SCALE;
    out[1] = (-fy * v.x + fx * v.y) / SPEED_SCALE; // left = forward turned a quarter counter-clockwise = (-fy, fx)
    out[2] = hull.getAngularVelocity();
    const steer = car.joints[0]!.getJointAngle() / STEER_LIMIT;
    out[3] = steer > 1 ? 1 : steer < -1 ? -1 : steer;
    for (let w = 0; w < 4; w++) out[4 + w] = (car.omega[w]! * WHEEL_RADIUS) / SPEED_SCALE;
    for (let k = 0; k < RAY_ANGLES.length; k++) {
      const a = theta + RAY_ANGLES[k]!;
      out[8 + k] = rayToEdge(track, p.x, p.y, -Math.sin(a), Math.cos(a), RAY_RANGE) / RAY_RANGE;
    }
    const proj = this.projection;
    const n = track.n;
    const prev = proj.tile === 0 ? n - 1 : proj.tile - 1;
    // Track direction at the projection: between the headings at the segment's two ends.
    const b0 = track.beta[prev]!;
    const here = b0 + proj.t * wrapAngle(track.beta[proj.tile]! - b0);
    out[15] = wrapAngle(here - theta) / Math.PI;
    for (let k = 0; k < LOOKAHEAD_TILES.length; k++) {
      out[16 + k] = wrapAngle(track.beta[(proj.tile + LOOKAHEAD_TILES[k]!) % n]! - theta) / Math.PI;
    }
    out[19] = proj.offset / TRACK_WIDTH;
    out[20] = this.visitedCount / n;
    out[21] = (4 - car.onRoad[0]! - car.onRoad[1]! - car.onRoad[2]! - car.onRoad[3]!) / 4;
  }

  // ---------------------------------------------------------------- render state

  /** Per step: the car's pose and speed, controls, wheels [x, y, angle, phase], skidding wheels, tiles visited (count and new ones). */
  renderState(): RenderState {
    if (!this.carBody) return {};
    const car = this.carBody;
    const p = car.hull.getPosition();
    const v = car.hull.getLinearVelocity();
    return {
      x: round(p.x, 3),
      y: round(p.y, 3),
      angle: round(car.hull.getAngle(), 4),
      speed: round(Math.hypot(v.x, v.y), 3),
      steering: round(car.joints[0]!.getJointAngle(), 4),
      gas: round(car.gas[2]!, 3),
      brake: round(car.brake[0]!, 3),
      wheels: car.wheels.map((wheel, w) => {
        const q = wheel.getPosition();
        return [round(q.x, 3), round(q.y, 3), round(wheel.getAngle(), 4), round(car.phase[w]! % (2 * Math.PI), 3)];
      }),
      skid: Array.from(car.skid),
      tilesVisited: this.visitedCount,
      newTiles: [...this.newTiles],
    };
  }

  /** Static scene data for episode records: the track, its curbs, colours, the playfield and the car's shape. */
  renderHeader(): Record<string, unknown> {
    const track = this.track;
    const centerline: number[][] = [];
    const tiles: number[][] = [];
    for (let i = 0; i < track.n; i++) {
      centerline.push([round(track.x[i]!, 4), round(track.y[i]!, 4), round(track.beta[i]!, 5)]);
      tiles.push(Array.from(track.tiles.subarray(8 * i, 8 * i + 8), (c) => round(c, 4)));
    }
    const curbs: { tile: number; color: 'white' | 'red'; polygon: number[] }[] = [];
    for (let k = 0; k < track.curbTile.length; k++) {
      const tile = track.curbTile[k]!;
      curbs.push({ tile, color: tile % 2 === 0 ? 'white' : 'red', polygon: Array.from(track.curbs.subarray(8 * k, 8 * k + 8), (c) => round(c, 4)) });
    }
    return {
      playfield: PLAYFIELD,
      trackHalfWidth: TRACK_WIDTH,
      curbWidth: BORDER,
      tileLength: TRACK_DETAIL_STEP,
      centerline,
      tiles,
      curbs,
      colors: { road: this.colors.road.map(Math.trunc), background: this.colors.background.map(Math.trunc), grass: this.colors.grass.map(Math.trunc) },
      grassSquare: PLAYFIELD / 20,
      car: {
        hull: HULL_POLYS.map((poly) => poly.map(([x, y]) => [x * SIZE, y * SIZE])),
        wheels: WHEEL_POS.map(([x, y]) => [x * SIZE, y * SIZE]),
        wheelHalfWidth: WHEEL_W * SIZE,
        wheelHalfLength: WHEEL_R * SIZE,
      },
      lapCompletePercent: this.lapCompletePercent,
    };
  }

  close(): void {
    this.world = null;
  }
}
