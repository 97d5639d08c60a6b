// The learning-curve figure of `arena compare`: each variant's mean evaluation
// return over steps (or wall time) with its confidence band, as SVG and PNG.
// A vega-lite spec is compiled to vega, rendered headlessly to SVG by a vega
// View (no canvas or browser needed) and rasterized by resvg. The SVG is laid
// out at 650 x 400 px, i.e. 6.5 x 4 inches at 100 px per inch, so its 11 px
// labels print at about 8 pt in a paper column; the PNG is the same picture at
// 300 dpi.
import { Resvg } from '@resvg/resvg-js';
import * as vega from 'vega';
import * as vl from 'vega-lite';
import type { TopLevelSpec } from 'vega-lite';
import type { Comparison, CompareX } from './compare.js';

export interface FigureOptions {
  /** Must match the comparison's x (the curves are computed on it); names the axis. */
  readonly x: CompareX;
  readonly title?: string;
  /** A dashed horizontal rule: a return, true for the comparison's threshold (the default), false for none. */
  readonly thresholdLine?: number | boolean;
}

export interface Figure {
  readonly svg: string;
  readonly png: Uint8Array;
  /** The PNG's size in pixels. */
  readonly width: number;
  readonly height: number;
}

const WIDTH = 650;
const HEIGHT = 400;
const DPI = 300;
// Families a browser or resvg is likely to have, generic sans-serif last.
// Unquoted (valid CSS for multi-word names): resvg 2 does not match quoted ones.
const FONT = 'Helvetica, Arial, Liberation Sans, DejaVu Sans, sans-serif';

const ALL = 'all seeds';
const FEWER = 'fewer seeds';

interface Point {
  readonly variant: string;
  /** Stretches of a curve, numbered per variant, drawn as separate paths. */
  readonly part: number;
  readonly seeds: typeof ALL | typeof FEWER;
  readonly x: number;
  readonly mean: number;
  readonly low: number;
  readonly high: number;
}

/**
 * The plotted points of every variant, split into stretches where all its
 * evaluated seeds have a value and stretches where some have ended (a partial
 * or failed run, or on a wall-time axis the faster seeds). In the latter the
 * mean is over fewer seeds and jumps where one drops out, so it is drawn
 * dotted and without a band. A stretch starts at the last point of the one
 * before, so the line stays connected.
 */
function curvePoints(comparison: Comparison): Point[] {
  const points: Point[] = [];
  for (const v of comparison.variants) {
    let part = -1;
    let previous: Point | null = null;
    for (let g = 0; g < comparison.grid.length; g++) {
      const mean = v.curve.mean[g]!;
      if (Number.isNaN(mean)) {
        previous = null;
        continue;
      }
      const seeds = v.curve.seeds[g] === v.evaluated ? ALL : FEWER;
      if (seeds !== previous?.seeds) {
        part++;
        if (previous) points.push({ ...previous, part, seeds });
      }
      const point: Point = { variant: v.key, part, seeds, x: comparison.grid[g]!, mean, low: v.curve.low[g]!, high: v.curve.high[g]! };
      points.push(point);
      previous = point;
    }
  }
  return points;
}

