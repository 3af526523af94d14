import { availableParallelism } from 'node:os';
import type { Config } from './config.js';
import type { Embedder } from './embed/embedder.js';
import { cacheQueries } from './embed/query-cache.js';
import { createThreadedEmbedder } from './embed/threaded-embedder.js';
import { createTransformersEmbedder } from './embed/transformers-embedder.js';
import { NewsqError } from './errors.js';
import type { Article, ArticleInput } from './ingest/article.js';
import { CHUNKER_VERSION } from './ingest/split.js';
import { rankPassages, type RankedPassage, type RankSettings, type SearchMode, type StageTimings } from './search/rank.js';
import { searchPassages, type SearchResponse } from './search/search.js';
import { assertCompatible, FORMAT_VERSION, type IndexIdentity } from './store/manifest.js';
import { openSqliteStore } from './store/sqlite-store.js';
import type { PassageFilter, Store } from './store/store.js';
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
  search(request: { query: string; k?: number; mode?: SearchMode; filter?: PassageFilter; timings?: StageTimings }): Promise<SearchResponse>;
  /** Every candidate passage ranked for a question, best first (evaluation, diagnostics). */
  rank(query: string, mode: SearchMode, settings?: Partial<RankSettings>): Promise<RankedPassage[]>;
  article(id: string): Article | null;
  /**
   * Adds or replaces articles given directly (the write API): they belong to no folder, so no
   * sync removes them. A reading engine takes the index's write lock for the duration.
   */
  write(inputs: ArticleInput[]): Promise<SyncSummary>;
  /** Removes articles by id; returns the ids that existed. */
  remove(ids: string[]): Promise<string[]>;
  stats(): IndexStats;
  close(): void;
}

