import type { Article, PassageDraft, SentenceSpan } from '../ingest/article.js';
import type { Manifest } from './manifest.js';

/** An article as stored, with the hash of the input it was made from. */
export interface StoredArticle extends Article {
  hash: string;
}

/** The article fields a search result carries. */
export type ArticleSummary = Omit<Article, 'paragraphs'>;

/** A stored passage with its vector and the article it belongs to. */
export interface StoredPassage {
  id: number;
  paragraph: number;
  window: number;
  text: string;
  vector: Float32Array;
  article: ArticleSummary;
  /** How many paragraphs the passage's article has: how complete a copy it is. */
  articleParagraphs: number;
}

/** Restricts retrieval to articles of one outlet and/or a range of publication dates (inclusive). */
export interface PassageFilter {
  /** Outlet name, compared without regard to case. */
  source?: string;
  /** Earliest `published` date, `YYYY-MM-DD`. */
  from?: string;
  /** Latest `published` date, `YYYY-MM-DD`. */
  to?: string;
}

/** A retrieval hit: passage id and score (higher is better). */
export interface Hit {
  id: number;
  score: number;
}

/** A passage's sentences, with their vectors (none for a passage of one sentence). */
export interface PassageSentences {
  spans: SentenceSpan[];
  vectors: Float32Array[];
}

/** One article to write: its cleaned form, its input hash, and each passage with its vector. */
export interface ArticleWrite {
  article: Article;
  hash: string;
  /** The folder or file named when it was indexed; a later sync of the same origin may remove it. */
  origin: string | null;
  /** Each passage with its vector and, for a passage of several sentences, each sentence's vector. */
  passages: { draft: PassageDraft; vector: Float32Array; sentenceVectors: Float32Array[] }[];
}

export interface StoreStats {
  articles: number;
  passages: number;
  /** Size of the index folder on disk. */
  bytes: number;
}

/** What a sync knows of a stored article: the hash of its input, and where it was read from. */
export interface ArticleVersion {
  hash: string;
  origin: string | null;
  path: string | null;
}

/**
 * The durable home of articles, passages and their vectors, and nearest-neighbour search over
 * them. The embedded SQLite + HNSW store is the default; other backends implement this same
 * interface and pass the same contract tests.
 */
export interface Store {
  readonly manifest: Manifest;
  /**
   * Id → input hash, origin and path of the stored articles that have one of `ids` or come from
   * one of `origins`: what a sync compares against. An API write asks only for the articles it
   * writes; reading every article's version cost a write 0.1 s at 100,000 passages.
   */
  articleVersions(scope: { ids: string[]; origins: string[] }): Map<string, ArticleVersion>;
  /** Adds or replaces whole articles (all their passages) in one durable transaction. */
  writeArticles(writes: ArticleWrite[]): void;
  /** Removes articles and their passages in one transaction; unknown ids are ignored. */
  removeArticles(ids: string[]): void;
  getArticle(id: string): StoredArticle | null;
  /** The `k` passages nearest to a unit query vector, best first, with cosine similarity. */
  nearest(vector: Float32Array, k: number, filter?: PassageFilter): Hit[];
  /** The `k` passages best matching a question's words by BM25 (positive, higher is better). */
  lexical(question: string, k: number, filter?: PassageFilter): Hit[];
  /** The sentences of passages, with their vectors (none for a passage of one sentence). */
  sentences(ids: number[]): Map<number, PassageSentences>;
  /** The vectors of passages by id (unknown ids are left out): cheaper than whole passages. */
  vectors(ids: number[]): Map<number, Float32Array>;
  /** Passages by id, in the order asked; unknown ids are left out. */
  passages(ids: number[]): StoredPassage[];
  stats(): StoreStats;
  /** Loads what the first search needs (the vector graph, lexical statistics) ahead of it. */
  prepare(): void;
  /** Persists derived structures (the vector graph) so the next open need not rebuild them. */
  flush(): void;
  /**
   * What serve runs after its writes, on its own (reading) store, whose graph is in memory
   * already, and on the writer (opened with `checkpointed`). A reader first takes the writes into
   * its graph a slice at a time, letting the event loop turn in between. Then the vector graph is
   * persisted when the changes written since it was saved have grown past what a reader should
   * replay, without blocking the event loop on its file. A reader writes only while its process
   * holds the write lock.
   */
  checkpoint(): Promise<void>;
  /** Flushes when writable, then releases the store. */
  close(): void;
}
