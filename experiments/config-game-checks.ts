// The meaning checks of a config that names a multi-agent game
// (core/multi-agent.ts) in place of an env: the game's kwargs and wrappers,
// the match keys (opponents, evalOpponent, shaping, teacher, discretize) that
// only games take, and the pairings a learner needs (a teacher for
// kickstarting, a grid for a tabular learner on Box observations).
import type { GameRegistration } from '../core/multi-agent.js';
import { makeGame } from '../core/multi-agent.js';
import type { BoxSpace } from '../core/spaces.js';
import { describeSpace } from '../core/spaces.js';
import { closestMatch, errorMessage } from '../core/text.js';
import type { DiscretizeObservationOptions } from '../core/wrappers/discretize-observation.js';
import { discretization } from '../core/wrappers/discretize-observation.js';
import type { LearnerDefinition } from '../agents/multi/index.js';
import { defaultSides, listLearners, tableKeyer } from '../agents/multi/index.js';
import { opponentNames } from './game-trainer.js';
import type { Issue, PathSegment } from './config-wrappers.js';
import { isMapping } from './config-wrappers.js';

type Mapping = Record<string, unknown>;

/** The config keys only games take, at the top level or in a variant. */
const MATCH_KEYS = ['opponents', 'evalOpponent', 'shaping', 'teacher', 'discretize'] as const;
type MatchKey = (typeof MATCH_KEYS)[number];

/** Checks the match keys of `owner` (the config, or one variant at `path`): only games take them, with the game's names. */
export function matchIssues(owner: Mapping, path: readonly PathSegment[], game: GameRegistration | undefined, kwargs: Mapping, issues: Issue[]): void {
  for (const key of MATCH_KEYS) matchIssue(owner[key], key, [...path, key], game, kwargs, issues);
}

/** A game's kwargs (tried by building it) and wrappers (games take none). */
export function gameIssues(game: GameRegistration, kwargs: Mapping, wrappers: unknown, path: readonly PathSegment[], issues: Issue[]): void {
  if (Array.isArray(wrappers) && wrappers.length > 0) {
    issues.push({ path: [...path, 'wrappers'], message: `${game.id} is a multi-agent game; env wrappers apply to single-agent envs only`, at: 'key' });
  }
  try {
    makeGame(game.id, { ...kwargs }).close();
  } catch (e) {
    issues.push({ path: [...path, 'kwargs'], message: errorMessage(e) });
  }
}

/** The sides of a game as the learners split them (one side: a cooperative game). */
function sidesOf(game: GameRegistration, kwargs: Mapping): number | undefined {
  try {
    const g = makeGame(game.id, { ...kwargs });
    g.close();
    return defaultSides(g.possibleAgents).length;
  } catch {
    return undefined;
  }
}

/** Checks one of opponents / evalOpponent / shaping / teacher: only games take them, with the game's names. */
function matchIssue(value: unknown, key: MatchKey, path: PathSegment[], game: GameRegistration | undefined, kwargs: Mapping, issues: Issue[]): void {
  if (value === undefined) return;
  if (!game) {
    const hint = key === 'discretize' ? ' (single-agent envs take the discretizeObservation wrapper: env.wrappers)' : '';
    issues.push({ path, message: `${key} is for multi-agent games; this env is a single-agent one${hint}`, at: 'key' });
    return;
  }
  const names = opponentNames(game.id);
  const checkName = (name: unknown, at: PathSegment[]) => {
    if (typeof name === 'string' && !names.includes(name)) {
      const close = closestMatch(name, names);
      issues.push({ path: at, message: `${game.id} has no opponent ${JSON.stringify(name)}; ${close !== undefined ? `did you mean ${JSON.stringify(close)}? ` : ''}opponents: ${names.join(', ')}` });
    }
  };
  if (key === 'opponents' && Array.isArray(value)) value.forEach((name, j) => checkName(name, [...path, j]));
  if (key === 'teacher') checkName(value, path);
  if (key === 'evalOpponent') {
    if (sidesOf(game, kwargs) === 1) issues.push({ path, message: `${game.id} is cooperative (one team): evaluations play it as a team, against no opponent`, at: 'key' });
    else checkName(value, path);
  }
  if (key === 'shaping' && isMapping(value) && typeof value.potential === 'string') {
    const potentials = Object.keys(game.potentials ?? {});
    if (!potentials.includes(value.potential)) {
      issues.push({ path: [...path, 'potential'], message: `${game.id} has no potential ${JSON.stringify(value.potential)}; ${potentials.length > 0 ? `potentials: ${potentials.join(', ')}` : 'it has none'}` });
    }
  }
}

