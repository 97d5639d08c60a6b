// CooperativeNavigation (envs/games/cooperative-navigation.ts, MPE's
// simple_spread): a dark arena floor with the agents as coloured discs (each
// named, with an arrow for the move it makes at the frame) and the landmarks
// as pads coloured by how well they are covered: each landmark's pad, halo and
// a line to its nearest agent go from green (an agent within the "occupied"
// distance, 0.1, and then a beacon glows over it) through amber to red as the
// nearest agent gets further away. Two agents closer than two radii collide:
// both get a red ring and a red bar joins them.
//
// Header (CooperativeNavigationGame.renderHeader()): n, agentRadius,
//   landmarkRadius, spawnRange (agents and landmarks start in
//   [-spawnRange, spawnRange]^2).
// Render state per frame: landmarks [{ x, y, nearestDistance }],
//   landmarkDistance (their sum), collidingPairs, agents { id: { x, y,
//   lastAction, reward, return } }.
import * as THREE from 'three';
import type { EpisodeRecord, Frame } from '../../../core/episode.js';
import type { EnvScene, Readout } from './registry.js';
import { registerScene } from './registry.js';
import { box, disposeTree, material, mesh } from './parts.js';
import { AGENT_COLORS, agentsHavePositions, agentsOf, flatRing, headerNumber, isNum, lerpColor, matchFields, nameTag, outline, paint } from './games.js';

const FPS = 10; // dt = 0.1 s
const MOVES = ['stay', 'left', 'right', 'down', 'up'];
/** Direction of each discrete move in game coordinates. */
const MOVE_DIRS: readonly (readonly [number, number])[] = [
  [0, 0],
  [-1, 0],
  [1, 0],
  [0, -1],
  [0, 1],
];
const OCCUPIED = 0.1;
const FLOOR = 0x46525f;
const GRID = 0x56636f;
const GOOD = 0x34c77b;
const FAIR = 0xf2b134;
const BAD = 0xe0533d;
const CLASH = 0xff3b30;

interface Landmark {
  readonly x: number;
  readonly y: number;
  readonly nearestDistance?: number;
}

function landmarksOf(state: Frame['state']): Landmark[] | null {
  const l = state.landmarks;
  if (!Array.isArray(l) || l.length === 0) return null;
  return l.every((p) => typeof p === 'object' && p !== null && isNum((p as Landmark).x) && isNum((p as Landmark).y)) ? (l as Landmark[]) : null;
}

/** Green when covered, amber at half a unit, red from one unit. */
function coverageColor(d: number): number {
  return d <= OCCUPIED ? GOOD : d < 0.5 ? lerpColor(GOOD, FAIR, (d - OCCUPIED) / (0.5 - OCCUPIED)) : lerpColor(FAIR, BAD, (d - 0.5) / 0.5);
}

/** A flat bar on the ground from (x0, y0) to (x1, y1) (game coordinates), made from a unit plane. */
function placeBar(bar: THREE.Mesh, x0: number, y0: number, x1: number, y1: number, width: number): void {
  const len = Math.hypot(x1 - x0, y1 - y0);
  bar.visible = len > 1e-6;
  bar.position.set((x0 + x1) / 2, bar.position.y, -(y0 + y1) / 2);
  bar.rotation.set(-Math.PI / 2, 0, Math.atan2(y1 - y0, x1 - x0));
  bar.scale.set(len, width, 1);
}

