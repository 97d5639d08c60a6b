// RecordEpisodeStatistics: on the step where an episode ends (terminated or
// truncated) puts `info.episode = { r, l, t }`: the undiscounted return, the
// length in steps, and the episode's wall-clock duration in seconds (rounded to
// microseconds). The last `bufferLength` episodes are kept in queues on the
// returned env's `stats`, so a training loop can log a moving average without
// collecting infos itself.
//
// Gymnasium 1.x semantics: `t` is the time since the episode started (the
// reset, or the end of the previous episode), not since the wrapper was
// created as in gym before 1.0; the return and length count from the last
// reset; the info of the ending step must not already hold the key.
import type { Env, Info, ResetArgs } from '../env.js';
import { EnvUsageError, forward } from '../env.js';

export interface RecordEpisodeStatisticsOptions {
  /** How many recent episodes the queues keep (default 100). */
  bufferLength?: number;
  /** The info key the statistics go under (default 'episode'). */
  infoKey?: string;
  /** Clock in milliseconds (default performance.now); tests pass a fake one. */
  now?: () => number;
}

/** What `info.episode` holds on an episode's last step. */
export interface EpisodeStatistics {
  /** Sum of the episode's rewards. */
  readonly r: number;
  /** Number of steps. */
  readonly l: number;
  /** Wall-clock seconds from the episode's start to its last step. */
  readonly t: number;
}

/** Recent episodes, oldest first; read-only views of the wrapper's buffers. */
export interface EpisodeStatisticsBuffers {
  readonly returnQueue: readonly number[];
  readonly lengthQueue: readonly number[];
  readonly timeQueue: readonly number[];
  /** Episodes ended since the wrapper was created. */
  readonly episodeCount: number;
}

export function recordEpisodeStatistics<O, A>(
  env: Env<O, A>,
  options: RecordEpisodeStatisticsOptions = {},
): Env<O, A> & { readonly stats: EpisodeStatisticsBuffers } {
  const where = `recordEpisodeStatistics(${env.spec.id})`;
  const bufferLength = options.bufferLength ?? 100;
  const infoKey = options.infoKey ?? 'episode';
  const now = options.now ?? (() => performance.now());
  if (!Number.isInteger(bufferLength) || bufferLength < 1) {
    throw new RangeError(`${where}: bufferLength must be a positive integer, got ${bufferLength}`);
  }
  if (typeof infoKey !== 'string' || infoKey === '') throw new TypeError(`${where}: infoKey must be a non-empty string, got ${JSON.stringify(infoKey)}`);
  if (typeof now !== 'function') throw new TypeError(`${where}: now must be a function returning milliseconds`);

  const returnQueue: number[] = [];
  const lengthQueue: number[] = [];
  const timeQueue: number[] = [];
  let episodeCount = 0;
  let episodeReturn = 0;
  let episodeLength = 0;
  let episodeStart = now();

  const push = (queue: number[], v: number): void => {
    queue.push(v);
    if (queue.length > bufferLength) queue.shift();
  };

  const wrapped = forward<O, A>(env, {
    reset(args?: ResetArgs) {
      const r = env.reset(args);
      episodeStart = now();
      episodeReturn = 0;
      episodeLength = 0;
      return r;
    },
    step(action: A) {
      const r = env.step(action);
      episodeReturn += r.reward;
      episodeLength += 1;
      if (r.terminated || r.truncated) {
        if (infoKey in r.info) {
          throw new EnvUsageError(`${where}: info already has a '${infoKey}' entry on the episode's last step (is the wrapper applied twice?)`);
        }
        const end = now();
        const t = Math.round((end - episodeStart) * 1000) / 1e6; // ms -> s, to the microsecond
        const episode: EpisodeStatistics = { r: episodeReturn, l: episodeLength, t };
        // A new info object: the inner env's may be shared or frozen.
        r.info = { ...r.info, [infoKey]: episode } as Info;
        push(returnQueue, episodeReturn);
        push(lengthQueue, episodeLength);
        push(timeQueue, t);
        episodeCount += 1;
        episodeStart = end;
      }
      return r;
    },
  });

  const stats: EpisodeStatisticsBuffers = {
    returnQueue,
    lengthQueue,
    timeQueue,
    get episodeCount() {
      return episodeCount;
    },
  };
  return Object.assign(wrapped, { stats });
}
