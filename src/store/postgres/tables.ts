import { addPosting, decodeSegmentInto, encodeSegment, packInt8, packTerms, unpackInt8, unpackTerms, type PostingsBatch } from '../codecs.js';
import type { StoredPostings } from '../lexical/lexical-index.js';
import type { ArticleSummary, ArticleVersion, ArticleWrite, FeedState, PassageFilter, PassageSentences, StoredArticle, StoredPassage } from '../store.js';
import type { Connection, Queryable } from './connection.js';
import type { PostgresLog } from './log.js';
import { finishClaimed } from './work-queue.js';

// Passages removed since the postings were last compacted, past which (and past a share of the
// passages there are) a writer compacts them, as the SQLite store does.
const COMPACT_AFTER = 1000;
const COMPACT_SHARE = 0.25;
// Rows read or written at a time in the passes over a whole table (a graph rebuilt, postings compacted).
const PAGE = 5_000;

const FILTER_SQL = `($1::text IS NULL OR lower(a.source) = lower($1)) AND ($2::text IS NULL OR a.published >= $2) AND ($3::text IS NULL OR a.published <= $3)`;

type PassageRow = { id: number; paragraph: number; window_index: number; text: string; vector: Buffer; article_paragraphs: number } & {
  [K in keyof ArticleSummary as `a_${K}`]: ArticleSummary[K];
};

type SentenceRow = { id: number; sentences: [number, number][]; sentence_vectors: Buffer | null };

export type PostgresTables = ReturnType<typeof openPostgresTables>;

