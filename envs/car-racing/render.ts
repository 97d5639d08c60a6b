// CarRacing's 96x96 pixel observation, drawn the way Gymnasium draws its
// state_pixels: a 1000x800 window that follows the car (the car near the
// bottom, facing up, zoomed in over the first second), shrunk to 96x96 (so a
// world unit is wider than it is tall in the image), with the indicator strip
// along the bottom. Layers, in order: black, the playfield square, the lighter
// grass squares, road tiles and curbs, the wheels (black, with a grey stripe
// that turns with the wheel), the hull, the strip and its bars (speed, wheel
// spins, steering, gyroscope), and the score.
//
// Differences from Gymnasium: polygons are sampled on a 2x2 grid per output
// pixel instead of being drawn anti-aliased at 1000x800 and area-filtered, so
// edges are a little harder; the score is drawn with a 3x5 pixel font, since
// at this size pygame's digits are a few grey pixels each anyway.
import { HULL_POLYS, SIZE, WHEEL_POS, WHEEL_R, WHEEL_W } from './car.js';
import type { Car } from './car.js';
import { Raster } from './raster.js';
import { PLAYFIELD, SCALE, TRACK_DETAIL_STEP, TRACK_WIDTH } from './track.js';
import type { Track } from './track.js';

export const STATE_W = 96;
export const STATE_H = 96;
const WINDOW_W = 1000; // Gymnasium draws at this size, then shrinks to STATE_W x STATE_H
const WINDOW_H = 800;
export const ZOOM = 2.7; // camera zoom once the first second is over
const GRASS_DIM = PLAYFIELD / 20; // side of the grass squares
const SS = 2; // samples per output pixel along each axis

/** Palette slots. */
export const enum Paint {
  Black = 0,
  Background,
  Grass,
  /** Road tiles, shaded by tile index mod 3 until a wheel touches them. */
  Road0,
  Road1,
  Road2,
  /** Tiles a wheel has touched: the plain road colour. */
  RoadTouched,
  White,
  Red,
  Hull,
  WheelStripe,
  AbsFront,
  AbsRear,
  Steering,
}

export interface Colors {
  road: readonly number[];
  background: readonly number[];
  grass: readonly number[];
}

export const DEFAULT_COLORS: Colors = { road: [102, 102, 102], background: [102, 204, 102], grass: [102, 230, 102] };

/** 3x5 digits (and '-'), one row per string; '#' is ink. */
const GLYPHS: Record<string, readonly string[]> = {
  '0': ['###', '#.#', '#.#', '#.#', '###'],
  '1': ['.#.', '##.', '.#.', '.#.', '###'],
  '2': ['###', '..#', '###', '#..', '###'],
  '3': ['###', '..#', '.##', '..#', '###'],
  '4': ['#.#', '#.#', '###', '..#', '..#'],
  '5': ['###', '#..', '###', '..#', '###'],
  '6': ['###', '#..', '###', '#.#', '###'],
  '7': ['###', '..#', '.#.', '.#.', '.#.'],
  '8': ['###', '#.#', '###', '#.#', '###'],
  '9': ['###', '#.#', '###', '..#', '###'],
  '-': ['...', '...', '###', '...', '...'],
};
// Score text in window pixels: Gymnasium centres 42-pixel digits at (60, WINDOW_H - 50).
const TEXT_CENTER_X = 60;
const TEXT_CENTER_Y = WINDOW_H - (WINDOW_H * 2.5) / 40;
const TEXT_ADVANCE = 23.4;
const TEXT_GLYPH_W = 18;
const TEXT_GLYPH_H = 30;

/** Gymnasium's score text: the score rounded, zero-padded to four characters ("0123", "-005"). */
export function scoreText(score: number): string {
  const digits = Math.abs(score).toFixed(0);
  return score < 0 ? `-${digits.padStart(3, '0')}` : digits.padStart(4, '0');
}

export class Renderer {
  private readonly raster = new Raster(STATE_W, STATE_H, SS);
  private readonly xs = new Float64Array(16);
  private readonly ys = new Float64Array(16);
  // The current view: world (x, y) -> buffer (tx + ax * x + ay * y, ty + bx * x + by * y).
  private ax = 0;
  private ay = 0;
  private bx = 0;
  private by = 0;
  private tx = 0;
  private ty = 0;
  private readonly hullLocal = HULL_POLYS.map((p) => Float64Array.from(p.flatMap(([x, y]) => [x * SIZE, y * SIZE])));

