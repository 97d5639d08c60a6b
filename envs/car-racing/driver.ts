// A scripted CarRacing driver that follows the track's centerline: pure
// pursuit for steering (aim at a centerline point a speed-dependent distance
// ahead) and a speed limit from the curvature ahead (slow enough to take each
// bend, and to brake in time for it), with traction control on the rear
// wheels. It reads the unwrapped env's state, not the observation, so it works
// with either observation kind; the tests and the benchmark use it as a
// reference lap.
import type { Env } from '../../core/env.js';
import { SIZE, WHEEL_POS, WHEEL_RADIUS } from './car.js';
import { CarRacingEnv } from './car-racing.js';
import { TRACK_DETAIL_STEP, wrapAngle } from './track.js';

const WHEELBASE = (WHEEL_POS[0]![1] - WHEEL_POS[2]![1]) * SIZE;

export interface DriverOptions {
  /** Lateral acceleration the driver allows in bends (world units / s^2). */
  grip?: number;
  /** Deceleration it plans its braking with. */
  braking?: number;
  /** Top speed it aims for on straights. */
  topSpeed?: number;
}

/**
 * Tuned on seeds 0-59: every lap completed without the car's centre leaving
 * the road, in 620 to 1010 steps (mean 760); more grip or braking starts
 * losing the car in bends.
 */
const DEFAULTS: Required<DriverOptions> = { grip: 200, braking: 120, topSpeed: 100 };
/** Tiles ahead the driver looks at for bends. */
const HORIZON = 40;

/** The centerline driver's action for the env's current state: [steer, gas, brake], or 0..4 when the env is discrete. */
export function centerlineDriver(env: Env, options: DriverOptions = {}): Float32Array | number {
  const { grip, braking, topSpeed } = { ...DEFAULTS, ...options };
  const race = env.unwrapped;
  if (!(race instanceof CarRacingEnv)) throw new TypeError('centerlineDriver: the env is not a CarRacing env');
  const { track, car, projection } = race;
  const n = track.n;
  const hull = car.hull;
  const p = hull.getPosition();
  const theta = hull.getAngle();
  const v = hull.getLinearVelocity();
  const fx = -Math.sin(theta);
  const fy = Math.cos(theta);
  const speed = fx * v.x + fy * v.y;

  // Steering: pure pursuit towards the centerline point `lookahead` ahead.
  const lookahead = Math.max(6, 0.3 * Math.abs(speed));
  const ahead = Math.max(1, Math.round(lookahead / TRACK_DETAIL_STEP));
  const target = (projection.tile + ahead) % n;
  const dx = track.x[target]! - p.x;
  const dy = track.y[target]! - p.y;
  const along = fx * dx + fy * dy;
  const left = -fy * dx + fx * dy;
  const bearing = Math.atan2(left, along); // positive: the target is to the left
  const distance = Math.hypot(dx, dy);
  const steerAngle = Math.atan((2 * WHEELBASE * Math.sin(bearing)) / Math.max(distance, 1e-6)); // positive: turn left

  // Speed: the slowest of the speeds that let the car brake in time for each bend ahead.
  let limit = topSpeed;
  for (let k = 1; k <= HORIZON; k++) {
    const i = (projection.tile + k) % n;
    const turn = Math.abs(wrapAngle(track.beta[(i + 1) % n]! - track.beta[(i + n - 1) % n]!)) / (2 * TRACK_DETAIL_STEP);
    const bend = turn > 1e-6 ? Math.sqrt(grip / turn) : Infinity;
    const distanceTo = Math.max(0, k * TRACK_DETAIL_STEP - lookahead * 0.5);
    limit = Math.min(limit, Math.sqrt(bend * bend + 2 * braking * distanceTo));
  }
  // Rear-wheel slip: ease off the gas when the driven wheels spin faster than the car moves.
  const slip = Math.max(car.omega[2]!, car.omega[3]!) * WHEEL_RADIUS - speed;
  const gas = speed < limit && slip < 4 ? Math.min(1, 0.3 + 0.1 * (limit - speed)) : 0;
  const brake = speed > limit + 2 ? Math.min(0.8, 0.05 * (speed - limit)) : 0;

  if (race.continuous) {
    const steer = Math.max(-1, Math.min(1, -steerAngle)); // the action's steer is positive to the right
    return new Float32Array([steer, gas, brake]);
  }
  if (brake > 0) return 4;
  if (Math.abs(steerAngle) > 0.08) return steerAngle > 0 ? 2 : 1;
  return gas > 0 ? 3 : 0;
}
