// CarRacing's track: generation (Gymnasium's recipe, described below and
// written from that description), the tile and curb polygons, and the spatial
// queries the env needs every step: which tiles a wheel touches, where the car
// is along the centerline, and how far a ray travels before it crosses a road
// edge. Everything is in world units (Gymnasium's Box2D units). Over 500
// lines because generation and the per-step queries share the tile geometry.
//
// Generation. Twelve checkpoints are scattered around a circle of radius
// TRACK_RAD: checkpoint c at polar angle 2*pi*c/12 plus up to one twelfth of a
// turn, at a radius between TRACK_RAD/3 and TRACK_RAD; the first sits at angle
// 0 and the last at exactly 2*pi*11/12, both at 1.5*TRACK_RAD. A pen starts at
// the first checkpoint heading counter-clockwise and walks in steps of
// TRACK_DETAIL_STEP; at each step it aims at the next checkpoint ahead of its
// own polar angle (past the last one it aims at the first, counting its angle
// from -2*pi) and turns towards it by at most TRACK_TURN_RATE, in proportion to
// how far the checkpoint lies to its side. After five laps (or 2500 steps) the
// last full lap, cut where the pen's angle crosses START_ALPHA, is the track;
// it is rejected (and a new one drawn) when no full lap was found or when its
// two ends do not meet sideways within one step. Tile i spans centerline
// points i - 1 and i, TRACK_WIDTH to each side (tile 0, which closes the
// loop, is about two steps long, as in Gymnasium); curbs of width BORDER line the
// inside of sharp turns (BORDER_MIN_COUNT consecutive heading changes of the
// same sign, each above a fifth of the turn rate).
//
// Differences from Gymnasium, on purpose:
// - Heading differences are wrapped to (-pi, pi]. The pen's heading jumps by
//   2*pi once per lap (it is kept within 1.5*pi of the polar angle), and
//   Gymnasium's raw differences can put a curb, on the wrong side, at that
//   tile.
// - A curb marks the tile where the turn is detected and the three tiles
//   before it. Gymnasium extends the flags in place while it loops, so a flag
//   that wraps around to the end of the track spreads backwards further.
// - The ends must meet within one step along the start's sideways direction
//   (the dot product); Gymnasium takes the norm of the element-wise product.
// - Seeds draw from Arena's generator, so a seed gives a different track than
//   in Gymnasium (as for every env here).
import type { Rng } from '../../core/rng.js';

export const SCALE = 6; // Gymnasium's track scale: its constants are pixel sizes divided by this
export const TRACK_RAD = 900 / SCALE; // radius of the circle the checkpoints are scattered around
export const PLAYFIELD = 2000 / SCALE; // the episode ends when |x| or |y| of the car exceeds this
export const TRACK_DETAIL_STEP = 21 / SCALE; // length of one tile along the centerline
export const TRACK_TURN_RATE = 0.31; // largest heading change per step of the pen (rad)
export const TRACK_WIDTH = 40 / SCALE; // half the road's width (Gymnasium's name)
export const BORDER = 8 / SCALE; // curb width
export const BORDER_MIN_COUNT = 4; // consecutive same-sign turns that earn a curb
const CHECKPOINTS = 12;
const START_ALPHA = (2 * Math.PI * -0.5) / CHECKPOINTS; // the lap is cut where the pen's polar angle crosses this
const MAX_PEN_STEPS = 2500;
const PEN_LAPS = 5; // the pen stops after this many laps; the last full one is kept
/** Gymnasium rejects a few percent of tracks; this many rejections in a row means something is wrong. */
const MAX_ATTEMPTS = 1000;

/** Side length of the cells of the spatial grids (tiles and edges). */
const CELL = 8;

/**
 * A closed track. Centerline point i is (x[i], y[i]) with heading beta[i]: the
 * road runs along (-sin beta, cos beta) and (cos beta, sin beta) points to its
 * right. Tile i joins points i - 1 and i (tile 0 joins the last point and the
 * first); the car starts at point 0, on the boundary of tiles 0 and 1.
 */
