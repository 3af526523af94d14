/** Shared helpers of the benchmarks: statistics, timing, exact search, realistic vectors. */
import { dot } from '../src/vector-math.js';

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

export const median = (values: number[]) => percentile(values, 50);

/** Milliseconds taken by `run`. */
export async function time(run: () => unknown): Promise<number> {
  const started = performance.now();
  await run();
  return performance.now() - started;
}

/** Exact top-k by inner product: the ground truth for recall. */
export function exactTopK(vectors: Float32Array[], query: Float32Array, k: number): number[] {
  const best: { id: number; score: number }[] = [];
  for (let id = 0; id < vectors.length; id++) {
    const score = dot(query, vectors[id]);
    if (best.length < k || score > best[best.length - 1].score) {
      best.push({ id, score });
      best.sort((a, b) => b.score - a.score);
      if (best.length > k) best.pop();
    }
  }
  return best.map((hit) => hit.id);
}

/** Share of the true top-k found in `found`, averaged over queries. */
export function recallAtK(truth: number[][], found: number[][]): number {
  let hits = 0;
  let total = 0;
  truth.forEach((ids, i) => {
    const set = new Set(found[i]);
    hits += ids.filter((id) => set.has(id)).length;
    total += ids.length;
  });
  return total === 0 ? 0 : hits / total;
}

/**
 * `count` realistic unit vectors: real passage embeddings plus small Gaussian noise,
 * re-normalized, so that neighbourhoods look like a real corpus's (uniformly random vectors have
 * none, and HNSW recall on them means nothing).
 */
export function realisticVectors(real: Float32Array[], count: number, noise = 0.02, seed = 7): Float32Array[] {
  let state = seed;
  const uniform = () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) + 0.5) / 4294967296;
  const gaussian = () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
  const out: Float32Array[] = [];
  for (let i = 0; i < count; i++) {
    const base = real[i % real.length];
    const vector = new Float32Array(base.length);
    let norm = 0;
    for (let d = 0; d < base.length; d++) {
      vector[d] = base[d] + noise * gaussian();
      norm += vector[d] * vector[d];
    }
    norm = Math.sqrt(norm);
    for (let d = 0; d < base.length; d++) vector[d] /= norm;
    out.push(vector);
  }
  return out;
}

export const mb = (bytes: number) => Math.round((bytes / 1048576) * 10) / 10;
export const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;

/** Prints rows as an aligned text table. */
export function printTable(title: string, rows: Record<string, string | number>[]): void {
  if (rows.length === 0) return;
  const columns = Object.keys(rows[0]);
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c]).length)));
  console.log(`\n${title}`);
  console.log(columns.map((c, i) => c.padEnd(widths[i])).join('  '));
  for (const row of rows) console.log(columns.map((c, i) => String(row[c]).padEnd(widths[i])).join('  '));
}
