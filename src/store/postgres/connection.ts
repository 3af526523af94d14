import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { NewsqError } from '../../errors.js';

/** What the store asks of a connection: one query, or several in one transaction. */
export interface Queryable {
  rows<T>(sql: string, params?: unknown[]): Promise<T[]>;
}

export interface Connection extends Queryable {
  /** Runs `work` in one transaction: a write, or (`snapshot`) reads that see one moment. */
  transaction<T>(work: (tx: Queryable) => Promise<T>, mode?: 'write' | 'snapshot'): Promise<T>;
  /** A client of its own, for what must stay on one session (schema changes). */
  client(): Promise<pg.PoolClient>;
  close(): Promise<void>;
}

// BIGINT and COUNT(*) come back as numbers: ids and generations stay far below 2^53.
const types = {
  getTypeParser: (oid: number, format?: 'text' | 'binary') => (oid === pg.types.builtins.INT8 ? Number : pg.types.getTypeParser(oid, format)),
};

// How long a connection attempt may take before the database counts as unreachable.
const CONNECT_TIMEOUT_MS = 5_000;
const NETWORK_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

/**
 * Whether `error` says the database cannot be reached for now (down, restarting, the network
 * broken) rather than that a statement failed: worth retrying, and a 503 to a client.
 */
export function isUnreachable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: string }).code ?? '';
  // SQLSTATE class 08, connection exceptions; 57P01-57P03, the server shutting down or starting.
  if (NETWORK_ERRORS.has(code) || code.startsWith('08') || /^57P0[123]$/.test(code)) return true;
  return /^Connection terminated|connection error|timeout exceeded when trying to connect|not queryable/i.test(error.message);
}

/**
 * Runs `operation`, again after a growing pause (250 ms to 4 s) while the database cannot be
 * reached, for up to `retryMs`; `onNotice` hears of each pause. Any other failure ends it.
 */
export async function retryWhileUnreachable<T>(what: string, operation: () => Promise<T>, retryMs: number, onNotice?: (message: string) => void): Promise<T> {
  const deadline = Date.now() + retryMs;
  for (let wait = 250; ; wait = Math.min(wait * 2, 4_000)) {
    try {
      return await operation();
    } catch (error) {
      if (!isUnreachable(error) || Date.now() + wait > deadline) throw error;
      onNotice?.(`PostgreSQL cannot be reached (${(error as Error).message}); ${what} again in ${wait} ms`);
      await sleep(wait);
    }
  }
}

/** `error` as the user meets it: `unavailable` when the database cannot be reached, else as it is. */
export function asUnavailable(error: unknown): unknown {
  return isUnreachable(error) ? new NewsqError('unavailable', `the PostgreSQL database cannot be reached: ${(error as Error).message}`, { cause: error }) : error;
}

/** A pool of connections to the database at `url`. */
export function connect(url: string): Connection {
  const pool = new pg.Pool({ connectionString: url, max: 4, types, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, keepAlive: true } as pg.PoolConfig);
  // An idle connection that breaks (a server restart) is dropped by the pool; a query on it fails
  // instead. A connection lent out that breaks between two queries of a transaction reports it to
  // the next query: the event alone, unheard, would end the process.
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
  const on = (client: pg.Pool | pg.PoolClient): Queryable => ({
    rows: async <T>(sql: string, params?: unknown[]) => (await client.query(sql, params)).rows as T[],
  });
  return {
    ...on(pool),
    async transaction(work, mode = 'write') {
      const client = await pool.connect();
      // A connection whose rollback failed is broken: the pool drops it rather than lend it again.
      let broken = false;
      try {
        await client.query(mode === 'snapshot' ? 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY' : 'BEGIN');
        const result = await work(on(client));
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => (broken = true));
        throw error;
      } finally {
        client.release(broken);
      }
    },
    client: () => pool.connect(),
    close: () => pool.end(),
  };
}
