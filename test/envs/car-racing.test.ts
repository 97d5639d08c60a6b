// CarRacing-v3: determinism, the lap and its reward, leaving the playfield,
// the lap-complete rule, actions, both observations (with a golden image of
// the pixels), render state and header, reset options, and checkEnv.
//
// The golden image (test/fixtures/car-racing/golden.png, viewable) is the
// renderer's output for a fixed track and car pose. After an intended change
// to the drawing, look at the new image and regenerate it with
//   ARENA_UPDATE_GOLDEN=1 npx vitest run test/envs/car-racing.test.ts
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as planck from 'planck';
import { describe, expect, it } from 'vitest';
import { checkEnv } from '../../core/checker.js';
import type { Env } from '../../core/env.js';
import { recordEpisode } from '../../core/episode.js';
import { make } from '../../core/registry.js';
import { Rng } from '../../core/rng.js';
import { contains, sample } from '../../core/spaces.js';
import { Car, SIZE, WHEEL_POS } from '../../envs/car-racing/car.js';
import { CarRacingEnv, FEATURES, RAY_RANGE } from '../../envs/car-racing/car-racing.js';
import { centerlineDriver } from '../../envs/car-racing/driver.js';
import { decodePng, encodePng } from '../../envs/car-racing/png.js';
import { Raster } from '../../envs/car-racing/raster.js';
import { Renderer, scoreText } from '../../envs/car-racing/render.js';
import { generateTrack, PLAYFIELD, TRACK_DETAIL_STEP, TRACK_WIDTH } from '../../envs/car-racing/track.js';
import '../../envs/index.js';

const GOLDEN = new URL('../fixtures/car-racing/golden.png', import.meta.url);

/** Steps `env` with `act` until the episode ends (or `limit` steps); returns the rewards and the last step. */
function drive(env: Env, act: (t: number) => unknown, limit = 5000) {
  const rewards: number[] = [];
  for (let t = 0; t < limit; t++) {
    const r = env.step(act(t));
    rewards.push(r.reward);
    if (r.terminated || r.truncated) return { rewards, last: r };
  }
  throw new Error(`episode did not end in ${limit} steps`);
}

const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);

/** Moves the car (hull and wheels, at rest) onto centerline point k, facing along the track. */
function placeCar(env: CarRacingEnv, k: number): void {
  const { track, car } = env;
  const angle = track.beta[k]!;
  const c = Math.cos(angle);
  const s = Math.sin(angle);
  car.hull.setTransform({ x: track.x[k]!, y: track.y[k]! }, angle);
  car.wheels.forEach((wheel, w) => {
    const [wx, wy] = WHEEL_POS[w]!;
    wheel.setTransform({ x: track.x[k]! + (c * wx - s * wy) * SIZE, y: track.y[k]! + (s * wx + c * wy) * SIZE }, angle);
  });
  for (const body of [car.hull, ...car.wheels]) {
    body.setLinearVelocity({ x: 0, y: 0 });
    body.setAngularVelocity(0);
  }
  car.omega.fill(0);
}

