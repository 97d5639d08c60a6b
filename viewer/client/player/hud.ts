// The overlay on a replay pane: frame, action, reward and return so far, and
// the agent's view of the state where the record has it: Q-values or action
// probabilities as bars (the chosen action highlighted; Q-values scaled from
// 0, so close values look close), and the critic's value over the whole
// episode as a small line with the current frame marked.
// A second panel on the right shows the observation itself when the record
// carries it as an image (picture-in-picture, e.g. CarRacing's 96x96 pixels,
// scaled up without smoothing) or as numbers (e.g. CarRacingFeatures' 22, a
// compact table labelled with the record's featureNames, else by index), and
// the scene's readouts from the render state (a car's speed, steering, gas
// and brake) as labelled bars.
import type { EpisodeRecord, Frame } from '../../../core/episode.js';
import { fmt, h, replace } from '../dom.js';
import type { EnvScene, Readout } from '../scenes/index.js';

const CHART_W = 220;
const CHART_H = 56;
/** Inner margin of the value chart, canvas pixels. */
const VALUE_PAD = 8;
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
  private readonly valueChart: ValueChart | null = null;
  private readonly hasProbs: boolean;
  private readonly hasQ: boolean;
  /** The right-hand panel (observation image, readouts), or null when the record and scene have neither. */
  readonly side: HTMLElement | null = null;
  private readonly pip: HTMLImageElement | null = null;
  private readonly pipNote = h('div', { class: 'muted small hud-pip-note' });
  private pipShown: string | null = null;
  private readonly readouts = h('div', { class: 'hud-readouts', 'data-testid': 'readouts' });
  /** The value cells of the features table, one per number (empty without features). */
  private readonly featureCells: HTMLElement[] = [];
  private readonly featureNote = h('div', { class: 'muted small hud-pip-note' });

  constructor(
    private readonly episode: EpisodeRecord,
    private readonly scene: EnvScene,
  ) {
    const frames = episode.frames;
    this.hasProbs = frames.some((f) => f.overlays?.probs);
    this.hasQ = frames.some((f) => f.overlays?.qValues);
    const values = frames.map((f) => (typeof f.overlays?.value === 'number' ? f.overlays.value : null));
    const rows = [
      h('div', {}, h('b', {}, 'frame '), this.frameText),
      h('div', {}, h('b', {}, 'action '), this.actionText),
      h('div', {}, h('b', {}, 'reward '), this.rewardText),
      h('div', {}, h('b', {}, 'return '), this.returnText),
    ];
    const diag: HTMLElement[] = [];
    if (this.hasQ) diag.push(h('div', { class: 'hud-title' }, 'Q-values'), this.qBars);
    if (this.hasProbs) diag.push(h('div', { class: 'hud-title' }, 'action probabilities'), this.probBars);
    if (values.some((v) => v !== null)) {
      this.valueChart = new ValueChart(values);
      diag.push(...this.valueChart.els);
    }
    this.el = h('div', { class: 'hud' }, h('div', { class: 'hud-box' }, ...rows), diag.length > 0 ? h('div', { class: 'hud-box hud-diag' }, ...diag) : null);

    const seen = frames.find((f) => f.observation)?.observation;
    const side: HTMLElement[] = [];
    if (seen) {
      const scale = PIP_SIZE / Math.max(seen.width, seen.height, 1);
      this.pip = h('img', { class: 'hud-pip', 'data-testid': 'pip', alt: 'observation', width: Math.round(seen.width * scale), height: Math.round(seen.height * scale) });
      side.push(h('div', { class: 'hud-title' }, `observation ${seen.width}×${seen.height}`), this.pip, this.pipNote);
    }
    const width = frames.find((f) => f.features)?.features?.length ?? 0;
    if (width > 0) {
      const names = episode.featureNames?.length === width ? episode.featureNames : undefined;
      const cells = Array.from({ length: width }, (_v, i) => {
        const value = h('span', { class: 'hud-feature-value' });
        this.featureCells.push(value);
        return [h('span', { class: 'hud-feature-label' }, names?.[i] ?? String(i)), value];
      });
      side.push(h('div', { class: 'hud-title' }, `observation (${width} numbers)`), h('div', { class: 'hud-features', 'data-testid': 'features' }, ...cells.flat()), this.featureNote);
    }
    if (scene.readouts) side.push(this.readouts);
    if (side.length > 0) this.side = h('div', { class: 'hud hud-side', 'data-testid': 'hud-side' }, h('div', { class: 'hud-box' }, ...side));
  }

  update(frame: Frame, index: number): void {
    const texts = frameTexts(this.episode, this.scene, index);
    this.frameText.textContent = texts.frame;
    this.actionText.textContent = texts.action;
    this.rewardText.textContent = texts.reward;
    this.returnText.textContent = texts.return;
    if (this.hasQ) this.drawBars(this.qBars, 'qValues', frame);
    if (this.hasProbs) this.drawBars(this.probBars, 'probs', frame);
    this.drawValue(index);
    this.showObservation(frame);
    this.showFeatures(frame);
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

  private showFeatures(frame: Frame): void {
    if (this.featureCells.length === 0) return;
    const values = frame.features;
    this.featureNote.textContent = values ? '' : 'none at this frame';
    this.featureCells.forEach((cell, i) => {
      const v = values?.[i];
      cell.textContent = typeof v === 'number' ? featureText(v) : '–';
    });
  }

  private drawReadouts(readouts: readonly Readout[]): void {
    drawReadouts(this.readouts, readouts);
  }

  private drawBars(el: HTMLElement, kind: 'probs' | 'qValues', frame: Frame): void {
    const values = kind === 'probs' ? frame.overlays?.probs : frame.overlays?.qValues;
    drawBars(el, kind, values, typeof frame.action === 'number' ? frame.action : -1, this.scene.actionNames);
  }

  private drawValue(index: number): void {
    this.valueChart?.draw(index);
  }
}

