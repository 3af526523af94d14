import pg from 'pg';

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

/** A pool of connections to the database at `url`. */
export function connect(url: string): Connection {
  const pool = new pg.Pool({ connectionString: url, max: 4, types } as pg.PoolConfig);
  // An idle connection that breaks (a server restart) is dropped by the pool; a query on it fails instead.
  pool.on('error', () => {});
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
