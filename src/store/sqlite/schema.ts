import type Database from 'better-sqlite3';

/**
 * Creates the tables of an index database (indexes of other formats are refused by the manifest
 * before this runs). Every table is newsq's own:
 *
 * - `articles`, and `passages` with their vectors (float32), sentences, length in words and, in
 *   `terms`, what the passage holds of each term (its forward postings, packed);
 * - `terms` (the vocabulary) and `postings`: per term and commit, the passages holding it and how
 *   often, in their text and in their article's title (postings.ts): what BM25 reads;
 * - `passage_log`: what each commit added and removed, under its generation (`meta.generation`),
 *   back to the vector graph saved before the newest (`passage_log_floor`, `passage_log_saved`);
 * - `feeds`: each followed feed's state (`FeedState`, as JSON).
 *
 * All of a passage's rows are written and deleted in the same transaction.
 */
export function createSchema(db: Database.Database): void {
  db.exec(`
    CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS articles (
      id TEXT PRIMARY KEY, title TEXT, source TEXT, published TEXT, path TEXT, url TEXT,
      hash TEXT NOT NULL, origin TEXT, paragraphs TEXT NOT NULL, paragraph_count INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE IF NOT EXISTS passages (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
      paragraph INTEGER NOT NULL, window_index INTEGER NOT NULL, text TEXT NOT NULL, vector BLOB NOT NULL,
      sentences TEXT NOT NULL DEFAULT '[]', sentence_vectors BLOB,
      length INTEGER NOT NULL, terms BLOB NOT NULL
    );
    CREATE INDEX IF NOT EXISTS passages_by_article ON passages(article_id, paragraph);
    -- Every passage's length, read without reading the passages (what BM25 loads first).
    CREATE INDEX IF NOT EXISTS passage_lengths ON passages(id, length);
    CREATE INDEX IF NOT EXISTS articles_by_source ON articles(source COLLATE NOCASE);
    CREATE INDEX IF NOT EXISTS articles_by_date ON articles(published);
    CREATE INDEX IF NOT EXISTS articles_by_origin ON articles(origin);
    CREATE TABLE IF NOT EXISTS terms (id INTEGER PRIMARY KEY, term TEXT NOT NULL UNIQUE);
    CREATE TABLE IF NOT EXISTS postings (
      term_id INTEGER NOT NULL, segment INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (term_id, segment)
    ) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS passage_log (generation INTEGER NOT NULL, passage_id INTEGER NOT NULL, added INTEGER NOT NULL);
    CREATE INDEX IF NOT EXISTS passage_log_by_generation ON passage_log(generation);
    CREATE TABLE IF NOT EXISTS feeds (url TEXT PRIMARY KEY, state TEXT NOT NULL);
    INSERT OR IGNORE INTO meta (key, value) VALUES ('generation', '0'), ('passage_log_floor', '0'), ('passage_log_saved', '0'), ('postings_garbage', '0');
  `);
}
