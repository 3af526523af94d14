import type { Embedder } from '../../src/embed/embedder.js';

/**
 * A deterministic stand-in for the model in fast unit tests: each lower-cased word adds weight to
 * a few hashed dimensions, so texts that share words are near each other. Counts one token a word.
 */
export function createFakeEmbedder(dimensions = 64, maxTokens = 256): Embedder & { calls: number; embedded: number } {
  const embedder = {
    model: 'fake/bag-of-words',
    dtype: 'fp32',
    encoder: null,
    dimensions,
    maxTokens,
    calls: 0,
    embedded: 0,
    async embed(texts: string[]) {
      embedder.calls++;
      embedder.embedded += texts.length;
      return texts.map((text) => embedText(text, dimensions));
    },
    async embedPassages(passages: string[][], onBatch?: (embedded: number) => void) {
      const vectors = await embedder.embed(passages.map((parts) => parts.join(' ')));
      onBatch?.(passages.length);
      return passages.map((parts, i) => ({ vector: vectors[i], segments: parts.length > 1 ? parts.map((part) => embedText(part, dimensions)) : [] }));
    },
    countTokens(text: string) {
      return text.split(/\s+/).filter(Boolean).length + 2;
    },
  };
  return embedder;
}

function embedText(text: string, dimensions: number): Float32Array {
  const vector = new Float32Array(dimensions);
  for (const word of text.toLowerCase().match(/[a-z0-9]+/g) ?? []) {
    let hash = 2166136261;
    for (let i = 0; i < word.length; i++) hash = Math.imul(hash ^ word.charCodeAt(i), 16777619);
    vector[(hash >>> 0) % dimensions] += 1;
    vector[(hash >>> 8) % dimensions] += 0.5;
  }
  vector[0] += 0.01; // no zero vectors, even for empty text
  const norm = Math.hypot(...vector);
  return vector.map((x) => x / norm);
}
