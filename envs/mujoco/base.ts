// The shared base of the MuJoCo envs (Gymnasium's MujocoEnv): one compiled
// model and its simulation data in wasm memory, the frame skip, the action
// space from the actuators' control ranges, seeded reset noise, reset to a
// given simulator state, the observation buffer, renderState and the freeing
// of wasm memory on close. Each env's file adds its observation, reward,
// termination and reset noise.
import type { Env, EnvSpec, Info, RenderState, ResetArgs, ResetResult, StepResult } from '../../core/env.js';
import { EnvUsageError } from '../../core/env.js';
import type { BoxSpace } from '../../core/spaces.js';
import { box } from '../../core/spaces.js';
import type { Rng } from '../../core/rng.js';
import { reseed } from '../../core/rng.js';
import { mujoco } from './wasm.js';
import type { MjData, MjModel } from './wasm.js';

const f32 = Math.fround;

/** Frees a model and its data when an env that was never closed is garbage-collected. */
const leaked = new FinalizationRegistry<{ model: MjModel; data: MjData }>(({ model, data }) => {
  data.delete();
  model.delete();
});

/** MuJoCo's geom types (mjtGeom) by number, as the viewer names them. */
const GEOM_TYPES = ['plane', 'hfield', 'sphere', 'capsule', 'ellipsoid', 'cylinder', 'box', 'mesh', 'sdf'] as const;

export interface SimulatorState {
  qpos: number[];
  qvel: number[];
  qaccWarmstart: number[];
}

const RESET_OPTIONS = ['qpos', 'qvel', 'qaccWarmstart'];

/**
 * Writes an observation left to right: whole arrays or slices of the
 * simulator's arrays, optionally clipped to [-limit, limit], as float32.
 */
export class ObservationWriter {
  private i = 0;
  constructor(readonly out: Float32Array) {}
  put(src: ArrayLike<number>, from = 0, to = src.length, limit = Infinity): this {
    for (let k = from; k < to; k++) {
      const v = src[k]!;
      this.out[this.i++] = v > limit ? limit : v < -limit ? -limit : v;
    }
    return this;
  }
  value(v: number): this {
    this.out[this.i++] = v;
    return this;
  }
  /** The observation, after checking that every slot was written. */
  done(id: string): Float32Array {
    if (this.i !== this.out.length) throw new Error(`${id}: observation has ${this.i} values, expected ${this.out.length}`);
    return this.out;
  }
}

/**
 * numpy's `np.square(a).sum()` for a float32 action: squares and sum in
 * float32, summed in numpy's order (eight interleaved partial sums from eight
 * values on, paired, then the tail).
 */
export function squaredSumF32(a: ArrayLike<number>): number {
  const n = a.length;
  const sq = (i: number) => f32(f32(a[i]!) * f32(a[i]!));
  if (n < 8) {
    let s = 0;
    for (let i = 0; i < n; i++) s = f32(s + sq(i));
    return s;
  }
  const r = [sq(0), sq(1), sq(2), sq(3), sq(4), sq(5), sq(6), sq(7)];
  let i = 8;
  for (; i < n - (n % 8); i += 8) for (let j = 0; j < 8; j++) r[j] = f32(r[j]! + sq(i + j));
  let s = f32(f32(f32(r[0]! + r[1]!) + f32(r[2]! + r[3]!)) + f32(f32(r[4]! + r[5]!) + f32(r[6]! + r[7]!)));
  for (; i < n; i++) s = f32(s + sq(i));
  return s;
}

/** `weight * np.square(action).sum()` as numpy 2 computes it for a float32 action (a float32 result). */
export function controlCostF32(action: ArrayLike<number>, weight: number): number {
  return f32(squaredSumF32(action) * f32(weight));
}

export abstract class MujocoEnv implements Env<Float32Array, Float32Array> {
  observationSpace: BoxSpace = box(-Infinity, Infinity, [1]);
  readonly actionSpace: BoxSpace;
  /** Seconds per env step: the model's timestep times the frame skip. */
  readonly dt: number;
  /** Seconds per simulator step (the model's option). */
  readonly timestep: number;
  protected readonly model: MjModel;
  protected readonly data: MjData;
  /** The model's reference configuration and zero velocity (Gymnasium's init_qpos, init_qvel). */
  protected readonly initQpos: Float64Array;
  protected readonly initQvel: Float64Array;
  protected rng: Rng | null = null;
  private closed = false;
  private readonly handles: { model: MjModel; data: MjData };