describe('CarRacing-v3 registration and spaces', () => {
  it('is registered with Gymnasium limit and threshold, pixels and continuous actions by default', () => {
    const env = make('CarRacing-v3');
    expect(env.spec).toMatchObject({ id: 'CarRacing-v3', maxEpisodeSteps: 1000, rewardThreshold: 900 });
    expect(env.spec.kwargs).toEqual({ continuous: true, observation: 'pixels', lapCompletePercent: 0.95, domainRandomize: false });
    expect(env.observationSpace).toMatchObject({ type: 'box', shape: [96, 96, 3], dtype: 'uint8' });
    expect(env.actionSpace).toMatchObject({ type: 'box', shape: [3] });
    expect(Array.from((env.actionSpace as { low: Float32Array }).low)).toEqual([-1, 0, 0]);
    expect(make('CarRacing-v3', { continuous: false }).actionSpace).toEqual({ type: 'discrete', n: 5, start: 0 });
    const features = make('CarRacingFeatures-v3');
    expect(features.observationSpace).toMatchObject({ type: 'box', shape: [FEATURES], dtype: 'float32' });
    expect(features.spec).toMatchObject({ maxEpisodeSteps: 1000, rewardThreshold: 900 });
  });

  it('rejects bad kwargs with a clear message', () => {
    expect(() => make('CarRacing-v3', { observation: 'rgb' })).toThrow(/observation must be 'pixels' or 'features'/);
    expect(() => make('CarRacing-v3', { lapCompletePercent: 1.5 })).toThrow(/lapCompletePercent must be a fraction/);
    expect(() => make('CarRacing-v3', { continuous: 1 })).toThrow(/continuous must be true or false/);
    expect(() => make('CarRacing-v3', { lap_complete_percent: 0.9 })).toThrow(/unknown keyword argument/);
  });
});

describe('CarRacing-v3 determinism', () => {
  it('the same seed gives the same track and, with the same actions, the same trajectory', () => {
    const run = () => {
      const env = make('CarRacing-v3', { observation: 'features' });
      const first = env.reset({ seed: 42 });
      const rng = new Rng(7);
      const obs = [first.obs as Float32Array];
      const rewards: number[] = [];
      for (let t = 0; t < 300; t++) {
        const r = env.step(sample(env.actionSpace, rng));
        obs.push(r.obs as Float32Array);
        rewards.push(r.reward);
        if (r.terminated) break;
      }
      return { obs, rewards, header: (env.unwrapped as CarRacingEnv).renderHeader(), state: env.renderState() };
    };
    const a = run();
    const b = run();
    expect(b.header).toEqual(a.header);
    expect(b.rewards).toEqual(a.rewards);
    expect(b.state).toEqual(a.state);
    a.obs.forEach((o, i) => expect(Array.from(b.obs[i]!)).toEqual(Array.from(o)));
  });

  it('different seeds give different tracks', () => {
    const env = new CarRacingEnv();
    const centerlines = [1, 2, 3].map((seed) => {
      env.reset({ seed });
      return Array.from(env.track.x);
    });
    expect(centerlines[0]).not.toEqual(centerlines[1]);
    expect(centerlines[1]).not.toEqual(centerlines[2]);
  });

  it('tracks are closed loops of tiles of equal width, starting at the car', () => {
    for (let seed = 0; seed < 20; seed++) {
      const track = generateTrack(new Rng(seed));
      expect(track.n).toBeGreaterThan(150);
      for (let i = 0; i < track.n; i++) {
        const o = 8 * i;
        // Left and right corners of each end are 2 * TRACK_WIDTH apart.
        expect(Math.hypot(track.tiles[o + 2]! - track.tiles[o]!, track.tiles[o + 3]! - track.tiles[o + 1]!)).toBeCloseTo(2 * TRACK_WIDTH, 9);
        const j = i === 0 ? track.n - 1 : i - 1;
        const length = Math.hypot(track.x[i]! - track.x[j]!, track.y[i]! - track.y[j]!);
        // Tile 0 closes the loop: about two steps, as in Gymnasium.
        if (i === 0) expect(length).toBeLessThan(4 * TRACK_DETAIL_STEP);
        else expect(length).toBeCloseTo(TRACK_DETAIL_STEP, 9);
      }
      expect(Math.max(...Array.from(track.x, Math.abs), ...Array.from(track.y, Math.abs))).toBeLessThan(PLAYFIELD);
    }
  });
});

