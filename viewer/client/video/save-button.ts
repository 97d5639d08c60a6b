// The replay page's "save video" button: encodes the episode on show with
// renderVideo (the same drawing and encoders as `arena video`) at the size of
// the first pane's view, as MP4 where the browser can encode it (WebCodecs),
// else GIF, and downloads it. The button shows the progress and cancels
// nothing: a second click waits for the first.
import type { EpisodeRecord } from '../../../core/episode.js';
import { h } from '../dom.js';
import { mp4Codec } from './encoders.js';
import type { VideoFormat, VideoSink } from './encoders.js';
import { renderVideo } from './render.js';

/** The video's frame rate: the scene's own (its env's time step), within what a GIF can show (50 fps). */
const MAX_FPS = 50;
/** The video's longer side at most, in pixels; its sides are even (H.264 needs it). */
const MAX_SIDE = 1280;

/** An in-memory file that bytes are written into at positions (MP4's header is patched at the end). */
function memoryFile(): VideoSink & { bytes(): Uint8Array<ArrayBuffer> } {
  let buffer: Uint8Array<ArrayBuffer> = new Uint8Array(1 << 20);
  let size = 0;
  return {
    write(bytes, position) {
      const end = position + bytes.length;
      if (end > buffer.length) {
        const grown = new Uint8Array(Math.max(end, buffer.length * 2));
        grown.set(buffer.subarray(0, size));
        buffer = grown;
      }
      buffer.set(bytes, position);
      size = Math.max(size, end);
    },
    bytes: () => buffer.subarray(0, size),
  };
}

/** The video's size: the view's, scaled down to MAX_SIDE, even. */
export function videoSize(width: number, height: number): { width: number; height: number } {
  const scale = Math.min(1, MAX_SIDE / Math.max(width, height, 1));
  const even = (x: number): number => Math.max(16, 2 * Math.round((x * scale) / 2));
  return { width: even(width), height: even(height) };
}

/** The button; `view` gives the size to render at, `fps` the scene's frame rate, `name` the file's name without extension. */
export function saveVideoButton(episode: EpisodeRecord, view: () => { width: number; height: number }, fps: number, name: string): HTMLButtonElement {
  const button = h('button', { title: 'encode this episode as a video (MP4 where the browser can, else GIF) and download it', 'data-testid': 'save-video' }, 'save video');
  let busy = false;
  button.addEventListener('click', () => {
    if (busy) return;
    busy = true;
    void (async () => {
      try {
        const { width, height } = videoSize(view().width, view().height);
        const rate = Math.max(1, Math.min(MAX_FPS, Math.round(fps)));
        const format: VideoFormat = (await mp4Codec(width, height, rate)) ? 'mp4' : 'gif';
        const file = memoryFile();
        await renderVideo([episode], { format, width, height, fps: rate }, file, (done, total) => {
          button.textContent = `encoding ${Math.floor((100 * done) / total)}%`;
        });
        const url = URL.createObjectURL(new Blob([file.bytes()], { type: format === 'mp4' ? 'video/mp4' : 'image/gif' }));
        const link = h('a', { href: url, download: `${name}.${format}` });
        document.body.append(link);
        link.click();
        link.remove();
        setTimeout(() => URL.revokeObjectURL(url), 60_000);
        button.textContent = 'save video';
        button.dataset.saved = format;
      } catch (e) {
        button.textContent = 'save video (failed)';
        button.title = (e as Error).message;
      } finally {
        busy = false;
      }
    })();
  });
  return button;
}
