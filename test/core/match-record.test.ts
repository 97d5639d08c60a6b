// recordMatch: episode records of multi-agent games, for both APIs.
import { describe, expect, it } from 'vitest';
import '../../envs/index.js';
import { validateEpisodeRecord } from '../../core/episode.js';
import { recordMatch } from '../../core/match-record.js';
import { makeGame } from '../../core/multi-agent.js';

describe('recordMatch', () => {
  it('records a turn-based game move by move: actor, action, rewards, returns, overlays of the recorded side', () => {
    // player_0 takes the top row (0, 1, 2) while player_1 plays 3 and 4.
    const moves = [0, 3, 1, 4, 2];
    let k = 0;
    const record = recordMatch(makeGame('TicTacToe-v0'), {
      seed: 0,
      sides: [['player_0'], ['player_1']],
      controllers: ['learner', 'scripted'],
      recordedSide: 1,
      act: () => moves[k++],
      overlays: (agent) => ({ value: agent === 'player_1' ? -0.5 : 0.5 }),
      overlaysFor: ['player_1'],
    });
    expect(validateEpisodeRecord(record)).toEqual([]);
    expect(record).toMatchObject({ agents: ['player_0', 'player_1'], controllers: ['learner', 'scripted'], recordedSide: 1, length: 5, terminated: true, truncated: false });
    expect(record.returns).toEqual({ player_0: 1, player_1: -1 });
    expect(record.teamReturns).toEqual([1, -1]);
    expect(record.return).toBe(-1);
    expect(record.frames).toHaveLength(6);
    expect(record.frames.slice(0, 5).map((f) => [f.actor, f.actions])).toEqual(moves.map((m, i) => [i % 2 ? 'player_1' : 'player_0', { [i % 2 ? 'player_1' : 'player_0']: m }]));
    // Only the winning move earns anything; frame returns follow the recorded side.
    expect(record.frames.slice(0, 5).map((f) => f.return)).toEqual([0, 0, 0, 0, -1]);
    expect(record.frames[4]!.rewards).toEqual({ player_0: 1, player_1: -1 });
    // Overlays only for the agents asked for, on their own moves.
    expect(record.frames.map((f) => f.agentOverlays ?? null)).toEqual([null, { player_1: { value: -0.5 } }, null, { player_1: { value: -0.5 } }, null, null]);
    expect((record.frames[5]!.state as { winner: unknown }).winner).toBe('player_0');
  });

  it('records a parallel game step by step, every live agent acting, and a time limit as truncation', () => {
    const record = recordMatch(makeGame('CooperativeNavigation-v0'), {
      seed: 3,
      sides: [['agent_0', 'agent_1', 'agent_2']],
      controllers: ['learner'],
      act: () => 0,
      actAll: (obs) => Object.fromEntries(Object.keys(obs).map((a) => [a, 1])),
    });
    expect(record).toMatchObject({ length: 25, terminated: false, truncated: true });
    expect(record.frames).toHaveLength(26);
    expect(record.frames[0]!.actions).toEqual({ agent_0: 1, agent_1: 1, agent_2: 1 });
    // A shared reward: everybody's return is the team return, and the record's.
    expect(record.returns['agent_0']).toBe(record.returns['agent_2']);
    expect(record.return).toBeCloseTo(record.teamReturns[0]!, 12);
    expect(record.frames[24]!.return).toBe(record.return);
  });

  it('rejects sides and controllers that do not match', () => {
    const game = makeGame('TicTacToe-v0');
    const base = { seed: 0, sides: [['player_0'], ['player_1']], act: () => 0 };
    expect(() => recordMatch(game, { ...base, controllers: ['learner'] })).toThrow(/2 sides but 1 controllers/);
    expect(() => recordMatch(game, { ...base, controllers: ['a', 'b'], recordedSide: 2 })).toThrow(/recordedSide must be a side index in 0\.\.1, got 2/);
  });
});
