// An allocation-free velocity solver for the car's wheel joints. Gymnasium
// steps its world with 180 velocity iterations, so each step solves each of
// the four revolute joints 180 times; planck 1.4's RevoluteJoint allocates a
// few small vectors on every solve, and those solves plus the garbage they
// leave were about half of a features step. This is the same computation (the
// point constraint, the motor, the angle limit, as in Box2D's b2RevoluteJoint),
// written over plain numbers with every operation in planck's order, so the
// results are bit for bit planck's own (test/envs/car-racing.test.ts checks a
// whole trajectory against the stock solver). It replaces the method on the
// four joint instances only, and only when they have the fields it reads.
import type * as planck from 'planck';

interface Vec {
  x: number;
  y: number;
}
interface Vec3 extends Vec {
  z: number;
}
/** The planck 1.4 RevoluteJoint fields the solver reads and writes. */
interface RevoluteInternals {
  m_bodyA: { c_velocity: { v: Vec; w: number } };
  m_bodyB: { c_velocity: { v: Vec; w: number } };
  m_invMassA: number;
  m_invMassB: number;
  m_invIA: number;
  m_invIB: number;
  m_enableMotor: boolean;
  m_enableLimit: boolean;
  /** 0 inactive, 1 at the lower limit, 2 at the upper limit, 3 equal limits. */
  m_limitState: number;
  m_motorSpeed: number;
  m_motorMass: number;
  m_motorImpulse: number;
  m_maxMotorTorque: number;
  m_rA: Vec;
  m_rB: Vec;
  /** Effective mass of the point and angle constraints, columns ex, ey, ez. */
  m_mass: { ex: Vec3; ey: Vec3; ez: Vec3 };
  m_impulse: Vec3;
}

const INACTIVE = 0;
const AT_LOWER = 1;
const AT_UPPER = 2;
const EQUAL = 3;

/** Fields a new joint has (the rest are set by initVelocityConstraints, before each solve). */
const FIELDS = ['m_bodyA', 'm_bodyB', 'm_enableMotor', 'm_enableLimit', 'm_limitState', 'm_motorSpeed', 'm_motorImpulse', 'm_maxMotorTorque', 'm_mass', 'm_impulse'];
/** Names planck's own solver uses, so that a planck whose internals moved on keeps its own solver. */
const NAMES = ['m_invMassA', 'm_invIA', 'm_motorMass', 'm_rA', 'm_rB', 'solve33', 'solve22', 'LimitState'];

/**
 * Makes `joint` use the allocation-free solver; returns false (leaving planck's
 * own) when the joint does not look like planck 1.4's RevoluteJoint.
 */
export function useAllocationFreeSolver(joint: planck.RevoluteJoint): boolean {
  const j = joint as unknown as Record<string, unknown>;
  const stock = Object.getPrototypeOf(joint) as { solveVelocityConstraints?: unknown };
  const source = typeof stock.solveVelocityConstraints === 'function' ? stock.solveVelocityConstraints.toString() : '';
  const looksRight =
    FIELDS.every((f) => f in j) &&
    NAMES.every((name) => source.includes(name)) &&
    typeof (j.m_impulse as Vec3 | undefined)?.z === 'number' &&
    typeof (j.m_mass as { ez?: Vec3 } | undefined)?.ez?.z === 'number';
  if (!looksRight) return false;
  Object.defineProperty(joint, 'solveVelocityConstraints', { value: solveVelocityConstraints, configurable: true, writable: true });
  return true;
}

