import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { NewsqError } from '../../errors.js';
import { dot } from '../../vector-math.js';
import { createLexicalIndex } from '../lexical/lexical-index.js';
import { assertCompatible, FORMAT_VERSION, type IndexIdentity } from '../manifest.js';
import { articlesThrough, createReadCache, readThrough } from '../read-cache.js';
import type { IndexReader, IndexWriter, PassageFilter, Store } from '../store.js';
import { GraphKeeper, REPLAY_LIMIT } from '../vector/graph-keeper.js';
import type { HnswSettings } from '../vector/vector-index.js';
import { graphFiles } from './graph-files.js';
import { readManifestFile, writeManifestFile } from './manifest-file.js';
import { createSchema } from './schema.js';
import { openSqliteLog } from './sqlite-log.js';
import { openTables } from './tables.js';
import { acquireWriteLock, isWriteLocked, type WriteLock } from './write-lock.js';

const DATABASE_FILE = 'newsq.sqlite';
// SQLite's page cache, per connection (its default is 2 MB).
const CACHE_KIB = 64 * 1024;
// Pages of 4 KiB the write-ahead log holds before SQLite copies them into the database.
const CHECKPOINT_PAGES = 16_000;
// A filter that leaves at most this many passages is searched exactly, without the graph.
const EXACT_SEARCH_LIMIT = 20_000;

export interface SqliteStoreOptions {
  dir: string;
  /** What the index must have been built with; null to open whatever is there (inspection). */
  identity: IndexIdentity | null;
  hnsw: HnswSettings;
  /**
   * Hold the write lock for the store's whole life (`index`): it may then create the index, or
   * start it afresh with `reset`. Otherwise each writer takes the lock for its own life (serve's
   * write API), and a folder without an index opens as null.
   */
  owner: boolean;
  reset?: boolean;
  /** Weight of title words against passage words in BM25. */
  titleWeight: number;
  /** Told about slow repairs, such as rebuilding the vector graph. */
  onNotice?: (message: string) => void;
}

/**
 * The embedded store: SQLite (WAL) holds articles, passages, vectors, postings and the change log
 * and is the source of truth; the HNSW graph is derived from it and saved as a file now and then
 * (graph-keeper.ts), and BM25 statistics and a read cache follow the log in memory.
 */
export function openSqliteStore(options: SqliteStoreOptions): Store | null {
  const { dir } = options;
  const held = options.owner ? acquireWriteLock(dir, options.onNotice) : null;
  try {
    if (held) removeLeftovers(dir);
    if (held && options.reset) removeIndexFiles(dir);
    let manifest = readManifestFile(dir);
    if (!manifest) {
      if (!held || !options.identity) {
        held?.release();
        return null;
      }
      mkdirSync(dir, { recursive: true });
      manifest = writeManifestFile(dir, options.identity);
    }
    if (manifest.formatVersion !== FORMAT_VERSION) assertCompatible(manifest, { ...manifest, formatVersion: FORMAT_VERSION });
    if (options.identity) assertCompatible(manifest, options.identity);
    return openDatabase(options, manifest, held);
  } catch (error) {
    held?.release();
    throw error;
  }
}

