import { LruCache } from '../lru-cache.js';
import { LogFollower, type ChangeLog } from './change-log.js';
import type { ArticleSummary, PassageSentences, StoredPassage } from './store.js';

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
 * Returns the read cache, brought up to what writers committed: a removed passage leaves it (all
 * of it empties when the log cannot say what was removed), so a removed passage is never served
 * from it. Passage ids are never reused, so what it holds of other passages stays true. The same
 * passages come back across questions (the BM25 candidates of common words, above all).
 */
export function createReadCache(log: ChangeLog): () => Promise<ReadCache> {
  const cache: ReadCache = { vectors: new LruCache(VECTOR_CACHE_SIZE), passages: new LruCache(PASSAGE_CACHE_SIZE), sentences: new LruCache(PASSAGE_CACHE_SIZE) };
  const follower = new LogFollower(log);
  return async () => {
    const update = await follower.next();
    if (!update) return cache;
    for (const part of Object.values(cache) as LruCache<number, unknown>[]) {
      if (update.kind === 'reset') part.clear();
      else for (const { id, added } of update.changes) if (!added) part.delete(id);
    }
    // Emptied, it mirrors this generation (and any later one): from here on it follows the log.
    if (update.kind === 'reset') follower.at(update.generation);
    return cache;
  };
}

/** The articles of passages, from the passages the cache holds and from `read` for the rest (not cached: they are small and cheap). */
export async function articlesThrough(cache: ReadCache, ids: number[], read: (missing: number[]) => Promise<Iterable<[number, ArticleSummary]>>): Promise<Map<number, ArticleSummary>> {
  const found = new Map<number, ArticleSummary>();
  const missing: number[] = [];
  for (const id of ids) {
    const passage = cache.passages.get(id);
    if (passage) found.set(id, passage.article);
    else missing.push(id);
  }
  if (missing.length > 0) for (const [id, article] of await read(missing)) found.set(id, article);
  return found;
}

/** Values by id, from the cache where it has them and from `read` (which fills it) for the rest. */
export async function readThrough<V>(cache: LruCache<number, V>, ids: number[], read: (missing: number[]) => Promise<Iterable<[number, V]>>): Promise<Map<number, V>> {
  const found = new Map<number, V>();
  const missing: number[] = [];
  for (const id of ids) {
    const value = cache.get(id);
    if (value === undefined) missing.push(id);
    else found.set(id, value);
  }
  if (missing.length === 0) return found;
  for (const [id, value] of await read(missing)) {
    cache.set(id, value);
    found.set(id, value);
  }
  return found;
}
