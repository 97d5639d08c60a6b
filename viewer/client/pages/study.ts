// A tuning study's trials on its experiment page: one row per trial with its
// status, objective (at the highest rung it reached), steps and sampled
// hyperparameters, sortable by any column (a click on a header; again to
// reverse), each trial linking to its seed runs.
import type { RunSummary, StudyTable } from '../../api-types.js';
import { fmt, fmtSteps, h, replace, statusBadge } from '../dom.js';
import { runHref } from '../routes.js';
import type { TrialSort } from './trial-sort.js';
import { sortTrials } from './trial-sort.js';

const showValue = (v: unknown): string => (typeof v === 'number' ? (Number.isInteger(v) ? String(v) : fmt(v)) : JSON.stringify(v));

/** Fills `box` with the trials table, re-drawing it on a header click; `sort` is kept across refreshes by the caller. */
export function drawTrials(box: HTMLElement, study: StudyTable, runs: readonly RunSummary[], sort: { current: TrialSort }): void {
  const keys = [...new Set(study.trials.flatMap((t) => Object.keys(t.params)))];
  const header = (label: string, key: string, numeric = false) =>
    h(
      'th',
      {
        class: `sortable${numeric ? ' num' : ''}`,
        'data-testid': `sort-${key}`,
        onclick: () => {
          sort.current = { key, descending: sort.current.key === key ? !sort.current.descending : key === 'objective' ? study.objective.direction === 'maximize' : false };
          drawTrials(box, study, runs, sort);
        },
      },
      label + (sort.current.key === key ? (sort.current.descending ? ' ▼' : ' ▲') : ''),
    );
  const o = study.objective;
  replace(
    box,
    h('p', { class: 'muted small' }, `${study.trials.length} trials; objective: ${o.metric} (${o.aggregate} over seeds, ${o.direction}d) at the highest rung each reached; rungs at ${study.rungs.map(fmtSteps).join(', ')} steps.`),
    h(
      'div',
      { class: 'scroll-x' },
      h(
        'table',
        { class: 'table', 'data-testid': 'trials-table' },
        h('thead', {}, h('tr', {}, header('trial', 'trial'), header('status', 'status'), header('objective', 'objective', true), header('steps', 'steps', true), ...keys.map((k) => header(k, `param:${k}`)), h('th', {}, 'runs'))),
        h(
          'tbody',
          {},
          ...sortTrials(study.trials, sort.current).map((t) =>
            h(
              'tr',
              { 'data-testid': `trial-${t.name}` },
              h('td', {}, t.name),
              h('td', {}, statusBadge(t.status), t.error ? h('div', { class: 'error small' }, t.error) : null),
              h('td', { class: 'num' }, fmt(t.objective), t.budget !== null ? h('span', { class: 'muted small' }, ` @ ${fmtSteps(t.budget)}`) : null),
              h('td', { class: 'num' }, fmtSteps(t.steps)),
              ...keys.map((k) => h('td', { class: 'mono' }, t.params[k] === undefined ? '' : showValue(t.params[k]))),
              h('td', {}, ...runs.filter((r) => r.variant === t.name && r.status !== 'pending').map((r) => h('a', { href: runHref(r), class: 'small' }, `${r.seed} `))),
            ),
          ),
        ),
      ),
    ),
  );
}
