// Observations as learner inputs.
//
// Networks (parameter sharing): one network serves every agent, so each input
// row is the agent's observation, flattened, followed by a one-hot of the
// agent's index in `possibleAgents` (Gupta et al. 2017; Terry et al. 2020,
// "Revisiting parameter sharing in multi-agent deep RL"):
//
//   [ flatten(observation) ... | 0 ... 1 ... 0 ]
//     observation features       one-hot agent index (nAgents values)
//
// A masked observation `{ observation, actionMask }` contributes its
// `observation` only; the mask is read separately (actionMaskOf). Discrete
// parts are one-hot, Box parts their values (core/spaces.ts `flatten`).
//
// Tables (independent Q-learning): an observation becomes a row key. Discrete
// observations are their index; integer-valued ones (uint8 Box, MultiBinary,
// MultiDiscrete, e.g. a board) are read as one number in mixed radix (a string
// when the number would not be exact); float Box observations need a grid
// (core/wrappers/discretize-observation.ts) and become their cell index.
import type { AgentId, PerAgent } from '../../core/multi-agent.js';
import { actionMaskOf } from '../../core/multi-agent.js';
import type { Space, SpaceValue } from '../../core/spaces.js';
import { describeSpace, flatDim, flatten } from '../../core/spaces.js';
import type { DiscretizeObservationOptions } from '../../core/wrappers/discretize-observation.js';
import { binIndex, discretization } from '../../core/wrappers/discretize-observation.js';

/** The observation part of a space: a masked Dict's `observation`, else the space itself. */
export function observationPart(space: Space): Space {
  if (space.type === 'dict' && 'observation' in space.spaces && 'actionMask' in space.spaces) return space.spaces['observation']!;
  return space;
}

/** The observation part of a value (strips the action mask of a masked observation). */
export function observationValue(obs: unknown): SpaceValue {
  return (actionMaskOf(obs) ? (obs as { observation: SpaceValue }).observation : obs) as SpaceValue;
}

/** Number of actions of a Discrete action space, or the dimension of a Box one. */
export function actionSize(space: Space): number {
  if (space.type === 'discrete') return space.n;
  if (space.type === 'box') return space.low.length;
  throw new TypeError(`multi-agent learners act in Discrete or Box action spaces, got ${describeSpace(space)}`);
}

/** Flattens observations (plus an optional one-hot agent index) into rows of a network input. */
export class ObservationEncoder {
  /** Numbers the observation contributes. */
  readonly obsDim: number;
  /** Row length: obsDim, plus nAgents with the agent id. */
  readonly inputDim: number;
  private readonly space: Space;
  private readonly scratch: Float32Array;

  constructor(
    observationSpace: Space,
    readonly nAgents: number,
    readonly agentIdInput: boolean,
  ) {
    this.space = observationPart(observationSpace);
    this.obsDim = flatDim(this.space);
    this.inputDim = this.obsDim + (agentIdInput ? nAgents : 0);
    this.scratch = new Float32Array(this.obsDim);
  }

  /**
   * One row per agent listed in `obs`, in its order, each with the agent's
   * index among `agents` (agentIndexOf: `who` names the learner when one is
   * unknown), and the entries the rows came from.
   */
  encodeAll(who: string, agents: readonly AgentId[], obs: Readonly<PerAgent<unknown>>): { entries: [AgentId, unknown][]; x: Float32Array } {
    const entries = Object.entries(obs);
    const d = this.inputDim;
    const x = new Float32Array(entries.length * d);
    entries.forEach(([agent, o], j) => this.encode(o, agentIndexOf(who, agents, agent), x, j * d));
    return { entries, x };
  }

  /** Writes the row of `obs` for agent `agentIndex` at out[offset ... offset + inputDim). */
  encode(obs: unknown, agentIndex: number, out: Float32Array, offset: number): void {
    const value = observationValue(obs);
    const s = this.space;
    if (s.type === 'box' || s.type === 'multi-binary') {
      const a = value as ArrayLike<number>;
      if (a?.length !== this.obsDim) throw new TypeError(`ObservationEncoder: expected an observation of ${this.obsDim} numbers (${describeSpace(s)}), got ${String(value)}`);
      for (let k = 0; k < this.obsDim; k++) out[offset + k] = a[k]!;
    } else {
      out.set(flatten(s, value, this.scratch), offset);
    }
    if (this.agentIdInput) {
      out.fill(0, offset + this.obsDim, offset + this.inputDim);
      out[offset + this.obsDim + agentIndex] = 1;
    }
  }
}

