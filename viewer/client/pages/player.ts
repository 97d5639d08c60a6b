// The replay player: one episode, or two side by side playing in sync (the
// first and last recording of a run, two runs on the same seed), each drawn
// by its env's 3D scene with an overlay of the frame's numbers. Controls:
// play/pause, step, scrubber, speed 0.25x-8x, camera (the scene's own
// cameras, such as a car's chase and top views, or the free orbit camera),
// follow (orbit camera), zoom, reset view, overlays on or off; keys: space,
// left/right arrows, + and -, Home and End, c (next camera), o (overlays).
// The paused frame and hidden overlays stay in the address.
import type { EpisodeRecord } from '../../../core/episode.js';
import type { MatchRecord } from '../../../core/match-record.js';
import type { EpisodeRef } from '../../api-types.js';
import { api } from '../api.js';
import { fmt, fmtSteps, h, notice, replace } from '../dom.js';
import { Hud } from '../player/hud.js';
import { MatchHud, defaultSideNames, isMatchRecord } from '../player/match-hud.js';
import { Playback, SPEEDS } from '../player/playback.js';
import { Stage } from '../player/stage.js';
import type { Page } from '../routes.js';
import { experimentHref, keepState, playHref, runHref, stateOf } from '../routes.js';
import type { EnvScene } from '../scenes/index.js';
import { createScene } from '../scenes/index.js';
import { saveVideoButton } from '../video/save-button.js';

/** Runs whose episodes are offered for the second pane, at most. */
const MAX_COMPARE_RUNS = 40;

interface Pane {
  readonly ref: EpisodeRef;
  readonly episode: EpisodeRecord;
  readonly scene: EnvScene;
  readonly stage: Stage;
  readonly hud: Hud | MatchHud;
  readonly el: HTMLElement;
  shown: number;
}

/** A multi-agent record's return says whose it is: " (blue)". */
function returnOf(e: EpisodeRecord, scene: EnvScene): string {
  if (!isMatchRecord(e)) return '';
  const m = e as unknown as MatchRecord;
  const sides = m.sides ?? [m.agents];
  const names = scene.sideNames && scene.sideNames.length === sides.length ? scene.sideNames : defaultSideNames(sides);
  return sides.length > 1 ? ` (${names[m.recordedSide ?? 0] ?? 'side 0'})` : '';
}

function paneTitle(ref: EpisodeRef, e: EpisodeRecord, scene: EnvScene, label: string | null): HTMLElement {
  const who = e.agent ? `${e.agent.variant ?? e.agent.algorithm}${e.agent.runSeed !== undefined ? ` seed ${e.agent.runSeed}` : ''}` : `${ref.variant} ${ref.seed}`;
  return h(
    'div',
    { class: 'pane-title' },
    label ? h('span', { class: 'pane-label' }, label) : null,
    h('a', { href: runHref(ref) }, who),
    h('span', { class: 'muted' }, ` · ${e.env.id}`),
    e.trainingStep !== undefined ? h('span', { class: 'muted' }, ` · training step ${fmtSteps(e.trainingStep)}`) : null,
    h('span', { class: 'muted' }, ` · reset seed ${e.seed}`),
    h('span', {}, ` · return ${fmt(e.return)}${returnOf(e, scene)} in ${e.length} ${(e.env as { kind?: string }).kind === 'turn-based' ? 'moves' : 'steps'}`),
  );
}