export function cooperativeNavigationScene(episode: EpisodeRecord): EnvScene | null {
  const frames = episode.frames;
  if (!agentsHavePositions(frames) || !frames.every((f) => landmarksOf(f.state))) return null;
  const hd = episode.header;
  const R = headerNumber(hd, 'agentRadius', 0.15);
  const LR = headerNumber(hd, 'landmarkRadius', 0.05);
  const spawn = headerNumber(hd, 'spawnRange', 1);
  const agents = Object.keys(agentsOf(frames[0]!.state)!);
  const colors = Object.fromEntries(agents.map((a, i) => [a, AGENT_COLORS[i % AGENT_COLORS.length]!]));
  const continuous = frames.some((f) => Object.values(matchFields(f).actions ?? {}).some((a) => Array.isArray(a)));

  // The floor covers everything that happens in the episode, and the spawn square at least.
  let reach = spawn;
  for (const f of frames) {
    for (const a of Object.values(agentsOf(f.state)!)) reach = Math.max(reach, Math.abs(a.x!) + R, Math.abs(a.y!) + R);
    for (const l of landmarksOf(f.state)!) reach = Math.max(reach, Math.abs(l.x), Math.abs(l.y));
  }
  const B = Math.ceil((reach + 0.25) * 4) / 4;

  const root = new THREE.Group();
  const floor = box(2 * B, 0.05, 2 * B, material(FLOOR, { roughness: 0.9 }));
  floor.position.y = -0.025;
  root.add(floor);
  const gridMat = paint(GRID);
  for (let v = -B + 0.25; v < B - 1e-6; v += 0.25) {
    const major = Math.abs(v) < 1e-6;
    const w = major ? 0.012 : 0.006;
    const gx = new THREE.Mesh(new THREE.PlaneGeometry(w, 2 * B), gridMat);
    gx.rotation.x = -Math.PI / 2;
    gx.position.set(v, 0.001, 0);
    const gz = new THREE.Mesh(new THREE.PlaneGeometry(2 * B, w), gridMat);
    gz.rotation.x = -Math.PI / 2;
    gz.position.set(0, 0.001, -v);
    root.add(gx, gz);
  }
  // The spawn square, faintly; a rim round the floor.
  root.add(...outline(-spawn, -spawn, spawn, spawn, 0.012, paint(0x8593a3, 0.7), 0.0015));
  const rimMat = material(0x2f3944, { roughness: 0.7 });
  for (const s of [-1, 1]) {
    const a = box(2 * B + 0.08, 0.07, 0.04, rimMat);
    a.position.set(0, 0.01, -s * (B + 0.02));
    const b = box(0.04, 0.07, 2 * B, rimMat);
    b.position.set(s * (B + 0.02), 0.01, 0);
    root.add(a, b);
  }

  // Landmarks: a halo, the occupied ring, a pad, a beacon when covered, and a line to the nearest agent.
  const n = landmarksOf(frames[0]!.state)!.length;
  const landmarks = Array.from({ length: n }, () => {
    const g = new THREE.Group();
    const haloMat = paint(GOOD, 0.28);
    const halo = new THREE.Mesh(new THREE.CircleGeometry(0.26, 40), haloMat);
    halo.rotation.x = -Math.PI / 2;
    halo.position.y = 0.002;
    const ringMat = paint(GOOD, 0.95);
    const ring = flatRing(OCCUPIED - 0.012, OCCUPIED, ringMat);
    ring.position.y = 0.003;
    const padMat = new THREE.MeshStandardMaterial({ color: GOOD, emissive: GOOD, emissiveIntensity: 0.35, roughness: 0.4 });
    const pad = mesh(new THREE.CylinderGeometry(Math.max(LR, 0.05), Math.max(LR, 0.05), 0.04, 24), padMat);
    pad.position.y = 0.02;
    const beacon = new THREE.Mesh(new THREE.CylinderGeometry(0.035, 0.06, 0.7, 20, 1, true), new THREE.MeshBasicMaterial({ color: GOOD, transparent: true, opacity: 0.35, depthWrite: false, side: THREE.DoubleSide }));
    beacon.position.y = 0.35;
    g.add(halo, ring, pad, beacon);
    root.add(g);
    const lineMat = paint(GOOD, 0.85);
    const line = new THREE.Mesh(new THREE.PlaneGeometry(1, 1), lineMat);
    line.position.y = 0.004;
    root.add(line);
    return { g, haloMat, ringMat, padMat, beacon, line, lineMat };
  });

  // Agents: a coloured disc, a white top, an arrow for the move, a red ring when colliding, the name above.
  const bodies = agents.map((agent) => {
    const g = new THREE.Group();
    const color = colors[agent]!;
    const body = mesh(new THREE.CylinderGeometry(R, R, 0.08, 40), material(color, { roughness: 0.45 }));
    body.position.y = 0.04;
    const top = mesh(new THREE.CylinderGeometry(R * 0.55, R * 0.55, 0.01, 32), material(0xffffff, { roughness: 0.5 }));
    top.position.y = 0.085;
    const arrow = new THREE.Group();
    const cone = mesh(new THREE.ConeGeometry(0.04, 0.09, 16), material(0x26303b));
    cone.rotation.z = -Math.PI / 2;
    cone.position.set(R * 0.55, 0.1, 0);
    arrow.add(cone);
    const clash = flatRing(R + 0.015, R + 0.05, paint(CLASH, 0.95));
    clash.position.y = 0.005;
    clash.visible = false;
    const label = nameTag(agent, color, 0.1);
    label.sprite.position.y = 0.32;
    g.add(body, top, arrow, clash, label.sprite);
    root.add(g);
    return { agent, g, arrow, clash };
  });
  const pairs: { a: number; b: number; bar: THREE.Mesh }[] = [];
  const clashMat = paint(CLASH, 0.9);
  for (let a = 0; a < agents.length; a++) {
    for (let b = a + 1; b < agents.length; b++) {
      const bar = new THREE.Mesh(new THREE.PlaneGeometry(1, 1), clashMat);
      bar.position.y = 0.11;
      bar.visible = false;
      root.add(bar);
      pairs.push({ a, b, bar });
    }
  }

  const readouts = (frame: Frame): Readout[] => {
    const ls = landmarksOf(frame.state) ?? [];
    const sum = isNum(frame.state.landmarkDistance) ? frame.state.landmarkDistance : ls.reduce((s, l) => s + (l.nearestDistance ?? 0), 0);
    const covered = ls.filter((l) => (l.nearestDistance ?? Infinity) <= OCCUPIED).length;
    const hits = isNum(frame.state.collidingPairs) ? frame.state.collidingPairs : 0;
    return [
      { label: 'cover', text: `${covered} / ${ls.length}`, bar: ls.length > 0 ? covered / ls.length : 0 },
      { label: 'dist', text: sum.toFixed(2), bar: Math.min(1, sum / (ls.length || 1)) },
      { label: 'hits', text: String(hits), bar: Math.min(1, hits / Math.max(1, pairs.length)) },
    ];
  };

  return {
    root,
    view: { position: [-0.4, B * 1.95, B * 1.6], target: [-0.4, -0.15, B * 0.1] },
    extent: B + 0.3,
    fps: FPS,
    actionNames: MOVES,
    agentColors: colors,
    sideNames: ['team'],
    show(frame: Frame) {
      const state = agentsOf(frame.state)!;
      const actions = matchFields(frame).actions ?? {};
      const pos = bodies.map((b) => ({ x: state[b.agent]!.x!, y: state[b.agent]!.y! }));
      bodies.forEach((b, i) => {
        b.g.position.set(pos[i]!.x, 0, -pos[i]!.y);
        const a = actions[b.agent];
        let dir: readonly [number, number] = [0, 0];
        if (typeof a === 'number') dir = MOVE_DIRS[a] ?? [0, 0];
        else if (Array.isArray(a)) dir = [a[0] ?? 0, a[1] ?? 0];
        b.arrow.visible = Math.hypot(dir[0], dir[1]) > 1e-3;
        b.arrow.rotation.y = Math.atan2(dir[1], dir[0]);
        b.clash.visible = false;
      });
      for (const p of pairs) {
        const [u, v] = [pos[p.a]!, pos[p.b]!];
        const hit = Math.hypot(u.x - v.x, u.y - v.y) < 2 * R;
        p.bar.visible = hit;
        if (hit) {
          placeBar(p.bar, u.x, u.y, v.x, v.y, 0.03);
          bodies[p.a]!.clash.visible = true;
          bodies[p.b]!.clash.visible = true;
        }
      }
      const ls = landmarksOf(frame.state)!;
      landmarks.forEach((m, k) => {
        const l = ls[k];
        m.g.visible = m.line.visible = l !== undefined;
        if (!l) return;
        m.g.position.set(l.x, 0, -l.y);
        // The nearest agent (the record's distance when it has one).
        let best = 0;
        let bestD = Infinity;
        pos.forEach((p, i) => {
          const d = Math.hypot(p.x - l.x, p.y - l.y);
          if (d < bestD) [best, bestD] = [i, d];
        });
        const d = isNum(l.nearestDistance) ? l.nearestDistance : bestD;
        const c = coverageColor(d);
        m.haloMat.color.setHex(c);
        m.ringMat.color.setHex(c);
        m.padMat.color.setHex(c);
        m.padMat.emissive.setHex(c);
        m.lineMat.color.setHex(c);
        m.beacon.visible = d <= OCCUPIED;
        placeBar(m.line, l.x, l.y, pos[best]!.x, pos[best]!.y, 0.014);
        m.line.visible = d > OCCUPIED;
      });
    },
    actionLabel: (action) => {
      if (action === undefined || action === null) return '–';
      if (typeof action === 'number') return `${MOVES[action] ?? '?'} (${action})`;
      return continuous || Array.isArray(action) ? `force (${(action[0] ?? 0).toFixed(2)}, ${(action[1] ?? 0).toFixed(2)})` : String(action);
    },
    readouts,
    dispose: () => disposeTree(root),
  };
}

registerScene('CooperativeNavigation', cooperativeNavigationScene);
