import type Database from 'better-sqlite3';
import type { StoredPostings } from '../lexical/lexical-index.js';
import type { ArticleSummary, ArticleVersion, ArticleWrite, FeedState, PassageFilter, PassageSentences, StoredArticle, StoredPassage } from '../store.js';
import { addPosting, packInt8, packTerms, unpackInt8, unpackTerms, type PostingsBatch, type TermRow } from '../codecs.js';
import { openPostings } from './postings.js';
import type { SqliteLog } from './sqlite-log.js';

const FILTER_SQL = `(@source IS NULL OR a.source = @source COLLATE NOCASE)
  AND (@from IS NULL OR a.published >= @from) AND (@to IS NULL OR a.published <= @to)`;

type PassageRow = { id: number; paragraph: number; window_index: number; text: string; vector: Buffer; article_paragraphs: number } & {
  [K in keyof ArticleSummary as `a_${K}`]: ArticleSummary[K];
};

/** The index's tables: every read and write newsq makes of them, synchronous, in SQL. */
export type Tables = ReturnType<typeof openTables>;

export function openTables(db: Database.Database, log: SqliteLog, dimensions: number) {
  const json = (values: unknown[]) => JSON.stringify(values);
  const statements = {
    versionsOf: db.prepare<[string], { id: string } & ArticleVersion>('SELECT id, hash, origin, path FROM articles WHERE id IN (SELECT value FROM json_each(?))'),
    versionsFrom: db.prepare<[string], { id: string } & ArticleVersion>('SELECT id, hash, origin, path FROM articles WHERE origin IN (SELECT value FROM json_each(?))'),
    passagesOfArticle: db.prepare<[string], { id: number }>('SELECT id FROM passages WHERE article_id = ?'),
    deleteArticle: db.prepare('DELETE FROM articles WHERE id = ?'),
    insertArticle: db.prepare(
      'INSERT INTO articles (id, title, source, published, path, url, hash, origin, paragraphs, paragraph_count) VALUES (@id, @title, @source, @published, @path, @url, @hash, @origin, @paragraphs, @paragraphCount)',
    ),
    insertPassage: db.prepare('INSERT INTO passages (article_id, paragraph, window_index, text, vector, sentences, sentence_vectors, length, terms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)'),
    termId: db.prepare<[string], { id: number }>('SELECT id FROM terms WHERE term = ?'),
    insertTerm: db.prepare('INSERT INTO terms (term) VALUES (?)'),
    termsById: db.prepare<[string], { id: number; term: string }>('SELECT id, term FROM terms WHERE id IN (SELECT value FROM json_each(?))'),
    article: db.prepare<[string], ArticleSummary & { hash: string; paragraphs: string }>('SELECT * FROM articles WHERE id = ?'),
    passages: db.prepare<[string], PassageRow>(`
      SELECT p.id, p.paragraph, p.window_index, p.text, p.vector, a.paragraph_count AS article_paragraphs,
             a.id AS a_id, a.title AS a_title, a.source AS a_source, a.published AS a_published, a.path AS a_path, a.url AS a_url
      FROM passages p JOIN articles a ON a.id = p.article_id WHERE p.id IN (SELECT value FROM json_each(?))`),
    passageArticles: db.prepare<[string], ArticleSummary & { passage_id: number }>(
      'SELECT p.id AS passage_id, a.id, a.title, a.source, a.published, a.path, a.url FROM passages p JOIN articles a ON a.id = p.article_id WHERE p.id IN (SELECT value FROM json_each(?))',
    ),
    sentences: db.prepare<[string], { id: number; sentences: string; sentence_vectors: Buffer | null }>(
      'SELECT id, sentences, sentence_vectors FROM passages WHERE id IN (SELECT value FROM json_each(?))',
    ),
    vectorsOf: db.prepare<[string], { id: number; vector: Buffer }>('SELECT id, vector FROM passages WHERE id IN (SELECT value FROM json_each(?))'),
    allVectors: db.prepare<[], { id: number; vector: Buffer }>('SELECT id, vector FROM passages'),
    countArticles: db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM articles'),
    countPassages: db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM passages'),
    lengths: db.prepare<[], [number, number]>('SELECT id, length FROM passages ORDER BY id').raw(),
    lengthsOf: db.prepare<[string], [number, number]>('SELECT id, length FROM passages WHERE id IN (SELECT value FROM json_each(?)) ORDER BY id').raw(),
    termsOf: db.prepare<[string], { id: number; terms: Buffer }>('SELECT id, terms FROM passages WHERE id IN (SELECT value FROM json_each(?)) ORDER BY id'),
    feedState: db.prepare<[string], { state: string }>('SELECT state FROM feeds WHERE url = ?'),
    saveFeedState: db.prepare<[string, string]>('INSERT INTO feeds (url, state) VALUES (?, ?) ON CONFLICT (url) DO UPDATE SET state = excluded.state'),
    filtered: db.prepare<[{ source: string | null; from: string | null; to: string | null }], { id: number }>(
      `SELECT p.id FROM passages p JOIN articles a ON a.id = p.article_id WHERE ${FILTER_SQL}`,
    ),
  };

  const words = openPostings(db);
  // The vocabulary's ids, as a writer has met them.
  const termIds = new Map<string, number>();
  const termIdOf = (term: string): number => {
    let id = termIds.get(term) ?? statements.termId.get(term)?.id;
    id ??= Number(statements.insertTerm.run(term).lastInsertRowid);
    termIds.set(term, id);
    return id;
  };
  const removeArticle = (id: string, removed: number[]): void => {
    for (const passage of statements.passagesOfArticle.all(id)) removed.push(passage.id);
    statements.deleteArticle.run(id);
  };
  const insertArticle = ({ article, hash, origin, passages }: ArticleWrite, added: number[], postings: PostingsBatch): void => {
    const { id, title, source, published, path, url } = article;
    statements.insertArticle.run({ id, title, source, published, path, url, hash, origin, paragraphs: json(article.paragraphs), paragraphCount: article.paragraphs.length });
    for (const { draft, vector, sentenceVectors, terms } of passages) {
      const rows: TermRow[] = terms.terms.map(({ term, inText, inTitle }) => [termIdOf(term), inText, inTitle]);
      const spans = json(draft.sentences.map(({ start, end }) => [start, end]));
      const sentences = sentenceVectors.length > 0 ? packInt8(sentenceVectors) : null;
      const blob = Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength);
      const passageId = Number(statements.insertPassage.run(id, draft.paragraph, draft.window, draft.text, blob, spans, sentences, terms.length, packTerms(rows)).lastInsertRowid);
      for (const [termId, inText, inTitle] of rows) addPosting(postings, termId, passageId, inText, inTitle);
      added.push(passageId);
    }
  };

  /** Commits a change in one transaction with its log entry. */
  const commit = (change: (removed: number[], added: number[], postings: PostingsBatch) => void): void => {
    try {
      db.transaction(() => {
        const removed: number[] = [];
        const added: number[] = [];
        const postings: PostingsBatch = new Map();
        change(removed, added, postings);
        const generation = log.record(removed, added);
        words.write(postings, generation);
        words.removed(removed.length);
      })();
    } catch (error) {
      // Terms met in a transaction that rolled back were never stored.
      termIds.clear();
      throw error;
    }
  };

  const vectorsOf = (ids: number[]): Map<number, Float32Array> => new Map(statements.vectorsOf.all(json(ids)).map((row) => [row.id, toVector(row.vector)]));

  return {
    versions(ids: string[], origins: string[]): Map<string, ArticleVersion> {
      const rows = statements.versionsOf.all(json(ids));
      if (origins.length > 0) rows.push(...statements.versionsFrom.all(json(origins)));
      return new Map(rows.map(({ id, hash, origin, path }) => [id, { hash, origin, path }]));
    },
    write: (writes: ArticleWrite[]) =>
      commit((removed, added, postings) => {
        for (const write of writes) {
          removeArticle(write.article.id, removed);
          insertArticle(write, added, postings);
        }
      }),
    remove: (ids: string[]) => commit((removed) => ids.forEach((id) => removeArticle(id, removed))),
    feedState(url: string): FeedState | null {
      const row = statements.feedState.get(url);
      return row ? { ...(JSON.parse(row.state) as Omit<FeedState, 'url'>), url } : null;
    },
    saveFeedState({ url, ...state }: FeedState): void {
      statements.saveFeedState.run(url, JSON.stringify(state));
    },
    article(id: string): StoredArticle | null {
      const row = statements.article.get(id);
      if (!row) return null;
      const { title, source, published, path, url, hash } = row;
      return { id, title, source, published, path, url, hash, paragraphs: JSON.parse(row.paragraphs) as string[] };
    },
    passages: (ids: number[]): [number, StoredPassage][] =>
      statements.passages.all(json(ids)).map((row) => {
        const article: ArticleSummary = { id: row.a_id, title: row.a_title, source: row.a_source, published: row.a_published, path: row.a_path, url: row.a_url };
        return [row.id, { id: row.id, paragraph: row.paragraph, window: row.window_index, text: row.text, vector: toVector(row.vector), article, articleParagraphs: row.article_paragraphs }];
      }),
    passageArticles: (ids: number[]): [number, ArticleSummary][] =>
      statements.passageArticles.all(json(ids)).map(({ passage_id, id, title, source, published, path, url }) => [passage_id, { id, title, source, published, path, url }]),
    sentences: (ids: number[]): [number, PassageSentences][] =>
      statements.sentences.all(json(ids)).map((row) => {
        const spans = (JSON.parse(row.sentences) as [number, number][]).map(([start, end]) => ({ start, end }));
        return [row.id, { spans, vectors: row.sentence_vectors ? unpackInt8(row.sentence_vectors, dimensions) : [] }];
      }),
    vectorsOf,
    *allVectors(): Generator<[number, Float32Array]> {
      for (const row of statements.allVectors.iterate()) yield [row.id, toVector(row.vector)];
    },
    filtered: (filter: PassageFilter): Set<number> =>
      new Set(statements.filtered.all({ source: filter.source ?? null, from: filter.from ?? null, to: filter.to ?? null }).map((row) => row.id)),
    articleCount: () => statements.countArticles.get()!.n,
    passageCount: () => statements.countPassages.get()!.n,
    lengths: () => statements.lengths.all(),
    lengthsOf: (ids: number[]) => statements.lengthsOf.all(json(ids)),
    postings: (term: string): StoredPostings => words.read(term),
    compactPostings: () => words.compact(),
    /** The postings the given passages add, by term (ids ascending within each). */
    postingsOf(ids: number[]): Map<string, StoredPostings> {
      const passages = statements.termsOf.all(json(ids)).map(({ id, terms }) => ({ id, rows: unpackTerms(terms) }));
      const names = new Map(statements.termsById.all(json([...new Set(passages.flatMap(({ rows }) => rows.map(([termId]) => termId)))])).map((row) => [row.id, row.term]));
      const byTerm = new Map<string, { ids: number[]; inText: number[]; inTitle: number[] }>();
      for (const { id, rows } of passages) {
        for (const [termId, inText, inTitle] of rows) {
          const term = names.get(termId)!;
          const postings = byTerm.get(term) ?? byTerm.set(term, { ids: [], inText: [], inTitle: [] }).get(term)!;
          postings.ids.push(id);
          postings.inText.push(inText);
          postings.inTitle.push(inTitle);
        }
      }
      return byTerm;
    },
  };
}

function toVector(blob: Buffer): Float32Array {
  // Copy: the blob's buffer may be shared and unaligned.
  return new Float32Array(blob.buffer.slice(blob.byteOffset, blob.byteOffset + blob.byteLength));
}
