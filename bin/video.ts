// Videos from the command line: `arena video <episode files | run dirs>` (recordings
// already on disk) and the `--video` of `arena eval` (episodes played now): reads or
// receives the episode records, checks the video flags before any work, has
// viewer/video.ts render and encode them, and prints where the file went and what
// it holds.
import { stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { EpisodeRecord } from '../core/episode.js';
import { validateEpisodeRecord } from '../core/episode.js';
import { EPISODE_INDEX_FILE, EPISODES_DIR, readJson, readJsonl } from '../experiments/store.js';
import type { EpisodeIndexLine } from '../experiments/types.js';
import { checkVideoSettings, videoFormat, writeVideo } from '../viewer/video.js';

export interface VideoFlags {
  /** The output file; its extension (.gif, .mp4) gives the format. */
  readonly video: string;
  readonly width: number;
  readonly height: number;
  readonly fps: number;
  /** Commander's `--no-overlays`: false turns the captions off. */
  readonly overlays: boolean;
  readonly chromium?: string;
}

export const VIDEO_DEFAULTS = { width: 600, height: 400, fps: 30 } as const;

/** Checks the output's extension and the size and frame rate, before anything is played or read. */
export function checkVideoFlags(flags: VideoFlags): void {
  checkVideoSettings(videoFormat(flags.video), flags.width, flags.height, flags.fps);
}

/** Renders `episodes` into flags.video and prints a line saying where, what and how long it took. */
export async function saveVideo(episodes: readonly EpisodeRecord[], flags: VideoFlags, out: (line: string) => void): Promise<void> {
  let shown = -1;
  const result = await writeVideo(flags.video, episodes, {
    width: flags.width,
    height: flags.height,
    fps: flags.fps,
    overlays: flags.overlays,
    ...(flags.chromium !== undefined ? { chromium: flags.chromium } : {}),
    progress: (done, total) => {
      // A line per quarter at most, so a long video shows it is moving without flooding a log.
      const quarter = Math.floor((4 * done) / total);
      if (quarter > shown && done < total) {
        shown = quarter;
        out(`  rendering: ${done} of ${total} frames`);
      }
    },
  });
  const where = relative(process.cwd(), result.path) || result.path;
  const mb = (result.bytes / 1_048_576).toFixed(2);
  out(
    `wrote ${where}: ${episodes.length} episode(s), ${result.frames} frames at ${flags.width}x${flags.height}, ${flags.fps} fps (${(result.frames / flags.fps).toFixed(1)} s of video, ${result.codec}), ${mb} MB in ${result.seconds.toFixed(1)} s`,
  );
}

/** An episode file, parsed and checked, with its path in every error. */
async function readEpisodeFile(path: string): Promise<EpisodeRecord> {
  const value = await readJson<unknown>(path);
  const problems = validateEpisodeRecord(value);
  if (problems.length > 0) throw new Error(`${path} is not a usable episode record: ${problems.join('; ')}`);
  return value as EpisodeRecord;
}

/** A run directory's newest recording (the highest training step in its episode index; the later line on a tie). */
async function latestRecording(runDir: string): Promise<string> {
  const index = join(runDir, EPISODES_DIR, EPISODE_INDEX_FILE);
  const { lines } = await readJsonl<EpisodeIndexLine>(index);
  const valid = lines.filter((l) => typeof l.file === 'string' && typeof l.step === 'number');
  if (valid.length === 0) throw new Error(`${runDir} has no recorded episodes (${index} lists none); record some with arena eval ${runDir} --record`);
  const latest = valid.reduce((a, b) => (b.step >= a.step ? b : a));
  return join(runDir, EPISODES_DIR, latest.file);
}

/**
 * `arena video <source...>`: each source is an episode file, or a run directory
 * standing for its newest recording; the episodes play one after another in one video.
 */
export async function videoCommand(sources: readonly string[], flags: VideoFlags, out: (line: string) => void): Promise<void> {
  checkVideoFlags(flags);
  const episodes: EpisodeRecord[] = [];
  for (const source of sources) {
    const info = await stat(source).catch(() => null);
    if (info === null) throw new Error(`${source} does not exist; give episode files (episodes/*.json of a run) or run directories`);
    const file = info.isDirectory() ? await latestRecording(source) : source;
    episodes.push(await readEpisodeFile(file));
    const e = episodes.at(-1)!;
    out(`${relative(process.cwd(), file) || file}: ${e.env.id}, reset seed ${e.seed}, return ${Number(e.return.toFixed(3))} in ${e.length} steps`);
  }
  await saveVideo(episodes, flags, out);
}
