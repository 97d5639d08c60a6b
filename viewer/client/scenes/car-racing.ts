// CarRacing (envs/car-racing/): the track, grass and curbs from the episode
// header, the car from each frame's render state, skid marks, the tiles
// visited so far, and two cameras besides the free orbit: a chase camera
// behind the car and a top camera above it.
//
// Header (CarRacingEnv.renderHeader()): playfield (half side), trackHalfWidth,
//   centerline [[x, y, beta]], tiles [[x0, y0, ..., x3, y3]] (tile i runs from
//   centerline point i back to point i - 1), curbs [{ tile, color, polygon }],
//   colors { road, background, grass } (0-255), grassSquare, car { hull
//   (convex polygons, car frame, facing +y), wheels (centres), wheelHalfWidth,
//   wheelHalfLength }. Without tiles, the road is built from the centerline
//   and the half-width.
// Render state per frame: x, y, angle (hull pose; the car faces (-sin, cos)),
//   speed, steering (front wheels' angle, rad, positive left), gas, brake,
//   wheels [[x, y, angle, phase]] (front left, front right, rear left, rear
//   right), skid [0/1 per wheel], tilesVisited, newTiles (tiles first touched
//   in the step that led to this frame).
//
// World (x, y) is drawn at three.js (x, 0, -y): y points away from the
// default camera, and a heading `angle` is a rotation of `angle` about +y.
// Colours are Gymnasium's: the road grey, the green background with lighter
// grass squares, red and white curbs, the red hull and black wheels. Tiles
// not yet visited are drawn a little lighter than visited ones (in the
// pixel view the difference is a faint stripe), so the lap's progress shows.
//
// Skid marks: a dark strip (mud on grass) along each wheel's path while its
// render state flags skidding. They are built once for the whole episode, in
// frame order, and each frame draws those up to it, so playing adds marks
// and seeking backwards takes away the later ones, as if rebuilt up to that
// frame.
//
// Over 500 lines: one scene, most of it the builders of its meshes (road,
// curbs, hull, wheels, skid marks), which no other scene uses.
import * as THREE from 'three';
import type { EpisodeRecord, Frame } from '../../../core/episode.js';
import type { EnvScene, Readout, SceneCamera } from './registry.js';
import { framesHaveNumbers, registerScene } from './registry.js';
import { disposeTree, material, mesh, signed } from './parts.js';

type Rgb = readonly [number, number, number];
type Poly = readonly (readonly [number, number])[];

/** Gymnasium's defaults, for headers that leave something out. */
const DEFAULTS = {
  playfield: 2000 / 6,
  halfWidth: 40 / 6,
  road: [102, 102, 102] as Rgb,
  background: [102, 204, 102] as Rgb,
  grass: [102, 230, 102] as Rgb,
  hull: [
    [[-1.2, 2.6], [1.2, 2.6], [1.2, 2.2], [-1.2, 2.2]],
    [[-0.3, 2.4], [0.3, 2.4], [0.4, 0.4], [-0.4, 0.4]],
    [[0.5, 0.4], [1, -0.2], [1, -0.8], [0.4, -1.8], [-0.4, -1.8], [-1, -0.8], [-1, -0.2], [-0.5, 0.4]],
    [[-1, -2.4], [1, -2.4], [1, -1.8], [-1, -1.8]],
  ] as Poly[],
  wheels: [[-1.1, 1.6], [1.1, 1.6], [-1.1, -1.64], [1.1, -1.64]] as Poly,
  wheelHalfWidth: 0.28,
  wheelHalfLength: 0.54,
};
/** Largest steering angle of the front wheels (rad), for the overlay's bar. */
const STEER_LIMIT = 0.4;
/** Speed at which the overlay's speed bar is full (world units per second). */
const SPEED_FULL = 100;
/** Gymnasium's hull colour, (0.8, 0, 0). */
const HULL_RED = 0xcc0000;
const CURB: Record<string, Rgb> = { red: [255, 0, 0], white: [255, 255, 255] };
const SKID_ROAD: Rgb = [38, 38, 40];
const SKID_GRASS: Rgb = [112, 86, 44];
/** Ground layers, bottom to top: drawn in this order without writing depth (they are flat and nothing is under them). */
const LAYER = { outside: -10, playfield: -9, grass: -8, road: -7, curbs: -6, start: -5, skid: -4 } as const;
/** Frames the chase camera's heading averages over: it swings round behind the car a moment after the car turns. */
const CHASE_LAG = 12;
const DISCRETE_ACTIONS = ['nothing', 'right', 'left', 'gas', 'brake'];

