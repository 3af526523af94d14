import type Database from 'better-sqlite3';

/**
 * Creates the tables of an index database, or brings an older one up to date. Passages are
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
      paragraph INTEGER NOT NULL, window_index INTEGER NOT NULL, text TEXT NOT NULL, vector BLOB NOT NULL
    );
    CREATE INDEX IF NOT EXISTS passages_by_article ON passages(article_id, paragraph);
    CREATE INDEX IF NOT EXISTS articles_by_source ON articles(source COLLATE NOCASE);
    CREATE INDEX IF NOT EXISTS articles_by_date ON articles(published);
    INSERT OR IGNORE INTO meta (key, value) VALUES ('generation', '0');
  `);
  const columns = db.prepare<[], { name: string }>('PRAGMA table_info(articles)').all();
  if (!columns.some((column) => column.name === 'paragraph_count')) {
    db.exec('ALTER TABLE articles ADD COLUMN paragraph_count INTEGER NOT NULL DEFAULT 0; UPDATE articles SET paragraph_count = json_array_length(paragraphs);');
  }
  const hasFts = db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'passages_fts'").get();
  if (!hasFts) {
    db.transaction(() => {
      db.exec(`CREATE VIRTUAL TABLE passages_fts USING fts5(text, title, tokenize = 'porter unicode61 remove_diacritics 2')`);
      db.exec('INSERT INTO passages_fts (rowid, text, title) SELECT p.id, p.text, a.title FROM passages p JOIN articles a ON a.id = p.article_id');
      // Deleting a passage deletes its words: the two can never disagree.
      db.exec('CREATE TRIGGER passages_fts_delete AFTER DELETE ON passages BEGIN DELETE FROM passages_fts WHERE rowid = old.id; END');
    })();
  }
}