describe('CarRacing-v3 episodes', () => {
  it('the centerline driver completes a lap and earns 1000 - 0.1 per step', () => {
    const env = make('CarRacing-v3', { observation: 'features' });
    env.reset({ seed: 3 });
    const { rewards, last } = drive(env, () => centerlineDriver(env));
    const race = env.unwrapped as CarRacingEnv;
    expect(last.terminated).toBe(true);
    expect(last.truncated).toBe(false);
    expect(last.info).toEqual({ lapFinished: true, tilesVisited: race.track.n });
    expect(rewards.length).toBeLessThan(1000);
    const missed = race.track.n - race.tilesVisited;
    expect(Math.abs(sum(rewards) - (1000 - 0.1 * rewards.length))).toBeLessThanOrEqual((1000 / race.track.n) * missed + 1e-6);
    // The first step carries the tiles under the car at the start (0 and 1).
    expect(rewards[0]).toBeCloseTo(2000 / race.track.n - 0.1, 9);
  });

  it('the discrete centerline driver also gets round', () => {
    const env = make('CarRacing-v3', { observation: 'features', continuous: false, maxEpisodeSteps: null });
    env.reset({ seed: 3 });
    const { last } = drive(env, () => centerlineDriver(env), 4000);
    expect(last.info.lapFinished).toBe(true);
  });

  it('driving straight off the map gives -100 and ends the episode', () => {
    const env = make('CarRacing-v3', { observation: 'features', maxEpisodeSteps: null });
    env.reset({ seed: 0 });
    const race = env.unwrapped as CarRacingEnv;
    const heading = race.car.hull.getAngle();
    // Half throttle, steering against any yaw (full throttle on grass spins the car round).
    const { rewards, last } = drive(env, () => new Float32Array([Math.max(-1, Math.min(1, 5 * (race.car.hull.getAngle() - heading))), 0.5, 0]));
    expect(last.terminated).toBe(true);
    expect(last.reward).toBe(-100);
    expect(last.info.lapFinished).toBe(false);
    expect(rewards.slice(0, -1).every((r) => r > -100)).toBe(true);
    const { x, y } = env.renderState() as { x: number; y: number };
    expect(Math.max(Math.abs(x), Math.abs(y))).toBeGreaterThan(PLAYFIELD);
  });

  it('entering the start tile ends the lap once lapCompletePercent of the tiles are visited', () => {
    // Start the car 60% of the way round, so that it comes back to tile 0 having visited about 40% of the tiles.
    const lap = (lapCompletePercent: number) => {
      const env = make('CarRacing-v3', { observation: 'features', lapCompletePercent, maxEpisodeSteps: null });
      env.reset({ seed: 3 });
      const race = env.unwrapped as CarRacingEnv;
      placeCar(race, Math.floor(0.6 * race.track.n));
      let tile0 = -1;
      const { rewards, last } = drive(env, (t) => {
        if (tile0 < 0 && race.projection.tile === 1) tile0 = t;
        return centerlineDriver(env);
      });
      return { steps: rewards.length, tile0, last, n: race.track.n };
    };
    const early = lap(0.3);
    expect(early.last.info.lapFinished).toBe(true);
    expect(early.last.info.tilesVisited).toBeLessThan(0.5 * early.n);
    const late = lap(0.95);
    expect(late.last.info.lapFinished).toBe(true);
    expect(late.last.info.tilesVisited).toBe(late.n); // it had to go round again for the tiles it skipped
    expect(late.steps).toBeGreaterThan(early.steps);
  });
});

