// The trainer of a run on a multi-agent game: a multi-agent learner
// (agents/multi/) trained on copies of the game against its self-play pool and
// the config's fixed opponents, evaluated against a fixed opponent on both
// sides in turn (competitive games) or as a team (cooperative games), and
// recorded with recordMatch (core/match-record.ts).
//
// What goes into the run store, so the curves, `arena compare` and the viewer
// read game runs like any other:
// - metrics.jsonl episode lines: `return` is the team return (the mean over
//   its agents) of the first side the learner played in that episode; the
//   line also carries every agent's return, every side's team return and who
//   played each side.
// - eval.jsonl: `returns` are the learner's team returns, one per game; for a
//   competitive game the line adds the opponent and the wins, draws and losses.
// - recorded episodes: recording i puts the learner on side i mod (number of
//   sides), so with two or more recordings both colours are seen.
import { createLearner, evaluateMatch, evaluateTeam, loadLearner } from '../agents/multi/index.js';
import type { MultiAgentLearner, Policy, RewardShaping } from '../agents/multi/index.js';
import type { AgentId, Game } from '../core/multi-agent.js';
import { actionMaskOf, gameRegistration, makeGame, randomLegalAction } from '../core/multi-agent.js';
import type { MatchRecord } from '../core/match-record.js';
import { recordMatch } from '../core/match-record.js';
import { Rng } from '../core/rng.js';
import { sample } from '../core/spaces.js';
import { mean, std } from './stats.js';
import type { RunTrainer } from './run-trainer.js';
import { EVAL_SEED_OFFSET, RECORD_SEED_OFFSET } from './run-trainer.js';
import type { EvalLine, RunSpec } from './types.js';

/** Game copies a learner trains on when the config does not say (`envs`). */
export const DEFAULT_GAME_COPIES: Readonly<Record<string, number>> = { iql: 4, 'shared-dqn': 8, 'shared-ppo': 16 };

export function makeRunGame(spec: Pick<RunSpec, 'env'>): Game {
  return makeGame(spec.env.id, { ...spec.env.kwargs });
}

/** Names a config may use as an opponent of `gameId`: 'random' and the game's own. */
export function opponentNames(gameId: string): string[] {
  return ['random', ...Object.keys(gameRegistration(gameId).opponents ?? {})];
}

/** The fixed opponent `name` for `game` (throws with the names available). */
export function opponentPolicy(name: string, game: Game): Policy {
  if (name === 'random') {
    // A legal move from the mask, else a sample of the agent's action space.
    return (obs, { agent, rng }) => (actionMaskOf(obs) ? randomLegalAction(obs, rng) : sample(game.actionSpace(agent), rng));
  }
  const make = gameRegistration(game.spec.id).opponents?.[name];
  if (!make) throw new RangeError(`${game.spec.id} has no opponent ${JSON.stringify(name)}; opponents: ${opponentNames(game.spec.id).join(', ')}`);
  return make(game.spec.kwargs);
}

function shapingFor(spec: RunSpec, learner: MultiAgentLearner): RewardShaping | undefined {
  const shaping = spec.game?.shaping;
  if (!shaping) return undefined;
  const phi = gameRegistration(spec.env.id).potentials?.[shaping.potential];
  if (!phi) throw new RangeError(`${spec.env.id} has no potential ${JSON.stringify(shaping.potential)}`);
  const gamma = typeof learner.hyperparameters['gamma'] === 'number' ? learner.hyperparameters['gamma'] : 0.99;
  return ({ obs, nextObs, done }) => shaping.scale * ((done ? 0 : gamma * phi(nextObs)) - phi(obs));
}


/** Who plays what in a game run's evaluations and recordings. */
interface Lineup {
  readonly sides: readonly (readonly AgentId[])[];
  readonly sideOf: ReadonlyMap<AgentId, number>;
  readonly opponentName: string;
  /** The evaluation opponent; null for a cooperative (one-side) game. */
  readonly opponent: Policy | null;
}

function lineup(spec: RunSpec, learner: MultiAgentLearner, game: Game): Lineup {
  const sides = learner.context.sides ?? [[...game.possibleAgents]];
  const sideOf = new Map<AgentId, number>();
  sides.forEach((side, s) => side.forEach((a) => sideOf.set(a, s)));
  const opponentName = spec.game?.evalOpponent ?? 'random';
  return { sides, sideOf, opponentName, opponent: sides.length >= 2 ? opponentPolicy(opponentName, game) : null };
}

/**
 * Evaluates a game run's learner: `episodes` games against the run's
 * evaluation opponent, both sides in turn (competitive games), or as a team;
 * the learner's team returns, and for a match the wins, draws and losses.
 */