export interface Track {
  readonly n: number;
  readonly x: Float64Array;
  readonly y: Float64Array;
  readonly beta: Float64Array;
  /** Tile i's corners: left and right at point i, right and left at point i - 1, as x0 y0 x1 y1 x2 y2 x3 y3 at 8 * i. */
  readonly tiles: Float64Array;
  /** Curb side of tile i: +1 on the right, -1 on the left, 0 for no curb. */
  readonly curbSide: Int8Array;
  /** Curb polygons, 8 numbers each, for the tiles with a curb (in tile order; `curbTile[k]` is the tile of curb k). */
  readonly curbs: Float64Array;
  readonly curbTile: Int32Array;
  /** Grid over the tiles: cell c lists tileItems[tileStart[c] .. tileStart[c + 1]). */
  readonly grid: Grid;
  /** Road edge segments, x0 y0 x1 y1 at 4 * k: segment i < n is the left edge of tile i, n + i its right edge. */
  readonly edges: Float64Array;
  /** Grid over the edge segments. */
  readonly edgeGrid: Grid;
}

export interface Grid {
  readonly x0: number;
  readonly y0: number;
  readonly cols: number;
  readonly rows: number;
  readonly start: Int32Array;
  readonly items: Int32Array;
}

/** Wraps an angle to (-pi, pi]. */
export function wrapAngle(a: number): number {
  let r = a % (2 * Math.PI);
  if (r > Math.PI) r -= 2 * Math.PI;
  else if (r <= -Math.PI) r += 2 * Math.PI;
  return r;
}

// ---------------------------------------------------------------- generation

/** One attempt at Gymnasium's recipe: the centerline of the last full lap, or null when the attempt is rejected. */
function traceCenterline(rng: Rng): { x: number[]; y: number[]; beta: number[] } | null {
  const cpAlpha = new Float64Array(CHECKPOINTS);
  const cpX = new Float64Array(CHECKPOINTS);
  const cpY = new Float64Array(CHECKPOINTS);
  for (let c = 0; c < CHECKPOINTS; c++) {
    // Draw for every checkpoint, the two fixed ones included, as Gymnasium does.
    let alpha = (2 * Math.PI * c) / CHECKPOINTS + rng.uniform(0, (2 * Math.PI) / CHECKPOINTS);
    let rad = rng.uniform(TRACK_RAD / 3, TRACK_RAD);
    if (c === 0) {
      alpha = 0;
      rad = 1.5 * TRACK_RAD;
    } else if (c === CHECKPOINTS - 1) {
      alpha = (2 * Math.PI * c) / CHECKPOINTS;
      rad = 1.5 * TRACK_RAD;
    }
    cpAlpha[c] = alpha;
    cpX[c] = rad * Math.cos(alpha);
    cpY[c] = rad * Math.sin(alpha);
  }

  const alphas: number[] = [];
  const xs: number[] = [];
  const ys: number[] = [];
  const betas: number[] = [];
  let x = 1.5 * TRACK_RAD;
  let y = 0;
  let beta = 0;
  let target = 0; // index of the checkpoint aimed at, counted without wrapping
  let laps = 0;
  let belowAxis = false;
  for (let step = 0; step < MAX_PEN_STEPS && laps < PEN_LAPS; step++) {
    let alpha = Math.atan2(y, x);
    if (belowAxis && alpha > 0) {
      laps += 1;
      belowAxis = false;
    }
    if (alpha < 0) {
      belowAxis = true;
      alpha += 2 * Math.PI;
    }
    // The first checkpoint at or past the pen's angle, scanning on from the
    // current target; past the last checkpoint the angle counts from -2*pi.
    for (;;) {
      if (alpha <= cpAlpha[target % CHECKPOINTS]!) break;
      target += 1;
      if (target % CHECKPOINTS === 0) alpha -= 2 * Math.PI;
    }
    const dest = target % CHECKPOINTS;
    const rightX = Math.cos(beta);
    const rightY = Math.sin(beta);
    // How far the checkpoint lies to the pen's right, in Gymnasium's pixels.
    const side = (rightX * (cpX[dest]! - x) + rightY * (cpY[dest]! - y)) * SCALE;
    while (beta - alpha > 1.5 * Math.PI) beta -= 2 * Math.PI;
    while (beta - alpha < -1.5 * Math.PI) beta += 2 * Math.PI;
    const before = beta;
    if (side > 0.3) beta -= Math.min(TRACK_TURN_RATE, Math.abs(0.001 * side));
    if (side < -0.3) beta += Math.min(TRACK_TURN_RATE, Math.abs(0.001 * side));
    x += -rightY * TRACK_DETAIL_STEP; // forward is the right vector turned a quarter counter-clockwise
    y += rightX * TRACK_DETAIL_STEP;
    alphas.push(alpha);
    betas.push(0.5 * (before + beta));
    xs.push(x);
    ys.push(y);
  }

  // The last two crossings of START_ALPHA bound the last full lap.
  let last = -1;
  let first = -1;
  for (let i = alphas.length - 1; i > 0; i--) {
    if (alphas[i]! > START_ALPHA && alphas[i - 1]! <= START_ALPHA) {
      if (last < 0) last = i;
      else {
        first = i;
        break;
      }
    }
  }
  if (first < 0) return null;
  const end = last - 1; // exclusive: the tile from the last point back to the first closes the loop
  const lap = { x: xs.slice(first, end), y: ys.slice(first, end), beta: betas.slice(first, end) };
  const n = lap.x.length;
  // The two ends must meet sideways: their offset across the road at the start is at most one step.
  const gap = Math.cos(lap.beta[0]!) * (lap.x[0]! - lap.x[n - 1]!) + Math.sin(lap.beta[0]!) * (lap.y[0]! - lap.y[n - 1]!);
  if (Math.abs(gap) > TRACK_DETAIL_STEP) return null;
  return lap;
}

