// A small software rasterizer for CarRacing's pixel observation: convex
// polygons filled into a supersampled buffer of palette indices, then
// averaged down to RGB bytes. Gymnasium draws at 1000x800 and shrinks to
// 96x96 with an area filter (pygame's smoothscale); sampling each output pixel
// on an ss x ss grid and averaging approximates that filter.
//
// Coordinates are in buffer pixels (the supersampled grid); pixel (c, r)
// covers [c, c + 1) x [r, r + 1), and a polygon covers the pixels whose centre
// lies inside it (a centre on a left or top edge counts, on a right or bottom
// edge does not), so polygons that share an edge leave no gap and no overlap.

const MAX_VERTICES = 16;
/** Spans longer than this are filled with TypedArray.fill (a memset), shorter ones in a loop. */
const FILL_SPAN = 24;
/** Whether 16-bit words are little-endian here (resolve's fast path reads sample pairs that way). */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export class Raster {
  /** Supersampled buffer size. */
  readonly width: number;
  readonly height: number;
  /** One palette index per buffer pixel, row-major. */
  readonly index: Uint8Array;
  /** Palette: red << 16 | blue, and green, per index (split so that up to 256 samples sum without overflow). */
  private readonly paletteRB = new Int32Array(256);
  private readonly paletteG = new Int32Array(256);
  /** The same colours as red << 16 | green << 8 | blue. */
  private readonly paletteRGB = new Int32Array(256);
  /** The index buffer as 16-bit words: two horizontally adjacent samples (on little-endian machines, the left one in the low byte). */
  private readonly pairs: Uint16Array;
  // Scratch edge table for fillConvex.
  private readonly ex0 = new Float64Array(MAX_VERTICES);
  private readonly ey0 = new Float64Array(MAX_VERTICES);
  private readonly ey1 = new Float64Array(MAX_VERTICES);
  private readonly eslope = new Float64Array(MAX_VERTICES);

  constructor(
    /** Output size in pixels. */
    readonly outWidth: number,
    readonly outHeight: number,
    /** Samples per output pixel along each axis. */
    readonly ss: number,
  ) {
    if (ss < 1 || ss > 16 || !Number.isInteger(ss)) throw new RangeError(`Raster: ss must be an integer in [1, 16], got ${ss}`);
    this.width = outWidth * ss;
    this.height = outHeight * ss;
    this.index = new Uint8Array(this.width * this.height);
    this.pairs = new Uint16Array(this.index.buffer, 0, this.index.length >> 1);
  }

  /** Sets palette entry i to an RGB colour (components truncated to integers in [0, 255]). */
  setColor(i: number, r: number, g: number, b: number): void {
    const clamp = (v: number): number => Math.min(255, Math.max(0, Math.trunc(v)));
    this.paletteRB[i] = (clamp(r) << 16) | clamp(b);
    this.paletteG[i] = clamp(g);
    this.paletteRGB[i] = (clamp(r) << 16) | (clamp(g) << 8) | clamp(b);
  }

  clear(color: number): void {
    this.index.fill(color);
  }

  /** Fills the axis-aligned rectangle between (x0, y0) and (x1, y1) (in either order). */
  fillRect(x0: number, y0: number, x1: number, y1: number, color: number): void {
    const left = Math.max(0, Math.ceil(Math.min(x0, x1) - 0.5));
    const right = Math.min(this.width, Math.ceil(Math.max(x0, x1) - 0.5));
    const top = Math.max(0, Math.ceil(Math.min(y0, y1) - 0.5));
    const bottom = Math.min(this.height, Math.ceil(Math.max(y0, y1) - 0.5));
    if (left >= right) return;
    const index = this.index;
    for (let r = top; r < bottom; r++) {
      const row = r * this.width;
      for (let c = row + left, end = row + right; c < end; c++) index[c] = color;
    }
  }

  /**
   * Fills a convex polygon with n vertices (xs[i], ys[i]), in either winding.
   * Each scanline's span runs between the leftmost and rightmost crossing of
   * the polygon's edges with the line through the row's pixel centres.
   */
  fillConvex(xs: Float64Array, ys: Float64Array, n: number, color: number): void {
    let minY = Infinity;
    let maxY = -Infinity;
    let minX = Infinity;
    let maxX = -Infinity;
    for (let i = 0; i < n; i++) {
      const y = ys[i]!;
      const x = xs[i]!;
      if (y < minY) minY = y;
      if (y > maxY) maxY = y;
      if (x < minX) minX = x;
      if (x > maxX) maxX = x;
    }
    const top = Math.max(0, Math.ceil(minY - 0.5));
    const bottom = Math.min(this.height, Math.ceil(maxY - 0.5));
    if (top >= bottom || maxX < 0 || minX > this.width) return;
    // Edge table: the non-horizontal edges, each with its y range [ey0, ey1) and slope dx/dy.
    const ex0 = this.ex0;
    const ey0 = this.ey0;
    const ey1 = this.ey1;
    const eslope = this.eslope;
    let edges = 0;
    for (let i = 0, j = n - 1; i < n; j = i++) {
      let xa = xs[j]!;
      let ya = ys[j]!;
      let xb = xs[i]!;
      let yb = ys[i]!;
      if (ya === yb) continue;
      if (ya > yb) {
        const tx = xa;
        xa = xb;
        xb = tx;
        const ty = ya;
        ya = yb;
        yb = ty;
      }
      ex0[edges] = xa;
      ey0[edges] = ya;
      ey1[edges] = yb;
      eslope[edges] = (xb - xa) / (yb - ya);
      edges++;
    }
    const width = this.width;
    const index = this.index;
    for (let r = top; r < bottom; r++) {
      const yc = r + 0.5;
      let xl = Infinity;
      let xr = -Infinity;
      for (let e = 0; e < edges; e++) {
        const y0 = ey0[e]!;
        if (yc < y0 || yc >= ey1[e]!) continue;
        const x = ex0[e]! + (yc - y0) * eslope[e]!;
        if (x < xl) xl = x;
        if (x > xr) xr = x;
      }
      let left = Math.ceil(xl - 0.5);
      let right = Math.ceil(xr - 0.5);
      if (left < 0) left = 0;
      if (right > width) right = width;
      const row = r * width;
      if (right - left > FILL_SPAN) index.fill(color, row + left, row + right);
      else for (let c = row + left, end = row + right; c < end; c++) index[c] = color;
    }
  }

  /** Averages each output pixel's ss x ss samples into RGB bytes, row-major, 3 per pixel. */
  resolve(out: Uint8Array): void {
    const { ss, width, outWidth, outHeight, index, paletteRB, paletteG } = this;
    const n = ss * ss;
    const half = n >> 1;
    if (ss === 2 && LITTLE_ENDIAN) {
      // The common case: each output pixel's two sample pairs read as 16-bit words.
      const pairs = this.pairs;
      const half = width >> 1;
      const packed = this.paletteRGB;
      for (let r = 0; r < outHeight; r++) {
        let a = r * width; // pair index of the top-left sample (row 2r, column 0)
        let o = 3 * r * outWidth;
        for (let c = 0; c < outWidth; c++, a++, o += 3) {
          const top = pairs[a]!;
          const bottom = pairs[a + half]!;
          const i0 = top & 0xff;
          if (top === bottom && i0 === top >> 8) {
            // Inside a polygon (most pixels): the colour itself.
            const rgb = packed[i0]!;
            out[o] = rgb >> 16;
            out[o + 1] = rgb >> 8;
            out[o + 2] = rgb;
            continue;
          }
          const i1 = top >> 8;
          const i2 = bottom & 0xff;
          const i3 = bottom >> 8;
          const rb = paletteRB[i0]! + paletteRB[i1]! + paletteRB[i2]! + paletteRB[i3]!;
          const g = paletteG[i0]! + paletteG[i1]! + paletteG[i2]! + paletteG[i3]!;
          out[o] = ((rb >>> 16) + 2) >> 2;
          out[o + 1] = (g + 2) >> 2;
          out[o + 2] = ((rb & 0xffff) + 2) >> 2;
        }
      }
      return;
    }
    for (let r = 0; r < outHeight; r++) {
      for (let c = 0; c < outWidth; c++) {
        let rb = 0;
        let g = 0;
        for (let dy = 0; dy < ss; dy++) {
          const row = (r * ss + dy) * width + c * ss;
          for (let dx = 0; dx < ss; dx++) {
            const i = index[row + dx]!;
            rb += paletteRB[i]!;
            g += paletteG[i]!;
          }
        }
        const o = 3 * (r * outWidth + c);
        out[o] = Math.floor(((rb >>> 16) + half) / n);
        out[o + 1] = Math.floor((g + half) / n);
        out[o + 2] = Math.floor(((rb & 0xffff) + half) / n);
      }
    }
  }
}