describe('CarRacing car physics', () => {
  it("the wheel joints' allocation-free solver gives planck's own results bit for bit", () => {
    const build = (stock: boolean) => {
      const world = new planck.World({ gravity: { x: 0, y: 0 } });
      const car = new Car(world, 0.3, 10, 20);
      expect(car.joints.every((j) => Object.hasOwn(j, 'solveVelocityConstraints'))).toBe(true); // installed
      if (stock) for (const j of car.joints) delete (j as unknown as Record<string, unknown>).solveVelocityConstraints;
      return { world, car };
    };
    const fast = build(false);
    const stock = build(true);
    const rng = new Rng(1);
    let atLimit = 0;
    for (let t = 0; t < 1500; t++) {
      // Hard steering often, so the joints hit their limits and come off them.
      const steer = rng.random() < 0.3 ? (rng.random() < 0.5 ? -1 : 1) : rng.uniform(-1, 1);
      const gas = rng.random();
      const brake = rng.random() < 0.1 ? rng.random() : 0;
      const road = rng.random() < 0.5 ? 1 : 0;
      for (const { world, car } of [fast, stock]) {
        car.onRoad.fill(road);
        car.control(steer, gas, brake);
        car.step(1 / 50);
        world.step(1 / 50, 180, 60);
      }
      if (Math.abs(fast.car.joints[0]!.getJointAngle()) > 0.39) atLimit++;
      const bodies = (c: Car) => [c.hull, ...c.wheels].flatMap((b) => [b.getPosition().x, b.getPosition().y, b.getAngle(), b.getLinearVelocity().x, b.getAngularVelocity()]);
      expect(bodies(fast.car)).toEqual(bodies(stock.car));
    }
    expect(atLimit).toBeGreaterThan(20);
  });
});

describe('CarRacing-v3 actions', () => {
  it('discrete actions are Gymnasium\'s: nothing, right, left, gas, brake', () => {
    const equivalent = [
      [0, 0, 0],
      [0.6, 0, 0],
      [-0.6, 0, 0],
      [0, 0.2, 0],
      [0, 0, 0.8],
    ];
    const rng = new Rng(3);
    const actions = Array.from({ length: 200 }, (_, t) => (t < 40 ? 3 : rng.integers(0, 5)));
    const discreteEnv = new CarRacingEnv({ continuous: false, observation: 'features' });
    const continuousEnv = new CarRacingEnv({ continuous: true, observation: 'features' });
    discreteEnv.reset({ seed: 5 });
    continuousEnv.reset({ seed: 5 });
    for (const a of actions) {
      const d = discreteEnv.step(a);
      const c = continuousEnv.step(equivalent[a]!);
      expect(Array.from(d.obs as Float32Array)).toEqual(Array.from(c.obs as Float32Array));
      expect(d.reward).toBe(c.reward);
    }
    expect(() => discreteEnv.step(5)).toThrow(/integer 0..4/);
  });

  it('steer left (discrete 2, continuous -1) turns the car counter-clockwise, right clockwise', () => {
    const turn = (steer: number) => {
      const env = new CarRacingEnv({ observation: 'features' });
      env.reset({ seed: 1 });
      const start = env.car.hull.getAngle();
      for (let t = 0; t < 60; t++) env.step([t < 30 ? 0 : steer, 0.5, 0]);
      return env.car.hull.getAngle() - start;
    };
    expect(turn(-1)).toBeGreaterThan(0.1);
    expect(turn(1)).toBeLessThan(-0.1);
  });

  it('gas drives the rear wheels only; a full brake locks all four (they only turn with the pull of the ground)', () => {
    const env = new CarRacingEnv({ observation: 'features' });
    env.reset({ seed: 2 });
    for (let t = 0; t < 30; t++) env.step([0, 1, 0]);
    const { omega, gas } = env.car;
    expect(Array.from(gas)).toEqual([0, 0, 1, 1]);
    expect(omega[0]).toBeGreaterThan(0); // the front wheels roll with the car
    expect(omega[2]).toBeGreaterThan(omega[0]!); // the rear wheels drive it (and slip a little)
    const speed = env.car.hull.getLinearVelocity().length();
    env.step([0, 0, 1]);
    for (const w of [0, 1, 2, 3]) expect(Math.abs(env.car.omega[w]! * 0.54)).toBeLessThan(0.2 * speed);
    expect(env.car.hull.getLinearVelocity().length()).toBeLessThan(speed);
  });
});

