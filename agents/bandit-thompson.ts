// Thompson sampling for the k-armed bandit (Thompson 1933; Russo et al., "A
// Tutorial on Thompson Sampling", 2018): keep a posterior over each arm's mean,
// draw one sample per arm from it, pull the arm with the largest sample. Arms
// that might be best get pulled in proportion to that chance.
//
//   model 'beta-bernoulli': mean ~ Beta(alpha(a), beta(a)), prior Beta(priorAlpha, priorBeta);
//     a reward r in [0, 1] adds r to alpha and 1 - r to beta (exact for 0/1 rewards)
//   model 'gaussian': mean ~ N(m(a), 1 / tau(a)), prior N(priorMean, priorStd^2), rewards
//     N(mean, noiseStd^2) with known noise: tau(a) = 1 / priorStd^2 + N(a) / noiseStd^2,
//     m(a) = (priorMean / priorStd^2 + sum of a's rewards / noiseStd^2) / tau(a)
//
// Evaluation pulls the arm with the largest posterior mean. The loop, regret
// and saving are shared: agents/lib/bandit.ts.
import { argmax } from './lib/exploration.js';
import type { BanditPolicy } from './lib/bandit.js';
import { registerBanditAgent } from './lib/bandit.js';
import type { Resolved } from './lib/hparams.js';
import { choice, num } from './lib/hparams.js';

export const hyperparameters = {
  model: choice('beta-bernoulli', ['beta-bernoulli', 'gaussian'] as const, 'reward model: Bernoulli arms with Beta posteriors, or Gaussian arms with known noise and Normal posteriors'),
  priorAlpha: num(1, 'beta-bernoulli: prior alpha (pseudo-successes; 1 and 1 is uniform)', { min: 0, exclusiveMin: true }),
  priorBeta: num(1, 'beta-bernoulli: prior beta (pseudo-failures)', { min: 0, exclusiveMin: true }),
  priorMean: num(0, 'gaussian: prior mean of every arm'),
  priorStd: num(1, 'gaussian: prior standard deviation of every arm', { min: 0, exclusiveMin: true }),
  noiseStd: num(1, 'gaussian: the (known) standard deviation of the rewards around an arm mean', { min: 0, exclusiveMin: true }),
};

export function thompsonPolicy(hp: Resolved<typeof hyperparameters>, arms: number, algorithm: string): BanditPolicy {
  const posteriorMeans = new Float64Array(arms);
  if (hp.model === 'beta-bernoulli') {
    const alpha = new Float64Array(arms).fill(hp.priorAlpha);
    const beta = new Float64Array(arms).fill(hp.priorBeta);
    const means = (): Float64Array => {
      for (let a = 0; a < arms; a++) posteriorMeans[a] = alpha[a]! / (alpha[a]! + beta[a]!);
      return posteriorMeans;
    };
    const samples = new Float64Array(arms);
    return {
      tables: { alpha, beta },
      select: (rng) => {
        for (let a = 0; a < arms; a++) samples[a] = rng.beta(alpha[a]!, beta[a]!);
        return argmax(samples);
      },
      update: (arm, reward) => {
        if (!(reward >= 0 && reward <= 1)) {
          throw new RangeError(`${algorithm}: model 'beta-bernoulli' needs rewards in [0, 1], got ${reward} from arm ${arm}; use model: 'gaussian' for other rewards`);
        }
        alpha[arm]! += reward;
        beta[arm]! += 1 - reward;
      },
      greedy: () => argmax(means()),
      values: means,
    };
  }
  const count = new Float64Array(arms);
  const sum = new Float64Array(arms);
  const priorPrecision = 1 / hp.priorStd ** 2;
  const noisePrecision = 1 / hp.noiseStd ** 2;
  const precision = (a: number): number => priorPrecision + count[a]! * noisePrecision;
  const mean = (a: number): number => (hp.priorMean * priorPrecision + sum[a]! * noisePrecision) / precision(a);
  const means = (): Float64Array => {
    for (let a = 0; a < arms; a++) posteriorMeans[a] = mean(a);
    return posteriorMeans;
  };
  const samples = new Float64Array(arms);
  return {
    tables: { count, sum },
    select: (rng) => {
      for (let a = 0; a < arms; a++) samples[a] = rng.normal(mean(a), 1 / Math.sqrt(precision(a)));
      return argmax(samples);
    },
    update: (arm, reward) => {
      count[arm]! += 1;
      sum[arm]! += reward;
    },
    greedy: () => argmax(means()),
    values: means,
  };
}

registerBanditAgent('bandit-thompson', 'Thompson sampling for k-armed bandits: Beta-Bernoulli or Gaussian (known noise) posteriors', hyperparameters, thompsonPolicy);
