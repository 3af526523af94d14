import type Database from 'better-sqlite3';
import { latestGraphGeneration, loadGraphFile, loadGraphFileAsync, saveGraphFile, saveGraphFileAsync } from './graph-file.js';
import type { PassageChange, PassageLog } from './passage-log.js';
import { VectorIndex, type HnswSettings } from './vector-index.js';
import { holdsWriteLock, isWriteLocked } from './write-lock.js';

const REBUILD_DELETED_SHARE = 0.25;
// Graph changes a reader replays from the log (passage-log.ts) rather than waiting for a saved file,
// and that a writer leaves to the log rather than saving the whole graph. Each costs one HNSW
// insert, about half a millisecond at 100k passages (bench, section 4): a tenth of a second in all.
const REPLAY_LIMIT = 256;

/** What the graph is derived from: the store's database, its passages and their log. */
export interface GraphSource {
  db: Database.Database;
  dir: string;
  dimensions: number;
  hnsw: HnswSettings;
  /**
   * Writers save the graph. A reader writes a file only when asked to by its own process's writer,
   * which holds the lock ({@link GraphSync.checkpoint}).
   */
  writable: boolean;
  /**
   * A writer whose caller saves the graph with {@link GraphSync.checkpoint} (serve's): a write
   * that takes the log past its limit does not load the graph then and there.
   */
  checkpointed?: boolean;
  log: PassageLog;
  generation(): number;
  countPassages(): number;
  vectorsOf(ids: number[]): [number, Float32Array][];
  allVectors(): Iterable<[number, Float32Array]>;
  onNotice?: (message: string) => void;
}

/** A store's HNSW graph, kept in step with its database. */
export interface GraphSync {
  /** The graph, loaded on first use: the newest saved file caught up with the log, or rebuilt. */
  get(): VectorIndex;
  /** A reader brings its graph up to what writers have committed (before each search). */
  follow(): void;
  /** Before a writer commits: without a usable graph file, the log has nothing to follow. */
  beforeWrite(): void;
  /** After a writer committed `generation`, logging its changes. */
  afterWrite(generation: number, removed: number[], added: { id: number; vector: Float32Array }[]): void;
  /** A writer saves the graph if its file lacks some of it. */
  flush(): void;
  /**
   * Saves the graph once the log holds more than a reader should replay, writing the file on
   * libuv's threads so that the event loop (serve's searches) goes on. A reader saves the graph
   * it holds, caught up with the log, and only while its process holds the write lock; a writer
   * that does not hold the graph reads the newest file (on libuv's threads too) and replays the
   * log on it first.
   */
  checkpoint(): Promise<void>;
}

/**
 * The HNSW graph is derived from the database: saved now and then, brought up to date by
 * replaying the changes logged since, and rebuilt from the stored vectors whenever its file is
 * missing, unreadable or older than the log.
 */
