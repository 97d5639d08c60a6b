import { describe, expect, it } from 'vitest';
import '../../envs/index.js';
import { agentTable, parseHyperparameters } from '../../bin/commands.js';
import { envTable, gameTable, runDemo } from '../../bin/env-commands.js';
import '../../agents/index.js';
import { listEnvs } from '../../core/registry.js';

describe('arena envs', () => {
  it('lists every registered env with its spaces, limit and threshold', () => {
    const text = envTable(false);
    for (const reg of listEnvs()) expect(text).toContain(reg.id);
    expect(text).toMatch(/CartPole-v1\s+Box\(\[-4\.8, -inf, -0\.418879, -inf\], \[4\.8, inf, 0\.418879, inf\], \(4,\), float32\)\s+Discrete\(2\)\s+500\s+475/);
    expect(text).toMatch(/CliffWalking-v1\s+Discrete\(48\)\s+Discrete\(4\)\s+-\s+-/);
  });

  it('prints JSON that round-trips the spaces', () => {
    const rows = JSON.parse(envTable(true)) as { id: string; maxEpisodeSteps: number | null; actionSpace: { type: string } }[];
    const pendulum = rows.find((r) => r.id === 'Pendulum-v1')!;
    expect(pendulum.maxEpisodeSteps).toBe(200);
    expect(pendulum.actionSpace).toMatchObject({ type: 'box', low: [-2], high: [2] });
  });
});

describe('arena demo', () => {
  it('runs seeded random-policy episodes reproducibly', () => {
    const a = runDemo('CartPole-v1', 3, 7);
    expect(a).toBe(runDemo('CartPole-v1', 3, 7));
    expect(a.match(/episode \d: return \d+, length \d+/g)).toHaveLength(3);
    expect(a).toMatch(/mean return over 3 episodes/);
  });

  it('fails on an unknown env with suggestions', () => {
    expect(() => runDemo('CartPol-v1', 1, 0)).toThrow(/did you mean CartPole-v1/);
  });
});

describe('arena games', () => {
  it('lists every registered game with its kind, agents and spaces', () => {
    const text = gameTable();
    expect(text).toMatch(/TicTacToe-v0\s+turn-based\s+2: player_0, player_1\s+Dict\(observation: Box\(3x3x2, uint8\), actionMask: MultiBinary\(9\)\)\s+Discrete\(9\)/);
    expect(text).toMatch(/RobotSoccer-v0\s+parallel\s+4: blue_0, blue_1, red_0, red_1\s+Box\(22, float32\)\s+Box\(3, float32\)\s+600/);
  });
});

describe('arena agents', () => {
  it('lists the agents and the multi-agent learners, and shows either kind in detail', () => {
    const text = agentTable();
    expect(text).toMatch(/^ppo\s+/m);
    expect(text).toMatch(/multi-agent learners \(for the games of `arena games`\)/);
    expect(text).toMatch(/^shared-ppo\s+parameter-shared PPO/m);
    expect(agentTable('iql')).toMatch(/^iql: independent Q-learning[\s\S]*learningRate\s+0\.1\s+a number in \(0, 1\]/);
    expect(agentTable('dqn')).toMatch(/^dqn: /);
    expect(() => agentTable('dqnn')).toThrow(/did you mean "dqn"/);
  });
});

describe('--hp', () => {
  it('parses key=value pairs as JSON where it can', () => {
    expect(parseHyperparameters(['learningRate=0.001', 'hidden=[64,64]', 'activation=tanh'])).toEqual({ learningRate: 0.001, hidden: [64, 64], activation: 'tanh' });
  });

  it('refuses __proto__, constructor and prototype, which would change the object instead of setting a hyperparameter', () => {
    for (const key of ['__proto__', 'constructor', 'prototype']) {
      expect(() => parseHyperparameters([`${key}={"learningRate":5}`])).toThrow(`--hp ${key}: not a hyperparameter name (it would change the object holding the hyperparameters)`);
    }
  });
});
