import { NewsqError } from '../../errors.js';
import { dot } from '../../vector-math.js';
import { createLexicalIndex } from '../lexical/lexical-index.js';
import { assertCompatible, FORMAT_VERSION, newManifest, parseManifest, type IndexIdentity, type Manifest } from '../manifest.js';
import { articlesThrough, createReadCache, readThrough } from '../read-cache.js';
import type { IndexReader, IndexWriter, PassageFilter, Store, StoreStats, StoredPassage } from '../store.js';
import { GraphKeeper, REPLAY_LIMIT } from '../vector/graph-keeper.js';
import type { HnswSettings } from '../vector/vector-index.js';
import { asUnavailable, connect, isUnreachable, retryWhileUnreachable, type Connection } from './connection.js';
import { databaseGraphs, updateInTurn } from './graph-snapshots.js';
import { openPostgresLog } from './log.js';
import { migrate } from './schema.js';
import { openPostgresTables } from './tables.js';
import { openWorkQueue } from './work-queue.js';

// A filter that leaves at most this many passages is searched exactly, without the graph.
const EXACT_SEARCH_LIMIT = 20_000;

export interface PostgresStoreOptions {
  /** `postgres://user:password@host:port/database` */
  url: string;
  /** What the index must have been built with; null to open whatever is there (inspection). */
  identity: IndexIdentity | null;
  hnsw: HnswSettings;
  /** A writer for the store's whole life (`index`): it may create the index, or with `reset` start it afresh. */
  owner: boolean;
  reset?: boolean;
  titleWeight: number;
  /** How a sync's embedding is shared between workers (work-queue.ts). */
  claimSeconds: number;
  claimPassages: number;
  onNotice?: (message: string) => void;
}

// How long a worker's queue operations retry while the database cannot be reached.
const RETRY_MS = 5 * 60_000;

/**
 * The store for more than one machine: PostgreSQL holds what the SQLite store holds (articles,
 * passages, vectors, postings, the change log) and the saved vector graph. Each process keeps
 * its own graph, BM25 statistics and read cache in memory, following the log. Any number of
 * processes write: their commits are serialised in the database (log.ts).
 */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<Store | null> {
  const db = connect(options.url);
  try {
    // A worker (an owner) started while the database restarts waits for it, as its queue work does;
    // a server fails at once with `unavailable` and keeps trying on its own (serve).
    const open = () => openManifest(db, options);
    const manifest = options.owner ? await retryWhileUnreachable('opening the store', open, RETRY_MS, options.onNotice) : await open();
    if (!manifest) {
      await db.close();
      return null;
    }
    return storeOver(db, manifest, options);
  } catch (error) {
    await db.close();
    throw asUnavailable(error);
  }
}

/** Creates or migrates the tables and reads (or, for a new index, writes) the manifest. */
async function openManifest(db: Connection, options: PostgresStoreOptions): Promise<Manifest | null> {
  const client = await db.client();
  let stored: string | null | undefined;
  try {
    stored = await migrate(client, { create: options.owner && options.identity !== null, reset: options.owner && (options.reset ?? false) });
  } catch (error) {
    if (isUnreachable(error)) throw error;
    throw new NewsqError('no_index', `cannot open the PostgreSQL store: ${(error as Error).message}`);
  } finally {
    client.release();
  }
  if (stored === undefined) return null;
  let manifest = stored === null ? null : parseManifest(JSON.parse(stored), 'the database');
  if (!manifest) {
    if (!options.owner || !options.identity) return null;
    const fresh = newManifest(options.identity);
    // The first writer's manifest wins; others check theirs against it.
    await db.rows("INSERT INTO meta (key, value) VALUES ('manifest', $1) ON CONFLICT (key) DO NOTHING", [JSON.stringify(fresh)]);
    manifest = parseManifest(JSON.parse((await db.rows<{ value: string }>("SELECT value FROM meta WHERE key = 'manifest'"))[0].value), 'the database');
  }
  if (manifest.formatVersion !== FORMAT_VERSION) assertCompatible(manifest, { ...manifest, formatVersion: FORMAT_VERSION });
  if (options.identity) assertCompatible(manifest, options.identity);
  return manifest;
}

