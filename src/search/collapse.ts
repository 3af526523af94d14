import { dot } from '../vector-math.js';
import type { ArticleSummary, StoredPassage } from '../store/store.js';
import type { RankedPassage } from './rank.js';

/** One result after collapsing: a passage and the other articles that carry the same text. */
export interface CollapsedPassage extends RankedPassage {
  alsoIn: ArticleSummary[];
}

/**
 * Passages whose vectors are at least this similar are copies of one text (wire copy in two
 * outlets, a re-published article). Measured on the sample articles: copies that differ only in
 * quote marks score 0.99+, while the closest two distinct paragraphs score 0.86.
 */
export const DUPLICATE_SIMILARITY = 0.95;

// Texts this similar by vector are compared as text too: the comparison is exact but costs more.
const TEXT_CHECK_SIMILARITY = 0.85;

/** Lower-cases and unifies quote marks and spacing, so trivially different copies compare equal. */
export function normalizeForComparison(text: string): string {
  return text.toLowerCase().replace(/[“”„‟"]/g, '"').replace(/[‘’‚‛']/g, "'").replace(/\s+/g, ' ').trim();
}

/**
 * Merges copies of the same passage into the first `limit` results, each ranked where its best
 * copy ranked. The copy shown is the one from the most complete article (most paragraphs; then the
 * latest); the others are listed in `alsoIn`, one entry per article. Once `limit` results exist,
 * the rest of the ranking is only searched for their copies.
 */
export function collapseDuplicates(
  ranked: RankedPassage[],
  isMoreComplete: (a: StoredPassage, b: StoredPassage) => boolean,
  limit = Number.POSITIVE_INFINITY,
): CollapsedPassage[] {
  // Each passage's text is normalized at most once, and only when a vector leaves it in doubt.
  const keys = new Map<StoredPassage, string>();
  const keyOf = (passage: StoredPassage) => keys.get(passage) ?? keys.set(passage, normalizeForComparison(passage.text)).get(passage)!;
  const isCopy = (best: StoredPassage, passage: StoredPassage): boolean => {
    const similarity = dot(best.vector, passage.vector);
    if (similarity >= DUPLICATE_SIMILARITY) return true;
    return similarity >= TEXT_CHECK_SIMILARITY && keyOf(best) === keyOf(passage);
  };
  const groups: { best: RankedPassage; members: StoredPassage[] }[] = [];
  for (const entry of ranked) {
    const group = groups.find((g) => isCopy(g.best.passage, entry.passage));
    if (group) group.members.push(entry.passage);
    else if (groups.length < limit) groups.push({ best: entry, members: [entry.passage] });
  }
  return groups.map(({ best, members }) => {
    const primary = members.reduce((a, b) => (isMoreComplete(b, a) ? b : a));
    const seen = new Set([primary.article.id]);
    const alsoIn: ArticleSummary[] = [];
    for (const member of members) {
      if (seen.has(member.article.id)) continue;
      seen.add(member.article.id);
      alsoIn.push(member.article);
    }
    return { passage: primary, score: best.score, alsoIn };
  });
}
