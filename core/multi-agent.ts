// The multi-agent API in one import: PettingZoo's two APIs (parallel and
// turn-based) and everything around them, one job per module in
// core/multi-agent/:
//   api.ts           the two APIs' types and contracts
//   masks.ts         action masks in observations
//   game-helpers.ts  what the games share (action checks, TurnLedger, AgentTally)
//   wrappers.ts      the forwarding base and makeGame's wrappers
//   conversions.ts   parallel <-> turn-based
//   registry.ts      registerGame, makeGame, listGames
export * from './multi-agent/api.js';
export * from './multi-agent/masks.js';
export * from './multi-agent/game-helpers.js';
export * from './multi-agent/wrappers.js';
export * from './multi-agent/conversions.js';
export * from './multi-agent/registry.js';