  constructor(colors: Colors = DEFAULT_COLORS) {
    const r = this.raster;
    r.setColor(Paint.Black, 0, 0, 0);
    r.setColor(Paint.White, 255, 255, 255);
    r.setColor(Paint.Red, 255, 0, 0);
    r.setColor(Paint.Hull, 0.8 * 255, 0, 0);
    r.setColor(Paint.WheelStripe, 77, 77, 77);
    r.setColor(Paint.AbsFront, 0, 0, 255);
    r.setColor(Paint.AbsRear, 51, 0, 255);
    r.setColor(Paint.Steering, 0, 255, 0);
    this.setColors(colors);
  }

  /** Road, background and grass colours (floats are truncated, as Gymnasium's int() does). */
  setColors(colors: Colors): void {
    const r = this.raster;
    const [rr, rg, rb] = colors.road as [number, number, number];
    for (let k = 0; k < 3; k++) {
      const shade = 0.01 * k * 255; // Gymnasium shades every third tile a little lighter
      r.setColor(Paint.Road0 + k, rr + shade, rg + shade, rb + shade);
    }
    r.setColor(Paint.RoadTouched, rr, rg, rb);
    r.setColor(Paint.Background, colors.background[0]!, colors.background[1]!, colors.background[2]!);
    r.setColor(Paint.Grass, colors.grass[0]!, colors.grass[1]!, colors.grass[2]!);
  }

  /**
   * Draws the view into `out` (STATE_H x STATE_W x 3 bytes): `touched` marks
   * the tiles a wheel has touched, `time` (seconds since the start) sets the
   * zoom, `score` is printed in the strip.
   */
  render(track: Track, car: Car, touched: Uint8Array, time: number, score: number, out: Uint8Array): void {
    const raster = this.raster;
    const hull = car.hull;
    const pos = hull.getPosition();
    const angle = hull.getAngle();
    const zoom = 0.1 * SCALE * Math.max(1 - time, 0) + ZOOM * SCALE * Math.min(time, 1);

    // World -> window: rotate by -angle about the car, scale by zoom, put the
    // car at (WINDOW_W / 2, WINDOW_H * 3 / 4) with y down; then window -> buffer.
    const kx = (zoom * STATE_W * SS) / WINDOW_W;
    const ky = (zoom * STATE_H * SS) / WINDOW_H;
    const c = Math.cos(angle);
    const s = Math.sin(angle);
    this.ax = kx * c;
    this.ay = kx * s;
    this.bx = ky * s;
    this.by = -ky * c;
    const carX = (STATE_W * SS) / 2;
    const carY = (STATE_H * SS * 3) / 4;
    this.tx = carX - this.ax * pos.x - this.ay * pos.y;
    this.ty = carY - this.bx * pos.x - this.by * pos.y;
    // World radius around the car that the window can show.
    const viewRadius = Math.hypot(WINDOW_W / 2, (WINDOW_H * 3) / 4) / zoom;

    if (Math.abs(pos.x) + viewRadius < PLAYFIELD && Math.abs(pos.y) + viewRadius < PLAYFIELD) {
      raster.clear(Paint.Background); // the playfield fills the view
    } else {
      raster.clear(Paint.Black);
      this.quad(-PLAYFIELD, -PLAYFIELD, PLAYFIELD, -PLAYFIELD, PLAYFIELD, PLAYFIELD, -PLAYFIELD, PLAYFIELD, Paint.Background);
    }

    // Grass squares at even grid indices from -20 to 18 in x and y.
    const gx0 = Math.max(-20, 2 * Math.floor((pos.x - viewRadius) / GRASS_DIM / 2));
    const gx1 = Math.min(18, Math.floor((pos.x + viewRadius) / GRASS_DIM));
    const gy0 = Math.max(-20, 2 * Math.floor((pos.y - viewRadius) / GRASS_DIM / 2));
    const gy1 = Math.min(18, Math.floor((pos.y + viewRadius) / GRASS_DIM));
    for (let gx = gx0; gx <= gx1; gx += 2) {
      const x0 = GRASS_DIM * gx;
      const x1 = x0 + GRASS_DIM;
      for (let gy = gy0; gy <= gy1; gy += 2) {
        const y0 = GRASS_DIM * gy;
        const y1 = y0 + GRASS_DIM;
        this.quad(x1, y0, x0, y0, x0, y1, x1, y1, Paint.Grass);
      }
    }

    // Road tiles, each followed by its curb, as Gymnasium orders them.
    const reach = viewRadius + 2 * TRACK_WIDTH + TRACK_DETAIL_STEP;
    const reach2 = reach * reach;
    const tiles = track.tiles;
    const curbs = track.curbs;
    let curb = 0;
    for (let i = 0; i < track.n; i++) {
      const dx = track.x[i]! - pos.x;
      const dy = track.y[i]! - pos.y;
      const visible = dx * dx + dy * dy <= reach2;
      if (visible) {
        const o = 8 * i;
        const paint = touched[i] ? Paint.RoadTouched : Paint.Road0 + (i % 3);
        this.quad(tiles[o]!, tiles[o + 1]!, tiles[o + 2]!, tiles[o + 3]!, tiles[o + 4]!, tiles[o + 5]!, tiles[o + 6]!, tiles[o + 7]!, paint);
      }
      if (curb < track.curbTile.length && track.curbTile[curb] === i) {
        if (visible) {
          const o = 8 * curb;
          this.quad(curbs[o]!, curbs[o + 1]!, curbs[o + 2]!, curbs[o + 3]!, curbs[o + 4]!, curbs[o + 5]!, curbs[o + 6]!, curbs[o + 7]!, i % 2 === 0 ? Paint.White : Paint.Red);
        }
        curb++;
      }
    }

    this.drawCar(car);
    this.drawIndicators(car);
    this.drawScore(score);
    raster.resolve(out);
  }

