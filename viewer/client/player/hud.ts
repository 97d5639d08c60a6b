// The overlay on a replay pane: frame, action, reward and return so far, and
// the agent's view of the state where the record has it: Q-values or action
// probabilities as bars (the chosen action highlighted), and the critic's
// value over the whole episode as a small line with the current frame marked.
// A second panel on the right shows the observation itself when the record
// carries it as an image (picture-in-picture, e.g. CarRacing's 96x96 pixels,
// scaled up without smoothing) and the scene's readouts from the render state
// (a car's speed, steering, gas and brake) as labelled bars.
import type { EpisodeRecord, Frame } from '../../../core/episode.js';
import { fmt, h, replace } from '../dom.js';
import type { EnvScene, Readout } from '../scenes/index.js';

const CHART_W = 220;
const CHART_H = 56;
/** On-screen size of the picture-in-picture's longer side (CSS pixels). */
const PIP_SIZE = 192;

export class Hud {
  readonly el: HTMLElement;
  private readonly frameText = h('span', { class: 'hud-frame' });
  private readonly actionText = h('span', { class: 'hud-action' });
  private readonly rewardText = h('span', { class: 'hud-reward' });
  private readonly returnText = h('span', { class: 'hud-return' });
  private readonly probBars = h('div', { class: 'hud-bars' });
  private readonly qBars = h('div', { class: 'hud-bars' });
  private readonly valueText = h('span', { class: 'hud-value-text' });
  private readonly valueCanvas: HTMLCanvasElement | null = null;
  private readonly values: (number | null)[];
  private readonly hasProbs: boolean;
  private readonly hasQ: boolean;
  /** The right-hand panel (observation image, readouts), or null when the record and scene have neither. */
  readonly side: HTMLElement | null = null;
  private readonly pip: HTMLImageElement | null = null;
  private readonly pipNote = h('div', { class: 'muted small hud-pip-note' });
  private pipShown: string | null = null;
  private readonly readouts = h('div', { class: 'hud-readouts', 'data-testid': 'readouts' });

  constructor(
    private readonly episode: EpisodeRecord,
    private readonly scene: EnvScene,
  ) {
    const frames = episode.frames;
    this.hasProbs = frames.some((f) => f.overlays?.probs);
    this.hasQ = frames.some((f) => f.overlays?.qValues);
    this.values = frames.map((f) => (typeof f.overlays?.value === 'number' ? f.overlays.value : null));
    const rows = [
      h('div', {}, h('b', {}, 'frame '), this.frameText),
      h('div', {}, h('b', {}, 'action '), this.actionText),
      h('div', {}, h('b', {}, 'reward '), this.rewardText),
      h('div', {}, h('b', {}, 'return '), this.returnText),
    ];
    const diag: HTMLElement[] = [];
    if (this.hasQ) diag.push(h('div', { class: 'hud-title' }, 'Q-values'), this.qBars);
    if (this.hasProbs) diag.push(h('div', { class: 'hud-title' }, 'action probabilities'), this.probBars);
    if (this.values.some((v) => v !== null)) {
      this.valueCanvas = h('canvas', { class: 'hud-value', width: CHART_W * 2, height: CHART_H * 2 });
      diag.push(h('div', { class: 'hud-title' }, 'critic value ', this.valueText), this.valueCanvas);
    }
    this.el = h('div', { class: 'hud' }, h('div', { class: 'hud-box' }, ...rows), diag.length > 0 ? h('div', { class: 'hud-box hud-diag' }, ...diag) : null);

    const seen = frames.find((f) => f.observation)?.observation;
    const side: HTMLElement[] = [];
    if (seen) {
      const scale = PIP_SIZE / Math.max(seen.width, seen.height, 1);
      this.pip = h('img', { class: 'hud-pip', 'data-testid': 'pip', alt: 'observation', width: Math.round(seen.width * scale), height: Math.round(seen.height * scale) });
      side.push(h('div', { class: 'hud-title' }, `observation ${seen.width}×${seen.height}`), this.pip, this.pipNote);
    }
    if (scene.readouts) side.push(this.readouts);
    if (side.length > 0) this.side = h('div', { class: 'hud hud-side', 'data-testid': 'hud-side' }, h('div', { class: 'hud-box' }, ...side));
  }

