// Acrobot: two links hanging from a fixed pivot, the joint between them
// driven by the action's torque, and the line the free end must rise above.
// Render state (envs/classic/acrobot.ts): theta1 (first link's angle from
// hanging straight down), theta2 (second link's angle relative to the
// first), linkLength1, linkLength2. The action is 0/1/2: torque -1, 0, +1.
// The episode ends when -cos(theta1) - cos(theta1 + theta2) > 1, i.e. the
// free end is more than one (unit) link length above the pivot.
import * as THREE from 'three';
import type { EpisodeRecord, Frame } from '../../../core/episode.js';
import type { EnvScene } from './registry.js';
import { framesHaveNumbers, registerScene } from './registry.js';
import { COLORS, TorqueArrow, axle, box, disposeTree, material, rod, scalarAction } from './parts.js';

const PIVOT_Y = 2.3;

export function acrobotScene(episode: EpisodeRecord): EnvScene | null {
  if (!framesHaveNumbers(episode, ['theta1', 'theta2'])) return null;
  const first = episode.frames[0]!.state;
  const l1 = typeof first.linkLength1 === 'number' ? first.linkLength1 : 1;
  const l2 = typeof first.linkLength2 === 'number' ? first.linkLength2 : 1;

  const root = new THREE.Group();
  const frame = box(0.1, PIVOT_Y + 0.1, 0.1, material(COLORS.metal, { metalness: 0.5, roughness: 0.4 }));
  frame.position.set(0, (PIVOT_Y + 0.1) / 2, -0.2);
  const foot = box(0.8, 0.04, 0.5, material(COLORS.track));
  foot.position.set(0, 0.02, -0.2);
  root.add(frame, foot);

  // The goal line: one link length above the pivot.
  const line = box(2 * (l1 + l2) + 0.4, 0.02, 0.02, new THREE.MeshBasicMaterial({ color: COLORS.goal }));
  line.position.set(0, PIVOT_Y + 1, 0);
  root.add(line);

  const link1 = new THREE.Group();
  link1.position.set(0, PIVOT_Y, 0);
  // Links hang down (-y) at angle 0, so the rods point down.
  const rod1 = rod(0.06, l1, material(COLORS.body));
  rod1.position.y = -l1 / 2;
  link1.add(rod1);
  const link2 = new THREE.Group();
  link2.position.y = -l1;
  const rod2 = rod(0.06, l2, material(COLORS.accent));
  rod2.position.set(0, -l2 / 2, 0.08);
  link2.add(rod2);
  const joint = axle(0.07, 0.22, material(COLORS.dark));
  joint.position.z = 0.04;
  link2.add(joint);
  link1.add(link2);
  root.add(link1);
  const pivot = axle(0.08, 0.4, material(COLORS.dark));
  pivot.position.set(0, PIVOT_Y, -0.1);
  root.add(pivot);

  // The torque arrow stays upright at the joint rather than turning with the links.
  const torque = new TorqueArrow(0.3, 1);
  root.add(torque.object);

  return {
    root,
    view: { position: [0, PIVOT_Y, 6.8], target: [0, PIVOT_Y * 0.75, 0] },
    extent: 3,
    fps: 15,
    actionNames: ['−1', '0', '+1'],
    show(f: Frame) {
      const s = f.state as { theta1: number; theta2: number };
      // Angles measured from hanging down, counter-clockwise as in Gymnasium's drawing.
      link1.rotation.z = s.theta1;
      link2.rotation.z = s.theta2;
      const a = scalarAction(f.action);
      torque.set(a === null ? null : a - 1);
      torque.object.position.set(l1 * Math.sin(s.theta1), PIVOT_Y - l1 * Math.cos(s.theta1), 0.2);
    },
    actionLabel: (action) => {
      const a = scalarAction(action);
      return a === null ? '–' : `torque ${['−1', '0', '+1'][a] ?? a} (${a})`;
    },
    dispose: () => {
      torque.dispose();
      disposeTree(root);
    },
  };
}

registerScene('Acrobot', acrobotScene);
