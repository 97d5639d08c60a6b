// What the browser bundle gives for `node:crypto`: core/rng.ts takes only
// randomInt from it (an entropy seed for an unseeded reset), and the play-live
// page's envs bring core/rng.ts into the bundle. viewer/build.mjs points the
// import here. Draws from the Web Crypto API, the browser's counterpart.

/** An integer in [min, max) from crypto.getRandomValues (max - min at most 2^32; the modulo's bias is nil for powers of two such as rng.ts's 2^31). */
export function randomInt(min: number, max: number): number {
  const span = max - min;
  if (!Number.isInteger(min) || !Number.isInteger(max) || span <= 0 || span > 2 ** 32) throw new RangeError(`randomInt: need integers min < max within 2^32, got ${min}, ${max}`);
  return min + (globalThis.crypto.getRandomValues(new Uint32Array(1))[0]! % span);
}
