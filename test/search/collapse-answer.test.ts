import { describe, expect, it } from 'vitest';
import { sentenceSpans } from '../../src/ingest/split.js';
import { findAnswers } from '../../src/search/answer.js';
import { collapseDuplicates } from '../../src/search/collapse.js';
import type { StoredPassage } from '../../src/store/store.js';

function passage(id: number, articleId: string, text: string, vector: number[], articleParagraphs: number, published: string | null = null): StoredPassage {
  const norm = Math.hypot(...vector);
  return {
    id,
    paragraph: 0,
    window: 0,
    text,
    vector: Float32Array.from(vector.map((x) => x / norm)),
    article: { id: articleId, title: articleId, source: null, published, path: null, url: null },
    articleParagraphs,
  };
}

describe('collapseDuplicates', () => {
  const moreParagraphs = (a: StoredPassage, b: StoredPassage) => a.articleParagraphs > b.articleParagraphs;

  it('merges copies that differ in quotes and case, showing the most complete article and listing the rest', () => {
    const ranked = [
      { passage: passage(1, 'short-copy', 'Egypt’s border is “closed”.', [1, 0, 0], 17), score: 0.9 },
      { passage: passage(2, 'other', 'A different paragraph.', [0, 1, 0], 5), score: 0.8 },
      // Similar vectors (cosine 0.89, below the copy threshold) but the same normalized text.
      { passage: passage(3, 'full-copy', "egypt's border is \"closed\".", [0.9, 0, 0.45], 32), score: 0.7 },
      { passage: passage(4, 'related', 'Egypt’s border is open.', [0.9, 0, 0.45], 9), score: 0.6 },
    ];
    const collapsed = collapseDuplicates(ranked, moreParagraphs);
    expect(collapsed.map((c) => [c.passage.id, c.score, c.alsoIn.map((a) => a.id)])).toEqual([
      [3, 0.9, ['short-copy']],
      [2, 0.8, []],
      [4, 0.6, []],
    ]);
  });

  it('merges near-identical texts by vector similarity and keeps distinct ones apart', () => {
    const ranked = [
      { passage: passage(1, 'a', 'Talks resumed in Cairo on Thursday.', [1, 0.01, 0], 3), score: 0.9 },
      { passage: passage(2, 'b', 'Talks resumed in Cairo on Thursday, sources said.', [1, 0.02, 0], 3), score: 0.85 },
      { passage: passage(3, 'c', 'Talks stalled in Doha.', [0.8, 0.6, 0], 3), score: 0.8 },
    ];
    expect(collapseDuplicates(ranked, moreParagraphs).map((c) => c.passage.article.id)).toEqual(['a', 'c']);
  });
});

describe('sentenceSpans', () => {
  it('gives each sentence with offsets that slice it out of the text', () => {
    const text = 'Egypt fears an exodus.  Cairo says it would “liquidate” the cause. It is firm.';
    const spans = sentenceSpans(text);
    expect(spans.map(({ start, end }) => text.slice(start, end))).toEqual(['Egypt fears an exodus.', 'Cairo says it would “liquidate” the cause.', 'It is firm.']);
  });
});

describe('findAnswers', () => {
  it('picks the sentence whose vector is closest to the question, and the whole text of a one-sentence passage', () => {
    const text = 'First one. Second one. Third one.';
    const spans = sentenceSpans(text);
    const vectors = [Float32Array.of(1, 0), Float32Array.of(0, 1), Float32Array.of(0.6, 0.8)];
    const [several, single] = findAnswers(Float32Array.of(0, 1), [
      { text, spans, vectors },
      { text: 'Only sentence.', spans: sentenceSpans('Only sentence.'), vectors: [] },
    ]);
    expect(several).toEqual({ answer: 'Second one.', answerStart: 11, answerEnd: 22 });
    expect(single).toEqual({ answer: 'Only sentence.', answerStart: 0, answerEnd: 14 });
  });
});
