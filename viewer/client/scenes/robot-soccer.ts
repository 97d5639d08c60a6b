// RobotSoccer (envs/games/robot-soccer.ts): the field with its lines, boards
// and the two goals, the four robots as team-coloured discs with their names
// above them and a pointer along their velocity, the ball, and a scoreboard
// behind the far touchline (score, match time, "GOAL" for a second after one).
//
// Header (RobotSoccerGame.renderHeader()): halfLength, halfWidth (the field is
//   2 halfLength x 2 halfWidth), goalHalfWidth (the mouths in the middle of the
//   short sides), goalDepth, playerRadius, ballRadius, teams { blue: [...], red: [...] }.
// Render state per frame: ball { x, y }, score { blue, red }, agents { id:
//   { team, x, y, vx, vy, lastAction, reward, return } }.
// Blue defends the goal at x = -halfLength and attacks toward +x; red's actions
// are in red's own frame, the field turned by 180 degrees, so the overlay turns
// them back (an arrow up the screen is +y on the field for both teams).
// A robot that kicks at a frame (discrete action 9, or a positive third
// number of a continuous action) shows a yellow ring.
import * as THREE from 'three';
import type { EpisodeRecord, Frame } from '../../../core/episode.js';
import type { MatchRecord } from '../../../core/match-record.js';
import type { EnvScene } from './registry.js';
import { registerScene } from './registry.js';
import { COLORS, box, disposeTree, material, mesh } from './parts.js';
import { SIDE_COLORS, agentsHavePositions, agentsOf, flatRect, flatRing, headerNumber, isNum, matchFields, nameTag, outline, paint, pointOf, scoreboard } from './games.js';

/** Arrows for the eight discrete directions (0, 45, ..., 315 degrees; 0 is +x, 90 is +y, up the screen). */
const ARROWS = ['→', '↗', '↑', '↖', '←', '↙', '↓', '↘'];
const KICK = 9;
const FPS = 10; // dt = 0.1 s
const GRASS = 0x4c9a48;
const GRASS_LIGHT = 0x57a852;
const GRASS_EDGE = 0x3f8a3c;
const LINE = 0xf4f7f2;
const BOARD = 0xf1f3f5;

/** A flat four-cornered patch (a net panel) through the corners in order, three.js coordinates. */
function quad(...corners: [number, number, number][]): THREE.BufferGeometry {
  const g = new THREE.BufferGeometry();
  g.setAttribute('position', new THREE.Float32BufferAttribute(corners.flat(), 3));
  g.setIndex([0, 1, 2, 0, 2, 3]);
  g.computeVertexNormals();
  return g;
}

function teamOf(agent: string, frames: readonly Frame[]): 'blue' | 'red' {
  const t = agentsOf(frames[0]!.state)?.[agent]?.team;
  return t === 'red' || (t === undefined && agent.startsWith('red')) ? 'red' : 'blue';
}

/** The names of the discrete actions in the agent's own frame, arrows turned to the field's for red. */
function namesFor(team: 'blue' | 'red'): string[] {
  const turn = team === 'red' ? 4 : 0;
  return ['coast', ...ARROWS.map((_a, k) => ARROWS[(k + turn) % 8]!), 'kick'];
}