/** A random track (Gymnasium's recipe), drawing from `rng` until an attempt is accepted. */
export function generateTrack(rng: Rng): Track {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const lap = traceCenterline(rng);
    if (lap) return buildTrack(lap.x, lap.y, lap.beta);
  }
  throw new Error(`CarRacing: no acceptable track in ${MAX_ATTEMPTS} attempts`);
}

// ---------------------------------------------------------------- tiles and curbs

/** The track through these centerline points (closed: the last joins the first), with its tiles, curbs and grids. */
export function buildTrack(xs: ArrayLike<number>, ys: ArrayLike<number>, betas: ArrayLike<number>): Track {
  const n = xs.length;
  const x = Float64Array.from(xs);
  const y = Float64Array.from(ys);
  const beta = Float64Array.from(betas);
  const prev = (i: number): number => (i === 0 ? n - 1 : i - 1);

  // Heading change into point i, wrapped.
  const turn = new Float64Array(n);
  for (let i = 0; i < n; i++) turn[i] = wrapAngle(beta[i]! - beta[prev(i)]!);
  const sharp = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    let ok = true;
    let sum = 0;
    for (let k = 0; k < BORDER_MIN_COUNT; k++) {
      const d = turn[(i - k + n * BORDER_MIN_COUNT) % n]!;
      ok &&= Math.abs(d) > TRACK_TURN_RATE * 0.2;
      sum += Math.sign(d);
    }
    sharp[i] = ok && Math.abs(sum) === BORDER_MIN_COUNT ? 1 : 0;
  }
  const curbSide = new Int8Array(n);
  const tiles = new Float64Array(8 * n);
  const curbList: number[] = [];
  const curbTileList: number[] = [];
  for (let i = 0; i < n; i++) {
    let curb = false;
    for (let k = 0; k < BORDER_MIN_COUNT; k++) curb ||= sharp[(i + k) % n] === 1;
    const j = prev(i);
    const c1 = Math.cos(beta[i]!);
    const s1 = Math.sin(beta[i]!);
    const c2 = Math.cos(beta[j]!);
    const s2 = Math.sin(beta[j]!);
    const o = 8 * i;
    tiles[o] = x[i]! - TRACK_WIDTH * c1;
    tiles[o + 1] = y[i]! - TRACK_WIDTH * s1;
    tiles[o + 2] = x[i]! + TRACK_WIDTH * c1;
    tiles[o + 3] = y[i]! + TRACK_WIDTH * s1;
    tiles[o + 4] = x[j]! + TRACK_WIDTH * c2;
    tiles[o + 5] = y[j]! + TRACK_WIDTH * s2;
    tiles[o + 6] = x[j]! - TRACK_WIDTH * c2;
    tiles[o + 7] = y[j]! - TRACK_WIDTH * s2;
    if (curb) {
      // On the inside of the turn: a right turn (heading decreasing) puts it on the right.
      const side = -Math.sign(turn[i]!);
      curbSide[i] = side;
      const w1 = side * TRACK_WIDTH;
      const w2 = side * (TRACK_WIDTH + BORDER);
      curbList.push(
        x[i]! + w1 * c1, y[i]! + w1 * s1,
        x[i]! + w2 * c1, y[i]! + w2 * s1,
        x[j]! + w2 * c2, y[j]! + w2 * s2,
        x[j]! + w1 * c2, y[j]! + w1 * s2,
      );
      curbTileList.push(i);
    }
  }

  // Edge segments: the left edge of tile i runs from its corner 3 to corner 0, the right edge from corner 2 to corner 1.
  const edges = new Float64Array(8 * n);
  for (let i = 0; i < n; i++) {
    const t = 8 * i;
    edges.set([tiles[t + 6]!, tiles[t + 7]!, tiles[t]!, tiles[t + 1]!], 4 * i);
    edges.set([tiles[t + 4]!, tiles[t + 5]!, tiles[t + 2]!, tiles[t + 3]!], 4 * (n + i));
  }
  return {
    n,
    x,
    y,
    beta,
    tiles,
    curbSide,
    curbs: Float64Array.from(curbList),
    curbTile: Int32Array.from(curbTileList),
    grid: buildGrid(tiles, 8, n),
    edges,
    edgeGrid: buildGrid(edges, 4, 2 * n),
  };
}

