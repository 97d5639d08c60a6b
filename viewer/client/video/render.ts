// Renders episode records into a video in the browser, with the replay's own
// drawing: every recorded frame (the start state and the state after each
// step) is shown by the env's scene on a Stage of exactly width x height
// pixels, copied onto a 2D canvas, captioned with the overlay's numbers
// (episode, frame, action, reward, return so far) and handed to the encoder
// before the next is drawn. One video frame per recorded frame: an episode of
// n steps gives n + 1 frames. Used by the replay page's "save video" button
// and by `arena eval --video` / `arena video` through headless Chromium.
import type { EpisodeRecord } from '../../../core/episode.js';
import { isMatchRecord } from '../player/match-hud.js';
import { frameTexts } from '../player/hud.js';
import { Stage } from '../player/stage.js';
import { createScene } from '../scenes/index.js';
import type { EnvScene } from '../scenes/index.js';
import type { FrameEncoder, VideoFormat, VideoSink } from './encoders.js';
import { gifEncoder, mp4Encoder } from './encoders.js';

export interface VideoSettings {
  readonly format: VideoFormat;
  readonly width: number;
  readonly height: number;
  readonly fps: number;
  /** Caption each frame with its numbers (default true). */
  readonly overlays?: boolean;
}

export interface VideoResult {
  readonly frames: number;
  readonly codec: string;
}

/** Renders `episodes` one after another into one video through `sink`; `progress` hears after each frame. */
export async function renderVideo(episodes: readonly EpisodeRecord[], settings: VideoSettings, sink: VideoSink, progress?: (done: number, total: number) => void): Promise<VideoResult> {
  const { width, height, fps } = settings;
  const total = episodes.reduce((n, e) => n + e.frames.length, 0);
  // The stage draws into a box of the video's size, kept out of sight but laid out (the stage sizes itself from it).
  const box = document.createElement('div');
  box.style.cssText = `position: fixed; left: -${width + 100}px; top: 0; width: ${width}px; height: ${height}px; pointer-events: none;`;
  document.body.append(box);
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d', { willReadFrequently: settings.format === 'gif' })!;
  const stage = new Stage(box, { exactPixels: true });
  let scene: EnvScene | null = null;
  try {
    const encoder: FrameEncoder = settings.format === 'gif' ? gifEncoder(width, height, fps, sink) : await mp4Encoder(width, height, fps, sink);
    let done = 0;
    for (const [e, episode] of episodes.entries()) {
      scene?.dispose();
      scene = createScene(episode);
      stage.setContent(scene);
      for (let i = 0; i < episode.frames.length; i++) {
        stage.show(episode.frames[i]!, i);
        stage.render();
        ctx.drawImage(stage.renderer.domElement, 0, 0, width, height);
        if (settings.overlays !== false) caption(ctx, episode, scene, i, episodes.length > 1 ? `episode ${e + 1} / ${episodes.length}` : null, height);
        await encoder.add(canvas, done);
        done += 1;
        progress?.(done, total);
      }
    }
    await encoder.finish();
    return { frames: done, codec: encoder.codec };
  } finally {
    // The stage disposes the scene it shows.
    stage.dispose();
    box.remove();
  }
}

/** The overlay's numbers in a box at the top left, sized to the video's height. */
function caption(ctx: CanvasRenderingContext2D, episode: EpisodeRecord, scene: EnvScene, index: number, title: string | null, height: number): void {
  const texts = frameTexts(episode, scene, index);
  const lines = [
    ...(title ? [title] : []),
    `frame ${texts.frame}`,
    // A match record's actions are per agent; its overlay (match-hud.ts) has room for them, a caption has not.
    ...(isMatchRecord(episode) ? [] : [`action ${texts.action}`, `reward ${texts.reward}`]),
    `return ${texts.return}`,
  ];
  const size = Math.max(10, Math.round(height / 26));
  const pad = Math.round(size / 2);
  ctx.font = `${size}px system-ui, sans-serif`;
  const boxWidth = Math.max(...lines.map((l) => ctx.measureText(l).width)) + 2 * pad;
  const lineHeight = Math.round(size * 1.3);
  ctx.fillStyle = 'rgba(255, 255, 255, 0.82)';
  ctx.fillRect(pad, pad, boxWidth, lines.length * lineHeight + pad);
  ctx.fillStyle = '#1f2933';
  ctx.textBaseline = 'top';
  lines.forEach((line, k) => ctx.fillText(line, 2 * pad, pad + Math.round(pad / 2) + k * lineHeight));
}