  private quad(x0: number, y0: number, x1: number, y1: number, x2: number, y2: number, x3: number, y3: number, paint: Paint): void {
    const { xs, ys, ax, ay, bx, by, tx, ty } = this;
    xs[0] = tx + ax * x0 + ay * y0;
    ys[0] = ty + bx * x0 + by * y0;
    xs[1] = tx + ax * x1 + ay * y1;
    ys[1] = ty + bx * x1 + by * y1;
    xs[2] = tx + ax * x2 + ay * y2;
    ys[2] = ty + bx * x2 + by * y2;
    xs[3] = tx + ax * x3 + ay * y3;
    ys[3] = ty + bx * x3 + by * y3;
    this.raster.fillConvex(xs, ys, 4, paint);
  }

  /** Fills a polygon given in a body's frame (flat x y list) at pose (px, py, angle). */
  private bodyPolygon(local: Float64Array, px: number, py: number, angle: number, paint: Paint): void {
    const { xs, ys, ax, ay, bx, by, tx, ty } = this;
    const c = Math.cos(angle);
    const s = Math.sin(angle);
    const n = local.length >> 1;
    for (let v = 0; v < n; v++) {
      const lx = local[2 * v]!;
      const ly = local[2 * v + 1]!;
      const wx = px + c * lx - s * ly;
      const wy = py + s * lx + c * ly;
      xs[v] = tx + ax * wx + ay * wy;
      ys[v] = ty + bx * wx + by * wy;
    }
    this.raster.fillConvex(xs, ys, n, paint);
  }

  private readonly wheelLocal = new Float64Array([-WHEEL_W, WHEEL_R, WHEEL_W, WHEEL_R, WHEEL_W, -WHEEL_R, -WHEEL_W, -WHEEL_R].map((v) => v * SIZE));
  private readonly stripeLocal = new Float64Array(8);

