// Episode records: the replay format the viewer reads (`arena.episode/1`).
// A record holds everything needed to draw an episode without the code that
// produced it: which env (id, kwargs, wrappers), which seed, which agent at
// which training step, static scene data once in `header`, and per frame the
// env's render state, the action taken there, the reward it earned and the
// agent's view of the state (Q-values, action probabilities, critic value),
// and optionally the observation itself: as an image (CarRacing's 96x96
// pixels), which the viewer shows as a picture-in-picture, or as a short
// vector of numbers (CarRacingFeatures' 22), shown as a labelled panel.
// Records written today must still play after the code moves on, so the
// format only grows by optional fields; a breaking change gets a new version.
import type { Env, RenderState } from './env.js';

export const EPISODE_RECORD_FORMAT = 'arena.episode/1';

/** What an agent thinks about one state (all optional; agents report what they have). */
export interface FrameOverlays {
  readonly qValues?: readonly number[];
  readonly probs?: readonly number[];
  readonly value?: number;
}

/**
 * An image observation, as the agent saw it: a PNG file, base64-encoded
 * (without a `data:` prefix), of `width` x `height` pixels with `channels`
 * channels (1 grey, 3 RGB, 4 RGBA). Core does not encode images: the caller of
 * recordEpisode supplies the encoder (envs/car-racing/png.ts's encodePng for
 * CarRacing's pixels), so records stay plain JSON.
 */
export interface FrameObservation {
  readonly width: number;
  readonly height: number;
  readonly channels: number;
  readonly png: string;
}

/**
 * One frame: the scene at time t, and (except on the last frame) the action the
 * agent took there, the reward that action earned, the return so far including
 * it, and the agent's overlays for the state it acted on.
 */
export interface Frame {
  readonly state: RenderState;
  readonly action?: number | readonly number[];
  readonly reward?: number;
  readonly return?: number;
  readonly overlays?: FrameOverlays;
  /** The observation at time t as an image, when the recorder was asked for it (RecordOptions.observations). */
  readonly observation?: FrameObservation;
  /** The observation at time t as numbers, when the recorder was asked for them (RecordOptions.features). */
  readonly features?: readonly number[];
}

export interface EpisodeRecord {
  readonly format: typeof EPISODE_RECORD_FORMAT;
  readonly env: { readonly id: string; readonly kwargs: Readonly<Record<string, unknown>>; readonly wrappers?: readonly unknown[] };
  /** Seed of the reset that started the episode. */
  readonly seed: number;
  readonly agent?: { readonly algorithm: string; readonly experiment?: string; readonly variant?: string; readonly runSeed?: number; readonly deterministic: boolean };
  /** The agent's training step when the episode was played. */
  readonly trainingStep?: number;
  /** Static scene data drawn once (e.g. a race track); {} when the env has none. */
  readonly header: Readonly<Record<string, unknown>>;
  readonly frames: readonly Frame[];
  /** Names of the frames' `features`, one per number, when the env defines them (the unwrapped env's observationNames). */
  readonly featureNames?: readonly string[];
  readonly return: number;
  readonly length: number;
  readonly terminated: boolean;
  readonly truncated: boolean;
}

/** Envs with static scene data expose it on the unwrapped env. */
interface WithRenderHeader {
  renderHeader?(): Record<string, unknown>;
  /** Names of a vector observation's entries (e.g. CarRacingFeatures' 22). */
  readonly observationNames?: readonly string[];
}

export interface RecordOptions {
  readonly seed: number;
  /** Chooses the action for an observation. */
  readonly act: (obs: unknown) => number | ArrayLike<number>;
  /** The agent's overlays for an observation, when it has any. */
  readonly overlays?: (obs: unknown) => FrameOverlays | undefined;
  /**
   * The observation as an image for the frame, when wanted (every frame,
   * the last included); e.g. for CarRacing's pixels:
   * `(obs) => ({ width: 96, height: 96, channels: 3, png: encodePng(obs as Uint8Array, 96, 96).toString('base64') })`.
   * Each image adds its PNG's size (a few kB at 96x96) to the record. Runs
   * choose it from the observation space (experiments/observation-record.ts).
   */
  readonly observations?: (obs: unknown) => FrameObservation | undefined;
  /**
   * The observation as numbers for the frame, when wanted (every frame, the
   * last included); the record then names them with the unwrapped env's
   * `observationNames` when it has as many names as there are numbers.
   */
  readonly features?: (obs: unknown) => readonly number[] | undefined;
  readonly agent?: EpisodeRecord['agent'];
  readonly trainingStep?: number;
  readonly wrappers?: readonly unknown[];
  /** Stops an episode that has not ended after this many steps (default 10000: a greedy policy on an env without a time limit can loop forever). */
  readonly maxSteps?: number;
}

