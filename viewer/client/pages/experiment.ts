// An experiment's page: every variant's evaluation curve as the mean across
// seeds with a shaded 95% band (single seeds on demand; where some seeds have
// ended the mean goes on dashed, without a band, and the legend says how many
// seeds each point averages; ticks along the bottom mark the evaluations),
// the final returns per variant, the variants' hyperparameters side by side
// with their differences highlighted, downloads of the figure and the table
// (`arena compare`'s), a way to overlay the curves with another experiment's,
// and the runs with their status (filtered by status). Curves and runs
// refresh while the experiment is running; axis, smoothing, scale, single
// seeds and the status filter stay in the address. A tuning study's page
// also has its trials table (study.ts).
import type { RunRecord } from '../../../experiments/types.js';
import type { CurvesResponse, ExperimentDetail, VariantCurves } from '../../api-types.js';
import { api, onLive, throttle } from '../api.js';
import type { ChartSeries } from '../charts.js';
import { LineChart, PALETTE } from '../charts.js';
import { fmt, fmtSeconds, fmtSteps, h, notice, replace, statusBadge } from '../dom.js';
import type { Page } from '../routes.js';
import { experimentHref, keepState, overlayHref, runHref, stateOf } from '../routes.js';
import { drawTrials } from './study.js';
import type { TrialSort } from './trial-sort.js';
import { defaultTrialSort } from './trial-sort.js';

interface Controls {
  x: 'steps' | 'time';
  smoothing: number;
  logY: boolean;
  seeds: boolean;
}

const SMOOTHING = [1, 3, 5, 9, 15, 25];
const AUC_NOTE =
  "the area under each seed's evaluation curve divided by its span (the average evaluation return over training), mean over seeds; it depends on the budget and the x axis, so it compares variants trained for the same span only.";

/**
 * A variant's mean split where some of its seeds have ended: `full` where every
 * evaluated seed has a value (with the band), `partial` where fewer do (the
 * point before joined on, so the line stays connected), null elsewhere.
 */
export function splitBySeeds(v: Pick<VariantCurves, 'mean' | 'low' | 'high' | 'count' | 'evaluated'>): {
  full: (number | null)[];
  low: (number | null)[];
  high: (number | null)[];
  partial: (number | null)[] | null;
} {
  const all = (g: number) => v.count[g] === v.evaluated;
  const full = v.mean.map((m, g) => (all(g) ? m : null));
  const low = v.low.map((m, g) => (all(g) ? m : null));
  const high = v.high.map((m, g) => (all(g) ? m : null));
  let any = false;
  const partial = v.mean.map((m, g) => {
    if (m === null) return null;
    if (!all(g)) {
      any = true;
      return m;
    }
    // A full point next to a partial one joins the dashed line to the solid one.
    const next = g + 1 < v.mean.length && v.mean[g + 1] !== null && !all(g + 1);
    const prev = g > 0 && v.mean[g - 1] !== null && !all(g - 1);
    return next || prev ? m : null;
  });
  return { full, low, high, partial: any ? partial : null };
}

/** The spec fields and hyperparameters of each variant, one row per name, for the comparison table. */
export function hyperparameterRows(specs: readonly (RunRecord['spec'] | null)[]): { name: string; values: (string | null)[]; differs: boolean }[] {
  const show = (v: unknown) => (v === undefined ? null : typeof v === 'string' ? v : JSON.stringify(v));
  const fields: [string, (s: RunRecord['spec']) => unknown][] = [
    ['algorithm', (s) => s.algorithm],
    ['env', (s) => (Object.keys(s.env.kwargs).length > 0 ? `${s.env.id} ${JSON.stringify(s.env.kwargs)}` : s.env.id)],
    ['totalSteps', (s) => s.totalSteps],
    ['envs', (s) => s.envs],
  ];
  const keys = [...new Set(specs.flatMap((s) => (s ? Object.keys(s.hyperparameters) : [])))].sort();
  for (const k of keys) fields.push([k, (s) => s.hyperparameters[k]]);
  return fields.map(([name, get]) => {
    const values = specs.map((s) => (s ? show(get(s)) : null));
    return { name, values, differs: new Set(values).size > 1 };
  });
}