interface Track {
  readonly playfield: number;
  readonly halfWidth: number;
  readonly centerline: readonly (readonly [number, number])[];
  readonly tiles: readonly (readonly number[])[];
  readonly curbs: readonly { readonly color: Rgb; readonly polygon: readonly number[] }[];
  readonly road: Rgb;
  readonly background: Rgb;
  readonly grass: Rgb;
  readonly grassSquare: number;
  readonly hull: readonly Poly[];
  readonly wheels: Poly;
  readonly wheelHalfWidth: number;
  readonly wheelHalfLength: number;
}

interface CarState {
  readonly x: number;
  readonly y: number;
  readonly angle: number;
  readonly wheels: readonly (readonly [number, number, number, number])[];
  readonly skid: readonly number[];
}

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isNums = (v: unknown, n?: number): v is number[] => Array.isArray(v) && (n === undefined || v.length === n) && v.every(isNum);
const rgb = (v: unknown, fallback: Rgb): Rgb => (isNums(v, 3) ? [v[0]!, v[1]!, v[2]!] : fallback);
const poly = (v: unknown): Poly | null => (Array.isArray(v) && v.length >= 3 && v.every((p) => isNums(p, 2)) ? (v as [number, number][]) : null);

/** The track and car shape from the header, or null when it has neither tiles nor a centerline. */
function readHeader(header: Readonly<Record<string, unknown>>): Track | null {
  const centerline = Array.isArray(header.centerline) && header.centerline.every((p) => isNums(p) && p.length >= 2) ? (header.centerline as number[][]).map((p) => [p[0]!, p[1]!] as const) : null;
  const halfWidth = isNum(header.trackHalfWidth) ? header.trackHalfWidth : DEFAULTS.halfWidth;
  let tiles = Array.isArray(header.tiles) && header.tiles.length > 2 && header.tiles.every((t) => isNums(t, 8)) ? (header.tiles as number[][]) : null;
  if (!tiles && centerline && centerline.length > 2) tiles = tilesFromCenterline(centerline, header.centerline as number[][], halfWidth);
  if (!tiles) return null;
  const centre = centerline ?? tiles.map((t) => [(t[0]! + t[2]!) / 2, (t[1]! + t[3]!) / 2] as const);
  const curbs = Array.isArray(header.curbs)
    ? (header.curbs as unknown[]).flatMap((c) => {
        const k = c as { color?: unknown; polygon?: unknown };
        return typeof k === 'object' && k !== null && isNums(k.polygon, 8) ? [{ color: CURB[String(k.color)] ?? CURB.white!, polygon: k.polygon }] : [];
      })
    : [];
  const colors = (typeof header.colors === 'object' && header.colors !== null ? header.colors : {}) as Record<string, unknown>;
  const car = (typeof header.car === 'object' && header.car !== null ? header.car : {}) as Record<string, unknown>;
  const hull = Array.isArray(car.hull) ? car.hull.map(poly).filter((p): p is Poly => p !== null) : [];
  const wheels = poly(car.wheels);
  const playfield = isNum(header.playfield) ? header.playfield : DEFAULTS.playfield;
  return {
    playfield,
    halfWidth,
    centerline: centre,
    tiles,
    curbs,
    road: rgb(colors.road, DEFAULTS.road),
    background: rgb(colors.background, DEFAULTS.background),
    grass: rgb(colors.grass, DEFAULTS.grass),
    grassSquare: isNum(header.grassSquare) ? header.grassSquare : playfield / 20,
    hull: hull.length > 0 ? hull : DEFAULTS.hull,
    wheels: wheels && wheels.length === 4 ? wheels : DEFAULTS.wheels,
    wheelHalfWidth: isNum(car.wheelHalfWidth) ? car.wheelHalfWidth : DEFAULTS.wheelHalfWidth,
    wheelHalfLength: isNum(car.wheelHalfLength) ? car.wheelHalfLength : DEFAULTS.wheelHalfLength,
  };
}

