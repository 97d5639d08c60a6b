// TicTacToe (envs/games/tic-tac-toe.ts, rules in board.ts): a 3x3 board with
// raised grid bars, X (player_0, blue) and O (player_1, red) pieces, the move
// being made at the frame as a see-through piece where it will go, the
// previous move's cell tinted, the winning line as a glowing gold bar over the
// winning cells, each cell's number (its action) in its corner, and a status
// line behind the board: whose move, who won, a draw.
//
// Header (BoardGame.renderHeader()): rows, cols, connect, gravity, marks { player_0: 1, player_1: 2 }.
// Render state per frame: rows, cols, board (row-major from the top, 0 empty,
//   1 X, 2 O), toMove, moves, winner, winningLine (cells), illegalMoveBy,
//   agents { player_i: { mark, lastAction, reward, return } }.
// Each frame shows the board before its move; the record's last frame shows
// the final position.
import * as THREE from 'three';
import type { EpisodeRecord, Frame } from '../../../core/episode.js';
import type { EnvScene } from './registry.js';
import { registerScene } from './registry.js';
import { box, disposeTree, material, mesh, scalarAction } from './parts.js';
import { SIDE_COLORS, TextSprite, boardOf, boardStatus, flatText, marksOf, matchFields, paint, placedCell } from './games.js';

const FPS = 2;
const CELL = 1;
const BASE = 0xe6cfa6;
const BAR = 0x3b4654;
const GOLD = 0xffc531;
/** Bar labels: the cell numbers, as painted in the cells' corners. */
const NAMES = Array.from({ length: 9 }, (_, i) => `cell ${i}`);

/** An X (two crossed bars) or an O (a ring) lying on the board. */
function piece(mark: number, mat: THREE.Material): THREE.Object3D {
  const g = new THREE.Group();
  if (mark === 1) {
    for (const turn of [Math.PI / 4, -Math.PI / 4]) {
      const bar = box(0.78, 0.12, 0.15, mat);
      bar.rotation.y = turn;
      bar.position.y = 0.06;
      g.add(bar);
    }
  } else {
    const ring = mesh(new THREE.TorusGeometry(0.28, 0.075, 16, 40), mat);
    ring.rotation.x = -Math.PI / 2;
    ring.position.y = 0.075;
    g.add(ring);
  }
  return g;
}

