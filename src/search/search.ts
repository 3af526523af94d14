import type { Embedder } from '../embed/embedder.js';
import type { ArticleSummary, Store, StoredPassage } from '../store/store.js';

/** One passage that answers a query, with the article it comes from. */
export interface SearchResult {
  rank: number;
  score: number;
  text: string;
  /** 0-based index of the passage's paragraph in its article. */
  paragraph: number;
  article: ArticleSummary;
}

export interface SearchResponse {
  query: string;
  tookMs: number;
  results: SearchResult[];
}

// Extra candidates fetched so that results still number k after repeats are collapsed.
const OVERFETCH = 3;

/**
 * Dense retrieval: embeds the query, takes the nearest passages from the vector index, and
 * returns each distinct passage text once (news repeats wire copy across articles), best first.
 */
export async function searchPassages(embedder: Embedder, store: Store, query: string, k: number): Promise<SearchResponse> {
  const started = performance.now();
  const [vector] = await embedder.embed([query]);
  const hits = store.nearest(vector, k * OVERFETCH);
  const scores = new Map(hits.map((hit) => [hit.id, hit.score]));
  const passages = store.passages(hits.map((hit) => hit.id));
  const results = distinct(passages)
    .slice(0, k)
    .map((passage, index) => ({
      rank: index + 1,
      score: round(scores.get(passage.id)!),
      text: passage.text,
      paragraph: passage.paragraph,
      article: passage.article,
    }));
  return { query, tookMs: round(performance.now() - started, 1), results };
}

/** Keeps the first of passages whose text is the same but for case, spacing and quote marks. */
export function distinct(passages: StoredPassage[]): StoredPassage[] {
  const seen = new Set<string>();
  return passages.filter((passage) => {
    const key = passage.text.toLowerCase().replace(/[“”„"]/g, '"').replace(/[‘’']/g, "'").replace(/\s+/g, ' ').trim();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function round(value: number, digits = 4): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