export function playerPage(root: HTMLElement, a: EpisodeRef, b: EpisodeRef | null): Page {
  let alive = true;
  let raf = 0;
  const panes: Pane[] = [];
  const cleanups: (() => void)[] = [];
  replace(root, notice('loading episode…'));

  async function start(): Promise<void> {
    let episodes: EpisodeRecord[];
    try {
      episodes = await Promise.all([a, ...(b ? [b] : [])].map((r) => api.episode(r)));
    } catch (e) {
      if (alive) replace(root, notice(`cannot play this episode: ${(e as Error).message}`, 'error'));
      return;
    }
    if (!alive) return;
    const refs = b ? [a, b] : [a];
    const paneBox = h('div', { class: `panes${b ? ' two' : ''}` });
    const player = h('div', { class: 'player', 'data-testid': 'player' }, paneBox);
    replace(root, player);
    try {
      refs.forEach((ref, i) => {
        const episode = episodes[i]!;
        const viewport = h('div', { class: 'viewport' });
        const scene = createScene(episode);
        const el = h('div', { class: 'pane', 'data-testid': 'pane' }, paneTitle(ref, episode, scene, b ? (i === 0 ? 'A' : 'B') : null), viewport);
        paneBox.append(el);
        const stage = new Stage(viewport);
        stage.setContent(scene);
        const hud = isMatchRecord(episode) ? new MatchHud(episode, scene) : new Hud(episode, scene);
        viewport.append(hud.el);
        if (hud.side) viewport.append(hud.side);
        panes.push({ ref, episode, scene, stage, hud, el, shown: -1 });
      });
    } catch (e) {
      replace(root, notice(`cannot draw this episode: ${(e as Error).message} (the viewer needs WebGL)`, 'error'));
      return;
    }

    const last = Math.max(...panes.map((p) => p.episode.frames.length - 1));
    const playback = new Playback(last, panes[0]!.scene.fps);

    // Controls.
    const playButton = h('button', { class: 'primary', 'data-testid': 'play', title: 'play / pause (space)', onclick: () => playback.toggle() }, 'play');
    const scrubber = h('input', { type: 'range', min: 0, max: last, step: 1, value: 0, class: 'scrubber', 'data-testid': 'scrubber', 'aria-label': 'frame' });
    scrubber.addEventListener('input', () => {
      // Read before pausing: pausing redraws the controls, scrubber included.
      const target = Number(scrubber.value);
      playback.pause();
      playback.seek(target);
    });
    const frameLabel = h('span', { class: 'frame-label', 'data-testid': 'frame' });
    const speed = h(
      'select',
      { 'data-testid': 'speed', title: 'speed (+ / -)', onchange: (e: Event) => playback.setSpeed(Number((e.target as HTMLSelectElement).value)) },
      ...SPEEDS.map((s) => h('option', { value: s, selected: s === 1 }, `${s}x`)),
    );
    const canFollow = panes.some((p) => p.stage.canFollow);
    const follow = h('input', {
      type: 'checkbox',
      'data-testid': 'follow',
      onchange: (e: Event) => {
        for (const p of panes) p.stage.setFollow((e.target as HTMLInputElement).checked);
      },
    });
    // Cameras: the scenes' own (a car's chase and top views) and the free orbit camera, the same for every pane that has it.
    const cameraNames = [...new Set(panes.flatMap((p) => p.stage.cameraNames))];
    const camera = h(
      'select',
      {
        'data-testid': 'camera',
        title: 'camera (c)',
        onchange: (e: Event) => setCamera((e.target as HTMLSelectElement).value),
      },
      ...[...cameraNames, 'orbit'].map((name) => h('option', { value: name }, name)),
    );
    const setCamera = (name: string): void => {
      for (const p of panes) p.stage.setCamera(name);
      camera.value = name;
      // Scene cameras follow by themselves; "follow" is for the orbit camera.
      follow.disabled = name !== 'orbit';
      player.dataset.camera = name;
    };
    if (cameraNames.length > 0) setCamera(cameraNames[0]!);
    const nextCamera = (): void => {
      const names = [...cameraNames, 'orbit'];
      setCamera(names[(names.indexOf(camera.value) + 1) % names.length]!);
    };
    // Overlays on or off (key o), for a clear view of the scene.
    const overlays = h('input', {
      type: 'checkbox',
      checked: stateOf().get('overlays') !== 'off',
      'data-testid': 'overlays',
      onchange: () => showOverlays(overlays.checked),
    });
    const showOverlays = (on: boolean): void => {
      overlays.checked = on;
      player.classList.toggle('no-overlays', !on);
      keepState({ overlays: on ? null : 'off' });
    };
    showOverlays(overlays.checked);
    const button = (text: string, title: string, fn: () => void, testid?: string) => h('button', { title, onclick: fn, ...(testid ? { 'data-testid': testid } : {}) }, text);
    const controls = h(
      'div',
      { class: 'controls' },
      button('|◀', 'first frame (Home)', () => playback.step(-last), 'first'),
      button('◀', 'step back (←)', () => playback.step(-1), 'step-back'),
      playButton,
      button('▶', 'step forward (→)', () => playback.step(1), 'step-forward'),
      button('▶|', 'last frame (End)', () => playback.step(last), 'last'),
      scrubber,
      frameLabel,
      h('label', { class: 'control' }, 'speed', speed),
      cameraNames.length > 0 ? h('label', { class: 'control' }, 'camera', camera) : null,
      canFollow ? h('label', { class: 'control', title: 'the orbit camera follows the cart or car' }, follow, 'follow') : null,
      h('label', { class: 'control', title: 'the numbers over the scene (o)' }, overlays, 'overlays'),
      button('−', 'zoom out', () => panes.forEach((p) => p.stage.zoom(1.2))),
      button('+', 'zoom in', () => panes.forEach((p) => p.stage.zoom(1 / 1.2))),
      button('reset view', 'camera back to the start', () => panes.forEach((p) => p.stage.resetView())),
      saveVideoButton(panes[0]!.episode, () => panes[0]!.stage.renderer.domElement.getBoundingClientRect(), panes[0]!.scene.fps, a.file.replace(/\.json$/, '')),
    );
    player.append(controls, h('p', { class: 'muted small keys' }, `keys: space play/pause · ← → step one frame · + − speed · Home End${cameraNames.length > 0 ? ' · c camera' : ''} · o overlays · drag to orbit, wheel to zoom, right-drag to pan`));
    player.append(comparePicker());

    const sync = (): void => {
      const f = playback.frame;
      for (const p of panes) {
        const index = Math.min(f, p.episode.frames.length - 1);
        if (p.shown === index) continue;
        p.shown = index;
        const frame = p.episode.frames[index]!;
        p.stage.show(frame, index);
        p.hud.update(frame, index);
        p.el.classList.toggle('ended', f > index);
      }
      scrubber.value = String(f);
      frameLabel.textContent = `${f} / ${last}`;
      playButton.textContent = playback.playing ? 'pause' : 'play';
      speed.value = String(playback.speed);
      player.dataset.frame = String(f);
      player.dataset.playing = String(playback.playing);
      // The frame goes into the address when playback stops, so a link opens where its sender paused.
      if (!playback.playing) keepState({ frame: f > 0 ? String(f) : null });
    };
    cleanups.push(playback.onChange(sync));
    const startFrame = Number(stateOf().get('frame') ?? 0);
    if (Number.isInteger(startFrame) && startFrame > 0) playback.seek(Math.min(startFrame, last));
    sync();

    const onKey = (e: KeyboardEvent): void => {
      const t = e.target as HTMLElement | null;
      if (t && (t.tagName === 'SELECT' || t.tagName === 'TEXTAREA' || (t.tagName === 'INPUT' && (t as HTMLInputElement).type !== 'range' && (t as HTMLInputElement).type !== 'checkbox'))) return;
      if (e.ctrlKey || e.metaKey || e.altKey) return;
      const actions: Record<string, () => void> = {
        ' ': () => playback.toggle(),
        ArrowRight: () => playback.step(1),
        ArrowLeft: () => playback.step(-1),
        '+': () => playback.faster(),
        '=': () => playback.faster(),
        '-': () => playback.slower(),
        _: () => playback.slower(),
        Home: () => playback.step(-last),
        End: () => playback.step(last),
        ...(cameraNames.length > 0 ? { c: nextCamera } : {}),
        o: () => showOverlays(!overlays.checked),
      };
      const action = actions[e.key];
      if (!action) return;
      // Handled here only: a focused button or range input must not act on the same key too.
      e.preventDefault();
      e.stopPropagation();
      action();
    };
    window.addEventListener('keydown', onKey, { capture: true });
    cleanups.push(() => window.removeEventListener('keydown', onKey, { capture: true }));

    let before = performance.now();
    const loop = (now: number): void => {
      playback.tick((now - before) / 1000);
      before = now;
      for (const p of panes) p.stage.render();
      raf = requestAnimationFrame(loop);
    };
    raf = requestAnimationFrame(loop);
  }

  /** A list of the experiment's recorded episodes to put beside pane A. */
  function comparePicker(): HTMLElement {
    const select = h('select', { 'data-testid': 'compare-select' }, h('option', { value: '' }, b ? 'choose another episode for pane B…' : 'choose an episode…'));
    select.addEventListener('change', () => {
      if (select.value) location.hash = playHref(a, JSON.parse(select.value) as EpisodeRef);
    });
    const box = h(
      'div',
      { class: 'compare' },
      h('label', { class: 'control' }, b ? 'pane B:' : 'side by side with:', select),
      b ? h('a', { class: 'button', href: playHref(b, a) }, 'swap A and B') : null,
      b ? h('a', { class: 'button', href: playHref(a) }, 'close pane B') : null,
      h('a', { class: 'button', href: runHref(a) }, 'all episodes of this run'),
    );
    void (async () => {
      try {
        const detail = await api.experiment(a.experiment);
        for (const run of detail.runs.slice(0, MAX_COMPARE_RUNS)) {
          const { episodes } = await api.episodes(run).catch(() => ({ episodes: [] }));
          if (!alive || episodes.length === 0) continue;
          select.append(
            h(
              'optgroup',
              { label: `${run.variant} / ${run.seed}` },
              ...episodes.map((ep) => {
                const ref: EpisodeRef = { experiment: run.experiment, variant: run.variant, seed: run.seed, file: ep.file };
                return h('option', { value: JSON.stringify(ref) }, `step ${fmtSteps(ep.step)} #${ep.index}: return ${fmt(ep.return)}`);
              }),
            ),
          );
        }
      } catch {
        // The picker is a convenience; the player works without it.
      }
    })();
    return box;
  }

  void start();
  return {
    title: [
      [a.experiment, experimentHref(a.experiment)],
      [`${a.variant} / ${a.seed}`, runHref(a)],
      [b ? 'side by side' : 'replay', null],
    ],
    dispose: () => {
      alive = false;
      cancelAnimationFrame(raf);
      for (const c of cleanups) c();
      for (const p of panes) p.stage.dispose();
    },
  };
}
