import type Database from 'better-sqlite3';
import { LruCache } from '../lru-cache.js';
import { frequencyFromScore, idf, topBm25, type Bm25Collection, type Bm25Scratch, type TermPostings } from './bm25.js';
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
  /** Reads the passages' lengths ahead of the first search. */
  prepare(): void;
}

export interface FtsLexicalOptions {
  /** The FTS5 table, in the main schema. */
  table: string;
  /** BM25 weight of each column by name, in the table's column order (FTS5's bm25() arguments). */
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
 * Lexical search with FTS5's BM25 (its formula, constants and statistics, so scores equal
 * FTS5's bm25() for the same words), computed in memory. FTS5 scoring a question of common words
 * walked and scored every matching row in SQL, most of a query's time (README, Performance). Here
 * each word's passages are asked of FTS5 once per index generation and kept as typed arrays: the
 * passages' lengths come from FTS5's docsize table, and the word's weighted frequency in each
 * passage from its one-word score. Words become terms through FTS5's own tokenizer (a scratch
 * FTS5 table in the connection's temp schema), so stemming always agrees with the index.
 */
export function openFtsLexical(db: Database.Database, options: FtsLexicalOptions): FtsLexical {
  const { table } = options;
  const weights = Object.values(options.columnWeights);
  db.exec(`
    CREATE VIRTUAL TABLE IF NOT EXISTS temp.word_stems USING fts5(word, tokenize = '${WORD_TOKENIZER}');
    CREATE VIRTUAL TABLE IF NOT EXISTS temp.word_stem_terms USING fts5vocab(temp, word_stems, instance);
  `);
  const statements = {
    sizes: db.prepare(`SELECT id, sz FROM ${table}_docsize ORDER BY id`).raw(),
    matches: db.prepare(`SELECT rowid, -bm25(${table}, ${weights.join(', ')}) FROM ${table} WHERE ${table} MATCH ?`).raw(),
    addWord: db.prepare('INSERT INTO temp.word_stems (rowid, word) VALUES (?, ?)'),
    stems: db.prepare('SELECT doc, term FROM temp.word_stem_terms ORDER BY doc, offset').raw(),
    clearWords: db.prepare('DELETE FROM temp.word_stems'),
  };

  const stemCache = new LruCache<string, string[]>(STEM_CACHE_SIZE);
  const stemUnknown = db.transaction((words: string[]): string[][] => {
    words.forEach((word, i) => statements.addWord.run(i, word));
    const stems = words.map((): string[] => []);
    for (const [doc, term] of statements.stems.all() as [number, string][]) stems[doc].push(term);
    statements.clearWords.run();
    return stems;
  });
  /**
   * The words by their FTS5 form: the terms FTS5 makes of a word (one, in practice: FTS5 splits
   * only where queryTerms already has; several would make it a phrase). Words of one form are
   * searched once and counted as often as they occur.
   */
  const stem = (words: string[]): Map<string, { word: string; count: number }> => {
    const known = new Map(words.map((word) => [word, stemCache.get(word)]));
    const unknown = words.filter((word) => !known.get(word));
    if (unknown.length > 0) {
      stemUnknown(unknown).forEach((stems, i) => {
        known.set(unknown[i], stems);
        stemCache.set(unknown[i], stems);
      });
    }
    const forms = new Map<string, { word: string; count: number }>();
    for (const word of words) {
      const terms = known.get(word)!;
      if (terms.length === 0) continue;
      const form = forms.get(terms.join(' '));
      if (form) form.count++;
      else forms.set(terms.join(' '), { word, count: 1 });
    }
    return forms;
  };

  let snapshot: Snapshot | null = null;
  const current = (): Snapshot => {
    const generation = options.generation();
    if (snapshot?.generation === generation) return snapshot;
    const rows = statements.sizes.all() as [number, Buffer][];
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

  // FTS5 finds a word's passages and scores them several times faster than fts5vocab lists the
  // word's occurrences; a passage's frequency of the word follows from its score.
  const postingsOf = (state: Snapshot, form: string, word: string): TermPostings => {
    const cached = state.postings.get(form);
    if (cached) return cached;
    // Quoted, the word is a plain string to FTS5 (queryTerms gives only letters and digits).
    const rows = statements.matches.all(`"${word}"`) as [number, number][];
    const termIdf = idf(state.rowids.length, rows.length);
    const docs = new Int32Array(rows.length);
    const frequencies = new Float32Array(rows.length);
    rows.forEach(([rowid, score], i) => {
      docs[i] = ordinalOf(state.rowids, rowid);
      frequencies[i] = frequencyFromScore(score, termIdf, state.collection.lengths[docs[i]], state.collection.averageLength);
    });
    const postings = { docs, frequencies };
    state.postings.set(form, postings);
    return postings;
  };

  // One read transaction: the lengths, the statistics FTS5 scores with and the postings agree.
  const search = db.transaction((words: string[], k: number, allowed: Set<number> | null): Hit[] => {
    const forms = stem(words);
    if (forms.size === 0) return [];
    const state = current();
    const terms = [...forms].map(([form, { word, count }]) => ({ postings: postingsOf(state, form, word), count }));
    const accept = allowed ? (ordinal: number) => allowed.has(state.rowids[ordinal]) : undefined;
    return topBm25(terms, state.collection, k, state.scratch, accept).map(({ ordinal, score }) => ({ id: state.rowids[ordinal], score }));
  });
  return { search, prepare: db.transaction(() => void current()) };
}

/** The position of a rowid in the ascending list. */
function ordinalOf(rowids: Int32Array, rowid: number): number {
  let low = 0;
  let high = rowids.length - 1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    if (rowids[middle] < rowid) low = middle + 1;
    else if (rowids[middle] > rowid) high = middle - 1;
    else return middle;
  }
  throw new Error(`FTS5 lists passage ${rowid}, which has no recorded length`);
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
