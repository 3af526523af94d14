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
// Changes a reader catching up in the background replays between turns of the event loop: a few
// tens of milliseconds at 100k passages.
const REPLAY_SLICE = 32;

/** One change to replay on a graph: a vector to add, or (null) a passage to remove. */
interface GraphChange {
  id: number;
  vector: Float32Array | null;
}

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
  /**
   * A reader brings its graph up to what writers have committed (before each search): a few
   * changes at once, a newer file or many changes in the background, searches going on meanwhile.
   */
  follow(): void;
  /** Before a writer commits: without a usable graph file, the log has nothing to follow. */
  beforeWrite(): void;
  /** After a writer committed `generation`, logging its changes. */
  afterWrite(generation: number, removed: number[], added: { id: number; vector: Float32Array }[]): void;
  /** A writer saves the graph if its file lacks some of it. */
  flush(): void;
  /** Flushes, and stops what goes on in the background: the database is about to close. */
  close(): void;
  /**
   * After a write: a reader holding a graph catches it up with the log a slice at a time, letting
   * the event loop (serve's searches) turn in between. Then, once the log holds more than a reader
   * should replay, the graph is saved, the file written on libuv's threads. A reader saves the
   * graph it holds, and only while its process holds the write lock; a writer that does not hold
   * the graph reads the newest file (on libuv's threads too) and replays the log on it first.
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
   * What replaying logged changes does to a graph: add each added passage's vector (read from the
   * table), remove each removed passage. A passage added and removed again since is in neither
   * the table nor the graph, and is left out.
   */
  const planReplay = (changes: PassageChange[]): GraphChange[] => {
    const addedIds = changes.filter((change) => change.added).map((change) => change.id);
    const vectors = new Map(addedIds.length > 0 ? source.vectorsOf(addedIds) : []);
    const gone = new Set<number>();
    const plan: GraphChange[] = [];
    for (const { id, added } of changes) {
      const vector = vectors.get(id);
      if (added && vector) plan.push({ id, vector });
      else if (added) gone.add(id);
      else if (!gone.has(id)) plan.push({ id, vector: null });
    }
    return plan;
  };
  /**
   * Applies planned changes to a graph; false when they do not fit it (a removed passage it does
   * not hold): a file or log that disagrees with the database is not trusted, and the graph is
   * rebuilt.
   */
  const applied = (target: VectorIndex, plan: GraphChange[]): boolean => {
    try {
      for (const { id, vector } of plan) {
        if (vector) target.add(id, vector);
        else target.remove(id);
      }
      return true;
    } catch (error) {
      source.onNotice?.(`the vector index disagrees with the passage log (${(error as Error).message})`);
      return false;
    }
  };
  const replayed = (target: VectorIndex, changes: PassageChange[]): boolean => applied(target, planReplay(changes));

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
   * Replays what writers logged since the held graph's generation at once, when the changes are
   * few; false when they are not. A graph the log does not fit is dropped, and loaded again (or
   * rebuilt) by the next get().
   */
  const replayFew = (): boolean =>
    db.transaction(() => {
      const now = source.generation();
      if (now === loadedGeneration) return true;
      const pending = log.countSince(loadedGeneration);
      if (pending === null || pending > REPLAY_LIMIT) return false;
      if (!replayed(loaded!, log.since(loadedGeneration)!)) {
        loaded = null;
        return true;
      }
      loadedGeneration = now;
      return true;
    })();
  // Set when the store closes: work going on between searches stops at its next turn.
  let closed = false;
  let catching: Promise<void> | null = null;
  /**
   * Replays what writers logged since the held graph's generation a slice at a time, letting the
   * event loop turn between slices, until the graph is at the database's generation (writes that
   * land meanwhile are taken in too). Searches meanwhile use the graph as far as it got: they miss
   * some new passages (lexical search finds them) or still meet removed ones (hydration drops them).
   */
  const catchUp = (): Promise<void> => {
    if (catching) return catching;
    // Cleared a microtask after it settles, so after it was recorded even when the replay never awaits.
    const run = replayInSlices();
    catching = run;
    const clear = () => {
      if (catching === run) catching = null;
    };
    run.then(clear, clear);
    return run;
  };
  const replayInSlices = async (): Promise<void> => {
    while (!closed) {
      const target = loaded;
      // One read transaction: the generation and the changes up to it agree.
      const pending = target && db.transaction(() => {
        const now = source.generation();
        const changes = now === loadedGeneration ? null : log.since(loadedGeneration);
        return changes && { now, plan: planReplay(changes) };
      })();
      // Caught up, or the log no longer reaches back: follow() loads a newer file then.
      if (!pending) return;
      for (let from = 0; from < pending.plan.length; from += REPLAY_SLICE) {
        if (from > 0) await new Promise((resolve) => setImmediate(resolve));
        if (closed || loaded !== target) return;
        if (!applied(target, pending.plan.slice(from, from + REPLAY_SLICE))) {
          loaded = null;
          return;
        }
      }
      loadedGeneration = pending.now;
    }
  };
  let saving = false;
  /** Writes the held graph's file without blocking the event loop; nothing may change it meanwhile. */
  const saveHeld = async (): Promise<void> => {
    saving = true;
    const generation = loadedGeneration;
    try {
      await saveGraphFileAsync(dir, generation, loaded!);
      log.saved(generation);
      dirty = false;
    } finally {
      saving = false;
    }
  };
  let switching = false;
  /**
   * Reads a newer graph file that a writer saved on libuv's threads (at 1M passages that takes
   * seconds), then takes it as the held graph, caught up with the log as far as a reader should
   * replay. Searches meanwhile use the graph held before.
   */
  const switchTo = (latest: number): void => {
    if (switching) return;
    const live = db.transaction(() => {
      const changes = log.since(latest);
      return changes && liveBefore(changes);
    })();
    if (live === null) return;
    switching = true;
    loadGraphFileAsync(dir, latest, source.dimensions, source.hnsw, live)
      .then((file) => {
        // An unreadable file leaves the held graph; a busy graph is left to what holds it, and
        // the next search tries again.
        if (closed || !file || !loaded || saving || catching || loadedGeneration >= latest) return;
        db.transaction(() => {
          const changes = log.since(latest);
          if (changes) adopt(file, latest, changes, replayLimit());
        })();
      })
      .catch((error: Error) => source.onNotice?.(`could not switch to the newer vector index: ${error.message}`))
      .finally(() => (switching = false));
  };
  const flush = (): void => {
    if (!dirty || !source.writable || !loaded) return;
    saveGraphFile(dir, loadedGeneration, loaded);
    log.saved(loadedGeneration);
    dirty = false;
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
    // already finds them) or still holds removed ones (hydration drops them). Reading that file,
    // or replaying many changes when no writer will save one, goes on between searches.
    follow() {
      // While its file is written, or it catches up in slices (checkpoint), the graph is left to that.
      if (!loaded || saving || catching) return;
      // A few hundred changes are replayed at once (a tenth of a second at 100k passages).
      if (replayFew()) return;
      const latest = latestGraphGeneration(dir);
      if (latest !== null && latest > loadedGeneration) switchTo(latest);
      else if (!writerAtWork()) catchUp().catch((error: Error) => source.onNotice?.(`could not replay the passage log: ${error.message}`));
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
    flush,
    close() {
      closed = true;
      flush();
    },
    async checkpoint() {
      if (!source.writable) {
        // serve's own graph, already in memory and following the log: it takes in the write in
        // slices, while searches go on, rather than all at the next search. A graph the log does
        // not fit is dropped by catchUp, and not saved.
        if (!loaded || saving) return;
        await catchUp();
        if (!loaded || saving || (unsaved() ?? 0) <= REPLAY_LIMIT || !holdsWriteLock(dir)) return;
        if (loadedGeneration === source.generation()) await saveHeld();
        return;
      }
      if (saving || (unsaved() ?? 0) <= REPLAY_LIMIT) return;
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