/**
 * A uniform grid over items given as point lists (`stride` numbers per item, x
 * y pairs): each cell lists the items whose bounding box overlaps it, in CSR
 * form (start offsets and one flat list).
 */
function buildGrid(points: Float64Array, stride: number, count: number): Grid {
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (let i = 0; i < points.length; i += 2) {
    minX = Math.min(minX, points[i]!);
    maxX = Math.max(maxX, points[i]!);
    minY = Math.min(minY, points[i + 1]!);
    maxY = Math.max(maxY, points[i + 1]!);
  }
  const x0 = minX - CELL;
  const y0 = minY - CELL;
  const cols = Math.ceil((maxX - x0) / CELL) + 2;
  const rows = Math.ceil((maxY - y0) / CELL) + 2;
  const ranges = new Int32Array(4 * count);
  const counts = new Int32Array(cols * rows + 1);
  for (let k = 0; k < count; k++) {
    let bx0 = Infinity;
    let by0 = Infinity;
    let bx1 = -Infinity;
    let by1 = -Infinity;
    for (let v = 0; v < stride; v += 2) {
      const px = points[k * stride + v]!;
      const py = points[k * stride + v + 1]!;
      bx0 = Math.min(bx0, px);
      bx1 = Math.max(bx1, px);
      by0 = Math.min(by0, py);
      by1 = Math.max(by1, py);
    }
    const c0 = Math.floor((bx0 - x0) / CELL);
    const c1 = Math.floor((bx1 - x0) / CELL);
    const r0 = Math.floor((by0 - y0) / CELL);
    const r1 = Math.floor((by1 - y0) / CELL);
    ranges.set([c0, c1, r0, r1], 4 * k);
    for (let r = r0; r <= r1; r++) for (let c = c0; c <= c1; c++) counts[r * cols + c]! += 1;
  }
  const start = new Int32Array(cols * rows + 1);
  for (let c = 0; c < cols * rows; c++) start[c + 1] = start[c]! + counts[c]!;
  const fill = start.slice(0, cols * rows);
  const items = new Int32Array(start[cols * rows]!);
  for (let k = 0; k < count; k++) {
    const [c0, c1, r0, r1] = ranges.subarray(4 * k, 4 * k + 4);
    for (let r = r0!; r <= r1!; r++) for (let c = c0!; c <= c1!; c++) items[fill[r * cols + c]!++] = k;
  }
  return { x0, y0, cols, rows, start, items };
}

// ---------------------------------------------------------------- queries

/**
 * Whether the convex quadrilateral `quad` (8 numbers at `qo`) overlaps the
 * rectangle centred at (cx, cy) with unit axis (ux, uy) (its local y axis),
 * half-extents hw across and hl along. Separating-axis test on the
 * rectangle's two axes and the quad's four edge normals.
 */
