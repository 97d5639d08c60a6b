// Play live: a run's env and its trained policy running in the browser. The
// server sends the env (id, kwargs, wrappers) and the checkpoint's weights as
// one packet (viewer/live-source.ts); the env is the same TypeScript the
// runner trains on, made and wrapped as a run's (experiments/execute-run.ts
// makeRunEnv), and the policy acts by the plain-JS forward pass of
// viewer/live-policy.ts. Drawn by the replay player's stage, scenes and bars.
// Controls: reset (with a seed), play/pause, one step, speed in steps per
// second, camera; the arrow keys take over from the policy (CartPole, CarRacing,
// MountainCar, Acrobot, Pendulum: client/live/keys.ts) and `p` hands back.
// The page's state (seed, speed) stays in the address.
import type { Frame } from '../../../core/episode.js';
import type { Env } from '../../../core/env.js';
import { make } from '../../../core/registry.js';
import { applyWrappers } from '../../../experiments/config-wrappers.js';
import type { RunRef } from '../../api-types.js';
import type { LiveOverlays, LivePolicy, LiveSpec } from '../../live-policy.js';
import { decodeLivePacket, livePolicy } from '../../live-policy.js';
import { ApiFailure, SERVER_GONE } from '../api.js';
import { fmt, h, notice, replace } from '../dom.js';
import { registerLiveEnvs } from '../live/envs.js';
import type { Arrow, HumanControls } from '../live/keys.js';
import { ARROWS, humanControls } from '../live/keys.js';
import { drawBars, drawReadouts } from '../player/hud.js';
import { Stage } from '../player/stage.js';
import type { Page } from '../routes.js';
import { experimentHref, keepState, runHref, stateOf } from '../routes.js';
import type { EnvScene } from '../scenes/index.js';
import { createScene } from '../scenes/index.js';

/** Steps per second offered; the default is the scene's own frame rate. */
const SPEEDS = [1, 5, 15, 30, 50, 100, 250, 1000];
/** Time the steps of one animation frame may take at most (ms): a slow policy (a CNN) lowers the speed rather than the page's response. */
const FRAME_BUDGET_MS = 30;
/** Episodes without a time limit stop here all the same (as recordEpisode does; the page keeps every frame of an episode). */
const MAX_STEPS = 10_000;

const plainAction = (a: number | Float32Array): number | number[] => (typeof a === 'number' ? a : Array.from(a));

async function fetchPacket(run: RunRef): Promise<{ spec: LiveSpec; weights: Float32Array }> {
  const path = `/api/experiments/${encodeURIComponent(run.experiment)}/runs/${encodeURIComponent(run.variant)}/${encodeURIComponent(run.seed)}/live`;
  let res: Response;
  try {
    res = await fetch(path);
  } catch {
    throw new ApiFailure(0, { error: SERVER_GONE });
  }
  if (!res.ok) {
    const body = (await res.json().catch(() => ({ error: `${path}: ${res.status} ${res.statusText}` }))) as { error: string };
    throw new ApiFailure(res.status, body);
  }
  return decodeLivePacket(await res.arrayBuffer());
}

/**
 * A scene for the episode that `frames` (the reset's frame so far) grows into:
 * scenes read frames from their record by index (a trail of visited cells),
 * so the page appends each step's frame to this same array.
 */
function sceneFor(spec: LiveSpec, env: Env, seed: number, frames: Frame[]): EnvScene {
  const unwrapped = env.unwrapped as Env & { renderHeader?(): Record<string, unknown> };
  return createScene({
    format: 'arena.episode/1',
    env: { id: spec.env.id, kwargs: spec.env.kwargs, wrappers: spec.env.wrappers },
    seed,
    agent: { algorithm: spec.policy.algorithm, deterministic: true },
    trainingStep: spec.trainingStep,
    header: typeof unwrapped.renderHeader === 'function' ? unwrapped.renderHeader() : {},
    frames,
    return: 0,
    length: 0,
    terminated: false,
    truncated: false,
  });
}

