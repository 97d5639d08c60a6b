// Pong (envs/games/pong.ts): the table seen from above and in front, with its
// walls, centre line and the two goal lines in the colours of the paddles that
// guard them; the paddles (paddle_0 blue on the left, paddle_1 red on the
// right, each named), the ball with a short fading trail, and a scoreboard
// behind the far wall: the points (competitive mode) or the rally, the hits
// since the last serve (cooperative mode, where the rally is the return),
// with "POINT" for half a second after one.
//
// Header (PongGame.renderHeader()): halfWidth (goal lines at x = +-halfWidth),
//   halfHeight (walls at y = +-halfHeight), paddleX (the paddles' faces),
//   paddleHalfLength, ballRadius, mode ('competitive' | 'cooperative').
// Render state per frame: ball { x, y }, score { paddle_0, paddle_1 }, rally,
//   agents { paddle_i: { x, y, lastAction, reward, return } }.
import * as THREE from 'three';
import type { EpisodeRecord, Frame } from '../../../core/episode.js';
import type { EnvScene } from './registry.js';
import { registerScene } from './registry.js';
import { box, disposeTree, material, mesh, scalarAction } from './parts.js';
import { SIDE_COLORS, agentsHavePositions, agentsOf, css, flatRect, headerNumber, isNum, nameTag, outline, paint, pointOf, scoreboard } from './games.js';

const FPS = 20; // dt = 0.05 s
const ACTIONS = ['stay', 'up', 'down'];
const TABLE = 0x1f4e6e;
const LINE = 0xf2f5f8;
const RAIL = 0xdfe5ec;
const TRAIL = 8;

