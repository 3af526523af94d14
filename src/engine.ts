import { availableParallelism } from 'node:os';
import type { Config } from './config.js';
import type { Embedder } from './embed/embedder.js';
import { cacheQueries } from './embed/query-cache.js';
import { createThreadedEmbedder } from './embed/threaded-embedder.js';
import { NewsqError } from './errors.js';
import type { Article, ArticleInput } from './ingest/article.js';
import { CHUNKER_VERSION } from './ingest/split.js';
import type { SearchMode } from './search/modes.js';
import { rankPassages, type RankedPassage, type RankSettings } from './search/rank.js';
import { searchPassages, type SearchRequest, type SearchResponse } from './search/search.js';
import { assertCompatible, FORMAT_VERSION, type IndexIdentity } from './store/manifest.js';
import { openStore } from './store/open-store.js';
import type { FeedState, IndexWriter, Store } from './store/store.js';
import { syncArticles, type SyncProgress, type SyncSource, type SyncSummary } from './sync.js';

/** Size of the index, as `newsq stats` and `/health` report it. */
export interface IndexStats {
  articles: number;
  passages: number;
  model: string;
  dimensions: number;
  bytes: number;
}

/** newsq's verbs over one index, wired from one config: what the CLI and the server call. */
export interface Engine {
  readonly config: Config;
  readonly embedder: Embedder;
  sync(sources: SyncSource[], onProgress?: (progress: SyncProgress) => void): Promise<SyncSummary>;
  /** A search; `k` and `mode` default to the config's. */
  search(request: Omit<SearchRequest, 'k' | 'mode'> & Partial<Pick<SearchRequest, 'k' | 'mode'>>): Promise<SearchResponse>;
  /** Every candidate passage ranked for a question, best first (evaluation, diagnostics). */
  rank(query: string, mode: SearchMode, settings?: Partial<RankSettings>): Promise<RankedPassage[]>;
  article(id: string): Promise<Article | null>;
  /**
   * Adds or replaces articles given directly (the write API): they belong to no folder, so no
   * sync removes them. A reading engine takes the index's write lock for the duration.
   */
  write(inputs: ArticleInput[]): Promise<SyncSummary>;
  /** Removes articles by id; returns the ids that existed. */
  remove(ids: string[]): Promise<string[]>;
  /** A followed feed's state, null for a feed never polled. */
  feedState(url: string): Promise<FeedState | null>;
  /** Writes a followed feed's new and changed items (as `write` does), then records its state. */
  writeFeed(state: FeedState, items: ArticleInput[]): Promise<SyncSummary>;
  stats(): Promise<IndexStats>;
  close(): Promise<void>;
}

export interface EngineOptions {
  /** Writers hold the index's write lock from open to close, and create a missing index; readers fail with `no_index`. */
  writable: boolean;
  /** Start from an empty index, discarding what the folder holds. */
  rebuild?: boolean;
  /**
   * An embedder to share (tests, benchmarks), or one still loading: a reader opens and prepares
   * the index meanwhile.
   */
  embedder?: Embedder | Promise<Embedder>;
  onNotice?: (message: string) => void;
}

/**
 * Loads the embedding model named by the config (converting the bundled one on first use). With
 * `threaded`, the model runs on a worker thread, keeping the event loop free: what a server wants.
 */
export function loadEmbedder(config: Config): Promise<Embedder> {
  const settings = { model: config.model, dtype: config.dtype, cacheDir: config.cacheDir, maxTokens: config.maxTokens, batchSize: config.batchSize };
  // One lane per thread, each running one batch on one thread: a request of many batches (index,
  // writes, eval) keeps every core on its own batch. A question alone gets every core; questions
  // that overlap get one thread each on the first lane, and the other core is the event loop's,
  // which serves the requests (measured: concurrent latency lower than with two).
  const threads = config.threads ?? availableParallelism();
  return createThreadedEmbedder({ ...settings, threads: 1, aloneThreads: threads, lanes: threads });
}

/** The composition root: loads the embedder and opens the store the config names. */
export async function createEngine(config: Config, options: EngineOptions): Promise<Engine> {
  const loading = Promise.resolve(options.embedder ?? loadEmbedder(config));
  const { embedder, store } = options.writable ? await openWriting(config, options, loading) : await openReading(config, options, loading);
  const owned = options.writable ? await store.writer() : null;
  // A reading engine (serve) writes through a writer of its own store that holds the lock while
  // it works. Writes run one after another, in the order they were asked for.
  let writing: Promise<unknown> = Promise.resolve();
  const withWriter = async <T>(work: (writer: IndexWriter) => Promise<T>): Promise<T> => {
    if (owned) return work(owned);
    const run = writing.then(async () => {
      const writer = await store.writer();
      let result: T;
      try {
        result = await work(writer);
      } catch (error) {
        await writer.close().catch(() => {});
        throw error;
      }
      // The write is committed by now: a graph that cannot be saved (a full disk) is saved by a
      // later write, or caught up from the log on the next start, and the caller still hears of its write.
      await writer.close().catch((error: Error) => options.onNotice?.(`the write is committed, but the vector graph could not be saved: ${error.message}`));
      return result;
    });
    writing = run.catch(() => {});
    return run;
  };
  return engineOver(config, embedder, store, withWriter, owned);
}

