import type Database from 'better-sqlite3';
import type { ChangeLog, LogRead, PassageChange } from '../change-log.js';

/** The change log in SQLite, and what only a writer does with it: record commits, and forget. */
export interface SqliteLog extends ChangeLog {
  /** The generation of the newest commit, read in the caller's transaction. */
  current(): number;
  /** Changes after `from` (null when the log no longer reaches back), in the caller's transaction. */
  since(from: number): PassageChange[] | null;
  /** Starts a commit inside its transaction: bumps the generation and records the changes under it. */
  record(removed: number[], added: number[]): number;
  /**
   * Notes that a saved graph holds everything up to `generation`, and forgets the changes the graph
   * saved before it already held: a reader still following from that one can replay the rest.
   */
  saved(generation: number): void;
}

/**
 * Each commit's passage changes, in the `passage_log` table, written in the commit's own transaction.
 * Saving the whole graph after every write costs time in proportion to the index (a second or more
 * at 100k passages), and a reader would then load the whole file again: with the log, a small
 * write only records its changes, and a graph loaded from an older file, or held in memory,
 * catches up by replaying them.
 */
export function openSqliteLog(db: Database.Database): SqliteLog {
  const statements = {
    generation: db.prepare<[], { value: string }>("SELECT value FROM meta WHERE key = 'generation'"),
    bump: db.prepare("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'generation'"),
    insert: db.prepare('INSERT INTO passage_log (generation, passage_id, added) VALUES (?, ?, ?)'),
    since: db.prepare<[number], { id: number; added: number }>('SELECT passage_id AS id, added FROM passage_log WHERE generation > ? ORDER BY generation, rowid'),
    countSince: db.prepare<[number], { n: number }>('SELECT COUNT(*) AS n FROM passage_log WHERE generation > ?'),
    floor: db.prepare<[], { value: string }>("SELECT value FROM meta WHERE key = 'passage_log_floor'"),
    lastSaved: db.prepare<[], { value: string }>("SELECT value FROM meta WHERE key = 'passage_log_saved'"),
    prune: db.prepare('DELETE FROM passage_log WHERE generation <= ?'),
    setFloor: db.prepare("UPDATE meta SET value = ? WHERE key = 'passage_log_floor'"),
    setSaved: db.prepare("UPDATE meta SET value = ? WHERE key = 'passage_log_saved'"),
  };
  const current = () => Number(statements.generation.get()!.value);
  const reaches = (generation: number) => Number(statements.floor.get()!.value) <= generation;
  const since = (from: number) => (reaches(from) ? statements.since.all(from).map(({ id, added }) => ({ id, added: added === 1 })) : null);
  // One read transaction: the generation and the changes up to it agree.
  const read = db.transaction((from: number): LogRead => ({ generation: current(), changes: since(from) }));
  const count = db.transaction((from: number) => (reaches(from) ? statements.countSince.get(from)!.n : null));
  return {
    current,
    since,
    generation: async () => current(),
    read: async (from) => read(from),
    count: async (from) => count(from),
    record(removed, added) {
      statements.bump.run();
      const generation = current();
      for (const id of removed) statements.insert.run(generation, id, 0);
      for (const id of added) statements.insert.run(generation, id, 1);
      return generation;
    },
    saved: db.transaction((generation: number) => {
      const previous = Number(statements.lastSaved.get()!.value);
      if (generation <= previous) return;
      statements.prune.run(previous);
      statements.setFloor.run(String(previous));
      statements.setSaved.run(String(generation));
    }),
  };
}