/** Tiles as the env builds them: tile i spans from point i back to point i - 1, corners left and right of each. */
function tilesFromCenterline(points: readonly (readonly [number, number])[], raw: readonly number[][], w: number): number[][] {
  const n = points.length;
  const beta = (i: number): number => {
    const b = raw[i]![2];
    if (isNum(b)) return b;
    // The road's direction at point i, turned a quarter: beta is the angle of the normal's right side.
    const [ax, ay] = points[(i + n - 1) % n]!;
    const [bx, by] = points[(i + 1) % n]!;
    return Math.atan2(by - ay, bx - ax) - Math.PI / 2;
  };
  return points.map(([x, y], i) => {
    const j = (i + n - 1) % n;
    const [xj, yj] = points[j]!;
    const c1 = Math.cos(beta(i));
    const s1 = Math.sin(beta(i));
    const c2 = Math.cos(beta(j));
    const s2 = Math.sin(beta(j));
    return [x - w * c1, y - w * s1, x + w * c1, y + w * s1, xj + w * c2, yj + w * s2, xj - w * c2, yj - w * s2];
  });
}

/** The hull pose and each wheel's pose from a render state; wheels the state leaves out follow the hull. */
function carState(s: Frame['state'], track: Track): CarState {
  const x = s.x as number;
  const y = s.y as number;
  const angle = s.angle as number;
  const c = Math.cos(angle);
  const sn = Math.sin(angle);
  const steering = isNum(s.steering) ? s.steering : 0;
  const given = Array.isArray(s.wheels) && s.wheels.length === 4 && s.wheels.every((w) => isNums(w) && w.length >= 3) ? (s.wheels as number[][]) : null;
  const wheels = track.wheels.map(([lx, ly], w) => {
    const g = given?.[w];
    if (g) return [g[0]!, g[1]!, g[2]!, isNum(g[3]) ? g[3] : 0] as const;
    return [x + c * lx - sn * ly, y + sn * lx + c * ly, angle + (w < 2 ? steering : 0), 0] as const;
  });
  const skid = isNums(s.skid, 4) ? s.skid : [0, 0, 0, 0];
  return { x, y, angle, wheels, skid };
}

/** A colour from 0-255 sRGB components, in the renderer's linear working space. */
function colour([r, g, b]: Rgb): THREE.Color {
  return new THREE.Color().setRGB(r / 255, g / 255, b / 255, THREE.SRGBColorSpace);
}

const lighten = ([r, g, b]: Rgb, d: number): Rgb => [Math.min(255, r + d), Math.min(255, g + d), Math.min(255, b + d)];

/** One flat mesh of quads (x, y corner lists of 8 numbers) at height `h`, coloured per quad. */
function flatQuads(quads: readonly (readonly number[])[], colours: readonly THREE.Color[], h: number, order: number): THREE.Mesh {
  const positions = new Float32Array(quads.length * 12);
  const cols = new Float32Array(quads.length * 12);
  const index: number[] = [];
  quads.forEach((q, k) => {
    for (let v = 0; v < 4; v++) {
      positions.set([q[2 * v]!, h, -q[2 * v + 1]!], 12 * k + 3 * v);
      const c = colours[k] ?? colours[0]!;
      cols.set([c.r, c.g, c.b], 12 * k + 3 * v);
    }
    index.push(...upQuad(q, 4 * k));
  });
  const geometry = new THREE.BufferGeometry();
  geometry.setAttribute('position', new THREE.BufferAttribute(positions, 3));
  geometry.setAttribute('color', new THREE.BufferAttribute(cols, 3));
  geometry.setAttribute('normal', upNormals(quads.length * 4));
  geometry.setIndex(index);
  return groundMesh(geometry, new THREE.MeshStandardMaterial({ vertexColors: true, roughness: 0.95 }), order);
}

/**
 * The two triangles of quad `q` (x, y corners) starting at vertex `base`,
 * wound counter-clockwise seen from above once drawn at (x, h, -y), so they
 * face up (a front face: lit from above, not culled).
 */
function upQuad(q: readonly number[], base: number): number[] {
  // Shoelace area in world (x, y): positive when the corners run counter-clockwise there,
  // which is clockwise seen from above in three.js, where y becomes -z.
  let area = 0;
  for (let v = 0; v < 4; v++) {
    const w = (v + 1) % 4;
    area += q[2 * v]! * q[2 * w + 1]! - q[2 * w]! * q[2 * v + 1]!;
  }
  return area > 0 ? [base, base + 1, base + 2, base, base + 2, base + 3] : [base, base + 2, base + 1, base, base + 3, base + 2];
}