describe('CarRacing-v3 observations', () => {
  it('pixels: 96x96x3 uint8, grass and road in view, the car red, the strip black with bars', () => {
    const env = make('CarRacing-v3');
    env.reset({ seed: 3 });
    let obs = env.reset({ seed: 3 }).obs as Uint8Array;
    for (let t = 0; t < 80; t++) obs = env.step(centerlineDriver(env)).obs as Uint8Array;
    expect(obs).toBeInstanceOf(Uint8Array);
    expect(obs.length).toBe(96 * 96 * 3);
    expect(contains(env.observationSpace, obs)).toBe(true);
    const px = (x: number, y: number) => Array.from(obs.subarray(3 * (96 * y + x), 3 * (96 * y + x) + 3));
    // The car sits at (48, 72), on the road, facing up; the hull is red.
    const hull = px(48, 70);
    expect(hull[0]).toBeGreaterThan(150);
    expect(hull[1]).toBeLessThan(60);
    const road = px(48, 60); // the road ahead of the car: grey, 102 to 107
    expect(road[0]).toBe(road[1]);
    expect(road[0]).toBeGreaterThanOrEqual(102);
    expect(road[0]).toBeLessThanOrEqual(107);
    // The strip: rows 84..95 black at the right end, a white speed bar at x = 12.
    expect(px(95, 90)).toEqual([0, 0, 0]);
    expect(px(12, 92)).toEqual([255, 255, 255]);
    // Some grass in view.
    let green = 0;
    for (let i = 0; i < 84 * 96; i++) if (obs[3 * i + 1]! > 190 && obs[3 * i]! < 110) green++;
    expect(green).toBeGreaterThan(500);
  });

  it('pixels: the renderer draws a fixed track and pose exactly as the golden image, every byte', () => {
    const track = generateTrack(new Rng(11));
    const curbAhead = Array.from(track.curbTile).find((k) => k > 12)!;
    const k = curbAhead - 8;
    const world = new planck.World({ gravity: { x: 0, y: 0 } });
    const angle = track.beta[k]! + 0.15;
    const car = new Car(world, angle, track.x[k]! + 1.5 * Math.cos(angle), track.y[k]! + 1.5 * Math.sin(angle));
    car.hull.setLinearVelocity({ x: -50 * Math.sin(angle), y: 50 * Math.cos(angle) });
    car.hull.setAngularVelocity(-0.8);
    for (const w of [0, 1]) car.wheels[w]!.setAngle(angle + 0.25); // steering left
    car.omega.set([90, 95, 130, 120]);
    car.phase.set([0.3, 1.0, 2.0, 4.5]);
    const touched = new Uint8Array(track.n).fill(1, 0, k + 2);
    const out = new Uint8Array(96 * 96 * 3);
    new Renderer().render(track, car, touched, 2, 123.4, out);
    // Only an explicit request writes the image: a missing golden image is a failure, never a fresh pass.
    if (process.env.ARENA_UPDATE_GOLDEN) writeFileSync(GOLDEN, encodePng(out, 96, 96));
    expect(existsSync(GOLDEN), `${GOLDEN.pathname} is missing; regenerate it with ARENA_UPDATE_GOLDEN=1 (see the top of this file)`).toBe(true);
    const golden = decodePng(readFileSync(GOLDEN));
    expect([golden.width, golden.height]).toEqual([96, 96]);
    // Every byte: the drawing uses only V8's own Math functions and integer rasterization, the same on every x64 machine.
    const differing = out.reduce((n, v, i) => n + (v !== golden.rgb[i] ? 1 : 0), 0);
    expect(differing).toBe(0);
  });

  it('features: the layout the header documents', () => {
    const env = make<Float32Array, Float32Array>('CarRacingFeatures-v3');
    const race = env.unwrapped as CarRacingEnv;
    const { obs } = env.reset({ seed: 4 });
    expect(obs.length).toBe(FEATURES);
    const n = race.track.n;
    // At rest on the centerline, facing along the track.
    expect(Math.abs(obs[0]!)).toBeLessThan(0.01);
    expect(Math.abs(obs[15]!)).toBeLessThan(0.02);
    expect(Math.abs(obs[19]!)).toBeLessThan(0.05);
    // Side rays reach the road edges, TRACK_WIDTH away.
    expect(obs[8]! * RAY_RANGE).toBeCloseTo(TRACK_WIDTH, 0);
    expect(obs[14]! * RAY_RANGE).toBeCloseTo(TRACK_WIDTH, 0);
    expect(obs[20]).toBeCloseTo(2 / n, 6);
    expect(obs[21]).toBe(0);
    // Full gas forward: speed and rear wheel speeds grow.
    let o = obs;
    for (let t = 0; t < 40; t++) o = env.step(new Float32Array([0, 1, 0])).obs;
    expect(o[0]).toBeGreaterThan(0.1);
    expect(o[6]).toBeGreaterThanOrEqual(o[0]!);
    expect(o[20]).toBeGreaterThan(2 / n);
    // Steering left shows as a positive steering angle.
    o = env.step(new Float32Array([-1, 0, 0])).obs;
    expect(o[3]).toBeGreaterThan(0);
  });

  it('passes checkEnv with pixels and with features, continuous and discrete', () => {
    checkEnv(make('CarRacing-v3'));
    checkEnv(make('CarRacing-v3', { observation: 'features' }));
    checkEnv(make('CarRacing-v3', { observation: 'features', continuous: false }));
  });
});

