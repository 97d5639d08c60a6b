// One run's page: what it is and how it stands (its hyperparameters as a
// table), its evaluation and training curves (training metrics arrive
// downsampled by the server), the update metrics the user picks (all keys
// offered, the ones for debugging learning chosen first, with smoothing and a
// log scale), and its recorded episodes by training step with return, with
// shortcuts to the best, worst and latest recording and to the first and last
// side by side. The picked metrics, smoothing and scale stay in the address.
import type { EpisodeIndexLine } from '../../../experiments/types.js';
import type { EpisodeRef, MetricsResponse, RunRef } from '../../api-types.js';
import { api, isRun, onLive, throttle } from '../api.js';
import { LineChart, PALETTE } from '../charts.js';
import { fmt, fmtSeconds, fmtSteps, h, notice, replace, statusBadge } from '../dom.js';
import type { Page } from '../routes.js';
import { experimentHref, keepState, liveHref, playHref, runHref, stateOf } from '../routes.js';

/**
 * Update metrics shown first, in this order, when the run has them: what one
 * looks at to debug learning (losses, entropy, KL, explained variance,
 * exploration, Q estimates); at most DEFAULT_CHARTS of them, fps last.
 */
const PREFERRED = ['loss', 'policyLoss', 'valueLoss', 'entropy', 'approxKl', 'clipFraction', 'explainedVariance', 'epsilon', 'meanQ', 'tdError', 'actorLoss', 'criticLoss', 'gradNorm'];
const DEFAULT_CHARTS = 8;
/** Exponential moving average weights offered (TensorBoard's smoothing slider, in steps). */
const SMOOTHING = [0, 0.6, 0.8, 0.9, 0.95, 0.99];
/** Live refreshes at most this often (ms): the run writes its files every second or so. */
const LIVE_MS = 1500;

/** The update metrics drawn when the address names none: the preferred ones the run has, else its first keys. */
export function defaultMetrics(keys: readonly string[]): string[] {
  const preferred = PREFERRED.filter((k) => keys.includes(k)).slice(0, DEFAULT_CHARTS);
  return [...(preferred.length > 0 ? preferred : keys.slice(0, DEFAULT_CHARTS)), 'fps'];
}

/** Exponential moving average with debiasing (TensorBoard's), skipping nulls (they stay null). */
export function emaSmooth(values: readonly (number | null)[], weight: number): (number | null)[] {
  if (weight <= 0) return [...values];
  let last = 0;
  let n = 0;
  return values.map((v) => {
    if (v === null || !Number.isFinite(v)) return null;
    last = last * weight + (1 - weight) * v;
    n++;
    return last / (1 - weight ** n);
  });
}

