/** The passages holding one term: passage ordinals, ascending, and the term's weighted count in each. */
export interface TermPostings {
  docs: Int32Array;
  /** Occurrences in each passage: in its text, plus in its title times the title's weight. */
  frequencies: Float32Array;
}

/**
 * A term of a question with its postings, and how many of the question's words it stands for:
 * words that stem alike ("retrieval", "retrieve") each count.
 */
export interface ScoredTerm {
  postings: TermPostings;
  count: number;
}

/** What BM25 needs of the whole collection: each passage's length in words (text and title). */
export interface Bm25Collection {
  /** By passage ordinal; may hold removed passages and spare room, which `rows` does not count. */
  lengths: Float64Array;
  averageLength: number;
  /** How many passages there are. */
  rows: number;
}

/** Per-passage working space, reused from one search to the next. */
export interface Bm25Scratch {
  scores: Float64Array;
  marks: Uint8Array;
}

export interface ScoredOrdinal {
  ordinal: number;
  score: number;
}

// The usual constants (those SQLite FTS5 uses), and a floor that keeps every IDF positive.
const K1 = 1.2;
const B = 0.75;
const MIN_IDF = 1e-6;

/** Inverse document frequency: never zero or negative, however common the term. */
export function idf(rows: number, hits: number): number {
  const value = Math.log((rows - hits + 0.5) / (hits + 0.5));
  return value > 0 ? value : MIN_IDF;
}

/** BM25's length normalization of a passage's term frequency. */
function saturation(length: number, averageLength: number): number {
  return K1 * (1 - B + (B * length) / averageLength);
}

/**
 * Scores every passage holding any of the terms with BM25 (a term's frequency weighted over text
 * and title, the length of both together) and returns the `k` best, best first.
 * `scratch` holds one zero score and one clear mark per passage, and is left so.
 */
export function topBm25(
  terms: ScoredTerm[],
  collection: Bm25Collection,
  k: number,
  scratch: Bm25Scratch,
  accept: (ordinal: number) => boolean = () => true,
): ScoredOrdinal[] {
  const { rows } = collection;
  const { scores, marks } = scratch;
  const touched: number[] = [];
  for (const { postings, count } of terms) {
    const { docs, frequencies } = postings;
    const weight = count * idf(rows, docs.length);
    for (let i = 0; i < docs.length; i++) {
      const doc = docs[i];
      const f = frequencies[i];
      const norm = saturation(collection.lengths[doc], collection.averageLength);
      // A word found only in a column of weight 0 adds nothing, but the passage still matches.
      if (marks[doc] === 0) {
        marks[doc] = 1;
        touched.push(doc);
      }
      scores[doc] += (weight * f * (K1 + 1)) / (f + norm);
    }
  }
  const best = new BestOf(k);
  for (const doc of touched) {
    if (accept(doc)) best.offer(doc, scores[doc]);
    scores[doc] = 0;
    marks[doc] = 0;
  }
  return best.sorted();
}

/** Keeps the `k` highest scores seen, in a min-heap: most offers cost one comparison. */
class BestOf {
  private readonly ordinals: number[] = [];
  private readonly scores: number[] = [];

  constructor(private readonly k: number) {}

  offer(ordinal: number, score: number): void {
    if (this.k <= 0) return;
    if (this.scores.length < this.k) {
      this.ordinals.push(ordinal);
      this.scores.push(score);
      this.up(this.scores.length - 1);
    } else if (score > this.scores[0]) {
      this.ordinals[0] = ordinal;
      this.scores[0] = score;
      this.down(0);
    }
  }

  sorted(): ScoredOrdinal[] {
    return this.ordinals.map((ordinal, i) => ({ ordinal, score: this.scores[i] })).sort((a, b) => b.score - a.score || a.ordinal - b.ordinal);
  }

  private up(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.scores[parent] <= this.scores[i]) return;
      this.swap(i, parent);
      i = parent;
    }
  }

  private down(i: number): void {
    const n = this.scores.length;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let least = i;
      if (left < n && this.scores[left] < this.scores[least]) least = left;
      if (right < n && this.scores[right] < this.scores[least]) least = right;
      if (least === i) return;
      this.swap(i, least);
      i = least;
    }
  }

  private swap(a: number, b: number): void {
    [this.ordinals[a], this.ordinals[b]] = [this.ordinals[b], this.ordinals[a]];
    [this.scores[a], this.scores[b]] = [this.scores[b], this.scores[a]];
  }
}