describe('CarRacing-v3 render state, header and reset options', () => {
  it('renderState is small; renderHeader holds the track once; recordEpisode puts it in the header', () => {
    const env = make('CarRacing-v3', { observation: 'features' });
    const record = recordEpisode(env, { seed: 3, act: () => centerlineDriver(env), maxSteps: 60 });
    const race = env.unwrapped as CarRacingEnv;
    const header = record.header as { centerline: number[][]; tiles: number[][]; curbs: unknown[]; playfield: number };
    expect(header.centerline).toHaveLength(race.track.n);
    expect(header.tiles).toHaveLength(race.track.n);
    expect(header.curbs.length).toBe(race.track.curbTile.length);
    expect(header.playfield).toBe(PLAYFIELD);
    const state = record.frames[30]!.state as Record<string, unknown>;
    expect(Object.keys(state).sort()).toEqual(['angle', 'brake', 'gas', 'newTiles', 'skid', 'speed', 'steering', 'tilesVisited', 'wheels', 'x', 'y'].sort());
    expect(JSON.stringify(state).length).toBeLessThan(400);
    const newTiles = record.frames.flatMap((f) => (f.state as { newTiles: number[] }).newTiles);
    expect(new Set(newTiles).size).toBe(newTiles.length);
    expect(newTiles.length).toBe((record.frames.at(-1)!.state as { tilesVisited: number }).tilesVisited);
  });

  it('reset option track replays a recorded track, or takes [x, y] points', () => {
    const env = new CarRacingEnv({ observation: 'features' });
    env.reset({ seed: 8 });
    const header = env.renderHeader() as { centerline: number[][]; tiles: number[][] };
    env.reset({ seed: 99, options: { track: header.centerline } });
    const replayed = env.renderHeader() as { tiles: number[][] };
    replayed.tiles.forEach((tile, i) => tile.forEach((v, j) => expect(v).toBeCloseTo(header.tiles[i]![j]!, 3)));

    // A circle of radius 100, counter-clockwise, as [x, y] points.
    const n = 180;
    const circle = Array.from({ length: n }, (_, i) => [100 * Math.cos((2 * Math.PI * i) / n), 100 * Math.sin((2 * Math.PI * i) / n)]);
    env.reset({ options: { track: circle } });
    expect(env.track.n).toBe(n);
    const p = env.car.hull.getPosition();
    expect(p.x).toBeCloseTo(100, 1);
    expect(env.track.curbTile.length).toBe(0); // a gentle circle has no sharp turns
    expect(() => env.reset({ options: { track: [[0, 0]] } })).toThrow(/at least 8 centerline points/);
  });

  it('domainRandomize draws colours per reset, from the seed, unless randomize is false', () => {
    const env = new CarRacingEnv({ domainRandomize: true });
    const colors = (args: Parameters<CarRacingEnv['reset']>[0]) => {
      env.reset(args);
      return (env.renderHeader() as { colors: unknown }).colors;
    };
    const a = colors({ seed: 1 });
    expect(colors({ seed: 1 })).toEqual(a);
    expect(colors({ seed: 2 })).not.toEqual(a);
    const b = colors({ seed: 2 });
    expect(colors({ seed: 3, options: { randomize: false } })).toEqual(b);
    const plain = new CarRacingEnv();
    plain.reset({ seed: 1 });
    expect((plain.renderHeader() as { colors: unknown }).colors).toEqual({ road: [102, 102, 102], background: [102, 204, 102], grass: [102, 230, 102] });
  });

  it('the score text is zero-padded like Gymnasium\'s %04.0f', () => {
    expect(scoreText(7.4)).toBe('0007');
    expect(scoreText(923.6)).toBe('0924');
    expect(scoreText(-5.2)).toBe('-005');
  });
});