  update(frame: Frame, index: number): void {
    const last = this.episode.frames.length - 1;
    this.frameText.textContent = `${index} / ${last}`;
    const end = index === last ? (this.episode.terminated ? ' (terminated)' : this.episode.truncated ? ' (truncated)' : '') : '';
    this.actionText.textContent = frame.action === undefined ? `–${end}` : this.scene.actionLabel(frame.action);
    this.rewardText.textContent = frame.reward === undefined ? '–' : fmt(frame.reward);
    // The return so far: the last frame has no action of its own, so it shows the episode's.
    const ret = frame.return ?? (index === last ? this.episode.return : index > 0 ? this.episode.frames[index - 1]!.return : 0);
    this.returnText.textContent = fmt(ret ?? 0);
    if (this.hasQ) this.drawBars(this.qBars, 'qValues', frame);
    if (this.hasProbs) this.drawBars(this.probBars, 'probs', frame);
    this.drawValue(index);
    this.showObservation(frame);
    if (this.scene.readouts) this.drawReadouts(this.scene.readouts(frame));
  }

  private showObservation(frame: Frame): void {
    if (!this.pip) return;
    const png = frame.observation?.png ?? null;
    this.pip.classList.toggle('missing', png === null);
    this.pipNote.textContent = png === null ? 'none at this frame' : '';
    if (png === null || png === this.pipShown) return;
    this.pipShown = png;
    this.pip.src = `data:image/png;base64,${png}`;
  }

  private drawReadouts(readouts: readonly Readout[]): void {
    replace(
      this.readouts,
      ...readouts.map((r) => {
        let bar: HTMLElement | null = null;
        if (r.bar !== undefined && Number.isFinite(r.bar)) {
          const v = Math.max(r.signed ? -1 : 0, Math.min(1, r.bar));
          // Signed bars grow from the middle: left for negative, right for positive.
          const style = r.signed ? `left:${(50 + Math.min(0, v) * 50).toFixed(1)}%;width:${(Math.abs(v) * 50).toFixed(1)}%` : `width:${(v * 100).toFixed(1)}%`;
          bar = h('span', { class: `hud-bar-track${r.signed ? ' signed' : ''}` }, h('span', { class: 'hud-bar-fill', style }));
        }
        return h('div', { class: 'hud-readout' }, h('span', { class: 'hud-bar-label' }, r.label), bar ?? h('span', {}), h('span', { class: 'hud-bar-value' }, r.text));
      }),
    );
  }

  private drawBars(el: HTMLElement, kind: 'probs' | 'qValues', frame: Frame): void {
    const values = kind === 'probs' ? frame.overlays?.probs : frame.overlays?.qValues;
    if (!values) {
      replace(el, h('div', { class: 'muted small' }, 'none at this frame'));
      return;
    }
    const chosen = typeof frame.action === 'number' ? frame.action : -1;
    const lo = kind === 'probs' ? 0 : Math.min(...values);
    const hi = kind === 'probs' ? 1 : Math.max(...values);
    const span = hi - lo || 1;
    const names = this.scene.actionNames;
    replace(
      el,
      ...values.map((v, a) => {
        // Q-values fill from the smallest (a sliver) to the largest (full); probabilities from 0 to 1.
        const frac = kind === 'probs' ? v : 0.08 + (0.92 * (v - lo)) / span;
        return h(
          'div',
          { class: `hud-bar${a === chosen ? ' chosen' : ''}` },
          h('span', { class: 'hud-bar-label' }, names?.[a] ?? String(a)),
          h('span', { class: 'hud-bar-track' }, h('span', { class: 'hud-bar-fill', style: `width:${(Math.max(0, Math.min(1, frac)) * 100).toFixed(1)}%` })),
          h('span', { class: 'hud-bar-value' }, fmt(v)),
        );
      }),
    );
  }

  private drawValue(index: number): void {
    const canvas = this.valueCanvas;
    if (!canvas) return;
    const ctx = canvas.getContext('2d')!;
    const w = canvas.width;
    const hgt = canvas.height;
    const pad = 8;
    ctx.clearRect(0, 0, w, hgt);
    const vs = this.values.filter((v): v is number => v !== null);
    const lo = Math.min(...vs);
    const hi = Math.max(...vs);
    const span = hi - lo || 1;
    const n = this.values.length;
    const x = (i: number) => pad + ((w - 2 * pad) * i) / Math.max(1, n - 1);
    const y = (v: number) => hgt - pad - ((hgt - 2 * pad) * (v - lo)) / span;
    ctx.strokeStyle = '#3366cc';
    ctx.lineWidth = 3;
    ctx.beginPath();
    let pen = false;
    this.values.forEach((v, i) => {
      if (v === null) {
        pen = false;
        return;
      }
      if (pen) ctx.lineTo(x(i), y(v));
      else ctx.moveTo(x(i), y(v));
      pen = true;
    });
    ctx.stroke();
    ctx.strokeStyle = '#e0622b';
    ctx.lineWidth = 2;
    ctx.beginPath();
    ctx.moveTo(x(index), pad / 2);
    ctx.lineTo(x(index), hgt - pad / 2);
    ctx.stroke();
    const v = this.values[index];
    this.valueText.textContent = v === null || v === undefined ? '' : `V = ${fmt(v)}`;
  }
}