function upNormals(count: number): THREE.BufferAttribute {
  const normals = new Float32Array(count * 3);
  for (let i = 0; i < count; i++) normals[3 * i + 1] = 1;
  return new THREE.BufferAttribute(normals, 3);
}

function groundMesh(geometry: THREE.BufferGeometry, mat: THREE.Material, order: number): THREE.Mesh {
  mat.depthWrite = false;
  const m = new THREE.Mesh(geometry, mat);
  m.receiveShadow = true;
  m.renderOrder = order;
  return m;
}

function plane(size: number, rgbColour: Rgb, h: number, order: number): THREE.Mesh {
  const g = new THREE.PlaneGeometry(size, size);
  g.rotateX(-Math.PI / 2);
  g.translate(0, h, 0);
  return groundMesh(g, new THREE.MeshStandardMaterial({ color: colour(rgbColour), roughness: 1 }), order);
}

/** A convex polygon of the car (car frame, metres) extruded upwards from `bottom` to `top`. */
function slab(points: Poly, bottom: number, top: number, mat: THREE.Material, scale = 1): THREE.Mesh {
  const shape = new THREE.Shape(points.map(([x, y]) => new THREE.Vector2(x * scale, y * scale)));
  const g = new THREE.ExtrudeGeometry(shape, { depth: top - bottom, bevelEnabled: false });
  // Shape (x, y) and extrusion z become (x, z, -y) after a quarter turn about x: y forward, z up.
  g.rotateX(-Math.PI / 2);
  g.translate(0, bottom, 0);
  return mesh(g, mat);
}

/** The car's body in its own frame (facing -z, i.e. world +y): Gymnasium's four hull polygons made solid. */
function buildHull(track: Track): THREE.Group {
  const g = new THREE.Group();
  const red = material(HULL_RED, { roughness: 0.35, metalness: 0.15 });
  const dark = material(0x1d2126, { roughness: 0.6 });
  const [front, nose, cabin, rear] = [track.hull[0], track.hull[1], track.hull[2], track.hull[3]];
  const r = track.wheelHalfLength;
  if (front) g.add(slab(front, 0.12, 0.3, red));
  if (nose) g.add(slab(nose, 0.22, 0.62, red));
  if (cabin) {
    g.add(slab(cabin, 0.2, 0.82, red));
    // The cockpit: a dark opening on the cabin, and the driver's helmet in it.
    g.add(slab(cabin, 0.82, 0.86, dark, 0.45));
    const helmet = mesh(new THREE.SphereGeometry(0.27, 20, 14), material(0xf2c230, { roughness: 0.3 }));
    helmet.position.set(0, 1.0, 0.15);
    g.add(helmet);
  }
  if (rear) {
    // A wing above the rear wheels, on two posts.
    const wingBottom = 2 * r + 0.12;
    g.add(slab(rear, wingBottom, wingBottom + 0.14, red));
    const [cx, cy] = centroid(rear);
    for (const side of [-0.35, 0.35]) {
      const post = mesh(new THREE.BoxGeometry(0.08, wingBottom - 0.4, 0.3), dark);
      post.position.set(cx + side, 0.4 + (wingBottom - 0.4) / 2, -cy);
      g.add(post);
    }
  }
  return g;
}

function centroid(p: Poly): [number, number] {
  let x = 0;
  let y = 0;
  for (const [px, py] of p) {
    x += px;
    y += py;
  }
  return [x / p.length, y / p.length];
}

/** A wheel: the tyre turns about its axle (the group's x axis) with `spin`; grey spokes show the turning. */
function buildWheel(track: Track, tyreMat: THREE.Material, hubMat: THREE.Material): { group: THREE.Group; spin: THREE.Group } {
  const group = new THREE.Group();
  const spin = new THREE.Group();
  const r = track.wheelHalfLength;
  const w = 2 * track.wheelHalfWidth;
  const tyre = mesh(new THREE.CylinderGeometry(r, r, w, 28).rotateZ(Math.PI / 2), tyreMat);
  const hub = mesh(new THREE.CylinderGeometry(r * 0.55, r * 0.55, w * 1.04, 20).rotateZ(Math.PI / 2), hubMat);
  const spoke = mesh(new THREE.BoxGeometry(w * 1.08, r * 0.22, r * 1.75), hubMat);
  spin.add(tyre, hub, spoke);
  spin.position.y = r;
  group.add(spin);
  return { group, spin };
}

