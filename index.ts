// Arena's public API: the core contracts and machinery, with every built-in env registered.
import './envs/index.js';

export * from './core/spaces.js';
export * from './core/rng.js';
export * from './core/env.js';
export * from './core/kernel.js';
export * from './core/registry.js';
export * from './core/vector.js';
export * from './core/checker.js';
export * from './core/tabular.js';
export * from './core/running-stats.js';
export * from './core/wrappers/index.js';
