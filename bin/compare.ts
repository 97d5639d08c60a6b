// `arena compare <paths...>`: loads experiment or run directories, prints the
// comparison table, optionally writes CSV/JSON, and saves the learning-curve
// figure (curves.svg, curves.png). The work is in experiments/compare.ts and
// experiments/figure.ts; this decides where output goes.
import { writeFile } from 'node:fs/promises';
import { ensureDir } from '../core/files.js';
import { join, resolve } from 'node:path';
import { compareRuns } from '../experiments/compare.js';
import { findRunDirs, loadRuns } from '../experiments/load-runs.js';
import { formatTable, toCsv, toJson } from '../experiments/comparison-format.js';
import type { CompareX } from '../experiments/compare.js';

export interface CompareCommandOptions {
  /** A file to write the CSV to, or true for stdout. */
  csv?: string | boolean;
  /** A file to write the JSON to, or true for stdout. */
  json?: string | boolean;
  /** Directory for curves.svg and curves.png (default: the experiment directory when one was given, else the current directory). */
  out?: string;
  x?: CompareX;
  /** Centered moving-average window over evaluations, for the figure. */
  smoothing?: number;
  threshold?: number;
  /** false skips the figure (--no-figure). */
  figure?: boolean;
}

export interface CompareIo {
  /** The table, or the CSV/JSON when they were asked for on stdout. */
  stdout: (s: string) => void;
  /** Where-written notes when stdout carries CSV or JSON (default: process.stderr), so they do not mix into the data. */
  stderr?: (s: string) => void;
}

export async function compareCommand(paths: string[], options: CompareCommandOptions, io: CompareIo): Promise<void> {
  const x = options.x ?? 'steps';
  if (x !== 'steps' && x !== 'time') throw new Error(`compare: --x must be steps or time, got "${String(x)}"`);
  const runs = await loadRuns(paths);
  const comparison = compareRuns(runs, {
    x,
    ...(options.smoothing !== undefined ? { smoothing: options.smoothing } : {}),
    ...(options.threshold !== undefined ? { threshold: options.threshold } : {}),
  });
  // With CSV or JSON on stdout, stdout is data only; the table and notes go to stderr.
  const dataOnStdout = options.csv === true || options.json === true;
  const notes = dataOnStdout ? (io.stderr ?? ((s: string) => void process.stderr.write(s))) : io.stdout;
  notes(formatTable(comparison));

  const outputs: [string | boolean | undefined, string, string][] = [
    [options.csv, toCsv(comparison), 'CSV'],
    [options.json, toJson(comparison), 'JSON'],
  ];
  for (const [target, text, name] of outputs) {
    if (target === true) io.stdout(text);
    else if (typeof target === 'string') {
      await writeFile(target, text);
      notes(`wrote ${name} to ${target}\n`);
    }
  }

  if (options.figure === false) return;
  if (!comparison.variants.some((v) => v.evaluated > 0)) {
    notes('no evaluations yet: no figure\n');
    return;
  }
  let out = options.out;
  if (out === undefined) {
    const single = paths.length === 1 ? await findRunDirs(paths[0]!) : null;
    out = single?.kind === 'experiment' ? paths[0]! : '.';
  }
  // Loaded only when drawing: vega and resvg take a moment to import.
  const { learningCurveFigure } = await import('../experiments/figure.js');
  const figure = await learningCurveFigure(comparison, { x });
  await ensureDir(out);
  const svgPath = join(out, 'curves.svg');
  const pngPath = join(out, 'curves.png');
  await writeFile(svgPath, figure.svg);
  await writeFile(pngPath, figure.png);
  notes(`wrote ${resolve(svgPath)} and ${resolve(pngPath)} (${figure.width} x ${figure.height} px)\n`);
}
