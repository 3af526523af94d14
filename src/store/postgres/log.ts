import type { ChangeLog, LogRead, PassageChange } from '../change-log.js';
import type { Connection, Queryable } from './connection.js';

/** The change log in PostgreSQL, and what writers do with it: record commits, and forget. */
export interface PostgresLog extends ChangeLog {
  /**
   * Starts a commit, first in its transaction: waits for the commits of other writers to end and
   * returns the generation this one will make.
   */
  begin(tx: Queryable): Promise<number>;
  /** Ends a commit in its transaction: moves to its generation and records its changes under it. */
  record(tx: Queryable, generation: number, removed: number[], added: number[]): Promise<void>;
  /** Notes that a saved graph holds everything up to `generation` (as the SQLite log does). */
  saved(generation: number): Promise<void>;
}

const meta = async (tx: Queryable, key: string): Promise<number> => Number((await tx.rows<{ value: string }>('SELECT value FROM meta WHERE key = $1', [key]))[0].value);

/**
 * The `passage_log` table, as in the SQLite store. Commits from any number of processes are
 * serialised on the `generation` row, which each locks first: generations and passage ids then
 * grow in commit order, which readers rely on.
 */
export function openPostgresLog(db: Connection): PostgresLog {
  const since = async (tx: Queryable, from: number): Promise<PassageChange[] | null> => {
    if ((await meta(tx, 'passage_log_floor')) > from) return null;
    return tx.rows<PassageChange>('SELECT passage_id AS id, added FROM passage_log WHERE generation > $1 ORDER BY generation, seq', [from]);
  };
  return {
    generation: () => meta(db, 'generation'),
    read: (from) => db.transaction(async (tx): Promise<LogRead> => ({ generation: await meta(tx, 'generation'), changes: await since(tx, from) }), 'snapshot'),
    count: (from) =>
      db.transaction(async (tx) => {
        if ((await meta(tx, 'passage_log_floor')) > from) return null;
        return (await tx.rows<{ n: number }>('SELECT COUNT(*) AS n FROM passage_log WHERE generation > $1', [from]))[0].n;
      }, 'snapshot'),
    async begin(tx) {
      const [{ value }] = await tx.rows<{ value: string }>("SELECT value FROM meta WHERE key = 'generation' FOR UPDATE");
      return Number(value) + 1;
    },
    async record(tx, generation, removed, added) {
      await tx.rows("UPDATE meta SET value = $1 WHERE key = 'generation'", [String(generation)]);
      const ids = [...removed, ...added];
      const flags = [...removed.map(() => false), ...added.map(() => true)];
      if (ids.length > 0) {
        await tx.rows('INSERT INTO passage_log (generation, passage_id, added) SELECT $1, * FROM unnest($2::bigint[], $3::boolean[])', [generation, ids, flags]);
      }
    },
    saved: (generation) =>
      db.transaction(async (tx) => {
        const previous = Number((await tx.rows<{ value: string }>("SELECT value FROM meta WHERE key = 'passage_log_saved' FOR UPDATE"))[0].value);
        if (generation <= previous) return;
        await tx.rows('DELETE FROM passage_log WHERE generation <= $1', [previous]);
        await tx.rows("UPDATE meta SET value = $1 WHERE key = 'passage_log_floor'", [String(previous)]);
        await tx.rows("UPDATE meta SET value = $1 WHERE key = 'passage_log_saved'", [String(generation)]);
      }),
  };
}
