import { LruCache } from '../../lru-cache.js';
import type { Bm25Collection, Bm25Scratch, TermPostings } from './bm25.js';

/**
 * What BM25 knows of one index generation: each passage's length and the postings of the terms
 * asked so far. Arrays have room to grow: a small write appends its passages and marks removed
 * ones dead, rather than reading every passage's length again.
 */
export interface Snapshot {
  /** Passage ids, ascending, in the first `count` slots: a passage's ordinal is its place here. */
  ids: Int32Array;
  count: number;
  /** Ordinals of removed passages (still in `ids`, so that ordinals stay put). */
  dead: Uint8Array;
  /** How many removals this snapshot has taken in: cached postings older than that are filtered. */
  removals: number;
  totalLength: number;
  collection: Bm25Collection;
  scratch: Bm25Scratch;
  postings: LruCache<string, CachedPostings>;
}

/** A term's postings and the snapshot's `removals` when they were last free of dead passages. */
interface CachedPostings {
  postings: TermPostings;
  removals: number;
}

/** A snapshot of passages given as ids with their lengths in words, ascending. */
export function createSnapshot(rows: [number, number][], postingsLimit: number): Snapshot {
  const capacity = rows.length + 1024;
  const state: Snapshot = {
    ids: new Int32Array(capacity),
    count: 0,
    dead: new Uint8Array(capacity),
    removals: 0,
    totalLength: 0,
    collection: { lengths: new Float64Array(capacity), averageLength: 1, rows: 0 },
    scratch: { scores: new Float64Array(capacity), marks: new Uint8Array(capacity) },
    postings: new LruCache(postingsLimit, (cached: CachedPostings) => cached.postings.docs.length),
  };
  appendPassages(state, rows);
  return state;
}

/** Appends passages (id and length, ascending, after every id it holds). */
export function appendPassages(state: Snapshot, rows: [number, number][]): void {
  if (state.count + rows.length > state.ids.length) grow(state, Math.ceil((state.count + rows.length) * 1.5));
  const { collection } = state;
  for (const [id, length] of rows) {
    state.ids[state.count] = id;
    collection.lengths[state.count] = length;
    state.count++;
    collection.rows++;
    state.totalLength += length;
  }
  collection.averageLength = collection.rows > 0 ? state.totalLength / collection.rows : 1;
}

/** Marks passages removed: they leave the statistics now, and cached postings when next used. */
export function removePassages(state: Snapshot, ids: Iterable<number>): void {
  let any = false;
  for (const id of ids) {
    const ordinal = ordinalOf(state.ids, state.count, id);
    if (ordinal < 0 || state.dead[ordinal]) continue;
    state.dead[ordinal] = 1;
    state.collection.rows--;
    state.totalLength -= state.collection.lengths[ordinal];
    any = true;
  }
  if (any) state.removals++;
  state.collection.averageLength = state.collection.rows > 0 ? state.totalLength / state.collection.rows : 1;
}

/** A term's cached postings, without passages removed since they were read; undefined if none. */
export function cachedPostings(state: Snapshot, term: string): TermPostings | undefined {
  const cached = state.postings.get(term);
  if (cached && cached.removals < state.removals) {
    cached.postings = withoutDead(cached.postings, state.dead);
    cached.removals = state.removals;
  }
  return cached?.postings;
}

/** Adds new passages (ordinals past every one it holds, ascending) to a term's cached postings. */
export function extendPostings(state: Snapshot, term: string, found: [number, number][]): void {
  const cached = state.postings.get(term);
  if (!cached) return;
  const { docs, frequencies } = cached.postings;
  const postings = { docs: new Int32Array(docs.length + found.length), frequencies: new Float32Array(docs.length + found.length) };
  postings.docs.set(docs);
  postings.frequencies.set(frequencies);
  found.forEach(([ordinal, frequency], i) => {
    postings.docs[docs.length + i] = ordinal;
    postings.frequencies[docs.length + i] = frequency;
  });
  state.postings.set(term, { postings, removals: cached.removals });
}

/** The position of a id among the first `count` of an ascending list, or -1. */
export function ordinalOf(ids: Int32Array, count: number, id: number): number {
  let low = 0;
  let high = count - 1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    if (ids[middle] < id) low = middle + 1;
    else if (ids[middle] > id) high = middle - 1;
    else return middle;
  }
  return -1;
}

function grow(state: Snapshot, capacity: number): void {
  const larger = <T extends Int32Array | Float64Array | Uint8Array>(array: T, make: (n: number) => T): T => {
    const next = make(capacity);
    next.set(array);
    return next;
  };
  state.ids = larger(state.ids, (n) => new Int32Array(n));
  state.dead = larger(state.dead, (n) => new Uint8Array(n));
  state.collection.lengths = larger(state.collection.lengths, (n) => new Float64Array(n));
  // All zero between searches.
  state.scratch = { scores: new Float64Array(capacity), marks: new Uint8Array(capacity) };
}

/** Postings without the passages removed since they were read. */
function withoutDead(postings: TermPostings, dead: Uint8Array): TermPostings {
  const keep = postings.docs.reduce((n, doc) => n + (dead[doc] ? 0 : 1), 0);
  if (keep === postings.docs.length) return postings;
  const docs = new Int32Array(keep);
  const frequencies = new Float32Array(keep);
  let next = 0;
  postings.docs.forEach((doc, i) => {
    if (dead[doc]) return;
    docs[next] = doc;
    frequencies[next++] = postings.frequencies[i];
  });
  return { docs, frequencies };
}