export function openGraphSync(source: GraphSource): GraphSync {
  const { db, dir, log } = source;
  const rebuild = (): VectorIndex => {
    const graph = VectorIndex.create(source.dimensions, source.hnsw, source.countPassages() + 1024);
    for (const [id, vector] of source.allVectors()) graph.add(id, vector);
    return graph;
  };
  /**
   * Replays logged changes on a graph, reading the added passages' vectors; false when they do not
   * fit it (a removed passage it does not hold): a file or log that disagrees with the database is
   * not trusted, and the graph is rebuilt.
   */
  const replayed = (target: VectorIndex, changes: PassageChange[]): boolean => {
    const addedIds = changes.filter((change) => change.added).map((change) => change.id);
    const vectors = new Map(addedIds.length > 0 ? source.vectorsOf(addedIds) : []);
    // A passage added and removed again since is in neither the table nor the graph.
    const gone = new Set<number>();
    try {
      for (const { id, added } of changes) {
        const vector = vectors.get(id);
        if (added && vector) target.add(id, vector);
        else if (added) gone.add(id);
        else if (!gone.has(id)) target.remove(id);
      }
      return true;
    } catch (error) {
      source.onNotice?.(`the vector index disagrees with the passage log (${(error as Error).message})`);
      return false;
    }
  };

  // The graph is loaded on first use, so that inspecting an index stays cheap. `loadedGeneration`
  // is the database generation it mirrors; `dirty`, that its saved file lacks some of it.
  let loaded: VectorIndex | null = null;
  let dirty = false;
  let loadedGeneration = -1;

  /**
   * Loads the newest saved graph and replays the changes logged since, when there are at most
   * `maxReplay` (more, and it stays at its file's generation). False when no file can be used:
   * none, unreadable, or older than what the log still holds.
   */
  const openFile = (maxReplay: number): boolean => {
    const latest = latestGraphGeneration(dir);
    if (latest === null) return false;
    // One read transaction: the generation, the passage count and the log agree.
    return db.transaction(() => {
      const changes = log.since(latest);
      const file = changes && loadGraphFile(dir, latest, source.dimensions, source.hnsw, liveBefore(changes));
      return Boolean(file && changes && adopt(file, latest, changes, maxReplay));
    })();
  };
  /** How many passages a graph file held: those stored now, less what was logged since it. */
  const liveBefore = (changes: PassageChange[]): number => source.countPassages() - changes.reduce((sum, change) => sum + (change.added ? 1 : -1), 0);
  /**
   * Takes a graph loaded from the file of `generation` as the one held, caught up with the
   * `changes` logged since when they are at most `maxReplay`; false when they do not fit it.
   * Run in a transaction.
   */
  const adopt = (file: VectorIndex, generation: number, changes: PassageChange[], maxReplay: number): boolean => {
    let current = generation;
    if (changes.length <= maxReplay) {
      if (!replayed(file, changes)) return false;
      current = source.generation();
      dirty = changes.length > 0;
    }
    loaded = file;
    loadedGeneration = current;
    return true;
  };
  // A reader replays a bounded number of changes while a writer is at work: the writer saves its
  // graph now and then, and the reader follows from the newest file rather than redoing the
  // writer's inserts. With no writer (one stopped before saving), nobody else will.
  const writerAtWork = (): boolean => !source.writable && isWriteLocked(dir);
  const replayLimit = (): number => (writerAtWork() ? REPLAY_LIMIT : Infinity);
  const get = (): VectorIndex => {
    if (loaded) return loaded;
    if (!openFile(replayLimit())) {
      db.transaction(() => {
        const passages = source.countPassages();
        if (passages > 0) source.onNotice?.(`rebuilding the vector index from ${passages} stored passages`);
        loaded = rebuild();
        loadedGeneration = source.generation();
        dirty = true;
      })();
    }
    return loaded!;
  };
  /**
   * Replays what writers logged since the held graph's generation, when `allowMany` or the changes
   * are few; false when it did not. A graph the log does not fit is dropped, and loaded again (or
   * rebuilt) by the next get().
   */
  const caughtUp = (allowMany: () => boolean): boolean =>
    db.transaction(() => {
      const now = source.generation();
      if (now === loadedGeneration) return true;
      const pending = log.countSince(loadedGeneration);
      if (pending === null || (pending > REPLAY_LIMIT && !allowMany())) return false;
      if (!replayed(loaded!, log.since(loadedGeneration)!)) {
        loaded = null;
        return true;
      }
      loadedGeneration = now;
      return true;
    })();
  let saving = false;
  /** Writes the held graph's file without blocking the event loop; nothing may change it meanwhile. */
  const saveHeld = async (): Promise<void> => {
    saving = true;
    try {
      await saveGraphFileAsync(dir, loadedGeneration, loaded!);
      log.saved(loadedGeneration);
      dirty = false;
    } finally {
      saving = false;
    }
  };
  /** How many changes the newest graph file lacks, or null when there is no usable file. */
  const unsaved = (): number | null => {
    const latest = latestGraphGeneration(dir);
    return latest === null ? null : log.countSince(latest);
  };

  return {
    get,
    // A reader (serve) follows writers' commits by replaying their logged changes on its graph.
    // When a writer at work is far ahead (a whole index run), the reader waits for its next saved
    // file, keeping the graph it has meanwhile: it only lacks the newest passages (lexical search
    // already finds them) or still holds removed ones (hydration drops them).
    follow() {
      // While its file is written (checkpoint), the graph stays as it is.
      if (!loaded || saving) return;
      // Few changes are replayed; many, only when no newer file holds them and no writer will save one.
      if (caughtUp(() => false)) return;
      const latest = latestGraphGeneration(dir);
      if (latest !== null && latest > loadedGeneration) openFile(replayLimit());
      else caughtUp(() => !writerAtWork());
    },
    beforeWrite() {
      if (!loaded && unsaved() === null) get();
    },
    // A writer that holds the graph applies its change to it too (flush saves it); one that does
    // not leaves the change to the log until the log grows past REPLAY_LIMIT, then loads the graph
    // (replaying everything) for flush to save.
    afterWrite(generation, removed, added) {
      if (!loaded) {
        if (!source.checkpointed && unsaved()! > REPLAY_LIMIT) get();
        return;
      }
      for (const id of removed) loaded.remove(id);
      for (const { id, vector } of added) loaded.add(id, vector);
      loadedGeneration = generation;
      if (loaded.deletedShare > REBUILD_DELETED_SHARE) loaded = rebuild();
      dirty = true;
    },
    flush() {
      if (!dirty || !source.writable || !loaded) return;
      saveGraphFile(dir, loadedGeneration, loaded);
      log.saved(loadedGeneration);
      dirty = false;
    },
    async checkpoint() {
      if (saving || (unsaved() ?? 0) <= REPLAY_LIMIT) return;
      if (!source.writable) {
        // serve's own graph, already in memory and following the log: nothing to read or redo.
        // A graph the log does not fit is dropped by caughtUp, and not saved.
        if (!loaded || !holdsWriteLock(dir)) return;
        caughtUp(() => true);
        if (loaded && loadedGeneration === source.generation()) await saveHeld();
        return;
      }
      if (loaded) return;
      const latest = latestGraphGeneration(dir)!;
      // This writer holds the lock: the log does not change while the file is read.
      const changes = log.since(latest);
      const file = changes && (await loadGraphFileAsync(dir, latest, source.dimensions, source.hnsw, liveBefore(changes)));
      // A file that cannot be read, or a log that does not fit it, is handled as on any open.
      if (!file || !changes || !db.transaction(() => adopt(file, latest, changes, Infinity))()) get();
      if (dirty && loaded) await saveHeld();
    },
  };
}
