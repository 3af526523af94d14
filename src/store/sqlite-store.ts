import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { dot } from '../embed/embedder.js';
import type { Article } from '../ingest/article.js';
import { createSchema } from './sqlite-schema.js';
import { assertCompatible, readManifest, writeManifest, type IndexIdentity } from './manifest.js';
import { openFtsLexical } from './fts-lexical.js';
import { createReadCache, readThrough } from './read-cache.js';
import { queryTerms } from './lexical-query.js';
import { packInt8, unpackInt8 } from './vector-codec.js';
import type { ArticleSummary, ArticleVersion, ArticleWrite, PassageFilter, PassageSentences, Store, StoredArticle, StoredPassage, StoreStats } from './store.js';
import { acquireWriteLock, type WriteLock } from './write-lock.js';
import { openGraphSync } from './graph-sync.js';
import { openPassageLog } from './passage-log.js';
import type { HnswSettings, VectorHit } from './vector-index.js';

const DATABASE_FILE = 'newsq.sqlite';

export interface SqliteStoreOptions {
  dir: string;
  /** What the index must have been built with; null to open whatever is there (inspection). */
  identity: IndexIdentity | null;
  hnsw: HnswSettings;
  /**
   * Writers create the index when the folder holds none and save the vector graph; readers
   * return null for a missing index and never write a file.
   */
  writable: boolean;
  /** Discard the folder's index and start empty (`--rebuild`). */
  reset?: boolean;
  /** Weight of title words against passage words in BM25. */
  titleWeight?: number;
  /** Told about slow repairs, such as rebuilding the HNSW graph. */
  onNotice?: (message: string) => void;
  /** A writer whose caller runs {@link Store.checkpoint} after its writes (see graph-sync.ts). */
  checkpointed?: boolean;
}

type FilterParams = { source: string | null; from: string | null; to: string | null };
const FILTER_SQL = `(@source IS NULL OR a.source = @source COLLATE NOCASE)
  AND (@from IS NULL OR a.published >= @from) AND (@to IS NULL OR a.published <= @to)`;
const EXACT_SEARCH_LIMIT = 20_000;
/** How much a title word counts against a passage word in BM25 (chosen by `newsq eval`). */
const DEFAULT_TITLE_WEIGHT = 0.5;

function isFiltering(filter: PassageFilter | undefined): filter is PassageFilter {
  return Boolean(filter && (filter.source || filter.from || filter.to));
}

function filterParams(filter: PassageFilter | undefined): FilterParams {
  return { source: filter?.source ?? null, from: filter?.from ?? null, to: filter?.to ?? null };
}

type ArticleRow = ArticleSummary;

/**
 * The default store: SQLite (WAL) holds articles, passages and vectors and is the source of
 * truth; the HNSW graph is derived from it (graph-sync.ts), and every write logs the passages it
 * added and removed (passage-log.ts), which readers follow.
 */
export function openSqliteStore(options: SqliteStoreOptions): Store | null {
  const lock = options.writable ? acquireWriteLock(options.dir, options.onNotice) : null;
  try {
    return openLocked(options, lock);
  } catch (error) {
    lock?.release();
    throw error;
  }
}