/**
 * `discretize` goes with a learner that keys tables by observation (iql) on a
 * game with float Box observations, and its grid must fit those spaces (every
 * agent's): otherwise it would silently do nothing, or fail at the first run.
 */
export function discretizeIssues(learner: LearnerDefinition, game: GameRegistration, kwargs: Mapping, discretize: unknown, path: PathSegment[], issues: Issue[]): void {
  if (discretize === undefined && !learner.takesDiscretize) return;
  if (!learner.takesDiscretize) {
    const takers = listLearners().filter((l) => l.takesDiscretize).map((l) => l.name);
    issues.push({ path, message: `${learner.name} does not use a discretization grid (${takers.join(', ')} does: a table over observations)`, at: 'key' });
    return;
  }
  if (discretize !== undefined && !isMapping(discretize)) return; // reported by the schema
  let g;
  try {
    g = makeGame(game.id, { ...kwargs });
  } catch {
    return; // reported with the kwargs
  }
  try {
    if (discretize === undefined) {
      // Without a grid the learner must key its table by the observations themselves (Discrete or integer Box).
      for (const a of g.possibleAgents) {
        const space = g.observationSpace(a);
        try {
          tableKeyer(space);
        } catch {
          issues.push({ path, message: `${learner.name} keys a Q-table by observation and ${game.id}'s are ${describeSpace(space)}: give a grid, discretize: { bins, low, high }, in this variant or at the top level` });
          return;
        }
      }
      return;
    }
    const boxes = g.possibleAgents.filter((a) => g.observationSpace(a).type === 'box');
    if (boxes.length === 0) {
      issues.push({ path, message: `${game.id}'s observations are not Box spaces; they key the table as they are, without a grid`, at: 'key' });
      return;
    }
    for (const a of boxes) discretization(g.observationSpace(a) as BoxSpace, discretize as unknown as DiscretizeObservationOptions, `${game.id} agent ${a}`);
  } catch (e) {
    issues.push({ path, message: errorMessage(e) });
  } finally {
    g.close();
  }
}

/**
 * A teacher goes with a learner that learns from one (kickstartCoef) and a
 * positive kickstartCoef (in hyperparameters or among its sweep values) needs
 * a teacher: either alone would silently do nothing.
 */
export function teacherIssues(learner: LearnerDefinition, teacher: unknown, teacherPath: PathSegment[], hyperparameters: Mapping, sweep: Record<string, unknown[]>, path: PathSegment[], issues: Issue[]): void {
  const takesTeacher = Object.hasOwn(learner.hyperparameters, 'kickstartCoef');
  const coefs = [...(Object.hasOwn(hyperparameters, 'kickstartCoef') ? [hyperparameters.kickstartCoef] : []), ...(sweep.kickstartCoef ?? [])];
  const positive = coefs.some((c) => typeof c === 'number' && c > 0);
  if (teacher !== undefined && !takesTeacher) {
    const takers = listLearners().filter((l) => Object.hasOwn(l.hyperparameters, 'kickstartCoef')).map((l) => l.name);
    issues.push({ path: teacherPath, message: `${learner.name} does not learn from a teacher (${takers.join(', ')} does, with hyperparameters.kickstartCoef)`, at: 'key' });
  } else if (teacher !== undefined && !positive) {
    issues.push({ path: teacherPath, message: 'a teacher is named but kickstartCoef is 0: set hyperparameters.kickstartCoef > 0 to learn from it', at: 'key' });
  } else if (teacher === undefined && positive) {
    const at = Object.hasOwn(hyperparameters, 'kickstartCoef') ? [...path, 'hyperparameters', 'kickstartCoef'] : [...path, 'sweep', 'kickstartCoef'];
    issues.push({ path: at, message: 'kickstartCoef > 0 needs a teacher: name one of the game\'s opponents with `teacher` (say teacher: scripted)' });
  }
}
