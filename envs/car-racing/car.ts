// CarRacing's car: a hull and four wheels as planck (Box2D) bodies, each wheel
// on a revolute joint whose motor turns it towards the steering target. The
// tyres are not Box2D contacts: as in Gymnasium's car_dynamics.py (after
// Chris Campbell's top-down car tutorial, iforce2d.net/b2dtut/top-down-car),
// every wheel carries its own spin omega and, each step, pushes on the ground
// with a force proportional to the difference between its rolling speed and
// its ground speed, capped by a friction limit; planck then moves the bodies.
//
// Per wheel and step (dt = 1/50 s), with v_f and v_s the wheel's forward and
// sideways ground speed and r its radius:
//   engine   omega += dt * ENGINE_POWER * gas / WHEEL_MOMENT_OF_INERTIA / (|omega| + 5)
//            (constant power: d(I omega^2 / 2)/dt = P, softened near omega = 0)
//   brake    brake >= 0.9 locks the wheel (omega = 0); below, omega moves
//            BRAKE_RATE * brake rad/s towards 0 (never past it)
//   tyre     F_f = SLIP_STIFFNESS * (omega * r - v_f), F_s = -SLIP_STIFFNESS * v_s,
//            scaled down to length FRICTION_LIMIT (0.6 of it on grass) when longer;
//            the wheel skids when the unclipped force is over twice the limit
//   reaction omega -= dt * F_f * r / WHEEL_MOMENT_OF_INERTIA
// The wheel joints solve with joint-solver.ts's allocation-free copy of
// planck's revolute joint solver (same results, bit for bit).
//
// Controls: gas drives the rear wheels only and rises by at most 0.1 per step
// (it drops at once); brake acts on all four; steering sets the front joints'
// target angle, which the joint motors reach at up to 3 rad/s (50 rad/s per
// radian of error), within the joint limits of +-0.4 rad.
import * as planck from 'planck';
import { useAllocationFreeSolver } from './joint-solver.js';

/** Gymnasium's sizes are in car pixels; SIZE turns them into world units. */
export const SIZE = 0.02;
export const ENGINE_POWER = 100_000_000 * SIZE * SIZE;
export const WHEEL_MOMENT_OF_INERTIA = 4000 * SIZE * SIZE;
/** Largest tyre force on the road; friction scales like mass, i.e. like size squared. */
export const FRICTION_LIMIT = 1_000_000 * SIZE * SIZE;
/** Fraction of the friction limit left on grass. */
export const GRASS_FRICTION = 0.6;
export const WHEEL_R = 27; // wheel half-length, car pixels (also the rolling radius)
export const WHEEL_W = 14; // wheel half-width, car pixels
export const WHEEL_RADIUS = WHEEL_R * SIZE;
/** Wheel centres in the hull's frame (car pixels): front left, front right, rear left, rear right. */
export const WHEEL_POS: readonly (readonly [number, number])[] = [
  [-55, +80],
  [+55, +80],
  [-55, -82],
  [+55, -82],
];
/** The hull's four convex parts (car pixels): front spoiler, nose, cabin, rear spoiler. The car faces +y. */
export const HULL_POLYS: readonly (readonly (readonly [number, number])[])[] = [
  [[-60, +130], [+60, +130], [+60, +110], [-60, +110]],
  [[-15, +120], [+15, +120], [+20, +20], [-20, +20]],
  [[+25, +20], [+50, -10], [+50, -40], [+20, -90], [-20, -90], [-50, -40], [-50, -10], [-25, +20]],
  [[-50, -120], [+50, -120], [+50, -90], [-50, -90]],
];
/** Force per unit of speed difference between tyre and ground (Gymnasium: a coefficient that damps oscillation). */
const SLIP_STIFFNESS = 205_000 * SIZE * SIZE;
const BRAKE_RATE = 15; // rad/s of wheel spin a full (unlocking) brake removes per step
const BRAKE_LOCK = 0.9; // brake at or above this locks the wheels
const GAS_RISE = 0.1; // largest increase of the throttle per step
const STEER_GAIN = 50; // joint motor speed per radian of steering error
const STEER_MAX_SPEED = 3; // rad/s
export const STEER_LIMIT = 0.4; // joint limits, rad
const MAX_MOTOR_TORQUE = 180 * 900 * SIZE * SIZE;
const HULL_DENSITY = 1.0;
const WHEEL_DENSITY = 0.1;
const WHEEL_CATEGORY = 0x0020; // wheels collide with nothing but category 1 (and not with their own hull: it is jointed)

