// The multi-agent learners with nets on backend 'onnx' never load
// TensorFlow.js (agents/lib/backend.ts loads it on the first use of `tf`):
// not to build, train with a self-play pool, save, load, train on and act.
// Nothing in this file may touch tfjs before its last test, which checks that
// the probe (backend-checks.ts's tfjsLoaded) sees tfjs once it is loaded.
import { describe, expect, it } from 'vitest';
import type { TurnBasedEnv } from '../../../core/multi-agent.js';
import { makeGame } from '../../../core/multi-agent.js';
import { initBackend } from '../../../agents/lib/backend.js';
import { randomPolicy } from '../../../agents/multi/evaluate.js';
import '../../../agents/multi/index.js';
import { createLearner, loadLearner } from '../../../agents/multi/learner.js';
import { ensureGames } from '../multi/helpers.js';
import { tempDirs } from '../../helpers/temp-dirs.js';
import { tfjsLoaded } from './backend-checks.js';

ensureGames();
const tempDir = tempDirs('learners-without-tfjs');

describe("multi-agent learners on backend 'onnx'", () => {
  it.each([
    ['shared-dqn', { hidden: [16], bufferSize: 300, learningStarts: 40, batchSize: 8, snapshotEvery: 6, poolSize: 2 }],
    ['shared-ppo', { hidden: [16], nSteps: 6, batchSize: 32, nEpochs: 2, snapshotEvery: 1, poolSize: 2 }],
  ])('%s builds, trains against its pool, saves, loads and acts without loading TensorFlow.js', async (name, hp) => {
    expect(tfjsLoaded()).toBe(false);
    const game = () => makeGame('TicTacToe-v0');
    const train = (totalSteps: number) => ({ game: [game(), game()], totalSteps, opponents: { random: randomPolicy() } });
    const l = await createLearner(name, hp, { game: game(), seed: 1, backend: 'onnx' });
    await l.learn(train(150));
    expect(l.poolSize).toBe(2);
    const dir = tempDir();
    await l.save(dir);
    l.dispose();
    const loaded = await loadLearner(dir);
    expect(loaded.context.backend).toBe('onnx');
    await loaded.learn(train(300));
    const g = game() as TurnBasedEnv;
    g.reset({ seed: 0 });
    const obs = g.last().obs;
    expect(typeof loaded.act(g.agentSelection, obs, { deterministic: true })).toBe('number');
    expect(loaded.diagnostics(g.agentSelection, obs).probs ?? loaded.diagnostics(g.agentSelection, obs).qValues).toHaveLength(9);
    loaded.dispose();
    expect(tfjsLoaded()).toBe(false);
  }, 60_000);

  it('(the probe sees TensorFlow.js once something loads it)', async () => {
    await initBackend('cpu');
    expect(tfjsLoaded()).toBe(true);
  });
});
