// MuJoCo envs (envs/mujoco/): any model drawn from its geoms and the body
// poses each frame recorded. Render state (envs/mujoco/base.ts): bodyPos
// (world x, y, z of every body, body 0 the world), bodyQuat (w, x, y, z per
// body), geoms (type, size, body, pos and quat in the body's frame, rgba; the
// same in every frame, read from the first), focusBody (the torso), time.
// MuJoCo's z is up: the scene's root turns the model's frame so that z maps
// to three's y. Planes, spheres, capsules, ellipsoids, cylinders and boxes are
// drawn; meshes, height fields and SDFs (none in Gymnasium's v5 models) are
// left out. The chase camera looks at the focus body from the side (MuJoCo's
// -y), at a distance scaled to the model's size.
import * as THREE from 'three';
import type { EpisodeRecord, Frame } from '../../../core/episode.js';
import type { EnvScene, Readout, SceneCamera } from './registry.js';
import { registerScene } from './registry.js';
import { COLORS, disposeTree, material, mesh } from './parts.js';

interface Geom {
  type: string;
  size: [number, number, number];
  body: number;
  pos: [number, number, number];
  quat: [number, number, number, number];
  rgba: [number, number, number, number];
}

interface Poses {
  bodyPos: number[];
  bodyQuat: number[];
}

/** Half-extent of a plane whose size is 0 (MuJoCo's infinite plane). */
const OPEN_PLANE = 40;

const isNumbers = (x: unknown, n?: number): x is number[] =>
  Array.isArray(x) && (n === undefined || x.length === n) && x.every((v) => typeof v === 'number' && Number.isFinite(v));

function readGeoms(raw: unknown, nbody: number): Geom[] | null {
  if (!Array.isArray(raw)) return null;
  const geoms: Geom[] = [];
  for (const g of raw as Record<string, unknown>[]) {
    if (typeof g !== 'object' || g === null || typeof g.type !== 'string') return null;
    if (!isNumbers(g.size, 3) || !isNumbers(g.pos, 3) || !isNumbers(g.quat, 4) || !isNumbers(g.rgba, 4)) return null;
    if (typeof g.body !== 'number' || !Number.isInteger(g.body) || g.body < 0 || g.body >= nbody) return null;
    geoms.push(g as unknown as Geom);
  }
  return geoms;
}

/** The three.js geometry of a MuJoCo geom in its own frame (capsules and cylinders along z), or null for what is not drawn. */
function geometryOf(g: Geom): THREE.BufferGeometry | null {
  const [a, b, c] = g.size;
  switch (g.type) {
    case 'plane':
      return new THREE.PlaneGeometry(2 * (a > 0 ? a : OPEN_PLANE), 2 * (b > 0 ? b : OPEN_PLANE));
    case 'sphere':
      return new THREE.SphereGeometry(a, 24, 16);
    case 'ellipsoid':
      return new THREE.SphereGeometry(1, 24, 16).scale(a, b, c);
    case 'capsule':
      return new THREE.CapsuleGeometry(a, 2 * b, 8, 16).rotateX(Math.PI / 2);
    case 'cylinder':
      return new THREE.CylinderGeometry(a, a, 2 * b, 24).rotateX(Math.PI / 2);
    case 'box':
      return new THREE.BoxGeometry(2 * a, 2 * b, 2 * c);
    default:
      return null;
  }
}

/** A two-tone checker texture repeated to squares of 1 m on a plane of half-extents w x h (it tints the plane's colour). */
function checker(w: number, h: number): THREE.DataTexture {
  const texels = new Uint8Array([255, 255, 255, 255, 205, 205, 205, 255, 205, 205, 205, 255, 255, 255, 255, 255]);
  const texture = new THREE.DataTexture(texels, 2, 2);
  texture.magFilter = THREE.NearestFilter;
  texture.wrapS = THREE.RepeatWrapping;
  texture.wrapT = THREE.RepeatWrapping;
  texture.repeat.set(w, h); // one texture (2 x 2 squares) per 2 m
  texture.colorSpace = THREE.SRGBColorSpace;
  texture.needsUpdate = true;
  return texture;
}

const toThree = (x: number, y: number, z: number) => new THREE.Vector3(x, z, -y);

