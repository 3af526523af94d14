import { describe, expect, it } from 'vitest';
import { meanScores, rankDocuments, scoreRanking } from '../../src/eval/metrics.js';

describe('retrieval metrics (trec_eval definitions)', () => {
  const judgments = new Map([
    ['d1', 2],
    ['d2', 1],
    ['d3', 1],
  ]);

  it('computes nDCG@k with linear gains and a log2 discount', () => {
    // Ranking d4 d1 d5 d2: DCG = 2/log2(3) + 1/log2(5); ideal = 2/1 + 1/log2(3) + 1/log2(4).
    const dcg = 2 / Math.log2(3) + 1 / Math.log2(5);
    const ideal = 2 + 1 / Math.log2(3) + 1 / 2;
    const scores = scoreRanking(['d4', 'd1', 'd5', 'd2'], judgments, 10);
    expect(scores.ndcg).toBeCloseTo(dcg / ideal, 10);
    expect(scores.ndcg).toBeCloseTo(0.5406, 3); // 1.6926 / 3.1309
    expect(scores.recall).toBeCloseTo(2 / 3, 10);
    expect(scores.mrr).toBe(0.5);
  });

  it('cuts at k: a relevant document below rank k counts for nothing', () => {
    expect(scoreRanking(['x', 'y', 'd1'], judgments, 2)).toEqual({ ndcg: 0, recall: 0, mrr: 0 });
    expect(scoreRanking(['d1', 'd2', 'd3'], judgments, 3).ndcg).toBeCloseTo(1, 10);
  });

  it('caps the ideal ranking at k', () => {
    // Two relevant in the top 1 slot cannot both fit: the ideal DCG@1 is the best grade, 2.
    expect(scoreRanking(['d2'], judgments, 1).ndcg).toBeCloseTo(0.5, 10);
  });

  it('averages over queries and ranks documents by their first passage', () => {
    expect(meanScores([{ ndcg: 1, recall: 0.5, mrr: 1 }, { ndcg: 0, recall: 0.5, mrr: 0 }])).toEqual({ ndcg: 0.5, recall: 0.5, mrr: 0.5 });
    expect(rankDocuments(['a', 'b', 'a', 'c', 'b'])).toEqual(['a', 'b', 'c']);
  });
});
