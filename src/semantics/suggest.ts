// "Did you mean …?" for unknown names: the closest candidate by edit distance, if it is close enough to be
// a likely typo (at most a third of the name's length, at least 1 edit).
import type { Fix, SourceRange } from '../diagnostics/diagnostics.js';
import { replaceWith } from './fixes.js';

function editDistance(a: string, b: string): number {
  const previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = previous[0];
    previous[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = previous[j];
      const cost = a[i - 1].toLowerCase() === b[j - 1].toLowerCase() ? 0 : 1;
      previous[j] = Math.min(previous[j] + 1, previous[j - 1] + 1, diagonal + cost);
      diagonal = above;
    }
  }
  return previous[b.length];
}

/** The candidate closest to `name`, if it is close enough to be a likely typo. */
export function closest(name: string, candidates: Iterable<string>): string | null {
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const d = editDistance(name, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best !== null && bestDistance <= Math.max(1, Math.floor(name.length / 3)) ? best : null;
}

/** " Did you mean 'x'?" or "" — for appending to a message. */
export const didYouMean = (name: string, candidates: Iterable<string>): string => {
  const c = closest(name, candidates);
  return c ? ` Did you mean '${c}'?` : '';
};

/**
 * For an unknown name: the " Did you mean 'x'?" to append to the message, and the fix that makes that change
 * (none when no candidate is close).
 */
export function typo(name: { text: string; range: SourceRange }, candidates: Iterable<string>): { didYouMean: string; fixes: Fix[] } {
  const c = closest(name.text, candidates);
  return c ? { didYouMean: ` Did you mean '${c}'?`, fixes: [replaceWith(name.range, c)] } : { didYouMean: '', fixes: [] };
}