export function quadOverlapsRect(
  quad: Float64Array,
  qo: number,
  cx: number,
  cy: number,
  ux: number,
  uy: number,
  hw: number,
  hl: number,
): boolean {
  // Rectangle axes: across = (uy, -ux) (local x), along = (ux, uy) (local y).
  let minA = Infinity;
  let maxA = -Infinity;
  let minB = Infinity;
  let maxB = -Infinity;
  for (let v = 0; v < 8; v += 2) {
    const dx = quad[qo + v]! - cx;
    const dy = quad[qo + v + 1]! - cy;
    const a = dx * uy - dy * ux;
    const b = dx * ux + dy * uy;
    if (a < minA) minA = a;
    if (a > maxA) maxA = a;
    if (b < minB) minB = b;
    if (b > maxB) maxB = b;
  }
  if (minA > hw || maxA < -hw || minB > hl || maxB < -hl) return false;
  // Rectangle corners projected on each quad edge normal.
  for (let e = 0; e < 8; e += 2) {
    const ax = quad[qo + e]!;
    const ay = quad[qo + e + 1]!;
    const bx = quad[qo + ((e + 2) & 7)]!;
    const by = quad[qo + ((e + 3) & 7)]!;
    const nx = by - ay; // a normal of edge a -> b; which way it points does not matter
    const ny = ax - bx;
    // The quad's extent on this normal.
    let qMin = Infinity;
    let qMax = -Infinity;
    for (let v = 0; v < 8; v += 2) {
      const p = quad[qo + v]! * nx + quad[qo + v + 1]! * ny;
      if (p < qMin) qMin = p;
      if (p > qMax) qMax = p;
    }
    const c = cx * nx + cy * ny;
    const r = Math.abs(hw * (uy * nx - ux * ny)) + Math.abs(hl * (ux * nx + uy * ny));
    if (c - r > qMax || c + r < qMin) return false;
  }
  return true;
}

/**
 * Writes into `out` (from index 0) the tiles a rectangle overlaps (see
 * quadOverlapsRect) and returns how many; at most out.length, without
 * duplicates.
 */
export function tilesUnderRect(
  track: Track,
  cx: number,
  cy: number,
  ux: number,
  uy: number,
  hw: number,
  hl: number,
  out: Int32Array,
): number {
  const g = track.grid;
  const reach = Math.hypot(hw, hl);
  const c0 = Math.max(0, Math.floor((cx - reach - g.x0) / CELL));
  const c1 = Math.min(g.cols - 1, Math.floor((cx + reach - g.x0) / CELL));
  const r0 = Math.max(0, Math.floor((cy - reach - g.y0) / CELL));
  const r1 = Math.min(g.rows - 1, Math.floor((cy + reach - g.y0) / CELL));
  let count = 0;
  for (let r = r0; r <= r1; r++) {
    for (let c = c0; c <= c1; c++) {
      const cell = r * g.cols + c;
      for (let k = g.start[cell]!; k < g.start[cell + 1]!; k++) {
        const tile = g.items[k]!;
        let seen = false;
        for (let m = 0; m < count; m++) if (out[m] === tile) seen = true;
        if (seen || count >= out.length) continue;
        if (quadOverlapsRect(track.tiles, 8 * tile, cx, cy, ux, uy, hw, hl)) out[count++] = tile;
      }
    }
  }
  return count;
}

/**
 * Distance from (px, py) along the unit direction (dx, dy) to the first road
 * edge it crosses, or `range` when none is closer. Walks the edge grid's cells
 * along the ray and stops once a hit lies inside the cells walked so far.
 */
