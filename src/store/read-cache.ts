import { LruCache } from '../lru-cache.js';
import type { PassageChange } from './passage-log.js';
import type { PassageSentences, StoredPassage } from './store.js';

// About 1.5 KB each at 384 dimensions: 150 MB at most.
const VECTOR_CACHE_SIZE = 100_000;
const PASSAGE_CACHE_SIZE = 10_000;

/** Recently read passages, vectors and sentences, shared with callers, who must not change them. */
export interface ReadCache {
  vectors: LruCache<number, Float32Array>;
  passages: LruCache<number, StoredPassage>;
  sentences: LruCache<number, PassageSentences>;
}

/**
 * Returns the read cache of the index's current generation: a write's removed passages leave it
 * (all of it empties when the write is not known from the log), so a removed passage is never
 * served from it. Passage ids are never reused, so what it holds of other passages stays true.
 * Reading vectors and passages from SQLite was a third of a query's time after the embedding
 * (README, Performance), and the same passages come back across questions (the BM25 candidates
 * of common words, above all).
 */
export function createReadCache(generation: () => number, changesSince: (generation: number) => PassageChange[] | null): () => ReadCache {
  const cache: ReadCache = { vectors: new LruCache(VECTOR_CACHE_SIZE), passages: new LruCache(PASSAGE_CACHE_SIZE), sentences: new LruCache(PASSAGE_CACHE_SIZE) };
  let cachedGeneration = -1;
  return () => {
    const now = generation();
    if (now === cachedGeneration) return cache;
    const changes = cachedGeneration < 0 ? null : changesSince(cachedGeneration);
    for (const part of Object.values(cache) as LruCache<number, unknown>[]) {
      if (!changes) part.clear();
      else for (const { id, added } of changes) if (!added) part.delete(id);
    }
    cachedGeneration = now;
    return cache;
  };
}

/** Values by id, from the cache where it has them and from `read` (which fills it) for the rest. */
export function readThrough<V>(cache: LruCache<number, V>, ids: number[], read: (missing: number[]) => Iterable<[number, V]>): Map<number, V> {
  const found = new Map<number, V>();
  const missing: number[] = [];
  for (const id of ids) {
    const value = cache.get(id);
    if (value === undefined) missing.push(id);
    else found.set(id, value);
  }
  if (missing.length === 0) return found;
  for (const [id, value] of read(missing)) {
    cache.set(id, value);
    found.set(id, value);
  }
  return found;
}