function openLocked(options: SqliteStoreOptions, lock: WriteLock | null): Store | null {
  const { dir, identity } = options;
  if (options.writable) removeLeftovers(dir);
  if (options.reset && options.writable) removeIndexFiles(dir);
  let manifest = readManifest(dir);
  if (!manifest) {
    if (!options.writable || !identity) {
      lock?.release();
      return null;
    }
    mkdirSync(dir, { recursive: true });
    manifest = writeManifest(dir, identity);
  }
  if (identity) assertCompatible(manifest, identity);
  const dimensions = manifest.dimensions;

  const db = new Database(join(dir, DATABASE_FILE));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  createSchema(db);

  const statements = {
    generation: db.prepare<[], { value: string }>("SELECT value FROM meta WHERE key = 'generation'"),
    bumpGeneration: db.prepare("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'generation'"),
    versionsOf: db.prepare<[string], { id: string } & ArticleVersion>('SELECT id, hash, origin, path FROM articles WHERE id IN (SELECT value FROM json_each(?))'),
    versionsFrom: db.prepare<[string], { id: string } & ArticleVersion>('SELECT id, hash, origin, path FROM articles WHERE origin IN (SELECT value FROM json_each(?))'),
    passageIdsOf: db.prepare<[string], { id: number }>('SELECT id FROM passages WHERE article_id = ?'),
    deleteArticle: db.prepare('DELETE FROM articles WHERE id = ?'),
    insertArticle: db.prepare(
      'INSERT INTO articles (id, title, source, published, path, url, hash, origin, paragraphs, paragraph_count) VALUES (@id, @title, @source, @published, @path, @url, @hash, @origin, @paragraphs, @paragraphCount)',
    ),
    insertPassage: db.prepare('INSERT INTO passages (article_id, paragraph, window_index, text, vector, sentences, sentence_vectors) VALUES (?, ?, ?, ?, ?, ?, ?)'),
    sentences: db.prepare<[string], { id: number; sentences: string; sentence_vectors: Buffer | null }>(
      'SELECT id, sentences, sentence_vectors FROM passages WHERE id IN (SELECT value FROM json_each(?))',
    ),
    insertWords: db.prepare('INSERT INTO passages_fts (rowid, text, title) VALUES (?, ?, ?)'),
    article: db.prepare<[string], ArticleRow & { hash: string; paragraphs: string }>('SELECT * FROM articles WHERE id = ?'),
    passages: db.prepare<[string], PassageRow>(`
      SELECT p.id, p.paragraph, p.window_index, p.text, p.vector, a.paragraph_count AS article_paragraphs,
             a.id AS a_id, a.title AS a_title, a.source AS a_source, a.published AS a_published, a.path AS a_path, a.url AS a_url
      FROM passages p JOIN articles a ON a.id = p.article_id WHERE p.id IN (SELECT value FROM json_each(?))`),
    countArticles: db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM articles'),
    countPassages: db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM passages'),
    allVectors: db.prepare<[], { id: number; vector: Buffer }>('SELECT id, vector FROM passages'),
    vectorsOf: db.prepare<[string], { id: number; vector: Buffer }>('SELECT id, vector FROM passages WHERE id IN (SELECT value FROM json_each(?))'),
    filtered: db.prepare<[FilterParams], { id: number }>(`
      SELECT p.id FROM passages p JOIN articles a ON a.id = p.article_id WHERE ${FILTER_SQL}`),
  };
  const generation = () => Number(statements.generation.get()!.value);
  const countPassages = () => statements.countPassages.get()!.n;

  const log = openPassageLog(db);

  const readVectors = (ids: number[]): [number, Float32Array][] => statements.vectorsOf.all(JSON.stringify(ids)).map((row) => [row.id, toVector(row.vector)]);
  const graph = openGraphSync({
    db,
    dir,
    dimensions,
    hnsw: options.hnsw,
    writable: options.writable,
    checkpointed: options.checkpointed,
    log,
    generation,
    countPassages,
    vectorsOf: readVectors,
    allVectors: function* () {
      for (const row of statements.allVectors.iterate()) yield [row.id, toVector(row.vector)];
    },
    onNotice: options.onNotice,
  });

  const removeWithin = (id: string, removed: number[]): void => {
    for (const row of statements.passageIdsOf.all(id)) removed.push(row.id);
    statements.deleteArticle.run(id);
  };

  /** Commits a change, logging what it did to the graph, and brings the graph along (graph-sync.ts). */
  const commit = (change: (removed: number[], added: { id: number; vector: Float32Array }[]) => void): void => {
    graph.beforeWrite();
    const removed: number[] = [];
    const added: { id: number; vector: Float32Array }[] = [];
    let committed = 0;
    db.transaction(() => {
      change(removed, added);
      statements.bumpGeneration.run();
      committed = generation();
      log.record(
        committed,
        removed,
        added.map(({ id }) => id),
      );
    })();
    graph.afterWrite(committed, removed, added);
  };

  const readCache = createReadCache(generation, (since) => log.since(since));
  const words = openFtsLexical(db, {
    table: 'passages_fts',
    columnWeights: { text: 1, title: options.titleWeight ?? DEFAULT_TITLE_WEIGHT },
    generation,
    changesSince: (since) => log.since(since),
  });

  // A filtered question asks for the same passages twice (lexical, then nearest): the last
  // filter's passages are kept for its generation.
  let lastFilter: { key: string; generation: number; ids: Set<number> } | null = null;
  const allowedIds = (filter: PassageFilter | undefined): Set<number> | null => {
    if (!isFiltering(filter)) return null;
    const params = filterParams(filter);
    const key = JSON.stringify(params);
    const now = generation();
    if (lastFilter?.key !== key || lastFilter.generation !== now) {
      lastFilter = { key, generation: now, ids: new Set(statements.filtered.all(params).map((row) => row.id)) };
    }
    return lastFilter.ids;
  };
  const exactNearest = (vector: Float32Array, ids: number[], k: number): VectorHit[] => {
    const hits = statements.vectorsOf.all(JSON.stringify(ids)).map((row) => ({ id: row.id, score: dot(vector, toVector(row.vector)) }));
    return hits.sort((a, b) => b.score - a.score).slice(0, k);
  };

  return {
    manifest,
    articleVersions({ ids, origins }) {
      const rows = statements.versionsOf.all(JSON.stringify(ids));
      if (origins.length > 0) rows.push(...statements.versionsFrom.all(JSON.stringify(origins)));
      return new Map(rows.map(({ id, hash, origin, path }) => [id, { hash, origin, path }]));
    },
    writeArticles(writes: ArticleWrite[]) {
      if (writes.length === 0) return;
      commit((removed, added) => {
        for (const { article, hash, origin, passages } of writes) {
          removeWithin(article.id, removed);
          statements.insertArticle.run({ ...summaryOf(article), hash, origin, paragraphs: JSON.stringify(article.paragraphs), paragraphCount: article.paragraphs.length });
          for (const { draft, vector, sentenceVectors } of passages) {
            const spans = JSON.stringify(draft.sentences.map(({ start, end }) => [start, end]));
            const packed = sentenceVectors.length > 0 ? packInt8(sentenceVectors) : null;
            const result = statements.insertPassage.run(article.id, draft.paragraph, draft.window, draft.text, Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength), spans, packed);
            const id = Number(result.lastInsertRowid);
            statements.insertWords.run(id, draft.text, article.title);
            added.push({ id, vector });
          }
        }
      });
    },
    removeArticles(ids: string[]) {
      if (ids.length === 0) return;
      commit((removed) => ids.forEach((id) => removeWithin(id, removed)));
    },
    getArticle(id: string): StoredArticle | null {
      const row = statements.article.get(id);
      if (!row) return null;
      return { ...summaryOf(row), hash: row.hash, paragraphs: JSON.parse(row.paragraphs) as string[] };
    },
    nearest(vector, k, filter) {
      if (!options.writable) graph.follow();
      const allowed = allowedIds(filter);
      if (!allowed) return graph.get().search(vector, k);
      // A narrow filter leaves few passages: scoring them all is exact and cheaper than the graph.
      if (allowed.size <= EXACT_SEARCH_LIMIT) return exactNearest(vector, [...allowed], k);
      return graph.get().search(vector, k, { filter: (id) => allowed.has(id) });
    },
    lexical(question, k, filter) {
      return words.search(queryTerms(question), k, allowedIds(filter));
    },

    sentences(ids: number[]) {
      return readThrough(readCache().sentences, ids, (missing) =>
        statements.sentences.all(JSON.stringify(missing)).map((row): [number, PassageSentences] => {
          const spans = (JSON.parse(row.sentences) as [number, number][]).map(([start, end]) => ({ start, end }));
          return [row.id, { spans, vectors: row.sentence_vectors ? unpackInt8(row.sentence_vectors, dimensions) : [] }];
        }),
      );
    },
    vectors(ids: number[]) {
      return readThrough(readCache().vectors, ids, readVectors);
    },
    passages(ids: number[]): StoredPassage[] {
      const found = readThrough(readCache().passages, ids, (missing) =>
        statements.passages.all(JSON.stringify(missing)).map((row): [number, StoredPassage] => {
          const article: ArticleSummary = { id: row.a_id, title: row.a_title, source: row.a_source, published: row.a_published, path: row.a_path, url: row.a_url };
          return [row.id, { id: row.id, paragraph: row.paragraph, window: row.window_index, text: row.text, vector: toVector(row.vector), article, articleParagraphs: row.article_paragraphs }];
        }),
      );
      return ids.flatMap((id) => found.get(id) ?? []);
    },
    stats(): StoreStats {
      const bytes = readdirSync(dir).reduce((sum, file) => sum + statSync(join(dir, file)).size, 0);
      return { articles: statements.countArticles.get()!.n, passages: countPassages(), bytes };
    },
    prepare() {
      graph.get();
      words.prepare();
    },
    flush: graph.flush,
    checkpoint: graph.checkpoint,
    close() {
      try {
        graph.close();
        db.close();
      } finally {
        lock?.release();
      }
    },
  };
}

/** Temporary files of a writer that was killed mid-write: only the lock holder may remove them. */
function removeLeftovers(dir: string): void {
  if (!existsSync(dir)) return;
  for (const file of readdirSync(dir)) if (/\.tmp-\d+$/.test(file)) rmSync(join(dir, file), { force: true });
}

function removeIndexFiles(dir: string): void {
  if (!existsSync(dir)) return;
  for (const file of readdirSync(dir)) {
    if (file === 'manifest.json' || file.startsWith(DATABASE_FILE) || file.startsWith('vectors-')) rmSync(join(dir, file), { force: true });
  }
}

type PassageRow = { id: number; paragraph: number; window_index: number; text: string; vector: Buffer; article_paragraphs: number } & {
  [K in keyof ArticleRow as `a_${K}`]: ArticleRow[K];
};

function summaryOf(article: ArticleSummary | Article): ArticleSummary {
  const { id, title, source, published, path, url } = article;
  return { id, title, source, published, path, url };
}

function toVector(blob: Buffer): Float32Array {
  // Copy: the blob's buffer may be shared and unaligned.
  return new Float32Array(blob.buffer.slice(blob.byteOffset, blob.byteOffset + blob.byteLength));
}
