/** A candidate passage with both of its retrieval signals. */
export interface Candidate {
  id: number;
  /** Cosine similarity of passage and question vectors. */
  dense: number;
  /** BM25 score of the passage for the question's words (0 when no word matches). */
  lexical: number;
}

/** How dense and lexical evidence are combined. */
export interface FusionSettings {
  method: 'score' | 'rrf';
  /** Score fusion: weight of the dense signal (the lexical one gets 1 − this). */
  denseWeight: number;
  /** Reciprocal rank fusion: the rank offset `k` in 1 / (k + rank). */
  rrfK: number;
}

/**
 * Combines each candidate's dense and lexical evidence into one score. `score` min-max normalizes
 * each signal over the candidates and takes a weighted sum; `rrf` sums 1 / (k + rank) over the two
 * rankings. Returns the fused score by candidate id.
 */
export function fuse(candidates: Candidate[], settings: FusionSettings): Map<number, number> {
  return settings.method === 'rrf' ? reciprocalRankFusion(candidates, settings.rrfK) : scoreFusion(candidates, settings.denseWeight);
}

function scoreFusion(candidates: Candidate[], denseWeight: number): Map<number, number> {
  const dense = normalizer(candidates.map((c) => c.dense));
  const lexical = normalizer(candidates.map((c) => c.lexical));
  return new Map(candidates.map((c) => [c.id, denseWeight * dense(c.dense) + (1 - denseWeight) * lexical(c.lexical)]));
}

function reciprocalRankFusion(candidates: Candidate[], k: number): Map<number, number> {
  const fused = new Map(candidates.map((c) => [c.id, 0]));
  for (const signal of ['dense', 'lexical'] as const) {
    const ranked = candidates.filter((c) => signal === 'dense' || c.lexical > 0).sort((a, b) => b[signal] - a[signal]);
    ranked.forEach((c, rank) => fused.set(c.id, fused.get(c.id)! + 1 / (k + rank + 1)));
  }
  return fused;
}

/**
 * Min-max scaling to [0, 1] over a set of values. When they are all equal (a lone candidate) each
 * is the best there is: 1 if it is evidence at all (positive), else 0.
 */
export function normalizer(values: number[]): (value: number) => number {
  const min = Math.min(...values);
  const range = Math.max(...values) - min;
  if (range > 0) return (value) => (value - min) / range;
  return (value) => (value > 0 ? 1 : 0);
}