/** The index's tables in PostgreSQL: every read and write newsq makes of them. */
export function openPostgresTables(db: Connection, log: PostgresLog, dimensions: number) {
  const toSentences = (row: SentenceRow): PassageSentences => ({
    spans: row.sentences.map(([start, end]) => ({ start, end })),
    vectors: row.sentence_vectors ? unpackInt8(row.sentence_vectors, dimensions) : [],
  });
  // The vocabulary's ids, as this process has met them committed.
  const termIds = new Map<string, number>();

  const idsOfTerms = async (tx: Queryable, terms: string[]): Promise<Map<string, number>> => {
    const missing = [...new Set(terms.filter((term) => !termIds.has(term)))];
    if (missing.length > 0) {
      await tx.rows('INSERT INTO terms (term) SELECT unnest($1::text[]) ON CONFLICT (term) DO NOTHING', [missing]);
      for (const { id, term } of await tx.rows<{ id: number; term: string }>('SELECT id, term FROM terms WHERE term = ANY($1::text[])', [missing])) termIds.set(term, id);
    }
    return termIds;
  };

  const removeArticles = async (tx: Queryable, ids: string[]): Promise<number[]> => {
    if (ids.length === 0) return [];
    const rows = await tx.rows<{ id: number }>('SELECT id FROM passages WHERE article_id = ANY($1::text[]) ORDER BY id', [ids]);
    await tx.rows('DELETE FROM articles WHERE id = ANY($1::text[])', [ids]);
    return rows.map((row) => row.id);
  };

  const insertArticles = async (tx: Queryable, writes: ArticleWrite[], segment: number): Promise<number[]> => {
    const articles = writes.map((write) => write.article);
    await tx.rows(
      `INSERT INTO articles (id, title, source, published, path, url, hash, origin, paragraphs, paragraph_count)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::jsonb[], $10::int[])`,
      [
        articles.map((a) => a.id),
        articles.map((a) => a.title),
        articles.map((a) => a.source),
        articles.map((a) => a.published),
        articles.map((a) => a.path),
        articles.map((a) => a.url),
        writes.map((w) => w.hash),
        writes.map((w) => w.origin),
        articles.map((a) => JSON.stringify(a.paragraphs)),
        articles.map((a) => a.paragraphs.length),
      ],
    );
    const passages = writes.flatMap((write) => write.passages.map((passage) => ({ articleId: write.article.id, ...passage })));
    if (passages.length === 0) return [];
    // Ids drawn after the commit lock: they grow in commit order.
    const ids = (await tx.rows<{ id: number }>('SELECT nextval(\'passage_ids\') AS id FROM generate_series(1, $1)', [passages.length])).map((row) => row.id);
    const known = await idsOfTerms(tx, passages.flatMap((passage) => passage.terms.terms.map((term) => term.term)));
    const batch: PostingsBatch = new Map();
    const termBlobs = passages.map((passage, i) => {
      const rows = passage.terms.terms.map(({ term, inText, inTitle }): [number, number, number] => [known.get(term)!, inText, inTitle]);
      for (const [termId, inText, inTitle] of rows) addPosting(batch, termId, ids[i], inText, inTitle);
      return packTerms(rows);
    });
    await tx.rows(
      `INSERT INTO passages (id, article_id, paragraph, window_index, text, vector, sentences, sentence_vectors, length, terms)
       SELECT * FROM unnest($1::bigint[], $2::text[], $3::int[], $4::int[], $5::text[], $6::bytea[], $7::jsonb[], $8::bytea[], $9::int[], $10::bytea[])`,
      [
        ids,
        passages.map((p) => p.articleId),
        passages.map((p) => p.draft.paragraph),
        passages.map((p) => p.draft.window),
        passages.map((p) => p.draft.text),
        passages.map((p) => Buffer.from(p.vector.buffer, p.vector.byteOffset, p.vector.byteLength)),
        passages.map((p) => JSON.stringify(p.draft.sentences.map(({ start, end }) => [start, end]))),
        passages.map((p) => (p.sentenceVectors.length > 0 ? packInt8(p.sentenceVectors) : null)),
        passages.map((p) => p.terms.length),
        termBlobs,
      ],
    );
    const terms = [...batch.keys()].sort((a, b) => a - b);
    await tx.rows('INSERT INTO postings (term_id, segment, data) SELECT term, $2, data FROM unnest($1::int[], $3::bytea[]) AS t (term, data)', [
      terms,
      segment,
      terms.map((term) => encodeSegment(batch.get(term)!)),
    ]);
    return ids;
  };

  /** One commit: removals and additions, the log and the generation, in one transaction. */
  const commit = async (change: (tx: Queryable, generation: number) => Promise<{ removed: number[]; added: number[] }>): Promise<void> => {
    try {
      const generation = await db.transaction(async (tx) => {
        const generation = await log.begin(tx);
        const { removed, added } = await change(tx, generation);
        await log.record(tx, generation, removed, added);
        if (removed.length > 0) await tx.rows("UPDATE meta SET value = (value::bigint + $1)::text WHERE key = 'postings_garbage'", [removed.length]);
        return generation;
      });
      log.committed(generation);
    } catch (error) {
      // Terms met in a transaction that rolled back may not be stored.
      termIds.clear();
      throw error;
    }
  };

  const vectorsOf = async (ids: number[]): Promise<Map<number, Float32Array>> =>
    new Map((await db.rows<{ id: number; vector: Buffer }>('SELECT id, vector FROM passages WHERE id = ANY($1::bigint[])', [ids])).map((row) => [row.id, toVector(row.vector)]));

  return {
    async versions(ids: string[], origins: string[]): Promise<Map<string, ArticleVersion>> {
      const rows = await db.rows<{ id: string } & ArticleVersion>('SELECT id, hash, origin, path FROM articles WHERE id = ANY($1::text[]) OR origin = ANY($2::text[])', [ids, origins]);
      return new Map(rows.map(({ id, hash, origin, path }) => [id, { hash, origin, path }]));
    },
    write: (writes: ArticleWrite[]) =>
      commit(async (tx, generation) => {
        const removed = await removeArticles(tx, writes.map((write) => write.article.id));
        const added = await insertArticles(tx, writes, generation);
        return { removed, added };
      }),
    /** Writes those of a claimed batch that `holder` still holds (work-queue.ts); returns their ids. */
    async writeClaimed(writes: ArticleWrite[], holder: string): Promise<string[]> {
      let held = new Set<string>();
      await commit(async (tx, generation) => {
        held = await finishClaimed(tx, writes.map((write) => write.article.id), holder);
        const kept = writes.filter((write) => held.has(write.article.id));
        const removed = await removeArticles(tx, kept.map((write) => write.article.id));
        return { removed, added: await insertArticles(tx, kept, generation) };
      });
      return [...held];
    },
    remove: (ids: string[]) => commit(async (tx) => ({ removed: await removeArticles(tx, ids), added: [] })),
    async feedState(url: string): Promise<FeedState | null> {
      const [row] = await db.rows<{ state: Omit<FeedState, 'url'> }>('SELECT state FROM feeds WHERE url = $1', [url]);
      return row ? { ...row.state, url } : null;
    },
    async saveFeedState({ url, ...state }: FeedState): Promise<void> {
      await db.rows('INSERT INTO feeds (url, state) VALUES ($1, $2) ON CONFLICT (url) DO UPDATE SET state = excluded.state', [url, JSON.stringify(state)]);
    },
    async article(id: string): Promise<StoredArticle | null> {
      const [row] = await db.rows<ArticleSummary & { hash: string; paragraphs: string[] }>('SELECT id, title, source, published, path, url, hash, paragraphs FROM articles WHERE id = $1', [id]);
      return row ? { id, title: row.title, source: row.source, published: row.published, path: row.path, url: row.url, hash: row.hash, paragraphs: row.paragraphs } : null;
    },
    /** The passages, each with its sentences: a replica reads those of the passages it shows in the same round trip. */
    async passages(ids: number[]): Promise<[number, StoredPassage, PassageSentences][]> {
      const rows = await db.rows<PassageRow & SentenceRow>(
        `SELECT p.id, p.paragraph, p.window_index, p.text, p.vector, p.sentences, p.sentence_vectors, a.paragraph_count AS article_paragraphs,
                a.id AS a_id, a.title AS a_title, a.source AS a_source, a.published AS a_published, a.path AS a_path, a.url AS a_url
         FROM passages p JOIN articles a ON a.id = p.article_id WHERE p.id = ANY($1::bigint[])`,
        [ids],
      );
      return rows.map((row) => {
        const article: ArticleSummary = { id: row.a_id, title: row.a_title, source: row.a_source, published: row.a_published, path: row.a_path, url: row.a_url };
        const passage: StoredPassage = { id: row.id, paragraph: row.paragraph, window: row.window_index, text: row.text, vector: toVector(row.vector), article, articleParagraphs: row.article_paragraphs };
        return [row.id, passage, toSentences(row)];
      });
    },
    async passageArticles(ids: number[]): Promise<[number, ArticleSummary][]> {
      const rows = await db.rows<ArticleSummary & { passage_id: number }>(
        'SELECT p.id AS passage_id, a.id, a.title, a.source, a.published, a.path, a.url FROM passages p JOIN articles a ON a.id = p.article_id WHERE p.id = ANY($1::bigint[])',
        [ids],
      );
      return rows.map(({ passage_id, id, title, source, published, path, url }) => [Number(passage_id), { id, title, source, published, path, url }]);
    },
    async sentences(ids: number[]): Promise<[number, PassageSentences][]> {
      const rows = await db.rows<SentenceRow>('SELECT id, sentences, sentence_vectors FROM passages WHERE id = ANY($1::bigint[])', [ids]);
      return rows.map((row) => [row.id, toSentences(row)]);
    },
    vectorsOf,
    /** Every stored vector with the generation they are at, read together, a page at a time. */
    everything: () =>
      db.transaction(async (tx) => {
        const generation = Number((await tx.rows<{ value: string }>("SELECT value FROM meta WHERE key = 'generation'"))[0].value);
        const vectors: [number, Float32Array][] = [];
        for (let after = 0; ; ) {
          const rows = await tx.rows<{ id: number; vector: Buffer }>('SELECT id, vector FROM passages WHERE id > $1 ORDER BY id LIMIT $2', [after, PAGE]);
          for (const row of rows) vectors.push([row.id, toVector(row.vector)]);
          if (rows.length < PAGE) break;
          after = rows[rows.length - 1].id;
        }
        return { generation, count: vectors.length, vectors };
      }, 'snapshot'),
    async filtered(filter: PassageFilter): Promise<Set<number>> {
      const rows = await db.rows<{ id: number }>(`SELECT p.id FROM passages p JOIN articles a ON a.id = p.article_id WHERE ${FILTER_SQL}`, [
        filter.source ?? null,
        filter.from ?? null,
        filter.to ?? null,
      ]);
      return new Set(rows.map((row) => row.id));
    },
    async counts(): Promise<{ articles: number; passages: number; bytes: number }> {
      const [row] = await db.rows<{ articles: number; passages: number; bytes: number }>(
        `SELECT (SELECT COUNT(*) FROM articles) AS articles, (SELECT COUNT(*) FROM passages) AS passages,
                (SELECT SUM(pg_total_relation_size(name::regclass)) FROM unnest(ARRAY['articles','passages','terms','postings','passage_log','graph_chunks']) AS name)::bigint AS bytes`,
      );
      return row;
    },
    lengths: () =>
      db.transaction(async (tx) => {
        const generation = Number((await tx.rows<{ value: string }>("SELECT value FROM meta WHERE key = 'generation'"))[0].value);
        const rows = await tx.rows<{ id: number; length: number }>('SELECT id, length FROM passages ORDER BY id');
        return { generation, rows: rows.map((row): [number, number] => [row.id, row.length]) };
      }, 'snapshot'),
    lengthsOf: async (ids: number[]): Promise<[number, number][]> =>
      (await db.rows<{ id: number; length: number }>('SELECT id, length FROM passages WHERE id = ANY($1::bigint[]) ORDER BY id', [ids])).map((row) => [row.id, row.length]),
    /** The postings of the given terms, in one query. */
    async postings(terms: string[]): Promise<Map<string, StoredPostings>> {
      const found = new Map<string, StoredPostings>();
      const rows = await db.rows<{ term: string; data: Buffer }>(
        'SELECT t.term, p.data FROM terms t JOIN postings p ON p.term_id = t.id WHERE t.term = ANY($1::text[]) ORDER BY p.term_id, p.segment',
        [terms],
      );
      for (const row of rows) {
        let postings = found.get(row.term);
        if (!postings) found.set(row.term, (postings = { ids: [], inText: [], inTitle: [] }));
        decodeSegmentInto(row.data, postings);
      }
      return found;
    },
    /** The postings the given passages add, by term (ids ascending within each). */
    async postingsOf(ids: number[]): Promise<Map<string, StoredPostings>> {
      const passages = (await db.rows<{ id: number; terms: Buffer }>('SELECT id, terms FROM passages WHERE id = ANY($1::bigint[]) ORDER BY id', [ids])).map(({ id, terms }) => ({
        id,
        rows: unpackTerms(terms),
      }));
      const termIdList = [...new Set(passages.flatMap(({ rows }) => rows.map(([termId]) => termId)))];
      const names = new Map((await db.rows<{ id: number; term: string }>('SELECT id, term FROM terms WHERE id = ANY($1::int[])', [termIdList])).map((row) => [row.id, row.term]));
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
    /** Rewrites each term's postings as one segment of existing passages, when enough were removed. */
    compactPostings: () =>
      db.transaction(async (tx) => {
        const [{ value }] = await tx.rows<{ value: string }>("SELECT value FROM meta WHERE key = 'postings_garbage' FOR UPDATE");
        if (Number(value) < COMPACT_AFTER) return;
        const [{ n }] = await tx.rows<{ n: number }>('SELECT COUNT(*) AS n FROM passages');
        if (Number(value) < n * COMPACT_SHARE) return;
        await tx.rows(`LOCK TABLE postings IN EXCLUSIVE MODE`);
        const live = new Set((await tx.rows<{ id: number }>('SELECT id FROM passages')).map((row) => row.id));
        const merged = new Map<number, { segment: number; ids: number[]; inText: number[]; inTitle: number[] }>();
        for (const row of await tx.rows<{ term_id: number; segment: number; data: Buffer }>('SELECT term_id, segment, data FROM postings ORDER BY term_id, segment')) {
          const postings = merged.get(row.term_id) ?? merged.set(row.term_id, { segment: 0, ids: [], inText: [], inTitle: [] }).get(row.term_id)!;
          decodeSegmentInto(row.data, postings);
          postings.segment = row.segment;
        }
        await tx.rows('DELETE FROM postings');
        const rows = [...merged].flatMap(([term, postings]) => {
          const triples: number[] = [];
          postings.ids.forEach((id, i) => live.has(id) && triples.push(id, postings.inText[i], postings.inTitle[i]));
          return triples.length > 0 ? [{ term, segment: postings.segment, data: encodeSegment(triples) }] : [];
        });
        for (let first = 0; first < rows.length; first += PAGE) {
          const page = rows.slice(first, first + PAGE);
          await tx.rows('INSERT INTO postings (term_id, segment, data) SELECT * FROM unnest($1::int[], $2::bigint[], $3::bytea[])', [
            page.map((row) => row.term),
            page.map((row) => row.segment),
            page.map((row) => row.data),
          ]);
        }
        await tx.rows("UPDATE meta SET value = '0' WHERE key = 'postings_garbage'");
      }),
  };
}

function toVector(blob: Buffer): Float32Array {
  // Copy: the blob's buffer may be shared and unaligned.
  return new Float32Array(blob.buffer.slice(blob.byteOffset, blob.byteOffset + blob.byteLength));
}