export function mujocoScene(episode: EpisodeRecord): EnvScene | null {
  const frames = episode.frames;
  const first = frames[0]?.state;
  if (!first || !isNumbers(first.bodyPos) || first.bodyPos.length % 3 !== 0) return null;
  const nbody = first.bodyPos.length / 3;
  if (!frames.every((f) => isNumbers(f.state.bodyPos, 3 * nbody) && isNumbers(f.state.bodyQuat, 4 * nbody))) return null;
  const geoms = readGeoms(first.geoms, nbody);
  if (!geoms) return null;
  const focusBody = typeof first.focusBody === 'number' && first.focusBody >= 0 && first.focusBody < nbody ? first.focusBody : Math.min(1, nbody - 1);
  const poses = frames.map((f) => f.state as unknown as Poses);

  // The model in MuJoCo's frame (z up), turned so that its z is three's y.
  const root = new THREE.Group();
  const model = new THREE.Group();
  model.rotation.x = -Math.PI / 2;
  root.add(model);
  const bodies = Array.from({ length: nbody }, () => new THREE.Group());
  model.add(...bodies);
  let ground = false;
  for (const g of geoms) {
    const geometry = geometryOf(g);
    if (!geometry || g.rgba[3] === 0) continue;
    const [r, gr, b, alpha] = g.rgba;
    const color = new THREE.Color(r, gr, b);
    const m = mesh(geometry, material(color.getHex(), alpha < 1 ? { opacity: alpha } : {}));
    m.position.set(...g.pos);
    m.quaternion.set(g.quat[1], g.quat[2], g.quat[3], g.quat[0]);
    if (g.type === 'plane') {
      // A checkerboard of 1 m squares in the plane's colour, so that motion shows when the camera follows.
      const [w, h] = [g.size[0] > 0 ? g.size[0] : OPEN_PLANE, g.size[1] > 0 ? g.size[1] : OPEN_PLANE];
      const mat = m.material as THREE.MeshStandardMaterial;
      mat.map = checker(w, h);
      m.castShadow = false;
      ground = true;
    }
    bodies[g.body]!.add(m);
  }

  // The model's size: how far the bodies reach from the focus body at the start (at least a hand's width).
  const at = (p: Poses, body: number) => [p.bodyPos[3 * body]!, p.bodyPos[3 * body + 1]!, p.bodyPos[3 * body + 2]!] as const;
  const [fx0, fy0, fz0] = at(poses[0]!, focusBody);
  let reach = 0.1;
  for (let body = 1; body < nbody; body++) {
    const [x, y, z] = at(poses[0]!, body);
    reach = Math.max(reach, Math.hypot(x - fx0, y - fy0, z - fz0));
  }
  const distance = Math.min(12, Math.max(0.8, 3.2 * reach));

  let current = 0;
  const place = (i: number) => {
    const p = poses[i]!;
    for (let body = 0; body < nbody; body++) {
      bodies[body]!.position.set(p.bodyPos[3 * body]!, p.bodyPos[3 * body + 1]!, p.bodyPos[3 * body + 2]!);
      const q = 4 * body;
      bodies[body]!.quaternion.set(p.bodyQuat[q + 1]!, p.bodyQuat[q + 2]!, p.bodyQuat[q + 3]!, p.bodyQuat[q]!);
    }
  };
  place(0);

  const focus = () => {
    const [x, y, z] = at(poses[current]!, focusBody);
    return toThree(x, y, z);
  };
  const chase: SceneCamera = {
    name: 'chase',
    pose() {
      const [x, y, z] = at(poses[current]!, focusBody);
      return { position: toThree(x, y - distance, z + 0.25 * distance), target: toThree(x, y, z) };
    },
  };

  const times = poses.map((p) => (p as unknown as { time?: unknown }).time);
  const dt = typeof times[1] === 'number' && typeof times[0] === 'number' ? times[1] - times[0] : NaN;
  const readouts = (frame: Frame): Readout[] => {
    const p = frame.state as unknown as Poses & { time?: number };
    const b = 3 * focusBody;
    const out: Readout[] = [];
    if (typeof p.time === 'number') out.push({ label: 'time', text: `${p.time.toFixed(2)} s` });
    out.push({ label: 'x', text: p.bodyPos[b]!.toFixed(2) }, { label: 'height', text: p.bodyPos[b + 2]!.toFixed(2) });
    return out;
  };

  const start = toThree(fx0, fy0, fz0);
  return {
    root,
    view: { position: [start.x + 0.6 * distance, start.y + 0.4 * distance, start.z + distance], target: [start.x, start.y, start.z] },
    extent: Math.max(2, 2 * reach),
    fps: dt > 0 && Number.isFinite(dt) ? 1 / dt : 30,
    ownGround: ground,
    cameras: [chase],
    show(_frame: Frame, index: number) {
      current = Math.max(0, Math.min(poses.length - 1, index));
      place(current);
    },
    focus,
    readouts,
    actionLabel: (action) => {
      if (action === undefined) return '–';
      const values = typeof action === 'number' ? [action] : [...action];
      const shown = values.slice(0, 6).map((v) => v.toFixed(2));
      return `[${shown.join(', ')}${values.length > 6 ? `, … (${values.length})` : ''}]`;
    },
    dispose: () => disposeTree(root),
  };
}

for (const prefix of ['Hopper', 'Walker2d', 'HalfCheetah', 'Ant', 'Humanoid', 'InvertedPendulum', 'InvertedDoublePendulum', 'Reacher', 'Swimmer', 'Pusher']) {
  registerScene(prefix, mujocoScene);
}