  private drawCar(car: Car): void {
    for (let w = 0; w < 4; w++) {
      const wheel = car.wheels[w]!;
      const p = wheel.getPosition();
      const a = wheel.getAngle();
      this.bodyPolygon(this.wheelLocal, p.x, p.y, a, Paint.Black);
      // The stripe: the part of the wheel between phase and phase + 1.2 rad
      // seen from above, as Gymnasium draws it (nothing when both ends are on the far side).
      const a1 = car.phase[w]!;
      const a2 = a1 + 1.2;
      const s1 = Math.sin(a1);
      const s2 = Math.sin(a2);
      if (s1 > 0 && s2 > 0) continue;
      let c1 = Math.cos(a1);
      let c2 = Math.cos(a2);
      if (s1 > 0) c1 = Math.sign(c1);
      if (s2 > 0) c2 = Math.sign(c2);
      const st = this.stripeLocal;
      const hw = WHEEL_W * SIZE;
      const hl = WHEEL_R * SIZE;
      st[0] = -hw;
      st[1] = hl * c1;
      st[2] = hw;
      st[3] = hl * c1;
      st[4] = hw;
      st[5] = hl * c2;
      st[6] = -hw;
      st[7] = hl * c2;
      this.bodyPolygon(st, p.x, p.y, a, Paint.WheelStripe);
    }
    const hp = car.hull.getPosition();
    const ha = car.hull.getAngle();
    for (const local of this.hullLocal) this.bodyPolygon(local, hp.x, hp.y, ha, Paint.Hull);
  }

  // Window pixels -> buffer pixels, for the strip and the score (drawn after the flip, y down).
  private rect(x0: number, y0: number, x1: number, y1: number, paint: Paint): void {
    const sx = (STATE_W * SS) / WINDOW_W;
    const sy = (STATE_H * SS) / WINDOW_H;
    this.raster.fillRect(x0 * sx, y0 * sy, x1 * sx, y1 * sy, paint);
  }

  /** A vertical bar at slot `place` of the strip, rising val * h from the strip's bottom margin (window pixels). */
  private vertical(place: number, val: number, paint: Paint): void {
    const s = WINDOW_W / 40;
    const h = WINDOW_H / 40;
    this.rect(place * s, WINDOW_H - (h + h * val), (place + 1) * s, WINDOW_H - h, paint);
  }

  /** A horizontal bar from slot `place` of the strip, val slots long. */
  private horizontal(place: number, val: number, paint: Paint): void {
    const s = WINDOW_W / 40;
    const h = WINDOW_H / 40;
    this.rect(place * s, WINDOW_H - 4 * h, (place + val) * s, WINDOW_H - 2 * h, paint);
  }

  /** The strip: true speed, the four wheels' spin (the "ABS sensors"), steering and gyroscope, each drawn when not ~0. */
  private drawIndicators(car: Car): void {
    this.rect(0, WINDOW_H - (5 * WINDOW_H) / 40, WINDOW_W, WINDOW_H, Paint.Black);
    const v = car.hull.getLinearVelocity();
    const speed = Math.sqrt(v.x * v.x + v.y * v.y);
    if (speed > 1e-4) this.vertical(5, 0.02 * speed, Paint.White);
    for (let w = 0; w < 4; w++) {
      const omega = car.omega[w]!;
      if (Math.abs(omega) > 1e-4) this.vertical(7 + w, 0.01 * omega, w < 2 ? Paint.AbsFront : Paint.AbsRear);
    }
    const steering = car.joints[0]!.getJointAngle();
    if (Math.abs(steering) > 1e-4) this.horizontal(20, -10 * steering, Paint.Steering);
    const gyro = car.hull.getAngularVelocity();
    if (Math.abs(gyro) > 1e-4) this.horizontal(30, -0.8 * gyro, Paint.Red);
  }

  private drawScore(score: number): void {
    const text = scoreText(score);
    const left = TEXT_CENTER_X - (text.length * TEXT_ADVANCE) / 2;
    const top = TEXT_CENTER_Y - TEXT_GLYPH_H / 2;
    const cw = TEXT_GLYPH_W / 3;
    const ch = TEXT_GLYPH_H / 5;
    for (let k = 0; k < text.length; k++) {
      const glyph = GLYPHS[text[k]!];
      if (!glyph) continue;
      const gx = left + k * TEXT_ADVANCE + (TEXT_ADVANCE - TEXT_GLYPH_W) / 2;
      for (let row = 0; row < 5; row++) {
        for (let col = 0; col < 3; col++) {
          if (glyph[row]![col] === '#') this.rect(gx + col * cw, top + row * ch, gx + (col + 1) * cw, top + (row + 1) * ch, Paint.White);
        }
      }
    }
  }
}