export function ticTacToeScene(episode: EpisodeRecord): EnvScene | null {
  const frames = episode.frames;
  if (!frames.every((f) => boardOf(f.state, 3, 3))) return null;
  const marks = marksOf(episode.header);
  const agents = Object.keys(marks);
  const colors: Record<string, number> = Object.fromEntries(agents.map((a) => [a, SIDE_COLORS[(marks[a]! - 1) % SIDE_COLORS.length]!]));
  const symbols: Record<string, string> = Object.fromEntries(agents.map((a) => [a, marks[a] === 1 ? 'X' : 'O']));
  const cellX = (i: number) => ((i % 3) - 1) * CELL;
  const cellZ = (i: number) => (Math.floor(i / 3) - 1) * CELL;

  const root = new THREE.Group();
  const base = box(3.4, 0.16, 3.4, material(BASE, { roughness: 0.7 }));
  base.position.y = -0.08;
  const plinth = box(3.6, 0.1, 3.6, material(0x8a94a3, { roughness: 0.8 }));
  plinth.position.y = -0.21;
  root.add(base, plinth);
  const barMat = material(BAR, { roughness: 0.5 });
  for (const v of [-0.5, 0.5]) {
    const a = box(0.07, 0.06, 3.1, barMat);
    a.position.set(v, 0.03, 0);
    const b = box(3.1, 0.06, 0.07, barMat);
    b.position.set(0, 0.03, v);
    root.add(a, b);
  }
  // Per cell: a tint for the previous move and the winning line, and both pieces (one shown at a time).
  const pieceMats = agents.map((a) => material(colors[a]!, { roughness: 0.4 }));
  const ghostMats = agents.map((a) => new THREE.MeshStandardMaterial({ color: colors[a]!, transparent: true, opacity: 0.35, roughness: 0.4, depthWrite: false }));
  const cells = Array.from({ length: 9 }, (_, i) => {
    const tintMat = paint(GOLD, 0.45);
    const tint = new THREE.Mesh(new THREE.PlaneGeometry(0.9, 0.9), tintMat);
    tint.rotation.x = -Math.PI / 2;
    tint.position.set(cellX(i), 0.002, cellZ(i));
    tint.visible = false;
    const pieces = agents.map((a, k) => {
      const p = piece(marks[a]!, pieceMats[k]!);
      p.position.set(cellX(i), 0, cellZ(i));
      p.visible = false;
      return p;
    });
    const ghosts = agents.map((a, k) => {
      const p = piece(marks[a]!, ghostMats[k]!);
      p.position.set(cellX(i), 0, cellZ(i));
      p.visible = false;
      p.traverse((o) => (o.castShadow = false));
      return p;
    });
    // The cell's number (its action) in the corner.
    const number = flatText(String(i), 0.2, '#8a7a5c');
    number.position.set(cellX(i) - 0.36, 0.003, cellZ(i) - 0.36);
    root.add(tint, number, ...pieces, ...ghosts);
    return { tint, tintMat, pieces, ghosts };
  });
  const winBar = mesh(new THREE.CapsuleGeometry(0.07, 1, 6, 16), new THREE.MeshStandardMaterial({ color: GOLD, emissive: GOLD, emissiveIntensity: 0.6, roughness: 0.3 }));
  winBar.visible = false;
  root.add(winBar);
  const status = new TextSprite({ height: 0.38, width: 1024, pixels: 96 });
  status.sprite.position.set(0, 0.55, -2.05);
  root.add(status.sprite);

  return {
    root,
    view: { position: [-0.7, 4.3, 3.9], target: [-0.7, -0.2, 0.15] },
    extent: 2.5,
    fps: FPS,
    actionNames: NAMES,
    agentColors: colors,
    show(frame: Frame, index: number) {
      const b = boardOf(frame.state)!;
      const next = frames[index + 1] ? boardOf(frames[index + 1]!.state)?.board : undefined;
      const prev = index > 0 ? boardOf(frames[index - 1]!.state)?.board : undefined;
      const last = prev ? placedCell(prev, b.board) : -1;
      const m = matchFields(frame);
      const actor = m.actor ?? b.toMove;
      const move = actor ? m.actions?.[actor] : undefined;
      const target = typeof move === 'number' ? move : placedCell(b.board, next);
      const win = new Set(b.winningLine ?? []);
      cells.forEach((c, i) => {
        const v = b.board[i] ?? 0;
        c.pieces.forEach((p, k) => (p.visible = marks[agents[k]!] === v));
        c.ghosts.forEach((p, k) => (p.visible = v === 0 && i === target && agents[k] === actor));
        c.tint.visible = win.has(i) || i === last;
        c.tintMat.opacity = win.has(i) ? 0.55 : 0.28;
      });
      winBar.visible = (b.winningLine?.length ?? 0) >= 2;
      if (winBar.visible) {
        const line = b.winningLine!;
        const [a, z] = [line[0]!, line[line.length - 1]!];
        const dx = cellX(z) - cellX(a);
        const dz = cellZ(z) - cellZ(a);
        const len = Math.hypot(dx, dz) + 0.7;
        winBar.scale.set(1, len / 1.14, 1);
        winBar.position.set((cellX(a) + cellX(z)) / 2, 0.2, (cellZ(a) + cellZ(z)) / 2);
        // The capsule stands along y: lay it down along the line.
        winBar.rotation.set(Math.PI / 2, 0, 0);
        winBar.rotateOnWorldAxis(new THREE.Vector3(0, 1, 0), Math.atan2(dx, dz));
      }
      status.set(boardStatus(b, symbols, colors));
    },
    actionLabel: (action) => {
      const a = scalarAction(action);
      return a === null ? '–' : `cell ${a} (row ${Math.floor(a / 3) + 1}, col ${(a % 3) + 1})`;
    },
    dispose: () => disposeTree(root),
  };
}

registerScene('TicTacToe', ticTacToeScene);
