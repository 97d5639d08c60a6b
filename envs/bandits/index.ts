// Registers the multi-armed bandits (bandit.ts): the 10-armed Gaussian testbed,
// Bernoulli arms, and the drifting (nonstationary) bandit of Sutton & Barto's
// exercise 2.5. Every pull ends an episode, so no time limit is registered.
import type { EnvFactory } from '../../core/registry.js';
import { register } from '../../core/registry.js';
import { BANDIT_DEFAULTS, BanditEnv } from './bandit.js';
import type { BanditKwargs } from './bandit.js';

const bandit: EnvFactory = (kwargs, spec) => new BanditEnv(kwargs as BanditKwargs, spec);

export function registerBandits(): void {
  register('Bandit-v0', bandit, {
    kwargs: { ...BANDIT_DEFAULTS },
    description: "k-armed bandit, one pull per episode (default: Sutton & Barto's 10-armed testbed, Gaussian arms N(q*, 1), q* ~ N(0, 1))",
  });
  register('BanditBernoulli-v0', bandit, {
    kwargs: { ...BANDIT_DEFAULTS, arms: 'bernoulli' },
    description: 'k-armed bandit with Bernoulli arms (reward 1 with probability q*, q* ~ U(0, 1))',
  });
  register('BanditDrifting-v0', bandit, {
    kwargs: { ...BANDIT_DEFAULTS, equalStart: true, drift: 0.01 },
    description: 'nonstationary k-armed bandit: equal starting means that take N(0, 0.01^2) random-walk steps every pull (Sutton & Barto ex. 2.5)',
  });
}