export function evaluateGameLearner(
  learner: MultiAgentLearner,
  spec: RunSpec,
  game: Game,
  options: { readonly episodes: number; readonly seed: number; readonly deterministic?: boolean },
): Omit<EvalLine, 'step' | 'time'> {
  const { sides, opponent, opponentName } = lineup(spec, learner, game);
  const me = learner.policy({ deterministic: options.deterministic ?? true });
  const { episodes, seed } = options;
  const summary = (xs: readonly number[], lengths: readonly number[]) => ({ episodes, mean: mean(xs), std: std(xs), min: Math.min(...xs), max: Math.max(...xs), returns: xs, lengths });
  if (opponent) {
    const r = evaluateMatch(me, opponent, game, { games: episodes, seed, sides });
    return { ...summary(r.returnsA, r.lengths), opponent: opponentName, wins: r.wins, draws: r.draws, losses: r.losses };
  }
  const r = evaluateTeam(me, game, { episodes, seed });
  return summary(r.returns, r.lengths);
}

/** Records one episode of a game run: the learner on side `index mod sides`, the evaluation opponent on the others. */
export function recordGameEpisode(
  learner: MultiAgentLearner,
  spec: RunSpec,
  game: Game,
  options: { readonly index: number; readonly seed: number; readonly trainingStep: number; readonly deterministic: boolean },
): MatchRecord {
  const { sides, sideOf, opponent, opponentName } = lineup(spec, learner, game);
  const recordedSide = options.index % sides.length;
  const rng = new Rng(options.seed);
  const deterministic = options.deterministic;
  return recordMatch(game, {
    seed: rng.nextSeed(),
    sides,
    controllers: sides.map((_, s) => (s === recordedSide ? 'learner' : opponentName)),
    recordedSide,
    act: (agent, obs) => (sideOf.get(agent) === recordedSide || !opponent ? learner.act(agent, obs, { deterministic }) : opponent(obs, { agent, rng })),
    overlays: (agent, obs) => learner.diagnostics(agent, obs),
    overlaysFor: sides[recordedSide]!,
    agent: { algorithm: spec.algorithm, experiment: spec.experiment, variant: spec.variant, runSeed: spec.seed, deterministic },
    trainingStep: options.trainingStep,
  });
}

export async function createGameTrainer(spec: RunSpec, checkpoint: string | null): Promise<RunTrainer> {
  const settings = spec.game;
  if (!settings) throw new TypeError(`${spec.env.id}: a game run needs the spec's game settings`);
  const probe = makeRunGame(spec);
  const learner = checkpoint
    ? await loadLearner(checkpoint, { backend: spec.backend })
    : await createLearner(spec.algorithm, spec.hyperparameters, {
        game: probe,
        seed: spec.seed,
        backend: spec.backend,
        ...(settings.discretize !== undefined ? { discretize: settings.discretize } : {}),
      });
  const evalGame = makeRunGame(spec);
  const recordGame = makeRunGame(spec);
  const opponents = Object.fromEntries(settings.opponents.map((name) => [name, opponentPolicy(name, probe)]));
  const rewardShaping = shapingFor(spec, learner);
  const teacher = settings.teacher !== undefined ? opponentPolicy(settings.teacher, probe) : undefined;
  const copies = Math.max(1, spec.envs);

  return {
    get stepCount() {
      return learner.stepCount;
    },
    async learn(end, hooks) {
      const games = Array.from({ length: copies }, () => makeRunGame(spec));
      try {
        await learner.learn({
          game: games,
          totalSteps: end,
          scheduleSteps: spec.totalSteps,
          opponents,
          ...(rewardShaping ? { rewardShaping } : {}),
          ...(teacher ? { teacher } : {}),
          hooks: {
            onEpisodeEnd: (e) => {
              const side = Math.max(0, e.controllers.indexOf('learner'));
              hooks.onEpisodeEnd({
                step: e.step,
                episode: e.episode,
                return: e.teamReturns[side]!,
                length: e.length,
                truncated: e.truncated,
                returns: e.returns,
                teamReturns: e.teamReturns,
                controllers: e.controllers,
              });
            },
            onUpdate: (u) => hooks.onUpdate(u),
            shouldStop: (s) => hooks.shouldStop(s),
          },
        });
      } finally {
        for (const g of games) g.close();
      }
    },
    evaluate: () => evaluateGameLearner(learner, spec, evalGame, { episodes: spec.eval.episodes, seed: EVAL_SEED_OFFSET + spec.seed }),
    record: (step, index) =>
      recordGameEpisode(learner, spec, recordGame, { index, seed: RECORD_SEED_OFFSET + spec.seed * 1000 + index, trainingStep: step, deterministic: spec.record.deterministic }),
    save: (dir) => learner.save(dir),
    dispose() {
      probe.close();
      evalGame.close();
      recordGame.close();
      learner.dispose();
    },
  };
}
