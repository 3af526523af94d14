import type { PassageTerms, QueryTerm } from '../ingest/analyze.js';
import type { Article, PassageDraft, SentenceSpan } from '../ingest/article.js';
import type { PreparedArticle } from '../ingest/prepare.js';
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

/** A passage found for a question: its id and score (higher is better). */
export interface Hit {
  id: number;
  score: number;
}

/** A passage's sentences, with their vectors (none for a passage of one sentence). */
export interface PassageSentences {
  spans: SentenceSpan[];
  vectors: Float32Array[];
}

/** One passage to write: its text, its vector, its sentences' vectors and its terms. */
export interface PassageWrite {
  draft: PassageDraft;
  vector: Float32Array;
  /** For a passage of several sentences, each sentence's vector; else none. */
  sentenceVectors: Float32Array[];
  /** The passage's terms with its article's title (analyze.ts). */
  terms: PassageTerms;
}

/** One article to write: its cleaned form, its input hash, and its passages. */
export interface ArticleWrite {
  article: Article;
  hash: string;
  /** The folder or file named when it was indexed; a later sync of the same origin may remove it. */
  origin: string | null;
  passages: PassageWrite[];
}

export interface StoreStats {
  articles: number;
  passages: number;
  /** Size of the index on disk. */
  bytes: number;
}

/** What a sync knows of a stored article: the hash of its input, and where it was read from. */
export interface ArticleVersion {
  hash: string;
  origin: string | null;
  path: string | null;
}

/**
 * What newsq knows of a feed it follows, kept in the index so that a restart (or another replica)
 * neither re-fetches nor re-indexes what was read: the validators of its last answer, the items it
 * held, and when it is due again.
 */
export interface FeedState {
  /** The feed's address (or file) as named. */
  url: string;
  /** The `ETag` and `Last-Modified` of the last answer read whole: sent back to ask "changed since?". */
  etag: string | null;
  lastModified: string | null;
  /** Id → input hash of each item of the feed when it was last read whole. */
  items: Record<string, string>;
  /** When it was last asked for, and when it is due next (ms since the epoch). */
  checkedAt: number;
  dueAt: number;
  /** Failures in a row (0 after a success), and the last one's message. */
  failures: number;
  error: string | null;
}

/**
 * Reads an index: search and reads, each from what writers have committed. What it derives from
 * the store (the vector graph, BM25 statistics, a read cache) follows their commits by itself.
 */
export interface IndexReader {
  /** The `k` passages nearest to a unit query vector, best first, with cosine similarity. */
  nearest(vector: Float32Array, k: number, filter?: PassageFilter): Promise<Hit[]>;
  /** The `k` passages best matching a question's terms by BM25 (positive, higher is better). */
  lexical(terms: QueryTerm[], k: number, filter?: PassageFilter): Promise<Hit[]>;
  /** Passages by id, in the order asked; unknown ids are left out. */
  passages(ids: number[]): Promise<StoredPassage[]>;
  /** The articles of passages by passage id (unknown ids are left out): cheaper than whole passages. */
  passageArticles(ids: number[]): Promise<Map<number, ArticleSummary>>;
  /** The vectors of passages by id (unknown ids are left out): cheaper than whole passages. */
  vectors(ids: number[]): Promise<Map<number, Float32Array>>;
  /** The sentences of passages, with their vectors. */
  sentences(ids: number[]): Promise<Map<number, PassageSentences>>;
  article(id: string): Promise<StoredArticle | null>;
  /** The state of a followed feed, null for one never polled. */
  feedState(url: string): Promise<FeedState | null>;
  stats(): Promise<StoreStats>;
  /** Loads, or brings up to date, what searches need (the vector graph, BM25 statistics). */
  refresh(): Promise<void>;
}

/** An article cleaned and split, waiting in a shared queue to be embedded, and where it came from. */
export interface QueuedArticle {
  origin: string;
  hash: string;
  prepared: PreparedArticle;
}

/** A batch of queued articles one worker holds until it commits them or its claim expires. */
export interface Claim {
  readonly articles: QueuedArticle[];
  /** Runs `work` (embedding the batch) while renewing the claim, so that it does not expire meanwhile. */
  keep<T>(work: () => Promise<T>): Promise<T>;
  /**
   * Writes, in one commit, the articles of the batch it still holds (none taken over after its
   * claim expired, none queued again since), and marks them done; returns their ids.
   */
  commit(writes: ArticleWrite[]): Promise<string[]>;
}

/** A sync's whole job, whoever does the work: what its origins' queue holds, and how much is done. */
export interface JobProgress {
  articles: number;
  articlesDone: number;
  passages: number;
  passagesDone: number;
  /** When its first article was queued (ms since the epoch); null when nothing is queued. */
  startedAt: number | null;
}

/**
 * Embedding shared by any number of writing processes (PostgreSQL): a sync queues the articles it
 * finds new or changed, and every syncing process claims them in batches, embeds and commits
 * them. A claim that is not renewed (its worker died) expires, and another worker takes it.
 */
export interface WorkQueue {
  /** Queues articles; one already queued with the same hash stays as it is (a worker may hold it). */
  enqueue(articles: QueuedArticle[]): Promise<void>;
  /** Id → hash of those of `ids` queued and not yet done: another sync has prepared them. */
  waiting(ids: string[]): Promise<Map<string, string>>;
  /** Drops the queued articles of `origins` whose ids are not in `keep`: they are gone from their folders. */
  forget(origins: string[], keep: string[]): Promise<void>;
  /** Claims a batch of waiting articles, those of `origins` first; null when none is free. */
  claim(origins: string[]): Promise<Claim | null>;
  progress(origins: string[]): Promise<JobProgress>;
}

/** Writes an index. One writer at a time: it holds the index's write lock until closed. */
export interface IndexWriter {
  /** Present where writers in other processes share embedding work (PostgreSQL). */
  readonly queue?: WorkQueue;
  /**
   * Id → input hash, origin and path of the stored articles that have one of `ids` or come from
   * one of `origins`: what a sync compares against.
   */
  articleVersions(scope: { ids: string[]; origins: string[] }): Promise<Map<string, ArticleVersion>>;
  /** Adds or replaces whole articles (all their passages) in one durable commit. */
  writeArticles(writes: ArticleWrite[]): Promise<void>;
  /** Removes articles and their passages in one commit; unknown ids are ignored. */
  removeArticles(ids: string[]): Promise<void>;
  /** Records a followed feed's state, replacing the one before. */
  saveFeedState(state: FeedState): Promise<void>;
  /** Saves the vector graph when readers would otherwise replay too much of the log to follow. */
  flush(): Promise<void>;
  /** Flushes and releases the write lock. */
  close(): Promise<void>;
}

/**
 * An open index: its reader, and writers on demand. A backend (SQLite, in memory) implements it
 * and passes the store contract tests (test/store/store.contract.ts).
 */
export interface Store {
  readonly manifest: Manifest;
  readonly reader: IndexReader;
  /** Takes the write lock, or fails at once with `index_busy` while another writer holds it. */
  writer(): Promise<IndexWriter>;
  close(): Promise<void>;
}