/** The vega-lite spec of the figure (exported so it can be inspected or reused in a notebook). */
export function learningCurveSpec(comparison: Comparison, options: FigureOptions): TopLevelSpec {
  if (options.x !== comparison.x) throw new Error(`learningCurveFigure: the comparison's curves are over ${comparison.x}, not ${options.x}`);
  const points = curvePoints(comparison);
  const dashed = points.some((p) => p.seeds === FEWER);
  const threshold = options.thresholdLine === false ? null : typeof options.thresholdLine === 'number' ? options.thresholdLine : comparison.threshold;
  const pct = Math.round(comparison.confidence * 100);
  // Below the plot, so legends never cover a curve and leave the plot its full
  // width (vega, measuring text without a canvas, overestimates label widths).
  const legend = { orient: 'bottom' as const, direction: 'horizontal' as const, titleLimit: 300, labelLimit: 200, symbolType: 'stroke', symbolStrokeWidth: 3, symbolSize: 400 };
  const color = {
    field: 'variant',
    type: 'nominal' as const,
    // Keep the table's order rather than sorting names.
    scale: { domain: comparison.variants.map((v) => v.key) },
    legend: { ...legend, title: `variant (mean, ${pct}% CI)`, columns: comparison.variants.length <= 4 ? comparison.variants.length : 3, symbolOpacity: 1 },
  };
  const strokeDash = {
    field: 'seeds',
    type: 'nominal' as const,
    scale: { domain: [ALL, FEWER], range: [[1, 0], [2, 3]] },
    legend: { ...legend, title: 'mean over' },
  };
  const xField = { field: 'x', type: 'quantitative' as const, title: options.x === 'steps' ? 'environment steps' : 'wall time (s)', scale: { nice: false } };
  const layer: NonNullable<Extract<TopLevelSpec, { layer: unknown }>['layer']> = [
    {
      data: { values: points.filter((p) => p.seeds === ALL) },
      mark: { type: 'area', opacity: 0.2 },
      encoding: { x: xField, y: { field: 'low', type: 'quantitative', title: 'evaluation return' }, y2: { field: 'high' }, color, detail: { field: 'part' } },
    },
    {
      data: { values: points },
      mark: { type: 'line', strokeWidth: 2 },
      encoding: {
        x: xField,
        y: { field: 'mean', type: 'quantitative', title: 'evaluation return' },
        color,
        detail: { field: 'part' },
        ...(dashed ? { strokeDash } : {}),
      },
    },
  ];
  if (threshold !== null) {
    layer.push({
      data: { values: [{ threshold }] },
      mark: { type: 'rule', strokeDash: [6, 4], color: '#555', strokeWidth: 1.5 },
      encoding: { y: { field: 'threshold', type: 'quantitative' } },
    });
  }
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    ...(options.title ? { title: options.title } : {}),
    ...FIGURE_STYLE,
    autosize: { type: 'fit', contains: 'padding' },
    // More on the right: a tick label centred near the plot's right end (runs that stop just past a round number of steps)
    // reaches half its width beyond it, and vega's fit does not count it.
    padding: { left: 8, top: 8, bottom: 8, right: 32 },
    background: 'white',
    layer,
  };
}

/**
 * Renders the comparison's learning curves: per variant a line at the mean
 * over seeds and a translucent band for its bootstrap interval, one color per
 * variant, and a dashed gray rule at the threshold. Where some seeds have
 * ended the line goes on dotted, without a band (see curvePoints); where none
 * has a value it stops.
 */
export async function learningCurveFigure(comparison: Comparison, options: FigureOptions): Promise<Figure> {
  return renderFigure(learningCurveSpec(comparison, options));
}

/** The figures' common look (size, font, axes) for a vega-lite spec of other plots (e.g. bench/bandits.ts's curves). */
export const FIGURE_STYLE = {
  width: WIDTH,
  height: HEIGHT,
  config: {
    font: FONT,
    axis: { labelFontSize: 11, titleFontSize: 12, grid: true, gridOpacity: 0.5 },
    legend: { labelFontSize: 11, titleFontSize: 11 },
    title: { fontSize: 13 },
  },
} as const;

/** Renders a vega-lite spec headlessly to SVG, and to PNG at 300 dpi for the SVG's 650 px width. */
export async function renderFigure(spec: TopLevelSpec): Promise<Figure> {
  const compiled = vl.compile(spec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  let svg: string;
  try {
    svg = await view.toSVG();
  } finally {
    view.finalize();
  }
  const rendered = new Resvg(svg, {
    fitTo: { mode: 'width', value: Math.round((WIDTH / 100) * DPI) },
    font: { loadSystemFonts: true },
    background: 'white',
  }).render();
  return { svg, png: new Uint8Array(rendered.asPng()), width: rendered.width, height: rendered.height };
}
