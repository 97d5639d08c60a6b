// What Arena's parallel games share (Pong, RobotSoccer, CooperativeNavigation):
// one observation space and one action space for every agent, the live
// agents, and the check of an agent id that names the game's agents when it
// fails. A game extends this and brings its spaces, reset and step.
import { EnvUsageError } from '../../core/env.js';
import type { AgentId, GameSpec, ParallelEnv } from '../../core/multi-agent.js';
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

  /** The agent's index in possibleAgents; an unknown id throws naming the game's agents. */
  protected index(agent: AgentId): number {
    const i = this.possibleAgents.indexOf(agent);
    if (i < 0) throw new EnvUsageError(`${this.spec.id}: unknown agent ${JSON.stringify(agent)}; the agents are ${this.possibleAgents.join(', ')}`);
    return i;
  }
}
