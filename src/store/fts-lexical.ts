import type Database from 'better-sqlite3';
import { LruCache } from '../lru-cache.js';
import { frequencyFromScore, idf, topBm25, type TermPostings } from './bm25.js';
import { appendPassages, cachedPostings, createSnapshot, extendPostings, ordinalOf, removePassages, type Snapshot } from './bm25-snapshot.js';
import { WORD_TOKENIZER } from './sqlite-schema.js';
import type { PassageChange } from './passage-log.js';
import type { Hit } from './store.js';

// Postings kept in memory, counted in passages; past this the least recently used terms are
// dropped (about 8 bytes each: 160 MB).
const POSTINGS_LIMIT = 20_000_000;
// Question words remembered with their FTS5 terms.
const STEM_CACHE_SIZE = 50_000;
// Changes a snapshot takes in place; past this, reading everything again costs about the same.
const UPDATE_LIMIT = 5_000;

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
  /** The passages added and removed after a generation, oldest first; null when not known. */
  changesSince: (generation: number) => PassageChange[] | null;
}

/**
 * Lexical search with FTS5's BM25 (its formula, constants and statistics, so scores equal
 * FTS5's bm25() for the same words), computed in memory. FTS5 scoring a question of common words
 * walked and scored every matching row in SQL, most of a query's time (README, Performance). Here
 * each word's passages are asked of FTS5 once and kept as typed arrays: the passages' lengths come
 * from FTS5's docsize table, and the word's weighted frequency in each passage from its one-word
 * score. A small write is taken in from the passage log; a large one starts everything afresh.
 * Words become terms through FTS5's own tokenizer (a scratch FTS5 table in the connection's temp
 * schema), so stemming always agrees with the index.
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
    sizesOf: db.prepare(`SELECT id, sz FROM ${table}_docsize WHERE id IN (SELECT value FROM json_each(?)) ORDER BY id`).raw(),
    columnsOf: db.prepare(`SELECT ${Object.keys(options.columnWeights).join(', ')} FROM ${table} WHERE rowid IN (SELECT value FROM json_each(?)) ORDER BY rowid`).raw(),
    termCounts: db.prepare('SELECT doc, term, COUNT(*) FROM temp.word_stem_terms GROUP BY doc, term').raw(),
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
   * Each term's weighted frequency in each of the passages, given as their columns' texts, as
   * FTS5 counts it: by term, the passages' indexes and frequencies, ascending.
   */
  const frequenciesIn = (passages: (string | null)[][]): Map<string, [number, number][]> => {
    const columns = weights.length;
    passages.forEach((texts, i) => texts.forEach((text, column) => statements.addWord.run(i * columns + column, text ?? '')));
    const byPassage = new Map<string, Map<number, number>>();
    for (const [doc, term, count] of statements.termCounts.all() as [number, string, number][]) {
      const passage = Math.floor(doc / columns);
      const frequencies = byPassage.get(term) ?? byPassage.set(term, new Map()).get(term)!;
      frequencies.set(passage, (frequencies.get(passage) ?? 0) + weights[doc % columns] * count);
    }
    statements.clearWords.run();
    return new Map([...byPassage].map(([term, frequencies]) => [term, [...frequencies].sort((a, b) => a[0] - b[0])]));
  };

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
  const load = (generation: number): Snapshot => createSnapshot(generation, statements.sizes.all() as [number, Buffer][], POSTINGS_LIMIT);
  /**
   * Takes a few writes into the snapshot: new passages appended (rowids only grow) and added to
   * the cached postings of their terms, removed ones marked dead. Null when the changes do not
   * fit (a rowid out of order): then everything is read again.
   */
  const update = (state: Snapshot, changes: PassageChange[], generation: number): Snapshot | null => {
    const removed = new Set(changes.filter((change) => !change.added).map((change) => change.id));
    const added = changes.filter((change) => change.added && !removed.has(change.id)).map((change) => change.id);
    const rows = statements.sizesOf.all(JSON.stringify(added)) as [number, Buffer][];
    if (rows.length !== added.length || (rows.length > 0 && state.count > 0 && rows[0][0] <= state.rowids[state.count - 1])) return null;
    removePassages(state, removed);
    const first = state.count;
    appendPassages(state, rows);
    const texts = statements.columnsOf.all(JSON.stringify(added)) as (string | null)[][];
    for (const [term, found] of frequenciesIn(texts)) extendPostings(state, term, found.map(([passage, frequency]) => [first + passage, frequency]));
    state.generation = generation;
    return state;
  };
  const current = (): Snapshot => {
    const generation = options.generation();
    if (snapshot?.generation === generation) return snapshot;
    const previous = snapshot;
    // Cleared first: an update that fails halfway must not leave a snapshot that looks current.
    snapshot = null;
    const changes = previous ? options.changesSince(previous.generation) : null;
    const updated = previous && changes && changes.length <= UPDATE_LIMIT ? update(previous, changes, generation) : null;
    snapshot = updated ?? load(generation);
    return snapshot;
  };

  // FTS5 finds a word's passages and scores them several times faster than fts5vocab lists the
  // word's occurrences; a passage's frequency of the word follows from its score.
  const postingsOf = (state: Snapshot, form: string, word: string): TermPostings => {
    const cached = cachedPostings(state, form);
    if (cached) return cached;
    // Quoted, the word is a plain string to FTS5 (queryTerms gives only letters and digits).
    const rows = statements.matches.all(`"${word}"`) as [number, number][];
    const { lengths, averageLength, rows: live } = state.collection;
    const termIdf = idf(live, rows.length);
    const docs = new Int32Array(rows.length);
    const frequencies = new Float32Array(rows.length);
    rows.forEach(([rowid, score], i) => {
      docs[i] = ordinalOf(state.rowids, state.count, rowid);
      if (docs[i] < 0) throw new Error(`FTS5 lists passage ${rowid}, which has no recorded length`);
      frequencies[i] = frequencyFromScore(score, termIdf, lengths[docs[i]], averageLength);
    });
    const postings = { docs, frequencies };
    // A form of several terms is a phrase, which a write's term counts cannot update: not kept.
    if (!form.includes(' ')) state.postings.set(form, { postings, removals: state.removals });
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
