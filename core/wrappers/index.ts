// The wrapper library: each wrapper is a function from an env (plus options)
// to an env, built on core/env.ts's `forward`; compose them by nesting calls.
export { timeLimit } from './time-limit.js';
export { recordEpisodeStatistics } from './record-episode-statistics.js';
export type { EpisodeStatistics, EpisodeStatisticsBuffers, RecordEpisodeStatisticsOptions } from './record-episode-statistics.js';
export { clipAction } from './clip-action.js';
export { rescaleAction } from './rescale-action.js';
export { normalizeObservation } from './normalize-observation.js';
export type { NormalizeObservationControls, NormalizeObservationOptions } from './normalize-observation.js';
export { normalizeReward } from './normalize-reward.js';
export type { NormalizeRewardControls, NormalizeRewardOptions } from './normalize-reward.js';
export { transformObservation } from './transform-observation.js';
export { transformReward } from './transform-reward.js';
export { flattenObservation } from './flatten-observation.js';
export { frameStack } from './frame-stack.js';
export type { FrameStackOptions } from './frame-stack.js';
export { frameSkip } from './frame-skip.js';
export { grayscaleObservation } from './grayscale-observation.js';
export type { GrayscaleObservationOptions } from './grayscale-observation.js';
export { resizeObservation } from './resize-observation.js';
export { binBounds, binIndex, binTuple, discretization, discretizeObservation } from './discretize-observation.js';
export type { Discretization, DiscretizeObservationOptions } from './discretize-observation.js';
export { potentialShaping, shapeReward } from './shape-reward.js';
export type { PotentialShapingOptions, ShapingTransition } from './shape-reward.js';