export interface EngineOptions {
  /** Writers create a missing index; readers fail with `no_index`. */
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
export function loadEmbedder(config: Config, options: { threaded?: boolean } = {}): Promise<Embedder> {
  const settings = { model: config.model, dtype: config.dtype, cacheDir: config.cacheDir, maxTokens: config.maxTokens, batchSize: config.batchSize };
  // Threaded, questions that overlap get one thread: the other core is the event loop's, which
  // serves the requests (measured: concurrent latency lower than with two). A question alone gets
  // every core.
  return options.threaded ? createThreadedEmbedder({ ...settings, threads: 1, aloneThreads: availableParallelism() }) : createTransformersEmbedder(settings);
}

/** The composition root: loads the embedder and opens the store the config names. */
export async function createEngine(config: Config, options: EngineOptions): Promise<Engine> {
  const loading = Promise.resolve(options.embedder ?? loadEmbedder(config));
  const { embedder, store } = options.writable ? await openWriting(config, options, loading) : await openReading(config, options, loading);
  const identity = identityOf(embedder);
  // A reading engine (serve) writes through a short-lived writer that holds the lock while it
  // works; readers, this engine's own included, follow its commits. Writes run one after another,
  // in the order they were asked for: two at once would interleave their commits between the
  // other's awaits, and the second would take the lock the first still holds (same process).
  let writing: Promise<unknown> = Promise.resolve();
  const withWriter = async <T>(work: (writer: Store) => T | Promise<T>): Promise<T> => {
    if (options.writable) return work(store);
    const run = writing.then(async () => {
      const writer = openSqliteStore({ dir: config.indexDir, identity, hnsw: config.hnsw, writable: true, titleWeight: config.search.titleWeight, onNotice: options.onNotice, checkpointed: true })!;
      try {
        const result = await work(writer);
        // A write past the log's limit saves the graph here, while searches go on: the graph this
        // engine already holds, caught up; else the writer's, read from the newest file. The write
        // is committed by now: a graph that cannot be saved (a full disk) is saved by a later
        // write, or caught up from the log on the next start, and the caller still hears of its write.
        try {
          await store.checkpoint();
          await writer.checkpoint();
        } catch (error) {
          options.onNotice?.(`the write is committed, but the vector graph could not be saved: ${(error as Error).message}`);
        }
        return result;
      } finally {
        writer.close();
      }
    });
    writing = run.catch(() => {});
    return run;
  };
  return engineOver(config, embedder, store, withWriter);
}

function identityOf(embedder: Embedder): IndexIdentity {
  return { formatVersion: FORMAT_VERSION, model: embedder.model, encoder: embedder.encoder, dtype: embedder.dtype, dimensions: embedder.dimensions, chunkerVersion: CHUNKER_VERSION };
}

/** A writer needs the model's identity first: it may create the index and its manifest. */
async function openWriting(config: Config, options: EngineOptions, loading: Promise<Embedder>): Promise<{ embedder: Embedder; store: Store }> {
  const embedder = await loading;
  const store = openSqliteStore({
    dir: config.indexDir,
    identity: identityOf(embedder),
    hnsw: config.hnsw,
    writable: true,
    titleWeight: config.search.titleWeight,
    reset: options.rebuild ?? false,
    onNotice: options.onNotice,
  })!;
  return { embedder, store };
}

/**
 * A reader opens the index and loads what its first search needs while the model loads (on a
 * worker thread, in serve: the two overlap), then checks that the index was built by this model.
 */
async function openReading(config: Config, options: EngineOptions, loading: Promise<Embedder>): Promise<{ embedder: Embedder; store: Store }> {
  // Observed at once: a failure here would otherwise go unseen until awaited.
  loading.catch(() => {});
  const store = openSqliteStore({ dir: config.indexDir, identity: null, hnsw: config.hnsw, writable: false, titleWeight: config.search.titleWeight, onNotice: options.onNotice });
  if (!store) throw noIndex(config.indexDir);
  try {
    store.prepare();
    const embedder = await loading;
    assertCompatible(store.manifest, identityOf(embedder));
    return { embedder, store };
  } catch (error) {
    store.close();
    throw error;
  }
}

function engineOver(config: Config, embedder: Embedder, store: Store, withWriter: <T>(work: (writer: Store) => T | Promise<T>) => Promise<T>): Engine {
  const { fusion, denseWeight, rrfK, candidates } = config.search;
  const rankSettings: RankSettings = { fusion: { method: fusion, denseWeight, rrfK }, candidates };
  const questions = cacheQueries(embedder, config.search.queryCache);
  return {
    config,
    embedder,
    sync: (sources, onProgress) => syncArticles({ store, embedder, batchSize: config.batchSize }, sources, onProgress),
    search: (request) =>
      searchPassages(questions, store, { ...request, k: request.k ?? config.defaultK, mode: request.mode ?? config.search.mode }, rankSettings),
    rank: (query, mode, settings) => rankPassages(questions, store, query, { mode, settings: { ...rankSettings, ...settings } }),
    article(id) {
      const stored = store.getArticle(id);
      if (!stored) return null;
      const { hash: _hash, ...article } = stored;
      return article;
    },
    write: (inputs) => withWriter((writer) => syncArticles({ store: writer, embedder, batchSize: config.batchSize }, [{ origin: null, articles: inputs, skipped: [] }])),
    remove: (ids) =>
      withWriter((writer) => {
        const present = ids.filter((id) => writer.getArticle(id));
        writer.removeArticles(present);
        writer.flush();
        return present;
      }),
    stats: () => statsOf(store),
    close: () => store.close(),
  };
}

/** Reports an index's size without loading the model. */
export function inspectIndex(config: Config): IndexStats {
  const store = openSqliteStore({ dir: config.indexDir, identity: null, hnsw: config.hnsw, writable: false });
  if (!store) throw noIndex(config.indexDir);
  try {
    return statsOf(store);
  } finally {
    store.close();
  }
}

function statsOf(store: Store): IndexStats {
  const { articles, passages, bytes } = store.stats();
  return { articles, passages, model: store.manifest.model, dimensions: store.manifest.dimensions, bytes };
}

function noIndex(dir: string): NewsqError {
  return new NewsqError('no_index', `no index in ${dir}: build one with newsq index <folder>`);
}