function solveVelocityConstraints(this: RevoluteInternals, step: { dt: number }): void {
  const velA = this.m_bodyA.c_velocity;
  const velB = this.m_bodyB.c_velocity;
  const vA = velA.v;
  const vB = velB.v;
  let wA = velA.w;
  let wB = velB.w;
  const mA = this.m_invMassA;
  const mB = this.m_invMassB;
  const iA = this.m_invIA;
  const iB = this.m_invIB;
  const fixedRotation = iA + iB === 0.0;
  const state = this.m_limitState;

  // Motor: drive the relative angular velocity to the motor speed, within the torque limit.
  if (this.m_enableMotor && state !== EQUAL && !fixedRotation) {
    const cdot = wB - wA - this.m_motorSpeed;
    let impulse = -this.m_motorMass * cdot;
    const oldImpulse = this.m_motorImpulse;
    const maxImpulse = step.dt * this.m_maxMotorTorque;
    let total = oldImpulse + impulse;
    if (total < -maxImpulse) total = -maxImpulse;
    else if (total > maxImpulse) total = maxImpulse;
    this.m_motorImpulse = total;
    impulse = total - oldImpulse;
    wA -= iA * impulse;
    wB += iB * impulse;
  }

  const rA = this.m_rA;
  const rB = this.m_rB;
  const M = this.m_mass;
  const ex = M.ex;
  const ey = M.ey;
  const ez = M.ez;
  const acc = this.m_impulse;
  // Relative velocity of the anchor points (planck accumulates it from zero: keep that for the sign of zeros).
  let cx = 0;
  let cy = 0;
  cx += vB.x + -wB * rB.y;
  cy += vB.y + wB * rB.x;
  cx -= vA.x + -wA * rA.y;
  cy -= vA.y + wA * rA.x;

  if (this.m_enableLimit && state !== INACTIVE && !fixedRotation) {
    // Point and angle constraints together: impulse = -M^-1 [cx, cy, wB - wA] (Cramer's rule, as Mat33.solve33).
    const cz = wB - wA;
    let crossX = ey.y * ez.z - ey.z * ez.y;
    let crossY = ey.z * ez.x - ey.x * ez.z;
    let crossZ = ey.x * ez.y - ey.y * ez.x;
    let det = ex.x * crossX + ex.y * crossY + ex.z * crossZ;
    if (det !== 0.0) det = 1.0 / det;
    const sx = det * (cx * crossX + cy * crossY + cz * crossZ);
    crossX = cy * ez.z - cz * ez.y;
    crossY = cz * ez.x - cx * ez.z;
    crossZ = cx * ez.y - cy * ez.x;
    const sy = det * (ex.x * crossX + ex.y * crossY + ex.z * crossZ);
    crossX = ey.y * cz - ey.z * cy;
    crossY = ey.z * cx - ey.x * cz;
    crossZ = ey.x * cy - ey.y * cx;
    const sz = det * (ex.x * crossX + ex.y * crossY + ex.z * crossZ);
    let px = -sx;
    let py = -sy;
    let pz = -sz;

    const newImpulse = acc.z + pz;
    if (state === EQUAL || (state === AT_LOWER && !(newImpulse < 0.0)) || (state === AT_UPPER && !(newImpulse > 0.0))) {
      acc.x += px;
      acc.y += py;
      acc.z += pz;
    } else {
      // The limit would pull: release it and solve the point constraint alone (as Mat33.solve22).
      const rhsX = -1 * cx + acc.z * ez.x;
      const rhsY = -1 * cy + acc.z * ez.y;
      let det2 = ex.x * ey.y - ey.x * ex.y;
      if (det2 !== 0.0) det2 = 1.0 / det2;
      px = det2 * (ey.y * rhsX - ey.x * rhsY);
      py = det2 * (ex.x * rhsY - ex.y * rhsX);
      pz = -acc.z;
      acc.x += px;
      acc.y += py;
      acc.z = 0.0;
    }
    vA.x -= mA * px;
    vA.y -= mA * py;
    wA -= iA * (rA.x * py - rA.y * px + pz);
    vB.x += mB * px;
    vB.y += mB * py;
    wB += iB * (rB.x * py - rB.y * px + pz);
  } else {
    // Point constraint only: impulse = -M22^-1 [cx, cy].
    const nx = -cx;
    const ny = -cy;
    let det = ex.x * ey.y - ey.x * ex.y;
    if (det !== 0.0) det = 1.0 / det;
    const px = det * (ey.y * nx - ey.x * ny);
    const py = det * (ex.x * ny - ex.y * nx);
    acc.x += px;
    acc.y += py;
    vA.x -= mA * px;
    vA.y -= mA * py;
    wA -= iA * (rA.x * py - rA.y * px);
    vB.x += mB * px;
    vB.y += mB * py;
    wB += iB * (rB.x * py - rB.y * px);
  }
  velA.w = wA;
  velB.w = wB;
}
