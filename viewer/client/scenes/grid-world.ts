// FrozenLake and CliffWalking: a tiled board and the agent walking on it,
// facing the way it last moved, with the cells it has visited so far marked.
// Render states (envs/toy-text/*.ts):
//   FrozenLake:   rows, cols, desc (strings of S F H G), position, lastAction (0 left, 1 down, 2 right, 3 up)
//   CliffWalking: rows, cols, cliff (cell indices), start, goal, position, lastAction (0 up, 1 right, 2 down, 3 left)
// Cells are numbered row * cols + col, row 0 at the back of the board.
import * as THREE from 'three';
import type { EpisodeRecord, Frame } from '../../../core/episode.js';
import type { EnvScene } from './registry.js';
import { registerScene } from './registry.js';
import { COLORS, box, disposeTree, flag, material, mesh, scalarAction } from './parts.js';

type Tile = 'start' | 'plain' | 'hole' | 'goal' | 'cliff';
type Direction = 'left' | 'down' | 'right' | 'up';

interface Board {
  readonly rows: number;
  readonly cols: number;
  readonly tiles: readonly Tile[];
  /** Direction of each action. */
  readonly moves: readonly Direction[];
  readonly style: 'ice' | 'grass';
}

const TILE = 0.96;
const TILE_H = 0.12;
/** Facing angle about y for each direction (the agent's nose points along +x at 0). */
const FACING: Record<Direction, number> = { right: 0, up: Math.PI / 2, left: Math.PI, down: -Math.PI / 2 };

function isInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v);
}

function frozenLakeBoard(episode: EpisodeRecord): Board | null {
  const s = episode.frames[0]!.state;
  const desc = s.desc;
  if (!isInt(s.rows) || !isInt(s.cols) || !Array.isArray(desc) || desc.length !== s.rows) return null;
  const letters = (desc as unknown[]).join('');
  if (letters.length !== s.rows * s.cols) return null;
  const tiles = [...letters].map((ch): Tile => (ch === 'S' ? 'start' : ch === 'H' ? 'hole' : ch === 'G' ? 'goal' : 'plain'));
  return { rows: s.rows, cols: s.cols, tiles, moves: ['left', 'down', 'right', 'up'], style: 'ice' };
}

function cliffWalkingBoard(episode: EpisodeRecord): Board | null {
  const s = episode.frames[0]!.state;
  if (!isInt(s.rows) || !isInt(s.cols) || !Array.isArray(s.cliff)) return null;
  const cliff = new Set(s.cliff as number[]);
  const tiles = Array.from({ length: s.rows * s.cols }, (_, i): Tile => (cliff.has(i) ? 'cliff' : i === s.start ? 'start' : i === s.goal ? 'goal' : 'plain'));
  return { rows: s.rows, cols: s.cols, tiles, moves: ['up', 'right', 'down', 'left'], style: 'grass' };
}

