// Building blocks the scenes share: a small palette of materials, meshes that
// cast and receive shadows, a curved torque arrow, a goal flag, and freeing a
// scene's GPU resources.
import * as THREE from 'three';

export const COLORS = {
  body: 0x3a6ea5,
  accent: 0xe0622b,
  pole: 0xd9a03f,
  metal: 0x8a94a3,
  dark: 0x2d3540,
  track: 0x6b7480,
  danger: 0xd0443e,
  goal: 0x2e9e5b,
  flag: 0xf2c230,
  ground: 0xdfe5ec,
};

export function material(color: number, options: { roughness?: number; metalness?: number; opacity?: number } = {}): THREE.MeshStandardMaterial {
  return new THREE.MeshStandardMaterial({
    color,
    roughness: options.roughness ?? 0.55,
    metalness: options.metalness ?? 0.05,
    ...(options.opacity !== undefined ? { transparent: true, opacity: options.opacity } : {}),
  });
}

/** A mesh that casts and receives shadows. */
export function mesh(geometry: THREE.BufferGeometry, mat: THREE.Material): THREE.Mesh {
  const m = new THREE.Mesh(geometry, mat);
  m.castShadow = true;
  m.receiveShadow = true;
  return m;
}

export function box(w: number, h: number, d: number, mat: THREE.Material): THREE.Mesh {
  return mesh(new THREE.BoxGeometry(w, h, d), mat);
}

/** A cylinder along the z axis (an axle, a wheel) centred at the origin. */
export function axle(radius: number, length: number, mat: THREE.Material): THREE.Mesh {
  const m = mesh(new THREE.CylinderGeometry(radius, radius, length, 24), mat);
  m.rotation.x = Math.PI / 2;
  return m;
}

/** A rod of `length` from the origin along +y, with rounded ends. */
export function rod(radius: number, length: number, mat: THREE.Material): THREE.Mesh {
  const m = mesh(new THREE.CapsuleGeometry(radius, Math.max(1e-3, length - 2 * radius), 6, 16), mat);
  m.position.y = length / 2;
  return m;
}

/** A flag on a pole standing at the origin, `height` tall. */
export function flag(height: number): THREE.Group {
  const g = new THREE.Group();
  const pole = mesh(new THREE.CylinderGeometry(height * 0.025, height * 0.025, height, 12), material(COLORS.dark));
  pole.position.y = height / 2;
  const shape = new THREE.Shape();
  shape.moveTo(0, 0);
  shape.lineTo(height * 0.55, -height * 0.16);
  shape.lineTo(0, -height * 0.32);
  shape.closePath();
  const cloth = mesh(new THREE.ShapeGeometry(shape), new THREE.MeshStandardMaterial({ color: COLORS.flag, side: THREE.DoubleSide, roughness: 0.8 }));
  cloth.position.set(height * 0.025, height, 0);
  g.add(pole, cloth);
  return g;
}

/**
 * A curved arrow around the z axis showing a torque: the arc's length grows
 * with |torque| / maxTorque, counter-clockwise for positive torque (seen from
 * +z, the camera's side), and it disappears at zero.
 */
export class TorqueArrow {
  readonly object = new THREE.Group();
  private arc: THREE.Mesh | null = null;
  private readonly head: THREE.Mesh;
  private readonly mat: THREE.MeshStandardMaterial;
  private shown = Number.NaN;

  constructor(
    private readonly radius: number,
    private readonly maxTorque: number,
    color: number = COLORS.accent,
  ) {
    this.mat = material(color, { roughness: 0.4 });
    this.head = mesh(new THREE.ConeGeometry(radius * 0.16, radius * 0.4, 16), this.mat);
    this.object.add(this.head);
  }

  set(torque: number | null): void {
    const t = torque === null || !Number.isFinite(torque) ? 0 : Math.max(-1, Math.min(1, torque / this.maxTorque));
    const q = Math.round(t * 40) / 40;
    if (q === this.shown) return;
    this.shown = q;
    if (this.arc) {
      this.object.remove(this.arc);
      this.arc.geometry.dispose();
      this.arc = null;
    }
    this.object.visible = q !== 0;
    if (q === 0) return;
    const sweep = Math.abs(q) * Math.PI * 1.4;
    this.arc = mesh(new THREE.TorusGeometry(this.radius, this.radius * 0.06, 8, 48, sweep), this.mat);
    this.object.add(this.arc);
    // The arc starts at angle 0 and sweeps counter-clockwise; the head sits at its end, pointing along it.
    this.head.position.set(Math.cos(sweep) * this.radius, Math.sin(sweep) * this.radius, 0);
    this.head.rotation.set(0, 0, sweep);
    // Start the arc so that it is centred on the top of the circle; mirror it for clockwise torque.
    this.object.rotation.set(0, q < 0 ? Math.PI : 0, Math.PI / 2 - sweep / 2);
  }

  dispose(): void {
    this.arc?.geometry.dispose();
    this.head.geometry.dispose();
    this.mat.dispose();
  }
}

/** Frees the geometries, materials and textures under `root`. */
export function disposeTree(root: THREE.Object3D): void {
  root.traverse((o) => {
    const m = o as THREE.Mesh;
    m.geometry?.dispose();
    const mats = Array.isArray(m.material) ? m.material : m.material ? [m.material] : [];
    for (const mat of mats) {
      for (const v of Object.values(mat)) if (v instanceof THREE.Texture) v.dispose();
      mat.dispose();
    }
  });
}

/** The first element of an action (a Box action is an array), or null. */
export function scalarAction(action: number | readonly number[] | undefined): number | null {
  if (action === undefined) return null;
  const v = typeof action === 'number' ? action : action[0];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

export function signed(v: number, digits = 2): string {
  return `${v >= 0 ? '+' : '−'}${Math.abs(v).toFixed(digits)}`;
}
