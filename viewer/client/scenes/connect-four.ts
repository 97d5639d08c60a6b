// ConnectFour (envs/games/connect-four.ts, rules in board.ts): the upright
// blue frame with its 6x7 holes standing on two feet, red (player_0) and
// yellow (player_1) discs in the holes, the disc being dropped at the frame
// hovering see-through above its column, a white ring on the previous move's
// disc, the winning four joined by a glowing gold bar with their discs ringed,
// the column numbers on the ground in front, and a status line over the
// frame: whose move, who won, a draw.
//
// Header (BoardGame.renderHeader()): rows, cols, connect, gravity, marks { player_0: 1, player_1: 2 }.
// Render state per frame: rows, cols, board (row-major from the top, 0 empty,
//   1 player_0, 2 player_1), toMove, moves, winner, winningLine (cells),
//   illegalMoveBy, agents { player_i: { mark, lastAction, reward, return } }.
// Each frame shows the board before its move; the record's last frame shows
// the final position.
import * as THREE from 'three';
import type { EpisodeRecord, Frame } from '../../../core/episode.js';
import type { EnvScene } from './registry.js';
import { registerScene } from './registry.js';
import { box, disposeTree, material, mesh, scalarAction } from './parts.js';
import { TextSprite, boardOf, boardStatus, flatText, marksOf, matchFields, placedCell } from './games.js';

const FPS = 2;
const FRAME = 0x2f5fc4;
const GOLD = 0xffc531;
/** Disc colours by mark, and the darker tones the overlay writes names in (yellow text on white is hard to read). */
const DISC = { 1: 0xd8423a, 2: 0xffcc29 } as Record<number, number>;
const INK = { 1: 0xd8423a, 2: 0xc28e00 } as Record<number, number>;
const HOLE = 0.4;
const DISC_R = 0.36;
/** Height of the lowest row's centre above the ground. */
const LIFT = 0.95;


