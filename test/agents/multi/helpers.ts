// Shared helpers of the multi-agent learner tests: the registered games, and
// small rigged games whose outcomes are known in advance.
import type { Info, RenderState, ResetArgs } from '../../../core/env.js';
import type { AgentId, GameSpec, ParallelEnv, ParallelResetResult, ParallelStepResult, PerAgent } from '../../../core/multi-agent.js';
import { listGames } from '../../../core/multi-agent.js';
import { box, discrete } from '../../../core/spaces.js';
import { registerGames } from '../../../envs/games/index.js';

/** Registers the games once per test file (without the other envs). */
export function ensureGames(): void {
  if (!listGames().some((g) => g.id === 'TicTacToe-v0')) registerGames();
}

/**
 * A one-step parallel game between `left` and `right`: each picks a number in
 * 0..2 and the higher one wins (+1 / -1; equal: 0 each). With `rigged`, the
 * left side wins whatever is played.
 */
export class HighCard implements ParallelEnv<Float32Array, number> {
  readonly spec: GameSpec;
  readonly possibleAgents: readonly AgentId[] = ['left', 'right'];
  private live: AgentId[] = [];
  resets: (number | undefined)[] = [];

  constructor(private readonly rigged = false) {
    this.spec = { id: rigged ? 'RiggedHighCard-v0' : 'HighCard-v0', kind: 'parallel', kwargs: {} };
  }

  get agents(): readonly AgentId[] {
    return this.live;
  }
  get unwrapped(): ParallelEnv {
    return this as ParallelEnv;
  }
  observationSpace() {
    return box(0, 1, [1]);
  }
  actionSpace() {
    return discrete(3);
  }
  reset(args: ResetArgs = {}): ParallelResetResult<Float32Array> {
    this.resets.push(args.seed);
    this.live = ['left', 'right'];
    const infos: PerAgent<Info> = { left: {}, right: {} };
    return { obs: { left: new Float32Array([0]), right: new Float32Array([1]) }, infos };
  }
  step(actions: Readonly<PerAgent<number>>): ParallelStepResult<Float32Array> {
    const d = this.rigged ? 1 : Math.sign(actions['left']! - actions['right']!);
    this.live = [];
    return {
      obs: { left: new Float32Array([0]), right: new Float32Array([1]) },
      rewards: { left: d, right: -d },
      terminations: { left: true, right: true },
      truncations: { left: false, right: false },
      infos: { left: {}, right: {} },
    };
  }
  renderState(): RenderState {
    return {};
  }
  close(): void {}
}
