// Finite MDPs from tables: a small textbook MDP with values solved by hand,
// the table forms (names, indices, nested arrays), and the validation errors.
import { describe, expect, it } from 'vitest';
import { valueIteration } from '../../agents/dynamic-programming.js';
import { checkEnv } from '../../core/checker.js';
import { EnvUsageError } from '../../core/env.js';
import { make, unregister } from '../../core/registry.js';
import { tabularModel } from '../../core/tabular.js';
import type { FiniteMdpSpec } from '../../envs/toy-text/finite-mdp.js';
import { finiteMdpEnv, finiteMdpModel, registerFiniteMdp } from '../../envs/toy-text/finite-mdp.js';

/**
 * Two states and a goal. In A, 'stay' earns 1 and stays; 'go' moves to B. In B,
 * 'go' reaches the goal (reward 20, episode ends) with probability 0.8 and falls
 * back to A with 0.2; 'stay' returns to A.
 *
 * Optimal values with gamma = 0.9, going everywhere:
 *   V(B) = 0.8 * 20 + 0.2 * 0.9 * V(A),  V(A) = 0.9 * V(B)
 *   => V(B) = 16 / (1 - 0.162) = 16 / 0.838 = 19.0931...,  V(A) = 14.4 / 0.838 = 17.1838...
 * Staying in A instead is worth 1 + 0.9 * V(A) = 16.47 < V(A), and in B
 * 0.9 * V(A) = 15.47 < V(B), so 'go' is optimal in both.
 */
const textbook: FiniteMdpSpec = {
  transitions: {
    A: { stay: [[1, 'A', 1]], go: [[1, 'B', 0]] },
    B: {
      stay: [[1, 'A', 0]],
      go: [
        [0.8, 'goal', 20],
        [0.2, 'A', 0],
      ],
    },
  },
  terminalStates: ['goal'],
};

