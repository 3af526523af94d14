import type { PoolClient } from 'pg';

/** The layout newsq's tables have; a database of a newer one is refused, an older one migrated. */
export const SCHEMA_VERSION = 3;

// Serialises schema changes between processes that start at once (any number: an advisory lock's key).
const SCHEMA_LOCK = 7_412_001;

/**
 * The tables of an index in PostgreSQL, all newsq's own (no extension): the same as the SQLite
 * store's (docs/architecture.md), and `graph_snapshots`/`graph_chunks` for the vector graph
 * saved where every replica can read it, in chunks (a `bytea` value holds at most 1 GB); from
 * schema 2, `embed_queue`, the articles indexing workers share out; from schema 3, `feeds`, the
 * state of each followed feed. Each entry migrates one version.
 */
const MIGRATIONS: string[] = [
  `
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE articles (
    id TEXT PRIMARY KEY, title TEXT, source TEXT, published TEXT, path TEXT, url TEXT,
    hash TEXT NOT NULL, origin TEXT, paragraphs JSONB NOT NULL, paragraph_count INTEGER NOT NULL
  );
  CREATE INDEX articles_by_source ON articles (lower(source));
  CREATE INDEX articles_by_date ON articles (published);
  CREATE INDEX articles_by_origin ON articles (origin);
  CREATE TABLE passages (
    id BIGINT PRIMARY KEY,
    article_id TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    paragraph INTEGER NOT NULL, window_index INTEGER NOT NULL, text TEXT NOT NULL, vector BYTEA NOT NULL,
    sentences JSONB NOT NULL, sentence_vectors BYTEA, length INTEGER NOT NULL, terms BYTEA NOT NULL
  );
  CREATE SEQUENCE passage_ids;
  CREATE INDEX passages_by_article ON passages (article_id, paragraph);
  CREATE INDEX passage_lengths ON passages (id) INCLUDE (length);
  CREATE TABLE terms (id SERIAL PRIMARY KEY, term TEXT NOT NULL UNIQUE);
  CREATE TABLE postings (term_id INTEGER NOT NULL, segment BIGINT NOT NULL, data BYTEA NOT NULL, PRIMARY KEY (term_id, segment));
  CREATE TABLE passage_log (generation BIGINT NOT NULL, passage_id BIGINT NOT NULL, added BOOLEAN NOT NULL, seq BIGSERIAL);
  CREATE INDEX passage_log_by_generation ON passage_log (generation, seq);
  CREATE TABLE graph_snapshots (generation BIGINT PRIMARY KEY, live INTEGER NOT NULL, bytes BIGINT NOT NULL);
  CREATE TABLE graph_chunks (generation BIGINT NOT NULL, chunk INTEGER NOT NULL, data BYTEA NOT NULL, PRIMARY KEY (generation, chunk));
  INSERT INTO meta (key, value) VALUES ('generation', '0'), ('passage_log_floor', '0'), ('passage_log_saved', '0'), ('postings_garbage', '0');
  `,
  // Embedding work shared between indexing workers (work-queue.ts); saved graphs stored as they
  // are (compressing them gains little and costs time on every load).
  `
  CREATE TABLE embed_queue (
    article_id TEXT PRIMARY KEY, origin TEXT NOT NULL, hash TEXT NOT NULL, prepared JSONB NOT NULL, passages INTEGER NOT NULL,
    seq BIGSERIAL, queued_at TIMESTAMPTZ NOT NULL DEFAULT now(), claimed_by TEXT, claimed_until TIMESTAMPTZ, done BOOLEAN NOT NULL DEFAULT false
  );
  CREATE INDEX embed_queue_waiting ON embed_queue (seq) WHERE NOT done;
  CREATE INDEX embed_queue_by_origin ON embed_queue (origin);
  ALTER TABLE graph_chunks ALTER COLUMN data SET STORAGE EXTERNAL;
  `,
  `CREATE TABLE feeds (url TEXT PRIMARY KEY, state JSONB NOT NULL);`,
];

const TABLES = ['feeds', 'embed_queue', 'graph_chunks', 'graph_snapshots', 'passage_log', 'postings', 'terms', 'passages', 'articles', 'meta'];

/**
 * Brings the database's tables to {@link SCHEMA_VERSION} in one transaction (creating them in an
 * empty database, dropping them first with `reset`), and returns the stored manifest, if any.
 * Returns null without creating anything when there are no tables and `create` is false.
 */
export async function migrate(client: PoolClient, options: { create: boolean; reset: boolean }): Promise<string | null | undefined> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [SCHEMA_LOCK]);
    if (options.reset) await client.query(`DROP TABLE IF EXISTS ${TABLES.join(', ')} CASCADE; DROP SEQUENCE IF EXISTS passage_ids`);
    const version = await schemaVersion(client);
    if (version === null && !options.create) {
      await client.query('ROLLBACK');
      return undefined;
    }
    if (version !== null && version > SCHEMA_VERSION) {
      throw new Error(`the database holds newsq tables of schema ${version}, newer than this newsq (${SCHEMA_VERSION}): upgrade newsq`);
    }
    for (let next = version ?? 0; next < SCHEMA_VERSION; next++) await client.query(MIGRATIONS[next]);
    await client.query("INSERT INTO meta (key, value) VALUES ('schema_version', $1) ON CONFLICT (key) DO UPDATE SET value = $1", [String(SCHEMA_VERSION)]);
    const manifest = await client.query<{ value: string }>("SELECT value FROM meta WHERE key = 'manifest'");
    await client.query('COMMIT');
    return manifest.rows[0]?.value ?? null;
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  }
}

async function schemaVersion(client: PoolClient): Promise<number | null> {
  const exists = await client.query("SELECT to_regclass('meta') IS NOT NULL AS present");
  if (!exists.rows[0].present) return null;
  const row = await client.query<{ value: string }>("SELECT value FROM meta WHERE key = 'schema_version'");
  return row.rows[0] ? Number(row.rows[0].value) : 0;
}