function identityOf(embedder: Embedder): IndexIdentity {
  return { formatVersion: FORMAT_VERSION, model: embedder.model, encoder: embedder.encoder, dtype: embedder.dtype, dimensions: embedder.dimensions, chunkerVersion: CHUNKER_VERSION };
}

/** A writer needs the model's identity first: it may create the index and its manifest. */
async function openWriting(config: Config, options: EngineOptions, loading: Promise<Embedder>): Promise<{ embedder: Embedder; store: Store }> {
  const embedder = await loading;
  const store = (await openStore(config, { identity: identityOf(embedder), owner: true, reset: options.rebuild ?? false, onNotice: options.onNotice }))!;
  return { embedder, store };
}

/**
 * A reader opens the index and loads what its first search needs while the model loads (on a
 * worker thread, in serve: the two overlap), then checks that the index was built by this model.
 */
async function openReading(config: Config, options: EngineOptions, loading: Promise<Embedder>): Promise<{ embedder: Embedder; store: Store }> {
  // Observed at once: a failure here would otherwise go unseen until awaited.
  loading.catch(() => {});
  const store = await openStore(config, { identity: null, owner: false, onNotice: options.onNotice });
  if (!store) throw noIndex(config);
  try {
    await store.reader.refresh();
    const embedder = await loading;
    assertCompatible(store.manifest, identityOf(embedder));
    return { embedder, store };
  } catch (error) {
    await store.close();
    throw error;
  }
}

function engineOver(config: Config, embedder: Embedder, store: Store, withWriter: <T>(work: (writer: IndexWriter) => Promise<T>) => Promise<T>, owned: IndexWriter | null): Engine {
  const { fusion, denseWeight, rrfK, candidates } = config.search;
  const rankSettings: RankSettings = { fusion: { method: fusion, denseWeight, rrfK }, candidates };
  const questions = cacheQueries(embedder, config.search.queryCache);
  const { reader } = store;
  const articleCount = async () => (await reader.stats()).articles;
  return {
    config,
    embedder,
    sync: (sources, onProgress) => withWriter((writer) => syncArticles({ writer, embedder, batchSize: config.batchSize, articleCount }, sources, onProgress)),
    search: (request) => searchPassages(questions, reader, { ...request, k: request.k ?? config.defaultK, mode: request.mode ?? config.search.mode }, rankSettings),
    rank: (query, mode, settings) => rankPassages(questions, reader, query, { mode, settings: { ...rankSettings, ...settings } }),
    async article(id) {
      const stored = await reader.article(id);
      if (!stored) return null;
      const { hash: _hash, ...article } = stored;
      return article;
    },
    write: (inputs) => withWriter((writer) => syncArticles({ writer, embedder, batchSize: config.batchSize, articleCount }, [{ origin: null, articles: inputs, skipped: [] }])),
    feedState: (url) => reader.feedState(url),
    writeFeed: (state, items) =>
      withWriter(async (writer) => {
        const summary = await syncArticles({ writer, embedder, batchSize: config.batchSize, articleCount }, [{ origin: null, articles: items, skipped: [] }]);
        // After the items: a crash between the two reads the feed again, and finds them unchanged.
        await writer.saveFeedState(state);
        return summary;
      }),
    remove: (ids) =>
      withWriter(async (writer) => {
        const present = [...(await writer.articleVersions({ ids, origins: [] })).keys()];
        await writer.removeArticles(present);
        return ids.filter((id) => present.includes(id));
      }),
    stats: () => statsOf(store),
    async close() {
      try {
        await owned?.close();
      } finally {
        await store.close();
      }
    },
  };
}

/** Reports an index's size without loading the model. */
export async function inspectIndex(config: Config): Promise<IndexStats> {
  const store = await openStore(config, { identity: null, owner: false });
  if (!store) throw noIndex(config);
  try {
    return await statsOf(store);
  } finally {
    await store.close();
  }
}

async function statsOf(store: Store): Promise<IndexStats> {
  const { articles, passages, bytes } = await store.reader.stats();
  return { articles, passages, model: store.manifest.model, dimensions: store.manifest.dimensions, bytes };
}

function noIndex(config: Config): NewsqError {
  return new NewsqError('no_index', `no index in ${indexLocation(config)}: build one with newsq index <folder>`);
}

/** Where the config's index is, as messages name it. */
export function indexLocation(config: Pick<Config, 'store' | 'indexDir'>): string {
  if (config.store.kind === 'postgres') return 'the PostgreSQL database';
  return config.store.kind === 'memory' ? 'memory' : config.indexDir;
}