/** Plays one episode on `env` from `reset({ seed })` and returns its record. */
export function recordEpisode(env: Env, options: RecordOptions): EpisodeRecord {
  const frames: Frame[] = [];
  const maxSteps = options.maxSteps ?? 10_000;
  let { obs } = env.reset({ seed: options.seed });
  let total = 0;
  let terminated = false;
  let truncated = false;
  let length = 0;
  while (length < maxSteps) {
    const state = env.renderState();
    const overlays = options.overlays?.(obs);
    const observation = options.observations?.(obs);
    const features = options.features?.(obs);
    const chosen = options.act(obs);
    const action = typeof chosen === 'number' ? chosen : Array.from(chosen);
    const r = env.step(chosen);
    total += r.reward;
    length += 1;
    frames.push({
      state,
      action,
      reward: r.reward,
      return: total,
      ...(overlays ? { overlays: plainOverlays(overlays) } : {}),
      ...(observation ? { observation } : {}),
      ...(features ? { features: Array.from(features) } : {}),
    });
    obs = r.obs;
    terminated = r.terminated;
    truncated = r.truncated;
    if (terminated || truncated) break;
  }
  if (!terminated && !truncated) truncated = true;
  const lastObservation = options.observations?.(obs);
  const lastFeatures = options.features?.(obs);
  frames.push({ state: env.renderState(), ...(lastObservation ? { observation: lastObservation } : {}), ...(lastFeatures ? { features: Array.from(lastFeatures) } : {}) });
  const unwrapped = env.unwrapped as Env & WithRenderHeader;
  const names = unwrapped.observationNames;
  const width = frames[0]!.features?.length;
  const featureNames = names && width !== undefined && names.length === width ? [...names] : undefined;
  return {
    format: EPISODE_RECORD_FORMAT,
    env: { id: env.spec.id, kwargs: { ...env.spec.kwargs }, ...(options.wrappers ? { wrappers: options.wrappers } : {}) },
    seed: options.seed,
    ...(options.agent ? { agent: options.agent } : {}),
    ...(options.trainingStep !== undefined ? { trainingStep: options.trainingStep } : {}),
    header: typeof unwrapped.renderHeader === 'function' ? unwrapped.renderHeader() : {},
    frames,
    ...(featureNames ? { featureNames } : {}),
    return: total,
    length,
    terminated,
    truncated,
  };
}

/** Copies typed arrays into plain arrays so the record is JSON as written. */
export function plainOverlays(o: FrameOverlays): FrameOverlays {
  return {
    ...(o.qValues ? { qValues: Array.from(o.qValues) } : {}),
    ...(o.probs ? { probs: Array.from(o.probs) } : {}),
    ...(o.value !== undefined ? { value: o.value } : {}),
  };
}

/** Checks the parts of a parsed record the viewer relies on; returns problems (empty when it is usable). */
export function validateEpisodeRecord(value: unknown): string[] {
  const problems: string[] = [];
  if (typeof value !== 'object' || value === null) return ['an episode record must be a JSON object'];
  const r = value as Partial<EpisodeRecord>;
  if (r.format !== EPISODE_RECORD_FORMAT) problems.push(`format is ${JSON.stringify(r.format)}, expected ${EPISODE_RECORD_FORMAT}`);
  if (typeof r.env !== 'object' || r.env === null || typeof r.env.id !== 'string') problems.push('env.id must be a string');
  if (!Array.isArray(r.frames) || r.frames.length === 0) problems.push('frames must be a non-empty array');
  else {
    const bad = r.frames.findIndex((f) => typeof f !== 'object' || f === null || typeof (f as Frame).state !== 'object');
    if (bad >= 0) problems.push(`frames[${bad}].state must be an object`);
  }
  if (typeof r.return !== 'number') problems.push('return must be a number');
  if (typeof r.length !== 'number') problems.push('length must be a number');
  return problems;
}
