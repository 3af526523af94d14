import { dot, type Embedder } from '../embed/embedder.js';
import { splitSentences } from '../ingest/split.js';
import { lexicalTerms } from '../store/lexical-query.js';

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

/** Sentences per passage that are embedded to choose the answer; the rest are ruled out by words. */
export const ANSWER_SHORTLIST = 3;

/**
 * Picks, for each passage, the sentence most similar to the question by embedding. A passage of
 * one sentence needs no embedding; of a longer one, only the {@link ANSWER_SHORTLIST} sentences
 * sharing most words with the question are embedded, all passages' in one batch, which bounds the
 * model's work per query (long abstracts have a dozen sentences).
 */
export async function findAnswers(embedder: Embedder, queryVector: Float32Array, question: string, texts: string[]): Promise<AnswerSpan[]> {
  const questionStems = new Set(lexicalTerms(question).map(stem));
  const shortlists = texts.map((text) => shortlist(sentenceSpans(text), questionStems));
  const toEmbed = shortlists.flatMap((list) => (list.length > 1 ? list.map((span) => span.answer) : []));
  const vectors = toEmbed.length > 0 ? await embedder.embed(toEmbed) : [];
  let next = 0;
  return shortlists.map((list) => {
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

function shortlist(spans: AnswerSpan[], questionStems: Set<string>): AnswerSpan[] {
  if (spans.length <= ANSWER_SHORTLIST) return spans;
  const overlap = (span: AnswerSpan) => new Set(lexicalTerms(span.answer).map(stem).filter((t) => questionStems.has(t))).size;
  return spans
    .map((span, index) => ({ span, index, overlap: overlap(span) }))
    .sort((a, b) => b.overlap - a.overlap || a.index - b.index)
    .slice(0, ANSWER_SHORTLIST)
    .sort((a, b) => a.index - b.index)
    .map(({ span }) => span);
}

/** A crude stem, enough to match "oppose" with "opposes" when shortlisting. */
function stem(term: string): string {
  return term.slice(0, 5);
}