export function runPage(root: HTMLElement, run: RunRef): Page {
  const info = h('div', {}, notice('loading…'));
  const evalBox = h('div', { class: 'chart', 'data-testid': 'eval-curve' });
  const trainBox = h('div', { class: 'chart', 'data-testid': 'training-curve' });
  const trainNote = h('p', { class: 'muted small', 'data-testid': 'training-note' });
  const metricsBox = h('div', { class: 'chart-grid', 'data-testid': 'metric-charts' });
  const pickerBox = h('div', { class: 'metric-picker', 'data-testid': 'metric-picker' });
  const metricsProblems = h('div');
  const episodesBox = h('div', {}, notice('loading…'));
  let evalChart: LineChart | null = null;
  const metricCharts: LineChart[] = [];
  let alive = true;
  let latest: MetricsResponse | null = null;

  // The picked metrics, smoothing and scale: from the address, else the defaults once the keys are known.
  const initial = stateOf();
  let picked: string[] | null = initial.get('metrics')?.split(',').filter((k) => k !== '') ?? null;
  let smoothing = Number(initial.get('smoothing') ?? 0);
  if (!SMOOTHING.includes(smoothing)) smoothing = 0;
  let logY = initial.get('log') === '1';
  const saveState = () => keepState({ metrics: picked?.join(',') ?? null, smoothing: String(smoothing), log: logY ? '1' : null }, { smoothing: '0' });

  const metricControls = h(
    'div',
    { class: 'toolbar' },
    h(
      'label',
      { class: 'control' },
      'smoothing',
      h(
        'select',
        {
          'data-testid': 'metric-smoothing',
          onchange: (e: Event) => {
            smoothing = Number((e.target as HTMLSelectElement).value);
            saveState();
            redrawMetrics();
          },
        },
        ...SMOOTHING.map((w) => h('option', { value: w, selected: w === smoothing }, w === 0 ? 'none' : `EMA ${w}`)),
      ),
    ),
    h(
      'label',
      { class: 'control' },
      h('input', {
        type: 'checkbox',
        checked: logY,
        'data-testid': 'metric-log',
        onchange: (e: Event) => {
          logY = (e.target as HTMLInputElement).checked;
          saveState();
          redrawMetrics();
        },
      }),
      'log scale (symlog)',
    ),
  );

  replace(
    root,
    h('h1', {}, `${run.variant} · ${run.seed}`, ' ', h('a', { class: 'button primary', href: liveHref(run), 'data-testid': 'play-live', title: 'the env and the trained policy running in your browser' }, 'play live')),
    h('section', { class: 'card' }, info),
    h('section', { class: 'card' }, h('h2', {}, 'Recorded episodes'), episodesBox),
    h('section', { class: 'card' }, h('h2', {}, 'Evaluation return'), evalBox),
    h('section', { class: 'card' }, h('h2', {}, 'Training episode return'), trainBox, trainNote),
    h('section', { class: 'card' }, h('h2', {}, 'Training metrics'), metricControls, pickerBox, metricsBox, metricsProblems),
  );

  const ref = (file: string): EpisodeRef => ({ ...run, file });

  async function loadInfo(): Promise<void> {
    try {
      const r = await api.run(run);
      if (!alive) return;
      const s = r.spec;
      replace(
        info,
        h(
          'dl',
          { class: 'facts' },
          h('dt', {}, 'status'),
          h('dd', {}, statusBadge(r.status)),
          h('dt', {}, 'algorithm'),
          h('dd', {}, s.algorithm),
          h('dt', {}, 'env'),
          h('dd', {}, s.env.id, Object.keys(s.env.kwargs).length > 0 ? h('span', { class: 'muted' }, ` ${JSON.stringify(s.env.kwargs)}`) : null),
          h('dt', {}, 'steps'),
          h('dd', {}, `${fmtSteps(r.step)} / ${fmtSteps(s.totalSteps)}`),
          h('dt', {}, 'training time'),
          h('dd', {}, fmtSeconds(r.seconds)),
          h('dt', {}, 'hyperparameters'),
          h('dd', {}, Object.keys(s.hyperparameters).length > 0 ? hyperparameterList(s.hyperparameters) : 'defaults'),
          h('dt', {}, 'host'),
          h('dd', { class: 'small' }, `${r.hostname}, node ${r.node}, ${r.package.name} ${r.package.version}${r.git ? `, git ${r.git.slice(0, 10)}` : ''}`),
        ),
        r.error ? h('details', { class: 'error' }, h('summary', {}, r.error.message.split('\n')[0]!), h('pre', {}, r.error.stack ?? r.error.message)) : null,
      );
    } catch (e) {
      if (alive) replace(info, notice((e as Error).message, 'error'));
    }
  }

  async function loadEvals(): Promise<void> {
    try {
      const { lines } = await api.evals(run);
      if (!alive) return;
      evalChart?.destroy();
      evalChart = null;
      replace(evalBox);
      if (lines.length === 0) {
        replace(evalBox, notice('No evaluations yet.'));
        return;
      }
      evalChart = new LineChart(evalBox, {
        x: lines.map((l) => l.step),
        xLabel: 'env steps',
        yLabel: 'evaluation return',
        height: 260,
        series: [{ label: 'mean', color: PALETTE[0]!, values: lines.map((l) => l.mean), band: { low: lines.map((l) => l.min), high: lines.map((l) => l.max) }, rug: lines.map((l) => l.step) }],
      });
      evalBox.append(h('p', { class: 'muted small' }, `${lines.length} evaluations of ${lines[0]!.episodes} deterministic episodes each; shaded: min to max.`));
    } catch (e) {
      if (alive) replace(evalBox, notice((e as Error).message, 'error'));
    }
  }

  /** Counts drawMetrics calls: the small charts put off by one are dropped when another has come since. */
  let drawing = 0;

  function drawMetrics(m: MetricsResponse): void {
    latest = m;
    const mine = ++drawing;
    for (const c of metricCharts.splice(0)) c.destroy();
    replace(trainBox);
    replace(trainNote);
    replace(metricsBox);
    replace(
      metricsProblems,
      m.problems.length > 0 ? h('details', { class: 'error small', 'data-testid': 'metrics-problems' }, h('summary', {}, `${m.problems.length} line${m.problems.length === 1 ? '' : 's'} of metrics.jsonl skipped`), h('ul', {}, ...m.problems.map((p) => h('li', {}, p)))) : null,
    );
    const e = m.episodes;
    if (e.points.length === 0) replace(trainBox, notice('No training episodes yet.'));
    else {
      metricCharts.push(
        new LineChart(trainBox, {
          x: e.points.map((p) => p.step),
          xLabel: 'env steps',
          yLabel: 'episode return',
          height: 240,
          series: [{ label: e.bucketSize > 1 ? `mean of ${e.bucketSize} episodes` : 'return', color: PALETTE[1]!, values: e.points.map((p) => p.return), band: { low: e.points.map((p) => p.min), high: e.points.map((p) => p.max) } }],
        }),
      );
      replace(trainNote, `${fmtSteps(e.total)} episodes${e.bucketSize > 1 ? `, averaged in buckets of ${e.bucketSize} (shaded: min to max)` : ''}.`);
    }
    const u = m.updates;
    if (u.points.length === 0) {
      replace(pickerBox);
      replace(metricsBox, notice('No update metrics yet.'));
      return;
    }
    drawPicker(u.keys);
    // Up to nine more charts take a few hundred ms to build on a slow machine: the training curve goes to the screen first
    // (a frame, then a task after its paint).
    requestAnimationFrame(() =>
      setTimeout(() => {
        if (alive && mine === drawing) drawUpdateCharts(u);
      }, 0),
    );
  }

  /** Checkboxes for every update metric (and fps), the picked ones checked. */
  function drawPicker(keys: readonly string[]): void {
    const shown = picked ?? defaultMetrics(keys);
    replace(
      pickerBox,
      h('span', { class: 'muted small' }, 'metrics: '),
      ...[...keys, 'fps'].map((k) =>
        h(
          'label',
          { class: 'metric-option' },
          h('input', {
            type: 'checkbox',
            value: k,
            checked: shown.includes(k),
            onchange: (ev: Event) => {
              const on = (ev.target as HTMLInputElement).checked;
              const now = picked ?? defaultMetrics(keys);
              // Keep the order the keys are listed in.
              picked = [...keys, 'fps'].filter((x) => (x === k ? on : now.includes(x)));
              saveState();
              redrawMetrics();
            },
          }),
          k,
        ),
      ),
    );
  }

  function redrawMetrics(): void {
    if (latest) drawMetrics(latest);
  }

  function drawUpdateCharts(u: MetricsResponse['updates']): void {
    const keys = (picked ?? defaultMetrics(u.keys)).filter((k) => k === 'fps' || u.keys.includes(k));
    const x = u.points.map((p) => p.step);
    keys.forEach((k, i) => {
      const box = h('div', { class: 'chart small-chart', 'data-metric': k });
      metricsBox.append(box);
      const raw = u.points.map((p) => (k === 'fps' ? p.fps : (p.metrics[k] ?? null)));
      metricCharts.push(
        new LineChart(box, {
          x,
          xLabel: 'env steps',
          yLabel: k,
          height: 180,
          logY,
          // A metric is logged at some update lines only (older files have lines without it): the line goes straight across.
          series: [{ label: smoothing > 0 ? `${k} (EMA ${smoothing})` : k, color: PALETTE[(i + 2) % PALETTE.length]!, values: emaSmooth(raw, smoothing), width: 1.5, spanGaps: true }],
        }),
      );
    });
  }

  async function loadMetrics(): Promise<void> {
    try {
      const m = await api.metrics(run);
      if (alive) drawMetrics(m);
    } catch (e) {
      if (alive) replace(trainBox, notice((e as Error).message, 'error'));
    }
  }

  function episodesTable(list: readonly EpisodeIndexLine[]): HTMLElement {
    if (list.length === 0) return notice('No recorded episodes yet.');
    const best = list.reduce((a, b) => (b.return > a.return ? b : a));
    const worst = list.reduce((a, b) => (b.return < a.return ? b : a));
    const latest = list[list.length - 1]!;
    const first = list[0]!;
    const picked: { a: EpisodeIndexLine | null; b: EpisodeIndexLine | null } = { a: null, b: null };
    const compare = h('a', { class: 'button disabled', 'data-testid': 'compare-picked' }, 'side by side: pick A and B');
    const updateCompare = () => {
      if (picked.a && picked.b) {
        compare.classList.remove('disabled');
        compare.setAttribute('href', playHref(ref(picked.a.file), ref(picked.b.file)));
        compare.textContent = 'side by side: A | B';
      }
    };
    const radio = (slot: 'a' | 'b', line: EpisodeIndexLine) =>
      h('input', {
        type: 'radio',
        name: `pick-${slot}`,
        title: `pane ${slot.toUpperCase()}`,
        onchange: () => {
          picked[slot] = line;
          updateCompare();
        },
      });
    return h(
      'div',
      {},
      h(
        'div',
        { class: 'toolbar' },
        h('a', { class: 'button', href: playHref(ref(best.file)), 'data-testid': 'jump-best' }, `best (${fmt(best.return)})`),
        h('a', { class: 'button', href: playHref(ref(worst.file)), 'data-testid': 'jump-worst' }, `worst (${fmt(worst.return)})`),
        h('a', { class: 'button', href: playHref(ref(latest.file)), 'data-testid': 'jump-latest' }, `latest (step ${fmtSteps(latest.step)})`),
        list.length > 1 ? h('a', { class: 'button', href: playHref(ref(first.file), ref(latest.file)), 'data-testid': 'first-vs-last' }, 'first vs last, side by side') : null,
        compare,
      ),
      h(
        'div',
        { class: 'scroll' },
        h(
          'table',
          { class: 'table', 'data-testid': 'episodes-table' },
          h(
            'thead',
            {},
            h('tr', {}, h('th', { class: 'num' }, 'training step'), h('th', { class: 'num' }, '#'), h('th', { class: 'num' }, 'return'), h('th', { class: 'num' }, 'length'), h('th', {}, 'source'), h('th', {}, ''), h('th', {}, 'A'), h('th', {}, 'B')),
          ),
          h(
            'tbody',
            {},
            ...list.map((l) =>
              h(
                'tr',
                { class: l === best ? 'best' : l === worst ? 'worst' : null },
                h('td', { class: 'num' }, fmtSteps(l.step)),
                h('td', { class: 'num' }, l.index),
                h('td', { class: 'num' }, fmt(l.return)),
                h('td', { class: 'num' }, l.length),
                h('td', { class: 'muted' }, l.source ?? 'training'),
                h('td', {}, h('a', { href: playHref(ref(l.file)) }, 'play')),
                h('td', {}, radio('a', l)),
                h('td', {}, radio('b', l)),
              ),
            ),
          ),
        ),
      ),
    );
  }

  async function loadEpisodes(): Promise<void> {
    try {
      const { episodes } = await api.episodes(run);
      if (alive) replace(episodesBox, episodesTable(episodes));
    } catch (e) {
      if (alive) replace(episodesBox, notice((e as Error).message, 'error'));
    }
  }

  const later = {
    info: throttle(() => void loadInfo(), 500),
    evals: throttle(() => void loadEvals(), 500),
    metrics: throttle(() => void loadMetrics(), LIVE_MS),
    episodes: throttle(() => void loadEpisodes(), 500),
  };
  const off = onLive((event) => {
    if (event.type !== 'run' || !isRun(event, run)) return;
    if (event.files.includes('run.json')) later.info();
    if (event.files.includes('eval.jsonl')) later.evals();
    if (event.files.includes('metrics.jsonl')) later.metrics();
    if (event.files.includes('episodes')) later.episodes();
  });
  void loadInfo();
  void loadEpisodes();
  void loadEvals();
  void loadMetrics();
  return {
    title: [
      [run.experiment, experimentHref(run.experiment)],
      [`${run.variant} / ${run.seed}`, runHref(run)],
    ],
    dispose: () => {
      alive = false;
      off();
      for (const d of Object.values(later)) d.cancel();
      evalChart?.destroy();
      for (const c of metricCharts) c.destroy();
    },
  };
}

/** Hyperparameters as a compact two-column table (values as JSON: lists and strings as written). */
function hyperparameterList(hp: Readonly<Record<string, unknown>>): HTMLElement {
  return h(
    'table',
    { class: 'hp-list', 'data-testid': 'hyperparameters' },
    h('tbody', {}, ...Object.entries(hp).map(([k, v]) => h('tr', {}, h('th', {}, k), h('td', { class: 'mono' }, typeof v === 'string' ? v : JSON.stringify(v))))),
  );
}