  constructor(
    readonly spec: EnvSpec,
    modelXml: string,
    readonly frameSkip: number,
  ) {
    this.model = mujoco.MjModel.from_xml_string(modelXml);
    this.data = new mujoco.MjData(this.model);
    this.handles = { model: this.model, data: this.data };
    leaked.register(this, this.handles, this.handles);
    const opt = this.model.opt;
    this.timestep = opt.timestep;
    opt.delete();
    this.dt = this.timestep * frameSkip;
    this.initQpos = Float64Array.from(this.data.qpos as Float64Array);
    this.initQvel = Float64Array.from(this.data.qvel as Float64Array);
    const range = this.model.actuator_ctrlrange as Float64Array;
    const nu = this.model.nu;
    const low: number[] = [];
    const high: number[] = [];
    for (let i = 0; i < nu; i++) {
      low.push(range[2 * i]!);
      high.push(range[2 * i + 1]!);
    }
    this.actionSpace = box(low, high);
  }

  /** Sets the observation's length (known once the model is compiled and the kwargs read). */
  protected setObservationDim(n: number): void {
    this.observationSpace = box(-Infinity, Infinity, [n]);
  }

  get observationDim(): number {
    return this.observationSpace.shape[0]!;
  }

  get unwrapped(): Env {
    return this;
  }

  get nq(): number {
    return this.model.nq;
  }

  get nv(): number {
    return this.model.nv;
  }

  /** The env's observation of the current simulator state. */
  protected abstract observe(): Float32Array;
  /** Draws the start state into qpos and qvel (Gymnasium's reset_model, before set_state). */
  protected abstract resetNoise(rng: Rng, qpos: Float64Array, qvel: Float64Array): void;
  /** The reset `info` (Gymnasium's _get_reset_info). */
  protected resetInfo(): Info {
    return {};
  }
  /** Takes one env step (Gymnasium's step: usually state before, simulate, reward and observation after). */
  protected abstract advance(action: Float32Array): StepResult<Float32Array>;

  step(action: Float32Array): StepResult<Float32Array> {
    this.assertOpen('step');
    return this.advance(action);
  }

  reset(args: ResetArgs = {}): ResetResult<Float32Array> {
    this.assertOpen('reset');
    const options = args.options ?? {};
    for (const key of Object.keys(options)) {
      if (!RESET_OPTIONS.includes(key)) {
        throw new EnvUsageError(`${this.spec.id}: unknown reset option ${JSON.stringify(key)}; allowed: ${RESET_OPTIONS.join(', ')}`);
      }
    }
    this.rng = reseed(this.rng, args.seed);
    const m = this.model;
    const d = this.data;
    mujoco.mj_resetData(m, d);
    const qpos = Float64Array.from(this.initQpos);
    const qvel = Float64Array.from(this.initQvel);
    if (options.qpos !== undefined || options.qvel !== undefined) {
      if (options.qpos === undefined || options.qvel === undefined) {
        throw new EnvUsageError(`${this.spec.id}: reset options.qpos and options.qvel must be given together`);
      }
      qpos.set(this.vectorOption(options, 'qpos', m.nq));
      qvel.set(this.vectorOption(options, 'qvel', m.nv));
    } else {
      if (options.qaccWarmstart !== undefined) throw new EnvUsageError(`${this.spec.id}: reset options.qaccWarmstart needs options.qpos and options.qvel`);
      this.resetNoise(this.rng, qpos, qvel);
    }
    (d.qpos as Float64Array).set(qpos);
    (d.qvel as Float64Array).set(qvel);
    if (options.qaccWarmstart !== undefined) (d.qacc_warmstart as Float64Array).set(this.vectorOption(options, 'qaccWarmstart', m.nv));
    mujoco.mj_forward(m, d);
    return { obs: this.observe(), info: this.resetInfo() };
  }

  /** Sets the controls and advances the simulation by the frame skip (Gymnasium's do_simulation). */
  protected simulate(action: ArrayLike<number>): void {
    const m = this.model;
    const d = this.data;
    const ctrl = d.ctrl as Float64Array;
    if (action.length !== ctrl.length) throw new EnvUsageError(`${this.spec.id}: action must have ${ctrl.length} values, got ${action.length}`);
    for (let i = 0; i < ctrl.length; i++) ctrl[i] = f32(action[i]!);
    for (let k = 0; k < this.frameSkip; k++) mujoco.mj_step(m, d);
    // Body forces (cfrc_ext, for contact costs and observations) are computed on request.
    mujoco.mj_rnePostConstraint(m, d);
  }

  /** The simulator state (for recording and replaying through reset options). */
  simulatorState(): SimulatorState {
    return {
      qpos: Array.from(this.data.qpos as Float64Array),
      qvel: Array.from(this.data.qvel as Float64Array),
      qaccWarmstart: Array.from(this.data.qacc_warmstart as Float64Array),
    };
  }

