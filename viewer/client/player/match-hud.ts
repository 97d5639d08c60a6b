// The overlay on a replay pane for a multi-agent record (core/match-record.ts):
// the frame, the recorded side's return so far, who played each side
// ("blue: learner · red: scripted"), and per agent its action at the frame,
// the reward it earned and its return so far (including the frame), each row
// in the agent's colour; in a turn-based game the agent that moves is marked
// and its move named. When the record has agent overlays, one agent's
// Q-values or action probabilities show as bars (its action highlighted) with
// its critic value over the episode; a selector picks the agent (for a
// turn-based game it starts on "who moves", following the turns).
// The scene's readouts, if it has any, go in a panel on the right.
import type { EpisodeRecord, Frame, FrameOverlays } from '../../../core/episode.js';
import type { MatchRecord } from '../../../core/match-record.js';
import { fmt, h, replace } from '../dom.js';
import type { EnvScene } from '../scenes/index.js';
import { SIDE_COLORS, css, matchFields } from '../scenes/games.js';
import { ValueChart, drawBars, drawReadouts } from './hud.js';

/** The selector's value for "whoever moves at the frame" (turn-based games). */
const ACTOR = '@actor';

/** Whether a parsed episode record is a multi-agent one (it lists its agents). */
export function isMatchRecord(episode: EpisodeRecord): boolean {
  return Array.isArray((episode as Partial<MatchRecord>).agents);
}

/** The side names a record implies: a side's shared name prefix (blue_0, blue_1: blue), a lone agent's id, or "team" for one cooperative side. */
export function defaultSideNames(sides: readonly (readonly string[])[]): string[] {
  return sides.map((side, i) => {
    if (side.length === 1) return side[0]!;
    const prefixes = new Set(side.map((a) => a.replace(/[_-]?\d+$/, '')));
    const prefix = prefixes.size === 1 ? [...prefixes][0]! : '';
    if (sides.length === 1) return prefix && prefix !== 'agent' ? prefix : 'team';
    return prefix || `side ${i}`;
  });
}

export class MatchHud {
  readonly el: HTMLElement;
  readonly side: HTMLElement | null = null;
  private readonly record: MatchRecord;
  private readonly agents: readonly string[];
  private readonly turnBased: boolean;
  /** Each agent's return up to and including each frame. */
  private readonly returnsAt: readonly Readonly<Record<string, number>>[];
  private readonly frameText = h('span', { class: 'hud-frame' });
  private readonly moveText = h('span', { class: 'hud-action' });
  private readonly returnText = h('span', { class: 'hud-return' });
  private readonly rows = new Map<string, { row: HTMLElement; action: HTMLElement; reward: HTMLElement; ret: HTMLElement }>();
  /** Agents with overlays somewhere in the episode. */
  private readonly withOverlays: readonly string[];
  private readonly select: HTMLSelectElement | null = null;
  private readonly qBars = h('div', { class: 'hud-bars', 'data-testid': 'agent-q' });
  private readonly probBars = h('div', { class: 'hud-bars', 'data-testid': 'agent-probs' });
  private readonly qBox = h('div', {}, h('div', { class: 'hud-title' }, 'Q-values'), this.qBars);
  private readonly probBox = h('div', {}, h('div', { class: 'hud-title' }, 'action probabilities'), this.probBars);
  private readonly valueBox = h('div', {});
  private readonly charts = new Map<string, ValueChart | null>();
  private readonly readouts = h('div', { class: 'hud-readouts', 'data-testid': 'readouts' });
  private shown: { frame: Frame; index: number } | null = null;