describe('finite MDP from tables', () => {
  it('compiles names to indices in order of first mention, with terminal states absorbing', () => {
    const model = finiteMdpModel(textbook);
    expect(model.stateNames).toEqual(['A', 'B', 'goal']);
    expect(model.actionNames).toEqual(['stay', 'go']);
    expect(model.nS).toBe(3);
    expect(model.nA).toBe(2);
    expect(model.P[1]![1]).toEqual([
      [0.8, 2, 20, true],
      [0.2, 0, 0, false],
    ]);
    expect(model.P[2]).toEqual([[[1, 2, 0, true]], [[1, 2, 0, true]]]);
    expect(Array.from(model.initialStateDistrib)).toEqual([1, 0, 0]);
  });

  it('value iteration finds the hand-computed optimum', () => {
    const env = finiteMdpEnv(textbook);
    const { V, policy, Q } = valueIteration(tabularModel(env), { gamma: 0.9, theta: 1e-13 });
    expect(V[0]).toBeCloseTo(14.4 / 0.838, 10);
    expect(V[1]).toBeCloseTo(16 / 0.838, 10);
    expect(V[2]).toBe(0);
    expect(Array.from(policy.subarray(0, 2))).toEqual([1, 1]);
    expect(Q[0 * 2 + 0]).toBeCloseTo(1 + 0.9 * (14.4 / 0.838), 10); // stay in A
  });

  it('simulates the table: rewards, termination, and outcome frequencies', () => {
    const env = finiteMdpEnv(textbook, { id: 'Textbook-v0' });
    expect(env.spec.id).toBe('Textbook-v0');
    expect(env.observationSpace).toEqual({ type: 'discrete', n: 3, start: 0 });
    expect(env.reset({ seed: 1 }).obs).toBe(0);
    expect(env.step(1)).toEqual({ obs: 1, reward: 0, terminated: false, truncated: false, info: { prob: 1 } });
    // Outcomes of 'go' in B, as "next state, reward, terminated, prob".
    const seen = new Map<string, number>();
    const episodes = 4000;
    for (let ep = 0; ep < episodes; ep++) {
      env.reset();
      env.step(1);
      const r = env.step(1);
      const key = `${r.obs} ${r.reward} ${r.terminated} ${String(r.info.prob)}`;
      seen.set(key, (seen.get(key) ?? 0) + 1);
    }
    expect([...seen.keys()].sort()).toEqual(['0 0 false 0.2', '2 20 true 0.8']);
    const reached = seen.get('2 20 true 0.8')!;
    // Binomial(4000, 0.8): standard deviation 0.0063 of the frequency; 0.025 is 4 of them.
    expect(Math.abs(reached / episodes - 0.8)).toBeLessThan(0.025);
    expect(env.renderState()).toMatchObject({ stateName: expect.any(String), lastActionName: 'go' });
  });

  it('passes checkEnv, and is wrapped like a made env (order enforcing, action check, time limit)', () => {
    checkEnv(finiteMdpEnv(textbook, { maxEpisodeSteps: 3 }));
    const env = finiteMdpEnv(textbook, { maxEpisodeSteps: 3 });
    expect(() => env.step(0)).toThrow(EnvUsageError);
    env.reset({ seed: 0 });
    expect(() => env.step(2)).toThrow('action 2 is not in the action space');
    env.step(0);
    env.step(0);
    expect(env.step(0)).toMatchObject({ obs: 0, reward: 1, terminated: false, truncated: true });
    expect(() => env.step(0)).toThrow(EnvUsageError);
  });

  it('registerFiniteMdp makes it available to make()', () => {
    registerFiniteMdp('TextbookTest-v0', textbook, { maxEpisodeSteps: 10, description: 'test' });
    try {
      const env = make<number, number>('TextbookTest-v0');
      expect(env.spec.maxEpisodeSteps).toBe(10);
      expect(tabularModel(env).nS).toBe(3);
      expect(env.reset({ seed: 0 }).obs).toBe(0);
    } finally {
      unregister('TextbookTest-v0');
    }
  });

  it('accepts indices and nested arrays, with the same table as names', () => {
    const byIndex = finiteMdpModel({
      transitions: [
        [[[1, 0, 1]], [[1, 1, 0]]],
        [
          [[1, 0, 0]],
          [
            [0.8, 2, 20, true],
            [0.2, 0, 0],
          ],
        ],
      ],
    });
    const byName = finiteMdpModel(textbook);
    expect(byIndex.P).toEqual(byName.P);
    expect(byIndex.stateNames).toEqual(['0', '1', '2']);
    // Named states, referenced by index where convenient; explicit action order.
    const mixed = finiteMdpModel({
      states: ['A', 'B', 'goal'],
      actions: ['stay', 'go'],
      transitions: {
        0: { 1: [[1, 'B', 0]], stay: [[1, 0, 1]] },
        B: {
          stay: [[1, 'A', 0]],
          1: [
            [0.8, 'goal', 20],
            [0.2, 0, 0],
          ],
        },
      },
      terminalStates: [2],
    });
    expect(mixed.P).toEqual(byName.P);
  });

  it('starts from initialState or initialStateDistrib', () => {
    expect(Array.from(finiteMdpModel({ ...textbook, initialState: 'B' }).initialStateDistrib)).toEqual([0, 1, 0]);
    const env = finiteMdpEnv({ ...textbook, initialStateDistrib: { A: 0.25, B: 0.75 } });
    let inB = 0;
    for (let i = 0; i < 2000; i++) inB += env.reset(i === 0 ? { seed: 3 } : {}).obs;
    expect(Math.abs(inB / 2000 - 0.75)).toBeLessThan(0.04); // sd 0.0097
  });
});

