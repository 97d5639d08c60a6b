// collectRollout's normalization against Stable-Baselines3's VecNormalize, on
// a Hopper-v5 rollout of two envs with short episodes (terminations from the
// untrained policy, truncations from a 30-step limit): the running discounted
// return (ret = ret * gamma + r, reset at every episode end, truncations
// included) scales the rewards by 1 / sqrt(Var(ret) + 1e-8), clipped; the
// observation statistics are updated with each step's observations before the
// policy sees them. One difference is by design: with next-step autoreset the
// final observation of an episode is a row of the vector env's output (its
// value bootstraps a truncation), so it enters the statistics too, where
// VecNormalize merges only the reset observation. The references below are
// written from VecNormalize's formulas, not from rollout.ts.
import { beforeAll, describe, expect, it } from 'vitest';
import '../../envs/index.js';
import type { Env } from '../../core/env.js';
import { make } from '../../core/registry.js';
import { Rng } from '../../core/rng.js';
import { RunningMeanStd } from '../../core/running-stats.js';
import { SyncVectorEnv } from '../../core/vector.js';
import { transformObservation } from '../../core/wrappers/transform-observation.js';
import { transformReward } from '../../core/wrappers/transform-reward.js';
import { ActorCritic } from '../../agents/lib/actor-critic.js';
import { initBackend } from '../../agents/lib/backend.js';
import { collectRollout, RolloutBuffer, startSession } from '../../agents/lib/rollout.js';

const gamma = 0.99;
const clipReward = 10;
const nSteps = 120;
const nEnvs = 2;

/** Hopper-v5 with a 30-step limit, recording every observation it returns (reset and step) and every reward. */
function recordingHopper(obsLog: Float32Array[], rewardLog: number[]): Env {
  const env = make('Hopper-v5', { maxEpisodeSteps: 30 }) as Env<Float32Array, Float32Array>;
  const withObs = transformObservation(env, (o: Float32Array) => {
    const copy = Float32Array.from(o);
    obsLog.push(copy);
    return copy;
  });
  return transformReward(withObs, (r) => {
    rewardLog.push(r);
    return r;
  }) as Env;
}

describe('collectRollout normalizes as VecNormalize', () => {
  const obsLogs: Float32Array[][] = [[], []];
  const rewardLogs: number[][] = [[], []];
  let buf: RolloutBuffer;
  let policy: ActorCritic;
  let retRms: RunningMeanStd;

  beforeAll(async () => {
    await initBackend('cpu');
    const vec = new SyncVectorEnv([0, 1].map((i) => recordingHopper(obsLogs[i]!, rewardLogs[i]!)), 'next-step');
    const context = { observationSpace: vec.singleObservationSpace, actionSpace: vec.singleActionSpace, seed: 3 };
    const rng = new Rng(3);
    // log std 0.5: wide actions, so that the untrained hopper falls (terminations) besides the truncations.
    policy = ActorCritic.create('ppo', context, { hidden: [16], activation: 'tanh', logStdInit: 0.5, normalizeObs: true, clipObs: 10 }, rng);
    buf = new RolloutBuffer(nSteps, nEnvs, policy);
    retRms = new RunningMeanStd(1);
    const session = startSession(vec, policy, rng);
    const stopped = collectRollout(policy, buf, session, rng, { steps: 0, episodes: 0, updates: 0 }, {}, retRms, { gamma, clipReward });
    expect(stopped).toBe(false);
  });

  it('the rollout has terminations, truncations, and an autoreset row after each episode end', () => {
    let ends = 0;
    for (let k = 0; k < buf.size; k++) {
      const ended = buf.terminated[k]! || buf.truncated[k]!;
      if (ended && k + nEnvs < buf.size) {
        ends += 1;
        expect(buf.autoreset[k + nEnvs], `row ${k + nEnvs}`).toBe(1);
      }
    }
    expect(buf.terminated.some((x) => x === 1)).toBe(true);
    expect(buf.truncated.some((x) => x === 1)).toBe(true);
    expect(buf.autoreset.reduce((s, x) => s + x, 0)).toBe(ends);
  });

  it('rewards: scaled by the running std of the discounted return, which restarts at every episode end', () => {
    const returns = new Float64Array(nEnvs);
    const ref = new RunningMeanStd(1);
    const next = [0, 0];
    for (let t = 0; t < nSteps; t++) {
      // The vector step's real transitions (an autoreset row is the reset, no reward).
      const rows = [0, 1].filter((i) => !buf.autoreset[t * nEnvs + i]);
      const raw = rows.map((i) => rewardLogs[i]![next[i]!++]!);
      rows.forEach((i, j) => (returns[i] = returns[i]! * gamma + raw[j]!));
      if (rows.length > 0) ref.update(rows.map((i) => returns[i]!), rows.length);
      rows.forEach((i, j) => {
        const expected = Math.min(clipReward, Math.max(-clipReward, raw[j]! / Math.sqrt(ref.var[0]! + 1e-8)));
        expect(buf.rewards[t * nEnvs + i], `step ${t}, env ${i}`).toBeCloseTo(expected, 12);
      });
      for (const i of rows) if (buf.terminated[t * nEnvs + i] || buf.truncated[t * nEnvs + i]) returns[i] = 0;
    }
    // Every recorded reward was used, and the agent's statistics are the reference's.
    expect(next).toEqual(rewardLogs.map((l) => l.length));
    expect(retRms.var[0]).toBeCloseTo(ref.var[0]!, 12);
  });

  it("observations: each vector step's are merged into the statistics, then normalized with them and clipped", () => {
    const d = policy.obsDim;
    const ref = new RunningMeanStd(d);
    // Each env returned its reset observation, then one per vector step (the final one of an episode, then the reset one on the autoreset row).
    const at = (i: number, t: number) => obsLogs[i]![t]!;
    expect(obsLogs.map((l) => l.length)).toEqual([nSteps + 1, nSteps + 1]);
    for (let t = 0; t < nSteps; t++) {
      const batch = new Float64Array(nEnvs * d);
      for (let i = 0; i < nEnvs; i++) batch.set(at(i, t), i * d);
      ref.update(batch, nEnvs);
      for (let i = 0; i < nEnvs; i++) {
        const stored = buf.obs.subarray((t * nEnvs + i) * d, (t * nEnvs + i + 1) * d);
        for (let k = 0; k < d; k++) {
          const z = (at(i, t)[k]! - ref.mean[k]!) / Math.sqrt(ref.var[k]! + 1e-8);
          // float32 storage: 1e-6 relative, plus 1e-6 absolute near 0.
          expect(Math.abs(stored[k]! - Math.min(10, Math.max(-10, z))), `step ${t}, env ${i}, dim ${k}`).toBeLessThan(1e-6 * (1 + Math.abs(z)));
        }
      }
    }
  });
});