export function connectFourScene(episode: EpisodeRecord): EnvScene | null {
  const frames = episode.frames;
  const first = boardOf(frames[0]!.state);
  if (!first || !frames.every((f) => boardOf(f.state, first.rows, first.cols))) return null;
  const { rows, cols } = first;
  const marks = marksOf(episode.header);
  const agents = Object.keys(marks);
  const colors: Record<string, number> = Object.fromEntries(agents.map((a) => [a, INK[marks[a]!] ?? 0x26303b]));
  const names: Record<string, string> = Object.fromEntries(agents.map((a) => [a, marks[a] === 1 ? 'red' : 'yellow']));
  const cellX = (i: number) => (i % cols) - (cols - 1) / 2;
  const cellY = (i: number) => rows - 1 - Math.floor(i / cols) + LIFT;
  const W = cols + 0.5;
  const H = rows + 0.5;

  const root = new THREE.Group();
  // The frame: a slab with a hole per cell.
  const shape = new THREE.Shape();
  shape.moveTo(-W / 2, 0);
  shape.lineTo(W / 2, 0);
  shape.lineTo(W / 2, H);
  shape.lineTo(-W / 2, H);
  shape.closePath();
  for (let i = 0; i < rows * cols; i++) {
    const hole = new THREE.Path();
    hole.absarc(cellX(i), cellY(i) - LIFT + 0.75, HOLE, 0, Math.PI * 2, true);
    shape.holes.push(hole);
  }
  const slabGeometry = new THREE.ExtrudeGeometry(shape, { depth: 0.3, bevelEnabled: true, bevelThickness: 0.03, bevelSize: 0.03, bevelSegments: 2, curveSegments: 20 });
  const slab = mesh(slabGeometry, material(FRAME, { roughness: 0.35 }));
  slab.position.set(0, LIFT - 0.75, -0.15);
  root.add(slab);
  // Feet and a tray at the bottom.
  const footMat = material(0x26478f, { roughness: 0.5 });
  for (const s of [-1, 1]) {
    const post = box(0.22, LIFT + 0.1, 0.3, footMat);
    post.position.set(s * (W / 2 + 0.11), (LIFT + 0.1) / 2, 0);
    const foot = box(0.34, 0.12, 1.8, footMat);
    foot.position.set(s * (W / 2 + 0.11), 0.06, 0);
    root.add(post, foot);
  }

  // Column numbers on the ground in front of the frame (the actions are columns, numbered from 1 here and 0 in the record).
  for (let c = 0; c < cols; c++) {
    const number = flatText(String(c + 1), 0.7, '#5d6875');
    number.position.set(cellX(c), 0.01, 0.85);
    root.add(number);
  }
  // Discs: one per cell in both colours (shown by the board), a ghost of each colour per column for the move, rings.
  const discGeometry = new THREE.CylinderGeometry(DISC_R, DISC_R, 0.2, 36);
  discGeometry.rotateX(Math.PI / 2);
  const discMats: Record<number, THREE.Material> = {};
  const ghostMats: Record<number, THREE.Material> = {};
  for (const a of agents) {
    const c = DISC[marks[a]!] ?? 0x8a94a3;
    discMats[marks[a]!] = new THREE.MeshStandardMaterial({ color: c, emissive: c, emissiveIntensity: 0.22, roughness: 0.35 });
    ghostMats[marks[a]!] = new THREE.MeshStandardMaterial({ color: c, emissive: c, emissiveIntensity: 0.3, transparent: true, opacity: 0.7, roughness: 0.35, depthWrite: false });
  }
  const discs = Array.from({ length: rows * cols }, (_, i) => {
    const d = mesh(discGeometry, discMats[1]!);
    d.position.set(cellX(i), cellY(i), 0);
    d.visible = false;
    root.add(d);
    return d;
  });
  const ghost = new THREE.Mesh(discGeometry, ghostMats[1]!);
  ghost.visible = false;
  const arrow = mesh(new THREE.ConeGeometry(0.14, 0.26, 16), material(0x26303b));
  arrow.rotation.x = Math.PI;
  ghost.add(arrow);
  arrow.position.set(0, -DISC_R - 0.25, 0);
  root.add(ghost);
  const ringGeometry = new THREE.TorusGeometry(DISC_R * 0.72, 0.045, 10, 36);
  const lastRing = new THREE.Mesh(ringGeometry, new THREE.MeshBasicMaterial({ color: 0xffffff }));
  lastRing.visible = false;
  root.add(lastRing);
  const winMat = new THREE.MeshStandardMaterial({ color: GOLD, emissive: GOLD, emissiveIntensity: 0.7, roughness: 0.3 });
  const winRings = Array.from({ length: Math.max(rows, cols) }, () => {
    const r = new THREE.Mesh(ringGeometry, winMat);
    r.visible = false;
    root.add(r);
    return r;
  });
  const winBar = mesh(new THREE.CapsuleGeometry(0.05, 1, 6, 16), winMat);
  winBar.visible = false;
  root.add(winBar);
  const status = new TextSprite({ height: 0.75, width: 1024, pixels: 96 });
  status.sprite.position.set(0, rows + LIFT + 1.45, 0);
  root.add(status.sprite);

  return {
    root,
    view: { position: [-1.9, LIFT + 6.6, 12.6], target: [-1.9, LIFT + 3.2, 0] },
    extent: W / 2 + 1.5,
    fps: FPS,
    actionNames: Array.from({ length: cols }, (_, c) => `col ${c + 1}`),
    agentColors: colors,
    show(frame: Frame, index: number) {
      const b = boardOf(frame.state)!;
      const prev = index > 0 ? boardOf(frames[index - 1]!.state)?.board : undefined;
      const last = prev ? placedCell(prev, b.board) : -1;
      discs.forEach((d, i) => {
        const v = b.board[i] ?? 0;
        d.visible = v !== 0;
        if (v !== 0) d.material = discMats[v] ?? discMats[1]!;
      });
      lastRing.visible = last >= 0;
      if (last >= 0) lastRing.position.set(cellX(last), cellY(last), 0.11);
      // The move at this frame: the actor's disc above its column.
      const m = matchFields(frame);
      const actor = m.actor ?? b.toMove;
      const move = actor ? m.actions?.[actor] : undefined;
      ghost.visible = typeof move === 'number' && actor !== null && marks[actor] !== undefined;
      if (ghost.visible) {
        ghost.material = ghostMats[marks[actor!]!]!;
        ghost.position.set(cellX(move as number), rows + LIFT - 0.25 + DISC_R + 0.45, 0);
      }
      const line = b.winningLine ?? [];
      winRings.forEach((r, k) => {
        r.visible = k < line.length;
        if (r.visible) r.position.set(cellX(line[k]!), cellY(line[k]!), 0.12);
      });
      winBar.visible = line.length >= 2;
      if (winBar.visible) {
        const [a, z] = [line[0]!, line[line.length - 1]!];
        const dx = cellX(z) - cellX(a);
        const dy = cellY(z) - cellY(a);
        winBar.scale.set(1, (Math.hypot(dx, dy) + 0.6) / 1.1, 1);
        winBar.position.set((cellX(a) + cellX(z)) / 2, (cellY(a) + cellY(z)) / 2, 0.2);
        // The capsule stands along y: turn it about z onto the line.
        winBar.rotation.set(0, 0, Math.atan2(-dx, dy));
      }
      status.set(boardStatus(b, names, colors));
    },
    actionLabel: (action) => {
      const a = scalarAction(action);
      return a === null ? '–' : `column ${a + 1} (${a})`;
    },
    dispose: () => {
      discGeometry.dispose();
      ringGeometry.dispose();
      disposeTree(root);
    },
  };
}

registerScene('ConnectFour', connectFourScene);
