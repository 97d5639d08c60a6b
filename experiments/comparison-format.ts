// A comparison (compare.ts) as `arena compare` prints and writes it: the text
// table, CSV (one row per variant) and JSON.
import type { Comparison, VariantSummary } from './compare.js';
import { formatNumber, groupThousands, textTable } from './format.js';

function formatSteps(v: number | null): string {
  return v === null || Number.isNaN(v) ? '-' : groupThousands(Math.round(v));
}

function formatSeconds(v: number | null): string {
  if (v === null || Number.isNaN(v)) return '-';
  if (v >= 7200) return `${(v / 3600).toFixed(1)} h`;
  if (v >= 120) return `${(v / 60).toFixed(1)} min`;
  return `${v.toFixed(1)} s`;
}

function statusText(v: VariantSummary): string {
  const parts: string[] = [];
  if (v.finished > 0) parts.push(`${v.finished} finished`);
  if (v.partial > 0) parts.push(`${v.partial} partial`);
  if (v.failed > 0) parts.push(`${v.failed} failed`);
  return parts.join(', ');
}

/** The comparison as an aligned plain-text table, one row per variant, with a legend and the problems found. */
export function formatTable(c: Comparison): string {
  const pct = `${Math.round(c.confidence * 100)}%`;
  const t = c.threshold === null ? 'threshold' : String(c.threshold);
  const header = ['variant', 'seeds', 'status', `final return [${pct} CI]`, 'IQM', 'AUC', `steps to ${t}`, `time to ${t}`, 'steps/s'];
  const reached = (v: VariantSummary, text: string) => (v.of === 0 ? '-' : `${text} (${v.reached}/${v.of})`);
  const rows = c.variants.map((v) => [
    v.key,
    String(v.seeds),
    statusText(v),
    v.final ? `${formatNumber(v.final.mean)} [${formatNumber(v.final.low)}, ${formatNumber(v.final.high)}]` : '-',
    formatNumber(v.final?.iqm ?? null),
    formatNumber(v.auc),
    reached(v, formatSteps(v.stepsToThreshold)),
    reached(v, formatSeconds(v.secondsToThreshold)),
    formatSteps(v.stepsPerSecond),
  ]);
  const xName = c.x === 'steps' ? 'environment steps' : 'training wall time';
  const aligned = [false, true, false, true, true, true, true, true, true];
  // Competitive games: the final evaluations' wins, draws and losses (all seeds together), as counts and shares.
  if (c.variants.some((v) => v.match !== null)) {
    const opponents = new Set(c.variants.map((v) => v.match?.opponent).filter((o) => o !== undefined));
    header.push(opponents.size === 1 ? `final W-D-L vs ${[...opponents][0]}` : 'final W-D-L (opponent)');
    aligned.push(false);
    c.variants.forEach((v, i) => {
      const m = v.match;
      const share = (n: number) => `${Math.round((100 * n) / m!.games)}%`;
      rows[i]!.push(m ? `${m.wins}-${m.draws}-${m.losses} (${share(m.wins)} W, ${share(m.draws)} D)${opponents.size > 1 ? ` vs ${m.opponent}` : ''}` : '-');
    });
  }
  // Bandit runs: cumulative regret and the late share of optimal pulls.
  const bandits = c.variants.some((v) => v.bandit !== null);
  if (bandits) {
    header.push('regret', '% optimal');
    aligned.push(true, true);
    c.variants.forEach((v, i) => rows[i]!.push(formatNumber(v.bandit?.regret ?? null), v.bandit ? `${(100 * v.bandit.optimalShare).toFixed(1)}%` : '-'));
  }
  const lines = [
    textTable(header, rows, aligned),
    '',
    `final return: each seed's last evaluation; mean over seeds [${pct} percentile-bootstrap CI, ${c.resamples} resamples, seed ${c.seed}].`,
    'IQM: interquartile mean of the final returns (mean of the middle 50% of seeds).',
    `AUC: area under each seed's evaluation curve over ${xName} / its span (average return during training); mean over seeds.`,
    `to ${t}: median over the seeds whose evaluation reached ${t} (reached/seeds).`,
    'partial: running, interrupted or pending; its numbers stop where the run is.',
    ...(c.variants.some((v) => v.match !== null) ? ["W-D-L: the learner's wins, draws and losses in the seeds' final evaluations, added up (both sides in turn)."] : []),
    ...(bandits ? ['regret: cumulative pseudo-regret (best mean - pulled mean, summed over pulls); % optimal: share of optimal pulls over the last tenth of training; means over seeds.'] : []),
  ];
  if (c.problems.length > 0) lines.push('', `problems (${c.problems.length}):`, ...c.problems.map((p) => `  ${p}`));
  return lines.join('\n') + '\n';
}

const CSV_COLUMNS = [
  'experiment',
  'variant',
  'algorithm',
  'seeds',
  'finished',
  'partial',
  'failed',
  'evaluated',
  'final_mean',
  'final_low',
  'final_high',
  'final_iqm',
  'auc',
  'threshold',
  'reached',
  'steps_to_threshold',
  'seconds_to_threshold',
  'steps_per_second',
  'opponent',
  'final_wins',
  'final_draws',
  'final_losses',
  'regret',
  'optimal_share',
] as const;

function csvCell(v: string | number | null): string {
  if (v === null || (typeof v === 'number' && !Number.isFinite(v))) return '';
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** One CSV row per variant (full precision, empty cells for missing values); curves are in the JSON. */
export function toCsv(c: Comparison): string {
  const rows = c.variants.map((v) => {
    const row: Record<(typeof CSV_COLUMNS)[number], string | number | null> = {
      experiment: v.experiment,
      variant: v.variant,
      algorithm: v.algorithm,
      seeds: v.seeds,
      finished: v.finished,
      partial: v.partial,
      failed: v.failed,
      evaluated: v.evaluated,
      final_mean: v.final?.mean ?? null,
      final_low: v.final?.low ?? null,
      final_high: v.final?.high ?? null,
      final_iqm: v.final?.iqm ?? null,
      auc: v.auc,
      threshold: v.threshold,
      reached: v.of === 0 ? null : v.reached,
      steps_to_threshold: v.stepsToThreshold,
      seconds_to_threshold: v.secondsToThreshold,
      steps_per_second: v.stepsPerSecond,
      opponent: v.match?.opponent ?? null,
      final_wins: v.match?.wins ?? null,
      final_draws: v.match?.draws ?? null,
      final_losses: v.match?.losses ?? null,
      regret: v.bandit?.regret ?? null,
      optimal_share: v.bandit?.optimalShare ?? null,
    };
    return CSV_COLUMNS.map((k) => csvCell(row[k])).join(',');
  });
  return [CSV_COLUMNS.join(','), ...rows].join('\n') + '\n';
}

/** The whole comparison, per-seed numbers and curves included, as pretty JSON (NaN becomes null). */
export function toJson(c: Comparison): string {
  return JSON.stringify(c, null, 2) + '\n';
}
