import type Database from 'better-sqlite3';
import { LruCache } from '../lru-cache.js';
import { topBm25, type Bm25Collection, type Bm25Scratch, type TermPostings } from './bm25.js';
import { WORD_TOKENIZER } from './sqlite-schema.js';
import type { Hit } from './store.js';

// Postings kept in memory, counted in passages; past this the least recently used terms are
// dropped (about 8 bytes each: 160 MB).
const POSTINGS_LIMIT = 20_000_000;
// Question words remembered with their FTS5 terms.
const STEM_CACHE_SIZE = 50_000;

/** BM25 search over an FTS5 table's own index, scored in memory; see {@link openFtsLexical}. */
export interface FtsLexical {
  /** The `k` passages best matching any of the words, best first; `allowed` limits the passages. */
  search(words: string[], k: number, allowed: Set<number> | null): Hit[];
}

export interface FtsLexicalOptions {
  /** The FTS5 table, in the main schema. */
  table: string;
  /** BM25 weight of each column by name (FTS5's bm25() arguments). */
  columnWeights: Record<string, number>;
  /** The index's generation: it changes with every write, and the scores' statistics with it. */
  generation: () => number;
}

interface Snapshot {
  generation: number;
  /** Passage rowids, ascending: a passage's ordinal is its place here. */
  rowids: Int32Array;
  collection: Bm25Collection;
  scratch: Bm25Scratch;
  postings: LruCache<string, TermPostings>;
}

/**
 * Lexical search that reads FTS5's index (its terms, their rows and the rows' lengths) and
 * computes BM25 itself, with FTS5's formula and constants, so scores equal FTS5's bm25() for the
 * same terms. FTS5 scoring a query of common words walked and scored every matching row in SQL,
 * most of a query's time (README, Performance); here the rows of a term are read once per index
 * generation and kept as typed arrays. Question words are turned into terms by FTS5's own
 * tokenizer (a scratch FTS5 table in the connection's temp schema), so stemming always agrees
 * with what was indexed.
 */
export function openFtsLexical(db: Database.Database, options: FtsLexicalOptions): FtsLexical {
  const { table } = options;
  const columns = new Map(Object.entries(options.columnWeights));
  db.exec(`
    CREATE VIRTUAL TABLE IF NOT EXISTS temp.${table}_instances USING fts5vocab(main, ${table}, instance);
    CREATE VIRTUAL TABLE IF NOT EXISTS temp.word_stems USING fts5(word, tokenize = '${WORD_TOKENIZER}');
    CREATE VIRTUAL TABLE IF NOT EXISTS temp.word_stem_terms USING fts5vocab(temp, word_stems, instance);
  `);
  const statements = {
    sizes: db.prepare(`SELECT id, sz FROM ${table}_docsize ORDER BY id`).raw(),
    instances: db.prepare(`SELECT doc, col FROM temp.${table}_instances WHERE term = ?`).raw(),
    addWord: db.prepare('INSERT INTO temp.word_stems (rowid, word) VALUES (?, ?)'),
    stems: db.prepare('SELECT doc, term FROM temp.word_stem_terms ORDER BY doc, offset').raw(),
    clearWords: db.prepare('DELETE FROM temp.word_stems'),
  };

  const stemCache = new LruCache<string, string[]>(STEM_CACHE_SIZE);
  const stem = db.transaction((words: string[]): string[] => {
    const known = new Map(words.map((word) => [word, stemCache.get(word)]));
    const unknown = words.filter((word) => !known.get(word));
    if (unknown.length > 0) {
      unknown.forEach((word, i) => statements.addWord.run(i, word));
      const stems = unknown.map((): string[] => []);
      for (const [doc, term] of statements.stems.all() as [number, string][]) stems[doc].push(term);
      statements.clearWords.run();
      unknown.forEach((word, i) => {
        known.set(word, stems[i]);
        stemCache.set(word, stems[i]);
      });
    }
    return [...new Set(words.flatMap((word) => known.get(word)!))];
  });

  let snapshot: Snapshot | null = null;
  // The generation and the lengths are read in one transaction, so they agree.
  const readSizes = db.transaction(() => ({ generation: options.generation(), rows: statements.sizes.all() as [number, Buffer][] }));
  const current = (): Snapshot => {
    if (snapshot && snapshot.generation === options.generation()) return snapshot;
    const { generation, rows } = readSizes();
    const rowids = new Int32Array(rows.length);
    const lengths = new Float64Array(rows.length);
    let total = 0;
    rows.forEach(([id, sizes], i) => {
      rowids[i] = id;
      lengths[i] = sumOfVarints(sizes);
      total += lengths[i];
    });
    const collection = { lengths, averageLength: rows.length > 0 ? total / rows.length : 1 };
    snapshot = { generation, rowids, collection, scratch: { scores: new Float64Array(rows.length), marks: new Uint8Array(rows.length) }, postings: new LruCache(POSTINGS_LIMIT, (postings: TermPostings) => postings.docs.length) };
    return snapshot;
  };

  const postingsOf = (state: Snapshot, term: string): TermPostings => {
    const cached = state.postings.get(term);
    if (cached) return cached;
    const docs: number[] = [];
    const frequencies: number[] = [];
    let lastRowid = -1;
    let ordinal = -1;
    for (const [rowid, column] of statements.instances.iterate(term) as Iterable<[number, string]>) {
      if (rowid !== lastRowid) {
        lastRowid = rowid;
        ordinal = ordinalOf(state.rowids, rowid);
        if (ordinal >= 0) {
          docs.push(ordinal);
          frequencies.push(0);
        }
      }
      // A passage written after the lengths were read has no ordinal: the next generation has it.
      if (ordinal >= 0) frequencies[frequencies.length - 1] += columns.get(column) ?? 0;
    }
    const postings = { docs: Int32Array.from(docs), frequencies: Float32Array.from(frequencies) };
    state.postings.set(term, postings);
    return postings;
  };

  return {
    search(words, k, allowed) {
      const terms = stem(words);
      if (terms.length === 0) return [];
      const state = current();
      const postings = terms.map((term) => postingsOf(state, term));
      const accept = allowed ? (ordinal: number) => allowed.has(state.rowids[ordinal]) : undefined;
      return topBm25(postings, state.collection, k, state.scratch, accept).map(({ ordinal, score }) => ({ id: state.rowids[ordinal], score }));
    },
  };
}

/** The position of a rowid in the ascending list, or -1. */
function ordinalOf(rowids: Int32Array, rowid: number): number {
  let low = 0;
  let high = rowids.length - 1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    if (rowids[middle] < rowid) low = middle + 1;
    else if (rowids[middle] > rowid) high = middle - 1;
    else return middle;
  }
  return -1;
}

/** The sum of the SQLite varints in a blob: FTS5's docsize record, one token count per column. */
function sumOfVarints(blob: Buffer): number {
  let sum = 0;
  let i = 0;
  while (i < blob.length) {
    let value = 0;
    for (let n = 0; i < blob.length; n++) {
      const byte = blob[i++];
      if (n === 8) {
        value = value * 256 + byte;
        break;
      }
      value = value * 128 + (byte & 0x7f);
      if ((byte & 0x80) === 0) break;
    }
    sum += value;
  }
  return sum;
}
