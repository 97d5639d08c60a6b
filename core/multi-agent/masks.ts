// Action masks: legal moves travel in a turn-based game's observation as
// `{ observation, actionMask }`; these read and sample them.
import { EnvUsageError } from '../env.js';
import type { Rng } from '../rng.js';
import type { DictSpace, Space, SpaceValue } from '../spaces.js';
import { describeValue, dict, multiBinary } from '../spaces.js';

/** An observation that carries the legal moves: `actionMask[a]` is 1 when action `a` is legal. */
export interface MaskedObservation<O = SpaceValue> {
  observation: O;
  actionMask: Uint8Array;
}

/** The Dict space of a masked observation over `nActions` discrete actions. */
export function maskedSpace(observation: Space, nActions: number): DictSpace {
  return dict({ observation, actionMask: multiBinary(nActions) });
}

/** The action mask inside an observation, or null when it has none. */
export function actionMaskOf(obs: unknown): Uint8Array | null {
  if (typeof obs !== 'object' || obs === null || ArrayBuffer.isView(obs)) return null;
  const mask = (obs as { actionMask?: unknown }).actionMask;
  return mask instanceof Uint8Array ? mask : null;
}

function maskFrom(maskOrObs: Uint8Array | unknown): Uint8Array {
  const mask = maskOrObs instanceof Uint8Array ? maskOrObs : actionMaskOf(maskOrObs);
  if (!mask) throw new TypeError(`expected an action mask or an observation with one, got ${describeValue(maskOrObs)}`);
  return mask;
}

/** The legal actions of a mask (or of an observation carrying one), in increasing order. */
export function legalActions(maskOrObs: Uint8Array | unknown): number[] {
  const mask = maskFrom(maskOrObs);
  const out: number[] = [];
  for (let i = 0; i < mask.length; i++) if (mask[i] === 1) out.push(i);
  return out;
}

/** A uniformly random legal action: the random player of the board games. */
export function randomLegalAction(maskOrObs: Uint8Array | unknown, rng: Rng): number {
  const legal = legalActions(maskOrObs);
  if (legal.length === 0) throw new EnvUsageError('randomLegalAction: the mask has no legal action (is it this agent\'s turn?)');
  return legal[rng.integers(0, legal.length)]!;
}