describe('finite MDP validation', () => {
  const withGo = (go: unknown): FiniteMdpSpec =>
    ({ ...textbook, transitions: { ...textbook.transitions, B: { stay: [[1, 'A', 0]], go } } }) as unknown as FiniteMdpSpec;

  it('probabilities that do not sum to 1: names the state, the action and the sum', () => {
    expect(() =>
      finiteMdpModel(
        withGo([
          [0.7, 'goal', 20],
          [0.2, 'A', 0],
        ]),
      ),
    ).toThrow(`finiteMdp: transitions["B"]["go"]: the probabilities of state 'B', action 'go' sum to 0.8999999999999999, not 1 (tolerance 1e-9)`);
  });

  it('accepts rounding within 1e-9 (0.1 + 0.2 + 0.7)', () => {
    expect(() =>
      finiteMdpModel(
        withGo([
          [0.1, 'goal', 20],
          [0.2, 'A', 0],
          [0.7, 'B', 0],
        ]),
      ),
    ).not.toThrow();
  });

  it('negative probabilities', () => {
    expect(() =>
      finiteMdpModel(
        withGo([
          [1.2, 'goal', 20],
          [-0.2, 'A', 0],
        ]),
      ),
    ).toThrow('finiteMdp: transitions["B"]["go"][1]: probability -0.2 is negative');
  });

  it('unknown state and action names, listing the known ones', () => {
    const model = (t: unknown) => () => finiteMdpModel({ states: ['A', 'B', 'goal'], actions: ['stay', 'go'], transitions: t as FiniteMdpSpec['transitions'], terminalStates: ['goal'] });
    expect(model({ A: { stay: [[1, 'Z', 1]], go: [[1, 'B', 0]] }, B: { stay: [[1, 'A', 0]], go: [[1, 'goal', 1]] } })).toThrow(
      `finiteMdp: transitions["A"]["stay"][0]: unknown state "Z"; states are 'A', 'B', 'goal' (or indices 0..2)`,
    );
    expect(model({ A: { stay: [[1, 'A', 1]], jump: [[1, 'B', 0]] } })).toThrow(`finiteMdp: transitions["A"]["jump"]: unknown action "jump"; actions are 'stay', 'go'`);
    expect(model({ C: { stay: [[1, 'A', 1]] } })).toThrow('unknown state "C"');
  });

  it('missing actions, rows for terminal states, and dead ends', () => {
    expect(() => finiteMdpModel(withGo(undefined))).toThrow("finiteMdp: transitions[\"B\"][\"go\"] must be a non-empty list");
    expect(() => finiteMdpModel({ ...textbook, actions: ['stay', 'go', 'jump'] })).toThrow(
      `finiteMdp: transitions["A"]: state 'A' does not define action 'jump'; every non-terminal state needs an outcome list for every action`,
    );
    expect(() => finiteMdpModel({ ...textbook, terminalStates: ['goal', 'B'] })).toThrow(
      `state 'B' is listed in terminalStates, so it must not have transitions`,
    );
    expect(() => finiteMdpModel({ transitions: { A: { go: [[1, 'B', 0]] } } })).toThrow(
      `finiteMdp: state 'B' has no transitions but transitions["A"]["go"][0] enters it without ending the episode; give its row in transitions, or list it in terminalStates`,
    );
    // Entered only by terminating outcomes: terminal without being listed.
    expect(finiteMdpModel({ transitions: { A: { go: [[1, 'B', 0, true]] } } }).P[1]).toEqual([[[1, 1, 0, true]]]);
  });

  it('malformed outcomes and mixed references', () => {
    expect(() => finiteMdpModel(withGo([[1, 'goal']]))).toThrow('finiteMdp: transitions["B"]["go"][0] must be [probability, nextState, reward] or [probability, nextState, reward, terminated], got [1,"goal"]');
    expect(() => finiteMdpModel(withGo([[1, 'goal', Number.NaN]]))).toThrow('reward must be a finite number');
    expect(() => finiteMdpModel(withGo([[1, 'goal', 1, false]]))).toThrow("terminated is false but the next state 'goal' is listed in terminalStates");
    expect(() => finiteMdpModel({ transitions: { A: { go: [[1, 0, 0]] } } })).toThrow('the tables mix state names and indices (e.g. 0); pass states: [...]');
    expect(() => finiteMdpModel({ ...textbook, initialStateDistrib: { A: 0.5, B: 0.4 } })).toThrow('finiteMdp: initialStateDistrib sums to 0.9, not 1');
    expect(() => finiteMdpModel({ ...textbook, initialState: 'goal' })).toThrow("finiteMdp: start state 'goal' is terminal");
  });
});
