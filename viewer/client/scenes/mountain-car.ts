// MountainCar and MountainCarContinuous: a car in the valley of the hill
// y = 0.45 sin(3x) + 0.55 (the profile the render state names as
// hill: 'sin3x'), with a flag at the goal. Render state
// (envs/classic/mountain-car*.ts): position, velocity, goalPosition,
// minPosition, maxPosition. The action is 0/1/2 (push left, none, right) for
// the discrete env and [force] in [-1, 1] for the continuous one.
import * as THREE from 'three';
import type { EpisodeRecord, Frame } from '../../../core/episode.js';
import type { EnvScene } from './registry.js';
import { framesHaveNumbers, registerScene } from './registry.js';
import { COLORS, axle, box, disposeTree, flag, material, scalarAction, signed } from './parts.js';

const height = (x: number): number => 0.45 * Math.sin(3 * x) + 0.55;
const slope = (x: number): number => 1.35 * Math.cos(3 * x);

const DEPTH = 0.5;
const WHEEL_R = 0.022;

export function mountainCarScene(episode: EpisodeRecord): EnvScene | null {
  if (!framesHaveNumbers(episode, ['position'])) return null;
  const first = episode.frames[0]!.state;
  if (first.hill !== undefined && first.hill !== 'sin3x') return null;
  const min = typeof first.minPosition === 'number' ? first.minPosition : -1.2;
  const max = typeof first.maxPosition === 'number' ? first.maxPosition : 0.6;
  const goal = typeof first.goalPosition === 'number' ? first.goalPosition : 0.5;
  const continuous = episode.frames.some((f) => Array.isArray(f.action));

  const root = new THREE.Group();
  // The hill: the profile extruded in depth. Its caps show the profile; the sides carry the road.
  const shape = new THREE.Shape();
  const steps = 160;
  shape.moveTo(min, -0.05);
  for (let i = 0; i <= steps; i++) {
    const x = min + ((max - min) * i) / steps;
    shape.lineTo(x, height(x));
  }
  shape.lineTo(max, -0.05);
  shape.closePath();
  const hillGeometry = new THREE.ExtrudeGeometry(shape, { depth: DEPTH, bevelEnabled: false, steps: 1, curveSegments: 1 });
  // ExtrudeGeometry's group 0 is the two caps (the profile), group 1 the sides (the road on top).
  const hill = new THREE.Mesh(hillGeometry, [material(0x8fae6e, { roughness: 0.95 }), material(0x9a9c94, { roughness: 0.9 })]);
  hill.receiveShadow = true;
  hill.position.z = -DEPTH / 2;
  root.add(hill);

  const goalFlag = flag(0.16);
  goalFlag.position.set(goal, height(goal), 0);
  root.add(goalFlag);

  const car = new THREE.Group();
  const body = box(0.12, 0.035, 0.09, material(COLORS.body));
  body.position.y = WHEEL_R * 2 + 0.012;
  const cabin = box(0.06, 0.03, 0.075, material(0xdfe9f5, { roughness: 0.2 }));
  cabin.position.set(-0.01, WHEEL_R * 2 + 0.045, 0);
  car.add(body, cabin);
  const wheelMat = material(COLORS.dark, { roughness: 0.9 });
  for (const x of [-0.04, 0.04]) {
    for (const z of [-0.047, 0.047]) {
      const wheel = axle(WHEEL_R, 0.012, wheelMat);
      wheel.position.set(x, WHEEL_R, z);
      car.add(wheel);
    }
  }
  // The push: an arrow on the car's roof, pointing along the track, sized by the force.
  const push = new THREE.Mesh(new THREE.ConeGeometry(0.018, 0.06, 16), material(COLORS.accent));
  push.position.y = WHEEL_R * 2 + 0.09;
  car.add(push);
  root.add(car);

  const centre = (min + max) / 2;
  return {
    root,
    view: { position: [centre, 0.75, 2.3], target: [centre, 0.5, 0] },
    extent: 1.4,
    fps: 30,
    ...(continuous ? {} : { actionNames: ['left', 'none', 'right'] }),
    show(frame: Frame) {
      const x = (frame.state as { position: number }).position;
      car.position.set(x, height(x), 0);
      car.rotation.z = Math.atan(slope(x));
      const a = scalarAction(frame.action);
      const force = a === null ? 0 : continuous ? Math.max(-1, Math.min(1, a)) : a - 1;
      push.visible = force !== 0;
      if (force !== 0) {
        push.rotation.z = force > 0 ? -Math.PI / 2 : Math.PI / 2;
        push.position.x = Math.sign(force) * 0.05;
        push.scale.setScalar(0.5 + 0.5 * Math.abs(force));
      }
    },
    focus: () => new THREE.Vector3(car.position.x, car.position.y, 0),
    actionLabel: (action) => {
      const a = scalarAction(action);
      if (a === null) return '–';
      if (continuous) return `force ${signed(a)}`;
      return ['push left (0)', 'no push (1)', 'push right (2)'][a] ?? String(a);
    },
    dispose: () => disposeTree(root),
  };
}

registerScene('MountainCar', mountainCarScene);
