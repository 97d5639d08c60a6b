// Small text helpers for error messages: "did you mean ...?" suggestions, the message of a thrown value.

/** Levenshtein distance (insertions, deletions and substitutions cost 1). */
export function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length]!;
}

/**
 * The known name closest to `name` when it is close enough to be a typo or a
 * shortened form (case ignored), else undefined.
 */
export function closestMatch(name: string, known: readonly string[]): string | undefined {
  const typed = name.toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const lower = candidate.toLowerCase();
    const d = editDistance(typed, lower);
    const prefix = Math.min(typed.length, lower.length) >= 3 && (lower.startsWith(typed) || typed.startsWith(lower));
    if (d < bestDistance && (d <= Math.max(2, Math.floor(candidate.length / 3)) || prefix)) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

/** The message of a thrown value (an Error's message, anything else as a string), for an error that quotes it. */
export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
