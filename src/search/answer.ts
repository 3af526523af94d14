import { dot } from '../vector-math.js';
import type { SentenceSpan } from '../ingest/article.js';

/** The sentence of a passage that best answers the question, with its offsets in the passage. */
export interface AnswerSpan {
  answer: string;
  answerStart: number;
  answerEnd: number;
}

/**
 * Picks, for each passage, the sentence closest to the question. Sentence vectors were pooled from
 * the passage's token states when it was indexed, so choosing costs no model work at query time.
 */
export function findAnswers(queryVector: Float32Array, passages: { text: string; spans: SentenceSpan[]; vectors: Float32Array[] }[]): AnswerSpan[] {
  return passages.map(({ text, spans, vectors }) => {
    let best = 0;
    let bestScore = Number.NEGATIVE_INFINITY;
    vectors.forEach((vector, i) => {
      const score = dot(queryVector, vector);
      if (score > bestScore) [best, bestScore] = [i, score];
    });
    const { start, end } = spans[best] ?? { start: 0, end: text.length };
    return { answer: text.slice(start, end), answerStart: start, answerEnd: end };
  });
}
