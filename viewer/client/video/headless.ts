// The entry of the headless video renderer (bundled as video.js next to the
// app; viewer/video.ts loads it in headless Chromium and calls
// window.arenaVideoRender, which is `render`): it draws and
// encodes the episodes it is given and sends the bytes to Node through the
// function Node exposed on the page, as base64 (what crosses the DevTools
// protocol is text).
import type { EpisodeRecord } from '../../../core/episode.js';
import type { VideoResult, VideoSettings } from './render.js';
import { renderVideo } from './render.js';

declare global {
  interface Window {
    /** Exposed by viewer/video.ts: writes base64 `bytes` at `position` of the video file. */
    arenaVideoWrite?(bytes: string, position: number): Promise<void>;
    /** Exposed by viewer/video.ts: frames done so far, of total. */
    arenaVideoProgress?(done: number, total: number): Promise<void>;
    arenaVideoRender?: typeof render;
  }
}

function base64(bytes: Uint8Array): string {
  let text = '';
  // String.fromCharCode takes its arguments on the stack: a slice at a time.
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
}

export async function render(episodes: readonly EpisodeRecord[], settings: VideoSettings): Promise<VideoResult> {
  const write = window.arenaVideoWrite;
  if (!write) throw new Error('arenaVideoWrite is not exposed on this page');
  let lastReport = 0;
  return renderVideo(episodes, settings, { write: (bytes, position) => write(base64(bytes), position) }, (done, total) => {
    const now = performance.now();
    if (done === total || now - lastReport > 1000) {
      lastReport = now;
      void window.arenaVideoProgress?.(done, total);
    }
  });
}

window.arenaVideoRender = render;
