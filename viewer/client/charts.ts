// Line charts on uPlot: curves on one x array, each optionally with a shaded
// band (a confidence interval, or min-max of a downsampled bucket) and thin
// companion lines (single seeds), a dashed continuation where a mean is over
// fewer seeds, and ticks along the bottom where the data was measured. uPlot's
// cursor and legend show the values under the mouse; band edges and companions
// stay out of the legend so it lists one row per curve, whose value reads
// "mean [low, high] · seeds/all".
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { fmt } from './dom.js';

export type Values = readonly (number | null)[];

export interface ChartSeries {
  readonly label: string;
  readonly color: string;
  readonly values: Values;
  readonly band?: { readonly low: Values; readonly high: Values };
  /** Thin lines drawn under the series in its colour (e.g. one per seed), not in the legend. */
  readonly companions?: readonly { readonly label: string; readonly values: Values }[];
  /**
   * The series where it is a mean over fewer seeds than `values` (some have ended): drawn dashed, without a band, joined
   * to the solid part. `values` is null there. The legend reads from whichever of the two has a value.
   */
  readonly partial?: Values;
  /** Per point, how many seeds the value averages, shown in the legend under the cursor (`of` in all). */
  readonly counts?: { readonly per: readonly number[]; readonly of: number };
  /** x values to mark with short ticks along the bottom of the plot (where evaluations were). */
  readonly rug?: readonly number[];
  /** Draws straight across null values (series logged at some x of a shared x array only). */
  readonly spanGaps?: boolean;
  readonly width?: number;
}

export interface ChartOptions {
  readonly x: readonly number[];
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly ChartSeries[];
  /** asinh y scale: logarithmic for large |y|, linear near 0, so negative returns work too. */
  readonly logY?: boolean;
  readonly height?: number;
  /** A horizontal reference line (a solved threshold). */
  readonly threshold?: number | null;
  readonly title?: string;
}

/** Colours that stay apart for the first ten variants. */
export const PALETTE = ['#3366cc', '#e0622b', '#2e9e5b', '#a845b8', '#c9a100', '#1f9fb4', '#d6336c', '#6b7a8f', '#8c564b', '#17becf'];

export function withAlpha(color: string, alpha: number): string {
  const n = parseInt(color.slice(1), 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}

/** A uPlot chart in `container`, sized to its width and resized with the window. */
export class LineChart {
  private readonly plot: uPlot;
  private readonly onResize = () => this.fit();

  constructor(
    private readonly container: HTMLElement,
    options: ChartOptions,
  ) {
    const data: (number | null)[][] = [[...options.x]];
    const series: uPlot.Series[] = [{ label: options.xLabel, value: (_u, v) => (v === null ? '–' : fmt(v)) }];
    const bands: uPlot.Band[] = [];
    const hidden = 'legend-hidden';
    for (const s of options.series) {
      for (const c of s.companions ?? []) {
        data.push([...c.values]);
        series.push({ label: c.label, stroke: withAlpha(s.color, 0.45), width: 1, class: hidden, spanGaps: false, points: { show: false } });
      }
      data.push([...s.values]);
      const mainIdx = data.length - 1;
      const band = s.band;
      const partial = s.partial;
      const counts = s.counts;
      series.push({
        label: s.label,
        stroke: s.color,
        width: s.width ?? 2,
        points: { show: false },
        spanGaps: s.spanGaps ?? false,
        value: (_u, v, _si, idx) => {
          const at = idx === null ? null : (v ?? partial?.[idx] ?? null);
          if (at === null || idx === null) return '–';
          const n = counts ? ` · ${counts.per[idx]}/${counts.of} seeds` : '';
          if (!band || v === null || v === undefined) return `${fmt(at)}${n}`;
          return `${fmt(v)} [${fmt(band.low[idx])}, ${fmt(band.high[idx])}]${n}`;
        },
      });
      if (band) {
        data.push([...band.high], [...band.low]);
        series.push({ label: `${s.label} high`, stroke: 'transparent', class: hidden, points: { show: false } });
        series.push({ label: `${s.label} low`, stroke: 'transparent', class: hidden, points: { show: false } });
        bands.push({ series: [mainIdx + 1, mainIdx + 2], fill: withAlpha(s.color, 0.16) });
      }
      if (partial) {
        data.push([...partial]);
        series.push({ label: `${s.label} (fewer seeds)`, stroke: s.color, width: s.width ?? 2, dash: [3, 4], class: hidden, points: { show: false } });
      }
    }
    const rugs = options.series.filter((s) => s.rug && s.rug.length > 0);
    if (options.threshold !== null && options.threshold !== undefined) {
      data.push(options.x.map(() => options.threshold!));
      series.push({ label: 'threshold', stroke: '#888', dash: [6, 4], width: 1, points: { show: false }, value: () => fmt(options.threshold) });
    }
    const opts: uPlot.Options = {
      width: this.width(),
      height: options.height ?? 320,
      ...(options.title ? { title: options.title } : {}),
      scales: { x: { time: false }, y: options.logY ? { distr: 4, asinh: 1 } : {} },
      axes: [
        { label: options.xLabel, values: (_u, ticks) => ticks.map((t) => fmtAxis(t)) },
        { label: options.yLabel, values: (_u, ticks) => ticks.map((t) => fmtAxis(t)), size: 60 },
      ],
      series,
      bands,
      cursor: { drag: { x: true, y: false } },
      legend: { live: true },
      hooks: rugs.length > 0 ? { draw: [(u) => drawRugs(u, rugs)] } : {},
    };
    this.plot = new uPlot(opts, data as uPlot.AlignedData, container);
    window.addEventListener('resize', this.onResize);
  }

  private width(): number {
    return Math.max(280, this.container.clientWidth || 600);
  }

  fit(): void {
    this.plot.setSize({ width: this.width(), height: this.plot.height });
  }

  destroy(): void {
    window.removeEventListener('resize', this.onResize);
    this.plot.destroy();
  }
}

/** Short ticks along the bottom of the plot at each series' rug x values, in its colour, one row per series. */
function drawRugs(u: uPlot, rugs: readonly ChartSeries[]): void {
  const ctx = u.ctx;
  const { left, top, width, height } = u.bbox;
  const px = devicePixelRatio || 1;
  ctx.save();
  ctx.lineWidth = Math.max(1, px);
  rugs.forEach((s, row) => {
    ctx.strokeStyle = s.color;
    ctx.beginPath();
    const y1 = top + height - row * 7 * px;
    for (const x of s.rug!) {
      const cx = u.valToPos(x, 'x', true);
      if (cx < left - 0.5 || cx > left + width + 0.5) continue;
      ctx.moveTo(cx, y1);
      ctx.lineTo(cx, y1 - 5 * px);
    }
    ctx.stroke();
  });
  ctx.restore();
}

/** Axis tick labels; uPlot hands a null for ticks it leaves unlabelled (the asinh scale does). */
function fmtAxis(v: number | null): string {
  if (v === null || !Number.isFinite(v)) return '';
  const a = Math.abs(v);
  if (a >= 1e6) return `${+(v / 1e6).toFixed(2)}M`;
  if (a >= 1e4) return `${+(v / 1e3).toFixed(1)}k`;
  return String(+v.toPrecision(4));
}
