import { describe, expect, it } from 'vitest';
import '../../envs/index.js';
import type { Info, ResetArgs } from '../../core/env.js';
import { EnvUsageError } from '../../core/env.js';
import type { AgentId, GameSpec, LastResult, ParallelEnv, ParallelStepResult, PerAgent, TurnBasedEnv } from '../../core/multi-agent.js';
import {
  assertParallelActions,
  isParallel,
  listGames,
  makeGame,
  maskedSpace,
  parallelToTurnBased,
  TurnLedger,
  turnBasedToParallel,
} from '../../core/multi-agent.js';
import type { CheckGameOptions } from '../../core/multi-agent-checker.js';
import { checkGame, GameCheckError } from '../../core/multi-agent-checker.js';
import { reseed } from '../../core/rng.js';
import type { Rng } from '../../core/rng.js';
import { box, discrete } from '../../core/spaces.js';

/** Checks a game and fails the test with the checker's full problem list. */
function expectPasses(game: Parameters<typeof checkGame>[0], options?: CheckGameOptions): void {
  try {
    checkGame(game, options);
  } catch (e) {
    throw new Error(e instanceof GameCheckError ? e.message : String(e));
  }
}

/** The problems checkGame reports (fails the test if it reports none). */
function problemsOf(game: Parameters<typeof checkGame>[0], options?: CheckGameOptions): string {
  try {
    checkGame(game, options);
  } catch (e) {
    expect(e).toBeInstanceOf(GameCheckError);
    return (e as GameCheckError).problems.join('\n');
  }
  throw new Error('checkGame accepted a broken game');
}

