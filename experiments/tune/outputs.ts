// What a study writes for people: the trials table (trials.csv and
// trials.json: hyperparameters, status, objective, rung and steps used), the
// best trial as a ready-to-run experiment config (best.yaml), and the figure
// (tune.svg / tune.png: objective against trial number and against each
// hyperparameter).
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TopLevelSpec } from 'vega-lite';
import { stringify } from 'yaml';
import { FIGURE_STYLE, renderFigure } from '../figure.js';
import { writeFileAtomicSync } from '../../core/files.js';
import { writeJsonAtomic } from '../store.js';
import type { StudyConfig } from './config.js';
import { BEST_CONFIG, FIGURE_NAME, TRIALS_CSV, TRIALS_JSON } from './files.js';
import type { SearchSpace } from './space.js';


export type TrialStatus = 'running' | 'paused' | 'complete' | 'pruned' | 'failed';

/** A trial as the table shows it. */
export interface TrialRow {
  /** 0-based; its runs are `<study>/<name>/seed-<n>`. */
  readonly number: number;
  readonly name: string;
  readonly params: Readonly<Record<string, unknown>>;
  /** paused: waiting at a rung (ASHA) or between rungs; pruned once the study ends without taking it further. */
  readonly status: TrialStatus;
  /** The objective at the highest rung reached (null: none yet, or failed). */
  readonly objective: number | null;
  /** Index of the highest rung reached (-1: none), and its step budget. */
  readonly rung: number;
  readonly budget: number | null;
  /** Env steps its runs executed, summed over seeds. */
  readonly steps: number;
  readonly error?: string;
}

const csvField = (v: unknown): string => {
  const s = v === null || v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

export function trialsCsv(space: SearchSpace, rows: readonly TrialRow[]): string {
  const keys = Object.keys(space);
  const header = ['trial', 'status', 'objective', 'rung', 'budget', 'steps', ...keys, 'error'];
  const lines = rows.map((r) => [r.name, r.status, r.objective, r.rung, r.budget, r.steps, ...keys.map((k) => r.params[k]), r.error ?? ''].map(csvField).join(','));
  return `${[header.join(','), ...lines].join('\n')}\n`;
}

/** The best trial: the best objective among those that reached the highest rung any trial reached (complete ones, when there are). */
export function bestTrial(rows: readonly TrialRow[], direction: 'maximize' | 'minimize'): TrialRow | null {
  const scored = rows.filter((r) => r.objective !== null && r.status !== 'failed');
  if (scored.length === 0) return null;
  const top = Math.max(...scored.map((r) => r.rung));
  const sign = direction === 'maximize' ? -1 : 1;
  return scored.filter((r) => r.rung === top).reduce((best, r) => (sign * r.objective! < sign * best.objective! ? r : best));
}

/** The study's document with the best trial's hyperparameters fixed: an `arena run` config named `<study>-best`. */
export function bestConfigText(study: StudyConfig, best: TrialRow): string {
  const doc = structuredClone(study.document) as Record<string, unknown>;
  delete doc.tune;
  doc.name = `${String(doc.name)}-best`;
  const variant = (doc.variants as Record<string, unknown>[])[0]!;
  delete variant.search;
  variant.hyperparameters = { ...(variant.hyperparameters as Record<string, unknown> | undefined), ...best.params };
  const header = `# The best trial (${best.name}, objective ${best.objective}) of study ${String(study.document.name)}; run it with: arena run best.yaml\n`;
  return header + stringify(doc);
}

/** The figure: objective per trial (by status), and objective against each hyperparameter. */
export function studyFigureSpec(study: StudyConfig, rows: readonly TrialRow[]): TopLevelSpec {
  const scored = rows.filter((r) => r.objective !== null);
  const panel = { width: 200, height: 150 };
  const color = { field: 'status', type: 'nominal' as const, scale: { domain: ['complete', 'pruned', 'paused', 'running', 'failed'] } };
  const panels: unknown[] = [
    {
      ...panel,
      title: 'objective by trial',
      data: { values: scored.map((r) => ({ trial: r.number, objective: r.objective, status: r.status })) },
      mark: { type: 'point', filled: true },
      encoding: { x: { field: 'trial', type: 'quantitative', title: 'trial' }, y: { field: 'objective', type: 'quantitative', scale: { zero: false } }, color },
    },
  ];
  for (const [key, d] of Object.entries(study.space)) {
    const numeric = d.kind !== 'choice';
    panels.push({
      ...panel,
      title: key,
      data: { values: scored.map((r) => ({ value: numeric ? r.params[key] : JSON.stringify(r.params[key]), objective: r.objective, status: r.status })) },
      mark: { type: 'point', filled: true },
      encoding: {
        x: numeric ? { field: 'value', type: 'quantitative', title: key, scale: d.kind === 'loguniform' ? { type: 'log' } : { zero: false } } : { field: 'value', type: 'nominal', title: key, sort: d.values.map((v) => JSON.stringify(v)) },
        y: { field: 'objective', type: 'quantitative', scale: { zero: false } },
        color,
      },
    });
  }
  return { $schema: 'https://vega.github.io/schema/vega-lite/v5.json', config: FIGURE_STYLE.config, concat: panels, columns: 3 } as unknown as TopLevelSpec;
}

/** Writes trials.json and trials.csv (atomically) into the study directory. */
export async function writeTrialsTable(dir: string, study: StudyConfig, rows: readonly TrialRow[]): Promise<void> {
  await writeJsonAtomic(join(dir, TRIALS_JSON), { objective: study.tune.objective, rungs: study.rungs, trials: rows });
  writeFileAtomicSync(join(dir, TRIALS_CSV), trialsCsv(study.space, rows));
}

/** Writes best.yaml and the figure (when there is a best trial). */
export async function writeStudyResults(dir: string, study: StudyConfig, rows: readonly TrialRow[]): Promise<TrialRow | null> {
  const best = bestTrial(rows, study.tune.objective.direction);
  if (best) writeFileAtomicSync(join(dir, BEST_CONFIG), bestConfigText(study, best));
  if (rows.some((r) => r.objective !== null)) {
    const figure = await renderFigure(studyFigureSpec(study, rows));
    writeFileAtomicSync(join(dir, `${FIGURE_NAME}.svg`), figure.svg);
    await writeFile(join(dir, `${FIGURE_NAME}.png`), figure.png);
  }
  return best;
}