  constructor(
    episode: EpisodeRecord,
    private readonly scene: EnvScene,
  ) {
    this.record = episode as unknown as MatchRecord;
    const r = this.record;
    this.agents = r.agents;
    this.turnBased = (r.env as { kind?: string }).kind === 'turn-based' || r.frames.some((f) => f.actor !== undefined);
    const sides = r.sides ?? [r.agents];
    const sideNames = scene.sideNames && scene.sideNames.length === sides.length ? scene.sideNames : defaultSideNames(sides);
    const sideOf = (agent: string) => Math.max(0, sides.findIndex((s) => s.includes(agent)));
    const colorOf = (agent: string) => css(scene.agentColors?.[agent] ?? SIDE_COLORS[sideOf(agent) % SIDE_COLORS.length]!);
    const sideColor = (i: number) => {
      const colors = new Set((sides[i] ?? []).map(colorOf));
      return colors.size === 1 ? [...colors][0]! : css(SIDE_COLORS[i % SIDE_COLORS.length]!);
    };

    const running: Record<string, number> = Object.fromEntries(this.agents.map((a) => [a, 0]));
    this.returnsAt = r.frames.map((f) => {
      for (const [a, v] of Object.entries(f.rewards ?? {})) running[a] = (running[a] ?? 0) + v;
      return { ...running };
    });

    const recorded = r.recordedSide ?? 0;
    const main = h(
      'div',
      { class: 'hud-box' },
      h('div', {}, h('b', {}, 'frame '), this.frameText),
      this.turnBased ? h('div', {}, h('b', {}, 'move '), this.moveText) : null,
      h('div', {}, h('b', {}, 'return '), this.returnText, sides.length > 1 ? h('span', { class: 'muted' }, ` (${sideNames[recorded] ?? `side ${recorded}`})`) : null),
    );
    const controllers = h(
      'div',
      { class: 'hud-controllers', 'data-testid': 'controllers' },
      ...sides.flatMap((_s, i) => [
        i > 0 ? ' · ' : null,
        h('span', { class: 'hud-side-name', style: `color:${sideColor(i)}` }, sideNames[i] ?? `side ${i}`),
        `: ${r.controllers?.[i] ?? '?'}`,
      ]),
    );
    const table = h(
      'table',
      { class: 'hud-agents-table' },
      h('thead', {}, h('tr', {}, h('th', {}, 'agent'), h('th', {}, 'action'), h('th', { class: 'num' }, 'reward'), h('th', { class: 'num' }, 'return'))),
      h(
        'tbody',
        {},
        ...this.agents.map((agent) => {
          const action = h('td', { class: 'hud-agent-action' });
          const reward = h('td', { class: 'num hud-agent-reward' });
          const ret = h('td', { class: 'num hud-agent-return' });
          const row = h(
            'tr',
            { class: 'hud-agent', 'data-agent': agent, 'data-testid': 'agent-row' },
            h('td', { class: 'hud-agent-name', style: `color:${colorOf(agent)}` }, h('span', { class: 'hud-swatch', style: `background:${colorOf(agent)}` }), agent),
            action,
            reward,
            ret,
          );
          this.rows.set(agent, { row, action, reward, ret });
          return row;
        }),
      ),
    );
    const agentsBox = h('div', { class: 'hud-box hud-agents', 'data-testid': 'agents' }, controllers, table);

    const has = (a: string, key: keyof FrameOverlays) => r.frames.some((f) => f.agentOverlays?.[a]?.[key] !== undefined);
    this.withOverlays = this.agents.filter((a) => r.frames.some((f) => f.agentOverlays?.[a] !== undefined));
    let diag: HTMLElement | null = null;
    if (this.withOverlays.length > 0) {
      const options = [...(this.turnBased ? [ACTOR] : []), ...this.withOverlays];
      this.select = h(
        'select',
        { class: 'hud-agent-select', 'data-testid': 'overlay-agent', title: "whose Q-values, probabilities and value to show", onchange: () => this.redraw() },
        ...options.map((a) => h('option', { value: a }, a === ACTOR ? 'who moves' : a)),
      );
      const anyQ = this.withOverlays.some((a) => has(a, 'qValues'));
      const anyProbs = this.withOverlays.some((a) => has(a, 'probs'));
      diag = h(
        'div',
        { class: 'hud-box hud-diag', 'data-testid': 'agent-overlays' },
        h('label', { class: 'hud-title hud-agent-pick' }, 'agent ', this.select),
        anyQ ? this.qBox : null,
        anyProbs ? this.probBox : null,
        this.valueBox,
      );
    }
    this.el = h('div', { class: 'hud hud-match' }, main, agentsBox, diag);
    if (scene.readouts) this.side = h('div', { class: 'hud hud-side', 'data-testid': 'hud-side' }, h('div', { class: 'hud-box' }, this.readouts));
  }

  /** The agent whose overlays show at a frame (the actor, when following the turns). */
  private overlayAgent(frame: Frame): string | null {
    const chosen = this.select?.value ?? null;
    if (chosen !== ACTOR) return chosen;
    return matchFields(frame).actor ?? null;
  }

  private chart(key: string): ValueChart | null {
    if (!this.charts.has(key)) {
      const values = this.record.frames.map((f) => {
        const who = key === ACTOR ? f.actor : key;
        const v = who === undefined ? undefined : f.agentOverlays?.[who]?.value;
        return typeof v === 'number' ? v : null;
      });
      this.charts.set(key, values.some((v) => v !== null) ? new ValueChart(values, key === ACTOR ? 'critic value (who moves) ' : `critic value (${key}) `) : null);
    }
    return this.charts.get(key)!;
  }

  private redraw(): void {
    if (this.shown) this.update(this.shown.frame, this.shown.index);
  }

  update(frame: Frame, index: number): void {
    this.shown = { frame, index };
    const r = this.record;
    const last = r.frames.length - 1;
    this.frameText.textContent = `${index} / ${last}`;
    const end = index === last ? (r.terminated ? ' (terminated)' : r.truncated ? ' (truncated)' : '') : '';
    const m = matchFields(frame);
    const actions = m.actions ?? {};
    if (this.turnBased) {
      const actor = m.actor;
      this.moveText.textContent = actor === undefined ? `–${end}` : `${actor}: ${this.scene.actionLabel(actions[actor] ?? undefined, actor)}`;
    }
    const ret = frame.return ?? (index === last ? r.return : index > 0 ? r.frames[index - 1]!.return : 0);
    this.returnText.textContent = fmt(ret ?? 0);
    const returns = this.returnsAt[index] ?? {};
    for (const [agent, cells] of this.rows) {
      const action = actions[agent];
      cells.action.textContent = action === undefined || action === null ? '–' : this.scene.actionLabel(action, agent);
      const reward = m.rewards?.[agent];
      cells.reward.textContent = reward === undefined ? '–' : fmt(reward);
      cells.ret.textContent = fmt(returns[agent] ?? 0);
      cells.row.classList.toggle('actor', m.actor === agent);
    }
    if (this.select) {
      const who = this.overlayAgent(frame);
      const o = who === null ? undefined : m.agentOverlays?.[who];
      const chosen = who === null ? -1 : typeof actions[who] === 'number' ? (actions[who] as number) : -1;
      const names = (who !== null ? this.scene.actionNamesOf?.(who) : undefined) ?? this.scene.actionNames;
      drawBars(this.qBars, 'qValues', o?.qValues, chosen, names);
      drawBars(this.probBars, 'probs', o?.probs, chosen, names);
      const chart = this.chart(this.select.value);
      if (this.valueBox.dataset.key !== this.select.value) {
        replace(this.valueBox, ...(chart?.els ?? []));
        this.valueBox.dataset.key = this.select.value;
      }
      chart?.draw(index);
      this.el.dataset.overlayAgent = who ?? '';
    }
    if (this.scene.readouts) drawReadouts(this.readouts, this.scene.readouts(frame));
  }
}