export function rayToEdge(track: Track, px: number, py: number, dx: number, dy: number, range: number): number {
  const g = track.edgeGrid;
  const edges = track.edges;
  let best = range;
  // Cell walk (Amanatides & Woo) in grid coordinates.
  const gx = (px - g.x0) / CELL;
  const gy = (py - g.y0) / CELL;
  let c = Math.floor(gx);
  let r = Math.floor(gy);
  const stepC = dx > 0 ? 1 : -1;
  const stepR = dy > 0 ? 1 : -1;
  const tDeltaC = dx !== 0 ? CELL / Math.abs(dx) : Infinity;
  const tDeltaR = dy !== 0 ? CELL / Math.abs(dy) : Infinity;
  let tMaxC = dx !== 0 ? ((dx > 0 ? c + 1 - gx : gx - c) * CELL) / Math.abs(dx) : Infinity;
  let tMaxR = dy !== 0 ? ((dy > 0 ? r + 1 - gy : gy - r) * CELL) / Math.abs(dy) : Infinity;
  let tCell = 0; // distance at which the ray enters the current cell
  while (tCell < best) {
    if (c >= 0 && c < g.cols && r >= 0 && r < g.rows) {
      const cell = r * g.cols + c;
      for (let k = g.start[cell]!; k < g.start[cell + 1]!; k++) {
        const e = 4 * g.items[k]!;
        const ax = edges[e]!;
        const ay = edges[e + 1]!;
        const ex = edges[e + 2]! - ax;
        const ey = edges[e + 3]! - ay;
        // Solve p + t d = a + s e for t >= 0 and s in [0, 1].
        const den = dx * ey - dy * ex;
        if (den === 0) continue;
        const wx = ax - px;
        const wy = ay - py;
        const t = (wx * ey - wy * ex) / den;
        const s = (wx * dy - wy * dx) / den;
        if (t >= 0 && t < best && s >= 0 && s <= 1) best = t;
      }
    } else if ((c < 0 && stepC < 0) || (c >= g.cols && stepC > 0) || (r < 0 && stepR < 0) || (r >= g.rows && stepR > 0)) {
      break; // left the grid for good
    }
    if (tMaxC < tMaxR) {
      tCell = tMaxC;
      tMaxC += tDeltaC;
      c += stepC;
    } else {
      tCell = tMaxR;
      tMaxR += tDeltaR;
      r += stepR;
    }
  }
  return best;
}

/** Where a point lies relative to the centerline segment of tile i (from point i - 1 to point i). */
export interface CenterlineProjection {
  /** Tile whose centerline segment is closest. */
  tile: number;
  /** Fraction along that segment, in [0, 1]. */
  t: number;
  /** Signed distance from the centerline, positive to the left of the direction of travel. */
  offset: number;
  /** Squared distance to the closest point of the centerline. */
  dist2: number;
}

/** Projects (px, py) on tile i's centerline segment, writing into `out`; returns the squared distance. */
function projectOnSegment(track: Track, i: number, px: number, py: number, out: CenterlineProjection): number {
  const j = i === 0 ? track.n - 1 : i - 1;
  const ax = track.x[j]!;
  const ay = track.y[j]!;
  const ex = track.x[i]! - ax;
  const ey = track.y[i]! - ay;
  const len2 = ex * ex + ey * ey;
  let t = len2 > 0 ? ((px - ax) * ex + (py - ay) * ey) / len2 : 0;
  if (t < 0) t = 0;
  else if (t > 1) t = 1;
  const qx = px - (ax + t * ex);
  const qy = py - (ay + t * ey);
  const dist2 = qx * qx + qy * qy;
  if (dist2 < out.dist2) {
    out.tile = i;
    out.t = t;
    out.dist2 = dist2;
    const len = Math.sqrt(len2) || 1;
    out.offset = (ex * qy - ey * qx) / len; // cross(e, q) > 0: the point is on the left
  }
  return dist2;
}

/**
 * The closest centerline segment to (px, py), searched within `window` tiles
 * of `hint` (the previous answer), or over the whole track when `hint` is
 * negative or the local answer is farther than `farther` from the
 * centerline (the car left the road, or a part of the track passing nearby is
 * closer). Writes into `out`.
 */
export function projectOnCenterline(
  track: Track,
  px: number,
  py: number,
  hint: number,
  window: number,
  farther: number,
  out: CenterlineProjection,
): void {
  out.dist2 = Infinity;
  const n = track.n;
  if (hint >= 0) {
    for (let d = -window; d <= window; d++) projectOnSegment(track, (((hint + d) % n) + n) % n, px, py, out);
    if (out.dist2 <= farther * farther) return;
  }
  for (let i = 0; i < n; i++) projectOnSegment(track, i, px, py, out);
}
