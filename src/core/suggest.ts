/**
 * What a message shows of a user's input: "did you mean" suggestions for misspelt keys, enum values, region,
 * template and parameter names, and long values clipped. Pure functions; no dependencies, so every layer (the
 * template schema, the region rule, the CLI's flags) words its messages alike.
 */

/** Longest key or value quoted whole in a message; longer ones are cut (a 100k-character key is not worth echoing). */
export const MAX_QUOTED_LENGTH = 60;

/** `text` itself when short, else its first MAX_QUOTED_LENGTH characters and `…(N chars)`. */
export function clip(text: string): string {
  return text.length <= MAX_QUOTED_LENGTH ? text : `${text.slice(0, MAX_QUOTED_LENGTH)}…(${text.length} chars)`;
}

/**
 * Spellings people carry over from other tools; edit distance alone would suggest the wrong word
 * (`amd64` is two edits from `arm64`, but means `x86_64`).
 */
const KNOWN_CONFUSIONS: Record<string, string> = {
  amd64: "x86_64",
  x64: "x86_64",
  x86: "x86_64",
  "x86-64": "x86_64",
  aarch64: "arm64",
  arm: "arm64",
};

/** Optimal-string-alignment distance: Levenshtein plus adjacent transpositions ("ami_saerch"). */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) =>
    Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[rows - 1][cols - 1];
}

/**
 * The candidate closest to `input`, or undefined when nothing is close enough to be a plausible typo
 * (at most a third of the word's letters wrong, and at least one allowed).
 */
export function closestMatch(input: string, candidates: readonly string[]): string | undefined {
  const confusion = KNOWN_CONFUSIONS[input.toLowerCase()];
  if (confusion !== undefined && candidates.includes(confusion)) return confusion;
  const folded = input.toLowerCase();
  const allowed = Math.max(1, Math.floor(input.length / 3));
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    // The distance is at least the difference in length: skip the quadratic work for hopeless (or huge) inputs.
    if (Math.abs(candidate.length - input.length) > allowed) continue;
    const distance = editDistance(folded, candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return bestDistance <= allowed ? best : undefined;
}

/** `; did you mean "x"?` or the empty string, ready to append to a message. */
export function didYouMean(input: string, candidates: readonly string[]): string {
  const match = closestMatch(input, candidates);
  return match === undefined ? "" : `; did you mean "${match}"?`;
}
