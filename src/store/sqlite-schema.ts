import type Database from 'better-sqlite3';

/** How FTS5 splits and stems words, in the index and in questions alike. */
export const WORD_TOKENIZER = 'porter unicode61 remove_diacritics 2';

/**
 * Creates the tables of an index database (indexes of older formats are refused by the manifest
 * before this runs). Passages are
 * indexed twice: their vectors (in the HNSW graph, derived) and their words, in an FTS5 table with
 * Porter stemming that is written in the same transactions as the passages.
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
      sentences TEXT NOT NULL DEFAULT '[]', sentence_vectors BLOB
    );
    CREATE INDEX IF NOT EXISTS passages_by_article ON passages(article_id, paragraph);
    CREATE INDEX IF NOT EXISTS articles_by_source ON articles(source COLLATE NOCASE);
    CREATE INDEX IF NOT EXISTS articles_by_date ON articles(published);
    INSERT OR IGNORE INTO meta (key, value) VALUES ('generation', '0');
    -- Passages added and removed since the graph saved before the newest (passage-log.ts). An index
    -- made before the log starts it at its current generation: that generation's graph file holds
    -- the rest.
    CREATE TABLE IF NOT EXISTS passage_log (generation INTEGER NOT NULL, passage_id INTEGER NOT NULL, added INTEGER NOT NULL);
    CREATE INDEX IF NOT EXISTS passage_log_by_generation ON passage_log(generation);
    INSERT OR IGNORE INTO meta (key, value) SELECT 'passage_log_floor', value FROM meta WHERE key = 'generation';
    INSERT OR IGNORE INTO meta (key, value) SELECT 'passage_log_saved', value FROM meta WHERE key = 'generation';
  `);
  db.exec(`
    CREATE VIRTUAL TABLE IF NOT EXISTS passages_fts USING fts5(text, title, tokenize = '${WORD_TOKENIZER}');
    -- Deleting a passage deletes its words: the two can never disagree.
    CREATE TRIGGER IF NOT EXISTS passages_fts_delete AFTER DELETE ON passages BEGIN DELETE FROM passages_fts WHERE rowid = old.id; END;
  `);
}
