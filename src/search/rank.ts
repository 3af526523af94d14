import { dot, type Embedder } from '../embed/embedder.js';
import type { PassageFilter, Store, StoredPassage } from '../store/store.js';
import { fuse, type Candidate, type FusionSettings } from './fusion.js';

/** Which retrievers answer: both fused (the default), or one alone. */
export type SearchMode = 'hybrid' | 'dense' | 'lexical';
export const SEARCH_MODES: SearchMode[] = ['hybrid', 'dense', 'lexical'];

export function isSearchMode(value: string): value is SearchMode {
  return (SEARCH_MODES as string[]).includes(value);
}

export interface RankSettings {
  fusion: FusionSettings;
  /** Passages each retriever contributes before fusion. */
  candidates: number;
  /**
   * Share of a passage's score taken from the best other passage of its article: a paragraph
   * that answers only in context ("Cairo says this would…") rises with the article around it.
   */
  contextWeight: number;
}

/** A passage ranked for a question, with its final score. */
export interface RankedPassage {
  passage: StoredPassage;
  score: number;
}

/**
 * Retrieves and ranks passages for a question, best first: dense (HNSW), lexical (BM25) or both,
 * every candidate scored on both signals and fused, then (if `contextWeight` > 0) blended with
 * its article's evidence.
 */
export async function rankPassages(
  embedder: Embedder,
  store: Store,
  question: string,
  options: { mode: SearchMode; filter?: PassageFilter; settings: RankSettings; queryVector?: Float32Array; timings?: StageTimings },
): Promise<RankedPassage[]> {
  const { mode, filter, settings } = options;
  const clock = stopwatch(options.timings);
  const vector = mode === 'lexical' ? null : (options.queryVector ?? (await embedder.embed([question]))[0]);
  clock('embed');
  const ids = new Set<number>();
  if (vector) for (const hit of store.nearest(vector, settings.candidates, filter)) ids.add(hit.id);
  clock('vector');
  // A passage outside the lexical top list scores 0 there: below the list, its BM25 is small,
  // and scoring it exactly cost more than all the rest of a query (README, Performance).
  const lexical = new Map<number, number>();
  if (mode !== 'dense') {
    for (const hit of store.lexical(question, settings.candidates, filter)) {
      ids.add(hit.id);
      lexical.set(hit.id, hit.score);
    }
  }
  clock('lexical');
  if (ids.size === 0) return [];

  const passages = store.passages([...ids]);
  clock('hydrate');
  const candidates: Candidate[] = passages.map((passage) => ({
    id: passage.id,
    dense: vector ? dot(vector, passage.vector) : 0,
    lexical: lexical.get(passage.id) ?? 0,
  }));

  let scores: Map<number, number>;
  if (mode === 'hybrid') scores = fuse(candidates, settings.fusion);
  else scores = new Map(candidates.map((c) => [c.id, mode === 'dense' ? c.dense : c.lexical]));
  if (settings.contextWeight > 0) scores = blendArticleContext(passages, scores, settings.contextWeight);

  const ranked = passages.map((passage) => ({ passage, score: scores.get(passage.id)! })).sort((a, b) => b.score - a.score);
  clock('fuse');
  return ranked;
}

/** Milliseconds spent per stage of a query, for benchmarks. */
export type StageTimings = Record<string, number>;

/** Returns a function that adds the time since its last call to `timings[stage]` (a no-op without timings). */
export function stopwatch(timings: StageTimings | undefined): (stage: string) => void {
  if (!timings) return () => {};
  let last = performance.now();
  return (stage) => {
    const now = performance.now();
    timings[stage] = (timings[stage] ?? 0) + (now - last);
    last = now;
  };
}

/** score′ = (1 − w)·score + w·(best score among the other passages of the same article). */
function blendArticleContext(passages: StoredPassage[], scores: Map<number, number>, weight: number): Map<number, number> {
  const best = new Map<string, number[]>();
  for (const passage of passages) {
    const top = best.get(passage.article.id) ?? [];
    top.push(scores.get(passage.id)!);
    best.set(passage.article.id, top.sort((a, b) => b - a).slice(0, 2));
  }
  return new Map(
    passages.map((passage) => {
      const own = scores.get(passage.id)!;
      const [first, second] = best.get(passage.article.id)!;
      const other = first === own ? (second ?? 0) : first;
      return [passage.id, (1 - weight) * own + weight * other];
    }),
  );
}
