// The experiment page's downloads: `arena compare`'s outputs for the curves
// as the page shows them (x axis and smoothing), made by the same functions
// the command uses, so a download is the file the command writes: the
// vega-lite learning-curve figure as SVG or 300 dpi PNG (experiments/figure.ts),
// the per-variant table as CSV and the whole comparison as JSON
// (experiments/compare.ts).
import type { CompareX } from '../experiments/compare.js';
import { toCsv, toJson } from '../experiments/comparison-format.js';
import { learningCurveFigure } from '../experiments/figure.js';
import type { Catalog, ExperimentEntry } from './catalog.js';
import { HttpError } from './catalog.js';
import { loadComparison } from './data.js';

/** A file answer: its media type, a name to save it under, and its bytes. */
export class Download {
  constructor(
    readonly type: string,
    readonly filename: string,
    readonly body: string | Uint8Array,
  ) {}
}

/** The files offered, by the name the route ends in. */
export const DOWNLOAD_FILES = ['curves.svg', 'curves.png', 'table.csv', 'comparison.json'] as const;
export type DownloadFile = (typeof DOWNLOAD_FILES)[number];

/** GET /api/experiments/:experiment/<file>?x=steps|time&smoothing=n */
export async function getDownload(catalog: Catalog, e: ExperimentEntry, file: DownloadFile, options: { x: CompareX; smoothing: number }): Promise<Download> {
  const { comparison, problems } = await loadComparison(catalog, e, { ...options, points: 200 });
  const filename = `${e.name}-${file}`;
  if (file === 'table.csv') return new Download('text/csv; charset=utf-8', filename, toCsv(comparison));
  if (file === 'comparison.json') return new Download('application/json; charset=utf-8', filename, toJson({ ...comparison, problems: [...problems, ...comparison.problems] }));
  if (!comparison.variants.some((v) => v.evaluated > 0)) throw new HttpError(404, `${e.name} has no evaluations yet: no figure to draw`);
  const figure = await learningCurveFigure(comparison, { x: options.x, title: e.name });
  return file === 'curves.svg' ? new Download('image/svg+xml', filename, figure.svg) : new Download('image/png', filename, figure.png);
}