/** The skid-mark strips of the whole episode in frame order, and how many indices to draw up to each frame. */
function buildSkids(states: readonly CarState[], track: Track): { mesh: THREE.Mesh; upTo: Uint32Array } {
  const hw = track.wheelHalfWidth;
  const hl = track.wheelHalfLength;
  const positions: number[] = [];
  const cols: number[] = [];
  const upTo = new Uint32Array(states.length);
  const road = colour(SKID_ROAD);
  const mud = colour(SKID_GRASS);
  const onRoad = roadTest(track);
  let quads = 0;
  const index: number[] = [];
  const quad = (ax: number, ay: number, bx: number, by: number, c: THREE.Color): void => {
    const len = Math.hypot(bx - ax, by - ay) || 1;
    const nx = (-(by - ay) / len) * hw;
    const ny = ((bx - ax) / len) * hw;
    const corners = [ax + nx, ay + ny, ax - nx, ay - ny, bx - nx, by - ny, bx + nx, by + ny];
    for (let v = 0; v < 4; v++) {
      positions.push(corners[2 * v]!, 0.06, -corners[2 * v + 1]!);
      cols.push(c.r, c.g, c.b);
    }
    index.push(...upQuad(corners, 4 * quads));
    quads++;
  };
  states.forEach((s, i) => {
    const prev = i > 0 ? states[i - 1] : undefined;
    s.wheels.forEach(([x, y, a], w) => {
      if (!s.skid[w]) return;
      const c = onRoad(x, y) ? road : mud;
      const p = prev?.wheels[w];
      if (prev?.skid[w] && p && Math.hypot(x - p[0], y - p[1]) < 10) quad(p[0], p[1], x, y, c);
      else {
        // The first skidding frame: a print of the tyre along its heading.
        const fx = -Math.sin(a) * hl;
        const fy = Math.cos(a) * hl;
        quad(x - fx, y - fy, x + fx, y + fy, c);
      }
    });
    upTo[i] = quads * 6;
  });
  const geometry = new THREE.BufferGeometry();
  geometry.setAttribute('position', new THREE.Float32BufferAttribute(positions, 3));
  geometry.setAttribute('color', new THREE.Float32BufferAttribute(cols, 3));
  geometry.setAttribute('normal', upNormals(quads * 4));
  geometry.setIndex(index);
  const m = groundMesh(geometry, new THREE.MeshStandardMaterial({ vertexColors: true, roughness: 1 }), LAYER.skid);
  geometry.setDrawRange(0, 0);
  return { mesh: m, upTo };
}

/** Whether a point is on the road: within the half-width of the nearest centerline segment. */
function roadTest(track: Track): (x: number, y: number) => boolean {
  const pts = track.centerline;
  const n = pts.length;
  return (x, y) => {
    let best = Infinity;
    for (let i = 0; i < n; i++) {
      const [ax, ay] = pts[i]!;
      const [bx, by] = pts[(i + 1) % n]!;
      const dx = bx - ax;
      const dy = by - ay;
      const t = Math.max(0, Math.min(1, ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy || 1)));
      best = Math.min(best, Math.hypot(x - ax - t * dx, y - ay - t * dy));
    }
    return best <= track.halfWidth;
  };
}

/** A chequered band across the road at centerline point 0, where the lap starts and ends. */
function startLine(track: Track): THREE.Mesh | null {
  const t0 = track.tiles[0];
  if (!t0) return null;
  // Tile 0's first edge (corners 0 and 1) crosses the road at point 0; the band runs along the track from there.
  const [lx, ly, rx, ry] = [t0[0]!, t0[1]!, t0[2]!, t0[3]!];
  const back = [(t0[6]! + t0[4]!) / 2 - (lx + rx) / 2, (t0[7]! + t0[5]!) / 2 - (ly + ry) / 2];
  const bl = Math.hypot(back[0]!, back[1]!) || 1;
  const depth = Math.min(1.6, track.halfWidth / 4);
  const ux = (back[0]! / bl) * depth;
  const uy = (back[1]! / bl) * depth;
  const cols = 10;
  const quads: number[][] = [];
  const colours: THREE.Color[] = [];
  const black = colour([20, 20, 20]);
  const white = colour([245, 245, 245]);
  for (let row = 0; row < 2; row++) {
    for (let c = 0; c < cols; c++) {
      const a = c / cols;
      const b = (c + 1) / cols;
      const o = (row - 1) * 0.5;
      const p = (t: number, s: number): [number, number] => [lx + (rx - lx) * t + ux * (o + s), ly + (ry - ly) * t + uy * (o + s)];
      const [p0, p1, p2, p3] = [p(a, 0), p(b, 0), p(b, 0.5), p(a, 0.5)];
      quads.push([...p0, ...p1, ...p2, ...p3]);
      colours.push((row + c) % 2 === 0 ? white : black);
    }
  }
  return flatQuads(quads, colours, 0.05, LAYER.start);
}

