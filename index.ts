// Arena's public API.
import './envs/index.js';

export * from './core/spaces.js';
export * from './core/rng.js';
export * from './core/env.js';
export * from './core/kernel.js';
export * from './core/registry.js';
export { timeLimit } from './core/wrappers/time-limit.js';