/** The overlay's text for frame `index` of a single-agent episode (the replay's overlay and a video's). */
export function frameTexts(episode: EpisodeRecord, scene: EnvScene, index: number): { frame: string; action: string; reward: string; return: string } {
  const frame = episode.frames[index]!;
  const last = episode.frames.length - 1;
  const end = index === last ? (episode.terminated ? ' (terminated)' : episode.truncated ? ' (truncated)' : '') : '';
  // The return so far: the last frame has no action of its own, so it shows the episode's.
  const ret = frame.return ?? (index === last ? episode.return : index > 0 ? episode.frames[index - 1]!.return : 0);
  return {
    frame: `${index} / ${last}`,
    action: frame.action === undefined ? `–${end}` : scene.actionLabel(frame.action),
    reward: frame.reward === undefined ? '–' : fmt(frame.reward),
    return: fmt(ret ?? 0),
  };
}

/** A feature's value to 3 decimals (so the columns line up and float noise reads as 0), larger magnitudes as fmt writes them. */
function featureText(v: number): string {
  if (!Number.isFinite(v) || Math.abs(v) >= 1000) return fmt(v);
  return (Math.abs(v) < 0.0005 ? 0 : v).toFixed(3).replace('-', '\u2212');
}

/**
 * Bars for Q-values or probabilities in `el`, the action `chosen` highlighted
 * (-1: none). The rows are built once per number of actions and then only
 * their widths, numbers and highlight change: this runs on every frame of
 * playback. Without values the element says so.
 */
export function drawBars(el: HTMLElement, kind: 'probs' | 'qValues', values: readonly number[] | undefined, chosen: number, names: readonly string[] | undefined): void {
  if (!values) {
    if (el.dataset.rows !== 'none') {
      replace(el, h('div', { class: 'muted small' }, 'none at this frame'));
      el.dataset.rows = 'none';
    }
    return;
  }
  const labels = names?.join('\u0000') ?? '';
  if (el.dataset.rows !== String(values.length) || el.dataset.labels !== labels) {
    replace(
      el,
      ...values.map((_v, a) =>
        h(
          'div',
          { class: 'hud-bar' },
          h('span', { class: 'hud-bar-label' }, names?.[a] ?? String(a)),
          h('span', { class: 'hud-bar-track' }, h('span', { class: 'hud-bar-fill' })),
          h('span', { class: 'hud-bar-value' }),
        ),
      ),
    );
    el.dataset.rows = String(values.length);
    el.dataset.labels = labels;
  }
  // Q-values: bars from 0 to the largest magnitude, so 76.49 and 76.51 look alike (as they are); negative ones in another
  // colour. Probabilities: from 0 to 1.
  let top = 0;
  if (kind === 'qValues') for (const v of values) if (Number.isFinite(v) && Math.abs(v) > top) top = Math.abs(v);
  for (let a = 0; a < values.length; a++) {
    const row = el.children[a] as HTMLElement;
    // A value JSON could not hold (an illegal move's -Infinity is written as null) shows as a dash with no bar.
    const v = values[a];
    const known = typeof v === 'number' && Number.isFinite(v);
    const frac = !known ? 0 : kind === 'probs' ? v : Math.abs(v) / (top || 1);
    row.classList.toggle('chosen', a === chosen);
    row.classList.toggle('negative', known && kind === 'qValues' && v < 0);
    (row.children[1]!.firstElementChild as HTMLElement).style.width = `${(Math.max(0, Math.min(1, frac)) * 100).toFixed(1)}%`;
    row.children[2]!.textContent = known ? fmt(v) : '–';
  }
}

