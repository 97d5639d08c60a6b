// What Arena's parallel games share (Pong, RobotSoccer, CooperativeNavigation):
// one observation space and one action space for every agent, the live
// agents, and the check of an agent id that names the game's agents when it
// fails, and the answers of reset and step built from per-agent values. A game
// extends this and brings its spaces, reset and step.
import type { Info } from '../../core/env.js';
import { EnvUsageError } from '../../core/env.js';
import type { AgentId, GameSpec, ParallelEnv, ParallelStepResult, PerAgent } from '../../core/multi-agent.js';
import type { Space } from '../../core/spaces.js';

export abstract class SymmetricParallelGame<OS extends Space, AS extends Space> {
  abstract readonly spec: GameSpec;
  abstract readonly possibleAgents: readonly AgentId[];
  protected abstract readonly obsSpace: OS;
  protected abstract readonly actSpace: AS;
  /** The agents still in the episode. */
  protected live: AgentId[] = [];

  get unwrapped(): ParallelEnv {
    return this as unknown as ParallelEnv;
  }

  get agents(): readonly AgentId[] {
    return this.live;
  }

  observationSpace(agent: AgentId): OS {
    this.index(agent);
    return this.obsSpace;
  }

  actionSpace(agent: AgentId): AS {
    this.index(agent);
    return this.actSpace;
  }

  /** The end of reset(): every agent live again, each with its observation and an empty info. */
  protected startEpisode<O>(observe: (agent: AgentId) => O): { obs: PerAgent<O>; infos: PerAgent<Info> } {
    this.live = [...this.possibleAgents];
    const obs: PerAgent<O> = {};
    const infos: PerAgent<Info> = {};
    for (const a of this.live) {
      obs[a] = observe(a);
      infos[a] = {};
    }
    return { obs, infos };
  }

  /**
   * step()'s answer from each agent's (by index in possibleAgents) observation,
   * reward and info; `terminated` ends the episode for all (a game has no time
   * limit of its own: truncations are false).
   */
  protected stepResult<O>(observe: (i: number, agent: AgentId) => O, reward: (i: number) => number, terminated: boolean, info: (i: number) => Info): ParallelStepResult<O> {
    const r: ParallelStepResult<O> = { obs: {}, rewards: {}, terminations: {}, truncations: {}, infos: {} };
    this.possibleAgents.forEach((agent, i) => {
      r.obs[agent] = observe(i, agent);
      r.rewards[agent] = reward(i);
      r.terminations[agent] = terminated;
      r.truncations[agent] = false;
      r.infos[agent] = info(i);
    });
    return r;
  }

  /** The agent's index in possibleAgents; an unknown id throws naming the game's agents. */
  protected index(agent: AgentId): number {
    const i = this.possibleAgents.indexOf(agent);
    if (i < 0) throw new EnvUsageError(`${this.spec.id}: unknown agent ${JSON.stringify(agent)}; the agents are ${this.possibleAgents.join(', ')}`);
    return i;
  }
}
