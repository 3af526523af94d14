import type { Embedder } from '../embed/embedder.js';
import type { ArticleSummary, Hit, IndexReader, PassageFilter, StoredPassage } from '../store/store.js';
import { findAnswers } from './answer.js';
import { collapseDuplicates, type CollapsedPassage } from './collapse.js';
import { describeCoverage, matchFloor, type Coverage } from './coverage.js';
import type { SearchGroup, SearchMode, SearchSort, TimelineOption } from './modes.js';
import { hydrate, rankCandidates, stopwatch, type RankedPassage, type RankSettings, type StageTimings } from './rank.js';

/** A passage as a result shows it: its text, where it is in its article, its answer sentence. */
export interface ResultPassage {
  score: number;
  text: string;
  /** 0-based index of the passage's paragraph in its article. */
  paragraph: number;
  /** The sentence of `text` that best answers the query, at `text.slice(answerStart, answerEnd)`. */
  answer: string;
  answerStart: number;
  answerEnd: number;
  /** Other articles that carry the same passage (copies of the same wire story). */
  alsoIn: ArticleSummary[];
}

/**
 * One passage that answers a query, with the article it comes from; grouped by article, the
 * article's best passage, and in `passages` its best ones (up to {@link PASSAGES_PER_ARTICLE}).
 */
export interface SearchResult extends ResultPassage {
  rank: number;
  article: ArticleSummary;
  passages?: ResultPassage[];
}

/** Passages a result grouped by article carries at most. */
export const PASSAGES_PER_ARTICLE = 3;

export interface SearchResponse {
  query: string;
  mode: SearchMode;
  group: SearchGroup;
  sort: SearchSort;
  tookMs: number;
  results: SearchResult[];
  /** The matching articles counted over time and by outlet, when asked for. */
  coverage?: Coverage;
}

export interface SearchRequest {
  query: string;
  k: number;
  mode: SearchMode;
  /** One result per passage (the default) or per article; `k` counts results either way. */
  group?: SearchGroup;
  /** By relevance (the default), or newest first among the articles that match the question. */
  sort?: SearchSort;
  /** Count the matching articles per day, week, month or year (`auto`: by their dates' span). */
  timeline?: TimelineOption;
  /** Count the matching articles per outlet. */
  outlets?: boolean;
  filter?: PassageFilter;
  /** Filled with milliseconds per stage when given (benchmarks). */
  timings?: StageTimings;
}

/** A search as the HTTP API and the library take it: the filter's fields beside the rest; `k` and `mode` default to the settings'. */
export type SearchOptions = Partial<Pick<SearchRequest, 'k' | 'mode'>> & Omit<SearchRequest, 'k' | 'mode' | 'filter' | 'timings'> & PassageFilter;

/** Search options with the filter's fields gathered into `filter`. */
export function withFilter(options: SearchOptions): Omit<SearchRequest, 'k' | 'mode'> & Partial<Pick<SearchRequest, 'k' | 'mode'>> {
  const { source, from, to, ...request } = options;
  return { ...request, filter: { source, from, to } };
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
  const group = request.group ?? 'passage';
  const sort = request.sort ?? 'relevance';
  const counts = request.timeline !== undefined || request.outlets === true;
  // The matching candidates lead the ranking; only their articles are read to count and to date them.
  const floor = sort === 'newest' || counts ? matchFloor(ranked) : Number.POSITIVE_INFINITY;
  const matching = ranked.filter((hit) => hit.score >= floor);
  // Read while the first passages are (one round trip fewer on a database server).
  const matchingArticles = matching.length > 0 ? store.passageArticles(matching.map((hit) => hit.id)) : Promise.resolve(new Map<number, ArticleSummary>());
  matchingArticles.catch(() => {});
  const order = sort === 'newest' ? newestFirst(matching, await matchingArticles) : ranked;
  // The first `count` passages of the order, each read from the store once.
  const read: RankedPassage[] = [];
  let readTo = 0;
  const readFirst = async (count: number) => {
    if (count > readTo) read.push(...(await hydrate(store, order.slice(readTo, count))));
    readTo = Math.max(readTo, count);
    return read;
  };
  // Grouped, an article's later passages may rank below other articles' best: read further.
  let window = collapseWindow(group === 'article' ? request.k * PASSAGES_PER_ARTICLE : request.k);
  let top: CollapsedPassage[][];
  for (;;) {
    const passages = await readFirst(window);
    clock('hydrate');
    top = group === 'article' ? byArticle(collapseDuplicates(passages, isMoreComplete), request.k) : collapseDuplicates(passages, isMoreComplete, request.k).map((one) => [one]);
    clock('collapse');
    // Many copies can leave fewer than k results in the window: widen it while candidates remain.
    if (top.length >= request.k || window >= order.length) break;
    window *= 2;
  }
  const shown = top.flat();
  const sentences = await store.sentences(shown.map(({ passage }) => passage.id));
  const answers = findAnswers(await queryVector, shown.map(({ passage }) => ({ text: passage.text, spans: [], vectors: [], ...sentences.get(passage.id) })));
  clock('answer');
  let next = 0;
  const results = top.map((members, i): SearchResult => {
    const passages = members.map(({ passage, score, alsoIn }): ResultPassage => ({ score: round(score), text: passage.text, paragraph: passage.paragraph, ...answers[next++], alsoIn }));
    const [best] = passages;
    return { rank: i + 1, ...best, article: members[0].passage.article, ...(group === 'article' ? { passages } : {}) };
  });
  const coverage = counts ? describeCoverage([...new Map([...(await matchingArticles).values()].map((article) => [article.id, article])).values()], request) : undefined;
  clock('coverage');
  return { query: request.query, mode: request.mode, group, sort, tookMs: round(performance.now() - started, 1), results, ...(coverage ? { coverage } : {}) };
}

/**
 * How many of the best candidates are read and collapsed to fill `k` results. Copies of a passage
 * share its vector and its words, so they rank next to it; the margin covers results lost to
 * merging and copies whose titles move their BM25 a little.
 */
export function collapseWindow(k: number): number {
  return Math.max(2 * k, 20);
}

/**
 * The first `k` articles among ranked passages, each with its best passages (up to
 * {@link PASSAGES_PER_ARTICLE}), best first: an article ranks where its best passage does.
 */
function byArticle(passages: CollapsedPassage[], k: number): CollapsedPassage[][] {
  const articles = new Map<string, CollapsedPassage[]>();
  for (const passage of passages) {
    const members = articles.get(passage.passage.article.id);
    if (members) {
      if (members.length < PASSAGES_PER_ARTICLE) members.push(passage);
    } else if (articles.size < k) articles.set(passage.passage.article.id, [passage]);
  }
  return [...articles.values()];
}

/** Hits ordered by their article's date, newest first, undated last; ties keep their order. */
function newestFirst(hits: Hit[], articleOf: Map<number, ArticleSummary>): Hit[] {
  const date = (hit: Hit) => articleOf.get(hit.id)?.published ?? '';
  return hits.filter((hit) => articleOf.has(hit.id)).sort((a, b) => (date(a) === date(b) ? 0 : date(a) < date(b) ? 1 : -1));
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
