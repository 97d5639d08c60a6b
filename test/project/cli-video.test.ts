// `arena eval --video` and `arena video` (the built CLI in a child process;
// npm run build first): eval renders the evaluation's episodes (one by default,
// --episodes N for more) and says where the file went; `arena video` renders
// episode files or a run directory's newest recording; bad flags and sources
// fail at once with what is wrong, before anything is played, and write nothing.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeInChromium } from '../viewer/browser-session.js';
import { playEpisode, writeFixtureRun } from '../viewer/fixtures.js';
import { readGif, readMp4 } from '../viewer/video-files.js';
import { tempDirs } from '../helpers/temp-dirs.js';

const cli = new URL('../../dist/bin/arena.js', import.meta.url).pathname;
const tempDir = tempDirs('cli-video');

function arena(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd, encoding: 'utf8', timeout: 150_000 });
  return { status: r.status, out: r.stdout + r.stderr };
}

/** A FrozenLake agent that walks the non-slippery lake to the goal in 6 steps. */
function trainLake(dir: string): void {
  const trained = arena(['train', 'q-learning', '--env', 'FrozenLake-v1', '--env-kwargs', '{"isSlippery": false}', '--steps', '5000', '--save', 'fl', '--eval-episodes', '1'], dir);
  expect(trained.status, trained.out).toBe(0);
}

describe('video flags', () => {
  it('an unknown extension, a bad size or frame rate, or a missing source fails before anything runs, and writes nothing', () => {
    const dir = tempDir();
    const ext = arena(['eval', 'nowhere', '--video', 'out.avi'], dir);
    expect(ext.status).toBe(1);
    expect(ext.out).toMatch(/out\.avi: unknown video extension \.avi; videos are written as \.gif: GIF .*; \.mp4: MP4 \(H\.264, else VP9/);
    expect(arena(['video', 'missing.json', '--out', 'x.gif'], dir).out).toContain('missing.json does not exist; give episode files');
    // The settings are checked before the sources are read.
    expect(arena(['video', 'missing.json', '--out', 'x.gif', '--fps', '100'], dir).out).toContain('--fps must be a whole number from 1 to 50 for a GIF');
    writeFileSync(join(dir, 'torn.json'), '{"format": "arena.episode/1", "frames": [');
    expect(arena(['video', 'torn.json', '--out', 'x.gif'], dir).out).toMatch(/torn\.json is not valid JSON/);
    expect(readdirSync(dir)).toEqual(['torn.json']);
  }, 180_000);
});

describeInChromium('videos from the command line', () => {
  it('arena eval --video renders the evaluation episodes of a saved agent, one frame per recorded frame', () => {
    const dir = tempDir();
    trainLake(dir);
    const r = arena(['eval', 'fl', '--video', 'lake.gif', '--episodes', '2', '--width', '160', '--height', '120', '--no-overlays'], dir);
    expect(r.status, r.out).toBe(0);
    expect(r.out).toContain('2 deterministic episodes on FrozenLake-v1');
    expect(r.out).toContain('  video episode 1: reset seed 0, return 1, 6 steps\n  video episode 2: reset seed 1, return 1, 6 steps');
    // Two 6-step walks: 7 frames each.
    expect(r.out).toMatch(/wrote lake\.gif: 2 episode\(s\), 14 frames at 160x120, 30 fps \(0\.5 s of video, gif\), [\d.]+ MB in [\d.]+ s/);
    const gif = readGif(new Uint8Array(readFileSync(join(dir, 'lake.gif'))));
    expect(gif.frames.length).toBe(14);
    // The agent moves every step and the second episode starts where the first did not end.
    for (let i = 1; i < 14; i++) expect(Buffer.compare(gif.frames[i - 1]!.rgb, gif.frames[i]!.rgb), `frame ${i}`).not.toBe(0);
    // Both episodes are the same deterministic walk.
    for (let i = 0; i < 7; i++) expect(Buffer.compare(gif.frames[i]!.rgb, gif.frames[i + 7]!.rgb), `frame ${i}`).toBe(0);
  }, 240_000);

  it('arena video renders a run directory\'s newest recording, or episode files, as MP4', () => {
    const dir = tempDir();
    const early = playEpisode('CartPole-v1', {}, 1, 0, { variant: 'ppo', runSeed: 0, step: 0 });
    const late = playEpisode('CartPole-v1', {}, 2, 0.3, { variant: 'ppo', runSeed: 0, step: 20_000 });
    const run = writeFixtureRun(join(dir, 'runs'), {
      experiment: 'cp',
      variant: 'ppo',
      seed: 0,
      env: 'CartPole-v1',
      curve: () => 0,
      episodes: [
        { step: 20_000, record: late },
        { step: 0, record: early },
      ],
    });
    const r = arena(['video', run, '--out', 'late.mp4', '--width', '320', '--height', '200'], dir);
    expect(r.status, r.out).toBe(0);
    expect(r.out).toContain(`step-0000020000-0.json: CartPole-v1, reset seed 2, return ${late.return} in ${late.length} steps`);
    expect(r.out).toMatch(new RegExp(`wrote late\\.mp4: 1 episode\\(s\\), ${late.frames.length} frames at 320x200, 30 fps \\([\\d.]+ s of video, (avc1|vp09)`));
    expect(readMp4(new Uint8Array(readFileSync(join(dir, 'late.mp4'))))).toMatchObject({ samples: late.frames.length });
    const files = arena(['video', join(run, 'episodes', 'step-0000000000-0.json'), join(run, 'episodes', 'step-0000020000-0.json'), '--out', 'both.gif', '--width', '64', '--height', '48'], dir);
    expect(files.status, files.out).toBe(0);
    expect(readGif(new Uint8Array(readFileSync(join(dir, 'both.gif')))).frames.length).toBe(early.frames.length + late.frames.length);
  }, 240_000);
});