export class Car {
  readonly hull: planck.Body;
  readonly wheels: planck.Body[] = [];
  readonly joints: planck.RevoluteJoint[] = [];
  /** Per wheel (front left, front right, rear left, rear right). */
  readonly gas = new Float64Array(4);
  readonly brake = new Float64Array(4);
  readonly steer = new Float64Array(4);
  /** Spin, rad/s. */
  readonly omega = new Float64Array(4);
  /** Accumulated rotation, rad (only drawn: the stripe on each wheel). */
  readonly phase = new Float64Array(4);
  /** Set by the env before each step: 1 when the wheel touches a road tile. */
  readonly onRoad = new Uint8Array(4);
  /** Set by step: 1 when the wheel's tyre force was over twice its friction limit (where Gymnasium leaves skid marks). */
  readonly skid = new Uint8Array(4);
  private readonly force = new planck.Vec2(0, 0);

  constructor(world: planck.World, angle: number, x: number, y: number) {
    this.hull = world.createBody({ type: 'dynamic', position: { x, y }, angle });
    for (const poly of HULL_POLYS) {
      this.hull.createFixture(new planck.Polygon(poly.map(([px, py]) => ({ x: px * SIZE, y: py * SIZE }))), { density: HULL_DENSITY });
    }
    const c = Math.cos(angle);
    const s = Math.sin(angle);
    for (const [wx, wy] of WHEEL_POS) {
      const wheel = world.createBody({
        type: 'dynamic',
        position: { x: x + (c * wx - s * wy) * SIZE, y: y + (s * wx + c * wy) * SIZE },
        angle,
      });
      wheel.createFixture(
        new planck.Box(WHEEL_W * SIZE, WHEEL_R * SIZE),
        { density: WHEEL_DENSITY, filterCategoryBits: WHEEL_CATEGORY, filterMaskBits: 0x0001, restitution: 0 },
      );
      const joint = world.createJoint(
        new planck.RevoluteJoint({
          bodyA: this.hull,
          bodyB: wheel,
          localAnchorA: { x: wx * SIZE, y: wy * SIZE },
          localAnchorB: { x: 0, y: 0 },
          referenceAngle: 0,
          enableMotor: true,
          enableLimit: true,
          maxMotorTorque: MAX_MOTOR_TORQUE,
          motorSpeed: 0,
          lowerAngle: -STEER_LIMIT,
          upperAngle: +STEER_LIMIT,
        }),
      )!;
      useAllocationFreeSolver(joint);
      this.wheels.push(wheel);
      this.joints.push(joint);
    }
  }

  /**
   * Sets the controls: `steer` is the front wheels' target joint angle
   * (positive turns left), `gas` in [0, 1] (rear wheels, rising gradually),
   * `brake` (0.9 or more locks the wheels).
   */
  control(steer: number, gas: number, brake: number): void {
    const g = gas < 0 ? 0 : gas > 1 ? 1 : gas;
    for (let w = 2; w < 4; w++) this.gas[w]! += Math.min(g - this.gas[w]!, GAS_RISE);
    for (let w = 0; w < 4; w++) this.brake[w] = brake;
    this.steer[0] = steer;
    this.steer[1] = steer;
  }

  /** Applies one step of steering motors, engine, brakes and tyre forces (the world steps afterwards). */
  step(dt: number): void {
    const force = this.force;
    for (let w = 0; w < 4; w++) {
      const wheel = this.wheels[w]!;
      const joint = this.joints[w]!;
      const error = this.steer[w]! - joint.getJointAngle();
      joint.setMotorSpeed(Math.sign(error) * Math.min(STEER_GAIN * Math.abs(error), STEER_MAX_SPEED));

      const limit = this.onRoad[w] ? FRICTION_LIMIT : FRICTION_LIMIT * GRASS_FRICTION;
      const a = wheel.getAngle();
      const sideX = Math.cos(a);
      const sideY = Math.sin(a);
      const forwardX = -sideY;
      const forwardY = sideX;
      const v = wheel.getLinearVelocity();
      const vf = forwardX * v.x + forwardY * v.y;
      const vs = sideX * v.x + sideY * v.y;

      let omega = this.omega[w]!;
      omega += (dt * ENGINE_POWER * this.gas[w]!) / WHEEL_MOMENT_OF_INERTIA / (Math.abs(omega) + 5);
      const brake = this.brake[w]!;
      if (brake >= BRAKE_LOCK) {
        omega = 0;
      } else if (brake > 0) {
        const cut = BRAKE_RATE * brake;
        omega = Math.abs(omega) <= cut ? 0 : omega - Math.sign(omega) * cut;
      }
      this.phase[w]! += omega * dt;

      let ff = SLIP_STIFFNESS * (omega * WHEEL_RADIUS - vf);
      let fs = -SLIP_STIFFNESS * vs;
      const magnitude = Math.sqrt(ff * ff + fs * fs);
      this.skid[w] = magnitude > 2 * limit ? 1 : 0;
      if (magnitude > limit) {
        ff *= limit / magnitude;
        fs *= limit / magnitude;
      }
      omega -= (dt * ff * WHEEL_RADIUS) / WHEEL_MOMENT_OF_INERTIA;
      this.omega[w] = omega;

      force.x = fs * sideX + ff * forwardX;
      force.y = fs * sideY + ff * forwardY;
      wheel.applyForceToCenter(force, true);
    }
  }
}