/** The index of `agent` among `agents`; an unknown agent throws, naming `who` and the agents. */
export function agentIndexOf(who: string, agents: readonly AgentId[], agent: AgentId): number {
  const i = agents.indexOf(agent);
  if (i < 0) throw new RangeError(`${who}: unknown agent ${JSON.stringify(agent)}; the agents are ${agents.join(', ')}`);
  return i;
}

/**
 * The one space a parameter-shared network serves: every agent's observation
 * part must flatten to the same length and every action space must be equal.
 */
export function sharedSpaces(who: string, agents: readonly AgentId[], observationSpaces: Readonly<Record<AgentId, Space>>, actionSpaces: Readonly<Record<AgentId, Space>>): { observation: Space; action: Space } {
  const first = agents[0]!;
  const obs = observationSpaces[first]!;
  const act = actionSpaces[first]!;
  for (const a of agents) {
    const o = observationSpaces[a]!;
    if (flatDim(observationPart(o)) !== flatDim(observationPart(obs))) {
      throw new TypeError(`${who}: parameter sharing needs observations of one size; ${a} has ${describeSpace(o)}, ${first} ${describeSpace(obs)}`);
    }
    if (describeSpace(actionSpaces[a]!) !== describeSpace(act)) {
      throw new TypeError(`${who}: parameter sharing needs one action space; ${a} has ${describeSpace(actionSpaces[a]!)}, ${first} ${describeSpace(act)}`);
    }
  }
  actionSize(act);
  return { observation: obs, action: act };
}

// ---------------------------------------------------------------- table keys

export type TableKey = number | string;

/** Mixed-radix digits of an integer-valued space, or null when it is not one. */
function radices(space: Space): number[] | null {
  if (space.type === 'multi-binary') return new Array<number>(space.n).fill(2);
  if (space.type === 'multi-discrete') return [...space.nvec];
  if (space.type === 'box' && space.dtype === 'uint8') {
    return Array.from(space.low, (lo, i) => {
      const hi = space.high[i]!;
      if (!(Number.isFinite(lo) && Number.isFinite(hi) && lo === 0)) return NaN;
      return hi + 1;
    });
  }
  return null;
}

/**
 * A function from an observation to its table row key: Discrete observations
 * map to their index, integer-valued ones to a mixed-radix number (a string key
 * if that number could exceed 2^53), float Box ones through the grid
 * `discretize` (required for them).
 */
export function tableKeyer(observationSpace: Space, discretize?: DiscretizeObservationOptions): (obs: unknown) => TableKey {
  const space = observationPart(observationSpace);
  if (space.type === 'discrete') {
    const start = space.start;
    return (obs) => (observationValue(obs) as number) - start;
  }
  if (space.type === 'box' && discretize) {
    const grid = discretization(space, discretize, 'iql');
    return (obs) => binIndex(grid, observationValue(obs) as ArrayLike<number>);
  }
  const digits = radices(space);
  if (digits && digits.every((r) => Number.isInteger(r) && r >= 1)) {
    const cells = digits.reduce((a, r) => a * r, 1);
    if (Number.isSafeInteger(cells)) {
      return (obs) => {
        const v = observationValue(obs) as ArrayLike<number>;
        let key = 0;
        for (let i = 0; i < digits.length; i++) key = key * digits[i]! + v[i]!;
        return key;
      };
    }
    return (obs) => Array.from(observationValue(obs) as ArrayLike<number>).join(',');
  }
  throw new TypeError(
    `iql: a Q-table needs Discrete or integer-valued observations (uint8 Box, MultiBinary, MultiDiscrete), got ${describeSpace(space)}; ` +
      'for float Box observations pass a grid as the context\'s discretize: { bins, low, high } (core/wrappers/discretize-observation.ts)',
  );
}
