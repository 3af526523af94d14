import { LruCache } from '../lru-cache.js';
import type { Embedder } from './embedder.js';

/**
 * Wraps an embedder so that single texts (questions) embedded recently are not embedded again:
 * a least-recently-used cache of `size` vectors, keyed by the exact text. Passages and batches go
 * straight through. The same text always gives the same vector here (questions are embedded one
 * at a time), so a hit returns exactly what the model would.
 */
export function cacheQueries(embedder: Embedder, size: number): Embedder {
  if (size <= 0) return embedder;
  const cache = new LruCache<string, Promise<Float32Array>>(size);
  const embedOne = (text: string): Promise<Float32Array> => {
    const hit = cache.get(text);
    if (hit) return hit;
    // The promise is cached, so identical questions arriving together share one model run.
    const vector = embedder.embed([text]).then(([v]) => v);
    cache.set(text, vector);
    vector.catch(() => {
      if (cache.get(text) === vector) cache.delete(text);
    });
    return vector;
  };
  return {
    get model() {
      return embedder.model;
    },
    get dtype() {
      return embedder.dtype;
    },
    get encoder() {
      return embedder.encoder;
    },
    get dimensions() {
      return embedder.dimensions;
    },
    get maxTokens() {
      return embedder.maxTokens;
    },
    // Callers own what they get: each receives its own copy of a cached vector.
    embed: async (texts) => (texts.length === 1 ? [new Float32Array(await embedOne(texts[0]))] : embedder.embed(texts)),
    embedPassages: (passages, onBatch) => embedder.embedPassages(passages, onBatch),
    countTokens: (text) => embedder.countTokens(text),
  };
}
