// What the two normalizing wrappers (normalize-observation.ts and
// normalize-reward.ts) share: the check of their epsilon, and the switch that
// turns their running statistics' updates on and off (the `update` option at
// creation, the `updateRunningMean` property later, off for evaluation).

/** Throws unless `epsilon` (added to the variance under the square root) is a positive finite number. */
export function checkEpsilon(where: string, epsilon: number): void {
  if (!(epsilon > 0) || !Number.isFinite(epsilon)) throw new RangeError(`${where}: epsilon must be a positive finite number, got ${epsilon}`);
}

export interface UpdateSwitch {
  /** Whether new samples update the statistics now. */
  readonly on: () => boolean;
  /** The `updateRunningMean` property of the wrapper: reads and sets the switch, refusing anything but a boolean. */
  readonly property: PropertyDescriptor;
}

/** The switch, starting from the `update` option (default on; anything but a boolean throws). */
export function updateSwitch(where: string, initial: unknown): UpdateSwitch {
  if (initial !== undefined && typeof initial !== 'boolean') throw new TypeError(`${where}: update must be a boolean, got ${JSON.stringify(initial)}`);
  let update = initial ?? true;
  return {
    on: () => update,
    property: {
      get: () => update,
      set: (v: unknown) => {
        if (typeof v !== 'boolean') throw new TypeError(`${where}: updateRunningMean must be a boolean, got ${JSON.stringify(v)}`);
        update = v;
      },
      enumerable: true,
    },
  };
}
