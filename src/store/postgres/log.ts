import pg from 'pg';
import type { ChangeLog, LogRead, PassageChange } from '../change-log.js';
import { asUnavailable, isUnreachable, type Connection, type Queryable } from './connection.js';

/** The change log in PostgreSQL, and what writers do with it: record commits, and forget. */
export interface PostgresLog extends ChangeLog {
  /**
   * Starts a commit, first in its transaction: waits for the commits of other writers to end and
   * returns the generation this one will make.
   */
  begin(tx: Queryable): Promise<number>;
  /** Ends a commit in its transaction: moves to its generation and records its changes under it. */
  record(tx: Queryable, generation: number, removed: number[], added: number[]): Promise<void>;
  /** Notes a generation this process committed, so that its own readers see it at once. */
  committed(generation: number): void;
  /** Notes that a saved graph holds everything up to `generation` (as the SQLite log does). */
  saved(generation: number): Promise<void>;
  /** Stops listening. */
  close(): Promise<void>;
}

// Every commit notifies this channel with its generation.
const CHANNEL = 'newsq_commits';
// Waits between attempts to listen again after the listening connection broke.
const RELISTEN_MS = [250, 1_000, 2_000];
// The listening connection is asked for a sign of life this often, and counts as broken when it
// gives none this soon: a connection cut without a word (a network partition) would otherwise
// leave a replica trusting a generation that no longer moves.
const HEARTBEAT_MS = 5_000;
const HEARTBEAT_TIMEOUT_MS = 3_000;

const meta = async (tx: Queryable, key: string): Promise<number> => Number((await tx.rows<{ value: string }>('SELECT value FROM meta WHERE key = $1', [key]))[0].value);

/**
 * The `passage_log` table, as in the SQLite store. Commits from any number of processes are
 * serialised on the `generation` row, which each locks first: generations and passage ids then
 * grow in commit order, which readers rely on.
 *
 * Each commit notifies {@link CHANNEL}; while this process listens, it knows the newest generation
 * without asking, so a reader with nothing to catch up reads nothing. While it does not (the
 * connection broke; it listens again), every read asks the database: polling. While the database
 * cannot be reached, readers hear of no change and keep what they hold.
 */
export function openPostgresLog(db: Connection, url: string): PostgresLog {
  // The newest generation this process knows of; trusted without asking only while `listening`.
  let known: number | null = null;
  let listening = false;
  let listener: pg.Client | null = null;
  let closed = false;
  const learn = (generation: number) => {
    known = Math.max(known ?? generation, generation);
  };

  const listen = async (attempt = 0): Promise<void> => {
    if (closed || listener) return;
    const client = new pg.Client({ connectionString: url, keepAlive: true, application_name: 'newsq listener' });
    listener = client;
    let heartbeat: NodeJS.Timeout | undefined;
    const broken = () => {
      clearInterval(heartbeat);
      if (listener !== client) return;
      listening = false;
      listener = null;
      void client.end().catch(() => {});
      if (!closed) setTimeout(() => void listen(attempt + 1), RELISTEN_MS[Math.min(attempt, RELISTEN_MS.length - 1)]).unref();
    };
    client.on('error', broken);
    client.on('end', broken);
    client.on('notification', (message) => {
      if (message.channel === CHANNEL && message.payload) learn(Number(message.payload));
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
      // Commits before LISTEN took effect were not heard: read where they got to.
      learn(await meta({ rows: async (sql, params) => (await client.query(sql, params)).rows }, 'generation'));
      if (listener !== client) return;
      listening = true;
      heartbeat = setInterval(() => {
        const silent = setTimeout(broken, HEARTBEAT_TIMEOUT_MS).unref();
        client.query('SELECT 1').then(() => clearTimeout(silent), broken);
      }, HEARTBEAT_MS).unref();
    } catch {
      broken();
    }
  };

  /** `read` from the database; while it cannot be reached, what is known (no change), if anything is. */
  const orKnown = async <T>(read: () => Promise<T>, fallback: () => T): Promise<T> => {
    try {
      return await read();
    } catch (error) {
      if (known === null || !isUnreachable(error)) throw asUnavailable(error);
      return fallback();
    }
  };
  const since = async (tx: Queryable, from: number): Promise<PassageChange[] | null> => {
    if ((await meta(tx, 'passage_log_floor')) > from) return null;
    return tx.rows<PassageChange>('SELECT passage_id AS id, added FROM passage_log WHERE generation > $1 ORDER BY generation, seq', [from]);
  };

  return {
    async generation() {
      void listen();
      if (listening && known !== null) return known;
      return orKnown(async () => {
        const generation = await meta(db, 'generation');
        learn(generation);
        return generation;
      }, () => known!);
    },
    async read(from) {
      void listen();
      if (listening && known === from) return { generation: from, changes: [] };
      return orKnown(
        () =>
          db.transaction(async (tx): Promise<LogRead> => {
            const generation = await meta(tx, 'generation');
            learn(generation);
            return { generation, changes: await since(tx, from) };
          }, 'snapshot'),
        (): LogRead => ({ generation: from, changes: [] }),
      );
    },
    async count(from) {
      if (listening && known === from) return 0;
      return orKnown(
        () =>
          db.transaction(async (tx) => {
            if ((await meta(tx, 'passage_log_floor')) > from) return null;
            return (await tx.rows<{ n: number }>('SELECT COUNT(*) AS n FROM passage_log WHERE generation > $1', [from]))[0].n;
          }, 'snapshot'),
        () => 0,
      );
    },
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
      // Delivered to listeners when the transaction commits, and not at all if it rolls back.
      await tx.rows('SELECT pg_notify($1, $2)', [CHANNEL, String(generation)]);
    },
    committed: learn,
    saved: (generation) =>
      db.transaction(async (tx) => {
        const previous = Number((await tx.rows<{ value: string }>("SELECT value FROM meta WHERE key = 'passage_log_saved' FOR UPDATE"))[0].value);
        if (generation <= previous) return;
        await tx.rows('DELETE FROM passage_log WHERE generation <= $1', [previous]);
        await tx.rows("UPDATE meta SET value = $1 WHERE key = 'passage_log_floor'", [String(previous)]);
        await tx.rows("UPDATE meta SET value = $1 WHERE key = 'passage_log_saved'", [String(generation)]);
      }),
    async close() {
      closed = true;
      listening = false;
      const client = listener;
      listener = null;
      await client?.end().catch(() => {});
    },
  };
}
