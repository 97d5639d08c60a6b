// The envs the play-live page runs in the browser: the families written in
// plain TypeScript with no Node APIs (classic control, toy text, CarRacing on
// planck). MuJoCo stays out: its physics is WebAssembly loaded from Node
// (envs/mujoco/wasm.ts). The server offers play live for exactly these ids
// (viewer/live-source.ts, LIVE_ENV_IDS; a test checks they agree).
import { registerCarRacing } from '../../../envs/car-racing/index.js';
import { registerClassic } from '../../../envs/classic/index.js';
import { registerToyText } from '../../../envs/toy-text/index.js';
import { listEnvs } from '../../../core/registry.js';

/** Registers each family whose first id is not registered yet (in Node, envs/index.ts has registered them all). */
export function registerLiveEnvs(): void {
  const known = new Set(listEnvs().map((r) => r.id));
  const families: [string, () => void][] = [
    ['CartPole-v1', registerClassic],
    ['FrozenLake-v1', registerToyText],
    ['CarRacing-v3', registerCarRacing],
  ];
  for (const [id, register] of families) if (!known.has(id)) register();
}