export function robotSoccerScene(episode: EpisodeRecord): EnvScene | null {
  const frames = episode.frames;
  if (!agentsHavePositions(frames) || !frames.every((f) => pointOf(f.state.ball))) return null;
  const hd = episode.header;
  const L = headerNumber(hd, 'halfLength', 2);
  const W = headerNumber(hd, 'halfWidth', 1.3);
  const GW = headerNumber(hd, 'goalHalfWidth', 0.4);
  const GD = headerNumber(hd, 'goalDepth', 0.25);
  const PR = headerNumber(hd, 'playerRadius', 0.1);
  const BR = headerNumber(hd, 'ballRadius', 0.06);
  const agents = Object.keys(agentsOf(frames[0]!.state)!);
  const teams = Object.fromEntries(agents.map((a) => [a, teamOf(a, frames)])) as Record<string, 'blue' | 'red'>;
  const teamColor = { blue: SIDE_COLORS[0], red: SIDE_COLORS[1] };
  const discrete = (episode.env.kwargs as { continuousActions?: unknown }).continuousActions === false;

  const root = new THREE.Group();

  // The pitch: a slab of grass reaching past the boards, lighter stripes across the field.
  const margin = 0.32;
  const slab = box(2 * (L + GD + margin), 0.06, 2 * (W + margin), material(GRASS_EDGE, { roughness: 0.95 }));
  slab.position.y = -0.03;
  root.add(slab);
  const field = flatRect(-L, -W, L, W, material(GRASS, { roughness: 0.95 }), 0.001);
  root.add(field);
  const stripes = 10;
  const stripeMat = material(GRASS_LIGHT, { roughness: 0.95 });
  for (let i = 0; i < stripes; i += 2) {
    const x0 = -L + (2 * L * i) / stripes;
    root.add(flatRect(x0, -W, x0 + (2 * L) / stripes, W, stripeMat, 0.0015));
  }
  // Lines: touchlines and goal lines, halfway line, centre circle and spot, penalty areas, goal areas.
  const lineMat = paint(LINE, 0.92);
  const lw = 0.025;
  root.add(...outline(-L, -W, L, W, lw, lineMat, 0.003));
  root.add(flatRect(-lw / 2, -W, lw / 2, W, lineMat, 0.003));
  const circle = flatRing(0.38 - lw / 2, 0.38 + lw / 2, lineMat, 64);
  circle.position.y = 0.003;
  const spot = new THREE.Mesh(new THREE.CircleGeometry(0.035, 24), lineMat);
  spot.rotation.x = -Math.PI / 2;
  spot.position.y = 0.003;
  root.add(circle, spot);
  for (const s of [-1, 1]) {
    const area = (depth: number, half: number) => {
      const x0 = s < 0 ? -L : L - depth;
      const x1 = s < 0 ? -L + depth : L;
      return outline(x0, -half, x1, half, lw, lineMat, 0.003).filter((_m, i) => i !== (s < 0 ? 2 : 3));
    };
    root.add(...area(0.55, GW + 0.38), ...area(0.2, GW + 0.12));
  }

  // Boards round the field, open at the goal mouths.
  const boardMat = material(BOARD, { roughness: 0.5 });
  const bh = 0.09;
  const bt = 0.035;
  for (const s of [-1, 1]) {
    const side = box(2 * L + 2 * bt, bh, bt, boardMat);
    side.position.set(0, bh / 2, -s * (W + bt / 2));
    root.add(side);
    for (const e of [-1, 1]) {
      const len = W - GW;
      const end = box(bt, bh, len, boardMat);
      end.position.set(s * (L + bt / 2), bh / 2, -e * (GW + len / 2));
      root.add(end);
    }
  }

  // Goals: white posts and crossbar, a net tinted in the colour of the team that defends it.
  const postMat = material(0xffffff, { roughness: 0.35 });
  const gh = 0.24;
  const pr = 0.018;
  for (const s of [-1, 1]) {
    const team = s < 0 ? 'blue' : 'red';
    const goal = new THREE.Group();
    for (const e of [-1, 1]) {
      const post = mesh(new THREE.CylinderGeometry(pr, pr, gh, 12), postMat);
      post.position.set(s * L, gh / 2, -e * GW);
      const back = mesh(new THREE.CylinderGeometry(pr * 0.7, pr * 0.7, gh * 0.8, 10), postMat);
      back.position.set(s * (L + GD), gh * 0.4, -e * GW);
      goal.add(post, back);
    }
    const bar = mesh(new THREE.CylinderGeometry(pr, pr, 2 * GW + 2 * pr, 12), postMat);
    bar.rotation.x = Math.PI / 2;
    bar.position.set(s * L, gh, 0);
    goal.add(bar);
    const netMat = new THREE.MeshStandardMaterial({ color: new THREE.Color(teamColor[team]).lerp(new THREE.Color(0xffffff), 0.55), transparent: true, opacity: 0.45, side: THREE.DoubleSide, roughness: 0.9, depthWrite: false });
    const backNet = new THREE.Mesh(new THREE.PlaneGeometry(2 * GW, gh * 0.8), netMat);
    backNet.rotation.y = Math.PI / 2;
    backNet.position.set(s * (L + GD), gh * 0.4, 0);
    goal.add(backNet);
    // The roof slopes from the crossbar down to the back posts; the side nets close the box.
    const [xf, xb] = [s * L, s * (L + GD)];
    goal.add(new THREE.Mesh(quad([xf, gh, -GW], [xb, gh * 0.8, -GW], [xb, gh * 0.8, GW], [xf, gh, GW]), netMat));
    for (const e of [-1, 1]) goal.add(new THREE.Mesh(quad([xf, 0, e * GW], [xb, 0, e * GW], [xb, gh * 0.8, e * GW], [xf, gh, e * GW]), netMat));
    const floor = flatRect(s < 0 ? -L - GD : L, -GW, s < 0 ? -L : L + GD, GW, paint(teamColor[team], 0.35), 0.004);
    goal.add(floor);
    root.add(goal);
  }

  // Robots: a team-coloured disc with a white top, a pointer along the velocity, the name above.
  const robots = agents.map((agent) => {
    const g = new THREE.Group();
    const color = teamColor[teams[agent]!];
    const body = mesh(new THREE.CylinderGeometry(PR, PR, 0.09, 32), material(color, { roughness: 0.45 }));
    body.position.y = 0.045;
    const top = mesh(new THREE.CylinderGeometry(PR * 0.62, PR * 0.62, 0.012, 32), material(0xffffff, { roughness: 0.5 }));
    top.position.y = 0.096;
    const pointer = new THREE.Group();
    const tip = mesh(new THREE.ConeGeometry(0.028, 0.07, 12), material(COLORS.dark));
    tip.rotation.z = -Math.PI / 2;
    tip.position.set(PR * 0.62, 0.1, 0);
    pointer.add(tip);
    const kick = flatRing(PR + 0.015, PR + 0.04, paint(0xffd23f, 0.95));
    kick.position.y = 0.006;
    kick.visible = false;
    const label = nameTag(agent, color, 0.11);
    label.sprite.position.y = 0.3;
    g.add(body, top, pointer, kick, label.sprite);
    root.add(g);
    return { agent, g, pointer, kick, heading: teams[agent] === 'red' ? Math.PI : 0 };
  });

  // The ball: white with dark patches, rolled by where it is; a soft shadow spot under it.
  const ballCanvas = document.createElement('canvas');
  ballCanvas.width = 256;
  ballCanvas.height = 128;
  const bctx = ballCanvas.getContext('2d')!;
  bctx.fillStyle = '#ffffff';
  bctx.fillRect(0, 0, 256, 128);
  bctx.fillStyle = '#2d3540';
  for (const [u, v] of [[32, 64], [96, 24], [96, 104], [160, 64], [224, 24], [224, 104], [0, 10], [128, 0], [128, 128]] as const) {
    bctx.beginPath();
    bctx.arc(u, v, 15, 0, 2 * Math.PI);
    bctx.fill();
  }
  const ballTexture = new THREE.CanvasTexture(ballCanvas);
  ballTexture.colorSpace = THREE.SRGBColorSpace;
  const ball = mesh(new THREE.SphereGeometry(BR, 32, 16), new THREE.MeshStandardMaterial({ map: ballTexture, roughness: 0.4 }));
  const ballShadow = new THREE.Mesh(new THREE.CircleGeometry(BR * 1.1, 24), paint(0x000000, 0.25));
  ballShadow.rotation.x = -Math.PI / 2;
  root.add(ball, ballShadow);

  // The scoreboard behind the far touchline.
  const board = scoreboard(0.3);
  board.sprite.position.set(0, 0.42, -(W + margin + 0.1));
  root.add(board.sprite);

  const scoreAt = (i: number) => {
    const s = frames[Math.max(0, i)]!.state.score as { blue?: number; red?: number } | undefined;
    return { blue: isNum(s?.blue) ? s.blue : 0, red: isNum(s?.red) ? s.red : 0 };
  };

  const kicks = (action: unknown): boolean => (typeof action === 'number' ? action === KICK : Array.isArray(action) ? (action[2] as number) > 0 : false);
  let ballAt = new THREE.Vector3();

  const sideNames = ((episode as Partial<MatchRecord>).sides ?? []).map((side, i) => (side.length > 0 ? teams[side[0]!] ?? `side ${i}` : `side ${i}`));

  return {
    root,
    view: { position: [-0.35, 3.25, 3.05], target: [-0.35, -0.1, 0.25] },
    extent: L + 0.6,
    fps: FPS,
    actionNames: namesFor('blue'),
    actionNamesOf: (agent) => (discrete ? namesFor(teams[agent] ?? 'blue') : undefined),
    agentColors: Object.fromEntries(agents.map((a) => [a, teamColor[teams[a]!]])),
    sideNames,
    show(frame: Frame, index: number) {
      const state = agentsOf(frame.state)!;
      const actions = matchFields(frame).actions ?? {};
      for (const r of robots) {
        const s = state[r.agent]!;
        r.g.position.set(s.x!, 0, -s.y!);
        // Face along the velocity while moving; otherwise keep the last heading (or, seeking, the team's).
        const vx = s.vx ?? 0;
        const vy = s.vy ?? 0;
        if (Math.hypot(vx, vy) > 0.05) r.heading = Math.atan2(vy, vx);
        else if (index === 0) r.heading = teams[r.agent] === 'red' ? Math.PI : 0;
        r.pointer.rotation.y = r.heading;
        r.kick.visible = kicks(actions[r.agent]);
      }
      const b = pointOf(frame.state.ball)!;
      ballAt = new THREE.Vector3(b.x, BR, -b.y);
      ball.position.copy(ballAt);
      // Rolling without slipping: turned by the distance from the centre spot over the radius.
      ball.rotation.set(-b.y / BR, 0, -b.x / BR);
      ballShadow.position.set(b.x + 0.01, 0.004, -b.y + 0.01);
      const now = scoreAt(index);
      const before = scoreAt(index - FPS);
      const scorer = now.blue > before.blue ? 'blue' : now.red > before.red ? 'red' : null;
      const seconds = (index / FPS).toFixed(1);
      board.set([
        { text: 'BLUE ', color: '#8fb6ff' },
        { text: `${now.blue}  :  ${now.red}`, color: '#ffffff' },
        { text: ' RED', color: '#ff9a8f' },
        scorer ? { text: `   GOAL ${scorer}!`, color: '#ffd23f' } : { text: `   ${seconds} s`, color: '#c9d1db', bold: false },
      ]);
    },
    focus: () => ballAt.clone(),
    actionLabel: (action, agent) => {
      if (action === undefined || action === null) return '–';
      const red = agent !== undefined && teams[agent] === 'red';
      if (typeof action === 'number') {
        if (action === 0) return 'coast (0)';
        if (action === KICK) return 'kick (9)';
        const k = action - 1;
        return ARROWS[(k + (red ? 4 : 0)) % 8] !== undefined ? `move ${ARROWS[(k + (red ? 4 : 0)) % 8]} (${action})` : String(action);
      }
      const sign = red ? -1 : 1;
      const [ax = 0, ay = 0, kick = -1] = action;
      return `accel (${(sign * ax).toFixed(2)}, ${(sign * ay).toFixed(2)})${kick > 0 ? ' kick' : ''}`;
    },
    dispose: () => disposeTree(root),
  };
}

registerScene('RobotSoccer', robotSoccerScene);
