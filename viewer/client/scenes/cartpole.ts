// CartPole: a cart on a track between the two position limits, with the pole
// hinged on top. Render state (envs/classic/cartpole.ts): x (cart position,
// m), theta (pole angle from upright, radians, positive leaning towards +x),
// xThreshold (the |x| that ends the episode), poleLength (m).
import * as THREE from 'three';
import type { EpisodeRecord, Frame } from '../../../core/episode.js';
import type { EnvScene } from './registry.js';
import { framesHaveNumbers, registerScene } from './registry.js';
import { COLORS, axle, box, disposeTree, material, rod, scalarAction } from './parts.js';

const CART_W = 0.5;
const CART_H = 0.25;
const CART_D = 0.36;
const WHEEL_R = 0.07;
/** Height of the hinge above the track. */
const HINGE_Y = WHEEL_R * 2 + CART_H;

export function cartPoleScene(episode: EpisodeRecord): EnvScene | null {
  if (!framesHaveNumbers(episode, ['x', 'theta'])) return null;
  const first = episode.frames[0]!.state;
  const limit = typeof first.xThreshold === 'number' ? first.xThreshold : 2.4;
  const poleLength = typeof first.poleLength === 'number' ? first.poleLength : 1;

  const root = new THREE.Group();
  // The track: a base with two rails, a little longer than the limits.
  const trackLength = 2 * limit + CART_W + 0.4;
  const base = box(trackLength, 0.04, CART_D + 0.16, material(COLORS.track, { roughness: 0.8 }));
  base.position.y = -0.02;
  root.add(base);
  for (const z of [-CART_D / 2 + 0.04, CART_D / 2 - 0.04]) {
    const rail = box(trackLength, 0.02, 0.025, material(COLORS.metal, { metalness: 0.6, roughness: 0.3 }));
    rail.position.set(0, 0.01, z);
    root.add(rail);
  }
  // The limits: red posts where the episode ends.
  for (const side of [-1, 1]) {
    const post = box(0.04, 0.3, CART_D + 0.16, material(COLORS.danger));
    post.position.set(side * (limit + CART_W / 2 + 0.02), 0.15, 0);
    root.add(post);
  }
  // Centre mark.
  const mark = box(0.02, 0.005, CART_D + 0.16, material(COLORS.dark));
  mark.position.y = 0.0025;
  root.add(mark);

  const cart = new THREE.Group();
  const body = box(CART_W, CART_H, CART_D, material(COLORS.body));
  body.position.y = WHEEL_R * 2 + CART_H / 2 - 0.02;
  cart.add(body);
  const wheelMat = material(COLORS.dark, { roughness: 0.9 });
  for (const x of [-CART_W / 2 + 0.1, CART_W / 2 - 0.1]) {
    for (const z of [-CART_D / 2 + 0.04, CART_D / 2 - 0.04]) {
      const wheel = axle(WHEEL_R, 0.04, wheelMat);
      wheel.position.set(x, WHEEL_R + 0.02, z);
      cart.add(wheel);
    }
  }
  const hinge = axle(0.035, CART_D * 0.5, material(COLORS.metal, { metalness: 0.6, roughness: 0.3 }));
  hinge.position.y = HINGE_Y;
  cart.add(hinge);
  const pole = new THREE.Group();
  pole.position.y = HINGE_Y;
  pole.add(rod(0.028, poleLength, material(COLORS.pole)));
  cart.add(pole);
  // Push direction: an arrow beside the cart, on the side the action pushes.
  const push = new THREE.Mesh(new THREE.ConeGeometry(0.05, 0.14, 16), material(COLORS.accent));
  push.rotation.z = -Math.PI / 2;
  push.position.y = WHEEL_R * 2 + CART_H / 2;
  cart.add(push);
  root.add(cart);

  return {
    root,
    view: { position: [0, 1.05, 4.1], target: [0, 0.5, 0] },
    extent: limit + 1,
    fps: 50,
    actionNames: ['left', 'right'],
    show(frame: Frame) {
      const s = frame.state as { x: number; theta: number };
      cart.position.x = s.x;
      // Positive theta leans towards +x, which is a clockwise turn seen from +z.
      pole.rotation.z = -s.theta;
      const a = scalarAction(frame.action);
      push.visible = a !== null;
      if (a !== null) {
        const dir = a === 1 ? 1 : -1;
        push.position.x = dir * (CART_W / 2 + 0.1);
        push.rotation.z = -dir * (Math.PI / 2);
      }
    },
    focus: () => new THREE.Vector3(cart.position.x, 0.55, 0),
    actionLabel: (action) => {
      const a = scalarAction(action);
      return a === null ? '–' : a === 1 ? 'push right (1)' : a === 0 ? 'push left (0)' : String(a);
    },
    dispose: () => disposeTree(root),
  };
}

registerScene('CartPole', cartPoleScene);
