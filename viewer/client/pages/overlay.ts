// Curves of variants from several experiments on one chart: each experiment's
// curves come from its own curves answer (mean over seeds with its band, as
// on the experiment page), and are put on the union of the experiments' grids
// by linear interpolation (no extrapolation: a curve stops where its grid
// does). A checkbox per variant picks what is drawn, and each variant's single
// seeds can be drawn too. The experiments, the variants left out, the x axis,
// smoothing and single seeds stay in the address:
// `#/overlay?experiments=a,b&hide=a/ppo&x=time&smoothing=5&seeds=1`.
import type { CurvesResponse } from '../../api-types.js';
import { api } from '../api.js';
import type { ChartSeries, Values } from '../charts.js';
import { LineChart, PALETTE } from '../charts.js';
import { h, notice, replace } from '../dom.js';
import type { Page } from '../routes.js';
import { experimentHref, keepState, overlayHref, stateOf } from '../routes.js';
import { splitBySeeds } from './experiment.js';

const SMOOTHING = [1, 3, 5, 9, 15, 25];

/** `values` (on `grid`, ascending) linearly interpolated at each x of `union`; null outside the grid or next to a null. */
export function onUnion(grid: readonly number[], values: Values, union: readonly number[]): (number | null)[] {
  let j = 0;
  return union.map((x) => {
    if (grid.length === 0 || x < grid[0]! || x > grid[grid.length - 1]!) return null;
    while (j + 1 < grid.length && grid[j + 1]! <= x) j++;
    while (j > 0 && grid[j]! > x) j--;
    const a = values[j] ?? null;
    if (grid[j] === x || j + 1 >= grid.length) return grid[j] === x ? a : null;
    const b = values[j + 1] ?? null;
    if (a === null || b === null) return null;
    return a + ((x - grid[j]!) / (grid[j + 1]! - grid[j]!)) * (b - a);
  });
}

export function overlayPage(root: HTMLElement): Page {
  const state = stateOf();
  const experiments = (state.get('experiments') ?? '').split(',').filter((e) => e !== '');
  const hidden = new Set((state.get('hide') ?? '').split(',').filter((v) => v !== ''));
  let x: 'steps' | 'time' = state.get('x') === 'time' ? 'time' : 'steps';
  const wanted = Number(state.get('smoothing') ?? 1);
  let smoothing = SMOOTHING.includes(wanted) ? wanted : 1;
  let seeds = state.get('seeds') === '1';
  const chartBox = h('div', { class: 'chart', 'data-testid': 'overlay-curves' });
  const picker = h('div', { class: 'metric-picker', 'data-testid': 'overlay-picker' });
  const note = h('p', { class: 'muted small' });
  let chart: LineChart | null = null;
  let answers: { name: string; curves: CurvesResponse }[] = [];
  let alive = true;
  const save = () =>
    keepState({ experiments: experiments.join(','), hide: hidden.size > 0 ? [...hidden].join(',') : null, x, smoothing: String(smoothing), seeds: seeds ? '1' : null }, { x: 'steps', smoothing: '1' });

  const toolbar = h(
    'div',
    { class: 'toolbar' },
    h(
      'label',
      { class: 'control' },
      'x axis',
      h(
        'select',
        {
          onchange: (e: Event) => {
            x = (e.target as HTMLSelectElement).value === 'time' ? 'time' : 'steps';
            save();
            void load();
          },
        },
        h('option', { value: 'steps', selected: x === 'steps' }, 'env steps'),
        h('option', { value: 'time', selected: x === 'time' }, 'wall time'),
      ),
    ),
    h(
      'label',
      { class: 'control' },
      'smoothing',
      h(
        'select',
        {
          onchange: (e: Event) => {
            smoothing = Number((e.target as HTMLSelectElement).value);
            save();
            void load();
          },
        },
        ...SMOOTHING.map((w) => h('option', { value: w, selected: w === smoothing }, w === 1 ? 'none' : `${w} evals`)),
      ),
    ),
    h(
      'label',
      { class: 'control' },
      h('input', {
        type: 'checkbox',
        checked: seeds,
        'data-testid': 'overlay-seeds',
        onchange: (e: Event) => {
          seeds = (e.target as HTMLInputElement).checked;
          save();
          draw();
        },
      }),
      'single seeds',
    ),
  );

  replace(
    root,
    h('h1', {}, 'Overlay'),
    h(
      'section',
      { class: 'card' },
      h('h2', {}, 'Evaluation return across experiments'),
      h('p', { class: 'muted small' }, 'Experiments: ', ...experiments.flatMap((e, i) => [i > 0 ? ', ' : '', h('a', { href: experimentHref(e) }, e)])),
      toolbar,
      picker,
      chartBox,
      note,
    ),
  );

  function draw(): void {
    chart?.destroy();
    chart = null;
    const all = answers.flatMap((a) => a.curves.variants.map((v) => ({ key: `${a.name}/${v.key}`, v, grid: a.curves.grid })));
    replace(
      picker,
      h('span', { class: 'muted small' }, 'variants: '),
      ...all.map(({ key }) =>
        h(
          'label',
          { class: 'metric-option' },
          h('input', {
            type: 'checkbox',
            value: key,
            checked: !hidden.has(key),
            onchange: (e: Event) => {
              if ((e.target as HTMLInputElement).checked) hidden.delete(key);
              else hidden.add(key);
              save();
              draw();
            },
          }),
          key,
        ),
      ),
    );
    const shown = all.filter((s) => !hidden.has(s.key) && s.v.evaluated > 0);
    if (shown.length === 0) {
      replace(chartBox, notice('Nothing to draw: no variant picked, or none has evaluations.'));
      return;
    }
    const union = [...new Set(shown.flatMap((s) => s.grid))].sort((a, b) => a - b);
    const series = shown.map(({ key, v, grid }, i): ChartSeries => {
      const split = splitBySeeds(v);
      const on = (values: Values) => onUnion(grid, values, union);
      return {
        label: `${key} (${v.evaluated} seed${v.evaluated === 1 ? '' : 's'})`,
        color: PALETTE[i % PALETTE.length]!,
        values: on(split.full),
        band: { low: on(split.low), high: on(split.high) },
        ...(split.partial ? { partial: on(split.partial) } : {}),
        ...(seeds ? { companions: v.runs.map((r) => ({ label: `${key} seed ${r.seed}`, values: on(r.onGrid) })) } : {}),
        width: 2.5,
      };
    });
    replace(chartBox);
    chart = new LineChart(chartBox, { x: union, xLabel: x === 'steps' ? 'env steps' : 'training wall time (s)', yLabel: 'mean evaluation return', height: 380, series });
    replace(note, "Each experiment's curves as on its page (mean over seeds, 95% band; dashed where some seeds have ended), put on one x axis by linear interpolation.");
  }

  async function load(): Promise<void> {
    if (experiments.length === 0) {
      replace(chartBox, notice('No experiments named: open this page from an experiment ("overlay with…") or the experiments list.', 'error'));
      return;
    }
    try {
      const got = await Promise.all(experiments.map(async (name) => ({ name, curves: await api.curves(name, { x, smoothing }) })));
      if (!alive) return;
      answers = got;
      draw();
    } catch (e) {
      if (alive) replace(chartBox, notice((e as Error).message, 'error'));
    }
  }

  void load();
  return {
    title: [['overlay', overlayHref(experiments)]],
    dispose: () => {
      alive = false;
      chart?.destroy();
    },
  };
}
