// How numbers are printed in comparisons, in the terminal (`arena compare`) and
// in the viewer alike, and the aligned text tables the terminal shows. Pure,
// with no Node imports, so the browser client can bundle it.

/** 1234567 -> "1,234,567" (rounded to an integer). */
export function groupThousands(n: number): string {
  return String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** Glyphs for missing and infinite values: plain ASCII for terminals and CSV, typographic for the browser. */
export interface NumberGlyphs {
  readonly missing: string;
  readonly infinity: string;
  readonly minus: string;
}
export const ASCII_GLYPHS: NumberGlyphs = { missing: '-', infinity: 'inf', minus: '-' };

/** Digits by magnitude: enough to tell returns apart without noise (475.2, 12.35, 0.705). */
export function formatNumber(v: number | null | undefined, glyphs: NumberGlyphs = ASCII_GLYPHS): string {
  if (v === null || v === undefined || Number.isNaN(v)) return glyphs.missing;
  if (!Number.isFinite(v)) return v > 0 ? glyphs.infinity : `${glyphs.minus}${glyphs.infinity}`;
  const a = Math.abs(v);
  if (a === 0) return '0';
  if (a >= 10000) return groupThousands(v);
  if (a >= 100) return v.toFixed(1);
  if (a >= 1) return v.toFixed(2);
  return v.toPrecision(3);
}

/** Rows under a header, each column as wide as its widest cell (right-aligned where `rightAligned` says), a dashed line under the header. */
export function textTable(header: readonly string[], rows: readonly (readonly string[])[], rightAligned: readonly boolean[] = []): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]) =>
    cells.map((c, i) => (rightAligned[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
