import type { Embedder } from '../embed/embedder.js';
import { headlineTerm, queryTerms } from '../ingest/analyze.js';
import { isNewsqError } from '../errors.js';
import type { Hit, IndexReader, PassageFilter, StoredPassage } from '../store/store.js';
import { dot } from '../vector-math.js';
import { fuse, type Candidate, type FusionSettings } from './fusion.js';
import type { SearchMode } from './modes.js';

// Passages of the articles a headline names that are looked at (an article's passages each hold it).
const HEADLINE_PASSAGES = 200;

export interface RankSettings {
  fusion: FusionSettings;
  /** Passages each retriever contributes before fusion. */
  candidates: number;
}

/** A passage ranked for a question, with its final score. */
export interface RankedPassage {
  passage: StoredPassage;
  score: number;
}

export interface RankOptions {
  mode: SearchMode;
  filter?: PassageFilter;
  settings: RankSettings;
  /** The question's vector, or its embedding under way (null in lexical mode). */
  queryVector: Promise<Float32Array> | null;
  timings?: StageTimings;
}

/**
 * Retrieves and ranks candidate passages for a question, best first: dense (HNSW), lexical (BM25)
 * or both, every candidate scored on both signals and fused. Returns ids and scores only, so a
 * caller reads from the store just the passages it shows.
 */
export async function rankCandidates(store: IndexReader, question: string, options: RankOptions): Promise<Hit[]> {
  const { mode, filter, settings } = options;
  const clock = stopwatch(options.timings);
  // BM25 runs before the question's vector is awaited: with the model on a worker thread (serve),
  // the two overlap and the lexical search costs a query little time. A passage outside the
  // lexical top list scores 0 there: below the list its BM25 is small, and scoring it exactly
  // cost more than all the rest of a query (README, Performance).
  const lexical = new Map<number, number>();
  if (mode !== 'dense') for (const hit of await store.lexical(queryTerms(question), settings.candidates, filter)) lexical.set(hit.id, hit.score);
  clock('lexical');
  // The passages of articles whose title the question is: looked up while the question is embedded.
  const headline = headlineTerm(question);
  const titled = headline ? headlinePassages(store, headline, filter) : null;
  // Observed at once: a failure of the search meanwhile must not leave it unhandled.
  titled?.catch(() => {});
  const vector = mode === 'lexical' ? null : await options.queryVector;
  clock('embed');

  const dense = new Map<number, number>();
  if (vector) {
    for (const hit of await store.nearest(vector, settings.candidates, filter)) dense.set(hit.id, hit.score);
    clock('vector');
    // Lexical hits the graph did not return still need their exact similarity.
    const missing = [...lexical.keys()].filter((id) => !dense.has(id));
    for (const [id, passageVector] of await store.vectors(missing)) dense.set(id, dot(vector, passageVector));
    clock('vectors');
  }
  const ids = new Set([...dense.keys(), ...lexical.keys()]);
  const candidates: Candidate[] = [...ids].map((id) => ({ id, dense: dense.get(id) ?? 0, lexical: lexical.get(id) ?? 0 }));
  const scores = mode === 'hybrid' ? fuse(candidates, settings.fusion) : new Map(candidates.map((c) => [c.id, mode === 'dense' ? c.dense : c.lexical]));
  const ranked = candidates.map(({ id }) => ({ id, score: scores.get(id)! })).sort((a, b) => b.score - a.score);
  clock('fuse');
  const named = await titled;
  return named && named.size > 0 ? headlineFirst(ranked, named) : ranked;
}

/**
 * The passages of the articles titled `headline` (their {@link headlineTerm}), with their article
 * ids; null when the store cannot be reached (a server answers from what it holds, without them).
 */
async function headlinePassages(store: IndexReader, headline: string, filter: PassageFilter | undefined): Promise<Map<number, string> | null> {
  try {
    const hits = await store.lexical([{ term: headline, count: 1 }], HEADLINE_PASSAGES, filter);
    if (hits.length === 0) return new Map();
    const articles = await store.passageArticles(hits.map((hit) => hit.id));
    return new Map([...articles].map(([id, article]) => [id, article.id]));
  } catch (error) {
    if (isNewsqError(error, 'unavailable')) return null;
    throw error;
  }
}

/**
 * A question that is an article's headline asks for that article: the best-ranked passage of each
 * article so titled (`named`: passage id → article id) moves to the top, scored as the best; an
 * article none of whose passages was a candidate comes next, by its first passage found.
 */
function headlineFirst(ranked: Hit[], named: Map<number, string>): Hit[] {
  const top = ranked[0]?.score ?? 1;
  const first: Hit[] = [];
  const placed = new Set<string>();
  for (const { id } of [...ranked, ...[...named.keys()].map((id) => ({ id }))]) {
    const article = named.get(id);
    if (article === undefined || placed.has(article)) continue;
    placed.add(article);
    first.push({ id, score: top });
  }
  const moved = new Set(first.map((hit) => hit.id));
  return [...first, ...ranked.filter((hit) => !moved.has(hit.id))];
}

/** Every candidate passage ranked for a question, read whole from the store (evaluation, diagnostics). */
export async function rankPassages(embedder: Embedder, store: IndexReader, question: string, options: Omit<RankOptions, 'queryVector'>): Promise<RankedPassage[]> {
  const queryVector = options.mode === 'lexical' ? null : embedder.embed([question]).then(([vector]) => vector);
  const ranked = await rankCandidates(store, question, { ...options, queryVector });
  return hydrate(store, ranked);
}

/** Reads ranked passages from the store, keeping their order and scores. */
export async function hydrate(store: IndexReader, ranked: Hit[]): Promise<RankedPassage[]> {
  const scores = new Map(ranked.map(({ id, score }) => [id, score]));
  return (await store.passages(ranked.map(({ id }) => id))).map((passage) => ({ passage, score: scores.get(passage.id)! }));
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
