// An experiment's page: every variant's evaluation curve as the mean across
// seeds with a shaded 95% band (single seeds on demand), the final returns per
// variant, and the runs with their status. Curves and runs refresh while the
// experiment is running.
import type { CurvesResponse, ExperimentDetail } from '../../api-types.js';
import { api, debounce, onLive } from '../api.js';
import { LineChart, PALETTE } from '../charts.js';
import { fmt, fmtSeconds, fmtSteps, h, notice, replace, statusBadge } from '../dom.js';
import type { Page } from '../routes.js';
import { experimentHref, runHref } from '../routes.js';

interface Controls {
  x: 'steps' | 'time';
  smoothing: number;
  logY: boolean;
  seeds: boolean;
}

const SMOOTHING = [1, 3, 5, 9, 15, 25];

export function experimentPage(root: HTMLElement, name: string): Page {
  const controls: Controls = { x: 'steps', smoothing: 1, logY: false, seeds: false };
  const chartBox = h('div', { class: 'chart', 'data-testid': 'curves' });
  const bandNote = h('p', { class: 'muted small' });
  const finalBox = h('div', {}, notice('loading…'));
  const runsBox = h('div', {}, notice('loading…'));
  const problemsBox = h('div');
  let chart: LineChart | null = null;
  let curves: CurvesResponse | null = null;
  let alive = true;

  const select = (label: string, options: [string, string][], value: string, onChange: (v: string) => void) =>
    h(
      'label',
      { class: 'control' },
      label,
      h('select', { onchange: (e: Event) => onChange((e.target as HTMLSelectElement).value) }, ...options.map(([v, text]) => h('option', { value: v, selected: v === value }, text))),
    );
  const checkbox = (label: string, checked: boolean, onChange: (v: boolean) => void, testid: string) =>
    h('label', { class: 'control' }, h('input', { type: 'checkbox', checked, 'data-testid': testid, onchange: (e: Event) => onChange((e.target as HTMLInputElement).checked) }), label);

  const toolbar = h(
    'div',
    { class: 'toolbar' },
    select('x axis', [['steps', 'env steps'], ['time', 'wall time']], controls.x, (v) => {
      controls.x = v as Controls['x'];
      void loadCurves();
    }),
    select('smoothing', SMOOTHING.map((w) => [String(w), w === 1 ? 'none' : `${w} evals`]), '1', (v) => {
      controls.smoothing = Number(v);
      void loadCurves();
    }),
    select('y scale', [['linear', 'linear'], ['log', 'log (symlog)']], 'linear', (v) => {
      controls.logY = v === 'log';
      draw();
    }),
    checkbox('single seeds', false, (v) => {
      controls.seeds = v;
      draw();
    }, 'show-seeds'),
  );

  replace(
    root,
    h('h1', {}, name),
    h('section', { class: 'card' }, h('h2', {}, 'Evaluation return'), toolbar, chartBox, bandNote),
    h('section', { class: 'card' }, h('h2', {}, 'Final return per variant'), finalBox),
    h('section', { class: 'card' }, h('h2', {}, 'Runs'), runsBox),
    problemsBox,
  );

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
    chart = new LineChart(chartBox, {
      x: c.grid,
      xLabel: c.x === 'steps' ? 'env steps' : 'training wall time (s)',
      yLabel: 'mean evaluation return',
      logY: controls.logY,
      threshold: c.threshold,
      height: 360,
      series: c.variants.map((v, i) => ({
        label: `${v.key} (${v.evaluated} seed${v.evaluated === 1 ? '' : 's'})`,
        color: PALETTE[i % PALETTE.length]!,
        values: v.mean,
        band: { low: v.low, high: v.high },
        width: 2.5,
        ...(controls.seeds ? { companions: v.runs.map((r) => ({ label: `${v.key} seed ${r.seed}`, values: r.onGrid })) } : {}),
      })),
    });
    replace(bandNote, `Shaded: ${c.band} (${c.smoothing > 1 ? `each seed smoothed over ${c.smoothing} evaluations, ` : ''}seeds interpolated onto a common grid). Drag to zoom, double-click to reset.`);
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
          h('th', { class: 'num' }, 'AUC'),
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
      replace(finalBox, c.variants.length > 0 ? finalTable(c) : notice('No runs with a run.json yet.'));
      replace(
        problemsBox,
        c.problems.length > 0
          ? h('section', { class: 'card' }, h('h2', {}, `Problems (${c.problems.length})`), h('ul', { class: 'problems' }, ...c.problems.map((p) => h('li', {}, p))))
          : null,
      );
    } catch (e) {
      if (alive) replace(chartBox, notice((e as Error).message, 'error'));
    }
  }

  async function loadRuns(): Promise<void> {
    try {
      const d = await api.experiment(name);
      if (alive) replace(runsBox, runsTable(d));
    } catch (e) {
      if (alive) replace(runsBox, notice((e as Error).message, 'error'));
    }
  }

  const refresh = debounce(() => {
    void loadCurves();
    void loadRuns();
  }, 800);
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
