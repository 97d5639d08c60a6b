// The order of a tuning study's trials table (study.ts): by any column, best
// first by default. No DOM here, so tests run it in Node.
import type { StudyTable, StudyTrial } from '../../api-types.js';

/** A sort column: 'trial', 'status', 'objective', 'steps', or `param:<key>`. */
export type TrialSort = { readonly key: string; readonly descending: boolean };

/** A column's value of a trial, for sorting: numbers as numbers, anything else as its JSON. */
function sortValue(t: StudyTrial, key: string): number | string | null {
  if (key === 'trial') return t.number;
  if (key === 'status') return t.status;
  if (key === 'objective') return t.objective;
  if (key === 'steps') return t.steps;
  const v = t.params[key.slice('param:'.length)];
  return v === undefined ? null : typeof v === 'number' ? v : JSON.stringify(v);
}

/** The trials sorted by `sort`; missing values (no objective yet) last either way, ties by trial number. */
export function sortTrials(trials: readonly StudyTrial[], sort: TrialSort): StudyTrial[] {
  const sign = sort.descending ? -1 : 1;
  return [...trials].sort((a, b) => {
    const x = sortValue(a, sort.key);
    const y = sortValue(b, sort.key);
    if (x === null || y === null) return x === y ? a.number - b.number : x === null ? 1 : -1;
    const c = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
    return c !== 0 ? sign * c : a.number - b.number;
  });
}

/** The best-first order: objective by its direction. */
export function defaultTrialSort(study: StudyTable): TrialSort {
  return { key: 'objective', descending: study.objective.direction === 'maximize' };
}