export function livePage(root: HTMLElement, run: RunRef): Page {
  let alive = true;
  let raf = 0;
  const cleanups: (() => void)[] = [];
  replace(root, notice('loading the policy…'));

  async function start(): Promise<void> {
    let spec: LiveSpec;
    let policy: LivePolicy;
    try {
      const packet = await fetchPacket(run);
      spec = packet.spec;
      policy = livePolicy(spec.policy, packet.weights);
    } catch (e) {
      if (alive) replace(root, notice(`cannot play this run live: ${(e as Error).message}`, 'error'));
      return;
    }
    if (!alive) return;
    registerLiveEnvs();
    let env: Env;
    try {
      env = applyWrappers(make(spec.env.id, { ...spec.env.kwargs }), spec.env.wrappers);
    } catch (e) {
      replace(root, notice(`cannot make ${spec.env.id} in the browser: ${(e as Error).message}`, 'error'));
      return;
    }
    cleanups.push(() => env.close());
    const controlsOf: HumanControls | null = humanControls(spec.env.id, env.actionSpace);

    const viewport = h('div', { class: 'viewport' });
    const player = h('div', { class: 'player', 'data-testid': 'live' });
    let stage: Stage;
    try {
      stage = new Stage(viewport);
    } catch (e) {
      replace(root, notice(`cannot draw: ${(e as Error).message} (the viewer needs WebGL)`, 'error'));
      return;
    }
    cleanups.push(() => stage.dispose());
    // The stage disposes the scene on it at the end; reset disposes the ones it replaces.

    // The overlay: who acts, step, action, reward, return, the policy's numbers, the scene's readouts.
    const actorText = h('span', { class: 'live-actor', 'data-testid': 'actor' });
    const stepText = h('span', { 'data-testid': 'steps' });
    const actionText = h('span', { 'data-testid': 'action' });
    const rewardText = h('span');
    const returnText = h('span', { 'data-testid': 'return' });
    const endText = h('div', { class: 'live-end', 'data-testid': 'end' });
    const bars = h('div', { class: 'hud-bars' });
    const barsTitle = h('div', { class: 'hud-title' });
    const valueText = h('div', { class: 'small' });
    const readouts = h('div', { class: 'hud-readouts', 'data-testid': 'readouts' });
    // Shown when the policy has numbers to show (a continuous policy without a critic has none).
    const diag = h('div', { class: 'hud-box hud-diag' }, barsTitle, bars, valueText);
    // Shown for scenes with readouts (a car's speed, steering, pedals).
    const side = h('div', { class: 'hud hud-side' }, h('div', { class: 'hud-box' }, readouts));
    viewport.append(
      h(
        'div',
        { class: 'hud' },
        h(
          'div',
          { class: 'hud-box' },
          h('div', {}, h('b', {}, 'acting '), actorText),
          h('div', {}, h('b', {}, 'step '), stepText),
          h('div', {}, h('b', {}, 'action '), actionText),
          h('div', {}, h('b', {}, 'reward '), rewardText),
          h('div', {}, h('b', {}, 'return '), returnText),
          endText,
        ),
        diag,
      ),
      side,
    );

    // Episode state.
    let scene: EnvScene | null = null;
    /** The episode's frames: the reset's, then one per step (the state reached, the action that led there, its reward). */
    let frames: Frame[] = [];
    let obs: unknown = null;
    let steps = 0;
    let total = 0;
    let done = false;
    let playing = true;
    let human = false;
    const held = new Set<Arrow>();
    let lastArrow: Arrow | null = null;
    let budget = 0;

    const state = stateOf();
    const seedInput = h('input', { type: 'number', value: state.get('seed') ?? '0', step: 1, style: 'width: 7em', 'data-testid': 'seed', 'aria-label': 'reset seed' });
    const speedSelect = h('select', { 'data-testid': 'speed', title: 'steps per second (+ / -)' });
    const playButton = h('button', { class: 'primary', 'data-testid': 'play', title: 'play / pause (space)', onclick: () => setPlaying(!playing) }, 'pause');

    const show = (frame: Frame, overlays: LiveOverlays): void => {
      stage.show(frame, steps);
      actorText.textContent = human ? 'you (keyboard)' : 'policy';
      player.dataset.actor = human ? 'human' : 'policy';
      stepText.textContent = String(steps);
      actionText.textContent = frame.action === undefined ? '–' : scene!.actionLabel(frame.action);
      rewardText.textContent = frame.reward === undefined ? '–' : fmt(frame.reward);
      returnText.textContent = fmt(total);
      const kind = overlays.qValues ? 'qValues' : overlays.probs ? 'probs' : null;
      barsTitle.textContent = kind === 'qValues' ? 'Q-values' : kind === 'probs' ? 'action probabilities' : '';
      // A policy has bars on every step or on none (a continuous one).
      if (kind) drawBars(bars, kind, overlays[kind], typeof frame.action === 'number' ? frame.action : -1, scene!.actionNames);
      valueText.textContent = overlays.value !== undefined ? `value ${fmt(overlays.value)}` : '';
      diag.style.display = kind || overlays.value !== undefined ? '' : 'none';
      side.style.display = scene!.readouts ? '' : 'none';
      if (scene!.readouts) drawReadouts(readouts, scene!.readouts(frame));
      player.dataset.steps = String(steps);
      player.dataset.return = String(total);
      player.dataset.done = String(done);
      player.dataset.playing = String(playing);
    };

    const reset = (): void => {
      const seed = Number(seedInput.value);
      if (!Number.isInteger(seed)) {
        endText.textContent = `the seed must be an integer, got ${JSON.stringify(seedInput.value)}`;
        return;
      }
      keepState({ seed: seed === 0 ? null : String(seed) });
      obs = env.reset({ seed }).obs;
      steps = 0;
      total = 0;
      done = false;
      budget = 0;
      endText.textContent = '';
      // Frame 0 carries the action the policy would take there, as a record's does (scenes tell continuous actions by it).
      const first = policy.actWithOverlays(obs);
      frames = [{ state: env.renderState(), action: plainAction(first.action) }];
      // A new scene each episode (CarRacing's track changes with the seed), on the camera chosen before.
      const previous = scene;
      scene = sceneFor(spec, env, seed, frames);
      stage.setContent(scene);
      previous?.dispose();
      if (cameraSelect.value) stage.setCamera(cameraSelect.value);
      show(frames[0]!, first.overlays);
    };

    const step = (): void => {
      if (done) return;
      // The policy's view is shown while the user acts too: what it would have done.
      const { action: chosen, overlays } = policy.actWithOverlays(obs);
      const action = human && controlsOf ? controlsOf.action(held, lastArrow) : chosen;
      const r = env.step(action);
      obs = r.obs;
      steps += 1;
      total += r.reward;
      done = r.terminated || r.truncated || steps >= MAX_STEPS;
      if (done) {
        endText.textContent = `episode over (${r.terminated ? 'terminated' : 'truncated'}): return ${fmt(total)} in ${steps} steps · r to reset`;
        setPlaying(false);
      }
      player.dataset.action = typeof action === 'number' ? String(action) : Array.from(action, (v) => v.toFixed(3)).join(',');
      const frame: Frame = { state: env.renderState(), action: plainAction(action), reward: r.reward, return: total };
      frames.push(frame);
      show(frame, overlays);
    };

    /** Runs `fn`; an error (an observation the policy cannot read, an action the env refuses) stops play and is shown in the overlay. */
    const guarded = (fn: () => void): void => {
      try {
        fn();
      } catch (e) {
        setPlaying(false);
        endText.textContent = `stopped: ${(e as Error).message}`;
      }
    };
    const restart = (): void => {
      reset();
      setPlaying(true);
    };
    const stepOnce = (): void => {
      setPlaying(false);
      step();
    };

    const setPlaying = (on: boolean): void => {
      playing = on && !done;
      budget = 0;
      playButton.textContent = playing ? 'pause' : 'play';
      player.dataset.playing = String(playing);
    };

    const defaultSpeed = (): number => {
      const fromState = Number(state.get('speed'));
      return SPEEDS.includes(fromState) ? fromState : 50;
    };
    let speed = defaultSpeed();
    for (const s of SPEEDS) speedSelect.append(h('option', { value: s, selected: s === speed }, `${s} steps/s`));
    const setSpeed = (s: number): void => {
      speed = s;
      speedSelect.value = String(s);
      keepState({ speed: s === 50 ? null : String(s) });
    };
    speedSelect.addEventListener('change', () => setSpeed(Number(speedSelect.value)));

    const takeOver = (on: boolean): void => {
      human = on && controlsOf !== null;
      actorText.textContent = human ? 'you (keyboard)' : 'policy';
      player.dataset.actor = human ? 'human' : 'policy';
      handBack.disabled = !human;
    };
    const handBack = h('button', { 'data-testid': 'hand-back', title: 'the policy acts again (p)', onclick: () => takeOver(false), disabled: true }, 'hand back to the policy');

    const cameraSelect = h('select', { 'data-testid': 'camera', onchange: () => stage.setCamera(cameraSelect.value) });
    const controls = h(
      'div',
      { class: 'controls' },
      h('button', { 'data-testid': 'reset', title: 'reset the env with this seed and play (r)', onclick: () => guarded(restart) }, 'reset'),
      h('label', { class: 'control' }, 'seed', seedInput),
      playButton,
      h('button', { 'data-testid': 'step', title: 'one step (.)', onclick: () => guarded(stepOnce) }, 'step'),
      h('label', { class: 'control' }, 'speed', speedSelect),
      handBack,
      h('label', { class: 'control' }, 'camera', cameraSelect),
    );
    const keysHelp = controlsOf
      ? `keys: ${controlsOf.help} (the arrows take over from the policy) · p hand back to the policy · space play/pause · . step · r reset · + − speed`
      : `keys: space play/pause · . step · r reset · + − speed · ${spec.env.id} has no keyboard control here`;
    const title = h(
      'div',
      { class: 'pane-title' },
      h('a', { href: runHref(run) }, `${run.variant} ${run.seed}`),
      h('span', { class: 'muted' }, ` · ${spec.env.id} · ${spec.policy.algorithm} at training step ${spec.trainingStep} · deterministic policy in your browser`),
    );
    replace(root, player);
    player.append(
      h('div', { class: 'panes' }, h('div', { class: 'pane' }, title, viewport)),
      controls,
      h('p', { class: 'muted small keys', 'data-testid': 'keys' }, keysHelp),
      h('p', { class: 'muted small' }, 'Play live runs classic control, toy text and CarRacing in the browser; MuJoCo runs do not play live (its WebAssembly physics is loaded from Node only).'),
    );
    try {
      reset();
    } catch (e) {
      replace(root, notice(`cannot play ${spec.env.id} with this policy: ${(e as Error).message}`, 'error'));
      return;
    }
    for (const c of [...stage.cameraNames, 'orbit']) cameraSelect.append(h('option', { value: c }, c));
    cameraSelect.value = stage.cameraName;

    const onKey = (e: KeyboardEvent): void => {
      const t = e.target as HTMLElement | null;
      if (t && (t.tagName === 'SELECT' || t.tagName === 'TEXTAREA' || t.tagName === 'INPUT')) return;
      if (e.ctrlKey || e.metaKey || e.altKey) return;
      if ((ARROWS as readonly string[]).includes(e.key)) {
        if (!controlsOf) return;
        e.preventDefault();
        held.add(e.key as Arrow);
        lastArrow = e.key as Arrow;
        if (!human) takeOver(true);
        return;
      }
      const actions: Record<string, () => void> = {
        ' ': () => setPlaying(!playing),
        '.': () => guarded(stepOnce),
        r: () => guarded(restart),
        p: () => takeOver(false),
        '+': () => setSpeed(SPEEDS[Math.min(SPEEDS.length - 1, SPEEDS.indexOf(speed) + 1)]!),
        '=': () => setSpeed(SPEEDS[Math.min(SPEEDS.length - 1, SPEEDS.indexOf(speed) + 1)]!),
        '-': () => setSpeed(SPEEDS[Math.max(0, SPEEDS.indexOf(speed) - 1)]!),
      };
      const action = actions[e.key];
      if (!action) return;
      e.preventDefault();
      e.stopPropagation();
      action();
    };
    const onKeyUp = (e: KeyboardEvent): void => {
      held.delete(e.key as Arrow);
    };
    // A key released while the window had no focus would stay held.
    const onBlur = (): void => held.clear();
    window.addEventListener('keydown', onKey, { capture: true });
    window.addEventListener('keyup', onKeyUp, { capture: true });
    window.addEventListener('blur', onBlur);
    cleanups.push(() => {
      window.removeEventListener('keydown', onKey, { capture: true });
      window.removeEventListener('keyup', onKeyUp, { capture: true });
      window.removeEventListener('blur', onBlur);
    });

    let before = performance.now();
    const loop = (now: number): void => {
      if (!alive) return;
      const dt = Math.min(0.25, (now - before) / 1000);
      before = now;
      if (playing) {
        budget += dt * speed;
        const until = performance.now() + FRAME_BUDGET_MS;
        guarded(() => {
          while (budget >= 1 && playing && performance.now() < until) {
            budget -= 1;
            step();
          }
        });
        // Steps the frame had no time for are dropped, not owed.
        budget = Math.min(budget, 1);
      }
      stage.render();
      raf = requestAnimationFrame(loop);
    };
    raf = requestAnimationFrame(loop);
  }

  void start();
  return {
    title: [
      [run.experiment, experimentHref(run.experiment)],
      [`${run.variant} / ${run.seed}`, runHref(run)],
      ['play live', null],
    ],
    dispose: () => {
      alive = false;
      cancelAnimationFrame(raf);
      for (const c of cleanups) c();
    },
  };
}