/** The scene's readouts as labelled bars in `el`. */
export function drawReadouts(el: HTMLElement, readouts: readonly Readout[]): void {
  replace(
    el,
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

/**
 * The critic's value over the episode as a small line with the current frame
 * marked: the line is drawn once (it does not change) and copied with the
 * marker on each frame. `els` are its title and canvas.
 */
export class ValueChart {
  readonly els: readonly HTMLElement[];
  private readonly valueText = h('span', { class: 'hud-value-text' });
  private readonly valueCanvas: HTMLCanvasElement;

  constructor(
    private readonly values: readonly (number | null)[],
    title = 'critic value ',
  ) {
    this.valueCanvas = h('canvas', { class: 'hud-value', width: CHART_W * 2, height: CHART_H * 2 });
    this.els = [h('div', { class: 'hud-title hud-value-title' }, h('span', {}, title.trim()), this.valueText), this.valueCanvas];
  }

  /** The critic's value over the episode, drawn once (it does not change), for drawValue to copy. */
  private valueLine: HTMLCanvasElement | null = null;

  private valueX(i: number): number {
    const w = this.valueCanvas.width;
    return VALUE_PAD + ((w - 2 * VALUE_PAD) * i) / Math.max(1, this.values.length - 1);
  }

  private drawValueLine(): HTMLCanvasElement {
    const canvas = this.valueCanvas;
    const line = h('canvas', { width: canvas.width, height: canvas.height });
    const ctx = line.getContext('2d')!;
    const hgt = canvas.height;
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of this.values) {
      if (v === null) continue;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    const span = hi - lo || 1;
    const y = (v: number) => hgt - VALUE_PAD - ((hgt - 2 * VALUE_PAD) * (v - lo)) / span;
    ctx.strokeStyle = '#3366cc';
    ctx.lineWidth = 3;
    ctx.lineJoin = 'round';
    ctx.beginPath();
    // Per pixel column only its first, lowest, highest and last value, in time order: the same picture as
    // every point, and a 10,000-frame episode strokes some 1,700 segments instead of 10,000.
    const values = this.values;
    let pen = false;
    let run: number[] = [];
    const emit = (): void => {
      if (run.length === 0) return;
      let low = run[0]!;
      let high = run[0]!;
      for (const i of run) {
        if (values[i]! < values[low]!) low = i;
        if (values[i]! > values[high]!) high = i;
      }
      for (const i of [...new Set([run[0]!, low, high, run[run.length - 1]!])].sort((a, b) => a - b)) {
        if (pen) ctx.lineTo(this.valueX(i), y(values[i]!));
        else ctx.moveTo(this.valueX(i), y(values[i]!));
        pen = true;
      }
      run = [];
    };
    // Frames without a value (in a turn-based game, the opponent's moves) are stepped over: the line joins the values on
    // either side.
    values.forEach((v, i) => {
      if (v === null) return;
      if (run.length > 0 && Math.floor(this.valueX(i)) !== Math.floor(this.valueX(run[0]!))) emit();
      run.push(i);
    });
    emit();
    ctx.stroke();
    return line;
  }

  /** The value line with the current frame marked: a copy of the line drawn once, and the marker. */
  draw(index: number): void {
    const canvas = this.valueCanvas;
    this.valueLine ??= this.drawValueLine();
    const ctx = canvas.getContext('2d')!;
    const hgt = canvas.height;
    ctx.clearRect(0, 0, canvas.width, hgt);
    ctx.drawImage(this.valueLine, 0, 0);
    ctx.strokeStyle = '#e0622b';
    ctx.lineWidth = 2;
    ctx.beginPath();
    ctx.moveTo(this.valueX(index), VALUE_PAD / 2);
    ctx.lineTo(this.valueX(index), hgt - VALUE_PAD / 2);
    ctx.stroke();
    // A frame without a value shows the latest one before it, saying from which frame.
    let at = Math.min(index, this.values.length - 1);
    while (at >= 0 && (this.values[at] === null || this.values[at] === undefined)) at--;
    this.valueText.textContent = at < 0 ? '' : at === index ? `V = ${fmt(this.values[at]!)}` : `V = ${fmt(this.values[at]!)} (frame ${at})`;
  }
}
