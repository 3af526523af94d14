import type { Embedder } from '../embed/embedder.js';
import type { ArticleSummary, IndexReader, PassageFilter, StoredPassage } from '../store/store.js';
import { findAnswers } from './answer.js';
import { collapseDuplicates, type CollapsedPassage } from './collapse.js';
import type { SearchMode } from './modes.js';
import { hydrate, rankCandidates, stopwatch, type RankSettings, type StageTimings } from './rank.js';

/** One passage that answers a query, with the article it comes from. */
export interface SearchResult {
  rank: number;
  score: number;
  text: string;
  /** 0-based index of the passage's paragraph in its article. */
  paragraph: number;
  /** The sentence of `text` that best answers the query, at `text.slice(answerStart, answerEnd)`. */
  answer: string;
  answerStart: number;
  answerEnd: number;
  article: ArticleSummary;
  /** Other articles that carry the same passage (copies of the same wire story). */
  alsoIn: ArticleSummary[];
}

export interface SearchResponse {
  query: string;
  mode: SearchMode;
  tookMs: number;
  results: SearchResult[];
}

export interface SearchRequest {
  query: string;
  k: number;
  mode: SearchMode;
  filter?: PassageFilter;
  /** Filled with milliseconds per stage when given (benchmarks). */
  timings?: StageTimings;
}

/**
 * Answers a question with the `k` best passages: ranked, copies of one text collapsed into one
 * result, and each result's best-answering sentence marked.
 */
export async function searchPassages(embedder: Embedder, store: IndexReader, request: SearchRequest, settings: RankSettings): Promise<SearchResponse> {
  const started = performance.now();
  const clock = stopwatch(request.timings);
  // Embedded even in lexical mode: the answer sentence is chosen by meaning.
  const queryVector = embedder.embed([request.query]).then(([vector]) => vector);
  // If ranking fails first, the embedding's own failure must not go unobserved (it would end the process).
  queryVector.catch(() => {});
  const ranked = await rankCandidates(store, request.query, { mode: request.mode, filter: request.filter, settings, queryVector, timings: request.timings });
  clock('rank');
  let window = collapseWindow(request.k);
  let top: CollapsedPassage[];
  for (;;) {
    const passages = await hydrate(store, ranked.slice(0, window));
    clock('hydrate');
    top = collapseDuplicates(passages, isMoreComplete, request.k);
    clock('collapse');
    // Many copies can leave fewer than k results in the window: widen it while candidates remain.
    if (top.length >= request.k || window >= ranked.length) break;
    window *= 2;
  }
  const sentences = await store.sentences(top.map(({ passage }) => passage.id));
  const answers = findAnswers(await queryVector, top.map(({ passage }) => ({ text: passage.text, spans: [], vectors: [], ...sentences.get(passage.id) })));
  clock('answer');
  const results = top.map(({ passage, score, alsoIn }, i) => ({
    rank: i + 1,
    score: round(score),
    text: passage.text,
    paragraph: passage.paragraph,
    ...answers[i],
    article: passage.article,
    alsoIn,
  }));
  return { query: request.query, mode: request.mode, tookMs: round(performance.now() - started, 1), results };
}

/**
 * How many of the best candidates are read and collapsed to fill `k` results. Copies of a passage
 * share its vector and its words, so they rank next to it; the margin covers results lost to
 * merging and copies whose titles move their BM25 a little.
 */
export function collapseWindow(k: number): number {
  return Math.max(2 * k, 20);
}

/** The copy from the article with more paragraphs wins; between equals, the later one. */
function isMoreComplete(a: StoredPassage, b: StoredPassage): boolean {
  if (a.articleParagraphs !== b.articleParagraphs) return a.articleParagraphs > b.articleParagraphs;
  return (a.article.published ?? '') > (b.article.published ?? '');
}

function round(value: number, digits = 4): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