describe('checkGame passes every registered game', () => {
  for (const reg of listGames()) {
    it(`${reg.id}, and converted to the other API`, () => {
      expectPasses(makeGame(reg.id));
      const game = makeGame(reg.id);
      expectPasses(isParallel(game) ? parallelToTurnBased(game) : turnBasedToParallel(game));
    });
  }

  it('the board games in illegalMove: penalty mode', () => {
    expectPasses(makeGame('TicTacToe-v0', { illegalMove: 'penalty' }));
    expectPasses(makeGame('ConnectFour-v0', { illegalMove: 'penalty' }));
  });

  it('the illegal-move probe runs on the real board games, directly and converted', () => {
    expect(problemsOf(makeGame('TicTacToe-v0'), { illegalMove: 'penalty' })).toMatch(/player_\d's masked-out move \d threw in illegalMove: 'penalty' mode/);
    expect(problemsOf(makeGame('ConnectFour-v0', { illegalMove: 'penalty' }), { illegalMove: 'error' })).toMatch(/masked-out move \d did not throw in illegalMove: 'error' mode/);
    const converted = turnBasedToParallel(makeGame('TicTacToe-v0', { illegalMove: 'penalty' }) as TurnBasedEnv);
    expect(problemsOf(converted, { illegalMove: 'error' })).toMatch(/masked-out action \d did not throw/);
  });

  it('the games with their other options', () => {
    expectPasses(makeGame('RobotSoccer-v0', { continuousActions: false, goalsToWin: 1 }));
    expectPasses(makeGame('CooperativeNavigation-v0', { n: 4, localRatio: 0.5, continuousActions: true }));
    expectPasses(makeGame('Pong-v0', { mode: 'cooperative' }));
  });
});

// ---------------------------------------------------------------- broken fixtures

interface Flaws {
  /** a_1 terminates at step 2 and is live again at step 4 */
  comesBack?: boolean;
  /** the observation of a_0 leaves its space at step 3 */
  obsOutside?: boolean;
  /** a NaN reward at step 5 */
  nanReward?: boolean;
  /** rewards depend on a counter that reset() does not clear */
  leaksState?: boolean;
  /** step() runs without an action for a live agent */
  acceptsMissing?: boolean;
  /** renderState holds a typed array */
  typedRender?: boolean;
  /** step() returns obs only for a_0 */
  partialObs?: boolean;
}

/**
 * Two agents walk a counter up from a seeded start; a_1 is done after 3
 * steps, a_0 after 6. Correct unless told to be broken in some way.
 */
class WalkGame implements ParallelEnv<Float32Array, number> {
  readonly spec: GameSpec = { id: 'Walk-v0', kind: 'parallel', kwargs: {} };
  readonly possibleAgents = ['a_0', 'a_1'];
  private live: AgentId[] = [];
  private rng: Rng | null = null;
  private t = 0;
  private start = 0;
  private leaked = 0;

  constructor(private readonly flaws: Flaws = {}) {}

  get unwrapped(): ParallelEnv {
    return this as ParallelEnv;
  }
  get agents() {
    return this.live;
  }
  observationSpace() {
    return box(0, 10, [1]);
  }
  actionSpace() {
    return discrete(2);
  }
  reset(args: ResetArgs = {}) {
    this.rng = reseed(this.rng, args.seed);
    this.start = this.rng.integers(0, 3);
    this.t = 0;
    this.live = ['a_0', 'a_1'];
    return { obs: { a_0: this.obs(), a_1: this.obs() }, infos: { a_0: {}, a_1: {} } };
  }
  private obs() {
    return new Float32Array([this.start + this.t]);
  }
  step(actions: Readonly<PerAgent<number>>): ParallelStepResult<Float32Array> {
    if (!this.flaws.acceptsMissing) assertParallelActions(this.spec.id, this.possibleAgents, this.live, actions);
    this.t += 1;
    this.leaked += 1;
    const acted = [...this.live];
    const r: ParallelStepResult<Float32Array> = { obs: {}, rewards: {}, terminations: {}, truncations: {}, infos: {} };
    for (const a of acted) {
      r.obs[a] = this.flaws.obsOutside && this.t === 3 && a === 'a_0' ? new Float32Array([99]) : this.obs();
      r.rewards[a] = this.flaws.nanReward && this.t === 5 ? Number.NaN : this.flaws.leaksState ? this.leaked : (actions[a] ?? 0);
      r.terminations[a] = (a === 'a_1' && this.t === 3) || this.t === 6;
      r.truncations[a] = false;
      r.infos[a] = {};
    }
    if (this.flaws.partialObs) delete r.obs.a_1;
    this.live = acted.filter((a) => !r.terminations[a]);
    if (this.flaws.comesBack && this.t === 4) this.live = ['a_0', 'a_1'];
    return r;
  }
  renderState() {
    return this.flaws.typedRender ? { t: new Float64Array([this.t]) } : { t: this.t };
  }
  close() {}
}

describe('checkGame catches a broken parallel game', () => {
  it('the well-behaved fixture passes', () => {
    expectPasses(new WalkGame());
  });

  it('lists every problem at once', () => {
    const problems = problemsOf(new WalkGame({ comesBack: true, obsOutside: true, nanReward: true, typedRender: true }));
    expect(problems).toMatch(/a_1 is live again after it was done earlier in the episode \(agents never come back\)/);
    expect(problems).toMatch(/observation of a_0 Float32Array\[99\] is not in its observation space Box\(0, 10, \(1,\), float32\)/);
    expect(problems).toMatch(/reward of a_\d is NaN, not a finite number/);
    expect(problems).toMatch(/renderState\(\)\.t is a Float64Array; use a plain array/);
  });

  it('state that survives reset (not deterministic)', () => {
    expect(problemsOf(new WalkGame({ leaksState: true }))).toMatch(/not deterministic: with seed 123 and the same actions, record \d+ differs/);
  });

  it('a step that accepts a missing action, and a result missing a live agent', () => {
    const problems = problemsOf(new WalkGame({ acceptsMissing: true, partialObs: true }));
    expect(problems).toMatch(/step\(\) without an action for the live agent a_0 did not throw/);
    expect(problems).toMatch(/step\(\) with an action for a_1, which was done, did not throw/);
    expect(problems).toMatch(/obs has keys \[a_0\], expected exactly the agents that acted \[a_0, a_1\]/);
  });
});

/** Tic-tac-toe-like single pile: take 1 or 2 of 3 cells per move... a tiny masked game for broken fixtures. */
interface TurnFlaws {
  /** the mask offers action 2 but step rejects it */
  maskLies?: boolean;
  /** an illegal move is accepted and does nothing */
  silentIllegal?: boolean;
  /** step(null) for a done agent leaves it in agents */
  deadStays?: boolean;
}

/** Two players alternately claim one of 4 slots; the game ends when all are claimed (no rewards). */
class SlotsGame implements TurnBasedEnv<{ observation: Float32Array; actionMask: Uint8Array }, number> {
  readonly spec: GameSpec = { id: 'Slots-v0', kind: 'turn-based', kwargs: {} };
  readonly possibleAgents = ['p_0', 'p_1'];
  private readonly ledger = new TurnLedger();
  private slots = new Uint8Array(4);

  constructor(private readonly flaws: TurnFlaws = {}) {}

  get unwrapped(): TurnBasedEnv {
    return this as TurnBasedEnv;
  }
  get agents() {
    return this.ledger.agents;
  }
  get agentSelection() {
    return this.ledger.agentSelection;
  }
  get rewards() {
    return this.ledger.rewards;
  }
  get cumulativeRewards() {
    return this.ledger.cumulativeRewards;
  }
  get terminations() {
    return this.ledger.terminations;
  }
  get truncations() {
    return this.ledger.truncations;
  }
  get infos(): Readonly<PerAgent<Info>> {
    return this.ledger.infos;
  }
  observationSpace() {
    return maskedSpace(box(0, 1, [4]), 4);
  }
  actionSpace() {
    return discrete(4);
  }
  reset() {
    this.slots = new Uint8Array(4);
    this.ledger.reset(this.possibleAgents, 'p_0');
  }
  observe(agent: AgentId) {
    const mask = new Uint8Array(4);
    if (agent === this.ledger.agentSelection && !this.ledger.isDone(agent)) for (let i = 0; i < 4; i++) mask[i] = this.slots[i] ? 0 : 1;
    if (this.flaws.maskLies && agent === this.ledger.agentSelection) mask[2] = 1;
    return { observation: Float32Array.from(this.slots), actionMask: mask };
  }
  last(): LastResult<{ observation: Float32Array; actionMask: Uint8Array }> {
    return this.ledger.last(this.observe(this.ledger.agentSelection));
  }
  step(action: number | null | undefined) {
    const agent = this.ledger.agentSelection;
    if (this.ledger.isDone(agent)) {
      if (this.flaws.deadStays) return;
      this.ledger.removeSelected(this.spec.id, action);
      return;
    }
    if (action === null || action === undefined) throw new EnvUsageError('live agents must act');
    if (this.slots[action]) {
      if (this.flaws.silentIllegal) return;
      throw new EnvUsageError(`slot ${action} is taken`);
    }
    if (this.flaws.maskLies && action === 2) throw new EnvUsageError('slot 2 is never allowed');
    this.ledger.beginMove(agent);
    this.slots[action] = 1;
    if (this.slots.every((s) => s === 1)) this.ledger.end('terminated');
    this.ledger.select(agent === 'p_0' ? 'p_1' : 'p_0');
  }
  renderState() {
    return { slots: Array.from(this.slots) };
  }
  close() {}
}

describe('checkGame catches a broken turn-based game', () => {
  it('the well-behaved fixture passes', () => {
    expectPasses(new SlotsGame());
  });

  it('a mask that offers a move the game rejects', () => {
    expect(problemsOf(new SlotsGame({ maskLies: true }))).toMatch(/step\(2\) for p_\d threw on an action that is legal by the mask/);
  });

  it('an illegal move that passes silently', () => {
    expect(problemsOf(new SlotsGame({ silentIllegal: true }))).toMatch(/masked-out move \d passed silently: it must throw, or end the game with a negative reward/);
    expect(problemsOf(new SlotsGame(), { illegalMove: 'penalty' })).toMatch(/threw in illegalMove: 'penalty' mode/);
  });

  it('a done agent that is not removed by step(null)', () => {
    expect(problemsOf(new SlotsGame({ deadStays: true }))).toMatch(/step\(null\) for the done agent p_\d did not remove it from agents/);
  });
});
