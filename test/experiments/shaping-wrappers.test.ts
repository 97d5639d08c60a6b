// The shaping wrappers a config can name: terminalReward (the book's "-10 on
// failure") and linearPotential (potential-based shaping over a Box
// observation), applied as configs apply them, and their errors in a config.
import { describe, expect, it } from 'vitest';
import '../../envs/index.js';
import { ConfigError, parseExperimentConfig } from '../../experiments/config.js';
import { makeRunEnv } from '../../experiments/execute-run.js';

function run(wrappers: unknown[], env = 'CartPole-v1') {
  const e = makeRunEnv({ env: { id: env, kwargs: {}, wrappers: wrappers as never } });
  e.reset({ seed: 0 });
  const out: { reward: number; obs: Float32Array; terminated: boolean }[] = [];
  for (;;) {
    const r = e.step(1);
    out.push({ reward: r.reward, obs: Float32Array.from(r.obs as Float32Array), terminated: r.terminated });
    if (r.terminated || r.truncated) return out;
  }
}

describe('shaping wrappers in configs', () => {
  it('terminalReward replaces the reward of the terminating step only', () => {
    const steps = run([{ name: 'terminalReward', args: { reward: -10 } }]);
    expect(steps.at(-1)!.terminated).toBe(true);
    expect(steps.map((s) => s.reward)).toEqual([...Array(steps.length - 1).fill(1), -10]);
  });

  it('linearPotential adds gamma * phi(next) - phi(obs), with phi 0 at a terminal state', () => {
    const weights = [0, 0, -10, 0];
    const plain = run([]);
    const shaped = run([{ name: 'linearPotential', args: { weights, gamma: 0.9 } }]);
    const phi = (o: Float32Array) => -10 * o[2]!;
    const start = makeRunEnv({ env: { id: 'CartPole-v1', kwargs: {}, wrappers: [] } }).reset({ seed: 0 }).obs as Float32Array;
    expect(shaped[0]!.reward).toBeCloseTo(plain[0]!.reward + 0.9 * phi(plain[0]!.obs) - phi(start), 6);
    const n = plain.length - 1;
    expect(shaped[n]!.reward).toBeCloseTo(plain[n]!.reward - phi(plain[n - 1]!.obs), 6);
  });

  it('a config that misuses them is refused with the place and the reason', () => {
    const config = (wrappers: string) => `name: x\nenv: { id: CartPole-v1, wrappers: ${wrappers} }\ntotalSteps: 100\nseeds: 1\nvariants:\n  - algorithm: dqn\n`;
    expect(parseExperimentConfig(config('[{ terminalReward: { reward: -10 } }]'), 'x.yaml').variants[0]!.env.wrappers).toEqual([{ name: 'terminalReward', args: { reward: -10 } }]);
    const problem = (w: string) => {
      try {
        parseExperimentConfig(config(w), 'x.yaml');
      } catch (e) {
        expect(e).toBeInstanceOf(ConfigError);
        return (e as Error).message;
      }
      throw new Error('expected a ConfigError');
    };
    expect(problem('[{ linearPotential: { weights: [1, 2] } }]')).toMatch(/linearPotential: weights has 2 entries; it needs a flat Box observation with as many, got Box\(/);
    expect(problem('[{ terminalReward: { reward: "low" } }]')).toMatch(/terminalReward.*reward/);
  });
});