export function carRacingScene(episode: EpisodeRecord): EnvScene | null {
  if (!framesHaveNumbers(episode, ['x', 'y', 'angle'])) return null;
  const track = readHeader(episode.header);
  if (!track) return null;
  const frames = episode.frames;
  const states = frames.map((f) => carState(f.state, track));
  const continuous = frames.some((f) => Array.isArray(f.action));
  const n = track.tiles.length;

  const root = new THREE.Group();
  // The ground: a duller green beyond the playfield (leaving it ends the episode), the playfield, the lighter squares.
  const P = track.playfield;
  root.add(plane(P * 8, [70, 122, 74], -0.02, LAYER.outside));
  root.add(plane(P * 2, track.background, 0, LAYER.playfield));
  const squares: number[][] = [];
  const k = track.grassSquare;
  const count = Math.round(P / k);
  for (let gx = -count; gx < count; gx += 2) {
    for (let gy = -count; gy < count; gy += 2) squares.push([k * gx + k, k * gy, k * gx, k * gy, k * gx, k * gy + k, k * gx + k, k * gy + k]);
  }
  root.add(flatQuads(squares, [colour(track.grass)], 0.01, LAYER.grass));

  // The road: one mesh, a colour per tile (lighter with Gymnasium's every-third-tile shading until visited).
  const unvisited = track.tiles.map((_, i) => colour(lighten(track.road, 26 + 6 * (i % 3))));
  const visited = colour(track.road);
  const road = flatQuads(track.tiles, unvisited, 0.02, LAYER.road);
  const roadColours = road.geometry.getAttribute('color') as THREE.BufferAttribute;
  root.add(road);
  if (track.curbs.length > 0) root.add(flatQuads(track.curbs.map((c) => c.polygon), track.curbs.map((c) => colour(c.color)), 0.03, LAYER.curbs));
  const line = startLine(track);
  if (line) root.add(line);

  // When each tile was first visited (frame index), from the frames' newTiles.
  const firstVisit = new Float64Array(n).fill(Infinity);
  const visit = (f: Frame, i: number): void => {
    const fresh = f.state.newTiles;
    if (!Array.isArray(fresh)) return;
    for (const t of fresh) if (isNum(t) && t >= 0 && t < n && firstVisit[t] === Infinity) firstVisit[t] = i;
  };
  frames.forEach(visit);
  // Frames appended to the record after the scene was made (play live grows its episode as the car drives):
  // their poses and tile visits are read when first shown; they leave no skid marks.
  const extend = (): void => {
    for (let i = states.length; i < frames.length; i++) {
      states.push(carState(frames[i]!.state, track));
      visit(frames[i]!, i);
    }
  };
  const tileShown = new Uint8Array(n);

  const skids = buildSkids(states, track);
  root.add(skids.mesh);

  // The car: the hull follows the hull's pose, each wheel its own.
  const hull = buildHull(track);
  root.add(hull);
  const tyreMat = material(0x16181b, { roughness: 0.9 });
  const hubMat = material(0x8a94a3, { roughness: 0.35, metalness: 0.5 });
  const wheels = track.wheels.map(() => buildWheel(track, tyreMat, hubMat));
  for (const w of wheels) root.add(w.group);

  let current = 0;
  const place = (i: number): void => {
    const s = states[i]!;
    hull.position.set(s.x, 0, -s.y);
    hull.rotation.y = s.angle;
    s.wheels.forEach(([x, y, a, phase], w) => {
      const wheel = wheels[w]!;
      wheel.group.position.set(x, 0, -y);
      wheel.group.rotation.y = a;
      // Rolling forward turns the top of the tyre towards the front (-z in the car's frame).
      wheel.spin.rotation.x = -phase;
    });
    for (let t = 0; t < n; t++) {
      const on = firstVisit[t]! <= i ? 1 : 0;
      if (on === tileShown[t]) continue;
      tileShown[t] = on;
      const c = on ? visited : unvisited[t]!;
      for (let v = 0; v < 4; v++) roadColours.setXYZ(4 * t + v, c.r, c.g, c.b);
      roadColours.needsUpdate = true;
    }
    skids.mesh.geometry.setDrawRange(0, skids.upTo[Math.min(i, skids.upTo.length - 1)]!);
  };
  place(0);

  // Cameras. The chase camera's heading is the mean heading over the last CHASE_LAG frames.
  const chase: SceneCamera = {
    name: 'chase',
    pose() {
      const s = states[current]!;
      let fx = 0;
      let fy = 0;
      for (let j = Math.max(0, current - CHASE_LAG); j <= current; j++) {
        const a = states[j]!.angle;
        fx += -Math.sin(a);
        fy += Math.cos(a);
      }
      const len = Math.hypot(fx, fy) || 1;
      fx /= len;
      fy /= len;
      return {
        position: new THREE.Vector3(s.x - 13 * fx, 5.5, -(s.y - 13 * fy)),
        target: new THREE.Vector3(s.x + 4 * fx, 1, -(s.y + 4 * fy)),
        fog: [90, 420],
      };
    },
  };
  const top: SceneCamera = {
    name: 'top',
    pose() {
      const s = states[current]!;
      // Straight down, north (world +y) up the screen; the small offset keeps the orbit maths away from the pole.
      return { position: new THREE.Vector3(s.x, 42, -s.y + 0.05), target: new THREE.Vector3(s.x, 0, -s.y), fog: [400, 900] };
    },
  };

  // The free camera starts over the whole track, from the south.
  let minX = Infinity;
  let maxX = -Infinity;
  let minY = Infinity;
  let maxY = -Infinity;
  for (const [x, y] of track.centerline) {
    minX = Math.min(minX, x);
    maxX = Math.max(maxX, x);
    minY = Math.min(minY, y);
    maxY = Math.max(maxY, y);
  }
  const cx = (minX + maxX) / 2;
  const cy = (minY + maxY) / 2;
  const span = Math.max(maxX - minX, maxY - minY, 50);

  const readouts = (frame: Frame): Readout[] => {
    const s = frame.state;
    const out: Readout[] = [];
    if (isNum(s.speed)) out.push({ label: 'speed', text: s.speed.toFixed(1), bar: Math.min(1, s.speed / SPEED_FULL) });
    if (isNum(s.steering)) {
      const deg = (s.steering * 180) / Math.PI;
      out.push({ label: 'steer', text: Math.abs(deg) < 0.05 ? '0°' : `${Math.abs(deg).toFixed(1)}° ${deg > 0 ? 'L' : 'R'}`, bar: Math.max(-1, Math.min(1, -s.steering / STEER_LIMIT)), signed: true });
    }
    if (isNum(s.gas)) out.push({ label: 'gas', text: s.gas.toFixed(2), bar: Math.max(0, Math.min(1, s.gas)) });
    if (isNum(s.brake)) out.push({ label: 'brake', text: s.brake.toFixed(2), bar: Math.max(0, Math.min(1, s.brake)) });
    if (isNum(s.tilesVisited)) out.push({ label: 'tiles', text: `${s.tilesVisited} / ${n}`, bar: Math.min(1, s.tilesVisited / n) });
    return out;
  };

  return {
    root,
    view: { position: [cx, span * 0.72, -cy + span * 0.78], target: [cx, 0, -cy] },
    extent: 30,
    fps: 50,
    ownGround: true,
    viewDistance: P * 12,
    cameras: [chase, top],
    ...(continuous ? {} : { actionNames: DISCRETE_ACTIONS }),
    show(_frame: Frame, index: number) {
      if (index >= states.length) extend();
      current = Math.max(0, Math.min(states.length - 1, index));
      place(current);
    },
    focus: () => new THREE.Vector3(states[current]!.x, 0.5, -states[current]!.y),
    readouts,
    actionLabel: (action) => {
      if (action === undefined) return '–';
      if (typeof action === 'number') return `${DISCRETE_ACTIONS[action] ?? action} (${action})`;
      const [steer, gas, brake] = [action[0] ?? 0, action[1] ?? 0, action[2] ?? 0];
      return `steer ${signed(steer)} gas ${gas.toFixed(2)} brake ${brake.toFixed(2)}`;
    },
    dispose: () => disposeTree(root),
  };
}

registerScene('CarRacing', carRacingScene);