function openDatabase(options: SqliteStoreOptions, manifest: Store['manifest'], held: WriteLock | null): Store {
  const { dir } = options;
  const db = new Database(join(dir, DATABASE_FILE));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  // The postings b-tree is written all over: a larger page cache keeps its pages at hand.
  db.pragma(`cache_size = -${CACHE_KIB}`);
  // A commit rewrites pages all over that tree: checkpointing the log every 64 MB rather than 4 MB
  // copies each such page to the database once for several commits (a 100k build: ~2 s less).
  db.pragma(`wal_autocheckpoint = ${CHECKPOINT_PAGES}`);
  createSchema(db);
  const log = openSqliteLog(db);
  const tables = openTables(db, log, manifest.dimensions);

  const snapshots = graphFiles({
    dir,
    dimensions: manifest.dimensions,
    hnsw: options.hnsw,
    // One read transaction: the passage count and the log agree.
    liveAt: db.transaction((generation: number) => {
      const changes = log.since(generation);
      return changes && tables.passageCount() - changes.reduce((sum, change) => sum + (change.added ? 1 : -1), 0);
    }),
    saved: (generation) => log.saved(generation),
  });
  const graph = new GraphKeeper({
    dimensions: manifest.dimensions,
    hnsw: options.hnsw,
    snapshots,
    log,
    vectorsOf: async (ids) => tables.vectorsOf(ids),
    everything: async () => db.transaction(() => ({ generation: log.current(), count: tables.passageCount(), vectors: [...tables.allVectors()] }))(),
    writerElsewhere: () => isWriteLocked(dir),
    onNotice: options.onNotice,
  });
  const lexical = createLexicalIndex(
    {
      lengths: async () => db.transaction(() => ({ generation: log.current(), rows: tables.lengths() }))(),
      lengthsOf: async (ids) => tables.lengthsOf(ids),
      postings: async (terms) => new Map(terms.map((term) => [term, tables.postings(term)])),
      postingsOf: async (ids) => tables.postingsOf(ids),
    },
    log,
    options.titleWeight,
  );
  const cache = createReadCache(log);
  // A filtered question asks for the same passages twice (lexical, then nearest): the last
  // filter's passages are kept for its generation.
  let lastFilter: { key: string; generation: number; ids: Set<number> } | null = null;
  const allowedIds = (filter: PassageFilter | undefined): Set<number> | null => {
    if (!filter || !(filter.source || filter.from || filter.to)) return null;
    const key = JSON.stringify([filter.source, filter.from, filter.to]);
    const generation = log.current();
    if (lastFilter?.key !== key || lastFilter.generation !== generation) lastFilter = { key, generation, ids: tables.filtered(filter) };
    return lastFilter.ids;
  };

  const reader: IndexReader = {
    async nearest(vector, k, filter) {
      const allowed = allowedIds(filter);
      if (!allowed) return graph.search(vector, k);
      // A narrow filter leaves few passages: scoring them all is exact and cheaper than the graph.
      if (allowed.size > EXACT_SEARCH_LIMIT) return graph.search(vector, k, (id) => allowed.has(id));
      const hits = [...tables.vectorsOf([...allowed])].map(([id, passage]) => ({ id, score: dot(vector, passage) }));
      return hits.sort((a, b) => b.score - a.score).slice(0, k);
    },
    lexical: (terms, k, filter) => lexical.search(terms, k, allowedIds(filter)),
    async passages(ids) {
      const found = await readThrough((await cache()).passages, ids, async (missing) => tables.passages(missing));
      return ids.flatMap((id) => found.get(id) ?? []);
    },
    passageArticles: async (ids) => articlesThrough(await cache(), ids, async (missing) => tables.passageArticles(missing)),
    vectors: async (ids) => readThrough((await cache()).vectors, ids, async (missing) => tables.vectorsOf(missing)),
    sentences: async (ids) => readThrough((await cache()).sentences, ids, async (missing) => tables.sentences(missing)),
    article: async (id) => tables.article(id),
    feedState: async (url) => tables.feedState(url),
    async stats() {
      const bytes = readdirSync(dir).reduce((sum, file) => sum + statSync(join(dir, file)).size, 0);
      return { articles: tables.articleCount(), passages: tables.passageCount(), bytes };
    },
    async refresh() {
      await graph.follow();
      await lexical.prepare();
    },
  };

  /** How many changes the newest saved graph lacks; null when there is none the log reaches. */
  const unsaved = async (): Promise<number | null> => {
    const latest = await snapshots.latest();
    return latest === null ? null : log.count(latest);
  };
  /**
   * What the lock's holder does now and then: saves the graph when there is no saved graph the log
   * reaches, or readers would replay too much of the log; compacts postings many removals left.
   */
  const saveIfBehind = async (): Promise<void> => {
    tables.compactPostings();
    const pending = await unsaved();
    if (pending === null || pending > REPLAY_LIMIT) await graph.save();
  };
  // Whether a writer of this store is open.
  let writing = false;
  const openWriter = (lock: WriteLock | null): IndexWriter => {
    writing = true;
    let closed = false;
    // With no saved graph at all (a new index), the graph starts empty before the first commit.
    const beforeCommit = async () => {
      if (!graph.loaded && (await unsaved()) === null) await graph.catchUp();
    };
    // The graph follows the writer's commits once it is loaded, or once the log would be too
    // long for readers to replay: then saving it (flush) needs no long replay.
    const afterCommit = async () => {
      const pending = graph.loaded ? 0 : await unsaved();
      if (graph.loaded || pending === null || pending > REPLAY_LIMIT) await graph.catchUp();
    };
    const flush = saveIfBehind;
    return {
      articleVersions: async ({ ids, origins }) => tables.versions(ids, origins),
      async writeArticles(writes) {
        if (writes.length === 0) return;
        await beforeCommit();
        tables.write(writes);
        await afterCommit();
      },
      async removeArticles(ids) {
        if (ids.length === 0) return;
        await beforeCommit();
        tables.remove(ids);
        await afterCommit();
      },
      saveFeedState: async (state) => tables.saveFeedState(state),
      flush,
      async close() {
        if (closed) return;
        closed = true;
        try {
          await flush();
        } finally {
          writing = false;
          lock?.release();
        }
      },
    };
  };

  return {
    manifest,
    reader,
    async writer() {
      if (writing) throw new NewsqError('index_busy', `this process is already writing to ${dir}`);
      return openWriter(held ? null : acquireWriteLock(dir, options.onNotice));
    },
    async close() {
      try {
        // The lock's holder leaves a graph readers can follow from (a writer left open was killed: not its work).
        if (held && !writing) await saveIfBehind();
      } finally {
        graph.close();
        db.close();
        held?.release();
      }
    },
  };
}

/** Temporary files of a writer that was killed mid-write: only the lock holder may remove them. */
function removeLeftovers(dir: string): void {
  if (!existsSync(dir)) return;
  for (const file of readdirSync(dir)) if (/\.tmp-\d+$/.test(file)) rmSync(join(dir, file), { force: true });
}

function removeIndexFiles(dir: string): void {
  if (!existsSync(dir)) return;
  for (const file of readdirSync(dir)) {
    if (file === 'manifest.json' || file.startsWith(DATABASE_FILE) || file.startsWith('vectors-')) rmSync(join(dir, file), { force: true });
  }
}
