// Pendulum: a rod swinging about a pivot on a stand, with the applied torque
// as a curved arrow around the pivot and a faint mark where upright is.
// Render state (envs/classic/pendulum.ts): theta (0 upright, growing
// counter-clockwise; not wrapped), thetaDot, length. The torque is the frame's
// action, [u] in [-2, 2] N m, positive counter-clockwise.
import * as THREE from 'three';
import type { EpisodeRecord, Frame } from '../../../core/episode.js';
import type { EnvScene } from './registry.js';
import { framesHaveNumbers, registerScene } from './registry.js';
import { COLORS, TorqueArrow, axle, box, disposeTree, material, mesh, rod, scalarAction, signed } from './parts.js';

const PIVOT_Y = 1.35;
const MAX_TORQUE = 2;

export function pendulumScene(episode: EpisodeRecord): EnvScene | null {
  if (!framesHaveNumbers(episode, ['theta']) || framesHaveNumbers(episode, ['x'])) return null;
  const first = episode.frames[0]!.state;
  const length = typeof first.length === 'number' ? first.length : 1;

  const root = new THREE.Group();
  const stand = box(0.08, PIVOT_Y, 0.08, material(COLORS.metal, { metalness: 0.5, roughness: 0.4 }));
  stand.position.set(0, PIVOT_Y / 2, -0.12);
  const foot = box(0.6, 0.04, 0.4, material(COLORS.track));
  foot.position.set(0, 0.02, -0.12);
  root.add(stand, foot);

  const upright = new THREE.Mesh(new THREE.CylinderGeometry(0.008, 0.008, length, 8), new THREE.MeshBasicMaterial({ color: COLORS.goal, transparent: true, opacity: 0.35 }));
  upright.position.set(0, PIVOT_Y + length / 2, -0.05);
  root.add(upright);

  const arm = new THREE.Group();
  arm.position.set(0, PIVOT_Y, 0);
  arm.add(rod(0.05, length, material(COLORS.accent)));
  const bob = mesh(new THREE.SphereGeometry(0.07, 24, 16), material(COLORS.accent));
  bob.position.y = length - 0.05;
  arm.add(bob);
  root.add(arm);
  const hub = axle(0.06, 0.26, material(COLORS.dark));
  hub.position.set(0, PIVOT_Y, -0.05);
  root.add(hub);

  const torque = new TorqueArrow(0.32, MAX_TORQUE, COLORS.body);
  torque.object.position.set(0, PIVOT_Y, 0.08);
  root.add(torque.object);

  return {
    root,
    view: { position: [0, PIVOT_Y, 4], target: [0, PIVOT_Y * 0.85, 0] },
    extent: 2,
    fps: 20,
    show(frame: Frame) {
      // theta grows counter-clockwise from upright, as a rotation about +z does.
      arm.rotation.z = (frame.state as { theta: number }).theta;
      torque.set(scalarAction(frame.action));
    },
    actionLabel: (action) => {
      const a = scalarAction(action);
      return a === null ? '–' : `torque ${signed(a)} N·m`;
    },
    dispose: () => {
      torque.dispose();
      disposeTree(root);
    },
  };
}

registerScene('Pendulum', pendulumScene);
