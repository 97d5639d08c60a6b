// The match runner's transitions: a turn-based transition spans the
// opponent's reply and ends terminated with the final reward; parallel team
// rewards average a side's rewards; opponents act in batches.
import { describe, expect, it } from 'vitest';
import type { Info, RenderState, ResetArgs } from '../../../core/env.js';
import type { AgentId, GameSpec, ParallelEnv, ParallelResetResult, ParallelStepResult, PerAgent } from '../../../core/multi-agent.js';
import { makeGame } from '../../../core/multi-agent.js';
import { box, discrete } from '../../../core/spaces.js';
import type { Controller, Decision, EpisodeSummary, Transition } from '../../../agents/multi/runner.js';
import { LEARNER, MatchRunner } from '../../../agents/multi/runner.js';
import { ensureGames } from './helpers.js';

ensureGames();

/** Plays the given moves in order, one per decision. */
function scripted(name: string, moves: number[]): Controller & { batches: number[] } {
  const batches: number[] = [];
  return { name, batches, act: (ds) => (batches.push(ds.length), ds.map(() => moves.shift()!)) };
}

function record(games: ParallelEnv[] | ReturnType<typeof makeGame>[], sides: string[][], controllers: () => Controller[], learnerMoves: number[], options = {}) {
  const transitions: Transition[] = [];
  const decisions: Decision[] = [];
  const episodes: EpisodeSummary[] = [];
  const runner = new MatchRunner(games, sides, {
    matchup: controllers,
    decide: (ds, tags) => {
      ds.forEach((d, j) => (tags[j] = 100 + decisions.length + j));
      decisions.push(...ds);
      return ds.map(() => learnerMoves.shift()!);
    },
    record: (t) => transitions.push(t),
    episodeEnd: (e) => episodes.push(e),
  }, options);
  return { runner, transitions, decisions, episodes };
}

describe('turn-based transitions', () => {
  it('span the opponent\'s reply; the winner\'s last one is terminated with +1', () => {
    const o = scripted('O', [3, 4]);
    const { runner, transitions, decisions, episodes } = record([makeGame('TicTacToe-v0')], [['player_0'], ['player_1']], () => [LEARNER, o], [0, 1, 2]);
    runner.restart = false;
    runner.start([0]);
    while (runner.active > 0) runner.step();
    expect(decisions.map((d) => d.agent)).toEqual(['player_0', 'player_0', 'player_0']);
    expect(transitions.map((t) => [t.tag, t.reward, t.terminated, t.truncated])).toEqual([
      [100, 0, false, false],
      [101, 0, false, false],
      [102, 1, true, false],
    ]);
    // The first transition closes on X's next turn, after O took cell 3: legal moves are the 6 empty cells.
    expect(Array.from(transitions[0]!.nextMask!)).toEqual([0, 1, 1, 0, 1, 1, 1, 1, 1]);
    expect(episodes).toEqual([{ copy: 0, returns: { player_0: 1, player_1: -1 }, teamReturns: [1, -1], length: 5, truncated: false, controllers: ['learner', 'O'] }]);
  });

  it('the loser\'s last transition is terminated with -1, read when it is removed', () => {
    const x = scripted('X', [0, 1, 2]);
    const { runner, transitions } = record([makeGame('TicTacToe-v0')], [['player_0'], ['player_1']], () => [x, LEARNER], [3, 4]);
    runner.restart = false;
    runner.start([0]);
    while (runner.active > 0) runner.step();
    expect(transitions.map((t) => [t.agent, t.reward, t.terminated])).toEqual([
      ['player_1', 0, false],
      ['player_1', -1, true],
    ]);
  });

  it('steps copies in lockstep, each opponent acting for all its copies in one batch, and restarts episodes', () => {
    const o = scripted('O', Array.from({ length: 40 }, (_, i) => [3, 3, 4, 4][i % 4]!));
    const { runner, episodes } = record([makeGame('TicTacToe-v0'), makeGame('TicTacToe-v0')], [['player_0'], ['player_1']], () => [LEARNER, o], Array.from({ length: 60 }, (_, i) => [0, 0, 1, 1, 2, 2][i % 6]!));
    runner.start([0, 1]);
    let steps = 0;
    for (let i = 0; i < 10; i++) steps += runner.step();
    expect(steps).toBe(20);
    expect(o.batches.every((n) => n === 2)).toBe(true);
    expect(episodes.map((e) => [e.copy, e.returns.player_0])).toEqual([[0, 1], [1, 1], [0, 1], [1, 1]]);
  });
});

/** Three agents of one side with constant rewards 1, 2, 3, one step per episode. */
class Constant3 implements ParallelEnv<Float32Array, number> {
  readonly spec: GameSpec = { id: 'Constant3-v0', kind: 'parallel', kwargs: {} };
  readonly possibleAgents: readonly AgentId[] = ['t_0', 't_1', 't_2'];
  private live: AgentId[] = [];
  get agents() {
    return this.live;
  }
  get unwrapped(): ParallelEnv {
    return this as ParallelEnv;
  }
  observationSpace() {
    return box(0, 1, [1]);
  }
  actionSpace() {
    return discrete(2);
  }
  reset(_args?: ResetArgs): ParallelResetResult<Float32Array> {
    this.live = [...this.possibleAgents];
    const obs = Object.fromEntries(this.live.map((a) => [a, new Float32Array([0])]));
    return { obs, infos: Object.fromEntries(this.live.map((a) => [a, {} as Info])) };
  }
  step(_actions: Readonly<PerAgent<number>>): ParallelStepResult<Float32Array> {
    const all = <T>(f: (i: number) => T) => Object.fromEntries(this.possibleAgents.map((a, i) => [a, f(i)]));
    this.live = [];
    return { obs: all(() => new Float32Array([1])), rewards: all((i) => i + 1), terminations: all(() => false), truncations: all(() => true), infos: all(() => ({})) };
  }
  renderState(): RenderState {
    return {};
  }
  close(): void {}
}

describe('parallel transitions', () => {
  it('with teamReward each agent learns from its side\'s mean reward; hooks see the own rewards; truncation is kept', () => {
    for (const teamReward of [true, false]) {
      const { runner, transitions, episodes } = record([new Constant3()], [['t_0', 't_1', 't_2']], () => [LEARNER], [0, 1, 0], { teamReward });
      runner.restart = false;
      runner.start([0]);
      runner.step();
      expect(transitions.map((t) => t.reward)).toEqual(teamReward ? [2, 2, 2] : [1, 2, 3]);
      expect(transitions.every((t) => t.truncated && !t.terminated)).toBe(true);
      expect(episodes[0]!.returns).toEqual({ t_0: 1, t_1: 2, t_2: 3 });
      expect(episodes[0]!.teamReturns).toEqual([2]);
      expect(episodes[0]!.truncated).toBe(true);
    }
  });

  it('adds reward shaping to the learner\'s transitions only', () => {
    const { runner, transitions, episodes } = record([new Constant3()], [['t_0', 't_1', 't_2']], () => [LEARNER], [0, 1, 0], {
      rewardShaping: ({ nextObs, obs }: { obs: unknown; nextObs: unknown }) => 10 * ((nextObs as Float32Array)[0]! - (obs as Float32Array)[0]!),
    });
    runner.restart = false;
    runner.start([0]);
    runner.step();
    expect(transitions.map((t) => t.reward)).toEqual([11, 12, 13]);
    expect(episodes[0]!.returns).toEqual({ t_0: 1, t_1: 2, t_2: 3 });
  });
});
