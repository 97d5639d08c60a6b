// A run's recordings carry the agent's observation for the viewer's side
// panel: a short PPO run on CarRacing-v3 pixels (the car-racing-pixels
// config's grey, resized, frame-stacked view) records each frame's newest
// grey frame as a PNG, in training recordings and in `arena eval --record`;
// a short run on CarRacingFeatures-v3 records the 22 numbers with their names.
// Also which picture observationRecording takes from each image layout.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import '../../envs/index.js';
import '../../agents/index.js';
import { evalCommand } from '../../bin/run.js';
import type { EpisodeRecord } from '../../core/episode.js';
import { box, discrete } from '../../core/spaces.js';
import { FEATURE_NAMES, FEATURES } from '../../envs/car-racing/car-racing.js';
import { encodePng } from '../../envs/car-racing/png.js';
import { MAX_FEATURES, observationRecording } from '../../experiments/observation-record.js';
import { executeRun, makeRunEnv } from '../../experiments/execute-run.js';
import { parseJsonl } from '../../experiments/store.js';
import type { EpisodeIndexLine, RunSpec } from '../../experiments/types.js';

const root = mkdtempSync(join(tmpdir(), 'arena-observation-record-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** The pixels of an 8-bit, unfiltered PNG as encodePng writes it (grey or RGB): its size, colour type and bytes. */
function readPng(base64: string): { width: number; height: number; colourType: number; pixels: Uint8Array } {
  const file = Buffer.from(base64, 'base64');
  const width = file.readUInt32BE(16);
  const height = file.readUInt32BE(20);
  const colourType = file[25]!;
  const idat: Buffer[] = [];
  for (let at = 8; at < file.length; ) {
    const length = file.readUInt32BE(at);
    if (file.toString('latin1', at + 4, at + 8) === 'IDAT') idat.push(file.subarray(at + 8, at + 8 + length));
    at += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = (colourType === 2 ? 3 : 1) * width;
  const pixels = new Uint8Array(height * stride);
  for (let r = 0; r < height; r++) {
    expect(raw[r * (stride + 1)]).toBe(0); // no filter
    pixels.set(raw.subarray(r * (stride + 1) + 1, (r + 1) * (stride + 1)), r * stride);
  }
  return { width, height, colourType, pixels };
}

function carSpec(variant: string, env: RunSpec['env'], hyperparameters: Record<string, unknown>): RunSpec {
  return {
    experiment: 'observations',
    variant,
    seed: 0,
    algorithm: 'ppo',
    hyperparameters: { nSteps: 32, batchSize: 32, nEpochs: 1, ...hyperparameters },
    env,
    envs: 0,
    totalSteps: 64,
    eval: { every: 0, episodes: 1 },
    record: { every: 0, episodes: 1, deterministic: true },
    checkpointEvery: 0,
    logEvery: 32,
    backend: 'cpu',
  };
}

function recordings(dir: string): { line: EpisodeIndexLine; episode: EpisodeRecord }[] {
  const index = parseJsonl<EpisodeIndexLine>(readFileSync(join(dir, 'episodes', 'index.jsonl'), 'utf8')).lines;
  return index.map((line) => ({ line, episode: JSON.parse(readFileSync(join(dir, 'episodes', line.file), 'utf8')) as EpisodeRecord }));
}

describe('recordings of a run', () => {
  it('on CarRacing pixels (grey, 48x48, 4 stacked) carry the newest frame of each observation as a grey PNG, also from arena eval --record', async () => {
    const spec = carSpec(
      'pixels',
      {
        id: 'CarRacing-v3',
        kwargs: { maxEpisodeSteps: 120 },
        wrappers: [
          { name: 'frameSkip', args: { k: 4 } },
          { name: 'grayscaleObservation', args: {} },
          { name: 'resizeObservation', args: { shape: [48, 48] } },
          { name: 'frameStack', args: { k: 4, channelsLast: true } },
        ],
      },
      { policy: 'cnn', cnnFilters: [4, 8], cnnKernels: [8, 4], cnnStrides: [4, 2], cnnDense: 16 },
    );
    const dir = join(root, 'pixels');
    expect((await executeRun({ spec, dir })).status).toBe('finished');
    const recorded = recordings(dir);
    expect(recorded.map((r) => r.line.step)).toEqual([0, 64]);
    const { line, episode } = recorded[1]!;
    expect(episode.frames).toHaveLength(line.length + 1);
    expect(line.length).toBe(30); // 120 frames, 4 to a step
    for (const f of episode.frames) {
      expect(f.observation).toMatchObject({ width: 48, height: 48, channels: 1 });
      expect(f.features).toBeUndefined();
    }

    // The image is the last channel of the observation the agent saw: replay the episode's actions on a fresh env.
    const env = makeRunEnv(spec);
    let obs = env.reset({ seed: episode.seed }).obs as Uint8Array;
    for (const [t, f] of episode.frames.entries()) {
      const png = readPng(f.observation!.png);
      expect(png).toMatchObject({ width: 48, height: 48, colourType: 0 });
      expect(png.pixels).toEqual(Uint8Array.from({ length: 48 * 48 }, (_v, p) => obs[p * 4 + 3]!));
      if (f.action === undefined) break;
      expect(t).toBeLessThan(episode.frames.length - 1);
      obs = env.step(f.action).obs as Uint8Array;
    }
    env.close();
    // The car moves, so the pictures change along the episode.
    expect(new Set(episode.frames.map((f) => f.observation!.png)).size).toBeGreaterThan(10);

    await evalCommand(dir, { episodes: 1, seed: 7, record: 1, import: [] }, () => undefined);
    const evaluated = recordings(dir).filter((r) => r.line.source === 'eval');
    expect(evaluated).toHaveLength(1);
    expect(evaluated[0]!.episode.frames.every((f) => f.observation?.channels === 1 && f.observation.width === 48)).toBe(true);
  }, 120_000);

  it('on CarRacingFeatures carry the 22 numbers of each observation, named', async () => {
    const spec = carSpec('features', { id: 'CarRacingFeatures-v3', kwargs: { maxEpisodeSteps: 150 }, wrappers: [] }, { hidden: [16] });
    const dir = join(root, 'features');
    expect((await executeRun({ spec, dir })).status).toBe('finished');
    const { line, episode } = recordings(dir).at(-1)!;
    expect(episode.featureNames).toEqual(FEATURE_NAMES);
    expect(FEATURE_NAMES).toHaveLength(FEATURES);
    expect(episode.frames).toHaveLength(line.length + 1);

    const env = makeRunEnv(spec);
    let obs = env.reset({ seed: episode.seed }).obs as Float32Array;
    for (const f of episode.frames) {
      expect(f.observation).toBeUndefined();
      expect(f.features).toHaveLength(22);
      // 4 significant digits of the observation.
      f.features!.forEach((v, i) => expect(Math.abs(v - obs[i]!)).toBeLessThanOrEqual(Math.abs(obs[i]!) * 5e-4 + 1e-12));
      if (f.action === undefined) break;
      obs = env.step(f.action).obs as Float32Array;
    }
    env.close();
    expect(existsSync(join(dir, 'checkpoint'))).toBe(true);
  }, 120_000);
});

describe('observationRecording', () => {
  const stacked = (shape: number[]) => Uint8Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_v, i) => (i * 37) % 251);

  it('takes the whole RGB or grey picture, the last channel of a channels-last stack, the last frame of a stack-first one', () => {
    const rgb = stacked([10, 12, 3]);
    expect(observationRecording(box(0, 255, [10, 12, 3], 'uint8')).observations!(rgb)).toEqual({ width: 12, height: 10, channels: 3, png: encodePng(rgb, 12, 10).toString('base64') });
    const grey = stacked([10, 12]);
    expect(observationRecording(box(0, 255, [10, 12], 'uint8')).observations!(grey)).toEqual({ width: 12, height: 10, channels: 1, png: encodePng(grey, 12, 10, 1).toString('base64') });
    expect(observationRecording(box(0, 255, [10, 12, 1], 'uint8')).observations!(grey)!.png).toBe(encodePng(grey, 12, 10, 1).toString('base64'));

    const last = stacked([10, 12, 4]);
    const lastChannel = Uint8Array.from({ length: 120 }, (_v, p) => last[p * 4 + 3]!);
    expect(observationRecording(box(0, 255, [10, 12, 4], 'uint8')).observations!(last)!.png).toBe(encodePng(lastChannel, 12, 10, 1).toString('base64'));

    const first = stacked([4, 10, 12]);
    expect(observationRecording(box(0, 255, [4, 10, 12], 'uint8')).observations!(first)!.png).toBe(encodePng(first.subarray(360), 12, 10, 1).toString('base64'));
    const firstRgb = stacked([2, 10, 12, 3]);
    expect(observationRecording(box(0, 255, [2, 10, 12, 3], 'uint8')).observations!(firstRgb)!.png).toBe(encodePng(firstRgb.subarray(360), 12, 10).toString('base64'));
  });

  it('records short vectors as numbers, and nothing for other spaces', () => {
    expect(observationRecording(box(-1, 1, [3])).features!(Float32Array.from([0.123456, -2, 1e-20]))).toEqual([0.1235, -2, 1e-20]);
    expect(observationRecording(box(-1, 1, [MAX_FEATURES + 1]))).toEqual({});
    expect(observationRecording(box(0, 1, [10, 12, 3]))).toEqual({}); // float images are not pictures
    expect(observationRecording(box(0, 255, [4, 4, 3], 'uint8'))).toEqual({}); // too small to be one
    expect(observationRecording(discrete(5))).toEqual({});
  });
});