function storeOver(db: Connection, manifest: Manifest, options: PostgresStoreOptions): Store {
  const log = openPostgresLog(db, options.url);
  const tables = openPostgresTables(db, log, manifest.dimensions);
  const snapshots = databaseGraphs(db, log, manifest.dimensions, options.hnsw);
  const graph = new GraphKeeper({
    dimensions: manifest.dimensions,
    hnsw: options.hnsw,
    snapshots,
    log,
    vectorsOf: tables.vectorsOf,
    everything: tables.everything,
    // Writers elsewhere save now and then, but a reader replays the log rather than wait for them.
    writerElsewhere: () => false,
    onNotice: options.onNotice,
  });
  const lexical = createLexicalIndex(
    { lengths: tables.lengths, lengthsOf: tables.lengthsOf, postings: tables.postings, postingsOf: tables.postingsOf },
    log,
    options.titleWeight,
  );
  const cache = createReadCache(log);
  let lastStats: StoreStats | null = null;
  let lastFilter: { key: string; generation: number; ids: Set<number> } | null = null;
  const allowedIds = async (filter: PassageFilter | undefined): Promise<Set<number> | null> => {
    if (!filter || !(filter.source || filter.from || filter.to)) return null;
    const key = JSON.stringify([filter.source, filter.from, filter.to]);
    const generation = await log.generation();
    if (lastFilter?.key !== key || lastFilter.generation !== generation) lastFilter = { key, generation, ids: await tables.filtered(filter) };
    return lastFilter.ids;
  };

  const reader: IndexReader = {
    async nearest(vector, k, filter) {
      const allowed = await allowedIds(filter);
      if (!allowed) return graph.search(vector, k);
      if (allowed.size > EXACT_SEARCH_LIMIT) return graph.search(vector, k, (id) => allowed.has(id));
      const hits = [...(await tables.vectorsOf([...allowed]))].map(([id, passage]) => ({ id, score: dot(vector, passage) }));
      return hits.sort((a, b) => b.score - a.score).slice(0, k);
    },
    lexical: async (terms, k, filter) => lexical.search(terms, k, await allowedIds(filter)),
    passageArticles: async (ids) => articlesThrough(await cache(), ids, (missing) => tables.passageArticles(missing)),
    async passages(ids) {
      const held = await cache();
      const found = await readThrough(held.passages, ids, async (missing) => {
        const rows = await tables.passages(missing);
        // Read with them: the sentences of the passages shown, asked for next, need no round trip of their own.
        for (const [id, , sentences] of rows) held.sentences.set(id, sentences);
        return rows.map(([id, passage]) => [id, passage] as [number, StoredPassage]);
      });
      return ids.flatMap((id) => found.get(id) ?? []);
    },
    // Those the graph holds need no round trip: a passage's vector never changes.
    vectors: async (ids) =>
      readThrough((await cache()).vectors, ids, async (missing) => {
        const held = graph.vectorsHeld(missing);
        const rest = missing.filter((id) => !held.has(id));
        if (rest.length > 0) for (const [id, vector] of await tables.vectorsOf(rest)) held.set(id, vector);
        return held;
      }),
    sentences: async (ids) => readThrough((await cache()).sentences, ids, async (missing) => tables.sentences(missing)),
    article: (id) => tables.article(id),
    feedState: (url) => tables.feedState(url),
    async stats() {
      // While the database cannot be reached, a server that has read its size says what it read.
      try {
        lastStats = await tables.counts();
      } catch (error) {
        if (!lastStats || !isUnreachable(error)) throw error;
      }
      return lastStats;
    },
    async refresh() {
      // Side by side: the BM25 statistics arrive while the graph's file is read off the event loop.
      const outcomes = await Promise.allSettled([graph.follow(), lexical.prepare()]);
      for (const outcome of outcomes) if (outcome.status === 'rejected') throw outcome.reason;
    },
  };

  const saveIfBehind = async (): Promise<void> => {
    await tables.compactPostings();
    const latest = await snapshots.latest();
    const pending = latest === null ? null : await log.count(latest);
    if (pending === null || pending > REPLAY_LIMIT) await updateInTurn(db, () => graph.save());
  };
  // The graph of a process that syncs through the queue is loaded, if ever, to be saved: saving replays what it lacks.
  const queue = openWorkQueue(db, { claimSeconds: options.claimSeconds, claimPassages: options.claimPassages, retryMs: RETRY_MS, onNotice: options.onNotice }, tables.writeClaimed);
  let writing = false;
  const openWriter = (): IndexWriter => {
    writing = true;
    let closed = false;
    // The graph follows this process's commits once loaded: saving it then needs no long replay.
    const afterCommit = async () => {
      if (graph.loaded) await graph.catchUp();
    };
    return {
      queue,
      articleVersions: ({ ids, origins }) => tables.versions(ids, origins),
      async writeArticles(writes) {
        if (writes.length === 0) return;
        await tables.write(writes);
        await afterCommit();
      },
      async removeArticles(ids) {
        if (ids.length === 0) return;
        await tables.remove(ids);
        await afterCommit();
      },
      saveFeedState: (state) => tables.saveFeedState(state),
      flush: saveIfBehind,
      async close() {
        if (closed) return;
        closed = true;
        try {
          await saveIfBehind();
        } finally {
          writing = false;
        }
      },
    };
  };

  return {
    manifest,
    reader: unavailableAsSuch(reader),
    async writer() {
      if (writing) throw new NewsqError('index_busy', 'this process is already writing to the PostgreSQL store');
      return unavailableAsSuch(openWriter());
    },
    async close() {
      graph.close();
      await log.close();
      await db.close();
    },
  };
}

/** A reader or writer whose failures to reach the database are reported as `unavailable` (a 503 with Retry-After). */
function unavailableAsSuch<T extends object>(target: T): T {
  const mapped = Object.entries(target).map(([name, member]: [string, unknown]) => [
    name,
    typeof member === 'function' ? (...args: unknown[]) => (member as (...args: unknown[]) => Promise<unknown>)(...args).catch((error) => Promise.reject(asUnavailable(error))) : member,
  ]);
  return Object.fromEntries(mapped) as T;
}