  /** The index of body `name` in the model. */
  protected bodyId(name: string): number {
    const id = mujoco.mj_name2id(this.model, mujoco.mjtObj.mjOBJ_BODY.value, name);
    if (id < 0) throw new Error(`${this.spec.id}: the model has no body ${JSON.stringify(name)}`);
    return id;
  }

  /** The world position of body `id` (Gymnasium's get_body_com and body(...).xpos: the body frame's origin). */
  protected bodyPosition(id: number): [number, number, number] {
    const xpos = this.data.xpos as Float64Array;
    return [xpos[3 * id]!, xpos[3 * id + 1]!, xpos[3 * id + 2]!];
  }

  /** Body poses for the viewer: world positions and orientations (w, x, y, z) of every body, and the geoms attached to them. */
  renderState(): RenderState {
    this.assertOpen('renderState');
    return {
      time: this.data.time,
      focusBody: 1,
      bodyPos: Array.from(this.data.xpos as Float64Array),
      bodyQuat: Array.from(this.data.xquat as Float64Array),
      geoms: this.geoms(),
    };
  }

  private geomCache: RenderState[] | null = null;

  /** The model's geoms: type, size, body and pose in the body's frame, colour. */
  private geoms(): RenderState[] {
    if (this.geomCache) return this.geomCache;
    const m = this.model;
    const type = m.geom_type as Int32Array;
    const size = m.geom_size as Float64Array;
    const body = m.geom_bodyid as Int32Array;
    const pos = m.geom_pos as Float64Array;
    const quat = m.geom_quat as Float64Array;
    const rgba = m.geom_rgba as Float32Array;
    const geoms: RenderState[] = [];
    for (let g = 0; g < m.ngeom; g++) {
      geoms.push({
        type: GEOM_TYPES[type[g]!] ?? 'unknown',
        size: Array.from(size.subarray(3 * g, 3 * g + 3)),
        body: body[g]!,
        pos: Array.from(pos.subarray(3 * g, 3 * g + 3)),
        quat: Array.from(quat.subarray(4 * g, 4 * g + 4)),
        rgba: Array.from(rgba.subarray(4 * g, 4 * g + 4), (v) => Number(v.toPrecision(6))),
      });
    }
    this.geomCache = geoms;
    return geoms;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    leaked.unregister(this.handles);
    this.data.delete();
    this.model.delete();
  }

  private assertOpen(what: string): void {
    if (this.closed) throw new EnvUsageError(`${this.spec.id}: ${what}() called after close()`);
  }

  private vectorOption(options: Readonly<Record<string, unknown>>, key: string, n: number): Float64Array {
    const raw = options[key] as ArrayLike<unknown>;
    if (typeof raw !== 'object' || raw === null || raw.length !== n) {
      throw new EnvUsageError(`${this.spec.id}: reset options.${key} must be an array of ${n} numbers, got ${JSON.stringify(raw)?.slice(0, 80)}`);
    }
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const v = raw[i];
      if (typeof v !== 'number' || !Number.isFinite(v)) throw new EnvUsageError(`${this.spec.id}: reset options.${key}[${i}] must be a finite number, got ${String(v)}`);
      out[i] = v;
    }
    return out;
  }
}

/** Gymnasium's uniform reset noise: every value plus U(-scale, scale). */
export function uniformNoise(rng: Rng, values: Float64Array, scale: number): void {
  for (let i = 0; i < values.length; i++) values[i] = values[i]! + rng.uniform(-scale, scale);
}

/** Gymnasium's normal reset noise: every value plus scale * N(0, 1). */
export function normalNoise(rng: Rng, values: Float64Array, scale: number): void {
  for (let i = 0; i < values.length; i++) values[i] = values[i]! + scale * rng.normal();
}

/** The position terms of `info` for envs that move in the plane: x, y and the distance from the start. */
export function planarPositionInfo(qpos: Float64Array, initQpos: Float64Array): Info {
  return {
    x_position: qpos[0]!,
    y_position: qpos[1]!,
    distance_from_origin: norm([qpos[0]! - initQpos[0]!, qpos[1]! - initQpos[1]!]),
  };
}

/** The Euclidean norm as numpy's linalg.norm computes it for a short vector (the root of the sum of squares). */
export function norm(v: ArrayLike<number>): number {
  return Math.sqrt(squaredSum(v));
}

/** Sum of squares of a float64 array (the control and contact costs of Humanoid and HumanoidStandup). */
export function squaredSum(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * a[i]!;
  return s;
}