export function experimentPage(root: HTMLElement, name: string): Page {
  const state = stateOf();
  const smoothingWanted = Number(state.get('smoothing') ?? 1);
  const controls: Controls = {
    x: state.get('x') === 'time' ? 'time' : 'steps',
    smoothing: SMOOTHING.includes(smoothingWanted) ? smoothingWanted : 1,
    logY: state.get('y') === 'log',
    seeds: state.get('seeds') === '1',
  };
  const saveState = () => {
    keepState({ x: controls.x, smoothing: String(controls.smoothing), y: controls.logY ? 'log' : null, seeds: controls.seeds ? '1' : null }, { x: 'steps', smoothing: '1' });
    drawDownloads();
  };
  const chartBox = h('div', { class: 'chart', 'data-testid': 'curves' });
  const bandNote = h('p', { class: 'muted small', 'data-testid': 'band-note' });
  const finalBox = h('div', {}, notice('loading…'));
  const hpBox = h('div', {}, notice('loading…'));
  const runsBox = h('div', {}, notice('loading…'));
  const trialsBox = h('div');
  const trialsCard = h('section', { class: 'card', hidden: true, 'data-testid': 'trials' }, h('h2', {}, 'Trials'), trialsBox);
  let trialSort: { current: TrialSort } | null = null;
  const downloads = h('div', { class: 'toolbar downloads', 'data-testid': 'downloads' });
  const problemsBox = h('div');
  let chart: LineChart | null = null;
  let curves: CurvesResponse | null = null;
  let alive = true;

  const select = (label: string, options: [string, string][], value: string, onChange: (v: string) => void, testid: string) =>
    h(
      'label',
      { class: 'control' },
      label,
      h('select', { 'data-testid': testid, onchange: (e: Event) => onChange((e.target as HTMLSelectElement).value) }, ...options.map(([v, text]) => h('option', { value: v, selected: v === value }, text))),
    );
  const checkbox = (label: string, checked: boolean, onChange: (v: boolean) => void, testid: string) =>
    h('label', { class: 'control' }, h('input', { type: 'checkbox', checked, 'data-testid': testid, onchange: (e: Event) => onChange((e.target as HTMLInputElement).checked) }), label);

  const toolbar = h(
    'div',
    { class: 'toolbar' },
    select('x axis', [['steps', 'env steps'], ['time', 'wall time']], controls.x, (v) => {
      controls.x = v as Controls['x'];
      saveState();
      void loadCurves();
    }, 'curve-x'),
    select('smoothing', SMOOTHING.map((w) => [String(w), w === 1 ? 'none' : `${w} evals`]), String(controls.smoothing), (v) => {
      controls.smoothing = Number(v);
      saveState();
      void loadCurves();
    }, 'curve-smoothing'),
    select('y scale', [['linear', 'linear'], ['log', 'log (symlog)']], controls.logY ? 'log' : 'linear', (v) => {
      controls.logY = v === 'log';
      saveState();
      draw();
    }, 'curve-y'),
    checkbox('single seeds', controls.seeds, (v) => {
      controls.seeds = v;
      saveState();
      draw();
    }, 'show-seeds'),
  );

  replace(
    root,
    h('h1', {}, name),
    trialsCard,
    h('section', { class: 'card' }, h('h2', {}, 'Evaluation return'), toolbar, chartBox, bandNote, downloads),
    h('section', { class: 'card' }, h('h2', {}, 'Final return per variant'), finalBox),
    h('section', { class: 'card' }, h('h2', {}, 'Hyperparameters'), hpBox),
    h('section', { class: 'card' }, h('h2', {}, 'Runs'), runsBox),
    problemsBox,
  );

  /** Another experiment to overlay these curves with (the overlay page). */
  const overlayWith = h('select', {
    'data-testid': 'overlay-with',
    onchange: (e: Event) => {
      const other = (e.target as HTMLSelectElement).value;
      if (other) location.hash = overlayHref([name, other]);
    },
  });
  void api.experiments().then(
    (list) => {
      const others = list.filter((e) => e.name !== name);
      if (alive && others.length > 0) replace(overlayWith, h('option', { value: '' }, 'overlay with another experiment…'), ...others.map((e) => h('option', { value: e.name }, e.name)));
      else overlayWith.remove();
    },
    () => overlayWith.remove(),
  );
  /** Links to `arena compare`'s figure and table for the curves as shown (axis and smoothing). */
  function drawDownloads(): void {
    const base = `/api/experiments/${encodeURIComponent(name)}`;
    const q = `x=${controls.x}&smoothing=${controls.smoothing}`;
    const link = (file: string, text: string) => h('a', { class: 'button', href: `${base}/${file}?${q}`, download: `${name}-${file}`, 'data-testid': `download-${file}` }, text);
    replace(downloads, h('span', { class: 'muted small' }, 'download: '), link('curves.svg', 'figure SVG'), link('curves.png', 'figure PNG'), link('table.csv', 'table CSV'), link('comparison.json', 'table JSON'), overlayWith);
  }
  drawDownloads();

  function draw(): void {
    chart?.destroy();
    chart = null;
    if (!curves) return;
    const c = curves;
    if (!c.variants.some((v) => v.evaluated > 0)) {
      replace(chartBox, notice('No evaluations yet.'));
      return;
    }
    replace(chartBox);
    let partial = false;
    const series = c.variants.map((v, i): ChartSeries => {
      const split = splitBySeeds(v);
      if (split.partial) partial = true;
      return {
        label: `${v.key} (${v.evaluated} seed${v.evaluated === 1 ? '' : 's'})`,
        color: PALETTE[i % PALETTE.length]!,
        values: split.full,
        band: { low: split.low, high: split.high },
        ...(split.partial ? { partial: split.partial } : {}),
        counts: { per: v.count, of: v.evaluated },
        rug: [...new Set(v.runs.flatMap((r) => r.xs))].sort((a, b) => a - b),
        width: 2.5,
        ...(controls.seeds ? { companions: v.runs.map((r) => ({ label: `${v.key} seed ${r.seed}`, values: r.onGrid })) } : {}),
      };
    });
    chart = new LineChart(chartBox, {
      x: c.grid,
      xLabel: c.x === 'steps' ? 'env steps' : 'training wall time (s)',
      yLabel: 'mean evaluation return',
      logY: controls.logY,
      threshold: c.threshold,
      height: 360,
      series,
    });
    replace(
      bandNote,
      `Shaded: ${c.band} (${c.smoothing > 1 ? `each seed smoothed over ${c.smoothing} evaluations, ` : ''}seeds interpolated onto ${c.grid.length} points). ` +
        `Ticks along the bottom: where evaluations were. ${partial ? 'Dashed: the mean over fewer seeds, where some have ended (the legend says how many). ' : ''}` +
        'Drag to zoom, double-click to reset.',
    );
  }

  function finalBlock(c: CurvesResponse): HTMLElement {
    const budgets = new Set(c.variants.map((v) => v.runs.at(-1)?.xs.at(-1) ?? null));
    return h(
      'div',
      {},
      finalTable(c),
      h(
        'p',
        { class: 'muted small', 'data-testid': 'final-note' },
        "Final return: each seed's last evaluation, mean over seeds with a bootstrap interval. IQM: the mean of the middle half of the seeds. ",
        `AUC: ${AUC_NOTE}${budgets.size > 1 ? ' These variants end at different x: compare their AUCs with care.' : ''}`,
      ),
    );
  }

  function finalTable(c: CurvesResponse): HTMLElement {
    const pct = `${Math.round(c.confidence * 100)}%`;
    const t = c.threshold;
    const matches = c.variants.some((v) => v.match !== null);
    return h(
      'table',
      { class: 'table', 'data-testid': 'final-table' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', {}, 'variant'),
          h('th', {}, 'algorithm'),
          h('th', { class: 'num' }, 'seeds'),
          h('th', { class: 'num' }, `final return [${pct} CI]`),
          h('th', { class: 'num' }, 'IQM'),
          h('th', { class: 'num', title: AUC_NOTE }, 'AUC'),
          h('th', { class: 'num' }, t === null ? 'steps to threshold' : `steps to ${fmt(t)}`),
          // Competitive games: the final evaluations' wins, draws and losses over all seeds.
          matches ? h('th', { class: 'num' }, 'final W-D-L') : null,
        ),
      ),
      h(
        'tbody',
        {},
        ...c.variants.map((v, i) =>
          h(
            'tr',
            {},
            h('td', {}, h('span', { class: 'swatch', style: `background:${PALETTE[i % PALETTE.length]}` }), v.key),
            h('td', {}, v.algorithm),
            h('td', { class: 'num' }, `${v.evaluated}/${v.seeds}`, v.partial > 0 ? h('span', { class: 'muted' }, ` (${v.partial} partial)`) : null),
            h('td', { class: 'num' }, v.final ? `${fmt(v.final.mean)} [${fmt(v.final.low)}, ${fmt(v.final.high)}]` : '–'),
            h('td', { class: 'num' }, fmt(v.final?.iqm)),
            h('td', { class: 'num' }, fmt(v.auc)),
            h('td', { class: 'num' }, v.of === 0 ? '–' : `${fmtSteps(v.stepsToThreshold)} (${v.reached}/${v.of})`),
            matches ? h('td', { class: 'num', 'data-testid': 'wdl' }, v.match ? `${v.match.wins}-${v.match.draws}-${v.match.losses} vs ${v.match.opponent}` : '–') : null,
          ),
        ),
      ),
    );
  }

  /** Runs shown by status ('' for all), kept in the address. */
  let statusFilter = state.get('status') ?? '';
  let lastDetail: ExperimentDetail | null = null;

  function runsBlock(d: ExperimentDetail): HTMLElement {
    lastDetail = d;
    const statuses = [...new Set(d.runs.map((r) => r.status))].sort();
    const filter = h(
      'select',
      {
        'data-testid': 'status-filter',
        onchange: (e: Event) => {
          statusFilter = (e.target as HTMLSelectElement).value;
          keepState({ status: statusFilter || null });
          if (lastDetail) replace(runsBox, runsBlock(lastDetail));
        },
      },
      h('option', { value: '' }, `all (${d.runs.length})`),
      ...statuses.map((st) => h('option', { value: st, selected: st === statusFilter }, `${st} (${d.runs.filter((r) => r.status === st).length})`)),
    );
    const runs = statusFilter ? d.runs.filter((r) => r.status === statusFilter) : d.runs;
    return h('div', {}, h('div', { class: 'toolbar' }, h('label', { class: 'control' }, 'show', filter)), runsTable({ ...d, runs }));
  }

  function runsTable(d: ExperimentDetail): HTMLElement {
    return h(
      'table',
      { class: 'table', 'data-testid': 'runs-table' },
      h(
        'thead',
        {},
        h('tr', {}, h('th', {}, 'variant'), h('th', {}, 'seed'), h('th', {}, 'status'), h('th', {}, 'progress'), h('th', { class: 'num' }, 'time'), h('th', {}, '')),
      ),
      h(
        'tbody',
        {},
        ...d.runs.map((r) => {
          const frac = r.totalSteps ? Math.min(1, r.step / r.totalSteps) : r.status === 'finished' ? 1 : 0;
          return h(
            'tr',
            {},
            h('td', {}, r.variant),
            h('td', {}, r.seedNumber ?? r.seed),
            h('td', {}, statusBadge(r.status), r.error ? h('div', { class: 'error small' }, r.error) : null),
            h(
              'td',
              {},
              h('div', { class: 'progress', title: `${Math.round(frac * 100)}%` }, h('div', { class: `bar status-${r.status}`, style: `width:${(frac * 100).toFixed(1)}%` })),
              h('span', { class: 'small muted' }, `${fmtSteps(r.step)} / ${fmtSteps(r.totalSteps)}`),
            ),
            h('td', { class: 'num' }, fmtSeconds(r.seconds)),
            h('td', {}, r.status === 'pending' ? h('span', { class: 'muted' }, 'not started') : h('a', { href: runHref(r) }, 'episodes & metrics')),
          );
        }),
      ),
    );
  }

  async function loadCurves(): Promise<void> {
    try {
      const c = await api.curves(name, { x: controls.x, smoothing: controls.smoothing });
      if (!alive) return;
      curves = c;
      draw();
      replace(finalBox, c.variants.length > 0 ? finalBlock(c) : notice('No runs with a run.json yet.'));
      replace(
        problemsBox,
        c.problems.length > 0
          ? h('section', { class: 'card' }, h('h2', {}, `Problems (${c.problems.length})`), h('ul', { class: 'problems' }, ...c.problems.map((p) => h('li', {}, p))))
          : null,
      );
    } catch (e) {
      if (!alive) return;
      // The final returns come from the same answer: they cannot load either.
      replace(chartBox, notice((e as Error).message, 'error'));
      replace(finalBox, notice('not available: the curves could not be loaded (above)', 'error'));
    }
  }

  /** The spec of one run of each variant (run.json), fetched once per variant. */
  const specs = new Map<string, RunRecord['spec'] | null>();
  async function loadHyperparameters(d: ExperimentDetail): Promise<void> {
    for (const variant of d.variants) {
      if (specs.get(variant)) continue;
      const r = d.runs.find((x) => x.variant === variant && x.status !== 'pending');
      specs.set(variant, r ? await api.run(r).then((rec) => rec.spec, () => null) : null);
    }
    if (!alive) return;
    const rows = hyperparameterRows(d.variants.map((v) => specs.get(v) ?? null));
    const differing = rows.filter((r) => r.differs).length;
    replace(
      hpBox,
      h(
        'div',
        { class: 'scroll-x' },
        h(
          'table',
          { class: 'table hp-table', 'data-testid': 'hp-table' },
          h('thead', {}, h('tr', {}, h('th', {}, ''), ...d.variants.map((v) => h('th', {}, v)))),
          h(
            'tbody',
            {},
            ...rows.map((r) =>
              h('tr', { class: r.differs ? 'differs' : null }, h('th', {}, r.name), ...r.values.map((v) => h('td', { class: 'mono' }, v ?? h('span', { class: 'muted' }, 'default')))),
            ),
          ),
        ),
      ),
      h('p', { class: 'muted small' }, d.variants.length > 1 ? `Highlighted: the ${differing} row${differing === 1 ? '' : 's'} where the variants differ. "default": the algorithm's default.` : '"default": the algorithm\'s default.'),
    );
  }

  async function loadRuns(): Promise<void> {
    try {
      const d = await api.experiment(name);
      if (!alive) return;
      replace(runsBox, runsBlock(d));
      trialsCard.hidden = !d.study;
      if (d.study) {
        trialSort ??= { current: defaultTrialSort(d.study) };
        drawTrials(trialsBox, d.study, d.runs, trialSort);
      }
      await loadHyperparameters(d);
    } catch (e) {
      if (!alive) return;
      replace(runsBox, notice((e as Error).message, 'error'));
      replace(hpBox, notice('not available: the runs could not be loaded (below)', 'error'));
    }
  }

  const refresh = throttle(() => {
    void loadCurves();
    void loadRuns();
  }, 1000);
  const off = onLive((event) => {
    if (event.type === 'catalog' || event.run.experiment === name) refresh();
  });
  void loadCurves();
  void loadRuns();
  return {
    title: [[name, experimentHref(name)]],
    dispose: () => {
      alive = false;
      off();
      refresh.cancel();
      chart?.destroy();
    },
  };
}
