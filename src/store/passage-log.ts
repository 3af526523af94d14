import type Database from 'better-sqlite3';

/** A passage added to or removed from the index by one write. */
export interface PassageChange {
  id: number;
  added: boolean;
}

/**
 * The passages each write added and removed, in the database, written in the same transactions
 * as the passages themselves, back to the generation of the HNSW graph saved before the newest.
 * Saving the whole graph after every write costs time in proportion to the index (a second or
 * more at 100k passages), and a reader would then load the whole file again: with the log, a
 * small write only records its changes, and a graph loaded from an older file, or held in memory,
 * catches up by replaying them. Readers bring their BM25 statistics and read cache up to date
 * from it too.
 */
export interface PassageLog {
  /** Records a write's changes under the generation it commits (inside its transaction). */
  record(generation: number, removed: number[], added: number[]): void;
  /** The changes after `generation`, oldest first; null when the log no longer reaches back there. */
  since(generation: number): PassageChange[] | null;
  /** How many changes there are after `generation` (null as for {@link since}). */
  countSince(generation: number): number | null;
  /**
   * Notes that a saved graph file holds everything up to `generation`, and forgets the changes the
   * graph saved before it already held: a reader still following from that one can replay the rest.
   */
  saved(generation: number): void;
}

export function openPassageLog(db: Database.Database): PassageLog {
  const statements = {
    insert: db.prepare('INSERT INTO passage_log (generation, passage_id, added) VALUES (?, ?, ?)'),
    since: db.prepare<[number], { id: number; added: number }>('SELECT passage_id AS id, added FROM passage_log WHERE generation > ? ORDER BY generation, rowid'),
    countSince: db.prepare<[number], { n: number }>('SELECT COUNT(*) AS n FROM passage_log WHERE generation > ?'),
    floor: db.prepare<[], { value: string }>("SELECT value FROM meta WHERE key = 'passage_log_floor'"),
    lastSaved: db.prepare<[], { value: string }>("SELECT value FROM meta WHERE key = 'passage_log_saved'"),
    prune: db.prepare('DELETE FROM passage_log WHERE generation <= ?'),
    setFloor: db.prepare("UPDATE meta SET value = ? WHERE key = 'passage_log_floor'"),
    setSaved: db.prepare("UPDATE meta SET value = ? WHERE key = 'passage_log_saved'"),
  };
  const reaches = (generation: number) => Number(statements.floor.get()!.value) <= generation;
  return {
    record(generation, removed, added) {
      for (const id of removed) statements.insert.run(generation, id, 0);
      for (const id of added) statements.insert.run(generation, id, 1);
    },
    since(generation) {
      return db.transaction(() => (reaches(generation) ? statements.since.all(generation).map(({ id, added }) => ({ id, added: added === 1 })) : null))();
    },
    countSince(generation) {
      return db.transaction(() => (reaches(generation) ? statements.countSince.get(generation)!.n : null))();
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