function gridScene(episode: EpisodeRecord, board: Board | null): EnvScene | null {
  if (!board || !episode.frames.every((f) => isInt(f.state.position))) return null;
  const { rows, cols, tiles, moves, style } = board;
  const cellX = (i: number) => (i % cols) - (cols - 1) / 2;
  const cellZ = (i: number) => Math.floor(i / cols) - (rows - 1) / 2;

  const root = new THREE.Group();
  const plainMat = style === 'ice' ? material(0xdcefff, { roughness: 0.15, metalness: 0.1 }) : material(0xa9d08e, { roughness: 0.9 });
  const startMat = style === 'ice' ? material(0xb9d9f2, { roughness: 0.2 }) : material(0xc9d3da, { roughness: 0.8 });
  const goalMat = material(COLORS.goal, { roughness: 0.6 });
  const waterMat = material(0x1b3a5c, { roughness: 0.1, metalness: 0.2 });
  const rockMat = material(0x6e5644, { roughness: 1 });
  const edgeMat = material(COLORS.danger, { roughness: 0.7 });
  tiles.forEach((tile, i) => {
    const x = cellX(i);
    const z = cellZ(i);
    if (tile === 'cliff') {
      // A drop: the tile sits low, rimmed in red.
      const floor = box(TILE, TILE_H, TILE, rockMat);
      floor.position.set(x, -0.6, z);
      const rim = box(TILE, 0.03, 0.05, edgeMat);
      rim.position.set(x, 0.0, z - TILE / 2 + 0.025);
      root.add(floor, rim);
      return;
    }
    const t = box(TILE, TILE_H, TILE, tile === 'start' ? startMat : tile === 'goal' ? goalMat : plainMat);
    t.position.set(x, -TILE_H / 2, z);
    root.add(t);
    if (tile === 'hole') {
      const water = mesh(new THREE.CylinderGeometry(0.36, 0.36, 0.02, 32), waterMat);
      water.position.set(x, 0.002, z);
      root.add(water);
    }
    if (tile === 'goal') {
      const f = flag(0.6);
      f.position.set(x - 0.28, 0, z - 0.25);
      root.add(f);
    }
    if (tile === 'start') {
      const ring = mesh(new THREE.RingGeometry(0.25, 0.32, 32), material(COLORS.body));
      ring.rotation.x = -Math.PI / 2;
      ring.position.set(x, 0.003, z);
      root.add(ring);
    }
  });
  // A base under the board.
  const base = box(cols + 0.2, 0.1, rows + 0.2, material(COLORS.track, { roughness: 0.9 }));
  base.position.y = -0.72;
  root.add(base);

  // Visited cells: a small disc each, shown once the agent has been there.
  const trailMat = new THREE.MeshBasicMaterial({ color: COLORS.accent, transparent: true, opacity: 0.55 });
  const trailGeometry = new THREE.CircleGeometry(0.09, 20);
  const trail = tiles.map((_, i) => {
    const m = new THREE.Mesh(trailGeometry, trailMat);
    m.rotation.x = -Math.PI / 2;
    m.position.set(cellX(i), 0.006, cellZ(i));
    m.visible = false;
    root.add(m);
    return m;
  });

  const agent = new THREE.Group();
  const bodyMat = material(COLORS.accent);
  const torso = mesh(new THREE.CapsuleGeometry(0.14, 0.18, 6, 16), bodyMat);
  torso.position.y = 0.28;
  const head = mesh(new THREE.SphereGeometry(0.12, 24, 16), material(0xf3d2b3));
  head.position.y = 0.58;
  const nose = mesh(new THREE.ConeGeometry(0.06, 0.16, 16), material(COLORS.dark));
  nose.rotation.z = -Math.PI / 2;
  nose.position.set(0.16, 0.58, 0);
  agent.add(torso, head, nose);
  root.add(agent);

  const frames = episode.frames;
  const size = Math.max(cols * 0.5, rows);
  return {
    root,
    view: { position: [0, size * 1.05 + 1, size * 0.85 + 1.2], target: [0, -0.2, 0.3] },
    extent: Math.max(rows, cols) / 2 + 1,
    fps: 4,
    actionNames: moves,
    show(frame: Frame, index: number) {
      const p = frame.state.position as number;
      const fell = tiles[p] === 'hole' || tiles[p] === 'cliff';
      agent.position.set(cellX(p), fell ? -0.45 : 0, cellZ(p));
      const last = frame.state.lastAction;
      if (isInt(last) && moves[last]) agent.rotation.y = FACING[moves[last]];
      else if (index === 0) agent.rotation.y = FACING.down;
      for (const m of trail) m.visible = false;
      for (let i = 0; i < index; i++) trail[frames[i]!.state.position as number]!.visible = true;
    },
    actionLabel: (action) => {
      const a = scalarAction(action);
      return a === null ? '–' : `${moves[a] ?? '?'} (${a})`;
    },
    dispose: () => {
      trailGeometry.dispose();
      disposeTree(root);
    },
  };
}

registerScene('FrozenLake', (e) => gridScene(e, frozenLakeBoard(e)));
registerScene('CliffWalking', (e) => gridScene(e, cliffWalkingBoard(e)));