describe('CarRacing rasterizer', () => {
  it('covers the pixels whose centre is inside, and averages the ss x ss samples of each output pixel', () => {
    const expected: Record<number, number[]> = {
      1: [200, 100, 40, 0, 0, 0], // the centre of pixel 1 (x = 1.5) is on the right edge: out
      2: [200, 100, 40, 100, 50, 20], // one of two sample columns of pixel 1 is in
      3: [200, 100, 40, 67, 33, 13], // one of three (rounded)
    };
    for (const ss of [1, 2, 3]) {
      const raster = new Raster(4, 2, ss);
      raster.setColor(0, 0, 0, 0);
      raster.setColor(1, 200, 100, 40);
      raster.clear(0);
      // The left 1.5 output pixels of both rows, in buffer pixels.
      raster.fillConvex(Float64Array.of(0, 1.5 * ss, 1.5 * ss, 0), Float64Array.of(0, 0, 2 * ss, 2 * ss), 4, 1);
      const out = new Uint8Array(4 * 2 * 3);
      raster.resolve(out);
      for (const row of [0, 1]) {
        expect(Array.from(out.subarray(12 * row, 12 * row + 6)), `ss ${ss} row ${row}`).toEqual(expected[ss]);
        expect(Array.from(out.subarray(12 * row + 6, 12 * row + 12))).toEqual([0, 0, 0, 0, 0, 0]);
      }
    }
  });

  it('polygons that share an edge leave no gap and do not overlap', () => {
    const raster = new Raster(16, 16, 1);
    const count = (): number => raster.index.reduce((n, v) => n + v, 0);
    raster.clear(0);
    const xs = Float64Array.of(0.3, 12.7, 12.7, 0.3);
    const ys = Float64Array.of(1.2, 1.2, 14.6, 14.6);
    raster.fillConvex(xs, ys, 4, 1);
    const square = count();
    expect(square).toBe(13 * 14); // centres 0.5 .. 12.5 across, 1.5 .. 14.5 down
    // The same square as two triangles (either winding), split along a diagonal, painted with index 1.
    raster.clear(0);
    raster.fillConvex(Float64Array.of(0.3, 12.7, 12.7), Float64Array.of(1.2, 1.2, 14.6), 3, 1);
    const first = count();
    raster.fillConvex(Float64Array.of(0.3, 0.3, 12.7), Float64Array.of(1.2, 14.6, 14.6), 3, 1);
    expect(count()).toBe(square);
    // Painting the second triangle with 2 over the first changes no pixel of the first.
    raster.clear(0);
    raster.fillConvex(Float64Array.of(0.3, 12.7, 12.7), Float64Array.of(1.2, 1.2, 14.6), 3, 1);
    raster.fillConvex(Float64Array.of(12.7, 0.3, 0.3), Float64Array.of(14.6, 14.6, 1.2), 3, 2);
    expect(raster.index.filter((v) => v === 1).length).toBe(first);
  });
});