export function pongScene(episode: EpisodeRecord): EnvScene | null {
  const frames = episode.frames;
  if (!agentsHavePositions(frames) || !frames.every((f) => pointOf(f.state.ball))) return null;
  const hd = episode.header;
  const W = headerNumber(hd, 'halfWidth', 1);
  const H = headerNumber(hd, 'halfHeight', 0.75);
  const PX = headerNumber(hd, 'paddleX', 0.9);
  const PL = headerNumber(hd, 'paddleHalfLength', 0.15);
  const BR = headerNumber(hd, 'ballRadius', 0.02);
  const cooperative = hd.mode === 'cooperative';
  const agents = Object.keys(agentsOf(frames[0]!.state)!);
  // The left paddle is side 0's colour, the right one side 1's.
  const colors = Object.fromEntries(agents.map((a) => [a, SIDE_COLORS[agentsOf(frames[0]!.state)![a]!.x! < 0 ? 0 : 1]]));

  const root = new THREE.Group();
  const margin = 0.14;
  const slab = box(2 * (W + margin), 0.06, 2 * (H + margin), material(0x2b3947, { roughness: 0.8 }));
  slab.position.y = -0.03;
  root.add(slab);
  root.add(flatRect(-W, -H, W, H, material(TABLE, { roughness: 0.6 }), 0.001));
  const lineMat = paint(LINE, 0.9);
  root.add(...outline(-W, -H, W, H, 0.014, lineMat, 0.002).slice(0, 2));
  // The dashed centre line.
  const dashes = 15;
  for (let i = 0; i < dashes; i++) {
    const y0 = -H + ((i + 0.25) * 2 * H) / dashes;
    root.add(flatRect(-0.007, y0, 0.007, y0 + H / dashes, lineMat, 0.002));
  }
  // Goal lines and the zones behind them, in the colour of the paddle that guards each.
  for (const s of [-1, 1]) {
    const color = SIDE_COLORS[s < 0 ? 0 : 1];
    root.add(flatRect(s * W - 0.012, -H, s * W + 0.012, H, paint(color), 0.003));
    root.add(flatRect(s < 0 ? -W - margin : W, -H - margin, s < 0 ? -W : W + margin, H + margin, paint(color, 0.3), 0.0025));
  }
  // The walls the ball bounces off.
  const railMat = material(RAIL, { roughness: 0.4 });
  for (const s of [-1, 1]) {
    const rail = box(2 * W + 0.06, 0.05, 0.03, railMat);
    rail.position.set(0, 0.025, -s * (H + 0.015));
    root.add(rail);
  }

  const paddles = agents.map((agent) => {
    const g = new THREE.Group();
    const color = colors[agent]!;
    const left = agentsOf(frames[0]!.state)![agent]!.x! < 0;
    const body = box(0.06, 0.08, 2 * PL, new THREE.MeshStandardMaterial({ color, emissive: color, emissiveIntensity: 0.2, roughness: 0.35 }));
    // The face is at x = +-paddleX; the paddle stands behind it.
    body.position.set(left ? -0.03 : 0.03, 0.04, 0);
    const label = nameTag(agent, color, 0.085);
    label.sprite.position.set(left ? -0.03 : 0.03, 0.2, 0);
    g.add(body, label.sprite);
    root.add(g);
    return { agent, g };
  });

  const r = Math.max(BR, 0.028);
  const ballMat = new THREE.MeshStandardMaterial({ color: 0xfff4c2, emissive: 0xffe38a, emissiveIntensity: 0.45, roughness: 0.3 });
  const ball = mesh(new THREE.SphereGeometry(r, 24, 16), ballMat);
  const trailGeometry = new THREE.SphereGeometry(r * 0.8, 12, 8);
  const trail = Array.from({ length: TRAIL }, (_, k) => {
    const m = new THREE.Mesh(trailGeometry, new THREE.MeshBasicMaterial({ color: 0xffe38a, transparent: true, opacity: 0.5 * (1 - (k + 1) / (TRAIL + 1)), depthWrite: false }));
    m.scale.setScalar(1 - (0.6 * (k + 1)) / TRAIL);
    root.add(m);
    return m;
  });
  root.add(ball);

  const board = scoreboard(0.24);
  board.sprite.position.set(0, 0.38, -(H + margin + 0.1));
  root.add(board.sprite);

  const scoreAt = (i: number) => {
    const s = frames[Math.max(0, i)]!.state.score as Record<string, unknown> | undefined;
    return agents.map((a) => (isNum(s?.[a]) ? (s[a] as number) : 0));
  };
  const blue = css(0x8fb6ff);
  const red = css(0xff9a8f);
  let ballAt = new THREE.Vector3();

  return {
    root,
    view: { position: [-0.28, 2.05, 1.8], target: [-0.28, -0.1, 0.1] },
    extent: W + 0.4,
    fps: FPS,
    actionNames: ACTIONS,
    agentColors: colors,
    show(frame: Frame, index: number) {
      const state = agentsOf(frame.state)!;
      for (const p of paddles) p.g.position.set(state[p.agent]!.x!, 0, -state[p.agent]!.y!);
      const b = pointOf(frame.state.ball)!;
      ballAt = new THREE.Vector3(b.x, r + 0.01, -b.y);
      ball.position.copy(ballAt);
      // The trail: where the ball was over the last frames, cut at a serve (a jump back to the centre).
      let prev = b;
      let cut = false;
      trail.forEach((m, k) => {
        const f = frames[index - k - 1];
        const p = f ? pointOf(f.state.ball) : null;
        if (!p || cut || Math.hypot(p.x - prev.x, p.y - prev.y) > 0.3) cut = true;
        m.visible = !cut;
        if (p && !cut) {
          m.position.set(p.x, r + 0.01, -p.y);
          prev = p;
        }
      });
      const now = scoreAt(index);
      const before = scoreAt(index - FPS / 2);
      const scorer = now.findIndex((v, i) => v > before[i]!);
      const rally = isNum(frame.state.rally) ? frame.state.rally : 0;
      if (cooperative) {
        board.set([
          { text: 'rally ', color: '#c9d1db', bold: false },
          { text: String(rally), color: '#ffffff' },
          scorer >= 0 ? { text: `   missed by ${agents[1 - scorer]}`, color: '#ffd23f' } : { text: '' },
        ]);
      } else {
        board.set([
          { text: String(now[0] ?? 0), color: blue },
          { text: '  :  ', color: '#ffffff' },
          { text: String(now[1] ?? 0), color: red },
          scorer >= 0 ? { text: `   POINT ${agents[scorer]}`, color: '#ffd23f' } : { text: `   rally ${rally}`, color: '#c9d1db', bold: false },
        ]);
      }
    },
    focus: () => ballAt.clone(),
    actionLabel: (action) => {
      const a = scalarAction(action);
      return a === null ? '–' : `${ACTIONS[a] ?? '?'} (${a})`;
    },
    dispose: () => {
      trailGeometry.dispose();
      disposeTree(root);
    },
  };
}

registerScene('Pong', pongScene);
