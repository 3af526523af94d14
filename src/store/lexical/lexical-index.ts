import type { QueryTerm } from '../../ingest/analyze.js';
import { LogFollower, type ChangeLog, type PassageChange } from '../change-log.js';
import type { Hit } from '../store.js';
import { topBm25, type TermPostings } from './bm25.js';
import { appendPassages, cachedPostings, createSnapshot, extendPostings, ordinalOf, removePassages, type Snapshot } from './snapshot.js';

// Postings kept in memory, counted in passages; past this the least recently used terms are
// dropped (about 8 bytes each: 160 MB).
const POSTINGS_LIMIT = 20_000_000;
// Changes a snapshot takes in place; past this, reading every length again costs about the same.
const UPDATE_LIMIT = 5_000;

/** A term's postings as stored: passage ids ascending, and its count in each passage's text and title. */
export interface StoredPostings {
  ids: ArrayLike<number>;
  inText: ArrayLike<number>;
  inTitle: ArrayLike<number>;
}

/** What the lexical index reads from a backend's postings and passages. */
export interface PostingsSource {
  /** Every passage's id (ascending) and length in words, and the generation they are at, read together. */
  lengths(): Promise<{ generation: number; rows: [number, number][] }>;
  /** The ids (ascending) and lengths of those of the given passages that exist. */
  lengthsOf(ids: number[]): Promise<[number, number][]>;
  /** The postings of the given terms (read together: over a network, one round trip). */
  postings(terms: string[]): Promise<Map<string, StoredPostings>>;
  /** The postings of the given passages, by term: what their terms' cached postings lack. */
  postingsOf(ids: number[]): Promise<Map<string, StoredPostings>>;
}

/** BM25 search over a backend's postings: `allowed` limits the passages. */
export type LexicalSearch = (terms: QueryTerm[], k: number, allowed: Set<number> | null) => Promise<Hit[]>;

/**
 * BM25 search computed in memory over the postings a backend stores: each passage's length is
 * read once, each term's postings when a question first asks for it, and both follow what writers
 * commit through the change log (a large write starts everything afresh). Frequencies weigh a
 * title word by `titleWeight` against a text word.
 */
export function createLexicalIndex(source: PostingsSource, log: ChangeLog, titleWeight: number): { search: LexicalSearch; prepare: () => Promise<void> } {
  const follower = new LogFollower(log);
  let snapshot: Snapshot | null = null;

  const load = async (): Promise<Snapshot> => {
    const { generation, rows } = await source.lengths();
    follower.at(generation);
    return createSnapshot(rows, POSTINGS_LIMIT);
  };
  /**
   * Takes a few writes into the snapshot: new passages appended (ids only grow) and added to the
   * cached postings of their terms, removed ones marked dead. False when they do not fit (an id
   * out of order): then everything is read again.
   */
  const apply = async (state: Snapshot, changes: PassageChange[]): Promise<boolean> => {
    const removed = new Set(changes.filter((change) => !change.added).map((change) => change.id));
    const added = changes.filter((change) => change.added && !removed.has(change.id)).map((change) => change.id);
    const rows = await source.lengthsOf(added);
    if (rows.length > 0 && state.count > 0 && rows[0][0] <= state.ids[state.count - 1]) return false;
    removePassages(state, removed);
    appendPassages(state, rows);
    for (const [term, postings] of await source.postingsOf(rows.map(([id]) => id))) extendPostings(state, term, ordinals(state, postings));
    return true;
  };
  const update = async (): Promise<Snapshot> => {
    const next = await follower.next();
    if (snapshot && !next) return snapshot;
    const previous = snapshot;
    // Cleared first: an update that fails halfway must not leave a snapshot that looks current.
    snapshot = null;
    if (previous && next?.kind === 'changes' && next.changes.length <= UPDATE_LIMIT && (await apply(previous, next.changes))) snapshot = previous;
    else snapshot = await load();
    return snapshot;
  };
  // One update at a time: two searches arriving together would apply the same changes twice.
  let updating: Promise<Snapshot> | null = null;
  const current = (): Promise<Snapshot> => {
    updating ??= update().finally(() => (updating = null));
    return updating;
  };

  /** Stored postings as ordinals of the snapshot and weighted frequencies; passages it does not hold yet are left to the log. */
  const ordinals = (state: Snapshot, { ids, inText, inTitle }: StoredPostings): [number, number][] => {
    const found: [number, number][] = [];
    for (let i = 0; i < ids.length; i++) {
      const ordinal = ordinalOf(state.ids, state.count, ids[i]);
      if (ordinal >= 0 && !state.dead[ordinal]) found.push([ordinal, inText[i] + titleWeight * inTitle[i]]);
    }
    return found;
  };
  const postingsOf = (state: Snapshot, term: string, stored: StoredPostings | undefined): TermPostings => {
    const cached = cachedPostings(state, term);
    if (cached) return cached;
    const found = ordinals(state, stored ?? { ids: [], inText: [], inTitle: [] });
    const postings = { docs: Int32Array.from(found, ([ordinal]) => ordinal), frequencies: Float32Array.from(found, ([, frequency]) => frequency) };
    state.postings.set(term, { postings, removals: state.removals });
    return postings;
  };

  return {
    async search(terms, k, allowed) {
      if (terms.length === 0) return [];
      const state = await current();
      const missing = terms.filter(({ term }) => !cachedPostings(state, term)).map(({ term }) => term);
      const stored = missing.length > 0 ? await source.postings(missing) : new Map<string, StoredPostings>();
      const scored = terms.map(({ term, count }) => ({ postings: postingsOf(state, term, stored.get(term)), count }));
      const accept = allowed ? (ordinal: number) => allowed.has(state.ids[ordinal]) : undefined;
      return topBm25(scored, state.collection, k, state.scratch, accept).map(({ ordinal, score }) => ({ id: state.ids[ordinal], score }));
    },
    prepare: async () => void (await current()),
  };
}
