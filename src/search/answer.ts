import { dot, type Embedder } from '../embed/embedder.js';
import { splitSentences } from '../ingest/split.js';

/** The sentence of a passage that best answers the question, with its offsets in the passage. */
export interface AnswerSpan {
  answer: string;
  answerStart: number;
  answerEnd: number;
}

/** Sentences of a text with their character offsets. */
export function sentenceSpans(text: string): AnswerSpan[] {
  const spans: AnswerSpan[] = [];
  let from = 0;
  for (const sentence of splitSentences(text)) {
    const start = text.indexOf(sentence, from);
    if (start < 0) continue;
    spans.push({ answer: sentence, answerStart: start, answerEnd: start + sentence.length });
    from = start + sentence.length;
  }
  return spans.length > 0 ? spans : [{ answer: text, answerStart: 0, answerEnd: text.length }];
}

/**
 * Picks, for each passage, the sentence most similar to the question. The sentences of all
 * passages are embedded in one batch; a passage of one sentence needs no embedding.
 */
export async function findAnswers(embedder: Embedder, queryVector: Float32Array, texts: string[]): Promise<AnswerSpan[]> {
  const spans = texts.map(sentenceSpans);
  const toEmbed = spans.flatMap((list) => (list.length > 1 ? list.map((span) => span.answer) : []));
  const vectors = toEmbed.length > 0 ? await embedder.embed(toEmbed) : [];
  let next = 0;
  return spans.map((list) => {
    if (list.length === 1) return list[0];
    let best = list[0];
    let bestScore = Number.NEGATIVE_INFINITY;
    for (const span of list) {
      const score = dot(queryVector, vectors[next++]);
      if (score > bestScore) [best, bestScore] = [span, score];
    }
    return best;
  });
}
